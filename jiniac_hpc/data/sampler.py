"""``CurriculumSampler``: the plan's walk, sharded over data-parallel ranks, resumable exactly.

    ds = PackedDataset(index_path)
    sampler = CurriculumSampler(ds, plan_cfg, seed=plan_cfg.seed, rank=rank, world_size=world,
                                micro_batch_size=8, grad_accum=4)
    loader = build_dataloader(ds, sampler, num_workers=2)        # jiniac_hpc.data.loader
    spans = sampler.stage_spans(sampler.global_batch_size)      # [(stage, first step, end step)]

**Order.** The global walk (:mod:`jiniac_hpc.data.walk`) is a pure function of (seed, plan,
per-source sample counts). It is consumed in *rounds* of ``micro_batch_size * world_size``
samples, one micro-batch per rank: in the round starting at global position ``p``, rank ``r``
takes positions ``p + r*micro_batch_size + [0, micro_batch_size)``. Ranks never overlap and
together cover every position once. An optimizer step is ``grad_accum`` rounds. The walk is
cut to a whole number of steps (the tail, less than one global batch, is dropped) so every rank
runs the same number of micro-batches.

**State.** ``state_dict()`` holds the *global* position: samples consumed by all ranks, counted
by the loader as the training loop takes batches (not as workers prefetch them). To resume,
build the sampler, ``load_state_dict(saved)`` *before* iterating, and iterate: the first batch
is exactly the one the uninterrupted run would have produced next, computed directly from the
position (nothing is replayed or skipped). Do not also let HF Trainer skip batches
(``TrainingArguments(ignore_data_skip=True)``).

**World size.** The position is global, so a run may resume with another world size or
micro-batch size as long as the position is a multiple of the new round
(``micro_batch_size * world_size``), which holds at step boundaries when the global batch size
stays the same; otherwise ``load_state_dict`` raises and says why. The saved state also pins
the seed and everything that fixed the walk up to the position (stages so far, source sizes):
a changed seed, earlier stage or dataset fails clearly instead of silently re-reading data.
Stages that start after the position may be changed or added.
"""
from __future__ import annotations

import math
from typing import Iterator, Optional

import numpy as np
from torch.utils.data import Sampler

from jiniac_hpc.data.plan import PlanConfig
from jiniac_hpc.data.walk import CurriculumWalk


class SamplerStateError(ValueError):
    """A saved sampler state does not fit this run (seed, plan, data or world size changed)."""


