"""Launch a stage: recipe -> validated config -> steps -> jobs of the profile's backend.

    from jiniac_hpc.launch.runner import launch
    launch("corpus", recipe="debug", cluster="local-slurm")
    launch("pretrain", "jiniac-5b", cluster="abci-h100", dry_run=True)   # prints the script; no Slurm needed

:func:`launch` is a plain loop over the plan's steps: each becomes a
:class:`~jiniac_hpc.launch.backend.Submission` that the cluster's backend (local or Slurm)
renders and submits, after the previous step.

Everything that can fail is checked here, on the login node, before the first sbatch:
the recipe (unknown keys, types, values), the cluster profile, the stage's inputs
(``plan`` raises on a missing data path), and whether the partition's nodes can ever run each
step's request (:mod:`jiniac_hpc.launch.preflight`). The run directory is
``logs/<stage>/<run-name>/`` with ``config.yaml``, ``jobs.json`` (what was submitted),
``submitit/`` (the ``%j`` logs) and whatever the stage writes (``tensorboard/``,
``checkpoints/``, shards...). A relaunch with the same run name submits only the steps and
array tasks whose completion markers are missing.
"""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from jiniac_hpc import fileio
from jiniac_hpc.cluster import ClusterProfile, JobConfig, profile_file, resolve_cluster
from jiniac_hpc.config import ConfigError, changed_keys, dump_yaml, recipe_path, to_dict
from jiniac_hpc.errors import TaskFailed
from jiniac_hpc.job.records import add_jobs
from jiniac_hpc.job.step import StepJob
from jiniac_hpc.launch.backend import Backend, Submission, wait_all
from jiniac_hpc.launch.local import LocalBackend
from jiniac_hpc.launch.preflight import Request
from jiniac_hpc.launch.slurm import SlurmBackend
from jiniac_hpc.launch.status import PROGRESS
from jiniac_hpc.paths import rel, run_dir_for
from jiniac_hpc.stages import Step, get_stage, load_config, load_symbol, plan_function

BACKENDS = {"local": LocalBackend, "slurm": SlurmBackend}


def backend_for(cluster: ClusterProfile, out=None) -> Backend:
    """The backend of a profile's ``executor``."""
    return BACKENDS[cluster.executor](cluster, out)


@dataclass
class Launch:
    """What :func:`launch` did (or, for a dry run, would do)."""

    stage: str
    run_dir: Path
    cluster: ClusterProfile
    config: Any
    steps: list[Step]
    jobs: dict[str, list] = field(default_factory=dict)   # step name -> submitit jobs
    scripts: dict[str, str] = field(default_factory=dict)  # step name -> rendered script
    skipped: list[str] = field(default_factory=list)

    def wait(self, timeout_s: Optional[float] = None) -> dict[str, list]:
        return {name: wait_all(jobs, timeout_s) for name, jobs in self.jobs.items()}


def direct_command(cluster: ClusterProfile, stage: str, recipe: str, run_name: str, overrides: list[str],
                   folder: str) -> str:
    """The job line of a single-step stage: also what ``sbatch_templates/<stage>.sbatch`` runs."""
    args = [cluster.python_cmd, "-u", "-m", "jiniac_hpc.job.direct", "--folder", folder, stage,
            "--recipe", recipe, "--cluster", cluster.name, "--run-name", run_name]
    for o in overrides:
        args += ["--set", o]
    return " ".join([args[0]] + [shlex.quote(a) for a in args[1:]])


def plan(stage: str, cfg: Any, run_dir: Path, dry_run: bool = False) -> list[Step]:
    """The stage's steps, their ``done`` filled from the executor's markers."""
    st = get_stage(stage)
    try:
        steps = plan_function(st)(cfg, run_dir)
    except (ConfigError, FileNotFoundError) as e:
        if not (dry_run and st.job_step):
            raise
        # A one-job stage's script does not depend on its inputs: show it, and say what a real
        # submission would stop on.
        print(f"warning: {e}\n         (a real submission stops here; the script is shown anyway)", file=sys.stderr)
        steps = [Step(st.job_step, "(not planned: inputs missing)", distributed=True)]
    if not steps:
        raise ConfigError(f"stage {stage}: the plan has no steps")
    digest = fileio.config_digest(to_dict(cfg))
    for step in steps:
        step.read_markers(run_dir, digest)
    return steps


