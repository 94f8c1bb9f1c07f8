"""``DeepseekMoeConfig``: the transformers config of the DeepSeekMoE model (``model_type: deepseek``).

It reads and writes the same ``config.json`` keys as the reference ``DeepseekConfig`` shipped with
deepseek-ai/deepseek-moe-16b-base (and the JINIAC 5B release), so their checkpoints load without
``trust_remote_code`` and ours load in the reference code. Two additions the reference ignores:
``moe_implementation`` (how routed experts are dispatched, see :mod:`jiniac_hpc.model.moe`) and the
transformers-5 ``rope_parameters`` dict; ``rope_theta``/``rope_scaling`` are still written for it,
as is ``torch_dtype`` beside transformers-5's ``dtype``.

``moe_implementation`` is the single source of truth for transformers' experts switch: the config's
``_experts_implementation`` (what ``use_experts_implementation`` dispatches on, and what
``from_pretrained(experts_implementation=...)`` / ``model.set_experts_implementation`` write) reads
and writes it through :data:`TO_TRANSFORMERS` ("auto" and "grouped_mm" -> "grouped_mm", "loop" ->
"eager", "batched_mm" as is). The experts module's "grouped_mm" slot runs the loop for "auto" on
CPU (:func:`jiniac_hpc.model.moe.auto_experts_forward`).

    from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
    cfg = DeepseekMoeConfig(hidden_size=128, n_routed_experts=8, num_experts_per_tok=2)
"""
from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig

MOE_IMPLEMENTATIONS = ("auto", "grouped_mm", "batched_mm", "loop")
TO_TRANSFORMERS = {"auto": "grouped_mm", "grouped_mm": "grouped_mm", "batched_mm": "batched_mm", "loop": "eager"}


class DeepseekMoeConfig(PretrainedConfig):
    """Hyper-parameters of DeepSeekMoE (fine-grained routed experts + always-on shared experts).

    ``n_routed_experts=None`` gives a dense LLaMA-style model. Layer ``i`` is an MoE layer iff
    ``i >= first_k_dense_replace and i % moe_layer_freq == 0`` (the reference rule).
    """

    model_type = "deepseek"
    keys_to_ignore_at_inference = ["cache", "past_key_values"]

    vocab_size: int = 102400
    hidden_size: int = 4096
    intermediate_size: int = 11008
    moe_intermediate_size: int = 1407
    num_hidden_layers: int = 30
    num_attention_heads: int = 32
    num_key_value_heads: int | None = None
    n_shared_experts: int | None = None
    n_routed_experts: int | None = None
    num_experts_per_tok: int | None = None
    moe_layer_freq: int = 1
    first_k_dense_replace: int = 0
    norm_topk_prob: bool = False
    scoring_func: str = "softmax"
    aux_loss_alpha: float = 0.001
    seq_aux: bool = True
    hidden_act: str = "silu"
    max_position_embeddings: int = 2048
    initializer_range: float = 0.02
    rms_norm_eps: float = 1e-6
    use_cache: bool = True
    pad_token_id: int | None = None
    bos_token_id: int | None = 100000
    eos_token_id: int | list[int] | None = 100001
    pretraining_tp: int = 1
    tie_word_embeddings: bool = False
    rope_parameters: dict | None = None
    attention_bias: bool = False
    attention_dropout: float = 0.0
    moe_implementation: str = "auto"

    def __post_init__(self, **kwargs: Any):
        if self.num_key_value_heads is None:
            self.num_key_value_heads = self.num_attention_heads
        super().__post_init__(**kwargs)
        self._validate()

    def _validate(self) -> None:
        def need(cond: bool, msg: str) -> None:
            if not cond:
                raise ValueError(f"DeepseekMoeConfig: {msg}")

        need(self.hidden_size % self.num_attention_heads == 0,
             f"hidden_size {self.hidden_size} is not a multiple of num_attention_heads {self.num_attention_heads}")
        need(self.num_attention_heads % self.num_key_value_heads == 0,
             "num_attention_heads must be a multiple of num_key_value_heads")
        need(self.scoring_func == "softmax", f"scoring_func {self.scoring_func!r}: only 'softmax' is supported")
        need(self.moe_layer_freq >= 1, "moe_layer_freq must be >= 1")
        need(self.moe_implementation in MOE_IMPLEMENTATIONS,
             f"moe_implementation {self.moe_implementation!r} is not one of {MOE_IMPLEMENTATIONS}")
        if self.n_routed_experts is not None:
            need(self.num_experts_per_tok is not None and 1 <= self.num_experts_per_tok <= self.n_routed_experts,
                 f"num_experts_per_tok {self.num_experts_per_tok} must be in [1, n_routed_experts]")

    # -- transformers' experts switch, backed by moe_implementation --------------------------------
    @property
    def _experts_implementation_internal(self) -> str:
        return TO_TRANSFORMERS[getattr(self, "moe_implementation", "auto")]

    @_experts_implementation_internal.setter
    def _experts_implementation_internal(self, value: str | None) -> None:
        if value is None or value == self._experts_implementation_internal:
            return   # PretrainedConfig's init writes None; "auto" stays "auto"
        ours = {v: k for k, v in TO_TRANSFORMERS.items() if k != "auto"}
        if value not in ours:
            raise ValueError(f"DeepseekMoeConfig: experts implementation {value!r} is not one of {sorted(ours)}")
        self.moe_implementation = ours[value]

    # -- `torch_dtype`, the reference config's name for `dtype` ------------------------------------
    # transformers 5 deprecates it with a warning on every access, and its to_diff_dict reads every
    # key to_dict writes (save_pretrained would warn each time); here it is a plain alias.
    @property
    def torch_dtype(self):
        return self.dtype

    @torch_dtype.setter
    def torch_dtype(self, value) -> None:
        self.dtype = value

    # -- the reference rule for where MoE layers sit ----------------------------------------------
    def is_moe_layer(self, layer_idx: int) -> bool:
        return (self.n_routed_experts is not None and layer_idx >= self.first_k_dense_replace
                and layer_idx % self.moe_layer_freq == 0)

    @property
    def moe_layers(self) -> list[int]:
        return [i for i in range(self.num_hidden_layers) if self.is_moe_layer(i)]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        # The reference code reads `rope_theta` / `rope_scaling`; transformers 5 reads `rope_parameters`
        # (and prefers it when both are present), so write both.
        rope = dict(self.rope_parameters or {})
        out["rope_theta"] = rope.get("rope_theta", 10000.0)
        scaling = {k: v for k, v in rope.items() if k != "rope_theta"}
        if scaling.get("rope_type", "default") == "default":
            out["rope_scaling"] = None
        else:
            scaling["type"] = scaling["rope_type"]
            out["rope_scaling"] = scaling
        # transformers 5 writes the weights' dtype as `dtype`; the reference code (transformers 4.36,
        # as pinned by the published checkpoints) reads only `torch_dtype`, so write both.
        if out.get("dtype") is not None:
            out["torch_dtype"] = out["dtype"]
        return out


__all__ = ["DeepseekMoeConfig", "MOE_IMPLEMENTATIONS", "TO_TRANSFORMERS"]

