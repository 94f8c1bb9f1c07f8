"""Checkpoint folders: ``checkpoints/step-XXXXXXXX/``, atomic, verified, ``latest``, keep last k.

    from jiniac_hpc.train.checkpoint import list_checkpoints, resume_point
    path = resume_point(run_dir / "checkpoints", "auto")   # None: start fresh
    python -m jiniac_hpc.train.checkpoint logs/pretrain/debug/checkpoints   # list + verify

Shared by pretraining, SFT and DPO (litgpt's ``step-XXXXXXXX`` naming). This module is light (no torch):
it only knows files. The Trainer side (what goes into a folder) is
:class:`jiniac_hpc.train.hf_checkpoint.AtomicCheckpointMixin`.

Protocol of one save (every rank takes part, the folder is on a shared file system):

1. rank 0 creates ``.tmp-step-XXXXXXXX/`` (:func:`tmp_path`); barrier;
2. every rank writes its files into it (model, DeepSpeed shards, its RNG state, ...); barrier;
3. rank 0 calls :func:`commit`: it writes ``meta.json`` last, listing every file with its
   size (and a SHA-256 for files up to ``HASH_MAX_BYTES``), renames the folder to
   ``step-XXXXXXXX`` (atomic on POSIX), rewrites the ``latest`` pointer (a one-line text file,
   replaced atomically) and deletes all but the newest ``keep_last`` checkpoints.

A folder is complete only if its ``meta.json`` exists and every listed file matches; so a job
killed mid-save leaves a ``.tmp-*`` folder (ignored, removed by the next save) and a file
truncated or damaged later fails :func:`verify`. :func:`find_resume_path` then warns and falls
back to the previous checkpoint instead of crashing or silently starting over.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError

log = logging.getLogger("jiniac.checkpoint")

CHECKPOINTS = "checkpoints"   # <run_dir>/checkpoints/step-XXXXXXXX
META = "meta.json"
LATEST = "latest"
HASH_MAX_BYTES = 64 << 20   # hash small files (states, RNG, sampler); size-check the big ones
#: The one pattern of a step folder's name (written ``step-XXXXXXXX``; other tools' ``step-N`` folders
#: are read too, e.g. by the eval sweep).
STEP_DIR = re.compile(r"step-(\d+)")


def step_name(step: int) -> str:
    return f"step-{step:08d}"


def step_path(root: str | Path, step: int) -> Path:
    return Path(root) / step_name(step)


def tmp_path(root: str | Path, step: int) -> Path:
    """Where a checkpoint is written before it is complete (hidden, never resumed from)."""
    return Path(root) / f".tmp-{step_name(step)}"


def folder_step(path: str | Path) -> Optional[int]:
    """The step in a folder's name: ``.../step-00000040`` -> 40; None for anything else."""
    m = STEP_DIR.fullmatch(Path(path).name)
    return int(m.group(1)) if m else None


