"""Aozora Bunko repackaged as rows (JSONL, Parquet), read with ``markup: aozora``.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_aozora_rows.py

Two packagings are built here from the real Aozora files under tests/assets/corpus/real
(SOURCES.md), as their makers' scripts lay rows out: globis-org/aozorabunko-extractor's first
step writes each work's whole text file in a field ``テキスト`` beside the index's columns; its
published set, globis-university/aozorabunko-clean, has ``text`` with the header cut off and the
footer (底本 and credits) moved to a field ``footnote``, and the index's columns in a struct
``meta``. Read with the row readers and ``markup: aozora``, a row must give what reader ``aozora``
gives of the file itself, every character accounted for; text that is already clean must come out
as it went in.
"""
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
        assert (rec.text, rec.unread) == (ref.text, ref.unread), p.name
    # without the option the row is taken as it is: header, ruby, notes and footer in the text
    plain = records("jsonl", rows, text_field="テキスト")
    assert "底本：" in plain[0].text and not plain[0].unread


def test_a_row_whose_footer_is_a_field_of_its_own_has_its_notation_cleaned(tmp_path):
    path = R / "aozora_112_ruby_3165.txt"     # ruby, ｜, accent decomposition 〔e'tiquette〕
    lines = whole(path).splitlines()
    rules = [k for k, x in enumerate(lines) if x.startswith("-----")]
    start = rules[1] + 1                      # the 記号 block's closing rule
    end = next(k for k, x in enumerate(lines) if x.startswith("底本："))
    body, footnote = "\n".join(lines[start:end]), "\n".join(lines[end:])
    assert "《" in body and "〔" in body and "［＃" in body
    table = pa.table({"text": [body], "footnote": [footnote],
                      "meta": [{"作品ID": "000112", "作品名": "野呂松人形", "文字遣い種別": "新字新仮名"}]})
    pq.write_table(table, tmp_path / "0000.parquet")
    (rec,) = records("parquet", tmp_path / "0000.parquet", markup="aozora")
    ref = work(path)
    assert rec.text.strip("\n") == ref.text and "étiquette" in rec.text
    assert {k: v for k, v in rec.unread.items()} == {k: v for k, v in ref.unread.items() if k != "boilerplate"}
    assert len(body.replace("\n", "")) == len(rec.text.replace("\n", "")) + sum(rec.unread.values())


def test_text_already_clean_comes_out_as_it_went_in(tmp_path):
    """aozorabunko-clean's ``text`` holds no notation: the option must leave such a row alone."""
    rows = tmp_path / "clean.jsonl"
    with rows.open("w", encoding="utf-8") as f:
        for p in WORKS:
            f.write(json.dumps({"text": work(p).text, "footnote": "底本：…", "meta": {"作品ID": p.stem}},
                               ensure_ascii=False) + "\n")
    got = records("jsonl", rows, markup="aozora")
    for p, rec in zip(WORKS, got):
        assert (rec.text, rec.unread) == (work(p).text, {}), p.name


def test_markup_is_for_the_row_readers_only():
    with pytest.raises(ValueError, match="markup"):
        SourceConfig(name="t", reader="aozora", paths=["x"], markup="aozora")
