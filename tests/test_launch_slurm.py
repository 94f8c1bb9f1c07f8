"""The launcher against a real Slurm (the single-node cluster that .ci/run starts).

Covers what every stage relies on: a plain job with its result and log, a 4-task array, an
``afterok`` chain, requeue of a Checkpointable job (by ``scontrol requeue`` and by a USR2
preemption), and a 2-task srun job whose ranks see RANK / WORLD_SIZE / MASTER_ADDR.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import cloudpickle
import pytest
import submitit
from submitit.helpers import DelayedSubmission as call

from jiniac_hpc.cluster import JobConfig, load_cluster
from jiniac_hpc.launch.backend import Submission, wait_all
from jiniac_hpc.launch.preflight import max_array_size
from jiniac_hpc.launch.slurm import ARRAY_SEPARATOR, SlurmBackend

# Jobs unpickle these functions on the compute node, where this test module is not importable.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

pytestmark = pytest.mark.slurm
WAIT = 240  # seconds; every wait on Slurm is bounded


def _submit(cluster, folder, name, calls, dependency=None, **job_kw):
    """Submit ``calls`` through the Slurm backend: one job, or an array when there are several."""
    sub = Submission(name, JobConfig(time_min=60, **job_kw), folder, array=len(calls) > 1, dependency=dependency)
    return SlurmBackend(load_cluster(cluster)).submit(sub, calls)


def hello(x):
    print(f"hello from {os.environ.get('SLURM_JOB_ID')} with {x}", flush=True)
    return x * 10


def square(x):
    return x * x


def write_then_read(path, value):
    Path(path).write_text(str(value))
    time.sleep(2)
    return time.time()


def read_file(path):
    return int(Path(path).read_text()), time.time()


def test_plain_job_result_and_log(slurm_cluster, logs_dir):
    (job,) = _submit(slurm_cluster, logs_dir / "plain", "plain", [call(hello, 4)])
    assert wait_all([job], WAIT) == [40]
    log = Path(job.paths.stdout).read_text()
    assert f"hello from {job.job_id} with 4" in log
    sub = Path(job.paths.submission_file).read_text()
    assert "#SBATCH --signal=USR2@30" in sub and "#SBATCH --requeue" in sub and "#SBATCH --partition=debug" in sub


def test_array_of_four(slurm_cluster, logs_dir):
    jobs = _submit(slurm_cluster, logs_dir / "array", "array", [call(square, x) for x in [1, 2, 3, 4]],
                   array_parallelism=2)
    assert len({j.job_id.split("_")[0] for j in jobs}) == 1  # one array job
    assert wait_all(jobs, WAIT) == [1, 4, 9, 16]
    assert "#SBATCH --array=0-3%2" in Path(jobs[0].paths.submission_file).read_text()


def test_the_site_reports_its_max_array_size(slurm_cluster):
    # the test cluster's slurm.conf leaves MaxArraySize at Slurm's default
    assert max_array_size() == 1001


def test_more_tasks_than_one_array_may_have_go_in_several(slurm_cluster, logs_dir):
    cluster = replace(load_cluster(slurm_cluster), max_array_size=2)   # as a site with MaxArraySize=2
    sub = Submission("big", JobConfig(time_min=60, array_parallelism=4), logs_dir / "big", array=True)
    jobs = SlurmBackend(cluster).submit(sub, [call(square, x) for x in range(5)])
    arrays = list(dict.fromkeys(j.job_id.split("_")[0] for j in jobs))
    assert len(arrays) == 3 and [j.job_id for j in jobs] == [f"{a}_{i}" for a, n in zip(arrays, (2, 2, 1))
                                                            for i in range(n)]
    assert wait_all(jobs, WAIT) == [0, 1, 4, 9, 16]      # every call ran once, in order
    scripts = [Path(j.paths.submission_file).read_text() for j in jobs if j.job_id.endswith("_0")]
    # the throttle (4 at once) is shared: 4 // 3 arrays = 1 each
    assert ["#SBATCH --array=0-1%1" in scripts[0], "#SBATCH --array=0-1%1" in scripts[1],
            "#SBATCH --array=0-0%1" in scripts[2]] == [True] * 3
    # a dry run shows the same three scripts
    dry = SlurmBackend(cluster).render(sub, 5)
    assert dry == scripts[0] + "".join(ARRAY_SEPARATOR.format(k=k, n=3) + s for k, s in ((2, scripts[1]), (3, scripts[2])))


def test_dependency_chain(slurm_cluster, logs_dir):
    path = logs_dir / "chain.txt"
    (first,) = _submit(slurm_cluster, logs_dir / "chain", "first", [call(write_then_read, str(path), 7)])
    dep = SlurmBackend(load_cluster(slurm_cluster)).after([first])
    (second,) = _submit(slurm_cluster, logs_dir / "chain", "second", [call(read_file, str(path))], dependency=dep)
    assert f"#SBATCH --dependency=afterok:{first.job_id}" in Path(second.paths.submission_file).read_text()
    (t_first_end,) = wait_all([first], WAIT)
    ((value, t_second),) = wait_all([second], WAIT)
    assert value == 7 and t_second >= t_first_end


class DiskCounter(submitit.helpers.Checkpointable):
    """Counts to n, one step a second, keeping its progress in a file (its checkpoint)."""

    def __call__(self, n, state_file):
        state = Path(state_file)
        i = int(state.read_text()) if state.exists() else 0
        with open(state_file + ".starts", "a") as f:
            f.write(f"{i}\n")
        while i < n:
            time.sleep(1)
            i += 1
            tmp = state.with_suffix(".tmp")
            tmp.write_text(str(i))
            tmp.replace(state)
        return i


def _wait_progress(state: Path, at_least: int, timeout: float = WAIT):
    deadline = time.time() + timeout
    while not (state.exists() and int(state.read_text() or 0) >= at_least):
        assert time.time() < deadline, "job made no progress"
        time.sleep(0.5)


def test_scontrol_requeue_resumes_from_checkpoint(slurm_cluster, logs_dir):
    state = logs_dir / "counter.state"
    (job,) = _submit(slurm_cluster, logs_dir / "requeue", "requeue", [call(DiskCounter(), 12, str(state))])
    _wait_progress(state, 3)
    subprocess.run(["scontrol", "requeue", job.job_id], check=True)
    assert wait_all([job], WAIT) == [12]
    starts = [int(x) for x in (logs_dir / "counter.state.starts").read_text().split()]
    assert len(starts) >= 2 and starts[0] == 0 and starts[-1] >= 3, starts


class MemoryCounter(submitit.helpers.Checkpointable):
    """Keeps its progress in memory; submitit pickles it on USR2 (preemption) and requeues."""

    def __init__(self):
        self.i = 0

    def __call__(self, n, log):
        with open(log, "a") as f:
            f.write(f"{self.i}\n")
        while self.i < n:
            time.sleep(1)
            self.i += 1
            Path(log + ".progress").write_text(str(self.i))
        return self.i


def test_preemption_signal_checkpoints_and_requeues(slurm_cluster, logs_dir):
    log = logs_dir / "mem.log"
    (job,) = _submit(slurm_cluster, logs_dir / "preempt", "preempt", [call(MemoryCounter(), 12, str(log))])
    _wait_progress(Path(str(log) + ".progress"), 3)
    job._interrupt()  # what Slurm preemption does: USR2 (checkpoint + requeue), then the job is requeued
    assert wait_all([job], WAIT) == [12]
    starts = [int(x) for x in log.read_text().split()]
    assert len(starts) >= 2 and starts[0] == 0 and starts[1] >= 3, starts


def test_two_task_srun_sees_torch_env(slurm_cluster, logs_dir):
    from jiniac_hpc.launch.runner import launch

    res = launch("selftest", "debug", cluster=slurm_cluster, run_name="srun", overrides=["array_tasks=1"])
    results = res.wait(timeout_s=WAIT)
    ranks = sorted(results["rendezvous"][0], key=lambda r: r["rank"])
    assert [r["env"]["RANK"] for r in ranks] == ["0", "1"]
    assert {r["env"]["WORLD_SIZE"] for r in ranks} == {"2"}
    assert len({r["env"]["MASTER_ADDR"] for r in ranks}) == 1 and ranks[0]["env"]["MASTER_ADDR"]
    assert all(r["allreduce_sum"] == 1.0 for r in ranks)  # a real gloo all-reduce over both tasks
    assert results["summary"][0]["ok"] is True
    summary = json.loads((res.run_dir / "selftest" / "summary.json").read_text())
    assert summary["world_size"] == 2


def test_preflight_stops_a_request_the_partition_cannot_run(slurm_cluster, logs_dir):
    from conftest import run_cli

    r = run_cli("jobs/selftest.py", "--cluster", slurm_cluster, "--set", "ranks_per_node=64", "--run-name", "big",
                env={"JINIAC_LOGS": str(logs_dir)}, timeout=120)
    assert r.returncode != 0
    (line,) = r.stderr.strip().splitlines()           # one line, naming the key, its file, the partition
    assert "64 CPUs a node" in line and "partition 'debug'" in line, line
    assert "ranks_per_node in jiniac_hpc/recipes/selftest/debug.yaml" in line, line
    assert not (logs_dir / "selftest" / "big").exists()   # nothing written, nothing submitted


def test_status_shows_pending_reason(slurm_cluster, logs_dir):
    from jiniac_hpc.launch.runner import launch
    from jiniac_hpc.launch.status import print_status

    res = launch("selftest", "debug", cluster=slurm_cluster, run_name="pending")
    try:
        import io

        buf = io.StringIO()
        rows = print_status([res.run_dir], out=buf)
        summary = [r for r in rows if r.step == "summary"]
        assert summary and summary[0].state == "PENDING" and summary[0].reason == "Dependency", buf.getvalue()
        assert "PENDING (Dependency)" in buf.getvalue()
    finally:
        for jobs in res.jobs.values():
            subprocess.run(["scancel", jobs[0].job_id.split("_")[0]], capture_output=True)


def test_requeue_self_knows_when_slurm_already_requeued(slurm_cluster, logs_dir):
    """`scontrol requeue` from outside: the job's own requeue says "slurm"; a job asking first says "requeued"."""
    out = logs_dir / "rq-%j.out"
    py = f"{sys.executable} -c 'from jiniac_hpc.job.distributed import requeue_self; print(\"how=\" + requeue_self())'"
    script = logs_dir / "rq.sh"
    script.write_text(f"#!/bin/bash\n#SBATCH --requeue\n#SBATCH -p debug\n#SBATCH -o {out}\n"
                      f"cd {Path(__file__).resolve().parents[1]}\nhow() {{ {py}; }}\n"
                      f"if [ -n \"$SELF\" ] && [ -z \"$SLURM_RESTART_COUNT\" ]; then how; exit 0; fi\n"
                      f"trap 'how; exit 0' TERM\necho started\nfor i in $(seq 120); do sleep 1; done\n")

    def submit(**env):
        r = subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True, text=True, check=True,
                           env=dict(os.environ, **env))
        return r.stdout.strip().split(";")[0]

    def log(jid):
        p = Path(str(out).replace("%j", jid))
        return p.read_text() if p.exists() else ""

    def until(cond, what):
        deadline = time.time() + WAIT
        while not cond():
            assert time.time() < deadline, what
            time.sleep(0.5)

    outside = submit()
    try:
        until(lambda: "started" in log(outside), "job did not start")
        subprocess.run(["scontrol", "requeue", outside], check=True, capture_output=True)
        until(lambda: "how=" in log(outside), "the TERM trap did not run")
        assert "how=slurm" in log(outside), log(outside)
    finally:
        subprocess.run(["scancel", outside], capture_output=True)
    itself = submit(SELF="1")
    try:
        until(lambda: "how=" in log(itself), "job did not run")
        assert "how=requeued" in log(itself), log(itself)
    finally:
        subprocess.run(["scancel", itself], capture_output=True)


