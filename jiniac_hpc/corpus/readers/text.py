"""Plain-text reader: one document per file, per blank-line-separated block, or per line."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record, _checked, open_text


def read_text(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """Plain text: one document per file, per blank-line-separated block, or per line."""
    buf: list[str] = []
    start = 1
    size = 0

    def flush(pos: int) -> Optional[Record]:
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
                    rec = flush(start)
                    if rec:
                        yield rec
                    buf, start, size = [], i + 1, 0
                    continue
                size += len(line) + 1
                if size > limit:
                    yield Record(start, None, f"document larger than max_record_bytes={limit} (line {i})", size)
                    buf, size, start = [], 0, i + 1
                    continue
                buf.append(line)
        except UnicodeDecodeError as e:
            guessed = "; encoding auto chose it: set the source's encoding" if src.encoding == "auto" else ""
            yield Record(i + 1, None, f"undecodable text ({fh.encoding}) near line {i + 1}: {e.reason}; "
                                      f"rest of the file skipped{guessed}")
            return
    rec = flush(start)
    if rec:
        yield rec
