"""``jiniac plan RECIPE``: the curriculum's stages with token budgets and steps, and the LR curve.

    jiniac plan debug --set data.index=/tmp/jpd/pretokenize/index.json      # prints; writes logs/plan/debug-lr.png
    python -m jiniac_hpc.train.plan_cli debug [--png lr.png] [--set k=v ...]

Login-node code: reads the data index (for ``tokens: null`` stages, "all of it") and the
recipe, never torch. The PNG shows :func:`jiniac_hpc.train.schedule.lr_at` over every step of
the plan, with the stage boundaries, so the per-stage peaks and ramps can be checked before
anything is submitted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from jiniac_hpc.config import load_recipe
from jiniac_hpc.paths import logs_root
from jiniac_hpc.train.config import PretrainConfig
from jiniac_hpc.train.schedule import lr_curve


def describe_plan(cfg: PretrainConfig) -> tuple[list[dict], list[float]]:
    """Rows (stage, steps, tokens, peak LR) and the LR of every step."""
    from jiniac_hpc.train.pretrain import plan_spans, read_index

    _, index = read_index(cfg)
    spans = plan_spans(cfg, index)
    tok_step = cfg.train.global_batch_size * int(index["seq_len"])
    rows = []
    for st, sp in zip(cfg.plan.stages, spans):
        rows.append({"stage": sp.name, "first_step": sp.start, "end_step": sp.end, "steps": sp.steps,
                     "budget": st.tokens, "tokens": sp.steps * tok_step, "peak_lr": sp.peak,
                     "sources": dict(st.sources)})
    return rows, lr_curve(spans, cfg.schedule)


def default_png(recipe: str) -> Path:
    """``logs/plan/<recipe>-lr.png`` (under ``$JINIAC_LOGS``): with run outputs, not in the working
    directory (a checkout's root)."""
    return logs_root() / "plan" / f"{Path(recipe).stem}-lr.png"


def print_plan(recipe: str, overrides: Optional[list[str]] = None, out_png: Optional[str | Path] = "lr.png",
               out=sys.stdout) -> list[dict]:
    """Print the plan of a ``pretrain`` recipe and write the LR PNG (``None``: no PNG)."""
    cfg = load_recipe("pretrain", PretrainConfig, recipe, overrides)
    rows, lrs = describe_plan(cfg)
    s = cfg.schedule
    print(f"plan of pretrain recipe {recipe!r}: {len(rows)} stages, {len(lrs)} steps, global batch "
          f"{cfg.train.global_batch_size} sequences; schedule {s.kind} (peak {s.lr:g}, warmup {s.warmup_steps}, "
          f"floor x{s.min_lr_ratio:g}, stage ramps {s.stage_ramp_steps} steps)", file=out)
    print(f"{'#':>2}  {'stage':24s} {'steps':>15s} {'n':>7s} {'tokens':>14s} {'budget':>14s} {'peak lr':>9s}  sources",
          file=out)
    for i, r in enumerate(rows):
        budget = "all" if r["budget"] is None else f"{r['budget']:,}"
        print(f"{i:>2}  {r['stage']:24s} {r['first_step']:>7d}-{r['end_step']:<7d} {r['steps']:>7d} "
              f"{r['tokens']:>14,} {budget:>14s} {r['peak_lr']:>9.3g}  {r['sources']}", file=out)
    if out_png is not None and lrs:
        Path(out_png).parent.mkdir(parents=True, exist_ok=True)
        write_png(rows, lrs, Path(out_png), title=f"pretrain/{recipe}: {s.kind}")
        print(f"LR curve: {out_png}", file=out)
    return rows


def write_png(rows: list[dict], lrs: list[float], path: Path, title: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(range(len(lrs)), lrs, lw=1.5)
    for r in rows[1:]:
        ax.axvline(r["first_step"], color="grey", lw=0.8, ls="--")
    for r in rows:
        ax.text((r["first_step"] + r["end_step"]) / 2, max(lrs) * 1.02, r["stage"], ha="center", fontsize=7)
    ax.set_xlabel("global step")
    ax.set_ylabel("learning rate")
    ax.set_title(title)
    ax.set_ylim(0, max(lrs) * 1.1)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("recipe")
    ap.add_argument("--png", default=None, help="default: logs/plan/<recipe>-lr.png")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    a = ap.parse_args(argv)
    print_plan(a.recipe, a.overrides, a.png or default_png(a.recipe))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
