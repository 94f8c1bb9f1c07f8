"""Loader batches/s at seq_len 4096, batch 8, 2 workers, vs what a jiniac-5b training step needs.

    .venv/bin/python benchmarks/loader_throughput.py [--samples 2048] [--batches 200] [--workers 2]

Data: HDF5 shards written by the tokenize stage's writer on local disk (random token ids, vocab
60000: incompressible like real token streams), read through the real path: PackedDataset ->
CurriculumSampler (a two-stage plan, so stage interleaving and permutations are included) ->
build_dataloader. Each storage layout is measured in turn.

Need: one micro-batch of 8 x 4096 tokens per GPU per step; the jiniac-5b step time is estimated
as FLOPs / (40% MFU x 989 TFLOP/s, H100 SXM bf16 dense), with training FLOPs per token from
``jiniac_hpc.model.flops.flops_per_token`` (6 x active matmul params + attention). The ratio
printed is delivered batches/s over needed batches/s. Target: >= 20x.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jiniac_hpc.data.dataset import PackedDataset  # noqa: E402
from jiniac_hpc.data.fixtures import synthetic_index  # noqa: E402
from jiniac_hpc.data.loader import build_dataloader  # noqa: E402
from jiniac_hpc.data.plan import PlanConfig, PlanStage  # noqa: E402
from jiniac_hpc.data.sampler import CurriculumSampler  # noqa: E402

SEQ, BATCH, PEAK, MFU = 4096, 8, 989e12, 0.40


def needed_batches_per_s() -> tuple[float, float, str]:
    """(micro-batches/s one GPU consumes, FLOPs/token, where the FLOPs came from)."""
    try:
        from jiniac_hpc.model.config import load_model_recipe
        from jiniac_hpc.model.flops import flops_per_token

        f = flops_per_token(load_model_recipe("jiniac-5b"), SEQ)
        how = "jiniac_hpc.model.flops (jiniac-5b recipe)"
    except ImportError:                      # model package absent: 6 x 0.88B active, no attention term
        f, how = 6 * 0.88e9, "6 x 0.88e9 active params (fallback)"
    step_s = BATCH * SEQ * f / (MFU * PEAK)
    return 1.0 / step_s, f, how


def measure(index: Path, batches: int, workers: int, warmup: int = 10) -> float:
    ds = PackedDataset(index)
    n = len(ds)
    plan = PlanConfig(stages=[PlanStage("mix", {"web": 3.0, "wiki": 1.0}, tokens=(n // 2) * SEQ),
                              PlanStage("rest", {"*": 1.0}, tokens=None)], seed=0)
    sampler = CurriculumSampler(ds, plan, micro_batch_size=BATCH)
    loader = build_dataloader(ds, sampler, num_workers=workers)
    it = iter(loader)
    for _ in range(warmup):
        b = next(it)
    assert b["input_ids"].shape == (BATCH, SEQ)
    t = time.perf_counter()
    k = 0
    for k, b in enumerate(it, 1):
        if k == batches:
            break
    return k / (time.perf_counter() - t)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=2048, help="train samples written (x 8 KB each)")
    ap.add_argument("--batches", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    need, fpt, how = needed_batches_per_s()
    print(f"jiniac-5b: {fpt / 1e9:.2f} GFLOP/token ({how}); step of {BATCH}x{SEQ} tokens at {MFU:.0%} MFU of "
          f"{PEAK / 1e12:.0f} TFLOP/s = {1 / need * 1e3:.0f} ms -> needs {need:.2f} batches/s per GPU")
    sizes = {"web": args.samples * 3 // 4, "wiki": args.samples - args.samples * 3 // 4}
    layouts = [("chunked 64K, none (default)", dict(chunk_tokens=1 << 16)),
               ("contiguous (memmap)", dict(chunk_tokens=None)),
               ("chunked 64K, gzip-1", dict(chunk_tokens=1 << 16, compression="gzip", compression_level=1))]
    print(f"\nloader: batch {BATCH}, seq_len {SEQ}, {args.workers} workers, {args.batches} batches after warm-up")
    print(f"  {'layout':30s} {'batches/s':>10s} {'Mtok/s':>8s} {'x needed':>9s}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/tmp")) as d:
        for name, kw in layouts:
            run = Path(d) / name.split()[0] / str(len(kw))
            index = synthetic_index(run, sizes, SEQ, shards_per_source=4, fill="random", vocab_size=60000, **kw)
            bps = measure(index, args.batches, args.workers)
            print(f"  {name:30s} {bps:10.1f} {bps * BATCH * SEQ / 1e6:8.2f} {bps / need:8.1f}x")
    print("  target: >= 20x")


if __name__ == "__main__":
    main()
