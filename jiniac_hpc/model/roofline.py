"""Roofline of one DeepSeekMoE layer's routed experts: FLOPs, bytes moved, predicted GPU time.

    python benchmarks/moe_layer.py --roofline --recipe jiniac-5b      # the table (pure arithmetic)

For each dispatch path, one training micro-step (forward + backward) of the routed experts of one MoE
layer is counted as FLOPs and as bytes read + written in GPU memory, split into *weights* (expert
weights and their gradients, incl. any copies of them) and *activations* (token tensors). The
predicted time is the roofline bound ``max(FLOPs / peak FLOP/s, bytes / bandwidth)`` on published
peaks (:data:`GPUS`); real kernels reach a fraction of both, so the numbers rank the paths and show
where each one's time goes, they do not promise a step time.

Counting rules (``b`` bytes per element, ``T`` tokens, ``k`` experts per token, ``S = T*k``
assignments, ``E`` experts, hidden ``H``, expert width ``I``, ``W = E*3*H*I*b`` the layer's
routed-expert weight bytes):

* FLOPs: ``2*S*3*H*I`` forward, twice that backward (input and weight gradients). Equal for every
  path: all run the same matmuls on the same rows.
* Weights, every path: the forward reads ``W``; the backward reads ``W`` (input gradients) and
  writes ``W`` (weight gradients) -> ``3W``. Paths add:
  ``stacked`` (the previous design, a custom op that stacked the per-expert ``nn.Linear`` weights
  into one tensor in forward and again in backward, and split the gradient back into per-expert
  tensors): 2 stacks x (read ``W`` + write ``W``) + one gradient copy (write ``W``) -> ``+5W``;
  ``loop``: the per-expert weight gradients are stacked into the fused gradient (read + write
  ``W``) -> ``+2W``; ``batched_mm``: gathers one weight matrix per assignment (write + read
  ``S/E * W`` forward, the same again backward plus the scatter of per-assignment gradients).
* Activations: each matmul reads its input rows and writes its output rows; the gather, the
  activation, the routing weight, the unsort and the sum over k each read and write their rows once;
  the backward moves twice the forward's activation bytes. ``reference`` (the reference's
  boolean-mask loop) additionally zero-fills an ``[S, H]`` gradient per expert in the backward
  (``E*S*H*b``); ``naive`` (nonzero + out-of-place ``index_add`` per expert) copies the ``[T, H]``
  output per expert forward and backward (``4*E*T*H*b``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jiniac_hpc.model.flops import is_moe_layer

# Published dense bf16 tensor-core peaks (no sparsity) and HBM bandwidths of the SXM parts:
# NVIDIA H100 Tensor Core GPU datasheet (H100 SXM: 989 TFLOPS bf16 dense = 1979 with sparsity / 2,
# 3.35 TB/s HBM3) and NVIDIA H200 Tensor Core GPU datasheet (H200 SXM: same compute, 4.8 TB/s HBM3e).
GPUS = {"H100": (989e12, 3.35e12), "H200": (989e12, 4.8e12)}

PATHS = ("stacked", "grouped_mm", "loop", "batched_mm", "naive", "reference")


@dataclass
class Traffic:
    path: str
    flops: float
    weight_bytes: float
    act_bytes: float

    @property
    def bytes(self) -> float:
        return self.weight_bytes + self.act_bytes

    def seconds(self, gpu: str) -> float:
        peak, bw = GPUS[gpu]
        return max(self.flops / peak, self.bytes / bw)


def expert_traffic(cfg: Any, tokens: int, path: str, bytes_per: int = 2) -> Traffic:
    """FLOPs and bytes of one forward+backward of one layer's routed experts (see the module doc)."""
    E, k, H, I = cfg.n_routed_experts, cfg.num_experts_per_tok, cfg.hidden_size, cfg.moe_intermediate_size
    T, b = tokens, bytes_per
    S = T * k
    W = E * 3 * H * I * b
    flops = 3 * 2 * S * 3 * H * I
    # forward rows: gather (read T*H, write S*H), gate_up (read S*H, write S*2I), act (read S*2I,
    # write S*I), down (read S*I, write S*H), routing weight + unsort (2 x read/write S*H), sum (S*H -> T*H)
    fwd = b * (T * H + S * H + S * H + S * 2 * I + S * 2 * I + S * I + S * I + S * H + 4 * S * H + S * H + T * H)
    act = 3 * fwd
    weights = 3 * W
    if path == "stacked":
        weights += 5 * W
    elif path == "loop":
        weights += 2 * W
    elif path == "batched_mm":
        weights += 3 * 2 * (S / E) * W
    elif path == "reference":
        act += E * S * H * b
    elif path == "naive":
        act += 4 * E * T * H * b
    elif path != "grouped_mm":
        raise ValueError(f"unknown path {path!r}; one of {PATHS}")
    return Traffic(path, float(flops), float(weights), float(act))


def roofline_table(cfg: Any, tokens: int, bytes_per: int = 2) -> list[str]:
    """Per MoE layer and per micro-step (all MoE layers), for every path: the lines to print."""
    n_moe = sum(is_moe_layer(cfg, i) for i in range(cfg.num_hidden_layers))
    rows = [expert_traffic(cfg, tokens, p, bytes_per) for p in PATHS]
    out = [f"routed experts of one MoE layer, {tokens} tokens (one micro-step), forward+backward, "
           f"{bytes_per}-byte weights and activations; x{n_moe} MoE layers per micro-step",
           f"{'path':<12}{'GFLOP':>9}{'weights GB':>12}{'acts GB':>10}{'H100 ms':>10}{'H200 ms':>10}"
           f"{'| step GB':>11}{'H100 ms':>10}{'H200 ms':>10}"]
    for r in rows:
        out.append(f"{r.path:<12}{r.flops / 1e9:>9.0f}{r.weight_bytes / 1e9:>12.2f}{r.act_bytes / 1e9:>10.2f}"
                   f"{r.seconds('H100') * 1e3:>10.2f}{r.seconds('H200') * 1e3:>10.2f}"
                   f"{'| ':>3}{n_moe * r.bytes / 1e9:>8.1f}{n_moe * r.seconds('H100') * 1e3:>10.1f}"
                   f"{n_moe * r.seconds('H200') * 1e3:>10.1f}")
    old, new = rows[0], rows[1]
    gone = n_moe * (old.bytes - new.bytes)
    out.append(f"stacking copy gone: {gone / 1e9:.1f} GB less per micro-step "
               f"({gone / GPUS['H100'][1] * 1e3:.1f} ms of H100 bandwidth, {gone / GPUS['H200'][1] * 1e3:.1f} ms "
               f"of H200's); peaks: " + ", ".join(f"{g} {p / 1e12:.0f} TFLOP/s bf16 dense, {bw / 1e12:.2f} TB/s"
                                                 for g, (p, bw) in GPUS.items()))
    return out


__all__ = ["GPUS", "PATHS", "Traffic", "expert_traffic", "roofline_table"]
