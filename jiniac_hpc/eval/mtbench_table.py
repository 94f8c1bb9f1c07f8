"""FastChat's MT-bench per-model table from a single-answer judgments file (``show_result.py --mode single``).

    python -m jiniac_hpc.eval.mtbench_table JUDGMENTS.jsonl [--model-list A B] [--json]
    jiniac eval mtbench-table JUDGMENTS.jsonl      # --mode pairwise-*: mtbench_pairwise's win rates
                                                   # --questions FILE: mtbench_radar's per-category scores

Follows Stability-AI/FastChat, branch ``jp-stable``, commit e37eb28,
``fastchat/llm_judge/show_result.py`` ``display_result_single``: drop the judgments whose score
is -1, then per model the mean score of the first turn, of the second turn, and of all turns
("Average"), each sorted best first (tied models in the order pandas' sort leaves them,
:func:`show_result_order`). jp-stable prints only the first turn for
``--bench-name japanese_mt_bench``; we print the second turn and the average too whenever the
file has second-turn judgments. The input is FastChat's ``model_judgment/<judge>_single.jsonl``,
jp-stable's per-model folder of ``<model>__<turn>turn.jsonl`` files (what its
``play_a_match_single`` writes), or our ``judgments.jsonl`` (an unparsable rating there is
``null``, left out like -1). We also count the left-out judgments of each model in each section,
and show a model that has judgments there but no rating (show_result drops it without a word).
Every line counts, as in show_result, a question judged twice too. An empty file, a line that is
not UTF-8 JSON, lacks model/score/turn or has a score that is no finite number, and a
``--model-list`` model without judgments are one error line naming the file and line (or the model).
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Optional, Sequence

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.mtbench_data import jsonl_lines

UNPARSABLE = (-1, None)   # FastChat's failed rating (and failed API call, judgment "$ERROR$"), and ours
SECTIONS = (("First turn", "turn1"), ("Second turn", "turn2"), ("Average", "average"))


def judgment_lines(path: Path) -> list[tuple[Path, int, dict]]:
    """(file, line number, object) of every line of a judgments file, or of every ``*.jsonl`` in a folder
    (sorted). A line that is not a JSON object, a missing file and no line at all are errors naming
    them: show_result fails on an empty file too, it does not print an empty table."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files or not files[0].is_file():
        raise ConfigError(f"{path}: no judgments file (a FastChat *_single.jsonl or *_pair.jsonl, or a folder of *.jsonl)")
    out = []
    for f in files:
        for n, j in jsonl_lines(f, "judgments"):
            if not isinstance(j, dict):
                raise ConfigError(f"{f}:{n}: a judgment is a JSON object, this line is a {type(j).__name__}")
            out.append((f, n, j))
    if not out:
        raise ConfigError(f"{path}: no judgment lines in {', '.join(str(f) for f in files)}")
    return out


def load_judgments(path: Path) -> list[dict]:
    """The single-answer judgment lines of a file or folder (:func:`judgment_lines`); errors name file and line.

    Every line counts, repeated (question, model, turn) lines too: show_result reads them all
    (a judged-again model's file holds both rounds)."""
    out = []
    for f, n, j in judgment_lines(path):
        if "model" not in j and "model_1" in j:
            raise ConfigError(f"{f}:{n}: a pairwise judgment (model_1, model_2); its table is "
                              f"--mode pairwise-baseline or pairwise-all")
        missing = [k for k in ("model", "score", "turn") if k not in j]
        if missing:
            raise ConfigError(f"{f}:{n}: judgment lacks {missing} (a single-answer judgment has model, score, turn)")
        if not isinstance(j["model"], str):
            raise ConfigError(f"{f}:{n}: model {json.dumps(j['model'])} is not a model name (a string)")
        if j["score"] not in UNPARSABLE and (isinstance(j["score"], bool) or
                                             not isinstance(j["score"], (int, float))
                                             or not math.isfinite(j["score"])):
            # FastChat writes digits it parsed, or -1; a NaN or Infinity was put there by hand
            raise ConfigError(f"{f}:{n}: score {j['score']!r} is not a finite number")
        if isinstance(j["turn"], bool) or not isinstance(j["turn"], int):
            raise ConfigError(f"{f}:{n}: turn {j['turn']!r} is not a turn number (1 or 2)")
        out.append(j)
    return out


