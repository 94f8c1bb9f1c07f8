"""The pretokenize stage on real text with a real outside sentencepiece model: every document,
character and token in is accounted for in the stats, and the shard holds sentencepiece's own ids.

    .venv/bin/python -m pytest tests/test_pretokenize_real.py -q

Text: documents the corpus readers make of real samples (tests/assets/corpus/real/: Diet minutes
of 1947 in old kanji, Aozora with gaiji, e-Gov law text, Hindi Wikipedia and XQuAD-hi with nukta
letters, a table of Japanese characters with ㋿). Model: sentencepiece's own Japanese test model
(KFTT, unigram 8000, NFKC, no byte fallback, whitespace folding, dummy prefix), which writes
newlines, Devanagari, emoji and rare kanji as <unk>.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

import h5py
import numpy as np
import pytest
import sentencepiece as spm

from jiniac_hpc import fileio
from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.data import pretokenize
from jiniac_hpc.data.config import TokenizeConfig

REAL = Path(__file__).resolve().parent / "assets/corpus/real"
MODEL = REAL / "sentencepiece_test_ja_model.model"
SEQ = 64
SAMPLES = [("diet", "kokkai_meeting_api_1947_shugiin.xml"), ("aozora", "aozora_24455_ruby_11238_gaiji_in_description.txt"),
           ("egov_xml", "egov_405AC0000000088.xml"), ("wikiextractor", "wikiextractor3_hiwiki_hindi_wiki_00"),
           ("squad", "xquad_hi_trimmed.json"), ("text", "kana_unicode_reference_japanese_characters.md")]


def _real_docs() -> list[str]:
    docs = []
    for reader, name in SAMPLES:
        cfg = SourceConfig(name="t", reader=reader, paths=[str(REAL / name)])
        docs += [r.text for r in read(REAL / name, cfg, 8_000_000) if r.text]
    return docs


@pytest.fixture(scope="module")
def shard(tmp_path_factory):
    root = tmp_path_factory.mktemp("pretok-real")
    docs = _real_docs()
    src = root / "corpus/output/real/00000.jsonl.zst"
    records = [{"id": f"real-{i}", "text": t, "source": "real", "lang": "ja"} for i, t in enumerate(docs)]
    records.insert(3, {"id": "empty", "text": "", "source": "real", "lang": "ja"})
    fileio.write_jsonl(src, records)
    cfg = TokenizeConfig(inputs=[str(src)], tokenizer=str(MODEL), seq_len=SEQ, eval_fraction=0.1,
                         chunk_tokens=4096, batch_docs=16, flush_tokens=5000)
    sp = spm.SentencePieceProcessor(model_file=str(MODEL))
    out = root / "real.h5"
    stats = pretokenize.tokenize_file(cfg, src, out, sp, "sha")
    return docs, sp, out, stats


def _streams(docs, sp):
    """Each split's token stream and document starts, from sentencepiece itself."""
    streams, starts = {"train": [], "eval": []}, {"train": [], "eval": []}
    for i, t in enumerate(docs):
        split = "eval" if pretokenize.in_eval(f"real-{i}", 0.1, "0\0real") else "train"
        starts[split].append(len(streams[split]))
        streams[split] += sp.encode(t) + [sp.eos_id()]
    return streams, starts


def test_shard_holds_sentencepieces_own_ids(shard):
    docs, sp, out, _ = shard
    streams, _ = _streams(docs, sp)
    with h5py.File(out, "r") as f:
        for split, ids in streams.items():
            n = len(ids) // (SEQ + 1) * (SEQ + 1)
            np.testing.assert_array_equal(f[split]["tokens"][:], np.array(ids[:n]))


