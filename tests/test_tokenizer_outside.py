"""A user's own sentencepiece model at jiniac's doors: the HF export and the UniDic pre-split.

    .venv/bin/python -m pytest tests/test_tokenizer_outside.py -q

The HF export (``python -m jiniac_hpc.tokenizer.hf model.model out/``) takes any model file; it
must give sentencepiece's ids or refuse in one line naming what it cannot reproduce. Models:
llm-jp-tokenizer v2.2 (published, identity, byte fallback, dummy prefix), and models that
sentencepiece trains here on real text in the tokenizer stage's own layout (no dummy prefix,
spaces kept, byte fallback, <unk> <s> </s> <pad> first) but not built by the stage.
The pre-split is checked against fugashi + unidic-lite's own words on real text.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import sentencepiece as spm

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.tokenizer import hf, spmodel
from jiniac_hpc.tokenizer.config import SpecialTokensConfig

REAL = Path(__file__).resolve().parent / "assets/corpus/real"
LLMJP = REAL / "llm_jp_tokenizer_code10K_en20K_ja30K.ver2.2.model"


def _docs(reader: str, name: str) -> list[str]:
    cfg = SourceConfig(name="t", reader=reader, paths=[str(REAL / name)])
    return [r.text for r in read(REAL / name, cfg, 8_000_000) if r.text]


@pytest.fixture(scope="module")
def docs():
    """Documents the readers make of real samples: Diet minutes of 1947, Aozora with gaiji, e-Gov law,
    Hindi Wikipedia and XQuAD-hi, a table of Japanese characters (tests/test_pretokenize_real.py)."""
    from test_pretokenize_real import _real_docs

    return _real_docs()


def _stage_layout_model(path: Path, lines: list[str], **extra) -> Path:
    """What a user gets training sentencepiece with the tokenizer stage's settings."""
    special = SpecialTokensConfig()
    args = dict(model_type="unigram", vocab_size=6000, character_coverage=0.9995, byte_fallback=True,
                normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=False,
                unk_id=0, bos_id=1, eos_id=2, pad_id=3, split_digits=True, num_threads=1, minloglevel=2,
                user_defined_symbols=[spmodel.escape(t) for t in special.user_symbols])
    args.update(extra)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_prefix=str(path.with_suffix("")), **args)
    return path


def _lines(docs: list[str]) -> list[str]:
    return [ln for d in docs for ln in d.split("\n") if ln.strip()]


def test_export_refuses_scores_off_the_grid_or_gives_sentencepieces_ids(docs, tmp_path):
    """sentencepiece sums a path's scores in float32, HF tokenizers in float64: with the scores as
    training left them, a Hindi Wikipedia article and the character table's title line (segmentations
    of exactly equal score, the same pieces in another order) got other ids in HF, and the export wrote
    the folder without a word. The stage's own models have their scores on a 2^-6 grid
    (spmodel.SCORE_QUANTUM), where such ties stay ties in both; any other model is refused."""
    proto = spmodel.load_proto(_stage_layout_model(tmp_path / "own.model", _lines(docs)))
    special = SpecialTokensConfig()
    try:
        tok = hf.build_tokenizer(proto, special)
    except ValueError as e:
        assert "scores off the 2^-6 grid" in str(e) and "\n" not in str(e)
        return
    texts = _lines(docs) + docs
    bad = hf.compare(proto, tok, texts)
    assert not bad, f"{len(bad)} of {len(texts)} texts get other ids in HF, e.g. {bad[0][:60]!r}"


def test_export_accepts_the_same_model_on_the_grid(docs, tmp_path):
    """The same model with its scores rounded to the grid (what the stage's merge does) exports, and
    HF gives sentencepiece's ids on every line and document."""
    proto = spmodel.load_proto(_stage_layout_model(tmp_path / "own.model", _lines(docs)))
    for p in proto.pieces:
        if p.type == spmodel.SP.NORMAL:
            p.score = spmodel.quantize(p.score)
    tok = hf.build_tokenizer(proto, SpecialTokensConfig())
    assert not hf.compare(proto, tok, _lines(docs) + docs)


def test_export_refuses_a_model_without_the_chat_markers(docs, tmp_path):
    """A model in the stage's layout whose user-defined symbols lack the chat markers: the export
    added them as new tokens past the model's vocabulary (ids 6000..6003 of a 6000-piece model,
    rows the model's embedding does not have); it now refuses, naming the markers."""
    path = _stage_layout_model(tmp_path / "nochat.model", _lines(docs), user_defined_symbols=["\n"])
    proto = spmodel.load_proto(path)
    for p in proto.pieces:
        p.score = spmodel.quantize(p.score)
    special = SpecialTokensConfig()
    try:
        tok = hf.build_tokenizer(proto, special)
    except ValueError as e:
        assert "chat markers ['<|system|>', '<|user|>', '<|assistant|>', '<|end|>'] are not user-defined" in str(e)
        return
    assert tok.get_vocab_size(with_added_tokens=True) == len(proto.pieces)


