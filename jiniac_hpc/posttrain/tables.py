"""Parquet, Arrow and CSV/TSV files as post-training rows: the files the Hugging Face Hub serves.

    from jiniac_hpc.posttrain.tables import TABLE_FILES, plain_row, table_rows
    for n, row in table_rows(Path("data/train-00000-of-00001.parquet")):
        ...   # row: a dict, or a ValueError saying why rows n.. could not be read

Most Hub datasets are Parquet files (``data/train-00000-of-00001.parquet``, and the Hub's own
Parquet export of every dataset); a saved ``datasets`` split is an Arrow stream file; CSV and TSV
are how spreadsheets and Kaggle ship instruction data. Each row becomes the dict a JSON line
would give: nested Parquet/Arrow columns (``messages``: a list of structs) come out as lists of
dicts, so every record layout :mod:`.records` and :mod:`.native` know reads the same from here.
Rows are numbered from 1; a CSV row's number is the line its record starts on (a quoted field
may span lines). Nothing is skipped without a word: a Parquet row group that cannot be decoded is
one ValueError naming its rows, and the row groups after it are read; a CSV row whose cells do
not match the header is named by its line. Files are read a batch at a time, not whole.

Values come out as JSON would hold them, since records are written back as JSON (dpo-data writes
each prompt's record beside its answers): a timestamp, date or time becomes its ISO 8601 text, a
decimal its exact digits, a binary column's bytes their UTF-8 text (parquet-mr writes strings as
bytes without the UTF-8 mark); bytes that are not UTF-8 make the row an error naming the column.

CSV cells are text: an empty cell is ``""`` and a column of lists (``messages``) cannot be
written in CSV, so chat data must come as JSON Lines or Parquet. A column without a name (the
index pandas' ``to_csv`` writes first) is named ``Unnamed: <i>``, as pandas names it.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterator

from jiniac_hpc.fileio import ArrowBatches, LostRows, parquet_batches

TABLE_FILES = (".parquet", ".arrow", ".csv", ".tsv")
_BATCH = 256
# The csv module refuses a field over 128 KiB by default; a long answer is one field.
_FIELD_LIMIT = 2**31 - 1


def table_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """(row number, dict or ValueError) of a ``.parquet`` / ``.arrow`` / ``.csv`` / ``.tsv`` file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _parquet_rows(path)
    if suffix == ".arrow":
        return _arrow_rows(path)
    return _csv_rows(path, "\t" if suffix == ".tsv" else ",")


def _why(e: Exception) -> str:
    return f"{type(e).__name__}: {e}".strip().replace("\n", " ")


def _plain(v: Any) -> Any:
    """``v`` as JSON holds it (UnicodeDecodeError for bytes that are not UTF-8)."""
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):  # a map column comes as (key, value) pairs
        return [_plain(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if hasattr(v, "isoformat"):  # datetime, date, time
        return v.isoformat()
    return str(v)  # Decimal, timedelta: their exact text


def plain_row(n: int, row: dict) -> tuple[int, Any]:
    """(n, the row with every value as JSON holds it), or (n, ValueError naming the column)."""
    out = {}
    for k, v in row.items():
        try:
            out[k] = _plain(v)
        except UnicodeDecodeError as e:
            return n, ValueError(f"column {k!r} holds bytes that are not UTF-8 text ({e.reason} at byte {e.start + 1})")
    return n, out


def _parquet_rows(path: Path) -> Iterator[tuple[int, Any]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # noqa: BLE001 - not Parquet, or a broken footer: one line says so
        yield 0, ValueError(f"not a readable Parquet file ({_why(e)})")
        return
    n = 0
    for part in parquet_batches(pf, _BATCH):
        if isinstance(part, LostRows):
            yield part.first, ValueError(f"rows {part.first}-{part.last} of row group {part.group} of {part.groups} "
                                         f"unreadable: {part.why}")
            n = part.last
            continue
        for row in part.to_pylist():
            n += 1
            yield plain_row(n, row)


def _arrow_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """An Arrow stream file (what ``datasets`` writes) or an Arrow IPC file (``ARROW1``); a stream cut
    short (no end-of-stream marker) names the rows after the last one read as lost."""
    n = 0
    try:
        with ArrowBatches(path) as arrow:
            for batch in arrow:
                for row in batch.to_pylist():
                    n += 1
                    yield plain_row(n, row)
            cut = arrow.cut_after(n)
            if cut:
                yield n + 1, ValueError(cut)
    except Exception as e:  # noqa: BLE001 - a broken stream: the rows after n are not read
        yield n + 1, ValueError(f"not a readable Arrow file after row {n} ({_why(e)}); the rest of the file "
                                "is not read")


def _csv_rows(path: Path, delimiter: str) -> Iterator[tuple[int, Any]]:
    csv.field_size_limit(_FIELD_LIMIT)
    # utf-8-sig: Excel saves "CSV UTF-8" with a byte-order mark, which is not part of the first name.
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header, line = None, 1
        try:
            for cells in reader:
                at, line = line, reader.line_num + 1
                if not cells:
                    continue  # a blank line is no record
                if header is None:
                    # pandas' to_csv writes the DataFrame's index first, under an empty name: named as
                    # pandas reads it back, so the column is neither refused nor lost.
                    header = [c or f"Unnamed: {i}" for i, c in enumerate(cells)]
                    dup = sorted({c for c in header if header.count(c) > 1})
                    if dup:
                        yield at, ValueError(f"the header names columns {dup} twice; the rest of the file is not "
                                             "read")
                        return
                    continue
                if len(cells) != len(header):
                    yield at, ValueError(f"{len(cells)} cells, the header has {len(header)} columns "
                                         f"({', '.join(header)}); a comma or quote in a cell must be quoted")
                    continue
                yield at, dict(zip(header, cells))
        except UnicodeDecodeError as e:
            yield line, ValueError(f"not UTF-8 ({e.reason}) at or after line {line}: save the file as UTF-8; "
                                   "the rest of the file is not read")
        except csv.Error as e:
            yield line, ValueError(f"not CSV at line {reader.line_num} ({e}); the rest of the file is not read")
