"""Record-per-row readers: JSON Lines (plain, .gz, .zst), Parquet, and ``datasets`` Arrow folders and files.

    python -m jiniac_hpc.corpus.readers jsonl FILE [TEXT_FIELD]      # also parquet, hf_disk

The text is one field a row (``text_field``; a dotted name reads a field inside an object or a
struct column). Rows without it are counted, those in a row as one record (:func:`merge_runs`). With
``markup: aozora`` (a repackaged Aozora Bunko) the strings of a row's other fields are counted
too, as its unread footer or metadata (:func:`~jiniac_hpc.corpus.readers.aozora.aozora_fields`).
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.fileio import ArrowBatches, LostRows, NotArrow, parquet_batches
from jiniac_hpc.corpus.readers.aozora import aozora_fields
from jiniac_hpc.corpus.readers.base import BadInput, Record, _checked, iter_lines, open_binary
from jiniac_hpc.corpus.readers.jsondoc import json_list_elements
from jiniac_hpc.corpus.readers.charsets import wide_unicode


def read_jsonl(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One JSON object a line, its text in ``text_field`` (a dotted name, ``translation.ja``, names a
    field inside an object). A UTF-8 BOM before the first line (Windows tools write one) is not
    part of the JSON, and a file in UTF-16 or UTF-32 (what Windows PowerShell 5 saves) is read as
    such (told by a byte order mark or where its NUL bytes are: :func:`charsets.wide_unicode`); a
    line holding a JSON array is rejected saying how many values it holds, and a file whose first
    line is a lone ``{`` (an indented JSON document, not JSON Lines) ends in one bad-input record
    saying so rather than a reject for each of its lines. A file that is one JSON array (indented, or
    one element a line with commas between: how scraped news and exported rows often come) is read
    element by element, an element a document, as a line would be.

    Lines in a row whose text field is missing or not a string for the same reason (a wrong
    ``text_field``: OSCAR keeps its text in ``content``) are one bad-input record for all of them
    (``docs``), naming the first line's keys, not one message a line. A last line that breaks off
    (no newline, the JSON unfinished: an interrupted download) says so."""
    array = _json_array(path)
    items = _array_elements(path, src.text_field, limit) if array else _jsonl_lines(path, src.text_field, limit)
    if src.markup == "aozora":
        items = ((_with_fields(rec, obj, src.text_field), why, detail) for (rec, why, detail), obj in items)
    else:
        items = (item for item, _ in items)
    yield from merge_runs(items, "elements" if array else "lines")


def _with_fields(rec: Record, row, key: str) -> Record:
    """``rec`` with the row's other fields counted (``markup: aozora``: :func:`aozora_fields`)."""
    if rec.text is None or not isinstance(row, dict):
        return rec
    rec.unread = aozora_fields(row, key)
    return rec


def _json_array(path: Path) -> bool:
    """Whether the file is one JSON array spread over lines: its first line opens an array that it
    does not close (a lone ``[``, or ``[{...},``). A line that is a whole array is JSON Lines' fault
    of that line (:func:`_jsonl_lines`)."""
    with open_binary(path) as fh:
        head = fh.read(1 << 20)
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
    if not first.startswith(b"["):
        return False
    try:
        json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return True
    return False


def _array_elements(path: Path, key: str, limit: int) -> Iterator[tuple[tuple[Record, Optional[str], str], object]]:
    """((record, why, detail), element) for each element of a file that is one JSON array (:func:`_text_of`)."""
    for n, obj, bad in json_list_elements(path, limit):
        if bad:
            yield (Record(n, None, bad), None, ""), None
            continue
        text, why, detail = _text_of(obj, key)
        yield (Record(n, text, None if why is None else why + detail), why, detail), obj


def merge_runs(items: Iterable[tuple[Record, Optional[str], str]], unit: str) -> Iterator[Record]:
    """The records of ``items`` (record, why, detail); those in a row with the same ``why`` (a text
    field missing or not a string: a wrong ``text_field``, a column of nulls) are one record counting
    them all (``docs``), naming their first and last ``unit`` and the first one's ``detail``. A
    reader's fault after them is raised once they are yielded (they stay counted)."""
    run: Optional[list] = None     # [first record, last pos, how many, bytes, why, detail]

    def flush() -> Iterator[Record]:
        nonlocal run
        if run:
            first, last, k, size, why, detail = run
            where = f"{unit} {first.pos}-{last} ({k} {unit}): " if k > 1 else ""
            yield Record(first.pos, None, f"{where}{why}{detail}", size, docs=k)
        run = None

    try:
        for rec, why, detail in items:
            if why is not None and run and run[4] == why:
                run[1:4] = [rec.pos, run[2] + 1, run[3] + rec.nbytes]
                continue
            yield from flush()
            if why is not None:
                run = [rec, rec.pos, 1, rec.nbytes, why, detail]
            else:
                yield rec
    except Exception:
        yield from flush()
        raise
    yield from flush()


