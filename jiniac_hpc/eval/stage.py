"""The ``eval`` stage: its plan and its task. One model (plus its ``compare`` models, one task
each), or an array over a run's ``step-*`` checkpoints + collect.

    python -m jiniac_hpc.eval.stage debug [--set checkpoints=logs/sft/debug]   # prints the plan

Light module (the login node imports it): no torch. ``plan`` checks every input before
anything is submitted (JGLUE files, question and prompt files, the tokenizer folder, the judge
URL variable). A task's marker (``completions/eval/<task>.json``, written by the executor)
holds the scores :func:`eval_task` returned, with the model folder; a task counts as done when
its marker names the same model, so a relaunch after more checkpoints appeared evaluates only
the new ones, and ``collect`` runs again whenever an eval task did (or the recipe changed). A
done task is not rerun when the recipe changes: :func:`jiniac_hpc.eval.run.evaluate` resumes
from the files it saved, so a rerun would mix old and new settings; evaluate with other
settings under another ``--run-name``.

    python jobs/eval.py --recipe sft-sweep --set checkpoints=logs/sft/<run> --cluster <profile>
"""
from __future__ import annotations

import dataclasses
import logging
import os
import sys
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, to_dict
from jiniac_hpc.eval.config import EvalConfig
from jiniac_hpc.paths import resolve_path
from jiniac_hpc.stages import Step
from jiniac_hpc.tokenizer.folder import check_fits
from jiniac_hpc.train.checkpoint import LATEST, folder_step, latest_pointer

log = logging.getLogger(__name__)


def checkpoint_dirs(path: Path) -> list[Path]:
    """Complete ``step-N`` model folders of a run dir (or of its checkpoints/ dir), sorted by N.

    A folder counts when it holds a HF ``config.json`` and, if it has the training layout's
    ``meta.json``, that manifest marks it complete and its files are all there
    (:func:`jiniac_hpc.train.checkpoint.verify`, sizes only). Unfinished saves (``.tmp-step-N``)
    and LoRA adapter checkpoints (no config.json) do not count.
    """
    from jiniac_hpc.train.checkpoint import verify

    base = path / "checkpoints" if (path / "checkpoints").is_dir() else path
    if not base.is_dir():
        raise ConfigError(f"checkpoints: {path} is not a directory")
    found = []
    for d in base.iterdir():
        if not (d.is_dir() and folder_step(d) is not None and (d / "config.json").exists()):
            continue
        if (d / "meta.json").exists():
            ok, why = verify(d, deep=False)
            if not ok:
                log.warning("checkpoints: skipping %s: %s", d, why)
                continue
        found.append(d)
    return sorted(found, key=folder_step)


def model_folder(path: str | Path) -> Path:
    """``path`` resolved; a training run's ``checkpoints/latest`` pointer file becomes the folder it names."""
    p = resolve_path(path)
    if p.is_file() and p.name == LATEST:
        return latest_pointer(p.parent) or p
    return p


def targets(cfg: EvalConfig, run_dir: Path) -> list[tuple[Path, Path]]:
    """(model folder, output folder) per task: the sweep writes run_dir/step-N/, one model run_dir/
    (and each ``compare`` model run_dir/<label>/)."""
    if cfg.model is not None:
        return [(model_folder(cfg.model), Path(run_dir))] + [
            (model_folder(m), Path(run_dir) / label) for label, m in cfg.compare.items()]
    return [(d, Path(run_dir) / d.name) for d in checkpoint_dirs(resolve_path(cfg.checkpoints))]


