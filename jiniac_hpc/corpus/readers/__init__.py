"""Streaming readers: one input file -> ``Record``s (text or a bad-input report).

    python -m jiniac_hpc.corpus.readers jsonl tests/assets/corpus/web.jsonl   # prints records

Every reader is a generator over one file (or one Arrow file of a ``datasets`` folder) that
holds at most one record in memory: JSONL/Parquet/Arrow go record by record, JSON documents
(Diet API pages, SQuAD-style files) are decoded one array element at a time by
:func:`iter_json_array`, e-Gov XML with ``iterparse``, Aozora, text and wikiextractor output line
by line. Every reader opens files through :func:`open_binary`, so each reads them gzip-, bzip2-,
xz- or zstd-compressed as well (told by the name and the first bytes). A record
that cannot be read (invalid UTF-8, broken JSON, missing field, larger than
``max_record_bytes``) is yielded as ``Record(text=None, error=...)`` with its line (or element
index), so the caller reports it and reads on. A file a reader cannot read at all (a PDF given
to a text reader, JSON of an unknown shape, a corrupt Parquet file) ends with one such record
naming the reason: :func:`read` turns any exception a reader raises into that record.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.aozora import aozora_row, read_aozora
from jiniac_hpc.corpus.readers.base import (IMAGE_MAGIC, BadInput, Record, archive_member, misnamed_zip, open_binary,
                                            open_text, without_lone_surrogates, zip_members)
from jiniac_hpc.corpus.readers.diet import read_diet
from jiniac_hpc.corpus.readers.egov import read_egov_xml
from jiniac_hpc.corpus.readers.gutenberg import read_gutenberg
from jiniac_hpc.corpus.readers.jsondoc import iter_json_array, read_squad
from jiniac_hpc.corpus.readers.pdf import read_pdf
from jiniac_hpc.corpus.readers.tabular import hf_disk_files, read_arrow, read_jsonl, read_parquet
from jiniac_hpc.corpus.readers.text import read_text
from jiniac_hpc.corpus.readers.wikiextractor import read_wikiextractor
from jiniac_hpc.fileio import CompressionError

__all__ = ["Record", "READER_FUNCS", "read", "hf_disk_files", "iter_json_array", "open_binary", "open_text",
           "zip_members"]

READER_FUNCS = {"jsonl": read_jsonl, "parquet": read_parquet, "hf_disk": read_arrow, "aozora": read_aozora,
                "diet": read_diet, "egov_xml": read_egov_xml, "squad": read_squad, "text": read_text,
                "gutenberg": read_gutenberg, "pdf": read_pdf, "wikiextractor": read_wikiextractor}


#: Word, Excel and PowerPoint files (Office Open XML is a ZIP; the older formats are OLE2 compound
#: files): an e-Gov law's appendix may be one, beside the law's XML in the bulk download
OFFICE_SUFFIXES = (".docx", ".xlsx", ".pptx", ".doc", ".xls", ".ppt")
OFFICE_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def read(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """Records of one input shard with the source's reader; a reader's exception ends the file with
    a bad-input record (position after the last record) instead of failing the task.

    A file inside a ZIP archive (``books.zip::a.txt``) is read like a file of its own; an image, in
    an archive (Aozora Bunko ships a work's illustrations in its ZIP) or beside the text in the
    input's folder (an Aozora XHTML page's illustrations and gaiji images, a Project Gutenberg HTML
    book's ``images/``), is one document dropped as ``image`` whatever the reader, and a PDF in an
    archive read by another reader (the e-Gov bulk download holds the PDFs of some appendices
    beside the XML) one dropped as ``pdf``, a Word, Excel or PowerPoint
    file (an appendix too) one dropped as ``office`` (their bytes count in the input, no text). An
    archive the manifest could not open, or whose files it could not tell apart (two of one name, a
    name flagged UTF-8 that is not), is one bad-input record. A file named ``.zip`` that is no ZIP
    archive at all (:func:`~jiniac_hpc.corpus.readers.base.misnamed_zip`: an Aozora work stored as
    its text) is read as the file it is; a bad-input record of it says it was so read. A row
    reader's text is read as Aozora Bunko's when the source says ``markup: aozora``
    (:func:`~jiniac_hpc.corpus.readers.aozora.aozora_row`)."""
    pos = 0
    try:
        member = archive_member(path)
        zipped = member is None and str(path).lower().endswith(".zip")
        misnamed = zipped and misnamed_zip(path)
        if zipped and not misnamed:
            zip_members(path)                  # raises why the manifest could not list its files
            raise BadInput("a ZIP archive with no files in it")   # the one archive the manifest keeps whole
        if member is not None or Path(path).is_file():
            with open_binary(path) as fh:
                head = fh.read(8)
            kind = ("image" if head.startswith(IMAGE_MAGIC) else None if member is None
                    else "pdf" if head.startswith(b"%PDF-")
                    else "office" if member[1].lower().endswith(OFFICE_SUFFIXES) and head.startswith(OFFICE_MAGIC)
                    else None)
            if kind and not (kind == "pdf" and src.reader == "pdf"):
                yield Record(1, None, skip=kind)
                return
        for rec in READER_FUNCS[src.reader](path, src, limit):
            pos = rec.pos
            if misnamed and rec.error:         # why a .zip was read as a plain file
                rec = replace(rec, error=f"{misnamed}: {rec.error}")
            if src.markup == "aozora" and rec.text is not None:     # a repackaged Aozora Bunko row
                text, unread, placeholders = aozora_row(rec.text)
                rec = replace(rec, text=text, unread={k: rec.unread.get(k, 0) + unread.get(k, 0)
                                                      for k in {*rec.unread, *unread}},
                              meta={**rec.meta, "placeholders": placeholders} if placeholders else rec.meta)
            yield without_lone_surrogates(rec)
    except EOFError as e:   # gzip, bzip2 and xz streams that end before their end marker
        yield Record(pos + 1, None, f"unreadable as {src.reader}: the compressed file is cut short ({e}); "
                                    "the text after the last document read is lost")
    except Exception as e:  # noqa: BLE001 - any unreadable input is reported, never a crash
        why = str(e) if isinstance(e, (BadInput, CompressionError)) else f"{type(e).__name__}: {e}"
        yield Record(pos + 1, None, f"unreadable as {src.reader}: {why}")
