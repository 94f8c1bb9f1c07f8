"""One learning-rate schedule over the whole curriculum plan, as a pure function of the step.

    from jiniac_hpc.train.schedule import ScheduleConfig, StageSpan, lr_at
    spans = [StageSpan("web", 0, 30, 3e-4), StageSpan("wiki", 30, 40, 5e-5)]
    lr_at(35, spans, ScheduleConfig(kind="cosine", warmup_steps=5))

JINIAC restarted a cosine schedule for every run, so the curve jumped at every data split.
Here ``lr_at(step, spans, cfg)`` depends only on the global optimizer step (0-based: the LR
used by the update that produces global step ``step + 1``) and the plan's stage spans, so it
is identical across stage boundaries, separate per-stage jobs, requeues and world-size changes
(a stage's steps come from its token budget and the *global* batch, not from the rank count).
A checkpoint does not carry the schedule: a job resumed with another ``schedule.lr`` or
``lr_peak`` follows the *new* config from the resumed step on (the trainer's ``PlanLR`` puts
``lr_at(global_step)`` into the optimizer before every update and ignores saved scheduler
state). An update that is skipped (a non-finite gradient) still counts as a step, so the LR
never lags the global step.

Shape: ``lr(t) = envelope(t) * shape(t)``.

- ``shape`` is the same curve over the whole plan of ``T`` steps: a linear warmup over
  ``warmup_steps`` (from ``1/warmup_steps``, never 0, so step 0 learns), then either
  ``cosine`` (from 1 down to ``min_lr_ratio`` at ``T``) or ``wsd`` (warmup-stable-decay:
  1 until the last ``decay_frac`` of the plan, then down to ``min_lr_ratio``).
- ``envelope`` is the per-stage peak: ``(stage.lr_peak or cfg.lr) * stage.lr_mult``. Where the
  peak changes between stages it moves linearly over ``stage_ramp_steps`` starting at the
  boundary, so the plan's LR drops (JINIAC's 2e-4 -> 5e-5 for the high-quality data) never jump.

Light module (only ``math``): the login node imports it for ``jiniac plan``.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Literal, Optional, Sequence

from jiniac_hpc.config import check, field


@dataclass
class ScheduleConfig:
    """The ``schedule:`` section of a training recipe."""

    kind: Literal["cosine", "wsd"] = field("cosine", doc=(
        "cosine: warmup then cosine decay to the floor over the whole plan; "
        "wsd: warmup, stable at the peak, then decay over the last `decay_frac` of the plan."))
    lr: float = field(3e-4, doc="Peak learning rate of stages without their own plan `lr_peak`.")
    warmup_steps: int = field(100, doc="Linear warmup at the start of the plan, in optimizer steps.")
    min_lr_ratio: float = field(0.1, doc="Floor of the decay, as a fraction of the current stage's peak.")
    decay_frac: float = field(0.2, doc="wsd only: fraction of all plan steps spent decaying at the end.")
    decay_shape: Literal["linear", "cosine", "sqrt"] = field("linear", doc=(
        "wsd only: shape of the final decay (1-sqrt is the 'sqrt' option of MiniCPM/Hägele et al.)."))
    stage_ramp_steps: int = field(10, doc=(
        "Steps over which the peak moves linearly from one stage's value to the next's."))

    def __post_init__(self):
        check(self.lr > 0, "lr", f"must be > 0, got {self.lr}")
        check(self.warmup_steps >= 0, "warmup_steps", "must be >= 0")
        check(0 <= self.min_lr_ratio <= 1, "min_lr_ratio", f"must be in [0, 1], got {self.min_lr_ratio}")
        check(0 < self.decay_frac <= 1, "decay_frac", f"must be in (0, 1], got {self.decay_frac}")
        check(self.stage_ramp_steps >= 0, "stage_ramp_steps", "must be >= 0")


@dataclass(frozen=True)
class StageSpan:
    """Optimizer steps ``[start, end)`` of one plan stage and its peak LR (already times lr_mult)."""

    name: str
    start: int
    end: int
    peak: float

    @property
    def steps(self) -> int:
        return self.end - self.start


def make_spans(raw: Sequence[tuple[str, int, int]], stages: Sequence, base_lr: float) -> list[StageSpan]:
    """Spans from ``CurriculumSampler.stage_spans`` (name, start, end) and the plan's stages.

    ``stages`` are ``PlanStage``-like objects with ``name``, ``lr_peak`` and ``lr_mult``.
    """
    by_name = {s.name: s for s in stages}
    out = []
    prev_end = 0
    for name, start, end in raw:
        if name not in by_name:
            raise ValueError(f"stage span {name!r} is not a stage of the plan {sorted(by_name)}")
        if start != prev_end or end < start:
            raise ValueError(f"stage spans must be contiguous from step 0; got {name!r} = [{start}, {end})")
        st = by_name[name]
        peak = (st.lr_peak if st.lr_peak is not None else base_lr) * st.lr_mult
        out.append(StageSpan(name, int(start), int(end), float(peak)))
        prev_end = end
    if not out or out[-1].end <= 0:
        raise ValueError("the plan has no optimizer steps")
    return out


def stage_index(step: int, spans: Sequence[StageSpan]) -> int:
    """Index of the stage that global step ``step`` (0-based) belongs to; the last one past the end."""
    for i, sp in enumerate(spans):
        if step < sp.end:
            return i
    return len(spans) - 1


def envelope(step: int, spans: Sequence[StageSpan], ramp: int) -> float:
    """The per-stage peak at ``step``, ramped linearly over ``ramp`` steps after each boundary."""
    i = stage_index(step, spans)
    cur = spans[i].peak
    if i == 0 or ramp == 0:
        return cur
    prev = spans[i - 1].peak
    into = step - spans[i].start
    if into >= ramp:
        return cur
    return prev + (cur - prev) * (into + 1) / (ramp + 1)


def shape(step: int, total: int, cfg: ScheduleConfig) -> float:
    """The plan-wide curve in ``[min_lr_ratio, 1]`` (warmup starts above 0)."""
    floor = cfg.min_lr_ratio
    w = min(cfg.warmup_steps, total)
    if step < w:
        return (step + 1) / w
    if cfg.kind == "cosine":
        span = max(total - w, 1)
        p = min(max(step - w, 0) / span, 1.0)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p))
    # wsd
    decay = max(1, int(round(cfg.decay_frac * total)))
    start = max(total - decay, w)
    if step < start:
        return 1.0
    p = min((step - start + 1) / max(total - start, 1), 1.0)
    if cfg.decay_shape == "linear":
        g = 1 - p
    elif cfg.decay_shape == "cosine":
        g = 0.5 * (1 + math.cos(math.pi * p))
    else:
        g = 1 - math.sqrt(p)
    return floor + (1 - floor) * g


def lr_at(step: int, spans: Sequence[StageSpan], cfg: ScheduleConfig) -> float:
    """The learning rate of optimizer step ``step`` (0-based). Pure: no state, no rank."""
    total = spans[-1].end
    return envelope(step, spans, cfg.stage_ramp_steps) * shape(step, total, cfg)


def ramp_windows(spans: Sequence[StageSpan], cfg: ScheduleConfig) -> list[tuple[int, int]]:
    """Step ranges ``[a, b)`` where the plan's own ramps raise the peak (where LR may increase)."""
    out = []
    for prev, cur in zip(spans, spans[1:]):
        if cur.peak > prev.peak:
            out.append((cur.start, cur.start + max(cfg.stage_ramp_steps, 1)))
    return out


