"""The gutenberg reader on the file formats of every era of Project Gutenberg.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_gutenberg.py

A real 1997 file (the licence at the top, the title block repeated before the work, no ``*** END``
marker) and marker lines as they stand in real files of 1997-2004 (recorded by Kaser & Lemire's
boilerplate study of the PG CD, whose log lists each file's last header and first footer line),
and the encodings PG files come in. The modern format is tested on a real file in
tests/test_corpus_real.py.
"""
import re
from pathlib import Path

import pytest

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
SONNETS = R / "gutenberg_wssnt10_1997.txt"


def recs(path: Path, **kw):
    return list(read(path, SourceConfig(name="t", reader="gutenberg", paths=[str(path)], lang="en", **kw), 1 << 24))


def roman(n: int) -> str:
    out = ""
    for v, s in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


def test_1997_file_keeps_the_work_and_drops_pg_text_at_both_ends():
    raw = SONNETS.read_text(encoding="ascii")
    # The work, found independently: from its title to the last line of sonnet CLIV, which is
    # followed by nothing but PG's "End of The Project Gutenberg Etext of ..." block.
    work = raw[raw.index("THE SONNETS\nby William Shakespeare"):raw.index("water cools not love.") + 21]
    (r,) = recs(SONNETS)
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    assert squeeze(r.text) == squeeze(work)
    assert all(re.search(rf"^  {roman(n)}$", r.text, re.M) for n in range(1, 155))   # all 154 sonnets
    for leak in ("Gutenberg", "Etext", "SMALL PRINT", "*****", "in our series", "Public Domain"):
        assert leak not in r.text, leak
    assert r.meta["encoding"] == "utf-8"
    assert r.unread["boilerplate"] + len(r.text) >= sum(len(x) for x in raw.split("\n")) * 0.98


HEADER = "The Project Gutenberg Etext of A Book\n\nlicence talk\n\n"
WORK = "CHAPTER I\n\nIt was a dark night.\n\nThe end."
STARTS = ["*END THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.10/04/01*END*",
          "*END THE SMALL PRINT! FOR PUBLIC DOMAIN EBOOKS*Ver.02/11/02*END*",
          "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*",
          "*** START OF THE PROJECT GUTENBERG ETEXT THE COMPLETE POETICAL WORKS ***",
          "***START OF THIS PROJECT GUTENBERG ETEXT A BOOK***",
          "*** START OF THE PROJECT GUTENBERG EBOOK MEMOIRS THREE CIVIL WAR GENERALS***"]
ENDS = ["End of The Project Gutenberg Etext of The Red Planet",
        "End of Project Gutenberg's Etext of The Autobiography of Benvenuto Cellini",
        "The End of the Project Gutenberg Etext of Major Barbara by",
        "End of this Project Gutenberg Etext of The Alchemist, by Ben Jonson.",
        "End of The Project Gutenberg eText of Haydn, by J. Cuthbert Hadden***",
        "*** END OF THE PROJECT GUTENBERG EBOOK OF THREE CIVIL WAR GENERALS ***"]
CREDITS = ["", "This etext was produced by Eve Sobol, South Bend, Indiana, USA\n\n",
           "Produced by Sue Asscher\n<asschers@dingoblue.net.au>\n\n",
           "*******The Project Gutenberg Etext of A Book******\n#2 in our series by An Author\n\n"
           "This Etext was prepared by the Project Gutenberg Team.\n\n"]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("end", ENDS)
def test_start_and_end_markers_of_every_era(tmp_path, start, end):
    for k, credit in enumerate(CREDITS):
        f = tmp_path / f"book{k}.txt"
        f.write_text(f"{HEADER}{start}\n\n\n{credit}{WORK}\n\n\n{end}\n\nfooter talk\nmore licence\n", encoding="ascii")
        (r,) = recs(f)
        assert r.text == WORK, (credit, r.text)
        assert r.unread["boilerplate"] == sum(len(x) for x in f.read_text().split("\n")) - sum(
            len(x) for x in WORK.split("\n"))


