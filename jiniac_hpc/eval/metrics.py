"""jaster metrics and the category average, as llm-jp-eval v1.3.0 defines them.

    python -m jiniac_hpc.eval.metrics      # prints a few worked examples

Source of the definitions (read, not copied): llm-jp-eval v1.3.0 (Apache-2.0), the copy imported
by swallow-llm/swallow-evaluation commit 78de0dba5324f9539b824cc1a4f08b9c4b8c181d ("update
llm-jp-eval to v1.3.0"), file ``llm-jp-eval/src/llm_jp_eval/utils.py``:
``get_evaluation_result``, ``parse_float``, ``normalize``, ``post_process_score_results``.
Its lock file pins fuzzywuzzy 0.18.0 with python-Levenshtein 0.21.1.

- Answer: ``NFKC(generated.split("\\n\\n")[0])``; gold: ``NFKC(gold)``. Nothing is stripped.
- exact_match: the two strings are equal.
- char_f1: fuzzywuzzy's ``fuzz.token_sort_ratio(pred, gold) / 100`` (seatgeek/fuzzywuzzy 0.18.0,
  tag commit 749d61ab2ea35498c4d04d74dafde9248f253fb4, ``fuzz.py`` / ``utils.py`` /
  ``string_processing.py``): each side is processed (code points 128-255 deleted, because
  ``force_ascii`` defaults to True; every ``(?ui)\\W`` character replaced by a space; lower-cased;
  stripped), split on whitespace, tokens sorted and joined by one space; equal strings score 100,
  one empty string 0, otherwise ``int(round(100 * Levenshtein.ratio))`` (Python's round: half to
  even). ``Levenshtein.ratio`` is the normalised Indel similarity, which rapidfuzz's
  ``fuzz.ratio`` computes; :func:`fuzzywuzzy_process` is the processor that makes rapidfuzz's
  ``token_sort_ratio`` see what fuzzywuzzy sees (rapidfuzz's own ``default_process`` differs: it
  turns ``_`` into a space and keeps Latin-1 letters).
- JSTS: the answer keeps only ``[0-9.]`` before ``float()`` (``"3.5点"`` -> 3.5, ``"-1"`` -> 1.0);
  an answer that still does not parse is -2.0. Spearman comes from scipy; Pearson is computed
  as the pinned scipy 1.12.0 ``pearsonr`` computes it (:func:`pearson`: later scipy versions
  round differently in the last bits); NaN -> 0.0.
- Means: char_f1 per task, the categories and AVG are Python's ``statistics.mean`` (the exact
  mean, rounded once), which :func:`mean` is; a plain float sum differs in the last bits.
  exact_match is sklearn's ``accuracy_score``, the same number for 0/1 values.
- Categories (``post_process_score_results``): a category is the mean of its metrics that ran;
  llm-jp-eval's AVG is the mean over all nine categories, a category without a run task
  counting 0.0. JSTS is in no category, so it never enters AVG. It prints every value as
  ``f"{v:.4f}"``; scores.json keeps the unrounded floats.

Where this module knowingly differs: fewer than two JSTS samples give 0.0 (scipy raises
there); and, because this suite runs only JGLUE, ``AVG`` here is the mean over the categories
that ran (see :func:`average`), with llm-jp-eval's nine-category mean reported beside it.

Releases after v1.3.0 (v1.3.1, v1.4.x, v2.x): their source (llm-jp/llm-jp-eval) was not
reachable here, so nothing in this module follows their code. Known from outside it: their JGLUE
dev files are the same in v1.3.1 and v1.4.1 (sha256 sums in llm-jp/scripts' installers), and for
JCommonsenseQA and JSTS they equal what v1.3.0's definitions write
(``tests/assets/eval/llm_jp_eval_dev_sha256/``; JNLI's and JSQuAD's train files were missing); and llm-jp/llm-jp-eval-inference's
lock files resolve v2.0.0 and v2.1.2 with fuzzywuzzy 0.18.0, python-Levenshtein 0.25.1, numpy 1.26.4
and scipy 1.15.2-1.16.1, with which v1.3.0's definitions give the same numbers as here except for
the last bits of the JSTS Pearson r (``tests/assets/eval/llm_jp_eval_1.3.0/pins/``). Nejumi
Leaderboard 4's reading of the answers is :mod:`jiniac_hpc.eval.scoring`'s ``nejumi-4``.
"""
from __future__ import annotations

