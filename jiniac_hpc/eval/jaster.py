"""jaster-style (llm-jp-eval) generation tasks on JGLUE: JCommonsenseQA, JNLI, JSQuAD, JSTS.

    python -m jiniac_hpc.eval.jaster MODEL_DIR --limit 10 --out /tmp/jaster   # predictions.jsonl + scores.json

Each sample becomes an llm-jp-eval prompt: the fixed header, ``### 指示:`` with the task's
instruction, k few-shot ``### 入力:`` / ``### 応答:`` pairs, then the sample's ``### 入力:`` and an
open ``### 応答:``. The model answers greedily with a per-task token limit.

Few-shot split: only validation files are public, so each task's samples are grouped (a JSQuAD
group is one article, else one sample), the groups are permuted with ``seed``, and the first
groups holding >= ``fewshot_pool`` samples form the few-shot pool. The k shots are the pool's
first k samples in permutation order; pool samples are never scored. The scored samples are the
rest, in file order (``limit`` keeps the first ones), so a slice is the same across checkpoints.
"""
from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval import metrics as M
from jiniac_hpc.eval.config import JasterConfig
from jiniac_hpc.paths import jglue_dir, resolve_path

HEADER = "以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。"
NLI_LABELS = ("entailment", "contradiction", "neutral")

INSTRUCTIONS = {
    "jcommonsenseqa": "質問と回答の選択肢を読み、正しい選択肢の番号（0〜4）を一つ選んでください。"
                      "回答は番号の数字だけとし、それ以外は何も書かないでください。",
    "jnli": "前提と仮説の関係を entailment、contradiction、neutral のどれか一語で答えてください。"
            "前提から仮説が導ける場合は entailment、両立しない場合は contradiction、どちらでもない場合は "
            "neutral です。それ以外は何も書かないでください。",
    "jsquad": "文章を読み、質問への答えを文章中から抜き出してください。答えの語句だけを書き、それ以外は何も書かないでください。",
    "jsts": "二つの文の意味がどのくらい似ているかを、0.0（無関係）から5.0（同じ意味）までの数値で答えてください。"
            "数値だけを書き、それ以外は何も書かないでください。",
}


