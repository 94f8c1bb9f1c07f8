"""Tokenizer inputs (jsonl/zst/JSQuAD/text), sampling, MeCab pre-split, UniDic thinning, seeds.

    .venv/bin/python -m pytest tests/test_tokenizer_inputs.py -q
"""
import json
from collections import Counter

import pytest
import zstandard

from jiniac_hpc.paths import jglue_dir
from jiniac_hpc.tokenizer.config import InputConfig, LanguageConfig, ThinningConfig
from jiniac_hpc.tokenizer.inputs import read_input, read_jsonl, read_jsquad, sample_language, training_lines
from jiniac_hpc.tokenizer.unidic import DELIM, Mecab, ThinStats, presplit, seed_pieces, split_rate


@pytest.fixture(scope="module")
def mecab():
    return Mecab()


def _write_zst(path, records):
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path.write_bytes(zstandard.ZstdCompressor().compress(data))


def test_jsonl_zst_with_lang_filter(tmp_path):
    recs = [{"id": str(i), "text": f"doc {i}", "source": "s", "lang": "ja" if i % 2 else "en"} for i in range(10)]
    _write_zst(tmp_path / "00000.jsonl.zst", recs)
    assert list(read_jsonl(tmp_path / "00000.jsonl.zst", lang="ja")) == [f"doc {i}" for i in range(1, 10, 2)]
    inp = InputConfig(paths=[str(tmp_path / "*.jsonl.zst")], kind="jsonl", lang="en")
    assert list(read_input(inp, "languages[0].inputs[0]")) == [f"doc {i}" for i in range(0, 10, 2)]


def test_bad_jsonl_line_names_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: invalid JSON"):
        list(read_jsonl(p))
    p.write_text('{"txt": "ok"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: expected an object with a string 'text'"):
        list(read_jsonl(p))


def test_jsquad_contexts_without_title_prefix():
    path = jglue_dir() / "jsquad-v1.3-valid.json"
    ctx = list(read_jsquad(path))
    raw = json.loads(path.read_text(encoding="utf-8"))["data"][0]
    assert raw["paragraphs"][0]["context"].startswith(raw["title"] + " [SEP] ")
    assert ctx[0] == raw["paragraphs"][0]["context"][len(raw["title"]) + 7:]
    assert not any(" [SEP] " in c for c in ctx[:50])


def test_sample_is_deterministic_disjoint_and_capped():
    lang = LanguageConfig(name="ja", inputs=[InputConfig(paths=["jglue:jsquad-v1.3-valid.json"], kind="jsquad")],
                          vocab_size=1000, sample_chars=20000, heldout_fraction=0.2, heldout_max_chars=5000)
    a, b = sample_language(lang, 1), sample_language(lang, 1)
    assert a.train == b.train and a.heldout == b.heldout
    assert not set(a.train) & set(a.heldout)
    assert 20000 <= a.train_chars < 20000 + max(map(len, a.train))
    assert 5000 <= a.heldout_chars < 5000 + max(map(len, a.heldout))
    assert sample_language(lang, 2).heldout != a.heldout


def test_few_documents_still_hold_one_out(tmp_path):
    p = tmp_path / "two.jsonl"
    p.write_text('{"text": "first document"}\n{"text": "second document"}\n', encoding="utf-8")
    lang = LanguageConfig(name="en", inputs=[InputConfig(paths=[str(p)])], vocab_size=1000, heldout_fraction=0.01)
    s = sample_language(lang, 0)
    assert len(s.train) == 1 and len(s.heldout) == 1


def test_training_lines_split_and_cut():
    doc = "a" * 25 + "\n\n  \nbb\n"
    assert list(training_lines(doc, max_chars=10)) == ["a" * 10, "a" * 10, "a" * 5, "bb"]


def test_presplit_and_thinning(mecab):
    line = "東京都の山田太郎さんがWindows 10とフリーレンを見た"
    unk = [w.surface for w in mecab.words(line) if w.is_unk]
    assert "Windows" in unk
    st0, words = ThinStats(), Counter()
    kept = list(presplit([line], mecab, 0.0, 0, st0, words))
    assert kept[0].replace(DELIM, "") == line          # rate 0: every word kept, whitespace included
    assert st0.dropped == 0 and st0.unk_words == len(unk) and words["東京"] == 1
    st1 = ThinStats()
    thinned = list(presplit([line], mecab, 1.0, 0, st1))[0].split(DELIM)
    assert st1.dropped == len(unk) and not any(u in [t.strip() for t in thinned] for u in unk)
    assert "東京" in thinned and "山田" in thinned
    assert list(presplit([line] * 5, mecab, 0.5, 7, ThinStats())) == list(presplit([line] * 5, mecab, 0.5, 7, ThinStats()))


def test_proper_nouns(mecab):
    nouns = mecab.proper_nouns(["東京都の山田太郎さんが大阪へ行った。\n本を読んだ。"])
    assert {"東京", "山田", "太郎", "大阪"} <= set(nouns) and "本" not in nouns


def test_seed_pieces_are_substrings_within_words():
    seeds = dict(seed_pieces(Counter({"東京都": 3, "東京": 2, "京都": 1, "あ": 9}), max_len=2))
    assert seeds["東京"] == 5 and seeds["京都"] == 4
    assert "東京都" not in seeds and "あ" not in seeds   # longer than max_len / single characters
    assert list(seeds) == sorted(seeds, key=lambda s: -seeds[s] * len(s))


def test_split_rate():
    r = split_rate(lambda s: list(s) if len(s) > 2 else [s], ["東京", "ニューヨーク", "東京", "パリ"])
    assert r["tokens"] == 4 and r["types"] == 3 and r["split"] == 1 and r["split_rate"] == 0.25
    assert split_rate(list, [])["split_rate"] is None


def test_thinning_config_requires_mecab():
    with pytest.raises(ValueError, match="thinning"):
        LanguageConfig(name="en", inputs=[InputConfig(paths=["x"])], vocab_size=1000,
                       thinning=ThinningConfig(rate=0.3))
