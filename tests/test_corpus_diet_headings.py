"""The diet reader on a real 衆議院 meeting response: its speaker headings, chair speeches, and a response saved on one line.

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

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

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
        speech = raw[r.meta["speechID"]]
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
    # JSON Lines whose first line is over the limit: that line is a reject, the next is read
    jl = tmp_path / "speeches.jsonl"
    sp = resp["speechRecord"]
    jl.write_text(json.dumps({"speechRecord": sp}, ensure_ascii=False) + "\n"
                  + json.dumps(sp[-1], ensure_ascii=False) + "\n", encoding="utf-8")
    rs = recs(jl, limit=limit, keep_procedural=True)
    assert "exceeds max_record_bytes" in rs[0].error and rs[-1].text == pretty[-1].text
