"""FastChat's MT-bench win rates from a pairwise judgments file (``show_result.py --mode pairwise-*``).

    python -m jiniac_hpc.eval.mtbench_pairwise gpt-4_pair.jsonl [--baseline-model M | --all] [--json]
    jiniac eval mtbench-table gpt-4_pair.jsonl --mode pairwise-all

Follows ``fastchat/llm_judge/show_result.py`` ``display_result_pairwise`` (the same in lm-sys
FastChat and Stability-AI/FastChat ``jp-stable`` commit e37eb28). A line of
``model_judgment/<judge>_pair.jsonl`` (what ``gen_judgment.py --mode pairwise-*`` writes) is one
question judged twice, the answers in both orders: ``g1_winner`` and ``g2_winner`` are
``model_1``, ``model_2``, ``tie`` or ``error`` (no verdict parsed, or a failed API call), both
already named from ``model_1``'s side. show_result:

- leaves out every line with an ``error`` in either game (we count them, per model);
- with a baseline (``pairwise-baseline``, default ``gpt-3.5-turbo``) keeps only the lines that
  have the baseline on one side; ``pairwise-all`` keeps every line;
- ``--model-list`` keeps the lines whose ``model_1`` is listed (only ``model_1``, as there);
- a line is a tie for both models when the first game is a tie or the two games disagree;
  otherwise the agreed winner wins and the other loses;
- sums win, loss and tie per model, drops the baseline's own row, and adds ``win_rate`` =
  win / (win + loss + tie), ``loss_rate`` = loss / (...) and ``win_rate_adjusted`` =
  (win + 0.5 tie) / (...), a tie counting half a win; rows sorted by ``win_rate_adjusted``, best
  first, tied rows in pandas' order (:func:`~jiniac_hpc.eval.mtbench_table.show_result_order`).

Both turns count alike, as there. A line whose winners are none of the four values, or that
lacks a key, and a selection that leaves no line (show_result fails on it) are one error line
naming the file and line, or the baseline.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Optional, Sequence

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.mtbench_table import judgment_lines, show_result_order

PAIR_KEYS = ("model_1", "model_2", "g1_winner", "g2_winner")
WINNERS = ("model_1", "model_2", "tie", "error")
DEFAULT_BASELINE = "gpt-3.5-turbo"     # show_result.py's --baseline-model default
COLUMNS = ("win", "loss", "tie", "win_rate", "loss_rate", "win_rate_adjusted")


def load_pair_judgments(path: Path) -> list[dict]:
    """The pairwise judgment lines of a file or folder; errors name the file and line."""
    out = []
    for f, n, j in judgment_lines(path):
        missing = [k for k in PAIR_KEYS if k not in j]
        if missing:
            raise ConfigError(f"{f}:{n}: judgment lacks {missing} (a pairwise judgment has {list(PAIR_KEYS)}"
                              + ("; this is a single-answer judgment: use --mode single)" if "score" in j else ")"))
        for k in ("model_1", "model_2"):
            if not isinstance(j[k], str):
                raise ConfigError(f"{f}:{n}: {k} {json.dumps(j[k])} is not a model name (a string)")
        for k in ("g1_winner", "g2_winner"):
            if j[k] not in WINNERS:
                raise ConfigError(f"{f}:{n}: {k} {j[k]!r} is not one of {list(WINNERS)}")
        out.append(j)
    return out


def pairwise_table(judgments: Sequence[dict], baseline: Optional[str] = DEFAULT_BASELINE,
                   models: Optional[Sequence[str]] = None) -> dict[str, dict]:
    """model -> {"win", "loss", "tie", "win_rate", "loss_rate", "win_rate_adjusted", "n_error"}.

    ``baseline`` None is ``pairwise-all``. ``n_error``: the model's selected lines that show_result
    left out for an ``error``; a model with only such lines keeps a row without rates."""
    rows: dict[str, dict] = {}
    errors: dict[str, int] = {}
    for j in judgments:
        m1, m2 = j["model_1"], j["model_2"]
        if models is not None and m1 not in models:
            continue
        if baseline is not None and baseline not in (m1, m2):
            continue
        if "error" in (j["g1_winner"], j["g2_winner"]):
            for m in (m1, m2):
                errors[m] = errors.get(m, 0) + 1
            continue
        if j["g1_winner"] == "tie" or j["g1_winner"] != j["g2_winner"]:
            results = ((m1, "tie"), (m2, "tie"))
        elif j["g1_winner"] == "model_1":
            results = ((m1, "win"), (m2, "loss"))
        else:
            results = ((m2, "win"), (m1, "loss"))
        for m, what in results:
            r = rows.setdefault(m, {"win": 0, "loss": 0, "tie": 0})
            r[what] += 1
    if not rows and not errors:
        raise ConfigError(f"pairwise table: no judgment has the baseline {baseline!r}"
                          + (f" and a model_1 in {list(models)}" if models is not None else "")
                          + f" (the models judged: {sorted({j[k] for j in judgments for k in ('model_1', 'model_2')})})")
    out = {}
    for m in sorted(set(rows) | set(errors)):
        if m == baseline:
            continue
        r = rows.get(m, {"win": 0, "loss": 0, "tie": 0})
        total = r["win"] + r["loss"] + r["tie"]
        rates = ({"win_rate": r["win"] / total, "loss_rate": r["loss"] / total,
                  "win_rate_adjusted": (r["win"] + 0.5 * r["tie"]) / total} if total else
                 {"win_rate": None, "loss_rate": None, "win_rate_adjusted": None})
        out[m] = {**r, **rates, "n_error": errors.get(m, 0)}
    return out


def format_pairwise(t: dict[str, dict]) -> str:
    """show_result's columns, best ``win_rate_adjusted`` first, plus the lines left out for an error."""
    head = f"{'model':48s} {'win':>5s} {'loss':>5s} {'tie':>5s} {'win_rate':>9s} {'loss_rate':>9s} " \
           f"{'win_rate_adjusted':>17s} {'error':>5s}"
    rated = show_result_order([(m, r) for m, r in t.items() if r["win_rate_adjusted"] is not None],
                              "win_rate_adjusted")
    lines = [head] + [f"{m:48s} {r['win']:5d} {r['loss']:5d} {r['tie']:5d} {r['win_rate']:9.6f} "
                      f"{r['loss_rate']:9.6f} {r['win_rate_adjusted']:17.6f} {r['n_error']:5d}" for m, r in rated]
    lines += [f"{m:48s} {0:5d} {0:5d} {0:5d} {'-':>9s} {'-':>9s} {'-':>17s} {r['n_error']:5d}"
              for m, r in t.items() if r["win_rate_adjusted"] is None]
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("judgments", type=Path)
    ap.add_argument("--baseline-model", default=DEFAULT_BASELINE, help="pairwise-baseline's baseline")
    ap.add_argument("--all", action="store_true", help="every pair (pairwise-all), no baseline")
    ap.add_argument("--model-list", nargs="+", default=None, help="only lines whose model_1 is listed")
    ap.add_argument("--json", action="store_true", help="print the table as JSON")
    a = ap.parse_args(argv)
    t = pairwise_table(load_pair_judgments(a.judgments), None if a.all else a.baseline_model, a.model_list)
    print(json.dumps(t, indent=1, ensure_ascii=False) if a.json else format_pairwise(t))


if __name__ == "__main__":
    main()
