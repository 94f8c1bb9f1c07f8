"""The sbatch text: one pure function renders every script the suite submits.

The launcher's submitit executor, ``--dry-run`` and the committed ``sbatch_templates/`` all
go through :func:`render_sbatch`, so resources are written in one place (like submitit's
``_make_sbatch_string``). ``tests/test_sbatch_golden.py`` diffs the output against golden
files and fails when a committed template is stale; regenerate them with

    jiniac templates

Each setup line of the cluster profile is followed by a check: one that fails (a module the
site does not have, no ``module`` command in the batch shell, a venv that is not there) stops
the job with one line naming the line and the profile's file, instead of running the step in
the wrong environment. A directive's value with spaces is written in double quotes, which
sbatch strips (unquoted, sbatch refuses the script: "Invalid directive").

Every script ends by removing its batch step's own log files when they are empty (they only
hold what the setup lines print), so ``logs/`` does not fill with empty ``*.batch.{out,err}``.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, replace
from typing import Optional

from jiniac_hpc.cluster import MEM_PER, ClusterProfile, JobConfig, profile_file

#: torch.distributed's variables, which describe the process that submitted a job, not the job
RENDEZVOUS_VARS = ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")

# USR2 is what submitit listens for; Slurm sends it signal_delay_s before the time limit.
PREEMPT_SIGNAL = "USR2"


@dataclass(frozen=True)
class SbatchSpec:
    """Everything that ends up in one sbatch script. Built by :func:`build_spec`."""

    job_name: str
    command: str
    output: str                      # each task's stdout (srun), in the run's submitit folder
    error: str
    log_dir: str = "."               # that folder: the script creates it before srun
    batch_log_dir: Optional[str] = "."   # the batch step's own log: an existing folder (Slurm opens it
                                         # before the script runs, so it must not be one the script creates);
                                         # None: Slurm's default, slurm-<id>.out where sbatch was run
    nodes: int = 1
    ntasks_per_node: int = 1
    cpus_per_task: int = 1
    gres: Optional[str] = None       # the GPU option's value ...
    gpu_option: str = "gres"         # ... and the option: gres or gpus-per-node (ClusterProfile.gpu_request)
    time_min: int = 60
    partition: Optional[str] = None
    account: Optional[str] = None
    qos: Optional[str] = None
    mem: Optional[str] = None
    signal_delay_s: int = 120
    array: Optional[str] = None
    dependency: Optional[str] = None
    extra: tuple[tuple[str, str], ...] = ()
    setup: tuple[str, ...] = ()
    setup_origin: str = "setup of the cluster profile"   # where the setup lines come from, for a failed one's message
    srun_args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=())
    prelude: tuple[str, ...] = ()    # shell lines before the job line (templates: repo, python, run name)
    shell_paths: bool = False        # output/error/log_dir hold shell variables: quote with "", not ''

    def with_(self, **kw) -> "SbatchSpec":
        return replace(self, **kw)


def _hhmmss(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def render_sbatch(spec: SbatchSpec) -> str:
    """Render the script. Pure: same spec, same text (golden-file tested)."""
    d: list[tuple[str, Optional[str]]] = [
        ("job-name", spec.job_name),
        ("partition", spec.partition),
        ("account", spec.account),
        ("qos", spec.qos),
        ("nodes", str(spec.nodes)),
        ("ntasks-per-node", str(spec.ntasks_per_node)),
        ("cpus-per-task", str(spec.cpus_per_task)),
        (spec.gpu_option, spec.gres),
        ("mem", spec.mem),
        ("time", _hhmmss(spec.time_min)),
        ("signal", f"{PREEMPT_SIGNAL}@{spec.signal_delay_s}"),
        ("requeue", ""),
        ("open-mode", "append"),
        ("array", spec.array),
        ("dependency", spec.dependency),
        # a failed or cancelled upstream job cancels this one instead of leaving it pending forever
        ("kill-on-invalid-dep", "yes" if spec.dependency else None),
    ]
    if spec.batch_log_dir is not None:
        d += [("output", f"{spec.batch_log_dir}/%x-{'%A_%a' if spec.array else '%j'}.batch.out"),
              ("error", f"{spec.batch_log_dir}/%x-{'%A_%a' if spec.array else '%j'}.batch.err")]
    lines = ["#!/bin/bash", "# Rendered by jiniac_hpc.launch.sbatch.render_sbatch; do not edit by hand.", ""]
    for k, v in list(d) + list(spec.extra):
        if v is None:
            continue
        lines.append(f"#SBATCH --{k}" + (f"={_directive_value(v)}" if v != "" else ""))
    if spec.prelude:
        lines += [""] + list(spec.prelude)
    # sbatch hands the job the submitting shell's environment: a MASTER_PORT or RANK there (a login
    # profile, a torchrun'd session) is not this job's, and made every task fail (submitit will not
    # export over it); a setup line below may still set MASTER_PORT on purpose
    lines += ["", "unset " + " ".join(RENDEZVOUS_VARS)]
    if spec.setup:
        lines += ["", f"# {spec.setup_origin}: a line that fails stops the job here",
                  "setup_ok() { echo \"line $2 of \""
                  f"{shlex.quote(spec.setup_origin)}\" failed (exit status $1): $3\" >&2; "
                  "[ \"$1\" -ne 127 ] || echo \"(command not found: a 'module' command may need its init "
                  "sourced first, e.g. source /etc/profile.d/modules.sh)\" >&2; exit 1; }"]
        for i, line in enumerate(spec.setup, 1):
            # in { } with the check after ||: a setup line that turns on set -e (as job scripts often
            # begin) would otherwise end the job at the next failing line before its check, and at a
            # failed srun before the lines that follow it; "}" on a line of its own: a line may end in a comment
            if not line.strip() or line.strip().startswith("#"):
                lines.append(line)     # nothing to run, nothing to check ("{ }" may not be empty)
                continue
            lines += ["{ " + line, f"}} || setup_ok $? {i} {shlex.quote(' '.join(line.split()))}"]
    q = (lambda x: f'"{x}"') if spec.shell_paths else shlex.quote
    lines += ["", "export SUBMITIT_EXECUTOR=slurm",
              # srun of Slurm 22.05 on does not take the job's --cpus-per-task (SchedMD's release notes):
              # without this each task of a step may get one core, its data workers and threads with it
              'export SRUN_CPUS_PER_TASK="${SLURM_CPUS_PER_TASK:-1}"',
              f"mkdir -p {q(spec.log_dir)}"]
    for k, v in spec.env:
        lines.append(f"export {k}={shlex.quote(v)}")
    # --export=ALL: the tasks get this script's environment (setup lines, SUBMITIT_EXECUTOR) even where
    # sbatch ran with --export=NONE (SBATCH_EXPORT=NONE, a site default): srun inherits that as
    # SLURM_EXPORT_ENV=NONE, and every task failed ("Could not figure out which environment the job is
    # runnning in", submitit) without the modules and venv of the setup lines
    srun = ["srun", "--unbuffered", "--export=ALL", "--output", q(spec.output), "--error", q(spec.error),
            *(shlex.quote(a) for a in spec.srun_args)]
    if spec.batch_log_dir is None:   # Slurm's default name; the prelude went to the submit directory
        batch_logs = '"slurm-${id:-$SLURM_JOB_ID}.out"'
    else:
        batch_log = f'{q(spec.batch_log_dir)}/"$SLURM_JOB_NAME-${{id:-$SLURM_JOB_ID}}".batch'
        batch_logs = f"{batch_log}.out {batch_log}.err"
    lines += ["", "# one task per GPU (or per array element); each runs the same entry point",
              " ".join(srun) + " " + spec.command + " && rc=0 || rc=$?",
              # srun's own line says only "task 0: Exited with exit code N": say where the tasks' logs are
              f'[ $rc -eq 0 ] || echo "srun ended with exit code $rc; the tasks\' logs: {_log_glob(spec.error)}" >&2',
              "# the batch step's own log holds only what the lines above printed: drop it when empty",
              "id=${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID}",
              f"for f in {batch_logs}; do [ -s \"$f\" ] || rm -f \"$f\"; done",
              "exit $rc", ""]
    return "\n".join(lines)


def _directive_value(value: str) -> str:
    """An ``#SBATCH`` value as sbatch reads it back: in double quotes when it holds a space."""
    value = str(value)
    if '"' in value or "\n" in value:
        raise ValueError(f"an #SBATCH value cannot hold a double quote or a line break: {value!r}")
    return f'"{value}"' if any(c.isspace() for c in value) else value


