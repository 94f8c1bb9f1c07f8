"""A partition's and a profile's limits against what a job asks of Slurm.

    .venv/bin/python -m pytest tests/test_sbatch_limits.py -q

(``tests/test_sbatch_sites.py`` holds more cases tried on the test Slurm; the slurm-marked one here
needs it too.)
"""
from __future__ import annotations

from pathlib import Path

import subprocess

import pytest
import yaml

from jiniac_hpc.cluster import JobConfig, load_cluster
from jiniac_hpc.config import ConfigError
from jiniac_hpc.launch.sbatch import build_spec

REPO = Path(__file__).resolve().parents[1]


def _spec(cluster, minutes):
    return build_spec(job_name="x", job=JobConfig(time_min=minutes), cluster=cluster, command="true", log_dir="logs/x")


def test_a_time_limit_within_the_checkpoint_signal_is_refused(tmp_path, monkeypatch):
    """A short job on a development partition (LUMI's dev-g, JUWELS's develbooster, a 10-minute
    debug run) with a profile that asks for USR2 five minutes before the limit, to write a large
    checkpoint (``signal_delay_s: 300``, as the abci-h100 example): Slurm sends the signal as soon
    as fewer seconds remain (on the test Slurm, ``--time=1 --signal=B:USR2@120`` signalled after
    27 s), so each run checkpointed and requeued itself at once, ``job.max_requeues`` times, and
    the stage never got anywhere (https://slurm.schedmd.com/sbatch.html#OPT_signal). Now the
    script is not rendered, the line naming both keys."""
    monkeypatch.setenv("JINIAC_CLUSTERS_DIR", str(tmp_path))
    data = yaml.safe_load((REPO / "envs" / "clusters" / "abci-h100.yaml").read_text())
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(data))
    prof = load_cluster("site")
    with pytest.raises(ValueError, match=r"job.time_min=5 \(300 s\) is not longer than signal_delay_s=300 of cluster "
                                         r"'site' \(.*site\.yaml\): USR2 .* as the job starts"):
        _spec(prof, 5)
    assert _spec(prof, 6).signal_delay_s == 300


@pytest.mark.slurm
def test_more_nodes_than_the_partition_lets_a_job_have_are_refused_before_sbatch(slurm_cluster):
    """Partitions cap a job's nodes below their size (LUMI's small-g: at most 4 nodes a job,
    https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/partitions/). With Slurm's default
    EnforcePartLimits=NO a larger job is accepted and pends forever (PartitionNodeLimit); the
    pre-flight check compared only with the partition's node count. It now reads MaxNodes from
    sinfo (the test cluster's ``debug`` gets MaxNodes=1 for the test, then loses it)."""
    from jiniac_hpc.launch.preflight import Request, partition_nodes, preflight

    keys = (("nodes", "job.nodes in x.yaml"), ("partition", "partition in site.yaml"))
    r = subprocess.run(["scontrol", "update", "PartitionName=debug", "MaxNodes=1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    try:
        assert {n.max_nodes for n in partition_nodes("debug")[1]} == {1}
        preflight(Request(1, 1, 1, keys=keys), "debug")
        with pytest.raises(ConfigError) as e:
            preflight(Request(2, 1, 1, keys=keys), "debug")
        assert str(e.value) == ("2 nodes requested, but partition 'debug' allows at most 1 a job (its MaxNodes): the job "
                                "would pend forever (PartitionNodeLimit); lower job.nodes in x.yaml, or choose a "
                                "partition with partition in site.yaml")
    finally:
        subprocess.run(["scontrol", "update", "PartitionName=debug", "MaxNodes=UNLIMITED"], capture_output=True)
    assert {n.max_nodes for n in partition_nodes("debug")[1]} == {None}


def test_a_partition_of_many_nodes_still_caps_a_jobs_nodes():
    # 8 nodes, at most 4 a job (as sinfo's %s says "1-4"): 6 nodes had passed, as the partition has 8
    from jiniac_hpc.launch.preflight import NodeInfo, Request, check_request

    nodes = [NodeInfo(f"nid{i:06d}", 64, 500_000, 8, None, 4) for i in range(8)]
    check_request(Request(4, 8, 7, 8), "small-g", nodes)
    with pytest.raises(ConfigError, match=r"6 nodes requested, but partition 'small-g' allows at most 4 a job"):
        check_request(Request(6, 8, 7, 8), "small-g", nodes)
