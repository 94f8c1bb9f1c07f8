"""The launcher on the ``local`` profile (no Slurm): same steps, same markers, same CLI."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request


from jiniac_hpc import fileio
from jiniac_hpc.launch.runner import launch

from conftest import REPO, run_cli


def test_selftest_runs_locally_and_relaunch_skips(logs_dir):
    import io

    buf = io.StringIO()
    res = launch("selftest", "debug", cluster="local", run_name="a", out=buf)
    assert json.loads((res.run_dir / "selftest" / "summary.json").read_text())["ok"] is True
    assert (res.run_dir / "config.yaml").exists()
    # the run ended inside the command: its last line says how it went
    assert buf.getvalue().splitlines()[-1].startswith("[selftest] ok: 4 array task(s) ran, 2 rank(s)"), buf.getvalue()
    buf = io.StringIO()
    again = launch("selftest", "debug", cluster="local", run_name="a", out=buf)
    assert again.skipped == ["probe", "rendezvous", "summary"] and not again.jobs
    assert "[selftest] ok:" in buf.getvalue().splitlines()[-1]          # a complete run says it too
    from jiniac_hpc.launch.selftest import verdict

    summary = json.loads((res.run_dir / "selftest" / "summary.json").read_text())
    assert verdict(res.run_dir).endswith(f"on {', '.join(summary['hosts'])}")

    # lose one array task's marker: only that task (and the steps after it) run again
    assert fileio.result(res.run_dir, "probe", 2)["task"] == 2
    fileio.marker_path(res.run_dir, "probe", 2).unlink()
    fileio.marker_path(res.run_dir, "summary", 0).unlink()
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
    assert len({ln.index(" COMPLETED") for ln in lines}) == 1, r.stdout    # one column, whatever the step name
    for ln in lines:   # elapsed as sacct prints it; the detail is the job's own line, not submitit's
        assert re.search(r"COMPLETED +\d\d:\d\d:\d\d  \[(jiniac\] rank 0/|selftest\] ok: )", ln), ln


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
        assert "@localhost " not in first   # this machine's FQDN lookup fails: the hostname instead
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
    # the pretokenize stage's inputs are another stage's outputs; none exist in this fresh logs folder
    r = run_cli("jobs/pretokenize.py", "--recipe", "debug", "--cluster", "local", env={"JINIAC_LOGS": str(logs_dir)})
    assert r.returncode != 0
    assert "inputs" in r.stderr and "corpus" in r.stderr  # names the key and what to run first
    assert not (logs_dir / "pretokenize" / "debug" / "jobs.json").exists()  # nothing was submitted
    # a placeholder path of the JINIAC recipe names the source and its key
    r = run_cli("jobs/corpus.py", "--recipe", "jiniac-phase1", "--cluster", "local",
                env={"JINIAC_LOGS": str(logs_dir), "JINIAC_DATA": str(logs_dir / "nowhere")})
    assert r.returncode != 0 and "sources[0].paths[0]" in r.stderr and "slimpajama" in r.stderr
    assert not (logs_dir / "corpus" / "jiniac-phase1" / "jobs.json").exists()


def test_preflight_names_the_key_to_change():
    import pytest

    from jiniac_hpc.config import ConfigError
    from jiniac_hpc.launch.preflight import NodeInfo, Request, check_request, mem_mb

    two_small = [NodeInfo("vm1", 1, 11449, 0), NodeInfo("vm2", 1, 11449, 0)]
    keys = (("tasks_per_node", "job.tasks_per_node in debug.yaml"), ("nodes", "job.nodes in debug.yaml"),
            ("gpus_per_node", "gpus_per_node in abci-h100.yaml"), ("mem", "mem in abci-h100.yaml"))
    check_request(Request(2, 1, 1, keys=keys), "debug", two_small)            # fits: no error
    with pytest.raises(ConfigError, match=r"2 CPUs a node.* at most 1.*job\.tasks_per_node in debug\.yaml"):
        check_request(Request(2, 2, 1, keys=keys), "debug", two_small)
    with pytest.raises(ConfigError, match=r"3 nodes requested but partition 'debug' has 2.*job\.nodes"):
        check_request(Request(3, 1, 1, keys=keys), "debug", two_small)
    with pytest.raises(ConfigError, match=r"8 GPUs a node.*gpus_per_node in abci-h100\.yaml"):
        check_request(Request(1, 1, 1, 8, keys=keys), "debug", two_small)
    with pytest.raises(ConfigError, match=r"mem=1800G.*mem in abci-h100\.yaml"):
        check_request(Request(1, 1, 1, 0, "1800G", keys=keys), "debug", two_small)
    # enough CPUs somewhere, but not on as many nodes as asked
    mixed = [NodeInfo("a", 4, 1000, 0), NodeInfo("b", 1, 1000, 0)]
    with pytest.raises(ConfigError, match=r"only 1 node\(s\).*job\.nodes"):
        check_request(Request(2, 2, 1, keys=keys), "p", mixed)
    assert mem_mb("480G") == 480 * 1024 and mem_mb("64000") == 64000 and mem_mb("2T") == 2 * 1024 * 1024


def test_status_log_line_skips_noise_and_shows_step(tmp_path):
    from jiniac_hpc.launch.status import last_log_line, last_step

    (tmp_path / "7_0_log.out").write_text(
        "[jiniac] rank 0/2 (local rank 0) on node vm1; MASTER_ADDR=vm1 MASTER_PORT=29500\n"
        "[jiniac] step 11/40 loss 7.2011 lr 9.000e-04 2345 tok/s eta 0:00:31\n"
        "[jiniac] step 12/40 loss 7.1234 lr 9.100e-04 2401 tok/s eta 0:00:30\n"
        "{'loss': 7.1234, 'grad_norm': 1.2}\n\n")
    (tmp_path / "7_0_log.err").write_text(
        "/x/transformers/trainer.py:10: UserWarning: something deprecated\n  warnings.warn(\n"
        " 40%|████      | 12/30 [00:03<00:04,  3.9it/s]\rprogress 50%|█████     | 15/30\n")
    assert last_log_line(tmp_path, "7") == "{'loss': 7.1234, 'grad_norm': 1.2}"   # .out first, blank skipped
    assert last_step(tmp_path, "7") == "step 12/40 loss 7.1234"
    (tmp_path / "7_0_log.err").write_text("Traceback (most recent call last):\nRuntimeError: boom\n"
                                          "/x/y.py:3: FutureWarning: later\n")
    assert last_log_line(tmp_path, "7", failed=True) == "RuntimeError: boom"    # a failed job: its error
    (tmp_path / "7_0_log.out").unlink()
    (tmp_path / "7_0_log.err").write_text("a real line\n 10%|█ | 1/10 [00:01<00:09, 1.0s/it]\n")
    assert last_log_line(tmp_path, "7") == "a real line"


def test_ssh_line_names_a_reachable_host(monkeypatch):
    import socket

    from jiniac_hpc.launch import status

    monkeypatch.setattr(socket, "getfqdn", lambda *a: "localhost")
    monkeypatch.delenv("SLURMD_NODENAME", raising=False)
    assert status.login_host() == socket.gethostname()
    assert f"@{socket.gethostname()} " in status.ssh_hint(6006)
    monkeypatch.setattr(socket, "getfqdn", lambda *a: "login1.example.org")
    assert "@login1.example.org " in status.ssh_hint(6006)


def test_pretrain_help_lists_stage_and_stage_sets_train_stage(logs_dir):
    r = run_cli("jobs/pretrain.py", "--help")
    assert r.returncode == 0 and "--stage K" in r.stdout and "train.stage" in r.stdout
    # --stage 7 is --set train.stage=7: the recipe check names the key
    r = run_cli("jobs/pretrain.py", "--stage", "7", "--cluster", "local", "--dry-run",
                env={"JINIAC_LOGS": str(logs_dir)})
    assert r.returncode != 0 and "stage 7 is not a stage of the plan" in r.stderr, r.stderr
    same = run_cli("jobs/pretrain.py", "--set", "train.stage=7", "--cluster", "local", "--dry-run",
                   env={"JINIAC_LOGS": str(logs_dir)})
    assert same.stderr == r.stderr


def test_local_pretrain_shows_a_step_bar_that_ends_full(logs_dir, tmp_path):
    """The launcher's bar on this machine: optimizer steps with loss and tokens/s, ending at n/n."""
    from jiniac_hpc.train.fixtures import build_index

    index = build_index(tmp_path / "data")
    r = run_cli("jobs/pretrain.py", "--cluster", "local", "--run-name", "bar", "--set", f"data.index={index}",
                "--set", "model.vocab_size=2000", "--set", "train.max_steps=6", "--set", "train.log_every=4",
                "--set", "train.eval_every=0", env={"JINIAC_LOGS": str(logs_dir), "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    redraws = [x for x in r.stdout.replace("\r", "\n").splitlines() if x.startswith("pretrain/train")]
    assert redraws and "step" in redraws[-1] and "loss=" in redraws[-1] and "tok/s" in redraws[-1], redraws
    assert " 6/6 " in redraws[-1], redraws      # logged at step 4 only, yet the finished bar is full
    log = (next((logs_dir / "pretrain" / "bar" / "submitit").glob("*_0_log.out"))).read_text()
    assert re.search(r"\[jiniac\] step 4/6 loss \d+\.\d+ lr \S+ \d+ tok/s eta \d:\d\d:\d\d", log), log[-2000:]


def _log_and_finish(path: str, step: int, total: int) -> dict:
    """A training task that writes its progress record and returns at once (inside one poll)."""
    fileio.write_json(path, {"step": step, "total": total, "loss": 2.5, "lr": 1e-3, "tokens_per_s": 900.0,
                             "eta_s": 0.0, "time": time.time()})
    return {"status": "complete"}


def test_step_bar_from_a_record_read_only_after_the_job_ended(tmp_path, monkeypatch):
    """A job that logs and exits between two polls still gets the step bar, full at the end."""
    import io
    import os

    from jiniac_hpc.cluster import JobConfig, load_cluster
    from jiniac_hpc.launch.backend import Submission
    from jiniac_hpc.launch.local import LocalBackend

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO / "tests"), os.environ.get("PYTHONPATH", "")]))
    out, progress = io.StringIO(), tmp_path / "progress.json"
    sub = Submission("pretrain-train", JobConfig(), tmp_path / "submitit", label="pretrain/train", progress=progress)
    LocalBackend(load_cluster("local"), out=out).submit(sub, [lambda: _log_and_finish(str(progress), 4, 6)])
    last = out.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    assert " 6/6 " in last and "step" in last and "loss=2.5000" in last and "900 tok/s" in last, last


