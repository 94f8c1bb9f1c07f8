"""The ``pretokenize`` stage: corpus shards -> packed HDF5 token shards + ``index.json``.

    python jobs/pretokenize.py --recipe debug              # from the repository root
    python -c "from jiniac_hpc.launch.runner import launch; launch('pretokenize', 'debug', cluster='local')"

Step 1, ``shards`` (array, one task per corpus shard): stream the ``.jsonl.zst`` shard, encode
documents with the project sentencepiece model in batches, put each document in the train or
eval split by a hash of its id, append EOS after each document and pack into ``seq_len + 1``
windows (:mod:`jiniac_hpc.data.shards`). The file is renamed into place when complete; the
task returns its stats (with the tokenizer's sha256), which the executor keeps in the task's
marker (``completions/shards/<task>.json``). The stats account for everything read: documents in
= empty ones skipped + those of each split, and per split documents = written + dropped at the
split's end (the tail shorter than a window), with tokens in = written + dropped and the
documents cut into several samples; characters in, documents the tokenizer's normalisation
changed, and characters written as ``<unk>`` (:mod:`jiniac_hpc.data.account`). The task's log
line names every non-zero loss. The plan refuses, naming it, a tokenizer the tasks could not use
(a folder, a file sentencepiece cannot read, a model without EOS). A relaunch redoes only shards whose marker is
missing, was written under another config, or for another input file or tokenizer (a model
retrained at the same path).

Step 2, ``index`` (single, after step 1): read every shard's attributes and write
``index.json`` (token, sequence and document counts per shard and per source and split, the
tokens and documents the packing dropped at each split's end included). It refuses to
mix shards of different tokenizers or sequence lengths, and runs again whenever a shard did.

Training reads only this output (``PackedDataset(<run_dir>/index.json)``); JINIAC tokenized
inside the multi-node job and lost hours to NCCL timeouts while rank 0 tokenized.
"""
from __future__ import annotations

import glob
import time
from collections import Counter
from itertools import chain
from pathlib import Path
from typing import Iterator

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, to_dict
from jiniac_hpc.data.config import TokenizeConfig
from jiniac_hpc.paths import resolve_path
from jiniac_hpc.stages import Step, TaskContext

INPUTS_FILE = "inputs.json"
INDEX_FILE = "index.json"
# per split, summed per source and in all by the index: tokens written and what the packing lost
COUNTED = ("seqs", "tokens", "dropped_tokens", "docs", "docs_split", "docs_dropped_at_end")


# ---------------------------------------------------------------------------------------------
# Login node: inputs and plan
# ---------------------------------------------------------------------------------------------


def _producer_hint(pattern: str) -> str:
    """``logs/corpus/debug/...`` -> "run jobs/corpus.py --recipe debug first"."""
    parts = Path(pattern).parts
    if len(parts) >= 3 and parts[0] == "logs":
        return f"; run jobs/{parts[1]}.py --recipe {parts[2]} first"
    return ""


def find_inputs(cfg: TokenizeConfig) -> list[Path]:
    """The corpus shards, sorted (the array task index is a position in this list)."""
    if not cfg.inputs:
        raise ConfigError("inputs: no corpus shard patterns given (e.g. logs/corpus/debug/output/*/*.jsonl.zst)")
    found: set[Path] = set()
    for pattern in cfg.inputs:
        hits = [Path(p) for p in glob.glob(str(resolve_path(pattern)))]
        hits = [p for p in hits if p.is_file()]
        if not hits:
            raise ConfigError(f"inputs: no file matches {pattern!r} ({resolve_path(pattern)})"
                              f"{_producer_hint(pattern)}")
        found.update(hits)
    paths = sorted(found)
    names = [shard_name(p) for p in paths]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"inputs: several inputs map to the same output shard {dup}; "
                          f"expected <corpus run_dir>/output/<source>/<shard>.jsonl.zst")
    return paths


def shard_name(path: Path) -> str:
    """``.../output/<source>/00003.jsonl.zst`` -> ``<source>/00003``."""
    stem = path.name
    for suffix in (".zst", ".jsonl", ".json"):
        stem = stem[: -len(suffix)] if stem.endswith(suffix) else stem
    return f"{path.parent.name}/{stem}"


def output_path(run_dir: Path, input_path: Path) -> Path:
    return Path(run_dir) / "shards" / f"{shard_name(input_path)}.h5"


