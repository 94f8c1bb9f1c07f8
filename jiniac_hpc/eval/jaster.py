"""llm-jp-eval v1.3.0's generation tasks on JGLUE: JCommonsenseQA, JNLI, JSQuAD, JSTS.

    python -m jiniac_hpc.eval.jaster MODEL_DIR --limit 10 --out /tmp/jaster   # predictions.jsonl + scores.json

Definitions followed (read, not copied): llm-jp-eval v1.3.0 as imported by
swallow-llm/swallow-evaluation commit 78de0dba5324f9539b824cc1a4f08b9c4b8c181d:
``llm-jp-eval/src/llm_jp_eval/datasets/{jcommonsenseqa,jnli,jsquad,jsts}.py`` (instruction
texts word for word, output_length 1/3/25/3, the ``Sample`` inputs and outputs; JSQuAD's gold is
the first answer) and ``utils.py`` ``get_evaluation_prompt`` (the prompt without a custom
template). The prompts equal those its own code builds, byte for byte
(``tests/test_eval_prepared.py``). Its builders download JGLUE v1.1; the default files here are
v1.3, whose JNLI validation golds differ in 29 labels (README)::

    <header>\\n\\n### 指示:\\n<instruction>
    \\n\\n### 入力:\\n<shot input>\\n\\n### 応答:\\n<shot output>      (per shot)
    \\n\\n### 入力:\\n<input>\\n\\n### 応答:\\n

Generation as llm-jp-eval's (transformers 4.38.2's text-generation pipeline, greedy): the prompt
tokenised without special tokens, so no BOS; stop at eos only; the completion is the whole
sequence decoded minus the decoded prompt (:meth:`jiniac_hpc.eval.generate.Generator.generate`,
``as_pipeline``). Metrics and the category average: :mod:`jiniac_hpc.eval.metrics`.

Few-shots. llm-jp-eval takes them from its train split: the JGLUE train file shuffled with
``random.seed(42)``, the first 90% kept, the first k used. Where the recipe names a train file
(``jaster.train_files``) this module does exactly that and scores every validation sample.
Otherwise only the validation file exists here, so its samples are grouped (a JSQuAD group is
an article, else one sample), the groups permuted with ``seed``, and the first groups (at least
``fewshot_pool`` samples, at least k groups) become a held-out pool that is never scored; the
k shots are the first sample of each of its first k groups, so no two shots share an article.
How many validation items the pool removed is printed and stored under ``fewshots``. Zero-shot
(``num_fewshots: 0``) holds nothing out.

llm-jp-eval's own prepared files (``jaster.prepared_dir``, its ``evaluation/<split>`` folder) are
read instead where named (:mod:`jiniac_hpc.eval.prepared`): the samples, instruction and
output_length come from ``<task>.json``, the shots are the first k samples of
``../train/<task>.json``, as its evaluator does.

How a generation is read and a task averaged is ``jaster.scoring`` (:mod:`jiniac_hpc.eval.scoring`):
llm-jp-eval v1.3.0's rule by default, or Nejumi Leaderboard 4's (``nejumi-4``); the prompts are the
same under both.
"""
from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval import metrics as M
from jiniac_hpc.eval import prepared
from jiniac_hpc.eval import scoring as S
from jiniac_hpc.eval.config import JasterConfig
from jiniac_hpc.paths import jglue_dir, resolve_path
from jiniac_hpc.tokenizer.inputs import jsquad_articles

HEADER = "以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。"
NLI_LABELS = ("entailment", "contradiction", "neutral")
TRAIN_SEED, TRAIN_FRACTION = 42, 0.9      # llm-jp-eval's train/dev split of a JGLUE train file

INSTRUCTIONS = {
    "jcommonsenseqa": "質問と回答の選択肢を入力として受け取り、選択肢から回答を選択してください。なお、回答は選択肢の番号"
                      "（例：0）でするものとします。 回答となる数値をint型で返し、他には何も含めないことを厳守してください。",
    "jnli": "前提と仮説の関係をentailment、contradiction、neutralの中から回答してください。それ以外には何も含めないことを"
            "厳守してください。\n\n制約：\n- 前提から仮説が、論理的知識や常識的知識を用いて導出可能である場合はentailmentと"
            "出力\n- 前提と仮説が両立しえない場合はcontradictionと出力\n- そのいずれでもない場合はneutralと出力",
    "jsquad": "質問に対する回答を文章から一言で抽出してください。回答は名詞で答えてください。 それ以外には何も含めないことを"
              "厳守してください。",
    "jsts": "日本語の文ペアの意味がどのくらい近いかを判定し、類似度を0.0〜5.0までの間の値で付与してください。0.0に近いほど"
            "文ペアの意味が異なり、5.0に近いほど文ペアの意味が似ていることを表しています。整数値のみを返し、それ以外には"
            "何も含めないことを厳守してください。",
}


