"""Japanese MT-bench: two-turn answers with per-category temperatures, single-answer grading 1-10.

    python -m jiniac_hpc.eval.mtbench MODEL_DIR --out /tmp/mt [--questions FILE] [--judge openai|hf|none]

Questions are FastChat's format, one JSON object a line: ``question_id``, ``category``,
``turns`` (the user's messages) and optionally ``reference`` (reference answers, used in the
judge prompt as FastChat does for math/reasoning/coding).

Two phases, both resumable: (1) answers: the model answers turn 1 of a batch of questions,
then turn 2 with its own first answer in the context; each question's answers are appended to
``answers.jsonl`` as soon as both turns exist. (2) grading: every (question, turn) is judged and
appended to ``judgments.jsonl``. A rerun skips what is on disk, so a judge that fails halfway
(:class:`~jiniac_hpc.eval.judge.JudgeError`) costs no regenerated answers.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Optional

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.config import MTBenchConfig
from jiniac_hpc.eval.judge import Judge, grade, grading_messages
from jiniac_hpc.eval.metrics import mean
from jiniac_hpc.eval.report import append_jsonl, read_jsonl
from jiniac_hpc.paths import resolve_path


def load_questions(path: Path, limit: Optional[int] = None) -> list[dict]:
    """FastChat question file; errors name the file and line."""
    if not path.is_file():
        raise ConfigError(f"mtbench.questions: {path} does not exist")
    out, seen = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path}:{n}: invalid JSON: {e}") from None
        for k in ("question_id", "category", "turns"):
            if k not in q:
                raise ConfigError(f"{path}:{n}: missing key {k!r} (FastChat format: question_id, category, turns)")
        if not isinstance(q["turns"], list) or not q["turns"] or not all(isinstance(t, str) for t in q["turns"]):
            raise ConfigError(f"{path}:{n}: 'turns' must be a non-empty list of strings")
        if "reference" in q and not (isinstance(q["reference"], list) and all(isinstance(r, str) for r in q["reference"])):
            raise ConfigError(f"{path}:{n}: 'reference' must be a list of strings")
        if q["question_id"] in seen:
            raise ConfigError(f"{path}:{n}: duplicate question_id {q['question_id']!r}")
        seen.add(q["question_id"])
        out.append(q)
    return out[:limit] if limit else out


def generate_answers(cfg: MTBenchConfig, generator, out_dir: Path, seed: int, model_id: str) -> list[dict]:
    """Phase 1: answers.jsonl, resumed. Questions of one temperature are batched together."""
    questions = load_questions(resolve_path(cfg.questions), cfg.limit)
    path = out_dir / "answers.jsonl"
    done = {a["question_id"] for a in read_jsonl(path)}
    todo = [q for q in questions if q["question_id"] not in done]
    by_temp: dict[float, list[dict]] = {}
    for q in todo:
        by_temp.setdefault(cfg.temperature_of(q["category"]), []).append(q)
    for temp, group in sorted(by_temp.items()):
        for start in range(0, len(group), generator.batch_size):
            batch = group[start:start + generator.batch_size]
            convs: list[list[dict]] = [[] for _ in batch]
            answers: list[list[str]] = [[] for _ in batch]
            for t in range(max(len(q["turns"]) for q in batch)):
                rows = [i for i, q in enumerate(batch) if t < len(q["turns"])]
                for i in rows:
                    convs[i].append({"role": "user", "content": batch[i]["turns"][t]})
                prompts = [generator.chat_prompt(convs[i]) for i in rows]
                outs = generator.generate(prompts, cfg.max_new_tokens, temperature=temp, seed=seed + 1000 * t + start)
                for i, o in zip(rows, outs):
                    o = o.strip()
                    convs[i].append({"role": "assistant", "content": o})
                    answers[i].append(o)
            append_jsonl(path, [{"question_id": q["question_id"], "category": q["category"], "model": model_id,
                                 "temperature": temp, "turns": a} for q, a in zip(batch, answers)])
    return questions


def judge_answers(cfg: MTBenchConfig, judge: Judge, out_dir: Path, questions: list[dict]) -> None:
    """Phase 2: judgments.jsonl, resumed; one line per (question, turn), written as it is judged."""
    answers = {a["question_id"]: a for a in read_jsonl(out_dir / "answers.jsonl")}
    path = out_dir / "judgments.jsonl"
    done = {(j["question_id"], j["turn"]) for j in read_jsonl(path)}
    for q in questions:
        a = answers.get(q["question_id"])
        if a is None:
            raise RuntimeError(f"{out_dir / 'answers.jsonl'}: no answer for question {q['question_id']}")
        for turn in range(1, len(q["turns"]) + 1):
            if (q["question_id"], turn) in done:
                continue
            msgs = grading_messages(q["turns"], a["turns"], turn, q.get("reference"))
            res = grade(judge, msgs, cfg.judge)
            append_jsonl(path, [{"question_id": q["question_id"], "category": q["category"], "turn": turn,
                                 "judge": judge.name, **res}])


def summarize(out_dir: Path, questions: list[dict]) -> dict:
    """Per-category, per-turn and overall averages over the judged turns (unparsable ones left out)."""
    qids = {q["question_id"] for q in questions}
    js = [j for j in read_jsonl(out_dir / "judgments.jsonl") if j["question_id"] in qids]
    ok = [j for j in js if j["score"] is not None]
    cats: dict[str, list[float]] = {}
    turns: dict[str, list[float]] = {}
    for j in ok:
        cats.setdefault(j["category"], []).append(j["score"])
        turns.setdefault(str(j["turn"]), []).append(j["score"])
    return {"categories": {c: mean(v) for c, v in sorted(cats.items())},
            "turns": {t: mean(v) for t, v in sorted(turns.items())},
            "AVG": mean(j["score"] for j in ok) if ok else None,
            "n_questions": len(questions), "n_judged": len(ok), "n_unparsable": len(js) - len(ok),
            "retries": sum(j["attempts"] - 1 for j in js)}


def main(argv: Optional[list[str]] = None) -> None:
    from jiniac_hpc.eval.config import JudgeConfig
    from jiniac_hpc.eval.generate import Generator
    from jiniac_hpc.eval.judge import make_judge

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--out", required=True)
    ap.add_argument("--questions", default=MTBenchConfig().questions)
    ap.add_argument("--judge", default="none", choices=["none", "openai", "hf"])
    ap.add_argument("--judge-model", default="gpt-4")
    a = ap.parse_args(argv)
    cfg = MTBenchConfig(questions=a.questions, judge=JudgeConfig(kind=a.judge, model=a.judge_model))
    out = Path(a.out)
    qs = generate_answers(cfg, Generator(a.model), out, 0, a.model)
    judge = make_judge(cfg.judge)
    if judge is not None:
        judge_answers(cfg, judge, out, qs)
        print(json.dumps(summarize(out, qs), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
