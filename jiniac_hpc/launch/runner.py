"""Launch a stage: recipe -> validated config -> steps -> Slurm (or local) jobs.

    from jiniac_hpc.launch.runner import launch
    launch("corpus", recipe="debug", cluster="local-slurm")

Everything that can fail is checked here, on the login node, before the first sbatch:
the recipe (unknown keys, types, values), the cluster profile, and the stage's inputs
(``plan`` raises on a missing data path). The run directory is
``logs/<stage>/<run-name>/`` with ``config.yaml``, ``jobs.json`` (what was submitted),
``submitit/`` (the ``%j`` logs) and whatever the stage writes (``tensorboard/``,
``checkpoints/``, shards...). A relaunch with the same run name submits only the steps and
array tasks whose completion markers are missing.
"""
from __future__ import annotations

import json
import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from jiniac_hpc.config import ConfigError, dump_yaml, load_recipe, recipe_path, to_dict
from jiniac_hpc.launch.cluster import ClusterProfile, JobConfig, resolve_cluster
from jiniac_hpc.launch.executor import afterok, make_executor, rel, wait_all
from jiniac_hpc.paths import logs_root
from jiniac_hpc.stages import Step, StepJob, config_class, get_stage, plan_function


def run_dir_for(stage: str, run_name: str) -> Path:
    return logs_root() / stage / run_name


@dataclass
class Launch:
    """What :func:`launch` did (or, for a dry run, would do)."""

    stage: str
    run_dir: Path
    cluster: ClusterProfile
    config: Any
    steps: list[Step]
    jobs: dict[str, list] = field(default_factory=dict)   # step name -> submitit jobs
    scripts: dict[str, str] = field(default_factory=dict)  # step name -> sbatch text (Slurm only)
    skipped: list[str] = field(default_factory=list)

    def wait(self, timeout_s: Optional[float] = None) -> dict[str, list]:
        return {name: wait_all(jobs, timeout_s) for name, jobs in self.jobs.items()}


def direct_command(cluster: ClusterProfile, stage: str, recipe: str, run_name: str, overrides: list[str],
                   folder: str) -> str:
    """The job line of a single-step stage: also what ``sbatch_templates/<stage>.sbatch`` runs."""
    args = [cluster.python_cmd, "-u", "-m", "jiniac_hpc.launch.direct", "--folder", folder, stage,
            "--recipe", recipe, "--cluster", cluster.name, "--run-name", run_name]
    for o in overrides:
        args += ["--set", o]
    return " ".join([args[0]] + [shlex.quote(a) for a in args[1:]])


def resolve(stage: str, recipe: str, overrides: list[str] | None = None, cluster: Optional[str] = None):
    """Recipe + overrides + cluster -> (config, cluster profile). Raises ConfigError early."""
    st = get_stage(stage)
    if st.plan is None:
        raise NotImplementedError(f"stage {stage!r} is registered but not implemented yet")
    prof = resolve_cluster(cluster)
    cfg = load_recipe(stage, config_class(st), recipe, overrides)
    return cfg, prof


