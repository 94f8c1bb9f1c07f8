"""Aozora Bunko text reader."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record, open_text


_RUBY = re.compile(r"《[^》]*》")
_NOTE = re.compile(r"※?［＃[^］]*］")
_RULE = re.compile(r"^-{20,}\s*$")


def aozora_clean(line: str) -> str:
    """Remove ruby (《…》), the ruby start mark ｜ and ［＃…］ notes (with a gaiji ※ before them)."""
    return _NOTE.sub("", _RUBY.sub("", line)).replace("｜", "")


def read_aozora(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One work per file: title/author header and the 記号 explanation block stripped, body until
    the 底本 footer, ruby and annotations removed. Not NFKC-normalised (recipe: normalize none)."""
    body: list[str] = []
    state = "header"   # header -> (notes) -> body -> footer
    size = 0
    with open_text(path, src.encoding) as fh:
        try:
            for i, line in enumerate(fh, 1):
                size += len(line)
                if size > limit:
                    yield Record(1, None, f"work larger than max_record_bytes={limit} (line {i})", size)
                    return
                line = line.rstrip("\n")
                if state in ("header", "header_end"):
                    if _RULE.match(line):
                        state = "notes"
                        continue
                    if state == "header":
                        if not line.strip() and i > 1:
                            state = "header_end"   # title/author end here; a 記号 block may follow
                        continue
                    if not line.strip():
                        continue
                    state = "body"     # no 記号 block: this line starts the body
                if state == "notes":
                    if _RULE.match(line):
                        state = "body"
                    continue
                if line.startswith("底本：") or line.startswith("底本:"):
                    break
                body.append(aozora_clean(line))
        except UnicodeDecodeError as e:
            yield Record(1, None, f"undecodable text ({fh.encoding}) near line {i + 1}: {e.reason}")
            return
    yield Record(1, "\n".join(body).strip("\n"), None, size)
