"""Corpus throughput per core: filter+PII and MinHash signatures vs. plain reading; PII quality.

    python benchmarks/corpus_throughput.py                 # JSQuAD contexts repeated to 50 MB
    python benchmarks/corpus_throughput.py --mb 5 --rounds 3

Everything runs in this one process (one core), on the same JSONL file of JSQuAD contexts
(real Japanese Wikipedia paragraphs) repeated to ``--mb`` MB of UTF-8 text:

* ``read``             the I/O baseline: read the lines and ``json.loads`` them;
* ``filter+pii full``  read + cleanup + filters + every PII type, person names by MeCab on every
                       sentence (``fast=False``: the analysis the names used to get everywhere);
* ``filter+pii``       the same with the cheap pass: MeCab only on the candidate windows;
* ``  cold cache``     the cheap pass on the first copy of the contexts with an empty run cache
                       (the repeated input would otherwise answer every run from the cache);
* ``minhash``          read + datasketch MinHash signatures over character 5-gram shingles.

Each is timed ``--rounds`` times (CPU seconds of this process); printed are docs/s and MB/s per
core (median, and the range over rounds) and the ratio to the baseline. Then: how many names the
cheap pass found against the full analysis on the unique contexts, and precision/recall of both
on the hand-labelled set tests/assets/corpus/pii_real/labelled.jsonl.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jiniac_hpc.corpus.config import DedupConfig, FilterConfig, SourceConfig  # noqa: E402
from jiniac_hpc.paths import jglue_dir  # noqa: E402


def make_input(path: Path, mb: float) -> tuple[int, int, int, int]:
    """Write the contexts repeated to ``mb`` MB; returns docs, bytes, and the unique docs and bytes."""
    data = json.loads((jglue_dir() / "jsquad-v1.3-valid.json").read_text(encoding="utf-8"))
    contexts = [p["context"].replace(" [SEP] ", "\n", 1) for a in data["data"] for p in a["paragraphs"]]
    unique = sum(len(c.encode("utf-8")) for c in contexts)
    target, size, docs = int(mb * 1e6), 0, 0
    with open(path, "w", encoding="utf-8") as fh:
        while size < target:
            for c in contexts:
                fh.write(json.dumps({"text": c}, ensure_ascii=False) + "\n")
                size += len(c.encode("utf-8"))
                docs += 1
                if size >= target:
                    break
    return docs, size, min(docs, len(contexts)), min(size, unique)


def texts(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["text"]


def bench_read(path: Path) -> int:
    n = 0
    for t in texts(path):
        n += len(t)
    return n


def bench_filter_pii(path: Path, fast: bool = True, limit: Optional[int] = None) -> int:
    from jiniac_hpc.corpus.filters import clean, reject_reason
    from jiniac_hpc.corpus.pii import ORDER, scrub_pii_counts

    src = SourceConfig(name="bench", reader="jsonl", paths=["-"], lang="ja", pii=list(ORDER))
    th = FilterConfig(min_chars=30)
    kept = 0
    for i, t in enumerate(texts(path)):
        if limit is not None and i >= limit:
            break
        t = clean(t, src)
        if reject_reason(t, "ja", src.filters, th) is None:
            scrub_pii_counts(t, src.pii, fast=fast)
            kept += 1
    return kept


def name_agreement(path: Path, n: int) -> tuple[int, int, int]:
    """Names found by the full analysis, by the cheap pass, and by both, on the first ``n`` docs."""
    from jiniac_hpc.corpus.names import person_spans

    full = fast = both = 0
    for i, t in enumerate(texts(path)):
        if i >= n:
            break
        a, b = set(person_spans(t, fast=False)), set(person_spans(t))
        full, fast, both = full + len(a), fast + len(b), both + len(a & b)
    return full, fast, both


def bench_minhash(path: Path, chunk: int = 4096) -> int:
    from jiniac_hpc.corpus.dedup import minhashes

    cfg, n, batch = DedupConfig(), 0, []
    for t in texts(path):
        batch.append(t)
        if len(batch) == chunk:
            n += len(minhashes(batch, cfg))
            batch = []
    return n + (len(minhashes(batch, cfg)) if batch else 0)


def timed(fn, rounds: int, before=None) -> list[tuple[float, float]]:
    """(cpu seconds, wall seconds) per round; ``before`` runs untimed ahead of each round."""
    out = []
    for _ in range(rounds):
        if before:
            before()
        t0, w0 = time.process_time(), time.perf_counter()
        fn()
        out.append((time.process_time() - t0, time.perf_counter() - w0))
    return out


def main() -> None:
    from jiniac_hpc.corpus import names

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=50.0, help="MB of text (default 50)")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per step (default 3)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jsquad_repeated.jsonl"
        docs, size, unique_docs, unique_size = make_input(path, a.mb)
        print(f"input: {docs} documents, {size / 1e6:.1f} MB UTF-8 text (JSQuAD contexts repeated; "
              f"{unique_docs} unique, {unique_size / 1e6:.2f} MB), 1 process, cpu {os.cpu_count()} visible, "
              f"{a.rounds} rounds", flush=True)
        steps = [("read (baseline)", lambda: bench_read(path), docs, size, None),
                 ("filter+pii full", lambda: bench_filter_pii(path, fast=False), docs, size, None),
                 ("filter+pii", lambda: bench_filter_pii(path), docs, size, None),
                 ("  cold cache", lambda: bench_filter_pii(path, limit=unique_docs), unique_docs, unique_size,
                  names.clear_run_cache),
                 ("minhash", lambda: bench_minhash(path), docs, size, None)]
        rows = []
        for name, fn, n_docs, n_bytes, before in steps:
            runs = timed(fn, a.rounds, before)
            mbs = sorted(n_bytes / 1e6 / cpu for cpu, _ in runs)
            rows.append((name, n_docs / (n_bytes / 1e6 / mbs[len(mbs) // 2]), mbs))
            print(f"  {name:16s} {sum(w for _, w in runs):.1f}s wall, {sum(c for c, _ in runs):.1f}s cpu", flush=True)
        full, fast, both = name_agreement(path, unique_docs)
    base = statistics.median(rows[0][2])
    print(f"\n{'step':16s} {'docs/s/core':>12s} {'MB/s/core':>10s} {'range':>15s} {'vs read':>9s}")
    for name, dps, mbs in rows:
        med = statistics.median(mbs)
        print(f"{name:16s} {dps:12,.0f} {med:10.2f} {mbs[0]:7.2f}-{mbs[-1]:<7.2f} {med / base:8.4f}x")
    full_mbs, fast_mbs = statistics.median(rows[1][2]), statistics.median(rows[2][2])
    print(f"\nfilter+pii with the cheap pass: {fast_mbs / full_mbs:.1f}x the full analysis "
          f"({full_mbs:.2f} -> {fast_mbs:.2f} MB/s per core)")
    print(f"names on the unique contexts: full analysis {full}, cheap pass {fast}, both {both} "
          f"(cheap pass missed {full - both}, added {fast - both})")
    labelled = Path(__file__).resolve().parents[1] / "tests" / "assets" / "corpus" / "pii_real" / "labelled.jsonl"
    for mode, fast_mode in (("full analysis", False), ("cheap pass", True)):
        q = names.evaluate(labelled, fast=fast_mode)
        print(f"labelled set, {mode:13s}: precision {q['precision']:.3f} recall {q['recall']:.3f} "
              f"(tp {q['tp']}, fp {q['fp']}, fn {q['fn']})")
    print("\n(per core = per CPU-second of this process; the ratio is the step's speed over plain reading)")


if __name__ == "__main__":
    main()
