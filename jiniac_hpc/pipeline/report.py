"""The run report of a pipeline: ``logs/pipeline/<run>/report.md`` and its PNG plots.

    python -m jiniac_hpc.pipeline.report tiny        # (re)write the report of logs/pipeline/tiny

It opens with what the run shows (``pipeline.checks``: did the eval loss fall, are the SFT
model's jaster answers well-formed, did SFT raise AVG_jaster, does the final model answer in
Japanese), written also to ``checks.json``. Then one section a stage, each meant to fit on a
screen: the corpus table, tokenizer statistics,
loss / eval loss / LR over the whole plan with the stage boundaries marked, tokens/s and MFU,
SFT and DPO curves, evaluation before and after (every model the eval run scored, its ``compare``
models first: per jaster task the score, the share of well-formed answers and the number of
distinct answers; the response-language table of each), and greedy sample answers of the
pretrained, SFT and DPO models. Everything is read back from what the stages wrote (reports,
JSON, TensorBoard event files); a stage that has not run is reported as missing, not guessed.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from jiniac_hpc import fileio
from jiniac_hpc.eval.stage import model_folder
from jiniac_hpc.paths import logs_root, run_dir_for
from jiniac_hpc.pipeline.checks import checks_section, learning_checks
from jiniac_hpc.pipeline.config import PipelineConfig


def read_scalars(tb_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar series in a TensorBoard folder, read with tensorboard's own reader."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    if not tb_dir.exists():
        return {}
    ea = EventAccumulator(str(tb_dir), size_guidance={"scalars": 0})
    ea.Reload()
    return {tag: [(e.step, e.value) for e in ea.Scalars(tag)] for tag in ea.Tags()["scalars"]}


def stage_boundaries(series: dict, run_dir: Optional[Path] = None) -> list[tuple[int, int]]:
    """(first step, stage index) of each plan stage.

    Exact from the run's ``config.yaml`` and data index (the spans the LR schedule uses);
    otherwise approximated by where the logged ``data/stage`` scalar changes.
    """
    if run_dir is not None and (run_dir / "config.yaml").exists():
        try:
            import yaml

            from jiniac_hpc.config import from_dict
            from jiniac_hpc.train.config import PretrainConfig
            from jiniac_hpc.train.pretrain import plan_spans, read_index

            cfg = from_dict(PretrainConfig, yaml.safe_load((run_dir / "config.yaml").read_text()))
            return [(sp.start, i) for i, sp in enumerate(plan_spans(cfg, read_index(cfg)[1]))]
        except (OSError, ValueError, KeyError):
            pass  # the index moved or changed: fall back to the logged stage index
    out, last = [], None
    for step, v in series.get("data/stage", []):
        if int(v) != last:
            out.append((step, int(v)))
            last = int(v)
    return out


def _plot(path: Path, panels: list[tuple[str, dict[str, list]]], vlines: list[tuple[int, int]] = ()) -> Optional[Path]:
    """One PNG with a panel per (title, {label: [(step, value)]}); None when there is nothing."""
    panels = [(t, {k: v for k, v in s.items() if v}) for t, s in panels]
    panels = [(t, s) for t, s in panels if s]
    if not panels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.4), squeeze=False)
    for ax, (title, series) in zip(axes[0], panels):
        for label, pts in series.items():
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label, marker="." if len(pts) < 30 else None)
        for step, idx in vlines:
            ax.axvline(step, color="grey", ls=":", lw=1)
            ax.text(step, ax.get_ylim()[1], f" s{idx}", va="top", fontsize=7, color="grey")
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _table_of(md: str) -> str:
    """The first Markdown table in a report."""
    lines, out = md.splitlines(), []
    for ln in lines:
        if ln.startswith("|"):
            out.append(ln)
        elif out:
            break
    return "\n".join(out)


def _last(series: list) -> str:
    return f"{series[-1][1]:.4g} (step {series[-1][0]})" if series else "n/a"


def write_report(cfg: PipelineConfig, run_dir: Path, generate: bool = True) -> Path:
    """Write ``report.md`` (and PNGs) for the pipeline run in ``run_dir``."""
    runs = {s.stage: run_dir_for(s.stage, s.run) for s in cfg.stages}
    md = _stage_report("Corpus", runs.get("corpus"))
    md += _stage_report("Tokenizer", runs.get("tokenizer"), "Model: `{d}/tokenizer.model`, HF folder `{d}/hf`. ")
    pretrain = read_scalars(runs["pretrain"] / "tensorboard") if "pretrain" in runs else {}
    md += _pretrain(runs.get("pretrain"), pretrain, run_dir)
    md += _posttrain(runs.get("sft"), runs.get("dpo"), run_dir)
    evaluated = eval_runs(runs.get("eval"), _eval_labels(cfg))
    md += _eval(runs.get("eval"), evaluated)
    models = [("pretrained", model_folder(runs["pretrain"] / "checkpoints" / "latest"))] if "pretrain" in runs else []
    models += [(st, runs[st] / "model") for st in ("sft", "dpo") if st in runs]
    tokenizer = runs["sft"] / "model" if "sft" in runs else None
    final_md, samples = _final(models, tokenizer, cfg, generate)
    md += final_md
    # The verdicts first: a newcomer reads them before any table.
    checks = checks_section(learning_checks(pretrain.get("eval/loss", []), evaluated, samples), run_dir)
    md = [f"# Pipeline run `{run_dir.name}`", ""] + checks + _stage_table(run_dir) + md
    return fileio.atomic_write(run_dir / "report.md", "\n".join(md) + "\n")


def _stage_table(run_dir: Path) -> list[str]:
    p = run_dir / "pipeline.json"
    if not p.exists():
        return []
    rows = [r for r in fileio.read_json(p)["stages"] if r["stage"] != "driver"]
    out = ["## Stages", "", "| stage | state | seconds | run directory |", "|---|---|---:|---|"]
    for r in rows:
        out.append(f"| {r['stage']} | {r.get('state', '')} | {r.get('seconds', '')} | `{r.get('run_dir', '')}` |")
    return out + [""]


def _missing(title: str, what: Optional[Path]) -> list[str]:
    return [f"## {title}", "", f"_not available: {what} has not been produced_", ""]


def _stage_report(title: str, d: Optional[Path], files: str = "") -> list[str]:
    """The first table of a stage's own ``report.md``; ``files`` names more of its outputs."""
    if d is None or not (d / "report.md").exists():
        return _missing(title, d and d / "report.md")
    return [f"## {title}", "", _table_of((d / "report.md").read_text()), "",
            files.format(d=d) + f"Full report: `{d / 'report.md'}`", ""]


