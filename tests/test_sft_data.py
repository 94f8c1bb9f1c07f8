"""SFT data: chat template round trip, response-only labels, bad-data reports, mixture, math format.

    pytest tests/test_sft_data.py

In-process (no Trainer): a tokenizer trained on JSQuAD contexts with the project's special-token
layout (jiniac_hpc.posttrain.debug_assets) and the fixtures in tests/assets/posttrain/.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiniac_hpc.config import ConfigError, from_dict
from jiniac_hpc.posttrain import debug_assets
from jiniac_hpc.posttrain.mathfmt import MathError, MathFormatConfig, effect, evaluate, format_record, parse_answer
from jiniac_hpc.posttrain.records import Example
from jiniac_hpc.posttrain.templates import ChatFormat, parse_chat, render_instruction
from jiniac_hpc.train.sft_config import SFTDataConfig

ASSETS = Path(__file__).parent / "assets" / "posttrain"
IGNORE = -100


@pytest.fixture(scope="module")
def tok():
    from jiniac_hpc.posttrain.encode import load_tokenizer

    return load_tokenizer(str(debug_assets.cached("llama")), "auto", ChatFormat())


def data_cfg(**kw) -> SFTDataConfig:
    base = {"sources": [{"path": str(ASSETS / "instructions.jsonl")}], "max_length": 256}
    base.update(kw)
    return from_dict(SFTDataConfig, base)


def test_special_tokens_and_chat_template_round_trip(tok):
    # The project layout: <unk>=0 <s>=1 </s>=2 <pad>=3, then the chat markers, each one token.
    assert tok.convert_ids_to_tokens([0, 1, 2, 3]) == ["<unk>", "<s>", "</s>", "<pad>"]
    assert (tok.bos_token_id, tok.eos_token_id, tok.pad_token_id) == (1, 2, 3)
    for m in ChatFormat().markers:
        ids = tok(m, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1 and tok.convert_ids_to_tokens(ids) == [m]
    for line in (ASSETS / "chat.jsonl").read_text().splitlines():
        msgs = json.loads(line)["messages"]
        text = tok.apply_chat_template(msgs, tokenize=False)
        assert parse_chat(text, ChatFormat(), tok.eos_token) == msgs       # template <-> messages
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert tok.decode(ids) == text                                      # text <-> tokens
        gen = tok.apply_chat_template(msgs[:-1], tokenize=False, add_generation_prompt=True)
        assert text.startswith(gen) and gen.endswith("<|assistant|>\n")


def _loss_text(tok, enc) -> str:
    return tok.decode([t for t, l in zip(enc["input_ids"], enc["labels"]) if l != IGNORE])


def test_only_response_tokens_carry_loss(tok):
    from jiniac_hpc.posttrain.encode import build_sft_dataset

    cfg = data_cfg(sources=[{"path": str(ASSETS / f), "format": fmt} for f, fmt in
                            [("instructions.jsonl", "instruction"), ("chat.jsonl", "chat"),
                             ("prompt_completion.jsonl", "prompt_completion")]])
    train, _, report = build_sft_dataset(cfg, tok, None)
    assert len(train) == 20 + 6 + 6 and report["bad_records"] == []
    expected = set()
    for line in (ASSETS / "instructions.jsonl").read_text().splitlines():
        expected.add(json.loads(line)["output"] + "</s>")
    for line in (ASSETS / "prompt_completion.jsonl").read_text().splitlines():
        expected.add(json.loads(line)["completion"] + "</s>")
    for line in (ASSETS / "chat.jsonl").read_text().splitlines():
        expected.add("".join(m["content"] + "<|end|></s>" for m in json.loads(line)["messages"]
                             if m["role"] == "assistant"))
    got = {_loss_text(tok, row) for row in train}
    assert got == expected
    for row in train:
        assert row["input_ids"][0] == tok.bos_token_id and row["labels"][0] == IGNORE
        first = next(i for i, l in enumerate(row["labels"]) if l != IGNORE)
        assert all(l == IGNORE for l in row["labels"][:first]) and first > 3   # the prompt carries none

    # Multi-turn chat: the mask agrees with HF's own {% generation %} assistant mask.
    msgs = json.loads((ASSETS / "chat.jsonl").read_text().splitlines()[2])["messages"]
    from jiniac_hpc.posttrain.encode import encode

    enc = encode(tok, Example("s", "f", 1, messages=msgs), max_length=256, add_bos=False)
    hf = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    assert enc["input_ids"] == hf["input_ids"]
    assert [int(l != IGNORE) for l in enc["labels"]] == hf["assistant_masks"]

    # TRL's collator keeps our labels and pads them with -100.
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    batch = DataCollatorForLanguageModeling(pad_token_id=tok.pad_token_id)([train[0], train[1]])
    for i in range(2):
        n = len(train[i]["input_ids"])
        assert batch["labels"][i, :n].tolist() == train[i]["labels"]
        assert (batch["labels"][i, n:] == IGNORE).all() and (batch["attention_mask"][i, n:] == 0).all()


def test_bad_records_reported_with_file_and_line(tok, tmp_path):
    from jiniac_hpc.posttrain.encode import DataError, build_sft_dataset

    bad_file = ASSETS / "bad.jsonl"
    cfg = data_cfg(sources=[{"path": str(bad_file)}], max_length=128, max_bad_fraction=0.9)
    train, _, report = build_sft_dataset(cfg, tok, tmp_path)            # skip: never crashes
    assert len(train) == 2                                              # lines 1 and 8
    reasons = {b["line"]: b["reason"] for b in report["bad_records"]}
    assert all(b["file"] == str(bad_file) for b in report["bad_records"])
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7]
    assert reasons[2] == "missing field 'output'"
    assert reasons[3].startswith("empty response")
    assert reasons[4].startswith("invalid JSON")
    assert reasons[5].startswith("prompt longer than max_length")
    assert "last message must be the assistant" in reasons[6]
    assert "gives 36" in reasons[7]
    on_disk = json.loads((tmp_path / "data_report.json").read_text())
    assert on_disk["sources"]["bad"] == {"path": str(bad_file), "read": 8, "bad": 6, "left_out": {}, "kept": 2,
                                        "truncated": 0, "truncated_tokens": 0, "used": 2}

    with pytest.raises(DataError, match=rf"{bad_file}:2: missing field 'output'"):
        build_sft_dataset(data_cfg(sources=[{"path": str(bad_file)}], max_length=128, on_bad_record="error"),
                          tok, None)
    with pytest.raises(DataError, match="more than data.max_bad_fraction"):
        build_sft_dataset(data_cfg(sources=[{"path": str(bad_file)}], max_length=128, max_bad_fraction=0.5),
                          tok, None)


def test_mixture_weights():
    from jiniac_hpc.posttrain.encode import mix

    a, b = [("a", i) for i in range(10)], [("b", i) for i in range(4)]
    out, used = mix([("a", 0.5, a), ("b", 2.5, b)], seed=1)
    assert used == {"a": 5, "b": 10}
    assert len(out) == 15 and len(set(x for x in out if x[0] == "a")) == 5       # half of a, no repeats
    assert sorted(x[1] for x in out if x[0] == "b").count(0) >= 2                 # b twice + a random half
    assert mix([("a", 0.5, a), ("b", 2.5, b)], seed=1)[0] == out                  # deterministic
    assert mix([("a", 0.5, a), ("b", 2.5, b)], seed=2)[0] != out


def test_math_format_working_and_effect(tmp_path):
    cfg = MathFormatConfig()
    recs = [json.loads(x) for x in (ASSETS / "math_levels.jsonl").read_text().splitlines()]
    assert sorted({r["level"] for r in recs}) == list(range(7))
    for r in recs:
        ins, out = format_record(r, cfg)
        lines = out.split("\n")
        assert lines[-1].replace(" ", "") == "答え:" + str(r["answer"]).replace(",", "")
        for step in lines[:-1]:                      # every working line is a true equation
            lhs, rhs = step.replace(" ", "").split("=")
            assert evaluate(lhs, MathFormatConfig())[0] == parse_answer(rhs), step
        assert not any(c in ins + out for c in "０１２３４５６７８９，＋－")  # widths normalised
    ins, out = format_record({"question": "３４８×２７ を計算してください。", "answer": "9,396"}, cfg)
    assert ins == "348 × 27 を計算してください。"
    assert out.split("\n") == ["348 × 7 = 2436", "348 × 20 = 6960", "2436 + 6960 = 9396", "答え: 9396"]
    ins, out = format_record({"question": "348 × 27 は？", "answer": "9396"}, MathFormatConfig(digits="split"))
    assert ins == "3 4 8 × 2 7 は？" and out.split("\n")[-1] == "答え: 9 3 9 6"
    with pytest.raises(MathError, match="gives 36"):
        format_record({"question": "12 × 3 は？", "answer": "35"}, cfg)
    with pytest.raises(MathError, match="no arithmetic expression"):
        format_record({"question": "こんにちは", "answer": "1"}, cfg)

    # Documented effect: with a tokenizer that merges digits, split digits make every number
    # token a single digit (place value explicit); without splitting, numbers merge.
    from transformers import AutoTokenizer

    debug_assets.build_tokenizer(tmp_path / "merging", vocab_size=2000, split_digits=False)
    merging = AutoTokenizer.from_pretrained(str(tmp_path / "merging"))
    split = effect(merging, recs, MathFormatConfig(digits="split"), render_instruction)
    plain = effect(merging, recs, MathFormatConfig(digits="plain", steps=False), render_instruction)
    print("\n".join(split + plain))
    share = lambda rows, col: [float(r.split()[col]) for r in rows[1:]]  # noqa: E731
    assert all(x == 1.0 for x in share(split, 9))          # formatted, digits=split: 100% single-digit
    assert all(x < 1.0 for x in share(split, 5)[1:])      # raw LV1-6: some number tokens hold 2+ digits
    assert all(x < 1.0 for x in share(plain, 9)[1:])      # plain formatting does not split them
    # The project-style tokenizer (split_digits) already gives one token a digit: plain suffices.
    splitting = AutoTokenizer.from_pretrained(str(debug_assets.cached("llama")))
    assert all(x == 1.0 for x in share(effect(splitting, recs, MathFormatConfig(), render_instruction), 9))


def test_sft_plan_names_missing_inputs(logs_dir):
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.train.sft import plan
    from jiniac_hpc.train.sft_config import SFTConfig

    cfg = load_recipe("sft", SFTConfig, "debug")
    with pytest.raises(ConfigError, match=r"model_path: logs/pretrain/debug/checkpoints/latest .*launch\('pretrain', 'debug'\) first"):
        plan(cfg, logs_dir / "sft" / "debug")
    model = debug_assets.cached("llama")
    cfg = load_recipe("sft", SFTConfig, "debug", [f"model_path={model}", "tokenizer_path=null",
                                                  "data.sources=[{path: tests/assets/posttrain/nope.jsonl}]"])
    with pytest.raises(ConfigError, match=r"data.sources\[0\].path: tests/assets/posttrain/nope.jsonl"):
        plan(cfg, logs_dir / "sft" / "debug")
    cfg = load_recipe("sft", SFTConfig, "debug", [f"model_path={model}", "tokenizer_path=logs/tokenizer/x/hf"])
    with pytest.raises(ConfigError, match="tokenizer_path: logs/tokenizer/x/hf is not an HF tokenizer folder"):
        plan(cfg, logs_dir / "sft" / "debug")
    # A pretraining checkpoints/ folder resolves through its `latest` pointer.
    from jiniac_hpc.train.finetune import resolve_model_path

    root = logs_dir / "pretrain" / "debug" / "checkpoints"
    (root / "step-00000004").mkdir(parents=True)
    (root / "step-00000004" / "config.json").write_text("{}")
    (root / "latest").write_text("step-00000004\n")
    assert resolve_model_path("logs/pretrain/debug/checkpoints/latest") == root / "step-00000004"


def test_sft_plan_refuses_a_tokenizer_with_more_ids_than_the_model(logs_dir):
    """A user's own HF tokenizer (torchtitan's real test tokenizer, 2,020 ids, its eos <|end_of_text|>
    id 2003) given to a 2,000-row model: the plan accepted it, and the job would have loaded all and
    failed at the first id past the embedding (the eos after every example); it is now refused,
    naming the folder and the model's vocab_size. The model's own tokenizer passes."""
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.train.sft import plan
    from jiniac_hpc.train.sft_config import SFTConfig

    model = debug_assets.cached("llama")
    outside = "tests/assets/corpus/real/torchtitan_hf_tokenizer"
    cfg = load_recipe("sft", SFTConfig, "debug", [f"model_path={model}", f"tokenizer_path={outside}"])
    with pytest.raises(ConfigError, match=r"tokenizer_path: .*torchtitan_hf_tokenizer has 2020 token ids, more than "
                                          r"the 2000 rows of the model's embedding \(.*config.json vocab_size\)"):
        plan(cfg, logs_dir / "sft" / "debug")
    from jiniac_hpc.tokenizer.folder import token_ids

    assert token_ids(model) == 2000
    plan(load_recipe("sft", SFTConfig, "debug", [f"model_path={model}", "tokenizer_path=null"]), logs_dir / "sft" / "x")


@pytest.mark.parametrize("stage,name", [(s, n) for s in ("sft", "dpo", "dpo-data") for n in ("debug", "tiny", "jiniac-5b")])
def test_recipes_load(stage, name):
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.stages import config_class, get_stage

    cfg = load_recipe(stage, config_class(get_stage(stage)), name)
    assert cfg.model_path.startswith("logs/")
    if stage == "dpo":
        assert cfg.beta == 0.5 and cfg.lora.enabled and cfg.lora.target_modules == "all-linear"
    if stage == "sft" and name == "jiniac-5b":
        assert cfg.train.epochs == 4 and cfg.train.save_steps == 100 and not cfg.lora.enabled


def test_tokenizer_own_chat_template_is_used(tok):
    """``chat_template: auto`` keeps a tokenizer's own template (the project tokenizer ships one that
    writes bos itself and a newline after eos); loss spans and DPO answers still end at eos, and
    bos appears once."""
    from transformers import AutoTokenizer

    from jiniac_hpc.posttrain.encode import encode
    from jiniac_hpc.posttrain.pairs import answer_text, render_prompt

    own = ("{{- bos_token -}}{%- for m in messages -%}{{- '<|' + m['role'] + '|>\\n' + m['content'] + '<|end|>' -}}"
           "{%- if m['role'] == 'assistant' -%}{{- eos_token -}}{%- endif -%}{{- '\\n' -}}{%- endfor -%}"
           "{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- endif -%}")
    t = AutoTokenizer.from_pretrained(str(debug_assets.cached("llama")))
    t.chat_template = own
    from jiniac_hpc.posttrain.encode import install_chat_template

    install_chat_template(t, "auto", ChatFormat())
    assert t.chat_template == own
    msgs = json.loads((ASSETS / "chat.jsonl").read_text().splitlines()[2])["messages"]
    enc = encode(t, Example("s", "f", 1, messages=msgs), max_length=256, add_bos=True)
    assert enc["input_ids"].count(t.bos_token_id) == 1
    assert _loss_text(t, enc) == "浅草寺はいかがでしょうか。<|end|></s>東京都台東区にあります。<|end|></s>"
    ex = Example("s", "f", 1, messages=msgs[:1])
    prompt = render_prompt(t, ex, True)
    assert prompt == "<s><|user|>\n東京の名所を一つ教えて。<|end|>\n<|assistant|>\n"
    assert answer_text(t, ex, "浅草寺です。") == "浅草寺です。<|end|></s>"
