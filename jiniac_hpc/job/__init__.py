"""What runs inside a job: the task callable, the single-job entry point, torch.distributed and preemption.

    python -u -m jiniac_hpc.job.direct --folder logs/pretrain/debug/submitit pretrain --recipe debug ...

:mod:`jiniac_hpc.job.step` (:class:`StepJob`, the pickled callable of every task),
:mod:`jiniac_hpc.job.direct` (entry line of single-job stages and sbatch templates) and
:mod:`jiniac_hpc.job.distributed` (rank environment, :class:`PreemptionGuard`, requeue). These
import only the ground floor (``stages``, ``config``, ``cluster``, ``paths``, ``fileio``); the
launcher imports them, never the other way round.
"""
