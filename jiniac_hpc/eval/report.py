"""Result files of an evaluation: append-only logs, markdown tables, TensorBoard scalars.

    python -m jiniac_hpc.eval.report RESULT_DIR     # prints the scalars scores.json would log

Whole files go through :mod:`jiniac_hpc.fileio` (temp name + rename). Answers and judgements
are *appended* line by line (flushed and fsynced) instead: a requeued or failed task keeps what
it already generated and resumes.
"""
from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Optional

from jiniac_hpc import fileio


def append_jsonl(path: Path, rows: Iterable[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_log(path: Path) -> list[dict]:
    """Rows of an append-only JSONL log ([] when missing); a torn last line (a job killed
    mid-append) is dropped."""
    return list(fileio.read_jsonl(path, torn_tail=True)) if path.exists() else []


def scalars(scores: dict) -> dict[str, float]:
    """Flatten scores.json into TensorBoard tags: eval/jaster/AVG, eval/jaster/jnli/exact_match..."""
    out: dict[str, float] = {}
    j = scores.get("jaster")
    if j:
        if j.get("AVG") is not None:
            out["eval/jaster/AVG"] = j["AVG"]
        for cat, v in j["categories"].items():
            out[f"eval/jaster/category/{cat}"] = v
        for task, ms in j["tasks"].items():
            for k, v in ms.items():
                if k not in ("n", "truncated"):
                    out[f"eval/jaster/{task}/{k}"] = v
    m = scores.get("mtbench")
    if m and m.get("AVG") is not None:
        out["eval/mtbench/AVG"] = m["AVG"]
        for cat, v in m["categories"].items():
            if v is not None:
                out[f"eval/mtbench/{cat}"] = v
    lt = scores.get("langtest")
    if lt:
        for q, row in lt["fraction_same"].items():
            out[f"eval/langtest/same_language/{q}"] = row
    return {k: float(v) for k, v in out.items() if v is not None and math.isfinite(float(v))}


def log_tensorboard(logdir: Path, values: dict[str, float], step: int) -> None:
    """Scalars at the checkpoint's step; each writer makes its own event file, so array tasks
    writing into one logdir at the same time do not clash."""
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(log_dir=str(logdir))
    try:
        for tag, v in sorted(values.items()):
            w.add_scalar(tag, v, global_step=step)
    finally:
        w.close()


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4f}"
        return "-" if v is None else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: Optional[list[str]] = None) -> None:
    d = Path((argv or sys.argv[1:])[0])
    for k, v in scalars(json.loads((d / "scores.json").read_text())).items():
        print(f"{k:50s} {v:.4f}")


if __name__ == "__main__":
    main()
