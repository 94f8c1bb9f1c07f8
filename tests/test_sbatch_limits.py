"""Time limits against what a site's profile asks of Slurm, on the rendered scripts.

    .venv/bin/python -m pytest tests/test_sbatch_limits.py -q

(``tests/test_sbatch_sites.py`` holds the cases tried on the test Slurm.)
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jiniac_hpc.cluster import JobConfig, load_cluster
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
