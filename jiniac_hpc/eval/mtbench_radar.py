"""Per-category MT-bench scores, the numbers of FastChat's radar plot, from single-answer judgments.

    python -m jiniac_hpc.eval.mtbench_radar JUDGMENTS.jsonl --questions question.jsonl [--json]
    jiniac eval mtbench-table JUDGMENTS.jsonl --questions question.jsonl

Follows the radar notebook that FastChat's ``fastchat/llm_judge/README.md`` links ("plot the radar
figure"; a copy with its outputs: Stefanstud/FastChat ``fastchat/llm_judge/plot.ipynb``): each
judgment's category is its question's, and per model and category the score is the mean over the
judgments of both turns whose score is >= 0 (a -1, FastChat's failed rating, is left out; so is
our ``null``). The notebook takes the category from the English question ids
(``CATEGORIES[(question_id - 81) // 10]``), which is the ``category`` of the question file; the
question file is what names the categories of the Japanese MT-bench (ids 1-80), so it is read
here (``--questions``). Without it a judgment's own ``category`` (our ``judgments.jsonl`` has one)
is used. Categories come in the question file's order. A judgment whose question is in neither is
one error naming the model, question and turn.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Optional, Sequence

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.mtbench_data import QuestionId, load_questions, qid
from jiniac_hpc.eval.mtbench_table import UNPARSABLE, load_judgments


def categories_of(questions: Path) -> dict[QuestionId, str]:
    """question id -> category, in the question file's order."""
    return {q["question_id"]: q["category"] for q in load_questions(questions)}


def category_table(judgments: Sequence[dict], categories: Optional[dict[QuestionId, str]] = None,
                   where: str = "--questions") -> dict[str, dict[str, dict]]:
    """model -> category -> {"score": mean of the rated judgments or None, "n": rated, "left_out": unrated}."""
    order = list(dict.fromkeys((categories or {}).values()))
    cells: dict[str, dict[str, dict]] = {}
    for j in judgments:
        cat = (categories or {}).get(qid(j.get("question_id")), j.get("category"))
        if not isinstance(cat, str):
            raise ConfigError(f"{where}: no category for question {j.get('question_id')!r} (model {j['model']!r}, "
                              f"turn {j['turn']}): it is not in the question file, nor does the judgment name one")
        if cat not in order:
            order.append(cat)
        c = cells.setdefault(j["model"], {}).setdefault(cat, {"scores": [], "left_out": 0})
        if j["score"] in UNPARSABLE or j["score"] < 0:
            c["left_out"] += 1
        else:
            c["scores"].append(float(j["score"]))
    return {m: {cat: {"score": sum(c["scores"]) / len(c["scores"]) if c["scores"] else None,
                      "n": len(c["scores"]), "left_out": c["left_out"]}
                for cat in order if (c := row.get(cat)) is not None}
            for m, row in cells.items()}


def format_categories(t: dict[str, dict[str, dict]]) -> str:
    """One row per model, one column per category (``-``: judged, but no rating; blank: not judged)."""
    cats = list(dict.fromkeys(c for row in t.values() for c in row))
    lines = ["########## Category (radar) ##########",
             f"{'model':48s}" + "".join(f" {c[:10]:>10s}" for c in cats)]
    for m, row in t.items():
        vals = ["" if c not in row else "-" if row[c]["score"] is None else row[c]["score"] for c in cats]
        lines.append(f"{m:48s}" + "".join(f" {v:10.6f}" if isinstance(v, float) else f" {v:>10s}" for v in vals))
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("judgments", type=Path)
    ap.add_argument("--questions", type=Path, default=None, help="FastChat question.jsonl (the categories)")
    ap.add_argument("--json", action="store_true", help="print the table as JSON")
    a = ap.parse_args(argv)
    t = category_table(load_judgments(a.judgments), categories_of(a.questions) if a.questions else None,
                       str(a.questions or a.judgments))
    print(json.dumps(t, indent=1, ensure_ascii=False) if a.json else format_categories(t))


if __name__ == "__main__":
    main()
