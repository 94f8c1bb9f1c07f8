"""The pipeline DAG: validation before submission, skipping complete stages, and on the test
Slurm a killed stage that a rerun of the same command finishes (and nothing else reruns)."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from jiniac_hpc.config import ConfigError
from jiniac_hpc.launch.status import pipeline_rows
from jiniac_hpc.pipeline.config import PipelineConfig, StageRef
from jiniac_hpc.pipeline.run import run_pipeline

from conftest import run_cli

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "SKIPPED", "PREEMPTED"}


def test_order_and_selection_are_checked():
    with pytest.raises(ValueError, match="pipeline order"):
        PipelineConfig(stages=[StageRef("tokenize"), StageRef("corpus")])
    cfg = PipelineConfig(stages=[StageRef("corpus"), StageRef("tokenizer"), StageRef("tokenize")])  # old name
    assert [s.stage for s in cfg.select("tokenizer", None)] == ["tokenizer", "pretokenize"]
    assert cfg.select(None, "tokenize") == cfg.stages
    with pytest.raises(ValueError, match="--until"):
        cfg.select(None, "pretrain")


def test_bad_stage_recipe_fails_before_submission(logs_dir):
    with pytest.raises(ConfigError, match="no_such_key"):
        run_pipeline("tiny", cluster="local", overrides=["stages=[{stage: corpus, recipe: tiny, "
                                                         "overrides: [no_such_key=1]}]"])
    assert not (logs_dir / "corpus").exists()


def test_local_until_pretokenize_then_rerun_skips_everything(logs_dir):
    r = run_cli("jobs/pipeline.py", "--until", "pretokenize", "--cluster", "local",
                env={"JINIAC_LOGS": str(logs_dir)}, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (logs_dir / "pretokenize" / "tiny" / "index.json").exists()
    # the stage's old name still works for one release, with a note
    r = run_cli("jobs/pipeline.py", "--until", "tokenize", "--cluster", "local",
                env={"JINIAC_LOGS": str(logs_dir)}, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("complete, skipped") == 3
    assert "stage 'tokenize' is now called 'pretokenize'" in r.stderr

    # the report covers what ran and says plainly what did not
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.pipeline.report import write_report

    cfg = load_recipe("pipeline", PipelineConfig, "tiny")
    text = write_report(cfg, logs_dir / "pipeline" / "tiny", generate=False).read_text()
    corpus = text.split("## Corpus")[1].split("##")[0]
    assert "| wikipedia-jsquad | ja |" in corpus and "**total**" in corpus
    assert "| ja |" in text.split("## Tokenizer")[1]
    assert "_not available:" in text.split("## Pretraining")[1].split("##")[0]
    assert "| pretokenize | COMPLETED |" in text
    shows = text.split("## What this run shows")[1].split("##")[0]       # first, and honest about gaps
    assert text.index("## What this run shows") < text.index("## Stages")
    assert shows.count("| not measured |") == 5 and "**NO**" not in shows


def test_report_reads_tensorboard_and_marks_stages(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    from jiniac_hpc.pipeline.report import _pretrain, read_scalars, stage_boundaries

    w = SummaryWriter(str(tmp_path / "pretrain" / "tensorboard"))
    for step in range(1, 31):
        w.add_scalar("train/loss", 10.0 / step, step)
        w.add_scalar("train/lr", 1e-3 if step < 20 else 5e-4, step)
        w.add_scalar("data/stage", 0 if step < 12 else 1, step)
        w.add_scalar("perf/tokens_per_s", 1000.0 + step, step)
    w.close()
    s = read_scalars(tmp_path / "pretrain" / "tensorboard")
    assert [v for _, v in s["train/loss"]][:2] == [10.0, 5.0]
    assert stage_boundaries(s) == [(1, 0), (12, 1)]
    md = "\n".join(_pretrain(tmp_path / "pretrain", s, tmp_path))
    assert "stage 1 at step 12" in md and "1,016 tokens/s" in md
    assert (tmp_path / "pretrain_loss.png").stat().st_size > 1000


def test_sft_and_dpo_assets_are_held_out_from_the_tiny_eval(tmp_path):
    """The committed held-out files are what the builder writes, and none of their JGLUE items is
    scored (any limit up to what the held-out sets leave) or shown as a shot by the tiny eval."""
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.eval import heldout, jaster
    from jiniac_hpc.eval.config import EvalConfig
    from jiniac_hpc.paths import REPO_ROOT

    assets = REPO_ROOT / "jiniac_hpc" / "assets" / "posttrain"
    heldout.write(tmp_path)
    used: dict[str, set[str]] = {}
    for name in ("jaster_sft.jsonl", "jglue_chat.jsonl", "dpo_prompts.jsonl"):
        assert (tmp_path / name).read_bytes() == (assets / name).read_bytes(), f"{name}: rerun the builder"
        for line in (assets / name).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            used.setdefault(r["task"], set()).add(r["id"])
    cfg = load_recipe("eval", EvalConfig, "tiny")
    assert cfg.jaster.limit <= 200
    for task, ids in used.items():
        samples = jaster.LOADERS[task](jaster.data_path(cfg.jaster, task))
        wide = load_recipe("eval", EvalConfig, "tiny", [f"jaster.limit={len(samples) - heldout.reserved(cfg, task) - 64}"])
        shots, scored, info = jaster.split(task, samples, wide.jaster, wide.seed)
        assert not ids & {s.id for s in scored}, task
        assert not ids & {s.id for s in shots}, task
        assert len(scored) >= 200


def _wait_dag(run_dir: Path, timeout: float = 900) -> list:
    """Until every job of the DAG is in a terminal state and no new driver appeared for a while."""
    deadline, stable_since, last = time.time() + timeout, None, None
    while time.time() < deadline:
        rows = pipeline_rows(run_dir)
        key = [(r.job_id, r.state) for r in rows]
        if rows and all(r.state in TERMINAL for r in rows):
            if key == last and stable_since and time.time() - stable_since > 15:
                return rows
            if key != last:
                stable_since = time.time()
        last = key
        time.sleep(3)
    raise TimeoutError(f"DAG not finished: {[(r.stage, r.step, r.job_id, r.state) for r in pipeline_rows(run_dir)]}")


@pytest.mark.slurm
def test_slurm_dag_kill_one_stage_and_rerun(slurm_cluster, logs_dir):
    env = {"JINIAC_LOGS": str(logs_dir)}
    run_dir = logs_dir / "pipeline" / "tiny"
    r = run_cli("jobs/pipeline.py", "--until", "pretokenize", "--cluster", slurm_cluster, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]

    # kill the tokenizer stage as soon as its driver has submitted it
    deadline = time.time() + 600
    while True:
        stages = json.loads((run_dir / "pipeline.json").read_text())["stages"]
        tok = [s for s in stages if s["stage"] == "tokenizer"]
        if tok:
            break
        assert time.time() < deadline, "the tokenizer stage was never submitted"
        time.sleep(2)
    ids = sorted({j.split("_")[0] for r in json.loads((Path(tok[0]["run_dir"]) / "jobs.json").read_text())
                  for j in r["job_ids"]})
    subprocess.run(["scancel", *ids], check=True)
    rows = _wait_dag(run_dir)
    assert not (logs_dir / "pretokenize" / "tiny" / "index.json").exists()
    assert any(r.stage == "tokenizer" and r.state == "CANCELLED" for r in rows)
    corpus_jobs = len(json.loads((logs_dir / "corpus" / "tiny" / "jobs.json").read_text()))

    # the same command again: corpus is complete and skipped; tokenizer and pretokenize run
    r = run_cli("jobs/pipeline.py", "--until", "pretokenize", "--cluster", slurm_cluster, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "corpus: complete, skipped" in r.stdout
    rows = _wait_dag(run_dir)
    assert (logs_dir / "pretokenize" / "tiny" / "index.json").exists(), [(x.stage, x.job_id, x.state) for x in rows]
    assert len(json.loads((logs_dir / "corpus" / "tiny" / "jobs.json").read_text())) == corpus_jobs
    second = json.loads((run_dir / "pipeline.json").read_text())["stages"]
    states = [(s["stage"], s.get("state")) for s in second if s["stage"] != "driver"]
    assert states[-3:] == [("corpus", "SKIPPED"), ("tokenizer", "SUBMITTED"), ("pretokenize", "SUBMITTED")]
    status = run_cli("-m", "jiniac_hpc.cli", "status", str(run_dir), env=env)
    assert status.returncode == 0 and "pretokenize/" in status.stdout and "COMPLETED" in status.stdout