def _ended(submitted: subprocess.CompletedProcess) -> str:
    """The job id of an ``sbatch --parsable`` run, once the job has left the queue."""
    assert submitted.returncode == 0, submitted.stderr
    job = submitted.stdout.strip().split(";")[0]
    deadline = time.time() + WAIT
    while subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True).stdout.strip():
        assert time.time() < deadline, f"job {job} still queued after {WAIT} s"
        time.sleep(1)
    return job


def test_a_template_submitted_from_elsewhere_says_where_to_submit(slurm_cluster, logs_dir):
    """Plain sbatch of a committed template from outside the checkout: the job's own log, in the
    directory sbatch ran in, says to submit from the checkout (a batch log under logs/ could not be
    opened there: the job had failed at launch with no log at all)."""
    template = Path(__file__).resolve().parents[1] / "sbatch_templates" / "sft.sbatch"
    job = _ended(subprocess.run(["sbatch", "--parsable", str(template)], cwd=logs_dir, capture_output=True, text=True))
    log = logs_dir / f"slurm-{job}.out"
    assert log.exists(), sorted(p.name for p in logs_dir.iterdir())
    assert log.read_text().strip() == (f"not a jiniac-hpc checkout: {logs_dir} (submit from the checkout's root, "
                                       "or name it with sbatch -D PATH as the compute nodes see it)")


