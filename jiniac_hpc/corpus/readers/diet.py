"""国会会議録 (Kokkai) API reader: every shape the API returns, one document a speech.

    python -m jiniac_hpc.corpus.readers diet tests/assets/corpus/real/kokkai_meeting_api.json

Shapes read (``recordPacking=json`` unless noted):

- the ``speech`` endpoint: ``{"numberOfRecords": …, "speechRecord": [{…speech and meeting fields…}]}``;
- the ``meeting`` endpoint: ``{"meetingRecord": [{…meeting fields…, "speechRecord": [{…}]}]}``; the
  meeting's date, house and name are carried into each of its speeches;
- JSON Lines whose lines are speech records, meeting records or whole responses; a file of one line is a
  response (the API sends it on one line), read record by record however long it is;
- a JSON array of responses (pages saved one after another), of meeting records or of speech records;
- a meeting record saved alone (a response's ``meetingRecord`` element, its fields before its
  ``speechRecord`` list, as the API orders them), or a speech record saved alone, indented or not:
  a meeting record's fields reach its speeches, in every form, as in a response;
- a harvester's own JSON that keeps the API's speech records in a list under its own wrapper (a
  member of an object, or of each object of an array, whose objects hold a ``speaker`` beside a text
  under ``speech`` or ``text_field``: flowweb-kokkai's meetings ``[{"house", "date", …, "speeches":
  [{"speaker", "speech", …}]}]``, gijiroku-search's ``{"metadata", "data": [{"speaker", "text", …}]}``):
  a speech an entry, the fields with the API's names its metadata (the wrapper's as a meeting's), the
  characters of the harvester's other fields counted unread as ``harvester_fields``;
- a table of speeches, CSV or TSV (:mod:`diet_table`: its column ``speech``, or ``text_field``, a speech
  a row; columns with the API's field names are the speech's fields);
- the XML the API returns without ``recordPacking`` (``<data><records><record><recordData>…``;
  a meeting's fields reach its speeches though some, meetingURL, follow them; empty fields are left
  out and numbers are numbers, as in the JSON form), and pages of the API before its version 2.0
  saved as JSON (``{"data": {"records": {"record": [{"recordData": {"speechRecord": …}}]}}}``); CR CR LF
  (the API's CRLF saved again in text mode on Windows) is one line end, the second line break an XML
  parser reads there counted as unread ``line_endings``; so is a table's (:func:`_one_crlf`).

Any of them may be saved in UTF-16 or UTF-32 with a byte order mark (Windows PowerShell's "Unicode",
what its ``>`` writes): read as the UTF-8 it was (the XML parser reads UTF-16 itself, not UTF-32).

Pages without text are bad input, each with a one-line reason that says what the file is: a
``meeting_list`` page (speech entries without a ``speech`` text; one reject a meeting), an API error
(HTTP 400: ``{"message": …, "details": […]}``, in XML ``<diagnostics><diagnostic><message>``, in a page
before 2.0 ``{"data": {"diagnostics": …}}``; the reason gives the code and details), a page with no
records (``numberOfRecords`` 0), and JSON of any other shape (for a harvester's own shape that is not
read, where its texts are: "texts at 'data[].content'"); so is a speech record without a ``speech`` string. A page
with more to fetch (``nextRecordPosition``) is read whole: the pages after it are other files, or follow
it in the same one (responses written one after another, JSON indented or each on one line, or the API's
XML: each is read in turn, and one that gives no speech, an API error appended to good pages, is a
reject of its own). Procedural records (the meeting header, speechOrder 0 / 会議録情報, and speeches by the
chair positions in ``drop_roles``) are dropped as ``procedural`` unless ``keep_procedural`` is set (a
heading such as the 衆議院's "○加藤委員長　" that ends in one of them counts too; a heading of a name alone,
"○関口昌一君　", is a member's own speech whatever the speakerPosition). The "○議長（…君）　" heading of a speech is
not part of the document (the speaker is in the metadata); its characters, and the CRs of the API's CRLF
line ends, are counted as unread. A heading is short and followed by a space: where a harvester took the
spaces out, the text stays whole.

The text of a speech is otherwise the record's, as the minutes print it in every era (1947 to now):
a rule on a line of its own ("――――◇―――――", "─────・─────", 1947's "—————") is layout,
counted as unread ``separator_line`` with its indentation and line break; kept as words of the record
are the stenographers' notes (〔「賛成」と呼ぶ者あり〕, 〔賛成者起立〕, （拍手）, "午後三時十一分散會"),
old kanji and kana as printed (勞働委員會, 從來, タマヱ), the full-width space that indents a paragraph and
the runs of them in a list (the stage's NFKC later makes each an ASCII space). The tables of members
present are the header record's (and, in early minutes, the chair's closing speech's): procedural.

A speech record's fields the API does not have (a harvester's own: a summary, a theme, a party, a URL
under its own name; a table's other columns) are not read: their characters are counted as unread
``harvester_fields``, so that what a harvester added is seen in the report, not lost in silence.

A speech record without the date, house or meeting name (a harvester's JSON Lines of the speech
records it took from meeting responses, whose fields it left behind) is kept, its text being whole,
and its metadata lists what is absent, ``"missing": ["date", "nameOfHouse", "nameOfMeeting"]``, so
that such a document is told from a dated one in the output; the reader does not guess the fields
(from the speechID, say).

``max_record_bytes`` counts UTF-8 bytes, as in every reader: a line of JSON Lines, an element of a
JSON document's ``speechRecord`` list or top-level array (its JSON text as in the file), a speech of
the XML form and the speech of a speech record saved alone; a record over it is bad input with its
size. A response's ``meetingRecord`` is read speech by speech, however large the meeting (a day of
the 予算委員会 runs to hundreds of speeches): each of its speeches is a record under the limit (the
meeting's speeches are held until the meeting's last field, meetingURL, as in the XML form), and so
is a line of JSON Lines or an object of a top-level array over the limit (a page of meetings written
on one line, pages or meeting records saved as an array: it is read again on its own, as a file of
one response).
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
import sys
from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import (ByteSlice, CharSlice, Record, Utf8Text, first_char, iter_lines,
                                            open_binary, open_utf8)
from jiniac_hpc.corpus.readers.charsets import guess_codec, wide_unicode
from jiniac_hpc.corpus.readers.diet_pages import (API_FIELDS, MEETING_KEYS, api_error, as_list, characters, describe, harvested,
                                                  is_meeting, no_records, old_api_records)
from jiniac_hpc.corpus.readers.diet_table import iter_table, longest_column, table_delimiter, text_column
from jiniac_hpc.corpus.readers.jsondoc import NEXT_DOCUMENT, Opened, TooLarge, iter_json_array, iter_json_list

# "○議長（額賀福志郎君）　", "○井林委員　", and the 衆議院's "○吉川（元）委員　" (a name told apart from
# a namesake's, then the role): the role after the brackets is part of the heading when a space ends it.
# A heading is short and a space (or the end) follows it: in a text whose spaces a harvester took out
# ("○安住委員長これより会議を開きます。…") no heading can be told apart, and the text stays whole.
_SPEAKER_HEAD = re.compile(r"^○(?P<title>[^（(\s。、]{1,24})(?:[（(](?P<name>[^）)。]{0,40})[）)]"
                           r"(?P<role>[^\s（()）。]{1,12}(?=\s))?)?(?=\s|$)\s*")
# a rule of the printed minutes on a line of its own, between items of business or after a report
# ("――――◇―――――", "─────・─────", 1947's "—————"): layout, dropped with its indentation and line break
_SEPARATOR = re.compile(r"(?:^|\n)(?=[ \t\u3000]*[―─━—◇・]*[―─━—]{4})[―─━—－＝═◇・ \t\u3000]+(?=\n|$)")
META_KEYS = ("speechID", "speechOrder", "speaker", "speakerGroup", "speakerPosition", "speakerRole", "date",
             "session", "nameOfHouse", "nameOfMeeting", "issue", "speechURL")
HEADER_SPEAKER = "会議録情報"
MEETING_LIST = "a meeting_list response holds no speech text (use the meeting or speech endpoint)"
#: where and when a speech was made: every record of the API has them (a speech endpoint's record,
#: or a meeting's); a harvester's own records may not
WHERE_KEYS = ("date", "nameOfHouse", "nameOfMeeting")
#: the XML form's CR CR LF (a CRLF saved again by Windows) as read (:class:`_OneCR`), and the key under
#: which a speech record carries how many of its line ends were that (no API field has a space)
DOUBLED_MARK = b"\t"
RESAVED = " resaved line ends"


class _Reader:
    """Turns speech records (from any shape) into numbered Records; remembers why none came."""

    def __init__(self, src: SourceConfig, wide: Optional[str] = None, limit: int = sys.maxsize):
        self.src, self.n, self.notes, self.wide, self.limit = src, 0, [], wide, limit

    def speech(self, sp, meeting: Optional[dict] = None) -> Record:
        self.n += 1
        if isinstance(sp, TooLarge):     # (the XML form's: the JSON forms' are told apart before)
            return Record(self.n, None, f"speech of {int(sp)} bytes exceeds max_record_bytes")
        if not isinstance(sp, dict):
            return Record(self.n, None, f"speech record is {type(sp).__name__}, not an object")
        if isinstance(sp.get("speech"), TooLarge):     # (a speech record saved alone, its text over the limit)
            return Record(self.n, None, f"speech of {int(sp['speech'])} bytes exceeds max_record_bytes")
        if not isinstance(sp.get("speech"), str):
            if "speechID" in sp and "speech" not in sp:
                return Record(self.n, None, f"speech record {str(sp['speechID'])[:40]} has no 'speech' text: "
                                            + MEETING_LIST)
            return Record(self.n, None, "speech record without a 'speech' string")
        meta = {k: meeting[k] for k in MEETING_KEYS if meeting and meeting.get(k) is not None}
        meta.update({k: sp[k] for k in META_KEYS if sp.get(k) is not None})
        if missing := [k for k in WHERE_KEYS if not meta.get(k)]:
            meta["missing"] = missing
        body = sp["speech"]
        unread = {"line_endings": sp[RESAVED]} if sp.get(RESAVED) else {}
        if own := characters([v for k, v in sp.items() if k not in API_FIELDS]):
            unread["harvester_fields"] = own     # (a summary, a party, a URL under its own name: not read)
        if "\r" in body:     # (a CR alone is a line end too: it becomes the LF, not counted)
            body = body.replace("\r\n", "\n").replace("\r", "\n")
            if n := len(sp["speech"]) - len(body):
                unread["line_endings"] = unread.get("line_endings", 0) + n
        head = _SPEAKER_HEAD.match(body)
        titles = [head.group("title"), head.group("role") or ""] if head else []
        if head:
            unread["speaker_heading"] = head.end()
            body = body[head.end():]
        if any(c in body for c in "―─━—"):
            kept = _SEPARATOR.sub("", body)
            if len(kept) < len(body):
                unread["separator_line"], body = len(body) - len(kept), kept
        roles = {sp.get("speakerPosition") or "", sp.get("speakerRole") or ""}
        # the 参議院 heads a member's own speech with the name alone ("○関口昌一君　"): the 議長 who thanks
        # the House after his election speaks as a member, whatever his speakerPosition says
        if head and head.group("name") is None and head.group("title").endswith("君"):
            roles = set()
        # the 衆議院 heads a chair's speech with name and post in one word ("○加藤委員長　"), with no
        # speakerPosition: a heading that ends in a chair position counts as that position
        procedural = (str(sp.get("speechOrder", "")) == "0" or sp.get("speaker") == HEADER_SPEAKER
                      or bool(roles & set(self.src.drop_roles))
                      or any(t.endswith(role) for t in titles if t for role in self.src.drop_roles))
        skip = "procedural" if procedural and not self.src.keep_procedural else None
        return Record(self.n, body, None, skip=skip, meta=meta, unread=unread)

    def response(self, obj) -> Iterator[Record]:
        """Records of one decoded value: a whole response, a meeting record, or a single speech record."""
        if is_meeting(obj):
            yield from self.meeting(obj)
        elif isinstance(obj, dict) and ("speechRecord" in obj or "meetingRecord" in obj or "numberOfRecords" in obj):
            for sp in obj.get("speechRecord") or []:
                yield self.speech(sp)
            for m in obj.get("meetingRecord") or []:
                yield from self.meeting(m)
            if not obj.get("speechRecord") and not obj.get("meetingRecord"):
                self.notes.append(no_records(obj.get("numberOfRecords")))
        elif isinstance(obj, dict) and "speech" in obj:
            yield self.speech(obj)
        elif (records := old_api_records(obj)) is not None:
            for rec in records:
                data = rec.get("recordData") if isinstance(rec, dict) else None
                data = data if isinstance(data, dict) else {}
                if isinstance(data.get("meetingRecord"), dict):
                    m = _typed(data["meetingRecord"])
                    yield from self.meeting({**m, "speechRecord": list(map(_typed, as_list(m.get("speechRecord"))))})
                else:
                    for sp in as_list(data.get("speechRecord")):
                        yield self.speech(_typed(sp))
        elif (found := harvested(obj, self.src.text_field)) is not None:
            yield from self.harvested(obj, *found)
        else:   # an error page among good ones must not vanish: a reject of its own
            self.n += 1
            why = describe(obj)      # (an API error, or a page with no records, says what it is)
            own = why.startswith(("an API error", "a response with no records"))
            yield Record(self.n, None, why if own else f"not a Kokkai response or speech record: {why}")

    def harvested(self, wrapper: dict, key: str, field: str) -> Iterator[Record]:
        """The speech records a harvester keeps in its own wrapper's list ``key``, their text under
        ``field`` (:func:`diet_pages.harvested`): each a speech record, its fields and the wrapper's that
        bear the API's names its metadata (a harvester's ``house`` or ``name`` is not guessed to be
        nameOfHouse or nameOfMeeting). The characters of the wrapper's fields the API does not have (its
        own names, a meeting's header text, its lists) are counted unread as ``harvester_fields`` on its
        first speech, as an entry's own are on the entry (:meth:`speech`)."""
        own = {k: v for k, v in wrapper.items() if k != key}
        extra = characters([v for k, v in own.items() if k not in API_FIELDS])
        for entry in wrapper[key]:
            sp = dict(entry) if isinstance(entry, dict) else entry
            if isinstance(sp, dict) and isinstance(sp.get(field), str):
                sp["speech"] = _sized(sp.pop(field), self.limit)
            rec = self.speech(_typed(sp), _typed(own))
            if rec.error is None and extra:
                rec.unread["harvester_fields"], extra = rec.unread.get("harvester_fields", 0) + extra, 0
            yield rec

    def meeting(self, m) -> Iterator[Record]:
        if isinstance(m, TooLarge):
            self.n += 1
            yield Record(self.n, None, f"meetingRecord of {int(m)} bytes exceeds max_record_bytes")
            return
        if not isinstance(m, dict) or not isinstance(m.get("speechRecord"), list):
            self.n += 1
            yield Record(self.n, None, "meetingRecord without a speechRecord list")
            return
        entries = m["speechRecord"]
        if entries and all(isinstance(sp, dict) and "speechID" in sp and "speech" not in sp for sp in entries):
            self.n += 1      # one reject for the meeting, not one for each of its speeches
            yield Record(self.n, None, f"meeting {str(m.get('issueID', ''))[:40]} lists {len(entries)} speeches "
                                       f"without their text: {MEETING_LIST}")
            return
        for sp in m["speechRecord"]:
            yield self.speech(sp, m)


