"""The diet reader on the API's output as people save it: records alone, pages appended, Windows encodings.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_diet_saved.py

Real files (tests/assets/corpus/real/SOURCES.md): the meeting responses of the 国会 and the 帝国議会
APIs, the untrimmed meeting_list and speech responses, a first page of 68 hits, the XML pages of 1947
and 2023, the API's error bodies and kokkai_analysis's JSON Lines. A harvester that fetches the meeting
endpoint often keeps ``data["meetingRecord"]`` (one file a meeting, an array of them, or one a line);
one that fetches speeches may keep each ``speechRecord`` in a file of its own, indented; a shell loop
appends pages to one file (``curl … >> pages.json``); Windows PowerShell saves in UTF-16. Those forms
are written here from the real files, and what the reader makes of them is checked against what it
makes of the files themselves.
"""
import json

import pytest

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
MEETINGS = ["kokkai_meeting_api.json", "teikoku_meeting_api.json"]


def recs(path, limit=1 << 24, **kw):
    return list(read(path, SourceConfig(name="t", reader="diet", paths=[str(path)], lang="ja", **kw), limit))


def saved_forms(tmp_path, records: list) -> dict:
    """The records as a harvester saves them: each in an indented file, all in an array, one a line."""
    forms = {f"alone_{i}.json": json.dumps(m, ensure_ascii=False, indent=2) for i, m in enumerate(records)}
    forms["array.json"] = json.dumps(records, ensure_ascii=False, indent=1)
    forms["lines.jsonl"] = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in records)
    for name, text in forms.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return {name: tmp_path / name for name in forms}


@pytest.mark.parametrize("name", MEETINGS)
def test_a_meeting_record_saved_alone_gives_its_fields_to_its_speeches(tmp_path, name):
    """A meetingRecord without the response around it had been read as a response: its speeches lost
    the meeting's date, house, name, issueID and meetingURL, and were flagged as missing them."""
    meetings = json.loads((R / name).read_text(encoding="utf-8"))["meetingRecord"]
    whole = recs(R / name, keep_procedural=True)
    assert whole and all(r.error is None and "missing" not in r.meta for r in whole)
    for form, path in saved_forms(tmp_path, meetings).items():
        rs = recs(path, keep_procedural=True)
        listed = [meetings[int(form[6])]] if form.startswith("alone_") else meetings
        want = [r for r in whole if r.meta["issueID"] in {m["issueID"] for m in listed}]
        assert len(want) == sum(len(m["speechRecord"]) for m in listed)
        assert [(r.text, r.meta, r.unread, r.skip) for r in rs] == [(r.text, r.meta, r.unread, r.skip)
                                                                    for r in want], form


def test_a_meeting_list_record_saved_alone_is_one_reject_a_meeting(tmp_path):
    """meeting_list records kept without the response: one reject for each meeting, saying what it is
    (not one for each of its speeches)."""
    meetings = json.loads((R / "kokkai_meeting_list_api_untrimmed.json").read_text(encoding="utf-8"))["meetingRecord"]
    assert [len(m["speechRecord"]) for m in meetings] == [4, 9]
    for form, path in saved_forms(tmp_path, meetings).items():
        rs = recs(path)
        listed = [meetings[int(form[6])]] if form.startswith("alone_") else meetings
        assert len(rs) == len(listed) and all("a meeting_list response holds no speech text" in r.error
                                              for r in rs), form
        for r, m in zip(rs, listed):
            assert f"meeting {m['issueID']} lists {len(m['speechRecord'])} speeches" in r.error, form


def test_a_speech_record_saved_alone_in_indented_json_is_read(tmp_path):
    """A speech record in a file of its own, indented, had been rejected as an unknown object (its text
    lost) though the same record on one line was read; over the limit, it is too large, with its size."""
    resp = R / "kokkai_speech_api_untrimmed.json"
    sps = json.loads(resp.read_text(encoding="utf-8"))["speechRecord"]
    whole = recs(resp, keep_procedural=True)
    paths = saved_forms(tmp_path, sps)
    for i, r in enumerate(whole):
        (got,) = recs(paths[f"alone_{i}.json"], keep_procedural=True)
        assert (got.text, got.meta, got.unread) == (r.text, r.meta, r.unread)
    big = max(range(len(sps)), key=lambda i: len(sps[i]["speech"].encode()))
    limit = len(sps[big]["speech"].encode()) - 1
    (r,) = recs(paths[f"alone_{big}.json"], limit=limit)
    assert r.text is None and "exceeds max_record_bytes" in r.error