def launch(stage: str, recipe: str = "debug", *, overrides: list[str] | None = None, cluster: Optional[str] = None,
           run_name: Optional[str] = None, dry_run: bool = False, dependency: Optional[str] = None,
           out=None) -> Launch:
    """Validate, plan and submit one stage (a dry run renders and prints instead). See the module docstring."""
    out = out or sys.stdout
    stage = get_stage(stage).name   # an old stage name runs under its new one
    overrides = list(overrides or [])
    cfg, prof = load_config(stage, recipe, overrides), resolve_cluster(cluster)
    run_name = run_name or Path(str(recipe)).stem
    run_dir = run_dir_for(stage, run_name)
    steps = plan(stage, cfg, run_dir, dry_run)
    res = Launch(stage, run_dir, prof, cfg, steps)
    backend = backend_for(prof, out)
    folder = run_dir / "submitit"
    recipe_arg = str(recipe) if not Path(str(recipe)).exists() else str(recipe_path(stage, recipe))
    single = len(steps) == 1 and steps[0].tasks == 1
    if not dry_run:
        for step in steps:   # every step before the first submission: a DAG must not stop half-submitted
            if step.missing:
                backend.check(request_for(step.job or cfg.job, prof, step, stage, recipe))
        if any(step.missing for step in steps):
            dump_yaml(cfg, run_dir / "config.yaml")
        else:                # config.yaml keeps saying what ran
            _note_unused_changes(stage, cfg, run_dir, out)
    cfg_data, prev_jobs = to_dict(cfg), []
    for step in steps:
        todo = step.missing
        if not todo:
            res.skipped.append(step.name)
            print(f"[{stage}] step {step.name}: complete, skipped", file=out)
            continue
        sub = Submission(f"{stage}-{step.name}", step.job or cfg.job, folder, array=step.tasks > 1,
                         dependency=backend.after(prev_jobs) if prev_jobs else dependency,
                         command=direct_command(prof, stage, recipe_arg, run_name, overrides, rel(folder))
                         if single else None,
                         label=f"{stage}/{step.name}", progress=run_dir / PROGRESS if step.distributed else None)
        res.scripts[step.name] = backend.render(sub, len(todo))
        if dry_run:
            # the script alone on stdout (so `--dry-run > my.sbatch` is submittable); notes on stderr
            print(f"# ---- {stage}/{step.name}: {len(todo)} task(s) of {step.fn} ----", file=sys.stderr)
            out.write(res.scripts[step.name])
            continue
        calls = [StepJob(stage, cfg_data, str(run_dir), step.name, step.fn, i, step.tasks, to_dict(prof))
                 for i in todo]
        try:
            jobs = prev_jobs = res.jobs[step.name] = backend.submit(sub, calls)
        except TaskFailed as e:   # (a local run) the failed jobs are the run's record too: status shows them
            add_jobs(run_dir, stage=stage, step=step.name, job_ids=[j.job_id for j in e.jobs], tasks=todo,
                     cluster=prof.name, folder=str(e.jobs[0].paths.folder))
            e.run_dir = run_dir
            raise
        add_jobs(run_dir, stage=stage, step=step.name, job_ids=[j.job_id for j in jobs], tasks=todo,
                 cluster=prof.name, folder=str(jobs[0].paths.folder))
        arrays = ", ".join(dict.fromkeys(j.job_id.split("_")[0] for j in jobs))   # several past MaxArraySize
        print(f"[{stage}] step {step.name}: submitted job {arrays}"
              f" ({len(jobs)} task(s){', after ' + sub.dependency if sub.dependency else ''})", file=out)
    if dry_run and not res.scripts:
        print(f"[{stage}] nothing to submit: {rel(run_dir)} is complete (--run-name NAME shows a new run's "
              "script)", file=sys.stderr)
    if not dry_run:
        print(f"run directory: {rel(res.run_dir)}", file=out)
        for name, jobs in res.jobs.items():
            print(f"  {name}: job {jobs[0].job_id}  log: {rel(jobs[0].paths.stdout)}", file=out)
        follow = backend.follow(res.run_dir, next(iter(res.jobs.values()))) if res.jobs else ""
        if follow:
            print(follow, file=out)
        elif get_stage(stage).verdict:   # the run ended here, or was complete already: say how it went
            print(load_symbol(get_stage(stage).verdict)(res.run_dir), file=out)
    return res


def _note_unused_changes(stage: str, cfg: Any, run_dir: Path, out) -> None:
    """Say so when a complete run is launched again with another config: nothing runs, so the
    changes apply to nothing (a new run name would run them)."""
    saved = run_dir / "config.yaml"
    diff = [k for k in changed_keys(cfg, saved) if not k.startswith("job.")]
    if diff:
        print(f"[{stage}] note: the run is complete; {rel(saved)} keeps the config it ran with. These changes "
              f"apply to nothing: {', '.join(diff[:6])}{' ...' if len(diff) > 6 else ''} (use --run-name NAME "
              f"for a new run)", file=out)


def request_for(job: JobConfig, prof: ClusterProfile, step: Step, stage: str, recipe: str) -> Request:
    """The step's resources for :func:`preflight`, each with the key and file a user changes."""
    try:
        recipe_file = rel(recipe_path(stage, recipe))
    except ConfigError:
        recipe_file = str(recipe)
    prof_file = profile_file(prof)

    def in_recipe(key: str) -> str:
        key = step.job_keys.get(key.split(".")[-1], key)
        return f"{key} in {recipe_file} (or --set {key}=N)"

    def in_profile(key: str) -> str:
        return f"{key} in {prof_file}"

    gpu_tasks = job.gpus and prof.gpus_per_node and not job.gpus_per_task
    keys = {"nodes": in_recipe("job.nodes").replace(")", " or --nodes N)"),
            "tasks_per_node": in_profile("gpus_per_node") if gpu_tasks else in_recipe("job.tasks_per_node"),
            "cpus_per_task": in_recipe("job.cpus_per_task") if job.cpus_per_task else in_profile("cpus_per_task"),
            "gpus_per_node": in_recipe("job.gpus_per_task") if job.gpus_per_task else in_profile("gpus_per_node"),
            "mem": in_recipe("job.mem") if job.mem else in_profile("mem"),
            "partition": in_profile("partition"),
            "time_min": in_recipe("job.time_min") if job.time_min else in_profile("time_min")}
    # gpu_request: none: the site's Slurm knows of no GPUs (sinfo lists none), the nodes have them all the same
    gpus = job.gpus_for(prof) if prof.gpu_request != "none" else 0
    return Request(job.nodes, job.tasks_for(prof), job.cpus_per_task or prof.cpus_per_task, gpus,
                   (job.mem or prof.mem) if prof.mem_request else None, job.time_min or prof.time_min,
                   tuple(keys.items()))
