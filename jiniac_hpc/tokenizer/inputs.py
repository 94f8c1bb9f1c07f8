"""Read a language's documents and split them into a training sample and a held-out set.

    python -m jiniac_hpc.tokenizer.inputs debug     # prints docs/chars per language of a recipe

Input kinds (``InputConfig.kind``):
- ``jsonl``: the corpus stage's shards, ``*.jsonl`` or ``*.jsonl.zst``, one JSON object a line
  with ``text`` and ``lang``; ``lang:`` in the recipe keeps one language of a mixed shard.
- ``jsquad``: JGLUE JSQuAD JSON; each paragraph's ``context`` (its ``"title [SEP] "`` prefix
  removed) is a document. Used by the self-contained ``debug`` recipe, whose path
  ``jglue:jsquad-v1.3-valid.json`` means that file in :func:`jiniac_hpc.paths.jglue_dir`
  (and ``logs:corpus/tiny/output/*/*.jsonl.zst`` a glob in the run directories).
- ``text``: each file is one document.

The held-out split is by a hash of the document text (and the seed), not by position, so it is
stable when shards are added or reordered and a document never lands on both sides.
"""
from __future__ import annotations

import glob
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError
from jiniac_hpc.paths import resolve_path
from jiniac_hpc.tokenizer.config import InputConfig, LanguageConfig

# sentencepiece reads one "sentence" per line and drops lines above max_sentence_length bytes;
# long lines are cut here instead (3 bytes a kana/kanji, 4 for emoji -> well below 16 KiB).
MAX_LINE_CHARS = 2000


def resolve_glob(pattern: str) -> Path:
    """A recipe glob as an absolute pattern: ``jglue:<file>``, ``logs:<stage>/<run>/...`` and
    plain paths, as :func:`jiniac_hpc.paths.resolve_path` resolves them."""
    return resolve_path(pattern)


def expand(inp: InputConfig, key: str) -> list[Path]:
    """The files of one input, sorted; ``key`` names it in errors (``languages[0].inputs[1]``)."""
    files: list[Path] = []
    for pattern in inp.paths:
        full = resolve_glob(pattern)
        hits = sorted(Path(p) for p in glob.glob(str(full), recursive=True))
        hits = [p for p in hits if p.is_file() and not p.name.endswith(".tmp")]
        if not hits:
            raise ConfigError(f"{key}.paths: {pattern!r} matches no file (resolved: {full})")
        files += hits
    return files


def read_jsonl(path: Path, lang: str | None = None, text_key: str = "text") -> Iterator[str]:
    """Texts of a (zstd-compressed) JSON-lines file; a bad line fails naming the file and line."""
    for rec in fileio.read_jsonl(path, text_key=text_key):
        if lang is None or rec.get("lang") == lang:
            yield rec[text_key]