def _check_inputs(cfg: EvalConfig) -> None:
    from jiniac_hpc.eval.jaster import check_inputs
    from jiniac_hpc.eval.mtbench_data import check_requests, load_judge_prompts, load_questions, load_references

    if "jaster" in cfg.suites:
        check_inputs(cfg.jaster)
    if "mtbench" in cfg.suites:
        if not resolve_path(cfg.mtbench.questions).is_file():
            raise ConfigError(f"mtbench.questions: {resolve_path(cfg.mtbench.questions)} does not exist")
        j = cfg.mtbench.judge
        if j.kind == "openai" and not os.environ.get(j.url_env):
            raise ConfigError(f"mtbench.judge.url_env: environment variable {j.url_env} is not set "
                              f"(the judge endpoint's base URL); or set mtbench.judge.kind=none")
        if j.kind == "hf" and not (resolve_path(j.model) / "config.json").exists():
            raise ConfigError(f"mtbench.judge.model: {resolve_path(j.model)} is not a HF model folder")
        if j.kind != "none":
            check_requests(load_questions(resolve_path(cfg.mtbench.questions), cfg.mtbench.limit),
                           load_judge_prompts([resolve_path(p) for p in j.prompts]),
                           load_references(resolve_path(cfg.mtbench.references)), j.turns)
    if "langtest" in cfg.suites and not resolve_path(cfg.langtest.prompts).is_file():
        raise ConfigError(f"langtest.prompts: {resolve_path(cfg.langtest.prompts)} does not exist")
    if cfg.tokenizer is not None and not resolve_path(cfg.tokenizer).is_dir():
        raise ConfigError(f"tokenizer: {resolve_path(cfg.tokenizer)} does not exist")


def plan(cfg: EvalConfig, run_dir: Path) -> list[Step]:
    _check_inputs(cfg)
    items = targets(cfg, run_dir)
    if cfg.model is not None:
        for key, (m, _) in zip(["model"] + [f"compare.{k}" for k in cfg.compare], items):
            if not (m / "config.json").exists():
                raise ConfigError(f"{key}: {m} is not a HF model folder (no config.json)")
    for m, _ in items:   # a user's own tokenizer must fit every model it is given to
        check_fits(resolve_path(cfg.tokenizer) if cfg.tokenizer else m, m, "tokenizer")
    if not items:
        raise ConfigError(f"checkpoints: no complete step-* model folders (with config.json) in "
                          f"{resolve_path(cfg.checkpoints)} or its checkpoints/ folder (LoRA adapter checkpoints "
                          f"cannot be swept: evaluate the merged model/ with model=...)")
    # task i is checkpoint i of a sorted listing: its marker counts only for the same model folder
    done = [(fileio.result(run_dir, "eval", i) or {}).get("model") == str(m) for i, (m, _) in enumerate(items)]
    steps = [Step("eval", "jiniac_hpc.eval.stage:eval_task", tasks=len(items), done=done)]
    if cfg.checkpoints is not None:
        # The collect job only reads scores.json files: a CPU job, whatever the array asked for.
        cpu_job = dataclasses.replace(cfg.job, gpus=False, gpus_per_task=None, tasks_per_node=1, mem="16G",
                                      time_min=min(cfg.job.time_min or 30, 30))
        steps.append(Step("collect", "jiniac_hpc.eval.sweep:collect_task", tasks=1, job=cpu_job,
                          done=fileio.done_after(run_dir, "collect", fileio.config_digest(to_dict(cfg)), done)))
    return steps


def eval_task(cfg: EvalConfig, ctx) -> dict:
    """Step function: task i evaluates the i-th checkpoint of the sweep (or the single model);
    returns the scores (with ``model``), which the executor keeps as the task's marker."""
    from jiniac_hpc.eval.run import evaluate

    items = targets(cfg, ctx.run_dir)
    if len(items) != ctx.num_tasks:
        raise RuntimeError(f"checkpoints: {len(items)} step-* folders now, {ctx.num_tasks} when the sweep was "
                           f"planned ({[p.name for p, _ in items]}); relaunch to plan again")
    model_dir, out_dir = items[ctx.task]
    return evaluate(cfg, model_dir, out_dir, ctx.run_dir / "tensorboard")


if __name__ == "__main__":
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.paths import run_dir_for

    recipe = sys.argv[1] if len(sys.argv) > 1 else "debug"
    sets = [a for a in sys.argv[2:] if a != "--set"]
    c = load_recipe("eval", EvalConfig, recipe, sets)
    for s in plan(c, run_dir_for("eval", Path(recipe).stem)):
        print(f"{s.name}: {s.tasks} task(s), missing {s.missing}, fn {s.fn}")