def _log_glob(pattern: str) -> str:
    """A task-log file pattern of srun (``%A_%a_%t``, ``%j_%t``) as the job can print it: Slurm's
    job and array ids as shell variables, each task's number as ``*``."""
    for k, v in (("%A", "${SLURM_ARRAY_JOB_ID}"), ("%a", "${SLURM_ARRAY_TASK_ID}"), ("%j", "${SLURM_JOB_ID}"),
                 ("%t", "*")):
        pattern = pattern.replace(k, v)
    return pattern


def _mem_share(mem: str, part: int, whole: int) -> str:
    """``part/whole`` of a Slurm memory size, e.g. ``("1800G", 1, 8) -> "225G"``."""
    m = re.fullmatch(r"(\d+)([KMGT]?)B?", mem.strip().upper())
    if not m:
        return mem
    units = "KMGT"
    n, unit = int(m.group(1)), m.group(2) or "M"
    while n * part % whole and unit != "K":     # keep an integer: step down a unit
        n, unit = n * 1024, units[units.index(unit) - 1]
    return f"{n * part // whole}{unit}"


def build_spec(*, job_name: str, job: JobConfig, cluster: ClusterProfile, command: str, log_dir: str,
               array: Optional[str] = None, dependency: Optional[str] = None, batch_log_dir: Optional[str] = "logs") -> SbatchSpec:
    """(stage job resources, cluster profile) -> spec. Node and GPU counts are decided here only."""
    tasks = job.tasks_for(cluster)
    gpus = job.gpus_for(cluster)
    gpu_option = cluster.gpu_option(gpus)
    if gpus and gpu_option is None and gpus < (cluster.gpus_per_node or 0):
        raise ValueError(f"{gpus} of a node's {cluster.gpus_per_node} GPUs: cluster {cluster.name!r} has gpu_request: "
                         "none, so Slurm cannot give a task part of a node's GPUs; drop job.gpus_per_task")
    time_min = job.time_min or cluster.time_min
    if cluster.max_time_min is not None and time_min > cluster.max_time_min:
        raise ValueError(f"job.time_min={time_min} exceeds cluster {cluster.name!r} limit {cluster.max_time_min}")
    if cluster.signal_delay_s >= time_min * 60:
        # Slurm sends the signal as soon as fewer than signal_delay_s seconds remain: at the start here,
        # so every run would checkpoint and requeue itself at once, max_requeues times, and get nowhere
        raise ValueError(f"job.time_min={time_min} ({time_min * 60} s) is not longer than signal_delay_s="
                         f"{cluster.signal_delay_s} of cluster {cluster.name!r} ({profile_file(cluster)}): USR2 "
                         "(checkpoint and requeue) would come as the job starts; raise job.time_min or lower "
                         "signal_delay_s")
    pattern = "%A_%a" if array else "%j"
    # mem_request: false: the site refuses any --mem (a recipe's job.mem too); its own share applies
    mem, extra = (job.mem or cluster.mem) if cluster.mem_request else None, dict(cluster.sbatch_extra)
    if mem:   # a node's memory (a recipe's job.mem) over a profile's memory a CPU or GPU: sbatch takes one
        for k in MEM_PER:
            extra.pop(k, None)
    if gpus and gpus < (cluster.gpus_per_node or 0):
        # Part of a node (gpus_per_task array tasks): the node's memory in proportion, and never
        # --exclusive, or each task would hold a whole node and its other GPUs would sit idle.
        extra.pop("exclusive", None)
        if not job.mem and mem:
            mem = _mem_share(mem, gpus, cluster.gpus_per_node)
        if mem is not None and re.fullmatch(r"0+[KMGT]?B?", mem.strip().upper()):
            # --mem=0 is all of a node's memory (how sites say "the whole node"): asked by each task,
            # no two would share a node. Without a size to divide, the site's default applies.
            mem = None
    return SbatchSpec(
        job_name=job_name,
        command=command,
        output=f"{log_dir}/{pattern}_%t_log.out",
        error=f"{log_dir}/{pattern}_%t_log.err",
        log_dir=log_dir,
        batch_log_dir=batch_log_dir,
        nodes=job.nodes,
        ntasks_per_node=tasks,
        cpus_per_task=job.cpus_per_task or cluster.cpus_per_task,
        gres=gpu_option[1] if gpu_option else None,
        gpu_option=gpu_option[0] if gpu_option else "gres",
        time_min=time_min,
        partition=cluster.partition,
        account=cluster.account,
        qos=cluster.qos,
        mem=mem,
        signal_delay_s=cluster.signal_delay_s,
        array=array,
        dependency=dependency,
        extra=tuple(sorted(extra.items())),
        setup=tuple(cluster.setup),
        setup_origin=f"setup in {profile_file(cluster)}",
        srun_args=tuple(cluster.srun_args),
    )
