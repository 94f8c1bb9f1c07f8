"""The pages of a book Project Gutenberg split over several HTML pages, for the ``gutenberg`` reader.

    python -m jiniac_hpc.corpus.readers gutenberg tests/assets/corpus/real/gutenberg_76_orig76-h_multipage/p1.htm

The 1990s-2000s "-h" folders of some books are several pages: ``main.htm`` with PG's header, the
contents and the licence, and ``p1.htm`` … ``p8.htm`` the chapters (``10900-h.htm`` and ``book01.htm``
… ``book66.htm``; LaTeX2HTML's ``6527-h.html`` and ``files/node1.html`` …). :func:`book_main_page`
finds, for a page with no PG header, the page of its book that has it; :func:`book_pages` says, for
a main page, how many of the pages it links to are beside it and how many are not.
"""
from __future__ import annotations

import functools
import posixpath
import re
from pathlib import Path
from typing import Optional
from urllib.parse import unquote

from jiniac_hpc.corpus.readers.base import MEMBER_SEP, archive_member, open_binary, open_zip

# A book PG split over several pages (the 1990s-2000s "-h" folders: main.htm and p1.htm … p8.htm, 10900-h.htm
# and book01.htm … book66.htm, LaTeX2HTML's files/node1.html …): PG's header and licence are in the main
# page only, the others hold the work alone and link to their neighbours.
_PG_MARK = re.compile(rb"\*{3}\s*START OF (THE |THIS )?PROJECT GUTENBERG|\*END\*?\s*THE SMALL PRINT"
                      rb"|SMALL PRINT!.{0,80}\*END\*", re.I)
_HREF = re.compile(rb"""href\s*=\s*["']?([^"'#\s>?]+)""", re.I)
_PAGE = re.compile(r"\.x?html?$", re.I)
_HEAD_BYTES = 1 << 18     # PG's header is at the top of the main page


def book_main_page(path: Path) -> tuple[Optional[str], list[str]]:
    """(the page of the same multi-page book that holds PG's header, or None; the other pages
    ``path`` links to). The book's pages are those in ``path``'s folder and the folder above it, on
    disk or in the same ZIP archive (``books.zip::76-h/p1.htm``); ``path`` is in the book when a
    page with PG's header reaches it by links, directly (main.htm's contents) or through other
    pages (LaTeX2HTML's index page, linked from the chapters)."""
    archive, here, folder = _place(path)
    with open_binary(path) as fh:
        pages = linked_pages(path, fh.read())
    book = {}
    for f in dict.fromkeys((folder, posixpath.dirname(folder))):
        book.update(_folder_pages(archive, f))
    for main, (marked, _) in book.items():
        if not marked or main == here:
            continue
        seen, todo = {main}, [main]
        while todo:
            for nxt in book.get(todo.pop(), (False, ()))[1]:
                if nxt == here:
                    return (f"{archive}{MEMBER_SEP}{main}" if archive else main), pages
                if nxt in book and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
    return None, pages


def not_in_book(path: Path, pages: list[str]) -> str:
    """The bad-input line for a page with no PG header that links to ``pages`` but that no page with
    PG's header reaches: where a page beside it has PG's header and links to some of the same pages
    (it is the same book's main page), the page is one the book does not use
    (LaTeX2HTML's own ``files/index.html``, a copy of the title page that PG's ``6527-h.html``
    replaced); else the book's main page was not given."""
    archive, _, folder = _place(path)
    mains = sorted(m for f in dict.fromkeys((folder, posixpath.dirname(folder)))
                   for m, (marked, links) in _folder_pages(archive, f).items() if marked and links & set(pages))
    if mains:
        return (f"no PG header: a page of a multi-page HTML book (it links to {pages[0]}) that the book's page with "
                f"PG's header, {mains[0]}, does not reach by links: a page the book does not use, not read")
    return (f"no PG header: a page of a multi-page HTML book (it links to {pages[0]}), but no page beside it "
            "holds PG's header and links to it: give the book's whole folder")


def _place(path: Path) -> tuple[str, str, str]:
    """(the ZIP archive ``path`` is a member of, or ""; its path, in the archive if one; its folder)."""
    member = archive_member(path)
    archive, name = (member[0], member[1]) if member else ("", str(path))
    here = posixpath.normpath(name.replace("\\", "/"))
    return archive, here, posixpath.dirname(here)


def linked_pages(path: Path, raw: bytes, present: bool = False) -> list[str]:
    """The other pages (``.htm``, ``.html``, ``.xhtml``) the page ``path`` (its bytes ``raw``) links to,
    sorted: in a multi-page book, the main page's links to its chapters (LaTeX2HTML's ``files/node1.html``
    …), where the rest of the work is. ``present``: only those that are there, on disk or in the same
    ZIP archive (a single-page book's stray link to a page PG never posted is no chapter)."""
    archive, here, folder = _place(path)
    pages = sorted(x for x in _links(raw, folder) if x != here)
    if present and pages:
        if archive:
            with open_zip(archive) as zf:
                names = {posixpath.normpath(n) for n in zf.namelist()}
            pages = [x for x in pages if x in names]
        else:
            pages = [x for x in pages if Path(x).is_file()]
    return pages


def book_pages(path: Path, raw: bytes) -> dict[str, int]:
    """For the main page of a book PG split over several pages (it holds PG's header), the record's
    ``meta``: ``pages``, how many of the pages it links to are beside it (each read as its own record),
    and ``pages_absent``, how many are not, where two or more are not (the page given without its
    chapters: the rest of the work is not in the input); {} for a page that links to none."""
    pages = linked_pages(path, raw)
    there = len(linked_pages(path, raw, present=True)) if pages else 0
    absent = len(pages) - there
    return {**({"pages": there} if there else {}), **({"pages_absent": absent} if absent > 1 else {})}


def _links(raw: bytes, folder: str) -> set[str]:
    """The pages (``.htm``, ``.html``, ``.xhtml``) a page in ``folder`` links to, as paths."""
    out = set()
    for m in _HREF.finditer(raw):
        href = unquote(m.group(1).decode("latin-1"))
        if _PAGE.search(href) and ":" not in href:        # no http:, mailto: …
            out.add(posixpath.normpath(posixpath.join(folder, href)))
    return out


@functools.lru_cache(maxsize=64)
def _folder_pages(archive: str, folder: str) -> dict[str, tuple[bool, frozenset]]:
    """page -> (whether its head holds a PG start marker or the end of the 1990s Small Print, the
    pages it links to), for each page in ``folder`` (of ``archive``, if one is named). Read once
    per folder: each page of a book asks the same."""
    out = {}
    if archive:
        with open_zip(archive) as zf:
            prefix = f"{folder}/" if folder not in ("", ".") else ""
            for n in zf.namelist():
                if n.startswith(prefix) and "/" not in n[len(prefix):] and _PAGE.search(n):
                    raw = zf.read(n)
                    out[posixpath.normpath(n)] = (bool(_PG_MARK.search(raw[:_HEAD_BYTES])),
                                                  frozenset(_links(raw, folder or ".")))
        return out
    base = Path(folder or ".")
    for f in sorted(base.iterdir()) if base.is_dir() else ():
        if _PAGE.search(f.name) and f.is_file():
            raw = f.read_bytes()
            out[posixpath.normpath(str(f))] = (bool(_PG_MARK.search(raw[:_HEAD_BYTES])),
                                               frozenset(_links(raw, folder or ".")))
    return out
