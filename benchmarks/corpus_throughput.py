"""Corpus throughput per core: filter+PII and MinHash signatures vs. plain reading.

    python benchmarks/corpus_throughput.py            # JSQuAD contexts repeated to 50 MB
    python benchmarks/corpus_throughput.py --mb 5     # quicker

Everything runs in this one process (one core), on the same JSONL file of JSQuAD contexts
(real Japanese Wikipedia paragraphs) repeated to ``--mb`` MB of UTF-8 text:

* ``read``       the I/O baseline: read the lines and ``json.loads`` them (no regex, no filters);
* ``filter+pii`` read + NFKC/cleanup + language/quality filters + every PII type (fugashi names);
* ``minhash``    read + datasketch MinHash signatures over character 5-gram shingles (128 perm).

Printed: documents/s and MB/s per core for each, and each one's ratio to the baseline.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jiniac_hpc.corpus.config import DedupConfig, FilterConfig, SourceConfig  # noqa: E402
from jiniac_hpc.paths import jglue_dir  # noqa: E402


def make_input(path: Path, mb: float) -> tuple[int, int]:
    data = json.loads((jglue_dir() / "jsquad-v1.3-valid.json").read_text(encoding="utf-8"))
    contexts = [p["context"].replace(" [SEP] ", "\n", 1) for a in data["data"] for p in a["paragraphs"]]
    target, size, docs = int(mb * 1e6), 0, 0
    with open(path, "w", encoding="utf-8") as fh:
        while size < target:
            for c in contexts:
                fh.write(json.dumps({"text": c}, ensure_ascii=False) + "\n")
                size += len(c.encode("utf-8"))
                docs += 1
                if size >= target:
                    break
    return docs, size


def texts(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["text"]


def bench_read(path: Path) -> int:
    n = 0
    for t in texts(path):
        n += len(t)
    return n


def bench_filter_pii(path: Path) -> int:
    from jiniac_hpc.corpus.filters import clean, reject_reason
    from jiniac_hpc.corpus.pii import ORDER, scrub_pii_counts

    src = SourceConfig(name="bench", reader="jsonl", paths=["-"], lang="ja", pii=list(ORDER))
    th = FilterConfig(min_chars=30)
    kept = 0
    for t in texts(path):
        t = clean(t, src)
        if reject_reason(t, "ja", src.filters, th) is None:
            scrub_pii_counts(t, src.pii)
            kept += 1
    return kept


def bench_minhash(path: Path, chunk: int = 4096) -> int:
    from jiniac_hpc.corpus.dedup import minhashes

    cfg, n, batch = DedupConfig(), 0, []
    for t in texts(path):
        batch.append(t)
        if len(batch) == chunk:
            n += len(minhashes(batch, cfg))
            batch = []
    return n + (len(minhashes(batch, cfg)) if batch else 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=50.0, help="MB of text (default 50, as the issue asks)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jsquad_repeated.jsonl"
        docs, size = make_input(path, a.mb)
        print(f"input: {docs} documents, {size / 1e6:.1f} MB UTF-8 text (JSQuAD contexts repeated), "
              f"1 process, cpu {os.cpu_count()} visible", flush=True)
        rows = []
        for name, fn in (("read (baseline)", bench_read), ("filter+pii", bench_filter_pii),
                         ("minhash", bench_minhash)):
            t0 = time.process_time()
            w0 = time.perf_counter()
            fn(path)
            cpu, wall = time.process_time() - t0, time.perf_counter() - w0
            rows.append((name, docs / cpu, size / 1e6 / cpu, wall))
            print(f"  {name:16s} done in {wall:.1f}s wall, {cpu:.1f}s cpu", flush=True)
    base = rows[0]
    print(f"\n{'step':16s} {'docs/s/core':>12s} {'MB/s/core':>10s} {'vs read':>9s}")
    for name, dps, mbs, _ in rows:
        print(f"{name:16s} {dps:12,.0f} {mbs:10.2f} {mbs / base[2]:8.4f}x")
    print("\n(per core = per CPU-second of this process; the ratio is the step's speed over plain reading)")


if __name__ == "__main__":
    main()
