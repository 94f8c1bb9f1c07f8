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
    """The training task (every rank runs it): the SFT model, the pairs and TRL's DPO loss."""
    from jiniac_hpc.train.run import TrainingRun

    run = TrainingRun(ctx.run_dir, preempt_at=cfg.train.preempt_at, deepspeed=cfg.train.zero_stage > 0)

    from jiniac_hpc.posttrain.pairs import build_dpo_dataset
    from jiniac_hpc.train import finetune as ft

    model_dir, tok = ft.model_and_tokenizer(cfg.model_path, cfg.tokenizer_path, cfg.data.chat_template, cfg.data.chat)
    train_ds, eval_ds, report = build_dpo_dataset(cfg.data, tok, run.run_dir, is_main=run.rank == 0)
    ft.log(f"DPO data: {len(train_ds)} train / {len(eval_ds) if eval_ds else 0} eval pairs, "
           f"{report['bad']} bad of {report['read']}")
    model = ft.load_model(model_dir, cfg.train.bf16)
    extra = {"beta": cfg.beta, "loss_type": [cfg.loss_type], "max_length": cfg.data.max_length}
    return ft.finetune(run, "dpo", cfg, model, tok, train_ds, eval_ds, extra_args=extra)