def test_json_lines_after_a_blank_first_line_are_json_lines(tmp_path):
    """kokkai_analysis's speech records with a blank line before them (a harvester that writes "\\n"
    before each record): the file had been read as one JSON document, its first record kept and the
    rest one reject that said to save them as JSON Lines, which they were."""
    lines = R / "kokkai_harvester_sangiin_20250801_trimmed.jsonl"
    f = tmp_path / "speeches.jsonl"
    f.write_bytes(b"\n" + lines.read_bytes().replace(b"\n", b"\n\n"))
    want = recs(lines, keep_procedural=True)
    rs = recs(f, keep_procedural=True)
    assert len(want) == 4 and [(r.text, r.meta, r.error) for r in rs] == [(r.text, r.meta, r.error) for r in want]


def test_pages_appended_to_one_file_are_each_read(tmp_path):
    """Pages fetched in turn and appended to one file (``curl … >> pages.json``): the real first page of
    68 hits, the untrimmed response and the API's error body, indented as saved and minified on one line
    as the API sends them. Every page is read (the pages after the first had been one reject, "more
    JSON after"), and the error page is a reject of its own that says what it is."""
    names = ["kokkai_speech_api_page1_of_68.json", "kokkai_speech_api_untrimmed.json", "kokkai_api_error.json"]
    docs = [json.loads((R / n).read_text(encoding="utf-8")) for n in names]
    want = [r for n in names[:2] for r in recs(R / n, keep_procedural=True)]
    assert len(want) == 32
    appended = {"indented.json": b"\n".join((R / n).read_bytes().rstrip() for n in names) + b"\n",
                "minified.json": "".join(json.dumps(d, ensure_ascii=False) for d in docs).encode()}
    for name, data in appended.items():
        (tmp_path / name).write_bytes(data)
        rs = recs(tmp_path / name, keep_procedural=True)
        assert [(r.text, r.meta, r.unread) for r in rs[:-1]] == [(r.text, r.meta, r.unread) for r in want], name
        assert rs[-1].text is None and rs[-1].error.startswith("an API error response, not speeches: (19011)")
        assert [r.pos for r in rs] == list(range(1, 34)), name


@pytest.mark.parametrize("name", ["kokkai_speech_api_page1_of_68.json", "kokkai_harvester_sangiin_20250801_trimmed.jsonl",
                                  "kokkai_meeting_api_1947_shugiin.xml", "kokkai_api_error.json"])
@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_a_response_saved_as_windows_unicode_is_read(tmp_path, name, codec):
    """A response saved by Windows PowerShell (``>`` and ``Out-File`` write "Unicode": UTF-16 with its
    byte order mark) had been "not JSON or XML", every speech lost: each form reads as its UTF-8 self.
    (UTF-32 XML, which the XML parser cannot read, stays an XML error.)"""
    f = tmp_path / name
    f.write_bytes((R / name).read_text(encoding="utf-8").encode(codec))
    rs = recs(f, keep_procedural=True)
    if codec == "utf-32" and name.endswith(".xml"):
        assert len(rs) == 1 and rs[0].error.startswith("XML error")
        return
    want = recs(R / name, keep_procedural=True)
    assert want and [(r.text, r.meta, r.unread, r.error) for r in rs] == [(r.text, r.meta, r.unread, r.error)
                                                                         for r in want]


