"""The gutenberg reader on the producers' notes after a book and inside its lines.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_gutenberg_endnotes.py

Real files (tests/assets/corpus/real/SOURCES.md), all made by the same producer: #31894's text
edition ends with an ornament and "Errata", her list of the lines she corrected, each with the
book's reading in brackets ("Portae nōn gehennae  [non]"); #26060's with "Erratum" and the one
line she corrected; #25063 (The Beggar's Opera) ends, after
"Errata Noted by Transcriber:", with her note "About the Music" on the sound and score files she
made, which its HTML edition sets in a ``<div class="endnote">`` that her box at the top of the
page links to ("details are given at the end of the e-text"). And #17074 (Distributed
Proofreaders), whose producers bracketed their notes inside the book's lines ("mentioned on p. 71
[Transcriber's Note: p. 73], that"), and #24675, in whose text they set a tune's LilyPond source.
Each is ``transcriber_note``: the producers' words, not the
book's; every character is the work's, a note's or PG's boilerplate.
"""
import html
import re
import tempfile
from pathlib import Path

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.gutenberg_html import nonspace
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"


def recs(path: Path):
    return list(read(path, SourceConfig(name="t", reader="gutenberg", paths=[str(path)], lang="en"), 1 << 24))


def test_the_producers_list_of_corrections_after_the_book_is_a_note():
    path = R / "gutenberg_31894-0.txt"
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    (r,) = recs(path)
    assert r.text.rstrip().endswith("offers a prayer for future happiness.")
    for leak in ("Errata", "[frāgmenta]", "Variation between", "may be intentional"):
        assert leak not in r.text, leak
    first = lines.index("       *       *       *       *       *", lines.index("SCENE III"))
    last = lines.index("  Tē nōn pigēbit coniugem  [non]")
    assert r.unread["transcriber_note"] == len("".join(lines[first:last + 1]))
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] == \
        len("".join(lines))


def test_an_erratum_quoting_the_corrected_line_is_a_note():
    """#26060: "Erratum" after the ornament that closes the book, then the line the producer
    corrected; no page, no "for … read": not the book's own list. The book ends at its last page."""
    path = R / "gutenberg_26060_erratum.txt"
    lines = path.read_bytes().decode("ascii").splitlines()
    (r,) = recs(path)
    assert r.text.rstrip().endswith("FREDERICK WARNE & CO., LTD.")
    assert "Erratum" not in r.text and r.text.count("luggage") == 1      # (the line in the book stays)
    first = lines.index("       *       *       *       *       *", lines.index("  Published by"))
    last = lines.index("    These three Small Mice", first)
    assert r.unread["transcriber_note"] == len("".join(lines[first:last + 1]))
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] == \
        len("".join(lines))


def test_a_books_own_errata_stay():
    """The same book with its erratum written as a printed book's list is ("p. 12, for … read …"):
    the book's own words, kept."""
    raw = (R / "gutenberg_26060_erratum.txt").read_bytes()
    printed = raw.replace(b"  And all the luggage they took was a comb,",
                          b"  p. 12, for \"luggage\" read \"baggage\"")
    assert printed != raw
    path = Path(tempfile.mkdtemp()) / "26060.txt"
    path.write_bytes(printed)
    (r,) = recs(path)
    assert "Erratum" in r.text and 'read "baggage"' in r.text and not r.unread.get("transcriber_note")


