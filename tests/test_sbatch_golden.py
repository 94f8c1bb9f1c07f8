"""Golden files for the sbatch text (submitit's ``_sbatch_test_record.txt`` idea).

The renderer is pure, so its output is compared byte for byte. After an intended change,
regenerate with ``JINIAC_UPDATE_GOLDEN=1 pytest tests/test_sbatch_golden.py`` (golden files)
and ``jiniac templates`` (sbatch_templates/), and review the diff. That the templates really
run under ``sbatch -N 2`` is tested against Slurm in ``tests/test_slurm_two_nodes.py``.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from jiniac_hpc.cluster import JobConfig, load_cluster
from jiniac_hpc.launch.sbatch import build_spec, render_sbatch
from jiniac_hpc.launch.templates import TEMPLATES, render_all, template_dir
from jiniac_hpc.stages import get_stage

from conftest import run_cli

GOLDEN = Path(__file__).parent / "golden"
#: Slurm's client commands (slurm-client / slurm-wlm), which a workstation does not have.
SLURM_TOOL = re.compile(r"s(run|batch|queue|info|control|acct|acctmgr|cancel|alloc|attach|bcast|diag|prio|share|"
                        r"stat|trigger|view|report|h5util)")
CASES = {
    "gpu_two_nodes": dict(job=JobConfig(nodes=2, gpus=True), cluster="abci-h100", array=None, dependency=None),
    "cpu_array_after": dict(job=JobConfig(cpus_per_task=2, array_parallelism=4), cluster="local-slurm",
                            array="0-9%4", dependency="afterok:41"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_render_matches_golden(name):
    c = CASES[name]
    spec = build_spec(job_name=f"golden-{name}", job=c["job"], cluster=load_cluster(c["cluster"]),
                      command="python -u -m jiniac_hpc.launch.direct --folder logs/x/submitit x",
                      log_dir="logs/x/submitit", array=c["array"], dependency=c["dependency"])
    text = render_sbatch(spec)
    path = GOLDEN / f"{name}.sbatch"
    if os.environ.get("JINIAC_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{path} differs; regenerate if the change is intended"


def test_gpu_script_writes_resources_once():
    text = (GOLDEN / "gpu_two_nodes.sbatch").read_text()
    assert "#SBATCH --nodes=2" in text
    assert "#SBATCH --ntasks-per-node=8" in text and "#SBATCH --gres=gpu:8" in text  # one task per GPU
    assert "#SBATCH --signal=USR2@300" in text
    assert "module load" in text and ".venv/bin/activate" in text  # setup lines from the profile
    assert text.count("--nodes") == 1 and text.count("gpu:8") == 1


def test_time_limit_above_partition_fails():
    with pytest.raises(ValueError, match="exceeds"):
        build_spec(job_name="x", job=JobConfig(time_min=5000), cluster=load_cluster("abci-h100"),
                   command="true", log_dir="logs")


def test_committed_templates_are_fresh():
    rendered = render_all()
    implemented = [n for n, (stage, _) in TEMPLATES.items() if get_stage(stage).plan is not None]
    assert sorted(rendered) == sorted(implemented)
    for name, text in rendered.items():
        path = template_dir() / f"{name}.sbatch"
        assert path.exists(), f"{path} missing: run `jiniac templates`"
        assert path.read_text() == text, f"{path} is stale: run `jiniac templates`"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_leaves_counts_and_run_name_to_slurm(name):
    """What makes a template run as `sbatch -N 2 sbatch_templates/X.sbatch` on any Slurm: no site
    modules, no GPUs and no partition on the local profile, python from the checkout, run name per
    job, counts from Slurm."""
    stage, ov = TEMPLATES[name]
    text = (template_dir() / f"{name}.sbatch").read_text()
    r = run_cli("-m", "jiniac_hpc.cli", "templates", stage, *[x for o in ov for x in ("--set", o)])
    assert r.returncode == 0, r.stderr
    assert r.stdout == text
    assert "module " not in text and "--gres" not in text and "--partition" not in text   # the site's default
    assert 'RUN="${JINIAC_RUN_NAME:-debug-$SLURM_JOB_ID}"' in text
    assert 'PY="${JINIAC_PYTHON:-.venv/bin/python}"' in text and '"$PY" -u -m jiniac_hpc.job.direct --template' in text
    assert text.index('command -v "$PY"') < text.index("srun ")     # a missing python named before srun
    assert "SLURM_SUBMIT_DIR" not in text and "--set job.nodes" not in text   # Slurm's working directory (-D)


def test_template_job_takes_counts_from_slurm(monkeypatch):
    from jiniac_hpc.job.direct import slurm_job_overrides

    monkeypatch.setenv("SLURM_NNODES", "2")
    monkeypatch.setenv("SLURM_NTASKS_PER_NODE", "1")
    assert slurm_job_overrides() == ["job.nodes=2", "job.tasks_per_node=1"]
    monkeypatch.setenv("SLURM_NTASKS_PER_NODE", "8(x2)")   # Slurm's compressed form
    assert slurm_job_overrides() == ["job.nodes=2", "job.tasks_per_node=8"]


def test_gpu_dry_run_matches_golden():
    """The README's site example: `jobs/pretrain.py --recipe jiniac-5b --nodes 2 --cluster abci-h100 --dry-run`."""
    r = run_cli("jobs/pretrain.py", "--recipe", "jiniac-5b", "--nodes", "2", "--cluster", "abci-h100", "--dry-run")
    assert r.returncode == 0, r.stderr
    path = GOLDEN / "pretrain_jiniac5b_abci.sbatch"
    if os.environ.get("JINIAC_UPDATE_GOLDEN"):
        path.write_text(r.stdout)
    assert r.stdout == path.read_text(), f"{path} differs; regenerate if the change is intended"
    assert "#SBATCH --nodes=2" in r.stdout and "#SBATCH --gres=gpu:8" in r.stdout


