"""Aozora Bunko repackaged as rows (JSONL, Parquet), read with ``markup: aozora``.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_aozora_rows.py

Two packagings are built here from the real Aozora files under tests/assets/corpus/real
(SOURCES.md), as their makers' scripts lay rows out: globis-org/aozorabunko-extractor's first
step writes each work's whole text file in a field ``テキスト`` beside the index's columns; its
published set, globis-university/aozorabunko-clean, has ``text`` with the header cut off and the
footer (底本 and credits) moved to a field ``footnote``, and the index's columns in a struct
``meta``. Read with the row readers and ``markup: aozora``, a row must give what reader ``aozora``
gives of the file itself, every character accounted for; text that is already clean must come out
as it went in. The row's other fields are no part of the work but are read all the same: the
footer in ``footnote`` is counted as ``boilerplate`` (as a file's footer is), the index's columns
as ``metadata``.
"""
import datetime
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
WORKS = sorted(R.glob("aozora_*.txt"))


def records(reader: str, path: Path, **kw) -> list:
    src = SourceConfig(name="t", reader=reader, paths=[str(path)], normalize="none", **kw)
    return list(read(path, src, 8_000_000))


def work(path: Path):
    (rec,) = records("aozora", path)
    assert rec.error is None, rec.error
    return rec


def whole(path: Path) -> str:
    """The file's text as a packager that read it as cp932 holds it (a line cp932 cannot read as
    Shift_JIS-2004, as the Aozora reader does)."""
    lines = []
    for raw in path.read_bytes().split(b"\n"):
        try:
            lines.append(raw.decode("cp932"))
        except UnicodeDecodeError:
            lines.append(raw.decode("shift_jis_2004"))
    return "\n".join(lines)


def test_a_row_holding_the_whole_text_file_reads_as_the_file(tmp_path):
    rows = tmp_path / "aozorabunko.jsonl"
    with rows.open("w", encoding="utf-8") as f:
        for p in WORKS:
            f.write(json.dumps({"作品ID": p.stem.split("_")[1], "作品名": p.stem, "テキスト": whole(p)},
                               ensure_ascii=False) + "\n")
    got = records("jsonl", rows, text_field="テキスト", markup="aozora")
    assert len(got) == len(WORKS)
    for p, rec in zip(WORKS, got):
        ref = work(p)
        index = len(p.stem.split("_")[1]) + len(p.stem)     # 作品ID and 作品名: the index's columns
        assert (rec.text, rec.unread) == (ref.text, {**ref.unread, "metadata": index}), p.name
    # without the option the row is taken as it is: header, ruby, notes and footer in the text
    plain = records("jsonl", rows, text_field="テキスト")
    assert "底本：" in plain[0].text and not plain[0].unread


#: the index's columns aozorabunko-clean keeps in ``meta`` (a few of its 50; dates as timestamps)
META = {"作品ID": "000112", "作品名": "野呂松人形", "作品名読み": "のろまにんぎょう", "文字遣い種別": "新字新仮名",
        "公開日": datetime.datetime(1999, 1, 11), "図書カードURL": "https://www.aozora.gr.jp/cards/000879/card112.html",
        "人物ID": "000879", "姓": "芥川", "名": "竜之介"}


def clean_row(path: Path) -> dict:
    """aozorabunko-clean's row of the work in ``path``: the lines between the header (its 記号
    block's closing rule) and the footer in ``text``, the footer from 底本： in ``footnote``."""
    lines = whole(path).splitlines()
    rules = [k for k, x in enumerate(lines) if x.startswith("-----")]
    start = rules[1] + 1                      # the 記号 block's closing rule
    end = next(k for k, x in enumerate(lines) if x.startswith("底本："))
    return {"text": "\n".join(lines[start:end]), "footnote": "\n".join(lines[end:]), "meta": META}


def strings(value) -> int:
    """Characters of the strings in ``value``, line breaks aside."""
    if isinstance(value, dict):
        return sum(strings(v) for v in value.values())
    return len(value.replace("\n", "")) if isinstance(value, str) else 0


def test_a_row_whose_footer_is_a_field_of_its_own_has_its_notation_cleaned(tmp_path):
    path = R / "aozora_112_ruby_3165.txt"     # ruby, ｜, accent decomposition 〔e'tiquette〕
    row = clean_row(path)
    body, footnote = row["text"], row["footnote"]
    assert "《" in body and "〔" in body and "［＃" in body
    pq.write_table(pa.Table.from_pylist([row]), tmp_path / "0000.parquet")
    (rec,) = records("parquet", tmp_path / "0000.parquet", markup="aozora")
    ref = work(path)
    assert rec.text.strip("\n") == ref.text and "étiquette" in rec.text
    notation = {k: v for k, v in ref.unread.items() if k != "boilerplate"}
    # the footer field is the file's footer, counted as the file's is; the index's strings are metadata
    assert rec.unread == {**notation, "boilerplate": len(footnote.replace("\n", "")),
                          "metadata": strings(META)}
    assert strings(row) == len(rec.text.replace("\n", "")) + sum(rec.unread.values())


def test_every_field_of_a_clean_row_is_accounted_in_each_row_format(tmp_path):
    """The same rows as JSON Lines (the published .jsonl.gz, dates as text), a JSON array and a
    saved ``datasets`` Arrow file: what comes out plus what is counted unread is every character of
    every string the row holds; nothing of the footer or the index goes unseen."""
    rows = [clean_row(p) for p in (R / "aozora_112_ruby_3165.txt", R / "aozora_1077_ruby.txt",
                                   R / "aozora_49810_ruby_43431.txt")]
    as_json = [{**r, "meta": {k: str(v) for k, v in r["meta"].items()}} for r in rows]
    (tmp_path / "clean.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in as_json),
                                          encoding="utf-8")
    (tmp_path / "clean.json").write_text("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in as_json)
                                         + "\n]\n", encoding="utf-8")
    table = pa.Table.from_pylist(rows)
    with pa.OSFile(str(tmp_path / "data-00000-of-00001.arrow"), "wb") as sink, \
            pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    for reader, name, source in (("jsonl", "clean.jsonl", as_json), ("jsonl", "clean.json", as_json),
                                 ("hf_disk", "data-00000-of-00001.arrow", rows)):
        got = records(reader, tmp_path / name, markup="aozora")
        assert len(got) == len(source), name
        for row, rec in zip(source, got):
            assert rec.unread["boilerplate"] == len(row["footnote"].replace("\n", "")), name
            assert rec.unread["metadata"] == strings(row["meta"]), name
            assert strings(row) == len(rec.text.replace("\n", "")) + sum(rec.unread.values()), name
        assert got[2].meta["placeholders"] == got[2].text.count("〓") == 1, name   # (the 〓 is text, flagged)


def test_text_already_clean_comes_out_as_it_went_in(tmp_path):
    """aozorabunko-clean's ``text`` holds no notation: the option must leave such a row alone."""
    rows = tmp_path / "clean.jsonl"
    with rows.open("w", encoding="utf-8") as f:
        for p in WORKS:
            f.write(json.dumps({"text": work(p).text, "footnote": "底本：…", "meta": {"作品ID": p.stem}},
                               ensure_ascii=False) + "\n")
    got = records("jsonl", rows, markup="aozora")
    for p, rec in zip(WORKS, got):
        assert (rec.text, rec.unread) == (work(p).text, {"boilerplate": len("底本：…"), "metadata": len(p.stem)}), p.name


def test_markup_is_for_the_row_readers_only():
    with pytest.raises(ValueError, match="markup"):
        SourceConfig(name="t", reader="aozora", paths=["x"], markup="aozora")