def test_a_template_says_in_its_own_log_when_python_is_missing_or_the_tasks_fail(slurm_cluster, logs_dir):
    """A site where the checkout has no .venv (set up another way): the job's own log had held only
    srun's "task 0: Exited with exit code 2", the reason (execve) in a task log nobody was told of.
    Now the script stops before srun with one line naming the python and what to do; and a step
    that fails says where the tasks' logs are."""
    repo = Path(__file__).resolve().parents[1]

    def run(python: str) -> tuple[str, str]:
        env = {**os.environ, "JINIAC_PYTHON": python, "JINIAC_LOGS": str(logs_dir / "logs")}
        r = subprocess.run(["sbatch", "--parsable", "-o", str(logs_dir / "slurm-%j.out"),
                            str(repo / "sbatch_templates" / "sft.sbatch")], cwd=repo, env=env,
                           capture_output=True, text=True)
        job = _ended(r)
        return job, (logs_dir / f"slurm-{job}.out").read_text()

    _, log = run("/nonexistent/python")
    assert log.strip() == ("no python at /nonexistent/python: run bash envs/setup.sh in the checkout, "
                           "or set JINIAC_PYTHON"), log
    job, log = run("false")          # found, but the step fails
    want = f"srun ended with exit code 1; the tasks' logs: {logs_dir}/logs/sft/debug-{job}/submitit/{job}_*_log.err"
    assert want in log.splitlines(), log