def test_the_endnote_the_producers_box_links_to_is_a_note():
    """#25063's HTML: the box at the top (a note, already) links to "#music_notes", the anchor in
    the heading of ``<div class="endnote">`` "About the Music", which ends the book; the note goes
    whole (its heading, its paragraphs, "Changing the Tempo", "Back to Top"), the title page's text
    and the printer's line before it stay. The producers' notes are then the three boxes, the
    contents list they added and the endnote, character for character."""
    path = R / "gutenberg_25063-h_endnote_trimmed.htm"
    raw = path.read_text(encoding="utf-8")
    (r,) = recs(path)
    for leak in ("About the Music", "lilypond", "Changing the Tempo", "make-moment", "Back to Top"):
        assert leak not in r.text, leak
    for kept in ("Bungay, Suffolk.", "WILLIAM HEINEMANN\n1921", "Claud Lovat Fraser", "OVERTURE",
                 "Thus I stand like the Turk"):
        assert kept in r.text, kept
    assert r.text.rstrip().endswith("1921")
    boxes = [m.group() for m in re.finditer(r'<(div|p) class = "mynote[^"]*">.*?</\1>', raw, re.S)]
    contents = re.search(r'<div class = "contents">.*?</div>', raw, re.S).group()
    endnote = re.search(r'<div class = "endnote">.*?</div>', raw, re.S).group()
    assert len(boxes) == 3 and "#music_notes" in boxes[0] and 'name = "music_notes"' in endnote
    assert r.unread["transcriber_note"] == sum(map(chars, boxes + [contents, endnote]))


def test_a_section_a_box_links_to_by_its_name_stays():
    """The same page with the box's link saying where it goes by the section's name ("details are
    given in <a href="#music_notes">About the Music</a>"), as a box's list of links to the book's own
    sections does ("Index", "Advertisement"): the section is not taken for the producers' note."""
    raw = (R / "gutenberg_25063-h_endnote_trimmed.htm").read_bytes()
    named = raw.replace(b'#music_notes">end of\r\nthe e-text</a>', b'#music_notes">About\r\nthe Music</a>')
    assert named != raw
    path = Path(tempfile.mkdtemp()) / "25063-h.htm"
    path.write_bytes(named)
    (r,) = recs(path)
    assert "About the Music" in r.text and "Changing the Tempo" in r.text


def test_a_note_in_brackets_inside_the_books_lines_is_a_note():
    """#17074's notes in brackets: in a line ("p. 71 [Transcriber's Note: p. 73], that" reads "p. 71,
    that") and a line of its own inside a paragraph; the footnotes' own brackets ("[50]") stay."""
    path = R / "gutenberg_17074-8_inline_notes_trimmed.txt"
    lines = path.read_bytes().decode("cp1252").splitlines()
    (r,) = recs(path)
    assert "Transcriber" not in r.text and "Chartreuse" not in r.text
    assert "_libro prezioso_ mentioned on p. 71, that\nname may" in r.text
    assert '"La Chrantreuse"\nare introduced.' in r.text and "[50] This piece" in r.text
    notes = [" [Transcriber's Note: p. 73]", '[Transcriber\'s Note: So in original, perhaps should be "Chartreuse"]']
    assert r.unread["transcriber_note"] == sum(map(len, notes))
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] == \
        len("".join(lines))


def test_the_lilypond_source_the_producers_set_in_the_text_is_a_note():
    """#24675's footnote 10 ends "luidt als volgt:"; the producers' line "[Note Project Gutenberg:
    music transcribed in Lilypond format]" and the tune's source (``\\layout {`` … ``\\version
    "2.7.39"``) follow, then the footnote's "]": the note and the source go, the "]" stays."""
    path = R / "gutenberg_24675-8_lilypond_trimmed.txt"
    lines = path.read_bytes().decode("cp1252").splitlines()
    (r,) = recs(path)
    for leak in ("Lilypond", "\\layout", "\\clef", "b'4. a'8 g'4", "\\version"):
        assert leak not in r.text, leak
    assert "overbekend, luidt als volgt:\n\n]\n" in r.text and "KOMEDIE-SPELEN." in r.text
    first = lines.index("[Note Project Gutenberg: music transcribed in Lilypond format]")
    last = next(k for k in range(first, len(lines)) if lines[k].startswith("\\version"))
    tn = lines.index("Transcriber's Notes")
    end = next(k for k in range(tn, len(lines)) if lines[k].startswith("End of Project Gutenberg"))
    assert r.unread["transcriber_note"] == len("".join(lines[first:last + 1])) + len("".join(lines[tn:end]))
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] == \
        len("".join(lines))


def chars(markup: str) -> int:
    """Non-whitespace characters of a piece of a page's text (its tags dropped, references decoded)."""
    return nonspace(html.unescape(re.sub(r"<[^>]+>", " ", markup)))
