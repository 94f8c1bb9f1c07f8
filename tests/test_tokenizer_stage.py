"""The tokenizer stage through the launcher: array of languages, dependent merge, markers.

    .venv/bin/python -m pytest tests/test_tokenizer_stage.py -q
"""
import json
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.config import from_dict, load_recipe, to_dict
from jiniac_hpc.launch.runner import launch
from jiniac_hpc.tokenizer.config import TokenizerConfig
from jiniac_hpc.tokenizer.stage import plan
from jiniac_hpc.tokenizer.train import lang_digest

REPO = Path(__file__).resolve().parents[1]
SMALL = str(REPO / "tests/assets/tokenizer/small.yaml")


def _check_outputs(run: Path) -> dict:
    assert (run / "tokenizer.model").stat().st_size > 10_000
    assert {p.name for p in (run / "hf").iterdir()} >= {"tokenizer.json", "tokenizer_config.json"}
    rep = json.loads((run / "report.json").read_text())
    assert rep["hf_check"]["mismatches"] == 0 and rep["roundtrip"]["failures"] == 0
    return rep


def test_local_launch_relaunch_and_partial_rerun(logs_dir):
    res = launch("tokenizer", SMALL, cluster="local")
    run = logs_dir / "tokenizer" / "small"
    assert res.run_dir == run and set(res.jobs) == {"train", "merge"} and len(res.jobs["train"]) == 4
    results = [j.result() for j in res.jobs["train"]]
    assert [r["lang"] for r in results] == ["ja", "en", "hi", "code"]
    assert "thinning" in results[0] and results[0]["seed_pieces"] > 1000
    rep = _check_outputs(run)
    assert rep["vocab"]["size"] % 64 == 0

    again = launch("tokenizer", SMALL, cluster="local")
    assert again.jobs == {} and again.skipped == ["train", "merge"]
    cfg = load_recipe("tokenizer", TokenizerConfig, SMALL)
    assert [fileio.result(run, "train", i)["digest"] for i in range(4)] == [lang_digest(cfg, lg) for lg in cfg.languages]

    # One language lost its marker: only that task runs again, then the merge.
    fileio.marker_path(run, "train", 2).unlink()
    model_before = (run / "tokenizer.model").read_bytes()
    third = launch("tokenizer", SMALL, cluster="local")
    assert len(third.jobs["train"]) == 1 and third.jobs["train"][0].result()["lang"] == "hi"
    records = json.loads((run / "jobs.json").read_text())
    assert records[-2]["step"] == "train" and records[-2]["tasks"] == [2] and records[-1]["step"] == "merge"
    assert (run / "tokenizer.model").read_bytes() == model_before   # deterministic given the recipe

    # A changed language config retrains that language only (its own digest), then the merge.
    data = to_dict(cfg)
    data["languages"][3]["sample_chars"] += 1
    changed = from_dict(TokenizerConfig, data)
    train, merge = plan(changed, run)
    assert train.missing == [3] and merge.missing == [0]
    assert plan(cfg, run)[0].missing == []
    # Another normalisation retrains every language: the merged model keeps one table for all.
    data = to_dict(cfg)
    data["normalization"] = "identity"
    assert plan(from_dict(TokenizerConfig, data), run)[0].missing == [0, 1, 2, 3]


@pytest.mark.slurm
def test_slurm_array_and_dependent_merge(slurm_cluster, logs_dir):
    res = launch("tokenizer", SMALL, cluster=slurm_cluster)
    assert "#SBATCH --array=0-3" in res.scripts["train"]
    out = res.wait(timeout_s=600)
    assert [r["lang"] for r in out["train"]] == ["ja", "en", "hi", "code"]
    assert out["merge"][0]["vocab_size"] % 64 == 0
    _check_outputs(logs_dir / "tokenizer" / "small")