def test_committed_templates_submit_on_a_site_without_a_debug_partition(slurm_cluster, logs_dir):
    """A site whose partition is not called ``debug`` (here: the test cluster's node moved to a
    partition ``batch`` for the test, then back): the committed templates name no partition, so
    Slurm's default takes them; a script that names ``debug`` is refused there, as the templates
    were before. ``sbatch --test-only`` checks the submission without running it."""
    repo = Path(__file__).resolve().parents[1]

    def scontrol(*args):
        r = subprocess.run(["scontrol", *args], capture_output=True, text=True)
        assert r.returncode == 0, f"scontrol {' '.join(args)}: {r.stderr}"

    nodes = subprocess.run(["sinfo", "-h", "-p", "debug", "-o", "%N"], capture_output=True, text=True).stdout.strip()
    assert nodes, "the test cluster has no partition debug"
    scontrol("create", "PartitionName=batch", f"Nodes={nodes}", "Default=YES", "MaxTime=INFINITE", "State=UP")
    try:
        scontrol("delete", "PartitionName=debug")
        for name in ("pretrain", "sft", "dpo"):
            r = subprocess.run(["sbatch", "--test-only", str(repo / "sbatch_templates" / f"{name}.sbatch")],
                               cwd=repo, capture_output=True, text=True)
            assert r.returncode == 0 and "to start at" in r.stderr, (name, r.stderr)
        old = logs_dir / "named.sbatch"
        old.write_text((repo / "sbatch_templates" / "sft.sbatch").read_text().replace(
            "#SBATCH --nodes=1", "#SBATCH --partition=debug\n#SBATCH --nodes=1"))
        r = subprocess.run(["sbatch", "--test-only", str(old)], cwd=repo, capture_output=True, text=True)
        assert r.returncode != 0 and "invalid partition" in r.stderr.lower(), r.stderr
    finally:
        subprocess.run(["scontrol", "create", "PartitionName=debug", f"Nodes={nodes}", "Default=YES",
                        "MaxTime=INFINITE", "State=UP"], capture_output=True)
        subprocess.run(["scontrol", "delete", "PartitionName=batch"], capture_output=True)
    assert subprocess.run(["sinfo", "-h", "-p", "debug", "-o", "%N"], capture_output=True, text=True).stdout.strip() == nodes
