"""Pre-flight: can the partition ever run this request? Checked on the login node before sbatch.

    python jobs/selftest.py --cluster local-slurm --set ranks_per_node=64   # stops here, naming the key

Slurm accepts a job that asks more CPUs, GPUs or memory a node than any node of the partition has,
and leaves it PENDING forever (``Reason=PartitionConfig`` or ``Resources``); with Slurm's default
``EnforcePartLimits=NO`` the same happens to a time limit above the partition's ``MaxTime``
(``Reason=PartitionTimeLimit``: a debug partition of 30 min, a development one of 2 h), and to more
nodes than its ``MaxNodes`` (``Reason=PartitionNodeLimit``). Here the request (nodes x tasks a
node x CPUs a task, GPUs and memory a node, time limit) is compared with
the partition's nodes and limit as ``sinfo`` lists them, and a request that no set of nodes can
meet fails with one line naming the key to change and the file it lives in.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from typing import Optional

from jiniac_hpc.cluster import failure_line, no_slurm_line
from jiniac_hpc.config import ConfigError


@dataclass(frozen=True)
class NodeInfo:
    name: str
    cpus: int
    mem_mb: int
    gpus: int
    time_limit_min: Optional[int] = None   # the partition's MaxTime in minutes; None: infinite
    max_nodes: Optional[int] = None        # the partition's MaxNodes (nodes a job); None: no limit


@dataclass(frozen=True)
class Request:
    """One job's resources, and for each of them the key (and file) that sets it."""

    nodes: int
    tasks_per_node: int
    cpus_per_task: int
    gpus_per_node: int = 0
    mem: Optional[str] = None
    time_min: Optional[int] = None
    keys: tuple[tuple[str, str], ...] = ()   # resource -> "key (in FILE)"

    def key(self, what: str) -> str:
        return dict(self.keys).get(what, what)


def mem_mb(text: str) -> int:
    """sbatch's ``--mem`` syntax (``480G``, ``1800G``, ``64000``, ``2T``) in MB."""
    m = re.fullmatch(r"(\d+)([KMGT]?)B?", text.strip().upper())
    if not m:
        raise ConfigError(f"mem: {text!r} is not a size sbatch understands (e.g. 480G)")
    scale = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 * 1024}[m.group(2)]
    return int(int(m.group(1)) * scale)


def slurm_minutes(text: str) -> Optional[int]:
    """A Slurm time as sinfo's ``%l`` prints it (``30:00``, ``1:00:00``, ``1-00:00:00``, ``2-12``,
    ``infinite``) in whole minutes, rounded down (a request must fit in it); None for no limit."""
    text = text.strip()
    m = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", text)
    if not m:
        return None      # infinite, UNLIMITED, n/a
    days, a, b, c = (int(g) if g else None for g in m.groups())
    if days is not None:   # days-hours[:minutes[:seconds]]
        seconds = ((days * 24 + a) * 60 + (b or 0)) * 60 + (c or 0)
    elif c is not None:    # hours:minutes:seconds
        seconds = (a * 60 + b) * 60 + c
    elif b is not None:    # minutes:seconds
        seconds = a * 60 + b
    else:                  # minutes
        seconds = a * 60
    return seconds // 60


def _gpus(gres: str) -> int:
    """GPUs in a sinfo ``%G`` field such as ``gpu:h100:8(S:0-1),shard:16`` or ``(null)``."""
    n = 0
    for part in gres.split(","):
        m = re.match(r"gpu(?::[^:(]+)?:(\d+)", part.strip())
        if m:
            n += int(m.group(1))
    return n


def partition_nodes(partition: Optional[str], seen: Optional[set] = None) -> tuple[str, list[NodeInfo]]:
    """(partition name, its nodes) from sinfo; the default partition when ``partition`` is None.
    ``seen`` gets the name of every partition sinfo listed (all of them when ``partition`` is None)."""
    args = ["sinfo", "-h", "-N", "-o", "%N|%c|%m|%G|%P|%l|%s"]
    if partition:
        args += ["-p", partition]
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:    # a profile for a Slurm site, used where there is none
        raise ConfigError(no_slurm_line()) from None
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ConfigError(f"cannot ask Slurm about the partition ({e})") from None
    if r.returncode != 0:    # no controller: the partition may well exist, Slurm cannot say
        raise ConfigError(f"Slurm did not answer (sinfo: {failure_line(r)}); submit where its controller answers, "
                          "or run here with --cluster local")
    nodes, name = [], partition
    for line in r.stdout.splitlines():
        f = line.split("|")
        if len(f) < 7:
            continue
        part = f[4].rstrip("*")
        if seen is not None:
            seen.add(part)
        if partition is None and not f[4].endswith("*"):
            continue  # only the default partition (sinfo marks it with *)
        name = part
        mem = int(f[2]) if f[2].isdigit() else 0
        most = f[6].split("-")[-1]    # sinfo's %s: a job's nodes, "1-infinite", "1-4" or "1"
        nodes.append(NodeInfo(f[0], int(f[1]) if f[1].isdigit() else 0, mem, _gpus(f[3]), slurm_minutes(f[5]),
                              int(most) if most.isdigit() else None))
    return name or "(default)", nodes