def test_xml_pages_appended_to_one_file_are_each_read(tmp_path):
    """The API's XML (no declaration) appended page after page: the real error body of 19007 first, the
    参議院 2023 page, the 衆議院 1947 page, the 19011 error body last. Both pages' speeches are read (all
    after the first page had been one "XML error: junk after document element"), and each error page is
    a reject of its own naming its code."""
    names = ["kokkai_api_error_19007.xml", "kokkai_meeting_api_2023_sangiin_page1_trimmed.xml",
             "kokkai_meeting_api_1947_shugiin.xml", "kokkai_api_error_19011_19028.xml"]
    f = tmp_path / "pages.xml"
    f.write_bytes(b"\n".join((R / n).read_bytes() for n in names))
    want = [r for n in names[1:3] for r in recs(R / n, keep_procedural=True)]
    rs = recs(f, keep_procedural=True)
    assert len(want) == 13 + 69 and [r.pos for r in rs] == list(range(1, len(want) + 3))
    assert [(r.text, r.meta, r.unread) for r in rs[1:-1]] == [(r.text, r.meta, r.unread) for r in want]
    assert rs[0].text is None and rs[0].error.startswith("an API error response, not speeches: (19007)")
    assert rs[-1].text is None and "(19011)" in rs[-1].error and "(19028)speakerRole" in rs[-1].error


def meeting_json(xml_path) -> dict:
    """The meeting endpoint's XML response in the API's JSON packing: its fields in the same order,
    empty ones null, numbers as numbers (the API's JSON gives the XML's values so)."""
    import xml.etree.ElementTree as ET

    def value(el):
        text = el.text or ""
        return int(text) if el.tag in NUMBERS and text.isdigit() else text or None

    def meeting(m) -> dict:
        out: dict = {}
        for el in m:     # (its speechRecord elements, one after another, are its speechRecord list)
            if el.tag == "speechRecord":
                out.setdefault("speechRecord", []).append({f.tag: value(f) for f in el})
            else:
                out[el.tag] = value(el)
        return out

    root = ET.parse(xml_path).getroot()
    return {**{el.tag: value(el) for el in root if el.tag != "records"},
            "meetingRecord": [meeting(m) for m in root.iter("meetingRecord")]}


NUMBERS = ("numberOfRecords", "numberOfReturn", "startRecord", "nextRecordPosition", "searchObject", "session",
           "speechOrder", "startPage")