import math
import re
import statistics
import unicodedata
import warnings
from typing import Iterable, Optional, Sequence

from rapidfuzz import fuzz

LLM_JP_EVAL = ("llm-jp-eval v1.3.0 (swallow-llm/swallow-evaluation@78de0dba5324f9539b824cc1a4f08b9c4b8c181d, "
               "llm-jp-eval/src/llm_jp_eval/)")

# parse_float's value for an answer with no number in it.
UNPARSABLE_FLOAT = -2.0

# llm-jp-eval v1.3.0's category table (utils.post_process_score_results), as task/metric keys.
LLM_JP_EVAL_CATEGORIES: dict[str, list[str]] = {
    "NLI": ["jamp/exact_match", "janli/exact_match", "jnli/exact_match", "jsem/exact_match", "jsick/exact_match"],
    "QA": ["jemhopqa/char_f1", "niilc/char_f1"],
    "RC": ["jsquad/char_f1"],
    "MC": ["jcommonsenseqa/exact_match"],
    "HE": ["mmluen/exact_match", "jmmlu/exact_match"],
    "EL": ["chabsa/set_f1"],
    "FA": ["wiki_reading/char_f1", "wiki_ner/set_f1", "wiki_dependency/set_f1", "wiki_pas/set_f1",
           "wiki_coreference/set_f1"],
    "MR": ["mawps/exact_match"],
    "MT": ["alt-e-to-j/comet_wmt22", "alt-j-to-e/comet_wmt22", "wikicorpus-e-to-j/comet_wmt22",
           "wikicorpus-j-to-e/comet_wmt22"],
}


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII, so '２' matches '2'); no strip."""
    return unicodedata.normalize("NFKC", text)


def postprocess(generated: str) -> str:
    """The answer part of a generation: up to the first blank line, NFKC-normalised."""
    return normalize(generated.split("\n\n")[0])


def exact_match(pred: str, gold: str) -> float:
    return float(normalize(pred) == normalize(gold))


_LATIN1 = {c: None for c in range(128, 256)}
_NON_WORD = re.compile(r"(?ui)\W")


def fuzzywuzzy_process(s: str) -> str:
    """fuzzywuzzy 0.18.0's ``full_process(s, force_ascii=True)``, in its order of steps."""
    return _NON_WORD.sub(" ", s.translate(_LATIN1)).lower().strip()


def char_f1(pred: str, gold: str) -> float:
    """llm-jp-eval's char_f1: ``fuzz.token_sort_ratio(pred, gold) / 100`` of fuzzywuzzy, via rapidfuzz."""
    score = fuzz.token_sort_ratio(normalize(pred), normalize(gold), processor=fuzzywuzzy_process)
    return round(score) / 100     # fuzzywuzzy's utils.intr: int(round(x)), half to even


def parse_float(text: str) -> float:
    """A JSTS answer as llm-jp-eval reads it: keep [0-9.], then float(); else -2.0."""
    cleaned = re.sub(r"[^0-9.]", "", str(text))
    try:
        return float(cleaned)
    except ValueError:
        return UNPARSABLE_FLOAT


def _check_pair(name: str, xs: Sequence[float], ys: Sequence[float]) -> bool:
    """False where llm-jp-eval's scipy would raise (fewer than two samples): the score is then 0.0."""
    if len(xs) != len(ys):
        raise ValueError(f"{name}: {len(xs)} predictions for {len(ys)} golds")
    return len(xs) >= 2