def test_dry_run_needs_no_slurm(tmp_path):
    """--dry-run on a workstation: the venv's bin and /usr/bin without Slurm's tools on PATH. The
    script is the golden one, byte for byte, and submitit's SlurmExecutor would refuse to exist there."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in Path("/usr/bin").iterdir():
        if not SLURM_TOOL.fullmatch(tool.name):
            (bin_dir / tool.name).symlink_to(tool)
    path = f"{Path(sys.executable).parent}{os.pathsep}{bin_dir}"
    assert shutil.which("srun", path=path) is None and shutil.which("sbatch", path=path) is None
    assert shutil.which("python3", path=path) and shutil.which("bash", path=path)
    env = {"PATH": path, "JINIAC_CLUSTER": ""}
    r = run_cli("jobs/pretrain.py", "--recipe", "jiniac-5b", "--nodes", "2", "--cluster", "abci-h100", "--dry-run",
                env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (GOLDEN / "pretrain_jiniac5b_abci.sbatch").read_text()
    # the machine really has no Slurm for submitit: its executor, which the launcher no longer builds, fails here
    probe = run_cli("-c", "import submitit; submitit.SlurmExecutor(folder='x')", env=env)
    assert probe.returncode != 0 and "srun" in probe.stderr, probe.stderr[-500:]


def test_scripts_remove_empty_batch_logs():
    text = (GOLDEN / "cpu_array_after.sbatch").read_text()
    assert text.rstrip().endswith("exit $rc")
    assert '[ -s "$f" ] || rm -f "$f"' in text and "${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID" in text


def test_gpu_array_tasks_take_one_gpu_each():
    cluster = load_cluster("abci-h100")
    spec = build_spec(job_name="gen", job=JobConfig(gpus=True, gpus_per_task=1), cluster=cluster,
                      command="true", log_dir="logs", array="0-15%8")
    text = render_sbatch(spec)
    assert "#SBATCH --gres=gpu:1" in text and "#SBATCH --ntasks-per-node=1" in text
    with pytest.raises(ValueError, match="exceeds"):
        build_spec(job_name="gen", job=JobConfig(gpus=True, gpus_per_task=2, tasks_per_node=8), cluster=cluster,
                   command="true", log_dir="logs")


def test_dry_run_of_a_step_larger_than_one_array_shows_each_array():
    """Past the site's MaxArraySize a step goes in several arrays (tested against Slurm in
    tests/test_launch_slurm.py); its dry run shows each one's script, not one that sbatch refuses."""
    from dataclasses import replace

    from jiniac_hpc.launch.backend import Submission
    from jiniac_hpc.launch.slurm import ARRAY_SEPARATOR, SlurmBackend

    backend = SlurmBackend(replace(load_cluster("local-slurm"), max_array_size=1000))
    sub = Submission("corpus-clean", JobConfig(array_parallelism=8), Path("logs/x"), array=True)
    assert backend.array_sizes(2500) == [1000, 1000, 500] and backend.array_sizes(1000) == [1000]
    text = backend.render(sub, 2500)
    scripts = text.split(ARRAY_SEPARATOR.format(k=2, n=3))
    scripts = scripts[:1] + scripts[1].split(ARRAY_SEPARATOR.format(k=3, n=3))
    assert [re.findall(r"#SBATCH --array=(\S+)", s) for s in scripts] == [["0-999%2"], ["0-999%2"], ["0-499%2"]]
    assert all(s.startswith("#!/bin/bash") for s in scripts)
    assert backend.render(sub, 1000).count("#!/bin/bash") == 1 and "--array=0-999%8" in backend.render(sub, 1000)