def check_request(req: Request, partition: str, nodes: list[NodeInfo]) -> None:
    """Raise a one-line ConfigError when no ``req.nodes`` nodes of ``nodes`` can run ``req``."""
    if not nodes:
        raise ConfigError(f"partition {partition!r} does not exist here or has no nodes (sinfo lists none); "
                          f"change {req.key('partition')}")
    limits = {n.time_limit_min for n in nodes if n.time_limit_min is not None}
    if req.time_min and limits and req.time_min > max(limits):
        raise ConfigError(f"time limit {req.time_min} min requested, but partition {partition!r} allows at most "
                          f"{max(limits)} (its MaxTime): the job would pend forever (PartitionTimeLimit); lower "
                          f"{req.key('time_min')}, or choose a partition with {req.key('partition')}")
    most = min((n.max_nodes for n in nodes if n.max_nodes is not None), default=None)
    if most is not None and req.nodes > most:
        raise ConfigError(f"{req.nodes} nodes requested, but partition {partition!r} allows at most {most} a job (its "
                          f"MaxNodes): the job would pend forever (PartitionNodeLimit); lower {req.key('nodes')}, or "
                          f"choose a partition with {req.key('partition')}")
    if req.nodes > len(nodes):
        raise ConfigError(f"{req.nodes} nodes requested but partition {partition!r} has {len(nodes)}; "
                          f"lower {req.key('nodes')}")
    cpus = req.tasks_per_node * req.cpus_per_task
    need_mem = mem_mb(req.mem) if req.mem else 0
    fit = [n for n in nodes if n.cpus >= cpus and n.gpus >= req.gpus_per_node and n.mem_mb >= need_mem]
    if len(fit) >= req.nodes:
        return
    best = max(nodes, key=lambda n: (n.cpus, n.gpus, n.mem_mb))
    if max(n.cpus for n in nodes) < cpus:
        most = max(n.cpus for n in nodes)
        raise ConfigError(
            f"{req.tasks_per_node} task(s) a node x {req.cpus_per_task} CPU(s) a task = {cpus} CPUs a node, but "
            f"nodes of partition {partition!r} have at most {most}: the job would pend forever; lower "
            f"{req.key('tasks_per_node')}, or {req.key('cpus_per_task')}")
    if max(n.gpus for n in nodes) < req.gpus_per_node:
        raise ConfigError(f"{req.gpus_per_node} GPUs a node requested, but nodes of partition {partition!r} have at "
                          f"most {best.gpus}: lower {req.key('gpus_per_node')}")
    if need_mem and max(n.mem_mb for n in nodes) < need_mem:
        raise ConfigError(f"mem={req.mem} a node requested, but nodes of partition {partition!r} have at most "
                          f"{max(n.mem_mb for n in nodes)} MB: lower {req.key('mem')}")
    raise ConfigError(f"only {len(fit)} node(s) of partition {partition!r} have {cpus} CPUs, {req.gpus_per_node} "
                      f"GPUs and {req.mem or 'any'} memory, {req.nodes} requested: lower {req.key('nodes')}")


SLURM_MAX_ARRAY_SIZE = 1001   # Slurm's default MaxArraySize: array indices 0..1000


def max_array_size() -> int:
    """The site's MaxArraySize (an array's indices run from 0 to MaxArraySize - 1), from
    ``scontrol show config``; Slurm's default when it cannot be read."""
    try:
        r = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return SLURM_MAX_ARRAY_SIZE
    m = re.search(r"^MaxArraySize\s*=\s*(\d+)", r.stdout, re.M)
    return int(m.group(1)) if m and int(m.group(1)) > 0 else SLURM_MAX_ARRAY_SIZE


def preflight(req: Request, partition: Optional[str]) -> None:
    """Check ``req`` against the live partition (sinfo); raises ConfigError when it can never run."""
    seen: set = set()
    name, nodes = partition_nodes(partition, seen)
    if partition is None and not nodes:
        # sbatch without -p would be refused ("No partition specified or system default partition")
        raise ConfigError(f"this site has no default partition (sinfo marks none with *): set "
                          f"{req.key('partition')} (partitions here: {', '.join(sorted(seen)) or 'none'})")
    check_request(req, name, nodes)
