"""The pretokenize stage: packing, HDF5 format, train/eval split, markers, index, launch.

    .venv/bin/python -m pytest tests/test_data_tokenize.py -q

Inputs are real: JGLUE documents in corpus-stage shards and a small sentencepiece model
trained on them (jiniac_hpc.data.fixtures), built once per session.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import sentencepiece as spm

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, load_recipe
from jiniac_hpc.data import fixtures, pretokenize
from jiniac_hpc.data.config import TokenizeConfig
from jiniac_hpc.data.shards import ShardWriter, read_attrs, token_dtype

SEQ = 64


@pytest.fixture(scope="session")
def inputs(tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "jiniac-data-fixture"
    return fixtures.build(root)


def _cfg(corpus: Path, tok: Path, **kw) -> TokenizeConfig:
    base = dict(inputs=[str(corpus / "output" / "*" / "*.jsonl.zst")], tokenizer=str(tok), seq_len=SEQ,
                eval_fraction=0.1, chunk_tokens=4096, batch_docs=64, flush_tokens=5000)
    base.update(kw)
    return TokenizeConfig(**base)


@pytest.fixture(scope="session")
def tokenized(inputs, tmp_path_factory):
    corpus, tok = inputs
    run = tmp_path_factory.mktemp("tok-run")
    cfg = _cfg(corpus, tok)
    fixtures.run_inline(cfg, run)
    return cfg, run


def _docs(path: Path):
    return list(fileio.read_jsonl(path, text_key="text"))


def test_shards_hold_every_document_packed_with_eos(inputs, tokenized):
    corpus, tok = inputs
    cfg, run = tokenized
    sp = spm.SentencePieceProcessor(model_file=str(tok))
    sha = hashlib.sha256(tok.read_bytes()).hexdigest()
    src = sorted((corpus / "output").glob("*/*.jsonl.zst"))
    assert len(src) == 8
    for task, p in enumerate(src):
        out = pretokenize.output_path(run, p)
        source = p.parent.name
        streams = {"train": [], "eval": []}
        starts = {"train": [], "eval": []}
        for rec in _docs(p):
            split = "eval" if pretokenize.in_eval(rec["id"], 0.1, f"0\0{source}") else "train"
            starts[split].append(len(streams[split]))
            streams[split] += sp.encode(rec["text"]) + [sp.eos_id()]
        with h5py.File(out, "r") as f:
            assert f.attrs["source"] == source and f.attrs["lang"] == "ja"
            assert f.attrs["tokenizer_sha256"] == sha and f.attrs["seq_len"] == SEQ
            for split in ("train", "eval"):
                toks = f[split]["tokens"]
                assert toks.dtype == np.uint16 and toks.chunks == (4096,)
                n = len(streams[split]) // (SEQ + 1) * (SEQ + 1)
                assert toks.shape == (n,) and f[split].attrs["dropped_tokens"] == len(streams[split]) - n
                np.testing.assert_array_equal(toks[:], np.array(streams[split][:n]))
                assert f[split]["doc_offsets"][:].tolist() == [s for s in starts[split] if s < n]
        marker = fileio.result(run, "shards", task)    # the stats the task returned
        assert marker["tokenizer_sha256"] == sha and marker["source"] == source and marker["input"] == str(p)


def test_split_is_a_deterministic_hash_of_the_document(inputs, tokenized):
    corpus, _ = inputs
    ids = [rec["id"] for p in sorted((corpus / "output").glob("jsquad/*.jsonl.zst")) for rec in _docs(p)]
    held = [i for i in ids if pretokenize.in_eval(i, 0.1, "0\0jsquad")]
    assert 0.07 < len(held) / len(ids) < 0.13, len(held) / len(ids)
    assert held == [i for i in ids if pretokenize.in_eval(i, 0.1, "0\0jsquad")]
    other = [i for i in ids if pretokenize.in_eval(i, 0.1, "1\0jsquad")]   # split_seed=1
    assert other != held and abs(len(other) - len(held)) < 0.05 * len(ids)
    assert not any(pretokenize.in_eval(i, 0.0, "0\0jsquad") for i in ids)
    index = json.loads((tokenized[1] / "index.json").read_text())
    t = index["totals"]
    assert 0.05 < t["eval"]["tokens"] / (t["train"]["tokens"] + t["eval"]["tokens"]) < 0.15


def test_index_counts_per_shard_and_source(tokenized):
    cfg, run = tokenized
    index = json.loads((run / "index.json").read_text())
    assert index["seq_len"] == SEQ and index["vocab_size"] == 2000 and index["eos_id"] == 2
    assert sorted(index["sources"]) == ["jcqa", "jnli", "jsquad", "jsts"]
    for src, agg in index["sources"].items():
        mine = [s for s in index["shards"] if s["source"] == src]
        assert agg["shards"] == len(mine) == 2
        for split in ("train", "eval"):
            assert agg[split]["tokens"] == sum(s[split]["tokens"] for s in mine)
            assert agg[split]["seqs"] * (SEQ + 1) == agg[split]["tokens"]
    for s in index["shards"]:
        a = read_attrs(run / s["path"])
        assert a["train"]["seqs"] == s["train"]["seqs"] > 0


def test_relaunch_redoes_only_missing_shards(inputs, tmp_path):
    corpus, tok = inputs
    cfg = _cfg(corpus, tok)
    steps = fixtures.run_inline(cfg, tmp_path)
    assert steps[0].missing == list(range(8)) and steps[1].missing == [0]
    again = pretokenize.plan(cfg, tmp_path)
    assert again[0].missing == [] and again[1].missing == []
    victim = pretokenize.output_path(tmp_path, sorted((corpus / "output").glob("*/*.jsonl.zst"))[3])
    assert fileio.result(tmp_path, "shards", 3)["input"] == str(sorted((corpus / "output").glob("*/*.jsonl.zst"))[3])
    fileio.marker_path(tmp_path, "shards", 3).unlink()
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "shards").glob("*/*.h5") if p != victim}
    steps = fixtures.run_inline(cfg, tmp_path)
    assert steps[0].missing == [3] and steps[1].missing == [0]
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes       # the others were not rewritten
    assert pretokenize.plan(cfg, tmp_path)[1].missing == []


def test_index_refuses_shards_of_two_tokenizers(inputs, tmp_path):
    corpus, tok = inputs
    fixtures.run_inline(_cfg(corpus, tok), tmp_path)
    other = fixtures.train_tokenizer(tmp_path / "other" / "tokenizer.model",
                                     fixtures.jglue_texts()["jsquad"][:600], vocab_size=1200)
    cfg2 = _cfg(corpus, other)
    steps = pretokenize.plan(cfg2, tmp_path)
    assert steps[0].missing == list(range(8))       # shards of another tokenizer are not "done"
    fixtures.run_inline(cfg2, tmp_path, tasks=[0], index=False)
    outs = [pretokenize.output_path(tmp_path, p) for p in sorted((corpus / "output").glob("*/*.jsonl.zst"))]
    with pytest.raises(RuntimeError, match="2 different tokenizers"):
        pretokenize.build_index(tmp_path, outs)


TRICKY = ["東京都の山田太郎さん", "", " ", "\n\n", "絵文字😀と稀な字𪚲", "def f(x):\n    return x", "a" * 3000, "१२३ हिन्दी"]


@pytest.mark.parametrize("threads", [1, 2])
def test_flat_encoder_buffer_path_equals_encode(inputs, threads):
    sp = spm.SentencePieceProcessor(model_file=str(inputs[1]))
    texts = [t.encode() for t in TRICKY * 50]
    want = sp.encode(texts, add_eos=True)
    fast, lists = pretokenize.FlatEncoder(sp, threads), pretokenize.FlatEncoder(sp, threads, fast=False)
    assert fast.fast and not lists.fast      # the pinned sentencepiece has the buffer call
    for enc in (fast, lists):
        ids, lens = enc(texts)
        assert ids.dtype == np.int32 and lens.tolist() == [len(w) for w in want]
        assert ids.tolist() == [i for w in want for i in w]


class _WrongBuffers:
    """A processor whose internal buffer call answers differently from encode()."""

    def __init__(self, sp):
        self.sp = sp
        self._processor = type("P", (), {"_EncodeAsBufferBatch": staticmethod(lambda *a: [b"\0\0\0\0"] * len(a[0]))})()

    def __getattr__(self, name):
        return getattr(self.sp, name)


def test_flat_encoder_falls_back_when_the_buffer_call_disagrees(inputs):
    sp = spm.SentencePieceProcessor(model_file=str(inputs[1]))
    enc = pretokenize.FlatEncoder(_WrongBuffers(sp))
    assert not enc.fast
    ids, lens = enc([t.encode() for t in TRICKY])
    assert ids.tolist() == [i for w in sp.encode(TRICKY, add_eos=True) for i in w]


def test_buffer_and_list_paths_write_identical_shards(inputs, tmp_path):
    corpus, tok = inputs
    sp = spm.SentencePieceProcessor(model_file=str(tok))
    src = sorted((corpus / "output").glob("*/*.jsonl.zst"))[0]
    cfg = _cfg(corpus, tok)
    outs = [tmp_path / "fast.h5", tmp_path / "lists.h5"]
    stats = [pretokenize.tokenize_file(cfg, src, o, sp, "x", fast=f) for o, f in zip(outs, (True, False))]
    assert stats[0]["train"] == stats[1]["train"] and stats[0]["eval"] == stats[1]["eval"]
    with h5py.File(outs[0], "r") as a, h5py.File(outs[1], "r") as b:
        for split in ("train", "eval"):
            assert a[split]["tokens"].shape[0] > 0
            for name in ("tokens", "doc_offsets"):
                np.testing.assert_array_equal(a[split][name][:], b[split][name][:])


def test_uint32_when_the_vocabulary_does_not_fit(tmp_path):
    assert token_dtype(65536) == np.uint16 and token_dtype(65537) == np.uint32
    with pytest.raises(ValueError, match="uint16"):
        token_dtype(70000, "uint16")
    out = tmp_path / "s" / "big.h5"
    with ShardWriter(out, source="s", lang="ja", tokenizer_sha="x", seq_len=3, vocab_size=70000, eos_id=2) as w:
        w.add("train", [[69999, 65536, 5], [1, 2, 3, 4]])
    with h5py.File(out, "r") as f:
        assert f["train"]["tokens"].dtype == np.uint32
        assert f["train"]["tokens"][:].tolist() == [69999, 65536, 5, 2, 1, 2, 3, 4]   # 2 windows of 4, tail 3, 4, 2... dropped
        assert f["train"].attrs["dropped_tokens"] == 1 and f["train"]["doc_offsets"][:].tolist() == [0, 4]


def test_a_failed_write_leaves_no_file(tmp_path):
    out = tmp_path / "s" / "x.h5"
    with pytest.raises(ValueError, match="unknown split 'validation'"):
        with ShardWriter(out, source="s", lang="ja", tokenizer_sha="x", seq_len=3, vocab_size=100, eos_id=2) as w:
            w.add("train", [[1, 2, 3]])
            w.add("validation", [[1]])
    assert list(out.parent.iterdir()) == []


def test_bad_record_names_file_and_line(inputs, tmp_path):
    import zstandard

    corpus, tok = inputs
    bad = tmp_path / "output" / "bad" / "00000.jsonl.zst"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(zstandard.ZstdCompressor().compress(b'{"id": "1", "text": "ok"}\n{"id": "2"}\n'))
    cfg = _cfg(tmp_path, tok)
    with pytest.raises(ValueError, match=r"00000.jsonl.zst:2: expected an object with a string 'text'"):
        fixtures.run_inline(cfg, tmp_path / "run")


def test_an_empty_corpus_shard_gives_an_empty_token_shard(inputs, tmp_path):
    import zstandard

    corpus, tok = inputs
    empty = tmp_path / "output" / "quiet" / "00000.jsonl.zst"
    empty.parent.mkdir(parents=True)
    empty.write_bytes(zstandard.ZstdCompressor().compress(b""))
    fixtures.run_inline(_cfg(tmp_path, tok), tmp_path / "run")
    index = json.loads((tmp_path / "run" / "index.json").read_text())
    assert index["sources"]["quiet"]["train"] == {k: 0 for k in pretokenize.COUNTED}


def test_documents_without_id_are_split_by_their_text(inputs, tmp_path):
    import zstandard

    corpus, tok = inputs
    texts = fixtures.jglue_texts()["jsquad"][:300]
    shard = tmp_path / "output" / "anon" / "00000.jsonl.zst"
    shard.parent.mkdir(parents=True)
    lines = "".join(json.dumps({"text": t, "lang": "ja"}, ensure_ascii=False) + "\n" for t in texts)
    shard.write_bytes(zstandard.ZstdCompressor().compress(lines.encode()))
    fixtures.run_inline(_cfg(tmp_path, tok, eval_fraction=0.3), tmp_path / "run")
    sp = spm.SentencePieceProcessor(model_file=str(tok))
    held = [t for t in texts if pretokenize.in_eval(t, 0.3, "0\0anon")]
    assert 50 < len(held) < 130
    want = [i for t in held for i in sp.encode(t) + [sp.eos_id()]]
    with h5py.File(tmp_path / "run" / "shards" / "anon" / "00000.h5", "r") as f:
        got = f["eval"]["tokens"][:].tolist()
    assert got == want[:len(got)] and len(want) - len(got) < SEQ + 1


def test_plan_names_the_missing_input_and_its_producer(inputs, tmp_path, monkeypatch):
    corpus, tok = inputs
    monkeypatch.setenv("JINIAC_LOGS", str(tmp_path))
    cfg = load_recipe("pretokenize", TokenizeConfig, "debug")
    with pytest.raises(ConfigError, match=r"inputs: no file matches 'logs/corpus/debug/.*run jobs/corpus.py --recipe debug first"):
        pretokenize.plan(cfg, tmp_path / "pretokenize" / "debug")
    shutil.copytree(corpus, tmp_path / "corpus" / "debug")
    with pytest.raises(ConfigError, match=r"tokenizer: .*tokenizer/debug/tokenizer.model does not exist; "
                                          r"run jobs/tokenizer.py --recipe debug first"):
        pretokenize.plan(cfg, tmp_path / "pretokenize" / "debug")
    tiny = load_recipe("pretokenize", TokenizeConfig, "tiny")
    assert tiny.inputs == ["logs/corpus/tiny/output/*/*.jsonl.zst"] and tiny.seq_len == 256


REAL = Path(__file__).resolve().parent / "assets/corpus/real"


def test_plan_refuses_a_tokenizer_the_tasks_could_not_use(inputs, tmp_path):
    """A user's own tokenizer that the stage cannot encode with is refused when the stage is planned,
    in one line naming it: torchtitan's real HF tokenizer folder ("does not exist", though it does),
    its tokenizer.json and a sentencepiece model without EOS (both passed the plan, and every array
    task then failed on a compute node, the EOS one without naming the file)."""
    corpus, tok = inputs
    hf_dir = REAL / "torchtitan_hf_tokenizer"
    no_eos = tmp_path / "no_eos.model"      # (sentencepiece's own option, eos_id=-1)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(fixtures.jglue_texts()["jsquad"][:300]), vocab_size=2000, character_coverage=0.98,
                                   model_prefix=str(no_eos.with_suffix("")), eos_id=-1, minloglevel=2)
    for path, why in ((hf_dir, "is a folder; give the sentencepiece model file (the folder has no .model file)"),
                      (hf_dir / "tokenizer.json", "is not a sentencepiece model"),
                      (no_eos, "has no EOS piece")):
        with pytest.raises(ConfigError) as e:
            pretokenize.plan(_cfg(corpus, path), tmp_path / "run")
        assert str(e.value).startswith(f"tokenizer: {path} {why}") and "\n" not in str(e.value)
    assert not (tmp_path / "run" / pretokenize.INPUTS_FILE).exists()


def _stage_inputs(logs: Path, corpus: Path, tok: Path) -> None:
    shutil.copytree(corpus, logs / "corpus" / "debug", dirs_exist_ok=True)
    (logs / "tokenizer" / "debug").mkdir(parents=True, exist_ok=True)
    shutil.copy(tok, logs / "tokenizer" / "debug" / "tokenizer.model")


def test_launch_debug_recipe_locally(inputs, logs_dir):
    from jiniac_hpc.launch.runner import launch

    _stage_inputs(logs_dir, *inputs)
    res = launch("pretokenize", "debug", cluster="local")
    assert set(res.jobs) == {"shards", "index"} and len(res.jobs["shards"]) == 8
    index = json.loads((logs_dir / "pretokenize" / "debug" / "index.json").read_text())
    assert index["seq_len"] == 128 and len(index["shards"]) == 8 and index["totals"]["train"]["seqs"] > 1000
    again = launch("pretokenize", "debug", cluster="local")
    assert again.jobs == {} and again.skipped == ["shards", "index"]


@pytest.mark.slurm
def test_launch_debug_recipe_on_slurm(inputs, slurm_cluster, logs_dir):
    from jiniac_hpc.launch.runner import launch

    _stage_inputs(logs_dir, *inputs)
    res = launch("pretokenize", "debug", cluster=slurm_cluster)
    assert "#SBATCH --array=0-7%2" in res.scripts["shards"]
    results = res.wait(timeout_s=300)
    assert len(results["shards"]) == 8 and results["index"][0]["train"]["seqs"] > 1000
    assert (logs_dir / "pretokenize" / "debug" / "index.json").exists()
