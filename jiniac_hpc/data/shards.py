"""The HDF5 token shard format, written once per corpus shard by the ``tokenize`` stage.

One file ``<run_dir>/shards/<source>/<name>.h5`` holds two groups, ``train`` and ``eval``
(the deterministic held-out split), each with:

- ``tokens``: 1-D, uint16 when the vocabulary fits (<= 65536 pieces) else uint32; the documents
  of the split, each followed by EOS, concatenated and cut to a multiple of ``seq_len + 1``.
  Sample ``i`` is ``tokens[i*(seq_len+1) : (i+1)*(seq_len+1)]``. The tail shorter than one
  window is dropped (its size is the ``dropped_tokens`` attribute). Chunked (optionally
  compressed) or contiguous; contiguous datasets are read through a memory map.
- ``doc_offsets``: int64 start offset of every document that begins inside ``tokens``.

Group attributes count the documents: ``docs`` added, ``docs_written`` (begin inside ``tokens``),
``docs_dropped_at_end`` (begin in the dropped tail: lost whole), ``docs_cut_at_end`` (0 or 1: ends
in the dropped tail), ``docs_split`` (cut by a window boundary into several samples), besides
``seqs`` and ``dropped_tokens``; ``docs == docs_written + docs_dropped_at_end``.

Root attributes: ``source``, ``lang``, ``tokenizer_sha256``, ``seq_len``, ``vocab_size``,
``eos_id``, ``format``. Files are written to a temporary name and renamed, so a file that exists is
complete.

    python -m jiniac_hpc.data.shards logs/pretokenize/debug/shards/<source>/<name>.h5   # prints a summary
"""
from __future__ import annotations

import sys
from itertools import chain
from pathlib import Path
from typing import Optional

import h5py
import numpy as np

from jiniac_hpc import fileio

FORMAT = "jiniac-packed-v1"
SPLITS = ("train", "eval")
DOC_COUNTS = ("dropped_tokens", "docs", "docs_split", "docs_cut_at_end", "docs_dropped_at_end")


def token_dtype(vocab_size: int, requested: str = "auto") -> np.dtype:
    if requested == "auto":
        return np.dtype(np.uint16 if vocab_size <= 1 << 16 else np.uint32)
    dt = np.dtype(requested)
    if vocab_size > np.iinfo(dt).max + 1:
        raise ValueError(f"dtype: {requested} cannot hold a vocabulary of {vocab_size} pieces")
    return dt


