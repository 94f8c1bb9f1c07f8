"""The local backend: a step's tasks as subprocesses of this machine (submitit's LocalExecutor).

    LocalBackend(load_cluster("local")).submit(Submission("x-a", JobConfig(), folder), [fn])   # returns when done

The very same pickled callables run as on Slurm. LocalExecutor has neither dependencies nor an
array throttle, so :meth:`LocalBackend.submit` runs a step to its end before the next is
submitted (as the DAG would on Slurm), with at most as many tasks at once as there are cores for
them, and draws a progress bar: of optimizer steps for a training step (loss, tokens/s, ETA, from
the file rank 0 rewrites at each log step), else of tasks.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Optional, Sequence

import submitit
from submitit.core import core
from submitit.core.utils import DelayedSubmission
from tqdm import tqdm

from jiniac_hpc.errors import TaskFailed
from jiniac_hpc.launch.backend import Backend, Submission


def local_gpus() -> int:
    """GPUs visible here: CUDA_VISIBLE_DEVICES when set, else ``nvidia-smi -L`` (no CUDA init in the launcher)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip()])
    if shutil.which("nvidia-smi") is None:
        return 0
    r = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return sum(line.startswith("GPU ") for line in r.stdout.splitlines()) if r.returncode == 0 else 0


class LocalBackend(Backend):
    def executor(self, sub: Submission) -> submitit.LocalExecutor:
        job, cluster = sub.job, self.cluster
        ex = submitit.LocalExecutor(folder=sub.folder)
        # submitit sets CUDA_VISIBLE_DEVICES to its gpus_per_node first GPUs ("" for 0), so a GPU
        # stage must ask for this machine's GPUs or its task sees none.
        ex.update_parameters(timeout_min=job.time_min or cluster.time_min, tasks_per_node=job.tasks_for(cluster),
                             signal_delay_s=cluster.signal_delay_s, gpus_per_node=local_gpus() if job.gpus else 0)
        return ex

    def render(self, sub: Submission, size: int = 1) -> str:
        return f"# local: {size} task(s), {sub.job.tasks_for(self.cluster)} process(es) each\n"

    def then(self, sub: Submission, call: Any, after: Sequence[core.Job]) -> list[core.Job]:
        """Here and now: :meth:`submit` returned only once ``after`` had finished."""
        (call if isinstance(call, DelayedSubmission) else DelayedSubmission(call)).result()
        return []

    def submit(self, sub: Submission, calls: Sequence[Any]) -> list[core.Job]:
        """Run ``calls``, a bounded number at a time, with a progress bar; raise if one failed."""
        ex = self.executor(sub)
        cores = (os.cpu_count() or 1) // (sub.job.cpus_per_task or self.cluster.cpus_per_task)
        slots = max(1, min(sub.job.array_parallelism, cores))
        started, out, progress = time.time(), self.out, sub.progress
        jobs: list = []
        bar = None if progress else tqdm(total=len(calls), desc=sub.label, unit="task", file=out, leave=True)
        last: dict = {}
        pending = [c if isinstance(c, DelayedSubmission) else DelayedSubmission(c) for c in calls]
        while pending or any(not j.done() for j in jobs):
            while pending and sum(not j.done() for j in jobs) < slots:
                d = pending.pop(0)
                jobs.append(ex.submit(d.function, *d.args, **d.kwargs))
            if progress is None:
                done = sum(j.done() for j in jobs)
                if done != bar.n:  # redraw only on progress: logs and pipes get one line per finished task
                    bar.update(done - bar.n)
            else:
                rec = _read_progress(progress, started)
                if rec and rec != last:
                    if bar is None:
                        bar = _step_bar(sub, rec, out)
                    bar.set_postfix_str(_postfix(rec), refresh=False)
                    bar.update(rec["step"] - bar.n)
                    last = rec
            time.sleep(0.3)
        try:
            results = [r for j in jobs for r in j.results()]
        except Exception as e:  # noqa: BLE001 - submitit's FailedJobError holds the task's traceback
            if bar is not None:
                bar.close()
            failed = next((j for j in jobs if j.state not in ("DONE", "COMPLETED")), jobs[-1])
            raise TaskFailed(str(e), jobs, str(failed.paths.stderr)) from None
        rec = _read_progress(progress, started) if progress else {}
        if bar is None:
            # A job can log its steps and exit between two polls: its record is read only now. A
            # distributed step that logged no training step at all is counted as tasks.
            bar = _step_bar(sub, rec, out) if rec else tqdm(total=len(calls), desc=sub.label, unit="task",
                                                            file=out, leave=True)
        if bar.unit == "task":
            bar.update(len(jobs) - bar.n)   # every task is done; the last may finish during the final sleep
        else:
            finished = all(isinstance(r, dict) and r.get("status") in ("complete", "done") for r in results)
            bar.set_postfix_str(_postfix(rec or last), refresh=False)
            bar.update((bar.total if finished else (rec or last)["step"]) - bar.n)  # the last step need not be logged
        bar.close()
        return jobs


def _step_bar(sub: Submission, rec: dict, out) -> tqdm:
    # Opened at the first record: a resumed run's bar starts at its step, so the rate is right.
    return tqdm(total=rec["total"], initial=rec["step"], desc=sub.label, unit="step", file=out, leave=True)


def _read_progress(path: Path, since: float) -> dict:
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return rec if rec.get("time", 0) >= since else {}


def _postfix(rec: dict) -> str:
    parts = [f"loss={rec['loss']:.4f}"]
    if rec.get("tokens_per_s") is not None:
        parts.append(f"{rec['tokens_per_s']:.0f} tok/s")
    return ", ".join(parts)
