"""The gutenberg reader on the producers' own notes in real Project Gutenberg texts and EPUBs.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_gutenberg_notes.py

Real files (see tests/assets/corpus/real/SOURCES.md). Text editions: #132 (a producer's signed
"Preface to the Project Gutenberg Etext" between the dedication and the book's introduction), #52834
(an unheaded note on the errata corrected and the markup, where the book's first section would be),
#16215 (a "Transcribers Note:" whose second paragraph runs to a rule), #16351 (a "TRANSCRIBER'S
NOTES" legend of the music notation, a hundred lines long), #44157 (notes in French at both ends),
#2701 (a heading, five blank lines, then its note, after a long contents). Pages: two EPUBs
ebookmaker made whose notes are set in the pages' own blocks, #37134 (a box whose first paragraph is
the heading "Transcriber's Notes:") and #18600 (a box of two paragraphs, the note in English, then
in Spanish, "Nota del transcriptor: …"); #22089's HTML page, whose note boxes go and whose index
stays; #17997's, whose links to its songs' sound and score files, "[Listen] [View Lilypond]", go.
Each note is ``transcriber_note``, and every character of the file is the work's, a note's or PG's
boilerplate. And a text of Project Gutenberg of Australia, which has no markers at all (#0200041,
*The Great Gatsby*, Latin-1).
"""
import html
import re
import zipfile
from pathlib import Path

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.gutenberg_html import nonspace
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"


def recs(path: Path):
    return list(read(path, SourceConfig(name="t", reader="gutenberg", paths=[str(path)], lang="en"), 1 << 24))


def _lines(path: Path, encoding: str) -> list[str]:
    return path.read_bytes().decode(encoding).splitlines()


def _span(lines: list[str], first: str, last: str) -> int:
    """Characters of the lines from the one that is ``first`` to the one that is ``last``."""
    a = lines.index(first)
    return len("".join(lines[a:lines.index(last, a) + 1]))


def _note_dropped(path: Path, encoding: str, start: str, leaks: tuple, first: str, last: str):
    """The record of ``path``: the work starts with ``start`` and holds none of ``leaks``; the note,
    its lines from ``first`` to ``last``, is ``transcriber_note``; every character is counted."""
    lines = _lines(path, encoding)
    (r,) = recs(path)
    assert r.text.startswith(start)
    for leak in leaks:
        assert leak not in r.text, leak
    assert r.unread["transcriber_note"] == _span(lines, first, last)
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] \
        == len("".join(lines))
    return r


def test_a_producers_preface_to_the_etext_is_a_note():
    """#132 (Sun Tzu, *The Art of War*, Giles's translation; UTF-8, CRLF): after the title page and
    the dedication, a rule, "Preface to the Project Gutenberg Etext" underlined, the producer's
    preface (one paragraph of seventy lines, "I did the conversion in complete ignorance of
    Chinese"), his signature with two e-mail addresses, and a rule; then the book's INTRODUCTION."""
    r = _note_dropped(R / "gutenberg_132_producer_preface_trimmed.txt", "utf-8", " " * 20 + "SUN TZU ON THE ART OF WAR",
                      ("Preface to the Project Gutenberg Etext", "complete ignorance of Chinese", "Bob Sutton",
                       "freenet", "bobs@gnu"),
                      "Preface to the Project Gutenberg Etext", "-" * 65)
    assert "this translation\n                  is affectionately dedicated.\n\n" in r.text
    assert "\n\nINTRODUCTION\n\n\nSun Wu and his Book\n" in r.text


def test_an_unheaded_note_on_the_errata_is_a_note():
    """#52834 (*Guernsey Folk-Lore*, 2016; UTF-8, CRLF): after the credit, four paragraphs and no
    heading: "The listed errata have been corrected …, as have obvious typos. However, the original
    text contained inconsistencies … retained.", the book's French, "Normal text within italic
    passages is denoted ~like this~.", what the text version cannot show; four blank lines, then
    the title page. (UTF-8 with a BOM: PG's part, like the line ends, is counted without it.)"""
    _note_dropped(R / "gutenberg_52834_unheaded_note_trimmed.txt", "utf-8-sig",
                  "GUERNSEY FOLK-LORE.\n\n[Illustration: SIR EDGAR MACCULLOCH",
                  ("errata", "typos", "~like this~", "HTML", "EDITOR’S NOTE"),
                  "The listed errata have been corrected (although the list is by no", "have “EDITOR’S NOTE” prefixed.")