def read_diet(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """国会会議録 API output in any of the shapes above: one record per speech record."""
    with open_binary(path) as fh:
        r = _Reader(src, wide_unicode(fh.read(1 << 16)), limit)
    with open_utf8(path, r.wide) as fh:
        head = fh.read(1 << 16)
    first = first_char(head)
    codec = "utf-8-sig" if r.wide else guess_codec(head)
    if first not in "<[{" and (delimiter := table_delimiter(head.decode(codec, "replace").lstrip("\ufeff"))):
        yield from _read_table(path, r, limit, delimiter, codec)
    elif first == "<":
        yield from _read_xml(path, r, limit)
    elif first == "[":
        yield from _read_array(path, r, limit)
    elif first == "{" and _is_json_lines(path, r, limit):
        yield from _read_lines(path, r, limit)
    elif first == "{":
        yield from _read_object(path, r, limit)
    else:
        r.notes.append("not JSON or XML" if first else "an empty file")
    if r.n == 0:     # an API error or an empty page is the API's own answer: it needs no hint
        why = "; ".join(dict.fromkeys(r.notes)) or "empty response"
        own = r.notes and all(n.startswith(("an API error", "a response with no records")) for n in r.notes)
        yield Record(1, None, why if own else f"no speech records: {why} (expected a Kokkai API speech or "
                                              "meeting response)")


def _is_json_lines(path: Path, r: _Reader, limit: int) -> bool:
    """True if the first line that is not blank is a whole JSON value (JSON Lines, or a one-line response)."""
    with open_utf8(path, r.wide) as fh:
        for _, raw, _ in iter_lines(fh, limit):
            if raw is None:          # a first line over the limit: JSON Lines if more lines follow,
                return _more_lines(fh, limit)   # else one large response on one line, as the API sends it
            if not raw.strip():      # (a harvester that writes "\n" before each record leaves one first)
                continue
            try:
                json.loads(raw.decode("utf-8-sig"))
                return True
            except (UnicodeDecodeError, json.JSONDecodeError):
                return False
    return False


def _more_lines(fh, limit: int) -> bool:
    """Whether a non-blank line follows in ``fh`` (read on from where iter_lines stopped)."""
    return any(raw is None or raw.strip() for _, raw, _ in iter_lines(fh, limit))


def _read_object(path: Path, r: _Reader, limit: int, part: Optional[tuple[str, int, int]] = None) -> Iterator[Record]:
    """A response (its records streamed one at a time, a meeting's speech by speech, its speeches held
    until its fields after them are read, as below), a meeting record saved alone (its fields
    come before its speechRecord list, as the API orders them: its speeches are held until the fields
    after the list, meetingURL, are read) or a speech record saved alone; several of them one after
    another (pages appended to one file, ``curl … >> pages.json``) are read in turn. With ``part``, a
    part of the file over the limit read the same way (:func:`_text`: a line of JSON Lines, an object of
    a top-level array); one that gives no speech is a reject of its own."""
    others: dict = {}
    held: Optional[list] = None       # the speeches of a meeting record saved alone
    start = first = r.n               # records before this file (or line), and before this document
    meeting: Optional[Opened] = None  # a meetingRecord element being read (speech by speech), its speeches
    speeches: list = []
    with _text(path, r, part) as fh:
        try:
            for key, obj in iter_json_array(fh, ("speechRecord", "meetingRecord"), limit, others, several=True,
                                            nested={"meetingRecord": "speechRecord"}):
                if (key, obj) == NEXT_DOCUMENT:
                    yield from _document_end(r, others, held, first, limit, more=True)
                    others.clear()
                    held, first = None, r.n
                    continue
                if key == "meetingRecord.speechRecord":
                    speeches.append(obj)
                    continue
                if isinstance(obj, Opened):           # a meeting opens, or closes
                    yield from () if meeting is None else r.meeting(_with_speeches(meeting, speeches))
                    meeting, speeches = (obj, []) if meeting is None else (None, [])
                    continue
                if held is None and key == "speechRecord" and is_meeting({**others, key: []}):
                    held = []
                if held is not None and key == "speechRecord":
                    held.append(obj)
                elif isinstance(obj, TooLarge):
                    r.n += 1
                    yield Record(r.n, None, f"{key} of {int(obj)} bytes exceeds max_record_bytes={limit}")
                elif key == "meetingRecord":
                    yield from r.meeting(obj)
                else:
                    yield r.speech(obj)
        except (ValueError, UnicodeDecodeError) as e:    # (the speeches read so far count)
            yield from r.meeting({**others, "speechRecord": held}) if held else ()
            yield from r.meeting(_with_speeches(meeting, speeches)) if meeting is not None and speeches else ()
            r.n += 1
            yield Record(r.n, None, f"unreadable JSON after record {r.n - 1}: {e}")
            return
    yield from _document_end(r, others, held, first, limit, more=first > start or part is not None)


def _with_speeches(meeting: Opened, speeches: list) -> dict:
    """A meeting record read member by member, with the speeches of its speechRecord list (if it had one)."""
    return {**meeting, "speechRecord": speeches} if isinstance(meeting.get("speechRecord"), list) else dict(meeting)


def _document_end(r: _Reader, others: dict, held: Optional[list], first: int, limit: int,
                  more: bool) -> Iterator[Record]:
    """What one JSON document of the file gives once it is read whole: a meeting record's held speeches,
    the speech of a speech record saved alone, or, where it gave no record, why. When other documents
    share the file (``more``), that is a reject of its own (an API error page appended to good ones),
    else a note for the one reject of the file."""
    if held is not None:
        yield from r.meeting({**others, "speechRecord": held})
    elif r.n == first and (old_api_records(others) is not None or "speech" in others
                           or harvested(others, r.src.text_field)):
        if isinstance(others.get("speech"), str):      # the one speech is the record max_record_bytes limits
            others["speech"] = _sized(others["speech"], limit)
        yield from r.response(others)
    elif r.n == first and more:
        r.n += 1
        yield Record(r.n, None, describe(others))
    elif r.n == first:
        r.notes.append(describe(others))


def _read_array(path: Path, r: _Reader, limit: int) -> Iterator[Record]:
    with _text(path, r) as fh:
        try:
            for i, obj in enumerate(iter_json_list(fh, limit)):
                if isinstance(obj, TooLarge) and obj.span:     # an object: read again member by member
                    yield from _read_object(path, r, limit, ("chars", *obj.span))
                elif isinstance(obj, TooLarge):
                    r.n += 1
                    yield Record(r.n, None, f"array element {i} of {int(obj)} bytes exceeds max_record_bytes={limit}")
                else:
                    yield from r.response(obj)
        except (ValueError, UnicodeDecodeError) as e:
            if (at := getattr(e, "object_at", None)) is not None:   # an object cut short: what it holds
                yield from _read_object(path, r, limit, ("chars", at, sys.maxsize))   # before the cut
                return
            r.n += 1
            yield Record(r.n, None, f"unreadable JSON array after record {r.n - 1}: {e}")


def _read_lines(path: Path, r: _Reader, limit: int) -> Iterator[Record]:
    """One value a line; a line over the limit (a page of the meeting endpoint, its meetings on one
    line) is read again on its own, record by record, as a file of one response is."""
    end = 0
    with open_utf8(path, r.wide) as fh:
        for line_no, raw, size in iter_lines(fh, limit):
            end += size
            if raw is not None and not raw.strip():
                continue
            if raw is None:
                yield from _read_object(path, r, limit, ("bytes", end - size, end))
                continue
            try:
                obj = json.loads(raw.decode("utf-8-sig" if line_no == 1 else "utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                r.n += 1
                yield Record(r.n, None, f"line {line_no}: {e}")
                continue
            yield from r.response(obj)


def _read_xml(path: Path, r: _Reader, limit: int) -> Iterator[Record]:
    """The API's XML form: each <speechRecord> (inside a <meetingRecord> for the meeting endpoint)
    has one child element a field; a speech over ``limit`` UTF-8 bytes is bad input. Pages appended to
    one file (``curl … >> pages.xml``; the API's XML has no declaration) are read as the children of a
    root the reader adds; a page after the first that gives no speech is a reject of its own."""
    import xml.etree.ElementTree as ET

    meeting: dict = {}
    speeches: list[dict] = []
    depth_meeting = number = None
    with open_binary(path) as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    top = 0 if r.wide or head.startswith((b"<?xml", b"<!")) else 1     # the depth of a page's root
    pages, start, why = 0, 0, []       # pages begun; records before this page; why this page gave none
    try:
        with open_binary(path) as fh:
            stack = []
            stream = _OneCR(fh, wrap=top == 1)
            for event, el in ET.iterparse(stream, events=("start", "end")):
                if event == "start":
                    stack.append(el.tag)
                    if el.tag == "meetingRecord":
                        meeting, depth_meeting = {}, len(stack)
                    elif len(stack) == top + 1:      # a page begins
                        pages, start, why, number = pages + 1, r.n, [], None
                        if pages == 2 and r.n == 0:  # the first page gave nothing: a reject of its own
                            r.n, start = 1, 1
                            yield Record(1, None, "; ".join(r.notes) or "an XML page with no speech records")
                    continue
                stack.pop()
                if el.tag == "speechRecord":
                    sp = _json_like({c.tag: (c.text or "") for c in el}, keep=("speech",))
                    sp = _one_line_end(sp) if stream.doubled else sp
                    if isinstance(body := _sized(sp.get("speech") or "", limit), TooLarge):   # (a meeting_list
                        sp = body                                                              # entry has none)
                    if depth_meeting is None:
                        yield r.speech(sp)
                    else:     # the meeting's own fields may follow its speeches (meetingURL does)
                        speeches.append(sp)
                    el.clear()
                elif depth_meeting is not None and len(stack) == depth_meeting and el.tag in MEETING_KEYS:
                    meeting[el.tag] = el.text or ""
                elif el.tag == "meetingRecord":
                    yield from r.meeting({**_json_like(meeting), "speechRecord": speeches})
                    meeting, depth_meeting, speeches = {}, None, []
                    el.clear()
                elif el.tag == "diagnostic":    # an API error: <diagnostics><diagnostic><message>, <details>
                    why.append(api_error(el.findtext("message") or "", [d.text or "" for d in el.iter("details")]))
                elif el.tag == "message" and "diagnostic" not in stack and r.n == start:
                    why.append(api_error(el.text or "", []))
                elif el.tag == "numberOfRecords" and len(stack) == top + 1:
                    number = el.text or ""
                elif len(stack) == top and r.n == start:      # a page that gave no record ends
                    why = why or ([no_records(number)] if number is not None else [])
                    if pages == 1:
                        r.notes += why
                    else:
                        r.n += 1
                        yield Record(r.n, None, "; ".join(why) or "an XML page with no speech records")
    except ET.ParseError as e:
        for sp in speeches:        # a file cut off inside a meeting: the speeches read so far count
            yield r.speech(sp, _json_like(meeting))
        r.n += 1
        yield Record(r.n, None, f"XML error: {e}")


def _read_table(path: Path, r: _Reader, limit: int, delimiter: str, codec: str) -> Iterator[Record]:
    """A CSV or TSV table of speeches (:mod:`diet_table`): a speech record a row; a row that does not
    have the header's number of cells (a delimiter in an unquoted text) is a reject of its own."""
    with open_utf8(path, r.wide) as raw, io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="") as fh:
        try:
            rows = iter_table(fh, delimiter, limit)
            for n, header, cells in rows:
                if (column := text_column(header, r.src.text_field)) is None:
                    first = [cells] + [c for _, _, c in itertools.islice(rows, 19)]
                    longest = longest_column(header, first)
                    r.notes.append(f"a table with columns {header[:12]} and no 'speech' column (nor text_field "
                                   f"{r.src.text_field!r})" + (f": its texts seem to be in {longest!r}; set "
                                                               f"text_field: {longest}" if longest else ""))
                    return
                size = sum(len(c.encode("utf-8", "surrogatepass")) for c in cells)
                if len(cells) != len(header) or size > limit:
                    r.n += 1
                    yield Record(r.n, None, f"row {n} has {len(cells)} cells, the header {len(header)}"
                                 if len(cells) != len(header) else f"row {n} of {size} bytes exceeds "
                                                                   f"max_record_bytes={limit}")
                else:
                    row = dict(zip(header, cells))     # (its columns the API has not: harvester_fields)
                    sp = _typed({k: v for k, v in row.items() if k != column and v != ""})
                    yield r.speech({**sp, **_one_crlf(row[column])})
        except (csv.Error, UnicodeDecodeError) as e:
            r.n += 1
            yield Record(r.n, None, f"unreadable table after record {r.n - 1}: {e}")


def _one_crlf(text: str) -> dict:
    """A table cell's speech, its CR CR LF line ends (the API's CRLF as Python's csv module writes it to a
    file opened on Windows without ``newline=""``: text mode turns its LF into CRLF) made CRLF, one line
    end as in the XML form; the CRs taken out are counted (``RESAVED``, then ``line_endings``)."""
    if "\r\r\n" not in text:
        return {"speech": text}
    return {"speech": text.replace("\r\r\n", "\r\n"), RESAVED: text.count("\r\r\n")}


def _sized(text: str, limit: int):
    """``text``, or :class:`TooLarge` (its size) if it is over ``limit`` UTF-8 bytes."""
    if len(text) * 4 > limit and (size := len(text.encode("utf-8", "surrogatepass"))) > limit:
        return TooLarge(size)
    return text


def _json_like(fields: dict, keep: tuple[str, ...] = ()) -> dict:
    """XML fields (a speech record's or a meeting's child elements) as the JSON form has them: empty
    fields left out (JSON gives null) but those in ``keep``, numbers as numbers."""
    return {k: v for k, v in _typed(fields).items() if v != "" or k in keep}


def _typed(fields):
    """speechOrder and session as numbers, as the JSON form has them (the XML and the old API give
    strings); anything but an object is returned as it is, for the reader to report."""
    if not isinstance(fields, dict):
        return fields
    return {k: int(v.strip()) if k in ("speechOrder", "session") and isinstance(v, str) and v.strip().isdigit() else v
            for k, v in fields.items()}


def _text(path: Path, r: _Reader, part: Optional[tuple[str, int, int]] = None):
    """The file as UTF-8 text (:func:`~jiniac_hpc.corpus.readers.base.open_utf8`), or a part of it: ``("bytes", start, end)`` of the UTF-8
    bytes (a line of JSON Lines), ``("chars", start, end)`` of the text (an element of an array)."""
    raw = open_utf8(path, r.wide)
    if part and part[0] == "bytes":
        raw = io.BufferedReader(ByteSlice(raw, part[1], part[2] - part[1]))
    fh = Utf8Text(raw)
    return CharSlice(fh, part[1], part[2]) if part and part[0] == "chars" else fh


class _OneCR:
    """A byte stream with CR CR LF read as one line end: the API's CRLF line ends saved by a Windows
    text-mode write, which an XML parser would turn into two line breaks. The line break dropped is
    text to the parser, so it is marked, not lost: CR CR LF is read as TAB CR LF (a TAB is whitespace
    wherever XML allows a line break) and ``doubled`` is set; :func:`_one_line_end` takes the mark out
    of a speech and counts it. With ``wrap``, between ``<pages>`` and ``</pages>``, so that pages
    appended to one file are one document."""

    def __init__(self, fh, wrap: bool = False):
        self.fh, self.before, self.after = fh, b"<pages>" if wrap else b"", b"</pages>" if wrap else b""
        self.doubled = False

    def read(self, n: int = -1) -> bytes:
        if self.before:
            data, self.before = self.before, b""
            return data
        data = self.fh.read(n)
        if not data:
            data, self.after = self.after, b""
            return data
        while data.endswith(b"\r"):             # a CR run cut at the chunk's end: read on to see what follows
            more = self.fh.read(1)
            if not more:
                break
            data += more
        if b"\r\r\n" in data:
            self.doubled = True
            data = data.replace(b"\r\r\n", DOUBLED_MARK + b"\r\n")
        return data


def _one_line_end(sp: dict) -> dict:
    """A speech record of a file whose line ends were CR CR LF (:class:`_OneCR`): each marked line end
    is one line break, the other the parser read is counted (``line_endings``), as a JSON speech's
    CR is. (A TAB of the speech before a line end saved as LF alone, in a file that also has CR CR LF,
    would be taken for a mark too; no such file is known.)"""
    text, mark = sp.get("speech"), DOUBLED_MARK.decode() + "\n"
    if isinstance(text, str) and mark in text:
        sp = {**sp, "speech": text.replace(mark, "\n"), RESAVED: text.count(mark)}
    return sp
