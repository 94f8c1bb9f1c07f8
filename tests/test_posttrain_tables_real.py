"""Post-training sources as files other than JSON Lines: Parquet, Arrow, CSV, large JSON arrays.

    pytest tests/test_posttrain_tables_real.py

The Hub serves datasets as Parquet, spreadsheets and Kaggle ship CSV, and JSON-array datasets run
to hundreds of MB. The samples (tests/assets/posttrain/real/, SOURCES.md names each) are real
records written by the tools that write those files; every record must read as its JSON does,
or be reported with file and row.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jiniac_hpc.posttrain.records import read_examples, read_pairs
from test_posttrain_real import MARKERS, REAL, _array, _starts


def test_a_large_json_array_reads_in_linear_time_and_two_joined_arrays_are_named(tmp_path):
    # Each record's line was counted from the file's start: 8,000 alpaca records (6 MB, a small
    # JSON-array dataset) took seconds, an oasst1-89k-ja-sized one most of an hour. And a second
    # array after the first's ']' (cat a.json b.json) was dropped without a word.
    import time

    from jiniac_hpc.posttrain.native import read_json_file

    rows = _array("alpaca_en_demo.json")
    big = tmp_path / "big.json"
    big.write_text(json.dumps((rows * 1334)[:8000], indent=2, ensure_ascii=False), encoding="utf-8")
    t = time.perf_counter()
    lines = [n for n, _ in read_json_file(big)]
    assert time.perf_counter() - t < 2.0
    assert len(lines) == 8000 and lines[:6] == _starts("alpaca_en_demo.json")
    text = (REAL / "alpaca_en_demo.json").read_text(encoding="utf-8")
    (tmp_path / "two.json").write_text(text + text, encoding="utf-8")
    good, bad = read_examples(str(tmp_path / "two.json"), "auto", "a", markers=MARKERS)
    close, second = text.rstrip().count("\n") + 1, text.count("\n") + 1   # "]\n" then the second "["
    assert len(good) == 6 and [(b.line, b.reason.split(":")[0]) for b in bad] == [
        (second, f"text after the JSON array's closing ']' (line {close}) at line {second}")]


def test_dpo_data_counts_rows_of_parquet_csv_and_gzip_not_their_bytes_lines(tmp_path):
    # Counting raw lines sized the array from compressed or binary bytes: prompts past the count
    # were never generated.
    import gzip

    from jiniac_hpc.train.dpo_data import count_rows

    (tmp_path / "hh.jsonl.gz").write_bytes(gzip.compress((REAL / "hh_rlhf_harmless_base_test.jsonl").read_bytes(),
                                                         mtime=0))
    assert count_rows([tmp_path / "hh.jsonl.gz"]) == 6
    assert count_rows([REAL / "dpo_en_demo.parquet"]) == 6 and count_rows([REAL / "alpaca_en_demo.csv"]) == 6


def _same(a, b) -> list:
    return [(x.prompt, x.messages, x.completion, x.meta and x.meta.get("rejected")) for x in a] == [
        (y.prompt, y.messages, y.completion, y.meta and y.meta.get("rejected")) for y in b]


def test_parquet_files_read_like_their_json_nested_turns_included(tmp_path):
    # The Hub serves datasets as Parquet: the same real records written by datasets' to_parquet
    # (conversations a list of structs, chosen/rejected structs) read exactly as the JSON does,
    # alone, in a folder of shards, and at the login-node check (they were refused before).
    from jiniac_hpc.posttrain.records import check_data_path

    for name in ("fastchat_dummy_conversation", "dpo_en_demo"):
        check_data_path(str(REAL / f"{name}.parquet"), "data.path")
    sft, bad = read_examples(str(REAL / "fastchat_dummy_conversation.parquet"), "auto", "fc", markers=MARKERS)
    js, _ = read_examples(str(REAL / "fastchat_dummy_conversation.json"), "auto", "fc", markers=MARKERS)
    assert bad == [] and [e.line for e in sft] == [1, 2, 3, 4] and _same(sft, js)
    pairs, bad = read_pairs(str(REAL / "dpo_en_demo.parquet"), "chat")
    js, _ = read_pairs(str(REAL / "dpo_en_demo.json"), "chat")
    assert bad == [] and [e.line for e in pairs] == [1, 2, 3, 4, 5, 6] and _same(pairs, js)
    shards = tmp_path / "data"
    shards.mkdir()
    (shards / "train-00000-of-00001.parquet").write_bytes((REAL / "dpo_en_demo.parquet").read_bytes())
    assert _same(read_pairs(str(shards), "chat")[0], js)


def test_csv_rows_with_quoted_multiline_cells_keep_their_text_and_start_line():
    # alpaca_en_demo written as CSV (datasets' to_csv, as spreadsheets and Kaggle ship it): the
    # outputs span many lines inside quotes; each record is named by the line it starts on.
    import csv

    path = REAL / "alpaca_en_demo.csv"
    good, bad = read_examples(str(path), "auto", "csv", markers=MARKERS)
    js, _ = read_examples(str(REAL / "alpaca_en_demo.json"), "auto", "a", markers=MARKERS)
    assert bad == [] and _same(good, js)
    lines = path.read_text(encoding="utf-8").splitlines()
    for ex, r in zip(good, csv.DictReader(path.open(encoding="utf-8", newline=""))):
        assert lines[ex.line - 1].lstrip('"').startswith(r["instruction"])
    assert [e.line for e in good][0] == 2 and len(lines) > good[-1].line + 1


def test_a_workbook_or_a_broken_table_is_one_clear_line(tmp_path):
    # Excel workbooks stay refused (one line saying what to save instead); a CSV row with a cell
    # too many, and a file that is not Parquet, are named, never dropped or read as junk.
    from jiniac_hpc.config import ConfigError
    from jiniac_hpc.posttrain.records import check_data_path

    (tmp_path / "d.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ConfigError, match=r"data.path: .*\.xlsx workbooks are not read here: save the sheet as CSV"):
        check_data_path(str(tmp_path / "d.xlsx"), "data.path")
    rows = (REAL / "alpaca_en_demo.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "d.csv").write_text(rows[0] + "a,b,c,d\n" + "".join(rows[1:]), encoding="utf-8")
    good, bad = read_examples(str(tmp_path / "d.csv"), "auto", "d", markers=MARKERS)
    assert len(good) == 6 and [(b.line, b.reason.split(";")[0]) for b in bad] == [
        (2, "4 cells, the header has 3 columns (instruction, input, output)")]
    (tmp_path / "x.parquet").write_bytes((REAL / "alpaca_en_demo.csv").read_bytes())
    good, bad = read_examples(str(tmp_path / "x.parquet"), "auto", "x", markers=MARKERS)
    assert good == [] and len(bad) == 1 and bad[0].reason.startswith("not a readable Parquet file")


def test_a_pandas_csv_with_its_unnamed_index_column_reads():
    # llm-jp-sft's example rows saved by pandas' DataFrame.to_csv with its defaults: a first column
    # of row numbers under an empty header name. The file was refused whole (a column without a
    # name), and with that column the {"text"} rows were no longer recognised as llm-jp text.
    path = REAL / "llm_jp_sft_example_pandas.csv"
    rows = [json.loads(l)["text"] for l in (REAL / "llm_jp_sft_example.jsonl").read_text(encoding="utf-8").splitlines()]
    good, bad = read_examples(str(path), "auto", "pd", markers=MARKERS)
    assert bad == [] and [e.prompt + e.completion for e in good] == rows
    assert good[0].completion == "富士山"


def test_parquet_values_of_every_arrow_type_come_out_as_json_holds_them(tmp_path):
    # dpo-data writes each record back as JSON: a Parquet row with a timestamp, decimal or binary
    # column (pyarrow gives datetime, Decimal, bytes) stopped that write after the chunk was
    # generated. apache/parquet-testing's ARROW-GH-41321.parquet holds a column of each Arrow type
    # (its row group 2, less the two columns that cannot be decoded there); nation.dict-malformed
    # holds strings as bytes without the UTF-8 mark, which are text.
    import pyarrow.parquet as pq

    from jiniac_hpc import fileio
    from jiniac_hpc.posttrain.records import iter_rows

    corpus = Path(__file__).parent / "assets" / "corpus" / "real"
    every = corpus / "parquet_testing_ARROW-GH-41321.parquet"
    assert [(n, o.reason.split(":")[0]) for _, n, o in iter_rows(every)] == [
        (1, "rows 1-3 of row group 1 of 2 unreadable"), (4, "rows 4-5 of row group 2 of 2 unreadable")]
    pf = pq.ParquetFile(every)
    cols = [c for c in pf.schema_arrow.names if c not in ("fixed_size_list_float64", "map_float32")]
    pq.write_table(pf.read_row_group(1, columns=cols), tmp_path / "types.parquet")
    rows = [o for _, _, o in iter_rows(tmp_path / "types.parquet")]
    assert len(rows) == 2 and all(isinstance(r, dict) and len(r) == 78 for r in rows)
    fileio.write_jsonl(tmp_path / "back.jsonl", [{"record": r} for r in rows])
    back = [json.loads(l)["record"] for l in (tmp_path / "back.jsonl").read_text().splitlines()]
    assert back == rows
    import datasets   # a save_to_disk folder of the same rows (datasets has no map type) reads the same

    keep = [c for c in cols if not c.startswith("map_")]
    pq.write_table(pf.read_row_group(1, columns=keep), tmp_path / "nomap.parquet")
    datasets.Dataset.from_parquet(str(tmp_path / "nomap.parquet")).save_to_disk(str(tmp_path / "ds"))
    assert [o for _, _, o in iter_rows(tmp_path / "ds")] == [{c: r[c] for c in keep} for r in rows]
    assert rows[0]["timestamp_ms_gmt_plus_2"] == "2019-01-01T14:00:00.500000+02:00"
    assert (rows[0]["decimal128"], rows[1]["decimal128"]) == ("1234.567", "-1234.567")
    assert rows[0]["binary"] == "\x00\x01" and rows[0]["time64_ns"] == "00:00:00"
    nation = [o for _, _, o in iter_rows(corpus / "parquet_testing_nation.dict-malformed.parquet")]
    assert len(nation) == 25 and nation[12]["name"] == "JAPAN" and isinstance(nation[12]["comment_col"], str)


def test_arrow_files_stream_or_ipc_read_the_same_and_random_bytes_are_named(tmp_path):
    # apache/arrow-testing's integration table (37 rows in 2 batches) as an IPC file and as an IPC
    # stream (what datasets writes), saved under a .arrow name: both read row by row alike; a row
    # whose random bytes are not UTF-8 is named, the others read as text.
    from jiniac_hpc.posttrain.records import BadRecord, iter_rows

    corpus = Path(__file__).parent / "assets" / "corpus" / "real"
    got = []
    for kind in ("arrow_file", "stream"):
        f = tmp_path / f"{kind}.arrow"
        f.write_bytes((corpus / f"arrow_testing_generated_primitive_large_offsets.{kind}").read_bytes())
        got.append([(n, o.reason if isinstance(o, BadRecord) else o) for _, n, o in iter_rows(f)])
    assert got[0] == got[1] and [n for n, _ in got[0]] == list(range(1, 38))
    bad = [r for _, r in got[0] if isinstance(r, str)]
    assert len(bad) == 30 and all(re.match(r"column 'largebinary_(non)?nullable' holds bytes that are not UTF-8", r)
                                  for r in bad)
    assert all(v is None or isinstance(v, str) for _, r in got[0] if isinstance(r, dict) for v in r.values())


def test_arrow_stream_cut_between_batches_names_the_lost_rows(tmp_path):
    # The real 2-batch stream cut after its first batch: pyarrow reads it as a shorter stream with no
    # error, so post-training had trained on 17 of the 37 rows and said nothing. The missing
    # end-of-stream marker is now a bad record after the rows that are there; the whole file has none.
    from jiniac_hpc.posttrain.records import BadRecord, iter_rows

    data = (Path(__file__).parent / "assets" / "corpus" / "real"
            / "arrow_testing_generated_primitive_large_offsets.stream").read_bytes()
    f = tmp_path / "data-00000-of-00001.arrow"
    f.write_bytes(data[:1664])     # the end of the first record batch message
    got = [(n, o) for _, n, o in iter_rows(f)]
    assert [n for n, _ in got] == list(range(1, 19))
    assert isinstance(got[-1][1], BadRecord) and "without its end-of-stream marker, after row 17" in got[-1][1].reason
    f.write_bytes(data)
    assert not any("end-of-stream" in o.reason for _, _, o in iter_rows(f) if isinstance(o, BadRecord))