def _jsonl_lines(path: Path, key: str, limit: int) -> Iterator[tuple[tuple[Record, Optional[str], str], object]]:
    """((record, why, detail), the line's value) for each JSON line: ``why`` (with ``detail``, the
    line's own keys) when the line is an object whose text field is missing or not a string, else None."""
    first = True
    with open_binary(path) as fh:
        wide = wide_unicode(fh.peek(1 << 12)[:1 << 12]) if hasattr(fh, "peek") else None
        for n, raw, size in iter_lines(_Utf8Lines(fh, wide) if wide else fh, limit):
            if n == 1 and raw is not None and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if raw is None:
                too_big = f"record of {size} bytes exceeds max_record_bytes={limit}"
                yield (Record(n, None, too_big, size), None, ""), None
                first = False
                continue
            if not raw.strip():
                continue  # blank lines are not records
            if first and raw.strip() == b"{":
                raise BadInput(f"line {n} is a lone {raw.strip().decode()!r}: an indented JSON document, not JSON "
                               "Lines (one object a line)")
            first = False
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                cut = _CUT if not raw.endswith(b"\n") and e.end == len(raw) else ""
                yield (Record(n, None, f"invalid UTF-8 at byte {e.start}{cut}", size), None, ""), None
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                # e.msg may end in "at" ("Unterminated string starting at"): the column follows a colon
                cut = "" if raw.endswith(b"\n") else _CUT
                yield (Record(n, None, f"broken JSON: {e.msg}: column {e.colno}{cut}", size), None, ""), None
                continue
            if isinstance(obj, list):      # (its values are the documents it stands for, json.dump's list)
                yield (Record(n, None, f"no field {key!r}: the line is a JSON array of {len(obj)} values, not an "
                                          "object (JSON Lines holds one object a line)", size, docs=max(len(obj), 1)),
                       None, ""), None
                continue
            text, why, detail = _text_of(obj, key)
            yield (Record(n, text, None if why is None else why + detail, size), why, detail), obj


class _Utf8Lines:
    """A UTF-16/32 stream read a line at a time as UTF-8 bytes; lines end at LF alone (a JSON string
    may hold U+2028, which ``str.splitlines`` would break a line at)."""

    def __init__(self, raw: IO[bytes], encoding: str):
        self._text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="\n")

    def readline(self, size: int = -1) -> bytes:
        return self._text.readline(size).encode("utf-8", "surrogatepass")


#: a last line with no newline after it that is not whole: the file may break off inside it
_CUT = "; it is the last line, with no newline: the file may be cut short (an interrupted download?)"
_JSON_TYPE = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
              list: "an array", dict: "an object"}


def _text_of(obj, key: str) -> tuple[Optional[str], Optional[str], str]:
    """(text, None, "") for an object whose field ``key`` is a string; else (None, why, detail):
    ``why`` the same for every line with the same fault, ``detail`` this line's keys."""
    if not isinstance(obj, dict):
        return None, f"no field {key!r}: the line is {_JSON_TYPE.get(type(obj), 'a value')}, not an object", ""
    found, value = key in obj, obj.get(key)
    if not found and "." in key:        # a field inside an object: 'translation.ja'
        found, value = True, obj
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                found = False
                break
            value = value[part]
    if not found:
        return None, f"no field {key!r} (text_field)", f"; the object's keys: {_keys(obj)}"
    if isinstance(value, str):
        return value, None, ""
    what = _JSON_TYPE.get(type(value), type(value).__name__)
    if isinstance(value, dict):
        return None, f"field {key!r} is an object, not a string", (
            f" (its keys: {_keys(value)}; a dotted text_field names a field inside it, e.g. "
            f"'{key}.{next((k for k, v in value.items() if isinstance(v, str)), next(iter(value), 'name'))}')")
    if isinstance(value, list):
        return None, f"field {key!r} is an array, not a string", f" ({len(value)} value{'s' * (len(value) != 1)})"
    return None, f"field {key!r} is {what}, not a string", ""


def _keys(obj: dict) -> str:
    """The keys of ``obj`` (the first 12), each holding a string marked, for a message."""
    keys = [f"{k} (string)" if isinstance(v, str) else str(k) for k, v in list(obj.items())[:12]]
    return "[" + ", ".join(keys) + (", ...]" if len(obj) > 12 else "]")


