"""Web-corpus rows as users download them (OSCAR JSON Lines, Arrow/Parquet columns nested in structs or
dictionary-encoded) through the ``jsonl``, ``parquet`` and ``hf_disk`` readers, on real files
(tests/assets/corpus/real/, listed in SOURCES.md): every row's text comes out or is counted under a
reason, and a wrong ``text_field`` is one message naming what the file holds, counted as its rows.

    .venv/bin/python -m pytest tests/test_corpus_rows_web.py -q
"""
import json
from pathlib import Path

from test_corpus_rows_real import R, recs, rows

OSCAR = R / "oscar_io_data_part_7.jsonl"
NESTED = R / "arrow_testing_generated_nested.stream"
DICTS = R / "arrow_testing_generated_dictionary.stream"


def oscar_rows():
    return [json.loads(line) for line in OSCAR.read_text(encoding="utf-8").splitlines()]


def test_real_oscar_wrong_text_field_is_one_record_naming_the_keys():
    """OSCAR keeps its text in ``content``: with the default ``text`` field each of its lines had been a
    bare "no field 'text'" reject, one message a line (a million for one shard). Now the lines in a row
    are one bad-input record counted as all of them, naming the keys the lines do have."""
    (r,) = recs("jsonl", OSCAR)
    assert r.pos == 1 and r.docs == 3 and r.text is None
    assert r.error == ("lines 1-3 (3 lines): no field 'text' (text_field); the object's keys: "
                       "[content (string), warc_headers, metadata]"), r.error
    assert r.nbytes == OSCAR.stat().st_size
    rs = recs("jsonl", OSCAR, text_field="content")
    assert [x.text for x in rs] == [d["content"] for d in oscar_rows()] and [x.pos for x in rs] == [1, 2, 3]


def test_real_oscar_dotted_text_field_and_an_object_field():
    """A dotted ``text_field`` names a field inside an object (``translation.ja``); naming the object
    itself says which fields it has, once for the lines in a row."""
    rs = recs("jsonl", OSCAR, text_field="metadata.identification.label")
    assert [x.text for x in rs] == ["zh", "zh", "zh"]
    (r,) = recs("jsonl", OSCAR, text_field="warc_headers")
    assert r.docs == 3 and r.error.startswith("lines 1-3 (3 lines): field 'warc_headers' is an object, not a string "
                                              "(its keys: [warc-date (string), "), r.error
    assert "e.g. 'warc_headers.warc-date'" in r.error


def test_real_oscar_null_and_list_text_counted_by_line(tmp_path):
    """A line whose text is null, an array of strings or a number is a reject of its own line (the lines
    around it come out); lines with other metadata holding NaN and Infinity are read."""
    docs = oscar_rows()
    lines = [json.dumps(docs[0], ensure_ascii=False),
             json.dumps({**docs[1], "content": None}, ensure_ascii=False),
             json.dumps({**docs[2], "content": docs[2]["content"].split("\n")}, ensure_ascii=False),
             json.dumps({**docs[2], "harmful_pp": float("nan"), "tlsh": float("inf")}, ensure_ascii=False),
             json.dumps({**docs[2], "content": 3.5}, ensure_ascii=False)]
    assert "NaN" in lines[3] and "Infinity" in lines[3]
    p = tmp_path / "mixed.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rs = recs("jsonl", p, text_field="content")
    assert [(x.pos, x.text) for x in rs if x.text] == [(1, docs[0]["content"]), (4, docs[2]["content"])]
    errors = {x.pos: x.error for x in rs if x.text is None}
    n_paras = len(docs[2]["content"].split("\n"))
    assert n_paras == 10
    assert errors == {2: "field 'content' is null, not a string",
                      3: f"field 'content' is an array, not a string ({n_paras} values)",
                      5: "field 'content' is a number, not a string"}, errors
    assert sum(x.docs for x in rs) == 5


def test_real_oscar_crlf_and_cut_last_line(tmp_path):
    """CRLF line ends (a file passed through Windows) give the same texts. A download interrupted inside
    the last line: the whole lines come out and the cut one is a reject that says the file may be cut
    short there (it had been a bare 'broken JSON' or 'invalid UTF-8', as for a line broken by its writer)."""
    data = OSCAR.read_bytes()
    p = tmp_path / "crlf.jsonl"
    p.write_bytes(data.replace(b"\n", b"\r\n"))
    assert [x.text for x in recs("jsonl", p, text_field="content")] == [d["content"] for d in oscar_rows()]
    last = data.rstrip(b"\n").rfind(b"\n") + 1
    for cut in (last + 40, last + 41, len(data) - 5):   # inside the text (and a character), the metadata
        p.write_bytes(data[:cut])
        rs = recs("jsonl", p, text_field="content")
        assert [x.text is not None for x in rs] == [True, True, False], cut
        assert rs[2].pos == 3, cut
        assert "the last line, with no newline: the file may be cut short" in rs[2].error, rs[2].error
    p.write_bytes(data[:last] + b'{"content": "\xe6\x9c\xac"\n')     # a broken line that is not the last
    p.write_bytes(p.read_bytes() + data[:last])
    rs = recs("jsonl", p, text_field="content")
    assert "cut short" not in rs[2].error