def table(judgments: Sequence[dict], models: Optional[Sequence[str]] = None) -> dict[str, dict]:
    """model -> {"turn1", "turn2", "average": mean score or None, "n": {same keys: rated judgments},
    "left_out": {same keys: judgments without a rating}, "n_unparsable": left out in all}.

    A model whose judgments all lack a rating (every API call failed, say) keeps its row, with
    no score; show_result has no row for it. ``models`` naming a model without judgments is an
    error, not a row that is silently missing."""
    rows: dict[str, dict] = {}
    for j in judgments:
        if models is not None and j["model"] not in models:
            continue
        r = rows.setdefault(j["model"], {"scores": {1: [], 2: []}, "left_out": {1: 0, 2: 0}})
        if j["score"] in UNPARSABLE:
            r["left_out"][j["turn"]] = r["left_out"].get(j["turn"], 0) + 1
        else:
            r["scores"].setdefault(j["turn"], []).append(float(j["score"]))
    absent = [m for m in models or () if m not in rows]
    if absent:
        raise ConfigError(f"--model-list: no judgments of {absent} (the judgments have "
                          f"{sorted({j['model'] for j in judgments})})")
    out = {}
    for model, r in rows.items():
        by_turn, lo = r["scores"], r["left_out"]
        every = [s for v in by_turn.values() for s in v]
        out[model] = {"turn1": _mean(by_turn[1]), "turn2": _mean(by_turn[2]), "average": _mean(every),
                      "n": {"turn1": len(by_turn[1]), "turn2": len(by_turn[2]), "average": len(every)},
                      "left_out": {"turn1": lo[1], "turn2": lo[2], "average": sum(lo.values())},
                      "n_unparsable": sum(lo.values())}
    return out


def _mean(v: list[float]) -> Optional[float]:
    return sum(v) / len(v) if v else None


def show_result_order(rows: list[tuple[str, dict]], key: str) -> list[tuple[str, dict]]:
    """(model, row) pairs in the order show_result prints them: best ``key`` first, ties as pandas leaves them.

    show_result's ``groupby`` puts the models in name order, and ``sort_values(ascending=False)``
    is pandas' ``nargsort`` with numpy's unstable quicksort: the values reversed, argsorted, and
    the order reversed back. Doing the same here gives tied models (a model that scored 1 on
    every question beside another) the order show_result prints on the same numpy: name order
    for up to 16 models, where numpy's quicksort is an insertion sort."""
    import numpy as np

    by_name = sorted(rows, key=lambda mr: mr[0])
    values = np.array([r[key] for _, r in by_name], dtype=np.float64)[::-1]
    order = np.arange(len(by_name))[::-1][values.argsort(kind="quicksort")][::-1]
    return [by_name[i] for i in order]


def format_table(t: dict[str, dict]) -> str:
    """The sections show_result prints (first turn; with second-turn judgments also second turn and
    average), best first; a model with judgments in a section but no rating there shows ``-``."""
    sections = SECTIONS if any(r["n"]["turn2"] or r["left_out"]["turn2"] for r in t.values()) else SECTIONS[:1]
    lines = []
    for title, key in sections:
        rated = show_result_order([(m, r) for m, r in t.items() if r[key] is not None], key)
        unrated = [(m, r) for m, r in t.items() if r[key] is None and r["left_out"][key]]
        lines += ["", f"########## {title} ##########", f"{'model':48s} {'score':>9s} {'n':>5s} {'unparsable':>10s}"]
        lines += [f"{m:48s} {r[key]:9.6f} {r['n'][key]:5d} {r['left_out'][key]:10d}" for m, r in rated]
        lines += [f"{m:48s} {'-':>9s} {0:5d} {r['left_out'][key]:10d}" for m, r in unrated]
    return "\n".join(lines).lstrip("\n")


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("judgments", type=Path)
    ap.add_argument("--model-list", nargs="+", default=None, help="only these models (show_result's --model-list)")
    ap.add_argument("--json", action="store_true", help="print the table as JSON")
    a = ap.parse_args(argv)
    t = table(load_judgments(a.judgments), a.model_list)
    print(json.dumps(t, indent=1, ensure_ascii=False) if a.json else format_table(t))


if __name__ == "__main__":
    main()
