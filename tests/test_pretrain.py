"""Pretraining end to end on CPU: DeepSpeed ZeRO-1 on 2 gloo ranks, preemption and resume,
separate per-stage jobs, NaN stop and relaunch, a changed LR on resume, the weight blow-up guard. Losses and LRs are read back from the TensorBoard files.

    pytest tests/test_pretrain.py            # ~8 min on 2 cores (every run is a subprocess)

The debug recipe: the project's debug DeepSeekMoE (fp32), a 3-stage plan of 40 steps
(stage spans [0, 16), [16, 26), [26, 40)), global batch 8, on JGLUE text tokenized by the real
tokenize stage (:mod:`jiniac_hpc.train.fixtures`).
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, load_recipe
from jiniac_hpc.errors import TaskFailed
from jiniac_hpc.train import checkpoint as ckpt
from jiniac_hpc.train.config import PretrainConfig
from jiniac_hpc.train.schedule import lr_at, ramp_windows

REPO = Path(__file__).resolve().parents[1]
PY = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable
TOTAL = 40
BOUNDARY = 16          # last step of stage 0: a preemption exactly on the stage boundary
MID = 7                # a preemption in the middle of stage 0


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    from jiniac_hpc.train.fixtures import build_index

    return build_index(tmp_path_factory.mktemp("pretrain-data"))


def overrides(index: Path, *extra: str) -> list[str]:
    return [f"data.index={index}", "model.vocab_size=2000", "train.eval_every=20", "train.save_every=100",
            *extra]


def env() -> dict:
    e = dict(os.environ, DS_ACCELERATOR="cpu", PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    e.pop("RANK", None)
    return e


def torchrun(run_dir: Path, nproc: int, ov: list[str], timeout: float = 400) -> subprocess.CompletedProcess:
    cmd = [PY, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           "-m", "jiniac_hpc.train.pretrain", "debug", "--run-dir", str(run_dir)]
    for o in ov:
        cmd += ["--set", o]
    r = subprocess.run(cmd, cwd=REPO, env=env(), capture_output=True, text=True, timeout=timeout)
    return r


def results(text: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r"\[jiniac\] result (\{.*\})", text)]


def scalars(run_dir: Path, tag: str) -> dict[int, float]:
    from jiniac_hpc.train.metrics import read_scalars

    return read_scalars(run_dir / "tensorboard", tag)


def debug_cfg(index: Path, *extra: str) -> PretrainConfig:
    return load_recipe("pretrain", PretrainConfig, "debug", overrides(index, *extra))


@pytest.fixture(scope="module")
def straight(index, tmp_path_factory) -> Path:
    """The uninterrupted reference: 40 steps, 2 ranks under torchrun."""
    run = tmp_path_factory.mktemp("straight")
    r = torchrun(run, 2, overrides(index))
    assert r.returncode == 0, r.stderr[-4000:]
    assert [x["status"] for x in results(r.stdout)] == ["complete", "complete"]
    (run / "stdout.txt").write_text(r.stdout)
    return run


def test_deepspeed_zero1_two_ranks(straight):
    out = (straight / "stdout.txt").read_text()
    engines = re.findall(r"rank (\d): DeepSpeedEngine ZeRO stage (\d), \w+ holds (\d+) of (\d+) parameters", out)
    assert sorted(e[0] for e in engines) == ["0", "1"]
    assert all(e[1] == "1" for e in engines)
    held = [int(e[2]) for e in engines]
    total = int(engines[0][3])
    assert sum(held) >= total and all(h < 0.6 * total for h in held)   # each rank: its half (+ padding)
    final = ckpt.find_resume_path(straight / "checkpoints")
    assert ckpt.folder_step(final) == TOTAL
    shards = sorted(p.name for p in final.glob("global_step*/*optim_states.pt"))
    assert shards == ["zero_pp_rank_0_mp_rank_00_optim_states.pt", "zero_pp_rank_1_mp_rank_00_optim_states.pt"]
    assert {p.name for p in final.glob("rng_state_*.pth")} == {"rng_state_0.pth", "rng_state_1.pth"}
    meta = ckpt.read_meta(final)
    assert meta["tokens_seen"] == TOTAL * 8 * 64 and meta["stage"] == "polish" and meta["world_size"] == 2
    ds = json.loads((straight / "deepspeed.json").read_text())
    assert ds["zero_optimization"]["stage"] == 1 and ds["train_batch_size"] == 8


def test_metrics_tags(straight):
    for tag in ["train/loss", "train/lr", "train/grad_norm", "perf/tokens_per_s", "perf/tflops_per_device",
                "moe/aux_loss", "moe/load_max_over_mean/layer0", "moe/load_cv/layer1", "data/stage",
                "data/tokens_seen"]:
        assert len(scalars(straight, tag)) == TOTAL, tag
    assert sorted(scalars(straight, "eval/loss")) == [20, 40]
    assert scalars(straight, "perf/mfu") == {}        # local profile: peak_tflops 0, MFU not logged
    stage = scalars(straight, "data/stage")
    assert stage[BOUNDARY] == 0 and stage[BOUNDARY + 1] == 1 and stage[TOTAL] == 2
    assert scalars(straight, "data/tokens_seen")[TOTAL] == TOTAL * 8 * 64
    loss = scalars(straight, "train/loss")
    assert loss[TOTAL] < loss[1] - 0.5                 # it learns


def test_resume_equals_no_interruption(straight, index, tmp_path, monkeypatch):
    """Preempted mid-stage and on a stage boundary, relaunched through the local launcher (2 ranks)."""
    from jiniac_hpc.launch.runner import launch

    monkeypatch.setenv("JINIAC_LOGS", str(tmp_path))
    ov = overrides(index, f"train.preempt_at=[{MID},{BOUNDARY}]")
    statuses = []
    for _ in range(3):
        res = launch("pretrain", "debug", cluster="local", overrides=ov, run_name="interrupted")
        statuses.append([r["status"] for r in res.wait(400)["train"][0]])
    assert statuses == [["preempted"] * 2, ["preempted"] * 2, ["complete"] * 2]
    run = tmp_path / "pretrain" / "interrupted"
    a, b = scalars(straight, "train/loss"), scalars(run, "train/loss")
    assert sorted(a) == sorted(b) == list(range(1, TOTAL + 1))
    assert max(abs(a[s] - b[s]) for s in a) <= 1e-6
    la, lb = scalars(straight, "train/lr"), scalars(run, "train/lr")
    assert la == lb
    # Every relaunch is a no-op once the plan is done.
    res = launch("pretrain", "debug", cluster="local", overrides=ov, run_name="interrupted")
    assert res.skipped == ["train"]


def test_split_jobs_same_lr(straight, index, tmp_path):
    """Three single-rank jobs, one per stage: same LR sequence as one 2-rank job."""
    from jiniac_hpc.train.pretrain import plan

    run = tmp_path / "split"
    with pytest.raises(ConfigError, match="run stage 0 first"):
        plan(debug_cfg(index, "train.stage=1"), run)
    for k, name in enumerate(["mix", "middle", "polish"]):
        if k == 1:   # stage 2 cannot jump ahead of stage 1
            with pytest.raises(ConfigError, match="run stage 1 first"):
                plan(debug_cfg(index, "train.stage=2"), run)
        r = torchrun(run, 1, overrides(index, f"train.stage={name if k == 1 else k}"))
        assert r.returncode == 0, r.stderr[-4000:]
        assert results(r.stdout)[0]["status"] == "complete"
    lr = scalars(run, "train/lr")
    assert lr == scalars(straight, "train/lr")
    cfg = debug_cfg(index)
    from jiniac_hpc.train.pretrain import plan_spans, read_index

    spans = plan_spans(cfg, read_index(cfg)[1])
    assert [(s.start, s.end) for s in spans] == [(0, 16), (16, 26), (26, 40)]
    assert all(lr[s] == pytest.approx(lr_at(s - 1, spans, cfg.schedule), rel=1e-6) for s in lr)
    windows = ramp_windows(spans, cfg.schedule)
    w = cfg.schedule.warmup_steps
    rises = [s for s in range(w + 1, TOTAL) if lr[s + 1] > lr[s]]
    assert all(any(a <= s < b + 1 for a, b in windows) for s in rises)   # (this plan has no upward ramp)
    assert windows == [] and rises == []


def test_nan_stops_after_saving_last_good_state(index, tmp_path):
    run = tmp_path / "nan"
    r = torchrun(run, 1, overrides(index, "train.inject_nan_at_step=6", "train.save_every=4"))
    assert r.returncode != 0
    m = re.search(r"NonFiniteError: non-finite loss at global step 6 \(stage 'mix'\); batch sources: (.*?)\. "
                  r"Last good state saved: (\S+) \(global step 5, 40 samples seen", r.stderr)
    assert m, r.stderr[-3000:]
    assert re.search(r"(jcqa|jnli|jsquad|jsts) x\d", m.group(1))
    last = Path(m.group(2))
    assert last == run / "checkpoints" / "step-00000005" and ckpt.verify(last)[0]
    assert ckpt.read_meta(last)["samples_seen"] == 5 * 8      # not the NaN step's batch, handed out but not trained on
    assert ckpt.find_resume_path(run / "checkpoints") == last
    from jiniac_hpc.model.load import load_model

    model = load_model(last, dtype="float32", device="cpu")
    import torch

    assert all(torch.isfinite(p).all() for p in model.parameters())
    losses = scalars(run, "train/loss")
    assert sorted(losses) == [1, 2, 3, 4, 5]          # nothing of step 6 was logged as if it were fine


def test_infinite_gradient_stops_without_applying_the_update(index, tmp_path):
    """A finite loss with an infinite gradient norm: DeepSpeed skips the update, the run stops, and the
    saved state is the one of step 5 (its weights, its data position), not a step 6 that trained nothing."""
    run = tmp_path / "infgrad"
    r = torchrun(run, 1, overrides(index, "train.inject_inf_grad_at_step=6", "train.save_every=4"))
    assert r.returncode != 0
    m = re.search(r"NonFiniteError: non-finite gradient norm \(update skipped\) at global step (\d+) .*?"
                  r"Last good state saved: (\S+) \(global step (\d+), (\d+) samples seen", r.stderr)
    assert m, r.stderr[-3000:]
    import torch
    from safetensors.torch import load_file

    assert m.group(1) == "6" and m.group(3) == "5" and m.group(4) == "40", m.group(0)
    saved = Path(m.group(2))
    assert saved == run / "checkpoints" / "step-00000005" and ckpt.verify(saved)[0]
    assert ckpt.latest_pointer(run / "checkpoints") == saved
    meta = ckpt.read_meta(saved)
    assert meta["step"] == 5 and meta["samples_seen"] == 40
    assert json.loads((saved / "trainer_state.json").read_text())["global_step"] == 5
    a = load_file(str(next((run / "checkpoints" / "step-00000004").glob("*.safetensors"))))
    b = load_file(str(next(saved.glob("*.safetensors"))))
    assert all(torch.isfinite(t).all() for t in b.values())   # an applied infinite update would be NaN
    assert any(not torch.equal(a[k], b[k]) for k in a)          # step 5's update is in it
    assert sorted(scalars(run, "train/loss")) == [1, 2, 3, 4, 5]


def _failure_text(run: Path, err: BaseException) -> str:
    """What a failed local launch left: the exception and every task's stderr log."""
    return str(err) + "".join(p.read_text(errors="replace") for p in sorted((run / "submitit").glob("*.err")))


