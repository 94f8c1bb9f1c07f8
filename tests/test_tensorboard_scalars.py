"""The TensorBoard callback's events, read back with TensorBoard's own reader.

    python -m pytest tests/test_tensorboard_scalars.py

Every scalar of a log lands under its stable tag at the global step; non-finite values are
written as NaN; a resumed writer's ``purge_step`` leaves one value per step, the resumed one.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from jiniac_hpc.train.callbacks import TensorBoardScalars
from jiniac_hpc.train.metrics import read_scalars


def _log(cb, step, logs):
    state = SimpleNamespace(is_world_process_zero=True, global_step=step)
    cb.on_log(None, state, None, logs=logs)


def _scalars(log_dir, tag):
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
    acc.Reload()
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_every_scalar_of_a_log_under_its_tag(tmp_path):
    cb = TensorBoardScalars(tmp_path)
    for step in range(1, 4):
        _log(cb, step, {"loss": step / 4, "grad_norm": float(step), "perf/tokens_per_s": 100 * step,
                        "learning_rate": 0.5, "epoch": 0.1, "note": "text", "flag": True, "plain_key": 3.0,
                        "eval/odd": float("inf")})
    cb.close()
    assert read_scalars(tmp_path, "train/loss") == {1: 0.25, 2: 0.5, 3: 0.75}   # float32 in the event
    assert read_scalars(tmp_path, "train/grad_norm") == {1: 1.0, 2: 2.0, 3: 3.0}
    assert read_scalars(tmp_path, "perf/tokens_per_s") == {1: 100.0, 2: 200.0, 3: 300.0}
    assert all(math.isnan(v) for v in read_scalars(tmp_path, "eval/odd").values())
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    # skipped: Trainer's learning_rate/epoch (ours are train/lr, data/*), text, bools, keys without a "/"
    assert sorted(acc.Tags()["scalars"]) == ["eval/odd", "perf/tokens_per_s", "train/grad_norm", "train/loss"]


def test_a_resumed_writer_leaves_one_value_per_step(tmp_path):
    killed = TensorBoardScalars(tmp_path)
    for step in range(1, 7):                # the killed job logged steps 1-6; its checkpoint is step 3
        _log(killed, step, {"loss": float(step), "perf/mfu": 0.1 * step})
    killed.close()
    resumed = TensorBoardScalars(tmp_path, purge_step=4)
    for step in range(4, 9):
        _log(resumed, step, {"loss": 10.0 + step, "perf/mfu": 1.0 + step})
    resumed.close()
    assert _scalars(tmp_path, "train/loss") == [(1, 1.0), (2, 2.0), (3, 3.0)] + [(s, 10.0 + s) for s in range(4, 9)]
    assert [s for s, _ in _scalars(tmp_path, "perf/mfu")] == list(range(1, 9))
