"""Register ``model_type: deepseek`` with transformers' Auto classes, whatever the import order.

``jiniac_hpc/__init__.py`` calls :func:`register_if_idle` right after transformers is imported, so
``AutoModelForCausalLM.from_pretrained(dir)`` loads our checkpoints and the reference DeepSeekMoE
ones without ``trust_remote_code``. Registration needs the model classes, i.e. importing
``modeling_deepseek``; when transformers is first imported *by* one of our model modules that
import is not possible yet (circular), so each model module retries at its end and
``modeling_deepseek`` registers itself when it finishes.

Registration also installs the checkpoint conversion mapping of ``model_type: deepseek`` with
transformers (``register_checkpoint_conversion_mapping``): the reference per-expert weights
``mlp.experts.{e}.{gate,up,down}_proj.weight`` are stacked into the fused ``mlp.experts.gate_up_proj``
(``[E, 2I, H]``: gate rows, then up rows) and ``mlp.experts.down_proj`` (``[E, H, I]``) on load, and
``save_pretrained`` runs the same converters in reverse, so checkpoints keep the reference names.
These are the converters transformers itself declares for Qwen2-MoE / DeepSeek-V2/V3.
"""
from __future__ import annotations

import importlib
import sys

_MODELING = "jiniac_hpc.model.modeling_deepseek"


def _initializing(name: str) -> bool:
    mod = sys.modules.get(name)
    return mod is not None and bool(getattr(getattr(mod, "__spec__", None), "_initializing", False))


def register_classes(config_cls, model_cls, causal_lm_cls) -> None:
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    from transformers.conversion_mapping import register_checkpoint_conversion_mapping
    from transformers.core_model_loading import Concatenate, MergeModulelist, WeightConverter

    AutoConfig.register(config_cls.model_type, config_cls, exist_ok=True)
    register_checkpoint_conversion_mapping(config_cls.model_type, [
        WeightConverter(source_patterns=["mlp.experts.*.gate_proj.weight", "mlp.experts.*.up_proj.weight"],
                        target_patterns="mlp.experts.gate_up_proj",
                        operations=[MergeModulelist(dim=0), Concatenate(dim=1)]),
        WeightConverter(source_patterns="mlp.experts.*.down_proj.weight", target_patterns="mlp.experts.down_proj",
                        operations=[MergeModulelist(dim=0)]),
    ], overwrite=True)
    AutoModel.register(config_cls, model_cls, exist_ok=True)
    AutoModelForCausalLM.register(config_cls, causal_lm_cls, exist_ok=True)


def register_if_idle(caller: str | None = None) -> bool:
    """Import ``modeling_deepseek`` (which registers at its end) unless another of our model modules
    is half-imported; then the last of them to finish does it. Returns whether it registered."""
    busy = [n for n in list(sys.modules) if n.startswith("jiniac_hpc.model.") and n != caller and _initializing(n)]
    if busy:
        return False
    importlib.import_module(_MODELING)
    return True


def register() -> None:
    """Explicit registration (normally automatic)."""
    if not register_if_idle():
        raise RuntimeError("jiniac_hpc.model is still being imported; registration happens when it finishes")
