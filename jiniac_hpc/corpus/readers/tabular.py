"""Record-per-row readers: JSON Lines (plain, .gz, .zst), Parquet and ``datasets`` Arrow folders."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import BadInput, Record, _checked, _field, iter_lines, open_binary


def read_jsonl(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    with open_binary(path) as fh:
        for n, raw, size in iter_lines(fh, limit):
            if raw is None:
                yield Record(n, None, f"record of {size} bytes exceeds max_record_bytes={limit}", size)
                continue
            if not raw.strip():
                continue  # blank lines are not records
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
            yield _field(n, obj, src.text_field, size)


def read_parquet(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    if src.text_field not in pf.schema_arrow.names:
        raise BadInput(f"no column {src.text_field!r} (text_field); columns: {pf.schema_arrow.names}")
    n = 0
    for batch in pf.iter_batches(batch_size=1024, columns=[src.text_field]):
        for text in batch.column(0).to_pylist():
            n += 1
            yield _checked(n, text, limit)


def hf_disk_files(folder: Path) -> list[Path]:
    """The Arrow files of a ``datasets.Dataset.save_to_disk`` folder, from its ``state.json``."""
    state = folder / "state.json"
    if not state.exists():
        raise ValueError(f"{folder}: not a datasets save_to_disk folder (no state.json); a DatasetDict "
                         "folder holds one such folder per split: list the split folder")
    files = json.loads(state.read_text())["_data_files"]
    return [folder / f["filename"] for f in files]


def read_arrow(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One Arrow stream file of a saved ``datasets`` dataset, memory-mapped, batch by batch."""
    import pyarrow as pa

    with pa.memory_map(str(path)) as mm:
        reader = pa.ipc.open_stream(mm)
        if src.text_field not in reader.schema.names:
            raise BadInput(f"no column {src.text_field!r} (text_field); columns: {reader.schema.names}")
        n = 0
        for batch in reader:
            for text in batch.column(src.text_field).to_pylist():
                n += 1
                yield _checked(n, text, limit)


