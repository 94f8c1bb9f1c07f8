"""Training metrics and their TensorBoard tags (stable: dashboards and tests read them by name).

    tensorboard --logdir logs/pretrain/debug/tensorboard      # or: jiniac tb logs/pretrain/debug

Written by rank 0 only, at the global step (x axis), every ``train.log_every`` steps:

==============================  =================================================================
tag                             meaning
==============================  =================================================================
``train/loss``                  LM cross-entropy, mean over the steps since the last log and ranks
``train/lr``                    LR the optimizer applied in this step's update, read from its param
                                groups (equals ``schedule.lr_at(step - 1)`` of the running config)
``train/grad_norm``             global gradient norm before clipping (DeepSpeed)
``eval/loss``                   held-out LM loss (``data.eval_samples`` sequences), every ``eval_every``
``perf/tokens_per_s``           training tokens/s over all ranks (excludes eval and checkpoint time)
``perf/tflops_per_device``      model TFLOP/s per device: tokens/s/device x ``flops_per_token``
                                (6 x active params + attention, :func:`jiniac_hpc.model.flops_per_token`)
``perf/mfu``                    ``tflops_per_device / peak_tflops`` of the cluster profile; not
                                written when the profile's ``peak_tflops`` is 0 (CPU)
``perf/step_time_s``            mean seconds per optimizer step
``moe/aux_loss``                balance loss (already times ``aux_loss_alpha``), mean per micro-batch
``moe/load_max_over_mean/layerN``  max expert load / mean load of MoE layer N (1.0 = balanced)
``moe/load_cv/layerN``          coefficient of variation (std/mean) of the expert loads of layer N
``data/stage``                  index of the plan stage of this step
``data/tokens_seen``            tokens consumed by all ranks since the start of the plan
==============================  =================================================================

N in ``layerN`` counts MoE layers from 0 (the first MoE layer is the model's layer
``first_k_dense_replace``).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Optional

import torch
import torch.distributed as dist

TAGS = ["train/loss", "train/lr", "train/grad_norm", "eval/loss", "perf/tokens_per_s", "perf/tflops_per_device",
        "perf/mfu", "perf/step_time_s", "moe/aux_loss", "moe/load_max_over_mean/layerN", "moe/load_cv/layerN",
        "data/stage", "data/tokens_seen"]


#: The clock of :class:`Throughput`. Wall time in training; ``benchmarks/train_step.py`` sets
#: ``time.process_time`` (with one thread) to measure CPU cost on a shared, oversubscribed machine.
CLOCK = time.perf_counter


class Throughput:
    """Time of optimizer steps, logging included; eval and checkpoint saves run :meth:`paused`."""

    def __init__(self, tokens_per_step: int, flops_per_token: float, peak_tflops: float, world_size: int):
        self.tokens_per_step, self.flops_per_token = tokens_per_step, flops_per_token
        self.peak_tflops, self.world_size = peak_tflops, max(world_size, 1)
        self.t0 = CLOCK()
        self.elapsed, self.steps = 0.0, 0

    def step_done(self) -> None:
        now = CLOCK()
        self.elapsed += now - self.t0
        self.steps += 1
        self.t0 = now

    def resume(self) -> None:
        self.t0 = CLOCK()

    @contextmanager
    def paused(self):
        """Time inside is not training time (the step under way keeps what it took so far)."""
        self.elapsed += CLOCK() - self.t0
        try:
            yield
        finally:
            self.resume()

    def collect(self) -> dict:
        if self.steps == 0 or self.elapsed <= 0:
            return {}
        tps = self.steps * self.tokens_per_step / self.elapsed
        tflops = tps / self.world_size * self.flops_per_token / 1e12
        out = {"perf/tokens_per_s": tps, "perf/tflops_per_device": tflops, "perf/step_time_s": self.elapsed / self.steps}
        if self.peak_tflops > 0:
            out["perf/mfu"] = tflops / self.peak_tflops
        self.elapsed, self.steps = 0.0, 0
        return out


class MoEStats:
    """Accumulates aux loss and per-layer expert load on the device; reduced over ranks at log time."""

    def __init__(self):
        self.aux_sum: Optional[torch.Tensor] = None
        self.load_sum: Optional[torch.Tensor] = None
        self.n = 0

    def add(self, aux: Optional[torch.Tensor], load: Optional[torch.Tensor]) -> None:
        if aux is None and load is None:
            return
        if aux is not None:
            a = aux.detach().float().reshape(1)
            self.aux_sum = a if self.aux_sum is None else self.aux_sum + a
        if load is not None:
            lo = load.detach().float()
            self.load_sum = lo if self.load_sum is None else self.load_sum + lo
        self.n += 1

    def collect(self, device) -> dict:
        """Every rank must call this at the same step (collective when distributed)."""
        if self.n == 0:
            return {}
        aux = self.aux_sum if self.aux_sum is not None else torch.zeros(1, device=device)
        load = self.load_sum
        packed = torch.cat([aux.reshape(1), torch.tensor([float(self.n)], device=aux.device)]
                           + ([load.reshape(-1)] if load is not None else []))
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            dist.all_reduce(packed)
        out = {}
        if self.aux_sum is not None:
            out["moe/aux_loss"] = float(packed[0] / packed[1])
        if load is not None:
            loads = packed[2:].reshape(load.shape)            # [moe layers, experts]
            mean = loads.mean(dim=1)
            mx = loads.max(dim=1).values
            std = loads.std(dim=1, unbiased=False)
            for i in range(loads.shape[0]):
                if float(mean[i]) > 0:
                    out[f"moe/load_max_over_mean/layer{i}"] = float(mx[i] / mean[i])
                    out[f"moe/load_cv/layer{i}"] = float(std[i] / mean[i])
        self.aux_sum = self.load_sum = None
        self.n = 0
        return out


def read_scalars(log_dir, tag: str) -> dict[int, float]:
    """``{step: value}`` of one tag, read back from every event file under ``log_dir``.

    TensorBoard's EventAccumulator applies the purge markers a resumed job writes, so a step
    logged by a killed job and again after its resume appears once, with the resumed value.
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
    acc.Reload()
    if tag not in acc.Tags().get("scalars", []):
        return {}
    return {e.step: e.value for e in acc.Scalars(tag)}
