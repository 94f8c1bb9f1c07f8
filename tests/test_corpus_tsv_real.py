"""One column of a real tab-separated parallel corpus read as documents (reader ``text``, ``column``).

    PYTHONPATH=$PWD .venv/bin/python -m pytest tests/test_corpus_tsv_real.py -q

The sample (tests/assets/corpus/real/tatoeba_hin_eng_tsv_trimmed.txt, see SOURCES.md) is Tatoeba's
English-Hindi pairs as manythings.org ships them (``hin.txt``): ``English<TAB>Hindi<TAB>attribution``
a line. Read as plain lines, a Hindi document held the English sentence and the attribution, and the
Hindi source's cleanup left "वाह! 2.0 #52027 & #6179147" of the first line.
"""
import json
from pathlib import Path

import pytest

from jiniac_hpc.config import ConfigError, from_dict, load_recipe, to_dict
from jiniac_hpc.corpus.config import CorpusConfig, SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.stage import run_inline

SAMPLE = Path(__file__).parent / "assets/corpus/real/tatoeba_hin_eng_tsv_trimmed.txt"
PHASE1 = load_recipe("corpus", CorpusConfig, "jiniac-phase1").source("hindi")
LINES = SAMPLE.read_text(encoding="utf-8-sig").splitlines()     # (the file starts with a BOM: not text)


def recs(path: Path, column, **kw):
    src = SourceConfig(name="t", reader="text", paths=[str(path)], doc_sep="line", column=column, **kw)
    return list(read(path, src, 8_000_000))


def test_the_hindi_side_is_one_document_a_line_and_the_rest_is_counted():
    got = recs(SAMPLE, 2)
    assert len(got) == len(LINES) == 410 and all(r.error is None and r.skip is None for r in got)
    assert [r.pos for r in got] == list(range(1, 411))
    assert got[0].text == "वाह!" and got[403].text == "वो मजेदार था I"
    assert not any("\t" in r.text or "tatoeba.org" in r.text or "Wow!" in r.text for r in got)
    # every character of a line is the document or unread (the English side, the attribution, two tabs)
    for r, line in zip(got, LINES):
        assert len(r.text) + r.unread["other_columns"] == len(line)


def test_the_english_side_too():
    got = recs(SAMPLE, 1)
    assert [r.text for r in got[:3]] == ["Wow!", "Help!", "Jump."]


def test_a_line_with_a_column_lost_or_added_is_bad_input_naming_it(tmp_path):
    lines = list(LINES)
    lines[4] = lines[4].rsplit("\t", 1)[0]                      # line 5: the attribution lost
    lines[6] = lines[6].replace("\t", "\t\t", 1)                # line 7: an empty column added
    lines[9], lines[10] = lines[9].replace("\t", " ", 1), lines[10].replace("\t", " ", 1)  # lines 10-11
    p = tmp_path / "hin.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = recs(p, 2)
    bad = {r.pos: (r.error, r.docs) for r in got if r.error}
    assert set(bad) == {5, 7, 10}
    assert bad[5][0].startswith("2 tab-separated columns, not 3 as line 1")
    assert bad[7][0].startswith("4 tab-separated columns, not 3 as line 1")
    assert bad[10] == ("lines 10-11 (2 lines): 2 tab-separated columns, not 3 as line 1: which is column 2 is "
                       "not known", 2)
    # the others are read as before, not shifted a column
    assert sum(r.docs for r in got) == 410 and got[5].text == LINES[5].split("\t")[1]


def test_a_header_names_the_column(tmp_path):
    p = tmp_path / "hin.tsv"
    p.write_text("en\thi\tattribution\n" + "\n".join(LINES[:20]) + "\n", encoding="utf-8")
    got = recs(p, "hi")
    assert [r.text for r in got] == [x.split("\t")[1] for x in LINES[:20]]
    assert got[0].unread["header"] == len("en\thi\tattribution") and got[0].pos == 2
    (bad,) = recs(p, "hin")
    assert "no column 'hin'" in bad.error and "['en', 'hi', 'attribution']" in bad.error


def test_a_one_sided_file_or_a_column_past_the_end_is_one_clear_line(tmp_path):
    (bad,) = recs(SAMPLE, 4)
    assert bad.error.endswith("line 1 has 3 tab-separated columns: no column 4")
    one = tmp_path / "dev.hi"             # a FLORES / Moses file: one side, one sentence a line
    one.write_text("\n".join(x.split("\t")[1] for x in LINES[:5]) + "\n", encoding="utf-8")
    (bad,) = recs(one, 2)
    assert "no column 2" in bad.error and "read it without column" in bad.error
    src = SourceConfig(name="t", reader="text", paths=[str(one)], doc_sep="line")
    assert [r.text for r in read(one, src, 8_000_000)] == [x.split("\t")[1] for x in LINES[:5]]


def test_an_empty_cell_is_a_counted_document(tmp_path):
    p = tmp_path / "hin.txt"
    p.write_text("\n".join(LINES[:3] + ["Hello!\t \t" + LINES[3].split("\t")[2]]) + "\n", encoding="utf-8")
    got = recs(p, 2)
    assert got[3].text is None and got[3].skip == "empty_cell" and got[3].unread["empty_cell"] == 1