def test_real_arrow_struct_field_and_wrong_columns():
    """Arrow's integration table ``generated_nested``: the text of a struct's field, named with a dotted
    ``text_field``, comes out row by row (a row whose struct is null is a null-value reject, not the
    child's leftover value); naming the struct, a list column or no column is one record for all 17
    rows saying what the file holds (it had been 17 rejects, or one record counted as one row). Null
    values in a row are one record counting them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.ipc.open_stream(str(NESTED)).read_all()
    want = pc.struct_field(table.column("struct_nullable").combine_chunks(), ["f2"]).to_pylist()
    rs = recs("hf_disk", NESTED, text_field="struct_nullable.f2")
    assert rows(rs) == list(enumerate(want, 1)) and len(want) == 17 and None in want
    # nulls in a row are one record counting them (a null column had been a message a row)
    assert [(x.pos, x.docs, x.error) for x in rs if x.docs > 1] == [
        (5, 3, "rows 5-7 (3 rows): value is null, not a string"),
        (14, 4, "rows 14-17 (4 rows): value is null, not a string")]
    cases = {"struct_nullable": "is a struct of fields ['f1', 'f2'], not text: a dotted text_field names the field "
                                "holding the text, e.g. 'struct_nullable.f2'",
             "list_nullable": "holds list<item: int32>, not text",
             "text": "no column 'text' (text_field); columns: ['list_nullable', 'fixedsizelist_nullable', "
                     "'struct_nullable']",
             "struct_nullable.f3": "no field 'f3' in column 'struct_nullable'; fields: ['f1', 'f2']"}
    for field, says in cases.items():
        (r,) = recs("hf_disk", NESTED, text_field=field)
        assert r.docs == 17 and says in r.error and r.error.endswith("; its 17 rows are not read"), (field, r.error)


def test_real_parquet_struct_field_and_dictionary_columns(tmp_path):
    """The same real tables written to Parquet (dictionary pages, the Arrow schema stored; the
    dictionaries encoded again, as Parquet cannot write a null inside a dictionary): a struct's field
    and a dictionary-encoded string column give every row; a dictionary of integers is one record for
    all rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    nested = pa.ipc.open_stream(str(NESTED)).read_all()
    dicts = pa.ipc.open_stream(str(DICTS)).read_all()
    pq.write_table(nested, tmp_path / "nested.parquet")
    again = {c: pa.chunked_array([ch.dictionary_decode().dictionary_encode() for ch in dicts[c].chunks])
             for c in dicts.column_names}
    pq.write_table(pa.table(again), tmp_path / "dicts.parquet")
    assert rows(recs("parquet", tmp_path / "nested.parquet", text_field="struct_nullable.f2")) == \
        rows(recs("hf_disk", NESTED, text_field="struct_nullable.f2"))
    assert pa.types.is_dictionary(pq.ParquetFile(tmp_path / "dicts.parquet").schema_arrow.field("dict1").type)
    for col in ("dict0", "dict1"):
        want = dicts.column(col).to_pylist()
        for reader, p in (("hf_disk", DICTS), ("parquet", tmp_path / "dicts.parquet")):
            rs = recs(reader, p, text_field=col)
            assert rows(rs) == list(enumerate(want, 1)) and len(want) == 17, (reader, col)
    for reader, p in (("hf_disk", DICTS), ("parquet", tmp_path / "dicts.parquet")):
        (r,) = recs(reader, p, text_field="dict2")
        assert r.docs == 17 and "int64" in r.error and "not text" in r.error, (reader, r.error)


