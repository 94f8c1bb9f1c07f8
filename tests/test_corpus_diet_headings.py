"""The diet reader on real meeting responses in XML (衆議院 1947, 参議院 2023): speaker headings, chair speeches, a response saved on one line.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_diet_headings.py

Real file (tests/assets/corpus/real/SOURCES.md): the meeting endpoint's XML for a 1947 joint
committee of the 衆議院, whose headings are the House of Representatives' forms: "○加藤委員長　"
(the chair, name and post in one word, no speakerPosition), "○原（侑）委員　" (a member told
apart from a namesake), "○仮委員長（堀末治君）　". What the reader keeps is checked against the
file's own <speech> fields, parsed here with ElementTree.
"""
import json
import re
import xml.etree.ElementTree as ET

from jiniac_hpc.config import from_dict
from jiniac_hpc.corpus.config import CorpusConfig, SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.stage import run_inline
from jiniac_hpc.paths import REPO_ROOT
from test_corpus_diet_text import unruled

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
SHUGIIN_1947 = R / "kokkai_meeting_api_1947_shugiin.xml"


def recs(path, limit=1 << 24, **kw):
    return list(read(path, SourceConfig(name="t", reader="diet", paths=[str(path)], lang="ja", **kw), limit))


def speeches(path):
    return {sp.findtext("speechID"): sp.findtext("speech") for sp in ET.parse(path).getroot().iter("speechRecord")}


def test_shugiin_headings_are_cut_whole_and_chairs_are_procedural():
    raw = speeches(SHUGIIN_1947)
    rs = recs(SHUGIIN_1947, keep_procedural=True)
    assert len(rs) == len(raw) == 69 and all(r.error is None for r in rs)
    for r in rs:
        speech = unruled(raw[r.meta["speechID"]])     # (its rules are counted as separator_line)
        head = speech[:len(speech) - len(r.text)]
        # the heading is "○…" up to its first space, whole: no "委員　" left at the start of the text
        assert r.text and speech.endswith(r.text), r.meta["speechID"]
        if speech.startswith("○"):     # (the meeting's header record, 会議録情報, has no heading)
            assert re.fullmatch(r"○[^\s　]+[\s　]*", head), head
        assert r.unread.get("speaker_heading", 0) == len(head)
    hara = next(r for r in rs if raw[r.meta["speechID"]].startswith("○原（侑）委員　"))
    assert not hara.text.startswith("委員")
    # chair speeches: "○加藤委員長　" and "○仮委員長（堀末治君）　" have no speakerPosition, but are procedural
    default = {r.meta["speechID"]: r.skip for r in recs(SHUGIIN_1947)}
    chairs = [i for i, s in raw.items() if re.match(r"○(加藤委員長|仮委員長（)", s)]
    assert len(chairs) == 11 and all(default[i] == "procedural" for i in chairs)
    members = [i for i, s in raw.items() if s.startswith("○原（侑）委員")]
    assert members and all(default[i] is None for i in members)


def test_a_response_on_one_line_longer_than_the_limit_is_read_record_by_record(tmp_path):
    """The API sends JSON on one line: a saved meeting response larger than max_record_bytes is
    still one response, not a JSON Lines file whose first line is too long."""
    saved = R / "kokkai_speech_api_untrimmed.json"
    resp = json.loads(saved.read_text(encoding="utf-8"))
    one_line = tmp_path / "speech.json"
    one_line.write_text(json.dumps(resp, ensure_ascii=False), encoding="utf-8")
    pretty = recs(saved, keep_procedural=True)
    limit = max(len(json.dumps(sp, ensure_ascii=False).encode()) for sp in resp["speechRecord"]) + 100
    assert one_line.stat().st_size > limit and len(pretty) == 2
    rs = recs(one_line, limit=limit, keep_procedural=True)
    assert [(r.text, r.skip, r.meta) for r in rs] == [(r.text, r.skip, r.meta) for r in pretty]
    # JSON Lines whose first line is over the limit: that line is read again on its own, record by
    # record (it had been one reject), and the next is read
    jl = tmp_path / "speeches.jsonl"
    sp = resp["speechRecord"]
    jl.write_text(json.dumps({"speechRecord": sp}, ensure_ascii=False) + "\n"
                  + json.dumps(sp[-1], ensure_ascii=False) + "\n", encoding="utf-8")
    rs = recs(jl, limit=limit, keep_procedural=True)
    assert [r.text for r in rs] == [r.text for r in pretty] + [pretty[-1].text]