def test_a_first_paragraph_of_the_work_is_kept_even_after_a_credit(tmp_path):
    """Only PG's own paragraphs are dropped: the work's first paragraph ends the search."""
    f = tmp_path / "b.txt"
    f.write_text("*** START OF THE PROJECT GUTENBERG EBOOK X ***\nProduced by A. Volunteer\n\nPREFACE\n\n"
                 "This book tells of the etext era.\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n", encoding="ascii")
    (r,) = recs(f)
    assert r.text == "PREFACE\n\nThis book tells of the etext era."


LATIN = "CHAPITRE I\n\nÉmile était là, près du château; « Où est-il ? » - il rêvait."


@pytest.mark.parametrize("declared,codec,read_as", [
    ("ISO-8859-1", "latin-1", "cp1252"), ("ISO Latin-1", "latin-1", "cp1252"), (None, "cp1252", "cp1252"),
    ("UTF-8", "utf-8", "utf-8"), ("ASCII", "cp1252", "cp1252")])     # declared ASCII, yet Windows quotes
def test_encoding_declared_in_the_header_or_found(tmp_path, declared, codec, read_as):
    """PG's older files are Latin-1 (declared or not, sometimes with Windows quotes): never read
    as Shift_JIS, which would turn every accented letter into a kanji."""
    work = LATIN + ("\n\n“Windows quotes”" if codec == "cp1252" else "")
    head = f"Title: X\nCharacter set encoding: {declared}\n\n" if declared else "Title: X\n\n"
    f = tmp_path / "b.txt"
    f.write_bytes(f"{head}*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n{work}\n\n"
                  "*** END OF THE PROJECT GUTENBERG EBOOK X ***\n".encode(codec))
    (r,) = recs(f)
    assert r.text == work
    assert r.meta["encoding"] == read_as


def test_bytes_no_western_codec_reads_are_a_reject_naming_the_line(tmp_path):
    f = tmp_path / "b.txt"
    f.write_bytes(b"*** START OF THE PROJECT GUTENBERG EBOOK X ***\nline two\nbad \x81\x8d here\n")
    (r,) = recs(f)
    assert r.text is None and "undecodable" in r.error and "line 3" in r.error, r.error
    (r,) = recs(f, encoding="latin-1")    # the user's explicit choice reads every byte
    assert r.text.startswith("line two")


def test_german_book_from_projekt_gutenberg_de():
    """#2229, Goethe's Faust I (ISO-8859-1, CRLF): after the start marker, PG's credit and the
    German Gutenberg Projekt's note (in German and English); at the end, the German closing line
    "Ende dieses Projekt Gutenberg Etextes …" before PG's licence."""
    path = R / "gutenberg_2229-8_german.txt"
    (r,) = recs(path)
    raw = path.read_bytes().decode("latin-1").replace("\r\n", "\n")
    assert r.meta["encoding"] == "cp1252"     # declared ISO-8859-1: read as browsers do
    assert r.text.startswith("  Faust: Der Tragödie erster Teil\n\n  Johann Wolfgang von Goethe\n\n\n  Zueignung.")
    assert r.text.endswith("(Verschwindet mit Faust.)\n\n  STIMME (von innen, verhallend):\n  Heinrich!  Heinrich!")
    for leak in ("Gutenberg", "gutenberg.aol.de", "Produced by", "Ende dieses"):
        assert leak not in r.text, leak
    # everything else is counted: the file's characters less its CRs are the work plus the boilerplate
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] == len(raw.replace("\n", ""))


def squeezed(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_a_start_marker_wrapped_onto_the_next_line():
    """#43, *Dr. Jekyll and Mr. Hyde* (UTF-8, CRLF): "*** START OF THIS PROJECT GUTENBERG EBOOK" /
    "THE STRANGE CASE OF DR. JEKYLL AND MR. HYDE ***", the marker's second half on a line of its own,
    then PG's "Produced by" credit; the work starts at its own title."""
    path = R / "gutenberg_43-0_wrapped_marker_trimmed.txt"
    raw = path.read_bytes().decode("utf-8")
    (r,) = recs(path)
    assert r.text.startswith("The Strange Case Of Dr. Jekyll And Mr. Hyde\n\nby Robert Louis Stevenson")
    assert r.text.endswith("I bring the life of that unhappy Henry Jekyll to an end.")
    for leak in ("***", "Produced by", "Gutenberg"):
        assert leak not in r.text, leak
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] == len("".join(raw.splitlines()))