def test_nan_relaunch_finishes_the_plan(straight, index, tmp_path, monkeypatch):
    """2 ranks through the launcher: a NaN at step 8 stops the run with the state of step 7 (its data
    position); the relaunch without the injection retrains step 8 on the same batch, finishes, saves the
    final checkpoint and marks the stage done. Losses equal the uninterrupted run's, no step missing."""
    import numpy as np

    from jiniac_hpc.data.dataset import PackedDataset
    from jiniac_hpc.data.sampler import CurriculumSampler
    from jiniac_hpc.launch.runner import launch

    monkeypatch.setenv("JINIAC_LOGS", str(tmp_path))
    run, end, k = tmp_path / "pretrain" / "nan", 20, 8
    ov = overrides(index, f"train.max_steps={end}", "train.save_every=5")
    with pytest.raises(Exception) as err:
        launch("pretrain", "debug", cluster="local", overrides=ov + [f"train.inject_nan_at_step={k}"], run_name="nan")
    text = _failure_text(run, err.value)
    # what the command line prints: the task's own error and where its traceback is, not the launcher's
    # traceback around it; and the run records the failed job, so `jiniac status` shows it
    assert isinstance(err.value, TaskFailed) and err.value.log.endswith(".err"), type(err.value)
    assert re.match(r"\S*NonFiniteError: non-finite loss at global step 8 ", err.value.summary), err.value.summary
    assert json.loads((run / "jobs.json").read_text())
    m = re.search(r"non-finite loss at global step 8 \(stage 'mix'\); batch sources: .*?\(sample indices \[([\d, ]+)\]\)\. "
                  r"Last good state saved: (\S+) \(global step 7, 56 samples seen", text)
    assert m, text[-3000:]
    cfg = debug_cfg(index)
    walk = CurriculumSampler(PackedDataset(index, "train"), cfg.plan, seed=cfg.plan.seed, micro_batch_size=8).walk
    named = sorted(int(i) for i in m.group(1).split(","))
    assert named == sorted(walk.indices(np.arange((k - 1) * 8, k * 8)).tolist())   # the batch of step 8, by name
    good = run / "checkpoints" / "step-00000007"
    assert Path(m.group(2)) == good and ckpt.latest_pointer(run / "checkpoints") == good
    assert ckpt.read_meta(good)["samples_seen"] == (k - 1) * 8
    assert fileio.read_marker(run, "train", 0) is None                              # a stopped stage is not done

    res = launch("pretrain", "debug", cluster="local", overrides=ov, run_name="nan")
    out = res.wait(400)["train"][0]
    assert [r["status"] for r in out] == ["complete"] * 2 and out[0]["step"] == end
    final = run / "checkpoints" / f"step-{end:08d}"
    assert out[0]["checkpoint"] == str(final) and ckpt.latest_pointer(run / "checkpoints") == final
    assert ckpt.read_meta(final)["samples_seen"] == end * 8
    assert fileio.read_marker(run, "train", 0)["result"] == out[0]                  # the executor's completion marker
    assert launch("pretrain", "debug", cluster="local", overrides=ov, run_name="nan").skipped == ["train"]
    # Launched again with another model: stopped at plan time, on the login node (not in the job, after
    # the queue, loading checkpoints of the wrong shape); with another LR: nothing runs, and config.yaml
    # keeps saying what ran, with a note that the change applies to nothing.
    saved = (run / "config.yaml").read_text()
    with pytest.raises(ConfigError, match=r"holds checkpoints of another model \(model.hidden_size 64 -> 32"):
        launch("pretrain", "debug", cluster="local", overrides=ov + ["model.hidden_size=32"], run_name="nan")
    out = io.StringIO()
    assert launch("pretrain", "debug", cluster="local", overrides=ov + ["schedule.lr=5e-4"], run_name="nan",
                  out=out).skipped == ["train"]
    assert "apply to nothing: schedule.lr" in out.getvalue() and (run / "config.yaml").read_text() == saved
    res = launch("pretrain", "debug", cluster="local", overrides=ov, run_name="nan", dry_run=True)
    assert res.scripts == {} and res.skipped == ["train"]          # (stderr says the run is complete)

    loss, tokens = scalars(run, "train/loss"), scalars(run, "data/tokens_seen")
    assert sorted(loss) == sorted(tokens) == list(range(1, end + 1))                # no gap, no repeat
    assert all(tokens[s] == s * 8 * 64 for s in tokens)                             # batches trained on
    ref = scalars(straight, "train/loss")
    assert max(abs(loss[s] - ref[s]) for s in loss) <= 1e-6                         # nothing skipped


