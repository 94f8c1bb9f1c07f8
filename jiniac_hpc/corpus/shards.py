"""Run-directory layout, the input manifest, atomic shard writers and completion markers.

    python -m jiniac_hpc.corpus.shards debug       # prints the manifest (input shard per array task)

Layout of ``logs/corpus/<run>/``::

    shards.json                              manifest: array task i -> (source, shard, input file)
    work/clean/<src>/<shard>.jsonl.zst       after read + clean + filters + PII   (+ .done: stats)
    work/sig/<src>/<shard>.{meta,mh}.npy     exact hash, sizes, MinHash signatures (+ .done)
    work/dedup/edges-<task>.npy              duplicate pairs: exact (task 0), one LSH band a task (+ .done)
    work/dedup/drop/<src>/<shard>.json       what each shard drops (+ .done)
    rejects/<src>/<shard>.jsonl.zst          filtered documents with their reason, bad input lines
    rejects/<src>/<shard>.dedup.jsonl.zst    duplicates (with the id they duplicate) and budget cuts
    output/<src>/<shard>.jsonl.zst           final shards: {"id", "text", "source", "lang"[, "meta"]} (+ .done)
    stats.json, report.md                    the report (+ report.done)

One array task per input file (one Arrow file for a ``datasets`` folder): big sources come
pre-sharded (CulturaX parquet, SlimPajama chunks), so no byte-range splitting is needed and a
shard's records have a stable order (ids ``<src>-<shard>-<position>``). Every file is written
to ``<name>.tmp<pid>`` and renamed; the ``.done`` marker is written last, so a killed task
leaves at most a temp file, which the rerun of that task removes.
"""
from __future__ import annotations

import glob
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from jiniac_hpc.config import ConfigError
from jiniac_hpc.corpus.config import CorpusConfig
from jiniac_hpc.paths import resolve_path


@dataclass(frozen=True)
class Shard:
    task: int        # array index, global over all sources
    source: str
    index: int       # shard number within the source (output/<source>/<index:05d>.jsonl.zst)
    path: str

    @property
    def stem(self) -> str:
        return f"{self.index:05d}"


def input_path(p: str) -> str:
    """Recipe path -> absolute pattern; ``jglue:`` and ``shared:`` use the shared data folder."""
    return str(resolve_path(p))


def expand_inputs(cfg: CorpusConfig) -> list[Shard]:
    """Every input shard, sorted, or a ConfigError naming the recipe key of a missing path."""
    from jiniac_hpc.corpus.readers import hf_disk_files

    shards: list[Shard] = []
    for i, src in enumerate(cfg.sources):
        files: list[str] = []
        for j, p in enumerate(src.paths):
            pattern = input_path(p)
            found = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else \
                ([pattern] if os.path.exists(pattern) else [])
            if not found:
                hint = "; an environment variable in it is not set" if "$" in pattern else ""
                raise ConfigError(f"sources[{i}].paths[{j}] ({src.name}): no file matches {p!r} "
                                  f"(resolved: {pattern}{hint})")
            for f in found:
                if src.reader == "hf_disk":
                    try:
                        files += [str(x) for x in hf_disk_files(Path(f))]
                    except ValueError as e:
                        raise ConfigError(f"sources[{i}].paths[{j}] ({src.name}): {e}") from None
                elif os.path.isdir(f):
                    raise ConfigError(f"sources[{i}].paths[{j}] ({src.name}): {f} is a folder; "
                                      f"reader {src.reader!r} reads files (use a glob like '{p}/*.jsonl')")
                else:
                    files.append(f)
        seen: set[str] = set()
        for f in files:
            if f not in seen:
                seen.add(f)
                shards.append(Shard(len(shards), src.name, len(seen) - 1, f))
    return shards


def load_manifest(run_dir: Path) -> list[Shard]:
    return [Shard(**d) for d in json.loads((run_dir / "shards.json").read_text())]