def _pretrain(d: Optional[Path], s: dict, out: Path) -> list[str]:
    """The pretraining section from its TensorBoard scalars ``s`` (:func:`read_scalars` of ``d``)."""
    if not s:
        return _missing("Pretraining", d and d / "tensorboard")
    bounds = stage_boundaries(s, d)
    loss_png = _plot(out / "pretrain_loss.png", [
        ("loss", {"train/loss": s.get("train/loss", []), "eval/loss": s.get("eval/loss", [])}),
        ("learning rate (one schedule over the plan)", {"train/lr": s.get("train/lr", [])})], bounds)
    perf_png = _plot(out / "pretrain_perf.png", [
        ("tokens/s", {"perf/tokens_per_s": s.get("perf/tokens_per_s", [])}),
        ("MFU", {"perf/mfu": s.get("perf/mfu", [])})])
    md = ["## Pretraining", "",
          f"Final train loss {_last(s.get('train/loss', []))}, eval loss {_last(s.get('eval/loss', []))}, "
          f"tokens seen {_last(s.get('data/tokens_seen', []))}. Stage boundaries (dotted): "
          + ", ".join(f"stage {i} at step {st}" for st, i in bounds), ""]
    md += [f"![loss and LR]({loss_png.name})", ""] if loss_png else []
    tps = s.get("perf/tokens_per_s", [])
    mfu = s.get("perf/mfu", [])
    md += [f"Throughput: median {sorted(v for _, v in tps)[len(tps) // 2]:,.0f} tokens/s"
           + (f", MFU {sorted(v for _, v in mfu)[len(mfu) // 2]:.1%}" if mfu else
              ", MFU not logged (no peak FLOP/s in this cluster profile, e.g. CPU)") + ".", ""] if tps else []
    md += [f"![throughput]({perf_png.name})", ""] if perf_png else []
    return md


def _posttrain(sft: Optional[Path], dpo: Optional[Path], out: Path) -> list[str]:
    a = read_scalars(sft / "tensorboard") if sft else {}
    b = read_scalars(dpo / "tensorboard") if dpo else {}
    if not a and not b:
        return _missing("SFT and DPO", sft)
    loss = lambda s: {k: v for k, v in s.items() if k.endswith("loss") and "aux" not in k}  # noqa: E731
    png = _plot(out / "posttrain.png", [("SFT", loss(a)), ("DPO loss", loss(b)),
                                         ("DPO rewards", {k: v for k, v in b.items() if k.startswith("rewards/")})])
    md = ["## SFT and DPO", ""]
    md += [f"SFT final {k} {_last(v)}" for k, v in loss(a).items()] + [""]
    md += [f"DPO final {k} {_last(v)}" for k, v in {**loss(b), **{k: v for k, v in b.items()
                                                                 if k == "rewards/margins"}}.items()] + [""]
    return md + ([f"![SFT and DPO curves]({png.name})", ""] if png else [])