def test_pg_trailer_with_no_end_line_before_the_small_print():
    """#4657, Burton's *Pilgrimage to Al-Madinah* (2002, UTF-8 with BOM, CRLF): no "*** END" line;
    the work's last line "END OF VOLUME I." runs straight into PG's trailing part ("The Project
    Gutenberg Etext of …", "by …", "******This file should be named pnpa110.txt …******", PG's
    notes, "***START**THE SMALL PRINT!**…", the licence), and the only "End of The Project Gutenberg
    Etext" line is the file's last. The trailer is boilerplate, not the work."""
    path = R / "gutenberg_pg4657_trailer_no_end_line_trimmed.txt"
    raw = path.read_bytes().decode("utf-8-sig")
    (r,) = recs(path)
    lines = raw.splitlines()
    first = lines.index("PERSONAL NARRATIVE OF A PILGRIMAGE TO AL-MADINAH & MECCAH")
    last = lines.index("END OF VOLUME I.")
    assert squeezed(r.text) == squeezed("".join(lines[first:last + 1]))
    for leak in ("SMALL PRINT", "Gutenberg", "should be named", "Michael S. Hart"):
        assert leak not in r.text, leak
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] == len("".join(lines))


def test_leading_ornament_and_the_french_thanks_to_the_bnf_are_pgs():
    """#4650, Voltaire's *Candide* (French, UTF-8 with BOM): after the start marker, the old title
    block ("The Project Gutenberg Etext of Candide", "(#6 in our series …)"), a "***" line, the credit,
    and the producer's thanks to the Bibliothèque nationale in English and then in French; the work
    starts at its title page ("OEUVRES / DE / VOLTAIRE.")."""
    path = R / "gutenberg_4650-8_candide_trimmed.txt"
    (r,) = recs(path)
    assert r.text.startswith("                                OEUVRES\n\n                                  DE\n")
    assert r.text.endswith("FIN DE CANDIDE.")
    for leak in ("***", "Produced by", "remercions", "gallica", "Gutenberg"):
        assert leak not in r.text, leak


def test_scanned_and_proofread_credit():
    """#4658 (2002, UTF-8 with BOM): the credit is "Scanned and proofread by …", PG's as "Produced by" is."""
    (r,) = recs(R / "gutenberg_pg4658_scanned_credit_trimmed.txt")
    assert r.text.startswith("PERSONAL NARRATIVE OF A PILGRIMAGE TO AL-MADINAH & MECCAH\n\nBY\n")
    assert r.text.endswith("Zuyud schismatics, ii. 6")
    assert "Scanned" not in r.text


def test_double_star_small_print_end_and_volunteer_credits_of_1993():
    """frank14.txt, *Frankenstein* as revised in 2004 (ASCII, CRLF): the header's Small Print ends
    "**END THE SMALL PRINT! …*END**" (two stars), and the header also holds "******This file should be
    named frank14.txt …" and "***START**THE SMALL PRINT!…", which end no work here; after the licence,
    the volunteers' 1993 notes of who scanned and proofread which chapters, then the work."""
    path = R / "gutenberg_frank14_2004_double_star_small_print_trimmed.txt"
    raw = path.read_bytes().decode("ascii")
    (r,) = recs(path)
    assert r.text.startswith("Frankenstein, or the Modern Prometheus\nby Mary Wollstonecraft (Godwin) Shelley")
    assert r.text.endswith("He was soon borne away by the waves and\nlost in darkness and distance.")
    for leak in ("SMALL PRINT", "Gutenberg", "Etext", "scanned by", "Proofread by"):
        assert leak not in r.text, leak
    assert len(r.text.replace("\n", "")) + r.unread["boilerplate"] == len("".join(raw.splitlines()))
