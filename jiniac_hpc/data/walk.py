"""The walk of a curriculum plan: global sample position -> dataset index, at any position.

The walk is a pure function of (plan, seed, per-source sample counts); nothing is stored, so a
resumed run recomputes the same order from its position alone and skipping ahead costs nothing
(no replay). Layout:

- Stage ``i`` covers global positions ``[start_i, start_i + n_i)``. Its ``n_i`` samples are
  ``c_{i,s}`` samples of each source ``s`` (weights, budget: :mod:`jiniac_hpc.data.plan`).
- Within the stage, position ``k`` goes through a pseudo-random permutation of ``range(n_i)``,
  which lands in source ``s``'s block at ordinal ``o``: the sources are interleaved uniformly
  at random with exact counts.
- Source ``s`` keeps a cursor across stages: that sample is the source's ``cursor_{i,s} + o``-th
  of all time; pass (epoch) ``e = q // M_s``, place ``q % M_s`` goes through the source's
  permutation for pass ``e``, so every pass visits every sequence of the source exactly once.

Permutations are 4-round Feistel networks with cycle walking (Black & Rogaway): bijections of
``range(n)`` evaluated elementwise on numpy arrays, so memory does not grow with the data (a
materialized shuffle of 250M samples would be 2 GB per rank).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from jiniac_hpc.data.plan import PlanConfig

_U64 = np.uint64


def derive_key(*parts) -> int:
    """A 64-bit key from any printable parts (stable across processes and Python versions)."""
    h = hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(h, "little")


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: a fast, well-mixing function of uint64 arrays (wraps mod 2**64)."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


class Permutation:
    """A keyed pseudo-random bijection of ``range(n)``, evaluated at any positions."""

    ROUNDS = 4

    def __init__(self, n: int, key: int):
        if n < 1:
            raise ValueError(f"permutation of {n} elements")
        self.n = n
        bits = max(2, (n - 1).bit_length())
        bits += bits % 2                      # a balanced Feistel network: two halves of bits/2
        self.half = _U64(bits // 2)
        self.mask = _U64((1 << (bits // 2)) - 1)
        self.keys = [_U64(derive_key(key, r)) for r in range(self.ROUNDS)]

    def _round_trip(self, x: np.ndarray) -> np.ndarray:
        left, right = x >> self.half, x & self.mask
        for k in self.keys:
            left, right = right, left ^ (_mix64(right ^ k) & self.mask)
        return (left << self.half) | right

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.int64)
        if x.size and (x.min() < 0 or x.max() >= self.n):
            raise IndexError(f"positions outside range({self.n})")
        y = self._round_trip(x.astype(_U64))
        # The network permutes [0, 2**bits) with 2**bits < 4n; walking the cycle until the value
        # is back inside [0, n) gives a bijection of [0, n) (about 2 rounds on average at worst).
        out = y >= _U64(self.n)
        while out.any():
            y[out] = self._round_trip(y[out])
            out = y >= _U64(self.n)
        return y.astype(np.int64)


@dataclass(frozen=True)
class StageLayout:
    name: str
    index: int
    start: int                    # first global position
    n: int                        # samples
    sources: tuple[str, ...]
    counts: tuple[int, ...]       # samples of each source
    cursors: tuple[int, ...]      # each source's all-time counter at the stage start

    @property
    def end(self) -> int:
        return self.start + self.n


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` by ``weights``: floors, then the largest remainders (ties: first listed)."""
    s = float(sum(weights))
    exact = [total * w / s for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda j: (-(exact[j] - counts[j]), j))
    for j in order[: total - sum(counts)]:
        counts[j] += 1
    return counts


def expand_sources(sources: dict[str, float], sizes: dict[str, int]) -> dict[str, float]:
    """A stage's sources with ``"*"`` replaced by every other source that has samples (sorted),
    sharing the ``"*"`` weight in proportion to their sizes (the data's natural mixture)."""
    out = {s: w for s, w in sources.items() if s != "*"}
    if "*" in sources:
        rest = [s for s in sorted(sizes) if s not in out and sizes[s] > 0]
        total = sum(sizes[s] for s in rest)
        out.update({s: sources["*"] * sizes[s] / total for s in rest})
    return out


