"""What a run is doing: its jobs, their Slurm state (and why a pending job waits), elapsed time,
the last training step and loss, and the last meaningful log line; TensorBoard.

    jiniac status logs/pretrain/debug       # or: jiniac status pretrain/debug, or no argument for all runs
    jiniac tb logs/pretrain/debug           # TensorBoard on localhost + the ssh -L line for a laptop

State comes from ``sacct`` where accounting works (it knows finished jobs), else ``squeue``
(running or pending only; it also gives the pending reason, ``%r``), else the submitit result
files (local runs). A job submitted with plain ``sbatch`` on a template records itself in its
run's ``jobs.json`` (:mod:`jiniac_hpc.job.direct`), so it shows up here too.
"""
from __future__ import annotations

import getpass
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

from jiniac_hpc.job.distributed import node_name
from jiniac_hpc.job.records import read_jobs
from jiniac_hpc.paths import rel

#: Where training keeps its newest step, loss and rate (``train.callbacks.ProgressLog``), in the run directory.
PROGRESS = "progress.json"


@dataclass
class JobRow:
    stage: str
    step: str
    job_id: str
    state: str
    elapsed: str
    last_line: str
    progress: str = ""     # "step 12/40 loss 7.1234" from the job's own log, for training jobs
    reason: str = ""       # why a PENDING job waits (squeue %r): Resources, Priority, Dependency...


def find_run(arg: str, root: Path) -> Path:
    """A run directory from a path, ``stage/run`` or a bare run name (searched under ``root``)."""
    for cand in (Path(arg), root / arg):
        if any((cand / f).exists() for f in ("jobs.json", "config.yaml", "pipeline.json")):
            return cand
    hits = sorted(root.glob(f"*/{arg}/jobs.json"))
    if len(hits) == 1:
        return hits[0].parent
    raise FileNotFoundError(f"no run {arg!r} under {root} (give logs/<stage>/<run>); found: "
                            f"{[rel(h.parent) for h in hits] or 'nothing'}")


def _run(cmd: list[str]) -> Optional[str]:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout if r.returncode == 0 else None


def expand_array_id(jid: str) -> list[str]:
    """``'129_[1-2,5%3]'`` (array elements that never started, as sacct/squeue print them)
    -> ``['129_1', '129_2', '129_5']``; other ids unchanged."""
    if "_[" not in jid:
        return [jid]
    base, _, spec = jid.partition("_[")
    ids = []
    for part in spec.rstrip("]").split("%")[0].split(","):
        lo, _, hi = part.partition("-")
        ids += [f"{base}_{i}" for i in range(int(lo), int(hi or lo) + 1)]
    return ids


