"""``ModelConfig``: the model section of a recipe (``jiniac_hpc/recipes/model/<name>.yaml``).

Light module (no torch/transformers at import). ``to_hf()`` builds the transformers config
(:class:`~jiniac_hpc.model.configuration_deepseek.DeepseekMoeConfig`); field names are exactly the
``config.json`` keys of the reference DeepSeekMoE, so a recipe reads like the checkpoint it makes.

    from jiniac_hpc.model.config import load_model_recipe
    cfg = load_model_recipe("jiniac-5b", ["vocab_size=32000"])
    python -m jiniac_hpc.model.flops            # parameter counts and FLOPs/token of every recipe
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from jiniac_hpc.config import check, field, load_recipe, to_dict

DTYPES = ("bfloat16", "float32", "float16")


@dataclass
class ModelConfig:
    vocab_size: int = field(8192, doc="Vocabulary size; must equal the tokenizer's (a pretraining recipe overrides it).")
    hidden_size: int = field(128, doc="Model width.")
    intermediate_size: int = field(352, doc="FFN width of the dense (non-MoE) layers.")
    moe_intermediate_size: int = field(64, doc="FFN width of one routed expert; shared experts use n_shared_experts x this.")
    num_hidden_layers: int = field(2, doc="Number of decoder layers.")
    num_attention_heads: int = field(4, doc="Attention heads.")
    num_key_value_heads: Optional[int] = field(None, doc="KV heads (GQA); null = num_attention_heads (the reference).")
    n_routed_experts: Optional[int] = field(8, doc="Routed experts per MoE layer; null = dense model.")
    n_shared_experts: Optional[int] = field(2, doc="Always-on shared experts (merged into one MLP); null = none.")
    num_experts_per_tok: Optional[int] = field(2, doc="Routed experts per token (top-k).")
    first_k_dense_replace: int = field(1, doc="The first k layers are dense; MoE from layer k on.")
    moe_layer_freq: int = field(1, doc="MoE only on layers with layer % moe_layer_freq == 0.")
    aux_loss_alpha: float = field(0.001, doc="Balance-loss coefficient (0 disables it).")
    seq_aux: bool = field(True, doc="Sequence-level balance loss (true) or over the whole batch (false).")
    norm_topk_prob: bool = field(False, doc="Renormalise the top-k routing weights to sum to 1.")
    scoring_func: Literal["softmax"] = field("softmax", doc="Router scoring function (the reference supports softmax only).")
    hidden_act: str = field("silu", doc="Activation of the SwiGLU MLPs.")
    max_position_embeddings: int = field(4096, doc="Longest sequence (RoPE tables).")
    rope_theta: float = field(10000.0, doc="RoPE base.")
    rms_norm_eps: float = field(1e-6, doc="RMSNorm epsilon.")
    initializer_range: float = field(0.02, doc="Std of the normal init of linear and embedding weights.")
    tie_word_embeddings: bool = field(False, doc="Share the input embedding and the LM head.")
    bos_token_id: int = field(1, doc="BOS id (the tokenizer contract: <s>=1).")
    eos_token_id: int = field(2, doc="EOS id (</s>=2).")
    pad_token_id: int = field(3, doc="PAD id (<pad>=3).")
    dtype: Literal["bfloat16", "float32", "float16"] = field(
        "bfloat16", doc="Parameter dtype. Router softmax and the loss run in fp32 regardless.")
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2", "flex_attention"] = field(
        "sdpa", doc="transformers attention backend.")
    moe_implementation: Literal["auto", "grouped_mm", "batched_mm", "loop"] = field(
        "auto", doc="Expert dispatch, one of transformers' experts kernels: grouped_mm, batched_mm, or loop (a "
                    "per-expert loop over sorted tokens; transformers' 'eager'); auto: grouped_mm on GPU, loop on CPU.")

    def __post_init__(self):
        for name in ("vocab_size", "hidden_size", "intermediate_size", "moe_intermediate_size",
                     "num_hidden_layers", "num_attention_heads", "max_position_embeddings"):
            check(getattr(self, name) > 0, name, "must be > 0")
        check(self.hidden_size % self.num_attention_heads == 0, "num_attention_heads",
              f"hidden_size {self.hidden_size} must be a multiple of num_attention_heads {self.num_attention_heads}")
        if self.num_key_value_heads is not None:
            check(self.num_key_value_heads > 0 and self.num_attention_heads % self.num_key_value_heads == 0,
                  "num_key_value_heads", "must divide num_attention_heads")
        if self.n_routed_experts is not None:
            check(self.n_routed_experts > 0, "n_routed_experts", "must be > 0 (or null for a dense model)")
            check(self.num_experts_per_tok is not None and 1 <= self.num_experts_per_tok <= self.n_routed_experts,
                  "num_experts_per_tok", f"must be between 1 and n_routed_experts ({self.n_routed_experts})")
        if self.n_shared_experts is not None:
            check(self.n_shared_experts > 0, "n_shared_experts", "must be > 0 (or null for none)")
        check(self.first_k_dense_replace >= 0, "first_k_dense_replace", "must be >= 0")
        check(self.moe_layer_freq >= 1, "moe_layer_freq", "must be >= 1")
        check(self.aux_loss_alpha >= 0, "aux_loss_alpha", "must be >= 0")
        for name in ("bos_token_id", "eos_token_id", "pad_token_id"):
            check(0 <= getattr(self, name) < self.vocab_size, name, f"must be in [0, vocab_size={self.vocab_size})")

    def to_hf(self):
        """The transformers config (``DeepseekMoeConfig``); imports transformers."""
        from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig

        kw = to_dict(self)
        dtype, attn = kw.pop("dtype"), kw.pop("attn_implementation")
        cfg = DeepseekMoeConfig(**kw, dtype=dtype)
        cfg._attn_implementation = attn
        return cfg


def load_model_recipe(name: str, overrides: list[str] | None = None) -> ModelConfig:
    """``recipes/model/<name>.yaml`` (or a path) with ``key=value`` overrides."""
    return load_recipe("model", ModelConfig, name, overrides)


__all__ = ["ModelConfig", "load_model_recipe"]
