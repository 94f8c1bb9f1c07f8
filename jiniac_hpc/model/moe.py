"""DeepSeekMoE feed-forward: softmax router, fine-grained routed experts, always-on shared experts.

Semantics follow the reference ``DeepseekMoE`` (deepseek-ai/deepseek-moe-16b-base) exactly:
softmax over all routed experts, top-k, optional renormalisation (``norm_topk_prob``), no token
dropping, shared experts added without a gate, and the balance loss in the sequence-level
(``seq_aux``) or the global form, scaled by ``aux_loss_alpha``. Differences on purpose:

* The router logits and softmax run in fp32 even when the model is bf16 (the reference runs them
  in the model dtype; bf16 softmax over 64 experts is where the NaN/imbalance trouble started).
* The aux loss is *returned* (per layer, summed by the model) instead of being smuggled into the
  backward pass by an autograd trick; the causal-LM head adds its gradient to the loss (see
  ``modeling_deepseek``).

Expert dispatch (the design choice, measured by ``benchmarks/moe_layer.py``)
----------------------------------------------------------------------------
Each routed expert stays a module with three ``nn.Linear`` (``experts.E.{gate,up,down}_proj``).
That gives the reference state-dict names with no conversion at load/save time, and it lets PEFT's
``target_modules="all-linear"`` wrap every expert projection with LoRA. The forward pass sorts the
``tokens * top_k`` assignments by expert (one ``torch.sort``), gathers the tokens, and runs every
projection as **one grouped matmul** over all experts (``torch.nn.functional.grouped_mm`` with
per-expert offsets): there is no Python loop over experts doing compute, shapes are static (good
for ``torch.compile``), and nothing is dropped.

The grouped matmul needs the expert weights as one ``[E, out, in]`` tensor. Instead of keeping a
stacked parameter (which would break both the reference names and LoRA) we stack the per-expert
weights *inside* a custom op (``jiniac::expert_linear``) whose backward re-stacks them and returns
per-expert weight gradients from one grouped matmul. The stacked copy is a temporary: autograd
saves only references to the existing parameters, so activation memory is the same as with a
stacked parameter, at the price of one extra weight copy per forward/backward (memory-bound and
small next to the matmuls at 4k tokens). Being an opaque custom op also keeps ``torch.compile``
working in fp32, where inductor refuses ``grouped_mm`` (it only lowers bf16).

When the expert projections are not plain ``nn.Linear`` (LoRA adapters, DeepSpeed ZeRO-3
partitioned parameters) reading their weights directly would silently skip the adapter deltas, so
the layer falls back to calling each *used* expert module on its contiguous slice of the sorted
tokens (``moe_implementation="loop"`` forces that path). The result is identical either way.

On CUDA ``grouped_mm`` needs bf16 and compute capability >= 8.0; otherwise the op loops over the
experts inside the kernel call (same math, one host sync).

Measured on the 2-core CPU box (``benchmarks/moe_layer.py``: 64 experts top-6, hidden 512,
moe_intermediate 352, 4096 tokens, fp32, forward+backward, quiet machine): grouped 0.8x the
naive ``nonzero``/``index_add`` loop and 1.4-2.9x the reference's boolean-mask loop; at hidden
128/64 grouped is 1.05x/1.2x naive. Every path runs the same matmuls, and on CPU they dominate
(~120-150 GFLOP/s whether as one grouped call, 64 ``mm`` calls or one padded ``bmm``), so no
dispatch reaches 3x there. The design targets GPUs, where one grouped kernel replaces 64 x 3
launches; that has not been measured here (no GPU was available).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers.activations import ACT2FN

from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig

# ---------------------------------------------------------------------------------------------
# Grouped expert matmul as a custom op (opaque to torch.compile, explicit backward)
# ---------------------------------------------------------------------------------------------


def _grouped_mm_ok(t: torch.Tensor) -> bool:
    if not hasattr(F, "grouped_mm") and not hasattr(torch, "_grouped_mm"):
        return False
    if t.device.type == "cuda":
        return t.dtype == torch.bfloat16 and torch.cuda.get_device_capability(t.device) >= (8, 0)
    return t.device.type == "cpu"


def _gmm(a: torch.Tensor, b: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
    """``grouped_mm(a, b, offs)``; falls back to a loop over groups where the kernel is unavailable.

    Shapes: a [S, K] x b [G, K, N] -> [S, N] (rows of ``a`` grouped), or a [M, S] x b [S, N] ->
    [G, M, N] (the shared dimension grouped; the weight gradient).
    """
    if _grouped_mm_ok(a):
        fn = getattr(F, "grouped_mm", None) or torch._grouped_mm
        return fn(a, b, offs=offs)
    bounds = [0] + offs.tolist()
    if b.dim() == 3:
        out = a.new_zeros(a.shape[0], b.shape[-1])
        for g in range(b.shape[0]):
            s, e = bounds[g], bounds[g + 1]
            if e > s:
                out[s:e] = a[s:e] @ b[g]
        return out
    out = a.new_zeros(len(bounds) - 1, a.shape[0], b.shape[-1])
    for g in range(len(bounds) - 1):
        s, e = bounds[g], bounds[g + 1]
        if e > s:
            out[g] = a[:, s:e] @ b[s:e]
    return out


def _stack(weights: list[torch.Tensor], parts: int) -> torch.Tensor:
    """[E*parts] weights of [out, in], expert-major -> [E, parts*out, in] with one copy."""
    out, inp = weights[0].shape
    return torch.stack(weights).view(len(weights) // parts, parts * out, inp)


@torch.library.custom_op("jiniac::expert_linear", mutates_args=())
def _expert_linear(x: torch.Tensor, offs: torch.Tensor, weights: list[torch.Tensor], parts: int) -> torch.Tensor:
    return _gmm(x, _stack(weights, parts).transpose(-2, -1), offs)


@_expert_linear.register_fake
def _(x, offs, weights, parts):
    return x.new_empty(x.shape[0], weights[0].shape[0] * parts)


@torch.library.custom_op("jiniac::expert_linear_backward", mutates_args=())
def _expert_linear_backward(grad: torch.Tensor, x: torch.Tensor, offs: torch.Tensor, weights: list[torch.Tensor],
                            parts: int) -> tuple[torch.Tensor, torch.Tensor]:
    grad = grad.contiguous()   # grouped_mm rejects expanded (stride-0) gradients
    grad_x = _gmm(grad, _stack(weights, parts), offs)
    grad_w = _gmm(grad.t(), x, offs)   # [E, parts*out, in]
    return grad_x, grad_w


@_expert_linear_backward.register_fake
def _(grad, x, offs, weights, parts):
    return torch.empty_like(x), x.new_empty(len(weights) // parts, weights[0].shape[0] * parts, x.shape[1])


def _setup_context(ctx, inputs, output):
    x, offs, weights, parts = inputs
    ctx.parts = parts
    ctx.save_for_backward(x, offs, *weights)


def _backward(ctx, grad):
    x, offs, *weights = ctx.saved_tensors
    grad_x, grad_w = _expert_linear_backward(grad, x, offs, weights, ctx.parts)
    return grad_x, None, list(grad_w.view(len(weights), *weights[0].shape).unbind(0)), None


_expert_linear.register_autograd(_backward, setup_context=_setup_context)


def expert_linear(x: torch.Tensor, offs: torch.Tensor, weights: list[torch.Tensor], parts: int = 1) -> torch.Tensor:
    """Rows of ``x`` sorted by expert; rows ``offs[e-1]:offs[e]`` go through expert ``e``.

    ``weights`` holds ``parts`` consecutive ``[out, in]`` weights per expert (expert-major:
    ``[gate_0, up_0, gate_1, up_1, ...]``); an expert's parts are concatenated along the output
    features (gate and up projections in one matmul, the weights stacked with a single copy).
    """
    return _expert_linear(x.to(weights[0].dtype), offs, list(weights), parts)


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------


class DeepseekMLP(nn.Module):
    """SwiGLU MLP; used for the dense layers, each routed expert and the (merged) shared experts."""

    def __init__(self, config: DeepseekMoeConfig, intermediate_size: int | None = None):
        super().__init__()
        inter = intermediate_size or config.intermediate_size
        self.gate_proj = nn.Linear(config.hidden_size, inter, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, inter, bias=False)
        self.down_proj = nn.Linear(inter, config.hidden_size, bias=False)
        self.act_fn = ACT2FN[config.hidden_act]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class MoEGate(nn.Module):
    """The router. A bare ``weight`` parameter (not ``nn.Linear``): the reference name
    ``mlp.gate.weight``, and PEFT's ``all-linear`` never wraps the router with LoRA."""

    def __init__(self, config: DeepseekMoeConfig):
        super().__init__()
        self.top_k = config.num_experts_per_tok
        self.n_routed_experts = config.n_routed_experts
        self.alpha = config.aux_loss_alpha
        self.seq_aux = config.seq_aux
        self.norm_topk_prob = config.norm_topk_prob
        self.weight = nn.Parameter(torch.empty(config.n_routed_experts, config.hidden_size))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))   # the reference reset_parameters

    def forward(self, hidden_states: torch.Tensor):
        """[B, T, H] -> topk_idx [B*T, k], topk_weight [B*T, k] (fp32), aux_loss (fp32 scalar or None)."""
        bsz, seq_len, h = hidden_states.shape
        # fp32 router: bf16 logits/softmax over many experts is numerically fragile.
        logits = F.linear(hidden_states.reshape(-1, h).float(), self.weight.float())
        scores = logits.softmax(dim=-1)
        topk_weight, topk_idx = torch.topk(scores, k=self.top_k, dim=-1, sorted=False)
        if self.top_k > 1 and self.norm_topk_prob:
            topk_weight = topk_weight / (topk_weight.sum(dim=-1, keepdim=True) + 1e-20)
        aux_loss = None
        if self.alpha > 0.0:
            E, k = self.n_routed_experts, self.top_k
            idx = topk_idx.view(bsz, -1)
            if self.seq_aux:
                # per sequence: f_i = count_i * E / (T*k), P_i = mean score; sum_i f_i P_i, mean over batch
                ce = torch.zeros(bsz, E, device=scores.device, dtype=scores.dtype)
                ce.scatter_add_(1, idx, torch.ones_like(idx, dtype=scores.dtype)).div_(seq_len * k / E)
                aux_loss = (ce * scores.view(bsz, seq_len, E).mean(dim=1)).sum(dim=1).mean() * self.alpha
            else:
                ce = F.one_hot(idx.reshape(-1), num_classes=E).to(scores.dtype).mean(0)
                aux_loss = (scores.mean(0) * ce * E).sum() * self.alpha
        return topk_idx, topk_weight, aux_loss