def launch(stage: str, recipe: str = "debug", *, overrides: list[str] | None = None, cluster: Optional[str] = None,
           run_name: Optional[str] = None, dry_run: bool = False, dependency: Optional[str] = None,
           out=None) -> Launch:
    """Validate, plan and submit one stage. See the module docstring."""
    out = out or sys.stdout
    overrides = list(overrides or [])
    cfg, prof = resolve(stage, recipe, overrides, cluster)
    run_name = run_name or Path(str(recipe)).stem
    run_dir = run_dir_for(stage, run_name)
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
    res = Launch(stage, run_dir, prof, cfg, steps)
    folder = run_dir / "submitit"
    recipe_arg = str(recipe) if not Path(str(recipe)).exists() else str(recipe_path(stage, recipe))
    single = len(steps) == 1 and steps[0].tasks == 1
    if not dry_run:
        dump_yaml(cfg, run_dir / "config.yaml")
    prev_jobs: list = []
    cfg_data = to_dict(cfg)
    for step in steps:
        todo = step.missing
        if not todo:
            res.skipped.append(step.name)
            print(f"[{stage}] step {step.name}: complete, skipped", file=out)
            continue
        job_cfg: JobConfig = step.job or cfg.job
        dep = afterok(prev_jobs) if prev_jobs else dependency
        command = direct_command(prof, stage, recipe_arg, run_name, overrides, rel(folder)) if single else None
        ex = make_executor(prof, job_cfg, folder, name=f"{stage}-{step.name}", dependency=dep, command=command)
        if not prof.is_local:
            res.scripts[step.name] = ex.script_text(None if step.tasks == 1 else len(todo))
        if dry_run:
            # the script alone on stdout (so `--dry-run > my.sbatch` is submittable); notes on stderr
            print(f"# ---- {stage}/{step.name}: {len(todo)} task(s) of {step.fn} ----", file=sys.stderr)
            if prof.is_local:
                print(f"# local: {len(todo)} task(s), {job_cfg.tasks_for(prof)} process(es) each", file=out)
            else:
                out.write(res.scripts[step.name])
            continue
        calls = [StepJob(stage, cfg_data, str(run_dir), step.name, step.fn, i, step.tasks, to_dict(prof))
                 for i in todo]
        if prof.is_local:
            # LocalExecutor has neither dependencies nor an array throttle: run step by step, as the
            # DAG would on Slurm, with at most as many tasks at once as there are cores for them.
            slots = max(1, min(job_cfg.array_parallelism,
                               (os.cpu_count() or 1) // (job_cfg.cpus_per_task or prof.cpus_per_task)))
            jobs = _run_local_step(ex, calls, slots, f"{stage}/{step.name}", out)
            res.jobs[step.name] = jobs
            _record(run_dir, stage, step, jobs, todo, prof)
            prev_jobs = jobs
            continue
        if step.tasks == 1:
            jobs = [ex.submit(calls[0])]
        else:
            with ex.batch():  # an array whose elements are StepJobs, so each one is Checkpointable
                jobs = [ex.submit(c) for c in calls]
        res.jobs[step.name] = jobs
        _record(run_dir, stage, step, jobs, todo, prof)
        print(f"[{stage}] step {step.name}: submitted job {jobs[0].job_id.split('_')[0]}"
              f" ({len(jobs)} task(s){', after ' + dep if dep else ''})", file=out)
        prev_jobs = jobs
    if not dry_run:
        _print_follow(res, out)
    return res


def _run_local_step(ex, calls: list, slots: int, desc: str, out) -> list:
    """Run ``calls`` on this machine, ``slots`` at a time, with a progress bar; raise if one failed."""
    from tqdm import tqdm

    jobs: list = []
    with tqdm(total=len(calls), desc=desc, unit="task", file=out, leave=True) as bar:
        pending = list(calls)
        while pending or any(not j.done() for j in jobs):
            while pending and sum(not j.done() for j in jobs) < slots:
                jobs.append(ex.submit(pending.pop(0)))
            done = sum(j.done() for j in jobs)
            if done != bar.n:  # redraw only on progress: logs and pipes get one line per finished task
                bar.update(done - bar.n)
            time.sleep(0.3)
    for j in jobs:
        j.results()  # raises with the task's traceback if any task failed
    return jobs


def _record(run_dir: Path, stage: str, step: Step, jobs: list, tasks: list[int], prof: ClusterProfile) -> None:
    """Append to ``jobs.json``: ``jiniac status`` reads it to show the run's jobs."""
    path = run_dir / "jobs.json"
    data = json.loads(path.read_text()) if path.exists() else []
    data.append({"stage": stage, "step": step.name, "job_ids": [j.job_id for j in jobs], "tasks": tasks,
                 "cluster": prof.name, "folder": str(jobs[0].paths.folder), "submitted": time.time()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


def _print_follow(res: Launch, out) -> None:
    print(f"run directory: {rel(res.run_dir)}", file=out)
    for name, jobs in res.jobs.items():
        j = jobs[0]
        print(f"  {name}: job {j.job_id}  log: {rel(j.paths.stdout)}", file=out)
    if res.jobs and not res.cluster.is_local:
        print(f"follow: jiniac status {rel(res.run_dir)}   or   tail -f {rel(next(iter(res.jobs.values()))[0].paths.stdout)}",
              file=out)
