"""SFT on the test Slurm cluster: `scontrol requeue` mid-run, the job resumes from its checkpoint.

    LOCAL_SLURM_ACCOUNTING=1 ../shared/slurm/start-local-slurm.sh && pytest -m slurm tests/test_sft_slurm.py
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.posttrain import debug_assets


def wait_for(cond, timeout: float, what: str, poll: float = 1.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(poll)
    raise TimeoutError(f"{what} not after {timeout:.0f}s")


@pytest.mark.slurm
def test_sft_requeue_resumes_from_checkpoint(slurm_cluster, logs_dir):
    from jiniac_hpc.launch.runner import launch

    model = debug_assets.cached("auto")
    over = [f"model_path={model}", "tokenizer_path=null", "train.max_steps=60", "train.save_steps=5",
            "data.eval_size=0"]
    res = launch("sft", "debug", cluster=slurm_cluster, overrides=over)
    run = Path(res.run_dir)
    job = res.jobs["train"][0]
    ckpts = run / "checkpoints"
    try:
        wait_for(lambda: (ckpts / "step-00000005" / "meta.json").exists(), 300, "first checkpoint")
        r = subprocess.run(["scontrol", "requeue", job.job_id], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        wait_for(lambda: fileio.read_marker(run, "train", 0), 600, "the requeued job's completion marker", poll=2)
    finally:
        subprocess.run(["scancel", job.job_id], capture_output=True)
    logs = "".join(p.read_text(errors="replace") for p in (run / "submitit").glob("*_log.*"))
    assert "resuming from" in logs, logs[-3000:]
    resumed = [line for line in logs.splitlines() if "resuming from" in line][-1]
    step = int(resumed.rsplit("step ", 1)[1].rstrip(")"))
    assert 5 <= step < 60                                    # from a mid-run checkpoint, not from scratch
    data = json.loads((run / "checkpoints.json").read_text())
    assert data["final"] == str(run / "model")
    assert [c["step"] for c in data["checkpoints"]][-1] == 60