@pytest.mark.parametrize("change, says", [
    ({"reader": "jsonl"}, "only reader 'text' reads a column"),
    ({"doc_sep": "blank_line"}, "set doc_sep: line"),
    ({"column": 0}, "a column number from 1"),
    ({"column": 1.5}, "matches none of"),
])
def test_config_errors_name_the_key_and_the_file(change, says):
    src = {"name": "hi-tsv", "reader": "text", "paths": ["hin.txt"], "doc_sep": "line", "column": 2, **change}
    with pytest.raises(ConfigError) as e:
        from_dict(SourceConfig, src, origin="my_recipe.yaml")
    assert "column" in str(e.value) and says in str(e.value) and "my_recipe.yaml" in str(e.value)


def test_stage_keeps_the_hindi_side_and_accounts_every_character(tmp_path):
    data = to_dict(load_recipe("corpus", CorpusConfig, "debug"))
    src = dict(to_dict(PHASE1), name="tatoeba-hi", reader="text", doc_sep="line", column=2,
               paths=[str(SAMPLE)], dedup="none", thresholds={"min_chars": 1})
    data["sources"] = [src]
    run_inline(from_dict(CorpusConfig, data), tmp_path / "run")
    r = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["tatoeba-hi"]
    assert r["docs_in"] == 410 and r["chars_read"] == sum(len(x) for x in LINES)
    assert r["unread"] == {"other_columns": sum(len(x) - len(x.split("\t")[1]) for x in LINES)}
    assert "bad_input" not in r["removed"]


def test_a_pipe_typed_for_the_danda_becomes_the_danda():
    # line 1484 of hin.txt: 'आपका दल हमसे बेहतर है |'; the allowlist removed the pipe (Sm) and with it
    # the sentence's end; the IndicNLP normaliser writes it '।', as here
    from jiniac_hpc.corpus.filters import clean, clean_counts

    p = SAMPLE.parent / "tatoeba_hin_eng_tsv_1481-1500_trimmed.txt"
    texts = [r.text for r in recs(p, 2)]
    assert texts[3] == "आपका दल हमसे बेहतर है |"
    assert clean(texts[3], PHASE1) == "आपका दल हमसे बेहतर है ।"
    assert clean_counts("धर्मक्षेत्रे कुरुक्षेत्रे ||", PHASE1) == ("धर्मक्षेत्रे कुरुक्षेत्रे ॥", {"danda": 1})
    # a pipe that follows no Devanagari word is not a danda (and the allowlist removes it, counted)
    assert clean_counts("Hindi | हिन्दी", PHASE1)[0] == "हिन्दी"
    en = SourceConfig(name="t", reader="text", paths=["x"], lang="en")
    assert clean("है |", en) == "है |"


HINGLISH = SAMPLE.parent / "hinglish_top_validation_trimmed.tsv"


def run_stage(tmp_path, **src) -> dict:
    data = to_dict(load_recipe("corpus", CorpusConfig, "debug"))
    data["sources"] = [dict(to_dict(PHASE1), name="s", reader="text", doc_sep="line", dedup="none", **src)]
    run_inline(from_dict(CorpusConfig, data), tmp_path / "run")
    return json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["s"]


def test_romanised_hinglish_in_a_hindi_source_is_another_script_not_an_empty_document(tmp_path):
    # Google's Hinglish-TOP (header en_query, cs_query, ...; CRLF): 'mere timer ko roko' and 38 more in
    # the Roman script. The Hindi allowlist removed every word first, so each was counted 'empty'
    rows = recs(HINGLISH, "cs_query")
    assert len(rows) == 39 and rows[0].text == "mere timer ko roko" and rows[0].unread["header"] == len(
        "en_query\tcs_query\ten_parse\tcs_parse\tdomain")
    r = run_stage(tmp_path, column="cs_query", paths=[str(HINGLISH)], thresholds={"min_chars": 1})
    assert r["docs_in"] == 39 and r["docs_out"] == 0
    assert {k: v["docs"] for k, v in r["removed"].items() if v["docs"]} == {"lang": 39}
    assert r["lang_found"] == {"script": 39}
    # every character is counted: mostly the allowlist's, as before (what it leaves, '4 pm', '?', goes as lang)
    assert sum(v["chars"] for v in r["removed"].values()) == r["chars_in"] == sum(len(x.text) for x in rows)


def test_a_compressed_tsv_and_the_reader_cli(tmp_path, capsys):
    # CCAligned and OPUS ship their TSV xz- or gzip-compressed
    import gzip
    import lzma

    from jiniac_hpc.corpus.readers.__main__ import main

    data = SAMPLE.read_bytes()
    for name, pack in (("hin.tsv.xz", lzma.compress), ("hin.tsv.gz", gzip.compress)):
        p = tmp_path / name
        p.write_bytes(pack(data))
        assert [r.text for r in recs(p, 2)] == [r.text for r in recs(SAMPLE, 2)]
    assert main(["text", str(SAMPLE), "--column", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 410 and out[0].endswith(":1 'वाह!'")
