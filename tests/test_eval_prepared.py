"""jaster's prompts against llm-jp-eval v1.3.0's own prepared files and prompts, and those files as input.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_eval_prepared.py

``tests/assets/eval/llm_jp_eval_1.3.0_prepared/`` was written by llm-jp-eval v1.3.0's own code
(its dataset builders and ``get_few_shot_samples`` / ``get_evaluation_prompt`` with langchain
0.0.300, run by ``tests/golden/make_llm_jp_eval_prepared.py``) from the JGLUE v1.3 validation
files in ``../shared/data/jglue``; see its SOURCE.md.
"""
from __future__ import annotations

import json
import shutil

import pytest

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval import jaster, prepared, rescore
from jiniac_hpc.eval.config import DEFAULT_MAX_NEW_TOKENS, JasterConfig
from jiniac_hpc.paths import REPO_ROOT, jglue_dir

ASSET = REPO_ROOT / "tests" / "assets" / "eval" / "llm_jp_eval_1.3.0_prepared"
TEST_DIR = ASSET / "evaluation" / "test"
TASKS = ["jcommonsenseqa", "jnli", "jsquad", "jsts"]


def _recorded(task: str) -> dict:
    return json.loads((ASSET / "evaluation" / "test" / f"{task}.json").read_text(encoding="utf-8"))


