"""DPO stage: TRL's DPOTrainer with LoRA on all linear layers, merged and exported at the end.

    python -c "from jiniac_hpc.launch.runner import launch; launch('dpo', 'debug', cluster='local')"
    python jobs/dpo.py --recipe jiniac-5b --cluster abci-h100

As JINIAC did: LoRA on every linear layer (``target_modules: all-linear``; with our DeepSeekMoE
that is attention, the dense MLP, shared and routed experts, never the router), beta 0.5,
prompt/chosen/rejected pairs. The reference model is the SFT model itself with the adapters
disabled (TRL's ``ref_model=None`` with a PEFT model), so no second copy of the weights is held.

Run directory ``logs/dpo/<run>/``: ``checkpoints/step-*`` (adapter checkpoints, the pretraining
layout and resume path), ``adapted_modules.json``, ``data_report.json``, ``tensorboard/``
(``rewards/margins``, ``rewards/chosen``...), and ``model/``: the adapters merged into the
weights, a plain HF model folder with the tokenizer. Done when the executor's marker
``completions/train/00000.json`` holds the outcome; a preempted run has none and resumes.
"""
from __future__ import annotations

from pathlib import Path

from jiniac_hpc.stages import Step, TaskContext
from jiniac_hpc.train.dpo_config import DPOConfig


def plan(cfg: DPOConfig, run_dir: Path) -> list[Step]:
    """Check the model and the pairs on the login node; one distributed step (done: its marker)."""
    from jiniac_hpc.posttrain.records import check_data_path
    from jiniac_hpc.train.finetune import check_tokenizer, resolve_model_path

    check_tokenizer(cfg.tokenizer_path, resolve_model_path(cfg.model_path))
    check_data_path(cfg.data.path, "data.path", " (run the dpo-data stage first?)")
    return [Step("train", "jiniac_hpc.train.dpo:train", distributed=True)]


def train(cfg: DPOConfig, ctx: TaskContext) -> dict:
    """The training task (every rank runs it): the pairs, TRL's DPO loss, the shared rest."""
    from jiniac_hpc.posttrain.pairs import build_dpo_dataset
    from jiniac_hpc.train.finetune import train_task

    extra = {"beta": cfg.beta, "loss_type": [cfg.loss_type], "max_length": cfg.data.max_length}
    return train_task("dpo", cfg, ctx, build_dpo_dataset, extra_args=extra)
