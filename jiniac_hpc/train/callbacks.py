"""Trainer callbacks of every training run (wired by :class:`jiniac_hpc.train.run.TrainingRun`).

    python -m pytest tests/test_sft_train.py    # a run that is preempted, requeued and logs to TensorBoard

- :class:`StepCheckpointCallback`: a checkpoint every N global steps and at the last step of
  the job (with :class:`~jiniac_hpc.train.hf_checkpoint.AtomicCheckpointMixin` they are atomic).
- :class:`PreemptionCallback`: USR2 (Slurm's time-limit warning), SIGTERM (preemption,
  ``scontrol requeue``) or a ``preempt_at`` step set a flag; at the next step boundary all ranks
  agree (:class:`jiniac_hpc.job.distributed.PreemptionGuard`), save, and stop training.
  :func:`finish_preempted` then lets rank 0 requeue the Slurm job, or, locally, returns a
  "preempted, resume by relaunching" status.
- :class:`ProgressLog`: rank 0 prints ``[jiniac] step N/M loss ... tok/s eta ...`` at each log
  step (and eval_loss at each eval) and keeps the same in ``progress.json`` (the local launcher
  draws its step bar from it).
- :class:`TensorBoardScalars`: rank 0 writes the ``logs`` of each ``Trainer.log`` call as
  scalars under stable tags (:data:`HF_TAGS` renames Trainer's own keys; keys that already
  contain a ``/`` are written as they are). On resume ``purge_step`` drops events a killed job
  wrote after its last checkpoint, so a curve read back has one value per step.

Imports transformers: only job processes import this module.
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Optional

from transformers import TrainerCallback

from jiniac_hpc import fileio
from jiniac_hpc.job.distributed import PreemptionGuard, requeue_self
from jiniac_hpc.launch.status import PROGRESS

#: Trainer's log keys -> our stable TensorBoard tags.
HF_TAGS = {"loss": "train/loss", "grad_norm": "train/grad_norm", "eval_loss": "eval/loss"}


class StepCheckpointCallback(TrainerCallback):
    """Save every ``save_every`` global steps and at ``final_step`` (the end of this job; None: the
    Trainer's ``max_steps``, for runs whose length is only known once training starts)."""

    def __init__(self, save_every: int, final_step: Optional[float] = None):
        self.save_every, self.final_step = save_every, final_step

    def on_step_end(self, args, state, control, **kw):
        final = state.max_steps if self.final_step is None else self.final_step
        if state.global_step % self.save_every == 0 or state.global_step >= final:
            control.should_save = True
        return control


class PreemptionCallback(TrainerCallback):
    """Save and stop at the first step boundary after a signal or a ``preempt_at`` step."""

    def __init__(self, guard: PreemptionGuard):
        self.guard = guard
        self.preempted_at: Optional[int] = None

    def on_step_end(self, args, state, control, **kw):
        # Collective: every rank calls it at every step, so all of them stop at the same step.
        # One process needs no all-reduce (a collective every step is not free, even on gloo).
        if args.world_size > 1:
            stop = self.guard.stop_requested(state.global_step)
        else:
            stop = self.guard.flag or state.global_step in self.guard.preempt_at
            if stop and not self.guard.flag:
                self.guard.reason = f"preempt_at step {state.global_step}"
        if stop:
            self.preempted_at = state.global_step
            control.should_save = True
            control.should_training_stop = True
        return control

    @property
    def preempted(self) -> bool:
        return self.preempted_at is not None


def finish_preempted(cb: PreemptionCallback, trainer, rank: int) -> dict:
    """After ``trainer.train()`` returned because of preemption: requeue (Slurm) or explain (local)."""
    step = cb.preempted_at
    where = getattr(trainer, "last_checkpoint", None)
    how = requeue_self() if rank == 0 else ""
    requeued = bool(how)
    if how == "slurm":
        msg = (f"stopped at step {step} ({cb.guard.reason}); checkpoint {where} saved; Slurm requeued the job "
               f"(scontrol requeue or preemption): it resumes there by itself")
    elif how:
        msg = f"preempted at step {step} ({cb.guard.reason}); checkpoint {where}; job requeued, it resumes there"
    else:
        msg = (f"preempted at step {step} ({cb.guard.reason}); checkpoint {where} saved: "
               f"resume by relaunching the same command (resume: auto)")
    if rank == 0:
        print(f"[jiniac] {msg}", file=sys.stderr, flush=True)
    return {"status": "preempted", "step": step, "checkpoint": str(where), "requeued": requeued, "message": msg}


class ProgressLog(TrainerCallback):
    """Rank 0, at each ``Trainer.log``: one line ``[jiniac] step 12/40 loss 7.1234 lr 9.0e-04
    2345 tok/s eta 0:01:10`` on stdout (what ``jiniac status`` shows for a Slurm job) and the same
    values in ``<run_dir>/progress.json`` (what the local launcher's step bar reads); an eval log
    prints ``[jiniac] step 12/40 eval_loss 6.9876``."""

    def __init__(self, run_dir: Path | str):
        self.path = Path(run_dir) / PROGRESS
        self.first: Optional[tuple[float, int]] = None   # (time, step) where this job started training
        self.tokens: Optional[tuple[float, float]] = None  # (time, num_tokens) for trainers that count tokens

    def on_train_begin(self, args, state, control, **kw):
        self.first = (time.time(), state.global_step)   # after a resume, global_step is the checkpoint's
        return control

    def on_log(self, args, state, control, logs=None, **kw):
        if not state.is_world_process_zero or not logs:
            return control
        if "eval_loss" in logs:
            print(f"[jiniac] step {state.global_step}/{state.max_steps} eval_loss {float(logs['eval_loss']):.4f}",
                  flush=True)
        if "loss" not in logs:
            return control
        now, step, total = time.time(), state.global_step, state.max_steps
        self.first = self.first or (now, step)
        rate = (step - self.first[1]) / max(now - self.first[0], 1e-9)
        eta = (total - step) / rate if rate > 0 else None
        tps = logs.get("perf/tokens_per_s")
        if tps is None and "num_tokens" in logs:   # TRL counts tokens seen; rate between two logs
            if self.tokens is not None and now > self.tokens[0]:
                tps = (float(logs["num_tokens"]) - self.tokens[1]) / (now - self.tokens[0])
            self.tokens = (now, float(logs["num_tokens"]))
        lr = logs.get("train/lr", logs.get("learning_rate"))
        rec = {"step": step, "total": total, "loss": float(logs["loss"]), "lr": lr, "tokens_per_s": tps,
               "eta_s": eta, "time": now}
        parts = [f"[jiniac] step {step}/{total}", f"loss {rec['loss']:.4f}"]
        parts += [f"lr {lr:.3e}"] if lr is not None else []
        parts += [f"{tps:.0f} tok/s"] if tps is not None else []
        parts += [f"eta {_hms(eta)}"] if eta is not None else []
        print(" ".join(parts), flush=True)
        fileio.write_json(self.path, rec, indent=None)
        return control


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class TensorBoardScalars(TrainerCallback):
    """Rank 0 writes each ``Trainer.log`` dict as scalars at the global step (see module doc)."""

    def __init__(self, log_dir: Path | str, purge_step: Optional[int] = None, skip: tuple = ("learning_rate", "epoch")):
        self.log_dir, self.purge_step, self.skip = Path(log_dir), purge_step, set(skip)
        self.writer = None

    def _open(self, state):
        if self.writer is None and state.is_world_process_zero:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.log_dir), purge_step=self.purge_step, flush_secs=30)
        return self.writer

    def on_log(self, args, state, control, logs=None, **kw):
        w = self._open(state)
        if w is None or not logs:
            return control
        from tensorboard.compat.proto.summary_pb2 import Summary

        values = []
        for key, value in logs.items():
            if key in self.skip or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            tag = HF_TAGS.get(key, key if "/" in key else None)
            if tag is None:
                continue
            v = float(value)
            values.append(Summary.Value(tag=tag, simple_value=v if math.isfinite(v) else float("nan")))
        # One event holding every scalar of this log, as add_scalar would write them one event
        # each: the event framing (and its pure-Python CRC) is the writer's cost, ~10x less so.
        if values:
            w.file_writer.add_summary(Summary(value=values), state.global_step)
        return control

    def on_save(self, args, state, control, **kw):
        if self.writer is not None:
            self.writer.flush()   # what a checkpoint covers is on disk with it
        return control

    def on_train_end(self, args, state, control, **kw):
        self.close()
        return control

    def close(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()
            self.writer = None
