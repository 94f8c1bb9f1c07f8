"""The gutenberg reader on HTML pages of Project Gutenberg books as PG's archive and its mirrors hold them.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_gutenberg_pages.py

Real files (see tests/assets/corpus/real/SOURCES.md): the 1994 HTML page of *Through the
Looking-Glass*, whose Small Print's end line is run into the paragraph before it.
"""
from pathlib import Path

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.gutenberg_html import nonspace, page_lines
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
LEAKS = ("Gutenberg", "GUTENBERG", "Etext", "etext", "SMALL PRINT", "Small Print", "hart@")


def recs(path: Path):
    return list(read(path, SourceConfig(name="t", reader="gutenberg", paths=[str(path)], lang="en"), 1 << 24))


def test_small_print_end_run_into_a_line_of_the_page():
    """lglass18h.htm (1994, HTML 4, iso-8859-1): the header and Small Print are the page's
    paragraphs, so the end line "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*"
    is joined to the line before it ("… TEL: (212-254-5093) *END*THE SMALL"). It still ends PG's
    header: the work starts at the title, and all of PG's text is counted as boilerplate."""
    path = R / "gutenberg_lglass18h_1994_small_print_in_line_trimmed.htm"
    (r,) = recs(path)
    assert r.error is None and r.meta["edition"] == "html"
    assert r.text.startswith("THROUGH THE LOOKING-GLASS\n\nby LEWIS CARROLL\n\nTHE MILLENNIUM FULCRUM EDITION 1.7")
    assert "CHAPTER 1\n\nLooking-Glass house" in r.text
    assert r.text.endswith("THE END")
    for leak in LEAKS:
        assert leak not in r.text, leak
    _, _, total = page_lines(path.read_bytes().decode("cp1252"))
    assert nonspace(r.text) + sum(r.unread.values()) == total
    head = path.read_bytes().decode("cp1252")
    pg = head[head.index("<body>") + 6:head.index("<h1>")]
    assert r.unread["boilerplate"] >= nonspace(pg.replace("<br>", "").replace("<p>", "").replace("</p>", ""))


def test_the_transcribers_box_is_counted_apart():
    """#31963-h.htm (2010, UTF-8): right after PG's header, a ``<div class = "mynote">`` (the
    producer's box): the note on the file's UTF-8 encoding ("… appear as garbage, you may have an
    incompatible browser …"), the music files, the errors, a link to e-text 27769 and a contents
    list of links; after the libretto, ``<p class = "mynote center">`` "Listen to music" / "PDF
    version" under each score. None of it is the libretto's: ``transcriber_note``, the title page
    and the last scene whole."""
    path = R / "gutenberg_31963-h_transcriber_box_trimmed.htm"
    text = path.read_bytes().decode("utf-8")
    (r,) = recs(path)
    assert r.text.startswith("PRICE 65 CENTS\n\nMETROPOLITAN OPERA ASSOCIATION, INCORPORATED")
    assert "FLYING DUTCHMAN\n\n(DER FLIEGENDE HOLLAENDER)" in r.text and "ENDE.\n\nTHE END." in r.text
    for leak in LEAKS + ("UTF-8", "garbage", "e-text", "Listen to music", "PDF version", "Act Three"):
        assert leak not in r.text, leak
    boxes = [text[text.index('<div class = "mynote">'):text.index('<div class = "titlepage">')]]
    at = 0
    while (at := text.find('<p class = "mynote center">', at + 1)) > 0:
        boxes.append(text[at:text.index("</p>", at)])
    _, _, total = page_lines(text)
    notes = sum(page_lines(b)[2] for b in boxes)     # each box's characters, read apart
    assert len(boxes) == 4 and r.unread["transcriber_note"] == notes
    assert nonspace(r.text) + sum(r.unread.values()) == total


BOOK = R / "gutenberg_76_orig76-h_multipage"