def slurm_states(job_ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """job id -> (state, elapsed, pending reason) from sacct, then squeue for pending or unknown jobs."""
    out: dict[str, tuple[str, str, str]] = {}
    if not job_ids:
        return out
    text = _run(["sacct", "-n", "-P", "-X", "-o", "JobID,State,Elapsed", "-j", ",".join(sorted(
        {j.split("_")[0] for j in job_ids}))])
    for line in (text or "").splitlines():
        parts = line.split("|")
        if len(parts) >= 3:
            for jid in expand_array_id(parts[0]):
                out[jid] = (parts[1].split()[0], parts[2], "")
    ask = [j for j in job_ids if j not in out or out[j][0] in ("PENDING", "REQUEUED")]
    if ask:
        text = _run(["squeue", "-h", "-o", "%i|%T|%M|%r", "-j", ",".join(sorted({j.split('_')[0] for j in ask}))])
        for line in (text or "").splitlines():
            parts = line.split("|")
            if len(parts) >= 4:
                for jid in expand_array_id(parts[0]):
                    out[jid] = (parts[1], parts[2], parts[3] if parts[1] == "PENDING" else "")
    return out


#: Log lines that say nothing about progress: tqdm redraws, Python warnings and their source lines,
#: submitit's own start/finish lines (the state column says the same; its ERROR lines stay).
NOISE = re.compile(r"\r|\d+%\|| it/s\]|s/it\]|[A-Za-z]*Warning\b|warnings\.warn|^\s+(warn|warnings)\(|^\s*$"
                   r"|^submitit INFO \(")
#: The time stamp submitit puts on its first log line when a task starts.
SUBMITIT_TIME = re.compile(r"^submitit \w+ \((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})\)")
STEP_LINE = re.compile(r"\[jiniac\] (step \d+/\d+ loss \S+)")
FAILED = ("FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE")


def _log_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    # a tqdm bar rewrites its line with \r: only the last redraw of each line is real output
    return [ln.rsplit("\r", 1)[-1] for ln in text.splitlines()]


def last_log_line(folder: Path, job_id: str, failed: bool = False) -> str:
    """The newest meaningful line of task 0's log: ``.out`` first (``.err`` holds warnings and
    progress-bar redraws), ``.err`` first for a failed job (its traceback ends there)."""
    names = [f"{job_id}_0_log.out", f"{job_id}_0_log.err"]
    for name in (names[::-1] if failed else names):
        lines = [ln for ln in _log_lines(folder / name) if not NOISE.search(ln)]
        if lines:
            return lines[-1].strip()[-120:]
    return ""


def last_step(folder: Path, job_id: str) -> str:
    """``step 12/40 loss 7.1234``: the newest step line training wrote to task 0's log."""
    for ln in reversed(_log_lines(folder / f"{job_id}_0_log.out")):
        m = STEP_LINE.search(ln)
        if m:
            return m.group(1)
    return ""


def clock(seconds: float) -> str:
    """``[D-]HH:MM:SS``, as sacct prints Elapsed, so local and Slurm rows read alike."""
    s = max(0, int(seconds))
    d, s = divmod(s, 86400)
    text = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{d}-{text}" if d else text


def _local_elapsed(folder: Path, job_id: str) -> str:
    """A local task's run time: from submitit's first log line to its result file (or to now,
    while it runs). Empty before the task has started."""
    try:
        with open(folder / f"{job_id}_0_log.out", errors="replace") as fh:
            first = fh.readline()     # (only the first line: a training log can be long)
    except OSError:
        return ""
    m = SUBMITIT_TIME.match(first)
    if not m:
        return ""
    start = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").timestamp() + int(m.group(2)) / 1000
    res = folder / f"{job_id}_0_result.pkl"
    end = res.stat().st_mtime if res.exists() else time.time()
    return clock(end - start)


def _local_state(folder: Path, job_id: str) -> str:
    res = folder / f"{job_id}_0_result.pkl"
    if not res.exists():
        return "RUNNING/UNKNOWN"
    import pickle

    with open(res, "rb") as f:
        outcome, _ = pickle.load(f)
    return "COMPLETED" if outcome == "success" else "FAILED"


def rows_for(run_dir: Path) -> list[JobRow]:
    records = read_jobs(run_dir)
    ids = [j for r in records for j in r["job_ids"]]
    states = slurm_states(ids) if any(r["cluster"] != "local" for r in records) else {}
    rows = []
    for r in records:
        folder = Path(r["folder"])
        for jid in r["job_ids"]:
            if r["cluster"] == "local":
                state, elapsed, reason = _local_state(folder, jid), _local_elapsed(folder, jid), ""
            else:
                state, elapsed, reason = states.get(jid, ("UNKNOWN", "", ""))
            last = last_log_line(folder, jid, failed=state.startswith(FAILED))
            rows.append(JobRow(r["stage"], r["step"], jid, state, elapsed, last, last_step(folder, jid), reason))
    return rows


def pipeline_rows(run_dir: Path) -> list[JobRow]:
    """A pipeline run: its driver jobs, then every stage's jobs, in DAG order."""
    data = json.loads((run_dir / "pipeline.json").read_text())
    rows, seen = rows_for(run_dir), set()
    for r in data["stages"]:
        if r["stage"] in seen:
            continue
        seen.add(r["stage"])
        if r.get("state") == "SKIPPED":
            rows.append(JobRow(r["stage"], "-", "-", "SKIPPED", "", "complete before this launch"))
        rows += rows_for(Path(r["run_dir"]))
    return rows


def print_status(run_dirs: list[Path], out=sys.stdout) -> list[JobRow]:
    all_rows = []
    for rd in run_dirs:
        rows = pipeline_rows(rd) if (rd / "pipeline.json").exists() else rows_for(rd)
        all_rows += rows
        print(f"{rel(rd)}", file=out)
        if not rows:
            print("  (no jobs recorded)", file=out)
        for row in rows:
            state = f"{row.state} ({row.reason})" if row.reason else row.state
            detail = " | ".join(x for x in (row.progress, row.last_line) if x)
            print(f"  {row.stage + '/' + row.step:<26s} {row.job_id:<12s} {state:<24s} {row.elapsed:>10s}  {detail}",
                  file=out)
    return all_rows


def tensorboard_command(run_dir: Path, port: int) -> list[str]:
    logdir = run_dir / "tensorboard" if (run_dir / "tensorboard").exists() else run_dir
    return [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
            "--port", str(port)]


def login_host() -> str:
    """A name a laptop can ssh to: the FQDN, unless its lookup fell back to localhost (no DNS
    entry for this host), then Slurm's node name or the plain hostname."""
    fqdn = socket.getfqdn()
    if fqdn and not fqdn.startswith("localhost") and fqdn not in ("127.0.0.1", "::1", "ip6-localhost"):
        return fqdn
    return node_name()


def ssh_hint(port: int) -> str:
    """The line to run on a laptop to reach a TensorBoard bound to this login node's localhost."""
    return (f"ssh -N -L {port}:127.0.0.1:{port} {getpass.getuser()}@{login_host()}"
            f"   # then open http://localhost:{port}")
