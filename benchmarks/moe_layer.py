"""Forward+backward throughput of one DeepSeekMoE layer: grouped dispatch vs a naive per-expert loop.

    python benchmarks/moe_layer.py                      # 64 experts, top-6, 4096 tokens, fp32
    python benchmarks/moe_layer.py --dtype bfloat16 --hidden 512 --moe-inter 176
    python benchmarks/moe_layer.py --device cuda --dtype bfloat16 --scale 1   # on a GPU (sm80+):
                                    # grouped_mm runs as one kernel only in bf16 there

The layer is ``jiniac_hpc.model.moe.DeepseekMoE`` (64 routed experts, 2 shared, top-6; hidden and
moe_intermediate_size scaled down from 2048/1408 by --scale so it fits a CPU). Three ways to run
the *same* module with the *same* weights and input are timed side by side in this process:

* ``reference``: the reference modeling file's training loop, rewritten here from its
                description: repeat every token top_k times, then for each of the 64 experts
                ``y[mask] = expert(h[mask])`` with a boolean mask, then weight and sum. Its
                backward zero-fills a [tokens*top_k, hidden] gradient per expert.
* ``naive``   : the baseline the target is set against: for each of the 64 experts, find the
                tokens routed to it (``nonzero``), run the expert, ``index_add`` the weighted result.
* ``loop``    : ours with ``moe_implementation="loop"`` (sort once, run only the used experts on
                contiguous slices; the LoRA/ZeRO-3 fallback).
* ``grouped`` : ours, default (sort once, one grouped matmul per projection for all experts).

It checks the four agree, prints tokens/s and the ratio to ``naive``, and the peak memory of one
forward+backward of each, measured in a fresh child process: CPU PyTorch keeps no allocator
statistics, so the child runs a warm-up step, resets the kernel's peak-RSS counter
(``/proc/self/clear_refs``), and reports ``VmHWM - VmRSS`` around a second step, with glibc told
to return every allocation over 128 KiB to the OS (``MALLOC_MMAP_THRESHOLD_``) so freed memory is
not silently reused. This counts everything (activations, gradients, temporaries inside the
grouped op). On CUDA it uses ``torch.cuda.max_memory_allocated``.
Target (issue 3): grouped >= 3x naive on CPU.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time

import torch

from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
from jiniac_hpc.model.moe import DeepseekMoE

MODES = ("reference", "naive", "loop", "grouped")


def make_layer(args) -> tuple[DeepseekMoE, torch.Tensor]:
    torch.manual_seed(0)
    cfg = DeepseekMoeConfig(hidden_size=args.hidden, moe_intermediate_size=args.moe_inter, num_attention_heads=8,
                            n_routed_experts=64, n_shared_experts=2, num_experts_per_tok=6, aux_loss_alpha=0.001)
    dtype = getattr(torch, args.dtype)
    layer = DeepseekMoE(cfg).to(args.device, dtype)
    for p in layer.parameters():   # std 0.02 like the model init, so routing is not degenerate
        torch.nn.init.normal_(p, std=0.02) if p.dim() > 1 else None
    x = torch.randn(args.batch, args.tokens // args.batch, args.hidden, device=args.device, dtype=dtype)
    return layer, x


def naive_forward(layer: DeepseekMoE, x: torch.Tensor):
    """The baseline: a Python loop over *every* expert, boolean masks, index_add."""
    topk_idx, topk_weight, aux = layer.gate(x)
    flat = x.reshape(-1, x.shape[-1])
    out = torch.zeros_like(flat)
    for e, expert in enumerate(layer.experts):
        tok, slot = torch.nonzero(topk_idx == e, as_tuple=True)
        y = expert(flat[tok]) * topk_weight[tok, slot].unsqueeze(-1).to(flat.dtype)
        out = out.index_add(0, tok, y)
    return out.view_as(x) + layer.shared_experts(x), aux


def reference_forward(layer: DeepseekMoE, x: torch.Tensor):
    """The reference training loop: top_k copies of every token, boolean masks per expert."""
    topk_idx, topk_weight, aux = layer.gate(x)
    flat_idx = topk_idx.reshape(-1)
    h = x.reshape(-1, x.shape[-1]).repeat_interleave(layer.num_experts_per_tok, dim=0)
    y = torch.empty_like(h)
    for e, expert in enumerate(layer.experts):
        mask = flat_idx == e
        y[mask] = expert(h[mask])
    y = (y.view(*topk_weight.shape, -1) * topk_weight.unsqueeze(-1).to(y.dtype)).sum(dim=1)
    return y.view_as(x) + layer.shared_experts(x), aux


def run(layer: DeepseekMoE, x: torch.Tensor, mode: str):
    if mode == "reference":
        y, aux = reference_forward(layer, x)
    elif mode == "naive":
        y, aux = naive_forward(layer, x)
    else:
        layer.config.moe_implementation = "loop" if mode == "loop" else "auto"
        y, aux, _ = layer(x)
    return y, aux


def step(layer, x, mode, grad):
    x = x.detach().requires_grad_()
    y, aux = run(layer, x, mode)
    (y.float() * grad).sum().add(aux).backward()
    return y.detach(), x.grad


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def child_peak(args, mode: str) -> float:
    """Peak memory (MiB) of one forward+backward, measured in a fresh process."""
    cmd = [sys.executable, __file__, "--_peak", mode] + [a for a in sys.argv[1:] if a != "--no-mem"]
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_mib"]


def _proc_status_kib(key: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status")


def measure_peak(args, mode: str) -> None:
    layer, x = make_layer(args)
    grad = torch.randn_like(x, dtype=torch.float32)
    step(layer, x, mode, grad)          # warm-up: lazy init, grads allocated
    gc.collect()
    if args.device.startswith("cuda"):
        sync(args.device)
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        step(layer, x, mode, grad)
        sync(args.device)
        peak = torch.cuda.max_memory_allocated() - base
    else:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")                  # reset VmHWM (peak RSS) to the current RSS
        base = _proc_status_kib("VmRSS")
        step(layer, x, mode, grad)
        peak = (_proc_status_kib("VmHWM") - base) * 1024
    print(json.dumps({"peak_mib": peak / 2**20}))


def main() -> None:
    ap = argparse.ArgumentParser(description="MoE layer forward+backward: grouped vs naive per-expert loop")
    ap.add_argument("--tokens", type=int, default=4096)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--scale", type=int, default=4, help="divide hidden 2048 / moe_intermediate 1408 by this")
    ap.add_argument("--hidden", type=int, default=None)
    ap.add_argument("--moe-inter", type=int, default=None)
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--iters", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0,
                    help="torch CPU threads (0: torch's default, all cores). On one thread the grouped path "
                         "loses its edge: the per-expert matmuls dominate either way and the loop keeps "
                         "its small intermediates in cache")
    ap.add_argument("--no-mem", action="store_true", help="skip the peak-memory child processes")
    ap.add_argument("--_peak", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.hidden = args.hidden or 2048 // args.scale
    args.moe_inter = args.moe_inter or 1408 // args.scale
    if args.threads:
        torch.set_num_threads(args.threads)
    if args._peak:
        return measure_peak(args, args._peak)

    layer, x = make_layer(args)
    grad = torch.randn_like(x, dtype=torch.float32)
    print(f"MoE layer: 64 experts top-6 + 2 shared, hidden {args.hidden}, moe_intermediate {args.moe_inter}, "
          f"{args.tokens} tokens, {args.dtype} on {args.device}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus")
    ref_y, ref_gx = step(layer, x, "naive", grad)
    tol = 1e-4 if args.dtype == "float32" else 3e-2
    for mode in ("reference", "loop", "grouped"):
        y, gx = step(layer, x, mode, grad)
        dy, dg = (y - ref_y).abs().max().item(), (gx - ref_gx).abs().max().item()
        scale = ref_y.abs().max().item()
        assert dy <= tol * max(1.0, scale) * 10, f"{mode} disagrees with naive: max |dy| {dy}"
        print(f"  check {mode:<8} vs naive: max |dy| {dy:.2e}, max |dx.grad| {dg:.2e}")

    times = {m: [] for m in MODES}
    for _ in range(args.iters):            # interleaved, so drift (other jobs, heat) hits all alike
        for mode in MODES:
            layer.zero_grad(set_to_none=True)
            sync(args.device)
            t = time.perf_counter()
            step(layer, x, mode, grad)
            sync(args.device)
            times[mode].append(time.perf_counter() - t)
    peaks = {m: (None if args.no_mem else child_peak(args, m)) for m in MODES}
    base = min(times["naive"])
    print(f"{'mode':<10}{'best s':>10}{'tokens/s':>14}{'vs naive':>10}{'peak MiB':>12}")
    for mode in MODES:
        best = min(times[mode])
        peak = "-" if peaks[mode] is None else f"{peaks[mode]:.0f}"
        print(f"{mode:<10}{best:>10.3f}{args.tokens / best:>14,.0f}{base / best:>9.2f}x{peak:>12}")
    ratio = base / min(times["grouped"])
    print(f"grouped/reference = {min(times['reference']) / min(times['grouped']):.2f}x")
    print(f"RATIO grouped/naive = {ratio:.2f}x (target >= 3x): {'OK' if ratio >= 3 else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
