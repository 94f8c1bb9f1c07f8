"""The whole pipeline as one command: corpus → tokenizer → tokenize → pretrain → sft → dpo-data → dpo → eval.

    python jobs/pipeline.py                               # `tiny` recipe, on this machine when no Slurm
    python jobs/pipeline.py --recipe tiny --cluster local-slurm --until tokenize
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

import json
import sys
import time
from pathlib import Path
from typing import Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, load_recipe, to_dict
from jiniac_hpc.launch.cluster import ClusterProfile, resolve_cluster
from jiniac_hpc.launch.executor import afterok, make_executor, rel
from jiniac_hpc.launch.runner import launch, logs_root, run_dir_for
from jiniac_hpc.pipeline.config import PipelineConfig, StageRef
from jiniac_hpc.stages import config_class, get_stage, plan_function


def stage_complete(ref: StageRef) -> bool:
    """True when every step and array task of the stage is done (its plan's word, else the
    executor's completion markers, as the launcher decides)."""
    st = get_stage(ref.stage)
    try:
        cfg = load_recipe(ref.stage, config_class(st), ref.recipe, ref.overrides)
        run_dir = run_dir_for(ref.stage, ref.run)
        steps = plan_function(st)(cfg, run_dir)
    except (ConfigError, FileNotFoundError):
        return False  # its inputs do not exist yet, so it cannot be complete
    digest = fileio.config_digest(to_dict(cfg))
    for s in steps:
        s.read_markers(run_dir, digest)
    return all(not s.missing for s in steps)


def validate(refs: list[StageRef]) -> None:
    """Load every stage recipe now, on the login node: bad keys fail before any submission."""
    for ref in refs:
        st = get_stage(ref.stage)
        if st.plan is None:
            raise ConfigError(f"pipeline stage {ref.stage!r} is registered but not implemented yet")
        load_recipe(ref.stage, config_class(st), ref.recipe, ref.overrides)


def _state_path(run_dir: Path) -> Path:
    return run_dir / "pipeline.json"


def record(pipeline_dir: Path, stage: str, **info) -> None:
    """Add to ``pipeline.json`` (the DAG that ``jiniac status`` shows)."""
    path = _state_path(pipeline_dir)
    data = json.loads(path.read_text()) if path.exists() else {"stages": []}
    data["stages"].append({"stage": stage, "time": time.time(), **info})
    pipeline_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)


def run_pipeline(recipe: str = "tiny", *, cluster: Optional[str] = None, start: Optional[str] = None,
                 until: Optional[str] = None, overrides: list[str] | None = None, out=None) -> Path:
    """Validate, then run locally or submit the first stage and its driver chain on Slurm."""
    out = out or sys.stdout
    cfg = load_recipe("pipeline", PipelineConfig, recipe, overrides)
    refs = cfg.select(start, until)
    validate(refs)
    prof = resolve_cluster(cluster)
    run_dir = logs_root() / "pipeline" / Path(recipe).stem
    run_dir.mkdir(parents=True, exist_ok=True)
    if prof.is_local:
        _run_local(cfg, refs, prof, run_dir, out)
    else:
        report = refs[-1].stage == cfg.stages[-1].stage
        submit_from(cfg, [r.stage for r in refs], prof, run_dir, report=report, out=out)
        print(f"follow the DAG: jiniac status {rel(run_dir)}", file=out)
    return run_dir


def _run_local(cfg: PipelineConfig, refs: list[StageRef], prof: ClusterProfile, run_dir: Path, out) -> None:
    t0 = time.time()
    for i, ref in enumerate(refs, 1):
        head = f"[pipeline {i}/{len(refs)}] {ref.stage} ({ref.recipe})"
        if stage_complete(ref):
            print(f"{head}: complete, skipped", file=out)
            record(run_dir, ref.stage, state="SKIPPED", run_dir=str(run_dir_for(ref.stage, ref.run)))
            continue
        print(f"{head}: running", file=out, flush=True)
        ts = time.time()
        res = launch(ref.stage, ref.recipe, overrides=ref.overrides, cluster=prof.name, run_name=ref.run, out=out)
        record(run_dir, ref.stage, state="COMPLETED", run_dir=str(res.run_dir), seconds=round(time.time() - ts, 1),
               jobs={k: [j.job_id for j in v] for k, v in res.jobs.items()})
    if refs and refs[-1].stage == cfg.stages[-1].stage:
        from jiniac_hpc.pipeline.report import write_report

        path = write_report(cfg, run_dir)
        print(f"[pipeline] report: {rel(path)}", file=out)
    print(f"[pipeline] done in {time.time() - t0:.0f} s", file=out)


def submit_from(cfg: PipelineConfig, names: list[str], prof: ClusterProfile, run_dir: Path, *, report: bool,
                out=None) -> None:
    """Submit the first not-yet-complete stage of ``names``, then a driver for the rest
    (and, with ``report``, a last driver that writes the run report).

    Runs on the login node for the first stage and inside each driver job for the next ones.
    """
    out = out or sys.stdout
    refs = {r.stage: r for r in cfg.stages}
    while names and stage_complete(refs[names[0]]):
        print(f"[pipeline] {names[0]}: complete, skipped", file=out)
        record(run_dir, names[0], state="SKIPPED", run_dir=str(run_dir_for(names[0], refs[names[0]].run)))
        names = names[1:]
    if not names:
        if report:
            _submit_driver(cfg, [], prof, run_dir, dependency=None, report=True, out=out)
        return
    ref = refs[names[0]]
    res = launch(ref.stage, ref.recipe, overrides=ref.overrides, cluster=prof.name, run_name=ref.run, out=out)
    last = list(res.jobs.values())[-1] if res.jobs else []
    record(run_dir, ref.stage, state="SUBMITTED", run_dir=str(res.run_dir),
           jobs={k: [j.job_id for j in v] for k, v in res.jobs.items()})
    if names[1:] or report:
        _submit_driver(cfg, names[1:], prof, run_dir, dependency=afterok(last) if last else None,
                       report=report, out=out)


def _submit_driver(cfg: PipelineConfig, names: list[str], prof: ClusterProfile, run_dir: Path,
                   dependency: Optional[str], report: bool, out) -> None:
    ex = make_executor(prof, cfg.driver_job, run_dir / "submitit", name="pipeline-driver", dependency=dependency)
    job = ex.submit(drive, cfg, names, prof.name, str(run_dir), str(logs_root()), report)
    record(run_dir, "driver", next=names, job_ids=[job.job_id], dependency=dependency)
    print(f"[pipeline] driver {job.job_id} will submit {names or ['report']}"
          f"{' after ' + dependency if dependency else ''}", file=out)


def drive(cfg: PipelineConfig, names: list[str], cluster: str, run_dir: str, logs: str, report: bool) -> str:
    """Body of a driver job: submit the next stage and the driver after it, or write the report."""
    import os

    os.environ["JINIAC_LOGS"] = logs
    prof = resolve_cluster(cluster)
    if names:
        submit_from(cfg, names, prof, Path(run_dir), report=report)
        return f"submitted {names[0]}"
    from jiniac_hpc.pipeline.report import write_report

    return str(write_report(cfg, Path(run_dir)))