def test_documents_and_tokens_reconcile(shard):
    docs, sp, out, stats = shard
    streams, starts = _streams(docs, sp)
    assert stats["docs_in"] == len(docs) + 1 and stats["skipped_empty"] == 1
    assert stats["docs_in"] == stats["skipped_empty"] + stats["train"]["docs"] + stats["eval"]["docs"]
    w = SEQ + 1
    for split, ids in streams.items():
        s = stats[split]
        n = len(ids) // w * w
        begin = starts[split]
        end = begin[1:] + [len(ids)]
        assert s["docs"] == len(begin) == s["docs_written"] + s["docs_dropped_at_end"]
        assert s["tokens_in"] == len(ids) == s["tokens"] + s["dropped_tokens"] and s["tokens"] == n
        assert s["docs_dropped_at_end"] == sum(b >= n for b in begin)
        assert s["docs_cut_at_end"] == sum(b < n < e for b, e in zip(begin, end))
        assert s["docs_split"] == sum(b // w != (e - 1) // w for b, e in zip(begin, end)) > 0
        with h5py.File(out, "r") as f:
            assert {k: int(f[split].attrs[k]) for k in ("docs", "docs_dropped_at_end", "docs_split")} == \
                {k: s[k] for k in ("docs", "docs_dropped_at_end", "docs_split")}
    assert stats["chars"]["train"] + stats["chars"]["eval"] == sum(map(len, docs))


def test_characters_written_as_unk_are_counted(shard):
    """The model has no byte fallback: newlines, Devanagari, emoji and rare kanji become <unk>. Each lost
    character of the normalised text (the "⁄" of ½ -> 1⁄2 too) is counted, checked one character at a
    time against sentencepiece."""
    docs, sp, _, stats = shard
    unk = sp.unk_id()

    def lost(c: str) -> bool:
        return unk in sp.encode(c)    # (a space is folded away, a newline is not a space here: <unk>)

    cache: dict[str, bool] = {}
    # (the model's own NFKC table, older than Unicode 12.1: it keeps ㋿, as <unk>)
    want = sum(cache.setdefault(c, lost(c)) for t in docs for c in sp.normalize(t))
    u = stats["unknown"]
    assert u["chars"] == want > 1000
    assert u["tokens"] == sum(sp.encode(t).count(unk) for t in docs)
    assert u["docs"] == sum(unk in sp.encode(t) for t in docs)
    top = dict(u["commonest"])
    assert any(unicodedata.name(c, "").startswith("DEVANAGARI") for c in top) and top["\n"] > 1000
    assert stats["tokenizer"] == {"normalization": "nfkc", "byte_fallback": False,
                                  "remove_extra_whitespaces": True, "add_dummy_prefix": True}


def test_documents_changed_by_normalisation_are_counted(shard):
    """NFKC and whitespace folding change the text (decode gives it back changed): every such
    document is counted (checked on the documents without <unk>, where decode shows the change)."""
    docs, sp, _, stats = shard
    unk = sp.unk_id()
    clean = [t for t in docs if unk not in sp.encode(t)]
    changed = sum(sp.decode(sp.encode(t)) != t for t in clean)
    n = stats["normalized"]
    assert changed > 0 and changed <= n["docs"] <= changed + stats["unknown"]["docs"]
    assert n["chars_before"] > 0 and n["chars_after"] > 0 and n["chars_before"] != n["chars_after"]


def test_the_quick_normalisation_check_counts_what_normalising_every_document_does(tmp_path):
    """Under the tokenizer stage's layout (NFKC, spaces kept) only the documents Python's NFKC
    quick check or the Unicode-version gaps point at are normalised by sentencepiece; the counts
    equal normalising every document: real readers' text as it comes (Aozora's is not in NFKC),
    the same in NFKC, and each with a code point the two NFKC versions map differently."""
    from jiniac_hpc.data.account import TextAccount, _normaliser, nfkc_gaps
    from jiniac_hpc.data.fixtures import train_tokenizer

    docs = _real_docs()
    model = train_tokenizer(tmp_path / "tok.model", docs, vocab_size=3000, project_layout=True)
    sp = spm.SentencePieceProcessor(model_file=str(model))
    settings, norm, quick, gaps = _normaliser(sp.serialized_model_proto())
    assert quick and settings["normalization"] == "nfkc" and settings["byte_fallback"]
    extra = []
    if gaps is not None:   # (none when Python's Unicode is as new as the model's table)
        first = next(c for c in gaps[0].pattern[1:] if c != "\\")
        assert gaps[0].fullmatch(first) and norm.normalize(first) != unicodedata.normalize("NFKC", first)
        extra = [d + first for d in docs[:5]]
    texts = [t.encode() for t in docs + [unicodedata.normalize("NFKC", d) for d in docs] + extra]
    account = TextAccount(sp)
    ids, lens = pretokenize.FlatEncoder(sp)(texts)
    chars = np.array([len(t.decode()) for t in texts])
    account.add(texts, chars, np.zeros(len(texts), bool), ids, lens)
    out = norm.normalize(texts)
    changed = [i for i, (a, b) in enumerate(zip(texts, out)) if a != b]
    n = account.stats()["normalized"]
    assert n["docs"] == len(changed) > 0 and len(changed) < len(docs) + len(extra)
    assert n["chars_before"] == sum(chars[changed]) and n["chars_after"] == sum(len(out[i].decode()) for i in changed)
    assert nfkc_gaps.cache_info().currsize >= 1


def test_normalisation_counts_do_not_depend_on_the_batching(tmp_path):
    """Fed in batches of every size and mix (all NFKC, one document not, documents in NFKC that
    would compose with their neighbour if a batch were checked as one text: か + a combining voiced
    mark, a Hangul lead + vowel jamo) the counts equal normalising each document by itself."""
    from jiniac_hpc.data.account import TextAccount, _normaliser
    from jiniac_hpc.data.fixtures import train_tokenizer

    docs = _real_docs()
    model = train_tokenizer(tmp_path / "tok.model", docs, vocab_size=3000, project_layout=True)
    sp = spm.SentencePieceProcessor(model_file=str(model))
    norm = _normaliser(sp.serialized_model_proto())[1]
    nfkc = [unicodedata.normalize("NFKC", d) for d in docs]
    edges = ["これはか", "\u3099と読む", "\u1100", "\u1161\u11a8", "ｶﾞ"]   # each alone: NFKC, NFKC, NFKC, NFKC, not
    assert [unicodedata.is_normalized("NFKC", e) for e in edges] == [True] * 4 + [False]
    texts = [t.encode() for t in nfkc[:40] + edges + nfkc[40:] + docs[:40]]
    out = norm.normalize(texts)
    changed = [i for i, (a, b) in enumerate(zip(texts, out)) if a != b]
    chars = np.array([len(t.decode()) for t in texts])
    for size in (1, 2, 3, 7, 64):
        account = TextAccount(sp)
        for start in range(0, len(texts), size):
            part = texts[start:start + size]
            ids, lens = pretokenize.FlatEncoder(sp)(part)
            account.add(part, chars[start:start + size], np.zeros(len(part), bool), ids, lens)
        n = account.stats()["normalized"]
        assert n["docs"] == len(changed) and n["chars_before"] == sum(chars[changed]), size
        assert n["chars_after"] == sum(len(out[i].decode()) for i in changed), size
