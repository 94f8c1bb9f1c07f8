"""Scale on paper: memory, throughput, wall time and requeues of a model recipe on N nodes.

    python -m jiniac_hpc.pipeline.scaling --recipe jiniac-5b --nodes 2 16     # the tables in docs/scaling.md

Every number comes from the project's own ``param_counts`` and ``flops_per_token`` and the
assumptions below, which are all arguments. Nothing here is measured; it tells you what to
ask for before the first GPU hour is spent.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from jiniac_hpc.model.config import load_model_recipe
from jiniac_hpc.model.flops import flops_per_token, is_moe_layer, param_counts

GiB = 1024 ** 3


@dataclass
class Assumptions:
    gpus_per_node: int = 8
    peak_tflops: float = 989.0        # H100 SXM, dense bf16
    mfu: float = 0.20                 # assumed for a 2048-wide MoE without expert parallelism; replace it with
                                      # the perf/mfu that pretraining logs to TensorBoard once measured
    seq_len: int = 4096
    micro_batch: int = 2              # sequences per GPU per micro step
    global_batch: int = 1024          # sequences per optimizer step (4.2M tokens at seq 4096)
    tokens: float = 139e9             # JINIAC's training tokens
    time_limit_h: float = 24.0
    ckpt_restart_min: float = 15.0    # lost per requeue: queue wait is not counted, restart+reload+lost steps are
    inter_node_gbps: float = 400.0    # GB/s per node over InfiniBand (8 x 400 Gb/s NDR)


def model_state_gib(total_params: int, n_gpus: int, zero: int) -> float:
    """Per-GPU bytes of weights, gradients and Adam state under mixed precision.

    bf16 weights (2 B) + bf16 gradients (2 B) + fp32 master weights and Adam m, v (12 B).
    ZeRO-1 shards the 12 B over the data-parallel ranks, ZeRO-2 also the gradients, ZeRO-3 all.
    Without expert parallelism every GPU holds every expert.
    """
    p = float(total_params)
    per = {1: 2 * p + 2 * p + 12 * p / n_gpus, 2: 2 * p + (2 + 12) * p / n_gpus, 3: 16 * p / n_gpus}[zero]
    return per / GiB


def activation_gib(cfg, a: Assumptions, checkpointing: bool) -> float:
    """Activations of one micro-batch (Korthikanti et al. 2022, bf16, flash attention: no s^2 term).

    Without checkpointing about 34 * s * b * h bytes a layer; with full recomputation only the
    2 * s * b * h input of each layer is kept (plus one layer's worth during recomputation).
    """
    sbh = a.seq_len * a.micro_batch * cfg.hidden_size
    layers = cfg.num_hidden_layers
    if checkpointing:
        return (2 * sbh * layers + 34 * sbh) / GiB
    return 34 * sbh * layers / GiB


def estimate(recipe: str, nodes: int, a: Assumptions) -> dict:
    cfg = load_model_recipe(recipe)
    total, active = param_counts(cfg)
    gpus = nodes * a.gpus_per_node
    fpt = flops_per_token(cfg, a.seq_len)
    tokens_per_s = gpus * a.peak_tflops * 1e12 * a.mfu / fpt
    days = a.tokens / tokens_per_s / 86400
    run_h = a.time_limit_h - a.ckpt_restart_min / 60
    jobs = math.ceil(days * 24 / run_h)
    # Per step, ZeRO-1 data parallelism moves about 2x the bf16 gradients of every parameter
    # (reduce-scatter + all-gather) across nodes; expert parallelism instead sends each routed
    # token's hidden state to its experts and back (all-to-all, forward and backward).
    grad_bytes = 2 * 2 * total
    step_tokens = a.global_batch * a.seq_len
    moe_layers = sum(is_moe_layer(cfg, i) for i in range(cfg.num_hidden_layers))
    a2a_bytes_per_gpu = 4 * (step_tokens / gpus) * cfg.hidden_size * 2 * cfg.num_experts_per_tok * moe_layers
    return {
        "recipe": recipe, "nodes": nodes, "gpus": gpus, "total": total, "active": active,
        "gflops_per_token": fpt / 1e9,
        "mem": {z: model_state_gib(total, gpus, z) for z in (1, 2, 3)},
        "act_ckpt": activation_gib(cfg, a, True), "act_full": activation_gib(cfg, a, False),
        "tokens_per_s": tokens_per_s, "days": days, "jobs": jobs, "requeues": max(jobs - 1, 0),
        "dp_grad_gb_per_step": grad_bytes / 1e9,
        "dp_comm_s_per_step": grad_bytes / (a.inter_node_gbps * 1e9) if nodes > 1 else 0.0,
        "step_s": step_tokens * fpt / (gpus * a.peak_tflops * 1e12 * a.mfu),
        "a2a_gb_per_gpu_step": a2a_bytes_per_gpu / 1e9,
    }


def render(rows: list[dict], a: Assumptions) -> str:
    out = [f"Assumptions: {a}", ""]
    out.append("| nodes | GPUs | ZeRO-1 GiB/GPU | ZeRO-2 | ZeRO-3 | activations (ckpt / none) | tokens/s | days "
               f"for {a.tokens / 1e9:.0f}B | jobs of {a.time_limit_h:.0f} h | requeues |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        out.append(f"| {r['nodes']} | {r['gpus']} | {r['mem'][1]:.1f} | {r['mem'][2]:.1f} | {r['mem'][3]:.1f} | "
                   f"{r['act_ckpt']:.1f} / {r['act_full']:.1f} | {r['tokens_per_s']:,.0f} | {r['days']:.1f} | "
                   f"{r['jobs']} | {r['requeues']} |")
    out.append("")
    out.append("| nodes | step time at MFU (s) | DP gradient traffic per step (GB) | its time on IB (s) | "
               "all-to-all per GPU per step with EP (GB) |")
    out.append("|---:|---:|---:|---:|---:|")
    for r in rows:
        out.append(f"| {r['nodes']} | {r['step_s']:.2f} | {r['dp_grad_gb_per_step']:.1f} | "
                   f"{r['dp_comm_s_per_step']:.2f} | {r['a2a_gb_per_gpu_step']:.2f} |")
    r0 = rows[0]
    out.append("")
    out.append(f"Model: {r0['recipe']}: {r0['total'] / 1e9:.3f}B total, {r0['active'] / 1e9:.3f}B active, "
               f"{r0['gflops_per_token']:.2f} GFLOPs per training token at seq {a.seq_len}.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default="jiniac-5b")
    ap.add_argument("--nodes", type=int, nargs="+", default=[2, 16])
    ap.add_argument("--mfu", type=float, default=Assumptions.mfu)
    ap.add_argument("--seq-len", type=int, default=Assumptions.seq_len)
    args = ap.parse_args(argv)
    a = Assumptions(mfu=args.mfu, seq_len=args.seq_len)
    print(render([estimate(args.recipe, n, a) for n in args.nodes], a))


if __name__ == "__main__":
    main()