def test_stage_counts_a_wrong_text_field_as_every_row(tmp_path):
    """In the stage, a wrong ``text_field`` is one bad-input line a file, and the report counts all
    the file's rows in and removed (OSCAR lines, an Arrow file's rows)."""
    from jiniac_hpc.config import from_dict
    from jiniac_hpc.corpus.config import CorpusConfig
    from jiniac_hpc.corpus.stage import run_inline

    srcs = [{"name": "oscar", "reader": "jsonl", "lang": "ja", "filters": [], "paths": [str(OSCAR)]},
            {"name": "arrow", "reader": "hf_disk", "lang": "en", "filters": [], "text_field": "struct_nullable",
             "paths": [str(NESTED)]}]
    cfg = from_dict(CorpusConfig, {"sources": srcs, "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    stats = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]
    for name, n in (("oscar", 3), ("arrow", 17)):
        s = stats[name]
        assert (s["docs_in"], s["removed"]["bad_input"]["docs"], s["bad_input_count"]) == (n, n, 1), s
        assert len(s["bad_input"]) == 1 and str(OSCAR if name == "oscar" else NESTED) in s["bad_input"][0]


def test_datasetdict_folder_names_its_splits(tmp_path):
    """A ``DatasetDict.save_to_disk`` folder (``dataset_dict.json`` and a folder a split) given as the
    path: the error names its splits and the folder to list (the real ELYZA-tasks-100 ``test`` split)."""
    import shutil

    import pytest

    from jiniac_hpc.config import ConfigError, from_dict
    from jiniac_hpc.corpus import shards as sh
    from jiniac_hpc.corpus.config import CorpusConfig

    shutil.copytree(R / "hf_disk_elyza_tasks_100_slice10", tmp_path / "test")
    (tmp_path / "dataset_dict.json").write_text('{"splits": ["test"]}')
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "w", "reader": "hf_disk", "paths": [str(tmp_path)]}]})
    says = r"a DatasetDict of splits \['test'\]: list the split folder\(s\), e\.g\. .*/test"
    with pytest.raises(ConfigError, match=says):
        sh.expand_inputs(cfg)
    src = {"name": "w", "reader": "hf_disk", "paths": [str(tmp_path / "test")]}
    cfg = from_dict(CorpusConfig, {"sources": [src]})
    assert [Path(s.path).name for s in sh.expand_inputs(cfg)] == ["data-00000-of-00001.arrow"]


def test_real_text_blocks_as_cc100_and_a_block_over_the_limit():
    """The text reader's blank-line mode (CC-100's layout: a paragraph a line, a blank line after each
    document) on a real Japanese text of three blocks: every character comes out in the blocks. A
    block larger than max_record_bytes had been rejected up to the line that passed the limit, and
    the block's last 60 lines came out as a document of their own (in 'file' mode, the file's
    rest); it is now one reject for the whole block, its size in UTF-8 bytes."""
    p = R / "golang_rashomon-utf-8.txt"
    raw = p.read_text(encoding="utf-8")
    rs = recs("text", p)
    assert "\n\n".join(x.text for x in rs) == raw.strip("\n") and [x.pos for x in rs] == [1, 6, 8]
    rs = recs("text", p, limit=4000)
    assert [(x.pos, x.text is None) for x in rs] == [(1, False), (6, False), (8, True)]
    body = "".join(line + "\n" for line in raw.split("\n")[7:178])
    assert rs[2].nbytes == len(body.encode()) == 18018
    assert rs[2].error == "document of 18018 bytes (lines 8-178) exceeds max_record_bytes=4000"
    (r,) = recs("text", p, limit=4000, doc_sep="file")
    assert r.text is None and r.error == f"document of {len(raw.encode())} bytes (lines 1-178) exceeds " \
                                         "max_record_bytes=4000"


def test_real_text_cut_inside_a_character_names_the_document_it_skips(tmp_path):
    """The real text cut inside a character (a download broken off): the blocks before come out, and
    the reject says that the block the cut is in is skipped from its first line (it had named only
    the cut's line, 119, and 'the rest of the file', though lines 8-118 went with it)."""
    p = tmp_path / "cut.txt"
    p.write_bytes((R / "golang_rashomon-utf-8.txt").read_bytes()[:12001])
    rs = recs("text", p, encoding="utf-8")
    assert [(x.pos, x.text is None) for x in rs] == [(1, False), (6, False), (8, True)]
    assert rs[2].error == ("undecodable text (utf-8) near line 119: unexpected end of data; the document from "
                           "line 8 and the rest of the file skipped"), rs[2].error
    (r,) = recs("text", p, encoding="utf-8", doc_sep="file")
    assert r.pos == 1 and "the document from line 1 and the rest of the file skipped" in r.error