def jsquad_articles(path: Path) -> list:
    """The articles of a SQuAD-format JSON file (JSQuAD): ``data`` of ``{"data": [articles]}``."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ConfigError(f"{path}: not a SQuAD-format JSON file ({{'data': [{{'paragraphs': ...}}]}}): {e!r}") from None


def read_jsquad(path: Path) -> Iterator[str]:
    """Paragraph contexts of a JSQuAD file, without the ``"<title> [SEP] "`` prefix."""
    for i, art in enumerate(jsquad_articles(path)):
        for j, par in enumerate(art.get("paragraphs", [])):
            ctx = par.get("context")
            if not isinstance(ctx, str):
                raise ValueError(f"{path}: data[{i}].paragraphs[{j}] has no string 'context'")
            yield ctx.split(" [SEP] ", 1)[-1]


def read_input(inp: InputConfig, key: str) -> Iterator[str]:
    for path in expand(inp, key):
        if inp.kind == "jsonl":
            yield from read_jsonl(path, inp.lang, inp.text_key)
        elif inp.kind == "jsquad":
            yield from read_jsquad(path)
        else:
            yield path.read_text(encoding="utf-8")


def is_heldout(text: str, fraction: float, seed: int) -> bool:
    h = hashlib.blake2b(f"{seed}\x00{text}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "little") / 2**64 < fraction


@dataclass
class Sample:
    train: list[str]       # documents for training (at most sample_chars characters)
    heldout: list[str]     # documents for the report (at most heldout_max_chars characters)
    docs_read: int

    @property
    def train_chars(self) -> int:
        return sum(map(len, self.train))

    @property
    def heldout_chars(self) -> int:
        return sum(map(len, self.heldout))


def sample_language(lang: LanguageConfig, seed: int, index: int = 0) -> Sample:
    """Documents of ``lang``: the held-out ones by hash, the rest until ``sample_chars``.

    Files are visited in a seeded shuffled order so a sample smaller than the corpus is not
    just the first source; reading stops once both sides are full.
    """
    files: list[tuple[InputConfig, Path, str]] = []
    for j, inp in enumerate(lang.inputs):
        key = f"languages[{index}].inputs[{j}]"
        files += [(inp, p, key) for p in expand(inp, key)]
    random.Random(seed).shuffle(files)
    train: list[str] = []
    heldout: list[str] = []
    n_train = n_held = n_docs = 0
    seen: set[bytes] = set()
    for inp, path, key in files:
        one = InputConfig(paths=[str(path)], kind=inp.kind, lang=inp.lang, text_key=inp.text_key)
        for text in read_input(one, key):
            if not text.strip():
                continue
            digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
            if digest in seen:   # JSQuAD repeats contexts; the corpus is deduplicated already
                continue
            seen.add(digest)
            n_docs += 1
            if is_heldout(text, lang.heldout_fraction, seed):
                if n_held < lang.heldout_max_chars:
                    heldout.append(text)
                    n_held += len(text)
            elif n_train < lang.sample_chars:
                train.append(text)
                n_train += len(text)
            if n_train >= lang.sample_chars and (n_held >= lang.heldout_max_chars or lang.heldout_fraction == 0):
                return Sample(train, heldout, n_docs)
    if not heldout and lang.heldout_fraction > 0 and len(train) >= 2:
        # So few documents that the hash kept none out: hold out the last one, so the report
        # still has text to score (tiny smoke runs); a real corpus never gets here.
        heldout.append(train.pop())
    if not train:
        raise ConfigError(f"languages[{index}] ({lang.name}): the inputs hold no training text")
    return Sample(train, heldout, n_docs)


def training_lines(doc: str, max_chars: int = MAX_LINE_CHARS) -> Iterator[str]:
    """A document as sentencepiece input lines: split at newlines, long lines cut, blanks dropped."""
    for line in doc.split("\n"):
        if not line.strip():
            continue
        for i in range(0, len(line), max_chars):
            yield line[i:i + max_chars]


def write_lines(path: Path, lines: Iterator[str]) -> int:
    """Write lines atomically; returns the number of characters written (without newlines)."""
    n = 0
    with fileio.atomic_open(path, "w") as f:
        for line in lines:
            f.write(line + "\n")
            n += len(line)
    return n


def write_docs(path: Path, docs: list[str]) -> None:
    """Documents as JSON lines (newlines inside documents survive), atomically."""
    fileio.write_jsonl(path, ({"text": d} for d in docs))


def read_docs(path: Path) -> list[str]:
    return list(read_jsonl(path))


if __name__ == "__main__":
    import sys

    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.tokenizer.config import TokenizerConfig

    cfg = load_recipe("tokenizer", TokenizerConfig, sys.argv[1] if len(sys.argv) > 1 else "debug")
    for i, lg in enumerate(cfg.languages):
        s = sample_language(lg, cfg.seed, i)
        print(f"{lg.name}: {s.docs_read} docs read, train {len(s.train)} docs / {s.train_chars} chars, "
              f"held-out {len(s.heldout)} docs / {s.heldout_chars} chars")
