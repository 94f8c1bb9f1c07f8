"""Exact and MinHash-LSH near-duplicate removal across shards and sources.

    python -m jiniac_hpc.corpus.dedup "今日は良い天気です。" "今日はよい天気です。"   # estimated Jaccard

Three steps of the corpus stage (see stage.py):

* ``signatures`` (array): per clean shard, ``<stem>.meta.npy`` (exact 64-bit blake2b hash of the
  normalised text, UTF-8 bytes, characters), ``<stem>.ids.json``, for ``dedup: minhash``
  sources, ``<stem>.mh.npy`` = datasketch MinHash hash values over character n-gram shingles
  (Japanese has no word boundaries; one seed for all shards, so signatures are comparable), and
  for a source whose records name themselves (the Diet's speechID, ``one_copy_a_speech``)
  ``<stem>.keys.npy``, that name hashed with the source's (16 bytes; zeros for a record without one)
  and whether the document's metadata is whole (no ``missing`` fields).
* ``buckets`` (array): task 0 links documents with the same exact hash, and documents of one source
  with the same key (whatever the source's ``dedup``: a speech harvested twice is one speech, its
  two texts alike or not); task ``b + 1`` runs LSH
  band ``b``. (bands, rows) come from datasketch's own optimiser for the threshold (the same
  choice ``MinHashLSH`` makes); documents sharing a band key are linked to the first document of
  their bucket. With ``verify``, a near pair is kept only if its estimated Jaccard (share of
  equal hash values) reaches the threshold. Each task writes ``edges-<task>.npy``.
* ``clusters`` (single): connected components (scipy); each cluster keeps its first document in
  the global order (recipe source order, shard, position), but that a copy of a record with its
  metadata whole comes before one without (a harvest that left a speech's date out is dropped for
  the API's copy, wherever that is); the rest are ``speech_id_dup`` (the keeper's key), ``exact_dup``
  or ``near_dup``. Then each source's ``budget_bytes``/``budget_tokens``
  cuts the tail. Writes ``drop/<src>/<stem>.json`` for every shard.

Memory: a band task loads only its band's columns of every signature file (memory-mapped):
rows x 8 bytes a document (about 100 MB per million documents at 128 permutations and threshold
0.8: 9 bands of 13 rows), and for ``verify`` the full signatures of its candidate pairs only.
``clusters`` holds the pairs, one label and the ids of every document.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Optional

import numpy as np

from jiniac_hpc import fileio
from jiniac_hpc.corpus import shards as sh
from jiniac_hpc.corpus.config import CorpusConfig, DedupConfig, SourceConfig
from jiniac_hpc.stages import TaskContext

META = np.dtype([("hash", "<u8"), ("nbytes", "<i8"), ("chars", "<i8")])
KEY, NO_KEY = np.dtype([("key", "V16"), ("whole", "?")]), bytes(16)


def shingles(text: str, n: int) -> list[bytes]:
    """Distinct character n-grams (the whole text if shorter), as UTF-8 bytes (order is irrelevant
    to a MinHash)."""
    if len(text) <= n:
        return [text.encode("utf-8")]
    return list({text[i:i + n].encode("utf-8") for i in range(len(text) - n + 1)})


def minhashes(texts, cfg: DedupConfig) -> np.ndarray:
    """[len(texts), num_perm] uint64 hash values (datasketch MinHash, seed ``cfg.seed``)."""
    from datasketch import MinHash

    gen = MinHash.generator((shingles(t, cfg.ngram) for t in texts), num_perm=cfg.num_perm, seed=cfg.seed)
    rows = [m.hashvalues.astype("<u8") for m in gen]
    return np.stack(rows) if rows else np.zeros((0, cfg.num_perm), "<u8")


def exact_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def record_keys(src: SourceConfig, docs: list[dict]) -> Optional[np.ndarray]:
    """The name each document's record has wherever it arrives, for a source that keeps one copy of
    a record (the Diet reader's ``speechID``, with ``one_copy_a_speech``): 16 bytes of blake2b over
    the source's name and the key, zeros for a document without one, with whether its metadata is whole
    (the reader lists none ``missing``); None for other sources."""
    if src.reader != "diet" or not src.one_copy_a_speech:
        return None
    out = np.zeros(len(docs), KEY)
    for i, d in enumerate(docs):
        meta = d.get("meta") or {}
        if isinstance(sid := meta.get("speechID"), str) and sid:
            out[i] = (hashlib.blake2b(f"{src.name}\0{sid}".encode("utf-8"), digest_size=16).digest(),
                      not meta.get("missing"))
    return out


def _save_npy(path: Path, arr: np.ndarray) -> None:
    with fileio.atomic_open(path) as fh:
        np.save(fh, arr, allow_pickle=False)


def signature_task(cfg: CorpusConfig, ctx: TaskContext) -> dict:
    shard = sh.load_manifest(ctx.run_dir)[ctx.task]
    src = cfg.source(shard.source)
    prefix = sh.sig_prefix(ctx.run_dir, shard)
    docs = list(fileio.read_jsonl(sh.clean_path(ctx.run_dir, shard)))   # ids + texts of one shard
    meta = np.array([(exact_hash(d["text"]), len(d["text"].encode("utf-8")), len(d["text"])) for d in docs],
                    dtype=META)
    _save_npy(prefix.with_name(prefix.name + ".meta.npy"), meta)
    fileio.write_json(prefix.with_name(prefix.name + ".ids.json"), [d["id"] for d in docs], indent=None)
    if src.dedup == "minhash":
        _save_npy(prefix.with_name(prefix.name + ".mh.npy"), minhashes((d["text"] for d in docs), cfg.dedup))
    if (keys := record_keys(src, docs)) is not None:
        _save_npy(prefix.with_name(prefix.name + ".keys.npy"), keys)
    return {"docs": len(docs)}


def lsh_params(cfg: DedupConfig) -> tuple[int, int]:
    """(bands, rows) minimising false positives + negatives at the threshold, as MinHashLSH does."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(cfg.threshold, cfg.num_perm, 0.5, 0.5)


def _first_of_group(keys: np.ndarray) -> np.ndarray:
    """For each row, the index of the first row with the same key (keys: 1-D array, any dtype)."""
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first[inverse.reshape(-1)]


def _least_of_group(label: np.ndarray, rank: tuple) -> np.ndarray:
    """For each row, the least row with the same ``label`` (labels 0..k-1), rows ordered by the keys
    of ``rank``, the last the most significant (as ``np.lexsort`` takes them)."""
    order = np.lexsort(rank + (label,))
    starts = np.r_[True, label[order][1:] != label[order][:-1]]
    least = np.empty(label.max() + 1 if len(label) else 0, np.int64)
    least[label[order][starts]] = order[starts]
    return least[label]


def _global_docs(cfg: CorpusConfig, run_dir: Path):
    """Every shard with its global document offset, its number of documents and its source's dedup mode."""
    dedup_src = {s.name: s.dedup for s in cfg.sources}
    out, offset = [], 0
    for s in sh.load_manifest(run_dir):
        n = fileio.result(run_dir, "signatures", s.task)["docs"]
        out.append((s, offset, n, dedup_src[s.source]))
        offset += n
    return out, offset


def bucket_tasks(cfg: CorpusConfig) -> int:
    """Array size of the ``buckets`` step: the exact-hash task, plus one task per LSH band."""
    return 1 + (lsh_params(cfg.dedup)[0] if any(s.dedup == "minhash" for s in cfg.sources) else 0)


def _keyed(cfg: CorpusConfig, run_dir: Path, shards) -> tuple[np.ndarray, np.ndarray]:
    """(global index, key and whether whole) of every document that has a record key (:func:`record_keys`)."""
    keyed = {s.name for s in cfg.sources if record_keys(s, []) is not None}
    idx, keys = [np.zeros(0, "<i8")], [np.zeros(0, KEY)]
    for s, off, n, _ in shards:
        if s.source in keyed and n:
            p = sh.sig_prefix(run_dir, s)
            k = np.load(p.with_name(p.name + ".keys.npy"))
            has = np.flatnonzero(k["key"] != np.frombuffer(NO_KEY, "V16")[0])
            idx.append(off + has)
            keys.append(k[has])
    return np.concatenate(idx), np.concatenate(keys)


def edges_path(run_dir: Path, task: int) -> Path:
    return Path(run_dir) / "work" / "dedup" / f"edges-{task:04d}.npy"


def _minhash_files(run_dir: Path, shards) -> list:
    """(signature file, global document offset, documents) of every minhash-deduplicated shard
    among ``shards`` (as :func:`_global_docs` lists them)."""
    out = []
    for s, off, n, mode in shards:
        if mode == "minhash" and n:
            p = sh.sig_prefix(run_dir, s)
            out.append((p.with_name(p.name + ".mh.npy"), off, n))
    return out


def _signature_rows(files, local: np.ndarray) -> np.ndarray:
    """Full signatures of documents ``local`` (positions in the concatenation of ``files``),
    read from the memory-mapped signature files."""
    starts = np.cumsum([0] + [n for _, _, n in files])
    which = np.searchsorted(starts, local, side="right") - 1
    maps = [np.load(path, mmap_mode="r") for path, _, _ in files]
    out = np.empty((len(local), maps[0].shape[1]), maps[0].dtype)
    for f, m in enumerate(maps):
        sel = np.flatnonzero(which == f)
        if len(sel):
            out[sel] = m[local[sel] - starts[f]]
    return out


def buckets_task(cfg: CorpusConfig, ctx: TaskContext) -> dict:
    """Task 0: pairs of documents with the same exact hash. Task b + 1: LSH band b's pairs."""
    shards, total = _global_docs(cfg, ctx.run_dir)
    stats: dict = {"task": ctx.task, "docs": total}
    if ctx.task == 0:
        hashes, idx = [], []
        for s, off, n, mode in shards:
            if mode == "none" or n == 0:
                continue
            p = sh.sig_prefix(ctx.run_dir, s)
            hashes.append(np.load(p.with_name(p.name + ".meta.npy"))["hash"])
            idx.append(np.arange(off, off + n))
        e = np.zeros((0, 2), "<i8")
        if hashes:
            h, idx = np.concatenate(hashes), np.concatenate(idx)
            first = idx[_first_of_group(h)]
            e = np.stack([first, idx], 1)[first != idx]
        stats["exact_pairs"] = len(e)
        kidx, keys = _keyed(cfg, ctx.run_dir, shards)
        first = kidx[_first_of_group(keys["key"])] if len(keys) else kidx
        stats["key_pairs"] = int((first != kidx).sum())
        e = np.concatenate([e, np.stack([first, kidx], 1)[first != kidx]])
    else:
        band_no = ctx.task - 1
        bands, rows = lsh_params(cfg.dedup)
        files = _minhash_files(ctx.run_dir, shards)
        # Only this band's columns are read: the memory of a task is docs x rows x 8 bytes.
        cols = [np.ascontiguousarray(np.load(path, mmap_mode="r")[:, band_no * rows:(band_no + 1) * rows])
                for path, _, _ in files]
        gidx = np.concatenate([np.arange(off, off + n) for _, off, n in files]) if files else np.zeros(0, "<i8")
        pairs = np.zeros((0, 2), "<i8")
        if cols:
            band = np.concatenate(cols).view(f"V{8 * rows}").reshape(-1)
            first = _first_of_group(band)
            here = np.arange(len(band))
            pairs = np.stack([first, here], 1)[first != here]
        stats["candidate_pairs"] = len(pairs)
        if cfg.dedup.verify and len(pairs):
            sig = _signature_rows(files, pairs.reshape(-1)).reshape(len(pairs), 2, -1)
            pairs = pairs[(sig[:, 0] == sig[:, 1]).mean(axis=1) >= cfg.dedup.threshold]
        stats["near_pairs"] = len(pairs)
        stats["band"], stats["bands_rows"] = band_no, [bands, rows]
        e = gidx[pairs]
    out = edges_path(ctx.run_dir, ctx.task)
    _save_npy(out, np.asarray(e, "<i8").reshape(-1, 2))
    return stats


def clusters_task(cfg: CorpusConfig, ctx: TaskContext) -> dict:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    shards, total = _global_docs(cfg, ctx.run_dir)
    parts = [np.load(edges_path(ctx.run_dir, t)) for t in range(bucket_tasks(cfg))]
    edges = np.unique(np.concatenate(parts), axis=0) if parts else np.zeros((0, 2), "<i8")
    ids: list[str] = []
    meta = []
    for s, off, n, _ in shards:
        p = sh.sig_prefix(ctx.run_dir, s)
        ids += fileio.read_json(p.with_name(p.name + ".ids.json"))
        meta.append(np.load(p.with_name(p.name + ".meta.npy")))
    meta = np.concatenate(meta) if meta else np.zeros(0, META)
    reason = np.array([""] * total, dtype=object)
    keeper = np.full(total, -1, dtype=np.int64)
    if len(edges):
        g = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(total, total))
        _, label = connected_components(g, directed=False)
        kidx, keys = _keyed(cfg, ctx.run_dir, shards)
        # each component's first document, but that in its source a keyed copy without its whole
        # metadata comes after the others
        source = np.concatenate([np.full(n, [c.name for c in cfg.sources].index(s.source)) for s, _, n, _ in shards]
                                + [np.zeros(0, np.int64)])
        part = np.zeros(total, bool)
        part[kidx[~keys["whole"]]] = True
        first = _least_of_group(label, (np.arange(total), part, source))
        dup = first != np.arange(total)
        keeper[dup] = first[dup]
        exact = meta["hash"][first] == meta["hash"]
        kpos = np.full(total, -1, np.int64)
        kpos[kidx] = np.arange(len(kidx))
        own, kept = kpos, kpos[first]
        same = (own >= 0) & (kept >= 0)
        same[same] = keys["key"][own[same]] == keys["key"][kept[same]]
        reason[dup & ~same & exact] = "exact_dup"
        reason[dup & ~same & ~exact] = "near_dup"
        reason[dup & same] = "speech_id_dup"
    # budgets: documents in order until the source's byte (or estimated token) budget is spent
    by_src = {s.name: s for s in cfg.sources}
    spent: dict[str, float] = {}
    for s, off, n, _ in shards:
        src = by_src[s.source]
        if src.budget_bytes is None and src.budget_tokens is None:
            continue
        for i in range(off, off + n):
            if reason[i]:
                continue
            cost = meta["nbytes"][i] if src.budget_bytes else meta["chars"][i] / cfg.chars_per_token[src.lang]
            limit = src.budget_bytes or src.budget_tokens
            if spent.get(s.source, 0.0) + cost > limit:
                reason[i] = "budget"
            else:
                spent[s.source] = spent.get(s.source, 0.0) + cost
    counts = {}
    for s, off, n, _ in shards:
        drop = [[i - off, str(reason[i]), ids[keeper[i]] if keeper[i] >= 0 else None]
                for i in range(off, off + n) if reason[i]]
        for _, r, _ in drop:
            counts[r] = counts.get(r, 0) + 1
        fileio.write_json(sh.drop_path(ctx.run_dir, s), {"drop": drop}, indent=None)
    return {"docs": total, "dropped": counts}


if __name__ == "__main__":
    cfg = DedupConfig()
    sig = minhashes(sys.argv[1:3], cfg)
    print("estimated Jaccard:", float((sig[0] == sig[1]).mean()), " bands x rows:", lsh_params(cfg))
