"""The gutenberg reader on Project Gutenberg files of odd vintages, as GITenberg's repositories keep them.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_gutenberg_vintages.py

Real files (see tests/assets/corpus/real/SOURCES.md): a 2004 HTML page made by LaTeX2HTML for a
book PG posted by leave of its copyright holders (its licence ends in the "COPYRIGHT PROTECTED"
Small Print line), a 1997 text whose producer signed his credit under the title, and a 2010 text
whose note on its encoding runs over three paragraphs in one pair of brackets.
"""
from pathlib import Path

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.gutenberg_html import nonspace, page_lines
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
DEBIAN = R / "gutenberg_6527-h_copyright_protected_small_print.html"
DPROF = R / "gutenberg_dprof10_1997_signed_credit_trimmed.txt"


def recs(path: Path, reader: str = "gutenberg"):
    return list(read(path, SourceConfig(name="t", reader=reader, paths=[str(path)], lang="en"), 1 << 24))


def test_a_page_that_opens_with_a_comment_is_html():
    """LaTeX2HTML writes "<!--Converted with LaTeX2HTML …-->" before <HTML>: still a page, whose tags
    must not be read as text."""
    (r,) = recs(DEBIAN, "text")
    assert r.text is None and "HTML" in r.error


def test_copyright_protected_small_print_ends_pgs_header():
    """#6527 (2004, LaTeX2HTML, iso-8859-1): PG's header and licence in a <pre>, ending
    "*SMALL PRINT! Ver.03.17.02 FOR COPYRIGHT PROTECTED EBOOKS*END*"; then the book's title page,
    its own (GNU) licence, which are the work's; its contents, LaTeX2HTML's list of links to the
    chapters' pages, and the authors' address under the last navigation panel, are navigation."""
    raw = DEBIAN.read_bytes()
    (r,) = recs(DEBIAN)
    assert r.error is None and r.meta["edition"] == "html"
    assert "Debian GNU/Linux: Guide to Installation and Usage\n\nJohn Goerzen and Ossama Othman\n\n" in r.text
    assert "Permission is granted to make and distribute verbatim copies of this manual" in r.text
    assert r.text.endswith("excepting the clearly marked sections held under separate copyright.")
    for leak in ("SMALL PRINT", "Small Print", "Gutenberg", "hart@pobox.com", "eBook"):
        assert leak not in r.text, leak
    # every non-space character of the page is in the work or counted unread
    _, _, total = page_lines(raw.decode("cp1252"))
    assert nonspace(r.text) + sum(r.unread.values()) == total
    assert r.unread["boilerplate"] > nonspace(raw[raw.index(b"**The Legal Small Print**"):
                                                  raw.index(b"*SMALL PRINT! Ver.03.17.02")].decode("cp1252"))


def test_credit_signed_under_the_title_is_pgs():
    """dprof10.txt (1997, ASCII, CRLF): after the Small Print, "De Profundis by Oscar Wilde" and
    "Scanned and proofed by David Price, ccx074@coventry.ac.uk" in one paragraph; then the work."""
    raw = DPROF.read_bytes().decode("ascii")
    (r,) = recs(DPROF)
    assert r.text.startswith("De Profundis\n\n\n\n\n. . . Suffering is one very long moment.")
    assert r.text.endswith("waters, and with bitter herbs make me whole.")
    for leak in ("Scanned", "proofed", "ccx074", "Gutenberg", "SMALL PRINT", "Etext"):
        assert leak not in r.text, leak
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] == len("".join(raw.splitlines()))


def test_a_bracketed_encoding_note_is_dropped_whole():
    """#31894-0.txt (2010, UTF-8): after the credit, a note in brackets over three paragraphs: "[This
    e-text includes characters that require UTF-8 (Unicode) file encoding:", the letters, and "If any
    of these characters do not display properly … use the Latin-1 version of the file instead.]". Its
    first paragraph is PG's; the rest of it is too, not the work's start."""
    path = R / "gutenberg_31894-0.txt"
    raw = path.read_bytes().decode("utf-8-sig")
    (r,) = recs(path)
    assert r.text.startswith("  TWO LATIN PLAYS FOR\n  HIGH-SCHOOL STUDENTS\n")
    for leak in ("Āā Ēē", "display properly", "Latin-1 version", "instead.]"):
        assert leak not in r.text, leak
    # (the producer's list of corrections at the end is her note: test_corpus_gutenberg_endnotes.py)
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] == \
        len("".join(raw.splitlines()))


def test_a_form_feed_is_counted(tmp_path):
    """Old etexts break pages with a form feed, where ``str.splitlines`` breaks the line: the
    character vanished from the accounting. Here the real 1997 text with a form feed put on three
    of the work's blank lines (the file itself has none): the same work, each counted as markup."""
    raw = DPROF.read_bytes()
    at = raw.index(b"De Profundis by Oscar Wilde")
    paged = raw[:at] + raw[at:].replace(b"\r\n\r\n", b"\r\n\x0c\r\n", 3)
    assert paged.count(b"\x0c") == 3
    (tmp_path / "paged.txt").write_bytes(paged)
    (plain,) = recs(DPROF)
    (r,) = recs(tmp_path / "paged.txt")
    assert r.unread.get("markup") == 3 and "\x0c" not in r.text
    assert r.text.replace("\n", "") == plain.text.replace("\n", "")
    text = paged.decode(r.meta["encoding"])
    assert len(text.replace("\r", "").replace("\n", "")) == len(r.text.replace("\n", "")) + sum(r.unread.values())