def test_a_book_split_over_pages_is_read_page_by_page():
    """The original HTML edition of #76 (2004, HTML 4, cp1252) is one folder: main.htm holds PG's
    header, the contents (links to p1.htm … p8.htm), PG's end line and licence; p1.htm … p8.htm
    hold the chapters, with no PG text but "Next Part / Main Index" links. Each page is read: the
    main page as any PG page, each other page whole as the work (``part_of`` names the main page),
    its links to the other pages counted as ``navigation``."""
    main, part = BOOK / "main.htm", BOOK / "p1.htm"
    (m,) = recs(main)
    assert m.error is None and m.text.startswith("CONTENTS\n\nPart 1.")
    assert "part_of" not in m.meta and m.unread["boilerplate"] > 15000
    (r,) = recs(part)
    assert r.error is None and r.meta["part_of"] == str(main)
    assert r.text.startswith("ADVENTURES\n\nOF\n\nHUCKLEBERRY FINN\n\n(Tom Sawyer's Comrade)\n\nBy Mark Twain\n\nPart 1")
    assert "YOU don't know about me without you have read a book by the name of The Adventures of Tom" in r.text
    assert r.text.endswith("there was Tom Sawyer waiting for me.")
    for page in (m, r):
        for leak in LEAKS + ("Next Part", "Main Index"):
            assert leak not in page.text, leak
    _, _, total = page_lines(part.read_bytes().decode("cp1252"))
    assert nonspace(r.text) + sum(r.unread.values()) == total
    assert r.unread["navigation"] == 2 * nonspace("Next Part Main Index") and "boilerplate" not in r.unread


def test_a_page_of_a_split_book_in_a_zip_archive(tmp_path):
    """The same folder packed in a ZIP archive, each page read as ``books.zip::76-h/p1.htm``: the
    main page is found in the archive, and the page reads as it does on disk."""
    import zipfile
    zpath = tmp_path / "books.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in sorted(BOOK.iterdir()):
            zf.writestr(f"76-h/{f.name}", f.read_bytes())
    (r,) = recs(Path(f"{zpath}::76-h/p1.htm"))
    (disk,) = recs(BOOK / "p1.htm")
    assert r.error is None and r.text == disk.text and r.unread == disk.unread
    assert r.meta["part_of"] == f"{zpath}::76-h/main.htm"


def test_a_page_of_a_split_book_without_its_main_page_says_so(tmp_path):
    """book01.htm of the King James Bible (#10900, its pages book01.htm … book66.htm link to the
    main page 10900-h.htm, which this mirror lacks), and p1.htm copied away from main.htm: no
    page beside either holds PG's header, so each is one bad-input record that says it is a page of
    a split book, names a page it links to and what to give instead."""
    (r,) = recs(R / "gutenberg_10900-h_book01_alone_trimmed" / "book01.htm")
    assert r.text is None and "multi-page HTML book" in r.error
    assert "10900-h.htm" in r.error and "whole folder" in r.error and "\n" not in r.error
    alone = tmp_path / "p1.htm"
    alone.write_bytes((BOOK / "p1.htm").read_bytes())
    (r,) = recs(alone)
    assert r.text is None and "multi-page HTML book" in r.error and "main.htm" in r.error


def test_a_split_book_through_the_corpus_stage(tmp_path):
    """The split book's folder as a source (a glob of its pages): two documents, the main page's
    contents and Part 1; every character read is in a document or counted unread."""
    import json

    from jiniac_hpc.config import from_dict
    from jiniac_hpc.corpus.config import CorpusConfig
    from jiniac_hpc.corpus.stage import run_inline
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "pg", "reader": "gutenberg", "lang": "en",
                                                "paths": [str(BOOK / "*.htm")]}], "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    s = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["pg"]
    assert s["docs_in"] == 2 and s["docs_out"] == 2 and s["bad_input_count"] == 0
    (m,), (r,) = recs(BOOK / "main.htm"), recs(BOOK / "p1.htm")
    unread = {k: m.unread.get(k, 0) + r.unread.get(k, 0) for k in {**m.unread, **r.unread}}
    assert s["unread"] == unread and s["chars_read"] == s["chars_in"] + sum(s["unread"].values())
    assert s["flagged"] == {"multi_page_book": 1, "pages_not_given": 1}    # main.htm: p2.htm … p8.htm not here


def _debian_book(tmp_path: Path) -> Path:
    """#6527's HTML folder as GITenberg holds it: the main page 6527-h.html (PG's header, the title
    page, the contents), two of the chapters' pages LaTeX2HTML made, files/node7.html and
    files/node10.html, and LaTeX2HTML's own title page, files/index.html, which no page links to."""
    book = tmp_path / "6527-h"
    (book / "files").mkdir(parents=True)
    (book / "6527-h.html").write_bytes((R / "gutenberg_6527-h_copyright_protected_small_print.html").read_bytes())
    for f in ("node7.html", "node10.html", "index.html"):
        (book / "files" / f).write_bytes((R / "gutenberg_6527-h_latex2html_multipage" / "files" / f).read_bytes())
    return book