def test_a_meeting_over_max_record_bytes_is_read_speech_by_speech(tmp_path):
    """The 1947 meeting response (63 speeches in 74 kB of text, and a meeting of 6) in the API's JSON
    packing: a meetingRecord over max_record_bytes had been one reject, its 63 speeches lost. It is read
    speech by speech, as the XML form is; a speech over the limit is one reject with its size."""
    xml = R / "kokkai_meeting_api_1947_shugiin.xml"
    f = tmp_path / "meeting.json"
    f.write_text(json.dumps(meeting_json(xml), ensure_ascii=False, indent=2), encoding="utf-8")
    want = recs(xml, keep_procedural=True)
    sizes = [len(json.dumps(m, ensure_ascii=False, indent=2).encode()) for m in json.loads(f.read_text())["meetingRecord"]]
    assert len(want) == 69 and sizes[0] > 80_000 and sizes[1] < 8_000
    for limit in (1 << 24, 32_768):
        rs = recs(f, limit=limit, keep_procedural=True)
        assert [(r.text, r.meta, r.unread, r.skip) for r in rs] == [(r.text, r.meta, r.unread, r.skip) for r in want]
    rs = recs(f, limit=8_192, keep_procedural=True)
    (big,) = [i for i, r in enumerate(rs) if r.error]
    assert rs[big].error.startswith("speech of ") and "exceeds max_record_bytes" in rs[big].error
    assert len(want[big].text.encode()) > 8_192 and rs[:big] + rs[big + 1:] == want[:big] + want[big + 1:]
    # cut in the middle of the meeting (a download that stopped): the speeches before the cut count
    cut = tmp_path / "cut.json"
    data = f.read_bytes()
    cut.write_bytes(data[:data.rindex(b"\n", 0, len(data) // 2)])
    rs = recs(cut, keep_procedural=True)
    assert 10 < len(rs) - 1 < 63 and rs[-1].error.startswith("unreadable JSON after record")
    assert [(r.pos, r.text, r.meta["date"]) for r in rs[:-1]] == [(r.pos, r.text, r.meta["date"]) for r in want[:len(rs) - 1]]


@pytest.mark.parametrize("form", ["pages.jsonl", "pages.json", "meetings.json"])
def test_a_page_of_json_lines_or_an_array_over_max_record_bytes_is_read_speech_by_speech(tmp_path, form):
    """Responses saved one a line (``f.write(json.dumps(page) + "\\n")``, Python's default ASCII escapes)
    or as one JSON array: the 1947 meeting page, the API's error body, the untrimmed speech page; and
    the 1947 page's two meeting records alone in an indented array. The meeting page (or meeting) is
    over max_record_bytes: it had been one reject, its speeches lost; it is read again on its own,
    record by record, and the error page stays a reject of its own."""
    meeting = meeting_json(R / "kokkai_meeting_api_1947_shugiin.xml")
    pages = [meeting, json.loads((R / "kokkai_api_error.json").read_text(encoding="utf-8")),
             json.loads((R / "kokkai_speech_api_untrimmed.json").read_text(encoding="utf-8"))]
    f = tmp_path / form
    f.write_text({"pages.jsonl": "".join(json.dumps(p) + "\n" for p in pages), "pages.json": json.dumps(pages),
                  "meetings.json": json.dumps(meeting["meetingRecord"], ensure_ascii=False, indent=2)}[form],
                 encoding="utf-8")
    want = recs(R / "kokkai_meeting_api_1947_shugiin.xml", keep_procedural=True)
    more = [] if form == "meetings.json" else recs(R / "kokkai_speech_api_untrimmed.json", keep_procedural=True)
    assert len(json.dumps(meeting["meetingRecord"][0]).encode()) > 100_000
    for limit in (1 << 24, 32_768):
        rs = recs(f, limit=limit, keep_procedural=True)
        assert [(r.text, r.meta) for r in rs[:69]] == [(r.text, r.meta) for r in want], limit
        if more:
            assert rs[69].error.startswith("an API error response, not speeches: (19011)"), limit
            assert [(r.text, r.meta) for r in rs[70:]] == [(r.text, r.meta) for r in more], limit
        assert [r.pos for r in rs] == list(range(1, len(want) + len(more) + (2 if more else 1))), limit


@pytest.mark.parametrize("form", ["page.json", "pages.json", "meeting.json"])
def test_a_file_cut_inside_a_character_keeps_the_records_before_the_cut(tmp_path, form):
    """A download that stopped cuts a UTF-8 file anywhere, most often inside a Japanese character
    (three bytes): the page of 30 speeches cut in its last speech had given no speech at all (the text
    decoder raised for its whole read, the file), one reject. The speeches before the cut are read,
    then one reject says where the file broke; so in an array of pages and in a meeting response."""
    page = (R / "kokkai_speech_api_page1_of_68.json").read_bytes()
    meeting = json.dumps(meeting_json(R / "kokkai_meeting_api_1947_shugiin.xml"), ensure_ascii=False).encode()
    data = {"page.json": page, "pages.json": b"[" + page + b",\n" + page + b"]",
            "meeting.json": meeting}[form]
    cut = len(data) - 300
    while data[cut] & 0xC0 != 0x80:       # back to the middle of a character
        cut -= 1
    whole = tmp_path / ("whole_" + form)
    whole.write_bytes(data)
    (tmp_path / form).write_bytes(data[:cut])
    want = recs(whole, keep_procedural=True)
    rs = recs(tmp_path / form, keep_procedural=True)
    assert len(rs) == len(want) and rs[-1].text is None and "can't decode byte" in rs[-1].error
    after = ("meetingURL", "pdfURL")     # (a meeting's fields after its speeches are cut off with them)
    assert [(r.text, {k: v for k, v in r.meta.items() if k not in after}) for r in rs[:-1]] == [
        (r.text, {k: v for k, v in r.meta.items() if k not in after}) for r in want[:-1]]
