"""Metric functions of the jaster-style tasks, and the category average (AVG_jaster).

    python -m jiniac_hpc.eval.metrics      # prints a few worked examples

Answers are normalised as llm-jp-eval does: the generated text is cut at the first blank line
(the prompt separates shots with one, so a model that goes on writing the next shot is cut
there), then NFKC-normalised and stripped. Golds get the same NFKC + strip.
"""
from __future__ import annotations

import math
import unicodedata
from collections import Counter
from typing import Iterable, Optional, Sequence

# llm-jp-eval's value for a JSTS answer that is not a number: it counts, as a bad prediction.
UNPARSABLE_FLOAT = -2.0


def normalize(text: str) -> str:
    """NFKC + strip (full-width digits and letters become ASCII, so '２' matches '2')."""
    return unicodedata.normalize("NFKC", text).strip()


def postprocess(generated: str) -> str:
    """The answer part of a generation: up to the first blank line, normalised."""
    return normalize(generated.split("\n\n")[0])


def exact_match(pred: str, gold: str) -> float:
    return float(normalize(pred) == normalize(gold))


def char_f1(pred: str, gold: str) -> float:
    """Character-level F1 (bag of characters, as JGLUE scores JSQuAD): 2PR/(P+R).

    Both empty -> 1.0; one empty -> 0.0.
    """
    p, g = normalize(pred), normalize(gold)
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def best_over(metric, pred: str, golds: Sequence[str]) -> float:
    """The best score of ``pred`` against any of the gold answers (SQuAD convention)."""
    if not golds:
        raise ValueError("no gold answers")
    return max(metric(pred, g) for g in golds)


def parse_float(text: str) -> float:
    """A JSTS answer as a number; not a number -> UNPARSABLE_FLOAT."""
    try:
        v = float(normalize(text))
    except ValueError:
        return UNPARSABLE_FLOAT
    return v if math.isfinite(v) else UNPARSABLE_FLOAT


def _constant(xs: Sequence[float]) -> bool:
    return len(set(xs)) <= 1


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson r; 0.0 when either side is constant or has < 2 values (undefined, counts as no signal)."""
    if len(xs) != len(ys):
        raise ValueError(f"pearson: {len(xs)} predictions for {len(ys)} golds")
    if len(xs) < 2 or _constant(xs) or _constant(ys):
        return 0.0
    from scipy.stats import pearsonr

    return float(pearsonr(xs, ys)[0])


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman rho (Pearson of average ranks); 0.0 in the same undefined cases as :func:`pearson`."""
    if len(xs) != len(ys):
        raise ValueError(f"spearman: {len(xs)} predictions for {len(ys)} golds")
    if len(xs) < 2 or _constant(xs) or _constant(ys):
        return 0.0
    from scipy.stats import spearmanr

    return float(spearmanr(xs, ys)[0])


def mean(xs: Iterable[float]) -> float:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else 0.0


def category_scores(task_metrics: dict[str, dict[str, float]], categories: dict[str, list[str]]
                    ) -> tuple[dict[str, float], Optional[float]]:
    """(score per category, AVG). A category counts only when all its tasks ran."""
    cats = {}
    for cat, keys in categories.items():
        vals = []
        for key in keys:
            task, metric = key.split("/")
            if task not in task_metrics:
                break
            if metric not in task_metrics[task]:
                raise KeyError(f"categories.{cat}: task {task} has no metric {metric!r}; "
                               f"it has {sorted(task_metrics[task])}")
            vals.append(task_metrics[task][metric])
        else:
            if vals:
                cats[cat] = mean(vals)
    return cats, (mean(cats.values()) if cats else None)


if __name__ == "__main__":
    print("char_f1('東京都', '東京') =", char_f1("東京都", "東京"))          # P=2/3 R=1 -> 0.8
    print("exact_match('２', '2') =", exact_match("２", "2"))                # NFKC -> 1.0
    print("pearson([1,2,3],[1,2,4]) =", round(pearson([1, 2, 3], [1, 2, 4]), 4))
    print("spearman([1,2,3],[1,2,4]) =", spearman([1, 2, 3], [1, 2, 4]))
