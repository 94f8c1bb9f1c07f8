"""DeepSeekMoE in transformers format: config, model, fused experts on transformers' kernels, FLOPs.

Importing this package is cheap: the torch/transformers parts load on first use. Checkpoints load
through one door, which registers the Auto classes first (no ``trust_remote_code``):

    from jiniac_hpc.model import load_model
    model = load_model("checkpoints/step-00001000", dtype="bfloat16", device="cuda")

Modules: ``config`` (recipe ``ModelConfig``, light), ``configuration_deepseek`` (``DeepseekMoeConfig``),
``moe`` (router, fused experts, shared experts), ``modeling_deepseek`` (``DeepseekMoeForCausalLM``),
``load`` (``load_model``/``save_model``, Auto-class registration), ``generate`` (batched
generation of tokenised prompts), ``flops`` (parameter counts,
FLOPs/token; ``python -m jiniac_hpc.model.flops``), ``roofline`` (bytes and GPU time of the expert
paths), ``build``. Tests: ``pytest tests/test_model*.py``; benchmarks: ``python benchmarks/moe_layer.py``
(``--roofline``), ``python benchmarks/gpu_check.py``.
"""
from __future__ import annotations

import importlib

from jiniac_hpc.model.config import ModelConfig, load_model_recipe
from jiniac_hpc.model.flops import flops_per_token, param_counts
from jiniac_hpc.model.load import load_model, register, save_model

_LAZY = {
    "build_model": "jiniac_hpc.model.build",
    "DeepseekMoeConfig": "jiniac_hpc.model.configuration_deepseek",
    "DeepseekMoeForCausalLM": "jiniac_hpc.model.modeling_deepseek",
    "DeepseekMoeModel": "jiniac_hpc.model.modeling_deepseek",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'jiniac_hpc.model' has no attribute {name!r}")


__all__ = ["ModelConfig", "load_model_recipe", "flops_per_token", "param_counts", "load_model", "register",
           "save_model", *_LAZY]