def _optimizer_lr(folder: Path) -> float:
    """The LR the optimizer state of a checkpoint holds (rank 0's ZeRO partition)."""
    import torch

    state = torch.load(next(folder.glob("global_step*/*zero_pp_rank_0_*optim_states.pt")), weights_only=False)
    groups = state["optimizer_state_dict"]["base_optimizer_state"]["param_groups"]
    assert len({g["lr"] for g in groups}) == 1
    return groups[0]["lr"]


def test_changed_lr_applies_from_the_resumed_step(index, tmp_path):
    """Resumed with another schedule.lr, then with another lr_peak for the current stage: the optimizer
    applies, and TensorBoard shows, lr_at of the new config from the resumed step on."""
    from jiniac_hpc.train.pretrain import plan_spans, read_index

    run = tmp_path / "lr"
    r = torchrun(run, 1, overrides(index, "train.max_steps=6"))
    assert r.returncode == 0, r.stderr[-3000:]
    r = torchrun(run, 1, overrides(index, "train.max_steps=10", "schedule.lr=1e-4"))
    assert r.returncode == 0, r.stderr[-3000:]
    # the recipe's plan with the first stage's own peak (steps [0, 16) are stage 'mix')
    peak = ('plan.stages=[{name: mix, sources: {"*": 1.0}, tokens: 8192, lr_peak: 3.0e-5}, '
            '{name: middle, sources: {"*": 1.0}, tokens: 5120, lr_mult: 0.5}, '
            '{name: polish, sources: {"*": 1.0}, tokens: 7168, lr_mult: 0.25}]')
    mid = run / "checkpoints" / "step-00000010"
    mid_lr = _optimizer_lr(mid)                         # read before keep_last may drop the folder
    r = torchrun(run, 1, overrides(index, "train.max_steps=13", "schedule.lr=1e-4", peak))
    assert r.returncode == 0, r.stderr[-3000:]
    cfgs = [debug_cfg(index), debug_cfg(index, "schedule.lr=1e-4"), debug_cfg(index, "schedule.lr=1e-4", peak)]
    spans = [plan_spans(c, read_index(c)[1]) for c in cfgs]
    assert spans[2][0].peak == pytest.approx(3.0e-5) and spans[1][0].peak == pytest.approx(1e-4)
    lr = scalars(run, "train/lr")        # logged from the optimizer's param groups at each update
    assert sorted(lr) == list(range(1, 14))
    for k, steps in enumerate([range(1, 7), range(7, 11), range(11, 14)]):
        assert [lr[s] for s in steps] == pytest.approx([lr_at(s - 1, spans[k], cfgs[k].schedule) for s in steps]), k
    assert lr[7] < lr[6] / 5 and lr[11] < lr[10] / 2                                 # each change took effect
    assert mid_lr == pytest.approx(lr_at(10, spans[1], cfgs[1].schedule))
    final = run / "checkpoints" / "step-00000013"
    assert _optimizer_lr(final) == pytest.approx(lr_at(13, spans[2], cfgs[2].schedule))
    assert ckpt.read_meta(final)["lr_next"] == pytest.approx(lr_at(13, spans[2], cfgs[2].schedule))


