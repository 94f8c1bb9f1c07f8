"""``PretrainTrainer``: HF Trainer + our data order, LR schedule, checkpoints, NaN stop and metrics.

Used by :func:`jiniac_hpc.train.pretrain.train_task` (``python jobs/pretrain.py --recipe debug``).
What it changes in ``transformers.Trainer`` and why:

- ``get_train_dataloader`` returns the data package's resumable loader as is (no
  ``accelerator.prepare``: the :class:`~jiniac_hpc.data.sampler.CurriculumSampler` already
  shards by rank; Trainer's batch skipping is off, ``ignore_data_skip=True``).
- ``create_scheduler``: :class:`~jiniac_hpc.train.plan_lr.PlanLR`, whose LR is
  :func:`jiniac_hpc.train.schedule.lr_at` of the global step and *this* config; it is set
  before every update, whatever a checkpoint's scheduler state or a skipped update left.
- ``compute_loss``: the labels from :class:`~jiniac_hpc.data.dataset.PackedDataset` are
  already shifted, so the loss is a plain fp32 cross-entropy of the logits (the model would
  shift a second time); the MoE balance loss adds its gradient only
  (``aux - aux.detach()``, as the model does). Every micro-batch's loss is checked for
  non-finite values (one collective scalar per step), see :meth:`_check_finite`; after every
  update the global weight norm is checked for a blow-up, see :meth:`_check_weight_norm`.
  What a stop saves as the last good state: :mod:`jiniac_hpc.train.pretrain`.
- ``log``: adds throughput, TFLOP/s, MFU, MoE load, stage and tokens seen (documented tags in
  :mod:`jiniac_hpc.train.metrics`), reduced over ranks, before Trainer's callbacks write them.
- ``_save_checkpoint``: atomic ``step-*`` folders (:class:`AtomicCheckpointMixin`) that also hold
  the sampler state and ``meta.json`` (step, tokens seen, stage).
"""
from __future__ import annotations

import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn.functional as F
from transformers import Trainer, TrainerCallback

from jiniac_hpc.train.checkpoint import find_resume_path, folder_step
from jiniac_hpc.train.hf_checkpoint import AtomicCheckpointMixin
from jiniac_hpc.train.metrics import MoEStats, Throughput
from jiniac_hpc.train.plan_lr import PlanLR
from jiniac_hpc.train.schedule import lr_at, stage_index

SAMPLER_STATE = "sampler.json"


