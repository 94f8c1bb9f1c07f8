"""One task of one step, as a picklable, requeueable callable (what submitit runs in every job).

    job = StepJob("corpus", to_dict(cfg), "logs/corpus/debug", "clean", "jiniac_hpc.corpus.stage:clean", 0, 4, to_dict(prof))
    job()      # inside a Slurm or local task: export the rank env, run the step function, write the marker
    write_submitted(folder / "123_submitted.pkl", job, timeout_min=60, max_requeues=20)   # what submitit runs
    run_inline("corpus", cfg, run_dir, plan(cfg, run_dir))   # every missing task here, in order (tests)
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import cloudpickle
import submitit
from submitit.core.utils import DelayedSubmission

from jiniac_hpc import fileio
from jiniac_hpc.cluster import ClusterProfile
from jiniac_hpc.config import from_dict, to_dict
from jiniac_hpc.job.distributed import end_task, export_torch_env, placement_line
from jiniac_hpc.stages import TaskContext, config_class, get_stage, load_symbol


class StepJob(submitit.helpers.Checkpointable):
    """The picklable callable every Slurm or local task runs: one task of one step.

    It carries the resolved config as plain data, so a job runs exactly what was validated on
    the login node even if the recipe file changes later. On preemption or timeout submitit
    calls ``checkpoint`` (inherited), which requeues this same task; steps keep their progress
    on disk (markers, ``checkpoints/step-*``) so the rerun continues instead of restarting.
    """

    def __init__(self, stage: str, config: dict, run_dir: str, step: str, fn: str, task: int,
                 num_tasks: int, cluster: dict):
        self.stage, self.config, self.run_dir = stage, config, run_dir
        self.step, self.fn, self.task, self.num_tasks, self.cluster = step, fn, task, num_tasks, cluster
        self.digest = fileio.config_digest(config)

    def __call__(self) -> Any:
        export_torch_env()
        print(placement_line(self.task, self.num_tasks), flush=True)
        cfg = from_dict(config_class(get_stage(self.stage)), self.config,
                        origin=str(Path(self.run_dir) / "config.yaml"))
        ctx = TaskContext(stage=self.stage, step=self.step, run_dir=Path(self.run_dir), task=self.task,
                          num_tasks=self.num_tasks, cluster=from_dict(ClusterProfile, self.cluster))
        succeeded = False
        try:
            result = load_symbol(self.fn)(cfg, ctx)
            # The marker is the executor's: written once (rank 0 of a distributed step), only for
            # a task that finished; a preempted one is requeued and runs again.
            finished = not (isinstance(result, dict) and result.get("status") == "preempted")
            if finished and ctx.rank == 0:
                fileio.write_marker(self.run_dir, self.step, self.task, result, self.digest)
            succeeded = finished
        finally:
            end_task(succeeded)
        return result


def run_inline(stage: str, cfg: Any, run_dir: Path, steps: list, cluster: ClusterProfile | None = None) -> list[str]:
    """Run every missing task of ``steps`` in this process, in order, and write each task's
    marker as :class:`StepJob` does (tests, benchmarks, quick looks: no Slurm, no rank env).
    Returns the names of the steps that ran."""
    run_dir, digest = Path(run_dir), fileio.config_digest(to_dict(cfg))
    ran = []
    for step in steps:
        step.read_markers(run_dir, digest)
        fn = load_symbol(step.fn)
        for i in step.missing:
            result = fn(cfg, TaskContext(stage, step.name, run_dir, i, step.tasks, cluster))
            fileio.write_marker(run_dir, step.name, i, result, digest)
        if step.missing:
            ran.append(step.name)
    return ran


def write_submitted(path: Path, call: Any, timeout_min: int, max_requeues: int) -> None:
    """Pickle ``call`` (a callable, or a ``DelayedSubmission`` with its arguments) where
    ``python -m submitit.core._submit FOLDER`` loads it: ``JobPaths(FOLDER, job_id).submitted_pickle``.
    The timeout countdown lets submitit tell a time-out USR2 from a preemption and requeue at most
    ``max_requeues`` times."""
    delayed = call if isinstance(call, DelayedSubmission) else DelayedSubmission(call)
    delayed.set_timeout(timeout_min, max_requeues)
    fileio.atomic_write(path, cloudpickle.dumps(delayed))   # every task of a template job writes it
