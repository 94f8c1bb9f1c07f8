"""The whole pipeline as one command: corpus → tokenizer → pretokenize → pretrain → sft → dpo-data → dpo → eval.

    python jobs/pipeline.py                               # `tiny` recipe, on this machine when no Slurm
    python jobs/pipeline.py --recipe tiny --cluster local-slurm --until pretokenize
    jiniac status logs/pipeline/tiny                      # the DAG: each stage's jobs, state, last log line

Locally the stages run one after the other with a progress bar per step. On Slurm nothing
babysits the DAG from the login node: the first stage is submitted from here, and a small
*driver* job, which depends (``afterok``) on the last jobs of the stage before it, submits the
next stage and then the driver after it. A driver holds no CPU while a stage runs, so even a
2-core test cluster can run a 2-rank pretraining step. A failed stage stops the chain
(``--kill-on-invalid-dep``).

A stage whose steps are all complete (its ``plan`` reports every marker and checkpoint done)
is skipped, so rerunning the command after a failure resubmits only what is missing, and a
half-finished stage reruns only its missing array tasks. Every stage recipe is validated here,
before the first submission.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Optional

from submitit.helpers import DelayedSubmission

from jiniac_hpc import fileio
from jiniac_hpc.cluster import ClusterProfile, resolve_cluster
from jiniac_hpc.config import ConfigError, load_recipe
from jiniac_hpc.job.records import add_jobs
from jiniac_hpc.launch.backend import Submission
from jiniac_hpc.launch.runner import backend_for, launch, plan
from jiniac_hpc.paths import logs_root, rel, run_dir_for
from jiniac_hpc.pipeline.config import PipelineConfig, StageRef
from jiniac_hpc.pipeline.report import write_report
from jiniac_hpc.stages import load_config


def stage_complete(ref: StageRef) -> bool:
    """True when the launcher's plan of the stage finds every step and array task done."""
    try:
        steps = plan(ref.stage, load_config(ref.stage, ref.recipe, ref.overrides), run_dir_for(ref.stage, ref.run))
    except (ConfigError, FileNotFoundError):
        return False  # its inputs do not exist yet, so it cannot be complete
    return all(not s.missing for s in steps)


def record(pipeline_dir: Path, stage: str, **info) -> None:
    """Add a stage to ``pipeline.json``, the DAG that ``jiniac status`` shows (its jobs are in the
    stage's own ``jobs.json``; the drivers' in the pipeline's)."""
    path = pipeline_dir / "pipeline.json"
    data = fileio.read_json(path, default={"stages": []})
    data["stages"].append({"stage": stage, "time": time.time(), **info})
    fileio.write_json(path, data)


def run_pipeline(recipe: str = "tiny", *, cluster: Optional[str] = None, start: Optional[str] = None,
                 until: Optional[str] = None, overrides: list[str] | None = None, out=None) -> Path:
    """Validate every stage recipe, then run the stages: one after the other here, or on Slurm the
    first stage and a driver chain for the rest."""
    out, t0 = out or sys.stdout, time.time()
    cfg = load_recipe("pipeline", PipelineConfig, recipe, overrides)
    refs = cfg.select(start, until)
    for ref in refs:   # on the login node: bad keys fail before any submission
        load_config(ref.stage, ref.recipe, ref.overrides)
    prof = resolve_cluster(cluster)
    run_dir = logs_root() / "pipeline" / Path(recipe).stem
    run_dir.mkdir(parents=True, exist_ok=True)
    submit_from(cfg, [r.stage for r in refs], prof, run_dir, report=refs[-1].stage == cfg.stages[-1].stage, out=out)
    print(backend_for(prof).follow(run_dir) or f"[pipeline] done in {time.time() - t0:.0f} s", file=out)
    return run_dir


def submit_from(cfg: PipelineConfig, names: list[str], prof: ClusterProfile, run_dir: Path, *, report: bool,
                out=None) -> None:
    """Launch the first not-yet-complete stage of ``names``, then (once its jobs succeeded) the
    rest, and with ``report`` write the run report at the end.

    On Slurm "then" is a driver job held by ``afterok``: this runs on the login node for the first
    stage and inside each driver for the next ones. Locally a stage's jobs are done when
    :func:`launch` returns, and the rest follows here.
    """
    out = out or sys.stdout
    refs = {r.stage: r for r in cfg.stages}
    while names and stage_complete(refs[names[0]]):
        print(f"[pipeline] {names[0]}: complete, skipped", file=out)
        record(run_dir, names[0], state="SKIPPED", run_dir=str(run_dir_for(names[0], refs[names[0]].run)))
        names = names[1:]
    backend, jobs = backend_for(prof, out), []
    if names:
        ref, started = refs[names[0]], time.time()
        print(f"[pipeline] {ref.stage} ({ref.recipe})", file=out, flush=True)
        res = launch(ref.stage, ref.recipe, overrides=ref.overrides, cluster=prof.name, run_name=ref.run, out=out)
        jobs = list(res.jobs.values())[-1] if res.jobs else []
        done = all(j.done() for js in res.jobs.values() for j in js)
        record(run_dir, ref.stage, state="COMPLETED" if done else "SUBMITTED", run_dir=str(res.run_dir),
               **({"seconds": round(time.time() - started, 1)} if done else {}))
    if not (names[1:] or report):
        return
    sub = Submission("pipeline-driver", cfg.driver_job, run_dir / "submitit")
    drivers = backend.then(sub, DelayedSubmission(drive, cfg, names[1:], prof.name, str(run_dir), str(logs_root()),
                                                  report), jobs)
    if drivers:
        add_jobs(run_dir, stage="pipeline", step="driver", job_ids=[j.job_id for j in drivers], tasks=[0],
                 cluster=prof.name, folder=str(drivers[0].paths.folder), next=names[1:])
        print(f"[pipeline] driver {drivers[0].job_id} will submit {names[1:] or ['report']}", file=out)


def drive(cfg: PipelineConfig, names: list[str], cluster: str, run_dir: str, logs: str, report: bool) -> str:
    """Body of a driver: launch the next stage and the driver after it, or write the report."""
    os.environ["JINIAC_LOGS"] = logs
    if names:
        submit_from(cfg, names, resolve_cluster(cluster), Path(run_dir), report=report)
        return f"submitted {names[0]}"
    path = write_report(cfg, Path(run_dir))
    print(f"[pipeline] report: {rel(path)}", flush=True)
    return str(path)
