"""Pretraining on two Slurm nodes: the session `.ci/run` runs on `LOCAL_SLURM_NODES=2`.

    LOCAL_SLURM_NODES=2 LOCAL_SLURM_ACCOUNTING=1 ../shared/slurm/start-local-slurm.sh
    pytest -m slurm2 tests/test_slurm_two_nodes.py

The cluster has nodes <host>1 and <host>2 with 1 CPU each, so every job runs one rank a node
(``job.tasks_per_node=1``; the debug recipe's 2 ranks a node would never start, which the
pre-flight check says). The reference is the committed template submitted as the README says,
``sbatch -N 2 sbatch_templates/pretrain.sbatch``, with the debug data where the debug recipe
looks for it. Against it: the launcher's ``jobs/pretrain.py --nodes 2`` run, requeued with
``scontrol requeue`` mid-run (same TensorBoard loss and LR), and ``--stage 0/1/2`` as three
jobs (same LR). The committed SFT and DPO templates run side by side, one a node, under plain
``sbatch -N 1``. Node names come from the ranks' own log lines.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from jiniac_hpc.train import checkpoint as ckpt

from conftest import REPO, run_cli

pytestmark = pytest.mark.slurm2
TOTAL = 40                       # the debug plan: stages [0, 16), [16, 26), [26, 40)
ONE_RANK_A_NODE = ["--set", "job.tasks_per_node=1"]
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL")


def _nodes() -> list[str]:
    r = subprocess.run(["sinfo", "-h", "-N", "-p", "debug", "-o", "%N"], capture_output=True, text=True)
    return sorted(set(r.stdout.split())) if r.returncode == 0 else []


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """A logs root for the module, with the debug recipe's data at logs/pretokenize/debug/index.json."""
    from jiniac_hpc.cluster import slurm_available
    from jiniac_hpc.train.fixtures import build_index

    if not slurm_available() or len(_nodes()) < 2:
        pytest.skip("needs the two-node test Slurm (LOCAL_SLURM_NODES=2 ../shared/slurm/start-local-slurm.sh)")
    root = REPO / "logs" / "pytest" / f"slurm2-{os.getpid()}"
    index = build_index(tmp_path_factory.mktemp("slurm2-data"))
    (root / "pretokenize").mkdir(parents=True, exist_ok=True)
    (root / "pretokenize" / "debug").symlink_to(index.parent)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JINIAC_LOGS", str(root))
        mp.setenv("OMP_NUM_THREADS", "1")
        yield root


def state(job_id: str) -> str:
    out = subprocess.run(["sacct", "-n", "-X", "-P", "-o", "State", "-j", job_id], capture_output=True,
                         text=True).stdout.split()
    return out[0] if out else ""


def wait_job(job_id: str, timeout: float = 600) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = state(job_id)
        if s.startswith(TERMINAL):
            return s
        time.sleep(2)
    subprocess.run(["scancel", job_id], capture_output=True)
    raise TimeoutError(f"job {job_id} not finished after {timeout:.0f}s (state {state(job_id)})")


def submit(*args: str) -> str:
    """``python jobs/pretrain.py ARGS`` as a user types it; returns the job id it printed."""
    r = run_cli("jobs/pretrain.py", "--recipe", "debug", "--cluster", "local-slurm", *args, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return re.search(r"submitted job (\d+)", r.stdout).group(1)


def job_logs(run: Path, job_id: str) -> str:
    """The tail of every task log of one job, for an assertion message: a FAILED job says why."""
    parts = [f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}"
             for p in sorted((run / "submitit").glob(f"{job_id}_*_log.*"))]
    return "\n".join(parts) or f"(no task logs for job {job_id} under {run / 'submitit'})"


def placements(run: Path) -> dict[int, tuple[str, str]]:
    """rank -> (node, MASTER_ADDR), from the lines every rank prints first."""
    text = "".join(p.read_text(errors="replace") for p in sorted((run / "submitit").glob("*_log.out")))
    return {int(r): (node, addr) for r, node, addr in
            re.findall(r"\[jiniac\] rank (\d+)/2 \(local rank 0\) on node (\S+); MASTER_ADDR=(\S+)", text)}


def scalars(run: Path, tag: str) -> dict[int, float]:
    from jiniac_hpc.train.metrics import read_scalars

    return read_scalars(run / "tensorboard", tag)


