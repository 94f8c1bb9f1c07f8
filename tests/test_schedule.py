"""The plan-wide LR schedule: a pure function of the global step and the stage spans.

    pytest tests/test_schedule.py
"""
import math
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiniac_hpc.data.plan import PlanStage
from jiniac_hpc.train.schedule import (ScheduleConfig, StageSpan, lambda_for, lr_at, lr_curve, make_spans,
                                       ramp_windows)

STAGES = [PlanStage(name="web", sources={"web": 1.0}, tokens=100),
          PlanStage(name="mid", sources={"web": 1.0}, tokens=100, lr_mult=0.5),
          PlanStage(name="hq", sources={"wiki": 1.0}, tokens=100, lr_peak=5e-5)]


def spans(b1=30, b2=45, end=60, base=2e-4):
    return make_spans([("web", 0, b1), ("mid", b1, b2), ("hq", b2, end)], STAGES, base)


def test_peaks_from_plan():
    sp = spans()
    assert [s.peak for s in sp] == [2e-4, 1e-4, 5e-5]


@pytest.mark.parametrize("kind", ["cosine", "wsd"])
def test_warmup_floor_and_end(kind):
    cfg = ScheduleConfig(kind=kind, lr=2e-4, warmup_steps=5, min_lr_ratio=0.1, stage_ramp_steps=3)
    sp = spans()
    curve = lr_curve(sp, cfg)
    assert curve[0] == pytest.approx(2e-4 / 5)          # warmup starts above 0
    assert curve[4] == pytest.approx(2e-4)              # peak at the end of warmup
    assert min(curve) > 0
    assert curve[-1] >= 0.1 * 5e-5 - 1e-15              # the floor of the last stage's peak
    assert curve[-1] == pytest.approx(0.1 * 5e-5, rel=0.2)


@pytest.mark.parametrize("kind", ["cosine", "wsd"])
def test_never_increases_after_warmup_except_plan_ramps(kind):
    up = [PlanStage(name="a", sources={"x": 1.0}, tokens=1, lr_mult=0.5),
          PlanStage(name="b", sources={"x": 1.0}, tokens=1, lr_mult=1.0)]
    cfg = ScheduleConfig(kind=kind, lr=1e-3, warmup_steps=4, stage_ramp_steps=5)
    sp = make_spans([("a", 0, 20), ("b", 20, 50)], up, 1e-3)
    windows = ramp_windows(sp, cfg)
    assert windows == [(20, 25)]
    curve = lr_curve(sp, cfg)
    rises = [t for t in range(cfg.warmup_steps, len(curve) - 1) if curve[t + 1] > curve[t] + 1e-15]
    assert rises and all(any(a - 1 <= t < b for a, b in windows) for t in rises)


def test_stage_boundary_has_no_jump():
    cfg = ScheduleConfig(lr=2e-4, warmup_steps=5, stage_ramp_steps=4)
    curve = lr_curve(spans(), cfg)
    jumps = [abs(curve[t + 1] - curve[t]) for t in range(5, len(curve) - 1)]
    drop = 2e-4 - 1e-4
    assert max(jumps) < drop / 2          # without a ramp the 30 -> 31 step would drop by ~1e-4
    no_ramp = lr_curve(spans(), ScheduleConfig(lr=2e-4, warmup_steps=5, stage_ramp_steps=0))
    assert abs(no_ramp[30] - no_ramp[29]) > drop / 2   # the ramp is what prevents it


def test_lambda_pickles_and_matches():
    import torch

    cfg = ScheduleConfig(lr=2e-4, warmup_steps=5)
    sp = spans()
    f = pickle.loads(pickle.dumps(lambda_for(sp, cfg)))
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=cfg.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, f)
    seen = []
    for _ in range(20):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert seen == pytest.approx([lr_at(t, sp, cfg) for t in range(20)], rel=1e-12)
    # The lambda holds no state, but a plain LambdaLR's state_dict carries the old base LR:
    # loading it under another config would scale the new schedule by the old LR (PlanLR's job).
    other = torch.optim.lr_scheduler.LambdaLR(opt, lambda_for(sp, ScheduleConfig(lr=1.0)))
    other.load_state_dict(sched.state_dict())
    assert other.lr_lambdas[0].keywords["cfg"].lr == 1.0 and other.base_lrs == [cfg.lr]


def test_plan_lr_follows_the_config_and_the_step_not_a_saved_state():
    import torch

    from jiniac_hpc.train.plan_lr import PlanLR

    sp = spans()
    old, new = ScheduleConfig(lr=1e-3, warmup_steps=5), ScheduleConfig(lr=1e-5, warmup_steps=5)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=old.lr)
    sched = PlanLR(opt, sp, old)
    for _ in range(10):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(lr_at(10, sp, old), rel=1e-12)
    saved = sched.state_dict()
    # resumed under a new schedule.lr: the saved state changes nothing, the step sets the LR
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))], lr=new.lr)
    opt2.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 123.0})
    resumed = PlanLR(opt2, sp, new)
    resumed.load_state_dict(saved)
    resumed.set_step(10)
    assert [g["lr"] for g in opt2.param_groups] == pytest.approx([lr_at(10, sp, new)] * 2, rel=1e-12)
    assert resumed.get_last_lr() == [g["lr"] for g in opt2.param_groups]
    opt2.step()
    resumed.step()                                  # an applied update steps it on from there
    assert opt2.param_groups[0]["lr"] == pytest.approx(lr_at(11, sp, new), rel=1e-12)
    resumed.set_step(13)                            # two skipped updates (no step()): no lag
    assert opt2.param_groups[1]["lr"] == pytest.approx(lr_at(13, sp, new), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(b1=st.integers(1, 50), b2=st.integers(0, 50), tail=st.integers(1, 50), step=st.integers(0, 200),
       kind=st.sampled_from(["cosine", "wsd"]))
def test_pure_function_of_step(b1, b2, tail, step, kind):
    """Same value whatever was computed before, and whatever the stage a job trains."""
    sp = spans(b1, b1 + b2, b1 + b2 + tail)
    cfg = ScheduleConfig(kind=kind, lr=2e-4, warmup_steps=3, stage_ramp_steps=2)
    v = lr_at(step, sp, cfg)
    assert math.isfinite(v) and v > 0
    assert lr_curve(sp, cfg, total=step + 1)[-1] == v
    assert v <= max(s.peak for s in sp) * (1 + 1e-12)


def test_spans_must_be_contiguous():
    with pytest.raises(ValueError, match="contiguous"):
        make_spans([("web", 0, 10), ("mid", 11, 20)], STAGES, 1e-3)
    with pytest.raises(ValueError, match="not a stage"):
        make_spans([("nope", 0, 10)], STAGES, 1e-3)


def test_config_validation():
    with pytest.raises(ValueError, match="min_lr_ratio"):
        ScheduleConfig(min_lr_ratio=1.5)
    with pytest.raises(ValueError, match="lr"):
        ScheduleConfig(lr=0)


def test_stage_span_helpers():
    assert StageSpan("a", 3, 10, 1.0).steps == 7
