"""``PlanLR``: the torch scheduler of :func:`jiniac_hpc.train.schedule.lr_at`, whose only state is the step.

    sched = PlanLR(optimizer, spans, cfg.schedule)     # optimizer built with lr = cfg.schedule.lr
    sched.set_step(global_step)                         # before every update: lr_at(global_step)

Used by :class:`jiniac_hpc.train.trainer.PretrainTrainer` (``python jobs/pretrain.py --recipe debug``).
"""
from __future__ import annotations

import torch

from jiniac_hpc.train.schedule import lambda_for


class PlanLR(torch.optim.lr_scheduler.LambdaLR):
    """``LambdaLR`` over :func:`~jiniac_hpc.train.schedule.lr_at` whose only state is the global step.

    A checkpoint's scheduler state is ignored (:meth:`load_state_dict`): it holds the base LR of
    the config it was saved under, and restoring it would override a changed ``schedule.lr``
    or ``lr_peak``. :meth:`set_step` puts ``lr_at(step)`` of *this* config into the optimizer;
    the trainer calls it before every update, so neither a resume nor an update DeepSpeed
    skipped (which does not step the scheduler) can make the LR differ from the schedule.
    """

    def __init__(self, optimizer, spans, cfg):
        self.configured_lr = cfg.lr
        super().__init__(optimizer, lambda_for(spans, cfg))

    def set_step(self, step: int) -> None:
        self.base_lrs = [self.configured_lr] * len(self.optimizer.param_groups)
        self.last_epoch = step
        self._last_lr = [b * f(step) for b, f in zip(self.base_lrs, self.lr_lambdas)]
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def load_state_dict(self, state_dict: dict) -> None:
        """Ignored on purpose (class docstring): the schedule comes from the config and the step."""