def test_a_transcribers_note_runs_to_the_rule_under_it():
    """#16215 (Ainsworth, *Jack Sheppard*, 2005; ASCII, CRLF): "Transcribers Note: Obvious typesetter
    errors … corrected in this etext", then a second paragraph, "Throughout this text you will see
    words or phrases with _ (underscore) …", and a rule of dashes; then the title page."""
    _note_dropped(R / "gutenberg_16215_note_above_rule_trimmed.txt", "ascii",
                  "English Library\n\n_VOL. XII_\n\nJACK SHEPPARD A Romance",
                  ("Transcribers", "underscore", "ascii", "-----"),
                  "Transcribers Note: Obvious typesetter errors from the original", "-" * 33)


def test_a_long_notation_legend_is_a_note_to_its_gap():
    """#16351 (MacDowell, *Critical and Historical Essays*, 2005; ASCII, CRLF): "TRANSCRIBER'S
    NOTES", then a hundred lines on how the music is written in the text ("[f++] = F double-sharp",
    "[G:] = Treble clef", examples), up to the four blank lines before the title page."""
    _note_dropped(R / "gutenberg_16351_notation_legend_trimmed.txt", "ascii",
                  "CRITICAL AND HISTORICAL ESSAYS\n\nLectures delivered at Columbia University",
                  ("TRANSCRIBER", "underscores", "double-sharp", "Treble clef", "[3/4: 4 4 8 8"),
                  "TRANSCRIBER'S NOTES", "[3/4: 4 4 8 8 | 8. 16 2] = [- - ' ' - ' -]")


def _boxes(path: Path, opening: str) -> list[str]:
    """The text of each <div> that ``opening`` (its start tag) opens in the EPUB's documents, up to
    its end tag (the boxes hold no <div> of their own)."""
    with zipfile.ZipFile(path) as z:
        docs = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".htm.xhtml"))
    boxes = re.findall(re.escape(opening) + r"(.*?)</div>", docs, re.S)
    return [html.unescape(re.sub(r"<[^>]*>", " ", b)) for b in boxes]


def test_an_epub_note_box_under_its_heading_is_a_note():
    """#37134 (Strunk, *The Elements of Style*, EPUB 3 of ebookmaker): right after PG's header
    ``<div id="tnote">``, whose first paragraph is the heading "Transcriber's Notes:", then "Every
    effort has been made to replicate this text as faithfully as possible …" and how corrections are
    marked; at the end ``<div id="tnote-bottom">``, "Transcriber's Note:" and the list of corrections.
    Both boxes whole are ``transcriber_note``: the heading alone was, the note's paragraphs were read
    as the book's first words."""
    path = R / "gutenberg_pg37134-images-3_tn_box_no_images.epub"
    (r,) = recs(path)
    assert r.error is None and r.meta["edition"] == "epub"
    assert r.text.startswith("THE\nELEMENTS OF STYLE\n\nBY\nWILLIAM STRUNK, Jr.")
    for leak in ("Transcriber", "Every effort has been made", "hovering the cursor", "list of corrections"):
        assert leak not in r.text, leak
    boxes = _boxes(path, '<div id="tnote">') + _boxes(path, '<div id="tnote-bottom">')
    assert len(boxes) == 2
    assert r.unread["transcriber_note"] == sum(map(nonspace, boxes))