@pytest.fixture(scope="module")
def reference(logs) -> Path:
    """The committed template, submitted as the README says, on two nodes."""
    r = subprocess.run(["sbatch", "--parsable", "-N", "2", "sbatch_templates/pretrain.sbatch"], cwd=REPO,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    job_id = r.stdout.strip().split(";")[0]
    run = logs / "pretrain" / f"debug-{job_id}"
    assert wait_job(job_id) == "COMPLETED", "".join(p.read_text() for p in (run / "submitit").glob("*.err"))[-3000:]
    return run


def test_template_runs_on_two_nodes(reference, logs):
    assert ckpt.folder_step(ckpt.find_resume_path(reference / "checkpoints")) == TOTAL
    assert sorted(scalars(reference, "train/loss")) == list(range(1, TOTAL + 1))
    cfg = (reference / "config.yaml").read_text()
    assert re.search(r"nodes: 2\n", cfg) and re.search(r"tasks_per_node: 1\n", cfg)   # from Slurm, at run time
    where = placements(reference)
    assert sorted(where) == [0, 1] and where[0][0] != where[1][0], where            # two distinct nodes
    assert {n for n, _ in where.values()} == set(_nodes()[:2])
    assert {a for _, a in where.values()} == {where[0][0]}                         # rendezvous on rank 0's node
    assert not list(REPO.glob(f"logs/pretrain-debug-{reference.name.split('-')[-1]}.batch.*"))   # none left empty
    # jiniac status finds the plain-sbatch job through the record the job wrote
    r = run_cli("-m", "jiniac_hpc.cli", "status", f"pretrain/{reference.name}")
    assert r.returncode == 0 and "COMPLETED" in r.stdout and f"step {TOTAL}/{TOTAL} loss" in r.stdout, r.stdout


def test_debug_recipe_two_ranks_a_node_fails_preflight(logs):
    r = run_cli("jobs/pretrain.py", "--recipe", "debug", "--nodes", "2", "--cluster", "local-slurm",
                "--run-name", "pends", timeout=300)
    assert r.returncode != 0
    assert "job.tasks_per_node in jiniac_hpc/recipes/pretrain/debug.yaml" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (logs / "pretrain" / "pends").exists()


def test_launcher_run_requeued_mid_run_equals_reference(reference, logs):
    job_id = submit("--nodes", "2", *ONE_RANK_A_NODE, "--run-name", "requeued")
    run = logs / "pretrain" / "requeued"
    deadline = time.time() + 600
    while ckpt.find_resume_path(run / "checkpoints", warn=lambda m: None) is None:
        assert time.time() < deadline and not state(job_id).startswith(TERMINAL), "no checkpoint"
        time.sleep(0.2)
    subprocess.run(["scontrol", "requeue", job_id], check=True, capture_output=True, timeout=30)
    assert wait_job(job_id) == "COMPLETED", job_logs(run, job_id)
    logs_text = "".join(p.read_text(errors="replace") for p in sorted((run / "submitit").glob("*_log.*")))
    resumed = [int(m) for m in re.findall(r"this job: steps (\d+) -> 40; resume from \S+/step-\d{8}", logs_text)]
    assert resumed and 0 < resumed[0] < TOTAL, logs_text[-3000:]                  # continued mid-plan
    assert "Slurm requeued the job" in logs_text and "resume by relaunching" not in logs_text
    assert "DeepSpeedEngine ZeRO stage 1" in logs_text
    where = placements(run)
    assert sorted(where) == [0, 1] and where[0][0] != where[1][0], where
    a, b = scalars(reference, "train/loss"), scalars(run, "train/loss")
    assert sorted(a) == sorted(b) == list(range(1, TOTAL + 1))
    assert max(abs(a[s] - b[s]) for s in a) <= 1e-6
    assert scalars(run, "train/lr") == scalars(reference, "train/lr")


def test_stages_as_separate_jobs_same_lr(reference, logs):
    run = logs / "pretrain" / "staged"
    for k, end in enumerate([16, 26, 40]):
        job_id = submit("--nodes", "2", *ONE_RANK_A_NODE, "--stage", str(k), "--run-name", "staged")
        assert wait_job(job_id) == "COMPLETED", f"stage {k}\n{job_logs(run, job_id)}"
        assert ckpt.folder_step(ckpt.find_resume_path(run / "checkpoints")) == end
    assert scalars(run, "train/lr") == scalars(reference, "train/lr")
    assert len({n for n, _ in placements(run).values()}) == 2


def test_sft_and_dpo_templates_run_under_sbatch(logs):
    """``sbatch -N 1 sbatch_templates/{sft,dpo}.sbatch`` as the README says, both at once (one a node),
    on the debug recipes' inputs: the tiny debug model where they look for the pretraining
    checkpoint, tokenizer and SFT model."""
    from jiniac_hpc import fileio
    from jiniac_hpc.posttrain import debug_assets

    model = debug_assets.cached("auto")
    for link in ("pretrain/debug/checkpoints/latest", "tokenizer/debug/hf", "sft/debug/model"):
        (logs / link).parent.mkdir(parents=True, exist_ok=True)
        (logs / link).symlink_to(model)
    jobs = {}
    for stage in ("sft", "dpo"):
        r = subprocess.run(["sbatch", "--parsable", "-N", "1", f"sbatch_templates/{stage}.sbatch"], cwd=REPO,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        jobs[stage] = r.stdout.strip().split(";")[0]
    nodes = set()
    try:
        for stage, job_id in jobs.items():
            run = logs / stage / f"debug-{job_id}"
            assert wait_job(job_id) == "COMPLETED", f"{stage}\n{job_logs(run, job_id)}"
            assert fileio.read_marker(run, "train", 0) is not None
            records = fileio.read_json(run / "jobs.json")       # the job recorded itself for `jiniac status`
            assert [r["job_ids"] for r in records] == [[job_id]] and records[0]["via"] == "sbatch template"
            assert (run / "model" / "config.json").exists()
            text = "".join(p.read_text(errors="replace") for p in (run / "submitit").glob("*_log.out"))
            nodes |= set(re.findall(r"\[jiniac\] rank 0/1 \(local rank 0\) on node (\S+);", text))
    finally:
        subprocess.run(["scancel", *jobs.values()], capture_output=True)
    assert nodes == set(_nodes()[:2]), nodes                        # side by side: one job a node
