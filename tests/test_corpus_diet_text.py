"""The text inside Diet speeches across eras: every character of the API's ``speech`` field is written
or counted under a named reason (heading, CR of CRLF, separator line), on real responses of 1947
(XML), 2016-2018 (the API before 2.0), 2023 (XML) and 2025-2026 (JSON, JSON Lines); and an error page of
the API before 2.0 is named an API error.

    PYTHONPATH=$PWD python -m pytest -q tests/test_corpus_diet_text.py
"""
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.config import from_dict
from jiniac_hpc.corpus.config import CorpusConfig, SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.stage import run_inline

R = Path(__file__).parent / "assets" / "corpus" / "real"
#: real responses with rules between items of business: "—————" (1947), "─────────────" and
#: "─────・─────" (参議院, 2023, 2025), "―――――――――――――" and "――――◇―――――" (衆議院, 2026)
SAMPLES = ["kokkai_meeting_api_1947_shugiin.xml", "kokkai_meeting_api_2023_sangiin_page1_trimmed.xml",
           "kokkai_speech_api_page1_of_68.json", "kokkai_harvester_sangiin_20250801_trimmed.jsonl",
           "kokkai_speech_api_chingin_first3_trimmed.json", "kokkai_old_api_speech_result.json"]
RULES = "―─━—◇・"


def raw_speeches(path: Path) -> list:
    """The ``speech`` fields of a file in order, read with the standard library alone."""
    if path.suffix == ".xml":
        return [sp.findtext("speech") for sp in ET.parse(path).getroot().iter("speechRecord")]
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(x)["speech"] for x in text.splitlines() if x.strip()]
    doc = json.loads(text)
    if "data" in doc:    # the API before 2.0 (no speechID): data.records.record[].recordData.speechRecord
        return [r["recordData"]["speechRecord"]["speech"] for r in doc["data"]["records"]["record"]]
    return [sp["speech"] for sp in doc["speechRecord"]]


def is_rule(line: str) -> bool:
    """A line of the printed minutes' rule characters alone (and its indentation)."""
    bare = line.strip(" \u3000")
    return len(bare) >= 4 and all(c in RULES for c in bare)


def unruled(text: str) -> str:
    """``text`` without its rule lines."""
    return "\n".join(x for x in text.split("\n") if not is_rule(x))


def recs(path: Path, **kw):
    return list(read(path, SourceConfig(name="t", reader="diet", paths=[str(path)], lang="ja", **kw), 1 << 24))


@pytest.mark.parametrize("name", SAMPLES)
def test_every_character_of_a_speech_is_written_or_counted(name):
    """Per speech: the characters of the ``speech`` field are those written plus those counted, and what
    is counted as ``separator_line`` is the rule lines (with their indentation and line break): no rule
    is left in a text, and every other line of the speech is in it, in order."""
    path = R / name
    raw = raw_speeches(path)
    rs = recs(path, keep_procedural=True)
    assert len(rs) == len(raw) and all(r.error is None for r in rs)
    rules = 0
    for r, speech in zip(rs, raw):
        assert len(speech) == len(r.text) + sum(r.unread.values()), r.pos
        body = speech.replace("\r\n", "\n")[r.unread.get("speaker_heading", 0):]
        lines = body.split("\n")
        ruled = [x for x in lines if is_rule(x)]
        assert r.unread.get("separator_line", 0) == sum(len(x) + 1 for x in ruled), r.pos
        assert r.text.split("\n") == [x for x in lines if not is_rule(x)]
        rules += len(ruled)
    assert rules > 0 or name == "kokkai_old_api_speech_result.json"


