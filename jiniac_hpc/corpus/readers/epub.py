"""EPUB books: the documents of the book in reading order, for the ``gutenberg`` reader.

    python -m jiniac_hpc.corpus.readers gutenberg tests/assets/corpus/real/gutenberg_pg1064-images-3.epub

Project Gutenberg offers every book as EPUB too (``pgNNNN-images-3.epub``, made by ebookmaker
from the HTML edition, the PG header and footer as documents of their own). An EPUB is a ZIP
archive: ``META-INF/container.xml`` names the package document (``content.opf``), whose
``<spine>`` lists the book's XHTML documents in reading order by their ``<manifest>`` ids. The
book is those documents in that order; the other files (images, style sheets, the navigation
document and ``toc.ncx`` unless the spine lists them) hold no text of it. The text of the contents
lists and of any other XHTML document left out of the spine is in the file all the same:
:func:`off_spine_documents` gives them to be counted, not read. The whole file is one book: it is
not split into its members as a ``.zip`` input is.
"""
from __future__ import annotations

import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from typing import Iterator
from urllib.parse import unquote

from jiniac_hpc.corpus.readers.base import BadInput

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"


def spine_documents(raw: bytes) -> Iterator[tuple[str, bytes]]:
    """(archive path, bytes) of each document of the spine, in reading order. Raises
    :class:`BadInput` naming what is missing when the archive is not a readable EPUB."""
    member, opf_path, items, spine = _package(raw)
    if not spine:
        raise BadInput(f"EPUB whose package document {opf_path} has an empty <spine>")
    for idref in spine:
        if idref not in items:
            raise BadInput(f"EPUB spine item {idref!r} is not in the manifest of {opf_path}")
        path = items[idref][0]
        yield path, member(path, f"spine item {idref!r} of {opf_path}")


def off_spine_documents(raw: bytes) -> Iterator[tuple[str, bytes, str]]:
    """(archive path, bytes, why it is not read) of each text document of the manifest that the
    spine does not list: ``toc`` for the navigation document (``properties="nav"``, ebookmaker's
    ``toc.xhtml``) and ``toc.ncx`` (EPUB 2's), which list the book's headings, ``not_in_spine``
    for any other XHTML document. Their text is not the book's, but it is in the file: the reader
    counts it (unread) so the file's text is all accounted for. A document the manifest names but
    the archive lacks is skipped (nothing of it is in the file)."""
    member, _, items, spine = _package(raw)
    for idref, (path, media, props) in items.items():
        if idref in spine or media not in _TEXT_MEDIA:
            continue
        try:
            data = member(path, "")
        except BadInput:
            continue
        yield path, data, "toc" if media == _NCX or "nav" in props else "not_in_spine"


_NCX = "application/x-dtbncx+xml"
_TEXT_MEDIA = ("application/xhtml+xml", _NCX)


def _package(raw: bytes):
    """(member reader, package document path, manifest id -> (archive path, media type,
    properties), spine idrefs) of an EPUB. Raises :class:`BadInput` as :func:`spine_documents` says."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as e:
        raise BadInput(f"an EPUB that is not a readable ZIP archive: {e}") from e
    names = set(zf.namelist())

    def member(name: str, why: str) -> bytes:
        if name not in names:
            raise BadInput(f"EPUB without {name} ({why})")
        return zf.read(name)

    container = ET.fromstring(member("META-INF/container.xml", "it names the package document"))
    root = container.find(f"{_CONTAINER}rootfiles/{_CONTAINER}rootfile")
    if root is None or not root.get("full-path"):
        raise BadInput("EPUB whose META-INF/container.xml names no package document (rootfile full-path)")
    opf_path = root.get("full-path")
    opf = ET.fromstring(member(opf_path, "the package document container.xml names"))
    base = posixpath.dirname(opf_path)
    # hrefs are URLs relative to the package document (percent-encoded, maybe with a fragment)
    items = {it.get("id"): (posixpath.normpath(posixpath.join(base, unquote((it.get("href") or "").split("#")[0]))),
                            it.get("media-type") or "", (it.get("properties") or "").split())
             for it in opf.iter(f"{_OPF}item")}
    spine = [ref.get("idref") for ref in opf.iter(f"{_OPF}itemref")]
    return member, opf_path, items, spine
