"""Record-per-row readers: JSON Lines (plain, .gz, .zst), Parquet and ``datasets`` Arrow folders."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import BadInput, Record, _checked, _field, iter_lines, open_binary


def read_jsonl(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One JSON object a line. A UTF-8 BOM before the first line (Windows tools write one) is not
    part of the JSON; a line holding a JSON array is rejected saying how many values it holds, and a
    file whose first line is a lone ``[`` or ``{`` (an indented JSON document, not JSON Lines) ends in
    one bad-input record saying so rather than a reject for each of its lines."""
    first = True
    with open_binary(path) as fh:
        for n, raw, size in iter_lines(fh, limit):
            if n == 1 and raw is not None and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if raw is None:
                yield Record(n, None, f"record of {size} bytes exceeds max_record_bytes={limit}", size)
                first = False
                continue
            if not raw.strip():
                continue  # blank lines are not records
            if first and raw.strip() in (b"[", b"{"):
                raise BadInput(f"line {n} is a lone {raw.strip().decode()!r}: an indented JSON document, not JSON "
                               "Lines (one object a line)")
            first = False
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield Record(n, None, f"invalid UTF-8 at byte {e.start}", size)
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                # e.msg may end in "at" ("Unterminated string starting at"): the column follows a colon
                yield Record(n, None, f"broken JSON: {e.msg}: column {e.colno}", size)
                continue
            if isinstance(obj, list):
                yield Record(n, None, f"no field {src.text_field!r}: the line is a JSON array of {len(obj)} "
                                      "values, not an object (JSON Lines holds one object a line)", size)
                continue
            yield _field(n, obj, src.text_field, size)


def read_parquet(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """The text column row by row (``pos`` is the row number), one row group at a time: a row group
    that cannot be decoded, or that gives fewer rows than the file's metadata says it holds, is one
    bad-input record naming its rows and how many, and the row groups after it are read."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    if src.text_field not in pf.schema_arrow.names:
        raise BadInput(f"no column {src.text_field!r} (text_field); columns: {pf.schema_arrow.names}")
    start, groups = 0, pf.num_row_groups
    for g in range(groups):
        rows, got, why = pf.metadata.row_group(g).num_rows, 0, "it gave fewer rows than the metadata says"
        try:
            for batch in pf.iter_batches(batch_size=1024, row_groups=[g], columns=[src.text_field]):
                for text in _values(batch.column(0)):
                    got += 1
                    yield _checked(start + got, text, limit)
        except Exception as e:  # noqa: BLE001 - a corrupt page: report its row group's rows, read on
            why = f"{type(e).__name__}: {e}".strip().replace("\n", " ")
        if got < rows:
            a, b = start + got + 1, start + rows
            lost = f"rows {a}-{b} ({b - a + 1} rows)" if b > a else f"row {b}"
            yield Record(start + got + 1, None, f"{lost} of row group {g + 1} of {groups} unreadable: {why}",
                         docs=b - a + 1)
        start += max(rows, got)


def hf_disk_files(folder: Path) -> list[Path]:
    """The Arrow files of a ``datasets.Dataset.save_to_disk`` folder, from its ``state.json``."""
    state = folder / "state.json"
    if not state.exists():
        raise ValueError(f"{folder}: not a datasets save_to_disk folder (no state.json); a DatasetDict "
                         "folder holds one such folder per split: list the split folder")
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


def read_arrow(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One Arrow stream file of a saved ``datasets`` dataset, memory-mapped, batch by batch. An Arrow
    IPC *file* (``ARROW1`` magic, random access: what ``pyarrow.ipc.new_file`` and Feather 2 write) is
    read too, its batches in order (read as a stream, it had failed with a bad metadata length)."""
    import pyarrow as pa

    with pa.memory_map(str(path)) as mm:
        head = mm.read(6)
        if head == b"ARROW1":
            file_reader = pa.ipc.open_file(mm)
            schema = file_reader.schema
            batches = (file_reader.get_batch(i) for i in range(file_reader.num_record_batches))
        else:
            mm.seek(0)
            stream = pa.ipc.open_stream(mm)
            schema, batches = stream.schema, stream
        if src.text_field not in schema.names:
            raise BadInput(f"no column {src.text_field!r} (text_field); columns: {schema.names}")
        n = 0
        for batch in batches:
            for text in _values(batch.column(src.text_field)):
                n += 1
                yield _checked(n, text, limit)
        # pyarrow takes the end of the bytes for the end of a stream: a file cut between two batches
        # reads as a shorter one. A stream since Arrow 0.15 (all datasets write) ends with a marker.
        size = mm.size()
        mm.seek(max(size - 8, 0))
        if head.startswith(_CONTINUATION) and mm.read(8) != _EOS:
            raise BadInput(f"the Arrow stream ends without its end-of-stream marker, after row {n}: the file "
                           f"({size} bytes) is cut short or its writer was not closed; rows after it are lost")


_CONTINUATION = b"\xff\xff\xff\xff"
_EOS = _CONTINUATION + b"\x00\x00\x00\x00"


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
