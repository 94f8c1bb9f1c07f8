"""Scoring rules of jaster: how a generation becomes an answer and how a task's sample scores are averaged.

    python -m jiniac_hpc.eval.scoring          # prints how each rule reads a few generations

``jaster.scoring`` (and ``jiniac eval rescore --scoring``) picks one; the metrics themselves
(exact_match, char_f1, Pearson/Spearman) are :mod:`jiniac_hpc.eval.metrics`' for every rule.

- ``llm-jp-eval-1.3.0`` (default): llm-jp-eval v1.3.0's ``get_evaluation_result``: the answer is
  ``NFKC(generation.split("\\n\\n")[0])`` (:func:`jiniac_hpc.eval.metrics.postprocess`), nothing
  stripped; a task's score is ``statistics.mean`` of its sample scores.
- ``nejumi-4``: Nejumi Leaderboard 4's jaster (wandb/llm-leaderboard, commit
  6e29db49588b920d8210eda1d415a1533e92a571; read, not copied): ``scripts/evaluator/jaster.py`` turns
  a generation into the answer with ``evaluate_utils/formatter.py``'s ``text_formatter`` (JNLI:
  ``strip().lower()``; JCommonsenseQA: ``strip()``; JSQuAD: every ``応答:``, ``回答:`` and ``答え:``
  removed, then ``strip().lower()``), then the text before the first blank line, stripped, with
  ASCII quotes stripped (``strip("'").strip('"')``), stripped again, NFKC. The gold is
  ``NFKC(gold)``. exact_match and char_f1 (fuzzywuzzy ``token_sort_ratio / 100``) are v1.3.0's;
  a task's score is the pandas ``pivot_table`` mean of its sample scores, a Kahan-compensated sum
  divided by the count (:func:`kahan_mean`; it can differ from ``statistics.mean`` in the last
  bit). Nejumi 4 has no JSTS task, so this rule scores JCommonsenseQA, JNLI and JSQuAD only.
  Nejumi Leaderboard 3 (tag v3.1.1) and tag v4.0.0 read and average these three tasks the same
  way: their own code gives the same answers and means on the recorded predictions
  (``tests/golden/make_nejumi4_scores.py --check``).

What ``nejumi-4`` does not reproduce: Nejumi's prompts (its own jaster dataset artifact, the
few-shots as chat turns through the model's chat template, its instruction header), its sample
selection (the first 100 test and 10 dev samples of each task) and its leaderboard averages (0-shot
and few-shot means, GLP categories). Only the reading and scoring of the generations is its.
"""
from __future__ import annotations

import statistics
from typing import Iterable

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval import metrics as M
from jiniac_hpc.eval.config import SCORED_TASKS, scoring_problem

LLM_JP_EVAL_130, NEJUMI_4 = "llm-jp-eval-1.3.0", "nejumi-4"
RULES = tuple(SCORED_TASKS)
#: Source of each rule's definitions (recorded in scores.json).
DEFINITIONS = {LLM_JP_EVAL_130: M.LLM_JP_EVAL,
               NEJUMI_4: "Nejumi Leaderboard 4 (wandb/llm-leaderboard@6e29db49588b920d8210eda1d415a1533e92a571, "
                         "scripts/evaluator/jaster.py and evaluate_utils/{formatter,metrics}.py)"}

# text_formatter's prefixes, removed anywhere in a JSQuAD generation (ASCII colons: before NFKC).
_NEJUMI_PREFIXES = ("応答:", "回答:", "答え:")


def check_rule(rule: str, tasks: Iterable[str], where: str) -> None:
    """A ConfigError naming ``where`` unless the rule exists and scores every task."""
    if (why := scoring_problem(rule, tasks)) is not None:
        raise ConfigError(f"{where}: {why}")


def _nejumi4_format(task: str, text: str) -> str:
    """Nejumi 4's ``text_formatter`` for the JGLUE tasks (JSTS falls to its pass-through branch)."""
    if task == "jnli":
        return text.strip().lower()
    if task == "jcommonsenseqa":
        return text.strip()
    if task == "jsquad":
        for p in _NEJUMI_PREFIXES:
            text = text.replace(p, "")
        return text.strip().lower()
    return text


def answer(rule: str, task: str, generated: str) -> str:
    """The answer a rule reads out of a generation (the string the metric compares with the gold)."""
    if rule == NEJUMI_4:
        text = _nejumi4_format(task, generated).split("\n\n")[0].strip()
        return M.normalize(text.strip("'").strip('"').strip())
    return M.postprocess(generated)


def kahan_mean(xs: Iterable[float]) -> float:
    """pandas' group mean: a Kahan-compensated sum in order, divided by the count (0.0 for nothing)."""
    total = compensation = 0.0
    n = 0
    for x in xs:
        y = x - compensation
        t = total + y
        compensation = (t - total) - y
        total = t
        n += 1
    return total / n if n else 0.0


def mean(rule: str, xs: Iterable[float]) -> float:
    """A task's score from its sample scores, as the rule's tool averages them."""
    if rule == NEJUMI_4:
        return kahan_mean(xs)
    return M.mean(xs)


if __name__ == "__main__":
    for task, gen in (("jnli", " Entailment\n\n理由"), ("jcommonsenseqa", " 2"), ("jsquad", "回答: \"東京\"")):
        print(task, repr(gen), {r: answer(r, task, gen) for r in RULES})
    xs = [0.1] * 3 + [0.7]
    print("statistics.mean", statistics.mean(xs), "kahan_mean", kahan_mean(xs))
