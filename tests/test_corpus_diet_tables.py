"""The diet reader on tables of speeches (CSV, TSV) as harvesters and spreadsheets export them.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_diet_tables.py

Real files (tests/assets/corpus/real/SOURCES.md): gijiroku-search's weekly CSV of the speeches it
harvested (``date,speaker,party,committee,text,url``, 78 speeches of 2025-06), and the first rows of
a CSV a study exported (``houses,committee,speaker,date,speech_order,speech_text``). Python's csv
module is the reference for what each row holds. A table in the API's own field names (what
``pandas.DataFrame(page["speechRecord"]).to_csv()`` writes, its index column first) is written here
from a real speech page, as CSV, as Excel's UTF-16 "Unicode text" (TSV) and cut short.
"""
import csv
import io
import json

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
GIJIROKU = R / "kokkai_gijiroku_search_speeches_2025_w23.csv"
STUDY = R / "kokkai_speeches_csv_tomone_hata_first7_trimmed.csv"
PAGE = R / "kokkai_speech_api_page1_of_68.json"


def recs(path, limit=1 << 24, **kw):
    return list(read(path, SourceConfig(name="t", reader="diet", paths=[str(path)], lang="ja", **kw), limit))


def column(path, name):
    with open(path, encoding="utf-8", newline="") as fh:
        return [row[name] for row in csv.DictReader(fh)]


def own(r) -> dict:
    """What a record counts unread of its speech (the characters of the harvester's own columns aside)."""
    return {k: v for k, v in r.unread.items() if k != "harvester_fields"}


def accounted(rs, texts) -> bool:
    """Each record is its row's text: all of it, but the speaker heading the reader counts unread."""
    return len(rs) == len(texts) and all(r.error is None and t == t[:r.unread.get("speaker_heading", 0)] + r.text
                                         and len(t) == len(r.text) + sum(own(r).values()) for r, t in zip(rs, texts))


