"""The report's verdicts (``pipeline.checks``) on made-up eval folders: each check passes on a
run that shows the effect, fails on one that does not, and is "not measured" without its input.

    .venv/bin/python -m pytest -q tests/test_pipeline_checks.py
"""
from __future__ import annotations

import json
from pathlib import Path

from jiniac_hpc.pipeline import checks as C


def _eval_folder(d: Path, avg: float, answers: dict[str, list[str]], ja_row: dict | None = None) -> Path:
    d.mkdir(parents=True)
    (d / "scores.json").write_text(json.dumps({"jaster": {"AVG": avg}}))
    (d / "predictions.jsonl").write_text("".join(
        json.dumps({"task": t, "prediction": a}) + "\n" for t, v in answers.items() for a in v))
    if ja_row is not None:
        (d / "langtest").mkdir()
        table = {"ja": ja_row, "en": {"ja": 0, "en": 3, "hi": 0, "other": 0}}
        (d / "langtest" / "table.json").write_text(json.dumps({"table": table}))
    return d


GOOD = {"jcommonsenseqa": ["0", "3", "1"], "jnli": ["neutral", "entailment"], "jsts": ["3.2", "0"],
        "jsquad": ["東京"] * 3}          # 10 well-formed answers


def test_a_run_that_learned_passes_every_check(tmp_path):
    runs = [("pretrained", _eval_folder(tmp_path / "pre", 0.02, {"jnli": ["", "1999"]})),
            ("sft", _eval_folder(tmp_path / "sft", 0.38, GOOD)),
            ("final", _eval_folder(tmp_path / "dpo", 0.38, GOOD, {"ja": 2, "en": 0, "hi": 0, "other": 1}))]
    got = C.learning_checks([(50, 5.9), (423, 4.5)], runs,
                            [("日本の首都はどこですか？", "東京です。"), ("Hello?", "")])
    assert [c.ok for c in got] == [True] * 5, got
    assert got[1].measured == "10 of 10 (100%)" and got[2].measured == "0.020 -> 0.380"
    assert got[3].measured == "2 of 3" and got[4].measured == "1 of 1"     # the English prompt is not judged


def test_a_run_that_did_not_learn_fails_each_check(tmp_path):
    bad = dict(GOOD, jnli=["entailment?", "2", "", "x"])                  # 4 of 12 ill-formed: 67%
    runs = [("pretrained", _eval_folder(tmp_path / "pre", 0.40, GOOD)),
            ("sft", _eval_folder(tmp_path / "sft", 0.38, bad)),
            ("final", _eval_folder(tmp_path / "dpo", 0.38, bad, {"ja": 1, "en": 0, "hi": 0, "other": 2}))]
    got = C.learning_checks([(50, 5.9), (100, 6.0)], runs,
                            [("日本の首都はどこですか？", ""), ("富士山について教えてください。", "1999")])
    assert [c.ok for c in got] == [False] * 5, got
    assert got[1].measured == "8 of 12 (67%)" and got[4].measured == "0 of 2"


def test_what_a_run_lacks_is_not_measured_and_the_section_says_so(tmp_path):
    got = C.learning_checks([(10, 7.0)], [("final", _eval_folder(tmp_path / "e", 0.1, GOOD))], [])
    assert [c.ok for c in got] == [None] * 5
    md = C.checks_section(got, tmp_path)
    assert md[0] == "## What this run shows" and sum("| not measured |" in line for line in md) == 5
    assert [c["ok"] for c in json.loads((tmp_path / "checks.json").read_text())] == [None] * 5
