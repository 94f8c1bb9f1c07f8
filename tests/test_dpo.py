"""DPO and dpo-data: reward margin moves the right way, LoRA reaches exactly the modules the model
issue guarantees (experts yes, router no), the merged export loads without PEFT and generates;
rejected-answer generation drops empty/identical pairs and reports counts; bad pairs reported.

    pytest tests/test_dpo.py
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.config import from_dict, to_dict
from jiniac_hpc.posttrain import debug_assets
from test_sft_train import launch_json, launch_ranks, relaunch_skips, scalars

ASSETS = Path(__file__).parent / "assets" / "posttrain"


def expected_lora_modules(cfg) -> list[str]:
    """From the model issue: q/k/v/o, the dense MLP, shared and routed experts; never mlp.gate."""
    out = []
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}"
        out += [f"{p}.self_attn.{x}_proj" for x in "qkvo"]
        mlp = f"{p}.mlp" if i < cfg.first_k_dense_replace else f"{p}.mlp.shared_experts"
        out += [f"{mlp}.{x}_proj" for x in ("gate", "up", "down")]
        if i >= cfg.first_k_dense_replace:   # the routed experts: their two fused parameters
            out += [f"{p}.mlp.experts.gate_up_proj", f"{p}.mlp.experts.down_proj"]
    return sorted(out)


def test_dpo_margin_adapters_and_merged_export(logs_dir):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoTokenizer

    from jiniac_hpc.model.load import load_model, register

    register()      # AutoConfig below reads model_type "deepseek"

    sft = debug_assets.cached("auto")
    res = launch_json("dpo", [f"model_path={sft}"])
    run = logs_dir / "dpo" / "debug"
    assert res["status"] == "done"

    margins = [v for _, v in scalars(run / "tensorboard", "rewards/margins")]
    assert abs(margins[0]) < 1e-6          # step 1: policy == reference (LoRA B starts at 0)
    assert sum(margins[-3:]) / 3 > 0.1 and margins[-1] > margins[0], margins

    cfg = AutoConfig.from_pretrained(str(sft))
    adapted = json.loads((run / "adapted_modules.json").read_text())
    if cfg.model_type == "deepseek":
        assert adapted == expected_lora_modules(cfg)
    assert not any(n.endswith("mlp.gate") for n in adapted)       # never the router

    merged = run / "model"
    assert fileio.read_marker(run, "train", 0)["result"] == res
    assert relaunch_skips("dpo", [f"model_path={sft}"])
    keys = load_file(str(merged / "model.safetensors")).keys()
    assert not any("lora" in k for k in keys)                     # a plain HF model
    m = load_model(merged, dtype="float32", device="cpu")
    base = load_model(sft, dtype="float32", device="cpu")
    name = "model.layers.1.self_attn.q_proj.weight"
    delta = (m.state_dict()[name] - base.state_dict()[name]).abs().max()
    assert delta > 1e-6                                           # the adapters were merged in
    if cfg.model_type == "deepseek":   # ...also into the routed experts, written under the reference names
        name = "model.layers.1.mlp.experts.3.up_proj.weight"
        merged_sd = load_file(str(merged / "model.safetensors"))
        base_sd = load_file(str(Path(sft) / "model.safetensors"))
        assert (merged_sd[name].float() - base_sd[name].float()).abs().max() > 1e-6
    tok = AutoTokenizer.from_pretrained(str(merged))
    ids = tok(["<s>日本の首都は"], return_tensors="pt", add_special_tokens=False)
    out = m.generate(**ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1] and torch.isfinite(m(**ids).logits).all()


def test_dpo_on_two_ranks(logs_dir):
    """Two CPU ranks: the pairs are split between them and the merged model is written once."""
    sft = debug_assets.cached("auto")
    one = launch_json("dpo", [f"model_path={sft}"])
    run = logs_dir / "dpo" / "debug"
    steps_one = [s for s, _ in scalars(run / "tensorboard", "rewards/margins")]
    import shutil

    shutil.rmtree(run)
    res = launch_ranks("dpo", [f"model_path={sft}", "job.tasks_per_node=2"])
    assert one["status"] == "done" and [r["status"] for r in res] == ["done", "done"]
    steps_two = [s for s, _ in scalars(run / "tensorboard", "rewards/margins")]
    assert len(steps_two) == -(-len(steps_one) // 2)      # half the optimizer steps
    assert fileio.read_marker(run, "train", 0) and (run / "model" / "model.safetensors").exists()


def test_dpo_data_generates_rejected_and_reports(logs_dir):
    sft = debug_assets.cached("auto")
    launch_json("dpo-data", [f"model_path={sft}"])
    run = logs_dir / "dpo-data" / "debug"
    report = json.loads((run / "report.json").read_text())
    c = report["counts"]
    assert c["read"] == 7 and c["bad_input"] == 1 and c["generated"] == 6
    assert c["kept"] + c["empty_rejected"] + c["identical"] == 6
    assert report["bad_input"] == [f"{ASSETS / 'dpo_prompts.jsonl'}:6: field 'prompt' is empty"]
    pairs = [json.loads(x) for x in (run / "pairs.jsonl").read_text().splitlines()]
    assert len(pairs) == c["kept"] and all(p["rejected"].strip() and p["chosen"] for p in pairs)
    assert [fileio.read_marker(run, "generate", i)["result"]["chunk"] for i in range(3)] == [0, 1, 2]  # 3 chunks of 3
    assert fileio.read_marker(run, "merge", 0)["result"] == c and (run / "report.md").exists()
    assert relaunch_skips("dpo-data", [f"model_path={sft}"])


def test_dpo_data_merge_drops_empty_and_identical(tmp_path):
    from jiniac_hpc.cluster import load_cluster
    from jiniac_hpc.stages import TaskContext
    from jiniac_hpc.train.dpo_config import DPODataConfig
    from jiniac_hpc.train.dpo_data import chunk_path, merge

    prompts = tmp_path / "p.jsonl"
    recs = [{"prompt": f"質問{i}", "chosen": ans} for i, ans in enumerate(["東京です。", "はい", "３つです"])]
    prompts.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
    cfg = from_dict(DPODataConfig, {"model_path": "x", "prompts": str(prompts), "chunk_size": 3})
    rows = [{"file": str(prompts), "line": 1, "record": recs[0], "rejected": "大阪です。"},
            {"file": str(prompts), "line": 2, "record": recs[1], "rejected": "  "},
            {"file": str(prompts), "line": 3, "record": recs[2], "rejected": "3つ です"}]   # same after NFKC
    chunk_path(tmp_path, 0).parent.mkdir()
    chunk_path(tmp_path, 0).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    ctx = TaskContext("dpo-data", "merge", tmp_path, 0, 1, load_cluster("local"))
    with pytest.raises(RuntimeError, match=r"chunks \[0\] .* are not done"):
        merge(cfg, ctx)                 # the chunk's file alone is not enough: its task's marker is
    fileio.write_marker(tmp_path, "generate", 0, {"chunk": 0}, fileio.config_digest(to_dict(cfg)))
    counts = merge(cfg, ctx)
    assert counts == {"read": 3, "bad_input": 0, "generated": 3, "empty_rejected": 1, "identical": 1, "kept": 1}
    assert [json.loads(x) for x in (tmp_path / "pairs.jsonl").read_text().splitlines()] == [
        {"prompt": "質問0", "chosen": "東京です。", "rejected": "大阪です。"}]


def test_bad_dpo_pairs_reported(tmp_path):
    from jiniac_hpc.posttrain.encode import DataError, load_tokenizer
    from jiniac_hpc.posttrain.pairs import build_dpo_dataset
    from jiniac_hpc.posttrain.templates import ChatFormat
    from jiniac_hpc.train.dpo_config import DPODataSection

    tok = load_tokenizer(str(debug_assets.cached("llama")), "auto", ChatFormat())
    f = tmp_path / "pairs.jsonl"
    f.write_text("\n".join([
        json.dumps({"prompt": "こんにちは", "chosen": "こんにちは。", "rejected": "は？"}, ensure_ascii=False),
        json.dumps({"prompt": "こんにちは", "chosen": "こんにちは。"}, ensure_ascii=False),
        json.dumps({"prompt": "こんにちは", "chosen": "同じ", "rejected": "同じ"}, ensure_ascii=False),
        json.dumps({"prompt": "長い" * 200, "chosen": "a", "rejected": "b"}, ensure_ascii=False),
        json.dumps({"messages": [{"role": "user", "content": "やあ"}], "chosen": "どうも。", "rejected": ""},
                   ensure_ascii=False),
        json.dumps({"messages": [{"role": "user", "content": "やあ"}], "chosen": "どうも。", "rejected": "ん"},
                   ensure_ascii=False),
    ]) + "\n")
    cfg = from_dict(DPODataSection, {"path": str(f), "max_length": 128, "max_bad_fraction": 0.9})
    train, _, report = build_dpo_dataset(cfg, tok, tmp_path)
    reasons = {b["line"]: b["reason"] for b in report["bad_records"]}
    assert sorted(reasons) == [2, 3, 4, 5] and len(train) == 2
    assert reasons[2] == "missing field 'rejected'" and "identical" in reasons[3]
    assert reasons[4].startswith("prompt longer than max_length") and reasons[5].startswith("empty response")
    # prompt_style 'instruction' (the default) frames every prompt in the llm-jp template, a
    # one-turn "messages" prompt too, as the SFT model saw them; 'chat' frames them all as turns.
    plain = {r["prompt"].split("### 指示:\n")[1].split("\n")[0]: r for r in train}
    assert not any("<|assistant|>" in r["prompt"] for r in train)
    assert plain["こんにちは"]["chosen"] == "こんにちは。</s>"
    assert (plain["やあ"]["chosen"], plain["やあ"]["rejected"]) == ("どうも。</s>", "ん</s>")
    chat_cfg = from_dict(DPODataSection, {"path": str(f), "max_length": 128, "max_bad_fraction": 0.9,
                                          "prompt_style": "chat"})
    chat = build_dpo_dataset(chat_cfg, tok, None)[0]
    assert len(chat) == 2 and all(r["prompt"].startswith("<s><|user|>\n") for r in chat)
    turn = [r for r in chat if r["prompt"].startswith("<s><|user|>\nやあ<|end|>\n<|assistant|>\n")][0]
    assert turn["chosen"] == "どうも。<|end|></s>" and turn["rejected"] == "ん<|end|></s>"
    with pytest.raises(DataError, match=rf"{f}:2: missing field 'rejected'"):
        build_dpo_dataset(from_dict(DPODataSection, {"path": str(f), "max_length": 128, "on_bad_record": "error"}),
                          tok, None)


def test_markers_decide_completion_for_launcher_and_pipeline(logs_dir):
    """dpo-data's plan leaves ``done`` to the executor's markers: the pipeline sees the stage
    complete exactly when every task has a marker for this config, a changed config reruns it."""
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.pipeline.config import StageRef
    from jiniac_hpc.pipeline.run import stage_complete
    from jiniac_hpc.train.dpo_config import DPODataConfig
    from jiniac_hpc.train.dpo_data import plan

    over = [f"model_path={debug_assets.cached('auto')}"]
    cfg = load_recipe("dpo-data", DPODataConfig, "debug", over)
    run = logs_dir / "dpo-data" / "debug"
    steps = plan(cfg, run)
    assert [(s.name, s.tasks, s.done) for s in steps] == [("generate", 3, []), ("merge", 1, [])]
    digest = fileio.config_digest(to_dict(cfg))
    ref = StageRef(stage="dpo-data", recipe="debug", overrides=over)
    for step, task in [("generate", 0), ("generate", 1), ("generate", 2), ("merge", 0)]:
        assert not stage_complete(ref)
        fileio.write_marker(run, step, task, {}, digest)
    assert stage_complete(ref)
    assert not stage_complete(StageRef(stage="dpo-data", recipe="debug", overrides=over + ["chunk_size=2"]))
