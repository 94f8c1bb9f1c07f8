"""The launcher on the ``local`` profile (no Slurm): same steps, same markers, same CLI."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request


from jiniac_hpc.launch.runner import launch

from conftest import REPO, run_cli


def test_selftest_runs_locally_and_relaunch_skips(logs_dir):
    res = launch("selftest", "debug", cluster="local", run_name="a")
    assert json.loads((res.run_dir / "selftest" / "summary.json").read_text())["ok"] is True
    assert (res.run_dir / "config.yaml").exists()
    again = launch("selftest", "debug", cluster="local", run_name="a")
    assert again.skipped == ["probe", "rendezvous", "summary"] and not again.jobs

    # lose one array task's output: only that task (and the steps after it) run again
    (res.run_dir / "selftest" / "probe-2.json").unlink()
    (res.run_dir / "selftest" / "summary.json").unlink()
    third = launch("selftest", "debug", cluster="local", run_name="a")
    assert third.skipped == ["rendezvous"]
    records = json.loads((res.run_dir / "jobs.json").read_text())
    assert records[-2]["step"] == "probe" and records[-2]["tasks"] == [2]
    assert records[-1]["step"] == "summary"


def test_bad_key_fails_before_anything_is_written(logs_dir):
    r = run_cli("jobs/selftest.py", "--cluster", "local", "--set", "job.nodez=2", "--run-name", "bad",
                env={"JINIAC_LOGS": str(logs_dir)})
    assert r.returncode != 0 and "job.nodez" in r.stderr and "--set" in r.stderr
    r = run_cli("jobs/selftest.py", "--cluster", "local", "--recipe", "tests/assets/recipes/bad_key.yaml",
                "--run-name", "bad", env={"JINIAC_LOGS": str(logs_dir)})
    assert r.returncode != 0 and "job.nodez" in r.stderr and "bad_key.yaml" in r.stderr
    assert not (logs_dir / "selftest" / "bad").exists()  # nothing submitted, nothing written


def test_unknown_cluster_and_unimplemented_stage_are_clear(logs_dir):
    r = run_cli("jobs/selftest.py", "--cluster", "no-such-site")
    assert r.returncode != 0 and "no-such-site" in r.stderr and "local-slurm" in r.stderr


def test_status_shows_jobs_of_a_run(logs_dir):
    launch("selftest", "debug", cluster="local", run_name="st", overrides=["array_tasks=1"])
    r = run_cli("-m", "jiniac_hpc.cli", "status", "selftest/st", env={"JINIAC_LOGS": str(logs_dir)})
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if "selftest/" in ln and "COMPLETED" in ln]
    assert {ln.split()[0] for ln in lines} == {"selftest/probe", "selftest/rendezvous", "selftest/summary"}


def test_tb_serves_on_localhost_and_prints_ssh_line(logs_dir):
    from torch.utils.tensorboard import SummaryWriter

    run = logs_dir / "pretrain" / "tbrun"
    w = SummaryWriter(str(run / "tensorboard"))
    w.add_scalar("train/loss", 1.5, 1)
    w.close()
    (run / "config.yaml").write_text("{}\n")
    p = subprocess.Popen([sys.executable, "-m", "jiniac_hpc.cli", "tb", str(run)], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = p.stdout.readline() + p.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", first).group(1))
        assert f"ssh -N -L {port}:127.0.0.1:{port}" in first
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=5) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                assert time.time() < deadline and p.poll() is None, "tensorboard did not come up"
                time.sleep(1)
        assert "." in body or "[" in body  # the runs list answered
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def test_pending_array_elements_expand():
    from jiniac_hpc.launch.status import expand_array_id

    assert expand_array_id("129_[1-2%3]") == ["129_1", "129_2"]
    assert expand_array_id("7_[0,3-4]") == ["7_0", "7_3", "7_4"]
    assert expand_array_id("12_3") == ["12_3"] and expand_array_id("12") == ["12"]


def test_missing_data_path_fails_before_submission(logs_dir):
    # the tokenize stage's inputs are another stage's outputs; none exist in this fresh logs folder
    r = run_cli("jobs/tokenize.py", "--recipe", "debug", "--cluster", "local", env={"JINIAC_LOGS": str(logs_dir)})
    assert r.returncode != 0
    assert "inputs" in r.stderr and "corpus" in r.stderr  # names the key and what to run first
    assert not (logs_dir / "tokenize" / "debug" / "jobs.json").exists()  # nothing was submitted
    # a placeholder path of the JINIAC recipe names the source and its key
    r = run_cli("jobs/corpus.py", "--recipe", "jiniac-phase1", "--cluster", "local",
                env={"JINIAC_LOGS": str(logs_dir), "JINIAC_DATA": str(logs_dir / "nowhere")})
    assert r.returncode != 0 and "sources[0].paths[0]" in r.stderr and "slimpajama" in r.stderr
    assert not (logs_dir / "corpus" / "jiniac-phase1" / "jobs.json").exists()
