"""(stage job resources, cluster profile) -> a submitit executor.

This is the only place that creates executors. On a Slurm profile it returns
:class:`JiniacSlurmExecutor`, a submitit ``SlurmExecutor`` whose script text comes from our
pure :func:`~jiniac_hpc.launch.sbatch.render_sbatch` (so ``--dry-run``, the templates and real
submissions agree). ``--dry-run`` calls :func:`script_text` directly and never builds an
executor: submitit's SlurmExecutor refuses to exist where ``srun`` is missing. On the ``local`` profile it returns submitit's ``LocalExecutor``, which runs
the very same pickled callables as subprocesses of this machine.

    ex = make_executor(cluster, job, folder="logs/x/run/submitit", name="x")
    job = ex.submit(fn, arg)                  # single job
    jobs = ex.map_array(fn, items)            # array, throttled by job.array_parallelism (%N)
    ex = make_executor(..., dependency=afterok([job]))   # runs when `job` succeeded
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import submitit
from submitit.core import core, utils
from submitit.slurm.slurm import SlurmJob

from jiniac_hpc.launch.cluster import ClusterProfile, JobConfig
from jiniac_hpc.launch.sbatch import SbatchSpec, build_spec, render_sbatch


def rel(path: Path | str) -> str:
    """A path relative to the working directory when it lies below it.

    sbatch runs a job in the directory it was submitted from, so relative log paths work and
    keep rendered scripts free of machine-specific prefixes (golden files stay portable).
    """
    p = Path(path).absolute()
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def afterok(jobs: Sequence[core.Job]) -> Optional[str]:
    """Slurm dependency string: start after every job (all array tasks) succeeded."""
    ids = sorted({j.job_id.split("_")[0] for j in jobs})
    return "afterok:" + ":".join(ids) if ids else None


def submitit_command(python: str, folder: Path | str) -> str:
    """submitit's own entry line: unpickle and run the job in ``folder``."""
    return f"{python} -u -m submitit.core._submit {rel(folder)}"


def slurm_spec(cluster: ClusterProfile, job: JobConfig, folder: Path | str, name: str,
               dependency: Optional[str] = None) -> SbatchSpec:
    """The sbatch spec of one step (no command yet). Pure: needs no Slurm on this machine."""
    from jiniac_hpc.paths import logs_root

    return build_spec(job_name=name, job=job, cluster=cluster, command="", log_dir=rel(folder),
                      dependency=dependency, batch_log_dir=rel(logs_root()))


def script_text(spec: SbatchSpec, command: str, array_size: Optional[int] = None,
                array_parallelism: int = 256) -> str:
    """The exact script a submission (of an array of ``array_size``) sends; ``--dry-run`` prints it."""
    spec = spec.with_(command=command)
    if array_size is not None:
        spec = spec.with_(array=f"0-{array_size - 1}%{min(array_size, array_parallelism)}",
                          output=spec.output.replace("%j", "%A_%a"), error=spec.error.replace("%j", "%A_%a"))
    return render_sbatch(spec)


class JiniacSlurmExecutor(submitit.SlurmExecutor):
    """A SlurmExecutor whose sbatch text is :func:`render_sbatch` of one :class:`SbatchSpec`."""

    def __init__(self, folder: Path | str, spec: SbatchSpec, max_num_timeout: int, command: Optional[str] = None):
        super().__init__(folder=folder, max_num_timeout=max_num_timeout)
        self.spec = spec
        self._command = command
        # submitit's own bookkeeping (number of tasks to collect results from, timeout countdown)
        self.update_parameters(time=spec.time_min, nodes=spec.nodes, ntasks_per_node=spec.ntasks_per_node,
                               signal_delay_s=spec.signal_delay_s)

    @property
    def _submitit_command_str(self) -> str:
        return self._command if self._command is not None else submitit_command(self.python, self.folder)

    def script_text(self, array_size: Optional[int] = None) -> str:
        """The exact script that :meth:`submit` (or map_array of ``array_size``) would send."""
        return script_text(self.spec, self._submitit_command_str, array_size, self.array_parallelism)

    array_parallelism: int = 256

    def _make_submission_file_text(self, command: str, uid: str) -> str:
        return self.script_text(self.parameters.get("map_count"))

    def _internal_process_submissions(self, delayed_submissions: list[utils.DelayedSubmission]) -> list[core.Job[Any]]:
        if len(delayed_submissions) == 1:
            return super()._internal_process_submissions(delayed_submissions)
        # An array: one pickle per task, renamed to <array id>_<index>_submitted.pkl once sbatch answered.
        folder = utils.JobPaths.get_first_id_independent_folder(self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        pickles = []
        for d in delayed_submissions:
            path = folder / f"{uuid.uuid4().hex}.pkl"
            d.set_timeout(self.spec.time_min, self.max_num_timeout)
            d.dump(path)
            pickles.append(path)
        self.parameters["map_count"] = len(delayed_submissions)
        try:
            first = self._submit_command(self._submitit_command_str)
        finally:
            self.parameters.pop("map_count", None)
        jobs = [SlurmJob(folder=self.folder, job_id=f"{first.job_id}_{i}", tasks=list(range(first.num_tasks)))
                for i in range(len(delayed_submissions))]
        for job, path in zip(jobs, pickles):
            job.paths.move_temporary_file(path, "submitted_pickle")
        return jobs


def local_gpus() -> int:
    """GPUs visible here: CUDA_VISIBLE_DEVICES when set, else ``nvidia-smi -L`` (no CUDA init in the launcher)."""
    import shutil
    import subprocess

    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip()])
    if shutil.which("nvidia-smi") is None:
        return 0
    r = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return sum(line.startswith("GPU ") for line in r.stdout.splitlines()) if r.returncode == 0 else 0


def make_executor(cluster: ClusterProfile, job: JobConfig, folder: Path | str, name: str, *,
                  dependency: Optional[str] = None, command: Optional[str] = None):
    """The one factory for executors. ``command`` replaces submitit's entry line (templates)."""
    folder = Path(folder)
    if cluster.is_local:
        ex = submitit.LocalExecutor(folder=folder)
        # submitit sets CUDA_VISIBLE_DEVICES to its gpus_per_node first GPUs ("" for 0), so a GPU
        # stage must ask for this machine's GPUs or its task sees none.
        ex.update_parameters(timeout_min=job.time_min or cluster.time_min, tasks_per_node=job.tasks_for(cluster),
                             signal_delay_s=cluster.signal_delay_s, gpus_per_node=local_gpus() if job.gpus else 0)
        return ex
    from jiniac_hpc.paths import logs_root

    logs_root().mkdir(parents=True, exist_ok=True)
    spec = slurm_spec(cluster, job, folder, name, dependency)
    ex = JiniacSlurmExecutor(folder, spec, max_num_timeout=job.max_requeues, command=command)
    ex.python = cluster.python_cmd
    ex.array_parallelism = job.array_parallelism
    return ex


def wait_all(jobs: Iterable[core.Job], timeout_s: Optional[float] = None, poll_s: float = 2.0) -> list[Any]:
    """Results of ``jobs``, failing after ``timeout_s`` instead of hanging on a dead job.

    Without Slurm accounting, submitit cannot see that a job died, so every wait is bounded.
    """
    import time

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


def in_job() -> bool:
    """True inside a job started by submitit (Slurm or local)."""
    return "SUBMITIT_EXECUTOR" in os.environ or "SUBMITIT_LOCAL_JOB_ID" in os.environ
