"""Japanese MT-bench: two-turn answers with per-category temperatures, single-answer grading 1-10.

    python -m jiniac_hpc.eval.mtbench MODEL_DIR --out /tmp/mt [--questions FILE] [--judge openai|hf|none]

Questions, reference answers and judge prompts are FastChat's files; by default the Japanese
MT-bench of Stability-AI/FastChat ``jp-stable`` (commit e37eb28) bundled with the package. The
judge request is built as that branch builds it (:mod:`jiniac_hpc.eval.mtbench_data`: the
reference answer goes with math, reasoning and coding questions), the rating is parsed as it
parses it (:func:`jiniac_hpc.eval.judge.parse_rating`), and AVG is its ``show_result.py``
single-mode number: the mean score over the judged turns with a rating (by default the first
turn only, as jp-stable judges it; see ``mtbench.judge.turns``).

Two phases, both resumable: (1) answers: the model answers turn 1 of a batch of questions,
then turn 2 with its own first answer in the context; each question's answers are appended to
``answers.jsonl`` as soon as both turns exist. (2) grading: every (question, judged turn) is
judged and appended to ``judgments.jsonl``, one line in FastChat's judgment format (``model``,
``judge`` = [judge, prompt name], ``user_prompt``, ``judgment``, ``score``, ``turn``) plus our
``category``, ``judge_outputs`` and ``attempts``; an unparsable rating is ``score: null``. A
rerun skips what is on disk, so a judge that fails halfway
(:class:`~jiniac_hpc.eval.judge.JudgeError`) costs no regenerated answers.
``python -m jiniac_hpc.eval.mtbench_table judgments.jsonl`` prints FastChat's per-model table.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Optional, Sequence

from jiniac_hpc.eval.config import MTBenchConfig
from jiniac_hpc.eval.judge import Judge, grade
from jiniac_hpc.eval.metrics import mean
from jiniac_hpc.eval.mtbench_data import check_requests, load_judge_prompts, load_questions, load_references, request
from jiniac_hpc.eval.report import append_jsonl, read_log
from jiniac_hpc.paths import resolve_path


def generate_answers(cfg: MTBenchConfig, generator, out_dir: Path, seed: int, model_id: str) -> list[dict]:
    """Phase 1: answers.jsonl, resumed. Questions of one temperature are batched together; each answer
    records its ``generate_params`` as FastChat's gen_model_answer.py does."""
    questions = load_questions(resolve_path(cfg.questions), cfg.limit)
    path = out_dir / "answers.jsonl"
    done = {a["question_id"] for a in read_log(path)}
    todo = [q for q in questions if q["question_id"] not in done]
    by_temp: dict[float, list[dict]] = {}
    for q in todo:
        by_temp.setdefault(cfg.temperature_of(q["category"]), []).append(q)
    for temp, group in sorted(by_temp.items()):
        params = cfg.params_of(group[0]["category"])
        for start in range(0, len(group), generator.batch_size):
            batch = group[start:start + generator.batch_size]
            convs: list[list[dict]] = [[] for _ in batch]
            answers: list[list[str]] = [[] for _ in batch]
            for t in range(max(len(q["turns"]) for q in batch)):
                rows = [i for i, q in enumerate(batch) if t < len(q["turns"])]
                for i in rows:
                    convs[i].append({"role": "user", "content": batch[i]["turns"][t]})
                prompts = [generator.chat_prompt(convs[i]) for i in rows]
                outs = generator.generate(prompts, cfg.max_new_tokens, temperature=temp if params["do_sample"] else 0.0,
                                          seed=seed + 1000 * t + start,
                                          top_p=params["top_p"], top_k=None,
                                          repetition_penalty=params["repetition_penalty"])
                for i, o in zip(rows, outs):
                    o = o.strip()
                    convs[i].append({"role": "assistant", "content": o})
                    answers[i].append(o)
            append_jsonl(path, [{"question_id": q["question_id"], "category": q["category"], "model": model_id,
                                 "temperature": temp, "turns": a, "generate_params": cfg.params_of(q["category"])}
                                for q, a in zip(batch, answers)])
    return questions


def judge_answers(cfg: MTBenchConfig, judge: Judge, out_dir: Path, questions: list[dict]) -> None:
    """Phase 2: judgments.jsonl, resumed; one line per (question, judged turn), written as it is judged."""
    answers = {a["question_id"]: a for a in read_log(out_dir / "answers.jsonl")}
    prompts = load_judge_prompts([resolve_path(p) for p in cfg.judge.prompts])
    refs = load_references(resolve_path(cfg.references))
    check_requests(questions, prompts, refs, cfg.judge.turns)   # all or nothing, before the first request
    path = out_dir / "judgments.jsonl"
    done = {(j["question_id"], j["turn"]) for j in read_log(path)}
    for q in questions:
        a = answers.get(q["question_id"])
        if a is None:
            raise RuntimeError(f"{out_dir / 'answers.jsonl'}: no answer for question {q['question_id']}")
        for turn in cfg.judge.turns:
            if turn > len(q["turns"]) or (q["question_id"], turn) in done:
                continue   # FastChat judges turn 2 only for two-turn questions
            name, msgs = request(prompts, q, a["turns"], turn, refs)
            res = grade(judge, msgs, cfg.judge)
            append_jsonl(path, [{"question_id": q["question_id"], "category": q["category"], "turn": turn,
                                 "model": a.get("model"), "judge": [judge.name, name],
                                 "user_prompt": msgs[1]["content"], "judgment": res["judge_outputs"][-1],
                                 **res, "tstamp": time.time()}])


def summarize(out_dir: Path, questions: list[dict], turns: Sequence[int] = (1, 2)) -> dict:
    """AVG (FastChat show_result: mean score over the judged turns with a rating), per category and turn.

    Only the judgments of ``questions`` and ``turns`` count: a folder judged earlier with other
    turns must not change the number (show_result for japanese_mt_bench reads the first turn only)."""
    qids = {q["question_id"] for q in questions}
    js = [j for j in read_log(out_dir / "judgments.jsonl") if j["question_id"] in qids and j["turn"] in turns]
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
    ap.add_argument("--judge-turns", type=int, nargs="+", default=[1], choices=[1, 2])
    a = ap.parse_args(argv)
    cfg = MTBenchConfig(questions=a.questions, judge=JudgeConfig(kind=a.judge, model=a.judge_model,
                                                                        turns=a.judge_turns))
    out = Path(a.out)
    qs = generate_answers(cfg, Generator(a.model), out, 0, a.model)
    judge = make_judge(cfg.judge)
    if judge is not None:
        judge_answers(cfg, judge, out, qs)
        print(json.dumps(summarize(out, qs, cfg.judge.turns), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
