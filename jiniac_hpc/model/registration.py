"""Register ``model_type: deepseek`` with transformers' Auto classes.

Called automatically as soon as transformers is imported in a process that imported
``jiniac_hpc`` (see ``jiniac_hpc/__init__.py``), so ``AutoModelForCausalLM.from_pretrained(dir)``
loads our checkpoints and the reference DeepSeekMoE ones without ``trust_remote_code``.
"""
from __future__ import annotations

_done = False


def register() -> None:
    global _done
    if _done:
        return
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
    from jiniac_hpc.model.modeling_deepseek import DeepseekMoeForCausalLM, DeepseekMoeModel

    AutoConfig.register("deepseek", DeepseekMoeConfig, exist_ok=True)
    AutoModel.register(DeepseekMoeConfig, DeepseekMoeModel, exist_ok=True)
    AutoModelForCausalLM.register(DeepseekMoeConfig, DeepseekMoeForCausalLM, exist_ok=True)
    _done = True
