"""Tables of Diet speeches (CSV or TSV, as harvesters and spreadsheets export them), for the diet reader.

    python -m jiniac_hpc.corpus.readers diet tests/assets/corpus/real/kokkai_gijiroku_search_speeches_2025_w23.csv

A file whose first line is a header of names separated by commas or tabs is a table, one speech a
row. The text of a row is its column ``speech`` (the API's name, which ``pandas.DataFrame(page[
"speechRecord"]).to_csv()`` keeps) or, failing that, the column the source's ``text_field`` names
(a harvester's own name: ``text``, ``speech_text``); the columns that bear the API's field names
(``speaker``, ``date``, ``speechID``, ``nameOfHouse``, …) are the speech's fields, as in a speech
record, and the others are not read, their characters counted as ``harvester_fields`` (a harvester's
``house`` or ``committee`` is not guessed to be ``nameOfHouse`` or ``nameOfMeeting``: the speech is
flagged as missing them). A table without either
column is bad input that names its header and the column holding the longest texts. Empty cells are
absent fields. The codec is told from the file's head (UTF-8 with or without a BOM, Excel's cp932;
UTF-16, Excel's "Unicode text", is read as UTF-8 before). A cell's CR CR LF (Python's csv module
writing on Windows without ``newline=""``) is one line end, its extra CR counted.
"""
from __future__ import annotations

import csv
import sys
from typing import IO, Iterator, Optional

#: a header's name: short, on one line (a first line of text is not a header)
MAX_NAME = 64


def table_delimiter(head: str) -> Optional[str]:
    """Tab or comma, if the first line of ``head`` is a table's header: two or more names (the first may
    be empty, as pandas writes its index's), each short and without a quote or bracket inside; else None."""
    first = head.split("\n", 1)[0].rstrip("\r")
    for delimiter in ("\t", ","):
        names = [n.strip().strip('"') for n in first.split(delimiter)]
        if (len(names) >= 2 and all(names[1:]) and all(len(n) <= MAX_NAME for n in names)
                and not any(c in n for n in names for c in '"{}[]<>')):
            return delimiter
    return None


def text_column(header: list[str], text_field: str) -> Optional[str]:
    """The column that holds the speeches: ``speech``, else ``text_field``; None if neither is there."""
    return next((c for c in ("speech", text_field) if c in header), None)


def longest_column(header: list[str], rows: list[list[str]]) -> Optional[str]:
    """The column whose cells are longest in ``rows`` (the first rows): where a table's texts are."""
    sizes = {name: sum(len(row[i]) for row in rows if i < len(row)) for i, name in enumerate(header)}
    best = max(sizes, key=sizes.get, default=None)
    return best if best is not None and sizes[best] else None


def iter_table(fh: IO[str], delimiter: str, limit: int) -> Iterator[tuple[int, list[str], list[str]]]:
    """(row number, header, cells) of each row after the header (blank lines skipped), a cell holding up
    to ``limit`` characters (the csv module's own limit, 131,072, is less than a long speech). A row the
    csv module cannot read raises ``csv.Error``, which ends the table (its state is lost there)."""
    csv.field_size_limit(max(csv.field_size_limit(), min(limit, sys.maxsize)))
    rows = csv.reader(fh, delimiter=delimiter)
    header = next(rows, [])
    n = 0
    for cells in rows:
        if any(cells):
            n += 1
            yield n, header, cells