class DeepseekMoE(nn.Module):
    """Routed experts + shared experts. ``forward`` returns (output, aux_loss or None, expert_load).

    ``expert_load`` is the fraction of this batch's token->expert assignments that went to each
    routed expert (shape [E], sums to 1, no gradient): what a trainer logs to watch balance.
    """

    def __init__(self, config: DeepseekMoeConfig):
        super().__init__()
        self.config = config
        self.num_experts_per_tok = config.num_experts_per_tok
        self.n_routed_experts = config.n_routed_experts
        self.experts = nn.ModuleList(
            [DeepseekMLP(config, intermediate_size=config.moe_intermediate_size) for _ in range(config.n_routed_experts)])
        self.gate = MoEGate(config)
        if config.n_shared_experts is not None:
            self.shared_experts = DeepseekMLP(
                config, intermediate_size=config.moe_intermediate_size * config.n_shared_experts)
        self.act_fn = ACT2FN[config.hidden_act]

    def _use_grouped(self) -> bool:
        impl = self.config.moe_implementation
        if impl == "loop":
            return False
        plain = all(type(m) is nn.Linear and not hasattr(m.weight, "ds_id")    # ds_id: ZeRO-3 partitioned
                    for e in self.experts for m in (e.gate_proj, e.up_proj, e.down_proj))
        if impl == "grouped_mm" and not plain:
            raise RuntimeError("moe_implementation='grouped_mm' but the expert projections are wrapped "
                               "(LoRA or ZeRO-3); the grouped path would skip them. Use 'auto'.")
        return plain

    def forward(self, hidden_states: torch.Tensor):
        identity = hidden_states
        orig_shape = hidden_states.shape
        topk_idx, topk_weight, aux_loss = self.gate(hidden_states)
        x = hidden_states.reshape(-1, orig_shape[-1])
        T, k, E = x.shape[0], self.num_experts_per_tok, self.n_routed_experts

        flat_idx = topk_idx.reshape(-1)
        _, perm = torch.sort(flat_idx, stable=True)          # assignments grouped by expert
        counts = torch.zeros(E, dtype=torch.long, device=x.device).scatter_add_(0, flat_idx, torch.ones_like(flat_idx))
        x_sorted = x[perm // k]

        if self._use_grouped():
            offs = counts.cumsum(0).to(torch.int32)
            experts = list(self.experts)
            h = expert_linear(x_sorted, offs, [w for e in experts for w in (e.gate_proj.weight, e.up_proj.weight)],
                              parts=2)
            gate, up = h.chunk(2, dim=-1)
            y_sorted = expert_linear(self.act_fn(gate) * up, offs, [e.down_proj.weight for e in experts])
        else:
            # split (not slicing): its backward is one cat, slicing would zero-fill x per expert
            chunks = x_sorted.split(counts.tolist())
            y_sorted = torch.cat([self.experts[e](c) for e, c in enumerate(chunks) if c.shape[0]])

        y_sorted = y_sorted.to(x.dtype) * topk_weight.reshape(-1)[perm].unsqueeze(-1).to(x.dtype)
        y = torch.empty_like(y_sorted).index_copy(0, perm, y_sorted)   # back to (token, slot) order
        y = y.view(T, k, -1).sum(dim=1).view(orig_shape)
        if self.config.n_shared_experts is not None:
            y = y + self.shared_experts(identity)
        load = (counts.to(torch.float32) / (T * k)).detach()
        return y, aux_loss, load


__all__ = ["DeepseekMLP", "MoEGate", "DeepseekMoE", "expert_linear"]

# Auto-class registration, whatever the import order (see registration.py).
from jiniac_hpc.model.registration import register_if_idle  # noqa: E402

register_if_idle(__name__)
