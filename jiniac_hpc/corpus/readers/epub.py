"""EPUB books: the documents of the book in reading order, for the ``gutenberg`` reader.

    python -m jiniac_hpc.corpus.readers gutenberg tests/assets/corpus/real/gutenberg_pg1064-images-3.epub

Project Gutenberg offers every book as EPUB too (``pgNNNN-images-3.epub``, made by ebookmaker
from the HTML edition, the PG header and footer as documents of their own). An EPUB is a ZIP
archive: ``META-INF/container.xml`` names the package document (``content.opf``), whose
``<spine>`` lists the book's XHTML documents in reading order by their ``<manifest>`` ids. The
book is those documents in that order; the other files (images, style sheets, the navigation
document and ``toc.ncx`` unless the spine lists them) hold no text of it. The whole file is one
book: it is not split into its members as a ``.zip`` input is.
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
    hrefs = {it.get("id"): it.get("href") for it in opf.iter(f"{_OPF}item")}
    spine = [ref.get("idref") for ref in opf.iter(f"{_OPF}itemref")]
    if not spine:
        raise BadInput(f"EPUB whose package document {opf_path} has an empty <spine>")
    for idref in spine:
        if idref not in hrefs:
            raise BadInput(f"EPUB spine item {idref!r} is not in the manifest of {opf_path}")
        # hrefs are URLs relative to the package document (percent-encoded, maybe with a fragment)
        path = posixpath.normpath(posixpath.join(base, unquote(hrefs[idref].split("#")[0])))
        yield path, member(path, f"spine item {idref!r} of {opf_path}")