@dataclass
class Sample:
    id: str
    input: str
    output: str               # the answer shown in a few-shot example
    golds: list[str]          # accepted answers (JSQuAD: all distinct annotations)
    group: str                # few-shot split unit


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def _jsonl(path: Path) -> list[tuple[int, dict]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ConfigError(f"{path}:{n}: invalid JSON: {e}") from None
            rows.append((n, obj))
    return rows


def _need(obj: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise ConfigError(f"{where}: missing key(s) {missing}")


def _load_jcqa(path: Path) -> list[Sample]:
    out = []
    for n, o in _jsonl(path):
        _need(o, ("q_id", "question", "choice0", "choice1", "choice2", "choice3", "choice4", "label"), f"{path}:{n}")
        choices = ",".join(f"{i}.{o[f'choice{i}']}" for i in range(5))
        gold = str(int(o["label"]))
        out.append(Sample(str(o["q_id"]), f"質問：{o['question']}\n選択肢：{choices}", gold, [gold], str(o["q_id"])))
    return out


def _load_pairs(path: Path, *, sts: bool) -> list[Sample]:
    out = []
    for n, o in _jsonl(path):
        _need(o, ("sentence_pair_id", "sentence1", "sentence2", "label"), f"{path}:{n}")
        if sts:
            text, gold = f"文1：{o['sentence1']}\n文2：{o['sentence2']}", str(float(o["label"]))
        else:
            if o["label"] not in NLI_LABELS:
                raise ConfigError(f"{path}:{n}: label {o['label']!r} is not one of {list(NLI_LABELS)}")
            text, gold = f"前提：{o['sentence1']}\n仮説：{o['sentence2']}", o["label"]
        sid = str(o["sentence_pair_id"])
        out.append(Sample(sid, text, gold, [gold], sid))
    return out


def _load_jsquad(path: Path) -> list[Sample]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        articles = data["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ConfigError(f"{path}: not a SQuAD-format JSON file ({{'data': [articles]}}): {e}") from None
    out = []
    for a, art in enumerate(articles):
        for para in art.get("paragraphs", []):
            for qa in para.get("qas", []):
                where = f"{path}: data[{a}] question {qa.get('id', '?')}"
                _need(qa, ("id", "question", "answers"), where)
                golds = list(dict.fromkeys(x["text"] for x in qa["answers"]))
                if not golds:
                    raise ConfigError(f"{where}: no answers")
                out.append(Sample(qa["id"], f"文章：{para['context']}\n質問：{qa['question']}", golds[0], golds,
                                  art.get("title", str(a))))
    return out


LOADERS: dict[str, Callable[[Path], list[Sample]]] = {
    "jcommonsenseqa": _load_jcqa,
    "jnli": lambda p: _load_pairs(p, sts=False),
    "jsquad": _load_jsquad,
    "jsts": lambda p: _load_pairs(p, sts=True),
}


def data_path(cfg: JasterConfig, task: str) -> Path:
    base = resolve_path(cfg.data_dir) if cfg.data_dir else jglue_dir()
    return base / cfg.file_of(task)


def check_inputs(cfg: JasterConfig) -> None:
    """Login-node check: every task's file exists (the error names the config key)."""
    for t in cfg.tasks:
        p = data_path(cfg, t)
        if not p.is_file():
            key = "jaster.data_dir" if not p.parent.is_dir() else f"jaster.files.{t}"
            raise ConfigError(f"{key}: {p} does not exist")


def split(samples: list[Sample], cfg: JasterConfig, seed: int) -> tuple[list[Sample], list[Sample]]:
    """(few-shot examples, scored samples); see the module docstring."""
    groups = list(dict.fromkeys(s.group for s in samples))
    random.Random(seed).shuffle(groups)
    by_group: dict[str, list[Sample]] = {}
    for s in samples:
        by_group.setdefault(s.group, []).append(s)
    pool: list[Sample] = []
    pool_groups = set()
    for g in groups:
        if len(pool) >= cfg.fewshot_pool:
            break
        pool += by_group[g]
        pool_groups.add(g)
    scored = [s for s in samples if s.group not in pool_groups]
    if cfg.limit is not None:
        scored = scored[:cfg.limit]
    return pool[:cfg.num_fewshots], scored


def build_prompt(task: str, shots: list[Sample], sample: Sample) -> str:
    parts = [HEADER, f"### 指示:\n{INSTRUCTIONS[task]}"]
    parts += [f"### 入力:\n{s.input}\n### 応答:\n{s.output}" for s in shots]
    parts.append(f"### 入力:\n{sample.input}\n### 応答:\n")
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


def sample_score(task: str, pred: str, golds: list[str]) -> dict[str, float]:
    """The per-sample values that the task's metrics aggregate (stored in predictions.jsonl)."""
    if task == "jsquad":
        return {"exact_match": M.best_over(M.exact_match, pred, golds), "char_f1": M.best_over(M.char_f1, pred, golds)}
    if task == "jsts":
        return {"value": M.parse_float(pred), "gold": float(golds[0])}
    return {"exact_match": M.exact_match(pred, golds[0])}


def task_metrics(task: str, preds: list[str], golds: list[list[str]]) -> dict[str, float]:
    """Corpus-level metrics of one task from normalised predictions and their golds."""
    if len(preds) != len(golds):
        raise ValueError(f"{task}: {len(preds)} predictions for {len(golds)} samples")
    rows = [sample_score(task, p, g) for p, g in zip(preds, golds)]
    out: dict[str, float] = {"n": float(len(rows))}
    if task == "jsts":
        xs, ys = [r["value"] for r in rows], [r["gold"] for r in rows]
        out.update(pearson=M.pearson(xs, ys), spearman=M.spearman(xs, ys))
    else:
        for k in rows[0] if rows else ():
            out[k] = M.mean(r[k] for r in rows)
    return out


def run(cfg: JasterConfig, generator, seed: int) -> tuple[list[dict], dict]:
    """Evaluate every task: (prediction records, {'tasks', 'categories', 'AVG'})."""
    records: list[dict] = []
    per_task: dict[str, dict[str, float]] = {}
    for task in cfg.tasks:
        samples = LOADERS[task](data_path(cfg, task))
        shots, scored = split(samples, cfg, seed)
        if not scored:
            raise ConfigError(f"jaster.fewshot_pool: {task} has {len(samples)} samples, all held out for few-shot")
        prompts = [build_prompt(task, shots, s) for s in scored]
        before = generator.truncated
        raw = generator.generate(prompts, cfg.max_new(task))
        preds = [M.postprocess(r) for r in raw]
        golds = [[M.normalize(g) for g in s.golds] for s in scored]
        per_task[task] = task_metrics(task, preds, golds)
        per_task[task]["truncated"] = float(generator.truncated - before)
        for s, prompt, r, p, g in zip(scored, prompts, raw, preds, golds):
            records.append({"task": task, "id": s.id, "prompt": prompt, "raw": r, "prediction": p,
                            "gold": g if task == "jsquad" else g[0], "score": sample_score(task, p, g)})
    cats, avg = M.category_scores(per_task, cfg.categories)
    return records, {"tasks": per_task, "categories": cats, "AVG": avg}


def rescore(records: list[dict], categories: dict[str, list[str]]) -> dict:
    """Recompute the scores from predictions.jsonl records (what tests compare scores.json to)."""
    by_task: dict[str, tuple[list, list]] = {}
    for r in records:
        preds, golds = by_task.setdefault(r["task"], ([], []))
        preds.append(r["prediction"])
        golds.append(r["gold"] if isinstance(r["gold"], list) else [r["gold"]])
    per_task = {t: task_metrics(t, p, g) for t, (p, g) in by_task.items()}
    cats, avg = M.category_scores(per_task, categories)
    return {"tasks": per_task, "categories": cats, "AVG": avg}


def main(argv: Optional[list[str]] = None) -> None:
    from jiniac_hpc.eval.generate import Generator
    from jiniac_hpc.eval.report import write_json, write_jsonl

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--tokenizer")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    cfg = JasterConfig(limit=a.limit)
    records, scores = run(cfg, Generator(a.model, a.tokenizer), seed=0)
    write_jsonl(Path(a.out) / "predictions.jsonl", records)
    write_json(Path(a.out) / "scores.json", {"jaster": scores})
    print(json.dumps(scores, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