class _SplitWriter:
    """Appends whole ``seq_len + 1`` windows to one group's ``tokens``; keeps the tail in memory."""

    def __init__(self, group: h5py.Group, window: int, dtype: np.dtype, chunk_tokens: Optional[int],
                 compression: Optional[str], compression_level: Optional[int]):
        self.window, self.dtype = window, dtype
        kw = {}
        if chunk_tokens is not None:
            kw = dict(chunks=(chunk_tokens,), maxshape=(None,), compression=compression,
                      compression_opts=compression_level if compression == "gzip" else None)
            self.tokens = group.create_dataset("tokens", shape=(0,), dtype=dtype, **kw)
        else:
            self.tokens = None       # contiguous: size known only at the end, written in close()
            self._parts: list[np.ndarray] = []
        self.group = group
        self.pending: list[np.ndarray] = []
        self.pending_len = 0
        self.written = 0
        self.doc_offsets: list[np.ndarray] = []
        self.docs = 0
        self.docs_split = 0

    def add_docs(self, docs: list[list[int]], eos: int, eos_included: bool = False) -> None:
        """Append documents, each followed by EOS (appended in place unless ``eos_included``)."""
        if not docs:
            return
        # One vectorized copy per batch: per-document numpy arrays (or a masked fill) cost more
        # than encoding a short document.
        if not eos_included:
            for d in docs:
                d.append(eos)
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        self.add_flat(np.fromiter(chain.from_iterable(docs), dtype=self.dtype, count=int(lens.sum())), lens)

    def add_flat(self, ids: np.ndarray, lens: np.ndarray) -> None:
        """Append documents given as one array of their concatenated ids (EOS included) and
        each document's length."""
        if len(lens) == 0:
            return
        ends = np.cumsum(lens)
        if ends[-1] != len(ids):
            raise ValueError(f"add_flat: lengths sum to {ends[-1]}, but {len(ids)} ids were given")
        starts = self.written + self.pending_len + ends - lens
        self.doc_offsets.append(starts)
        # a document whose first and last token fall in different windows is cut into samples
        self.docs_split += int(np.count_nonzero(starts // self.window != (starts + lens - 1) // self.window))
        self.pending.append(ids.astype(self.dtype, copy=False))
        self.pending_len += len(ids)
        self.docs += len(lens)

    def flush(self) -> None:
        n = (self.pending_len // self.window) * self.window
        if n == 0:
            return
        buf = np.concatenate(self.pending)
        self.pending, self.pending_len = [buf[n:]], self.pending_len - n
        if self.tokens is not None:
            self.tokens.resize((self.written + n,))
            self.tokens[self.written:self.written + n] = buf[:n]
        else:
            self._parts.append(buf[:n])
        self.written += n

    def close(self) -> dict:
        self.flush()
        if self.tokens is None:
            data = np.concatenate(self._parts) if self._parts else np.zeros(0, self.dtype)
            self.tokens = self.group.create_dataset("tokens", data=data)
        starts = np.concatenate(self.doc_offsets) if self.doc_offsets else np.zeros(0, np.int64)
        offsets = starts[starts < self.written].astype(np.int64)
        self.group.create_dataset("doc_offsets", data=offsets)
        dropped = self.pending_len
        # The tail shorter than a window is dropped: documents that begin in it are lost whole,
        # the one that begins before it and ends in it loses its end.
        written_docs = len(offsets)
        end = starts[written_docs] if written_docs < len(starts) else self.written + dropped
        cut = int(written_docs > 0 and end > self.written)
        counts = {"seqs": self.written // self.window, "dropped_tokens": dropped, "docs": self.docs,
                  "docs_written": written_docs, "docs_split": self.docs_split, "docs_cut_at_end": cut,
                  "docs_dropped_at_end": self.docs - written_docs}
        self.group.attrs.update(counts)
        return {"tokens": self.written, "tokens_in": self.written + dropped, **counts}


class ShardWriter:
    """Write one shard atomically::

        with ShardWriter(path, source=..., lang=..., ...) as w:
            w.add("train", [[ids...], ...]); w.add("eval", ...)
        stats = w.stats     # per split: seqs, tokens, tokens_in, dropped_tokens and the document counts

    The file appears under ``path`` only when the ``with`` block finished without error.
    """

    def __init__(self, path: str | Path, *, source: str, lang: str, tokenizer_sha: str, seq_len: int,
                 vocab_size: int, eos_id: int, dtype: str = "auto", chunk_tokens: Optional[int] = 1 << 16,
                 compression: Optional[str] = None, compression_level: Optional[int] = None,
                 flush_tokens: int = 1 << 22):
        self.path = Path(path)
        self._rename = fileio.atomic_path(self.path)
        self.tmp = self._rename.__enter__()
        self.eos = eos_id
        self.flush_tokens = flush_tokens
        self.file = h5py.File(self.tmp, "w")
        a = self.file.attrs
        a.update(format=FORMAT, source=source, lang=lang, tokenizer_sha256=tokenizer_sha, seq_len=seq_len,
                 vocab_size=vocab_size, eos_id=eos_id)
        dt = token_dtype(vocab_size, dtype)
        self.splits = {s: _SplitWriter(self.file.create_group(s), seq_len + 1, dt, chunk_tokens, compression,
                                       compression_level) for s in SPLITS}
        self.stats: dict = {}

    def add(self, split: str, docs: list[list[int]], eos_included: bool = False) -> None:
        """Documents of token ids; EOS is appended to each unless the encoder already did."""
        w = self._writer(split)
        w.add_docs(docs, self.eos, eos_included)
        self._flush_if_full(w)

    def add_flat(self, split: str, ids: np.ndarray, lens: np.ndarray) -> None:
        """Documents as one array of concatenated ids, each already ending in EOS, and their lengths."""
        w = self._writer(split)
        w.add_flat(ids, lens)
        self._flush_if_full(w)

    def _writer(self, split: str) -> _SplitWriter:
        if split not in self.splits:
            raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
        return self.splits[split]

    def _flush_if_full(self, w: _SplitWriter) -> None:
        if w.pending_len >= self.flush_tokens:
            w.flush()

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.stats = {s: w.close() for s, w in self.splits.items()}
            self.file.close()
        except BaseException as e:
            exc_type, exc, tb = type(e), e, e.__traceback__
            raise
        finally:
            self._rename.__exit__(exc_type, exc, tb)   # the rename, only when all went well


def read_attrs(path: str | Path) -> dict:
    """Root attributes plus per-split ``seqs`` of a shard (cheap: reads no tokens)."""
    with h5py.File(path, "r") as f:
        out = {k: (v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()}
        for s in SPLITS:
            a = f[s].attrs
            out[s] = {"seqs": int(a["seqs"]), "tokens": int(f[s]["tokens"].shape[0]),
                      "docs_started": int(f[s]["doc_offsets"].shape[0]),
                      **{k: int(a[k]) for k in DOC_COUNTS if k in a}}
        out["dtype"] = str(f["train"]["tokens"].dtype)
    return out


def main(argv: list[str]) -> None:
    import json

    for p in argv:
        print(p, json.dumps(read_attrs(p), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
