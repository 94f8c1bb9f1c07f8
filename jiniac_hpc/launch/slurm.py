"""The Slurm backend: render the step's sbatch script, ``sbatch`` it, track the jobs with submitit.

    b = SlurmBackend(load_cluster("local-slurm"))
    print(b.render(Submission("x-a", JobConfig(), folder), size=1))     # pure: no Slurm needed
    jobs = b.submit(Submission("x-a", JobConfig(), folder, array=True), calls)   # sbatch --parsable
    b.submit(replace(sub, dependency=b.after(jobs)), more)                 # afterok on every array task

The script is :func:`~jiniac_hpc.launch.sbatch.render_sbatch` of one spec, so ``--dry-run``, the
templates and real submissions agree. submitit does what it is good at: each call is pickled where
``python -m submitit.core._submit FOLDER`` loads it (``<job id>_submitted.pkl``, array task
``<array id>_<i>_submitted.pkl``), that entry point handles USR2 (a ``Checkpointable`` call is
requeued), and :class:`submitit.SlurmJob` reports state and results.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional, Sequence

import submitit
from submitit.core import core
from submitit.core.utils import JobPaths

from jiniac_hpc.cluster import profile_file
from jiniac_hpc.config import ConfigError
from jiniac_hpc.job.step import write_submitted
from jiniac_hpc.launch.backend import Backend, Submission
from jiniac_hpc.launch.preflight import Request, max_array_size, preflight
from jiniac_hpc.launch.sbatch import build_spec, render_sbatch
from jiniac_hpc.paths import logs_root, rel


#: the line before each further array's script in a dry run of a step too large for one array
ARRAY_SEPARATOR = "\n# ---- array {k} of {n} of this step (the site's MaxArraySize): a script of its own ----\n"


def submitit_command(python: str, folder: Path | str) -> str:
    """submitit's own entry line: unpickle and run the job in ``folder``."""
    return f"{python} -u -m submitit.core._submit {shlex.quote(rel(folder))}"   # a run name may hold a space


#: what sbatch says when it refuses a script -> the cluster profile's key that wrote that part of it
REFUSALS = (
    (r"unrecognized option '--([\w-]+)", "sbatch_extra"),
    (r"generic resource|gres|gpus-per", "gpu_request / gres_template / gpus_per_node"),
    (r"invalid account|specify an account|no account", "account"),
    # a QOS's limits (NERSC's debug QOS: 30 min), which sinfo does not show and sbatch checks
    (r"accounting/qos policy", "qos, or time_min / nodes within its limits (sacctmgr show qos)"),
    (r"invalid qos", "qos"),
    (r"invalid partition|no partition specified", "partition"),
    (r"memory specification", "mem"),
    # a node feature (-C) this site does not have: NERSC's "gpu", Jean Zay's "v100-32g" elsewhere
    (r"invalid feature specification", "sbatch_extra.constraint"),
    (r"time limit", "time_min / max_time_min (or job.time_min in the recipe)"),
)


def refusal_key(message: str, cluster) -> str:
    """``"; <key> in <profile file>"`` for the part of the script sbatch's ``message`` refuses, or
    "" when it names none. An unknown option the profile did not add is the renderer's own: this
    Slurm is older than the options it writes."""
    option = re.search(r"--([a-z][\w-]*)", message)
    if option and option.group(1) in cluster.sbatch_extra:
        return f"; check sbatch_extra.{option.group(1)} in {profile_file(cluster)}"
    for pattern, key in REFUSALS:
        m = re.search(pattern, message, re.I)
        if not m:
            continue
        if key == "sbatch_extra":   # an option the profile did not add
            return f" (this sbatch does not know --{m.group(1)}, which jiniac writes: a Slurm older than 22.05?)"
        return f"; check {key} in {profile_file(cluster)}"
    return ""


