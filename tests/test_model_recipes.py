"""Model recipes, parameter counts and FLOPs.

    pytest tests/test_model_recipes.py
"""
from __future__ import annotations

import pytest
import torch

from jiniac_hpc.config import ConfigError
from jiniac_hpc.model import ModelConfig, flops_per_token, load_model_recipe, param_counts
from jiniac_hpc.model.flops import active_matmul_params


def test_jiniac_5b_parameter_counts():
    total, active = param_counts(load_model_recipe("jiniac-5b"))
    print(f"jiniac-5b: total {total:,} active {active:,}")
    assert abs(total - 5.03e9) < 0.01e9
    assert abs(active - 0.88e9) < 0.01e9


def test_deepseek_moe_16b_parameter_counts():
    total, active = param_counts(load_model_recipe("deepseek-moe-16b"))
    print(f"deepseek-moe-16b: total {total:,} active {active:,}")
    assert abs(total - 16.4e9) < 0.1e9     # published: 16.4B total, 2.8B activated
    assert abs(active - 2.8e9) < 0.1e9


@pytest.mark.parametrize("name", ["debug", "jiniac-5b", "deepseek-moe-16b"])
def test_param_counts_equal_the_built_model(name):
    from jiniac_hpc.model import build_model
    from jiniac_hpc.model.moe import DeepseekMoE

    cfg = load_model_recipe(name)
    model = build_model(cfg, device="meta")          # shapes only, no memory
    numel = sum(p.numel() for p in model.parameters())
    unused = 0
    for layer in model.model.layers:
        if isinstance(layer.mlp, DeepseekMoE):
            per_expert = sum(p.numel() for p in layer.mlp.experts.parameters()) // cfg.n_routed_experts
            unused += per_expert * (cfg.n_routed_experts - cfg.num_experts_per_tok)
    assert param_counts(cfg) == (numel, numel - unused)


def test_debug_recipe_is_small():
    total, active = param_counts(load_model_recipe("debug"))
    assert 1e6 <= total <= 5e6 and active <= total


def test_flops_per_token_hand_count():
    cfg = ModelConfig(vocab_size=1000, hidden_size=64, intermediate_size=256, moe_intermediate_size=32,
                      num_hidden_layers=3, num_attention_heads=4, n_routed_experts=8, n_shared_experts=1,
                      num_experts_per_tok=2, first_k_dense_replace=1, moe_layer_freq=1, bos_token_id=1,
                      eos_token_id=2, pad_token_id=3)
    # per token, forward multiply-adds of every weight it touches:
    attn = 4 * 64 * 64                     # q, k, v, o           = 16384 per layer
    dense = 3 * 64 * 256                   # layer 0 MLP           = 49152
    router = 8 * 64                        #                       = 512
    routed = 2 * 3 * 64 * 32               # top-2 experts         = 12288
    shared = 3 * 64 * 32                   # one shared expert     = 6144
    head = 1000 * 64                       # LM head (embedding lookup is free) = 64000
    n = 3 * attn + dense + 2 * (router + routed + shared) + head
    assert n == 49152 + 49152 + 37888 + 64000 == active_matmul_params(cfg)
    seq = 128
    attention_scores = 3 * 2 * 2 * seq * 64 * 3    # QK^T and AV, 2 FLOPs/MAC, x3 for fwd+bwd, 3 layers
    assert flops_per_token(cfg, seq) == 6 * n + attention_scores
    assert flops_per_token(cfg, seq, causal=True) == 6 * n + attention_scores / 2
    # the same numbers from the transformers config
    assert flops_per_token(cfg.to_hf(), seq) == flops_per_token(cfg, seq)


def test_recipe_errors_name_the_key():
    with pytest.raises(ConfigError, match="num_experts_per_tok"):
        load_model_recipe("debug", ["num_experts_per_tok=9"])
    with pytest.raises(ConfigError, match="unknown key hidden_sise"):
        load_model_recipe("debug", ["hidden_sise=8"])
    with pytest.raises(ConfigError, match="pad_token_id"):
        load_model_recipe("debug", ["vocab_size=3"])


def test_vocab_is_a_recipe_field_and_to_hf_carries_everything():
    cfg = load_model_recipe("jiniac-5b", ["vocab_size=32000"])
    hf = cfg.to_hf()
    assert hf.vocab_size == 32000 and hf.model_type == "deepseek"
    assert (hf.n_routed_experts, hf.n_shared_experts, hf.num_experts_per_tok) == (64, 2, 4)
    assert hf.moe_layers == list(range(1, 9))
    assert hf.dtype == torch.bfloat16 and hf._attn_implementation == "sdpa"


def test_build_model_bf16_default_and_debug_trains():
    from jiniac_hpc.model import build_model

    cfg = load_model_recipe("debug", ["dtype=bfloat16"])
    torch.manual_seed(0)
    model = build_model(cfg)
    assert all(p.dtype == torch.bfloat16 for p in model.parameters())
    model = build_model(load_model_recipe("debug"), dtype=torch.float32).train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    ids = torch.randint(4, 200, (4, 32), generator=torch.Generator().manual_seed(0))
    losses = []
    for _ in range(8):
        out = model(input_ids=ids, labels=ids)
        out.loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(out.loss.item())
    assert losses[-1] < losses[0] - 0.5, losses
    assert out.expert_load.shape == (2, 8) and out.aux_loss is not None