class CurriculumWalk:
    """Global position -> dataset index for a plan over sources with known sizes.

    ``source_ranges``: source -> (first dataset index, end) (``PackedDataset.source_ranges``).
    ``seq_len``: tokens a sample counts for a stage budget.
    """

    def __init__(self, plan: PlanConfig, source_ranges: dict[str, tuple[int, int]], seq_len: int,
                 seed: Optional[int] = None):
        self.plan = plan
        self.seed = plan.seed if seed is None else int(seed)
        self.seq_len = seq_len
        self.ranges = dict(source_ranges)
        self.sizes = {s: b - a for s, (a, b) in self.ranges.items()}
        cursors = {s: 0 for s in self.ranges}
        stages, start = [], 0
        for i, st in enumerate(plan.stages):
            weights = expand_sources(st.sources, self.sizes)
            for src in weights:
                if src not in self.ranges:
                    raise ValueError(f"plan.stages[{i}] ({st.name}): source {src!r} is not in the data; "
                                     f"sources: {sorted(self.ranges)}")
                if self.sizes[src] == 0:
                    raise ValueError(f"plan.stages[{i}] ({st.name}): source {src!r} has no samples")
            srcs = list(weights)
            if st.tokens is None:   # all of it: what is left of the current pass (or a whole new pass)
                counts = [self.sizes[s] - cursors[s] % self.sizes[s] for s in srcs]
            else:
                n = st.tokens // seq_len
                if n == 0:
                    raise ValueError(f"plan.stages[{i}] ({st.name}): tokens={st.tokens} is less than one "
                                     f"sample of seq_len={seq_len}")
                counts = apportion(n, [weights[s] for s in srcs])
            layout = StageLayout(st.name, i, start, sum(counts), tuple(srcs), tuple(counts),
                                 tuple(cursors[s] for s in srcs))
            stages.append(layout)
            for s, c in zip(srcs, counts):
                cursors[s] += c
            start += layout.n
        self.stages = stages
        self.total = start
        self.starts = np.array([s.start for s in stages], dtype=np.int64)
        self._stage_perm = [Permutation(s.n, derive_key(self.seed, "stage", s.index, s.name)) for s in stages]
        self._stage_cum = [np.concatenate([[0], np.cumsum(s.counts)]).astype(np.int64) for s in stages]
        self._source_perm: dict[tuple[str, int], Permutation] = {}
        self.final_cursors = cursors

    def stage_at(self, position: int) -> StageLayout:
        if not 0 <= position < self.total:
            raise IndexError(f"position {position} outside the plan's {self.total} samples")
        return self.stages[int(np.searchsorted(self.starts, position, side="right")) - 1]

    def _source_permutation(self, src: str, epoch: int) -> Permutation:
        key = (src, epoch)
        p = self._source_perm.get(key)
        if p is None:
            if len(self._source_perm) > 64:
                self._source_perm.clear()
            p = self._source_perm[key] = Permutation(self.sizes[src], derive_key(self.seed, "source", src, epoch))
        return p

    def indices(self, positions) -> np.ndarray:
        """Dataset indices of global ``positions`` (any shape of int array)."""
        pos = np.asarray(positions, dtype=np.int64)
        flat = pos.reshape(-1)
        if flat.size and (flat.min() < 0 or flat.max() >= self.total):
            raise IndexError(f"positions outside the plan's {self.total} samples")
        out = np.empty_like(flat)
        stage_of = np.searchsorted(self.starts, flat, side="right") - 1
        for i in np.unique(stage_of):
            st, sel = self.stages[i], stage_of == i
            u = self._stage_perm[i](flat[sel] - st.start)
            cum = self._stage_cum[i]
            slot = np.searchsorted(cum, u, side="right") - 1
            res = np.empty_like(u)
            for j in np.unique(slot):
                src, m = st.sources[j], slot == j
                q = st.cursors[j] + (u[m] - cum[j])          # the source's all-time counter
                epoch, place = np.divmod(q, self.sizes[src])
                r = np.empty_like(q)
                for e in np.unique(epoch):
                    me = epoch == e
                    r[me] = self._source_permutation(src, int(e))(place[me])
                res[m] = self.ranges[src][0] + r
            out[sel] = res
        return out.reshape(pos.shape)

    def signature(self, upto: int) -> list:
        """Everything that fixes the walk of positions ``< upto``: a resumed run must agree on it."""
        sig = [["seed", self.seed], ["seq_len", self.seq_len]]
        for st in self.stages:
            if st.start >= upto:
                break
            sig.append([st.name, st.start, st.n, list(st.sources), list(st.counts), list(st.cursors),
                        [self.sizes[s] for s in st.sources]])
        return sig

    def summary(self) -> list[dict]:
        """Per stage: samples and tokens per source and how many passes over each source it reaches."""
        rows = []
        for st in self.stages:
            rows.append({"stage": st.name, "start": st.start, "samples": st.n, "tokens": st.n * self.seq_len,
                         "sources": {s: {"samples": c, "passes_so_far": round((cur + c) / self.sizes[s], 3)}
                                     for s, c, cur in zip(st.sources, st.counts, st.cursors)}})
        return rows