def test_meeting_fields_after_the_speeches_reach_every_speech():
    """The XML form puts a meeting's meetingURL after its speechRecords: it had been lost for all of them;
    empty fields are left out and numbers are numbers, as the JSON form gives them."""
    rs = recs(SHUGIIN_1947)
    assert len({r.meta["meetingURL"] for r in rs}) == 2      # two meetings, each speech with its own
    assert all(r.meta["meetingURL"] == "https://kokkai.ndl.go.jp/txt/" + r.meta["speechID"].split("_")[0] for r in rs)
    assert all(isinstance(r.meta["speechOrder"], int) and "speakerRole" not in r.meta for r in rs)


OLD_API = R / "kokkai_old_api_speech_result.json"
SANGIIN_2025 = R / "kokkai_harvester_sangiin_20250801_trimmed.jsonl"


def test_a_page_of_the_api_before_2_0_is_read():
    """The old API's page (its XML as JSON: data.records.record[].recordData.speechRecord, numbers as
    strings) had been rejected as an unknown object."""
    raw = json.loads(OLD_API.read_text(encoding="utf-8"))["data"]["records"]["record"]
    rs = recs(OLD_API)
    assert len(rs) == len(raw) == 5 and all(r.error is None and r.skip is None for r in rs)
    for r, rec in zip(rs, raw):
        sp = rec["recordData"]["speechRecord"]
        assert sp["speech"].endswith(r.text) and sp["speech"][:len(sp["speech"]) - len(r.text)].startswith("○")
        assert r.meta["speechOrder"] == int(sp["speechOrder"]) and r.meta["date"] == sp["date"]


def test_a_chair_speaking_as_a_member_is_kept():
    """The 参議院's newly elected 議長 thanks the House under his own name ("○関口昌一君　"): a member's
    speech, though speakerPosition says 議長; his speech from the chair is procedural."""
    raw = [json.loads(x) for x in SANGIIN_2025.read_text(encoding="utf-8").splitlines()]
    rs = {r.meta["speechID"]: r for r in recs(SANGIIN_2025)}
    assert rs["121815254X00120250801_001"].skip == "procedural"      # ○議長（関口昌一君）
    own = rs["121815254X00120250801_010"]
    assert own.skip is None and own.text.startswith("一言御挨拶を申し上げます。")
    assert unruled(raw[-1]["speech"].replace("\r\n", "\n")).endswith(own.text)


def test_a_heading_with_no_space_after_it_leaves_the_text_whole(tmp_path):
    """A harvester that took the spaces out ("○議長（関口昌一君）第二百…", "○関口昌一君一言…"): no heading can be
    told from the speech, so nothing is cut (it had cut whole speeches, up to their first space)."""
    lines = []
    for x in SANGIIN_2025.read_text(encoding="utf-8").splitlines():
        sp = json.loads(x)
        sp["speech"] = re.sub(r"\s", "", sp["speech"])
        lines.append(json.dumps(sp, ensure_ascii=False))
    f = tmp_path / "squeezed.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for r, x in zip(recs(f), lines):
        assert r.text == json.loads(x)["speech"] and "speaker_heading" not in r.unread


def test_a_harvesters_own_shape_is_rejected_with_where_its_texts_are(tmp_path):
    f = tmp_path / "harvested.json"     # the shape of open-politicians-jp/gijiroku-search's pages
    f.write_text(json.dumps({"metadata": {"period": "2025-01"}, "data": [
        {"id": "121705261X00120250130_001", "house": "衆議院", "text": "これより会議を開きます。"}]},
        ensure_ascii=False), encoding="utf-8")
    (r,) = recs(f)
    assert "'data (list)'" in r.error and "texts at 'data[].text'" in r.error and "JSON Lines" in r.error


def test_crlf_saved_again_by_windows_is_one_line_break(tmp_path):
    """The API's CRLF line ends, written by a Windows text-mode save, become CR CR LF (a real saved
    response in GasakiSAW/kokkai-ai has 49): the XML parser would read each as two line breaks."""
    f = tmp_path / "saved.xml"
    f.write_bytes(SHUGIIN_1947.read_bytes().replace(b"\n", b"\r\r\n"))
    assert [r.text for r in recs(f)] == [r.text for r in recs(SHUGIIN_1947)]


