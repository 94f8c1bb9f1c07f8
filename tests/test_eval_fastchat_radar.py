"""Per-category MT-bench scores (FastChat's radar plot) of recorded judgments, as the radar notebook computes them.

    .venv/bin/python -m pytest tests/test_eval_fastchat_radar.py -q

Real files: ``tests/assets/eval/fastchat_real/stefanstud_radar`` (GPT-4's judgments of phi-3-dpo on
the extraction questions, both turns, and those questions; see SOURCE.md), whose radar value the
notebook recorded, and the Japanese MT-bench judgments of ELYZA (lm-sys) and of three models
(jp-stable, ``shared/data/japanese_mt_bench``). The expected numbers are the notebook's recorded
output and its pandas rule, never our code.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from jiniac_hpc.cli import cli
from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.mtbench_radar import categories_of, category_table
from jiniac_hpc.eval.mtbench_table import load_judgments
from jiniac_hpc.paths import BUNDLED_MTBENCH, REPO_ROOT, shared_dir

REAL = REPO_ROOT / "tests" / "assets" / "eval" / "fastchat_real"
RADAR = REAL / "stefanstud_radar"
ELYZA = REAL / "lmsys_japanese_elyza"
SHARED = shared_dir() / "data" / "japanese_mt_bench"
QUESTIONS_FULL = BUNDLED_MTBENCH / "question_full.jsonl"

# Stefanstud/FastChat fastchat/llm_judge/plot.ipynb, the radar figure's recorded trace for phi-3-dpo
# (its "r", category order Writing, Roleplay, Reasoning, Math, Coding, Extraction, STEM, Humanities)
RECORDED_PHI3_DPO = [9.6, 8.55, 6.85, 6.15, 6.45, 8.25, 9.8, 9.95]


def _notebook(judgments, questions) -> dict:
    """The notebook's rule: category from the question; per model and category the mean of score >= 0."""
    pd = pytest.importorskip("pandas")
    df = pd.read_json(judgments, lines=True)
    cat = {q["question_id"]: q["category"] for q in map(json.loads, questions.read_text(encoding="utf-8").splitlines())}
    df["category"] = [cat[int(i)] for i in df["question_id"]]
    return {m: {c: float(df[(df["category"] == c) & (df["model"] == m) & (df["score"] >= 0)]["score"].mean())
                for c in df[df["model"] == m]["category"].unique()} for m in df["model"].unique()}


def _scores(t: dict) -> dict:
    return {m: {c: v["score"] for c, v in row.items()} for m, row in t.items()}


def test_radar_value_equals_the_notebooks_recorded_output():
    t = category_table(load_judgments(RADAR / "gpt-4_single.jsonl"), categories_of(RADAR / "question.jsonl"))
    assert t["phi-3-dpo"]["extraction"] == {"score": RECORDED_PHI3_DPO[5], "n": 20, "left_out": 0}
    assert _scores(t) == _notebook(RADAR / "gpt-4_single.jsonl", RADAR / "question.jsonl")


@pytest.mark.parametrize("judgments, questions", [
    (ELYZA / "model_judgment" / "gpt-4_single.jsonl", ELYZA / "question.jsonl"),
    (SHARED / "model_judgment" / "gpt-4_single.jsonl", QUESTIONS_FULL),
])
def test_japanese_categories_equal_the_notebooks_rule(judgments, questions):
    """Japanese MT-bench ids 1-80 are not the notebook's (id - 81) // 10: the question file names the category."""
    assert judgments.is_file(), f"{judgments} is missing"
    t = category_table(load_judgments(judgments), categories_of(questions))
    assert _scores(t) == _notebook(judgments, questions)
    assert sum(v["n"] + v["left_out"] for row in t.values() for v in row.values()) == len(load_judgments(judgments))


def test_a_question_without_a_category_names_it():
    """jp-stable's question.jsonl holds 60 of the 80 questions (question_full.jsonl all of them): the 2023
    judgments of math and coding questions have no category there. One error line, not a KeyError."""
    judgments = SHARED / "model_judgment" / "gpt-4_single.jsonl"
    assert judgments.is_file(), f"{judgments} is missing"
    with pytest.raises(ConfigError, match=r"question\.jsonl: no category for question '1' \(model "):
        category_table(load_judgments(judgments), categories_of(SHARED / "question.jsonl"), str(SHARED / "question.jsonl"))


def test_questions_option_prints_the_radar_section():
    res = CliRunner().invoke(cli, ["eval", "mtbench-table", str(RADAR / "gpt-4_single.jsonl"),
                                   "--questions", str(RADAR / "question.jsonl")])
    assert res.exit_code == 0, res.output
    assert "########## Category (radar) ##########" in res.output
    assert [line.split() for line in res.output.splitlines()[-2:]] == [["model", "extraction"], ["phi-3-dpo", "8.250000"]]
    res = CliRunner().invoke(cli, ["eval", "mtbench-table", str(RADAR / "gpt-4_single.jsonl"),
                                   "--questions", str(RADAR / "question.jsonl"), "--json"])
    assert json.loads(res.output)["categories"]["phi-3-dpo"]["extraction"]["score"] == 8.25
