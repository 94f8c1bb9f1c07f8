"""What the login node can tell about an HF tokenizer folder without transformers: its token ids.

    python -m jiniac_hpc.tokenizer.folder logs/tokenizer/debug/hf [MODEL_DIR]   # ids (and the check)

SFT, DPO and evaluation take any tokenizer folder (``tokenizer_path`` / ``tokenizer``): the tokenizer
stage's ``hf/`` or a user's own. One whose ids run past the model's embedding would load the model
and data and then fail at the first such id (on a GPU as a device-side assert), so the stages' plans
refuse it with :func:`check_fits`, from ``tokenizer.json`` and ``config.json`` read as JSON.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError


def token_ids(folder: Path) -> Optional[int]:
    """1 + the largest token id of an HF tokenizer folder, from its tokenizer.json and the added
    tokens of tokenizer_config.json; None without a tokenizer.json (a slow tokenizer's own files)."""
    folder = Path(folder)
    if not (folder / "tokenizer.json").is_file():
        return None
    tok = fileio.read_json(folder / "tokenizer.json")
    vocab = (tok.get("model") or {}).get("vocab") or []
    top = len(vocab) - 1 if isinstance(vocab, list) else max(vocab.values(), default=-1)   # (Unigram: a list)
    added = [a.get("id", -1) for a in tok.get("added_tokens") or []]
    added += [int(k) for k in (fileio.read_json(folder / "tokenizer_config.json", {}).get("added_tokens_decoder") or {})]
    return max([top, *added]) + 1


def check_fits(folder: Path, model_dir: Path, key: str) -> None:
    """ConfigError naming ``key`` and both files when the folder's ids do not fit the model's
    embedding (``vocab_size`` of its config.json; no check when either number is unknown)."""
    ids, rows = token_ids(folder), fileio.read_json(Path(model_dir) / "config.json", {}).get("vocab_size")
    if ids is not None and isinstance(rows, int) and ids > rows:
        raise ConfigError(f"{key}: {folder} has {ids} token ids, more than the {rows} rows of the model's "
                          f"embedding ({Path(model_dir) / 'config.json'} vocab_size): it is not this model's tokenizer")


if __name__ == "__main__":
    import sys

    print(f"{sys.argv[1]}: {token_ids(Path(sys.argv[1]))} token ids")
    if len(sys.argv) > 2:
        try:
            check_fits(Path(sys.argv[1]), Path(sys.argv[2]), "tokenizer")
        except ConfigError as e:
            sys.exit(str(e))
        print(f"fits {sys.argv[2]}")
