"""Record-per-row readers (JSON Lines .zst/.gz, Parquet, ``datasets`` folders) on real files in their
native formats (tests/assets/corpus/real/, listed in SOURCES.md): every row comes out as a record or
a rejected record with its reason, and a broken file says what is wrong with it.

    .venv/bin/python -m pytest tests/test_corpus_rows_real.py -q
"""
import json
from pathlib import Path

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.base import count_raw
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"


def recs(reader, path, limit=8_000_000, **kw):
    src = SourceConfig(name="t", reader=reader, paths=[str(path)], **kw)
    return list(read(Path(path), src, limit))


def rows(rs):
    """(position, text) of every row the records stand for: a record for k rows in a row without
    text (nulls) is k rows from its position, each None."""
    return [(r.pos + i, r.text) for r in rs for i in range(r.docs)]


def test_real_zst_whole_and_cut_short(tmp_path):
    (r,) = recs("jsonl", R / "dolma_test.jsonl.zst", text_field="message")
    assert r.text == "this is a test"
    assert count_raw(R / "dolma_test.jsonl.zst") == 29
    data = (R / "dolma_test.jsonl.zst").read_bytes()
    for cut in (30, 38, len(data) - 1):   # in the block, in the checksum: the decompressor ends quietly there
        p = tmp_path / "cut.jsonl.zst"
        p.write_bytes(data[:cut])
        rs = recs("jsonl", p, text_field="message")
        assert [r.text for r in rs] == [None], cut
        assert "cut short" in rs[0].error and f"({cut} bytes)" in rs[0].error, rs[0].error


def test_real_plain_jsonl_named_zst_is_one_clear_error():
    p = R / "dolma_cc_plain_named_zst_trimmed.jsonl.zst"
    (r,) = recs("jsonl", p)
    assert r.pos == 1 and "not zstd-compressed" in r.error and "{\"id\"" in r.error, r.error
    assert count_raw(p) == p.stat().st_size     # the stage counts the file as it is; the reader says why it is bad


def test_real_parquet_text_in_binary_column():
    """parquet-mr wrote TPC-H ``nation``'s strings as BYTE_ARRAY with no UTF8 annotation: pyarrow
    gives bytes, which are the text, not 25 rejects."""
    import pyarrow.parquet as pq

    p = R / "parquet_testing_nation.dict-malformed.parquet"
    for col in ("name", "comment_col"):
        expected = [b.decode() for b in pq.read_table(p, columns=[col]).column(0).to_pylist()]
        rs = recs("parquet", p, text_field=col)
        assert [r.text for r in rs] == expected and len(rs) == 25
        assert [r.pos for r in rs] == list(range(1, 26))
    assert recs("parquet", p, text_field="name")[0].text == "ALGERIA"


def test_real_parquet_bad_row_group_reported_and_rest_read():
    """Row group 1 of 2 of column ``large_binary`` cannot be decoded: its 3 rows are one reject
    naming them, and the 2 rows of row group 2 still come out."""
    p = R / "parquet_testing_ARROW-GH-41321.parquet"
    rs = recs("parquet", p, text_field="large_binary")
    assert [(r.pos, r.text) for r in rs[1:]] == [(4, "\x00\x01"), (5, "\x00\x01")]
    assert rs[0].pos == 1 and rs[0].text is None
    assert rs[0].error.startswith("rows 1-3 (3 rows) of row group 1 of 2 unreadable: OSError:"), rs[0].error
    rs = recs("parquet", p, text_field="string")    # a readable column of the same file: all 5 rows
    assert [r.text for r in rs] == ["abcd", "", None, "c", "d"] and rs[2].error == "value is null, not a string"


def test_jsonl_lone_surrogate_dropped_and_counted(tmp_path):
    """``json.loads`` keeps an escaped surrogate that has no partner (a text cut inside an emoji);
    UTF-8 cannot hold it, so writing the document failed the whole task. It is dropped and counted;
    an escaped pair is one character and stays. (No public data file with one was found: the line
    is written here, in the escape form web-scraped JSON Lines carry.)"""
    p = tmp_path / "s.jsonl"
    p.write_text('{"text": "絵文字\\ud83d"}\n{"text": "対\\ud83d\\ude00に\\udc00"}\n', encoding="utf-8")
    rs = recs("jsonl", p)
    assert [r.text for r in rs] == ["絵文字", "対😀に"] and [r.unread for r in rs] == [{"lone_surrogate": 1}] * 2
    for r in rs:
        r.text.encode("utf-8")