def test_latex2html_navigation_is_not_the_work(tmp_path):
    """Each page of #6527 (LaTeX2HTML 2K.1beta, iso-8859-1) opens and ends with a navigation panel
    (``<div class="navigation">``: "Next: About This Book Up: Introduction Previous: A Multiuser,
    Multitasking Operating  Contents  Index"), and a page with sections lists them under
    "Subsections" (``<ul class="ChildLinks">``); at its foot each page repeats the authors'
    ``<address>``. The text edition has none of these: they are ``navigation``, and the chapter's own
    text is the work."""
    book = _debian_book(tmp_path)
    (r,) = recs(book / "files" / "node10.html")
    assert r.error is None and r.meta["part_of"] == str(book / "6527-h.html")
    assert r.text.startswith("What Is Free Software?\n\nWhen Debian developers and users speak of")
    assert r.text.endswith("see http://www.opensource.org/or http://www.fsf.org/philosophy/categories.html.")
    for leak in ("Next:", "Up:", "Previous:", "Contents", "Index"):
        assert leak not in r.text, leak
    text = (book / "files" / "node10.html").read_bytes().decode("cp1252")
    _, _, total = page_lines(text)
    assert nonspace(r.text) + sum(r.unread.values()) == total
    panels = [text[i:text.index("</DIV>", i)] for i in range(len(text)) if text.startswith('<DIV CLASS="navigation"', i)]
    assert len(panels) == 2 and r.unread["navigation"] == sum(page_lines(p)[2] - nonspace(
        " ".join(x.split('ALT="')[1].split('"')[0] for x in p.split("<IMG")[1:])) for p in panels) + nonspace(
        "John Goerzen / Ossama Othman")
    (s,) = recs(book / "files" / "node7.html")
    assert s.text.startswith("Introduction\n\nWe're glad to have this opportunity")
    assert "Subsections" not in s.text and "What Is Debian?" not in s.text and "Goerzen" not in s.text


def test_the_main_page_of_a_split_book_says_where_the_rest_is(tmp_path):
    """#6527's main page holds PG's header, the title page, the licence notice and the contents, 2%
    of the book: the chapters are in the 104 pages it links to (files/node1.html …). Its record
    says so: ``meta['pages']``, those of them beside it (here two), which the corpus stage flags as
    ``multi_page_book``, and ``meta['pages_absent']``, those not (flagged ``pages_not_given``: given
    alone, the page is all of the book that was read). The contents list, LaTeX2HTML's links to those
    pages, is ``navigation`` (node1.html, the "Contents" page, holds it as the book's own contents)."""
    book = _debian_book(tmp_path)
    (m,) = recs(book / "6527-h.html")
    assert m.error is None and m.meta["pages"] == 2 and m.meta["pages_absent"] == 102 and "part_of" not in m.meta
    alone = tmp_path / "6527-h.html"
    alone.write_bytes((book / "6527-h.html").read_bytes())
    (a,) = recs(alone)
    assert "pages" not in a.meta and a.meta["pages_absent"] == 104 and a.text == m.text
    assert m.text.startswith("Debian GNU/Linux: Guide to Installation and Usage\n\nJohn Goerzen and Ossama Othman")
    assert "Next:" not in m.text and "Partitioning Your Hard Drive" not in m.text
    _, _, total = page_lines((book / "6527-h.html").read_bytes().decode("cp1252"))
    assert nonspace(m.text) + sum(m.unread.values()) == total
    (r,) = recs(BOOK / "main.htm")
    assert r.meta["pages"] == 1 and r.meta["pages_absent"] == 7     # (the sample has p1.htm of p1 … p8)
    (one,) = recs(R / "gutenberg_921-h.htm")
    assert "pages" not in one.meta


def test_a_page_the_split_book_does_not_use_says_so(tmp_path):
    """#6527's files/index.html is LaTeX2HTML's title page, which PG's 6527-h.html (the same page with
    PG's header) replaced: no page links to it. It is one bad-input line that says the book's main page
    is there and does not reach it (not "give the book's whole folder", which was given)."""
    book = _debian_book(tmp_path)
    (r,) = recs(book / "files" / "index.html")
    assert r.text is None and "does not reach" in r.error and str(book / "6527-h.html") in r.error
    assert "whole folder" not in r.error and "\n" not in r.error
