"""Entry point of single-job stages, and of the sbatch templates.

    sbatch -N 2 sbatch_templates/pretrain.sbatch      # runs, on every task:
    python -u -m jiniac_hpc.job.direct --template --folder logs/pretrain/debug-123/submitit pretrain ...

When the launcher submitted the job, it has already written the job's pickle and this
simply runs it. When a user ran ``sbatch`` on a template, there is no pickle yet: this builds
the same :class:`~jiniac_hpc.job.step.StepJob` from the recipe (the run's ``config.yaml`` wins if
it exists) and writes the pickle itself. Either way the task then runs through submitit's
``process_job``, so USR2 checkpointing and requeueing behave the same for both paths.
With ``--template`` (plain sbatch) the job's node and task counts come from Slurm's
environment, and task 0 records the job in the run's ``jobs.json`` for ``jiniac status``.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml
from submitit.core import utils
from submitit.core.submission import process_job

from jiniac_hpc.cluster import resolve_cluster
from jiniac_hpc.config import dump_yaml, from_dict, to_dict
from jiniac_hpc.job.distributed import slurm_job_id
from jiniac_hpc.job.records import add_jobs
from jiniac_hpc.job.step import StepJob, write_submitted
from jiniac_hpc.paths import run_dir_for
from jiniac_hpc.stages import get_stage, load_config, plan_function


def _job_id() -> str:
    return slurm_job_id() or os.environ["SUBMITIT_LOCAL_JOB_ID"]


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
    saved = run_dir_for(a.stage, a.run_name) / "config.yaml"
    if int(os.environ.get("SLURM_PROCID", "0")) == 0:
        if not saved.exists():   # unless the launcher (or an earlier run) wrote it; before any task's pickle
            dump_yaml(load_config(a.stage, a.recipe, a.overrides), saved)
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
    add_jobs(run_dir_for(a.stage, a.run_name), once=True, stage=a.stage, step=get_stage(a.stage).job_step,
             job_ids=[_job_id()], tasks=[0], cluster=a.cluster, folder=str(folder.absolute()),
             via="sbatch template")


def _write_pickle(a: argparse.Namespace, pickle: Path) -> None:
    cfg = load_config(a.stage, a.recipe, a.overrides)
    prof = resolve_cluster(a.cluster)
    run_dir = run_dir_for(a.stage, a.run_name)
    saved = run_dir / "config.yaml"
    if saved.exists():  # the login node validated and wrote it: run exactly that
        cfg = from_dict(type(cfg), yaml.safe_load(saved.read_text()), origin=str(saved))
    (step,) = plan_function(get_stage(a.stage))(cfg, run_dir)
    job = StepJob(a.stage, to_dict(cfg), str(run_dir), step.name, step.fn, 0, 1, to_dict(prof))
    write_submitted(pickle, job, cfg.job.time_min or prof.time_min, cfg.job.max_requeues)


if __name__ == "__main__":
    main()
