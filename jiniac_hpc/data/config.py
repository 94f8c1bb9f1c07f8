"""The ``pretokenize`` stage recipe: corpus shards -> packed HDF5 token shards.

    python jobs/pretokenize.py --recipe debug
    python jobs/pretokenize.py --recipe debug --set seq_len=256 --set compression=lzf

Light module (no numpy/h5py/torch): the login node imports it to validate a recipe.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from jiniac_hpc.config import check, field
from jiniac_hpc.cluster import JobConfig


@dataclass
class TokenizeConfig:
    """Pre-tokenization: one array task per corpus shard, then one dependent index job."""

    inputs: list[str] = field(default_factory=list, doc=(
        "Glob patterns of corpus shards (<corpus run_dir>/output/<source>/<shard>.jsonl.zst), relative "
        "to the repository root. The source of a shard is its parent folder's name."))
    tokenizer: str = field("", doc="A sentencepiece model file with an EOS piece: the project's "
                                   "(<tokenizer run_dir>/tokenizer.model) or one of the user's own. An HF "
                                   "tokenizer folder or tokenizer.json is refused when the stage is planned.")
    seq_len: int = field(4096, doc=(
        "Training sequence length. Documents (each followed by EOS) are concatenated and cut into "
        "windows of seq_len + 1 tokens, so every one of the seq_len inputs has a next-token target."))
    eval_fraction: float = field(0.05, doc=(
        "Share of each source's documents held out for evaluation (JINIAC: 95:5). The split is a hash "
        "of the document id, so it is the same whatever the sharding or the run."))
    split_seed: int = field(0, doc="Salt of the train/eval hash; change it to draw another held-out set.")
    dtype: Literal["auto", "uint16", "uint32"] = field("auto", doc=(
        "Token dtype on disk. auto: uint16 when the vocabulary has at most 65536 pieces, else uint32."))
    chunk_tokens: Optional[int] = field(1 << 16, doc=(
        "HDF5 chunk size in tokens. null: a contiguous dataset, read through a memory map (fastest "
        "reads, no compression). See benchmarks/tokenize_throughput.py for the trade-off."))
    compression: Optional[Literal["gzip", "lzf"]] = field(None, doc=(
        "HDF5 filter for the tokens (needs chunk_tokens). Smaller files, slower random reads."))
    compression_level: Optional[int] = field(None, doc="gzip level 0-9 (default 4).")
    batch_docs: int = field(2048, doc="Documents per sentencepiece encode call (amortizes call overhead).")
    threads: int = field(1, doc="sentencepiece threads per task; match job.cpus_per_task.")
    flush_tokens: int = field(1 << 22, doc="Tokens buffered in memory before they are appended to the file.")
    job: JobConfig = field(default_factory=lambda: JobConfig(time_min=120, array_parallelism=64),
                           doc="Resources of each array task (CPU only).")

    def __post_init__(self):
        check(isinstance(self.inputs, list) and all(isinstance(x, str) and x for x in self.inputs), "inputs",
              "must be a list of glob patterns")
        check(self.seq_len >= 2, "seq_len", f"must be >= 2, got {self.seq_len}")
        check(0.0 <= self.eval_fraction < 1.0, "eval_fraction", f"must be in [0, 1), got {self.eval_fraction}")
        check(self.chunk_tokens is None or self.chunk_tokens >= 1, "chunk_tokens", "must be >= 1 or null")
        check(self.compression is None or self.chunk_tokens is not None, "compression",
              "needs chunk_tokens (HDF5 filters work on chunked datasets only)")
        check(self.compression_level is None or (self.compression == "gzip" and 0 <= self.compression_level <= 9),
              "compression_level", "only for compression: gzip, 0-9")
        check(self.batch_docs >= 1, "batch_docs", "must be >= 1")
        check(self.threads >= 1, "threads", "must be >= 1")
        check(self.flush_tokens >= self.seq_len + 1, "flush_tokens", "must be >= seq_len + 1")
        check(not self.job.gpus, "job.gpus", "pre-tokenization is a CPU stage")