def _recorded_prompts(task: str) -> list[str]:
    rows = [json.loads(line) for line in (ASSET / "prompts.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r["prompt"] for r in rows if r["task"] == task]


def _recorded_shots(task: str, k: int = 4) -> list[jaster.Sample]:
    obj = json.loads((ASSET / "evaluation" / "train" / f"{task}.json").read_text(encoding="utf-8"))
    return [jaster.Sample(str(i), s["input"], s["output"], str(i)) for i, s in enumerate(obj["samples"][:k])]


class Recorder:
    """A generator that answers the gold of each prompt's sample and records what it was asked."""

    def __init__(self):
        self.calls: list[tuple[list[str], int]] = []

    def generate(self, prompts, max_new_tokens, **kw):
        self.calls.append((list(prompts), max_new_tokens))
        return ["0"] * len(prompts)


@pytest.mark.parametrize("task", TASKS)
def test_jglue_samples_and_definitions_equal_llm_jp_evals_prepared_file(task):
    rec = _recorded(task)
    ours = jaster.LOADERS[task](jglue_dir() / f"{task}-v1.3-valid.json")
    assert [(s.input, s.output) for s in ours[:len(rec["samples"])]] == \
        [(s["input"], s["output"]) for s in rec["samples"]]
    assert jaster.INSTRUCTIONS[task] == rec["instruction"]
    assert DEFAULT_MAX_NEW_TOKENS[task] == rec["output_length"]
    assert prepared.TASK_METRICS[task] == rec["metrics"]


@pytest.mark.parametrize("task", TASKS)
def test_prompts_equal_llm_jp_evals_recorded_prompts_byte_for_byte(task):
    shots = _recorded_shots(task)
    ours = jaster.LOADERS[task](jglue_dir() / f"{task}-v1.3-valid.json")
    want = _recorded_prompts(task)
    assert len(want) >= 3
    assert [jaster.build_prompt(task, shots, s).encode() for s in ours[:len(want)]] == [w.encode() for w in want]


def test_prepared_dir_is_read_as_llm_jp_evals_evaluator_does():
    cfg = JasterConfig(prepared_dir=str(TEST_DIR))
    jaster.check_inputs(cfg)
    rec = Recorder()
    records, scores = jaster.run(cfg, rec, seed=0)
    assert [max_new for _, max_new in rec.calls] == [_recorded(t)["output_length"] for t in TASKS]
    for task, (prompts, _) in zip(TASKS, rec.calls):
        assert prompts == _recorded_prompts(task)
        got = [r for r in records if r["task"] == task]
        assert [r["id"] for r in got] == [f"{task}-{i}" for i in range(len(prompts))]
        assert [r["gold"] for r in got] == [s["output"] for s in _recorded(task)["samples"]]
        assert scores["fewshots"][task]["shots"] == [f"{task}-{i}" for i in range(4)]
        assert scores["fewshots"][task]["source"].endswith(f"train/{task}.json")
    assert scores["tasks"]["jcommonsenseqa"]["n"] == 12


def test_prepared_dir_output_length_and_instruction_come_from_the_file(tmp_path):
    for split in ("test", "train"):
        (tmp_path / split).mkdir()
        shutil.copy(ASSET / "evaluation" / split / "jnli.json", tmp_path / split / "jnli.json")
    obj = json.loads((tmp_path / "test" / "jnli.json").read_text(encoding="utf-8"))
    obj.update(instruction="関係を答えよ。", output_length=7)
    (tmp_path / "test" / "jnli.json").write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    rec = Recorder()
    jaster.run(JasterConfig(prepared_dir=str(tmp_path / "test"), tasks=["jnli"], limit=2), rec, seed=0)
    (prompts, max_new), = rec.calls
    assert max_new == 7 and len(prompts) == 2
    assert prompts[0].startswith(f"{jaster.HEADER}\n\n### 指示:\n関係を答えよ。\n\n### 入力:\n")
    rec = Recorder()
    jaster.run(JasterConfig(prepared_dir=str(tmp_path / "test"), tasks=["jnli"], limit=1, num_fewshots=0,
                            max_new_tokens={"jnli": 2}), rec, seed=0)
    assert rec.calls[0][1] == 2 and rec.calls[0][0][0].count("### 入力:") == 1


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_wrong_prepared_files_give_one_clear_line(tmp_path):
    test = tmp_path / "evaluation" / "test"
    test.mkdir(parents=True)
    cfg = JasterConfig(prepared_dir=str(test), tasks=["jnli"])
    with pytest.raises(ConfigError) as e:
        jaster.check_inputs(cfg)
    assert _one_line(e).startswith("jaster.prepared_dir: ") and "jnli.json" in str(e.value)
    shutil.copy(jglue_dir() / "jnli-v1.3-valid.json", test / "jnli.json")       # JGLUE JSON Lines
    with pytest.raises(ConfigError) as e:
        jaster.check_inputs(cfg)
    assert "JSON Lines" in _one_line(e) and str(test / "jnli.json") in str(e.value)
    shutil.copy(jglue_dir() / "jsquad-v1.3-valid.json", test / "jnli.json")     # SQuAD JSON
    with pytest.raises(ConfigError) as e:
        jaster.check_inputs(cfg)
    assert "SQuAD" in _one_line(e)
    shutil.copy(TEST_DIR / "jsts.json", test / "jnli.json")                      # another task's file
    with pytest.raises(ConfigError) as e:
        jaster.check_inputs(cfg)
    assert "'metrics'" in _one_line(e) and "jnli" in str(e.value)
    shutil.copy(TEST_DIR / "jnli.json", test / "jnli.json")
    with pytest.raises(ConfigError) as e:                                         # no ../train/jnli.json
        jaster.check_inputs(cfg)
    assert str(tmp_path / "evaluation" / "train" / "jnli.json") in _one_line(e)
    jaster.check_inputs(JasterConfig(prepared_dir=str(test), tasks=["jnli"], num_fewshots=0))
    (tmp_path / "evaluation" / "train").mkdir()
    shutil.copy(ASSET / "evaluation" / "train" / "jnli.json", tmp_path / "evaluation" / "train" / "jnli.json")
    with pytest.raises(ConfigError) as e:                                         # 6 train samples, k = 8
        jaster.run(JasterConfig(prepared_dir=str(test), tasks=["jnli"], num_fewshots=8, fewshot_pool=8),
                   Recorder(), seed=0)
    assert "6 samples, num_fewshots is 8" in _one_line(e)
    with pytest.raises(ValueError) as e:                                          # the recipe check
        JasterConfig(prepared_dir=str(test), train_files={"jnli": "x.json"})
    assert "prepared_dir" in _one_line(e)


def test_rescore_takes_a_prepared_file_as_gold(tmp_path, capsys):
    gold = _recorded("jnli")["samples"]
    preds = tmp_path / "predictions.jsonl"
    preds.write_text("".join(json.dumps({"task": "jnli", "id": f"jnli-{i}", "raw": s["output"] if i % 2 else "x"})
                             + "\n" for i, s in enumerate(gold)), encoding="utf-8")
    out = rescore.rescore_file(preds, [f"jnli={TEST_DIR / 'jnli.json'}"])
    assert out["jaster"]["tasks"]["jnli"]["exact_match"] == pytest.approx(0.5)