def test_lone_surrogate_dropped_by_every_json_reader(tmp_path):
    """The guard is in ``read`` itself, so the readers that decode JSON their own way (the Diet API,
    JSON documents) drop and count a lone surrogate too: a real Diet speech record, its text cut
    inside an emoji's escape."""
    line = (R / "kokkai_harvester_sangiin_20250801_trimmed.jsonl").read_text(encoding="utf-8").splitlines()[0]
    rec = json.loads(line)
    speech = rec["speech"]
    rec["speech"] = speech[:40] + "\ud83d" + speech[40:]     # (in the speech, after its heading)
    rec["speaker"] += "\udc00"                                 # and in the metadata
    p = tmp_path / "cut.jsonl"
    p.write_text(json.dumps(rec, ensure_ascii=True) + "\n", encoding="utf-8")
    (r,) = recs("diet", p)
    assert r.unread.get("lone_surrogate") == 1 and "\ud83d" not in r.text
    r.text.encode("utf-8")
    json.dumps(r.meta, ensure_ascii=False).encode("utf-8")


def test_real_save_to_disk_folder_every_row():
    """A folder ``datasets`` saved (state.json listing one Arrow stream file, 10 rows of ELYZA-tasks-100,
    Japanese): each column read as the text field gives every row, as ``load_from_disk`` does."""
    import datasets

    from jiniac_hpc.corpus.readers import hf_disk_files

    d = R / "hf_disk_elyza_tasks_100_slice10"
    ds = datasets.load_from_disk(str(d))
    for col in ("input", "output", "eval_aspect"):
        rs = [r for f in hf_disk_files(d) for r in recs("hf_disk", f, text_field=col)]
        assert [r.text for r in rs] == ds[col] and len(rs) == 10
    assert ds["input"][0] == "仕事の熱意を取り戻すためのアイデアを5つ挙げてください。"


def test_indented_json_document_given_to_jsonl_is_one_clear_error():
    """A real Kokkai API dump (an indented JSON array of pages) read as JSON Lines had given 192
    'broken JSON' rejects, one a line; its pages are read as the elements of an array, and having no
    'text' they are one bad-input record for all five, naming their keys (speechRecord: Diet pages)."""
    (r,) = recs("jsonl", R / "kokkai_pages.json")
    assert r.pos == 1 and r.docs == 5 and "no field 'text'" in r.error and "speechRecord" in r.error, r.error


def test_a_json_array_of_rows_is_read_element_by_element():
    """Rows saved as one JSON array, not JSON Lines: the Gita's Hindi translations (an indented array)
    had been one 'lone [' error, wikiextractor --json rows wrapped into an array
    one a line ('[{...},' ... '{...}]') a 'broken JSON' reject a line."""
    gita = json.loads((R / "gita_translation_hindi_ramsukhdas_2_1-30_trimmed.json").read_text(encoding="utf-8"))
    rs = recs("jsonl", R / "gita_translation_hindi_ramsukhdas_2_1-30_trimmed.json", text_field="description")
    assert [(r.pos, r.text) for r in rs] == [(i, x["description"]) for i, x in enumerate(gita, 1)] and len(rs) == 30
    path = R / "wikiextractor_json_array_enwiki_trimmed.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert [r.text for r in recs("jsonl", path)] == [x["text"] for x in rows] and len(rows) == 4
    # a row without the field is named as a line's would be; an array cut short says after which element
    rs = recs("jsonl", path, text_field="body")
    assert len(rs) == 1 and rs[0].docs == 4 and "elements 1-4" in rs[0].error and "no field 'body'" in rs[0].error


def test_a_json_array_cut_short_keeps_its_elements(tmp_path):
    path = R / "wikiextractor_json_array_enwiki_trimmed.json"
    data = path.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[:data.index(b'{"id": "17951575"') + 40])
    rs = recs("jsonl", cut)
    assert [r.text is not None for r in rs] == [True, True, False] and "after element 2" in rs[-1].error, rs[-1].error