def eval_runs(d: Optional[Path], labels: list[str]) -> list[tuple[str, Path]]:
    """(label, folder) of every evaluated model of an eval run: the ``compare`` models
    (``<d>/<label>/``, in recipe order) first, then the run's own model as ``final``."""
    if d is None:
        return []
    found = [(lb, d / lb) for lb in labels if (d / lb / "scores.json").exists()]
    return found + ([("final", d)] if (d / "scores.json").exists() else [])


def _eval_labels(cfg: PipelineConfig) -> list[str]:
    """The eval recipe's ``compare`` labels (their order is the table's column order)."""
    from jiniac_hpc.config import ConfigError, load_recipe
    from jiniac_hpc.eval.config import EvalConfig

    ref = next((s for s in cfg.stages if s.stage == "eval"), None)
    try:
        return list(load_recipe("eval", EvalConfig, ref.recipe, ref.overrides).compare) if ref else []
    except (ConfigError, FileNotFoundError):
        return []


def jaster_table(runs: list[tuple[str, Path]]) -> list[str]:
    """Per jaster task and model: the score and the share of well-formed answers; AVG last."""
    from jiniac_hpc.eval.validity import distinct, read_records, shares

    scores = {lb: fileio.read_json(d / "scores.json", {}).get("jaster") or {} for lb, d in runs}
    records = {lb: read_records(d / "predictions.jsonl") for lb, d in runs}
    valid = {lb: shares(r) for lb, r in records.items()}
    kinds = {lb: distinct(r) for lb, r in records.items()}
    tasks = list(dict.fromkeys(t for sc in scores.values() for t in sc.get("tasks", {})))
    if not tasks:
        return []
    md = ["| jaster task (metric) | n | " + " | ".join(f"{lb}: score / well-formed / distinct"
                                                   for lb, _ in runs) + " |",
          "|---|---:|" + "---:|" * len(runs)]
    for t in tasks:
        any_m = next(sc["tasks"][t] for sc in scores.values() if t in sc.get("tasks", {}))
        metric = next(k for k in any_m if k not in ("n", "truncated"))
        cells = []
        for lb, _ in runs:
            m = scores[lb].get("tasks", {}).get(t)
            ok = valid[lb].get(t)
            cells.append("n/a" if m is None else f"{m[metric]:.3f} / " + ("n/a" if ok is None else
                                                                          f"{ok:.0%} / {kinds[lb][t]}"))
        md.append(f"| {t} ({metric}) | {int(any_m.get('n', 0))} | " + " | ".join(cells) + " |")
    md.append("| **AVG_jaster** | | " + " | ".join(f"**{scores[lb].get('AVG', float('nan')):.3f}**"
                                                   for lb, _ in runs) + " |")
    return md


def language_table(runs: list[tuple[str, Path]]) -> list[str]:
    """Response language per model: one row per (model, question language)."""
    from jiniac_hpc.eval.langtest import COLUMNS, NAMES

    rows = []
    for lb, d in runs:
        p = d / "langtest" / "table.json"
        if p.exists():
            t = fileio.read_json(p)["table"]
            rows += [f"| {lb} | {NAMES[q]} | " + " | ".join(str(t[q][a]) for a in COLUMNS) + " |" for q in t]
    if not rows:
        return []
    return ["| model | question \\ answer | " + " | ".join(NAMES[a] for a in COLUMNS) + " |",
            "|---|---|" + "---:|" * len(COLUMNS)] + rows


