"""One training run, assembled the same way for pretrain, SFT and DPO.

    python jobs/pretrain.py --recipe debug      # (or jobs/sft.py, jobs/dpo.py): each task builds one

    run = TrainingRun(run_dir, preempt_at=cfg.train.preempt_at, deepspeed=True)   # first thing in a task
    resume = ckpt.resume_point(run_dir / "checkpoints", "auto")
    args = run.arguments(TrainingArguments, precision="bf16", zero_stage=1, per_device_train_batch_size=4,
                         gradient_accumulation_steps=2, max_grad_norm=1.0, max_steps=100, ...)
    trainer = run.trainer(MyTrainer, resume=resume, save_every=50, keep_last=3,
                          model=model, args=args, train_dataset=data, ...)
    preempted = run.train()        # None: trained to the end; else the task's "preempted" outcome

A stage module supplies only what it trains: the model, the data and the Trainer class (its
loss). This module owns the rest, so every stage resumes, requeues and logs alike:

- the process: the DeepSpeed accelerator on CPU (gloo), a process group even for one process,
  CPU threads shared between the ranks of a node;
- the :class:`~jiniac_hpc.job.distributed.PreemptionGuard`, created first so a USR2 that
  arrives while the model loads is not lost;
- :func:`deepspeed_config`, the one DeepSpeed config builder, written to ``<run_dir>/deepspeed.json``;
- the Trainer arguments every stage shares (CPU/GPU, batch, optimiser, precision, logging);
- the callbacks: a checkpoint every N steps and at the end, preemption, TensorBoard under
  ``<run_dir>/tensorboard`` (events after the resumed step purged), ``progress.json`` and the
  ``[jiniac] step ...`` line (in place of Trainer's printer of every log dict);
- atomic ``<run_dir>/checkpoints/step-XXXXXXXX`` folders
  (:class:`~jiniac_hpc.train.hf_checkpoint.AtomicCheckpointMixin`) and the preemption exit.

Imports torch and transformers: only job processes import this module.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Union

import torch
from transformers import PrinterCallback

from jiniac_hpc import fileio
from jiniac_hpc.job.distributed import PreemptionGuard, single_process_env
from jiniac_hpc.train import checkpoint as ckpt
from jiniac_hpc.train.callbacks import (PreemptionCallback, ProgressLog, StepCheckpointCallback, TensorBoardScalars,
                                        finish_preempted)

Auto = Union[int, float, str]   # a number, or "auto" for HF's DeepSpeed integration to fill in


def deepspeed_config(zero_stage: int, precision: str, cuda: bool, *, global_batch: Auto = "auto",
                     micro_batch: Auto = "auto", grad_accum: Auto = "auto", grad_clip: Auto = "auto") -> dict:
    """The DeepSpeed config of a run (``precision``: bf16, fp16 or fp32)."""
    return {
        "train_batch_size": global_batch,
        "train_micro_batch_size_per_gpu": micro_batch,
        "gradient_accumulation_steps": grad_accum,
        "gradient_clipping": grad_clip,
        # contiguous_gradients copies every gradient into a flat buffer during backward to avoid
        # fragmentation of ZeRO-2's partitioned gradients; ZeRO-1 keeps whole gradients, so it
        # would only add copies (benchmarks/train_step.py measures it on a CPU debug step).
        "zero_optimization": {"stage": zero_stage, "contiguous_gradients": zero_stage >= 2, "overlap_comm": cuda,
                              "reduce_scatter": True, "reduce_bucket_size": 200_000_000,
                              "allgather_bucket_size": 200_000_000},
        # check_grad_overflow: a non-finite gradient norm skips the update in bf16 too, so a NaN
        # stop always leaves the last good weights in place.
        "bf16": {"enabled": precision == "bf16", "check_grad_overflow": True},
        "fp16": {"enabled": precision == "fp16", "loss_scale": 0, "initial_scale_power": 16},
        "steps_per_print": 1_000_000_000,
        "wall_clock_breakdown": False,
    }


def dist_env() -> tuple[int, int, int]:
    """(rank, world size, ranks on this node) from the environment the launcher exported."""
    return (int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
            int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", 1))))


class TrainingRun:
    """The plumbing of one training task (every rank builds one); see the module docstring."""

    def __init__(self, run_dir: Union[str, Path], *, preempt_at=(), deepspeed: bool = True):
        self.run_dir = Path(run_dir)
        self.guard = PreemptionGuard(preempt_at=set(preempt_at))   # first: a USR2 during setup is not lost
        self.cuda = torch.cuda.is_available()
        if not self.cuda:
            os.environ.setdefault("DS_ACCELERATOR", "cpu")
        if deepspeed:
            single_process_env()   # DeepSpeed needs a process group even for one process
        self.rank, self.world, local_world = dist_env()
        # The GPU HF and DeepSpeed give this rank (they read LOCAL_RANK too).
        self.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if self.cuda else torch.device("cpu")
        if not self.cuda:   # ranks share the cores; torchrun sets OMP_NUM_THREADS=1, submitit does not
            threads = os.environ.get("OMP_NUM_THREADS")
            torch.set_num_threads(int(threads) if threads else max(1, (os.cpu_count() or 1) // local_world))
        self.preempt = PreemptionCallback(self.guard)
        self.tensorboard: Optional[TensorBoardScalars] = None
        self.resume: Optional[Path] = None
        self._trainer = None

    def arguments(self, cls, *, precision: str, zero_stage: Optional[int], global_batch: Auto = "auto", **kw: Any):
        """``cls(**kw)`` (TrainingArguments, trl.SFTConfig, trl.DPOConfig; HF's names) on top of what
        every stage shares: device and backend, ``precision``, DeepSpeed at ``zero_stage`` (None:
        no DeepSpeed), evaluation when ``eval_steps`` is set, no Trainer saves or reports (this
        module's callbacks save; :class:`TensorBoardScalars` writes stable tags)."""
        micro = kw["per_device_train_batch_size"]
        ds = None
        if zero_stage is not None:
            ds = deepspeed_config(zero_stage, precision, self.cuda, global_batch=global_batch, micro_batch=micro,
                                  grad_accum=kw["gradient_accumulation_steps"], grad_clip=kw["max_grad_norm"])
            if self.rank == 0:
                fileio.write_json(self.run_dir / "deepspeed.json", ds)
        base: dict[str, Any] = dict(
            output_dir=str(self.run_dir / ckpt.CHECKPOINTS), use_cpu=not self.cuda,
            ddp_backend="nccl" if self.cuda else "gloo", deepspeed=ds, per_device_eval_batch_size=micro,
            bf16=precision == "bf16", fp16=precision == "fp16", eval_strategy="steps" if kw.get("eval_steps") else "no",
            save_strategy="no", report_to="none", dataloader_num_workers=0, disable_tqdm=True,
            remove_unused_columns=False)
        return cls(**{**base, **kw})

    def trainer(self, cls, *, resume: Optional[Path], save_every: int, final_step: Optional[float] = None,
                keep_last: int = 0, **kw: Any):
        """``cls(callbacks=..., **kw)`` (an :class:`AtomicCheckpointMixin` Trainer) saving into
        ``<run_dir>/checkpoints`` every ``save_every`` steps and at ``final_step`` (None: the
        Trainer's last step), keeping the newest ``keep_last`` (0: all); :meth:`train` resumes
        it from ``resume``."""
        self.resume = resume
        at = int(ckpt.read_meta(resume)["step"]) if resume else 0
        self.tensorboard = TensorBoardScalars(self.run_dir / "tensorboard", purge_step=at + 1 if at else None)
        callbacks = [StepCheckpointCallback(save_every, final_step), self.preempt, self.tensorboard,
                     ProgressLog(self.run_dir)]
        trainer = cls(callbacks=callbacks, **kw)
        # With disable_tqdm Trainer prints every log dict on every rank's stdout; ProgressLog's
        # one line (rank 0) replaces it, and each print costs the step time.
        trainer.remove_callback(PrinterCallback)
        trainer.checkpoint_root = self.run_dir / ckpt.CHECKPOINTS
        trainer.keep_last = keep_last
        self._trainer = trainer
        return trainer

    def train(self) -> Optional[dict]:
        """Train to the end (None), or to a preemption: then the task's outcome, after rank 0
        requeued the Slurm job (or, locally, said how to resume)."""
        trainer = self._trainer
        try:
            trainer.train(resume_from_checkpoint=str(self.resume) if self.resume else None)
        finally:
            self.tensorboard.close()
        if self.preempt.preempted and trainer.state.global_step < trainer.state.max_steps:
            return finish_preempted(self.preempt, trainer, self.rank)
        return None
