"""torch.distributed environment and preemption handling inside a job.

Inside a submitit task (Slurm or local), :func:`export_torch_env` sets MASTER_ADDR,
MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE from
``submitit.helpers.TorchDistributedEnvironment``, so ``init_process_group("env://")``,
HF Trainer and DeepSpeed work unchanged. Under torchrun these are already set and kept; any
other value found there came from the shell that started the job and is replaced, except a
``MASTER_ADDR`` that a cluster profile's setup line exported on Slurm (a site's own interface name).

Preemption: submitit's own USR2 handler lets only global rank 0 checkpoint, then exits it,
which would leave the other ranks' optimizer shards unsaved. Training therefore uses
:class:`PreemptionGuard` instead: every rank only records the signal; at the next step
boundary the ranks agree (an all-reduce), all of them save, and only then rank 0 requeues the
job and every rank exits. When Slurm itself sent the signal while requeueing the job
(``scontrol requeue``), :func:`requeue_self` sees that and says so instead.

Every task's log starts with :func:`placement_line`: its node, rank and MASTER_ADDR.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Optional

import submitit

from jiniac_hpc.paths import free_port


def export_torch_env() -> Optional[submitit.helpers.TorchDistributedEnvironment]:
    """Export the torch.distributed variables for this task; None outside a submitit job."""
    if "TORCHELASTIC_RUN_ID" in os.environ:
        return None  # torchrun set them for this process
    # A RANK or MASTER_PORT that is here otherwise came with the environment of the shell that
    # started the job (a login profile, a torchrun'd session): kept, every rank of a local run took
    # that shell's rank and the rendezvous hung; on Slurm submitit refused to export over them.
    try:
        env = submitit.helpers.TorchDistributedEnvironment()
    except RuntimeError:
        return None  # not inside a submitit job
    # On Slurm the batch script unset the submitting shell's rendezvous variables before the profile's
    # setup lines, so a MASTER_ADDR here is the site's choice: on JSC's machines the first node's name
    # with "i" appended, its InfiniBand address (the plain name does not reach other cells). It is kept;
    # submitit would write the first node's plain name over it.
    site_addr = os.environ.get("MASTER_ADDR") if os.environ.get("SUBMITIT_EXECUTOR") == "slurm" else None
    if site_addr:
        env.master_addr = site_addr
    # Keep every GPU visible: HF/DeepSpeed pick the device from LOCAL_RANK. A MASTER_PORT already
    # set (a profile's setup line may choose one) is the port submitit took.
    return env.export(set_cuda_visible_devices=False, overwrite=True)


def release_process_group() -> bool:
    """Destroy the torch.distributed process groups a task left behind; True when there were some.

    Otherwise a gloo process group is torn down during interpreter finalization, where its
    worker threads can abort the process ("terminate called without an active exception",
    SIGABRT) after the task had already succeeded. Destroying it is not always enough, which is
    why :func:`end_task` also registers :func:`exit_at_interpreter_exit` after a success.
    Torch is not imported here unless the task imported it.
    """
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
        return True
    return False


def exit_at_interpreter_exit() -> None:
    """End the process with ``os._exit(0)`` at interpreter exit.

    submitit has written the task's result by then (it does when the task returns). Exit
    handlers registered after this one still run (atexit is last in, first out); those
    registered before it (logging's shutdown, for one) are skipped, so streams are flushed here.

    Even with the process group destroyed, a rank that ran DeepSpeed on gloo sometimes aborts
    while the interpreter tears down (``terminate called without an active exception``, SIGABRT)
    after printing "Exiting after successful completion"; Slurm or torchrun then reports a
    finished rank as failed. Exiting before that teardown keeps the job's state true.
    """
    import atexit

    def _exit() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    atexit.register(_exit)


def end_task(succeeded: bool) -> bool:
    """The end of every rank's task, under the executor (``job.step.StepJob``) and under torchrun
    (``train.pretrain.main``): release the process group and, when the task succeeded in a
    distributed run, exit cleanly at interpreter exit. A failed task keeps its error and exit
    code. Returns whether the task was distributed.
    """
    distributed = release_process_group()
    if distributed and succeeded:
        exit_at_interpreter_exit()
    return distributed


def node_name() -> str:
    """This task's node as Slurm names it (virtual nodes share one hostname), else the hostname."""
    return os.environ.get("SLURMD_NODENAME") or socket.gethostname()


def placement_line(task: int, num_tasks: int) -> str:
    """One log line saying where this task runs: node, rank, and the rendezvous address."""
    if "RANK" in os.environ:
        return (f"[jiniac] rank {os.environ['RANK']}/{os.environ.get('WORLD_SIZE', '?')} "
                f"(local rank {os.environ.get('LOCAL_RANK', '?')}) on node {node_name()}; "
                f"MASTER_ADDR={os.environ.get('MASTER_ADDR', '?')} MASTER_PORT={os.environ.get('MASTER_PORT', '?')}")
    return f"[jiniac] task {task}/{num_tasks} on node {node_name()}"


def single_process_env() -> None:
    """Make a lone process a world of one (DeepSpeed needs a process group even then, e.g. a plain
    ``python`` run or a notebook); no-op when RANK is already set."""
    if "RANK" not in os.environ:
        os.environ.update({"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "1",
                           "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port())})


class PreemptionGuard:
    """Turns USR2/SIGTERM into a flag that training checks at step boundaries.

    ``stop_requested()`` is collective when torch.distributed is initialised: if any rank got
    the signal, all ranks see True at the same step, so they save together.
    ``preempt_at`` (a set of global steps) makes the job preempt itself, for tests and drills.
    """

    def __init__(self, preempt_at: Optional[set[int]] = None):
        self.flag = False
        self.reason = ""
        self.preempt_at = set(preempt_at or ())
        for sig in (signal.SIGUSR2, signal.SIGTERM):
            try:
                signal.signal(sig, self._handler)
            except ValueError:  # not the main thread (e.g. a notebook); signals unavailable
                pass

    def _handler(self, signum, frame) -> None:
        self.flag = True
        self.reason = signal.Signals(signum).name
        print(f"[jiniac] caught {self.reason}: will checkpoint at the next step boundary", file=sys.stderr,
              flush=True)

    def stop_requested(self, step: int) -> bool:
        local = self.flag or step in self.preempt_at
        if local and not self.flag:
            self.reason = f"preempt_at step {step}"
        try:
            import torch
            import torch.distributed as dist
        except ImportError:
            return local
        if dist.is_available() and dist.is_initialized():
            t = torch.tensor([1.0 if local else 0.0])
            if dist.get_backend() == "nccl":
                t = t.cuda()
            dist.all_reduce(t, op=dist.ReduceOp.MAX)
            return bool(t.item() > 0)
        return local


def slurm_job_id() -> Optional[str]:
    """``<array id>_<task>`` for an array task, else ``SLURM_JOB_ID``; None outside Slurm."""
    if os.environ.get("SLURM_ARRAY_JOB_ID"):
        return f"{os.environ['SLURM_ARRAY_JOB_ID']}_{os.environ['SLURM_ARRAY_TASK_ID']}"
    return os.environ.get("SLURM_JOB_ID")


def requeued_by_slurm(job_id: Optional[str] = None) -> bool:
    """True when Slurm is already requeueing this job (``scontrol requeue``, preemption with requeue).

    Slurm counts restarts as it requeues (``Restarts=`` in ``scontrol show job``) and tells the
    running job the count it started with (``SLURM_RESTART_COUNT``, unset on the first run).
    """
    job_id = job_id or slurm_job_id()
    if not job_id:
        return False
    try:
        r = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    m = re.search(r"\bRestarts=(\d+)", r.stdout)
    return bool(m) and int(m.group(1)) > int(os.environ.get("SLURM_RESTART_COUNT") or 0)


def requeue_self(delay_s: float = 0.0) -> str:
    """Put the current Slurm job back in the queue. Returns ``"requeued"`` (we did),
    ``"slurm"`` (Slurm already had: ``scontrol requeue`` or preemption sent the signal) or ``""``.

    Called by global rank 0 after every rank has saved. Outside Slurm (local runs) there is
    nothing to requeue: the caller exits and the next launch resumes from the checkpoint.
    """
    job_id = slurm_job_id()
    if not job_id:
        return ""
    if requeued_by_slurm(job_id):
        return "slurm"
    time.sleep(delay_s)
    r = subprocess.run(["scontrol", "requeue", job_id], capture_output=True, text=True)
    if r.returncode != 0:
        if requeued_by_slurm(job_id):   # a requeue that raced with ours
            return "slurm"
        print(f"[jiniac] scontrol requeue {job_id} failed: {r.stderr.strip()}", file=sys.stderr, flush=True)
        return ""
    return "requeued"
