"""Corpus throughput per core on unseen Japanese text: filter+PII cold and warm, MinHash, plain reading.

    python benchmarks/corpus_throughput.py                 # every unique text once, 5 rounds
    python benchmarks/corpus_throughput.py --rounds 3 --skip-full

The input is real Japanese text, each document once (nothing repeats, so no cache can answer
from an earlier copy): the JSQuAD contexts (Japanese Wikipedia paragraphs), the JCommonsenseQA
questions and the JNLI / JSTS sentences (deduplicated, grouped ten to a document) of JGLUE v1.3
validation, plus the real samples under tests/assets/corpus/: e-Gov law XML, Aozora Bunko
files and Kokkai speeches through their own readers, and the law, ruling and Diet excerpts of
pii_real/. Everything runs in this one process (one core):

* ``read``              the I/O baseline: read the lines and ``json.loads`` them;
* ``filter+pii full``   read + cleanup + filters + every PII type, person names by MeCab on every
                        sentence (``fast=False``): the baseline the cheap pass is measured against;
* ``filter+pii cold``   the same with the cheap pass (MeCab only on candidate windows), the run
                        cache emptied before each round: the headline, what unseen text costs;
* ``filter+pii warm``   the cheap pass again over the same input with the cache it filled;
* ``minhash``           read + datasketch MinHash signatures over character 5-gram shingles.

Each step is timed ``--rounds`` times. MB/s per core is computed from the CPU seconds of this
process (``time.process_time``: the machine is shared, wall time measures the neighbours too);
wall MB/s is printed beside it. Printed: the median and the range over rounds, CPU seconds per
MB, and the ratios cold / full and cold / read. Then how many names the cheap pass found against
the full analysis on this input, and precision/recall of both on the hand-labelled set
tests/assets/corpus/pii_real/labelled.jsonl.
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
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jiniac_hpc.corpus.config import CorpusConfig, DedupConfig, FilterConfig, SourceConfig  # noqa: E402
from jiniac_hpc.paths import jglue_dir  # noqa: E402

ASSETS = ROOT / "tests" / "assets" / "corpus"


def _jsonl(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def jglue_texts() -> list[str]:
    """JSQuAD contexts, then JCommonsenseQA questions and JNLI/JSTS sentences ten to a document."""
    d = jglue_dir()
    squad = json.loads((d / "jsquad-v1.3-valid.json").read_text(encoding="utf-8"))
    docs = [p["context"].replace(" [SEP] ", "\n", 1) for a in squad["data"] for p in a["paragraphs"]]
    for name, keys in (("jcommonsenseqa", ("question",)), ("jnli", ("sentence1", "sentence2")),
                       ("jsts", ("sentence1", "sentence2"))):
        lines = [r[k] for r in _jsonl(d / f"{name}-v1.3-valid.json") for k in keys]
        lines = list(dict.fromkeys(lines))
        docs += ["\n".join(lines[i:i + 10]) for i in range(0, len(lines), 10)]
    return docs


def sample_texts() -> list[str]:
    """The real samples of tests/assets/corpus, read by the project's own readers."""
    from jiniac_hpc.corpus.readers import read

    docs = [p.read_text(encoding="utf-8") for p in sorted((ASSETS / "pii_real").glob("*.txt"))]
    for reader, pattern in (("egov_xml", "egov_*.xml"), ("aozora", "aozora_*.txt"), ("diet", "kokkai_*.json*")):
        src = SourceConfig(name="bench", reader=reader, paths=["-"], lang="ja")
        n = len(docs)
        for path in sorted((ASSETS / "real").glob(pattern)):   # (the API error samples give no text)
            docs += [r.text for r in read(path, src, CorpusConfig.max_record_bytes) if r.text and not r.skip]
        if len(docs) == n:   # a reader that reads none of its samples is a broken input, not one to skip
            raise SystemExit(f"benchmark input: no document from {pattern} through reader {reader}")
    return docs


def make_input(path: Path) -> tuple[int, int]:
    """Write every unique document once as JSONL; returns docs and UTF-8 bytes of text."""
    docs = list(dict.fromkeys(jglue_texts() + sample_texts()))
    with open(path, "w", encoding="utf-8") as fh:
        for t in docs:
            fh.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    return len(docs), sum(len(t.encode("utf-8")) for t in docs)


