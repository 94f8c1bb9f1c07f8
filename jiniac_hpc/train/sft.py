"""SFT stage: full-parameter (or LoRA) supervised fine-tuning with TRL's SFTTrainer.

    python -c "from jiniac_hpc.launch.runner import launch; launch('sft', 'debug', cluster='local')"
    python jobs/sft.py --recipe jiniac-5b --cluster abci-h100

One distributed step (``train``): one task per GPU over ``job.nodes`` nodes, DeepSpeed ZeRO-1 on
GPUs, gloo on CPU. The data (instruction / chat / prompt-completion / math sources, mixed by
weight) is tokenized by :mod:`jiniac_hpc.posttrain.encode` into ``input_ids`` + ``labels``
with -100 everywhere but the response tokens, so TRL only pads and batches it.

Run directory ``logs/sft/<run>/``:

- ``checkpoints/step-XXXXXXXX/`` every ``train.save_steps`` (the pretraining layout, written by
  :mod:`jiniac_hpc.train.hf_checkpoint`); each one is a ``from_pretrained`` folder with the
  tokenizer, so the eval sweep can load it directly;
- ``checkpoints.json``: the list of checkpoints for the eval sweep;
- ``model/``: the final model (LoRA merged if LoRA was on), written atomically; the task's
  outcome (``completions/train/00000.json``, written by the executor) marks the run done;
- ``data_report.json``: per-source counts and every bad record (file, line, reason);
- ``tensorboard/``.

Preemption (USR2/SIGTERM, or ``train.preempt_at`` in drills): all ranks save at the next step
boundary, rank 0 requeues the Slurm job, and the rerun resumes from ``resume: auto``. The run
assembly (checkpoints, resume, TensorBoard, preemption) is :mod:`jiniac_hpc.train.run`; what SFT
shares with DPO (start model, LoRA, export) is :mod:`jiniac_hpc.train.finetune`.
"""
from __future__ import annotations

from pathlib import Path

from jiniac_hpc.stages import Step, TaskContext
from jiniac_hpc.train.sft_config import SFTConfig


def plan(cfg: SFTConfig, run_dir: Path) -> list[Step]:
    """Check the model and data paths on the login node; one distributed training step (done:
    the executor's completion marker, written when a task returns "done", never "preempted")."""
    from jiniac_hpc.posttrain.records import check_data_path
    from jiniac_hpc.train.finetune import check_tokenizer, resolve_model_path

    check_tokenizer(cfg.tokenizer_path, resolve_model_path(cfg.model_path))
    for i, src in enumerate(cfg.data.sources):
        check_data_path(src.path, f"data.sources[{i}].path")
    return [Step("train", "jiniac_hpc.train.sft:train", distributed=True)]


def train(cfg: SFTConfig, ctx: TaskContext) -> dict:
    """The training task (every rank runs it): the SFT data, TRL's SFT loss, the shared rest."""
    from jiniac_hpc.posttrain.encode import build_sft_dataset
    from jiniac_hpc.train.finetune import train_task

    return train_task("sft", cfg, ctx, build_sft_dataset)
