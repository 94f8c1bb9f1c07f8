"""Forward+backward throughput of one DeepSeekMoE layer: our dispatch paths vs per-expert loops; roofline.

    python benchmarks/moe_layer.py                      # 64 experts, top-6, 4096 tokens, fp32, 3 rounds
    python benchmarks/moe_layer.py --dtype bfloat16 --hidden 512 --moe-inter 176
    python benchmarks/moe_layer.py --device cuda --dtype bfloat16 --scale 1   # on a GPU (sm80+)
    python benchmarks/moe_layer.py --roofline --recipe jiniac-5b              # FLOPs, bytes, H100/H200 time
    python benchmarks/moe_layer.py --cpu-time       # one thread, CPU seconds (robust on a loaded machine)

The layer is ``jiniac_hpc.model.moe.DeepseekMoE`` (64 routed experts, 2 shared, top-6; hidden and
moe_intermediate_size scaled down from 2048/1408 by --scale so it fits a CPU). The same weights and
input run through four paths, timed side by side in this process:

* ``reference``: the reference modeling file's training loop, rewritten here from its
                description, on per-expert ``nn.Linear`` modules holding the same weights: repeat
                every token top_k times, then for each of the 64 experts ``y[mask] = expert(h[mask])``
                with a boolean mask, then weight and sum. Its backward zero-fills a
                [tokens*top_k, hidden] gradient per expert.
* ``naive``   : the baseline the target is set against, on the same per-expert modules: for each
                expert, find its tokens (``nonzero``), run it, ``index_add`` the weighted result.
* ``loop``    : ours with ``moe_implementation="loop"`` (transformers' "eager" slot: sort once, run
                each used expert on its contiguous slice of the fused weights, ``index_add`` its
                weighted output); what the default, ``"auto"``, runs on CPU.
* ``grouped`` : ours with ``moe_implementation="grouped_mm"`` (transformers' ``grouped_mm`` experts
                kernel on the fused weights); what ``"auto"`` runs on a GPU.

It checks the four agree, prints tokens/s and the ratio to ``naive`` and ``reference`` as ranges over
``--rounds`` (min-max), and the peak memory of one forward+backward of each,
measured in a fresh child process: CPU PyTorch keeps no allocator statistics, so the child runs a
warm-up step, resets the kernel's peak-RSS counter (``/proc/self/clear_refs``), and reports
``VmHWM - VmRSS`` around a second step, with glibc told to return every allocation over 128 KiB to
the OS (``MALLOC_MMAP_THRESHOLD_``) so freed memory is not silently reused. On CUDA it uses
``torch.cuda.max_memory_allocated``. Targets, for the default path of the device (``loop`` on CPU,
``grouped`` on CUDA): >= 1.0x naive and >= 3x reference on CPU.

``--cpu-time`` runs the paths on one thread timed with ``time.process_time`` (as
``benchmarks/train_step.py`` does): on a shared machine wall time under other people's load swings
the ratios by several x between identical rounds, CPU seconds do not. Those ratios say "how much
less CPU work per step" on one core, where the large sorted gathers and elementwise passes of the
grouped path weigh more than with several threads. On two threads of a loaded 2-core machine every
path's wall time swings by 2x and more between rounds (threads wait for each other at every op).

``--roofline`` prints :func:`jiniac_hpc.model.roofline.roofline_table` for a model recipe (no timing).
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
from torch import nn

from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
from jiniac_hpc.model.moe import DeepseekMLP, DeepseekMoE

MODES = ("reference", "naive", "loop", "grouped")
IMPLEMENTATION = {"loop": "loop", "grouped": "grouped_mm"}


def make_layer(args) -> tuple[DeepseekMoE, nn.ModuleList, torch.Tensor]:
    """Our layer, per-expert ``nn.Linear`` modules holding the same expert weights (the baselines'
    layout, as in the reference model), and an input."""
    torch.manual_seed(0)
    n_experts = getattr(args, "experts", 64)
    cfg = DeepseekMoeConfig(hidden_size=args.hidden, moe_intermediate_size=args.moe_inter, num_attention_heads=8,
                            n_routed_experts=n_experts, n_shared_experts=2,
                            num_experts_per_tok=getattr(args, "top_k", 6), aux_loss_alpha=0.001)
    dtype = getattr(torch, args.dtype)
    layer = DeepseekMoE(cfg).to(args.device, dtype)
    for p in layer.parameters():   # std 0.02 like the model init, so routing is not degenerate
        torch.nn.init.normal_(p, std=0.02) if p.dim() > 1 else None
    per_expert = nn.ModuleList(DeepseekMLP(cfg, cfg.moe_intermediate_size)
                               for _ in range(n_experts)).to(args.device, dtype)
    I = cfg.moe_intermediate_size
    with torch.no_grad():
        for e, m in enumerate(per_expert):
            m.gate_proj.weight.copy_(layer.experts.gate_up_proj[e, :I])
            m.up_proj.weight.copy_(layer.experts.gate_up_proj[e, I:])
            m.down_proj.weight.copy_(layer.experts.down_proj[e])
    x = torch.randn(args.batch, args.tokens // args.batch, args.hidden, device=args.device, dtype=dtype)
    return layer, per_expert, x


def naive_forward(layer: DeepseekMoE, experts: nn.ModuleList, x: torch.Tensor):
    """The baseline: a Python loop over *every* expert, nonzero, index_add."""
    topk_idx, topk_weight, aux = layer.gate(x)
    flat = x.reshape(-1, x.shape[-1])
    out = torch.zeros_like(flat)
    for e, expert in enumerate(experts):
        tok, slot = torch.nonzero(topk_idx == e, as_tuple=True)
        y = expert(flat[tok]) * topk_weight[tok, slot].unsqueeze(-1).to(flat.dtype)
        out = out.index_add(0, tok, y)
    return out.view_as(x) + layer.shared_experts(x), aux


def reference_forward(layer: DeepseekMoE, experts: nn.ModuleList, x: torch.Tensor):
    """The reference training loop: top_k copies of every token, boolean masks per expert."""
    topk_idx, topk_weight, aux = layer.gate(x)
    flat_idx = topk_idx.reshape(-1)
    h = x.reshape(-1, x.shape[-1]).repeat_interleave(layer.num_experts_per_tok, dim=0)
    y = torch.empty_like(h)
    for e, expert in enumerate(experts):
        mask = flat_idx == e
        y[mask] = expert(h[mask])
    y = (y.view(*topk_weight.shape, -1) * topk_weight.unsqueeze(-1).to(y.dtype)).sum(dim=1)
    return y.view_as(x) + layer.shared_experts(x), aux


def run(layer: DeepseekMoE, experts: nn.ModuleList, x: torch.Tensor, mode: str):
    if mode == "reference":
        y, aux = reference_forward(layer, experts, x)
    elif mode == "naive":
        y, aux = naive_forward(layer, experts, x)
    else:
        layer.config.moe_implementation = IMPLEMENTATION[mode]
        y, aux, _ = layer(x)
    return y, aux


def step(layer, experts, x, mode, grad):
    x = x.detach().requires_grad_()
    y, aux = run(layer, experts, x, mode)
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
    layer, experts, x = make_layer(args)
    grad = torch.randn_like(x, dtype=torch.float32)
    step(layer, experts, x, mode, grad)          # warm-up: lazy init, grads allocated
    gc.collect()
    if args.device.startswith("cuda"):
        sync(args.device)
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        step(layer, experts, x, mode, grad)
        sync(args.device)
        peak = torch.cuda.max_memory_allocated() - base
    else:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")                  # reset VmHWM (peak RSS) to the current RSS
        base = _proc_status_kib("VmRSS")
        step(layer, experts, x, mode, grad)
        peak = (_proc_status_kib("VmHWM") - base) * 1024
    print(json.dumps({"peak_mib": peak / 2**20}))


def roofline(args) -> None:
    from jiniac_hpc.model import flops_per_token, load_model_recipe
    from jiniac_hpc.model.roofline import GPUS, roofline_table

    cfg = load_model_recipe(args.recipe)
    tokens = args.micro_batch * args.seq_len
    print(f"recipe {args.recipe}: micro-step of {args.micro_batch} x {args.seq_len} tokens")
    print("\n".join(roofline_table(cfg, tokens)))
    step = flops_per_token(cfg, args.seq_len) * tokens
    print(f"whole model, one micro-step: {step / 1e12:.1f} TFLOP (jiniac_hpc.model.flops) = "
          + ", ".join(f"{g} {step / p * 1e3:.0f} ms at 100% / {step / p / 0.4 * 1e3:.0f} ms at 40% MFU"
                      for g, (p, _) in GPUS.items()))


def span(xs: list[float]) -> str:
    return f"{min(xs):.2f}-{max(xs):.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description="MoE layer forward+backward: our dispatch vs per-expert loops")
    ap.add_argument("--tokens", type=int, default=4096)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--scale", type=int, default=4, help="divide hidden 2048 / moe_intermediate 1408 by this")
    ap.add_argument("--hidden", type=int, default=None)
    ap.add_argument("--moe-inter", type=int, default=None)
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds; each times every path once, interleaved")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch CPU threads (0: torch's default; 1 with --cpu-time)")
    ap.add_argument("--cpu-time", action="store_true", help="on CPU: one thread, timed with process_time")
    ap.add_argument("--no-mem", action="store_true", help="skip the peak-memory child processes")
    ap.add_argument("--roofline", action="store_true", help="print the roofline of --recipe and exit")
    ap.add_argument("--recipe", default="jiniac-5b")
    ap.add_argument("--seq-len", type=int, default=4096)
    ap.add_argument("--micro-batch", type=int, default=2)
    ap.add_argument("--_peak", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.roofline:
        return roofline(args)
    args.hidden = args.hidden or 2048 // args.scale
    args.moe_inter = args.moe_inter or 1408 // args.scale
    cpu_clock = args.cpu_time and not args.device.startswith("cuda")
    if args.threads or cpu_clock:
        torch.set_num_threads(args.threads or 1)
    clock = time.process_time if cpu_clock else time.perf_counter
    if args._peak:
        return measure_peak(args, args._peak)

    layer, experts, x = make_layer(args)
    grad = torch.randn_like(x, dtype=torch.float32)
    print(f"MoE layer: 64 experts top-6 + 2 shared, hidden {args.hidden}, moe_intermediate {args.moe_inter}, "
          f"{args.tokens} tokens, {args.dtype} on {args.device}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s), clock: {'CPU time' if cpu_clock else 'wall time'}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus")
    ref_y, ref_gx = step(layer, experts, x, "naive", grad)
    tol = 1e-4 if args.dtype == "float32" else 3e-2
    for mode in ("reference", "loop", "grouped"):
        y, gx = step(layer, experts, x, mode, grad)
        dy, dg = (y - ref_y).abs().max().item(), (gx - ref_gx).abs().max().item()
        scale = ref_y.abs().max().item()
        assert dy <= tol * max(1.0, scale) * 10, f"{mode} disagrees with naive: max |dy| {dy}"
        print(f"  check {mode:<8} vs naive: max |dy| {dy:.2e}, max |dx.grad| {dg:.2e}")

    times = {m: [] for m in MODES}
    for _ in range(args.rounds):           # interleaved, so drift (other jobs, heat) hits all alike
        for mode in MODES:
            layer.zero_grad(set_to_none=True)
            experts.zero_grad(set_to_none=True)
            sync(args.device)
            t = clock()
            step(layer, experts, x, mode, grad)
            sync(args.device)
            times[mode].append(clock() - t)
    peaks = {m: (None if args.no_mem else child_peak(args, m)) for m in MODES}
    vs = {m: [n / t for n, t in zip(times["naive"], times[m])] for m in MODES}        # same round
    vs_ref = {m: [r / t for r, t in zip(times["reference"], times[m])] for m in MODES}
    print(f"{'mode':<10}{'s/step (min-max)':>18}{'tokens/s (best)':>16}{'vs naive':>12}{'vs reference':>14}"
          f"{'peak MiB':>10}")
    for mode in MODES:
        peak = "-" if peaks[mode] is None else f"{peaks[mode]:.0f}"
        print(f"{mode:<10}{span(times[mode]):>18}{args.tokens / min(times[mode]):>16,.0f}{span(vs[mode]):>11}x"
              f"{span(vs_ref[mode]):>13}x{peak:>10}")
    d = "grouped" if args.device.startswith("cuda") else "loop"     # what moe_implementation="auto" runs here
    lo_naive, lo_ref = min(vs[d]), min(vs_ref[d])
    best = {m: min(times[m]) for m in MODES}
    print(f"RATIO default path ({d}) / naive per round {span(vs[d])}x, best/best {best['naive'] / best[d]:.2f}x "
          f"(target >= 1.0x): {'OK' if lo_naive >= 1.0 else 'BELOW TARGET in some round'}; {d}/reference per "
          f"round {span(vs_ref[d])}x, best/best {best['reference'] / best[d]:.2f}x (target >= 3x): "
          f"{'OK' if lo_ref >= 3 else 'BELOW TARGET in some round'}")

if __name__ == "__main__":
    main()
