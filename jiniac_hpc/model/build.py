"""``build_model(model_cfg, dtype)``: a freshly initialised DeepSeekMoE from a recipe ``ModelConfig``.

    from jiniac_hpc.model import build_model, load_model_recipe
    model = build_model(load_model_recipe("debug"))            # dtype from the recipe (bf16 by default)
"""
from __future__ import annotations

from typing import Optional, Union

import torch

from jiniac_hpc.model.config import ModelConfig
from jiniac_hpc.model.modeling_deepseek import DeepseekMoeForCausalLM


def build_model(model_cfg: ModelConfig, dtype: Optional[Union[str, torch.dtype]] = None,
                device: Optional[Union[str, torch.device]] = None) -> DeepseekMoeForCausalLM:
    """Random-init model; ``dtype`` overrides ``model_cfg.dtype``. Parameters are created directly in
    that dtype (no fp32 copy first), on ``device`` ("meta" builds a shape-only model)."""
    dtype = dtype or model_cfg.dtype
    dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    hf = model_cfg.to_hf()
    hf.dtype = dtype
    prev = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device or "cpu"):
            model = DeepseekMoeForCausalLM(hf)
    finally:
        torch.set_default_dtype(prev)
    return model
