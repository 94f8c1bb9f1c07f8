"""Plain-text reader: one document per file, per blank-line-separated block, or per line; or one
column of a tab-separated parallel corpus, a document a line.

    python -m jiniac_hpc.corpus.readers text FILE                 # a document a blank-line block
    python -m jiniac_hpc.corpus.readers text hin.txt --column 2    # the Hindi side of Tatoeba's TSV

A parallel corpus in TSV (Samanantar, CCAligned and OPUS exports; Tatoeba's
``English<TAB>Hindi<TAB>attribution``) holds both sides of a pair on one line: read as plain
lines, a Hindi document would hold the English sentence and the attribution too. With ``column``
(a number from 1, or a name the first line gives as a header) a line's document is that cell; the
other cells and the tabs between them are counted unread (``other_columns``). Every line must have
as many columns as the first: one that has not (a tab lost or added by an export, a cut line) is a
bad-input record naming its line and both counts, never a cell taken from the wrong column.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import BadInput, Record, _checked, open_text
from jiniac_hpc.corpus.readers.tabular import merge_runs


def read_text(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """Plain text: one document per file, per blank-line-separated block (CC-100's layout: a paragraph
    a line, a blank line after each document), or per line. A document larger than ``limit`` UTF-8
    bytes is one bad-input record for all its lines; the lines after the limit are not a document
    of their own (a block's tail, a file's rest). With ``src.column``: :func:`read_column`."""
    if src.column is not None:
        yield from read_column(path, src, limit)
        return
    buf: list[str] = []
    start = 1
    size = 0
    over = False      # the document passed the limit: its lines are counted, not kept

    def flush(pos: int, end: int) -> Optional[Record]:
        if over:
            return Record(pos, None, f"document of {size} bytes (lines {pos}-{end}) exceeds "
                                     f"max_record_bytes={limit}", size)
        text = "\n".join(buf).strip("\n")
        return Record(pos, text, None, size) if text.strip() else None

    with open_text(path, src.encoding) as fh:
        i = 0
        try:
            for i, line in enumerate(fh, 1):
                line = line.rstrip("\n")
                if src.doc_sep == "line":
                    if line.strip():
                        yield _checked(i, line, limit)
                    continue
                if src.doc_sep == "blank_line" and not line.strip():
                    rec = flush(start, i - 1)
                    if rec:
                        yield rec
                    buf, start, size, over = [], i + 1, 0, False
                    continue
                size += len(line.encode("utf-8", "surrogatepass")) + 1
                if size > limit:
                    buf, over = [], True
                if not over:
                    buf.append(line)
        except UnicodeDecodeError as e:
            # (the document the undecodable line is in is skipped with it: its part read so far is no document)
            held = buf or over
            part = f"the document from line {start} and the " if held else ""
            yield Record(start if held else i + 1, None, _undecodable(fh.encoding, src, i + 1, e, part), size)
            return
    rec = flush(start, i)
    if rec:
        yield rec


def _undecodable(codec: str, src: SourceConfig, n: int, e: UnicodeDecodeError, part: str = "") -> str:
    guessed = "; encoding auto chose it: set the source's encoding" if src.encoding == "auto" else ""
    return f"undecodable text ({codec}) near line {n}: {e.reason}; {part}rest of the file skipped{guessed}"


def read_column(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """The cell of column ``src.column`` of each tab-separated line, a document a line (see the module
    docstring). A named column is found in the first non-blank line (the header, counted unread as
    ``header`` with the first document); a header without it, or a first line with fewer columns than
    the number asks, is bad input saying what the file holds. An empty cell is a document dropped as
    ``empty_cell``. Lines in a row with the same wrong number of columns are one bad-input record."""
    yield from merge_runs(_cells(path, src, limit), "lines")


def _cells(path: Path, src: SourceConfig, limit: int) -> Iterator[tuple[Record, Optional[str], str]]:
    """(record, why, "") for each line (:func:`read_column`): ``why`` says a line's wrong number of columns."""
    want: Optional[int] = None        # the 0-based column, once the first line is read
    width = first = 0                 # the first line's number of columns, and its number
    header = 0                        # the header's characters, counted with the first document
    with open_text(path, src.encoding) as fh:
        i = 0
        try:
            for i, line in enumerate(fh, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                cells = line.split("\t")
                size = len(line.encode("utf-8", "surrogatepass")) + 1
                if want is None:
                    want, width, first = _column_of(cells, src.column, i), len(cells), i
                    if isinstance(src.column, str):
                        header = len(line)
                        continue
                if len(cells) != width:
                    why = (f"{len(cells)} tab-separated column{'s' * (len(cells) != 1)}, not {width} as line "
                           f"{first}: which is column {src.column!r} is not known")
                    yield Record(i, None, why, size), why, ""
                    continue
                rec = _checked(i, cells[want], limit)
                rec.nbytes = size
                rec.unread = {k: v for k, v in (("other_columns", len(line) - len(cells[want])),
                                                ("header", header)) if v}
                header = 0
                if rec.text is not None and not rec.text.strip():
                    rec.unread["empty_cell"] = len(rec.text)
                    rec.text, rec.skip = None, "empty_cell"
                yield rec, None, ""
        except UnicodeDecodeError as e:
            yield Record(i + 1, None, _undecodable(fh.encoding, src, i + 1, e)), None, ""


def _column_of(cells: list[str], column, n: int) -> int:
    """The 0-based index of ``column`` (a number from 1, or a header's name) in the first line's cells."""
    if isinstance(column, str):
        names = [c.strip() for c in cells]
        if column not in names:
            raise BadInput(f"line {n} (the header, column is a name) has no column {column!r}: its columns are "
                           f"{names[:12]}" + (" (one column: is the file tab-separated?)" if len(cells) == 1 else ""))
        return names.index(column)
    if column > len(cells):
        one = " (a file of one side, Moses .hi or FLORES: read it without column)" if len(cells) == 1 else ""
        raise BadInput(f"line {n} has {len(cells)} tab-separated column{'s' * (len(cells) != 1)}: no column "
                       f"{column}{one}")
    return column - 1
