"""A run's job log, ``<run_dir>/jobs.json``: one entry per submitted step, written by the launcher
(and by a template job itself), read by ``jiniac status`` and the pipeline.

    add_jobs(run_dir, stage="corpus", step="clean", job_ids=["123_0", "123_1"], tasks=[0, 1], cluster="local-slurm",
             folder="logs/corpus/debug/submitit")
"""
from __future__ import annotations

import time
from pathlib import Path

from jiniac_hpc import fileio


def read_jobs(run_dir: Path) -> list[dict]:
    return fileio.read_json(Path(run_dir) / "jobs.json", default=[])


def add_jobs(run_dir: Path, *, once: bool = False, **entry) -> None:
    """Append an entry (``stage, step, job_ids, tasks, cluster, folder``); with ``once``, only if
    its jobs are not recorded yet (a requeued template job runs this again under the same id)."""
    data = read_jobs(run_dir)
    if once and any(set(entry["job_ids"]) <= set(r["job_ids"]) for r in data):
        return
    data.append({**entry, "submitted": time.time()})
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    fileio.write_json(Path(run_dir) / "jobs.json", data)
