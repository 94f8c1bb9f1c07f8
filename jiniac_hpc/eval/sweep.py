"""Collect a checkpoint sweep: table, PNG plot of scores against the step, the best-balanced checkpoint.

    python -m jiniac_hpc.eval.sweep RUN_DIR [--rule harmonic|weighted|min]

JINIAC saved an SFT checkpoint every 100 steps and kept the one with the best balance of
AVG_jaster and AVG_mtbench. The rule here (``select`` in the recipe):

1. **Fixed scales.** AVG_jaster is already in [0, 1]; AVG_mtbench is mapped from the judge's
   1-10 scale to [0, 1] as ``(m - 1) / 9`` (``mtbench_min``/``mtbench_max``). Fixed, not
   min-max over the sweep: min-max gives the worst checkpoint on each score a 0, so two
   checkpoints that trade off would both score 0 whatever the size of the trade.
2. **Combine** the two (``rule``): 'harmonic' mean (high only when both are high), 'weighted'
   mean with ``jaster_weight``, or the 'min'. The highest wins; ties go to the earlier step.
3. **Missing MT-bench.** A checkpoint without an MT-bench score (its judging failed, or every
   verdict was unparsable) while others have one is scored as if it had the *lowest* MT-bench
   score of the sweep: it wins only if its jaster lead outweighs that, and the result says so.
   With no MT-bench score at all the pick is by AVG_jaster alone: silently when MT-bench was
   not run (judge 'none'), with a loud warning when verdicts came back but none parsed.

``best.json`` gives the pick, the rule, a one-line reason (its scores against the runner-up)
and any warnings; ``sweep.md`` repeats them; warnings also go to stderr.
Writes ``sweep.md``, ``sweep.json`` (rows + best), ``sweep.png`` and ``best.json`` in the run dir.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

from jiniac_hpc.eval.config import SelectConfig
from jiniac_hpc import fileio
from jiniac_hpc.eval.report import markdown_table


def combine(a: float, b: float, sel: SelectConfig) -> float:
    if sel.rule == "harmonic":
        return 0.0 if a + b <= 0 else 2 * a * b / (a + b)
    if sel.rule == "weighted":
        return sel.jaster_weight * a + (1 - sel.jaster_weight) * b
    return min(a, b)


def mtbench_scaled(m: float, sel: SelectConfig) -> float:
    """An MT-bench average on the fixed [0, 1] scale (clipped: a judge may stray outside 1-10)."""
    return min(max((m - sel.mtbench_min) / (sel.mtbench_max - sel.mtbench_min), 0.0), 1.0)


def _why_missing(r: dict) -> str:
    if r.get("mtbench_unparsable"):
        return f"all {r['mtbench_unparsable']} judge verdicts unparsable"
    return "no MT-bench result"


def select(rows: list[dict], sel: SelectConfig) -> dict:
    """Add 'balance' to every row; return the best row's summary (the rule in the module docstring).

    Rows need 'checkpoint', 'step', 'model', 'jaster' and 'mtbench' (either may be None), and may
    have 'mtbench_unparsable' (verdicts that did not parse when 'mtbench' is None).
    """
    usable = [r for r in rows if r["jaster"] is not None]
    if not usable:
        raise ValueError("no checkpoint has a jaster score: nothing to select from")
    warnings: list[str] = []
    with_mt = [r for r in usable if r["mtbench"] is not None]
    if with_mt:
        floor = min(r["mtbench"] for r in with_mt)
        for r in usable:
            m = r["mtbench"]
            if m is None:
                warnings.append(f"{r['checkpoint']}: {_why_missing(r)}; scored with the sweep's lowest "
                                f"MT-bench ({floor:.2f}) instead")
                m = floor
            r["balance"] = combine(min(max(r["jaster"], 0.0), 1.0), mtbench_scaled(m, sel), sel)
        how = (f"{sel.rule} of AVG_jaster and AVG_mtbench on fixed scales (jaster as is, MT-bench "
               f"(m - {sel.mtbench_min:g}) / {sel.mtbench_max - sel.mtbench_min:g})")
    else:
        for r in usable:
            r["balance"] = r["jaster"]
        unparsable = sum(r.get("mtbench_unparsable") or 0 for r in usable)
        if unparsable:
            warnings.append(f"MT-bench was judged but none of its {unparsable} verdicts parsed (no [[N]] rating): "
                            f"the pick ignores MT-bench. Check the judge's outputs (mtbench/judgments.jsonl)")
            how = "AVG_jaster only (every MT-bench verdict was unparsable)"
        else:
            how = "AVG_jaster only (no MT-bench scores in this sweep)"
    ranked = sorted(usable, key=lambda r: (-r["balance"], r["step"]))
    best = ranked[0]
    return {"checkpoint": best["checkpoint"], "step": best["step"], "model": best["model"],
            "balance": best["balance"], "AVG_jaster": best["jaster"], "AVG_mtbench": best["mtbench"], "rule": how,
            "why": _reason(ranked, with_mt != []), "warnings": warnings}


def _scores(r: dict) -> str:
    mt = "no MT-bench" if r["mtbench"] is None else f"MT-bench {r['mtbench']:.2f}"
    return f"{r['checkpoint']} (jaster {r['jaster']:.3f}, {mt}, balance {r['balance']:.3f})"


def _reason(ranked: list[dict], balanced: bool) -> str:
    """One line: the pick's scores against the runner-up's."""
    what = "balance" if balanced else "AVG_jaster"
    if len(ranked) == 1:
        return f"{_scores(ranked[0])} is the only checkpoint with a jaster score"
    a, b = ranked[0], ranked[1]
    tie = " (a tie: the earlier step wins)" if a["balance"] == b["balance"] else ""
    return f"{_scores(a)} has the highest {what}{tie}; runner-up {_scores(b)}"


def rows_of(run_dir: Path, names: list[str]) -> list[dict]:
    rows = []
    for name in names:
        p = run_dir / name / "scores.json"
        if not p.exists():
            raise FileNotFoundError(f"{p} is missing: the eval task of {name} did not finish")
        s = json.loads(p.read_text())
        j, m = s.get("jaster") or {}, s.get("mtbench") or {}
        rows.append({"checkpoint": name, "step": s["step"], "model": s["model"], "jaster": j.get("AVG"),
                     "mtbench": m.get("AVG"), "mtbench_unparsable": m.get("n_unparsable"),
                     "jaster_categories": j.get("categories", {}),
                     "langtest_same": (s.get("langtest") or {}).get("fraction_same"), "balance": None})
    return sorted(rows, key=lambda r: r["step"])


def plot(rows: list[dict], best: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, [r["jaster"] for r in rows], "o-", color="tab:blue", label="AVG_jaster")
    for cat in sorted({c for r in rows for c in r["jaster_categories"]}):
        ax.plot(steps, [r["jaster_categories"].get(cat) for r in rows], ":", alpha=0.6, label=f"jaster {cat}")
    ax.set_xlabel("step")
    ax.set_ylabel("AVG_jaster")
    if any(r["mtbench"] is not None for r in rows):
        ax2 = ax.twinx()
        ax2.plot(steps, [r["mtbench"] for r in rows], "s-", color="tab:red", label="AVG_mtbench")
        ax2.set_ylabel("AVG_mtbench (1-10)")
        ax2.legend(loc="upper right")
    ax.axvline(best["step"], color="gray", ls="--", label=f"best: {best['checkpoint']}")
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title("Scores by checkpoint")
    fig.tight_layout()
    with fileio.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)


def collect(run_dir: Path, names: list[str], sel: SelectConfig) -> dict:
    rows = rows_of(run_dir, names)
    best = select(rows, sel)
    header = ["checkpoint", "step", "AVG_jaster", "AVG_mtbench", "balance"]
    md = markdown_table(header, [[r["checkpoint"], r["step"], r["jaster"], r["mtbench"], r["balance"]] for r in rows])
    md += f"\nbest: **{best['checkpoint']}** (step {best['step']}), rule: {best['rule']}\n\nwhy: {best['why']}\n"
    for w in best["warnings"]:
        md += f"\n**WARNING**: {w}\n"
        print(f"[jiniac] WARNING: {w}", file=sys.stderr, flush=True)
    plot(rows, best, run_dir / "sweep.png")
    fileio.atomic_write(run_dir / "sweep.md", md)
    fileio.write_json(run_dir / "best.json", best)
    fileio.write_json(run_dir / "sweep.json", {"rows": rows, "best": best})
    return best


def collect_task(cfg, ctx) -> dict:
    """Step function of the dependent collect job."""
    from jiniac_hpc.eval.stage import targets   # stage names this function; the import stays one-way

    names = [m.name for m, _ in targets(cfg, ctx.run_dir)]
    best = collect(Path(ctx.run_dir), names, cfg.select)
    print(f"best checkpoint: {best['checkpoint']} (step {best['step']}, {best['rule']}): {best['why']}")
    return best


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("--rule", default="harmonic", choices=["harmonic", "weighted", "min"])
    a = ap.parse_args(argv)
    run_dir = Path(a.run_dir)
    names = sorted(p.parent.name for p in run_dir.glob("step-*/scores.json"))
    print(json.dumps(collect(run_dir, names, SelectConfig(rule=a.rule)), indent=1))


if __name__ == "__main__":
    main()
