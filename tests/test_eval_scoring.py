"""jaster's scoring rules against the scores the tools themselves recorded.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_eval_scoring.py

``tests/assets/eval/nejumi_4/scores.json`` holds what Nejumi Leaderboard 4's own code
(wandb/llm-leaderboard@6e29db4: its answer clean-up, metrics and pandas mean, run with its locked
packages by ``tests/golden/make_nejumi4_scores.py``) made of two prediction files: the 1,000
JCommonsenseQA/JNLI/JSQuAD predictions whose llm-jp-eval v1.3.0 scores are recorded in
``llm_jp_eval_1.3.0/``, and 120 chat-style answers (``nejumi_4/predictions_chat.jsonl``).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiniac_hpc.config import ConfigError, load_recipe
from jiniac_hpc.eval import jaster
from jiniac_hpc.eval import scoring as S
from jiniac_hpc.eval.config import EvalConfig, JasterConfig
from jiniac_hpc.eval.rescore import rescore_file
from jiniac_hpc.paths import jglue_dir

ASSETS = Path(__file__).parent / "assets" / "eval"
NEJUMI = json.loads((ASSETS / "nejumi_4" / "scores.json").read_text(encoding="utf-8"))
FILES = sorted(NEJUMI["files"])


def _raws(name: str) -> dict[tuple[str, str], str]:
    rows = [json.loads(x) for x in (ASSETS / name).read_text(encoding="utf-8").splitlines()]
    return {(r["task"], r["id"]): r["raw"] for r in rows}


def _only_nejumi_tasks(name: str, tmp_path: Path) -> Path:
    """The prediction file without its JSTS lines (Nejumi 4 has no JSTS task)."""
    lines = (ASSETS / name).read_text(encoding="utf-8").splitlines(keepends=True)
    out = tmp_path / "predictions.jsonl"
    out.write_text("".join(x for x in lines if json.loads(x)["task"] != "jsts"), encoding="utf-8")
    return out


@pytest.mark.parametrize("name", FILES)
def test_nejumi4_answers_are_nejumis_own(name):
    raws = _raws(name)
    recorded = NEJUMI["files"][name]["samples"]
    assert len(recorded) == sum(1 for t, _ in raws if t != "jsts")
    for task, sid, answer, _ in recorded:
        assert S.answer(S.NEJUMI_4, task, raws[(task, sid)]) == answer, (task, sid, raws[(task, sid)])


@pytest.mark.parametrize("name", FILES)
def test_nejumi4_rescore_gives_nejumis_recorded_task_scores(name, tmp_path, capsys):
    got = rescore_file(_only_nejumi_tasks(name, tmp_path), [str(jglue_dir())], scoring="nejumi-4")["jaster"]
    for task, metrics in NEJUMI["files"][name]["tasks"].items():
        for metric, value in metrics.items():
            assert got["tasks"][task][metric] == value, (task, metric)       # exact, to the last bit
    assert got["scoring"] == "nejumi-4" and "wandb/llm-leaderboard@6e29db4" in got["definitions"]


def test_the_rules_give_different_numbers_on_the_same_generations(tmp_path, capsys):
    """On the chat-style answers llm-jp-eval v1.3.0 scores every wrapped answer 0 where Nejumi strips it."""
    path = _only_nejumi_tasks("nejumi_4/predictions_chat.jsonl", tmp_path)
    v130 = rescore_file(path, [str(jglue_dir())])["jaster"]["tasks"]
    nejumi = rescore_file(path, [str(jglue_dir())], scoring="nejumi-4")["jaster"]["tasks"]
    assert nejumi["jnli"]["exact_match"] == 0.75 and v130["jnli"]["exact_match"] == 0.125
    assert nejumi["jcommonsenseqa"]["exact_match"] == 0.725 > v130["jcommonsenseqa"]["exact_match"]
    assert nejumi["jsquad"]["char_f1"] > v130["jsquad"]["char_f1"]


def test_the_mean_is_each_tools_own_to_the_last_bit(tmp_path, capsys):
    """The same JSQuAD sample scores: llm-jp-eval v1.3.0 recorded 0.71015 (statistics.mean), Nejumi 4
    0.7101500000000001 (pandas' compensated sum / count)."""
    v130 = json.loads((ASSETS / "llm_jp_eval_1.3.0" / "scores.json").read_text())["score_results"]
    name = "llm_jp_eval_1.3.0/predictions.jsonl"
    assert v130["jsquad_char_f1"] == 0.71015
    assert NEJUMI["files"][name]["tasks"]["jsquad"]["char_f1"] == 0.7101500000000001
    xs = [x[3] for x in NEJUMI["files"][name]["samples"] if x[0] == "jsquad"]
    assert S.mean(S.NEJUMI_4, xs) == 0.7101500000000001 and S.mean(S.LLM_JP_EVAL_130, xs) == 0.71015


def test_default_scoring_is_unchanged():
    assert JasterConfig().scoring == "llm-jp-eval-1.3.0"
    raw = " Entailment\n\n理由"
    assert S.answer(S.LLM_JP_EVAL_130, "jnli", raw) == jaster.M.postprocess(raw) == " Entailment"


def _recipe(tmp_path: Path, jaster_yaml: str) -> Path:
    p = tmp_path / "mine.yaml"
    p.write_text(f"base: debug\njaster:\n{jaster_yaml}", encoding="utf-8")
    return p


@pytest.mark.parametrize("jaster_yaml, says", [
    ("  scoring: nejumi-5\n", "unknown rule 'nejumi-5'"),
    ("  scoring: nejumi-4\n", "'nejumi-4' does not score ['jsts']"),
])
def test_a_bad_scoring_names_the_key_and_the_file(tmp_path, jaster_yaml, says):
    path = _recipe(tmp_path, jaster_yaml)
    with pytest.raises(ConfigError) as e:
        load_recipe("eval", EvalConfig, str(path))
    assert "scoring" in str(e.value) and says in str(e.value) and str(path) in str(e.value), str(e.value)


def test_nejumi4_recipe_without_jsts_loads_and_the_run_records_its_rule(tmp_path):
    path = _recipe(tmp_path, "  scoring: nejumi-4\n  tasks: [jnli]\n  limit: 2\n")
    cfg = load_recipe("eval", EvalConfig, str(path)).jaster

    class Chatty:
        def generate(self, prompts, max_new_tokens, **kw):
            return [" Neutral\n\n理由: ..."] * len(prompts)

    records, scores = jaster.run(cfg, Chatty(), seed=0)
    assert [r["prediction"] for r in records] == ["neutral", "neutral"]
    assert scores["scoring"] == "nejumi-4" and scores["tasks"]["jnli"]["n"] == 2.0


def test_rescore_cli_refuses_jsts_under_nejumi4(tmp_path):
    from click.testing import CliRunner

    from jiniac_hpc.cli import cli

    res = CliRunner().invoke(cli, ["eval", "rescore", str(ASSETS / "llm_jp_eval_1.3.0" / "predictions.jsonl"),
                                   "--gold", str(jglue_dir()), "--scoring", "nejumi-4",
                                   "--out", str(tmp_path / "o.json")])
    assert res.exit_code != 0 and "scoring: 'nejumi-4' does not score ['jsts']" in res.output, res.output
    assert "Traceback" not in res.output and not (tmp_path / "o.json").exists()
