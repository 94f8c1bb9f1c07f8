"""Pre-tokenization throughput vs bare ``sentencepiece.encode``, and the HDF5 compression trade-off.

    .venv/bin/python benchmarks/tokenize_throughput.py [--mb 8] [--vocab 12000 | --tokenizer logs/tokenizer/debug/tokenizer.model]

Part 1 (target: the whole task at >= 80% of bare encode speed). Same text, same process, one
core each, runs in shuffled rounds, best of ``--reps``, CPU time of this process (the machine may be shared):
  - bare: ``sp.encode(utf8_texts, num_threads=1, add_eos=True)`` on the documents already in
    memory as UTF-8 bytes (what sentencepiece works on), in both of its id output types:
    Python int lists (``out_type=int``, the default) and numpy arrays (``out_type="numpy"``);
    the baseline is the faster of the two, result freed inside the timing;
  - floor: the internal C++ call behind ``out_type="numpy"`` (one buffer per text, no numpy
    objects), which the task uses (``FlatEncoder``): the encoder alone, for reference;
  - task: ``tokenize_file``: read .jsonl.zst, parse JSON, hash the train/eval split, encode,
    append EOS, pack to seq_len + 1 and write the HDF5 shard (rename + stats included);
  - task (lists): the same with ``FlatEncoder(fast=False)``, the int-list path.

Part 2: the same shard written with each storage layout: file size, write time, and random reads
of one sample (what the training loader does), against the uncompressed chunked default.

Text: JGLUE validation documents (jiniac_hpc.data.fixtures), repeated to ``--mb`` MB with distinct
ids, in NFKC as the corpus stage writes them (``--raw-text``: as JGLUE has them; the task then
normalises most documents once more to count what the tokenizer's normaliser changes). Without
``--tokenizer`` a ``--vocab``-piece fixture tokenizer in the tokenizer stage's layout (NFKC,
spaces kept, byte fallback) is trained first on every other document (a few seconds), and its
characters per token on the other half are printed; ``--sentencepiece-defaults`` trains it with
sentencepiece's own defaults instead (whitespace folded, no byte fallback: the task counts the
characters behind every <unk>, as for an outside model). The ratio
depends on the tokenizer: the task's own costs (reading JSON, writing HDF5) scale with bytes, the
encoder's with the pieces it tries per character, which grow with the vocabulary. The default,
12,000 pieces (the characters per token it prints are near a production tokenizer's
compression), is the largest this text supports; ``--vocab 2000`` or the debug recipe's 5,120-piece
tokenizer show the small-vocabulary worst case.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import sentencepiece as spm  # noqa: E402

from jiniac_hpc import fileio  # noqa: E402
from jiniac_hpc.data import fixtures  # noqa: E402
from jiniac_hpc.data.config import TokenizeConfig  # noqa: E402
from jiniac_hpc.data.dataset import PackedDataset  # noqa: E402
from jiniac_hpc.data.pretokenize import FlatEncoder, build_index, tokenize_file  # noqa: E402


def make_corpus(root: Path, mb: float, doc_chars: int = 0, name: str = "jglue",
                raw: bool = False) -> tuple[Path, list[str]]:
    """One corpus shard of ``mb`` MB; ``doc_chars`` > 0 joins consecutive texts into documents of
    at least that many characters (web pages run to thousands of characters, JGLUE items ~100).
    The texts are in NFKC, as the corpus stage writes them, unless ``raw``."""
    docs = [t if raw else unicodedata.normalize("NFKC", t) for v in fixtures.jglue_texts().values() for t in v]
    size = sum(len(t.encode()) for t in docs)
    reps = max(1, round(mb * 1e6 / size))
    texts = docs * reps
    if doc_chars:
        joined, cur = [], []
        for t in texts:
            cur.append(t)
            if sum(map(len, cur)) >= doc_chars:
                joined.append("\n".join(cur))
                cur = []
        texts = joined + (["\n".join(cur)] if cur else [])
    import zstandard

    path = root / "corpus" / "output" / name / "00000.jsonl.zst"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps({"id": f"{name}-{i}", "text": t, "source": name, "lang": "ja"}, ensure_ascii=False)
                    + "\n" for i, t in enumerate(texts))
    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(lines.encode()))
    return path, texts


def random_reads(index: Path, n: int, seed: int = 0) -> float:
    """Samples/s reading random items in one process (fresh handles, page cache warm)."""
    ds = PackedDataset(index)
    idx = np.random.default_rng(seed).integers(0, len(ds), size=n)
    ds[0]
    t = time.process_time()
    for i in idx:
        ds[int(i)]
    return n / (time.process_time() - t)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=8.0, help="MB of UTF-8 text")
    ap.add_argument("--tokenizer", default=None, help="a sentencepiece model (default: train a fixture one)")
    ap.add_argument("--vocab", type=int, default=12000, help="pieces of the fixture tokenizer")
    ap.add_argument("--seq-len", type=int, default=4096)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--doc-chars", type=int, default=2000, help="length of the joined (web-like) documents")
    ap.add_argument("--raw-text", action="store_true", help="JGLUE's text as it is, not in NFKC")
    ap.add_argument("--sentencepiece-defaults", action="store_true",
                    help="train the fixture tokenizer with sentencepiece's defaults, not the stage's layout")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/tmp")) as d:
        root = Path(d)
        docs = [t for v in fixtures.jglue_texts().values() for t in v]
        tok = Path(args.tokenizer) if args.tokenizer else fixtures.train_tokenizer(
            root / "tok" / "tokenizer.model", docs[::2], vocab_size=args.vocab,
            project_layout=not args.sentencepiece_defaults)
        sp = spm.SentencePieceProcessor(model_file=str(tok))
        held_out = docs if args.tokenizer else docs[1::2]
        which = "JGLUE documents" if args.tokenizer else "JGLUE documents the fixture tokenizer did not see"
        print(f"characters per token on {len(held_out)} {which}: "
              f"{sum(map(len, held_out)) / sum(map(len, sp.encode(held_out))):.2f}")
        sha = fileio.sha256_file(tok)
        print(f"tokenizer {tok.name} ({sp.get_piece_size()} pieces); seq_len {args.seq_len}; "
              f"1 core each, runs in shuffled rounds, best of {args.reps}")
        base_cfg = TokenizeConfig(inputs=["x"], tokenizer=str(tok), seq_len=args.seq_len)
        print("\n== tokenization throughput: whole task vs bare sp.encode on the same text ==")
        print(f"  {'documents':30s} {'docs':>6s} {'MB':>4s} | Mtok/s: {'bare int':>8s} {'bare np':>8s} {'floor':>6s} "
              f"{'task':>6s} {'(lists)':>7s} | {'task/bare':>9s} {'task/floor':>10s}")
        encoder = FlatEncoder(sp)
        floor = encoder.buffers
        if not encoder.fast:      # an older sentencepiece: the task itself uses int lists then
            print("  (this sentencepiece has no buffer encode call; 'floor' is the numpy output type)")
            floor = lambda texts: sp.encode(texts, num_threads=1, add_eos=True, out_type="numpy")  # noqa: E731
        for label, doc_chars, name in (("JGLUE items as they are", 0, "short"),
                                       (f"joined to >= {args.doc_chars} chars", args.doc_chars, "long")):
            src, texts = make_corpus(root, args.mb, doc_chars, name, args.raw_text)
            utf8 = [t.encode() for t in texts]      # sentencepiece's own input format, ready in memory
            n_tokens = sum(len(x) for x in sp.encode(utf8, num_threads=1))
            runs = {
                "bare int": lambda: sp.encode(utf8, num_threads=1, add_eos=True),
                "bare np": lambda: sp.encode(utf8, num_threads=1, add_eos=True, out_type="numpy"),
                "floor": lambda: floor(utf8),
                "task": lambda: tokenize_file(base_cfg, src, root / "run" / name / "fast.h5", sp, sha),
                "task lists": lambda: tokenize_file(base_cfg, src, root / "run" / name / "lists.h5", sp, sha, fast=False),
            }
            best = {k: float("inf") for k in runs}
            # Each round runs every variant once, in a shuffled order, so that no variant always
            # starts from the heap the same other variant left behind; the best round counts.
            order = list(runs)
            for r in range(args.reps):
                random.Random(r).shuffle(order)
                for k in order:
                    t = time.process_time()
                    result = runs[k]()
                    del result                       # freeing the result is part of using it
                    best[k] = min(best[k], time.process_time() - t)
            tps = {k: n_tokens / v for k, v in best.items()}
            bare = max(tps["bare int"], tps["bare np"])
            mb = sum(len(t.encode()) for t in texts) / 1e6
            print(f"  {label:30s} {len(texts):6d} {mb:4.1f} |         {tps['bare int'] / 1e6:8.2f} "
                  f"{tps['bare np'] / 1e6:8.2f} {tps['floor'] / 1e6:6.2f} {tps['task'] / 1e6:6.2f} "
                  f"{tps['task lists'] / 1e6:7.2f} | {tps['task'] / bare:9.1%} {tps['task'] / tps['floor']:10.1%}")
            stats = tokenize_file(base_cfg, src, root / "run" / name / "check.h5", sp, sha)
            kept = sum(stats[s]["tokens"] + stats[s]["dropped_tokens"] for s in ("train", "eval"))
            assert kept == n_tokens + stats["train"]["docs"] + stats["eval"]["docs"], "the task lost tokens"
        print("  target: task/bare >= 80% (bare: the faster sp.encode output type)")

        # ---- part 2: storage layouts ---------------------------------------------------------
        layouts = [("chunked 64K, none (default)", dict(chunk_tokens=1 << 16)),
                   ("contiguous (memmap reads)", dict(chunk_tokens=None)),
                   ("chunked 16K, none", dict(chunk_tokens=1 << 14)),
                   ("chunked 64K, lzf", dict(chunk_tokens=1 << 16, compression="lzf")),
                   ("chunked 64K, gzip-1", dict(chunk_tokens=1 << 16, compression="gzip", compression_level=1)),
                   ("chunked 16K, gzip-4", dict(chunk_tokens=1 << 14, compression="gzip", compression_level=4))]
        print("\n== storage layouts (same shard; random single-sample reads, 1 process) ==")
        print(f"  {'layout':30s} {'size MB':>8s} {'size':>7s} {'task s':>7s} {'reads/s':>9s} {'reads':>7s}")
        ref_size = ref_reads = None
        for name, kw in layouts:
            cfg = TokenizeConfig(inputs=["x"], tokenizer=str(tok), seq_len=args.seq_len, **kw)
            run = root / "layout" / name.split()[0] / name.replace(" ", "_").replace(",", "").replace("(", "").replace(")", "")
            out = run / "shards" / "jglue" / "00000.h5"
            t = time.process_time()
            tokenize_file(cfg, src, out, sp, sha)      # src: the web-like shard of part 1
            secs = time.process_time() - t
            (run / "index.json").write_text(json.dumps(build_index(run, [out])))
            size = out.stat().st_size / 1e6
            reads = random_reads(run / "index.json", 2000)
            ref_size, ref_reads = ref_size or size, ref_reads or reads
            print(f"  {name:30s} {size:8.2f} {size / ref_size:7.2f}x {secs:7.2f} {reads:9.0f} {reads / ref_reads:6.2f}x")


if __name__ == "__main__":
    main()
