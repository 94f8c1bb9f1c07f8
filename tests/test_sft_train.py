"""SFT training on CPU through the launcher: loss falls, preemption saves a step-* checkpoint,
the relaunch resumes from it, checkpoints.json lists the checkpoints, the final model generates,
and the committed ``sft-sweep`` eval recipe sweeps a two-rank run's checkpoints.

    pytest tests/test_sft_train.py

The Trainer runs in submitit's local executor (a subprocess), started from a subprocess here.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.posttrain import debug_assets

REPO = Path(__file__).resolve().parents[1]


def _launch(stage: str, overrides: list[str], cluster: str, timeout: float, result: str):
    """launch(stage, 'debug') in a fresh Python; returns ``result`` evaluated on the last step's job."""
    code = ("import json,sys; from jiniac_hpc.launch.runner import launch; "
            f"r = launch({stage!r}, 'debug', cluster={cluster!r}, overrides={overrides!r}); "
            f"job = r.jobs[list(r.jobs)[-1]][0]; print('RESULT=' + json.dumps({result}))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    line = [x for x in p.stdout.splitlines() if x.startswith("RESULT=")][-1]
    return json.loads(line[len("RESULT="):])


def launch_json(stage: str, overrides: list[str], cluster: str = "local", timeout: float = 400) -> dict:
    """The step's job result (a one-task job)."""
    return _launch(stage, overrides, cluster, timeout, "job.result()")


def launch_ranks(stage: str, overrides: list[str], timeout: float = 400) -> list[dict]:
    """Every rank's result of a step with several tasks, in rank order."""
    return _launch(stage, overrides, "local", timeout, "job.results()")


def relaunch_skips(stage: str, overrides: list[str]) -> bool:
    """Whether launching the same command again skips every step ("complete, skipped")."""
    from jiniac_hpc.launch.runner import launch

    res = launch(stage, "debug", cluster="local", overrides=overrides)
    return not res.jobs and res.skipped == [s.name for s in res.steps]


def scalars(tb_dir: Path, tag: str) -> list[tuple[int, float]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    ea = EventAccumulator(str(tb_dir))
    ea.Reload()
    return [(e.step, e.value) for e in ea.Scalars(tag)]


def test_sft_loss_falls_preempt_resume_and_export(logs_dir):
    model = debug_assets.cached("auto")
    over = [f"model_path={model}", "tokenizer_path=null", "train.preempt_at=[6]"]
    run = logs_dir / "sft" / "debug"

    first = launch_json("sft", over)
    assert first["status"] == "preempted" and first["step"] == 6
    assert (run / "checkpoints" / "step-00000006" / "meta.json").exists()
    assert (run / "checkpoints" / "latest").read_text().strip() == "step-00000006"
    assert list((run / "checkpoints" / "step-00000006" / "global_step6").glob("*optim_states.pt"))  # ZeRO-1
    assert not (run / "completions").exists()   # a preempted task leaves no completion marker

    second = launch_json("sft", over)           # same command: resume: auto
    assert second["status"] == "done" and second["resumed_from"].endswith("step-00000006")
    assert fileio.read_marker(run, "train", 0)["result"] == second    # the executor's marker: the outcome
    assert relaunch_skips("sft", over)          # a finished run is not trained again
    ds = json.loads((run / "deepspeed.json").read_text())   # the run assembly's one DeepSpeed builder
    assert (ds["zero_optimization"]["stage"], ds["train_micro_batch_size_per_gpu"], ds["bf16"]["enabled"]) == (1, 4, False)
    steps = [c["step"] for c in json.loads((run / "checkpoints.json").read_text())["checkpoints"]]
    assert steps == [5, 6, 10, 15, 20, 22]      # save_steps 5, the preemption save, the last step
    assert json.loads((run / "checkpoints.json").read_text())["final"] == str(run / "model")

    loss = scalars(run / "tensorboard", "train/loss")
    assert [s for s, _ in loss] == list(range(1, 23))       # one value a step across the restart
    head, tail = [v for _, v in loss[:4]], [v for _, v in loss[-4:]]
    assert sum(tail) / 4 < sum(head) / 4 - 0.3, loss
    ev = [v for _, v in scalars(run / "tensorboard", "eval/loss")]
    assert ev[-1] < ev[0], ev

    # Every checkpoint and the final model load with from_pretrained; the final one generates.
    import torch
    from transformers import AutoTokenizer

    from jiniac_hpc.model.load import load_model

    for d in [run / "checkpoints" / "step-00000010", run / "model"]:
        m = load_model(d, dtype="float32", device="cpu")
    tok = AutoTokenizer.from_pretrained(str(run / "model"))
    assert tok.chat_template and "<|assistant|>" in tok.chat_template
    ids = tok(["<s>" + "日本の首都は"], return_tensors="pt", add_special_tokens=False)
    out = m.generate(**ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] == ids["input_ids"].shape[1] + 5 or int(out[0, -1]) == tok.eos_token_id
    assert torch.isfinite(m(**ids).logits).all()


@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory) -> tuple[Path, list[dict], list[dict]]:
    """A two-rank SFT run preempted at step 4 and relaunched to its end (its own logs folder)."""
    logs = REPO / "logs" / "pytest" / f"{os.getpid()}-{tmp_path_factory.mktemp('sft2').name}"
    over = [f"model_path={debug_assets.cached('auto')}", "tokenizer_path=null", "job.tasks_per_node=2",
            "train.preempt_at=[4]"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JINIAC_LOGS", str(logs))
        first = launch_ranks("sft", over)
        second = launch_ranks("sft", over)
    return logs / "sft" / "debug", first, second


def test_sft_on_two_ranks_shards_data_and_optimizer_and_resumes(two_rank_run):
    """Two CPU ranks (gloo, ZeRO-1): the data is split between them, each rank writes its own
    optimizer shard and RNG state, a preemption stops both at one step, and the relaunch resumes."""
    run, first, second = two_rank_run
    assert [r["status"] for r in first] == ["preempted", "preempted"] and {r["step"] for r in first} == {4}
    ckpt = run / "checkpoints" / "step-00000004"
    assert sorted(p.name for p in ckpt.glob("rng_state_*.pth")) == ["rng_state_0.pth", "rng_state_1.pth"]
    assert len(list((ckpt / "global_step4").glob("*optim_states.pt"))) == 2     # one ZeRO-1 shard a rank

    assert [r["status"] for r in second] == ["done", "done"]
    assert all(r["resumed_from"].endswith("step-00000004") for r in second)
    steps = [c["step"] for c in json.loads((run / "checkpoints.json").read_text())["checkpoints"]]
    assert steps[-1] == 12          # 2 epochs of 6 steps (one rank: 11 a epoch)
    loss = scalars(run / "tensorboard", "train/loss")
    assert [s for s, _ in loss] == list(range(1, 13))


def test_sft_sweep_recipe_over_the_sft_runs_checkpoints(two_rank_run, logs_dir, monkeypatch):
    """The committed sft-sweep recipe, shrunk by --set, on the local executor over that SFT run's
    step-* checkpoints (as SFT saved them: DeepSpeed state and tokenizer inside): one eval task a
    checkpoint and a collect job whose pick is one of them, with the reason."""
    from test_eval_judge import JudgeServer

    from jiniac_hpc.eval.sweep import select
    from jiniac_hpc.eval.config import SelectConfig
    from jiniac_hpc.launch.runner import launch

    run = two_rank_run[0]
    saved = [f"step-{c['step']:08d}" for c in json.loads((run / "checkpoints.json").read_text())["checkpoints"]]
    assert len(saved) >= 3
    over = [f"checkpoints={run}", "jaster.limit=2", "jaster.tasks=[jnli]", "mtbench.limit=1",
            "mtbench.max_new_tokens=4", "mtbench.judge.http_retries=0", "langtest.limit=1",
            "langtest.max_new_tokens=4", "batch_size=4"]
    with JudgeServer([(200, "評価：[[6]]")]) as srv:
        monkeypatch.setenv("JINIAC_JUDGE_URL", srv.url)
        res = launch("eval", "sft-sweep", cluster="local", overrides=over, run_name="sweep", out=io.StringIO())
        assert len(res.jobs["eval"]) == len(saved) and len(res.jobs["collect"]) == 1
        res.wait(600)
    assert len(srv.requests) == len(saved)               # one MT-bench question, first turn, each checkpoint
    sweep = json.loads((res.run_dir / "sweep.json").read_text())
    assert [r["checkpoint"] for r in sweep["rows"]] == saved
    for r in sweep["rows"]:
        scores = json.loads((res.run_dir / r["checkpoint"] / "scores.json").read_text())
        assert r["jaster"] == scores["jaster"]["AVG"] is not None and r["mtbench"] == scores["mtbench"]["AVG"] == 6.0
    best = json.loads((res.run_dir / "best.json").read_text())
    assert best == select([dict(r, balance=None) for r in sweep["rows"]], SelectConfig(rule="harmonic"))
    assert best["checkpoint"] in saved and best["why"].startswith(best["checkpoint"]) and best["warnings"] == []
