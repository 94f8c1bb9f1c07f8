"""国会会議録 (Kokkai) API JSON reader."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record
from jiniac_hpc.corpus.readers.jsondoc import TooLarge, _json_elements


_SPEAKER_HEAD = re.compile(r"^○(?P<title>[^（\s]+)(?:（(?P<name>[^）]*)）)?[\s\u3000]*")


def read_diet(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """国会会議録 API JSON (speech or meeting endpoint): one record per kept ``speechRecord``.

    Dropped as procedural: the meeting header (speechOrder 0, the attendance list) and speeches
    by the chair (``drop_roles`` matched against speakerPosition, speakerRole and the "○議長（…君）"
    heading). The heading is removed; the speech body is the document.
    """
    n = 0
    for i, key, obj, err in _json_elements(path, ("speechRecord", "meetingRecord"), limit):
        if err:
            yield Record(n + 1, None, err)
            return
        if isinstance(obj, TooLarge):
            n += 1
            yield Record(n, None, f"{key} element {i} of {int(obj)} characters exceeds max_record_bytes={limit}")
            continue
        speeches = obj.get("speechRecord", []) if key == "meetingRecord" and isinstance(obj, dict) else [obj]
        for sp in speeches:
            n += 1
            if not isinstance(sp, dict) or not isinstance(sp.get("speech"), str):
                yield Record(n, None, "speechRecord without a 'speech' string")
                continue
            body = sp["speech"]
            head = _SPEAKER_HEAD.match(body)
            title = head.group("title") if head else ""
            roles = {sp.get("speakerPosition") or "", sp.get("speakerRole") or "", title}
            if str(sp.get("speechOrder", "")) == "0" or roles & set(src.drop_roles):
                yield Record(n, None, skip="procedural")
                continue
            yield Record(n, body[head.end():] if head else body, None)
