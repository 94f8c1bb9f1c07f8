"""DeepSeekMoE in transformers format: config, model, fused experts on transformers' kernels, FLOPs.

Importing this package is cheap: the torch/transformers parts load on first use, and the Auto-class
registration happens when transformers is imported (hook in ``jiniac_hpc/__init__.py``), so

    import jiniac_hpc.model
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained("checkpoints/step-00001000")   # no trust_remote_code

Modules: ``config`` (recipe ``ModelConfig``, light), ``configuration_deepseek`` (``DeepseekMoeConfig``),
``moe`` (router, fused experts, shared experts), ``modeling_deepseek`` (``DeepseekMoeForCausalLM``),
``registration`` (Auto classes, checkpoint conversion mapping), ``flops`` (parameter counts,
FLOPs/token; ``python -m jiniac_hpc.model.flops``), ``roofline`` (bytes and GPU time of the expert
paths), ``build``. Tests: ``pytest tests/test_model*.py``; benchmarks: ``python benchmarks/moe_layer.py``
(``--roofline``), ``python benchmarks/gpu_check.py``.
"""
from __future__ import annotations

import importlib

from jiniac_hpc.model.config import ModelConfig, load_model_recipe
from jiniac_hpc.model.flops import flops_per_token, param_counts

_LAZY = {
    "build_model": "jiniac_hpc.model.build",
    "DeepseekMoeConfig": "jiniac_hpc.model.configuration_deepseek",
    "DeepseekMoeForCausalLM": "jiniac_hpc.model.modeling_deepseek",
    "DeepseekMoeModel": "jiniac_hpc.model.modeling_deepseek",
    "register": "jiniac_hpc.model.registration",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'jiniac_hpc.model' has no attribute {name!r}")


__all__ = ["ModelConfig", "load_model_recipe", "flops_per_token", "param_counts", *_LAZY]
