"""Rescore saved jaster predictions against gold files: the 'jaster' part of scores.json, without the model.

    jiniac eval rescore OUT_DIR/predictions.jsonl --gold ../shared/data/jglue [--scoring nejumi-4]
    python -m jiniac_hpc.eval.rescore PREDICTIONS --gold jnli=jnli-v1.3-valid.json [--out rescored.json]

``--gold`` (repeatable) is a JGLUE file whose name starts with its task (``jnli-v1.3-valid.json``),
``TASK=FILE`` for any other name (also an llm-jp-eval prepared ``<task>.json``, ids
``<task>-<index>``), or a folder holding the default JGLUE file names. Every
prediction line needs ``task``, ``id`` and ``raw`` (the generation; ``prediction`` is used when
there is no ``raw``); its gold is taken from the gold file by id, whatever the line says. The
metrics are :func:`jiniac_hpc.eval.jaster.rescore`'s, so a run's own predictions.jsonl gives back
its scores.json (all but ``fewshots``, which records how the prompts were made). ``--scoring``
names the rule that reads the generations (:mod:`jiniac_hpc.eval.scoring`): the same predictions
scored as llm-jp-eval v1.3.0 and as Nejumi Leaderboard 4 read them.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Optional, Sequence

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval import jaster
from jiniac_hpc.eval.config import DEFAULT_FILES, JGLUE_TASKS, JasterConfig


def _task_of(path: Path) -> str:
    hits = [t for t in JGLUE_TASKS if path.name.startswith(t)]
    if len(hits) != 1:
        raise ConfigError(f"--gold {path}: the file name does not say its task; pass TASK=FILE "
                          f"with TASK one of {list(JGLUE_TASKS)}")
    return hits[0]


def gold_files(specs: Sequence[str]) -> dict[str, Path]:
    """task -> gold file, from the --gold arguments."""
    files: dict[str, Path] = {}
    for spec in specs:
        task, sep, name = spec.partition("=")
        if sep and task in JGLUE_TASKS:
            found = {task: Path(name)}
        elif Path(spec).is_dir():
            found = {t: Path(spec) / f for t, f in DEFAULT_FILES.items() if (Path(spec) / f).is_file()}
            if not found:
                raise ConfigError(f"--gold {spec}: no JGLUE file of the default names {sorted(DEFAULT_FILES.values())}")
        elif not Path(spec).exists():
            raise ConfigError(f"--gold {spec}: no such file or folder (from {Path.cwd()})")
        else:
            found = {_task_of(Path(spec)): Path(spec)}
        for t, p in found.items():
            if not p.is_file():
                raise ConfigError(f"--gold {spec}: {p} does not exist")
            if t in files and files[t] != p:
                raise ConfigError(f"--gold {spec}: {t} already has the gold file {files[t]}")
            files[t] = p
    return files


def read_predictions(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) of a predictions file; a row that is no object, lacks a key or whose
    generation is not a string (null from a failed request, a bare number) is an error naming the line."""
    rows = list(fileio.read_jsonl(path, numbered=True))
    for n, r in rows:
        if not isinstance(r, dict):
            raise ConfigError(f"{path}:{n}: a prediction is a JSON object (task, id, raw), this line is a "
                              f"{type(r).__name__}")
        missing = [k for k in ("task", "id") if k not in r] + ([] if "raw" in r or "prediction" in r
                                                               else ["raw (or prediction)"])
        if missing:
            raise ConfigError(f"{path}:{n}: missing key(s) {missing}")
        key = "raw" if "raw" in r else "prediction"
        if not isinstance(r[key], str):
            raise ConfigError(f"{path}:{n}: {key} is {json.dumps(r[key])}, not the generated text (a string)")
    return rows


def rescore_file(predictions: Path, gold_specs: Sequence[str],
                 categories: Optional[dict[str, list[str]]] = None, scoring: str = "llm-jp-eval-1.3.0") -> dict:
    """{'predictions', 'gold', 'jaster'}; prints what the gold files hold that was not predicted."""
    files = gold_files(gold_specs)
    golds = {t: {s.id: s.output for s in jaster.load_samples(t, p)} for t, p in files.items()}
    records, seen = [], set()
    for n, r in read_predictions(predictions):
        task, sid = r["task"], str(r["id"])
        if task not in golds:
            raise ConfigError(f"{predictions}:{n}: task {task!r} has no gold file; add --gold for it "
                              f"(have {sorted(golds)})")
        if sid not in golds[task]:
            raise ConfigError(f"{predictions}:{n}: {task} id {sid!r} is not in {files[task]}")
        if (task, sid) in seen:
            raise ConfigError(f"{predictions}:{n}: {task} id {sid!r} is predicted twice")
        seen.add((task, sid))
        records.append({**r, "gold": golds[task][sid]})
    for t in sorted(golds):
        done = sum(1 for task, _ in seen if task == t)
        print(f"rescore {t}: {done} predictions scored; {len(golds[t]) - done} of {len(golds[t])} gold items "
              f"in {files[t]} have none (not scored)", flush=True)
    scores = jaster.rescore(records, categories if categories is not None else JasterConfig().categories,
                            scoring)
    return {"predictions": str(predictions), "gold": {t: str(p) for t, p in files.items()}, "jaster": scores}


def rescore_to(predictions: Path, gold_specs: Sequence[str], out: Optional[Path] = None,
               scoring: str = "llm-jp-eval-1.3.0") -> Path:
    """Rescore and write the result (default: scores.rescored.json beside the predictions)."""
    result = rescore_file(predictions, gold_specs, scoring=scoring)
    out = out or predictions.with_name("scores.rescored.json")
    fileio.write_json(out, result)
    j = result["jaster"]
    print(f"AVG {j['AVG']} over {j['avg_covers']}; not averaged: {j['not_averaged']} -> {out}")
    return out


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("predictions", type=Path)
    ap.add_argument("--gold", action="append", required=True, help="FILE, TASK=FILE or a JGLUE folder")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--scoring", default="llm-jp-eval-1.3.0", help="llm-jp-eval-1.3.0 or nejumi-4")
    a = ap.parse_args(argv)
    rescore_to(a.predictions, a.gold, a.out, a.scoring)


if __name__ == "__main__":
    main()