@dataclass
class Sample:
    id: str
    input: str
    output: str               # the gold answer, also what a few-shot example shows
    group: str                # few-shot split unit (JSQuAD: the article title)


# ---------------------------------------------------------------------------------------------
# Loading (JGLUE's own formats: JSON lines, or SQuAD JSON for JSQuAD)
# ---------------------------------------------------------------------------------------------


def _need(obj: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise ConfigError(f"{where}: missing key(s) {missing}")


def _load_jcqa(path: Path) -> list[Sample]:
    out = []
    for n, o in fileio.read_jsonl(path, numbered=True):
        _need(o, ("q_id", "question", "choice0", "choice1", "choice2", "choice3", "choice4", "label"), f"{path}:{n}")
        choices = ",".join(f"{i}.{o[f'choice{i}']}" for i in range(5))
        out.append(Sample(str(o["q_id"]), f"質問：{o['question']}\n選択肢：{choices}", str(o["label"]), str(o["q_id"])))
    return out


def _load_pairs(path: Path, *, sts: bool) -> list[Sample]:
    out = []
    for n, o in fileio.read_jsonl(path, numbered=True):
        _need(o, ("sentence_pair_id", "sentence1", "sentence2", "label"), f"{path}:{n}")
        if sts:
            text = f"文1：{o['sentence1']}\n文2：{o['sentence2']}"
        else:
            if o["label"] not in NLI_LABELS:
                raise ConfigError(f"{path}:{n}: label {o['label']!r} is not one of {list(NLI_LABELS)}")
            text = f"前提：{o['sentence1']}\n仮説：{o['sentence2']}"
        sid = str(o["sentence_pair_id"])
        out.append(Sample(sid, text, str(o["label"]), sid))
    return out


def _load_jsquad(path: Path) -> list[Sample]:
    out = []
    for a, art in enumerate(jsquad_articles(path)):
        for para in art.get("paragraphs", []):
            for qa in para.get("qas", []):
                where = f"{path}: data[{a}] question {qa.get('id', '?')}"
                _need(qa, ("id", "question", "answers"), where)
                if not qa["answers"]:
                    raise ConfigError(f"{where}: no answers")
                out.append(Sample(qa["id"], f"文章：{para['context']}\n質問：{qa['question']}",
                                  qa["answers"][0]["text"], art.get("title", str(a))))
    return out


LOADERS: dict[str, Callable[[Path], list[Sample]]] = {
    "jcommonsenseqa": _load_jcqa,
    "jnli": lambda p: _load_pairs(p, sts=False),
    "jsquad": _load_jsquad,
    "jsts": lambda p: _load_pairs(p, sts=True),
}


def _from_prepared(task: str, p: prepared.Prepared) -> list[Sample]:
    return [Sample(f"{task}-{i}", inp, out, f"{task}-{i}") for i, (inp, out) in enumerate(p.samples)]


def load_samples(task: str, path: Path) -> list[Sample]:
    """A task's samples from a JGLUE file, or from an llm-jp-eval prepared file (ids ``<task>-<index>``)."""
    if prepared.is_prepared(path):
        return _from_prepared(task, prepared.read(path, task))
    return LOADERS[task](path)


def _base(cfg: JasterConfig) -> Path:
    return resolve_path(cfg.data_dir) if cfg.data_dir else jglue_dir()


def data_path(cfg: JasterConfig, task: str) -> Path:
    if cfg.prepared_dir:
        return prepared.task_file(resolve_path(cfg.prepared_dir), task)
    return _base(cfg) / cfg.file_of(task)


def train_path(cfg: JasterConfig, task: str) -> Optional[Path]:
    name = cfg.train_files.get(task)
    if name is None:
        return None
    inside = _base(cfg) / name       # a bare name sits beside the validation files
    return inside if inside.is_file() else resolve_path(name)


def _prepared_train(cfg: JasterConfig, task: str) -> Path:
    """The prepared train file a task's few-shots come from; a ConfigError naming it if it is missing."""
    tp = prepared.train_file(data_path(cfg, task).parent, task)
    if not tp.is_file():
        raise ConfigError(f"jaster.prepared_dir: {tp} (the few-shots of {task}) does not exist")
    return tp


def check_inputs(cfg: JasterConfig) -> None:
    """Login-node check: every task's file exists (the error names the config key)."""
    if cfg.prepared_dir:
        for t in cfg.tasks:
            p = data_path(cfg, t)
            if not p.is_file():
                raise ConfigError(f"jaster.prepared_dir: {p} does not exist")
            prepared.read(p, t)
            if cfg.num_fewshots:
                _prepared_train(cfg, t)
        return
    for t in cfg.tasks:
        p = data_path(cfg, t)
        if not p.is_file():
            key = "jaster.data_dir" if not p.parent.is_dir() else f"jaster.files.{t}"
            raise ConfigError(f"{key}: {p} does not exist")
        tp = train_path(cfg, t)
        if tp is not None and not tp.is_file():
            raise ConfigError(f"jaster.train_files.{t}: {tp} does not exist")


# ---------------------------------------------------------------------------------------------
# Few-shots
# ---------------------------------------------------------------------------------------------


def train_shots(train: list[Sample], k: int, where: str) -> list[Sample]:
    """llm-jp-eval's shots: shuffle with random.seed(42), keep the first 90% (its train split), take k."""
    shuffled = list(train)
    random.Random(TRAIN_SEED).shuffle(shuffled)    # same generator state as random.seed(42); random.shuffle
    kept = shuffled[:int(len(shuffled) * TRAIN_FRACTION)]
    if len(kept) < k:
        raise ConfigError(f"{where}: {len(kept)} train samples after the 90% split, num_fewshots is {k}")
    return kept[:k]


def pool_split(samples: list[Sample], k: int, pool_size: int, seed: int) -> tuple[list[Sample], list[Sample], int]:
    """(shots, samples outside the pool, groups in the pool); see the module docstring."""
    by_group: dict[str, list[Sample]] = {}
    for s in samples:
        by_group.setdefault(s.group, []).append(s)
    groups = list(by_group)
    random.Random(seed).shuffle(groups)
    pool_groups: list[str] = []
    n_pool = 0
    for g in groups:
        if n_pool >= pool_size and len(pool_groups) >= k:
            break
        pool_groups.append(g)
        n_pool += len(by_group[g])
    shots = [by_group[g][0] for g in pool_groups[:k]]
    held = set(pool_groups)
    return shots, [s for s in samples if s.group not in held], len(pool_groups)


def split(task: str, samples: list[Sample], cfg: JasterConfig, seed: int) -> tuple[list[Sample], list[Sample], dict]:
    """(few-shot examples, scored samples, what fewshots records) of one task."""
    tp = train_path(cfg, task)
    if cfg.num_fewshots == 0:
        shots, scored, info = [], samples, {"source": "none (zero-shot)", "pool_removed": 0}
    elif cfg.prepared_dir:
        tp = _prepared_train(cfg, task)
        pool = _from_prepared(task, prepared.read(tp, task))
        if len(pool) < cfg.num_fewshots:
            raise ConfigError(f"{tp}: {len(pool)} samples, num_fewshots is {cfg.num_fewshots}")
        shots, scored, info = pool[:cfg.num_fewshots], samples, {"source": str(tp), "pool_removed": 0}
    elif tp is not None:
        shots = train_shots(LOADERS[task](tp), cfg.num_fewshots, f"jaster.train_files.{task} ({tp})")
        scored, info = samples, {"source": str(tp), "pool_removed": 0}
    else:
        shots, scored, n_groups = pool_split(samples, cfg.num_fewshots, cfg.fewshot_pool, seed)
        removed = len(samples) - len(scored)
        info = {"source": "validation pool", "pool_removed": removed, "pool_groups": n_groups}
        print(f"jaster {task}: the few-shot pool removed {removed} of {len(samples)} validation items "
              f"({n_groups} {'articles' if task == 'jsquad' else 'groups'}); they are not scored", flush=True)
    if cfg.limit is not None:
        scored = scored[:cfg.limit]
    info["shots"] = [s.id for s in shots]
    return shots, scored, info


def build_prompt(task: str, shots: list[Sample], sample: Sample, instruction: Optional[str] = None) -> str:
    """llm-jp-eval's prompt; ``instruction`` replaces the task's own (a prepared file's)."""
    text = f"{HEADER}\n\n### 指示:\n{INSTRUCTIONS[task] if instruction is None else instruction}"
    for s in shots:
        text += f"\n\n### 入力:\n{s.input}\n\n### 応答:\n{s.output}"
    return text + f"\n\n### 入力:\n{sample.input}\n\n### 応答:\n"


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


def sample_score(task: str, pred: str, gold: str) -> dict[str, float]:
    """The per-sample values that the task's metrics aggregate (stored in predictions.jsonl)."""
    if task == "jsquad":
        return {"char_f1": M.char_f1(pred, gold)}
    if task == "jsts":
        return {"value": M.parse_float(pred), "gold": float(gold)}
    return {"exact_match": M.exact_match(pred, gold)}


def task_metrics(task: str, preds: list[str], golds: list[str], truncated: Optional[list[bool]] = None,
                 rule: str = S.LLM_JP_EVAL_130) -> dict[str, float]:
    """Corpus-level metrics of one task from answers and normalised golds; ``rule`` averages the samples."""
    if len(preds) != len(golds):
        raise ValueError(f"{task}: {len(preds)} predictions for {len(golds)} samples")
    rows = [sample_score(task, p, g) for p, g in zip(preds, golds)]
    out: dict[str, float] = {"n": float(len(rows))}
    if task == "jsts":
        xs, ys = [r["value"] for r in rows], [r["gold"] for r in rows]
        out.update(pearson=M.pearson(xs, ys), spearman=M.spearman(xs, ys))
    else:
        for k in rows[0] if rows else ():
            out[k] = S.mean(rule, (r[k] for r in rows))
    out["truncated"] = float(sum(truncated or []))
    return out


def summarize(per_task: dict[str, dict[str, float]], categories: dict[str, list[str]],
              rule: str = S.LLM_JP_EVAL_130) -> dict:
    return {"definitions": S.DEFINITIONS[rule], "scoring": rule, "tasks": per_task,
            **M.average(per_task, categories)}


def run(cfg: JasterConfig, generator, seed: int) -> tuple[list[dict], dict]:
    """Evaluate every task: (prediction records, the 'jaster' part of scores.json)."""
    records: list[dict] = []
    per_task: dict[str, dict[str, float]] = {}
    fewshots: dict[str, dict] = {}
    for task in cfg.tasks:
        path = data_path(cfg, task)
        instruction, max_new = None, cfg.max_new(task)
        if cfg.prepared_dir:
            prep = prepared.read(path, task)
            samples, instruction = _from_prepared(task, prep), prep.instruction
            max_new = cfg.max_new_tokens.get(task, prep.output_length)      # output_length, as llm-jp-eval
        else:
            samples = LOADERS[task](path)
        shots, scored, fewshots[task] = split(task, samples, cfg, seed)
        if not scored:
            raise ConfigError(f"jaster.fewshot_pool: {task} has {len(samples)} samples, all held out for few-shot")
        prompts = [build_prompt(task, shots, s, instruction) for s in scored]
        raw = generator.generate(prompts, max_new, as_pipeline=True)
        cut = list(getattr(generator, "last_truncated", None) or [False] * len(raw))
        preds = [S.answer(cfg.scoring, task, r) for r in raw]
        golds = [M.normalize(s.output) for s in scored]
        per_task[task] = task_metrics(task, preds, golds, cut, cfg.scoring)
        for s, prompt, r, p, g, c in zip(scored, prompts, raw, preds, golds, cut):
            records.append({"task": task, "id": s.id, "prompt": prompt, "raw": r, "prediction": p, "gold": g,
                            "score": sample_score(task, p, g), "truncated": c})
    return records, {**summarize(per_task, cfg.categories, cfg.scoring), "fewshots": fewshots}


def rescore(records: list[dict], categories: dict[str, list[str]], rule: str = S.LLM_JP_EVAL_130) -> dict:
    """Scores recomputed from predictions.jsonl records by a scoring rule: the answer is read out of 'raw'
    when present, else 'prediction' is taken as the answer (NFKC)."""
    S.check_rule(rule, (r["task"] for r in records), "scoring")
    by_task: dict[str, tuple[list, list, list]] = {}
    for r in records:
        preds, golds, cut = by_task.setdefault(r["task"], ([], [], []))
        preds.append(S.answer(rule, r["task"], r["raw"]) if "raw" in r else M.normalize(r["prediction"]))
        golds.append(M.normalize(r["gold"]))
        cut.append(bool(r.get("truncated", False)))
    per_task = {t: task_metrics(t, p, g, c, rule) for t, (p, g, c) in by_task.items()}
    return summarize(per_task, categories, rule)


def main(argv: Optional[list[str]] = None) -> None:
    from jiniac_hpc.eval.generate import Generator

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--tokenizer")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    cfg = JasterConfig(limit=a.limit)
    records, scores = run(cfg, Generator(a.model, a.tokenizer), seed=0)
    fileio.write_jsonl(Path(a.out) / "predictions.jsonl", records)
    fileio.write_json(Path(a.out) / "scores.json", {"jaster": scores})
    print(json.dumps(scores, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