def test_blown_up_update_is_not_saved_and_a_lower_lr_recovers(index, tmp_path):
    """An absurd LR: the first update blows the weights up (finite), the weight-norm guard stops the run
    before that state is saved (even with save_every=1), and relaunching with a sane LR finishes."""
    import torch
    from safetensors.torch import load_file

    run = tmp_path / "blowup"
    r = torchrun(run, 1, overrides(index, "train.max_steps=4"))
    assert r.returncode == 0, r.stderr[-3000:]
    r = torchrun(run, 1, overrides(index, "train.max_steps=8", "train.save_every=1", "schedule.lr=50"))
    assert r.returncode != 0
    m = re.search(r"DivergenceError: the update of global step 5 changed the global weight norm from (\S+) to (\S+) "
                  r".*These weights were not saved; the newest checkpoint, (\S+) \(global step 4\), is the last good "
                  r"state", r.stderr)
    assert m, r.stderr[-3000:]
    assert float(m.group(2)) > 10 * float(m.group(1))
    assert [p.name for p in ckpt.list_checkpoints(run / "checkpoints")] == ["step-00000004"]
    r = torchrun(run, 1, overrides(index, "train.max_steps=8"))            # the advice: a lower LR, relaunch
    assert r.returncode == 0, r.stderr[-3000:]
    assert results(r.stdout)[0] == {"status": "complete", "step": 8,
                                    "checkpoint": str(run / "checkpoints" / "step-00000008")}
    loss = scalars(run, "train/loss")
    assert sorted(loss) == list(range(1, 9)) and loss[8] < loss[1]
    w = load_file(str(next((run / "checkpoints" / "step-00000008").glob("*.safetensors"))))
    assert max(float(t.abs().max()) for t in w.values()) < 10