def write_manifest(run_dir: Path, shards: list[Shard]) -> None:
    """Pin task -> file. A relaunch whose inputs changed must use a new run name."""
    path = run_dir / "shards.json"
    data = [s.__dict__ for s in shards]
    if path.exists():
        old = json.loads(path.read_text())
        if old != data:
            raise ConfigError(f"{path}: the input files changed since this run started "
                              f"({len(old)} -> {len(data)} shards); use a new --run-name or delete the run")
        return
    atomic_write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


# --- paths ----------------------------------------------------------------------------------

def clean_path(run_dir: Path, s: Shard) -> Path:
    return run_dir / "work" / "clean" / s.source / f"{s.stem}.jsonl.zst"


def sig_prefix(run_dir: Path, s: Shard) -> Path:
    return run_dir / "work" / "sig" / s.source / s.stem


def drop_path(run_dir: Path, s: Shard) -> Path:
    return run_dir / "work" / "dedup" / "drop" / s.source / f"{s.stem}.json"


def rejects_path(run_dir: Path, s: Shard, kind: str = "") -> Path:
    return run_dir / "rejects" / s.source / f"{s.stem}{'.' + kind if kind else ''}.jsonl.zst"


def output_path(run_dir: Path, s: Shard) -> Path:
    return run_dir / "output" / s.source / f"{s.stem}.jsonl.zst"


def marker(path: Path) -> Path:
    return path.with_name(path.name + ".done")


# --- atomic writing -------------------------------------------------------------------------

def _tmp(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp{os.getpid()}")


def remove_stale(path: Path) -> None:
    """Remove leftovers of a killed earlier attempt: temp files, and the file without its marker."""
    for p in path.parent.glob(glob.escape(path.name) + ".tmp*"):
        p.unlink(missing_ok=True)
    if not marker(path).exists():
        path.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_marker(path: Path, stats: dict) -> None:
    """The completion marker of ``path`` (holds the task's stats, so it doubles as their file)."""
    atomic_write_text(marker(path), json.dumps(stats, sort_keys=True, ensure_ascii=False, indent=1) + "\n")


def read_marker(path: Path) -> dict:
    return json.loads(marker(path).read_text(encoding="utf-8"))


class JsonlZstWriter:
    """Write JSON lines to ``<path>.tmp<pid>`` through one single-threaded zstd stream; ``commit``
    renames. Same records + same level -> same bytes (no timestamps, no thread scheduling)."""

    def __init__(self, path: Path, level: int):
        import zstandard

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.tmp = path, _tmp(path)
        self._fh = open(self.tmp, "wb")
        self._zw = zstandard.ZstdCompressor(level=level, threads=0).stream_writer(self._fh, closefd=False)
        self.count = 0

    def write(self, obj: dict) -> None:
        self._zw.write((json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8"))
        self.count += 1

    def commit(self) -> None:
        self._zw.close()
        self._fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self._zw.close()
            self._fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def read_jsonl_zst(path: Path) -> Iterator[dict]:
    import io

    import zstandard

    with open(path, "rb") as fh:
        for line in io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(fh), encoding="utf-8"):
            yield json.loads(line)


def maybe_fault(step: str, task: int, written: int) -> None:
    """Fault injection for tests: ``JINIAC_CORPUS_FAULT=<step>:<task>[:<after records>]`` SIGKILLs
    this task mid-write (after that many records), as an OOM kill or node failure would."""
    spec = os.environ.get("JINIAC_CORPUS_FAULT", "")
    if not spec:
        return
    parts = spec.split(":")
    if parts[0] == step and int(parts[1]) == task and written >= int(parts[2] if len(parts) > 2 else 1):
        import signal

        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    from jiniac_hpc.config import load_recipe

    cfg = load_recipe("corpus", CorpusConfig, sys.argv[1] if len(sys.argv) > 1 else "debug", sys.argv[2:])
    for s in expand_inputs(cfg):
        print(f"task {s.task:4d}  {s.source}/{s.stem}  {s.path}")
