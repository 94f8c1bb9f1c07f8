"""DeepSeekMoE as a transformers model: reference checkpoints, save/load, generate, LoRA, Auto classes.

    pytest tests/test_model_hf.py
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
from jiniac_hpc.model.load import load_model, register
from jiniac_hpc.model.modeling_deepseek import DeepseekMoeForCausalLM

REPO = Path(__file__).resolve().parents[1]

# config.json as written by the reference DeepseekConfig (deepseek-moe-16b-base layout), tiny sizes.
REFERENCE_CONFIG = {
    "architectures": ["DeepseekForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "auto_map": {"AutoConfig": "configuration_deepseek.DeepseekConfig",
                 "AutoModel": "modeling_deepseek.DeepseekModel",
                 "AutoModelForCausalLM": "modeling_deepseek.DeepseekForCausalLM"},
    "aux_loss_alpha": 0.001,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "first_k_dense_replace": 1,
    "hidden_act": "silu",
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 48,
    "max_position_embeddings": 64,
    "model_type": "deepseek",
    "moe_intermediate_size": 16,
    "moe_layer_freq": 1,
    "n_routed_experts": 4,
    "n_shared_experts": 2,
    "norm_topk_prob": False,
    "num_attention_heads": 4,
    "num_experts_per_tok": 2,
    "num_hidden_layers": 3,
    "num_key_value_heads": 4,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 10000,
    "scoring_func": "softmax",
    "seq_aux": True,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "transformers_version": "4.36.0",
    "use_cache": True,
    "vocab_size": 64,
}


def reference_checkpoint_tensors(c: dict) -> dict[str, torch.Tensor]:
    """Every tensor the reference DeepseekForCausalLM saves, by name and shape (written out by hand)."""
    g = torch.Generator().manual_seed(0)
    H, V, I, M = c["hidden_size"], c["vocab_size"], c["intermediate_size"], c["moe_intermediate_size"]

    def r(*shape):
        return torch.randn(*shape, generator=g) * 0.05

    t = {"model.embed_tokens.weight": r(V, H), "model.norm.weight": 1 + r(H), "lm_head.weight": r(V, H)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for x in "qkvo":
            t[p + f"self_attn.{x}_proj.weight"] = r(H, H)
        t[p + "input_layernorm.weight"] = 1 + r(H)
        t[p + "post_attention_layernorm.weight"] = 1 + r(H)
        if i >= c["first_k_dense_replace"] and i % c["moe_layer_freq"] == 0:
            t[p + "mlp.gate.weight"] = r(c["n_routed_experts"], H)
            for e in range(c["n_routed_experts"]):
                t[p + f"mlp.experts.{e}.gate_proj.weight"] = r(M, H)
                t[p + f"mlp.experts.{e}.up_proj.weight"] = r(M, H)
                t[p + f"mlp.experts.{e}.down_proj.weight"] = r(H, M)
            S = M * c["n_shared_experts"]
            t[p + "mlp.shared_experts.gate_proj.weight"] = r(S, H)
            t[p + "mlp.shared_experts.up_proj.weight"] = r(S, H)
            t[p + "mlp.shared_experts.down_proj.weight"] = r(H, S)
        else:
            t[p + "mlp.gate_proj.weight"] = r(I, H)
            t[p + "mlp.up_proj.weight"] = r(I, H)
            t[p + "mlp.down_proj.weight"] = r(H, I)
    return t


def write_reference_checkpoint(d: Path) -> dict[str, torch.Tensor]:
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps(REFERENCE_CONFIG, indent=2))
    tensors = reference_checkpoint_tensors(REFERENCE_CONFIG)
    save_file(tensors, str(d / "model.safetensors"), metadata={"format": "pt"})
    return tensors


def tiny_model(seed=0) -> DeepseekMoeForCausalLM:
    torch.manual_seed(seed)
    cfg = DeepseekMoeConfig.from_dict({k: v for k, v in REFERENCE_CONFIG.items() if k != "auto_map"})
    model = DeepseekMoeForCausalLM(cfg).float().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("mlp.gate.weight"):
                p.normal_(0, 0.5)
    return model


def test_reference_checkpoint_loads_fused_and_saves_back_byte_identical(tmp_path):
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    tensors = write_reference_checkpoint(tmp_path / "ref")
    register()      # plain transformers loads model_type "deepseek" once it is registered
    model, info = AutoModelForCausalLM.from_pretrained(tmp_path / "ref", output_loading_info=True)
    assert type(model) is DeepseekMoeForCausalLM
    assert not info["missing_keys"]
    assert not info["unexpected_keys"]
    assert not info.get("mismatched_keys")
    sd = model.state_dict()
    # fused in memory: [E, 2I, H] = experts' gate rows then up rows; [E, H, I]
    gate_up, down = sd["model.layers.2.mlp.experts.gate_up_proj"], sd["model.layers.2.mlp.experts.down_proj"]
    assert gate_up.shape == (4, 32, 32) and down.shape == (4, 32, 16)
    for e in range(4):
        assert torch.equal(gate_up[e, :16], tensors[f"model.layers.2.mlp.experts.{e}.gate_proj.weight"])
        assert torch.equal(gate_up[e, 16:], tensors[f"model.layers.2.mlp.experts.{e}.up_proj.weight"])
        assert torch.equal(down[e], tensors[f"model.layers.2.mlp.experts.{e}.down_proj.weight"])
    assert model.config.n_routed_experts == 4 and model.config.rope_parameters["rope_theta"] == 10000
    # save again: the same tensor names, dtypes and bytes as the reference checkpoint
    model.save_pretrained(tmp_path / "again")
    saved = load_file(str(tmp_path / "again" / "model.safetensors"))
    assert set(saved) == set(tensors)
    for k, v in tensors.items():
        assert saved[k].dtype == v.dtype and torch.equal(saved[k], v), k


def test_load_state_dict_of_a_reference_named_file_fuses_the_experts(tmp_path):
    """What HF Trainer's resume without DeepSpeed does: model.load_state_dict(load_file(model.safetensors))."""
    from safetensors.torch import load_file

    tensors = write_reference_checkpoint(tmp_path / "ref")
    model = tiny_model(seed=1)
    result = model.load_state_dict(load_file(str(tmp_path / "ref" / "model.safetensors")), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    fused = model.model.layers[1].mlp.experts
    assert torch.equal(fused.gate_up_proj[2, 16:], tensors["model.layers.1.mlp.experts.2.up_proj.weight"])
    assert torch.equal(fused.down_proj[3], tensors["model.layers.1.mlp.experts.3.down_proj.weight"])
    model.load_state_dict(model.state_dict())      # the fused names still load as they are


def test_save_pretrained_writes_reference_keys_and_names(tmp_path):
    model = tiny_model()
    model.save_pretrained(tmp_path / "out")
    cfg = json.loads((tmp_path / "out" / "config.json").read_text())
    for key in ("n_routed_experts", "n_shared_experts", "num_experts_per_tok", "moe_intermediate_size",
                "first_k_dense_replace", "moe_layer_freq", "aux_loss_alpha", "seq_aux", "norm_topk_prob",
                "scoring_func", "rope_theta", "rope_scaling", "num_key_value_heads"):
        assert cfg[key] == REFERENCE_CONFIG[key], key
    assert cfg["model_type"] == "deepseek"
    from safetensors import safe_open

    with safe_open(str(tmp_path / "out" / "model.safetensors"), "pt") as f:
        assert set(f.keys()) == set(reference_checkpoint_tensors(REFERENCE_CONFIG))


def test_save_load_roundtrip_identical_logits(tmp_path):
    model = tiny_model()
    ids = torch.randint(0, 64, (2, 12), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        before = model(input_ids=ids).logits
    model.save_pretrained(tmp_path / "rt")
    loaded = load_model(tmp_path / "rt", dtype="float32", device="cpu")
    assert not loaded.training
    with torch.no_grad():
        after = loaded(input_ids=ids).logits
    assert torch.equal(before, after)


def test_generate_with_and_without_kv_cache_is_identical():
    model = tiny_model()
    prompt = torch.randint(4, 64, (2, 6), generator=torch.Generator().manual_seed(4))
    kw = dict(max_new_tokens=12, do_sample=False, pad_token_id=3, eos_token_id=None)
    with_cache = model.generate(prompt, use_cache=True, **kw)
    without = model.generate(prompt, use_cache=False, **kw)
    assert with_cache.shape == (2, 18)
    assert torch.equal(with_cache, without)
    # and the cached path really used a cache: one step with it equals a full forward
    out = model(input_ids=prompt, use_cache=True)
    nxt = out.logits[:, -1].argmax(-1, keepdim=True)
    step = model(input_ids=nxt, cache=out.cache).logits[:, -1]
    full = model(input_ids=torch.cat([prompt, nxt], 1)).logits[:, -1]
    assert (step - full).abs().max().item() < 1e-5


def _dpo_lora(model, **kw):
    """The DPO stage's own LoraConfig (all-linear + the fused experts), wrapped around ``model``."""
    from peft import get_peft_model

    from jiniac_hpc.train.finetune import adapted_modules, lora_config
    from jiniac_hpc.train.sft_config import LoraSection

    peft_model = get_peft_model(model, lora_config(LoraSection(enabled=True, r=4, alpha=8, **kw)))
    return peft_model, adapted_modules(peft_model)


def test_lora_all_linear_reaches_every_projection_and_expert_but_not_the_router():
    model = tiny_model()
    ids = torch.randint(0, 64, (2, 10), generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        base = model(input_ids=ids).logits
    peft_model, adapted = _dpo_lora(model)
    expected = set()
    for i in range(3):
        p = f"model.layers.{i}."
        expected |= {p + f"self_attn.{x}_proj" for x in "qkvo"}
        mlp = p + ("mlp." if i == 0 else "mlp.shared_experts.")
        expected |= {mlp + f"{x}_proj" for x in ("gate", "up", "down")}
        if i > 0:
            expected |= {p + "mlp.experts.gate_up_proj", p + "mlp.experts.down_proj"}
    assert set(adapted) == expected
    assert not any(n.endswith("mlp.gate") or "lm_head" in n for n in adapted)

    # every LoRA B (one per module / fused parameter) changes the output once it is non-zero
    from peft.tuners.lora import LoraLayer

    lora_b = {n.replace(".base_layer", "") + "." + getattr(m, "parameter_name", ""): m.lora_B["default"]
              for n, m in peft_model.named_modules() if isinstance(m, LoraLayer)}
    assert len(lora_b) == len(expected)
    with torch.no_grad():
        assert torch.allclose(peft_model(input_ids=ids).logits, base, atol=1e-6)   # B = 0: no change
        for name, m in sorted(lora_b.items()):
            torch.nn.init.normal_(m.weight, std=0.5)
            changed = (peft_model(input_ids=ids).logits - base).abs().max().item()
            m.weight.zero_()
            assert changed > 1e-4, f"LoRA B of {name} has no effect on the output"


@pytest.mark.parametrize("impl", ["grouped_mm", "loop"])
def test_lora_on_experts_changes_expert_output_and_merges_to_reference_names(tmp_path, impl):
    from safetensors.torch import load_file

    model = tiny_model()
    model.config.moe_implementation = impl
    layer = model.model.layers[1].mlp
    x = torch.randn(3, 32, generator=torch.Generator().manual_seed(6))
    idx = torch.tensor([[0, 1], [2, 3], [1, 3]])
    w = torch.full((3, 2), 0.5)
    with torch.no_grad():
        before = layer.experts(x, idx, w)
    peft_model, _ = _dpo_lora(model)
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for n, p in peft_model.named_parameters():
            if "lora_B" in n:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    experts = peft_model.base_model.model.model.layers[1].mlp.experts     # the outer PEFT wrapper
    with torch.no_grad():
        adapted = experts(x, idx, w)
        assert (adapted - before).abs().max() > 1e-3                     # the deltas reach the experts
        ids = torch.randint(0, 64, (2, 10), generator=g)
        lora_logits = peft_model(input_ids=ids).logits
    merged = peft_model.merge_and_unload()
    with torch.no_grad():
        assert (merged(input_ids=ids).logits - lora_logits).abs().max() < 1e-5   # merged == adapter model
    merged.save_pretrained(tmp_path / "merged")
    saved = load_file(str(tmp_path / "merged" / "model.safetensors"))
    assert set(saved) == set(reference_checkpoint_tensors(REFERENCE_CONFIG))
    fused = merged.model.layers[1].mlp.experts.gate_up_proj
    assert torch.equal(saved["model.layers.1.mlp.experts.3.up_proj.weight"], fused[3, 16:])


def test_lora_dropout_on_fused_experts_is_a_config_error():
    from jiniac_hpc.config import ConfigError

    with pytest.raises(ConfigError, match="lora.dropout"):
        _dpo_lora(tiny_model(), dropout=0.05)


def test_experts_implementation_switch_is_moe_implementation(tmp_path):
    write_reference_checkpoint(tmp_path / "ref")
    model = load_model(tmp_path / "ref", device="cpu", experts_implementation="batched_mm")
    assert model.config.moe_implementation == "batched_mm"
    model.set_experts_implementation("eager")
    assert model.config.moe_implementation == "loop" and model.config._experts_implementation == "eager"
    model.config.moe_implementation = "auto"
    assert model.config._experts_implementation == "grouped_mm"
    assert load_model(tmp_path / "ref", device="cpu").config.moe_implementation == "auto"


def test_load_model_registers_explicitly_and_importing_registers_nothing(tmp_path):
    """No import hook: importing the package (even the model classes) leaves transformers' Auto classes
    alone; load_model registers, after which plain transformers knows model_type "deepseek" too."""
    write_reference_checkpoint(tmp_path / "ref")
    code = (
        "import sys, jiniac_hpc, jiniac_hpc.model\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'import jiniac_hpc is not light'\n"
        "import jiniac_hpc.model.modeling_deepseek\n"
        "from transformers import AutoConfig\n"
        "try:\n"
        "    AutoConfig.for_model('deepseek'); print('registered-by-import')\n"
        "except ValueError:\n"
        "    print('not-registered')\n"
        "from jiniac_hpc.model import load_model\n"
        f"m = load_model({str(tmp_path / 'ref')!r}, device='cpu')\n"
        "print(type(m).__name__, AutoConfig.for_model('deepseek').__class__.__name__, m.training)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split()[-4:] == ["not-registered", "DeepseekMoeForCausalLM", "DeepseekMoeConfig", "False"]


def test_save_model_is_atomic_and_loads_back(tmp_path):
    from jiniac_hpc.model.load import save_model

    model = tiny_model()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "stale.bin").write_text("from an older save")
    save_model(model, tmp_path / "out", extra={"source": "test"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]               # no temp folder left behind
    assert not (tmp_path / "out" / "stale.bin").exists()                        # replaced, not merged
    assert json.loads((tmp_path / "out" / "jiniac.json").read_text()) == {"source": "test"}
    loaded = load_model(tmp_path / "out", dtype="float32", device="cpu")
    for (k, v), (k2, v2) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(v, v2), k