def others(path, names) -> list[int]:
    """The characters of each row's cells in columns other than ``names``: the harvester's own columns."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [sum(len(v) for k, v in row.items() if k not in names) for row in csv.DictReader(fh)]


def test_a_harvesters_csv_of_speeches_is_read_a_speech_a_row():
    """gijiroku-search's CSV had been one reject, "not JSON or XML": its 78 speeches lost. Each row is a
    speech with its date and speaker; its house and meeting, under the harvester's own names, are not
    guessed: each speech is flagged as missing them. The characters of those columns (house, committee,
    party, url) are counted unread as ``harvester_fields``."""
    rs = recs(GIJIROKU, keep_procedural=True)
    texts = column(GIJIROKU, "text")
    assert len(texts) == 78 and accounted(rs, texts)
    assert [r.unread["harvester_fields"] for r in rs] == others(GIJIROKU, ("text", "date", "speaker"))
    first = next(csv.DictReader(io.StringIO(GIJIROKU.read_text(encoding="utf-8"))))
    assert rs[0].meta == {"speaker": first["speaker"], "date": first["date"],
                          "missing": ["nameOfHouse", "nameOfMeeting"]}


def test_a_csv_saved_by_excel_is_read_as_its_utf8_self(tmp_path):
    """The same CSV as Excel saves it: "CSV (comma delimited)" in cp932 with CRLF line ends, and
    "CSV UTF-8" with a byte order mark."""
    want = recs(GIJIROKU, keep_procedural=True)
    text = GIJIROKU.read_text(encoding="utf-8")
    for name, data in {"cp932.csv": text.replace("\n", "\r\n").encode("cp932"),
                       "bom.csv": text.encode("utf-8-sig")}.items():
        (tmp_path / name).write_bytes(data)
        rs = recs(tmp_path / name, keep_procedural=True)
        assert [(r.text, r.meta) for r in rs] == [(r.text, r.meta) for r in want], name


def test_a_csv_whose_texts_are_under_another_name_says_which_column():
    """A study's CSV names its texts ``speech_text``: without text_field it is one reject that names its
    header and that column; with ``text_field: speech_text`` each row is a speech."""
    (r,) = recs(STUDY)
    assert r.text is None and "'houses', 'committee', 'speaker', 'date', 'speech_order', 'speech_text'" in r.error
    assert "set text_field: speech_text" in r.error
    rs = recs(STUDY, text_field="speech_text", keep_procedural=True)
    texts = column(STUDY, "speech_text")
    assert len(texts) == 7 and accounted(rs, texts)
    assert [r.unread["harvester_fields"] for r in rs] == others(STUDY, ("speech_text", "date", "speaker"))
    assert rs[3].meta == {"speaker": "田村憲久", "date": "20161021", "missing": ["nameOfHouse", "nameOfMeeting"]}


def api_table(tmp_path, name, delimiter=",", encoding="utf-8"):
    """The real page's speech records as pandas writes them: an unnamed index column, the API's names."""
    sps = json.loads(PAGE.read_text(encoding="utf-8"))["speechRecord"]
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow([""] + list(sps[0]))
    w.writerows([i] + ["" if v is None else v for v in sp.values()] for i, sp in enumerate(sps))
    (tmp_path / name).write_bytes(out.getvalue().encode(encoding))
    return tmp_path / name


def test_a_table_in_the_apis_field_names_reads_as_the_page_does(tmp_path):
    """A page's speech records as a CSV (pandas' to_csv) and as Excel's UTF-16 TSV give the documents
    the JSON page gives: texts, headings, speaker, date, house, meeting, procedural records."""
    want = recs(PAGE)
    assert len(want) == 30
    for path in (api_table(tmp_path, "page.csv"), api_table(tmp_path, "page.tsv", "\t", "utf-16")):
        rs = recs(path)     # (pandas' index column, 0 to 29, is not the API's: harvester_fields)
        assert [(r.text, r.meta, own(r), r.skip) for r in rs] == [(r.text, r.meta, r.unread, r.skip)
                                                                 for r in want], path.name
        assert [r.unread.get("harvester_fields") for r in rs] == [len(str(i)) for i in range(30)]


def test_a_row_cut_short_is_a_reject_of_its_own(tmp_path):
    """A table cut inside its last speech (a download that stopped): that row has fewer cells than the
    header and is a reject that says so, not a speech kept cut; the rows before it are read."""
    data = GIJIROKU.read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[:data.rindex("。".encode())])
    rs = recs(cut, keep_procedural=True)
    assert accounted(rs[:-1], column(GIJIROKU, "text")[:77])
    assert rs[-1].text is None and rs[-1].error == "row 78 has 5 cells, the header 6"


def test_an_r_data_frame_of_a_meeting_page_reads_as_the_page_does(tmp_path):
    """The kaigiroku R package turns a meeting page's XML into a data frame, a row a speech with its
    meeting's fields beside the speech's (the API's names); R's write.csv quotes every cell and writes
    the row names first. Written here from the real 1947 page, it gives the documents the XML gives,
    each row's fields as a speech record's (the speech endpoint's records too have an issueID and a
    meetingURL, which the reader leaves to the meeting form)."""
    import xml.etree.ElementTree as ET

    xml = R / "kokkai_meeting_api_1947_shugiin.xml"
    rows = []
    for m in ET.parse(xml).getroot().iter("meetingRecord"):
        meeting = {el.tag: el.text or "" for el in m if el.tag != "speechRecord"}
        rows += [{**meeting, **{f.tag: f.text or "" for f in sp}} for sp in m.iter("speechRecord")]
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow([""] + list(rows[0]))
    w.writerows([str(i + 1)] + list(row.values()) for i, row in enumerate(rows))
    (tmp_path / "meeting.csv").write_text(out.getvalue(), encoding="utf-8")
    want = recs(xml, keep_procedural=True)
    rs = recs(tmp_path / "meeting.csv", keep_procedural=True)
    meeting_only = ("issueID", "meetingURL")
    assert len(want) == 69 and [(r.text, r.meta, own(r), r.skip) for r in rs] == [
        (r.text, {k: v for k, v in r.meta.items() if k not in meeting_only}, r.unread, r.skip) for r in want]


def test_a_csv_written_by_python_on_windows_keeps_one_line_end_for_each(tmp_path):
    """Python's csv module writing to a file opened on Windows without ``newline=""`` (the default text
    mode turns each LF into CRLF) saves a speech's CRLF line ends as CR CR LF, and its rows end in CR CR
    LF too. The first 4 speech records of the real page, saved that way, read as the page reads: one
    line break each, not two; both CRs counted as ``line_endings``, so each cell is all accounted."""
    path = R / "kokkai_speech_api_page1_first4_csv_windows_crcrlf.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        cells = [row["speech"] for row in csv.DictReader(fh)]
    assert len(cells) == 4 and sum(c.count("\r\r\n") for c in cells) == 27
    want, rs = recs(PAGE)[:4], recs(path)
    assert [(r.text, r.meta, r.skip) for r in rs] == [(r.text, r.meta, r.skip) for r in want]
    assert [r.unread.get("line_endings") for r in rs] == [r.unread["line_endings"] + c.count("\r\r\n")
                                                         for r, c in zip(want, cells)]
    assert all(len(c) == len(r.text) + sum(r.unread.values()) for r, c in zip(rs, cells))