def test_login_node_says_when_the_newest_checkpoint_is_corrupt(logs_dir, tmp_path):
    """The plan runs on the login node: a corrupt newest checkpoint is named there, with the one the
    job will resume from, not only in the job's log."""
    from jiniac_hpc.train import checkpoint as ckpt
    from jiniac_hpc.train.fixtures import VOCAB, build_index

    index = build_index(tmp_path / "data")
    root = logs_dir / "pretrain" / "corrupt" / "checkpoints"
    for step in (5, 10):
        tmp = ckpt.tmp_path(root, step)
        tmp.mkdir(parents=True)
        (tmp / "state.bin").write_bytes(bytes(range(64)))
        ckpt.commit(tmp, {"step": step})
    (root / "step-00000010" / "state.bin").write_bytes(bytes(64))     # same size, other bytes
    r = run_cli("jobs/pretrain.py", "--recipe", "debug", "--cluster", "local", "--run-name", "corrupt", "--dry-run",
                "--set", f"data.index={index}", "--set", f"model.vocab_size={VOCAB}", env={"JINIAC_LOGS": str(logs_dir)})
    assert r.returncode == 0, r.stderr[-2000:]
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("[pretrain] warning:")]
    assert "step-00000010" in line and "SHA-256 (corrupt)" in line, line
    assert line.endswith(f"the job resumes from {root / 'step-00000005'}"), line
    assert r.stdout.startswith("# local: 1 task(s)")


