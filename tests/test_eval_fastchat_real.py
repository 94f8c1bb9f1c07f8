"""MT-bench judgments and answers that other people made with FastChat, read as FastChat reads them.

    .venv/bin/python -m pytest tests/test_eval_fastchat_real.py -q

Real files: ``tests/assets/eval/fastchat_real`` (see its SOURCE.md): lm-sys FastChat, the
jp-stable fork (shisa's per-model folder), instructlab, dreaming-panda and jpacifico outputs with
GPT-4, GPT-3.5 and GPT-4o as judges, Japanese and English, both turns, ratings of -1 and
``$ERROR$``, judged-again questions. The expected numbers come from FastChat's own definitions:
show_result.py's pandas code (``display_result_single``), the rating patterns of common.py and
``str.format`` of the judge templates, never from our code.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiniac_hpc.cli import cli
from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.judge import parse_rating
from jiniac_hpc.eval.mtbench_data import load_judge_prompts, load_questions, load_references, request
from jiniac_hpc.eval.mtbench_table import format_table, load_judgments, table
from jiniac_hpc.paths import REPO_ROOT

REAL = REPO_ROOT / "tests" / "assets" / "eval" / "fastchat_real"
ELYZA = REAL / "lmsys_japanese_elyza"
SHISA = REAL / "shisa_gpt-4_single"
SHISA_ALL = REAL / "shisa_gpt-4_single_one_line_each"
FILES = ["lmsys_vllm_gpt-3.5-turbo_single.jsonl", "instructlab_gpt-4_single.jsonl",
         "dreaming-panda_gpt-4_single-origin.jsonl", "jpacifico_ja_gpt-4o_single.jsonl",
         "lmsys_japanese_elyza/model_judgment/gpt-4_single.jsonl", *(f"shisa_gpt-4_single/{p.name}"
                                                                    for p in sorted(SHISA.glob("*.jsonl")))]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines() if line.strip()]


def _show_result(paths: list[Path]) -> dict:
    """show_result.py display_result_single, all three sections, on these files as one file."""
    pd = pytest.importorskip("pandas")
    df = pd.concat([pd.read_json(p, lines=True) for p in paths])[["model", "score", "turn"]]
    df = df[df["score"] != -1]
    out: dict = {}
    for t in (1, 2):
        for (m, _), v in df[df["turn"] == t].groupby(["model", "turn"]).mean()["score"].items():
            out.setdefault(m, {})[f"turn{t}"] = float(v)
    for m, v in df[["model", "score"]].groupby(["model"]).mean()["score"].items():
        out.setdefault(m, {})["average"] = float(v)
    return out


@pytest.mark.parametrize("name", FILES + ["shisa_gpt-4_single", "shisa_gpt-4_single_one_line_each"])
def test_table_equals_show_result(name):
    path = REAL / name
    got = table(load_judgments(path))
    expect = _show_result(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    rated = {(m, k): r[k] for m, r in got.items() for k in ("turn1", "turn2", "average") if r[k] is not None}
    assert rated == pytest.approx({(m, k): v for m, r in expect.items() for k, v in r.items()}, rel=1e-12)
    rows = [j for p in (sorted(path.glob("*.jsonl")) if path.is_dir() else [path]) for j in _lines(p)]
    for m, r in got.items():
        mine = [j for j in rows if j["model"] == m]
        assert r["n"]["average"] + r["n_unparsable"] == len(mine)            # every line is counted


def test_judged_again_questions_count_every_line_as_show_result():
    """shisa's folder holds questions judged two and three times with different ratings: show_result
    averages every line, not the last judgment of each question (common.py's browser loader would)."""
    t = table(load_judgments(SHISA))
    rows = _lines(SHISA / "tokyotech-llm_Swallow-7b-instruct-hf__1turn.jsonl")
    assert len(rows) == 6 and {j["question_id"] for j in rows} == {52, 59}
    last = {j["question_id"]: j["score"] for j in rows}
    every = sum(j["score"] for j in rows) / len(rows)
    assert t["tokyotech-llm_Swallow-7b-instruct-hf"]["turn1"] == every != sum(last.values()) / 2
    # Qwen-72B-Chat's question 42: the Japanese judge wrote no [[評価]]; FastChat recorded -1
    qwen = t["Qwen-72B-Chat"]
    assert qwen["n"]["turn1"] == 1 and qwen["left_out"]["turn1"] == 1


@pytest.mark.parametrize("name", FILES)
def test_recorded_scores_are_parsed_back(name):
    """common.py run_judge_single's rating patterns give back every recorded score; a failed API call
    (``$ERROR$``) and a judgment without a rating are both FastChat's -1."""
    for j in _lines(REAL / name):
        got = parse_rating(j["judgment"])
        assert (got is None and j["score"] == -1) or got == j["score"], (name, j["question_id"], j["turn"])


def test_both_turns_of_a_real_judgment_file_are_rebuilt_byte_for_byte():
    """GPT-4's judgments of ELYZA's two turns: each recorded user_prompt and judge name is the request
    we build from that day's question, reference, answer and English judge-prompt files."""
    questions = {q["question_id"]: q for q in load_questions(ELYZA / "question.jsonl")}
    refs = load_references(ELYZA / "reference_answer" / "gpt-4.jsonl")
    prompts = load_judge_prompts([ELYZA / "judge_prompts.jsonl"])
    answers = {a["question_id"]: a["choices"][0]["turns"]
               for a in _lines(ELYZA / "model_answer" / "ELYZA-japanese-Llama-2-7b-fast-instruct.jsonl")}
    names = set()
    for j in _lines(ELYZA / "model_judgment" / "gpt-4_single.jsonl"):
        q = questions[j["question_id"]]
        name, msgs = request(prompts, q, answers[j["question_id"]], j["turn"], refs)
        assert (name, msgs[1]["content"]) == (j["judge"][1], j["user_prompt"]), (j["question_id"], j["turn"])
        names.add(name)
    assert names == {"single-v1", "single-v1-multi-turn", "single-math-v1", "single-math-v1-multi-turn"}


def test_model_whose_only_judgment_failed_keeps_its_row():
    """glm-10b's only judgment is a failed API call: show_result prints no row and says nothing; the
    table shows the model with no score and its left-out judgment."""
    path = REAL / "lmsys_vllm_gpt-3.5-turbo_single.jsonl"
    assert _show_result([path]) == {}
    t = table(load_judgments(path))
    assert t["glm-10b"]["turn1"] is None and t["glm-10b"]["left_out"]["turn1"] == 1
    res = CliRunner().invoke(cli, ["eval", "mtbench-table", str(path)])
    assert res.exit_code == 0, res.output
    assert re.search(r"^glm-10b +- +0 +1$", res.output, re.M), res.output


def test_left_out_judgments_are_counted_per_turn():
    """instructlab's granite judgments lack a rating in 3 first turns and 4 second turns: each section
    shows its own count, not the model's total."""
    path = REAL / "instructlab_gpt-4_single.jsonl"
    rows = _lines(path)
    per_turn = {t: sum(1 for j in rows if j["turn"] == t and j["score"] == -1) for t in (1, 2)}
    assert per_turn == {1: 3, 2: 4}
    r = table(load_judgments(path))["granite-7b-lab"]
    assert r["left_out"] == {"turn1": 3, "turn2": 4, "average": 7} and r["n_unparsable"] == 7
    assert r["n"] == {"turn1": 4, "turn2": 3, "average": 7}
    sections = format_table(table(load_judgments(path))).split("##########")
    counts = [int(s.strip().splitlines()[-1].split()[-1]) for s in sections[2::2]]
    assert counts == [3, 4, 7]                                     # First turn, Second turn, Average


def test_empty_judgments_file_is_an_error(tmp_path):
    """An empty judgments file (lm-sys has one at skycamp/model_judgment/gpt-4_single.jsonl): show_result
    fails on it; ours says so in one line instead of printing an empty table."""
    empty = tmp_path / "gpt-4_single.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(ConfigError, match="no judgment lines"):
        load_judgments(empty)
    res = CliRunner().invoke(cli, ["eval", "mtbench-table", str(empty)])
    assert res.exit_code != 0 and "no judgment lines" in res.output


def test_cp932_judgments_name_the_file_and_line(tmp_path):
    """jp-stable appends judgments with open(file, "a") and ensure_ascii=False: on a Japanese Windows
    machine they are cp932. One clear line naming the file and the first such line, no traceback."""
    raw = (SHISA / "shisa-bad-7b-v1__1turn.jsonl").read_bytes().decode("utf-8").splitlines(keepends=True)
    assert not raw[0].isascii()
    path = tmp_path / "shisa-bad-7b-v1__1turn.jsonl"
    path.write_bytes(raw[0].encode("utf-8") + raw[1].encode("utf-8") + raw[2].encode("cp932"))
    with pytest.raises(ConfigError, match=re.escape(f"{path}:3: not UTF-8")):
        load_judgments(path)
    res = CliRunner().invoke(cli, ["eval", "mtbench-table", str(path)])
    assert res.exit_code != 0 and f"{path}:3: not UTF-8" in res.output and "Traceback" not in res.output


def test_model_list_naming_a_model_without_judgments_is_an_error():
    path = REAL / "jpacifico_ja_gpt-4o_single.jsonl"
    ok = CliRunner().invoke(cli, ["eval", "mtbench-table", str(path), "--model-list", "Qwen__Qwen2-7B-Instruct"])
    assert ok.exit_code == 0 and "Qwen__Qwen2-7B-Instruct" in ok.output
    res = CliRunner().invoke(cli, ["eval", "mtbench-table", str(path), "--model-list", "Qwen2-7B-Instruct"])
    assert res.exit_code != 0 and "no judgments of ['Qwen2-7B-Instruct']" in res.output


def test_windows_line_endings_read_the_same(tmp_path):
    """jp-stable's text-mode append writes CRLF on Windows; the table is the same as from the LF file."""
    src = SHISA / "shisa-bad-7b-v1__1turn.jsonl"
    crlf = tmp_path / src.name
    crlf.write_bytes(src.read_bytes().replace(b"\n", b"\r\n"))
    assert table(load_judgments(crlf)) == table(load_judgments(src))
    assert _show_result([crlf]) == _show_result([src])


class _Replay:
    """A judge answering each request with the judgment GPT-4 recorded for that very user_prompt."""

    name = "gpt-4"

    def __init__(self, recorded: list[dict]):
        self.by_prompt = {j["user_prompt"]: j["judgment"] for j in recorded}
        self.asks = 0

    def complete(self, messages, temperature):
        self.asks += 1
        return self.by_prompt[messages[1]["content"]]


def test_judging_both_turns_of_real_answers_gives_show_results_numbers(tmp_path):
    """Our grading phase with turns [1, 2] on ELYZA's real answers, the judge replaying GPT-4's recorded
    judgments: one ask per (question, turn), and AVG, first- and second-turn means equal show_result's
    on the recorded file."""
    from jiniac_hpc.eval.config import JudgeConfig, MTBenchConfig
    from jiniac_hpc.eval.mtbench import judge_answers, summarize
    from jiniac_hpc.fileio import write_jsonl

    recorded_file = ELYZA / "model_judgment" / "gpt-4_single.jsonl"
    questions = load_questions(ELYZA / "question.jsonl")
    model = "ELYZA-japanese-Llama-2-7b-fast-instruct"
    answers = {a["question_id"]: a["choices"][0]["turns"] for a in _lines(ELYZA / "model_answer" / f"{model}.jsonl")}
    out = tmp_path / "mtbench"
    write_jsonl(out / "answers.jsonl", [{"question_id": q["question_id"], "category": q["category"], "model": model,
                                         "turns": answers[q["question_id"]]} for q in questions])
    cfg = MTBenchConfig(questions=str(ELYZA / "question.jsonl"),
                        references=str(ELYZA / "reference_answer" / "gpt-4.jsonl"),
                        judge=JudgeConfig(prompts=[str(ELYZA / "judge_prompts.jsonl")], turns=[1, 2]))
    judge = _Replay(_lines(recorded_file))
    judge_answers(cfg, judge, out, questions)
    assert judge.asks == 6
    s = summarize(out, questions, [1, 2])
    expect = _show_result([recorded_file])[model]
    assert (s["AVG"], s["turns"]["1"], s["turns"]["2"]) == pytest.approx(
        (expect["average"], expect["turn1"], expect["turn2"]), rel=1e-12)
    assert table(load_judgments(out / "judgments.jsonl"))[model]["average"] == pytest.approx(expect["average"])
    # the radar plot's numbers, as FastChat's radar notebook computes them from the recorded file: each
    # judgment's category is its question's, both turns count, judgments with score < 0 do not
    pd = pytest.importorskip("pandas")
    df = pd.read_json(recorded_file, lines=True)
    df["category"] = [next(q["category"] for q in questions if q["question_id"] == i) for i in df["question_id"]]
    radar = {c: float(df[(df["category"] == c) & (df["model"] == model) & (df["score"] >= 0)]["score"].mean())
             for c in df["category"].unique()}
    assert len(radar) == 3 and s["categories"] == radar


def test_tied_models_are_printed_in_show_results_order():
    """One judgment of each of the 24 models in shisa's folder: 14 models rated 1. show_result
    prints its groupby (model names in order) sorted by pandas' unstable quicksort; ours prints
    the same order, not the order the files were read in."""
    pd = pytest.importorskip("pandas")
    path = REAL / "shisa_gpt-4_single_one_line_each"
    df = pd.concat([pd.read_json(p, lines=True) for p in sorted(path.glob("*.jsonl"))])[["model", "score", "turn"]]
    df = df[df["score"] != -1]
    expect = [m for (m, _), _ in df[df["turn"] == 1].groupby(["model", "turn"]).mean()
              .sort_values(by="score", ascending=False)["score"].items()]
    printed = format_table(table(load_judgments(path))).splitlines()[2:]
    assert len(expect) == 24 and [line.split()[0] for line in printed] == expect
    # with few models numpy's quicksort is an insertion sort: tied models keep name order
    two = [SHISA_ALL / f"houou-instruction-7b-v1{s}__1turn.jsonl" for s in ("-correctedtemplate2", "")]
    t = table([j for p in two for j in load_judgments(p)])
    assert list(t) == ["houou-instruction-7b-v1-correctedtemplate2", "houou-instruction-7b-v1"]
    assert [line.split()[0] for line in format_table(t).splitlines()[2:]] == \
        ["houou-instruction-7b-v1", "houou-instruction-7b-v1-correctedtemplate2"]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_a_score_that_is_no_finite_number_names_the_file_and_line(tmp_path, bad):
    """Python's json writes and reads NaN and Infinity; FastChat never records them (its score is the
    rating's digits or -1). A judgment edited to hold one is one error line, not a row 'nan' that
    sorts first."""
    src = SHISA / "shisa-bad-7b-v1__1turn.jsonl"
    rows = src.read_bytes().decode("utf-8").splitlines(keepends=True)
    path = tmp_path / src.name
    path.write_bytes("".join([rows[0], re.sub(r'"score": -?\d+', f'"score": {bad}', rows[1])]).encode("utf-8"))
    with pytest.raises(ConfigError, match=re.escape(f"{path}:2: score {float(bad)!r} is not a finite number")):
        load_judgments(path)


@pytest.mark.parametrize("bad", ["7", "null"])
def test_a_model_that_is_no_name_names_the_file_and_line(tmp_path, bad):
    """pandas would group a model 7 beside the names (and drop a null one); a judgment file has names.
    One error line, not a TypeError from sorting the names."""
    src = SHISA / "shisa-bad-7b-v1__1turn.jsonl"
    rows = src.read_bytes().decode("utf-8").splitlines(keepends=True)
    path = tmp_path / src.name
    path.write_bytes("".join([rows[0], rows[1].replace('"model": "shisa-bad-7b-v1"', f'"model": {bad}', 1)])
                     .encode("utf-8"))
    res = CliRunner().invoke(cli, ["eval", "mtbench-table", str(path)])
    assert res.exit_code != 0 and f"{path}:2: model {bad} is not a model name" in res.output, res.output