def test_real_files_that_are_not_arrow_given_to_hf_disk_say_what_they_are():
    """hf_disk now takes an Arrow file itself, so a Parquet file, a folder's state.json or a JSON Lines
    file can be named to it: each is one record saying what it is and which reader reads it (pyarrow's
    own words had been 'Expected to read 827474256 metadata bytes')."""
    for name, says in (("parquet_testing_delta_length_byte_array.parquet", "a Parquet file (the parquet reader"),
                       ("hf_disk_elyza_tasks_100_slice10/state.json", "JSON (a save_to_disk folder's state.json"),
                       (OSCAR.name, "JSON Lines: the jsonl reader")):
        (r,) = recs("hf_disk", R / name)
        assert r.error.startswith("unreadable as hf_disk: not an Arrow IPC stream or file: "), r.error
        assert says in r.error, r.error


def test_datasets_cache_folder_and_its_arrow_files(tmp_path):
    """The ``datasets`` cache keeps a split's rows in ``<name>-<split>.arrow`` files with no state.json:
    the folder named as the path says so and how to list them; the files listed (a glob) are read,
    every row (the real ELYZA-tasks-100 Arrow stream under a cache file's name)."""
    import shutil

    import pytest

    from jiniac_hpc.config import ConfigError, from_dict
    from jiniac_hpc.corpus import shards as sh
    from jiniac_hpc.corpus.config import CorpusConfig

    shutil.copy(R / "hf_disk_elyza_tasks_100_slice10" / "data-00000-of-00001.arrow", tmp_path / "elyza-test.arrow")
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "w", "reader": "hf_disk", "paths": [str(tmp_path)]}]})
    with pytest.raises(ConfigError, match=r"it holds 1 \.arrow file\(s\) \(elyza-test\.arrow, \.\.\.; the datasets "
                                          r"cache keeps each split's rows in such files\): list those of the split"):
        sh.expand_inputs(cfg)
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "w", "reader": "hf_disk", "text_field": "input",
                                                "paths": [str(tmp_path / "*-test*.arrow")]}]})
    (shard,) = sh.expand_inputs(cfg)
    rs = recs("hf_disk", shard.path, text_field="input")
    assert len(rs) == 10 and rs[0].text == "仕事の熱意を取り戻すためのアイデアを5つ挙げてください。"


def test_real_oscar_lines_saved_in_utf16_and_utf32(tmp_path):
    """JSON Lines saved by Windows PowerShell 5 (``>``, ``Out-File``) are UTF-16 with a BOM and CRLF:
    the real OSCAR lines so saved had given 'invalid UTF-8' and 'broken JSON' rejects, one a line.
    They are read as UTF-16 (and UTF-32, with or without a BOM), the same texts as the UTF-8 file."""
    text = OSCAR.read_text(encoding="utf-8")
    want = [d["content"] for d in oscar_rows()]
    for name, data in (("powershell.jsonl", text.replace("\n", "\r\n").encode("utf-16")),
                       ("le.jsonl", text.encode("utf-16-le")), ("be.jsonl", text.encode("utf-16-be")),
                       ("u32.jsonl", text.encode("utf-32")), ("u32le.jsonl", text.encode("utf-32-le"))):
        (tmp_path / name).write_bytes(data)
        rs = recs("jsonl", tmp_path / name, text_field="content")
        assert [x.text for x in rs] == want and [x.pos for x in rs] == [1, 2, 3], name


def test_readers_command_line_reads_a_save_to_disk_folder(capsys):
    """``python -m jiniac_hpc.corpus.readers hf_disk FOLDER FIELD`` prints the rows of the folder's Arrow
    files, as a run reads them (it had said only 'Expected file path, but ... is a directory'); a folder
    that is not one says why."""
    from jiniac_hpc.corpus.readers.__main__ import main

    d = R / "hf_disk_elyza_tasks_100_slice10"
    assert main(["hf_disk", str(d), "input"]) == 0
    out = capsys.readouterr().out.splitlines()
    first = f"{d / 'data-00000-of-00001.arrow'}:1 '仕事の熱意を取り戻すためのアイデアを5つ挙げてください。'"
    assert len(out) == 10 and out[0] == first
    assert main(["hf_disk", str(R)]) == 1
    assert "not a datasets save_to_disk folder (no state.json)" in capsys.readouterr().out


def test_real_rows_saved_as_one_json_array_count_as_their_rows(tmp_path):
    """The OSCAR rows saved with ``json.dump(rows, f)`` (one line, a JSON array), given to the jsonl
    reader: one record saying so, counted as the 3 documents it holds (it had counted as one)."""
    p = tmp_path / "rows.json"
    p.write_text(json.dumps(oscar_rows(), ensure_ascii=False), encoding="utf-8")
    (r,) = recs("jsonl", p, text_field="content")
    assert r.docs == 3 and r.error.startswith("no field 'content': the line is a JSON array of 3 values"), r.error
