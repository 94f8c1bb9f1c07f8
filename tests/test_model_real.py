"""DeepSeekMoE against the published deepseek-moe-16b-base metadata (tests/assets/model/real/).

The real ``config.json`` must load unchanged and be written back with every key it had; a tiny
model with its structure (dense first layer, MoE every layer after, 2 shared experts, top-6) must
save exactly the tensor names of the published layout, layer by layer, and load a state dict so
named with nothing missing or unexpected, give the logits of the repo's reference forward
(tests/test_model.py), and load from shards that split a layer's experts across files.

    pytest tests/test_model_real.py
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
from jiniac_hpc.model.load import register
from jiniac_hpc.model.modeling_deepseek import DeepseekMoeForCausalLM

REAL = Path(__file__).resolve().parent / "assets" / "model" / "real"
BASE_CONFIG = REAL / "deepseek-moe-16b-base.config.json"

# The published sizes shrunk; every structural key (first_k_dense_replace, moe_layer_freq,
# n_shared_experts, num_experts_per_tok, norm_topk_prob, scoring_func, ...) kept as published.
TINY = dict(hidden_size=32, intermediate_size=48, moe_intermediate_size=8, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=4, n_routed_experts=8, vocab_size=64,
            max_position_embeddings=64, bos_token_id=1, eos_token_id=2)


def published_names(c: dict) -> set[str]:
    """The tensor names of the published DeepseekForCausalLM layout for config ``c``: LLaMA
    attention and norms, ``mlp.{gate,up,down}_proj`` in dense layers, ``mlp.gate`` +
    ``mlp.experts.E.*`` + ``mlp.shared_experts.*`` in MoE layers."""
    names = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"}
    proj = ("gate_proj", "up_proj", "down_proj")
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        names |= {p + f"self_attn.{x}_proj.weight" for x in "qkvo"}
        names |= {p + "input_layernorm.weight", p + "post_attention_layernorm.weight"}
        if c["n_routed_experts"] is not None and i >= c["first_k_dense_replace"] and i % c["moe_layer_freq"] == 0:
            names.add(p + "mlp.gate.weight")
            names |= {p + f"mlp.experts.{e}.{x}.weight" for e in range(c["n_routed_experts"]) for x in proj}
            if c.get("n_shared_experts") is not None:
                names |= {p + f"mlp.shared_experts.{x}.weight" for x in proj}
        else:
            names |= {p + f"mlp.{x}.weight" for x in proj}
    return names


def tiny_real_config(tmp_path: Path) -> dict:
    c = dict(json.loads(BASE_CONFIG.read_text()), **TINY)
    (tmp_path / "config.json").write_text(json.dumps(c))
    return c


def test_real_config_loads_and_saves_back_every_key(tmp_path):
    raw = json.loads(BASE_CONFIG.read_text())
    cfg = DeepseekMoeConfig.from_json_file(str(BASE_CONFIG))
    assert cfg.moe_layers == list(range(1, 28)) and cfg.n_shared_experts == 2 and cfg.num_experts_per_tok == 6
    assert cfg.rope_parameters["rope_theta"] == 10000 and str(cfg.dtype) == "torch.bfloat16"
    cfg.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    # every published key comes back with its value (`auto_map`, `torch_dtype`, `rope_scaling: null`, ...)
    lost = {k: (v, saved.get(k, "<missing>")) for k, v in raw.items()
            if k != "transformers_version" and saved.get(k, "<missing>") != v}
    assert not lost
    again = DeepseekMoeConfig.from_pretrained(tmp_path)
    assert {k: v for k, v in again.to_dict().items() if k != "_name_or_path"} == \
        {k: v for k, v in cfg.to_dict().items() if k != "_name_or_path"}


def test_tiny_model_with_real_structure_saves_the_published_names(tmp_path):
    c = tiny_real_config(tmp_path)
    torch.manual_seed(0)
    model = DeepseekMoeForCausalLM(DeepseekMoeConfig.from_pretrained(tmp_path))
    model.save_pretrained(tmp_path / "ours")
    saved = set(load_file(str(tmp_path / "ours" / "model.safetensors")))
    expected = published_names(c)
    assert saved == expected, (sorted(saved - expected)[:5], sorted(expected - saved)[:5])


def test_state_dict_named_as_published_loads_with_nothing_missing_or_unexpected(tmp_path):
    from transformers import AutoModelForCausalLM

    c = tiny_real_config(tmp_path)
    shapes = dict(DeepseekMoeForCausalLM(DeepseekMoeConfig.from_pretrained(tmp_path)).state_dict())
    g = torch.Generator().manual_seed(1)
    H, M = c["hidden_size"], c["moe_intermediate_size"]
    tensors = {}
    for name in published_names(c):
        if ".mlp.experts." in name:
            shape = (H, M) if name.endswith("down_proj.weight") else (M, H)
        else:
            shape = tuple(shapes[name].shape)
        tensors[name] = torch.randn(*shape, generator=g, dtype=torch.float32).to(torch.bfloat16)
    save_file(tensors, str(tmp_path / "model.safetensors"), metadata={"format": "pt"})
    register()
    model, info = AutoModelForCausalLM.from_pretrained(tmp_path, dtype=torch.float32, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info.get("mismatched_keys")
    sd = model.state_dict()
    e = c["n_routed_experts"] - 1
    assert torch.equal(sd["model.layers.3.mlp.experts.down_proj"][e],
                       tensors[f"model.layers.3.mlp.experts.{e}.down_proj.weight"].float())


def test_tiny_model_with_real_structure_matches_the_reference_forward(tmp_path):
    from tests.test_model import ref_forward

    tiny_real_config(tmp_path)
    torch.manual_seed(0)
    model = DeepseekMoeForCausalLM(DeepseekMoeConfig.from_pretrained(tmp_path)).float().eval()
    with torch.no_grad():   # sharper routing than the init, so the top-6 choice matters
        for i in model.config.moe_layers:
            model.model.layers[i].mlp.gate.weight.normal_(0, 0.5)
    ids = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        ref_logits, _ = ref_forward(model, ids)
        assert (model(input_ids=ids).logits - ref_logits).abs().max().item() <= 1e-4


def test_sharded_checkpoint_with_experts_split_across_files_loads(tmp_path):
    """The published checkpoint is 7 shards whose weight_map puts a layer's experts in more than
    one file; an expert's gate/up/down in different shards must still fuse."""
    c = tiny_real_config(tmp_path)
    torch.manual_seed(0)
    model = DeepseekMoeForCausalLM(DeepseekMoeConfig.from_pretrained(tmp_path)).eval()
    model.save_pretrained(tmp_path / "one")
    tensors = load_file(str(tmp_path / "one" / "model.safetensors"))
    shards: dict[str, dict] = {}
    for i, name in enumerate(sorted(tensors)):
        shards.setdefault(f"model-{i % 3 + 1:05d}-of-00003.safetensors", {})[name] = tensors[name]
    d = tmp_path / "sharded"
    d.mkdir()
    for f, ts in shards.items():
        save_file(ts, str(d / f), metadata={"format": "pt"})
    weight_map = {n: f for f, ts in shards.items() for n in ts}
    (d / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    (d / "config.json").write_text((tmp_path / "one" / "config.json").read_text())
    register()
    from transformers import AutoModelForCausalLM

    loaded = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()
    ids = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        assert torch.equal(model(input_ids=ids).logits, loaded(input_ids=ids).logits)
    loaded.save_pretrained(tmp_path / "resharded", max_shard_size="20KB")
    index = json.loads((tmp_path / "resharded" / "model.safetensors.index.json").read_text())
    assert set(index["weight_map"]) == published_names(c)
