"""CurriculumSampler: plan walk, rank sharding, exact resume, world-size changes, stage spans.

    .venv/bin/python -m pytest tests/test_sampler.py -q

Data are real HDF5 shards written by the stage's writer (``fixtures.synthetic_index``) whose
tokens all equal ``dataset index + 10``, so a batch says which samples it holds.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiniac_hpc.data.dataset import PackedDataset
from jiniac_hpc.data.fixtures import synthetic_index
from jiniac_hpc.data.loader import build_dataloader
from jiniac_hpc.data.plan import PlanConfig, PlanStage
from jiniac_hpc.data.sampler import CurriculumSampler, SamplerStateError
from jiniac_hpc.data.walk import Permutation, apportion

SEQ = 4
SIZES = {"web": 41, "wiki": 23, "law": 9}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return PackedDataset(synthetic_index(tmp_path_factory.mktemp("syn"), SIZES, SEQ))


def plan(*stages, seed=7) -> PlanConfig:
    return PlanConfig(stages=[PlanStage(**s) for s in stages], seed=seed)


CURRICULUM = plan(dict(name="mix", sources={"web": 3.0, "wiki": 1.0}, tokens=SEQ * 30),
                  dict(name="rest", sources={"web": 1.0, "wiki": 1.0}, tokens=None),
                  dict(name="law", sources={"law": 1.0}, tokens=None, lr_mult=0.5),
                  dict(name="again", sources={"*": 1.0}, tokens=SEQ * 20))


def batches(ds, plan_cfg, *, world, mbs, ga=1, seed=None, resume=None, take=None, workers=0):
    """Per rank, the list of batches (as lists of sample ids) from ``resume`` (a state) on."""
    out = []
    for rank in range(world):
        s = CurriculumSampler(ds, plan_cfg, seed=seed, rank=rank, world_size=world, micro_batch_size=mbs,
                              grad_accum=ga)
        if resume is not None:
            s.load_state_dict(resume)
        got = []
        for b in build_dataloader(ds, s, num_workers=workers):
            got.append((b["input_ids"][:, 0] - 10).tolist())
            if take is not None and len(got) == take:
                break
        out.append((got, s))
    return out


def test_permutation_is_a_bijection():
    for n in [1, 2, 3, 5, 17, 64, 1000, 4097]:
        p = Permutation(n, key=n)
        assert sorted(p(np.arange(n)).tolist()) == list(range(n))
    assert Permutation(1000, 1)(np.arange(1000)).tolist() != Permutation(1000, 2)(np.arange(1000)).tolist()


def test_apportion_by_weight():
    assert apportion(10, [3.0, 1.0]) == [8, 2]
    assert apportion(7, [1.0, 1.0, 1.0]) == [3, 2, 2]
    assert sum(apportion(1000, [0.1, 0.7, 0.2])) == 1000


def test_plan_walk_counts_and_coverage(ds):
    s = CurriculumSampler(ds, CURRICULUM, micro_batch_size=1)
    lay = {st.name: dict(zip(st.sources, st.counts)) for st in s.walk.stages}
    assert lay["mix"] == {"web": 23, "wiki": 7}                  # 30 samples at 3:1, largest remainder
    assert lay["rest"] == {"web": 41 - 23, "wiki": 23 - 7}       # "all of it" = the rest of the pass
    assert lay["law"] == {"law": 9}
    assert lay["again"] == dict(zip(["law", "web", "wiki"], apportion(20, [9, 41, 23])))  # '*': all, by size
    walk = list(s)
    assert len(walk) == s.walk.total == 30 + 34 + 9 + 20
    src = [ds.source_of(i) for i in walk]
    first_pass = walk[:73]
    assert sorted(first_pass) == list(range(len(ds)))              # every sample once, none twice
    assert Counter(src[:30]) == {"web": 23, "wiki": 7} and set(src[64:73]) == {"law"}
    # a second pass of a source starts a new shuffle: its samples are new until that pass ends
    for name, (lo, hi) in ds.source_ranges.items():
        later = [i for i in walk[73:] if lo <= i < hi]
        assert len(set(later)) == len(later)


def test_deterministic_given_seed_and_plan(ds):
    a = list(CurriculumSampler(ds, CURRICULUM))
    assert a == list(CurriculumSampler(ds, CURRICULUM))
    assert a != list(CurriculumSampler(ds, CURRICULUM, seed=8))
    assert list(CurriculumSampler(ds, CURRICULUM, seed=8)) == list(CurriculumSampler(ds, plan(
        *[dict(name=x.name, sources=x.sources, tokens=x.tokens, lr_mult=x.lr_mult) for x in CURRICULUM.stages],
        seed=8)))


@pytest.mark.parametrize("world,mbs", [(2, 1), (2, 3), (3, 2)])
def test_ranks_split_each_round_without_overlap(ds, world, mbs):
    one = list(CurriculumSampler(ds, CURRICULUM, micro_batch_size=mbs * world))
    per_rank = [list(CurriculumSampler(ds, CURRICULUM, rank=r, world_size=world, micro_batch_size=mbs))
                for r in range(world)]
    assert len({len(x) for x in per_rank}) == 1
    rounds = len(per_rank[0]) // mbs
    merged = [i for k in range(rounds) for r in range(world) for i in per_rank[r][k * mbs:(k + 1) * mbs]]
    assert merged == one[:len(merged)]
    assert len(set(merged[:73])) == 73 if len(merged) >= 73 else len(set(merged)) == len(merged)


def test_walk_is_cut_to_whole_global_batches(ds):
    s = CurriculumSampler(ds, CURRICULUM, world_size=2, micro_batch_size=2, grad_accum=3)
    assert s.global_batch_size == 12 and s.num_samples == 84 and s.total_steps == 7
    assert len(s) == 42 and len(list(s)) == 42


def test_stage_spans_follow_the_first_sample_of_each_step(ds):
    s = CurriculumSampler(ds, CURRICULUM, world_size=2, micro_batch_size=2, grad_accum=2)
    spans = s.stage_spans(8)
    assert [x[0] for x in spans] == ["mix", "rest", "law", "again"]
    assert spans[0][1] == 0 and spans[-1][2] == s.total_steps == 93 // 8
    assert all(a[2] == b[1] for a, b in zip(spans, spans[1:]))
    for name, lo, hi in spans:
        for step in range(lo, hi):
            assert s.walk.stage_at(step * 8).name == name
    assert s.stage_spans(1000) == [(n, 0, 0) for n in ["mix", "rest", "law", "again"]]


def _check_resume(ds, plan_cfg, world, mbs, ga, cut, workers=0):
    full = batches(ds, plan_cfg, world=world, mbs=mbs, ga=ga)
    n = len(full[0][0])
    cut = min(cut, n)
    head = batches(ds, plan_cfg, world=world, mbs=mbs, ga=ga, take=cut) if cut else [([], None)] * world
    state = head[0][1].state_dict() if cut else {**CurriculumSampler(
        ds, plan_cfg, world_size=world, micro_batch_size=mbs, grad_accum=ga).state_dict()}
    assert state["position"] == cut * mbs * world
    assert all(h[1] is None or h[1].state_dict() == state for h in head)     # the position is global
    tail = batches(ds, plan_cfg, world=world, mbs=mbs, ga=ga, resume=state, workers=workers)
    for r in range(world):
        assert head[r][0] + tail[r][0] == full[r][0], f"rank {r} cut {cut}"


@pytest.mark.parametrize("world", [1, 2])
def test_resume_at_every_stage_boundary(ds, world):
    mbs = 2
    s = CurriculumSampler(ds, CURRICULUM, world_size=world, micro_batch_size=mbs)
    for st in s.walk.stages[1:]:
        b = st.start // (mbs * world)
        for cut in (b - 1, b, b + 1):
            _check_resume(ds, CURRICULUM, world, mbs, 1, cut)


def test_resume_with_loader_workers(ds):
    _check_resume(ds, CURRICULUM, 2, 2, 1, 9, workers=2)


@st.composite
def scenarios(draw):
    sizes = {f"s{i}": draw(st.integers(1, 30)) for i in range(draw(st.integers(1, 3)))}
    stages = []
    for k in range(draw(st.integers(1, 4))):
        names = draw(st.lists(st.sampled_from(sorted(sizes)), min_size=1, max_size=len(sizes), unique=True))
        weights = {n: draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])) for n in names}
        tokens = draw(st.one_of(st.none(), st.integers(1, 40).map(lambda t: t * SEQ)))
        stages.append(dict(name=f"st{k}", sources=weights, tokens=tokens))
    world, mbs, ga = draw(st.sampled_from([1, 2])), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    return sizes, stages, world, mbs, ga, draw(st.integers(0, 10 ** 6)), draw(st.integers(0, 2 ** 31))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_resume_at_random_points_matches_the_uninterrupted_walk(scenario):
    sizes, stages, world, mbs, ga, cut_seed, seed = scenario
    with tempfile.TemporaryDirectory() as d:
        ds = PackedDataset(synthetic_index(Path(d), sizes, SEQ, shards_per_source=1))
        p = plan(*stages, seed=seed)
        try:
            s = CurriculumSampler(ds, p, world_size=world, micro_batch_size=mbs, grad_accum=ga)
        except ValueError as e:              # a plan shorter than one global batch is refused, clearly
            assert "fewer than one global batch" in str(e)
            return
        n_batches = s.num_samples // s.round_size
        _check_resume(ds, p, world, mbs, ga, cut_seed % (n_batches + 1))
        # the ranks' micro-batches, round by round, are exactly the global walk: no overlap, no gap
        per_rank = [list(CurriculumSampler(ds, p, rank=r, world_size=world, micro_batch_size=mbs, grad_accum=ga))
                    for r in range(world)]
        merged = [i for k in range(n_batches) for r in range(world) for i in per_rank[r][k * mbs:(k + 1) * mbs]]
        assert merged == s.walk.indices(np.arange(s.num_samples)).tolist()
        # passes are balanced: over the walk, the samples of a source are used equally often (+-1),
        # and a stage that stays within one pass of its sources never repeats a sample
        idx = s.walk.indices(np.arange(s.walk.total))
        for src, (lo, hi) in ds.source_ranges.items():
            seen = Counter(idx[(idx >= lo) & (idx < hi)].tolist())
            uses = [seen.get(i, 0) for i in range(lo, hi)]
            assert max(uses) - min(uses) <= 1, (src, uses)
        for stl in s.walk.stages:
            if all((cur % sizes[x]) + c <= sizes[x] for x, c, cur in zip(stl.sources, stl.counts, stl.cursors)):
                part = idx[stl.start:stl.end].tolist()
                assert len(set(part)) == len(part)


def test_position_counts_batches_taken_not_prefetched(ds):
    s = CurriculumSampler(ds, CURRICULUM, rank=1, world_size=2, micro_batch_size=2)
    loader = build_dataloader(ds, s, num_workers=2, prefetch_factor=4)
    assert len(loader) == 93 // 4
    for k, _ in enumerate(loader, 1):
        if k == 3:
            break
    assert s.position == 3 * 4 and s.state_dict()["tokens_seen"] == 12 * SEQ
    assert loader.remaining() == len(loader) - 3


def test_world_size_change_keeps_the_global_order(ds):
    old = batches(ds, CURRICULUM, world=2, mbs=2, ga=2, take=6)     # 3 steps of global batch 8
    state = old[0][1].state_dict()
    full = list(CurriculumSampler(ds, CURRICULUM, micro_batch_size=1))
    new = batches(ds, CURRICULUM, world=1, mbs=4, ga=2, resume=state)  # same global batch, 1 rank
    assert [i for b in new[0][0] for i in b] == full[24:24 + 4 * len(new[0][0])]
    with pytest.raises(SamplerStateError, match=r"world_size 1 .*multiple of 5.*Keep the global batch size"):
        CurriculumSampler(ds, CURRICULUM, world_size=1, micro_batch_size=5).load_state_dict(state)


def test_resume_refuses_a_changed_seed_or_earlier_plan(ds):
    s = CurriculumSampler(ds, CURRICULUM, micro_batch_size=4)
    s.position = 40                                    # inside stage "rest"
    state = s.state_dict()
    assert state["stage"] == "rest"
    with pytest.raises(SamplerStateError, match="seed"):
        CurriculumSampler(ds, CURRICULUM, seed=99, micro_batch_size=4).load_state_dict(state)
    changed = plan(dict(name="mix", sources={"web": 1.0, "wiki": 1.0}, tokens=SEQ * 30), *[
        dict(name=x.name, sources=x.sources, tokens=x.tokens) for x in CURRICULUM.stages[1:]])
    with pytest.raises(SamplerStateError, match="plan or the data changed before the saved position 40"):
        CurriculumSampler(ds, changed, micro_batch_size=4).load_state_dict(state)
    # stages that start after the position may change: the walk so far is the same
    later = plan(*[dict(name=x.name, sources=x.sources, tokens=x.tokens) for x in CURRICULUM.stages[:2]],
                 dict(name="law", sources={"law": 1.0, "wiki": 1.0}, tokens=SEQ * 12))
    r = CurriculumSampler(ds, later, micro_batch_size=4)
    r.load_state_dict(state)
    assert list(r)[:24] == list(CurriculumSampler(ds, CURRICULUM, micro_batch_size=4))[40:64]


def test_unknown_source_is_named(ds):
    with pytest.raises(ValueError, match=r"source 'books' is not in the data; sources: \['law', 'web', 'wiki'\]"):
        CurriculumSampler(ds, plan(dict(name="x", sources={"books": 1.0}, tokens=SEQ * 4)))
