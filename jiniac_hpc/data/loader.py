"""DataLoaders over packed shards: a resumable training loader and a sharded eval loader.

    from jiniac_hpc.data.dataset import PackedDataset
    from jiniac_hpc.data.sampler import CurriculumSampler
    from jiniac_hpc.data.loader import build_dataloader, build_eval_dataloader

    ds = PackedDataset(index_path, "train")
    sampler = CurriculumSampler(ds, cfg.plan, seed=cfg.plan.seed, rank=rank, world_size=world,
                                micro_batch_size=mbs, grad_accum=ga)
    if resuming:
        sampler.load_state_dict(saved_sampler_state)      # BEFORE the first iter(); nothing is skipped
    loader = build_dataloader(ds, sampler, num_workers=2)
    for batch in loader: ...                               # batch["input_ids"], batch["labels"]: [mbs, seq_len]
    state = sampler.state_dict()                          # save with the checkpoint (global position)

**With HF Trainer** (subclass it; this replaces Trainer's batch skipping, which replays data and
is wrong after a data change):

- ``get_train_dataloader(self)`` returns ``build_dataloader(...)`` as is. Do *not* pass it
  through ``self.accelerator.prepare``: that would shard the batches across ranks a second time.
  Batches stay on CPU; Trainer's ``_prepare_inputs`` moves them to the device.
- ``TrainingArguments(ignore_data_skip=True, max_steps=sampler.total_steps)`` (or fewer steps).
  ``len(loader)`` is the micro-batch count of the whole plan on this rank (not what is left), so
  Trainer's epoch arithmetic sees one epoch and never skips; on resume the loader simply starts
  at the sampler's position, and Trainer's step counter continues from the checkpoint.
- Save ``sampler.state_dict()`` in every checkpoint and call ``load_state_dict`` before
  training resumes. The loader counts batches as the training loop takes them, so at a
  checkpoint the position is exactly ``global_step * global_batch_size``
  (``sampler.position``); prefetching workers do not move it.
- Labels are already shifted (see :mod:`jiniac_hpc.data.dataset`).
"""
from __future__ import annotations

from typing import Iterator, Optional

import torch
from torch.utils.data import DataLoader, Sampler


class ResumableLoader:
    """A DataLoader over a :class:`CurriculumSampler` that advances the sampler's position as
    batches are handed to the training loop."""

    def __init__(self, loader: DataLoader, sampler):
        self.loader, self.sampler = loader, sampler
        self.dataset = loader.dataset
        self.batch_size = loader.batch_size

    def __len__(self) -> int:
        """Micro-batches of the whole plan on this rank (not only those left; see the module doc)."""
        return self.sampler.num_samples // self.sampler.round_size

    def remaining(self) -> int:
        return (self.sampler.num_samples - self.sampler.position) // self.sampler.round_size

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        for batch in self.loader:
            self.sampler.advance(1)       # counted when handed out: the position a checkpoint records
            yield batch

    def state_dict(self) -> dict:
        return self.sampler.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.sampler.load_state_dict(state)


def build_dataloader(dataset, sampler, *, num_workers: int = 2, pin_memory: bool = False,
                     prefetch_factor: Optional[int] = 4, persistent_workers: bool = False) -> ResumableLoader:
    """The training loader: micro-batches of ``sampler.micro_batch_size`` in the sampler's order."""
    if dataset is not sampler.dataset:
        raise ValueError("build_dataloader: the sampler was built for another dataset")
    loader = DataLoader(dataset, batch_size=sampler.micro_batch_size, sampler=sampler, drop_last=False,
                        num_workers=num_workers, pin_memory=pin_memory,
                        prefetch_factor=prefetch_factor if num_workers > 0 else None,
                        persistent_workers=persistent_workers and num_workers > 0)
    return ResumableLoader(loader, sampler)


class ShardedEvalSampler(Sampler[int]):
    """Rank ``r`` of ``W`` reads ``r, r+W, ...`` of the first ``limit`` eval samples (same count on every rank)."""

    def __init__(self, n: int, rank: int, world_size: int, limit: Optional[int] = None):
        n = n if limit is None else min(n, limit)
        self.rank, self.world_size, self.n = rank, world_size, (n // world_size) * world_size

    def __len__(self) -> int:
        return self.n // self.world_size

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.rank, self.n, self.world_size))


def build_eval_dataloader(dataset, *, batch_size: int, rank: int = 0, world_size: int = 1,
                          limit: Optional[int] = None, num_workers: int = 1) -> DataLoader:
    """Held-out loss: a fixed, sharded pass over ``PackedDataset(..., split="eval")``."""
    sampler = ShardedEvalSampler(len(dataset), rank, world_size, limit)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=num_workers,
                      prefetch_factor=2 if num_workers > 0 else None)
