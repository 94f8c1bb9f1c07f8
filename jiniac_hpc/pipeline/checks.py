"""Did the model learn? The verdicts at the top of the pipeline's run report.

    python -m jiniac_hpc.pipeline.report tiny     # rewrites report.md and checks.json of logs/pipeline/tiny

A pipeline whose every stage completes can still end with a model that says nothing. These
checks read what the stages wrote (TensorBoard scalars, the eval's scores, predictions and
language table, the report's greedy samples) and say, one line each, whether the effects a
working pipeline shows at any scale are there:

- pretraining's eval loss fell from its first evaluation to its last;
- after SFT, at least 90 % of the jaster answers are well-formed (``eval.validity``);
- the SFT model's AVG_jaster is higher than the pretrained model's (JINIAC's slides show SFT
  multiplying it);
- the final model answers at least 2 of 3 Japanese questions in Japanese (the language table);
- every Japanese sample prompt gets a non-empty Japanese answer from the final model.

A check is ``None`` (not measured) when the run lacks what it reads, e.g. an eval recipe that
does not compare the pretrained model. The checks are signs, not proof: a model that gives one
answer to every item is well-formed and can beat a model that gives none (the report's
"distinct" column says so).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from jiniac_hpc import fileio
from jiniac_hpc.eval.langtest import classify
from jiniac_hpc.eval.validity import read_records, well_formed

MIN_WELL_FORMED = 0.9
MIN_JAPANESE = 2 / 3


@dataclass(frozen=True)
class Check:
    claim: str                 # what a working pipeline shows
    measured: str              # what this run shows
    ok: Optional[bool]         # None: the run lacks what the check reads


def eval_loss_fell(series: list[tuple[int, float]]) -> Check:
    claim = "pretraining's eval loss falls"
    if len(series) < 2:
        return Check(claim, "fewer than two evaluations logged", None)
    (s0, a), (s1, b) = series[0], series[-1]
    return Check(claim, f"{a:.3f} at step {s0} -> {b:.3f} at step {s1}", b < a)


def sft_well_formed(records: list[dict]) -> Check:
    claim = f"after SFT, >= {MIN_WELL_FORMED:.0%} of jaster answers are well-formed"
    if not records:
        return Check(claim, "no SFT model was evaluated", None)
    ok = sum(well_formed(r["task"], r["prediction"]) for r in records)
    return Check(claim, f"{ok} of {len(records)} ({ok / len(records):.0%})", ok >= MIN_WELL_FORMED * len(records))


def sft_beats_pretrained(pretrained: Optional[float], sft: Optional[float]) -> Check:
    claim = "SFT raises AVG_jaster above the pretrained model's"
    if pretrained is None or sft is None:
        return Check(claim, "the eval did not score both the pretrained and the SFT model", None)
    return Check(claim, f"{pretrained:.3f} -> {sft:.3f}", sft > pretrained)


def answers_in_japanese(table: Optional[dict]) -> Check:
    claim = f"the final model answers >= {MIN_JAPANESE:.0%} of Japanese questions in Japanese"
    row = (table or {}).get("ja")
    if not row or not sum(row.values()):
        return Check(claim, "no Japanese questions in the language table", None)
    n = sum(row.values())
    return Check(claim, f"{row['ja']} of {n}", row["ja"] >= MIN_JAPANESE * n)


def japanese_samples(samples: list[tuple[str, str]]) -> Check:
    """``samples``: (prompt, the final model's greedy chat answer) of the report's sample prompts."""
    claim = "the final model answers every Japanese sample prompt in non-empty Japanese"
    ja = [(p, a) for p, a in samples if classify(p) == "ja"]
    if not ja:
        return Check(claim, "no Japanese sample prompt was generated", None)
    good = sum(bool(a.strip()) and classify(a) == "ja" for _, a in ja)
    return Check(claim, f"{good} of {len(ja)}", good == len(ja))


def _avg(d: Optional[Path]) -> Optional[float]:
    jaster = fileio.read_json(d / "scores.json", {}).get("jaster") if d else None
    return (jaster or {}).get("AVG")


def learning_checks(eval_loss: list[tuple[int, float]], runs: list[tuple[str, Path]],
                    samples: list[tuple[str, str]]) -> list[Check]:
    """Every check, from pretraining's ``eval/loss`` series, the eval's (label, folder) runs
    (``pipeline.report.eval_runs``: ``pretrained`` and ``sft`` when compared, the final model
    last) and the final model's greedy samples."""
    by_label = dict(runs)
    final = runs[-1][1] if runs else None
    table = fileio.read_json(final / "langtest" / "table.json", {}).get("table") if final else None
    sft = by_label.get("sft")
    return [eval_loss_fell(eval_loss),
            sft_well_formed(read_records(sft / "predictions.jsonl") if sft else []),
            sft_beats_pretrained(_avg(by_label.get("pretrained")), _avg(sft)),
            answers_in_japanese(table),
            japanese_samples(samples)]


def checks_section(checks: list[Check], out_dir: Path) -> list[str]:
    """The report's markdown for ``checks``; also writes them to ``<out_dir>/checks.json``."""
    fileio.write_json(out_dir / "checks.json", [asdict(c) for c in checks])
    mark = {True: "yes", False: "**NO**", None: "not measured"}
    return ["## What this run shows", "",
            "| a working pipeline shows | this run | shown |", "|---|---|---|"] + [
        f"| {c.claim} | {c.measured} | {mark[c.ok]} |" for c in checks] + [""]