def pearson(preds: Sequence[float], golds: Sequence[float]) -> float:
    """Pearson r of golds and parsed predictions as scipy 1.12.0's ``pearsonr(golds, preds)`` computes it.

    Constant input is NaN there, 0.0 here as in llm-jp-eval; two samples give the product of the
    signs of the two differences; otherwise the dot product of the two centred vectors, each
    divided by its norm (``scipy.linalg.norm``, BLAS nrm2), clipped to [-1, 1]. The order of these
    roundings is what makes the last bits equal to the recorded llm-jp-eval numbers."""
    if not _check_pair("pearson", preds, golds):
        return 0.0
    import numpy as np
    from scipy import linalg

    x, y = np.asarray(golds, dtype=np.float64), np.asarray(preds, dtype=np.float64)
    if (x == x[0]).all() or (y == y[0]).all():
        return 0.0
    if len(x) == 2:
        return float(np.sign(x[1] - x[0]) * np.sign(y[1] - y[0]))
    xm, ym = x - x.mean(), y - y.mean()
    r = float(np.dot(xm / linalg.norm(xm), ym / linalg.norm(ym)))
    return max(min(r, 1.0), -1.0)


def spearman(preds: Sequence[float], golds: Sequence[float]) -> float:
    """Spearman rho, scipy's ``spearmanr(golds, preds)``; NaN (constant input) -> 0.0."""
    if not _check_pair("spearman", preds, golds):
        return 0.0
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")    # constant input: scipy warns and returns NaN
        r = float(stats.spearmanr(golds, preds)[0])
    return 0.0 if math.isnan(r) else r


def mean(xs: Iterable[float]) -> float:
    """``statistics.mean`` as a float (0.0 for nothing): llm-jp-eval's mean, exact and rounded once."""
    xs = list(xs)
    return float(statistics.mean(xs)) if xs else 0.0


def category_scores(task_metrics: dict[str, dict[str, float]], categories: dict[str, list[str]]
                    ) -> tuple[dict[str, float], dict[str, list[str]]]:
    """(score per category, the task/metric keys each score averages), for categories with a run task.

    A category is the mean of its metrics whose task ran, as in llm-jp-eval.
    """
    cats, covers = {}, {}
    for cat, keys in categories.items():
        vals, used = [], []
        for key in keys:
            task, metric = key.split("/")
            if task not in task_metrics:
                continue
            if metric not in task_metrics[task]:
                raise KeyError(f"categories.{cat}: task {task} has no metric {metric!r}; "
                               f"it has {sorted(task_metrics[task])}")
            vals.append(task_metrics[task][metric])
            used.append(key)
        if vals:
            cats[cat], covers[cat] = mean(vals), used
    return cats, covers


def average(task_metrics: dict[str, dict[str, float]], categories: dict[str, list[str]]) -> dict:
    """The category part of scores.json: categories, AVG and what AVG covers.

    ``AVG`` is the mean over the categories with a run task (this suite's JGLUE-only average);
    ``AVG_llm_jp_eval_9`` is llm-jp-eval's own rule applied to this run: the mean over its nine
    categories, each absent one counting 0.0. Tasks outside every category (JSTS) are listed
    under ``not_averaged``.
    """
    cats, covers = category_scores(task_metrics, categories)
    full, _ = category_scores(task_metrics, LLM_JP_EVAL_CATEGORIES)
    in_some = {k.split("/")[0] for keys in categories.values() for k in keys}
    return {"categories": cats, "AVG": mean(cats.values()) if cats else None, "avg_covers": covers,
            "not_averaged": sorted(t for t in task_metrics if t not in in_some),
            "AVG_llm_jp_eval_9": mean(full.get(c, 0.0) for c in LLM_JP_EVAL_CATEGORIES)}


def _example(pred: str, gold: str) -> str:
    return f"char_f1({pred!r}, {gold!r}) = {char_f1(pred, gold)}"


if __name__ == "__main__":
    print(_example("「東京」", "東京"))          # brackets become spaces -> equal -> 1.0
    print(_example("東京都", "東京"))            # Indel ratio 2*2/5 = 0.8
    print(_example("。", "、"))                  # both process to '' -> equal -> 1.0
    print("parse_float('3.5点') =", parse_float("3.5点"), " parse_float('-1') =", parse_float("-1"))
    print("pearson([1,2,3],[1,2,4]) =", round(pearson([1, 2, 3], [1, 2, 4]), 4))
