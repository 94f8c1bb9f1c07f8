"""What runs inside a job: :mod:`.step` (``StepJob``, every task's pickled callable), :mod:`.direct`
(the entry line of single-job stages and sbatch templates), :mod:`.distributed` (ranks, preemption)
and :mod:`.records` (``jobs.json``). It imports only the ground floor; the launcher imports it.

    python -u -m jiniac_hpc.job.direct --folder logs/pretrain/debug/submitit pretrain --recipe debug ...
"""
