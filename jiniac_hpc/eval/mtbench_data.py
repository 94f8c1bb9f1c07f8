"""Japanese MT-bench data as FastChat's ``jp-stable`` branch reads it, and the judge request it builds.

    python -m jiniac_hpc.eval.mtbench_data 1 [--turn 2]     # print the judge request of question 1

Questions, reference answers and judge prompts are FastChat's files (bundled under
``jiniac_hpc/assets/japanese_mt_bench``, ``mtbench:<file>`` in recipes). Follows
Stability-AI/FastChat, branch ``jp-stable``, commit e37eb28 (2024-07-05),
``fastchat/llm_judge/common.py`` (``NEED_REF_CATS``, ``load_questions``, ``load_model_answers``,
``load_judge_prompts``, ``run_judge_single``) and ``gen_judgment.py`` (``make_judge_single``,
``make_match_single``):

- A question in ``NEED_REF_CATS`` (math, reasoning, coding) is judged with ``single-math-v1``
  (turn 2: ``single-math-v1-multi-turn``) and the GPT-4 reference answer of
  ``reference_answer/gpt-4.jsonl``; every other category with ``single-v1``
  (``single-v1-multi-turn``), without a reference.
- The user message is the prompt's ``prompt_template`` filled with ``str.format``: turn 1 with
  ``question``, ``answer`` (first turns); turn 2 with ``question_1``, ``question_2``,
  ``answer_1``, ``answer_2``; both with ``ref_answer_1``, ``ref_answer_2`` when there is a
  reference.
- The request is ``[system: the prompt's system_prompt, user: that message]``, what
  ``conv.set_system_message`` + ``to_openai_api_messages`` give for gpt-4.

Where we knowingly differ: jp-stable has Japanese prompts for the first turn only
(``judge_ja_prompts.jsonl``), so its ``gen_judgment.py`` judges turn 1 only. When asked to judge
turn 2 (``mtbench.judge.turns: [1, 2]``) we take FastChat's English ``*-multi-turn`` prompts from
the next prompt file (``judge_prompts.jsonl``). A question without a reference in the
references file may carry its own (``reference``: a list of strings, our example questions).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Sequence, Union

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError

NEED_REF_CATS = ("math", "reasoning", "coding")
PROMPT_KEYS = ("name", "type", "system_prompt", "prompt_template", "output_format")
# FastChat parses ratings for these output formats (common.run_judge_single).
RATING_FORMATS = ("[[rating]]", "[[評価]]")

QuestionId = Union[int, str]


def qid(value) -> QuestionId:
    """A question id as FastChat keys it: an integer when it is one (``"12"`` -> 12), else unchanged."""
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return int(value)
    return value


def jsonl_lines(path: Path, what: str):
    """(line number, object) of a JSONL file; a missing file or bad line is a ConfigError naming it."""
    if not path.is_file():
        raise ConfigError(f"{what}: {path} does not exist")
    yield from fileio.read_jsonl(path, numbered=True)


def load_questions(path: Path, limit: Optional[int] = None) -> list[dict]:
    """FastChat question file (question_id, category, turns); ids keyed as FastChat does (:func:`qid`).
    Errors name the file and line."""
    out, seen = [], set()
    for n, q in jsonl_lines(path, "mtbench.questions"):
        for k in ("question_id", "category", "turns"):
            if k not in q:
                raise ConfigError(f"{path}:{n}: missing key {k!r} (FastChat format: question_id, category, turns)")
        if not isinstance(q["turns"], list) or not q["turns"] or not all(isinstance(t, str) for t in q["turns"]):
            raise ConfigError(f"{path}:{n}: 'turns' must be a non-empty list of strings")
        if "reference" in q and not (isinstance(q["reference"], list) and all(isinstance(r, str) for r in q["reference"])):
            raise ConfigError(f"{path}:{n}: 'reference' must be a list of strings")
        q["question_id"] = qid(q["question_id"])
        if q["question_id"] in seen:
            raise ConfigError(f"{path}:{n}: duplicate question_id {q['question_id']!r}")
        seen.add(q["question_id"])
        out.append(q)
    return out[:limit] if limit else out


def load_judge_prompts(paths: Sequence[Path]) -> dict[str, dict]:
    """name -> prompt over FastChat judge-prompt files; a name in an earlier file wins."""
    prompts: dict[str, dict] = {}
    for path in paths:
        for n, p in jsonl_lines(path, "mtbench.judge.prompts"):
            missing = [k for k in PROMPT_KEYS if k not in p]
            if missing:
                raise ConfigError(f"{path}:{n}: judge prompt lacks {missing} (FastChat keys: {list(PROMPT_KEYS)})")
            prompts.setdefault(p["name"], p)
    return prompts


def load_references(path: Path) -> dict[QuestionId, list[str]]:
    """question id -> reference turns, from a FastChat answer file (``choices[0].turns``)."""
    refs = {}
    for n, r in jsonl_lines(path, "mtbench.references"):
        try:
            turns = r["choices"][0]["turns"]
            refs[qid(r["question_id"])] = [str(t) for t in turns]
        except (KeyError, IndexError, TypeError):
            raise ConfigError(f"{path}:{n}: not a FastChat answer line (question_id, choices[0].turns)") from None
    return refs


def judge_name(category: str, turn: int) -> str:
    """The FastChat single-answer judge of a question's category and turn (gen_judgment.make_judge_single)."""
    name = "single-math-v1" if category in NEED_REF_CATS else "single-v1"
    return name + ("-multi-turn" if turn == 2 else "")