def lr_curve(spans: Sequence[StageSpan], cfg: ScheduleConfig, total: Optional[int] = None) -> list[float]:
    """``lr_at`` for every step of the plan (for the ``jiniac plan`` PNG and tests)."""
    return [lr_at(t, spans, cfg) for t in range(total if total is not None else spans[-1].end)]


def lambda_for(spans: Sequence[StageSpan], cfg: ScheduleConfig):
    """A picklable multiplier for ``torch.optim.lr_scheduler.LambdaLR`` with optimizer lr = ``cfg.lr``.

    A ``functools.partial`` rather than a closure or an object: it pickles (DeepSpeed saves
    the scheduler). LambdaLR's own state_dict still holds ``base_lrs`` (the LR of the config it
    was saved under) and its step count, so loading one *would* change the LR; the trainer's
    ``PlanLR`` therefore ignores saved scheduler state and sets the step itself.
    """
    return functools.partial(multiplier, spans=tuple(spans), cfg=cfg)


def multiplier(step: int, *, spans: Sequence[StageSpan], cfg: ScheduleConfig) -> float:
    """``lr_at(step) / cfg.lr``: LambdaLR multiplies the optimizer's base lr (``cfg.lr``) by it."""
    return lr_at(step, spans, cfg) / cfg.lr
