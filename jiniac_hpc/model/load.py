"""The one door for loading a causal LM from disk: ``load_model(path, dtype, device)``.

    python -c "from jiniac_hpc.model import load_model; print(load_model('logs/sft/debug/model'))"
    pytest tests/test_model_hf.py -k "load_model or save_model"

:func:`register` tells transformers' Auto classes about ``model_type: deepseek``
(:class:`~jiniac_hpc.model.configuration_deepseek.DeepseekMoeConfig` and the model classes), once;
:func:`load_model` registers and then loads any ``from_pretrained`` folder: our DeepSeekMoE
checkpoints, the reference deepseek-moe ones (no ``trust_remote_code``; the reference per-expert
weights are fused on load), or any model transformers knows (the tiny Llama of the tests).
Code that wants the plain transformers API after all calls :func:`register` first.

    from jiniac_hpc.model.load import load_model, save_model
    model = load_model("logs/pretrain/debug/checkpoints/step-00000010", dtype="auto", device="auto")
    save_model(model, "out/model", tokenizer=tok)          # atomic: the folder appears complete or not at all
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Optional, Union

from jiniac_hpc import fileio


@functools.cache
def register() -> None:
    """Register ``model_type: deepseek`` with AutoConfig, AutoModel and AutoModelForCausalLM (idempotent)."""
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
    from jiniac_hpc.model.modeling_deepseek import DeepseekMoeForCausalLM, DeepseekMoeModel

    AutoConfig.register(DeepseekMoeConfig.model_type, DeepseekMoeConfig, exist_ok=True)
    AutoModel.register(DeepseekMoeConfig, DeepseekMoeModel, exist_ok=True)
    AutoModelForCausalLM.register(DeepseekMoeConfig, DeepseekMoeForCausalLM, exist_ok=True)


def pick_device(device: Any = "auto"):
    """``"auto"``: the GPU when there is one, else the CPU; anything else as ``torch.device``."""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def pick_dtype(dtype: Any = "auto", device: Any = "cpu"):
    """``"auto"``: bf16 on a GPU that has it, else fp32 (not transformers' "auto", the checkpoint's
    dtype); a name ("bfloat16") or a ``torch.dtype`` as is."""
    import torch

    if dtype == "auto":
        device = pick_device(device)
        return torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
    return getattr(torch, dtype) if isinstance(dtype, str) else dtype


def load_model(path: Union[str, Path], dtype: Any = "auto", device: Any = "auto", **kwargs):
    """The causal LM in the ``from_pretrained`` folder ``path``, in ``dtype`` on ``device``, in eval mode.

    ``kwargs`` go to ``from_pretrained`` (e.g. ``experts_implementation="batched_mm"``)."""
    from transformers import AutoModelForCausalLM

    register()
    device = pick_device(device)
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=pick_dtype(dtype, device), **kwargs)
    return model.to(device).eval()


def save_model(model, out: Union[str, Path], tokenizer=None, extra: Optional[dict] = None) -> Path:
    """``save_pretrained`` of the model (and tokenizer) into ``out`` in one rename; ``extra`` becomes
    ``jiniac.json`` beside them (what the run that wrote it wants a reader to know)."""
    with fileio.atomic_dir(out) as tmp:
        model.save_pretrained(str(tmp))
        if tokenizer is not None:
            tokenizer.save_pretrained(str(tmp))
        if extra:
            fileio.write_json(tmp / "jiniac.json", extra)
    return Path(out)

