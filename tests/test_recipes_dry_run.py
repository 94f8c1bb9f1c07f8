"""Every committed recipe of every stage launches with ``--dry-run`` on every committed cluster profile.

    .venv/bin/python -m pytest tests/test_recipes_dry_run.py -q        # in-process, a few seconds

A dry run validates the recipe against the profile, plans the stage and renders each step's
sbatch script (Slurm profiles) without submitting anything. Stages that read earlier stages'
outputs get small real inputs where the plan needs them to reach the job specs (tiny HF
checkpoints for the eval sweep and for dpo-data); the stages whose inputs are corpus shards or
``$JINIAC_DATA`` files must stop at the input check with a ConfigError that names the missing
path (or, for dpo-data's jiniac-5b, the prompt file each team brings), and nothing else.
"""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from jiniac_hpc.config import ConfigError
from jiniac_hpc.cluster import list_clusters
from jiniac_hpc.stages import STAGES

REPO = Path(__file__).resolve().parents[1]
RECIPES = sorted((s, p.stem) for s in STAGES if STAGES[s].plan is not None
                 for p in (REPO / "jiniac_hpc" / "recipes" / s).glob("*.yaml"))
#: A missing input of a fresh checkout: the only error a dry run may end with.
MISSING_INPUT = re.compile(r"no file matches|matches no file|does not exist|has no config\.json|no config\.json|"
                           r"is not a JSONL file or a folder")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, list[str]]:
    """Overrides that point stages at small real inputs: a run with 3 tiny checkpoints, a model folder."""
    from jiniac_hpc.eval.tiny import build_tokenizer
    from test_eval_sweep import _add_checkpoint

    root = tmp_path_factory.mktemp("inputs")
    tok = root / "tok"
    build_tokenizer(tok, vocab_size=1000)
    run = root / "sft-run"
    for step in (10, 20, 30):
        _add_checkpoint(run, step, tok)
    model = root / "model"
    shutil.copytree(run / "checkpoints" / "step-00000030", model)
    return {"eval": [f"checkpoints={run}", "model=null", "tokenizer=null"], "dpo-data": [f"model_path={model}"]}


def test_every_recipe_is_tested():
    stages = {s for s, _ in RECIPES}
    assert {"corpus", "tokenizer", "pretokenize", "pretrain", "sft", "dpo-data", "dpo", "eval"} <= stages
    assert ("eval", "sft-sweep") in RECIPES and len(list_clusters()) >= 3


@pytest.mark.parametrize("cluster", list_clusters())
@pytest.mark.parametrize("stage,recipe", RECIPES)
def test_dry_run(stage, recipe, cluster, inputs, tmp_path, monkeypatch):
    from jiniac_hpc.launch.runner import launch

    monkeypatch.setenv("JINIAC_LOGS", str(tmp_path))
    monkeypatch.setenv("JINIAC_JUDGE_URL", "http://127.0.0.1:9/v1")     # the MT-bench recipes need an endpoint
    out = io.StringIO()
    # eval recipes that name their model(s) (model, tiny's compare) run as they are: no checkpoints
    ov = inputs.get(stage, []) if not (stage == "eval" and recipe in ("model", "tiny")) else []
    try:
        res = launch(stage, recipe, cluster=cluster, overrides=ov, dry_run=True, out=out)
    except ConfigError as e:
        assert MISSING_INPUT.search(str(e)), f"{stage}/{recipe} on {cluster}: {e}"
        assert not (stage == "eval" and ov), f"{stage}/{recipe} on {cluster} has its checkpoints: {e}"
        assert stage in ("corpus", "tokenizer", "pretokenize", "dpo-data", "eval"), f"{stage}/{recipe} on {cluster}: {e}"
        return
    assert res.steps and not res.jobs                      # nothing submitted
    assert set(res.scripts) == {s.name for s in res.steps if s.missing}
    if res.cluster.executor == "slurm":
        assert all(t.startswith("#!/bin/bash") and "\nsrun " in t for t in res.scripts.values())
    else:
        assert all(t.startswith("# local: ") for t in res.scripts.values())


def test_sft_sweep_resources_on_a_gpu_cluster(inputs, tmp_path, monkeypatch):
    """Each array task takes one GPU of a shared node (no --exclusive, its share of the memory);
    the collect job is a CPU job."""
    from jiniac_hpc.launch.runner import launch

    monkeypatch.setenv("JINIAC_LOGS", str(tmp_path))
    monkeypatch.setenv("JINIAC_JUDGE_URL", "http://127.0.0.1:9/v1")
    res = launch("eval", "sft-sweep", cluster="abci-h100", overrides=inputs["eval"], dry_run=True, out=io.StringIO())
    ev, col = res.scripts["eval"], res.scripts["collect"]
    assert "#SBATCH --array=0-2%3" in ev and "#SBATCH --gres=gpu:1" in ev and "#SBATCH --ntasks-per-node=1" in ev
    assert "--exclusive" not in ev and "#SBATCH --mem=225G" in ev        # 1/8 of the node's 1800G
    assert "--gres" not in col and "#SBATCH --ntasks-per-node=1" in col and "#SBATCH --mem=16G" in col
    pre = launch("pretrain", "jiniac-5b", cluster="abci-h100", dry_run=True, out=io.StringIO()).scripts["train"]
    assert "#SBATCH --exclusive" in pre and "#SBATCH --mem=1800G" in pre and "#SBATCH --gres=gpu:8" in pre
