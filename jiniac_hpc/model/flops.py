"""Parameter counts and training FLOPs per token of a DeepSeekMoE config (pure arithmetic, no torch).

    python -m jiniac_hpc.model.flops [--seq-len 4096] [recipe ...]    # a table for the model recipes

Works on a ``DeepseekMoeConfig`` or a recipe ``ModelConfig`` (same field names).

* ``param_counts(cfg) -> (total, active)``: every parameter, and those a token actually uses
  (attention, norms, dense MLPs, router, top-k routed experts, shared experts, embedding and head).
  Recipes: debug 1.26M / 1.19M, jiniac-5b 5.031B / 0.878B, deepseek-moe-16b 16.376B / 2.829B.
* ``flops_per_token(cfg, seq_len)``: training FLOPs (forward + backward = 3 x forward) per token,
  ``6 * N + 12 * L * seq_len * d_attn`` where N counts the *active matmul* parameters (q/k/v/o, the
  dense or top-k routed + shared expert MLPs, the router, and the vocabulary projection once: the
  input embedding is a lookup, not a matmul; norms are negligible), and the second term is the
  attention scores and weighted values (PaLM appendix B, nanoGPT). ``causal=True`` halves that term
  (what a causal flash kernel actually computes); the default counts the full matrix as PaLM does,
  so MFU numbers compare with published ones.
"""
from __future__ import annotations

import argparse
from typing import Any


def _head_dim(cfg: Any) -> int:
    return getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads


def is_moe_layer(cfg: Any, i: int) -> bool:
    """Layer ``i`` is a MoE layer (the reference rule, as ``DeepseekMoeConfig.is_moe_layer``)."""
    return (cfg.n_routed_experts is not None and i >= cfg.first_k_dense_replace
            and i % cfg.moe_layer_freq == 0)


def _layer_params(cfg: Any) -> list[dict[str, int]]:
    """Per layer: parameter counts by part (``routed_one`` is one routed expert)."""
    h, hd = cfg.hidden_size, _head_dim(cfg)
    nh = cfg.num_attention_heads
    nkv = cfg.num_key_value_heads or nh
    attn = h * nh * hd + 2 * h * nkv * hd + nh * hd * h
    rows = []
    for i in range(cfg.num_hidden_layers):
        row = {"attn": attn, "norms": 2 * h}
        if is_moe_layer(cfg, i):
            row["router"] = cfg.n_routed_experts * h
            row["routed_one"] = 3 * h * cfg.moe_intermediate_size
            row["shared"] = 3 * h * cfg.moe_intermediate_size * (cfg.n_shared_experts or 0)
        else:
            row["dense"] = 3 * h * cfg.intermediate_size
        rows.append(row)
    return rows


def param_counts(cfg: Any) -> tuple[int, int]:
    """(total, active) parameter counts."""
    emb = cfg.vocab_size * cfg.hidden_size
    base = emb * (1 if cfg.tie_word_embeddings else 2) + cfg.hidden_size   # + final norm
    total = active = base
    for row in _layer_params(cfg):
        common = row["attn"] + row["norms"] + row.get("dense", 0) + row.get("router", 0) + row.get("shared", 0)
        total += common + row.get("routed_one", 0) * (cfg.n_routed_experts or 0)
        active += common + row.get("routed_one", 0) * (cfg.num_experts_per_tok or 0)
    return total, active


def active_matmul_params(cfg: Any) -> int:
    """Parameters multiplied with each token's activations: no norms, vocabulary matrix once."""
    n = cfg.vocab_size * cfg.hidden_size
    for row in _layer_params(cfg):
        n += (row["attn"] + row.get("dense", 0) + row.get("router", 0) + row.get("shared", 0)
              + row.get("routed_one", 0) * (cfg.num_experts_per_tok or 0))
    return n


def flops_per_token(cfg: Any, seq_len: int, causal: bool = False) -> float:
    """Training FLOPs per token (forward + backward) from active parameters; see the module doc."""
    d_attn = cfg.num_attention_heads * _head_dim(cfg)
    attn = 12 * cfg.num_hidden_layers * seq_len * d_attn
    return 6.0 * active_matmul_params(cfg) + (attn / 2 if causal else attn)


def main(argv: list[str] | None = None) -> None:
    from jiniac_hpc.config import RECIPE_DIR
    from jiniac_hpc.model.config import load_model_recipe

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("recipes", nargs="*", help="model recipes (default: all)")
    ap.add_argument("--seq-len", type=int, default=4096)
    args = ap.parse_args(argv)
    names = args.recipes or sorted(p.stem for p in (RECIPE_DIR / "model").glob("*.yaml"))
    print(f"{'recipe':<20}{'total':>16}{'active':>16}{'GFLOPs/token @' + str(args.seq_len):>24}")
    for name in names:
        cfg = load_model_recipe(name)
        total, active = param_counts(cfg)
        print(f"{name:<20}{total:>16,}{active:>16,}{flops_per_token(cfg, args.seq_len) / 1e9:>24.3f}")


if __name__ == "__main__":
    main()
