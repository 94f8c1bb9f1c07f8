"""llm-jp-eval's prepared dataset files as jaster input (``jaster.prepared_dir``).

    python -m jiniac_hpc.eval.prepared PATH/evaluation/test/jnli.json   # checks one file, prints a summary

llm-jp-eval v1.3.0's ``scripts/preprocess_dataset.py`` writes, per task,
``<dataset_dir>/<version>/evaluation/{train,dev,test}/<task>.json``: one JSON object with
``instruction``, ``output_length``, ``metrics``, ``few_shots`` and ``samples`` (a list of
``{"input", "output"}``). Its evaluator scores the samples of the chosen split's file, prompts with
that file's instruction, generates at most ``output_length`` tokens, and takes the few-shots as
the first k samples of ``../train/<task>.json`` beside the split folder (``get_few_shot_samples``).
This module reads those files the same way; :mod:`jiniac_hpc.eval.jaster` builds the prompts.
A sample's id is ``<task>-<index>`` (the numbering llm-jp-eval's tuning files use).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from jiniac_hpc.config import ConfigError

KEYS = ("instruction", "output_length", "metrics", "samples")
# The metrics jaster computes per task: a prepared file asking for others cannot be scored here.
TASK_METRICS = {"jcommonsenseqa": ["exact_match"], "jnli": ["exact_match"], "jsquad": ["char_f1"],
                "jsts": ["pearson", "spearman"]}


@dataclass
class Prepared:
    instruction: str
    output_length: int
    metrics: list[str]
    samples: list[tuple[str, str]]      # (input, output) in file order


def is_prepared(path: Path) -> bool:
    """Whether a file is one llm-jp-eval prepared JSON object (not JGLUE JSON Lines or SQuAD JSON)."""
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(obj, dict) and "samples" in obj and "instruction" in obj


def read(path: Path, task: str) -> Prepared:
    """One prepared file, checked; every error is one line naming the file and the key."""
    what = f"not an llm-jp-eval prepared dataset file (one JSON object with keys {list(KEYS)})"
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        hint = "; it looks like JSON Lines (a JGLUE file? name it in jaster.files)" if e.msg == "Extra data" else ""
        raise ConfigError(f"{path}: {what}: invalid JSON ({e.msg}: line {e.lineno} column {e.colno}){hint}") from None
    if not isinstance(obj, dict):
        raise ConfigError(f"{path}: {what}: the top level is a {type(obj).__name__}")
    missing = [k for k in KEYS if k not in obj]
    if missing:
        hint = " (SQuAD JSON: a JGLUE JSQuAD file? name it in jaster.files)" if "data" in obj else ""
        raise ConfigError(f"{path}: {what}: missing key(s) {missing}{hint}")
    if not isinstance(obj["instruction"], str) or not obj["instruction"]:
        raise ConfigError(f"{path}: 'instruction' must be a non-empty string")
    length = obj["output_length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ConfigError(f"{path}: 'output_length' must be an integer >= 1, not {length!r}")
    if obj["metrics"] != TASK_METRICS[task]:
        raise ConfigError(f"{path}: 'metrics' {obj['metrics']!r} are not {task}'s {TASK_METRICS[task]!r} "
                          f"(a file of another task?)")
    if not isinstance(obj["samples"], list):
        raise ConfigError(f"{path}: 'samples' must be a list")
    samples = []
    for i, s in enumerate(obj["samples"]):
        if not isinstance(s, dict) or not all(isinstance(s.get(k), str) for k in ("input", "output")):
            raise ConfigError(f"{path}: samples[{i}] is not an object with string 'input' and 'output'")
        samples.append((s["input"], s["output"]))
    return Prepared(obj["instruction"], length, list(obj["metrics"]), samples)


def task_file(folder: Path, task: str) -> Path:
    return folder / f"{task}.json"


def train_file(folder: Path, task: str) -> Path:
    """Where llm-jp-eval's get_few_shot_samples looks: ``<folder>/../train/<task>.json``."""
    return folder.resolve().parent / "train" / f"{task}.json"


def main(argv: list[str] | None = None) -> None:
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        task = path.stem
        if task not in TASK_METRICS:
            raise SystemExit(f"{path}: the file name must be <task>.json with task one of {list(TASK_METRICS)}")
        p = read(path, task)
        print(f"{path}: {task}, {len(p.samples)} samples, output_length {p.output_length}, metrics {p.metrics}")


if __name__ == "__main__":
    main()