def test_notes_of_the_1991_edition_after_the_small_print_are_pgs():
    """peter16.txt (#16, July 1991, updated 2006; ASCII, CRLF): after the Small Print, three
    paragraphs of the 1991 edition's notes ("This edition of Peter Pan has been created … Public
    Domain …", "To assist in the preservation of this edition … claimed as copyright (c)1991 …",
    "Disclaimer: … this etext is perfectly accurate …"), then the title page. The middle note names
    neither PG nor the etext, but stands between two that do: all three are PG's."""
    path = R / "gutenberg_peter16_1991_notes_trimmed.txt"
    raw = path.read_bytes().decode("ascii")
    (r,) = recs(path)
    assert r.text.startswith("                              PETER PAN\n                          [PETER AND WENDY]\n")
    assert "Two is the\nbeginning of the end." in r.text
    assert r.text.endswith("THE END")
    for leak in ("To assist in the preservation", "Disclaimer", "etext", "Gutenberg", "SMALL PRINT", "copyright"):
        assert leak not in r.text, leak
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] == len("".join(raw.splitlines()))


def test_transcribers_notes_before_and_after_the_play_are_counted_apart():
    """#21849.txt (2007, ASCII, CRLF): after the credit, "[Transcriber's Note:" over three
    paragraphs to its "]" (the music files of the HTML edition, where the errors are listed); after
    the play, an ornament and "ERRATA (noted by transcriber)" with the list of corrections, up to
    PG's end line. Neither is the play's: both are ``transcriber_note``, the play whole between."""
    path = R / "gutenberg_21849_transcriber_notes_trimmed.txt"
    raw = path.read_bytes().decode("ascii")
    (r,) = recs(path)
    assert r.text.startswith('  THE\n  "MIND THE PAINT"\n  GIRL\n')
    assert r.text.endswith("  Tavistock Street Covent Garden\n  London")
    assert "aristocracy!" in r.text and "THE END." in r.text
    for leak in ("Transcriber", "transcriber", "e-text", "ERRATA", "Errors are listed", "lilypond"):
        assert leak not in r.text, leak
    lines = raw.splitlines()
    note = lines[lines.index("  [Transcriber's Note:"):lines.index("  Errors are listed at the end of the e-text.]") + 1]
    errata = lines[lines.index("       *       *       *       *       *"):
                   lines.index("End of Project Gutenberg's The 'Mind the Paint' Girl, by Arthur Pinero")]
    assert r.unread["transcriber_note"] == len("".join(note + errata))
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] == len("".join(lines))


def test_signed_notes_of_the_first_folio_etexts_are_pgs():
    """2264.txt (#2264, Shakespeare's First Folio *Macbeth*, July 2000; ASCII, LF): after the Small
    Print and "Project Gutenberg's Etext of …", "Executive Director's Notes:" over eight paragraphs
    (the first lines of Hamlet quoted as an example, the printers' "cliches") signed "Michael S.
    Hart / Project Gutenberg / Executive Director", a "***", then "Scanner's Notes: What this is
    and isn't." over four paragraphs signed "David Reed"; then the play. Both notes are PG's, the
    quoted lines of Hamlet with them. (This copy of the file ends in Act IV, as its repository
    holds it.)"""
    path = R / "gutenberg_2264_2000_first_folio_signed_notes.txt"
    raw = path.read_bytes().decode("ascii")
    (r,) = recs(path)
    assert r.text.startswith("The Tragedie of Macbeth\n\nActus Primus. Scoena Prima.\n\nThunder and Lightning.")
    assert r.text.endswith("But yet Ile make assurance: double sure,")
    for leak in ("Executive Director", "Barnardo", "cliche", "Scanner", "David Reed", "haradda@aol.com", "Etext"):
        assert leak not in r.text, leak
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] == len("".join(raw.splitlines()))


def test_a_producers_paragraph_under_the_title_is_counted_apart():
    """#7370.txt (Locke, *Second Treatise of Government*; ASCII, CRLF): after the credit, the
    title line, then the producer's paragraph "Digitized by Dave Gowan <dgowan@tfn.net>. … None of
    the McPherson edition is included in the Etext below …"; then an ornament and the 1690 title
    page. The paragraph is the producer's (``transcriber_note``), the title page the work's."""
    path = R / "gutenberg_7370_producer_note_trimmed.txt"
    raw = path.read_bytes().decode("ascii")
    (r,) = recs(path)
    assert r.text.startswith("SECOND TREATISE OF GOVERNMENT by JOHN LOCKE\n\n\n       *       *       *")
    assert "TWO TREATISES OF GOVERNMENT\n\n\nBY IOHN LOCKE\n\n\nSALUS POPULI SUPREMA LEX ESTO" in r.text
    assert "PREFACE\n\nReader, thou hast here" in r.text and r.text.endswith("FINIS.")
    for leak in ("Digitized", "dgowan", "McPherson", "Etext", "Gutenberg"):
        assert leak not in r.text, leak
    lines = raw.splitlines()
    at = lines.index('Digitized by Dave Gowan <dgowan@tfn.net>. John Locke\'s "Second Treatise of Government"')
    note = lines[at:lines.index("1690 Locke text is included. The 1690 edition text is free of copyright.") + 1]
    assert r.unread["transcriber_note"] == len("".join(note))
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] + r.unread["transcriber_note"] == len("".join(lines))
