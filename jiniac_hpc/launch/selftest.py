"""A fire drill for a cluster profile: array, dependency, multi-task job, torch.distributed.

    python jobs/selftest.py --cluster local-slurm         # or: jiniac selftest --cluster NAME

Step ``probe`` is an array (one task per element) that records where it ran; ``rendezvous`` is a
distributed job (``job.nodes`` x ``job.tasks_per_node`` ranks) whose ranks check the exported
RANK/WORLD_SIZE/MASTER_ADDR and do a real gloo all-reduce, each writing ``selftest/rank-<r>.json``;
``summary`` depends on both, reads the probes' results from their markers and the ranks' files,
and writes ``selftest/summary.json``. The executor marks each finished task
(``completions/<step>/<task>.json``), so a relaunch reruns only what is missing.
Run it once on a new site before spending GPU hours.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.config import check, field
from jiniac_hpc.cluster import JobConfig
from jiniac_hpc.stages import Step, TaskContext


@dataclass
class SelfTestConfig:
    """Recipe of the ``selftest`` stage."""

    array_tasks: int = field(4, doc="Elements of the probe array.")
    ranks_per_node: int = field(2, doc="Tasks a node in the rendezvous step.")
    job: JobConfig = field(default_factory=JobConfig, doc="Resources.")

    def __post_init__(self):
        check(self.array_tasks >= 1, "array_tasks", "must be >= 1")
        check(self.ranks_per_node >= 1, "ranks_per_node", "must be >= 1")


def _out(run_dir: Path, name: str) -> Path:
    return run_dir / "selftest" / f"{name}.json"


def plan(cfg: SelfTestConfig, run_dir: Path) -> list[Step]:
    rdv_job = JobConfig(nodes=cfg.job.nodes, tasks_per_node=cfg.ranks_per_node, time_min=cfg.job.time_min)
    return [
        Step("probe", "jiniac_hpc.launch.selftest:probe", tasks=cfg.array_tasks),
        Step("rendezvous", "jiniac_hpc.launch.selftest:rendezvous", distributed=True, job=rdv_job,
             job_keys={"tasks_per_node": "ranks_per_node"}),
        Step("summary", "jiniac_hpc.launch.selftest:summary"),
    ]


def probe(cfg: SelfTestConfig, ctx: TaskContext) -> dict:
    return {"task": ctx.task, "num_tasks": ctx.num_tasks, "host": socket.gethostname(),
            "slurm_job_id": os.environ.get("SLURM_JOB_ID"), "array_task": os.environ.get("SLURM_ARRAY_TASK_ID")}


def rendezvous(cfg: SelfTestConfig, ctx: TaskContext) -> dict:
    import torch
    import torch.distributed as dist

    env = {k: os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    dist.init_process_group("gloo", init_method="env://")
    try:
        t = torch.tensor([float(dist.get_rank())])
        dist.all_reduce(t)
        info = {"env": env, "rank": dist.get_rank(), "world_size": dist.get_world_size(),
                "allreduce_sum": t.item(), "host": socket.gethostname()}
    finally:
        dist.destroy_process_group()
    # every rank's evidence for the summary (the executor's marker keeps rank 0's result only)
    fileio.write_json(_out(ctx.run_dir, f"rank-{info['rank']}"), info, sort_keys=True)
    return info


def summary(cfg: SelfTestConfig, ctx: TaskContext) -> dict:
    probes = [r for i in range(cfg.array_tasks) if (r := fileio.result(ctx.run_dir, "probe", i))]
    ranks = [fileio.read_json(p) for p in sorted((ctx.run_dir / "selftest").glob("rank-*.json"))]
    world = len(ranks)
    ok = (all(probes) and world == cfg.job.nodes * cfg.ranks_per_node
          and all(r["allreduce_sum"] == world * (world - 1) / 2 for r in ranks))
    out = {"ok": ok, "probes": sum(map(bool, probes)), "world_size": world,
           "hosts": sorted({r["host"] for r in ranks})}
    fileio.write_json(_out(ctx.run_dir, "summary"), out, sort_keys=True)
    if not ok:
        raise RuntimeError(f"selftest failed: {out}")
    print(verdict(ctx.run_dir), flush=True)   # the job's log says it too (on Slurm nobody is watching)
    return out


def verdict(run_dir: Path) -> str:
    """The drill's outcome in one line, from ``selftest/summary.json``."""
    path = _out(run_dir, "summary")
    if not path.exists():
        return f"[selftest] no verdict: {path} was not written (see the jobs' logs: jiniac status {run_dir})"
    s = fileio.read_json(path)
    return (f"[selftest] {'ok' if s['ok'] else 'FAILED'}: {s['probes']} array task(s) ran, "
            f"{s['world_size']} rank(s) rendezvoused and all-reduced on {', '.join(s['hosts'])}")