@pytest.mark.slurm
def test_slurm_scontrol_requeue_resumes(slurm_cluster, index, logs_dir):
    """A pretrain job requeued with `scontrol requeue` mid-run finishes from its checkpoint."""
    import time

    from jiniac_hpc.launch.runner import launch

    # micro-batches of 1 (8 forward/backward passes a step) and an eval every step slow the 40 steps
    # down (~4 s -> ~20 s here) so that the requeue surely lands mid-run
    ov = overrides(index, "train.save_every=5", "job.tasks_per_node=1", "train.max_steps=40", "train.eval_every=1",
                   "train.micro_batch_size=1")
    res = launch("pretrain", "debug", cluster=slurm_cluster, overrides=ov, run_name="requeue")
    job = res.jobs["train"][0]
    run = logs_dir / "pretrain" / "requeue"
    deadline = time.time() + 300
    while ckpt.find_resume_path(run / "checkpoints", warn=lambda m: None) is None:
        assert time.time() < deadline, "no checkpoint within 300 s"
        time.sleep(0.2)
    first = ckpt.folder_step(ckpt.find_resume_path(run / "checkpoints"))
    assert first < TOTAL
    subprocess.run(["scontrol", "requeue", job.job_id], check=True, capture_output=True, timeout=30)
    deadline = time.time() + 600
    while ckpt.folder_step(ckpt.find_resume_path(run / "checkpoints", warn=lambda m: None) or "x") != TOTAL:
        assert time.time() < deadline, "the requeued job did not finish"
        time.sleep(3)
    logs = "".join(p.read_text(errors="replace") for p in (run / "submitit").glob("*_log.out"))
    resumed = [int(m) for m in re.findall(r"this job: steps (\d+) -> 40; resume from \S+/step-\d{8}", logs)]
    assert resumed and 0 < resumed[0] < TOTAL, logs[-3000:]     # the requeued run continued mid-plan
    # Slurm's SIGTERM came from the requeue: if rank 0 got to say something (a step can outlast
    # KillWait on a loaded machine), it says that, not "relaunch"
    both = "".join(p.read_text(errors="replace") for p in (run / "submitit").glob("*_log.*"))
    assert "resume by relaunching" not in both, both[-3000:]
    assert "stopped at step" not in both or "Slurm requeued the job" in both, both[-3000:]
    loss = scalars(run, "train/loss")
    assert sorted(loss) == list(range(1, TOTAL + 1))


