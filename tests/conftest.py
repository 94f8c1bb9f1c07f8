"""Shared fixtures.

``slurm_cluster``: the name of the cluster profile for the real single-node Slurm that
``.ci/run`` starts with ``../shared/slurm/start-local-slurm.sh``. Tests that use it carry
``@pytest.mark.slurm`` and skip, with the reason, when no Slurm controller answers (CI always
has one). Every wait on a Slurm job in tests is bounded.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def slurm_cluster() -> str:
    from jiniac_hpc.cluster import slurm_available

    if not slurm_available():
        pytest.skip("no Slurm controller answers (start one with ../shared/slurm/start-local-slurm.sh)")
    return "local-slurm"


@pytest.fixture()
def logs_dir(tmp_path, monkeypatch) -> Path:
    """Run directories of this test go to a fresh folder under the repo (Slurm jobs must see it)."""
    d = REPO / "logs" / "pytest" / f"{os.getpid()}-{tmp_path.name}"
    d.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("JINIAC_LOGS", str(d))
    return d


def run_cli(*args: str, env: dict | None = None, timeout: float = 600, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run ``python jobs/...`` or ``python -m ...`` in a subprocess, as a user would."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=full_env)