def read_parquet(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """The text column row by row (``pos`` is the row number; a dotted ``text_field`` names a field
    of a struct column, :func:`text_path`), one row group at a time: a row group
    that cannot be decoded, or that gives fewer rows than the file's metadata says it holds, is one
    bad-input record naming its rows and how many, and the row groups after it are read. Null
    values in a row are one record counting them (:func:`merge_runs`)."""
    yield from merge_runs(((r, r.error if r.error == _NULL else None, "") for r in _parquet_rows(path, src, limit)),
                       "rows")


def _parquet_rows(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    fields, why = text_path(pf.schema_arrow, src.text_field)
    if why:
        rows = pf.metadata.num_rows
        yield Record(1, None, f"{why}; its {rows} rows are not read", docs=max(rows, 1))
        return
    n, aozora = 0, src.markup == "aozora"
    for part in parquet_batches(pf, 1024, columns=None if aozora else fields[:1]):
        if isinstance(part, LostRows):
            a, b = part.first, part.last
            lost = f"rows {a}-{b} ({b - a + 1} rows)" if b > a else f"row {b}"
            yield Record(a, None, f"{lost} of row group {part.group} of {part.groups} unreadable: {part.why}",
                         docs=b - a + 1)
            n = b
            continue
        yield from _batch_rows(part, fields, src, n, limit)
        n += part.num_rows


def hf_disk_files(folder: Path) -> list[Path]:
    """The Arrow files of a ``datasets.Dataset.save_to_disk`` folder, from its ``state.json``; an
    Arrow file named itself is its own one file (the ``datasets`` cache keeps a split's rows in such
    files, ``<name>-train.arrow``, with no state.json beside them)."""
    if folder.is_file():
        return [folder]
    state = folder / "state.json"
    if not state.exists():
        splits = _splits(folder / "dataset_dict.json")
        arrows = sorted(x.name for x in folder.glob("*.arrow"))
        raise ValueError(f"{folder}: not a datasets save_to_disk folder (no state.json); " + (
            f"it is a DatasetDict of splits {splits}: list the split folder(s), e.g. {folder / splits[0]}" if splits
            else f"it holds {len(arrows)} .arrow file(s) ({arrows[0]}, ...; the datasets cache keeps each split's "
                 f"rows in such files): list those of the split, e.g. {folder / '*-train*.arrow'}" if arrows
            else "a DatasetDict folder holds one such folder per split: list the split folder"))
    try:
        meta = json.loads(state.read_text())
        files = [folder / f["filename"] for f in meta["_data_files"]]
    except (ValueError, KeyError, TypeError):
        meta, files = {}, []
    if meta.get("_indices_data_files"):
        # datasets 1.x saved a select/shuffle/filter result as the whole table plus the row numbers
        raise ValueError(f"{state}: the dataset was saved with an indices mapping (_indices_data_files): its "
                         "Arrow files hold rows it does not; save it again after dataset.flatten_indices()")
    if not files:   # datasets writes one Arrow file even for no rows
        raise ValueError(f"{state}: not the state.json of a datasets save_to_disk folder (it lists no "
                         "_data_files with a filename)")
    return files


def _splits(path: Path) -> list[str]:
    """The split names a DatasetDict's ``dataset_dict.json`` lists (none if it is not one)."""
    try:
        splits = json.loads(path.read_text())["splits"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [str(x) for x in splits] if isinstance(splits, list) else []


def read_arrow(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One Arrow stream file of a saved ``datasets`` dataset, memory-mapped, batch by batch. An Arrow
    IPC *file* (``ARROW1`` magic, random access: what ``pyarrow.ipc.new_file`` and Feather 2 write) is
    read too, its batches in order (read as a stream, it had failed with a bad metadata length). A
    text field that no column holds as text is one bad-input record for all the file's rows; null
    values in a row are one record counting them (:func:`merge_runs`)."""
    yield from merge_runs(((r, r.error if r.error == _NULL else None, "") for r in _arrow_rows(path, src, limit)),
                       "rows")


def _arrow_rows(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    try:
        arrow = ArrowBatches(path)
    except NotArrow as e:
        raise BadInput(_not_arrow(e.head, e)) from None
    with arrow:
        fields, why = text_path(arrow.schema, src.text_field)
        n = 0
        for batch in arrow:
            if why:          # (the rows are counted, not read)
                n += batch.num_rows
                continue
            yield from _batch_rows(batch, fields, src, n, limit)
            n += batch.num_rows
        if why:
            yield Record(1, None, f"{why}; its {n} rows are not read", docs=max(n, 1))
        cut = arrow.cut_after(n)
        if cut:
            raise BadInput(cut)


def _batch_rows(batch, fields: list[str], src: SourceConfig, n: int, limit: int) -> Iterator[Record]:
    """The records of a batch's text column, its rows numbered from ``n + 1``; with ``markup:
    aozora``, each with its other columns counted (:func:`aozora_fields`)."""
    texts = _values(_column(batch, fields))
    others = [{}] * len(texts)
    if src.markup == "aozora":
        names = [x for x in batch.schema.names if x != fields[0] or len(fields) > 1]
        columns = {x: _values(batch.column(x)) for x in names}     # (a value that is not UTF-8 comes as bytes)
        others = [{x: columns[x][k] for x in names} for k in range(len(texts))]
    for k, (text, row) in enumerate(zip(texts, others)):
        rec = _row(n + k + 1, text, limit)
        yield _with_fields(rec, row, src.text_field)


def _not_arrow(head: bytes, e: Exception) -> str:
    """Why a file given to hf_disk is not an Arrow stream: what it looks like instead (a Parquet or
    JSON file, a save_to_disk folder's state.json), and which reader reads it."""
    if head == b"ARROW1":   # the magic is there, the footer (at the end) is not: a file cut short
        return f"an Arrow IPC file that does not open, cut short or still being written? ({e})"
    what = ("a Parquet file (the parquet reader reads it)" if head.startswith(b"PAR1") else
            "JSON (a save_to_disk folder's state.json or dataset_info.json? list the folder; JSON Lines: the "
            "jsonl reader)" if head.lstrip()[:1] in (b"{", b"[") else f"it starts with {head!r}")
    return f"not an Arrow IPC stream or file: {what}; hf_disk reads a datasets save_to_disk folder or its .arrow " \
           f"files ({e})"


def text_path(schema, text_field: str) -> tuple[list[str], Optional[str]]:
    """The column, and the fields inside its structs, that ``text_field`` names (a column's own name,
    else a dotted path: ``translation.ja``), and None; or why no text column is named: the columns
    there are, or what the column holds when it is not text (a struct: its fields, to name one)."""
    import pyarrow as pa

    if text_field in schema.names:
        path, typ = [text_field], schema.field(text_field).type
    else:
        path, typ = [], pa.struct(list(schema))
        for part in text_field.split("."):
            if pa.types.is_dictionary(typ):
                typ = typ.value_type
            if not pa.types.is_struct(typ) or typ.get_field_index(part) < 0:
                names = [f.name for f in typ] if pa.types.is_struct(typ) else []
                where = f"in column {'.'.join(path)!r}" if path else "(text_field)"
                return [], f"no {'field' if path else 'column'} {part!r} {where}; " + (
                    f"{'fields' if path else 'columns'}: {names}" if names else f"it holds {typ}, not a struct")
            path.append(part)
            typ = typ.field(part).type
    value = typ.value_type if pa.types.is_dictionary(typ) else typ
    if _is_text(value):
        return path, None
    if pa.types.is_struct(value):
        names = [f.name for f in value]
        text = [f.name for f in value if _is_text(f.type.value_type if pa.types.is_dictionary(f.type) else f.type)]
        example = f"{text_field}.{(text or names or ['name'])[0]}"
        return [], (f"column {text_field!r} (text_field) is a struct of fields {names}, not text: a dotted "
                    f"text_field names the field holding the text, e.g. '{example}'")
    return [], f"column {text_field!r} (text_field) holds {typ}, not text (a string a row)"


#: a row's value that is null (a text column's type is text: no other value is not a string)
_NULL = "value is null, not a string"


def _row(n: int, value, limit: int) -> Record:
    """A Parquet or Arrow value as a record (:func:`_checked`; a null one says so)."""
    return Record(n, None, _NULL) if value is None else _checked(n, value, limit)


def _is_text(typ) -> bool:
    """A string or binary Arrow type (binary is UTF-8 text too, :func:`_checked`), or null (no value)."""
    import pyarrow as pa

    t = pa.types
    return any(test(typ) for test in (t.is_string, t.is_large_string, t.is_string_view, t.is_binary,
                                      t.is_large_binary, t.is_binary_view, t.is_fixed_size_binary, t.is_null))


def _column(batch, fields: list[str]):
    """The array that ``fields`` (a column, then fields of its structs) names in ``batch``; a row whose
    struct is null is null (``struct_field`` keeps the parent's nulls, which ``StructArray.field`` drops)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = batch.column(fields[0])
    for name in fields[1:]:
        if pa.types.is_dictionary(col.type):
            col = col.dictionary_decode()
        col = pc.struct_field(col, [name])
    return col


def _values(col) -> list:
    """The Python values of an Arrow text column. A string column may hold bytes that are not UTF-8
    (Parquet writers need not check them); ``to_pylist`` then fails for the whole batch, so the
    batch is read again as bytes and :func:`_checked` rejects just the rows that are not UTF-8."""
    try:
        return col.to_pylist()
    except UnicodeDecodeError:
        import pyarrow as pa

        if pa.types.is_dictionary(col.type):
            col = col.dictionary_decode()
        kind = {pa.large_string(): pa.large_binary(), pa.string_view(): pa.binary_view()}.get(col.type, pa.binary())
        return col.view(kind).to_pylist()
