"""Diet API pages by their shape, for the Diet reader (:mod:`.diet`): a meeting record saved on
its own, a page of the API before 2.0, and, for a page that holds no speech, what it is in one line
(an API error with its code and details, a search with no hits, a harvester's own shape and where
its texts are), and where a harvester's own JSON keeps the API's speech records.

    python -m jiniac_hpc.corpus.readers diet tests/assets/corpus/real/kokkai_old_api_error_19011_19028.json
"""
from __future__ import annotations

from typing import Optional

from jiniac_hpc.corpus.readers.jsondoc import TooLarge

# a meeting record's own fields (the reader keeps them with each of its speeches)
MEETING_KEYS = ("issueID", "session", "nameOfHouse", "nameOfMeeting", "issue", "date", "meetingURL")
#: every field of the API's speech and meeting records (the meeting endpoint's speeches add createTime
#: and updateTime, the 帝国議会's speakerElection and officeTerm): a harvester's other fields are its own
API_FIELDS = frozenset(MEETING_KEYS + (
    "speechID", "imageKind", "searchObject", "closing", "speechOrder", "speaker", "speakerYomi", "speakerGroup",
    "speakerPosition", "speakerRole", "speech", "startPage", "speechURL", "pdfURL", "speechRecord", "createTime",
    "updateTime", "speakerElection", "officeTerm"))


def is_meeting(obj) -> bool:
    """A meeting record on its own (an element of a response's ``meetingRecord``, saved alone, as a line
    of JSON Lines or in an array): its speechRecord list beside the meeting's own fields, and no
    response fields around it."""
    return (isinstance(obj, dict) and isinstance(obj.get("speechRecord"), list)
            and not any(k in obj for k in ("numberOfRecords", "meetingRecord"))
            and any(k in obj for k in MEETING_KEYS))


def describe(obj) -> str:
    """What a value that is not a Kokkai response is, for the bad-input reason (a page of the API before 2.0
    saved as JSON wraps it in ``data``: ``{"data": {"diagnostics": {"diagnostic": {"message", "details"}}}}``)."""
    if isinstance(obj, dict) and list(obj) == ["data"] and isinstance(obj["data"], dict):
        diagnostics = obj["data"].get("diagnostics")
        for diagnostic in as_list(diagnostics.get("diagnostic") if isinstance(diagnostics, dict) else None)[:1]:
            if isinstance(diagnostic, dict):
                return api_error(diagnostic.get("message") or "", as_list(diagnostic.get("details")))
        if any(k in obj["data"] for k in ("message", "numberOfRecords")):
            return describe(obj["data"])
    if isinstance(obj, dict):
        if "message" in obj:    # 19011 says only "input error"; its details name the parameter
            details = obj.get("details")
            return api_error(obj["message"], details if isinstance(details, list) else [details or ""])
        if "numberOfRecords" in obj:
            return no_records(obj["numberOfRecords"])
        keys = [f"{k[:40]} (list)" if isinstance(v, list) else k[:40] for k, v in sorted(obj.items())]
        found = texts_at(obj)
        hint = (f"; texts at '{found}': a harvester's own shape, not the API's (write its records as JSON "
                "Lines with the API's field names: speech, speaker, date, nameOfHouse, nameOfMeeting)"
                if found else "")
        # a member over max_record_bytes was skipped unread (a harvester's list of speeches is read whole)
        big = [f"'{k[:40]}' ({int(v):,} bytes)" for k, v in obj.items() if isinstance(v, TooLarge)]
        hint += (f"; {', '.join(big[:3])} over max_record_bytes, not read: a harvester's list of speeches is "
                 "read whole (raise max_record_bytes, or write its records as JSON Lines)" if big else "")
        return f"an object with keys {keys[:12]}{' …' if len(keys) > 12 else ''}{hint}"
    return f"a JSON {type(obj).__name__}"


def api_error(message, details: list) -> str:
    """The reason for an API error response (HTTP 400), in JSON ``{"message": …, "details": […]}`` or in
    XML ``<diagnostics><diagnostic><message>…</message><details>…</details>``: what the file is, the
    message with its error code, and the details, which name the parameter (19007 has none)."""
    more = "; ".join(str(d).strip() for d in details if str(d).strip())
    return (f"an API error response, not speeches: {str(message).strip()[:200]}"
            + (f" ({more[:300]})" if more else ""))


def no_records(number) -> str:
    """The reason for a response with no records: the search had no hits, or the page is past its end."""
    if str(number).strip() == "0":
        return "a response with no records (numberOfRecords 0: the search had no hits)"
    return f"a response with no records (numberOfRecords {str(number)[:20]}: startRecord past the last one?)"


def texts_at(obj, path: str = "", depth: int = 3) -> Optional[str]:
    """Where, two or three levels down, a list of objects holds speech texts ("speeches[].speech")."""
    if depth == 0:
        return None
    if isinstance(obj, list):
        first = next((x for x in obj if isinstance(x, dict)), None)
        field = first and next((k for k in ("speech", "text", "content", "body")
                                if isinstance(first.get(k), str)), None)
        return f"{path}[].{field}" if field else texts_at(first, path + "[]", depth - 1) if first else None
    if isinstance(obj, dict):
        for k, v in obj.items():
            found = isinstance(v, (list, dict)) and texts_at(v, f"{path}.{k}" if path else k, depth - 1)
            if found:
                return found
    return None


def harvested(obj, text_field: str) -> Optional[tuple[str, str]]:
    """Where a harvester's own JSON object keeps the API's speeches: (its member, the field of the text)
    for a member that is a list of speech records under the harvester's wrapper, objects with a
    ``speaker`` beside a text under ``speech`` (the API's name) or ``text_field`` (flowweb-kokkai's
    meetings ``{"house", "name", "date", …, "speeches": [{"speaker", "speech", …}]}``, gijiroku-search's
    ``{"metadata": {…}, "data": [{"date", "speaker", "text", …}]}``); None for any other object."""
    if not isinstance(obj, dict) or any(k in obj for k in ("speechRecord", "meetingRecord", "numberOfRecords")):
        return None
    for key, value in obj.items():
        first = next((x for x in value if isinstance(x, dict)), None) if isinstance(value, list) else None
        field = first and next((k for k in ("speech", text_field) if isinstance(first.get(k), str)), None)
        if field and "speaker" in first:
            return key, field
    return None


def characters(value) -> int:
    """The characters of the strings in a JSON value (its keys are names, not text)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(map(characters, value.values()))
    return sum(map(characters, value)) if isinstance(value, list) else 0


def old_api_records(obj) -> Optional[list]:
    """The records of a page of the API before its 2.0 version (its XML as JSON, numbers as strings):
    ``{"data": {"records": {"record": [{"recordData": {"speechRecord": {…}}}]}}}``."""
    data = obj.get("data") if isinstance(obj, dict) else None
    records = data.get("records") if isinstance(data, dict) else None
    return as_list(records.get("record")) if isinstance(records, dict) and "record" in records else None


def as_list(x) -> list:
    return x if isinstance(x, list) else [] if x is None else [x]