def test_a_json_array_element_with_invalid_escapes_is_skipped_not_the_rest():
    """An element json refuses (ichikara-instruction's code samples with unescaped '\\' path
    separators; the sample is under tests/assets/posttrain/real/, SOURCES.md there) had ended the
    file: 'unreadable JSON array after element 1', the element after it lost. It is one bad-input
    record naming the element, the parser's reason and the bytes skipped; the next element is read."""
    path = REPO_ROOT / "tests" / "assets" / "posttrain" / "real" / "ichikara_invalid_escape_derived.json"
    text = path.read_text(encoding="utf-8")
    first_end = text.index("\n  },") + 4          # the elements are json.dump's, indent 2
    size = len(text[text.index("{", first_end):text.index("\n  },", first_end) + 4].encode())
    rs = recs("jsonl", path, text_field="output")
    assert [r.pos for r in rs] == [1, 2, 3] and rs[0].text == rs[2].text and rs[0].text.startswith("上高地が人気")
    assert rs[1].text is None and rs[1].error == (f"element 2: invalid JSON (Invalid \\escape at character 119 of "
                                                  f"the element): its {size} bytes skipped"), rs[1].error


def test_jsonl_bom_and_array_line(tmp_path):
    """A BOM before the first line (as Windows editors save): the first record is read, not rejected as
    broken JSON. A line that is an array says so and how many values it holds. (No public JSON Lines
    file with a BOM was found: the BOM is put before dolma's real line here.)"""
    import zstandard

    line = zstandard.ZstdDecompressor().decompress((R / "dolma_test.jsonl.zst").read_bytes())
    p = tmp_path / "bom.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + line + b"\n" + b'[{"message": "a"}, {"message": "b"}]\n' + line)
    rs = recs("jsonl", p, text_field="message")
    assert [r.text for r in rs] == ["this is a test", None, "this is a test"]
    assert rs[1].error.startswith("no field 'message': the line is a JSON array of 2 values, not an object")


def test_real_zstd_parquet_raw_bytes_are_its_uncompressed_size():
    """The stage's bytes_in is the decompressed input: for this real zstd-paged Parquet file (3,072
    bytes) it had been the file's size, less than the 23,537 characters of text it holds."""
    import pyarrow.parquet as pq

    p = R / "parquet_testing_delta_length_byte_array.parquet"
    rs = recs("parquet", p, text_field="FRUIT")
    expected = pq.read_table(p).column("FRUIT").to_pylist()
    assert [r.text for r in rs] == expected and len(rs) == 1000
    text_bytes = sum(len(t.encode()) for t in expected)
    assert p.stat().st_size < text_bytes <= count_raw(p)


