"""``PackedDataset``: the packed sequences of a ``tokenize`` run, as a map-style dataset.

    from jiniac_hpc.data.dataset import PackedDataset
    ds = PackedDataset("logs/pretokenize/debug/index.json", split="train")
    item = ds[0]     # {"input_ids": LongTensor[seq_len], "labels": LongTensor[seq_len]}

**Labels.** Every sample is a window ``w`` of ``seq_len + 1`` tokens. By default
(``shifted_labels=True``) ``input_ids = w[:-1]`` and ``labels = w[1:]``: the labels are the
next-token targets, *already shifted*, so every position has a target. A model or loss that
shifts internally (the stock HF ``ForCausalLMLoss`` with ``labels=``) must then be given them
as ``shift_labels`` (transformers >= 4.50 accepts ``shift_labels`` in the loss kwargs) or use
a plain ``cross_entropy(logits, labels)``; passing them as HF ``labels`` would shift twice.
With ``shifted_labels=False``, ``labels`` equals ``input_ids = w[:-1]`` (the HF convention;
the last target of each window is then unused).

Global index ``i`` runs over the shards in index order (sorted by source, then shard name), so
each source owns one contiguous range (``source_ranges``; ``source_of(i)`` names it). Reads are
lazy: no file is opened until the first item, every DataLoader worker opens its own handles
(HDF5 handles do not survive ``fork``), and one item reads only its own window: a memory map for
contiguous datasets, an HDF5 hyperslab read (one chunk) for chunked ones.
"""
from __future__ import annotations

import bisect
import json
import os
from collections import OrderedDict
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch.utils.data import Dataset


class PackedDataset(Dataset):
    """Map-style dataset over ``index.json`` (see the module docstring)."""

    def __init__(self, index_path: str | Path, split: Literal["train", "eval"] = "train", *,
                 shifted_labels: bool = True):
        if split not in ("train", "eval"):
            raise ValueError(f"split: must be 'train' or 'eval', got {split!r}")
        self.index_path = Path(index_path)
        if not self.index_path.exists():
            raise FileNotFoundError(f"{self.index_path} does not exist; run jobs/pretokenize.py first")
        index = json.loads(self.index_path.read_text())
        self.index = index
        self.split = split
        self.shifted_labels = shifted_labels
        self.seq_len: int = int(index["seq_len"])
        self.window = self.seq_len + 1
        self.tokenizer_sha256: str = index["tokenizer_sha256"]
        self.vocab_size: int = int(index["vocab_size"])
        self.eos_id: int = int(index["eos_id"])
        root = self.index_path.parent
        shards = sorted(index["shards"], key=lambda s: (s["source"], s["path"]))
        shards = [s for s in shards if s[split]["seqs"] > 0]
        self.paths = [str(root / s["path"]) for s in shards]
        self.shard_sources = [s["source"] for s in shards]
        counts = [int(s[split]["seqs"]) for s in shards]
        self.starts = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).tolist()
        self.source_ranges: dict[str, tuple[int, int]] = {}
        for src, a, b in zip(self.shard_sources, self.starts[:-1], self.starts[1:]):
            lo, _ = self.source_ranges.get(src, (a, b))
            self.source_ranges[src] = (lo, b)
        self._handles: OrderedDict = OrderedDict()     # shard -> (h5py.File or None, tokens)
        self._pid = None

    def __len__(self) -> int:
        return self.starts[-1]

    @property
    def sources(self) -> list[str]:
        return list(self.source_ranges)

    def fingerprint(self) -> str:
        """What a sampler state depends on: tokenizer, seq_len, split and per-source sample counts."""
        counts = ",".join(f"{s}:{b - a}" for s, (a, b) in self.source_ranges.items())
        return f"{self.tokenizer_sha256[:12]}/{self.seq_len}/{self.split}/{counts}"

    def locate(self, i: int) -> tuple[int, int]:
        """Global index -> (shard number, sample within the shard)."""
        if not 0 <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} {self.split} samples of {self.index_path}")
        k = bisect.bisect_right(self.starts, i) - 1
        return k, i - self.starts[k]

    def source_of(self, i: int) -> str:
        """The source of sample ``i`` (for NaN/spike messages)."""
        return self.shard_sources[self.locate(int(i))[0]]

    def describe(self, i: int) -> str:
        k, j = self.locate(int(i))
        return f"sample {i} = {self.paths[k]} [{self.split}] sequence {j} (source {self.shard_sources[k]})"

    MAX_OPEN = 256    # open shards per process; a corpus can have thousands (ulimit -n is often 1024)

    def _tokens(self, k: int):
        if self._pid != os.getpid():           # first use in this process (or a forked worker)
            self._handles, self._pid = OrderedDict(), os.getpid()
        h = self._handles.get(k)
        if h is not None:
            self._handles.move_to_end(k)
            return h[1]
        import h5py

        f = h5py.File(self.paths[k], "r")
        ds = f[self.split]["tokens"]
        if ds.chunks is None and ds.compression is None and ds.id.get_offset() is not None:
            arr = np.memmap(self.paths[k], dtype=ds.dtype, mode="r", offset=ds.id.get_offset(), shape=ds.shape)
            f.close()
            h = (None, arr)
        else:
            h = (f, ds)
        self._handles[k] = h
        if len(self._handles) > self.MAX_OPEN:   # least recently used shard
            _, (old_f, _) = self._handles.popitem(last=False)
            if old_f is not None:
                old_f.close()
        return h[1]

    def window_of(self, i: int) -> np.ndarray:
        """The raw ``seq_len + 1`` tokens of sample ``i``."""
        k, j = self.locate(int(i))
        return np.asarray(self._tokens(k)[j * self.window:(j + 1) * self.window])

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        w = torch.from_numpy(self.window_of(i).astype(np.int64))
        x = w[:-1]
        y = w[1:] if self.shifted_labels else x.clone()
        return {"input_ids": x, "labels": y}

    def __getstate__(self) -> dict:
        # Handles never travel to workers; each process opens its own.
        state = dict(self.__dict__)
        state["_handles"], state["_pid"] = OrderedDict(), None
        return state
