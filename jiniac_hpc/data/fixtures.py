"""Small real inputs for tests and benchmarks: corpus shards and a tokenizer from JGLUE text.

    python -m jiniac_hpc.data.fixtures /tmp/jiniac-fixture     # writes corpus/ and tokenizer.model

The corpus and tokenizer stages produce these in a real run; tests of the data stage must not
depend on them, so they build the same formats here: ``<dir>/corpus/output/<source>/NNNNN.jsonl.zst``
(records with id, text, source, lang) and a sentencepiece model with ``<unk>``=0, ``<s>``=1,
``</s>``=2, ``<pad>``=3 like the project tokenizer.
"""
from __future__ import annotations

import sys
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.paths import jglue_dir
from jiniac_hpc.tokenizer.inputs import read_jsquad


def jglue_texts() -> dict[str, list[str]]:
    """Japanese documents per JGLUE set (validation splits, CC BY-SA 4.0), deduplicated."""
    d = jglue_dir()
    out: dict[str, list[str]] = {}
    out["jsquad"] = list(dict.fromkeys(read_jsquad(d / "jsquad-v1.3-valid.json")))
    for name, fname in (("jnli", "jnli-v1.3-valid.json"), ("jsts", "jsts-v1.3-valid.json")):
        rows = list(fileio.read_jsonl(d / fname))
        out[name] = list(dict.fromkeys(f"{r['sentence1']}\n{r['sentence2']}" for r in rows))
    rows = fileio.read_jsonl(d / "jcommonsenseqa-v1.3-valid.json")
    out["jcqa"] = list(dict.fromkeys(r["question"] + " " + "、".join(r[f"choice{i}"] for i in range(5)) for r in rows))
    return out


def write_corpus(root: Path, docs: dict[str, list[str]], shards_per_source: int = 2, repeat: int = 1) -> list[Path]:
    """Corpus-stage layout under ``root/output/<source>/``; returns the shard paths."""
    paths = []
    for source, texts in docs.items():
        texts = texts * repeat
        for k in range(shards_per_source):
            p = Path(root) / "output" / source / f"{k:05d}.jsonl.zst"
            fileio.write_jsonl(p, ({"id": f"{source}-{k}-{i}", "text": t, "source": source, "lang": "ja"}
                                   for i, t in enumerate(texts[k::shards_per_source])))
            paths.append(p)
    return paths


def train_tokenizer(path: Path, texts: list[str], vocab_size: int = 2000, project_layout: bool = False) -> Path:
    """A small unigram sentencepiece model with the project's special-token ids. ``project_layout``
    also normalises as the tokenizer stage's models do (NFKC, spaces kept, no dummy prefix) and
    has byte fallback; without it, sentencepiece's defaults (NMT NFKC, whitespace folded) and
    characters below the coverage written as <unk>."""
    import sentencepiece as spm

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    layout = (dict(byte_fallback=True, normalization_rule_name="nfkc", remove_extra_whitespaces=False,
                   add_dummy_prefix=False, character_coverage=0.9995) if project_layout else
              dict(character_coverage=0.98))
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_prefix=str(path.with_suffix("")), vocab_size=vocab_size,
        model_type="unigram", unk_id=0, bos_id=1, eos_id=2, pad_id=3, **layout,
        input_sentence_size=20000, shuffle_input_sentence=True, num_threads=1, minloglevel=2)
    return path


def build(root: Path, vocab_size: int = 2000, shards_per_source: int = 2) -> tuple[Path, Path]:
    """(corpus run_dir, tokenizer.model) under ``root``; reused if already there."""
    root = Path(root)
    tok = root / "tokenizer" / "tokenizer.model"
    corpus = root / "corpus"
    docs = jglue_texts()
    if not tok.exists():
        train_tokenizer(tok, [t for v in docs.values() for t in v], vocab_size)
    if not (corpus / "output").exists():
        write_corpus(corpus, docs, shards_per_source)
    return corpus, tok


def run_inline(cfg, run_dir: Path, tasks: list[int] | None = None, index: bool = True) -> list:
    """Run the pretokenize stage's missing tasks (or only shard ``tasks``; the index step unless
    ``index=False``) in this process, marking each as the executor does; returns the plan's steps."""
    import dataclasses

    from jiniac_hpc.cluster import ClusterProfile
    from jiniac_hpc.data import pretokenize
    from jiniac_hpc.job.step import run_inline as run_steps

    steps = pretokenize.plan(cfg, run_dir)
    todo = list(steps) if index else steps[:1]
    if tasks is not None:
        todo[0] = dataclasses.replace(steps[0], done=[i not in tasks for i in range(steps[0].tasks)])
    run_steps("pretokenize", cfg, run_dir, todo, ClusterProfile(name="local", executor="local"))
    return steps


def synthetic_index(run_dir: Path, sizes: dict[str, int], seq_len: int, *, shards_per_source: int = 2,
                    eval_sizes: dict[str, int] | None = None, fill: str = "id", vocab_size: int = 1 << 20,
                    seed: int = 0, **writer_kw) -> Path:
    """An index of HDF5 shards with exactly ``sizes[source]`` train samples, without a tokenizer.

    ``fill="id"``: every token of train sample ``i`` (global dataset index) is ``i + 10``, so a
    batch tells which samples it holds; ``fill="random"``: random tokens (I/O benchmarks).
    """
    import numpy as np

    from jiniac_hpc.data.pretokenize import INDEX_FILE, build_index
    from jiniac_hpc.data.shards import ShardWriter

    run_dir = Path(run_dir)
    rng = np.random.default_rng(seed)
    eval_sizes = eval_sizes or {}
    outs, counter = [], 0
    for src in sorted(sizes):
        for k in range(shards_per_source):
            n = len(range(k, sizes[src], shards_per_source))
            n_eval = len(range(k, eval_sizes.get(src, 0), shards_per_source))
            out = run_dir / "shards" / src / f"{k:05d}.h5"
            with ShardWriter(out, source=src, lang="ja", tokenizer_sha="synthetic", seq_len=seq_len,
                             vocab_size=vocab_size, eos_id=2, **writer_kw) as w:
                for split, count in (("train", n), ("eval", n_eval)):
                    if fill == "id":
                        base = counter if split == "train" else 0
                        docs = [[base + j + 10] * seq_len for j in range(count)]
                    else:
                        docs = rng.integers(4, min(vocab_size, 60000), size=(count, seq_len)).tolist()
                    w.add(split, docs)
            counter += n
            outs.append(out)
    fileio.write_json(run_dir / INDEX_FILE, build_index(run_dir, outs), indent=None)
    return run_dir / INDEX_FILE


if __name__ == "__main__":
    c, t = build(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/jiniac-fixture"))
    print(f"corpus: {c}/output/*/*.jsonl.zst\ntokenizer: {t}")
