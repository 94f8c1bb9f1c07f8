"""Entry point of single-job stages, and of the sbatch templates.

    sbatch sbatch_templates/pretrain.sbatch      # runs, on every task:
    python -u -m jiniac_hpc.launch.direct --folder logs/pretrain/debug/submitit pretrain --recipe debug ...

When the launcher submitted the job, submitit has already written the job's pickle and this
simply runs it. When a user ran ``sbatch`` on a template, there is no pickle yet: this builds
the same :class:`~jiniac_hpc.stages.StepJob` from the recipe (the run's ``config.yaml`` wins if
it exists) and writes the pickle itself. Either way the task then runs through submitit's
``process_job``, so USR2 checkpointing and requeueing behave the same for both paths.
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
    a = ap.parse_args(argv)

    folder = Path(a.folder)
    pickle = utils.JobPaths(folder, job_id=_job_id()).submitted_pickle
    if int(os.environ.get("SLURM_PROCID", "0")) == 0:
        _record_config(a)   # before the pickle: another task may have written that one already
    if not pickle.exists():
        _write_pickle(a, pickle)
    process_job(folder)


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