def list_checkpoints(root: str | Path) -> list[Path]:
    """Every ``step-*`` folder under ``root`` (complete or not), oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and folder_step(p) is not None]
    return sorted(found, key=folder_step)


def _manifest(folder: Path) -> dict[str, dict]:
    files = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != META:
            size = p.stat().st_size
            entry: dict[str, Any] = {"size": size}
            if size <= HASH_MAX_BYTES:
                entry["sha256"] = fileio.sha256_file(p)
            files[str(p.relative_to(folder))] = entry
    return files


def commit(tmp: str | Path, meta: dict, keep_last: Optional[int] = None) -> Path:
    """Finish a save (rank 0 only, after every rank wrote into ``tmp``). Returns the final path.

    ``meta`` must hold ``step``; pretraining adds ``tokens_seen``, ``stage`` and more. A
    folder of the same step already there (a rerun of the same step) is replaced.
    """
    tmp = Path(tmp)
    step = int(meta["step"])
    final = step_path(tmp.parent, step)
    data = dict(meta)
    data["files"] = _manifest(tmp)
    data["complete"] = True
    fileio.write_json(tmp / META, data, sort_keys=True)
    if final.exists():
        old = final.with_name(f".old-{final.name}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)
    fileio.atomic_write(tmp.parent / LATEST, final.name + "\n")
    if keep_last:
        prune(tmp.parent, keep_last)
    return final


def prune(root: str | Path, keep_last: int) -> list[Path]:
    """Delete all but the newest ``keep_last`` complete checkpoints; returns what was deleted.

    Incomplete ``step-*`` folders older than the newest complete one are deleted too; a newer
    incomplete one is left for inspection (it is never resumed from).
    """
    ckpts = list_checkpoints(root)
    good = [p for p in ckpts if verify(p, deep=False)[0]]
    keep = set(good[-keep_last:]) if keep_last > 0 else set(good)
    newest_good = folder_step(good[-1]) if good else -1
    removed = []
    for p in ckpts:
        if p in keep or folder_step(p) > newest_good:
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def clean_tmp(root: str | Path) -> list[Path]:
    """Remove ``.tmp-*``/``.old-*`` leftovers of saves that were killed (rank 0, before a save)."""
    root = Path(root)
    out = []
    if root.is_dir():
        for p in root.iterdir():
            if p.is_dir() and (p.name.startswith(".tmp-step-") or p.name.startswith(".old-step-")):
                shutil.rmtree(p, ignore_errors=True)
                out.append(p)
    return out


def read_meta(path: str | Path) -> dict:
    """The ``meta.json`` of a checkpoint folder (raises if missing or unreadable)."""
    return json.loads((Path(path) / META).read_text())


def verify(path: str | Path, deep: bool = True) -> tuple[bool, str]:
    """(ok, reason). ``deep`` also re-hashes the small files and parses safetensors headers."""
    path = Path(path)
    try:
        meta = read_meta(path)
    except FileNotFoundError:
        return False, f"no {META} (the save did not finish)"
    except (OSError, ValueError) as e:
        return False, f"{META} unreadable: {e}"
    if not meta.get("complete") or not isinstance(meta.get("files"), dict):
        return False, f"{META} does not mark the checkpoint complete"
    for rel, entry in meta["files"].items():
        p = path / rel
        if not p.is_file():
            return False, f"{rel} is missing"
        size = p.stat().st_size
        if size != entry.get("size"):
            return False, f"{rel} has {size} bytes, {entry.get('size')} were written (truncated?)"
        if deep and "sha256" in entry and fileio.sha256_file(p) != entry["sha256"]:
            return False, f"{rel} does not match its SHA-256 (corrupt)"
        if deep and rel.endswith(".safetensors"):
            ok, why = _safetensors_ok(p)
            if not ok:
                return False, f"{rel}: {why}"
    return True, "ok"


def _safetensors_ok(p: Path) -> tuple[bool, str]:
    """The header of a safetensors file parses and its tensors end inside the file."""
    try:
        with open(p, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(n))
        end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
        if 8 + n + end > p.stat().st_size:
            return False, "tensor data extends past the end of the file"
    except (OSError, ValueError, KeyError, TypeError) as e:
        return False, f"bad safetensors header ({e})"
    return True, "ok"


def latest_pointer(root: str | Path) -> Optional[Path]:
    """The folder ``latest`` names, if the pointer exists."""
    f = Path(root) / LATEST
    if not f.is_file():
        return None
    name = f.read_text().strip()
    return Path(root) / name if name else None


def find_resume_path(root: str | Path, resume: str | None = "auto", *, warn=None) -> Optional[Path]:
    """Which checkpoint to resume from.

    ``resume``: ``"auto"`` (the newest complete checkpoint under ``root``, else None),
    ``"none"``/``None``/``"never"`` (start fresh), or a path to one ``step-*`` folder (which must
    verify). An incomplete or corrupt checkpoint is skipped with a warning in favour of the
    previous one; ``warn`` (default: print to stderr) receives that message.
    """
    warn = warn or (lambda msg: print(f"[jiniac] WARNING: {msg}", file=sys.stderr, flush=True))
    if resume in (None, "none", "never", ""):
        return None
    if resume != "auto":
        p = Path(resume)
        ok, why = verify(p)
        if not ok:
            raise ValueError(f"resume: checkpoint {p} is not usable: {why}")
        return p
    ckpts = list_checkpoints(root)
    ptr = latest_pointer(root)
    # Newest first; the pointer is a hint (it may lag a crash between rename and pointer write).
    order = sorted(ckpts, key=folder_step, reverse=True)
    if ptr is not None and ptr in order and ptr != order[0]:
        warn(f"{root}/{LATEST} names {ptr.name} but {order[0].name} is newer; checking the newer one first")
    for p in order:
        ok, why = verify(p)
        if ok:
            return p
        warn(f"skipping checkpoint {p}: {why}; falling back to the previous one")
    return None



def resume_point(root: str | Path, resume: str | None = "auto", init_from: Optional[str | Path] = None,
                 *, warn=None) -> Optional[Path]:
    """The one resume rule of every training stage: the newest complete checkpoint under ``root``
    (:func:`find_resume_path`), else, with ``resume: auto``, the newest one of ``init_from`` (another
    run's folder or its ``checkpoints/``; ConfigError naming ``train.init_from`` if it has none)."""
    found = find_resume_path(root, resume, warn=warn)
    if found is None and resume == "auto" and init_from:
        p = Path(init_from)
        p = p / CHECKPOINTS if (p / CHECKPOINTS).is_dir() else p
        found = find_resume_path(p, "auto", warn=warn)
        if found is None:
            raise ConfigError(f"train.init_from: no complete checkpoint under {p}")
    return found


def write_list(run_dir: Path, final: Optional[Path] = None) -> Path:
    """``<run_dir>/checkpoints.json``: every complete ``step-*`` checkpoint (and the final model).

    The eval stage's sweep (``checkpoints: <run_dir>``) evaluates these; JINIAC picked the SFT
    checkpoint with the best AVG_jaster/MT-bench balance out of one every 100 steps.
    """
    items = [{"step": folder_step(p), "path": str(p), "epoch": read_meta(p).get("epoch")}
             for p in list_checkpoints(Path(run_dir) / CHECKPOINTS) if verify(p, deep=False)[0]]
    data = {"run_dir": str(run_dir), "checkpoints": items, "final": str(final) if final else None}
    return fileio.write_json(Path(run_dir) / "checkpoints.json", data)

def main(argv: list[str] | None = None) -> int:
    root = Path((argv or sys.argv[1:] or ["."])[0])
    for p in list_checkpoints(root):
        ok, why = verify(p)
        meta = read_meta(p) if ok else {}
        extra = {k: meta[k] for k in ("tokens_seen", "stage") if k in meta}
        print(f"{p.name}  {'ok ' if ok else 'BAD'}  {why if not ok else extra}")
    print(f"resume: auto -> {find_resume_path(root)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
