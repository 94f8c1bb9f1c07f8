"""Plain-text reader: one document per file, per blank-line-separated block, or per line."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record, _checked, open_text


def read_text(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """Plain text: one document per file, per blank-line-separated block (CC-100's layout: a paragraph
    a line, a blank line after each document), or per line. A document larger than ``limit`` UTF-8
    bytes is one bad-input record for all its lines; the lines after the limit are not a document
    of their own (a block's tail, a file's rest)."""
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
            guessed = "; encoding auto chose it: set the source's encoding" if src.encoding == "auto" else ""
            # (the document the undecodable line is in is skipped with it: its part read so far is no document)
            held = buf or over
            part = f"the document from line {start} and the " if held else ""
            yield Record(start if held else i + 1, None, f"undecodable text ({fh.encoding}) near line {i + 1}: "
                                                         f"{e.reason}; {part}rest of the file skipped{guessed}", size)
            return
    rec = flush(start, i)
    if rec:
        yield rec