def test_an_epub_note_box_in_two_languages_is_a_note():
    """#18600 (Rizal, *Mi último adiós*, EPUB 3 of ebookmaker): ``<div class="bbox">`` with the note in
    English ("Transcriber's Note: Dr. José Rizal wrote this last poem …") and in Spanish ("Nota del
    transcriptor: El Dr. José Rizal escribió este último poema …"), a rule, then the poem's title.
    The box whole is ``transcriber_note``; the Spanish paragraph was read as the poem's first."""
    path = R / "gutenberg_pg18600-images-3_tn_two_languages_no_images.epub"
    (r,) = recs(path)
    assert r.text.startswith("MI ULTIMO ADIOS\n\nAdios, Patria adorada, region del sol querida,")
    for leak in ("Transcriber", "Nota del transcriptor", "hemos optado"):
        assert leak not in r.text, leak
    (box,) = _boxes(path, '<div class="bbox">')
    assert r.unread["transcriber_note"] == nonspace(box)


def test_a_project_gutenberg_of_australia_text_is_read_between_its_header_and_footer():
    """PGA's #0200041, *The Great Gatsby* (2002, updated 2017; ISO-8859-1, LF): no PG markers; the
    header ("Project Gutenberg Australia", "* A Project Gutenberg of Australia eBook *", "eBook No.:
    0200041.txt", its licence) ends "To contact Project Gutenberg of Australia go to
    http://gutenberg.net.au", then "Title:"/"Author:" again and the work; the file ends "THE END" and
    a line "Project Gutenberg Australia". The work is read between them (it had been refused as no PG
    text at all), with its "Hôtel" read as Latin-1."""
    path = R / "gutenberg_pga_0200041_gatsby_trimmed.txt"
    lines = _lines(path, "latin-1")
    (r,) = recs(path)
    assert r.error is None and r.meta == {"encoding": "cp1252", "edition": "text"}
    assert r.text.startswith("Then wear the gold hat, if that will move her;")
    assert "Hôtel de Ville in Normandy" in r.text and r.text.endswith("the past.\n\n\n\nTHE END")
    for leak in ("Australia", "eBook", "Colin Choat", "licence", "Title:", "Author:"):
        assert leak not in r.text, leak
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] == len("".join(lines))


def test_a_pages_note_boxes_go_and_its_index_stays():
    """#22089 (*The Liberty Minstrel*, 2007; HTML 4, cp1252): after PG's header ``<div
    class="notes">``, three paragraphs opening "Transcriber's Notes: The midi and pdf files …"; at
    the end the book's INDEX, whose table follows ``<p class="notes">Transcriber's Note: The original
    order of the entries in this index has been preserved.</p>``. Both notes are
    ``transcriber_note``; the title page and the index are the work's (a page's blank lines are its
    markup's: a note's section looked for there ran on over the index, or over the title page)."""
    path = R / "gutenberg_22089-h_notes_and_index_trimmed.htm"
    raw = path.read_bytes().decode("cp1252")
    (r,) = recs(path)
    assert r.meta["edition"] == "html"
    assert "THE\n\nLIBERTY MINSTREL.\n\n\"When the striving of surges" in r.text
    for entry in ("Am I not a Man and Brother? 56", "Brothers be Brave for the pining Slave 26",
                  "Be kind to each other 166"):
        assert entry in r.text, entry
    for leak in ("Transcriber", "Lilypond", "midi", "original order of the entries"):
        assert leak not in r.text, leak
    notes = re.findall(r'<div class="notes">(.*?)</div>|<p class="notes">(.*?)</p>', raw, re.S)
    assert len(notes) == 2
    text = [html.unescape(re.sub(r"<[^>]*>", " ", a or b)) for a, b in notes]
    assert r.unread["transcriber_note"] == sum(map(nonspace, text))


def test_links_to_a_songs_sound_files_are_a_note():
    """#17997 (Fewkes, *Contribution to Passamaquoddy Folk-Lore*, 2006; HTML, cp1252): under each
    song's score the producers' links ``[<a href="music/music01.midi">Listen</a>] [<a
    href="music/music01.ly">View Lilypond</a>]``: not the book's words, ``transcriber_note``, links and
    brackets; the paragraphs around them stay."""
    path = R / "gutenberg_17997-h_listen_links_trimmed.htm"
    raw = path.read_bytes().decode("cp1252")
    (r,) = recs(path)
    rows = re.findall(r'\[<a href="music/[^"]+\.midi">Listen</a>\] '
                      r'\[<a href="music/[^"]+\.ly">View\s+Lilypond</a>\]', raw)
    assert len(rows) == 2
    for leak in ("Listen", "Lilypond", "[]"):
        assert leak not in r.text, leak
    assert "assembly to join in the dance are interpolated in the second strain." in r.text
    assert "\n\nI think there are internal evidences of the antiquity of this song," in r.text
    assert r.unread["transcriber_note"] == sum(nonspace(re.sub(r"<[^>]*>", "", x)) for x in rows)


