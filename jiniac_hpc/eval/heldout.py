"""SFT and DPO records from JGLUE validation items that the evaluation never scores nor shows.

    python -m jiniac_hpc.eval.heldout jiniac_hpc/assets/posttrain     # (re)writes the tiny recipes' data

Only JGLUE's validation files exist here, so they are split deterministically. Per task, the
eval's own split (:func:`jiniac_hpc.eval.jaster.split` with the recipe's seed, few-shot pool
and k) removes the few-shot pool first; the eval then scores the *first* ``limit`` of the
remaining items in file order. This module takes its items from the *end* of that same
remaining list (the last ``n`` per task, in file order), so an eval with
``limit <= len(remaining) - n`` (every recipe here: at most a few hundred) never scores them,
and they are never shots. A full-validation eval (``limit: null``) would score them: train on
JGLUE's train files (``jaster.train_files``) for that.

Written files (all JSON lines, read by the ``sft`` / ``dpo-data`` stages):

- ``jaster_sft.jsonl``: ``{"prompt", "completion"}``: llm-jp-eval's prompt (same header,
  instruction and ``### 入力`` / ``### 応答`` layout as the eval, with 0 to k few-shot examples
  drawn from these held-out items) and the gold answer, so SFT teaches the answer formats;
- ``jglue_chat.jsonl``: ``{"messages"}``: a JCommonsenseQA / JSQuAD question asked plainly in
  the chat format and answered in a short Japanese sentence (chat format in Japanese);
- ``dpo_prompts.jsonl``: ``{"prompt" | "messages", "chosen"}`` from further held-out items; the
  ``dpo-data`` stage adds the SFT model's own answer as ``rejected``.

The hand-written ja/en/hi instruction pairs live beside them (``instructions_multilingual.jsonl``).
"""
from __future__ import annotations

import argparse
import dataclasses
import random
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.config import load_recipe
from jiniac_hpc.eval import jaster
from jiniac_hpc.eval.config import EvalConfig

# Items per task taken from the end of the eval's remaining list: SFT (prompt/completion), chat, DPO.
SFT_PER_TASK = {"jcommonsenseqa": 80, "jnli": 80, "jsts": 50, "jsquad": 40}
CHAT_PER_TASK = {"jcommonsenseqa": 120, "jsquad": 120}
DPO_PER_TASK = {"jcommonsenseqa": 12, "jnli": 12, "jsquad": 12}
MAX_PROMPT_CHARS = 520      # JSQuAD contexts are long; short prompts keep the CPU SFT run short
SEED = 0


def heldout(task: str, cfg: EvalConfig, n: int, skip: int = 0) -> list[jaster.Sample]:
    """The last ``n`` items (before the last ``skip``) that the eval with ``cfg`` neither scores nor shows."""
    samples = jaster.LOADERS[task](jaster.data_path(cfg.jaster, task))
    full = dataclasses.replace(cfg.jaster, limit=None)
    _, remaining, _ = jaster.split(task, samples, full, cfg.seed)
    end = len(remaining) - skip
    return remaining[max(0, end - n):end]


def reserved(cfg: EvalConfig, task: str) -> int:
    """How many of the eval's remaining items the held-out sets take from the end."""
    return SFT_PER_TASK.get(task, 0) + CHAT_PER_TASK.get(task, 0) + DPO_PER_TASK.get(task, 0)


def _choice_answer(s: jaster.Sample) -> str:
    choices = s.input.split("選択肢：", 1)[1].split(",")
    return next(c.split(".", 1)[1] for c in choices if c.split(".", 1)[0] == s.output)


def _question(s: jaster.Sample) -> str:
    return s.input.split("質問：", 1)[1].split("\n", 1)[0]


def sft_records(cfg: EvalConfig, shots: int) -> list[dict]:
    rng = random.Random(SEED)
    out = []
    for task, n in SFT_PER_TASK.items():
        items = heldout(task, cfg, n)
        for i, s in enumerate(items):
            others = [o for o in items if o.group != s.group]
            prompt = ""
            for k in range(rng.randint(0, shots), -1, -1):  # 0..k shots; fewer where it would not fit
                prompt = jaster.build_prompt(task, rng.sample(others, k), s)
                if len(prompt) <= MAX_PROMPT_CHARS:
                    break
            if len(prompt) <= MAX_PROMPT_CHARS:
                out.append({"prompt": prompt, "completion": s.output, "task": task, "id": s.id})
    rng.shuffle(out)
    return out


def chat_records(cfg: EvalConfig) -> list[dict]:
    out = []
    for task, n in CHAT_PER_TASK.items():
        for s in heldout(task, cfg, n, skip=SFT_PER_TASK.get(task, 0)):
            answer = _choice_answer(s) if task == "jcommonsenseqa" else s.output
            out.append({"messages": [{"role": "user", "content": _question(s)},
                                     {"role": "assistant", "content": f"{answer}です。"}], "task": task, "id": s.id})
    random.Random(SEED).shuffle(out)
    return out


def dpo_records(cfg: EvalConfig) -> list[dict]:
    out = []
    for task, n in DPO_PER_TASK.items():
        skip = SFT_PER_TASK.get(task, 0) + CHAT_PER_TASK.get(task, 0)
        for s in heldout(task, cfg, n, skip=skip):
            if task == "jcommonsenseqa":
                out.append({"messages": [{"role": "user", "content": _question(s)}],
                            "chosen": f"{_choice_answer(s)}です。", "task": task, "id": s.id})
            else:
                prompt = jaster.build_prompt(task, [], s)
                if len(prompt) <= MAX_PROMPT_CHARS:
                    out.append({"prompt": prompt, "chosen": s.output, "task": task, "id": s.id})
    random.Random(SEED).shuffle(out)
    return out


def write(out_dir: Path, recipe: str = "tiny") -> dict[str, int]:
    """Write the three files for the eval recipe ``recipe``; returns records per file."""
    cfg = load_recipe("eval", EvalConfig, recipe)
    files = {"jaster_sft.jsonl": sft_records(cfg, cfg.jaster.num_fewshots),
             "jglue_chat.jsonl": chat_records(cfg), "dpo_prompts.jsonl": dpo_records(cfg)}
    for name, rows in files.items():
        fileio.write_jsonl(out_dir / name, rows)
    return {k: len(v) for k, v in files.items()}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--recipe", default="tiny", help="eval recipe whose split is respected")
    a = ap.parse_args()
    print(write(Path(a.out_dir), a.recipe))