def test_notes_old_kanji_and_indentation_stay():
    """Kept as the record prints them: the stenographers' notes, old kanji and kana (1947), the
    full-width space that indents a paragraph."""
    texts = {name: "\n".join(r.text for r in recs(R / name, keep_procedural=True)) for name in SAMPLES}
    old = texts["kokkai_meeting_api_1947_shugiin.xml"]
    assert all(w in old for w in ("勞働委員會", "從來", "タマヱ", "〔「賛成」と呼ぶ者あり〕", "午後三時十一分散會"))
    sangiin = texts["kokkai_meeting_api_2023_sangiin_page1_trimmed.xml"]
    assert "〔賛成者起立〕" in sangiin and "（拍手）" in sangiin and "\n\u3000" in sangiin
    assert not any(is_rule(x) for t in texts.values() for x in t.split("\n"))
    # a report's last line is its words, not the rule after them
    kitamura = next(r for r in recs(R / SAMPLES[1]) if r.meta["speaker"] == "北村経夫")
    assert kitamura.text.endswith("以上、御報告申し上げます。（拍手）")


def test_the_stage_counts_separator_lines(tmp_path):
    """Through the stage, the characters read are the speech fields' characters, and the rules are
    counted under their own reason."""
    path = R / "kokkai_speech_api_page1_of_68.json"
    raw = raw_speeches(path)
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "diet", "reader": "diet", "paths": [str(path)]}],
                                   "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    st = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["diet"]
    assert st["chars_read"] == sum(map(len, raw))
    assert st["unread"]["separator_line"] == sum(len(x) + 1 for s in raw
                                                 for x in s.replace("\r\n", "\n").split("\n") if is_rule(x))
    written = [row["text"] for f in (tmp_path / "run" / "output").rglob("*.jsonl.zst") for row in fileio.read_jsonl(f)]
    assert written and not any(is_rule(x) for t in written for x in t.split("\n"))


def test_an_error_of_the_api_before_2_0_says_what_it_is(tmp_path):
    """A page of the API before 2.0 saved as JSON (its XML as objects, as kokkai_old_api_speech_result.json
    is) that is an error: the one-line reason is the API's code and details, alone in a file and among
    good pages; so is a page of no hits in that form."""
    error = R / "kokkai_old_api_error_19011_19028.json"
    (r,) = recs(error)
    assert r.error == ("an API error response, not speeches: (19011)検索条件の入力に誤りがあります。 ((0) (19028)"
                       "speakerRole:発言者役割を証人/参考人/公述人で入力してください。)")
    good = json.loads((R / "kokkai_old_api_speech_result.json").read_text(encoding="utf-8"))
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([good, json.loads(error.read_text(encoding="utf-8"))], ensure_ascii=False))
    rs = recs(pages)
    assert [r.error for r in rs[:-1]] == [None] * 5 and rs[-1].error == r.error
    (tmp_path / "none.json").write_text('{"data": {"numberOfRecords": "0", "numberOfReturn": "0"}}')
    assert [x.error for x in recs(tmp_path / "none.json")] == [
        "a response with no records (numberOfRecords 0: the search had no hits)"]


def test_a_lone_cr_is_a_line_end_and_the_characters_still_add_up(tmp_path):
    """The real harvest's speeches with their CRLF line ends made lone CRs (old Mac line ends, a tool
    that dropped the LFs): each CR is a line end kept as LF, and nothing is counted twice."""
    lines = (R / "kokkai_harvester_sangiin_20250801_trimmed.jsonl").read_text(encoding="utf-8").splitlines()
    sps = [{**(sp := json.loads(x)), "speech": sp["speech"].replace("\r\n", "\r")} for x in lines if x.strip()]
    f = tmp_path / "cr.jsonl"
    f.write_text("".join(json.dumps(sp, ensure_ascii=False) + "\n" for sp in sps), encoding="utf-8")
    rs = recs(f, keep_procedural=True)
    assert len(rs) == len(sps) == 4
    for r, sp in zip(rs, sps):
        assert "\r" in sp["speech"] and "\r" not in r.text and "\n" in r.text
        assert len(sp["speech"]) == len(r.text) + sum(r.unread.values()) and "line_endings" not in r.unread