def test_a_slurm_controller_that_does_not_answer_is_named_as_the_reason(tmp_path, monkeypatch, capsys):
    """Slurm installed, its controller down (real sinfo against a config whose controller port nobody
    listens on): without --cluster the launcher runs here and says why, and a Slurm profile's check
    says Slurm did not answer (it had said the partition 'does not exist here')."""
    import shutil

    import pytest

    from jiniac_hpc.cluster import resolve_cluster
    from jiniac_hpc.config import ConfigError
    from jiniac_hpc.launch.preflight import partition_nodes

    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        pytest.skip("Slurm's commands are not installed here")
    conf = tmp_path / "slurm.conf"
    conf.write_text("ClusterName=gone\nSlurmctldHost=localhost\nSlurmctldPort=9\nNodeName=localhost CPUs=1\n"
                    "PartitionName=gpu Nodes=localhost\n")
    monkeypatch.setenv("SLURM_CONF", str(conf))
    monkeypatch.delenv("JINIAC_CLUSTER", raising=False)
    assert resolve_cluster(None).name == "local"
    assert re.search(r"note: sinfo: .*contact slurm controller.*; running on this machine", capsys.readouterr().err)
    with pytest.raises(ConfigError, match=r"Slurm did not answer \(sinfo: .*contact slurm controller"):
        partition_nodes("gpu")
