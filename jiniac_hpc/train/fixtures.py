"""Tiny pre-tokenized data for pretraining tests and the benchmark (JGLUE text, 2000-piece vocab).

    python -m jiniac_hpc.train.fixtures /tmp/jiniac-pretrain-data      # prints the index.json path

Builds the corpus layout and tokenizer with :mod:`jiniac_hpc.data.fixtures`, then runs the real
``tokenize`` stage in-process (seq_len 64, four sources: jsquad, jnli, jsts, jcqa). Reused when
already built, so a test session pays for it once.
"""
from __future__ import annotations

import sys
from pathlib import Path

SEQ_LEN = 64
VOCAB = 2000


def build_index(root: str | Path, seq_len: int = SEQ_LEN) -> Path:
    """``<root>/tokenize/index.json`` (built if missing)."""
    from jiniac_hpc.config import from_dict
    from jiniac_hpc.data import fixtures
    from jiniac_hpc.data.config import TokenizeConfig

    root = Path(root)
    index = root / "tokenize" / "index.json"
    if index.exists():
        return index
    corpus, tok = fixtures.build(root, vocab_size=VOCAB, shards_per_source=1)
    cfg = from_dict(TokenizeConfig, {"inputs": [str(corpus / "output" / "*" / "*.jsonl.zst")],
                                     "tokenizer": str(tok), "seq_len": seq_len, "eval_fraction": 0.1,
                                     "chunk_tokens": None})
    fixtures.run_inline(cfg, root / "tokenize")
    return index


if __name__ == "__main__":
    print(build_index(sys.argv[1] if len(sys.argv) > 1 else "/tmp/jiniac-pretrain-data"))