def test_export_refuses_llm_jp_tokenizer_in_one_line_naming_the_file(tmp_path):
    """llm-jp-tokenizer v2.2 (dummy prefix, no <pad> at id 3): the CLI refuses in one line that names
    the model file and each setting the export does not reproduce, and writes no folder."""
    import subprocess
    import sys

    out = tmp_path / "hf"
    r = subprocess.run([sys.executable, "-m", "jiniac_hpc.tokenizer.hf", str(LLMJP), str(out)],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode != 0 and not out.exists()
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith(f"{LLMJP}: ") and "add_dummy_prefix" in line
    assert "first pieces ['<unk>', '<s>', '</s>', '<mask>']" in line


def test_llm_jp_tokenizer_round_trips_real_text():
    """The published llm-jp model itself (identity, byte fallback): decode gives every real document
    back, Japanese, English and Hindi, so what the pretokenize stage counts as unchanged is."""
    sp = spm.SentencePieceProcessor(model_file=str(LLMJP))
    docs = (_docs("diet", "kokkai_meeting_api_1947_shugiin.xml") + _docs("wikiextractor", "wikiextractor3_hiwiki_hindi_wiki_00")
            + [(REAL / "lingua_sentences_en_trimmed.txt").read_text(encoding="utf-8")])
    assert all(sp.decode(sp.encode(d)) == d for d in docs)
    assert not any(sp.unk_id() in sp.encode(d) for d in docs)


def test_presplit_keeps_every_character_and_fugashis_words():
    """The Japanese pre-split on real text: its units are fugashi + unidic-lite's own words (each with
    the whitespace before it), and they add up to the line. MeCab reports no word for whitespace at
    the end of a line (the Aozora colophon's full-width spaces, written as spaces by the corpus
    stage's NFKC) and stops at a NUL; the pre-split dropped both from the training text."""
    import fugashi

    from jiniac_hpc.tokenizer.inputs import training_lines
    from jiniac_hpc.tokenizer.unidic import DELIM, Mecab, ThinStats, presplit

    docs = [unicodedata.normalize("NFKC", d) for d in _docs("aozora", "aozora_764_ruby.txt")]
    docs += _docs("diet", "kokkai_meeting_api_1947_shugiin.xml")
    lines = [ln for d in docs for ln in training_lines(d)] + ["東京\x00都の  "]
    assert any(ln.endswith("  ") for ln in lines[:-1])
    stats = ThinStats()
    out = list(presplit(lines, Mecab(), 0.0, 0, stats))
    assert [u.replace(DELIM, "") for u in out] == lines
    tagger = fugashi.Tagger()
    for line, units in zip(lines, out):
        if "\x00" in line:
            continue
        words = [w.white_space + w.surface for w in tagger(line)]
        assert units.split(DELIM)[:len(words)] == words
        assert "".join(units.split(DELIM)[len(words):]).strip() == ""
    assert stats.words == sum(len(tagger(part)) for ln in lines for part in ln.split("\x00"))


def test_pretokenize_writes_llm_jp_tokenizers_own_ids_and_counts_no_loss(docs, tmp_path):
    """The pretokenize stage with the published llm-jp model (a layout the stage's tests had not met:
    identity, byte fallback, dummy prefix): the shard holds sentencepiece's own ids for every real
    document, and the stats say what the model does to the text: nothing normalised, nothing lost."""
    import h5py
    import numpy as np

    from jiniac_hpc import fileio
    from jiniac_hpc.data import pretokenize
    from jiniac_hpc.data.config import TokenizeConfig

    src = tmp_path / "corpus/output/real/00000.jsonl.zst"
    fileio.write_jsonl(src, [{"id": f"d{i}", "text": t, "source": "real", "lang": "ja"} for i, t in enumerate(docs)])
    cfg = TokenizeConfig(inputs=[str(src)], tokenizer=str(LLMJP), seq_len=64, eval_fraction=0.0, batch_docs=16)
    sp = spm.SentencePieceProcessor(model_file=str(LLMJP))
    stats = pretokenize.tokenize_file(cfg, src, tmp_path / "out.h5", sp, "sha")
    want = [i for d in docs for i in sp.encode(d) + [sp.eos_id()]]
    with h5py.File(tmp_path / "out.h5", "r") as f:
        got = f["train"]["tokens"][:]
    np.testing.assert_array_equal(got, np.array(want[:len(got)]))
    assert len(want) - len(got) == stats["train"]["dropped_tokens"] < 65
    assert stats["tokenizer"] == {"normalization": "identity", "byte_fallback": True,
                                  "remove_extra_whitespaces": False, "add_dummy_prefix": True}
    assert stats["normalized"]["docs"] == sum(sp.decode(sp.encode(d)) != d for d in docs) == 0
    assert stats["unknown"]["tokens"] == 0 and stats["chars"]["train"] == sum(map(len, docs))
