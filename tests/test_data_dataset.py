"""PackedDataset and the loaders: items, labels, lazy per-worker reads, storage layouts, eval split.

    .venv/bin/python -m pytest tests/test_data_dataset.py -q
"""
from __future__ import annotations

import json
import pickle

import h5py
import numpy as np
import pytest
import torch

from jiniac_hpc.data.dataset import PackedDataset
from jiniac_hpc.data.fixtures import synthetic_index
from jiniac_hpc.data.loader import build_dataloader, build_eval_dataloader
from jiniac_hpc.data.plan import PlanConfig, PlanStage, validate_against_index
from jiniac_hpc.data.sampler import CurriculumSampler

SEQ = 16
SIZES = {"a": 30, "b": 19}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return synthetic_index(tmp_path_factory.mktemp("ds"), SIZES, SEQ, shards_per_source=3, fill="random",
                           eval_sizes={"a": 5, "b": 4}, vocab_size=50000, chunk_tokens=64)


def test_items_are_windows_with_shifted_labels(index):
    ds = PackedDataset(index)
    assert len(ds) == 49 and ds.seq_len == SEQ and ds.source_ranges == {"a": (0, 30), "b": (30, 49)}
    raw = json.loads(index.read_text())
    path = index.parent / sorted(s["path"] for s in raw["shards"] if s["source"] == "b")[1]
    with h5py.File(path, "r") as f:
        w = f["train"]["tokens"][2 * (SEQ + 1):3 * (SEQ + 1)]
    i = 30 + 7 + 2           # b/00000 holds 7 samples (0, 3, ..., 18), then b/00001's third one
    item = ds[i]
    assert item["input_ids"].dtype == torch.long and item["input_ids"].shape == (SEQ,)
    assert item["input_ids"].tolist() == w[:-1].tolist() and item["labels"].tolist() == w[1:].tolist()
    assert ds.source_of(i) == "b" and "b/00001.h5" in ds.describe(i)
    plain = PackedDataset(index, shifted_labels=False)[i]
    assert plain["labels"].tolist() == plain["input_ids"].tolist() == w[:-1].tolist()
    with pytest.raises(IndexError, match="out of range for 49 train samples"):
        ds[49]


def test_eval_split_is_separate(index):
    ev = PackedDataset(index, "eval")
    assert len(ev) == 9 and ev.source_ranges == {"a": (0, 5), "b": (5, 9)}
    tr = PackedDataset(index)
    train_rows = {tuple(tr[i]["input_ids"].tolist()) for i in range(len(tr))}
    assert not any(tuple(ev[i]["input_ids"].tolist()) in train_rows for i in range(len(ev)))
    loader = build_eval_dataloader(ev, batch_size=2, rank=1, world_size=2, num_workers=0)
    got = [b["input_ids"] for b in loader]
    assert [g.shape[0] for g in got] == [2, 2]
    assert torch.equal(got[0][0], ev[1]["input_ids"]) and torch.equal(got[1][1], ev[7]["input_ids"])


def test_no_file_is_opened_before_the_first_item_and_handles_never_pickle(index):
    ds = PackedDataset(index)
    assert ds._handles == {}
    ds[0], ds[40]
    assert len(ds._handles) == 2
    clone = pickle.loads(pickle.dumps(ds))
    assert clone._handles == {} and torch.equal(clone[40]["input_ids"], ds[40]["input_ids"])


@pytest.mark.parametrize("layout", [dict(chunk_tokens=None), dict(chunk_tokens=256, compression="gzip"),
                                    dict(chunk_tokens=100, compression="lzf")])
def test_storage_layouts_read_the_same(tmp_path, index, layout):
    other = synthetic_index(tmp_path, SIZES, SEQ, shards_per_source=3, fill="random", eval_sizes={"a": 5, "b": 4},
                            vocab_size=50000, **layout)
    a, b = PackedDataset(index), PackedDataset(other)
    for i in range(len(a)):
        assert torch.equal(a[i]["input_ids"], b[i]["input_ids"]) and torch.equal(a[i]["labels"], b[i]["labels"])
    b[0]
    if layout["chunk_tokens"] is None:
        assert all(isinstance(h, np.memmap) for _, h in b._handles.values())    # contiguous: memory map
    else:
        assert all(isinstance(h, h5py.Dataset) for _, h in b._handles.values())


def test_open_shards_are_capped(index, monkeypatch):
    ds = PackedDataset(index)
    monkeypatch.setattr(PackedDataset, "MAX_OPEN", 2)
    files = []
    for i in (0, 12, 40, 47, 0):
        ds[i]
        files += [f for f, _ in ds._handles.values() if f is not None]
        assert len(ds._handles) <= 2
    distinct = {id(f): f for f in files}.values()
    assert len(distinct) == 5 and sum(bool(f.id) for f in distinct) == 2    # evicted files were closed; 0 reopened


def test_loader_batches_with_two_workers_match_direct_reads(index):
    ds = PackedDataset(index)
    plan = PlanConfig(stages=[PlanStage("all", {"*": 1.0})], seed=3)
    s = CurriculumSampler(ds, plan, micro_batch_size=4, world_size=2, rank=0)
    want = list(s)
    batches = list(build_dataloader(ds, s, num_workers=2))
    assert len(batches) == 6 and s.position == 48
    got = torch.cat([b["input_ids"] for b in batches])
    assert torch.equal(got, torch.stack([ds[i]["input_ids"] for i in want]))


def test_validate_plan_against_index(index):
    ok = PlanConfig(stages=[PlanStage("x", {"a": 1.0, "*": 1.0})])
    assert sorted(validate_against_index(ok, index)["sources"]) == ["a", "b"]
    bad = PlanConfig(stages=[PlanStage("x", {"a": 1.0}), PlanStage("y", {"c": 1.0})])
    from jiniac_hpc.config import ConfigError

    with pytest.raises(ConfigError, match=r"plan.stages\[y\].sources: 'c' is not in .*index.json; sources there: \['a', 'b'\]"):
        validate_against_index(bad, index)
    with pytest.raises(ConfigError, match="run jobs/pretokenize.py first"):
        validate_against_index(ok, index.parent / "missing.json")