class CurriculumSampler(Sampler[int]):
    """Dataset indices for one data-parallel rank (see the module docstring)."""

    ROUNDS_PER_BLOCK = 512      # rounds computed per numpy call while iterating

    def __init__(self, dataset, plan: PlanConfig, *, seed: Optional[int] = None, rank: int = 0,
                 world_size: int = 1, micro_batch_size: int = 1, grad_accum: int = 1):
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} / world_size {world_size}: need 0 <= rank < world_size")
        if micro_batch_size < 1 or grad_accum < 1:
            raise ValueError(f"micro_batch_size ({micro_batch_size}) and grad_accum ({grad_accum}) must be >= 1")
        self.dataset = dataset
        self.plan = plan
        self.walk = CurriculumWalk(plan, dataset.source_ranges, dataset.seq_len, seed)
        self.seed = self.walk.seed
        self.rank, self.world_size = rank, world_size
        self.micro_batch_size, self.grad_accum = micro_batch_size, grad_accum
        self.round_size = micro_batch_size * world_size
        self.global_batch_size = self.round_size * grad_accum
        self.num_samples = (self.walk.total // self.global_batch_size) * self.global_batch_size
        if self.num_samples == 0:
            raise ValueError(f"the plan has {self.walk.total} samples, fewer than one global batch of "
                             f"{self.global_batch_size}")
        self.position = 0            # global samples consumed by the training loop

    # ---- iteration -----------------------------------------------------------------------------

    def __len__(self) -> int:
        """Indices this rank yields from the current position to the end of the plan."""
        return (self.num_samples - self.position) // self.world_size

    @property
    def total_steps(self) -> int:
        """Optimizer steps of the whole plan (set the Trainer's max_steps to this)."""
        return self.num_samples // self.global_batch_size

    def rank_positions(self, first_round: int, rounds: int) -> np.ndarray:
        """Global positions this rank takes in ``rounds`` rounds from round ``first_round``."""
        base = (first_round + np.arange(rounds, dtype=np.int64)) * self.round_size + self.rank * self.micro_batch_size
        return (base[:, None] + np.arange(self.micro_batch_size, dtype=np.int64)[None, :]).reshape(-1)

    def __iter__(self) -> Iterator[int]:
        start = self.position            # read once: the loader advances `position` as batches are used
        if start % self.round_size:
            raise SamplerStateError(f"position {start} is not a multiple of the round "
                                    f"{self.micro_batch_size} x {self.world_size}")
        first, end = start // self.round_size, self.num_samples // self.round_size
        for r in range(first, end, self.ROUNDS_PER_BLOCK):
            n = min(self.ROUNDS_PER_BLOCK, end - r)
            yield from self.walk.indices(self.rank_positions(r, n)).tolist()

    def advance(self, micro_batches: int = 1) -> None:
        """Record that the training loop took ``micro_batches`` more micro-batches (on every rank)."""
        self.position = min(self.position + micro_batches * self.round_size, self.num_samples)

    # ---- state -----------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        return {"position": self.position, "seed": self.seed, "world_size": self.world_size,
                "micro_batch_size": self.micro_batch_size, "grad_accum": self.grad_accum,
                "global_batch_size": self.global_batch_size, "tokens_seen": self.position * self.walk.seq_len,
                "stage": self.current_stage(), "plan_fingerprint": self.plan.fingerprint(),
                "dataset": self.dataset.fingerprint(), "walk": self.walk.signature(self.position)}

    def load_state_dict(self, state: dict) -> None:
        """Continue from a saved global position. Call before iterating. Raises SamplerStateError."""
        pos = int(state["position"])
        if int(state["seed"]) != self.seed:
            raise SamplerStateError(f"the saved sampler used seed {state['seed']}, this run seed {self.seed}; "
                                    f"the data order would change mid-run")
        saved_tok, here_tok = str(state["dataset"]).split("/")[:2], self.dataset.fingerprint().split("/")[:2]
        if saved_tok != here_tok:
            raise SamplerStateError(f"the saved sampler read data {'/'.join(saved_tok)} (tokenizer/seq_len), "
                                    f"this dataset is {'/'.join(here_tok)}")
        if pos > self.walk.total:
            raise SamplerStateError(f"saved position {pos} is past the end of this plan ({self.walk.total} samples)")
        here = self.walk.signature(pos)
        if _plain(state["walk"]) != _plain(here):
            diff = next((f"{a} != {b}" for a, b in zip(state["walk"], here) if _plain(a) != _plain(b)),
                        f"{len(state['walk'])} vs {len(here)} entries")
            raise SamplerStateError(f"the plan or the data changed before the saved position {pos}: saved "
                                    f"walk differs ({diff}). Only stages starting after the position may change.")
        if pos % self.round_size:
            raise SamplerStateError(
                f"cannot resume at global position {pos} with micro_batch_size {self.micro_batch_size} x "
                f"world_size {self.world_size} (saved with {state['micro_batch_size']} x {state['world_size']}): "
                f"the position must be a multiple of {self.round_size}. Keep the global batch size "
                f"({state['global_batch_size']}) when changing the world size.")
        self.position = min(pos, self.num_samples)

    # ---- plan geometry ---------------------------------------------------------------------------

    def stage_spans(self, global_batch_size: Optional[int] = None) -> list[tuple[str, int, int]]:
        """``(stage name, first step, end step)`` per stage; a step belongs to the stage of its first sample.

        The LR schedule can then be a pure function of the global step. A stage shorter than one
        global batch gets an empty span (first == end).
        """
        g = global_batch_size or self.global_batch_size
        last = self.walk.total // g
        return [(st.name, min(math.ceil(st.start / g), last), min(math.ceil(st.end / g), last))
                for st in self.walk.stages]

    def current_stage(self) -> Optional[str]:
        return self.walk.stage_at(self.position).name if self.position < self.walk.total else None

    def source_of(self, index: int) -> str:
        return self.dataset.source_of(index)


def _plain(x):
    """Tuples and lists compare equal after a JSON/torch.save round trip."""
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x
