"""Project Gutenberg plain-text reader: the work without PG's header, credits and licence.

    python -m jiniac_hpc.corpus.readers gutenberg tests/assets/corpus/real/gutenberg_pg1080.txt

One document per file: the lines between the ``*** START OF THE (THIS) PROJECT GUTENBERG EBOOK …
***`` and ``*** END OF …`` markers. Everything else is Project Gutenberg's own text, counted as
unread ``boilerplate``: the header (title block, "This eBook is for the use of anyone…"), the
"Produced by …" credit right after the start marker, the "End of (the) Project Gutenberg …" line
before the end marker and the whole licence after it. Files of the 1990s with only the
``*END*THE SMALL PRINT!…*END*`` marker are read the same way. A file with no start marker is
not a Project Gutenberg text: a bad-input reject (read it with the ``text`` reader).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record, open_text

_START = re.compile(r"^\s*\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG E-?BOOK|^\*END\*THE SMALL PRINT", re.I)
_END = re.compile(r"^\s*\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG E-?BOOK", re.I)
_END_LINE = re.compile(r"^\s*End of (the )?Project Gutenberg", re.I)
_CREDIT = re.compile(r"^\s*(Produced by|E-?text prepared by|Transcribed by)\b", re.I)


def read_gutenberg(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One record: the body between PG's markers; the rest counted as unread boilerplate."""
    body: list[str] = []
    boiler = 0          # characters of PG's own lines (line ends not counted)
    state = "header"    # header -> after_start -> (credit) -> body -> footer
    size = 0
    i = 0
    with open_text(path, src.encoding) as fh:
        try:
            for i, line in enumerate(fh, 1):
                size += len(line)
                if size > limit:
                    yield Record(1, None, f"book larger than max_record_bytes={limit} (line {i})")
                    return
                line = line.rstrip("\n")
                if state == "header":
                    boiler += len(line)
                    if _START.match(line):
                        state = "after_start"
                    continue
                if state == "footer":
                    boiler += len(line)
                    continue
                if _END.match(line):
                    state = "footer"
                    boiler += len(line)
                    while body and (not body[-1].strip() or _END_LINE.match(body[-1])):
                        boiler += len(body.pop())    # the "End of Project Gutenberg's …" line
                    continue
                if state == "after_start":
                    if not line.strip():
                        continue
                    state = "credit" if _CREDIT.match(line) else "body"
                if state == "credit":
                    if line.strip():
                        boiler += len(line)          # the "Produced by …" paragraph
                        continue
                    state = "body"
                body.append(line)
        except UnicodeDecodeError as e:
            yield Record(1, None, f"undecodable text ({fh.encoding}) near line {i + 1}: {e.reason}")
            return
    if state == "header":
        yield Record(1, None, "no '*** START OF THE PROJECT GUTENBERG EBOOK' marker: not a Project Gutenberg "
                              "text (read it with the text reader)")
        return
    yield Record(1, "\n".join(body).strip("\n"), None, size, unread={"boilerplate": boiler})