def _check_tokenizer(cfg: TokenizeConfig) -> Path:
    """The sentencepiece model file, refused here (on the login node, naming it) when the tasks
    could not use it: a folder (an HF tokenizer's), a file sentencepiece cannot read (an HF
    ``tokenizer.json``), or a model without an EOS piece (the documents' separator in the shards)."""
    import sentencepiece as spm

    if not cfg.tokenizer:
        raise ConfigError("tokenizer: no path given (e.g. logs/tokenizer/debug/tokenizer.model)")
    path = resolve_path(cfg.tokenizer)
    if path.is_dir():
        models = sorted(p.name for p in path.glob("*.model"))
        raise ConfigError(f"tokenizer: {path} is a folder; give the sentencepiece model file "
                          + (f"in it ({', '.join(models)})" if models else "(the folder has no .model file)"))
    if not path.is_file():
        raise ConfigError(f"tokenizer: {path} does not exist{_producer_hint(cfg.tokenizer)}")
    try:
        sp = spm.SentencePieceProcessor(model_file=str(path))
    except (RuntimeError, OSError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(f"tokenizer: {path} is not a sentencepiece model ({reason}); the stage encodes with "
                          f"sentencepiece and reads a .model file, not an HF tokenizer.json") from None
    if sp.eos_id() < 0:
        raise ConfigError(f"tokenizer: {path} has no EOS piece (eos_id=-1): the shards need it between documents")
    return path


def plan(cfg: TokenizeConfig, run_dir: Path) -> list[Step]:
    """Check inputs, record the input list, and mark shards that are already done."""
    inputs = find_inputs(cfg)
    tok = _check_tokenizer(cfg)
    tok_sha = fileio.sha256_file(tok)
    run_dir = Path(run_dir)
    # The tasks read this list rather than globbing again: a shard that appears later cannot
    # shift the task indices of a running array.
    fileio.write_json(run_dir / INPUTS_FILE, {"inputs": [str(p) for p in inputs], "tokenizer": str(tok),
                                              "tokenizer_sha256": tok_sha})
    digest = fileio.config_digest(to_dict(cfg))
    # A marker counts for the same input file (task indices follow the sorted inputs) and the
    # same tokenizer bytes; the config digest alone would miss a tokenizer retrained in place.
    done = []
    for i, p in enumerate(inputs):
        r = fileio.result(run_dir, "shards", i, digest) or {}
        done.append(r.get("input") == str(p) and r.get("tokenizer_sha256") == tok_sha)
    return [Step("shards", "jiniac_hpc.data.pretokenize:tokenize_task", tasks=len(inputs), done=done),
            Step("index", "jiniac_hpc.data.pretokenize:index_task",
                 done=fileio.done_after(run_dir, "index", digest, done))]


# ---------------------------------------------------------------------------------------------
# Step 1: one corpus shard
# ---------------------------------------------------------------------------------------------


def iter_record_batches(path: Path, block_bytes: int = 8 << 20) -> Iterator:
    """Arrow record batches (columns ``id``, ``text``, ``source``, ``lang``) of a ``.jsonl.zst`` shard.

    Parsed by Arrow's C++ JSON reader (streaming, bounded memory): per-document Python JSON
    parsing cost more than encoding a short document. Any problem is re-located with the strict
    line reader (:func:`jiniac_hpc.fileio.read_jsonl`) so the error names the file and line.
    """
    import pyarrow as pa
    import pyarrow.json as pj

    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("source", pa.string()), ("lang", pa.string())])
    try:
        with pa.input_stream(str(path), compression="zstd" if path.suffix == ".zst" else None) as f:
            opts = dict(read_options=pj.ReadOptions(block_size=block_bytes, use_threads=False),
                        parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
            # open_json streams (pyarrow >= 19); older versions read the whole shard at once.
            reader = pj.open_json(f, **opts) if hasattr(pj, "open_json") else pj.read_json(f, **opts).to_batches()
            for batch in reader:
                if batch.column("text").null_count:
                    raise ValueError("a record without a string 'text'")
                yield batch
    except (pa.ArrowException, ValueError) as e:
        records = sum(1 for _ in fileio.read_jsonl(path, text_key="text"))   # raises naming file:line if it can
        if records == 0:
            return                          # an empty shard (Arrow: "Empty JSON stream") holds no documents
        raise ValueError(f"{path}: {e}") from None


def in_eval(doc_key: str, eval_fraction: float, salt: str) -> bool:
    """Deterministic held-out membership of one document (independent of sharding and order)."""
    return bool(in_eval_many([doc_key], eval_fraction, salt)[0])


def in_eval_many(doc_keys, eval_fraction: float, salt: str):
    """:func:`in_eval` for a list or Arrow array of keys, as a bool array.

    The hash is computed for all keys at once in numpy (a per-byte splitmix64 of byte, position
    and salt, summed per key, then mixed again): Python-level hashing of every document cost as
    much as encoding a short one. Stable across processes, machines and numpy versions.
    """
    import numpy as np
    import pyarrow as pa

    from jiniac_hpc.data.walk import _mix64, derive_key

    keys = doc_keys if isinstance(doc_keys, pa.Array) else pa.array(doc_keys, pa.string())
    n = len(keys)
    if eval_fraction <= 0 or n == 0:
        return np.zeros(n, dtype=bool)
    keys = keys.cast(pa.large_binary())
    offsets = np.frombuffer(keys.buffers()[1], dtype=np.int64, count=n + 1, offset=keys.offset * 8)
    data = np.frombuffer(keys.buffers()[2], dtype=np.uint8) if keys.buffers()[2] is not None else np.zeros(0, np.uint8)
    start, lens = offsets[:-1], np.diff(offsets)
    b = data[offsets[0]:offsets[-1]].astype(np.uint64)
    pos = (np.arange(offsets[0], offsets[-1], dtype=np.int64) - np.repeat(start, lens)).astype(np.uint64)
    v = _mix64(b ^ (pos << np.uint64(8)) ^ np.uint64(derive_key("split", salt)))
    h = np.zeros(n, dtype=np.uint64)
    nonempty = lens > 0
    if nonempty.any():
        h[nonempty] = np.add.reduceat(v, (start - offsets[0])[nonempty])
    h = _mix64(h ^ lens.astype(np.uint64))
    return h < np.uint64(min(int(eval_fraction * 2.0 ** 64), 2 ** 64 - 1))


class FlatEncoder:
    """Encode a batch of UTF-8 texts with EOS appended: one flat int32 array of all ids and each
    text's length, the form the shard writer packs.

    sentencepiece (0.2.3, the pinned version) can hand each text's ids over as a C++ buffer;
    building Python int lists and converting them back to numpy cost about 40% of the encode
    time itself (``benchmarks/tokenize_throughput.py``). The buffer call is the processor's internal
    ``_EncodeAsBufferBatch`` (what ``encode(out_type="numpy")`` uses, minus one numpy array per
    text), so it is checked once against ``encode()`` on a probe and the list path is used
    if the call is missing or disagrees. ``fast=False`` forces the list path.
    """

    PROBE = [b"probe: \xe6\x9d\xb1\xe4\xba\xac def f(x):\n    return x", b"", b"\xf0\x9f\x98\x80 12345"]

    def __init__(self, sp, threads: int = 1, fast: bool = True):
        self.sp, self.threads, self.eos = sp, threads, sp.eos_id()
        self._buffers = getattr(getattr(sp, "_processor", None), "_EncodeAsBufferBatch", None) if fast else None
        if self._buffers is not None:
            try:
                ids, lens = self._encode_buffers(self.PROBE)
                want = sp.encode(self.PROBE, add_eos=True)
                ok = lens.tolist() == [len(w) for w in want] and ids.tolist() == [i for w in want for i in w]
            except Exception:       # a changed internal signature: fall back, never fail the task
                ok = False
            if not ok:
                self._buffers = None

    @property
    def fast(self) -> bool:
        return self._buffers is not None

    def __call__(self, texts: list[bytes]):
        """(ids, lens) of ``texts``: int32 ids of every text followed by EOS, concatenated."""
        import numpy as np

        if not texts:
            return np.zeros(0, np.int32), np.zeros(0, np.int64)
        if self._buffers is not None:
            return self._encode_buffers(texts)
        docs = self.sp.encode(texts, num_threads=self.threads, add_eos=True)
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        return np.fromiter(chain.from_iterable(docs), dtype=np.int32, count=int(lens.sum())), lens

    def buffers(self, texts: list[bytes]) -> list:
        """The fast path's raw material: one int32 id buffer per text, EOS appended."""
        # Positional: input, num_threads, thread_pool, enable_sampling, nbest_size, alpha,
        # add_bos, add_eos, reverse (sentencepiece's Encode() builds the same list).
        return self._buffers(texts, self.threads, None, False, -1, 0.1, False, True, False)

    def _encode_buffers(self, texts: list[bytes]):
        import numpy as np

        ids = np.frombuffer(b"".join(self.buffers(texts)), dtype=np.int32)
        # Every text ends in EOS and EOS never comes from text (a control piece), so the EOS
        # positions are the document ends: no per-document Python work.
        ends = np.flatnonzero(ids == self.eos) + 1
        if len(ends) != len(texts):
            raise RuntimeError(f"sentencepiece returned {len(ends)} EOS for {len(texts)} texts")
        return ids, np.diff(ends, prepend=0)


def tokenize_file(cfg: TokenizeConfig, src: Path, out: Path, sp, tok_sha: str, fast: bool = True) -> dict:
    """Encode, split and pack one corpus shard into ``out`` (atomically). Returns its stats.
    ``fast=False`` encodes through Python lists (see :class:`FlatEncoder`; same shard)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from jiniac_hpc.data.account import TextAccount
    from jiniac_hpc.data.shards import ShardWriter

    source = src.parent.name
    eos = sp.eos_id()
    if eos < 0:
        raise ValueError(f"tokenizer: the sentencepiece model has no EOS piece (eos_id={eos})")
    encode = FlatEncoder(sp, cfg.threads, fast)
    t0 = time.time()
    langs: Counter = Counter()
    skipped = docs_in = 0
    account = TextAccount(sp)
    salt = f"{cfg.split_seed}\0{source}"
    writer = ShardWriter(out, source=source, lang="", tokenizer_sha=tok_sha, seq_len=cfg.seq_len,
                         vocab_size=sp.get_piece_size(), eos_id=eos, dtype=cfg.dtype, chunk_tokens=cfg.chunk_tokens,
                         compression=cfg.compression, compression_level=cfg.compression_level,
                         flush_tokens=cfg.flush_tokens)

    with writer:
        for batch in iter_record_batches(src):
            for value in pc.unique(batch.column("source")).to_pylist():
                if value is not None and value != source:
                    raise ValueError(f"{src}: a record has source {value!r}, not its folder's {source!r} "
                                     f"(expected output/<source>/<shard>.jsonl.zst)")
            # UTF-8 bytes straight from Arrow: sentencepiece takes them as they are, which saves a
            # decode to str here and the re-encode to UTF-8 inside sentencepiece.
            texts = batch.column("text").cast(pa.binary()).to_pylist()
            chars = pc.utf8_length(batch.column("text")).to_numpy(zero_copy_only=False)
            docs_in += len(texts)
            counts = pc.value_counts(pc.fill_null(batch.column("lang"), ""))
            langs.update(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())))
            ids = batch.column("id")
            keys = pc.if_else(pc.is_null(ids), batch.column("text"), ids) if ids.null_count else ids
            held = in_eval_many(keys, cfg.eval_fraction, salt)
            if not all(texts):
                keep = [i for i, t in enumerate(texts) if t]
                skipped += len(texts) - len(keep)
                texts, held, chars = [texts[i] for i in keep], held[keep], chars[keep]
            for start in range(0, len(texts), cfg.batch_docs):
                part = texts[start:start + cfg.batch_docs]
                ids, lens = encode(part)
                flags = held[start:start + cfg.batch_docs]
                account.add(part, chars[start:start + cfg.batch_docs], flags, ids, lens)
                if flags.any():
                    in_eval_token = np.repeat(flags, lens)
                    writer.add_flat("eval", ids[in_eval_token], lens[flags])
                    ids, lens = ids[~in_eval_token], lens[~flags]
                writer.add_flat("train", ids, lens)
        writer.file.attrs["lang"] = langs.most_common(1)[0][0] if langs else ""
    stats = {"input": str(src), "source": source, "lang": langs.most_common(1)[0][0] if langs else "",
             "langs": dict(langs), "docs_in": docs_in, "skipped_empty": skipped,
             "seconds": round(time.time() - t0, 3), "tokenizer_sha256": tok_sha, "seq_len": cfg.seq_len,
             **writer.stats, **account.stats()}
    # every document read is written, dropped at the end of a split, or skipped as empty
    if docs_in != skipped + stats["train"]["docs"] + stats["eval"]["docs"]:
        raise RuntimeError(f"{src}: {docs_in} documents read, but {skipped} skipped + "
                           f"{stats['train']['docs']} train + {stats['eval']['docs']} eval")
    return stats


def tokenize_task(cfg: TokenizeConfig, ctx: TaskContext) -> dict:
    """Array task ``ctx.task``: tokenize the ctx.task-th input of ``inputs.json``."""
    import sentencepiece as spm

    manifest = fileio.read_json(ctx.run_dir / INPUTS_FILE)
    src = Path(manifest["inputs"][ctx.task])
    tok = Path(manifest["tokenizer"])
    tok_sha = fileio.sha256_file(tok)
    if tok_sha != manifest["tokenizer_sha256"]:
        raise RuntimeError(f"{tok} changed since the stage was planned (sha256 {tok_sha[:12]} != "
                           f"{manifest['tokenizer_sha256'][:12]}); relaunch the stage")
    out = output_path(ctx.run_dir, src)
    sp = spm.SentencePieceProcessor(model_file=str(tok))
    stats = tokenize_file(cfg, src, out, sp, tok_sha)
    both = ("train", "eval")
    lost = {"empty documents skipped": stats["skipped_empty"],
            "documents dropped at a split's end": sum(stats[k]["docs_dropped_at_end"] for k in both),
            "tokens dropped at a split's end": sum(stats[k]["dropped_tokens"] for k in both),
            "characters written as <unk>": stats["unknown"]["chars"],
            "documents changed by normalisation": stats["normalized"]["docs"]}
    print(f"[tokenize] {shard_name(src)}: {stats['train']['tokens']} train + {stats['eval']['tokens']} eval "
          f"tokens in {stats['seconds']}s -> {out}" + "".join(f"; {v} {k}" for k, v in lost.items() if v), flush=True)
    return stats


# ---------------------------------------------------------------------------------------------
# Step 2: index.json
# ---------------------------------------------------------------------------------------------


def build_index(run_dir: Path, outputs: list[Path]) -> dict:
    """Collect the attributes of shard files ``outputs`` (under ``run_dir``) into the index.

    Refuses shards of different tokenizers or sequence lengths, and missing shards.
    """
    from jiniac_hpc.data.shards import read_attrs

    run_dir = Path(run_dir)
    missing = [str(p) for p in outputs if not Path(p).exists()]
    if missing:
        raise RuntimeError(f"{len(missing)} shard(s) not done, e.g. {missing[:3]}; relaunch the stage")
    shards, by_tok, by_len = [], {}, {}
    for out in map(Path, outputs):
        a = read_attrs(out)
        rel = str(out.relative_to(run_dir))
        by_tok.setdefault(a["tokenizer_sha256"], []).append(rel)
        by_len.setdefault(a["seq_len"], []).append(rel)
        shards.append({"path": rel, "source": a["source"], "lang": a["lang"], "dtype": a["dtype"],
                       "train": a["train"], "eval": a["eval"], "tokenizer_sha256": a["tokenizer_sha256"],
                       "seq_len": a["seq_len"], "vocab_size": a["vocab_size"], "eos_id": a["eos_id"]})
    if len(by_tok) > 1:
        detail = "; ".join(f"{sha[:12]}: {files[:3]}" for sha, files in by_tok.items())
        raise RuntimeError(f"shards in {run_dir} were made by {len(by_tok)} different tokenizers ({detail}); "
                           f"refusing to index them together. Delete the stale shards and relaunch.")
    if len(by_len) > 1:
        raise RuntimeError(f"shards in {run_dir} have different seq_len {sorted(by_len)}; refusing to index them")
    sources: dict = {}
    for s in shards:
        agg = sources.setdefault(s["source"], {"lang": s["lang"], "shards": 0,
                                               "train": {"seqs": 0, "tokens": 0}, "eval": {"seqs": 0, "tokens": 0}})
        agg["shards"] += 1
        for split in ("train", "eval"):
            for k in COUNTED:   # (shards written before the document counts lack them: 0)
                agg[split][k] = agg[split].get(k, 0) + s[split].get(k, 0)
    first = shards[0] if shards else {}
    return {"format": "jiniac-index-v1", "seq_len": first.get("seq_len"),
            "tokenizer_sha256": first.get("tokenizer_sha256"), "vocab_size": first.get("vocab_size"),
            "eos_id": first.get("eos_id"),
            "totals": {split: {k: sum(v[split][k] for v in sources.values()) for k in COUNTED}
                       for split in ("train", "eval")},
            "sources": sources, "shards": shards}


def index_task(cfg: TokenizeConfig, ctx: TaskContext) -> dict:
    manifest = fileio.read_json(ctx.run_dir / INPUTS_FILE)
    index = build_index(ctx.run_dir, [output_path(ctx.run_dir, Path(p)) for p in manifest["inputs"]])
    fileio.write_json(ctx.run_dir / INDEX_FILE, index)
    t = index["totals"]
    print(f"[tokenize] index: {len(index['shards'])} shards, {t['train']['tokens']} train / "
          f"{t['eval']['tokens']} eval tokens, sources {sorted(index['sources'])} -> {ctx.run_dir / INDEX_FILE}",
          flush=True)
    return index["totals"]