def reference_of(question: dict, refs: dict[QuestionId, list[str]]) -> Optional[list[str]]:
    """The reference turns FastChat sends for a question: only for NEED_REF_CATS, from the file, else
    the question's own ``reference``; None outside those categories."""
    if question["category"] not in NEED_REF_CATS:
        return None
    ref = refs.get(qid(question["question_id"]), question.get("reference"))
    if not ref:
        raise ConfigError(f"mtbench: question {question['question_id']} ({question['category']}) is judged with "
                          f"a reference answer, and mtbench.references has none for it (nor the question itself)")
    return list(ref)


def user_prompt(prompt: dict, turns: Sequence[str], answers: Sequence[str], turn: int,
                reference: Optional[Sequence[str]] = None) -> str:
    """The judge's user message: ``prompt_template`` filled with the keyword set FastChat passes."""
    kwargs = {}
    if reference is not None:
        kwargs["ref_answer_1"] = reference[0]
        if len(reference) > 1:
            kwargs["ref_answer_2"] = reference[1]
    if turn == 1:
        kwargs.update(question=turns[0], answer=answers[0])
    elif turn == 2:
        kwargs.update(question_1=turns[0], question_2=turns[1], answer_1=answers[0], answer_2=answers[1])
    else:
        raise ValueError(f"turn must be 1 or 2, got {turn}")
    try:
        return prompt["prompt_template"].format(**kwargs)
    except (KeyError, IndexError) as e:
        raise ConfigError(f"judge prompt {prompt['name']!r}: its template needs {e}, which turn {turn} of this "
                          f"question does not provide") from None


def request(prompts: dict[str, dict], question: dict, answers: Sequence[str], turn: int,
            refs: dict[QuestionId, list[str]]) -> tuple[str, list[dict]]:
    """(judge prompt name, chat messages) for grading ``turn`` of ``question``'s ``answers``."""
    name = judge_name(question["category"], turn)
    if name not in prompts:
        raise ConfigError(f"mtbench.judge.prompts: no judge prompt named {name!r} in the prompt files "
                          f"(they define {sorted(prompts)})")
    prompt = prompts[name]
    if prompt["type"] != "single" or prompt["output_format"] not in RATING_FORMATS:
        raise ConfigError(f"judge prompt {name!r}: type {prompt['type']!r} / output_format "
                          f"{prompt['output_format']!r} is not single-answer grading with {list(RATING_FORMATS)}")
    text = user_prompt(prompt, question["turns"], answers, turn, reference_of(question, refs))
    return name, [{"role": "system", "content": prompt["system_prompt"]}, {"role": "user", "content": text}]


def check_requests(questions: Sequence[dict], prompts: dict[str, dict], refs: dict[QuestionId, list[str]],
                   turns: Sequence[int]) -> None:
    """Build every request once with placeholder answers, so a missing prompt, reference or template key
    fails on the login node, before a single answer is generated (FastChat's check_data, and more)."""
    for q in questions:
        for turn in turns:
            if turn <= len(q["turns"]):
                request(prompts, q, ["", ""], turn, refs)


def main(argv: Optional[list[str]] = None) -> None:
    from jiniac_hpc.eval.config import JudgeConfig, MTBenchConfig
    from jiniac_hpc.paths import resolve_path

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("question_id")
    ap.add_argument("--turn", type=int, default=1, choices=[1, 2])
    ap.add_argument("--answer", action="append", default=None, help="the answer turns (default: placeholders)")
    a = ap.parse_args(argv)
    cfg = MTBenchConfig()
    questions = {q["question_id"]: q for q in load_questions(resolve_path(cfg.questions))}
    q = questions[qid(a.question_id)]
    answers = a.answer or ["<answer 1>", "<answer 2>"]
    name, msgs = request(load_judge_prompts([resolve_path(p) for p in JudgeConfig().prompts]), q, answers,
                        a.turn, load_references(resolve_path(cfg.references)))
    print(f"# {name}")
    for m in msgs:
        print(f"--- {m['role']}\n{m['content']}")


if __name__ == "__main__":
    main()