def test_string_column_with_bytes_not_utf8_rejects_only_that_row(tmp_path):
    """Parquet writers need not check that a string column is UTF-8, and pyarrow's ``to_pylist`` fails
    on the first value that is not, for the whole batch: the row group's other rows were lost. Now
    only that row is rejected, in Parquet and in a datasets Arrow file. (No public file with such a
    value was found: pyarrow writes one here from unchecked buffers.)"""
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = pa.array(["京都".encode(), b"bad\xff\xfe", "大阪".encode()], pa.binary())
    col = pa.Array.from_buffers(pa.string(), 3, raw.buffers())
    table = pa.table({"text": col})
    pq.write_table(table, tmp_path / "bad.parquet", compression="zstd")
    with pa.OSFile(str(tmp_path / "bad.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    for reader, name in (("parquet", "bad.parquet"), ("hf_disk", "bad.arrow")):
        rs = recs(reader, tmp_path / name)
        assert [r.text for r in rs] == ["京都", None, "大阪"], (reader, rs)
        assert rs[1].pos == 2 and rs[1].error == "invalid UTF-8 at byte 3"


def test_real_arrow_ipc_file_and_stream_give_the_same_rows():
    """Arrow's integration data, the same table as an IPC stream (what datasets writes) and as an IPC
    file (``ARROW1``, what ``ipc.new_file``/Feather write): both are read, row for row; the file had
    been one 'unreadable' record."""
    import pyarrow as pa

    f = R / "arrow_testing_generated_primitive_large_offsets.arrow_file"
    s = R / "arrow_testing_generated_primitive_large_offsets.stream"
    expected = pa.ipc.open_file(str(f)).read_all()
    for col in ("largeutf8_nullable", "largeutf8_nonnullable"):
        want = expected.column(col).to_pylist()
        for p in (f, s):
            rs = recs("hf_disk", p, text_field=col)
            assert rows(rs) == list(enumerate(want, 1)) and len(want) == 37
            assert all(r.error.endswith("value is null, not a string") for r in rs if r.text is None)
    # random bytes: each row is its UTF-8 text or an invalid-UTF-8 reject, the same from both forms
    both = [[(r.text, r.error) for r in recs("hf_disk", p, text_field="largebinary_nonnullable")] for p in (f, s)]
    assert both[0] == both[1] and len(both[0]) == 37
    assert all(t is not None or e.startswith("invalid UTF-8 at byte") for t, e in both[0])


def test_real_arrow_stream_cut_between_batches(tmp_path):
    """pyarrow reads a stream cut between two batches as a shorter stream: the real file cut after its
    first batch gave 17 of 37 rows and no error. The missing end-of-stream marker is now reported
    after the rows that are there."""
    data = (R / "arrow_testing_generated_primitive_large_offsets.stream").read_bytes()
    p = tmp_path / "data-00000-of-00001.arrow"
    p.write_bytes(data[:1664])     # the end of the first record batch message
    rs = recs("hf_disk", p, text_field="largeutf8_nonnullable")
    assert len(rs) == 18 and all(r.text is not None for r in rs[:17])
    assert rs[17].pos == 18 and "without its end-of-stream marker, after row 17" in rs[17].error, rs[17].error
    p.write_bytes(data)
    assert len([r for r in recs("hf_disk", p, text_field="largeutf8_nonnullable") if r.error]) == 0
    # the same rows as an IPC file cut in half: its footer is gone, which the reader says
    whole = (R / "arrow_testing_generated_primitive_large_offsets.arrow_file").read_bytes()
    p.write_bytes(whole[:len(whole) // 2])
    rs = recs("hf_disk", p, text_field="largeutf8_nonnullable")
    assert len(rs) == 1 and "an Arrow IPC file that does not open, cut short" in rs[0].error, rs[0].error


def test_corpus_stage_on_real_row_files_counts_every_row(tmp_path):
    """The stage on these files: no task fails (a lone surrogate and a .zst that is not zstd had failed
    theirs; a cut .zst had given no document and no error), every document in is out or removed under
    a reason (the rows of a corrupt Parquet row group, one message, counted as rows), a Parquet
    file's bytes_in is its uncompressed size, and the documents a reader flags (a scan's OCR layer, Diet
    records without their meeting) are counted in stats.json and report.md."""
    from jiniac_hpc.config import from_dict
    from jiniac_hpc.corpus.config import CorpusConfig
    from jiniac_hpc.corpus.stage import run_inline

    cut = tmp_path / "cut.jsonl.zst"
    cut.write_bytes((R / "dolma_test.jsonl.zst").read_bytes()[:30])
    lone = tmp_path / "lone.jsonl"
    lone.write_text('{"text": "途中で切れた絵文字\\ud83d"}\n', encoding="utf-8")
    srcs = [{"name": "web", "reader": "jsonl", "lang": "ja", "filters": [],
             "paths": [str(cut), str(lone), str(R / "dolma_cc_plain_named_zst_trimmed.jsonl.zst")]},
            {"name": "pq", "reader": "parquet", "lang": "en", "filters": [], "text_field": "FRUIT",
             "paths": [str(R / "parquet_testing_delta_length_byte_array.parquet")]},
            {"name": "wiki", "reader": "hf_disk", "lang": "ja", "filters": [], "text_field": "output",
             "paths": [str(R / "hf_disk_elyza_tasks_100_slice10")]},
            {"name": "corrupt", "reader": "parquet", "lang": "en", "filters": [], "text_field": "large_binary",
             "paths": [str(R / "parquet_testing_ARROW-GH-41321.parquet")]},
            # documents kept with a flag the report counts: an OCR layer, Diet records without their meeting
            {"name": "scan", "reader": "pdf", "lang": "en", "filters": [],
             "paths": [str(R / "pdfjs_issue5747_scan_ocr.pdf"), str(R / "hanrei_089351_fpdf17.pdf")]},
            {"name": "diet", "reader": "diet", "lang": "ja", "filters": [],
             "paths": [str(R / "kokkai_harvester_sangiin_20250801_trimmed.jsonl"), str(R / "kokkai_speech_api.json")]}]
    cfg = from_dict(CorpusConfig, {"sources": srcs, "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    stats = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]
    for name, r in stats.items():
        assert r["docs_in"] == r["docs_out"] + sum(v["docs"] for v in r["removed"].values()), name
        assert r["chars_read"] == r["chars_in"] + sum(r["unread"].values()), name
    web = stats["web"]
    assert web["unread"] == {"lone_surrogate": 1} and web["bad_input_count"] == 2
    assert any("cut short" in b for b in web["bad_input"]) and any("not zstd" in b for b in web["bad_input"])
    assert stats["pq"]["docs_in"] == 1000 and stats["pq"]["bytes_in"] >= stats["pq"]["chars_read"]
    assert stats["wiki"]["docs_in"] == 10
    # the corrupt row group is one bad-input message for its 3 rows: 5 rows in (the other 2, "\x00\x01",
    # are removed by the filters as empty after cleaning)
    bad = stats["corrupt"]
    assert (bad["docs_in"], bad["removed"]["bad_input"]["docs"], bad["bad_input_count"]) == (5, 3, 1)
    assert stats["scan"]["flagged"] == {"ocr_layer": 1} and stats["scan"]["docs_in"] == 2
    assert stats["diet"]["flagged"] == {"missing_metadata": 4} and stats["diet"]["docs_in"] > 4
    report = (tmp_path / "run" / "report.md").read_text()
    assert "- scan: ocr_layer 1" in report and "- diet: missing_metadata 4" in report


def test_hf_disk_folder_with_another_state_json_is_a_config_error(tmp_path):
    """A folder whose state.json is some other program's (a trading bot's, a trainer's) had failed the
    manifest with a bare KeyError '_data_files'; an empty list had given the source no input at all."""
    import pytest

    from jiniac_hpc.config import ConfigError, from_dict
    from jiniac_hpc.corpus import shards as sh
    from jiniac_hpc.corpus.config import CorpusConfig

    for state in ('{"account_a": {"name": "M1", "trades": []}}', '{"_data_files": []}', "not json"):
        (tmp_path / "state.json").write_text(state)
        cfg = from_dict(CorpusConfig, {"sources": [{"name": "w", "reader": "hf_disk", "paths": [str(tmp_path)]}]})
        with pytest.raises(ConfigError, match=r"sources\[0\]\.paths\[0\] \(w\): .*state.json: not the state.json of"):
            sh.expand_inputs(cfg)


def test_hf_disk_folder_saved_with_an_indices_mapping_is_a_config_error(tmp_path):
    """datasets 1.x saved a ``select``/``shuffle``/``filter`` result as the whole table and an
    ``indices.arrow`` of row numbers; reading the table alone would take rows the dataset does not
    hold. (No such folder was found in a public repository: the state.json is written here in the
    form datasets 1.x's save_to_disk gave it.)"""
    import pytest

    from jiniac_hpc.corpus.readers import hf_disk_files

    (tmp_path / "state.json").write_text(json.dumps({
        "_data_files": [{"filename": "dataset.arrow"}], "_indices_data_files": [{"filename": "indices.arrow"}],
        "_fingerprint": "0a1b2c3d4e5f6a7b", "_format_columns": None, "_format_kwargs": {}, "_format_type": None,
        "_output_all_columns": False, "_split": "train"}))
    with pytest.raises(ValueError, match="indices mapping"):
        hf_disk_files(tmp_path)
    (tmp_path / "state.json").write_text(json.dumps({"_data_files": [{"filename": "dataset.arrow"}],
                                                     "_indices_data_files": None}))
    assert hf_disk_files(tmp_path) == [tmp_path / "dataset.arrow"]