def texts(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["text"]


def bench_read(path: Path) -> int:
    n = 0
    for t in texts(path):
        n += len(t)
    return n


def bench_filter_pii(path: Path, fast: bool = True) -> int:
    from jiniac_hpc.corpus.filters import clean, reject_reason
    from jiniac_hpc.corpus.pii import ORDER, scrub_pii_counts

    src = SourceConfig(name="bench", reader="jsonl", paths=["-"], lang="ja", pii=list(ORDER))
    th = FilterConfig(min_chars=30)
    kept = 0
    for t in texts(path):
        t = clean(t, src)
        if reject_reason(t, "ja", src.filters, th) is None:
            scrub_pii_counts(t, src.pii, fast=fast)
            kept += 1
    return kept


def warm_up() -> None:
    """What every process pays once, before any document: MeCab's dictionary, the filters' table,
    the PII module's compiled patterns (without this the first timed round paid the import)."""
    from jiniac_hpc.corpus.filters import class_counts
    from jiniac_hpc.corpus.names import person_spans
    from jiniac_hpc.corpus.pii import ORDER, scrub_pii_counts

    person_spans("山田太郎さん")
    class_counts("日本語")
    scrub_pii_counts("山田太郎さんの電話は03-1234-5678、メールは a@example.jp です。", list(ORDER))


def name_agreement(path: Path) -> tuple[int, int, int]:
    """Names found by the full analysis, by the cheap pass, and by both."""
    from jiniac_hpc.corpus.names import person_spans

    full = fast = both = 0
    for t in texts(path):
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


def timed(fn: Callable, rounds: int, before: Optional[Callable] = None) -> list[tuple[float, float]]:
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
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds per step (default 5)")
    ap.add_argument("--skip-full", action="store_true", help="leave out the full-analysis baseline")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "unique.jsonl"
        docs, size = make_input(path)
        mb = size / 1e6
        print(f"input: {docs} unique documents, {mb:.2f} MB UTF-8 text (JGLUE v1.3 validation + real samples), "
              f"1 process, {os.cpu_count()} cpus visible, {a.rounds} rounds", flush=True)
        t0 = time.process_time()
        warm_up()
        print(f"setup (dictionary and tables, once per process): {time.process_time() - t0:.2f}s cpu", flush=True)
        names.clear_run_cache()
        steps = [("read (baseline)", lambda: bench_read(path), None)]
        if not a.skip_full:
            steps.append(("filter+pii full", lambda: bench_filter_pii(path, fast=False), None))
        steps += [("filter+pii cold", lambda: bench_filter_pii(path), names.clear_run_cache),
                  ("filter+pii warm", lambda: bench_filter_pii(path), None),
                  ("minhash", lambda: bench_minhash(path), None)]
        rows = {}
        for name, fn, before in steps:
            runs = timed(fn, a.rounds, before)
            rows[name] = ([mb / c for c, _ in runs], [mb / w for _, w in runs])
            print(f"  {name:16s} {sum(w for _, w in runs):.1f}s wall, {sum(c for c, _ in runs):.1f}s cpu", flush=True)
        full, fast, both = name_agreement(path)
    med = {k: statistics.median(v[0]) for k, v in rows.items()}
    print(f"\n{'step':16s} {'docs/s/core':>12s} {'MB/s/core':>10s} {'range':>15s} {'cpu s/MB':>9s} "
          f"{'MB/s wall':>10s} {'vs read':>9s}")
    for name, (cpu, wall) in rows.items():
        print(f"{name:16s} {docs * med[name] / mb:12,.0f} {med[name]:10.2f} {min(cpu):7.2f}-{max(cpu):<7.2f} "
              f"{1 / med[name]:9.3f} {statistics.median(wall):10.2f} {med[name] / med['read (baseline)']:8.4f}x")
    cold = med["filter+pii cold"]
    print(f"\nfilter+pii, cold (unseen text, empty run cache): {cold:.2f} MB/s per core "
          f"({min(rows['filter+pii cold'][0]):.2f}-{max(rows['filter+pii cold'][0]):.2f}), "
          f"warm {med['filter+pii warm']:.2f}")
    if "filter+pii full" in med:
        print(f"cheap pass cold vs MeCab on every sentence: {cold / med['filter+pii full']:.2f}x "
              f"({med['filter+pii full']:.2f} -> {cold:.2f} MB/s per core)")
    print(f"names on this input: full analysis {full}, cheap pass {fast}, both {both} "
          f"(cheap pass missed {full - both}, added {fast - both})")
    labelled = ASSETS / "pii_real" / "labelled.jsonl"
    for mode, fast_mode in (("full analysis", False), ("cheap pass", True)):
        q = names.evaluate(labelled, fast=fast_mode)
        print(f"labelled set, {mode:13s}: precision {q['precision']:.3f} recall {q['recall']:.3f} "
              f"(tp {q['tp']}, fp {q['fp']}, fn {q['fn']})")
    print("\n(per core = per CPU-second of this process; 'vs read' is the step's speed over plain reading)")


if __name__ == "__main__":
    main()