def test_a_crlf_saved_again_by_windows_is_counted_as_a_line_ending():
    """A real speech-endpoint page in the API's XML as GasakiSAW/kokkai-ai saved it (参議院 決算委員会
    and 政治改革特別委員会, 2024-06-10): its speeches' 49 line ends are CR CR LF, which an XML parser
    reads as two line breaks each. The reader keeps one; the other was dropped without a word (49
    characters of the speech fields neither written nor counted). It is counted as
    ``line_endings`` now, as the CR of a JSON speech's CRLF is, and the text is as before."""
    path = R / "kokkai_speech_api_crcrlf_saved.xml"
    raw = speeches(path)
    rs = recs(path, keep_procedural=True)
    assert len(rs) == len(raw) == 10 and all(r.error is None for r in rs)
    for r in rs:
        speech = raw[r.meta["speechID"]]
        assert "\n\n" not in r.text and "\t" not in r.text
        assert r.unread.get("line_endings", 0) == speech.count("\n\n") > 0
        assert len(r.text) + sum(r.unread.values()) == len(speech)
        assert r.text.endswith(speech.replace("\n\n", "\n")[-40:])
    assert sum(r.unread["line_endings"] for r in rs) == 49
    fields = {sp.findtext("speechID"): sp for sp in ET.parse(path).getroot().iter("speechRecord")}
    for r in rs:
        for k in ("speaker", "date", "nameOfHouse", "nameOfMeeting", "issue"):
            assert r.meta[k] == fields[r.meta["speechID"]].findtext(k), k


def test_the_size_limit_counts_bytes_in_every_form(tmp_path):
    """max_record_bytes is in bytes, as in every reader: a speech record of the untrimmed response
    whose JSON has fewer characters than the limit but more UTF-8 bytes is too large in a whole
    response, an array of speech records and the XML form alike, as it is as a line of JSON Lines (the
    JSON forms had counted characters, and the XML form had no limit)."""
    resp = json.loads((R / "kokkai_speech_api_untrimmed.json").read_text(encoding="utf-8"))
    sp = max(resp["speechRecord"], key=lambda x: len(x["speech"]))
    text = json.dumps(sp, ensure_ascii=False)
    limit = (len(text) + len(text.encode())) // 2
    assert len(text) < limit < len(sp["speech"].encode())
    forms = {"resp.json": json.dumps(resp, ensure_ascii=False, indent=1),
             "records.json": json.dumps(resp["speechRecord"], ensure_ascii=False, indent=1),
             "speeches.jsonl": "\n".join(json.dumps(x, ensure_ascii=False) for x in resp["speechRecord"]) + "\n",
             "speeches.xml": "<data><records>" + "".join(
                 "<record><recordData><speechRecord>" + "".join(f"<{k}>{v}</{k}>" for k, v in x.items()
                                                               if v is not None and k != "speech")
                 + f"<speech>{x['speech']}</speech></speechRecord></recordData></record>"
                 for x in resp["speechRecord"]) + "</records></data>"}
    for name, body in forms.items():
        f = tmp_path / name
        f.write_text(body, encoding="utf-8")
        rs = recs(f, limit=limit, keep_procedural=True)
        big = [r for r in rs if r.error]
        assert len(rs) == 2 and len(big) == 1 and "bytes exceeds max_record_bytes" in big[0].error, name
        assert [r.meta["speechID"] for r in rs if not r.error] == [x["speechID"] for x in resp["speechRecord"]
                                                                   if x is not sp], name


def test_a_record_without_date_house_or_meeting_says_so():
    """kokkai_analysis saved the 参議院's speech records without their meeting's fields: each speech
    is kept whole, and its metadata lists the fields it lacks; no record of the API lacks them."""
    rs = recs(SANGIIN_2025, keep_procedural=True)
    assert len(rs) == 4 and all(r.text and r.meta["missing"] == ["date", "nameOfHouse", "nameOfMeeting"] for r in rs)
    for name in ("kokkai_speech_api_untrimmed.json", "kokkai_meeting_api_1947_shugiin.xml",
                 "kokkai_old_api_speech_result.json", "kokkai_pages.json", "kokkai_speeches.jsonl"):
        rs = recs(R / name, keep_procedural=True)
        assert rs and all(r.error is None and "missing" not in r.meta for r in rs), name


def test_a_first_page_with_more_to_fetch_gives_all_its_text():
    """A real first page of 68 hits (nextRecordPosition 31): its 30 speeches, every character of their
    ``speech`` fields read as text or counted unread (heading, CRs), each with its meeting's fields."""
    page = R / "kokkai_speech_api_page1_of_68.json"
    doc = json.loads(page.read_text(encoding="utf-8"))
    assert (doc["numberOfRecords"], doc["numberOfReturn"], doc["nextRecordPosition"]) == (68, 30, 31)
    rs = recs(page, keep_procedural=True)
    assert len(rs) == 30 and all(r.error is None and "missing" not in r.meta for r in rs)
    for r, sp in zip(rs, doc["speechRecord"]):
        assert len(r.text) + sum(r.unread.values()) == len(sp["speech"]) and r.meta["speechID"] == sp["speechID"]


