"""Where things are: the repository root, bundled data, recipe-relative paths, a free local port.

Recipes write paths relative to the repository root (``tests/assets/...``,
``logs/corpus/debug/...``) so the same recipe works from any working directory, on a login
node and inside a job. ``JINIAC_SHARED`` points at the shared data folder (default
``<repo>/../shared``), which holds the JGLUE validation sets used by tests and the tiny run.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def logs_root() -> Path:
    """Where run directories go: ``$JINIAC_LOGS`` or ``<repo>/logs``."""
    return Path(os.environ.get("JINIAC_LOGS", REPO_ROOT / "logs"))


def run_dir_for(stage: str, run_name: str) -> Path:
    """A stage run's directory: ``logs/<stage>/<run-name>/``."""
    return logs_root() / stage / run_name


def rel(path: str | Path) -> str:
    """A path relative to the working directory when it lies below it (sbatch runs a job where it was
    submitted, so relative log paths work and keep rendered scripts, and golden files, portable)."""
    p = Path(path).absolute()
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def resolve_path(p: str | Path) -> Path:
    """An absolute path: absolute stays, ``~`` expands, relative is taken from the repo root.

    A relative path under ``logs/`` (another stage's run directory, e.g.
    ``logs/corpus/tiny/output``) follows ``$JINIAC_LOGS`` like the run directories do, so a
    chain of recipes works unchanged when tests or users move the logs elsewhere. Prefixes:
    ``jglue:<file>`` (:func:`jglue_dir`), ``mtbench:<file>`` (:func:`mtbench_dir`),
    ``shared:<path>`` (:func:`shared_dir`) and ``logs:<path>`` (same as ``logs/<path>``).
    """
    text = os.path.expandvars(str(p))
    for prefix, root in (("jglue:", jglue_dir), ("mtbench:", mtbench_dir), ("shared:", shared_dir),
                         ("logs:", logs_root)):
        if text.startswith(prefix):  # jglue:<file>, mtbench:<file>, shared:<path>, logs:<stage>/<run>/...
            return root() / text[len(prefix):]
    p = Path(text).expanduser()
    if p.is_absolute():
        return p
    if p.parts and p.parts[0] == "logs":
        return logs_root().joinpath(*p.parts[1:])
    return REPO_ROOT / p


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a lone process group's MASTER_PORT, TensorBoard)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_dir() -> Path:
    return Path(os.environ.get("JINIAC_SHARED", REPO_ROOT.parent / "shared"))


BUNDLED_JGLUE = Path(__file__).parent / "assets" / "jglue"


def jglue_dir() -> Path:
    """JGLUE v1.3 validation sets (CC BY-SA 4.0): ``$JINIAC_JGLUE``, else the shared data folder,
    else the unchanged copy bundled with the package (see assets/jglue/ATTRIBUTION.md)."""
    if "JINIAC_JGLUE" in os.environ:
        return Path(os.environ["JINIAC_JGLUE"])
    shared = shared_dir() / "data" / "jglue"
    return shared if shared.is_dir() else BUNDLED_JGLUE


BUNDLED_MTBENCH = Path(__file__).parent / "assets" / "japanese_mt_bench"


def mtbench_dir() -> Path:
    """Japanese MT-bench files in FastChat's layout (Apache 2.0): ``$JINIAC_MTBENCH``, else the copy
    bundled with the package (see assets/japanese_mt_bench/ATTRIBUTION.md). Unlike JGLUE, the shared
    data folder is not consulted: it holds a subset (no ``question_full.jsonl``) in a flattened
    layout, and the bundled files it does hold are identical to it."""
    return Path(os.environ["JINIAC_MTBENCH"]) if "JINIAC_MTBENCH" in os.environ else BUNDLED_MTBENCH
