"""Login-node side of pretraining: recipes, `jiniac plan` output and PNG, plan() checks. No torch.

    pytest tests/test_pretrain_plan.py
"""
import io
import json
import sys

import pytest

from jiniac_hpc.config import ConfigError, load_recipe
from jiniac_hpc.train.config import PretrainConfig
from jiniac_hpc.train.plan_cli import print_plan
from jiniac_hpc.train.pretrain import plan, plan_spans
from jiniac_hpc.train.schedule import lr_curve

JINIAC_SOURCES = ["slimpajama", "open-web-math", "commoncrawl-pdf-ja", "culturax-ja", "code", "aozora",
                  "wikipedia-ja", "wikipedia-en", "diet", "laws", "court-rulings"]


def fake_index(tmp_path, sources, seqs=2048, seq_len=64, vocab=2000):
    """An index.json as the tokenize stage writes it (counts only; no shards are read here)."""
    idx = {"format": "jiniac-index-v1", "seq_len": seq_len, "vocab_size": vocab, "eos_id": 2,
           "tokenizer_sha256": "0" * 64, "shards": [],
           "sources": {s: {"lang": "ja", "shards": 1, "train": {"seqs": seqs, "tokens": seqs * seq_len},
                           "eval": {"seqs": 10, "tokens": 10 * seq_len}} for s in sources}}
    p = tmp_path / "index.json"
    p.write_text(json.dumps(idx))
    return p


def test_print_plan_and_png(tmp_path):
    index = fake_index(tmp_path, ["a", "b"])
    out = io.StringIO()
    rows = print_plan("debug", [f"data.index={index}", "model.vocab_size=2000"], tmp_path / "lr.png", out=out)
    text = out.getvalue()
    assert [r["stage"] for r in rows] == ["mix", "middle", "polish"]
    assert [(r["first_step"], r["end_step"]) for r in rows] == [(0, 16), (16, 26), (26, 40)]
    for needle in ("mix", "middle", "polish", "8,192", "0-16", "40 steps", "cosine"):
        assert needle in text, needle
    assert (tmp_path / "lr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_jiniac_plan_writes_its_png_with_the_run_outputs(tmp_path, monkeypatch):
    """``jiniac plan`` without --png writes logs/plan/<recipe>-lr.png (it wrote debug-lr.png into the
    working directory: a checkout's root, as an untracked file)."""
    from click.testing import CliRunner

    from jiniac_hpc.cli import cli

    index = fake_index(tmp_path, ["a", "b"])
    monkeypatch.setenv("JINIAC_LOGS", str(tmp_path / "logs"))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["plan", "debug", "--set", f"data.index={index}", "--set", "model.vocab_size=2000"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "logs" / "plan" / "debug-lr.png").is_file() and not list(tmp_path.glob("*.png"))


def test_jiniac_5b_recipe_lr_drop_is_a_ramp(tmp_path):
    index = fake_index(tmp_path, JINIAC_SOURCES, seqs=600_000, seq_len=4096, vocab=59529)
    cfg = load_recipe("pretrain", PretrainConfig, "jiniac-5b", [f"data.index={index}"])
    assert cfg.train.precision == "bf16" and cfg.train.zero_stage == 1 and cfg.job.gpus
    spans = plan_spans(cfg, json.loads(index.read_text()))
    assert [s.name for s in spans][-4:] == ["wikipedia", "diet", "laws", "court-rulings"]
    assert spans[5].peak == 2e-4 and spans[6].peak == 5e-5
    curve = lr_curve(spans, cfg.schedule)
    b = spans[6].start
    assert curve[b - 1] > 1.5 * curve[b + cfg.schedule.stage_ramp_steps]      # the drop happens...
    steps = [curve[t] - curve[t + 1] for t in range(b - 1, b + cfg.schedule.stage_ramp_steps)]
    assert max(steps) < (curve[b - 1] - curve[b + cfg.schedule.stage_ramp_steps]) / 50   # ...over the ramp


def test_plan_checks_inputs(tmp_path):
    cfg = load_recipe("pretrain", PretrainConfig, "debug", [f"data.index={tmp_path / 'missing.json'}"])
    with pytest.raises(ConfigError, match="data.index"):
        plan(cfg, tmp_path / "run")
    index = fake_index(tmp_path, ["a"], vocab=9000)
    cfg = load_recipe("pretrain", PretrainConfig, "debug", [f"data.index={index}"])
    with pytest.raises(ConfigError, match="model.vocab_size"):
        plan(cfg, tmp_path / "run")
    bad = load_recipe("pretrain", PretrainConfig, "debug",
                      [f"data.index={index}", "model.vocab_size=9000",
                       'plan.stages=[{name: x, sources: {nope: 1.0}, tokens: 640}]'])
    with pytest.raises(ConfigError, match="nope"):
        plan(bad, tmp_path / "run")
    (step,) = plan(load_recipe("pretrain", PretrainConfig, "debug", [f"data.index={index}", "model.vocab_size=9000"]),
                   tmp_path / "run")
    assert step.distributed and step.fn == "jiniac_hpc.train.pretrain:train_task" and step.done == [False]


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="train.*stage"):
        load_recipe("pretrain", PretrainConfig, "debug", ["train.stage=7"])
    with pytest.raises(ConfigError, match="global_batch_size"):
        load_recipe("pretrain", PretrainConfig, "debug", ["train.global_batch_size=6"])


def test_login_node_imports_no_torch():
    import subprocess

    code = ("import sys, jiniac_hpc.train.plan_cli, jiniac_hpc.train.pretrain, jiniac_hpc.train.checkpoint; "
            "print(sorted(m for m in ('torch', 'transformers', 'deepspeed') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr
