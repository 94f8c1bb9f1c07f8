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

Expert storage and dispatch (transformers' own MoE machinery)
-------------------------------------------------------------
The routed experts of a layer are one module, :class:`DeepseekMoeExperts`, holding two fused
parameters in transformers' layout: ``gate_up_proj`` ``[E, 2*I, H]`` (each expert's gate rows, then
its up rows) and ``down_proj`` ``[E, H, I]``. The class is decorated with transformers'
``use_experts_implementation``, so its forward is whichever of transformers' experts kernels
``config._experts_implementation`` names; the config maps our ``moe_implementation`` onto it
(:mod:`jiniac_hpc.model.configuration_deepseek`):

* ``auto`` (the default): ``grouped_mm`` on a GPU and under ``torch.compile``, ``loop`` on CPU
  (:func:`auto_experts_forward`, a local override of the "grouped_mm" slot in this module's copy
  of transformers' ``ExpertsInterface``; other models are untouched). On CPU transformers' ``grouped_mm`` path
  gathers all tokens x top-k rows into one sorted copy and runs every elementwise pass over it,
  where the loop's per-expert slices stay in cache; ``benchmarks/moe_layer.py --cpu-time`` times
  both against the naive and the reference loops;
* ``grouped_mm``: transformers' kernel on every device: sort the assignments by expert, one
  ``torch.nn.functional.grouped_mm`` per projection over all experts (transformers falls back to
  its own opaque loop op where the kernel is missing, e.g. fp32 under ``torch.compile``);
* ``batched_mm``: gather each assignment's expert weight and run one ``bmm`` (memory-hungry; for
  small token counts, e.g. decoding);