class SlurmBackend(Backend):
    def check(self, request: Request) -> None:
        preflight(request, self.cluster.partition)

    def after(self, jobs: Sequence[core.Job]) -> Optional[str]:
        """Start after every job (all array tasks) succeeded."""
        ids = sorted({j.job_id.split("_")[0] for j in jobs})
        return "afterok:" + ":".join(ids) if ids else None

    def spec(self, sub: Submission, size: int = 1, throttle: Optional[int] = None):
        """The job's spec; an array of ``size`` tasks, at most ``throttle`` (default: the job's
        ``array_parallelism``) at once."""
        spec = build_spec(job_name=sub.name, job=sub.job, cluster=self.cluster, log_dir=rel(sub.folder),
                          command=sub.command or submitit_command(self.cluster.python_cmd, sub.folder),
                          dependency=sub.dependency, batch_log_dir=rel(logs_root()))
        if not sub.array:
            return spec
        return spec.with_(array=f"0-{size - 1}%{min(size, throttle or sub.job.array_parallelism)}",
                          output=spec.output.replace("%j", "%A_%a"), error=spec.error.replace("%j", "%A_%a"))

    def array_sizes(self, size: int) -> list[int]:
        """The arrays ``size`` tasks go in: as many as the site's MaxArraySize
        (:func:`~jiniac_hpc.launch.preflight.max_array_size`, or the profile's ``max_array_size``)
        allows each to have, in order."""
        limit = self.cluster.max_array_size or max_array_size()
        return [min(limit, size - i) for i in range(0, size, limit)] or [size]

    def render(self, sub: Submission, size: int = 1) -> str:
        """The exact script :meth:`submit` sends for ``size`` calls; for more calls than one array
        may have, each array's script, the second and later each after an ``ARRAY_SEPARATOR`` line."""
        if not sub.array:
            return render_sbatch(self.spec(sub, size))
        sizes = self.array_sizes(size)
        throttle = max(1, sub.job.array_parallelism // len(sizes))
        return "".join((ARRAY_SEPARATOR.format(k=k + 1, n=len(sizes)) if k else "")
                       + render_sbatch(self.spec(sub, n, throttle)) for k, n in enumerate(sizes))

    def submit(self, sub: Submission, calls: Sequence[Any]) -> list[core.Job]:
        """One job, or the array of ``calls``; more calls than the site lets one array have
        (:meth:`array_sizes`) go in several arrays, which share the throttle. If one of them is
        refused, the ones already queued are cancelled, so a stage is queued whole or not at all."""
        if len(calls) != 1 and not sub.array:
            raise ValueError(f"{sub.name}: {len(calls)} calls need an array submission")
        if not sub.array:
            return self._sbatch(sub, calls, self.spec(sub))
        sizes = self.array_sizes(len(calls))
        throttle = max(1, sub.job.array_parallelism // len(sizes))
        jobs: list[core.Job] = []
        try:
            start = 0
            for n in sizes:
                jobs += self._sbatch(sub, calls[start:start + n], self.spec(sub, n, throttle))
                start += n
        except ConfigError:
            ids = sorted({j.job_id.split("_")[0] for j in jobs})
            if ids:
                subprocess.run(["scancel", *ids], capture_output=True, timeout=60)
            raise
        return jobs

    def _sbatch(self, sub: Submission, calls: Sequence[Any], spec) -> list[core.Job]:
        """sbatch ``spec`` with ``calls`` pickled where its job (or array tasks 0..n-1) load them."""
        folder = Path(sub.folder)
        folder.mkdir(parents=True, exist_ok=True)
        logs_root().mkdir(parents=True, exist_ok=True)   # the batch step's own log goes there
        # Pickle before sbatch: a call that cannot be pickled fails here, with nothing submitted.
        tag = uuid.uuid4().hex
        pickles = [folder / f".{tag}_{i}.pkl" for i in range(len(calls))]
        for path, call in zip(pickles, calls):
            write_submitted(path, call, spec.time_min, sub.job.max_requeues)
        script = folder / f".{tag}_submission.sh"
        script.write_text(render_sbatch(spec))
        r = subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True, text=True)
        if r.returncode != 0:
            for p in pickles + [script]:
                p.unlink(missing_ok=True)
            said = " ".join((r.stderr.strip() or r.stdout.strip()).split())
            raise ConfigError(f"sbatch refused {sub.name}: {said}{refusal_key(said, self.cluster)}")
        job_id = r.stdout.strip().split(";")[0]   # --parsable: "<id>" or "<id>;<cluster>"
        ids = [f"{job_id}_{i}" for i in range(len(calls))] if sub.array else [job_id]
        for jid, path in zip(ids, pickles):
            os.replace(path, JobPaths(folder, job_id=jid).submitted_pickle)   # _submit waits up to 60 s for it
        os.replace(script, JobPaths(folder, job_id=ids[0]).submission_file)
        tasks = list(range(spec.nodes * spec.ntasks_per_node))
        return [submitit.SlurmJob(folder=folder, job_id=jid, tasks=tasks) for jid in ids]

    def then(self, sub: Submission, call: Any, after: Sequence[core.Job]) -> list[core.Job]:
        """A job of its own, held (``afterok``) until ``after`` succeeded; it holds no CPU while it waits."""
        return self.submit(replace(sub, dependency=self.after(after), array=False), [call])

    def follow(self, run_dir: Path, jobs: Sequence[core.Job] = ()) -> str:
        tail = f"   or   tail -f {rel(jobs[0].paths.stdout)}" if jobs else ""
        return f"follow: jiniac status {rel(run_dir)}{tail}"
