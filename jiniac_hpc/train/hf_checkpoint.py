"""HF Trainer side of :mod:`jiniac_hpc.train.checkpoint`: atomic ``step-XXXXXXXX`` folders.

    class MyTrainer(AtomicCheckpointMixin, transformers.Trainer): ...     # or trl.SFTTrainer
    trainer = MyTrainer(..., args=TrainingArguments(save_strategy="no", ...))
    trainer.checkpoint_root = run_dir / "checkpoints"; trainer.keep_last = 3
    trainer.train(resume_from_checkpoint=find_resume_path(trainer.checkpoint_root))

Reused by pretraining, SFT and DPO. A folder holds exactly what ``Trainer.train(resume_from_checkpoint=...)``
reads, so resuming is Trainer's own code path (DeepSpeed engine states, scheduler, every rank's
RNG, ``trainer_state.json``), plus the HF model (``config.json`` + ``model.safetensors``, loads
with ``from_pretrained``), whatever :meth:`save_extra_state` adds (the sampler position), and
``meta.json`` (:meth:`checkpoint_meta`: global step, tokens seen, stage; file sizes/hashes).

Under DeepSpeed the folder has ``global_stepN/`` with ``mp_rank_00_model_states.pt`` and one
``*zero_pp_rank_R_mp_rank_00_optim_states.pt`` per rank R (ZeRO-1: each rank's optimizer
partition). Saves are triggered by setting ``control.should_save`` (see
:mod:`jiniac_hpc.train.callbacks`); Trainer's own ``save_strategy`` should be ``"no"``.

Imports torch/transformers: only job processes import this module.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import torch.distributed as dist

from jiniac_hpc.train import checkpoint as ckpt

TRAINER_STATE_NAME = "trainer_state.json"


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


class AtomicCheckpointMixin:
    """Replaces ``Trainer._save_checkpoint`` with the atomic ``step-*`` protocol (module doc)."""

    checkpoint_root: Optional[Path] = None
    keep_last: int = 3
    last_checkpoint: Optional[Path] = None

    # ---- hooks for subclasses --------------------------------------------------------------------

    def checkpoint_meta(self) -> dict:
        """What ``meta.json`` records besides the file list; subclasses add tokens seen, stage..."""
        return {"step": int(self.state.global_step), "world_size": int(self.args.world_size)}

    def save_extra_state(self, folder: Path) -> None:
        """Called on every rank after the Trainer's files are written; write rank-0 extras here."""

    # ---- the protocol ----------------------------------------------------------------------------

    def _save_checkpoint(self, model, trial) -> None:  # noqa: D401 (overrides transformers.Trainer)
        if self.checkpoint_root is None:
            raise RuntimeError("AtomicCheckpointMixin: set trainer.checkpoint_root before training")
        root = Path(self.checkpoint_root)
        step = int(self.state.global_step)
        tmp = ckpt.tmp_path(root, step)
        main = self.is_world_process_zero()
        if main:
            root.mkdir(parents=True, exist_ok=True)
            ckpt.clean_tmp(root)
            tmp.mkdir(parents=True)
        barrier()
        self.store_flos()
        out = str(tmp)
        self.save_model(out, _internal_call=True)
        if not self.args.save_only_model:
            self._save_optimizer_and_scheduler(out)
            self._save_scaler(out)
            self._save_rng_state(out)
        if main:
            self._export_callback_states()
            self.state.save_to_json(os.path.join(out, TRAINER_STATE_NAME))
        self.save_extra_state(tmp)
        barrier()
        final = ckpt.step_path(root, step)
        if main:
            final = ckpt.commit(tmp, self.checkpoint_meta(), keep_last=self.keep_last)
            print(f"[jiniac] checkpoint {final}", flush=True)
        barrier()
        self.last_checkpoint = final

    def _export_callback_states(self) -> None:
        from transformers.trainer_callback import ExportableState

        for cb in [c for c in self.callback_handler.callbacks + [self.control] if isinstance(c, ExportableState)]:
            name = cb.__class__.__name__
            if isinstance(self.state.stateful_callbacks.get(name), list):
                self.state.stateful_callbacks[name].append(cb.state())
            else:
                self.state.stateful_callbacks[name] = cb.state()

    def save_checkpoint_now(self) -> Path:
        """Save the current state outside the normal flow (NaN stop); every rank must call it."""
        existing = ckpt.step_path(self.checkpoint_root, int(self.state.global_step))
        ok = ckpt.verify(existing, deep=False)[0] if existing.exists() else False
        flag = _all_agree(ok)
        if flag:
            self.last_checkpoint = existing
            return existing
        self._save_checkpoint(self.model_wrapped, None)
        return self.last_checkpoint


def _all_agree(value: bool) -> bool:
    """True on every rank only if ``value`` is True on every rank (rank 0 decides on shared FS)."""
    if not (dist.is_available() and dist.is_initialized()):
        return value
    import torch

    t = torch.tensor([1.0 if value else 0.0])
    if dist.get_backend() == "nccl":
        t = t.cuda()
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item() > 0)