@pytest.mark.slurm
def test_slurm_self_preemption_requeues(slurm_cluster, index, logs_dir):
    """The fire-drill knob: the job saves at step 6, requeues itself (scontrol) and finishes."""
    import time

    from jiniac_hpc.launch.runner import launch

    ov = overrides(index, "job.tasks_per_node=1", "train.preempt_at=[6]")
    launch("pretrain", "debug", cluster=slurm_cluster, overrides=ov, run_name="selfpreempt")
    run = logs_dir / "pretrain" / "selfpreempt"
    deadline = time.time() + 600
    while ckpt.folder_step(ckpt.find_resume_path(run / "checkpoints", warn=lambda m: None) or "x") != TOTAL:
        assert time.time() < deadline, "the job did not finish after requeueing itself"
        time.sleep(3)
    text = "".join(p.read_text(errors="replace") for p in (run / "submitit").glob("*_log.*"))
    assert "preempted at step 6 (preempt_at step 6)" in text and "job requeued" in text, text[-3000:]
    assert re.search(r"this job: steps 6 -> 40; resume from \S+/step-00000006", text), text[-3000:]
    assert sorted(scalars(run, "train/loss")) == list(range(1, TOTAL + 1))


@pytest.mark.slurm
def test_rendered_script_submitted_with_plain_sbatch(slurm_cluster, index, logs_dir):
    """What `sbatch sbatch_templates/pretrain.sbatch` does: the `--dry-run` script, given to sbatch
    by hand (no launcher, no submitit pickle), trains and checkpoints through the direct entry."""
    import time

    ov = overrides(index, "train.max_steps=6", "train.save_every=3")
    r = subprocess.run([PY, "jobs/pretrain.py", "--cluster", slurm_cluster, "--run-name", "direct", "--dry-run",
                        *[x for o in ov for x in ("--set", o)]], cwd=REPO, capture_output=True, text=True,
                       env=dict(env(), JINIAC_LOGS=str(logs_dir)), timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "-m jiniac_hpc.job.direct" in r.stdout and "#SBATCH --ntasks-per-node=2" in r.stdout
    script = logs_dir / "pretrain.sbatch"
    script.write_text(r.stdout)
    sub = subprocess.run(["sbatch", "--parsable", str(script)], cwd=REPO, capture_output=True, text=True,
                         env=dict(env(), JINIAC_LOGS=str(logs_dir)), timeout=60, check=True)
    job_id = sub.stdout.strip().split(";")[0]
    deadline, state = time.time() + 400, ""
    while time.time() < deadline:
        out = subprocess.run(["sacct", "-n", "-X", "-P", "-o", "State", "-j", job_id], capture_output=True,
                             text=True).stdout.split()
        state = out[0] if out else ""
        if state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"):
            break
        time.sleep(3)
    run = logs_dir / "pretrain" / "direct"
    logs = "".join(p.read_text() for p in sorted((run / "submitit").glob(f"{job_id}_*_log.err")))
    assert state == "COMPLETED", logs[-3000:]
    assert (run / "config.yaml").exists() and (run / "submitit" / f"{job_id}_submitted.pkl").exists()
    last = ckpt.find_resume_path(run / "checkpoints")
    assert last is not None and ckpt.folder_step(last) == 6