* ``loop`` (transformers' ``eager``): this class's own forward, :func:`loop_experts_forward`.
  transformers' eager example loops over one-hot masks and indexes ``gate_up_proj[e]`` per expert,
  whose backward writes a zero-filled gradient of the whole stack per expert; ours sorts once,
  ``unbind``-s the stacks (one gradient ``stack`` in backward), runs each used expert on its
  contiguous slice and ``index_add``-s its weighted output into its tokens' rows.

No weight is ever stacked or copied per forward: the kernels read the fused parameters directly and
write the weight gradients into one ``[E, ...]`` tensor. LoRA reaches the experts through PEFT's
``target_parameters`` (the fused parameters are wrapped, not the modules), DeepSpeed ZeRO-3 gathers
the two parameters when the experts module runs, like any other module's.

Checkpoints keep the reference names (``mlp.experts.{e}.{gate,up,down}_proj.weight``): transformers'
checkpoint conversion mapping (:data:`CHECKPOINT_CONVERSION`, registered for ``model_type: deepseek``
when :mod:`jiniac_hpc.model.modeling_deepseek` defines the model) fuses them on ``from_pretrained`` and splits them back on
``save_pretrained``, the same ``WeightConverter`` recipe transformers uses for Qwen2-MoE and
DeepSeek-V2/V3. ``state_dict()`` itself has the fused names. One path bypasses the mapping: plain
``load_state_dict`` of a saved ``model.safetensors`` (HF Trainer's resume without DeepSpeed); a
state-dict pre-hook on the experts module fuses reference names there too.

    pytest tests/test_model.py tests/test_model_hf.py       # reference equivalence, names, LoRA
    python benchmarks/moe_layer.py [--roofline --recipe jiniac-5b]
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers.activations import ACT2FN
from transformers.core_model_loading import Concatenate, MergeModulelist, WeightConverter
from transformers.integrations.moe import ExpertsInterface, grouped_mm_experts_forward, use_experts_implementation

from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig


# The fused routed-expert parameters, as PEFT's ``target_parameters`` suffixes (LoRA "all linear").
EXPERT_PARAMETERS = ("mlp.experts.gate_up_proj", "mlp.experts.down_proj")

# Reference per-expert names <-> fused parameters, for transformers' checkpoint conversion mapping
# (the converters transformers itself declares for Qwen2-MoE / DeepSeek-V2/V3): stacked on load,
# split again by ``save_pretrained``.
CHECKPOINT_CONVERSION = [
    WeightConverter(source_patterns=["mlp.experts.*.gate_proj.weight", "mlp.experts.*.up_proj.weight"],
                    target_patterns="mlp.experts.gate_up_proj", operations=[MergeModulelist(dim=0), Concatenate(dim=1)]),
    WeightConverter(source_patterns="mlp.experts.*.down_proj.weight", target_patterns="mlp.experts.down_proj",
                    operations=[MergeModulelist(dim=0)]),
]


class DeepseekMLP(nn.Module):
    """SwiGLU MLP; used for the dense layers and the (merged) shared experts."""

    def __init__(self, config: DeepseekMoeConfig, intermediate_size: int | None = None):
        super().__init__()
        inter = intermediate_size or config.intermediate_size
        self.gate_proj = nn.Linear(config.hidden_size, inter, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, inter, bias=False)
        self.down_proj = nn.Linear(inter, config.hidden_size, bias=False)
        self.act_fn = ACT2FN[config.hidden_act]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


# transformers' experts kernels, with a local override of the "grouped_mm" slot (set below
# auto_experts_forward); other models' dispatch is untouched.
EXPERTS_FUNCTIONS = ExpertsInterface()


@use_experts_implementation(experts_interface=EXPERTS_FUNCTIONS)
class DeepseekMoeExperts(nn.Module):
    """The routed experts as two fused parameters; ``forward(x [T, H], top_k_index [T, k],
    top_k_weights [T, k]) -> [T, H]`` (the routing-weighted sum over each token's experts)."""

    def __init__(self, config: DeepseekMoeConfig):
        super().__init__()
        self.num_experts = config.n_routed_experts
        self.hidden_dim = config.hidden_size
        self.intermediate_dim = config.moe_intermediate_size
        self.gate_up_proj = nn.Parameter(torch.empty(self.num_experts, 2 * self.intermediate_dim, self.hidden_dim))
        self.down_proj = nn.Parameter(torch.empty(self.num_experts, self.hidden_dim, self.intermediate_dim))
        self.act_fn = ACT2FN[config.hidden_act]
        # what each expert's nn.Linear would start with (the model's _init_weights then uses N(0, 0.02))
        for w in (self.gate_up_proj, self.down_proj):
            nn.init.uniform_(w, -1 / math.sqrt(w.shape[-1]), 1 / math.sqrt(w.shape[-1]))
        self._register_load_state_dict_pre_hook(self._fuse_reference_names)

    def _fuse_reference_names(self, state_dict, prefix, *args) -> None:
        """``load_state_dict`` of a reference-named state dict (what ``save_pretrained`` writes):
        stack ``{prefix}{e}.{gate,up,down}_proj.weight`` into the fused parameters. HF Trainer's
        resume without DeepSpeed loads ``model.safetensors`` this way, not through ``from_pretrained``
        and its conversion mapping, and with ``strict=False``: unconverted, the experts would
        silently keep their current weights."""
        if f"{prefix}0.gate_proj.weight" not in state_dict:
            return
        parts = {n: [state_dict.pop(f"{prefix}{e}.{n}_proj.weight") for e in range(self.num_experts)]
                 for n in ("gate", "up", "down")}
        state_dict[prefix + "gate_up_proj"] = torch.cat([torch.stack(parts["gate"]), torch.stack(parts["up"])], dim=1)
        state_dict[prefix + "down_proj"] = torch.stack(parts["down"])

    def forward(self, hidden_states: torch.Tensor, top_k_index: torch.Tensor,
                top_k_weights: torch.Tensor) -> torch.Tensor:
        """``moe_implementation="loop"`` (transformers' "eager" slot): :func:`loop_experts_forward`."""
        return loop_experts_forward(self, hidden_states, top_k_index, top_k_weights)


def loop_experts_forward(self: DeepseekMoeExperts, hidden_states: torch.Tensor, top_k_index: torch.Tensor,
                         top_k_weights: torch.Tensor) -> torch.Tensor:
    """Sort the (token, slot) assignments by expert once; each used expert runs on its contiguous
    slice with its own slices of the fused weights and adds its routing-weighted output into its
    tokens' rows (an fp32 accumulator in a low-precision model, like transformers' fp32 sum)."""
    k = top_k_index.shape[-1]
    flat = top_k_index.reshape(-1)
    order = torch.argsort(flat, stable=True)
    counts = torch.bincount(flat, minlength=self.num_experts).tolist()   # the one host sync
    token = order // k
    # [E, 2I, H] as 2E matrices [I, H] (expert e's gate rows, then its up rows): two matmuls with
    # contiguous outputs instead of chunking one. unbind's backward is one stack of the gradients;
    # indexing the parameter per expert would zero-fill a gradient of the whole stack per expert.
    gate_up = self.gate_up_proj.view(-1, self.intermediate_dim, self.hidden_dim).unbind(0)
    down = self.down_proj.unbind(0)
    weights = top_k_weights.reshape(-1)[order].unsqueeze(-1).split(counts)
    out = hidden_states.new_zeros(hidden_states.shape, dtype=torch.promote_types(hidden_states.dtype, torch.float32))
    # One gather of the sorted rows, split (its backward is one cat, not a zero-filled [T, H] per
    # expert). Experts without tokens run on their empty slice: the autograd graph is the same on
    # every rank, so DeepSpeed ZeRO-3 reduces the gradients in the same order everywhere.
    for e, (x, tok) in enumerate(zip(hidden_states[token].split(counts), token.split(counts))):
        y = F.linear(self.act_fn(F.linear(x, gate_up[2 * e])) * F.linear(x, gate_up[2 * e + 1]), down[e])
        out.index_add_(0, tok, (y * weights[e]).to(out.dtype))
    return out.to(hidden_states.dtype)


def auto_experts_forward(self: DeepseekMoeExperts, hidden_states: torch.Tensor, top_k_index: torch.Tensor,
                         top_k_weights: torch.Tensor) -> torch.Tensor:
    """transformers' "grouped_mm" slot: its ``grouped_mm`` kernel, except for ``moe_implementation
    "auto"`` on CPU, where :func:`loop_experts_forward` does less memory traffic (module docstring).
    Under ``torch.compile`` it is always the kernel: the loop's per-expert counts break the graph."""
    if (self.config.moe_implementation == "auto" and hidden_states.device.type == "cpu"
            and not torch.compiler.is_compiling()):
        return loop_experts_forward(self, hidden_states, top_k_index, top_k_weights)
    return grouped_mm_experts_forward(self, hidden_states, top_k_index, top_k_weights)


EXPERTS_FUNCTIONS["grouped_mm"] = auto_experts_forward


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
        self.experts = DeepseekMoeExperts(config)
        self.gate = MoEGate(config)
        if config.n_shared_experts is not None:
            self.shared_experts = DeepseekMLP(
                config, intermediate_size=config.moe_intermediate_size * config.n_shared_experts)

    def forward(self, hidden_states: torch.Tensor):
        orig_shape = hidden_states.shape
        topk_idx, topk_weight, aux_loss = self.gate(hidden_states)
        x = hidden_states.reshape(-1, orig_shape[-1])
        # routing weights in the model dtype, as the reference multiplies them
        y = self.experts(x, topk_idx, topk_weight.to(x.dtype)).view(orig_shape)
        if self.config.n_shared_experts is not None:
            y = y + self.shared_experts(hidden_states)
        flat = topk_idx.reshape(-1)
        counts = torch.zeros(self.n_routed_experts, device=x.device).scatter_add_(
            0, flat, torch.ones_like(flat, dtype=torch.float32))
        return y, aux_loss, (counts / flat.numel()).detach()


__all__ = ["CHECKPOINT_CONVERSION", "EXPERT_PARAMETERS", "DeepseekMLP", "DeepseekMoeExperts", "MoEGate", "DeepseekMoE"]

