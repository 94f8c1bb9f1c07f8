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
- ``model/`` + ``model.done``: the final model (LoRA merged if LoRA was on);
- ``data_report.json``: per-source counts and every bad record (file, line, reason);
- ``tensorboard/``.

Preemption (USR2/SIGTERM, or ``train.preempt_at`` in drills): all ranks save at the next step
boundary, rank 0 requeues the Slurm job, and the rerun resumes from ``resume: auto``.
"""
from __future__ import annotations

from pathlib import Path

from jiniac_hpc.stages import Step, TaskContext
from jiniac_hpc.train.sft_config import SFTConfig


def plan(cfg: SFTConfig, run_dir: Path) -> list[Step]:
    """Check the model and data paths on the login node; one distributed training step."""
    from jiniac_hpc.posttrain.records import check_data_path
    from jiniac_hpc.posttrain.trainer import check_tokenizer, resolve_model_path

    check_tokenizer(cfg.tokenizer_path, resolve_model_path(cfg.model_path))
    for i, src in enumerate(cfg.data.sources):
        check_data_path(src.path, f"data.sources[{i}].path")
    done = Path(f"{run_dir}/model.done").exists()
    return [Step("train", "jiniac_hpc.train.sft:train", distributed=True, done=[done])]


def train(cfg: SFTConfig, ctx: TaskContext) -> dict:
    """The training task (every rank runs it)."""
    from jiniac_hpc.model.load import load_model
    from jiniac_hpc.posttrain import trainer as pt
    from jiniac_hpc.posttrain.encode import build_sft_dataset

    run_dir = Path(ctx.run_dir)
    model_dir, tok = pt.model_and_tokenizer(cfg.model_path, cfg.tokenizer_path, cfg.data.chat_template, cfg.data.chat)
    train_ds, eval_ds, report = build_sft_dataset(cfg.data, tok, run_dir, is_main=ctx.rank == 0)
    pt.log(f"SFT data: {len(train_ds)} train / {len(eval_ds) if eval_ds else 0} eval examples; "
           + ", ".join(f"{k}: {v.get('used', 0)} used, {v['bad']} bad" for k, v in report["sources"].items()))
    model = load_model(model_dir, "bfloat16" if cfg.train.bf16 else "float32", device="cpu")
    return pt.run_trainer("sft", cfg, model, tok, train_ds, eval_ds, run_dir, rank=ctx.rank)
