"""Launch a stage: recipe -> validated config -> steps -> Slurm (or local) jobs.

    from jiniac_hpc.launch.runner import launch
    launch("corpus", recipe="debug", cluster="local-slurm")

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

import json
import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, dump_yaml, load_recipe, recipe_path, to_dict
from jiniac_hpc.launch.cluster import ClusterProfile, JobConfig, clusters_dir, resolve_cluster
from jiniac_hpc.launch.executor import (afterok, make_executor, rel, script_text, slurm_spec, submitit_command,
                                        wait_all)
from jiniac_hpc.launch.preflight import Request, preflight
from jiniac_hpc.launch.status import PROGRESS
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
    digest = fileio.config_digest(to_dict(cfg))
    for step in steps:
        step.read_markers(run_dir, digest)
    res = Launch(stage, run_dir, prof, cfg, steps)
    folder = run_dir / "submitit"
    recipe_arg = str(recipe) if not Path(str(recipe)).exists() else str(recipe_path(stage, recipe))
    single = len(steps) == 1 and steps[0].tasks == 1
    if not (dry_run or prof.is_local):
        # every step before the first sbatch: a DAG must not stop half-submitted
        for step in steps:
            if step.missing:
                preflight(request_for(step.job or cfg.job, prof, step, stage, recipe), prof.partition)
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
        name = f"{stage}-{step.name}"
        direct = direct_command(prof, stage, recipe_arg, run_name, overrides, rel(folder)) if single else None
        if not prof.is_local:
            # rendered without an executor: a dry run needs no Slurm on this machine
            res.scripts[step.name] = script_text(slurm_spec(prof, job_cfg, folder, name, dep),
                                                 direct or submitit_command(prof.python_cmd, folder),
                                                 None if step.tasks == 1 else len(todo), job_cfg.array_parallelism)
        if dry_run:
            # the script alone on stdout (so `--dry-run > my.sbatch` is submittable); notes on stderr
            print(f"# ---- {stage}/{step.name}: {len(todo)} task(s) of {step.fn} ----", file=sys.stderr)
            if prof.is_local:
                print(f"# local: {len(todo)} task(s), {job_cfg.tasks_for(prof)} process(es) each", file=out)
            else:
                out.write(res.scripts[step.name])
            continue
        ex = make_executor(prof, job_cfg, folder, name=name, dependency=dep, command=direct)
        calls = [StepJob(stage, cfg_data, str(run_dir), step.name, step.fn, i, step.tasks, to_dict(prof))
                 for i in todo]
        if prof.is_local:
            # LocalExecutor has neither dependencies nor an array throttle: run step by step, as the
            # DAG would on Slurm, with at most as many tasks at once as there are cores for them.
            slots = max(1, min(job_cfg.array_parallelism,
                               (os.cpu_count() or 1) // (job_cfg.cpus_per_task or prof.cpus_per_task)))
            jobs = _run_local_step(ex, calls, slots, f"{stage}/{step.name}", out,
                                   run_dir / PROGRESS if step.distributed else None)
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


def request_for(job: JobConfig, prof: ClusterProfile, step: Step, stage: str, recipe: str) -> Request:
    """The step's resources for :func:`preflight`, each with the key and file a user changes."""
    try:
        recipe_file = rel(recipe_path(stage, recipe))
    except ConfigError:
        recipe_file = str(recipe)
    profile_file = rel(clusters_dir() / f"{prof.name}.yaml")
    def in_recipe(key: str) -> str:
        key = step.job_keys.get(key.split(".")[-1], key)
        return f"{key} in {recipe_file} (or --set {key}=N)"

    def in_profile(key: str) -> str:
        return f"{key} in {profile_file}"

    gpu_tasks = job.gpus and prof.gpus_per_node and not job.gpus_per_task
    keys = {"nodes": in_recipe("job.nodes").replace(")", " or --nodes N)"),
            "tasks_per_node": in_profile("gpus_per_node") if gpu_tasks else in_recipe("job.tasks_per_node"),
            "cpus_per_task": in_recipe("job.cpus_per_task") if job.cpus_per_task else in_profile("cpus_per_task"),
            "gpus_per_node": in_recipe("job.gpus_per_task") if job.gpus_per_task else in_profile("gpus_per_node"),
            "mem": in_recipe("job.mem") if job.mem else in_profile("mem"),
            "partition": in_profile("partition")}
    return Request(job.nodes, job.tasks_for(prof), job.cpus_per_task or prof.cpus_per_task, job.gpus_for(prof),
                   job.mem or prof.mem, tuple(keys.items()))


def _run_local_step(ex, calls: list, slots: int, desc: str, out, progress: Optional[Path] = None) -> list:
    """Run ``calls`` on this machine, ``slots`` at a time, with a progress bar; raise if one failed.

    A training step draws a bar of optimizer steps (loss, tokens/s, ETA) from ``progress``, the
    file rank 0 rewrites at each log step; other steps draw a bar of tasks.
    """
    from tqdm import tqdm

    started = time.time()
    jobs: list = []
    bar = None if progress else tqdm(total=len(calls), desc=desc, unit="task", file=out, leave=True)
    last: dict = {}
    pending = list(calls)
    while pending or any(not j.done() for j in jobs):
        while pending and sum(not j.done() for j in jobs) < slots:
            jobs.append(ex.submit(pending.pop(0)))
        if progress is None:
            done = sum(j.done() for j in jobs)
            if done != bar.n:  # redraw only on progress: logs and pipes get one line per finished task
                bar.update(done - bar.n)
        else:
            rec = _read_progress(progress, started)
            if rec and rec != last:
                if bar is None:   # first record: a resumed run's bar starts at its step, so the rate is right
                    bar = tqdm(total=rec["total"], initial=rec["step"], desc=desc, unit="step", file=out, leave=True)
                bar.set_postfix_str(_postfix(rec), refresh=False)
                bar.update(rec["step"] - bar.n)
                last = rec
        time.sleep(0.3)
    results = [r for j in jobs for r in j.results()]   # raises with the task's traceback if a task failed
    rec = _read_progress(progress, started) if progress else {}
    if bar is None:   # a distributed step that logged no training steps: count it as tasks
        bar = tqdm(total=len(calls), desc=desc, unit="task", file=out, leave=True)
    if bar.unit == "task":
        bar.update(len(jobs) - bar.n)   # every task is done; the last may finish during the final sleep
    else:
        finished = all(isinstance(r, dict) and r.get("status") in ("complete", "done") for r in results)
        bar.set_postfix_str(_postfix(rec or last), refresh=False)
        bar.update((bar.total if finished else (rec or last)["step"]) - bar.n)  # the last step need not be logged
    bar.close()
    return jobs


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
