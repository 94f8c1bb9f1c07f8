"""Run-directory layout and the input manifest of the corpus stage.

    python -m jiniac_hpc.corpus.shards debug       # prints the manifest (input shard per array task)

Layout of ``logs/corpus/<run>/``::

    shards.json                              manifest: array task i -> (source, shard, input file)
    work/clean/<src>/<shard>.jsonl.zst       after read + clean + filters + PII
    work/sig/<src>/<shard>.{meta,mh}.npy     exact hash, sizes, MinHash signatures (+ .ids.json)
    work/dedup/edges-<task>.npy              duplicate pairs: exact (task 0), one LSH band a task
    work/dedup/drop/<src>/<shard>.json       what each shard drops
    rejects/<src>/<shard>.jsonl.zst          filtered documents with their reason, bad input lines
    rejects/<src>/<shard>.dedup.jsonl.zst    duplicates (with the id they duplicate) and budget cuts
    output/<src>/<shard>.jsonl.zst           final shards: {"id", "text", "source", "lang"[, "meta"]}
    stats.json, report.md                    the report
    completions/<step>/<task>.json           the executor's markers; a task's stats are its result

One array task per input file (one Arrow file for a ``datasets`` folder; one file of a ZIP
archive, named ``archive.zip::member``): big sources come pre-sharded (CulturaX parquet,
SlimPajama chunks), so no byte-range splitting is needed and a shard's records have a stable
order (ids ``<src>-<shard>-<position>``). Every file is written through :mod:`jiniac_hpc.fileio`
(temp file + rename) and the marker comes only after the task returned, so a killed task leaves
at most a temp file, which the rerun of that task removes.
"""
from __future__ import annotations

import glob
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from jiniac_hpc import fileio
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
                elif f.lower().endswith(".zip") and src.reader == "parquet" and zipfile.is_zipfile(f):
                    # Parquet needs random access to its footer, which a ZIP member does not give cheaply;
                    # kept whole, its task had said "a ZIP archive with no files in it".
                    raise ConfigError(f"sources[{i}].paths[{j}] ({src.name}): {f} is a ZIP archive; reader "
                                      "'parquet' reads Parquet files themselves: unzip it and name the .parquet files")
                elif f.lower().endswith(".zip") and src.reader not in ("parquet", "hf_disk"):
                    files += _archive_files(f)
                else:
                    files.append(f)
        seen: set[str] = set()
        for f in files:
            if f not in seen:
                seen.add(f)
                shards.append(Shard(len(shards), src.name, len(seen) - 1, f))
    return shards


def _archive_files(path: str) -> list[str]:
    """Each file of a ZIP archive as an input of its own (``a.zip::dir/b.txt``); an archive that
    cannot be opened stays one input, which its task reports as bad input."""
    from jiniac_hpc.corpus.readers import zip_members

    try:
        return zip_members(path) or [path]
    except (zipfile.BadZipFile, OSError):
        return [path]


def load_manifest(run_dir: Path) -> list[Shard]:
    return [Shard(**d) for d in fileio.read_json(run_dir / "shards.json")]


def write_manifest(run_dir: Path, shards: list[Shard]) -> list[Shard]:
    """Pin task -> file (returns ``shards``). A relaunch whose inputs changed must use a new run name."""
    path = run_dir / "shards.json"
    data = [s.__dict__ for s in shards]
    old = fileio.read_json(path)
    if old is None:
        fileio.write_json(path, data)
    elif old != data:
        raise ConfigError(f"{path}: the input files changed since this run started "
                          f"({len(old)} -> {len(data)} shards); use a new --run-name or delete the run")
    return shards


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
