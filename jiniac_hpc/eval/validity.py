"""Format validity of jaster answers: is the answer of the kind the task asks for?

    python -m jiniac_hpc.eval.validity logs/eval/tiny/predictions.jsonl   # share well-formed per task

A score of 0 says little by itself: a model that answers "2" to every JCommonsenseQA question
and one that answers with an empty string both score about 0, but only the first one follows
the format. The checks are on the answer as the run's scoring rule reads it (``prediction`` of
predictions.jsonl; by default llm-jp-eval's: the generation up to the first blank line,
NFKC-normalised; see :mod:`jiniac_hpc.eval.scoring`):

- jcommonsenseqa: one of the choice indices ``0``..``4`` (the instruction asks for the number only);
- jnli: one of ``entailment`` / ``contradiction`` / ``neutral``;
- jsts: a number between 0.0 and 5.0 (``3``, ``2.4``);
- jsquad: a non-empty one-line span (the instruction asks for one noun phrase).

Surrounding whitespace is not forgiven, because llm-jp-eval's exact match does not forgive it.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Iterable

from jiniac_hpc import fileio
from jiniac_hpc.eval.jaster import NLI_LABELS

CHOICES = ("0", "1", "2", "3", "4")
_NUMBER = re.compile(r"\d+(\.\d+)?")


def well_formed(task: str, answer: str) -> bool:
    """True when ``answer`` (a postprocessed prediction) has the task's answer format."""
    if task == "jcommonsenseqa":
        return answer in CHOICES
    if task == "jnli":
        return answer in NLI_LABELS
    if task == "jsts":
        return bool(_NUMBER.fullmatch(answer)) and 0.0 <= float(answer) <= 5.0
    if task == "jsquad":
        return bool(answer.strip()) and "\n" not in answer
    raise ValueError(f"unknown jaster task {task!r}")


def shares(records: Iterable[dict]) -> dict[str, float]:
    """Per task, the share of predictions.jsonl records whose ``prediction`` is well-formed."""
    ok: dict[str, list[bool]] = {}
    for r in records:
        ok.setdefault(r["task"], []).append(well_formed(r["task"], r["prediction"]))
    return {t: sum(v) / len(v) for t, v in ok.items()}


def distinct(records: Iterable[dict]) -> dict[str, int]:
    """Per task, how many different answers the model gave (1: the same answer to every item,
    whose score is then that answer's share of the golds, not understanding)."""
    seen: dict[str, set[str]] = {}
    for r in records:
        seen.setdefault(r["task"], set()).add(r["prediction"])
    return {t: len(v) for t, v in seen.items()}


def read_records(predictions: Path) -> list[dict]:
    """The records of a predictions.jsonl file; [] when it does not exist."""
    return list(fileio.read_jsonl(predictions)) if predictions.exists() else []


def read_shares(predictions: Path) -> dict[str, float]:
    """:func:`shares` of a predictions.jsonl file; {} when it does not exist."""
    return shares(read_records(predictions))


if __name__ == "__main__":
    for task, share in read_shares(Path(sys.argv[1])).items():
        print(f"{task}: {share:.0%} well-formed")
