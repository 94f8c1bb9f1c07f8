"""Cluster profiles (``envs/clusters/*.yaml``) and per-stage job resources.

A *cluster profile* says what a site looks like: partition, account, qos, GPUs a node,
setup lines (module loads, venv activation) and extra sbatch directives. A stage's
*job* section (in its recipe) says what one run needs: nodes, time, array throttle.
The two meet in :func:`jiniac_hpc.launch.sbatch.build_spec`, the one place where node and
GPU counts become sbatch text, so they are written once.

    jiniac clusters                   # lists the profiles and whether Slurm answers here
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from jiniac_hpc.config import ConfigError, check, field, from_dict
from jiniac_hpc.paths import REPO_ROOT


#: the ways a site lets a job ask for GPUs (ClusterProfile.gpu_request)
GPU_REQUESTS = ("gres", "gpus-per-node", "none")

#: sbatch options the renderer writes from a profile key of their own -> that key. sbatch takes the last
#: of two same #SBATCH lines, so one in sbatch_extra (written after) would win over the key, unseen by
#: the pre-flight check (a partition other than the one checked, a time limit other than the one asked)
OWN_KEYS = {"partition": "partition", "account": "account", "qos": "qos", "mem": "mem", "time": "time_min",
            "cpus-per-task": "cpus_per_task", "signal": "signal_delay_s", "job-name": None, "output": None,
            "error": None, "open-mode": None, "requeue": None, "kill-on-invalid-dep": None}

#: sbatch's memory options besides --mem, which it refuses together with it ("mutually exclusive")
MEM_PER = ("mem-per-cpu", "mem-per-gpu")

#: batch systems other than Slurm, by their submit command: sites where an sbatch script cannot run
OTHER_SCHEDULERS = (("pjsub", "Fujitsu's PJM (pjsub, as on Fugaku)"),
                    ("qsub", "PBS or Grid Engine (qsub, as on ABCI 3.0 with PBS Professional or TSUBAME4.0 "
                             "with Altair Grid Engine)"),
                    ("bsub", "LSF (bsub)"))


def clusters_dir() -> Path:
    """Where cluster profiles live; ``JINIAC_CLUSTERS_DIR`` overrides ``<repo>/envs/clusters``."""
    return Path(os.environ.get("JINIAC_CLUSTERS_DIR", REPO_ROOT / "envs" / "clusters"))


@dataclass
class ClusterProfile:
    """One site. Only ``envs/clusters/*.yaml`` names real clusters."""

    # the file load_cluster read it from (a class attribute, not a field: no key of the profile)
    loaded_from = None

    name: str = field(doc="Profile name (the file stem); set by the loader.")
    executor: str = field("slurm", doc="'slurm' submits with sbatch; 'local' runs on this machine.")
    partition: Optional[str] = field(None, doc="Slurm partition (-p).")
    account: Optional[str] = field(None, doc="Slurm account (-A), e.g. a project group.")
    qos: Optional[str] = field(None, doc="Slurm QoS.")
    gpus_per_node: int = field(0, doc="GPUs a node; GPU stages run one task per GPU.")
    cpus_per_task: int = field(1, doc="CPU cores for each task.")
    mem: Optional[str] = field(None, doc="Memory a node, as sbatch --mem takes it ('480G'); None: site default.")
    mem_request: bool = field(True, doc="False where the site refuses jobs that ask for memory (memory comes with "
                                        "the cores or the partition): no --mem is written, a recipe's job.mem "
                                        "included.")
    time_min: int = field(60, doc="Default time limit in minutes (a stage's job.time_min overrides it).")
    max_time_min: Optional[int] = field(None, doc="The partition's hard limit; longer requests fail early.")
    gpu_request: str = field("gres", doc="How a job asks for its GPUs: 'gres' (--gres=gpu:8), 'gpus-per-node' "
                                         "(--gpus-per-node=8, as LUMI or NERSC write it), or 'none' for a site whose "
                                         "Slurm has no GPU GRES (whole nodes, every GPU visible): sbatch refuses "
                                         "a GPU option there ('Invalid generic resource').")
    gres_template: Optional[str] = field(None, doc="The GPU option's value; {n} is GPUs a node. Default 'gpu:{n}' "
                                                   "for gres, '{n}' for gpus-per-node; with a GPU type as the site "
                                                   "names it: 'gpu:h100:{n}', 'h100:{n}'.")
    setup: list[str] = field(default_factory=list, doc="Shell lines run before the job: module load, venv.")
    sbatch_extra: dict[str, str] = field(default_factory=dict, doc="Extra '#SBATCH --key=value' directives.")
    srun_args: list[str] = field(default_factory=list, doc="Extra arguments for srun (e.g. --cpu-bind=none).")
    signal_delay_s: int = field(120, doc="USR2 is sent this long before the time limit, to checkpoint.")
    peak_tflops: float = field(0.0, doc="Peak bf16 dense TFLOP/s of one device, for MFU (H100 SXM: 989).")
    max_array_size: Optional[int] = field(None, doc="Most tasks one job array may have here; a stage with more "
                                                    "goes in several arrays. None: Slurm's MaxArraySize "
                                                    "(scontrol show config). Set it lower where a QoS caps "
                                                    "the jobs a user may submit.")
    python: Optional[str] = field(None, doc="Python on the compute nodes; None: the interpreter that submits "
                                            "(right when login and compute nodes share the venv).")

    def __post_init__(self):
        check(self.executor in ("slurm", "local"), "executor",
              f"must be 'slurm' (sbatch) or 'local' (this machine), got {self.executor!r}: jiniac writes Slurm "
              "jobs only, which a site on PBS, Grid Engine or PJM (ABCI 3.0, TSUBAME4.0, Fugaku) cannot run")
        check(self.gpus_per_node >= 0, "gpus_per_node", "must be >= 0")
        check(self.cpus_per_task >= 1, "cpus_per_task", "must be >= 1")
        check(self.time_min >= 1, "time_min", "must be >= 1")
        per = [k for k in MEM_PER if k in self.sbatch_extra]
        check(not (self.mem and per), "mem", f"{self.mem!r} and sbatch_extra.{per[0] if per else ''}: sbatch takes one "
                                             "of --mem, --mem-per-cpu, --mem-per-gpu (it refuses the script); drop one")
        check(self.mem_request or self.mem is None, "mem", f"{self.mem!r} is set, but mem_request is false (the site "
                                                           "refuses --mem): drop one")
        check(self.signal_delay_s >= 0, "signal_delay_s", "must be >= 0")
        check(self.peak_tflops >= 0, "peak_tflops", "must be >= 0")
        check(self.max_array_size is None or self.max_array_size >= 1, "max_array_size", "must be >= 1")
        check(self.gpu_request in GPU_REQUESTS, "gpu_request", f"must be one of {GPU_REQUESTS}, got {self.gpu_request!r}")
        check(self.gres_template is None or "{n}" in self.gres_template, "gres_template", "must contain {n}")
        check(not (self.gpu_request == "gpus-per-node" and (self.gres_template or "").startswith("gpu:")),
              "gres_template", f"--gpus-per-node takes '[type:]{{n}}' ('{{n}}', 'h100:{{n}}'), not "
              f"{self.gres_template!r} (that is the --gres form)")
        for k in self.sbatch_extra:
            check(k not in OWN_KEYS, "sbatch_extra", f"{k!r}: " + (f"set {OWN_KEYS[k]} instead (an #SBATCH --{k} "
                  "here would win over it)" if OWN_KEYS.get(k) else "jiniac writes this option itself"))
            check(k not in ("nodes", "ntasks-per-node", "gres", "gpus-per-node", "gpus", "array", "dependency"),
                  "sbatch_extra", f"{k!r} is computed from the job; set it in the stage recipe instead"
                  + (" (the GPU option: set gpu_request)" if "gpu" in k or k == "gres" else ""))
        # each setup line is run and checked on its own in the job (sbatch.render_sbatch): an if/for split
        # over several lines would be a shell syntax error there, after the job had waited in the queue
        for i, line in enumerate(self.setup, 1):
            check(_whole_command(line), "setup", f"line {i} {line!r} is not a whole shell command (each line "
                                                 "is run and checked on its own: write 'if …; then …; fi' on one line)")
        # an #SBATCH line is split by sbatch itself: a value may hold spaces (it is written in "") but not
        # a double quote or a line break
        for key, value in [("partition", self.partition), ("account", self.account), ("qos", self.qos),
                           ("mem", self.mem), ("gres_template", self.gres_template),
                           *(("sbatch_extra", f"{k}: {v}") for k, v in self.sbatch_extra.items())]:
            check(value is None or not any(c in str(value) for c in '"\n\r'), key,
                  f"{value!r}: an #SBATCH value cannot hold a double quote or a line break")

    def gpu_option(self, n: int) -> Optional[tuple[str, str]]:
        """The ``#SBATCH`` option and value asking for ``n`` GPUs a node; None for none (or no GPUs)."""
        if not n or self.gpu_request == "none":
            return None
        default = "gpu:{n}" if self.gpu_request == "gres" else "{n}"
        return self.gpu_request, (self.gres_template or default).format(n=n)

    @property
    def python_cmd(self) -> str:
        import shlex
        import sys

        return self.python or shlex.quote(sys.executable)


@dataclass
class JobConfig:
    """Resources of one stage run (the ``job:`` section of every stage recipe)."""

    nodes: int = field(1, doc="Nodes for a distributed stage (pretrain, sft, dpo).")
    gpus: bool = field(False, doc="A GPU stage: on a cluster with GPUs it runs one task per GPU.")
    tasks_per_node: Optional[int] = field(None, doc="Tasks a node where no GPUs decide it (CPU stages, or GPU "
                                                    "stages on a CPU-only cluster, e.g. 2 gloo ranks); default 1.")
    gpus_per_task: Optional[int] = field(None, doc="GPU array stages (generation, eval sweeps): GPUs each task "
                                                   "takes, so 8 tasks share a node; default: every GPU of a node.")
    cpus_per_task: Optional[int] = field(None, doc="Cores a task; default: the cluster profile's.")
    time_min: Optional[int] = field(None, doc="Time limit in minutes; default: the cluster profile's.")
    mem: Optional[str] = field(None, doc="Memory a node; default: the cluster profile's.")
    array_parallelism: int = field(32, doc="Throttle for array stages: at most this many tasks at once (%N).")
    max_requeues: int = field(20, doc="How often a timed-out or preempted job may requeue itself.")

    def __post_init__(self):
        check(self.nodes >= 1, "nodes", f"must be >= 1, got {self.nodes}")
        check(self.tasks_per_node is None or self.tasks_per_node >= 1, "tasks_per_node", "must be >= 1")
        check(self.cpus_per_task is None or self.cpus_per_task >= 1, "cpus_per_task", "must be >= 1")
        check(self.gpus_per_task is None or self.gpus_per_task >= 1, "gpus_per_task", "must be >= 1")
        check(self.gpus_per_task is None or self.gpus, "gpus_per_task", "needs gpus: true")
        check(self.time_min is None or self.time_min >= 1, "time_min", "must be >= 1")
        check(self.array_parallelism >= 1, "array_parallelism", "must be >= 1")
        check(self.max_requeues >= 0, "max_requeues", "must be >= 0")

    def tasks_for(self, cluster: ClusterProfile) -> int:
        """Tasks a node: one per GPU for GPU stages on GPU clusters (GPU counts live only in the
        profile), else ``tasks_per_node``."""
        if self.gpus and cluster.gpus_per_node and not self.gpus_per_task:
            return cluster.gpus_per_node
        return self.tasks_per_node or 1

    def gpus_for(self, cluster: ClusterProfile) -> int:
        """GPUs a node this job asks for (0 for CPU stages or CPU-only clusters)."""
        if not (self.gpus and cluster.gpus_per_node):
            return 0
        if self.gpus_per_task:
            n = self.gpus_per_task * self.tasks_for(cluster)
            if n > cluster.gpus_per_node:
                raise ValueError(f"job.gpus_per_task x tasks = {n} exceeds the {cluster.gpus_per_node} GPUs a node "
                                 f"of cluster {cluster.name!r}")
            return n
        return cluster.gpus_per_node


def _whole_command(line: str) -> bool:
    """Whether bash parses ``line`` as complete commands (``bash -n``; true where there is no bash)."""
    bash = shutil.which("bash")
    if not isinstance(line, str):
        return False
    return bash is None or subprocess.run([bash, "-n", "-c", line], capture_output=True).returncode == 0


def profile_file(profile: ClusterProfile) -> str:
    """The file ``profile`` was loaded from (``--cluster site`` or ``--cluster path/site.yaml``) as
    messages name it: relative to the repository when it lies there."""
    path = Path(profile.loaded_from or clusters_dir() / f"{profile.name}.yaml").absolute()
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def list_clusters() -> list[str]:
    return sorted(p.stem for p in clusters_dir().glob("*.yaml"))


def load_cluster(name: str) -> ClusterProfile:
    """Load ``envs/clusters/<name>.yaml`` (or a path)."""
    import yaml

    path = Path(name) if name.endswith((".yaml", ".yml")) else clusters_dir() / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(f"no cluster profile {name!r} in {clusters_dir()}; known: {list_clusters()}")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a cluster profile must be a mapping")
    data.setdefault("name", path.stem)
    profile = from_dict(ClusterProfile, data, origin=str(path))
    profile.loaded_from = str(path)
    return profile


def slurm_available() -> bool:
    """True when sbatch exists and the controller answers (a login node, or the test cluster)."""
    return slurm_probe() is None


def slurm_probe() -> Optional[str]:
    """None when sbatch exists and the controller answers; else why not ("" when Slurm's commands
    are not installed: a laptop or a plain server, nothing to say)."""
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return ""
    try:
        r = subprocess.run(["sinfo", "-h", "-o", "%P"], capture_output=True, timeout=10, text=True)
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 10 s"
    except OSError as e:
        return f"sinfo failed: {e}"
    if r.returncode != 0:
        return "sinfo: " + failure_line(r)
    return None if r.stdout.strip() else "sinfo lists no partition"


def other_scheduler() -> Optional[str]:
    """The batch system other than Slurm this machine submits to (its submit command is on PATH), or None."""
    return next((what for cmd, what in OTHER_SCHEDULERS if shutil.which(cmd)), None)


def no_slurm_line() -> str:
    """Why a Slurm job cannot be submitted from a machine without Slurm's commands, in one line."""
    other = other_scheduler()
    if other is None:
        return "no Slurm on this machine (sbatch and sinfo are not on PATH): submit from a Slurm login node"
    return (f"this machine submits to {other}, not Slurm: jiniac writes Slurm jobs only (sbatch); "
            "run on a Slurm site, or here with --cluster local")


def failure_line(r: subprocess.CompletedProcess) -> str:
    """What a failed Slurm command said: its last stderr line, else its exit status."""
    return (r.stderr.strip().splitlines() or [f"exit status {r.returncode}"])[-1]


def resolve_cluster(name: Optional[str]) -> ClusterProfile:
    """``--cluster`` if given, else ``$JINIAC_CLUSTER``, else ``local`` when no Slurm answers.

    With Slurm present and no profile named we stop rather than guess a site's partition; on a
    login node of another batch system (PBS, Grid Engine, PJM) too, rather than run the stages there.
    """
    name = name or os.environ.get("JINIAC_CLUSTER")
    if name:
        return load_cluster(name)
    why = slurm_probe()
    if why == "" and other_scheduler():
        # a login node of another batch system: the stages would run on it instead of on its compute nodes
        raise ConfigError(no_slurm_line())
    if why is not None:
        if why:    # Slurm is installed here but not answering: say why this runs locally
            print(f"note: {why}; running on this machine (profile 'local'; --cluster NAME to choose)",
                  file=sys.stderr)
        return load_cluster("local")
    raise ConfigError("Slurm is available but no cluster profile was chosen: pass --cluster NAME "
                      f"or set JINIAC_CLUSTER (profiles: {list_clusters()})")

