"""Evaluate one model folder: jaster, the response-language test, MT-bench; scores to disk and TensorBoard.

    python -m jiniac_hpc.eval.run MODEL_DIR OUT_DIR [--recipe debug] [--set jaster.limit=10 ...]

One task of the ``eval`` stage runs this (:func:`jiniac_hpc.eval.stage.eval_task`). Layout of ``OUT_DIR``:

    predictions.jsonl      one line per jaster sample: task, id, prompt, raw, prediction, gold, score,
                           truncated (``jiniac eval rescore`` recomputes the scores from it)
    jaster.json            jaster scores (kept so a rerun skips the suite)
    langtest/              responses.jsonl, table.md, table.json
    mtbench/               answers.jsonl, judgments.jsonl (both resumable)
    scores.json            everything: {"model", "step", "jaster", "mtbench", "langtest"}

TensorBoard scalars go to ``<run_dir>/tensorboard`` at the checkpoint's step (``meta.json``'s
``global_step``, else the ``step-N`` folder name, else the config's ``step``).
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Optional

from jiniac_hpc import fileio
from jiniac_hpc.eval import jaster, langtest, mtbench
from jiniac_hpc.eval.config import EvalConfig
from jiniac_hpc.eval.report import log_tensorboard, scalars
from jiniac_hpc.paths import resolve_path
from jiniac_hpc.train.checkpoint import folder_step

log = logging.getLogger(__name__)


def model_step(model_dir: Path, default: Optional[int]) -> int:
    """The training step a model folder was saved at: its meta.json, else its name, else ``default``."""
    meta = fileio.read_json(model_dir / "meta.json", {})
    for k in ("global_step", "step"):
        if isinstance(meta.get(k), int):
            return meta[k]
    step = folder_step(model_dir)
    return step if step is not None else default or 0


def evaluate(cfg: EvalConfig, model_dir: Path, out_dir: Path, tb_dir: Optional[Path] = None) -> dict:
    """Run the configured suites on ``model_dir``; returns the scores (also in out_dir/scores.json)."""
    from jiniac_hpc.eval.generate import Generator
    from jiniac_hpc.eval.judge import make_judge

    out_dir.mkdir(parents=True, exist_ok=True)
    step = model_step(model_dir, cfg.step)
    scores: dict = {"model": str(model_dir), "step": step, "jaster": None, "mtbench": None, "langtest": None}
    gen = Generator(model_dir, resolve_path(cfg.tokenizer) if cfg.tokenizer else None, device=cfg.device,
                    dtype=cfg.dtype, batch_size=cfg.batch_size, max_prompt_tokens=cfg.max_prompt_tokens,
                    key="checkpoints" if cfg.checkpoints else "model")
    if "jaster" in cfg.suites:
        saved = out_dir / "jaster.json"
        scores["jaster"] = fileio.read_json(saved)
        if scores["jaster"] is None:
            records, scores["jaster"] = jaster.run(cfg.jaster, gen, cfg.seed)
            fileio.write_jsonl(out_dir / "predictions.jsonl", records)
            fileio.write_json(saved, scores["jaster"])
        log.info("jaster AVG %s", scores["jaster"]["AVG"])
    if "langtest" in cfg.suites:
        saved = out_dir / "langtest" / "table.json"
        scores["langtest"] = (json.loads(saved.read_text()) if saved.exists()
                              else langtest.run(cfg.langtest, gen, out_dir / "langtest"))
    questions = None
    if "mtbench" in cfg.suites:
        questions = mtbench.generate_answers(cfg.mtbench, gen, out_dir / "mtbench", cfg.seed, str(model_dir))
    fileio.write_json(out_dir / "scores.json", scores)   # what exists so far survives a judge failure
    if questions is not None and cfg.mtbench.judge.kind != "none":
        if cfg.mtbench.judge.kind == "hf":
            gen.close()   # one GPU: the judge's weights replace the candidate's
        judge = make_judge(cfg.mtbench.judge, cfg.device, cfg.dtype)
        mtbench.judge_answers(cfg.mtbench, judge, out_dir / "mtbench", questions)
        scores["mtbench"] = mtbench.summarize(out_dir / "mtbench", questions, cfg.mtbench.judge.turns)
        fileio.write_json(out_dir / "scores.json", scores)
    if tb_dir is not None:
        log_tensorboard(tb_dir, scalars(scores), step)
    return scores


def main(argv: Optional[list[str]] = None) -> None:
    from jiniac_hpc.config import load_recipe

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--recipe", default="debug")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    cfg = load_recipe("eval", EvalConfig, a.recipe, a.overrides + ["checkpoints=null", f"model={a.model}"])
    out = Path(a.out)
    print(json.dumps(evaluate(cfg, resolve_path(a.model), out, out / "tensorboard"), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