def test_an_api_error_a_page_with_no_hits_and_a_meeting_list_each_say_what_they_are(tmp_path):
    """Real error responses (HTTP 400) in XML and indented JSON, with and without details: one reject
    naming the file as an API error with its code and details. A page with no hits (the JSON and XML
    forms constructed here) and a meeting_list page (the 1947 meeting with its <speech> fields taken
    out) say so in one line, one reject for each meeting rather than one for each of its speeches."""
    for name, code in (("kokkai_api_error_19011_19028.xml", "(19011)検索条件の入力に誤りがあります。 ((0) (19028)speakerRole:"),
                       ("kokkai_api_error_19011_19028_indented.json", "(19011)検索条件の入力に誤りがあります。 ((0) (19028)"),
                       ("kokkai_api_error_19007.xml", "(19007)検索条件を指定してください。")):
        (r,) = recs(R / name)
        assert r.error.startswith("an API error response, not speeches: ") and code in r.error, r.error
    (tmp_path / "none.json").write_text('{"numberOfRecords":0,"numberOfReturn":0,"startRecord":1}')
    (tmp_path / "none.xml").write_text("<data><numberOfRecords>0</numberOfRecords></data>")
    for name in ("none.json", "none.xml"):
        (r,) = recs(tmp_path / name)
        assert r.error == "a response with no records (numberOfRecords 0: the search had no hits)"
    listed = tmp_path / "meeting_list.xml"
    listed.write_text(re.sub(r"<speech>.*?</speech>", "", SHUGIIN_1947.read_text(encoding="utf-8"), flags=re.S),
                      encoding="utf-8")
    rs = recs(listed)
    assert len(rs) == 2 and all("a meeting_list response holds no speech text" in r.error for r in rs)
    assert "lists 63 speeches" in rs[0].error


SANGIIN_2023 = R / "kokkai_meeting_api_2023_sangiin_page1_trimmed.xml"


def test_a_sangiin_plenary_page_in_xml_is_read_whole(tmp_path):
    """The first page (nextRecordPosition 4 of 259) of the meeting endpoint's XML, its first meeting: the
    参議院's 本会議 of 2023-12-06. The committee chairs report under their own names ("○北村経夫君　"),
    speeches kept; the 議長's and the 会議録情報 header are procedural. Through the stage every character of
    the <speech> fields is read: written, or counted as the heading or as a procedural record."""
    raw = speeches(SANGIIN_2023)
    root = ET.parse(SANGIIN_2023).getroot()
    assert (root.findtext("numberOfRecords"), root.findtext("nextRecordPosition")) == ("259", "4")
    rs = recs(SANGIIN_2023)
    assert len(rs) == len(raw) == 13 and all(r.error is None and "missing" not in r.meta for r in rs)
    kept = [r for r in rs if r.skip is None]
    assert [r.meta["speaker"] for r in kept] == ["北村経夫", "大野泰正", "比嘉奈津美"]
    assert all(r.text.startswith("ただいま議題となりました") and unruled(raw[r.meta["speechID"]]).endswith(r.text) for r in kept)
    assert all(r.meta["speechOrder"] == 0 or r.meta["speakerPosition"] == "議長" for r in rs if r.skip)
    assert all(r.meta["meetingURL"].endswith("121215254X00920231206") and r.meta["date"] == "2023-12-06" for r in rs)
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "diet", "reader": "diet", "paths": [str(SANGIIN_2023)]}],
                                   "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    st = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["diet"]
    assert st["docs_in"] == 13 and st["removed"]["procedural"]["docs"] == 10 and st["docs_out"] == 3
    assert st["chars_read"] == sum(map(len, raw.values())) == st["chars_in"] + sum(st["unread"].values())


def test_an_error_quoted_from_the_input_is_one_line(tmp_path):
    """An API error whose details hold a line break (the real 19011/19028 body with its details
    wrapped, constructed here) is one line in the reason: the task log and the report print one
    line a bad input."""
    body = (R / "kokkai_api_error_19011_19028.xml").read_text(encoding="utf-8")
    wrapped = tmp_path / "wrapped.xml"
    wrapped.write_text(body.replace("speakerRole:", "speakerRole:\n        "), encoding="utf-8")
    (r,) = recs(wrapped)
    assert "\n" not in r.error and "(19028)speakerRole: 発言者役割を" in r.error, r.error