def test_a_producers_notes_in_french_at_both_ends_are_notes():
    """#44157 (Lucie Vos, *Entre nous*, 2013; UTF-8 with a BOM, CRLF): after the credit "Au lecteur." and the
    note on the markup ("Le texte en italiques dans l’original est indiqué ici comme _italiques_ …",
    "On trouvera d’autres précisions à la fin du texte."); at the end, after the book's last
    vignette and an ornament, "Au lecteur." again ("Ce livre électronique reproduit intégralement le
    texte original. Seules quelques erreurs typographiques évidentes ont été corrigées …") and the
    corrections, page by page. Both are ``transcriber_note``."""
    path = R / "gutenberg_44157-0_notes_in_french_trimmed.txt"
    lines = _lines(path, "utf-8-sig")
    (r,) = recs(path)
    assert r.text.startswith(" " * 30 + "ENTRE NOUS.\n")
    assert r.text.endswith("  la lecture,                     het lezen.\n\n\n\n\n[Vignette: IK BLIJF WERKEN]")
    for leak in ("Au lecteur", "italiques dans", "livre électronique", "remplacé par"):
        assert leak not in r.text, leak
    front = _span(lines, "  Au lecteur.", "    On trouvera d’autres précisions à la fin du texte.")
    at = lines.index("[Vignette: IK BLIJF WERKEN]")     # the ornament after it sets the note apart
    tail = len("".join(lines[at + 1:lines.index("               vensterbank.)") + 1]))
    assert r.unread["transcriber_note"] == front + tail
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] \
        == len("".join(lines))


def test_a_notes_heading_set_apart_from_its_note_takes_the_note():
    """#2701 (Melville, *Moby-Dick*, the UTF-8 edition; CRLF, BOM): after the contents "Original
    Transcriber’s Notes:", five blank lines, then the note, "This text is a combination of etexts,
    one from the now-defunct ERIS project at Virginia Tech and one from Project Gutenberg’s archives.
    …", then five blank lines and ETYMOLOGY. The heading and the note are ``transcriber_note``."""
    path = R / "gutenberg_2701-0_note_after_contents_trimmed.txt"
    lines = _lines(path, "utf-8-sig")
    (r,) = recs(path)
    assert "CHAPTER 135. The Chase.—Third Day.\n\nEpilogue\n" in r.text
    assert "\n  ETYMOLOGY.\n\n\n  (Supplied by a Late Consumptive Usher to a Grammar School.)" in r.text
    for leak in ("Transcriber", "etexts", "ERIS", "Adelaide"):
        assert leak not in r.text, leak
    heading = len("Original Transcriber’s Notes:")
    note = _span(lines, "This text is a combination of etexts, one from the now-defunct ERIS",
                 "was compared with a public domain hard copy version of the text.")
    assert r.unread["transcriber_note"] == heading + note
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] \
        == len("".join(lines))


def test_a_music_placeholder_that_is_a_producers_note():
    """#16215's text edition (2005, DP, ASCII) sets a song's score as "[Music: Transcribers note See
    HTML version for music]": a placeholder that holds nothing of the book but the producers' word
    that the score is in another edition. It is ``transcriber_note``; the song's title above and its
    verses below are the work."""
    path = R / "gutenberg_16215_music_placeholder_note_trimmed.txt"
    (r,) = recs(path)
    assert r.error is None and "Transcriber" not in r.text and "HTML version" not in r.text
    assert "SAINT GILES'S BOWL.[A]\n" in r.text and r.text.endswith("draught from the Bowl of Saint Giles!")
    assert r.unread["transcriber_note"] == len("[Music: Transcribers note See HTML version for music]")
