"""The diet reader on harvesters' own JSON that keeps the API's speech records under its own wrapper.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_diet_harvesters.py

Real files (tests/assets/corpus/real/SOURCES.md): flowweb-kokkai's meetings of 1947 as it saved them
(``[{"house", "name", "date", "issue", "headerRecord", …, "speeches": [{"speaker", "speech", "id",
"order", "url"}]}]``, its speeches taken from the API's XML page of the same meeting, which is a sample
too), and gijiroku-search's weekly JSON of the speeches it harvested (``{"metadata": {…}, "data":
[{"date", "session", "speaker", "text", …}]}``, the week whose CSV is a sample too), and kokkai-ai's
array of the speech records it took with its own summary, theme and meeting beside them. json and
ElementTree are the reference for what each file holds; the API's own page and the harvester's CSV
say what each speech is.
"""
import json

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
FLOWWEB = R / "kokkai_flowweb_meetings_1947_end.json"
API_1947 = R / "kokkai_meeting_api_1947_shugiin.xml"
GIJIROKU_JSON = R / "kokkai_gijiroku_search_speeches_2025_w23.json"
GIJIROKU_CSV = R / "kokkai_gijiroku_search_speeches_2025_w23.csv"
KOKKAI_AI = R / "kokkai_ai_result_speeches_summaries.json"


def recs(path, **kw):
    return list(read(path, SourceConfig(name="t", reader="diet", paths=[str(path)], lang="ja", **kw), 1 << 24))


def characters(value) -> int:
    if isinstance(value, str):
        return len(value)
    values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return sum(map(characters, values))


def test_a_harvesters_meetings_with_their_speeches_read_as_the_apis_page():
    """flowweb-kokkai saves each meeting under its own names with a ``speeches`` list of the API's
    speech records (``speaker``, ``speech``): each is a speech, its text the one the API's XML page of
    the same meeting gives for that speechID (the harvester took the headings out, leaving the space
after each, which the reader counts with the heading in the API's form); the meeting's
    date, session and issue (the API's names) are its metadata, its ``house`` and ``name`` are not
    guessed (the speech is flagged missing them), and the characters of the harvester's other fields
    (the meeting header's text, its lists of speakers, the ids and URLs) are counted unread."""
    meetings = json.loads(FLOWWEB.read_text(encoding="utf-8"))
    entries = [sp for m in meetings for sp in m["speeches"]]
    rs = recs(FLOWWEB, keep_procedural=True)
    assert len(rs) == len(entries) == 56 and all(r.error is None for r in rs)
    api = {r.meta["speechID"]: r.text for r in recs(API_1947, keep_procedural=True)}
    assert [r.text for r in rs[:55]] == ["\u3000" + api[sp["id"]] for sp in entries[:55]]
    assert rs[0].meta == {"date": "1947-07-28", "session": 1, "issue": "第1号", "speaker": "米窪滿亮",
                          "missing": ["nameOfHouse", "nameOfMeeting"]}
    # every character: a speech's text kept or counted, the API's fields as metadata, the rest unread
    assert sum(len(r.text) + sum(v for k, v in r.unread.items() if k != "harvester_fields") for r in rs) == \
        sum(len(sp["speech"]) for sp in entries)
    meta = sum(len(m[k]) for m in meetings for k in ("date", "session", "issue")) + \
        sum(len(sp["speaker"]) for sp in entries)
    assert sum(r.unread.get("harvester_fields", 0) for r in rs) == characters(meetings) - meta - \
        sum(len(sp["speech"]) for sp in entries) > 0


def test_a_harvesters_weekly_json_reads_as_its_csv_of_the_same_week():
    """gijiroku-search's weekly JSON holds the 78 speeches its CSV of that week holds, the text under
    ``text`` (the source's default ``text_field``, as in the CSV): the same documents, headings and
    procedural records, and the session the JSON adds (and whole, where the CSV cut the longest); its metadata block and its own fields
    (house, committee, party, url) are counted unread."""
    rs, want = recs(GIJIROKU_JSON), recs(GIJIROKU_CSV)
    assert len(rs) == len(want) == 78 and all(r.error is None for r in rs)
    # the harvester's CSV cuts a text over 500 characters there and adds "..." (3 of the week's); its
    # JSON has them whole
    assert [i for i, r in enumerate(rs) if len(r.text) > 500] == [14, 44, 74]
    assert all(want[i].text == rs[i].text[:500] + "..." for i in (14, 44, 74))
    assert [(r.text if len(r.text) <= 500 else "", r.skip, {k: v for k, v in r.unread.items()
                                                           if k != "harvester_fields"}) for r in rs] == \
        [(r.text if not r.text.endswith("...") else "", r.skip, {k: v for k, v in r.unread.items()
                                                                 if k != "harvester_fields"}) for r in want]
    assert [r.meta for r in rs] == [{**r.meta, "session": 217} for r in want]
    data = json.loads(GIJIROKU_JSON.read_text(encoding="utf-8"))
    kept = sum(len(sp["text"]) + len(sp["date"]) + len(sp["speaker"]) for sp in data["data"])
    assert sum(len(r.text) + sum(r.unread.values()) for r in rs) == characters(data) - \
        sum(len(sp["date"]) + len(sp["speaker"]) for sp in data["data"]) and kept < characters(data)


def test_a_harvesters_speech_records_with_fields_of_its_own_count_them():
    """kokkai-ai saves the speeches it took (the API's ``speaker``, ``speech``, ``date``) with fields of
    its own beside them: ``summary`` (the speech's first 100 characters and "..."), ``theme``,
    ``meeting`` (the meeting's name, not guessed to be nameOfMeeting). Each is a speech whose text is
    the record's; the characters of those fields, not read, are counted as ``harvester_fields``."""
    records = json.loads(KOKKAI_AI.read_text(encoding="utf-8"))
    rs = recs(KOKKAI_AI, keep_procedural=True)
    assert len(rs) == len(records) == 30 and all(r.error is None for r in rs)
    assert [r.unread["harvester_fields"] for r in rs] == [len(x["summary"]) + len(x["theme"]) + len(x["meeting"])
                                                        for x in records]
    assert [len(r.text) + sum(r.unread.values()) for r in rs] == [characters(x) - len(x["date"]) - len(x["speaker"])
                                                                  for x in records]
    assert rs[0].meta == {"speaker": "額賀福志郎", "date": "2024-12-24", "missing": ["nameOfHouse", "nameOfMeeting"]}


def test_a_harvesters_list_over_max_record_bytes_says_so():
    """A harvester's list of speeches is read whole: where it is larger than max_record_bytes (here
    20,000 bytes, gijiroku-search's week holds 77,000) the file is one reject that names the list and
    its size, not one that says only which keys the object has."""
    (r,) = list(read(GIJIROKU_JSON, SourceConfig(name="t", reader="diet", paths=[str(GIJIROKU_JSON)]), 20_000))
    assert r.text is None and "'data' (" in r.error and "bytes) over max_record_bytes" in r.error
