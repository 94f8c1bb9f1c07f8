"""Entry point of single-job stages, and of the sbatch templates.

    sbatch -N 2 sbatch_templates/pretrain.sbatch      # runs, on every task:
    python -u -m jiniac_hpc.launch.direct --template --folder logs/pretrain/debug-123/submitit pretrain ...

When the launcher submitted the job, submitit has already written the job's pickle and this
simply runs it. When a user ran ``sbatch`` on a template, there is no pickle yet: this builds
the same :class:`~jiniac_hpc.stages.StepJob` from the recipe (the run's ``config.yaml`` wins if
it exists) and writes the pickle itself. Either way the task then runs through submitit's
``process_job``, so USR2 checkpointing and requeueing behave the same for both paths.
With ``--template`` (plain sbatch) the job's node and task counts come from Slurm's
environment, and task 0 records the job in the run's ``jobs.json`` for ``jiniac status``.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from submitit.core import utils
from submitit.core.submission import process_job


def _job_id() -> str:
    if "SLURM_ARRAY_JOB_ID" in os.environ:
        return f"{os.environ['SLURM_ARRAY_JOB_ID']}_{os.environ['SLURM_ARRAY_TASK_ID']}"
    return os.environ.get("SLURM_JOB_ID") or os.environ["SUBMITIT_LOCAL_JOB_ID"]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", required=True, help="submitit folder of the run")
    ap.add_argument("stage")
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--cluster", required=True)
    ap.add_argument("--run-name", required=True)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--template", action="store_true",
                    help="plain sbatch of a template: node/task counts from Slurm, record the job in jobs.json")
    a = ap.parse_args(argv)

    if a.template:
        a.overrides += slurm_job_overrides()
    folder = Path(a.folder)
    pickle = utils.JobPaths(folder, job_id=_job_id()).submitted_pickle
    if int(os.environ.get("SLURM_PROCID", "0")) == 0:
        _record_config(a)   # before the pickle: another task may have written that one already
        if a.template:
            _record_job(a, folder)
    if not pickle.exists():
        _write_pickle(a, pickle)
    process_job(folder)


def slurm_job_overrides() -> list[str]:
    """``job.nodes`` / ``job.tasks_per_node`` as this job actually got them (``sbatch -N`` wins
    over the template's ``#SBATCH`` lines), so ``config.yaml`` says what ran."""
    out = []
    if os.environ.get("SLURM_NNODES"):
        out.append(f"job.nodes={int(os.environ['SLURM_NNODES'])}")
    per_node = os.environ.get("SLURM_NTASKS_PER_NODE", "").split("(")[0].split(",")[0]
    if per_node.isdigit():
        out.append(f"job.tasks_per_node={int(per_node)}")
    return out


def _record_job(a: argparse.Namespace, folder: Path) -> None:
    """Add this job to the run's ``jobs.json`` (once: a requeued job keeps its id)."""
    import json
    import time

    from jiniac_hpc.launch.runner import run_dir_for
    from jiniac_hpc.stages import get_stage

    path = run_dir_for(a.stage, a.run_name) / "jobs.json"
    data = json.loads(path.read_text()) if path.exists() else []
    if any(_job_id() in r["job_ids"] for r in data):
        return
    data.append({"stage": a.stage, "step": get_stage(a.stage).job_step, "job_ids": [_job_id()], "tasks": [0], "cluster": a.cluster,
                 "folder": str(folder.absolute()), "submitted": time.time(), "via": "sbatch template"})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".jobs.json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def _record_config(a: argparse.Namespace) -> None:
    """Write the run's ``config.yaml`` if nothing (the launcher, an earlier run) has."""
    from jiniac_hpc.config import dump_yaml
    from jiniac_hpc.launch.runner import resolve, run_dir_for

    saved = run_dir_for(a.stage, a.run_name) / "config.yaml"
    if not saved.exists():
        cfg, _ = resolve(a.stage, a.recipe, a.overrides, a.cluster)
        dump_yaml(cfg, saved)


def _write_pickle(a: argparse.Namespace, pickle: Path) -> None:
    import yaml

    from jiniac_hpc.config import from_dict, to_dict
    from jiniac_hpc.launch.runner import resolve, run_dir_for
    from jiniac_hpc.stages import StepJob, get_stage, plan_function

    cfg, prof = resolve(a.stage, a.recipe, a.overrides, a.cluster)
    run_dir = run_dir_for(a.stage, a.run_name)
    saved = run_dir / "config.yaml"
    if saved.exists():  # the login node validated and wrote it: run exactly that
        cfg = from_dict(type(cfg), yaml.safe_load(saved.read_text()), origin=str(saved))
    (step,) = plan_function(get_stage(a.stage))(cfg, run_dir)
    job = StepJob(a.stage, to_dict(cfg), str(run_dir), step.name, step.fn, 0, 1, to_dict(prof))
    delayed = utils.DelayedSubmission(job)
    delayed.set_timeout(cfg.job.time_min or prof.time_min, cfg.job.max_requeues)
    # Every task writes the same content; rename makes each write atomic.
    pickle.parent.mkdir(parents=True, exist_ok=True)
    tmp = pickle.with_name(f"{pickle.name}.{os.getpid()}.tmp")
    delayed.dump(tmp)
    os.replace(tmp, pickle)


if __name__ == "__main__":
    main()