def _eval(d: Optional[Path], runs: list[tuple[str, Path]]) -> list[str]:
    if not runs:
        return _missing("Evaluation", d and d / "scores.json")
    sc = fileio.read_json(d / "scores.json", {})
    md = ["## Evaluation", "", "Models: " + ", ".join(
        f"{lb} `{fileio.read_json(p / 'scores.json', {}).get('model', '?')}`" for lb, p in runs) + ".", ""]
    table = jaster_table(runs)
    if table:
        md += ["jaster on a JGLUE slice: each cell is the score, the share of well-formed answers (a choice "
               "index 0-4, an NLI label, a number 0-5, a one-line span) and how many different answers the model "
               "gave. A score of 0 with 0% well-formed is a model that does not follow the format, with 90% one "
               "that follows it and answers wrong; 1 distinct answer scores that answer's share of the golds "
               "(the majority-class baseline), not understanding.", ""]
        md += table + [""]
    jaster = sc.get("jaster") or {}
    cats = ", ".join(f"{k} {v:.3f}" for k, v in jaster.get("categories", {}).items())
    covers = "; ".join(f"{k}: {', '.join(v)}" for k, v in jaster.get("avg_covers", {}).items())
    if cats:
        md += [f"Final model: categories {cats}."]
    if covers:    # this suite runs only the JGLUE part of jaster: say what the average is over
        md += [f"AVG covers {covers} (llm-jp-eval v1.3.0 categories; not averaged: "
               f"{', '.join(jaster.get('not_averaged', [])) or 'none'}). llm-jp-eval's nine-category "
               f"mean of the final model: {jaster.get('AVG_llm_jp_eval_9', float('nan')):.3f}.", ""]
    cut = {t: int(m["truncated"]) for t, m in jaster.get("tasks", {}).items() if m.get("truncated")}
    if cut:
        md += ["Prompts cut to the model's context (their start dropped): "
               + ", ".join(f"{t} {n}" for t, n in cut.items()) + ".", ""]
    mt = sc.get("mtbench", {})
    if isinstance(mt, dict) and mt.get("AVG") is not None:
        md += [f"**AVG_mtbench {mt['AVG']:.2f}** (judged turns {', '.join(mt.get('turns', {}))}; "
               f"{mt.get('n_judged', '?')} rated, {mt.get('n_unparsable', '?')} unparsable)", ""]
    elif "mtbench" in sc:
        md += ["MT-bench: answers generated; no judge configured, so no score.", ""]
    lang = language_table(runs)
    if lang:
        md += ["Response language (greedy answers through the chat template, classified by script):", ""] + lang + [""]
    return md


def _final(models: list[tuple[str, Path]], tokenizer: Optional[Path], cfg: PipelineConfig, generate: bool
           ) -> tuple[list[str], list[tuple[str, str]]]:
    """The final-model section, and the final model's (prompt, greedy chat answer) samples."""
    models = [(lb, m) for lb, m in models if (m / "config.json").exists()]
    samples: list[tuple[str, str]] = []
    if not models:
        return _missing("Final model", None), samples
    final = models[-1][1]
    md = ["## Final model", "", f"`{final}` (loads with `jiniac_hpc.model.load_model`, or with "
                                 f"`AutoModelForCausalLM.from_pretrained` after `jiniac_hpc.model.register()`)", ""]
    if generate:
        from jiniac_hpc.eval.langtest import classify

        clean = lambda t: t.replace("|", "/").replace("\n", " ") or "_(empty: it ended its answer at once)_"  # noqa: E731
        md += ["Greedy samples of each model: the chat answer (through the chat template, with its language) "
               "and a plain continuation of the prompt text.", "",
               "| prompt | model | chat answer | language | plain continuation |", "|---|---|---|---|---|"]
        for lb, m in models:
            tok = m if (m / "tokenizer_config.json").exists() else tokenizer
            rows = sample_generations(m, cfg.report_prompts, cfg.max_new_tokens, tok)
            for prompt, answer, cont in rows:
                md.append(f"| {prompt} | {lb} | {clean(answer)} | {classify(answer)} | {clean(cont)} |")
            samples = [(prompt, answer) for prompt, answer, _ in rows]      # the last model's: the final one
    return md + [""], samples


def sample_generations(model_dir: Path, prompts: list[str], max_new_tokens: int,
                       tokenizer_dir: Optional[Path] = None) -> list[tuple[str, str, str]]:
    """(prompt, greedy chat answer, greedy plain continuation) of a model (its tokenizer by default)."""
    from transformers import AutoTokenizer

    from jiniac_hpc.model.generate import generate
    from jiniac_hpc.model.load import load_model

    tok = AutoTokenizer.from_pretrained(tokenizer_dir or model_dir)
    model = load_model(model_dir, dtype="float32", device="cpu")
    plain = [tok(p)["input_ids"] for p in prompts]
    chat = plain
    if tok.chat_template:
        chat = [tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True,
                                        return_dict=True)["input_ids"] for p in prompts]
    # one prompt a batch: no padding, so the samples are those of the model alone
    answers, conts = (generate(model, tok, ids, max_new_tokens, batch_size=1) for ids in (chat, plain))
    return [(p, a.strip(), c.strip()) for p, a, c in zip(prompts, answers, conts)]


if __name__ == "__main__":
    from jiniac_hpc.config import load_recipe

    name = sys.argv[1] if len(sys.argv) > 1 else "tiny"
    print(write_report(load_recipe("pipeline", PipelineConfig, name), logs_root() / "pipeline" / name))
