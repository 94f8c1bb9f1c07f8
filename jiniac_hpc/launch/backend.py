"""Where a step's tasks run: one small interface, a backend for each kind of cluster profile.

    backend = backend_for(cluster)                      # runner: LocalBackend or SlurmBackend (cluster.executor)
    sub = Submission("corpus-clean", cfg.job, run_dir / "submitit", array=True)
    print(backend.render(sub, size=4))                  # the sbatch script, or a one-line local summary
    jobs = backend.submit(sub, [StepJob(...), ...])     # submitit Job objects (state, results)
    backend.submit(replace(sub, dependency=backend.after(jobs)), more)   # starts once `jobs` succeeded

Like datatrove's executors (``executor/base.py``, ``local.py``, ``slurm.py``): the launcher and
the pipeline loop over steps and never ask which backend they hold. Rendering is pure, so a
dry run works on a machine without Slurm.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from submitit.core import core

from jiniac_hpc.cluster import ClusterProfile, JobConfig
from jiniac_hpc.launch.preflight import Request


@dataclass(frozen=True)
class Submission:
    """One job (or job array) of a step, before it is rendered or submitted."""

    name: str                            # Slurm job name, <stage>-<step>
    job: JobConfig
    folder: Path                         # submitit folder: pickles, results, each task's log
    array: bool = False                  # one array task per call (else one job of all its ranks)
    dependency: Optional[str] = None     # a Slurm dependency, e.g. from Backend.after
    command: Optional[str] = None        # the job line instead of submitit's own (single-job stages)
    label: str = ""                      # <stage>/<step>, for progress bars
    progress: Optional[Path] = None      # a training step's progress file (local bars of optimizer steps)


class Backend:
    """Submits a step's calls; renders the script it would submit."""

    def __init__(self, cluster: ClusterProfile, out=None):
        self.cluster, self.out = cluster, out

    def check(self, request: Request) -> None:
        """Fail now if the cluster can never run ``request`` (before anything is submitted)."""

    def after(self, jobs: Sequence[core.Job]) -> Optional[str]:
        """A dependency that holds a submission until ``jobs`` succeeded (None: nothing to wait for)."""
        return None

    def render(self, sub: Submission, size: int = 1) -> str:
        raise NotImplementedError

    def submit(self, sub: Submission, calls: Sequence[Any]) -> list[core.Job]:
        """Run ``calls`` (callables, or ``DelayedSubmission`` with arguments): one job, or an array."""
        raise NotImplementedError

    def then(self, sub: Submission, call: Any, after: Sequence[core.Job]) -> list[core.Job]:
        """Run ``call`` once the jobs ``after`` succeeded (a pipeline's next stage)."""
        raise NotImplementedError

    def follow(self, run_dir: Path, jobs: Sequence[core.Job] = ()) -> str:
        """A line telling the user how to follow jobs that outlive this command ("" when none do)."""
        return ""


def wait_all(jobs: Iterable[core.Job], timeout_s: Optional[float] = None, poll_s: float = 2.0) -> list[Any]:
    """Results of ``jobs``, failing after ``timeout_s`` instead of hanging on a dead job.

    Without Slurm accounting, submitit cannot see that a job died, so every wait is bounded.
    """
    jobs = list(jobs)
    deadline = None if timeout_s is None else time.time() + timeout_s
    while not all(j.done() for j in jobs):
        if deadline is not None and time.time() > deadline:
            pending = [j.job_id for j in jobs if not j.done()]
            raise TimeoutError(f"jobs {pending} not done after {timeout_s:.0f}s; see their logs in "
                               f"{jobs[0].paths.folder}")
        time.sleep(poll_s)
    # results() has one entry per task: a multi-task (distributed) job gives a list
    return [r[0] if len(r) == 1 else r for r in (j.results() for j in jobs)]
