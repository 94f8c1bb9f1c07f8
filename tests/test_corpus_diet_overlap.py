"""One copy of each Diet speech across a source's files: overlapping harvests and re-runs.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_diet_overlap.py

Real files (tests/assets/corpus/real/SOURCES.md): two keyword searches of the speech endpoint saved
by one harvester (kokkai-voice's 賃金 and エネルギー pages, trimmed to their first records), which
share speeches (the same speechID in both); a re-run of a search saved under another name (that
harvester committed one page twice, byte for byte); and the meeting response and the speech
records of kokkai_pages.json / kokkai_speeches.jsonl (one speech in a meeting record and in a
speech record).
"""
import json
import shutil

from jiniac_hpc import fileio
from jiniac_hpc.config import from_dict
from jiniac_hpc.corpus import shards as sh
from jiniac_hpc.corpus.config import CorpusConfig
from jiniac_hpc.corpus.stage import run_inline
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
CHINGIN = R / "kokkai_speech_api_chingin_first3_trimmed.json"
ENERGY = R / "kokkai_speech_api_energy_policy_first4_trimmed.json"
PAGE = R / "kokkai_speech_api_page1_of_68.json"
#: a speech endpoint record's fields that a meeting response gives its meeting, not its speeches
MEETING_FIELDS = ("issueID", "imageKind", "searchObject", "session", "nameOfHouse", "nameOfMeeting", "issue",
                  "date", "closing", "meetingURL", "pdfURL")


def run(tmp_path, name, paths, **src):
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "diet", "reader": "diet", "paths": [str(p) for p in paths],
                                                **src}], "filters": {"min_chars": 1}})
    d = tmp_path / name
    run_inline(cfg, d)
    docs = [doc for s in sh.load_manifest(d) for doc in fileio.read_jsonl(sh.output_path(d, s))]
    rejects = [r for s in sh.load_manifest(d) for r in fileio.read_jsonl(sh.rejects_path(d, s, "dedup"))]
    return json.loads((d / "stats.json").read_text())["sources"]["diet"], docs, rejects


def ids(docs):
    return [d["meta"]["speechID"] for d in docs]


def test_overlapping_harvests_keep_one_copy_of_a_speech(tmp_path):
    """Two searches share 122104024X02720260604_006 (the 事務総長's speech) and the meeting header
    122104127X00220260603_000; a re-run of the first search saved under another name repeats all three
    of its speeches. Every copy had reached the output (the diet source's dedup is 'none'): the
    事務総長's speech was in the corpus three times."""
    rerun = tmp_path / "in" / "chingin_rerun.json"
    rerun.parent.mkdir()
    shutil.copyfile(CHINGIN, rerun)
    paths = [CHINGIN, ENERGY, rerun]
    every, every_docs, _ = run(tmp_path, "every", paths, one_copy_a_speech=False)
    stats, docs, rejects = run(tmp_path, "one", paths)
    # the header (会議録情報) and the 委員長's opening are procedural in every copy
    assert sorted(ids(every_docs)) == sorted(["122104024X02720260604_006"] * 3
                                             + ["122105261X01320260603_002", "122104127X00220260603_038"])
    assert sorted(ids(docs)) == sorted(set(ids(every_docs)))
    assert stats["removed"]["speech_id_dup"] == {"docs": 2, "chars": sum(
        len(d["text"]) for d in every_docs) - sum(len(d["text"]) for d in docs)}
    assert stats["docs_in"] == every["docs_in"] and stats["docs_out"] == every["docs_out"] - 2
    assert stats["duplicate_rate"] > 0 and "speech_id_dup" not in every["removed"]
    # the first copy (file order) is kept; each other names it
    first = {d["meta"]["speechID"]: d["id"] for d in docs}
    assert first["122104024X02720260604_006"].startswith("diet-00000-")
    assert [(r["reason"], r["duplicate_of"]) for r in rejects] == [
        ("speech_id_dup", first["122104024X02720260604_006"])] * 2
    assert "one copy a speechID" in (tmp_path / "one" / "report.md").read_text()


def test_a_speech_in_a_meeting_record_and_a_speech_record_is_one_document(tmp_path):
    """The same speeches (国会 and 帝国議会) as pages of the speech and meeting endpoints, and as JSON
    Lines of speech records: one document each, from the pages (listed first)."""
    stats, docs, rejects = run(tmp_path, "one", [R / "kokkai_pages.json", R / "kokkai_speeches.jsonl"],
                               keep_procedural=True)
    assert len(docs) == len(set(ids(docs))) == 5 and "121405254X00220241004_001" in ids(docs)
    assert all(d["id"].startswith("diet-00000-") for d in docs)
    assert stats["removed"]["speech_id_dup"]["docs"] == len(rejects) == 5
    assert all(r["id"].startswith("diet-00001-") for r in rejects)


def test_the_copy_with_its_whole_metadata_is_the_one_kept(tmp_path):
    """A harvest that kept a meeting response's speech records without the meeting's fields (as
    kokkai_analysis's JSON Lines do), listed before the API's page of the same speeches: its copies
    had been kept, flagged as missing their date, house and meeting, and the page's dropped. The page's
    copies are kept; the harvest's are the second copies."""
    sps = json.loads(PAGE.read_text(encoding="utf-8"))["speechRecord"]
    harvest = tmp_path / "in" / "speeches.jsonl"
    harvest.parent.mkdir()
    harvest.write_text("".join(json.dumps({k: v for k, v in sp.items() if k not in MEETING_FIELDS},
                                          ensure_ascii=False) + "\n" for sp in sps), encoding="utf-8")
    stats, docs, rejects = run(tmp_path, "one", [harvest, PAGE])
    assert len(docs) == stats["removed"]["speech_id_dup"]["docs"] == len(rejects) == 19
    assert all(d["id"].startswith("diet-00001-") and "missing" not in d["meta"] for d in docs)
    assert all(r["id"].startswith("diet-00000-") and r["duplicate_of"].startswith("diet-00001-") for r in rejects)
    assert stats["flagged"] == {"missing_metadata": len(sps)}       # (counted as read, before dedup)
    assert stats["removed"]["procedural"]["docs"] == 2 * (len(sps) - 19)