class _InfGrad(torch.autograd.Function):
    """Test knob: the identity forward, an infinite gradient backward (finite loss, inf grad norm)."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g * float("inf")


class DivergenceError(RuntimeError):
    """Training stopped because it diverged (the message says what was saved and how to relaunch)."""


class NonFiniteError(DivergenceError):
    """A non-finite loss or gradient norm stopped the run (after saving the last good state)."""


class IndexedDataset(torch.utils.data.Dataset):
    """Adds ``sample_index`` to every item so a bad batch can be traced to its source."""

    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        item = dict(self.inner[i])
        item["sample_index"] = torch.tensor(int(i))
        return item

    def __getattr__(self, name):   # seq_len, source_ranges, fingerprint, source_of ... of the inner dataset
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


def _reduce(t: torch.Tensor, op=None) -> torch.Tensor:
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(t, op=op or dist.ReduceOp.SUM)
    return t


def describe_engine(engine) -> str:
    """One line on the DeepSpeed engine of this rank: ZeRO stage and its optimizer partition."""
    stage = engine.zero_optimization_stage()
    opt = getattr(engine, "optimizer", None)
    parts = getattr(opt, "single_partition_of_fp32_groups", None)
    total = sum(p.numel() for p in engine.module.parameters())
    held = sum(int(t.numel()) for t in parts) if parts else total
    rank = dist.get_rank() if dist.is_initialized() else 0
    return (f"rank {rank}: {type(engine).__name__} ZeRO stage {stage}, {type(opt).__name__} holds "
            f"{held} of {total} parameters' optimizer state")


class _EngineReport(TrainerCallback):
    """When training starts: starts the step clock, prints :func:`describe_engine` once per rank
    (logs, tests)."""

    def __init__(self, trainer):
        self.trainer = trainer

    def on_train_begin(self, args, state, control, **kw):
        self.trainer.throughput.resume()      # the first step's time starts here, after the setup
        eng = self.trainer.model_wrapped
        if hasattr(eng, "zero_optimization_stage"):
            print(f"[jiniac] {describe_engine(eng)}", flush=True)
        return control


class PretrainTrainer(AtomicCheckpointMixin, Trainer):
    """See the module docstring. Extra constructor arguments are keyword-only."""

    def __init__(self, *args, train_loader, spans, schedule_cfg, flops_per_token: float,
                 peak_tflops: float, seq_len: int, tokens_per_step: int, check_finite: bool = True,
                 max_weight_norm_change: float = 0.0, inject_nan_at_step: Optional[int] = None,
                 inject_inf_grad_at_step: Optional[int] = None, **kw):
        super().__init__(*args, **kw)
        self.train_loader = train_loader
        self.spans, self.schedule_cfg = spans, schedule_cfg
        self.check_finite = check_finite
        self.inject_nan_at_step = inject_nan_at_step
        self.inject_inf_grad_at_step = inject_inf_grad_at_step
        self.seq_len = seq_len
        # The loss is a per-token mean of a full, packed micro-batch: Trainer divides it by the
        # accumulation steps itself; no num_items_in_batch plumbing.
        self.model_accepts_loss_kwargs = False
        self.loss_is_scaled_for_ga = False
        self.throughput = Throughput(tokens_per_step, flops_per_token, peak_tflops, self.args.world_size)
        self.moe = MoEStats()
        self._step_indices: list[int] = []
        self._bad: Optional[torch.Tensor] = None
        self.max_weight_norm_change = max_weight_norm_change
        self._weight_norm: Optional[float] = None    # global weight norm after the last accepted update
        self._params: Optional[list] = None         # the model's parameters, for the weight-norm check
        self._lr_applied: Optional[float] = None     # the optimizer's LR at this step's update
        # Data position when the current step began: the loop fetches a step's micro-batches
        # before its first forward, so the loader's position already counts them.
        self._step_start_position = 0
        self.add_callback(_EngineReport(self))

    # ---- data and schedule -----------------------------------------------------------------------

    def get_train_dataloader(self):
        self._step_start_position = self.train_loader.sampler.position
        return self.train_loader

    def create_scheduler(self, num_training_steps: int, optimizer=None):
        if self.lr_scheduler is None:
            opt = optimizer if optimizer is not None else self.optimizer
            self.lr_scheduler = PlanLR(opt, self.spans, self.schedule_cfg)
            self._created_lr_scheduler = True
        return self.lr_scheduler

    def _plan_lr(self) -> "PlanLR":
        sched = self.lr_scheduler
        while not isinstance(sched, PlanLR):   # accelerate / DeepSpeed wrappers keep it as .scheduler
            sched = sched.scheduler
        return sched

    def floating_point_ops(self, inputs) -> int:
        # Trainer calls this every micro-batch (state.total_flos); its default counts the model's
        # parameters each time, a walk over every module. Ours is a constant per token.
        return int(self.throughput.flops_per_token * inputs["input_ids"].numel())

    # ---- loss --------------------------------------------------------------------------------------

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        idx = inputs.pop("sample_index", None)
        labels = inputs.pop("labels")
        out = model(input_ids=inputs["input_ids"], use_cache=False)
        logits = out.logits
        lm = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1))
        loss = lm
        if model.training:
            # The LR of the update this micro-batch contributes to: lr_at(global step), set here
            # whatever a loaded scheduler state or a skipped update left in the optimizer.
            self._plan_lr().set_step(self.state.global_step)
            if self._weight_norm is None and self.max_weight_norm_change > 0:
                self._weight_norm = self._global_weight_norm()     # the weights this job starts from
            if self.accelerator.gradient_state.sync_gradients:
                self._lr_applied = float(self.optimizer.param_groups[0]["lr"])
            if idx is not None:
                self._step_indices.extend(idx.tolist())
            aux = getattr(out, "aux_loss", None)
            if aux is not None:
                loss = lm + (aux - aux.detach())   # value: LM loss; gradient: + balance loss
            if self.inject_nan_at_step == self.state.global_step + 1 and self.args.process_index == 0:
                loss = loss * float("nan")
            if self.inject_inf_grad_at_step == self.state.global_step + 1 and self.args.process_index == 0:
                loss = _InfGrad.apply(loss)
            if self.check_finite:
                self._check_finite(loss)
            self.moe.add(aux, getattr(out, "expert_load", None))
        return (loss, out) if return_outputs else loss

    # ---- non-finite stop ----------------------------------------------------------------------------

    def _batch_sources(self) -> str:
        """Sources of this step's samples on every rank, e.g. ``jsquad x3, jnli x1 (indices [...])``."""
        ds = self.train_loader.dataset
        local = list(self._step_indices)
        if dist.is_available() and dist.is_initialized():
            gathered = [None] * dist.get_world_size()
            dist.all_gather_object(gathered, local)
            local = [i for part in gathered for i in part]
        counts = Counter(ds.source_of(i) for i in local)
        srcs = ", ".join(f"{s} x{n}" for s, n in counts.most_common())
        return f"{srcs} (sample indices {local[:16]}{' ...' if len(local) > 16 else ''})"

    def _check_finite(self, loss: torch.Tensor) -> None:
        """Stop before the update if any micro-batch of this step, on any rank, had a non-finite loss.

        Flags accumulate on the device; they are read once per optimizer step, at the last
        micro-batch before its backward (DeepSpeed steps the optimizer inside that backward),
        with one scalar all-reduce when there are several ranks. NaN gradients of earlier
        micro-batches are then still only accumulated, never applied.
        """
        bad = (~torch.isfinite(loss.detach())).any().float().reshape(1)
        self._bad = bad if self._bad is None else torch.maximum(self._bad, bad)
        if not self.accelerator.gradient_state.sync_gradients:
            return
        flag, self._bad = self._bad, None
        if self.args.world_size > 1:
            _reduce(flag, dist.ReduceOp.MAX)
        if flag.item() > 0:
            self._nonfinite_stop("non-finite loss", self.state.global_step + 1)

    def _nonfinite_stop(self, what: str, step: int, update_skipped: bool = False) -> None:
        """Save the last good state (every rank), then raise with the step and the batch sources.

        The last good state is the one after global step ``step - 1``: its weights (the update of
        ``step`` never happened, or DeepSpeed skipped it), and the data position *before* step
        ``step``'s batches, so the relaunch trains on them again and the step count and the data
        position stay in step (the plan ends on its last step). When DeepSpeed skipped the update,
        the step counter it advanced is taken back first; an existing checkpoint of that step
        is reused rather than written again.
        """
        sources = self._batch_sources()
        stage = self.spans[stage_index(step - 1, self.spans)].name
        self.train_loader.sampler.position = self._step_start_position
        if update_skipped:
            self.state.global_step = step - 1
            engine = self.model_wrapped
            if hasattr(engine, "global_steps"):
                engine.global_steps -= 1
        path = self.save_checkpoint_now()
        raise NonFiniteError(
            f"{what} at global step {step} (stage {stage!r}); batch sources: {sources}. "
            f"Last good state saved: {path} (global step {self.state.global_step}, "
            f"{self._step_start_position} samples seen; step {step}'s batch is not counted as trained on). "
            f"Training stopped. The relaunch (resume: auto) retrains step {step} on the same batch: lower the "
            f"LR (--set schedule.lr=... or the stage's lr_peak; it applies from the resumed step on) or fix the "
            f"data, then relaunch the same command.")

    def _check_weight_norm(self) -> None:
        """Stop, *without* saving, when the update just applied blew the weights up.

        A finite but absurd update (an LR far too high) passes the loss and gradient checks and
        only makes the *next* step's loss non-finite, after the damage would have been saved
        as the last good state. So after every update the global weight norm is compared with
        the one after the previous update: a non-finite norm, or a relative change above
        ``max_weight_norm_change``, stops the run with this step's weights unsaved. Every rank
        holds the same full weights (ZeRO <= 2), so every rank reaches the same verdict without
        a collective.
        """
        if self.max_weight_norm_change <= 0 or self._weight_norm is None:
            return
        prev, norm = self._weight_norm, self._global_weight_norm()
        self._weight_norm = norm
        change = abs(norm / prev - 1) if prev > 0 else 0.0
        if math.isfinite(norm) and change <= self.max_weight_norm_change:
            return
        step = self.state.global_step
        good = find_resume_path(self.checkpoint_root, "auto", warn=lambda m: None) if self.checkpoint_root else None
        where = (f"the newest checkpoint, {good} (global step {folder_step(good)}), is the last good state" if good
                 else "this run has no checkpoint yet: the relaunch starts from train.init_from or from scratch")
        raise DivergenceError(
            f"the update of global step {step} changed the global weight norm from {prev:.4g} to {norm:.4g} "
            f"(limit: train.max_weight_norm_change = {self.max_weight_norm_change}); the LR "
            f"({self._lr_applied:.3g}) is too high for this state. These weights were not saved; {where}. "
            f"Lower the LR (--set schedule.lr=... or the stage's lr_peak; it applies from the resumed step on), "
            f"then relaunch the same command (resume: auto).")

    def _global_weight_norm(self) -> float:
        # Every step: the parameter list is walked once (module tree walk and per-tensor
        # detach cost more than the norm of a small model); get_total_norm runs under no_grad.
        if self._params is None:
            self._params = list(self.model.parameters())
        return float(torch.nn.utils.get_total_norm(self._params))

    def _maybe_log_save_evaluate(self, tr_loss, grad_norm, model, trial, epoch, ignore_keys_for_eval,
                                 start_time, learning_rate=None):
        # DeepSpeed skips the update of a step whose gradient norm is inf/NaN (overflow check), so
        # the weights are still the last good ones when we stop here.
        gn = float(grad_norm) if grad_norm is not None else 0.0
        if self.check_finite and not math.isfinite(gn):
            self._nonfinite_stop("non-finite gradient norm (update skipped)", self.state.global_step,
                                 update_skipped=True)
        self._check_weight_norm()          # before this step's checkpoint can be written
        self._step_indices.clear()
        self._step_start_position = self.train_loader.sampler.position
        self.throughput.step_done()
        # Logging counts as training time (the next step's); eval and checkpoint saves do not.
        return super()._maybe_log_save_evaluate(tr_loss, grad_norm, model, trial, epoch, ignore_keys_for_eval,
                                                start_time, learning_rate=learning_rate)

    def _evaluate(self, *args, **kw):
        with self.throughput.paused():
            return super()._evaluate(*args, **kw)

    def _save_checkpoint(self, model, trial):
        with self.throughput.paused():
            return super()._save_checkpoint(model, trial)

    # ---- metrics ---------------------------------------------------------------------------------------

    def log(self, logs: dict, start_time: Optional[float] = None) -> None:
        if "loss" in logs:       # a training log (not eval): add ours, reduced over ranks
            step = self.state.global_step
            logs["train/lr"] = self._lr_applied    # read from the optimizer at this step's update
            logs.update(self.throughput.collect())
            logs.update(self.moe.collect(self.args.device))
            logs["data/stage"] = float(stage_index(step - 1, self.spans))
            logs["data/tokens_seen"] = float(self.train_loader.sampler.position * self.seq_len)
        super().log(logs, start_time)

    # ---- checkpoint contents ---------------------------------------------------------------------------

    def checkpoint_meta(self) -> dict:
        meta = super().checkpoint_meta()
        sampler = self.train_loader.sampler
        step = int(self.state.global_step)
        meta.update({"tokens_seen": int(sampler.position * self.seq_len), "samples_seen": int(sampler.position),
                     "stage": self.spans[stage_index(max(step - 1, 0), self.spans)].name,
                     "stage_index": stage_index(max(step - 1, 0), self.spans),
                     "lr_next": lr_at(step, self.spans, self.schedule_cfg), "time": time.time()})
        return meta

    def save_extra_state(self, folder: Path) -> None:
        if self.is_world_process_zero():
            (Path(folder) / SAMPLER_STATE).write_text(json.dumps(self.train_loader.state_dict(), indent=1))
