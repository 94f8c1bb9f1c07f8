"""SFT and DPO readers on real public data files in their native layouts.

    pytest tests/test_posttrain_real.py

The samples under tests/assets/posttrain/real/ are copied byte for byte (or trimmed at a record
boundary) from public repositories; SOURCES.md names each. Every record must come out with its
text unchanged (no turn, system prompt or empty input lost) or be reported with file and line.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiniac_hpc.posttrain import debug_assets
from jiniac_hpc.posttrain.records import read_examples, read_pairs
from jiniac_hpc.posttrain.templates import ChatFormat, render_instruction

REAL = Path(__file__).parent / "assets" / "posttrain" / "real"
MARKERS = ChatFormat().markers
SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "system": "system"}


@pytest.fixture(scope="module")
def tok():
    from jiniac_hpc.posttrain.encode import load_tokenizer

    return load_tokenizer(str(debug_assets.cached("llama")), "auto", ChatFormat())


def _array(name: str) -> list:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def _starts(name: str) -> list[int]:
    """Lines where the top-level array elements start (2-space indent, as the files are written)."""
    return [i for i, l in enumerate((REAL / name).read_text(encoding="utf-8").splitlines(), 1) if l == "  {"]


def _turns(conv: list) -> list[dict]:
    return [{"role": SHAREGPT_ROLES[t["from"]], "content": t["value"]} for t in conv]


def test_alpaca_json_array_every_record_with_its_line():
    # LLaMA-Factory's alpaca_en_demo.json: one pretty-printed JSON array; empty and filled "input".
    rows = _array("alpaca_en_demo.json")
    good, bad = read_examples(str(REAL / "alpaca_en_demo.json"), "auto", "alpaca", markers=MARKERS)
    assert bad == [] and len(good) == len(rows) == 6
    assert [e.line for e in good] == _starts("alpaca_en_demo.json")
    for ex, r in zip(good, rows):
        assert ex.prompt == render_instruction(r["instruction"], r["input"]) and ex.completion == r["output"]
    assert any(r["input"] for r in rows) and any(not r["input"] for r in rows)


def test_sharegpt_conversations_become_chat_with_every_turn(tok):
    from jiniac_hpc.posttrain.encode import encode

    rows = _array("fastchat_dummy_conversation.json")
    good, bad = read_examples(str(REAL / "fastchat_dummy_conversation.json"), "auto", "fc", markers=MARKERS)
    assert bad == [] and len(good) == len(rows) == 4
    assert [e.line for e in good] == _starts("fastchat_dummy_conversation.json")
    for ex, r in zip(good, rows):
        assert ex.messages == _turns(r["conversations"])
        enc = encode(tok, ex, max_length=4096, add_bos=False)
        text = tok.decode(enc["input_ids"])
        for t in r["conversations"]:
            assert t["value"] in text
        loss = tok.decode([t for t, l in zip(enc["input_ids"], enc["labels"]) if l != -100])
        assert loss == "".join(t["value"] + "<|end|></s>" for t in r["conversations"] if t["from"] == "gpt")
    # The explicit format key reads the same file the same way.
    again, _ = read_examples(str(REAL / "fastchat_dummy_conversation.json"), "sharegpt", "fc", markers=MARKERS)
    assert [e.messages for e in again] == [e.messages for e in good]


def test_openai_messages_with_system_turns():
    # OpenAI cookbook's toy chat file: system turns kept; a record with no user turn is named.
    good, bad = read_examples(str(REAL / "openai_toy_chat_fine_tuning.jsonl"), "auto", "oa", markers=MARKERS)
    rows = [json.loads(l) for l in (REAL / "openai_toy_chat_fine_tuning.jsonl").read_text().splitlines()]
    assert [e.line for e in good] == [1, 2, 3]
    for ex in good:
        assert ex.messages == rows[ex.line - 1]["messages"]
    assert [(b.line, b.reason) for b in bad] == [
        (4, "the conversation must start with a user turn (after an optional system turn)")]


def test_sharegpt_preference_pairs_keep_system_and_history(tok):
    # LLaMA-Factory's dpo_en_demo.json: conversations + chosen/rejected {from, value} turns.
    from jiniac_hpc.posttrain.pairs import answer_text, render_prompt

    rows = _array("dpo_en_demo.json")
    good, bad = read_pairs(str(REAL / "dpo_en_demo.json"), "chat")
    assert bad == [] and len(good) == len(rows) == 6
    assert [e.line for e in good] == _starts("dpo_en_demo.json")
    assert any(r["conversations"][0]["from"] == "system" for r in rows)
    assert any(len(r["conversations"]) > 1 and r["conversations"][0]["from"] == "human" for r in rows)
    for ex, r in zip(good, rows):
        assert ex.messages == _turns(r["conversations"])
        assert ex.completion == r["chosen"]["value"] and ex.meta["rejected"] == r["rejected"]["value"]
        prompt = render_prompt(tok, ex, add_bos=False)
        for t in r["conversations"]:
            assert t["value"] in prompt
        assert answer_text(tok, ex, ex.meta["rejected"]) == r["rejected"]["value"] + "<|end|></s>"


def test_dolly_context_is_the_input():
    # databricks-dolly-15k.jsonl: instruction / context (often empty) / response / category.
    path = REAL / "databricks_dolly_15k.jsonl"
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]
    good, bad = read_examples(str(path), "auto", "dolly", markers=MARKERS)
    assert bad == [] and len(good) == len(rows) == 4
    for ex, r in zip(good, rows):
        assert ex.prompt == render_instruction(r["instruction"], r["context"]) and ex.completion == r["response"]
    assert "### 入力:\n" + rows[0]["context"] + "\n" in good[0].prompt and "### 入力" not in good[1].prompt
    assert [e.prompt for e in read_examples(str(path), "dolly", "d", markers=MARKERS)[0]] == [e.prompt for e in good]


def test_tool_call_turns_are_named_not_dropped():
    # LLaMA-Factory's glaive_toolcall_en_demo.json: function_call / observation turns and a
    # "tools" column; such a record is reported, the plain ones (tools "[]") are kept whole.
    rows = _array("glaive_toolcall_en_demo.json")
    good, bad = read_examples(str(REAL / "glaive_toolcall_en_demo.json"), "auto", "g", markers=MARKERS)
    starts = _starts("glaive_toolcall_en_demo.json")
    assert [(b.line, b.reason) for b in bad] == [
        (starts[0], "field 'tools' holds tool definitions, which the chat template cannot render")]
    assert [e.line for e in good] == starts[1:]
    for ex, r in zip(good, rows[1:]):
        assert ex.messages == _turns(r["conversations"])
    del rows[0]["tools"]
    from jiniac_hpc.posttrain.records import to_example

    why = to_example(rows[0], "auto", "f", 2, "g", markers=MARKERS)
    assert "conversations[3].from is 'function_call'" in why.reason


def test_ultrafeedback_binarized_answers_as_messages(tok):
    # HuggingFaceH4/ultrafeedback_binarized train_prefs row 0 as one JSON object: "prompt" a
    # string, "chosen"/"rejected" whole conversations, "messages" the chosen conversation.
    from jiniac_hpc.posttrain.pairs import answer_text, render_prompt

    path = REAL / "ultrafeedback_binarized_row0.json"
    row = json.loads(path.read_text(encoding="utf-8"))
    good, bad = read_pairs(str(path), "chat")
    assert bad == [] and len(good) == 1 and good[0].line == 1
    ex = good[0]
    assert ex.messages == [{"role": "user", "content": row["prompt"]}]
    assert ex.completion == row["chosen"][1]["content"] and ex.meta["rejected"] == row["rejected"][1]["content"]
    prompt = render_prompt(tok, ex, add_bos=False)
    assert prompt == "<|user|>\n" + row["prompt"] + "<|end|>\n<|assistant|>\n"
    assert answer_text(tok, ex, ex.completion) == row["chosen"][1]["content"] + "<|end|></s>"
    # With a string prompt style the answers still come out of the message lists.
    inst, _ = read_pairs(str(path), "instruction")
    assert inst[0].completion == ex.completion


def test_a_file_not_in_utf8_is_named_per_line_not_read_as_replacement_characters():
    # LLaMA-Factory's alpaca_zh_demo records saved as GB18030 (as a Windows tool exports them):
    # each line is a bad record saying to save as UTF-8, never text full of U+FFFD.
    path = REAL / "alpaca_zh_demo_gb18030.jsonl"
    good, bad = read_examples(str(path), "auto", "zh", markers=MARKERS)
    assert good == [] and [b.line for b in bad] == [1, 2, 3]
    assert all("not UTF-8" in b.reason and "save the file as UTF-8" in b.reason for b in bad)


def test_dpo_data_counts_records_of_a_json_array_not_lines():
    # The dpo-data array is sized by count_rows; a pretty-printed array spans many lines a record.
    from jiniac_hpc.train.dpo_data import count_rows

    assert count_rows([REAL / "dpo_en_demo.json"]) == len(_array("dpo_en_demo.json")) == 6
    assert count_rows([REAL / "openai_toy_chat_fine_tuning.jsonl"]) == 4


def _tok_with(template: str):
    from jiniac_hpc.posttrain.encode import load_tokenizer

    return load_tokenizer(str(debug_assets.cached("llama")), str(REAL / template), ChatFormat())


def test_a_template_that_refuses_system_turns_gives_bad_records_not_a_crash(tmp_path):
    # Mistral-7B-Instruct-v0.2's template raise_exception()s on a system turn; the OpenAI file's
    # records 1-2 have one. The run reports them by line and trains on record 3.
    from jiniac_hpc.config import from_dict
    from jiniac_hpc.posttrain.encode import build_sft_dataset
    from jiniac_hpc.train.sft_config import SFTDataConfig

    tok = _tok_with("mistral_7b_instruct_v0.2.jinja")
    cfg = from_dict(SFTDataConfig, {"sources": [{"path": str(REAL / "openai_toy_chat_fine_tuning.jsonl")}],
                                    "max_length": 512, "max_bad_fraction": 1.0})
    train, _, report = build_sft_dataset(cfg, tok, tmp_path)
    assert len(train) == 1
    bad = {b["line"]: b["reason"] for b in report["bad_records"]}
    assert sorted(bad) == [1, 2, 4]
    assert bad[1].startswith(f"chat template {REAL / 'mistral_7b_instruct_v0.2.jinja'} refuses this conversation "
                             "(Conversation roles must alternate")
    assert json.loads((tmp_path / "data_report.json").read_text())["sources"]["openai_toy_chat_fine_tuning"][
        "kept"] == 1


def test_a_template_that_drops_system_turns_is_caught(tmp_path):
    # Phi-3-mini's original template renders no system turn: those records would train
    # without their system prompt. SFT and DPO both report them by line.
    from jiniac_hpc.posttrain.encode import encode
    from jiniac_hpc.posttrain.pairs import render_prompt

    tok = _tok_with("phi3_mini.jinja")
    good, _ = read_examples(str(REAL / "openai_toy_chat_fine_tuning.jsonl"), "auto", "oa", markers=MARKERS)
    why = {ex.line: encode(tok, ex, max_length=512, add_bos=True) for ex in good}
    assert why[1] == why[2] == (f"chat template {REAL / 'phi3_mini.jinja'} drops or rewrites messages[0] (system); "
                                "use chat_template: builtin or a template that renders every turn")
    assert isinstance(why[3], dict)
    pairs, _ = read_pairs(str(REAL / "dpo_en_demo.json"), "chat")
    with pytest.raises(ValueError, match=r"drops or rewrites messages\[0\] \(system\)"):
        render_prompt(tok, pairs[1], add_bos=True)
    assert "Angela" in render_prompt(tok, pairs[0], add_bos=True)


def test_gzipped_jsonl_is_read(tmp_path):
    # Hub exports ship .jsonl.gz (HH-RLHF); a gzip file was read as lines of compressed bytes.
    plain, _ = read_examples(str(REAL / "databricks_dolly_15k.jsonl"), "auto", "d", markers=MARKERS)
    gz, bad = read_examples(str(REAL / "databricks_dolly_15k.jsonl.gz"), "auto", "d", markers=MARKERS)
    assert bad == [] and [(e.line, e.prompt, e.completion) for e in gz] == [(e.line, e.prompt, e.completion)
                                                                            for e in plain]
    # the same rows bzip2- and xz-compressed, in a folder beside the plain file: each file read once
    import bz2
    import lzma

    (tmp_path / "d").mkdir()
    for name, pack in (("a.jsonl.bz2", bz2.compress), ("b.jsonl.xz", lzma.compress)):
        (tmp_path / "d" / name).write_bytes(pack((REAL / "databricks_dolly_15k.jsonl").read_bytes()))
    both, bad = read_examples(str(tmp_path / "d"), "auto", "d", markers=MARKERS)
    assert bad == [] and [(e.prompt, e.completion) for e in both] == [(e.prompt, e.completion) for e in plain] * 2


def test_llm_jp_sft_text_rows_split_at_the_response_line(tok):
    # llm-jp-sft's data/example.jsonl: {"text"} already in the llm-jp template; the answer after
    # "### 応答:\n" carries the loss, and the trained text is the row's text, unchanged, plus eos.
    from jiniac_hpc.posttrain.encode import encode

    path = REAL / "llm_jp_sft_example.jsonl"
    rows = [json.loads(l)["text"] for l in path.read_text(encoding="utf-8").splitlines()]
    good, bad = read_examples(str(path), "auto", "llmjp", markers=MARKERS)
    assert bad == [] and len(good) == len(rows) == 15
    for ex, text in zip(good, rows):
        assert ex.prompt + ex.completion == text and ex.prompt.endswith("### 応答:\n")
        enc = encode(tok, ex, max_length=512, add_bos=False)
        assert tok.decode(enc["input_ids"]) == text + "</s>"
        assert tok.decode([t for t, l in zip(enc["input_ids"], enc["labels"]) if l != -100]) == ex.completion + "</s>"
    assert good[0].prompt == render_instruction("日本で一番高い山は？") and good[0].completion == "富士山"


def test_openai_weight_zero_turns_carry_no_loss_and_a_bom_is_not_a_bad_line(tok):
    # The Azure OpenAI fine-tuning page's multi-turn example (saved, as that page requires, as
    # UTF-8 with a byte-order mark): "weight": 0 answers stay in the text but are not trained on.
    from jiniac_hpc.posttrain.encode import encode

    path = REAL / "azure_openai_weight_bom.jsonl"
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8-sig").splitlines()]
    good, bad = read_examples(str(path), "auto", "az", markers=MARKERS)
    assert bad == [] and [e.line for e in good] == [1, 2, 3]
    for ex, r in zip(good, rows):
        enc = encode(tok, ex, max_length=512, add_bos=False)
        text = tok.decode(enc["input_ids"])
        assert all(m["content"] in text for m in r["messages"])
        loss = tok.decode([t for t, l in zip(enc["input_ids"], enc["labels"]) if l != -100])
        assert loss == "".join(m["content"] + "<|end|></s>" for m in r["messages"]
                               if m["role"] == "assistant" and m["weight"] == 1)


def test_weight_read_back_from_a_datasets_folder(tmp_path):
    # save_to_disk fills "weight": None into the turns that lack it; None means "no weight".
    import datasets

    path = REAL / "azure_openai_weight_bom.jsonl"
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8-sig").splitlines()]
    datasets.Dataset.from_list(rows).save_to_disk(str(tmp_path / "ds"))
    good, bad = read_examples(str(tmp_path / "ds"), "auto", "az", markers=MARKERS)
    assert bad == [] and [m.get("weight") for m in good[0].messages] == [None, None, 0, None, 1]


def test_examples_cut_at_max_length_are_counted(tok, tmp_path):
    # alpaca_en_demo's answers run to 1,600 tokens: with max_length 300 they keep their start and
    # are counted as cut (a prompt that alone reaches 300 tokens is a bad record instead).
    from jiniac_hpc.config import from_dict
    from jiniac_hpc.posttrain.encode import build_sft_dataset
    from jiniac_hpc.train.sft_config import SFTDataConfig

    n = lambda text: len(tok(text, add_special_tokens=False)["input_ids"]) + 1  # noqa: E731  (+ bos)
    sizes = [(n(render_instruction(r["instruction"], r["input"])),
              n(render_instruction(r["instruction"], r["input"]) + r["output"] + "</s>"))
             for r in _array("alpaca_en_demo.json")]
    cut = sum(p < 300 < t for p, t in sizes)
    cfg = from_dict(SFTDataConfig, {"sources": [{"path": str(REAL / "alpaca_en_demo.json")}], "max_length": 300})
    train, _, report = build_sft_dataset(cfg, tok, tmp_path)
    src = report["sources"]["alpaca_en_demo"]
    assert cut >= 2 and src["truncated"] == cut and src["kept"] == len(train) == sum(p < 300 for p, _ in sizes)
    assert src["truncated_tokens"] == sum(t - 300 for p, t in sizes if p < 300 < t)   # all past 300 is answer
    assert json.loads((tmp_path / "data_report.json").read_text())["sources"]["alpaca_en_demo"]["truncated"] == cut


def _hh_text(msgs: list) -> str:
    """Messages back to an HH-RLHF transcript (the check that no text was lost or changed)."""
    return "".join(f"\n\n{'Human' if m['role'] == 'user' else 'Assistant'}: {m['content']}" for m in msgs)


def test_hh_rlhf_transcripts_become_prompt_turns_and_answers(tok):
    # Anthropic hh-rlhf harmless-base/test.jsonl lines 1-3, 87, 668 and 1951: "chosen"/"rejected"
    # whole "\n\nHuman: ...\n\nAssistant: ..." transcripts, no prompt key. Line 87's chosen answer
    # is empty; line 1951's two transcripts differ before the answer; line 668 has two Assistant
    # turns in a row (kept as written).
    from jiniac_hpc.posttrain.pairs import answer_text, render_prompt

    path = REAL / "hh_rlhf_harmless_base_test.jsonl"
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]
    good, bad = read_pairs(str(path), "chat")
    assert [e.line for e in good] == [1, 2, 3, 5]
    assert [(b.line, b.reason) for b in bad] == [
        (4, "empty response: field 'chosen' is empty"),
        (6, "'chosen' and 'rejected' differ before their last turn (not the same prompt)")]
    for ex in good:
        r = rows[ex.line - 1]
        assert _hh_text(ex.messages) + "\n\nAssistant: " + ex.completion == r["chosen"]
        assert _hh_text(ex.messages) + "\n\nAssistant: " + ex.meta["rejected"] == r["rejected"]
        prompt = render_prompt(tok, ex, add_bos=False)
        assert prompt.startswith("<|user|>\n") and prompt.endswith("<|end|>\n<|assistant|>\n")
        assert answer_text(tok, ex, ex.completion) == ex.completion + "<|end|></s>"
    assert [m["role"] for m in good[3].messages][3:5] == ["assistant", "assistant"]
    # Given as an SFT source, a preference file says what it is (it was "cannot tell the format",
    # and LLaMA-Factory's pairs "the last message must be the assistant's").
    for name in ("hh_rlhf_harmless_base_test.jsonl", "dpo_en_demo.json"):
        sft, bad = read_examples(str(REAL / name), "auto", "x", markers=MARKERS)
        assert sft == [] and {b.reason for b in bad} == {
            "a preference pair (chosen/rejected) is DPO data: give it to the dpo stage's data.path; an SFT source "
            "holds one answer a prompt"}


def test_dpo_pairs_trl_will_cut_at_max_length_are_counted_with_the_tokens_cut(tok, tmp_path):
    # The HH-RLHF transcripts run to 1,400 tokens. With max_length 700, TRL's own tokenization and
    # preference collator (keep_start) drop answer tokens of two pairs; the report says how many
    # pairs and how many tokens, as TRL's completion masks count them. The pair whose prompt alone
    # passes 700 is a bad record, as TRL would drop it.
    from trl.trainer.dpo_trainer import DataCollatorForPreference

    from jiniac_hpc.config import from_dict
    from jiniac_hpc.posttrain.pairs import build_dpo_dataset
    from jiniac_hpc.train.dpo_config import DPODataSection

    cfg = from_dict(DPODataSection, {"path": str(REAL / "hh_rlhf_harmless_base_test.jsonl"), "prompt_style": "chat",
                                     "max_length": 700, "max_bad_fraction": 1.0})
    train, _, report = build_dpo_dataset(cfg, tok, tmp_path)
    assert sorted(b["line"] for b in report["bad_records"]) == [4, 5, 6] and len(train) == 3

    def trl_ids(r):  # TRL's tokenize_fn for string pairs: prompt, prompt+answer, completion after the prefix
        p = tok(r["prompt"])["input_ids"]
        return {"prompt_ids": p, "chosen_ids": tok(r["prompt"] + r["chosen"])["input_ids"][len(p):],
                "rejected_ids": tok(r["prompt"] + r["rejected"])["input_ids"][len(p):]}

    lost = {"chosen": [], "rejected": []}
    for r in train:
        ex = [trl_ids(r)]
        full = DataCollatorForPreference(pad_token_id=tok.pad_token_id)(ex)["completion_mask"].sum(dim=1)
        kept = DataCollatorForPreference(pad_token_id=tok.pad_token_id, max_length=700)(ex)["completion_mask"].sum(
            dim=1)
        c, rj = (full - kept).tolist()
        lost["chosen"].append(c)
        lost["rejected"].append(rj)
    assert sorted(zip(*lost.values())) == [(0, 0), (79, 185), (156, 1)]   # TRL's numbers (rows shuffled)
    assert report["truncated"] == sum(1 for c, rj in zip(*lost.values()) if c or rj) == 2
    assert report["truncated_tokens"] == {"chosen": sum(lost["chosen"]), "rejected": sum(lost["rejected"]),
                                          "max": max(lost["chosen"] + lost["rejected"])}
    assert json.loads((tmp_path / "data_report.json").read_text())["truncated"] == 2
    assert (report["read"], report["bad"], report["kept"]) == (6, 3, 3)   # 6 lines, each counted once


def test_dpo_bad_share_counts_each_record_once(tok):
    # A pair that fails after reading (prompt too long, template refusal) was counted as read a
    # second time, so the bad share looked smaller: 5 of the 6 hh-rlhf pairs bad at max_length 300
    # read as 5 of 9, under max_bad_fraction 0.6, and training went on with 1 pair.
    from jiniac_hpc.config import from_dict
    from jiniac_hpc.posttrain.encode import DataError
    from jiniac_hpc.posttrain.pairs import build_dpo_dataset
    from jiniac_hpc.train.dpo_config import DPODataSection

    cfg = from_dict(DPODataSection, {"path": str(REAL / "hh_rlhf_harmless_base_test.jsonl"), "prompt_style": "chat",
                                     "max_length": 300, "max_bad_fraction": 0.6})
    with pytest.raises(DataError, match=r"5 of 6 DPO records are bad, more than data.max_bad_fraction=0.6"):
        build_dpo_dataset(cfg, tok, None)


def test_openassistant_threads_become_chat():
    # oasst-data's README thread trains as it is (message rows and trees: test_posttrain_oasst_real.py).
    path = REAL / "oasst_export_examples.jsonl"
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]
    good, _ = read_examples(str(path), "auto", "oasst", markers=MARKERS)
    assert good[0].line == 2
    assert good[0].messages == [{"role": {"prompter": "user"}.get(m["role"], "assistant"), "content": m["text"]}
                                for m in rows[1]["thread"]]
    _, bad = read_pairs(str(path), "chat")
    assert [b.reason for b in bad if b.line == 2] == ["missing field 'prompt'"]


def test_openai_preference_rows_take_their_input_messages_as_the_prompt(tok):
    # The Azure OpenAI DPO page's example line: {"input": {"messages"}, "preferred_output",
    # "non_preferred_output"}; it was "missing field 'prompt'".
    from jiniac_hpc.posttrain.pairs import render_prompt

    path = REAL / "azure_openai_dpo_example.jsonl"
    row = json.loads(path.read_text(encoding="utf-8"))
    good, bad = read_pairs(str(path), "chat")
    assert bad == [] and len(good) == 1
    ex = good[0]
    assert ex.messages == row["input"]["messages"]
    assert ex.completion == row["preferred_output"][0]["content"]
    assert ex.meta["rejected"] == row["non_preferred_output"][0]["content"]
    assert render_prompt(tok, ex, add_bos=False).startswith("<|system|>\nYou are a chatbot assistant.")
    sft, bad = read_examples(str(path), "auto", "x", markers=MARKERS)
    assert sft == [] and bad[0].reason.startswith("a preference pair (chosen/rejected) is DPO data")


def test_no_pair_kept_that_trl_drops_for_its_prompt_length_with_a_tokenizer_adding_bos(tmp_path):
    # TRL drops, without a word, a pair whose prompt ids (tokenized with the special tokens) reach
    # max_length. The prompt was measured without them: with a tokenizer that puts bos first
    # itself, a prompt one token short by that count was kept, and TRL dropped it.
    from transformers import AutoTokenizer
    from trl.data_utils import common_prefix_length

    from jiniac_hpc.config import from_dict
    from jiniac_hpc.posttrain.encode import install_chat_template
    from jiniac_hpc.posttrain.pairs import build_dpo_dataset
    from jiniac_hpc.train.dpo_config import DPODataSection

    tok = AutoTokenizer.from_pretrained(str(debug_assets.cached("llama")), add_bos_token=True)
    install_chat_template(tok, "builtin", ChatFormat())
    assert tok("a")["input_ids"][0] == tok.bos_token_id

    def trl_prompt_len(r):
        p, c, rj = (tok(t)["input_ids"] for t in (r["prompt"], r["prompt"] + r["chosen"], r["prompt"] + r["rejected"]))
        return min(common_prefix_length(p, c), common_prefix_length(p, rj))

    path = str(REAL / "hh_rlhf_harmless_base_test.jsonl")
    loose = from_dict(DPODataSection, {"path": path, "prompt_style": "chat", "max_length": 4096})
    lengths = sorted(trl_prompt_len(r) for r in build_dpo_dataset(loose, tok, None)[0])
    edge = lengths[1]    # max_length equal to the second-shortest prompt's TRL length: that pair must go
    cfg = from_dict(DPODataSection, {"path": path, "prompt_style": "chat", "max_length": edge,
                                     "max_bad_fraction": 1.0})
    train, _, report = build_dpo_dataset(cfg, tok, tmp_path)
    assert all(trl_prompt_len(r) < edge for r in train) and len(train) == 1
    assert f"the prompt is {edge} tokens, max_length is {edge}" in " ".join(b["reason"] for b in report["bad_records"])


def llm_jp_dpo_prompt(conversation: list[dict]) -> str:
    """llm-jp-dpo's rule for an hh-rlhf-12k-ja prompt (llm-jp/llm-jp-dpo ``train.py``
    ``return_prompt_and_responses``, commit 020fa2e), written out here from that code."""
    prompt = "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。"
    for utterance in conversation:
        if utterance["from"] == "human":
            prompt += f"\n\n### 指示:\n{utterance['value']}"
        else:
            prompt += f"\n\n### 応答:\n{utterance['value']}"
    return prompt + "\n\n### 応答:\n"


@pytest.mark.parametrize("name,kept,turns", [
    ("dpo_en_demo.json", [2, 38, 54, 70], {18: "system/user", 102: "system/user"}),
    ("hh_rlhf_harmless_base_test.jsonl", [1, 2, 3, 5], {}),
    ("azure_openai_dpo_example.jsonl", [], {1: "system/user"}),
])
def test_dpo_prompt_style_instruction_frames_message_prompts_or_names_them(name, kept, turns):
    # Under prompt_style 'instruction' (the SFT model tuned on the llm-jp template) a prompt given
    # as messages went through the chat template all the same; now its user turns and the answers
    # between them are framed as llm-jp-dpo frames them, and a prompt with a system turn is a bad
    # record that says which turns it has.
    chat, _ = read_pairs(str(REAL / name), "chat")
    inst, bad = read_pairs(str(REAL / name), "instruction")
    assert [e.line for e in inst] == kept and all(e.messages is None for e in inst)
    as_hh = {e.line: [{"from": "human" if m["role"] == "user" else "gpt", "value": m["content"]} for m in e.messages]
             for e in chat if e.messages[0]["role"] != "system"}
    assert {e.line: e.prompt for e in inst} == {n: llm_jp_dpo_prompt(c) for n, c in as_hh.items()}
    assert all(i.prompt == render_instruction(e.messages[0]["content"]) for e in chat for i in inst
               if i.line == e.line and len(e.messages) == 1)
    reasons = {b.line: b.reason for b in bad}
    assert {n for n, r in reasons.items() if r.startswith("prompt_style")} == set(turns)
    for n, roles in turns.items():
        assert reasons[n].startswith(f"prompt_style is 'instruction' but the prompt's turns are {roles}")
    # 'raw' adds no frame: messages keep their turns for the chat template, as under 'chat'.
    raw, _ = read_pairs(str(REAL / name), "raw")
    assert [(e.line, e.messages) for e in raw] == [(e.line, e.messages) for e in chat]


def test_dpo_hh_rlhf_12k_ja_layout_framed_as_llm_jp_dpo(tmp_path):
    # llm-jp/hh-rlhf-12k-ja keeps the prompt's turns under "conversations" (from/value) and the
    # answers as strings; JINIAC's DPO recipe takes it with prompt_style instruction. Its rows are
    # laid out here from the real HH-RLHF transcripts (no hh-rlhf-12k-ja row is public here): every
    # multi-turn prompt is kept and framed exactly as llm-jp-dpo frames it.
    chat, _ = read_pairs(str(REAL / "hh_rlhf_harmless_base_test.jsonl"), "chat")
    rows = [{"conversations": as_hh, "chosen": e.completion, "rejected": e.meta["rejected"]}
            for e in chat for as_hh in [[{"from": "human" if m["role"] == "user" else "gpt", "value": m["content"]}
                                         for m in e.messages]]]
    path = tmp_path / "hh_rlhf_12k_ja_layout.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    inst, bad = read_pairs(str(path), "instruction")
    assert not bad and len(inst) == len(rows) == 4 and all(len(r["conversations"]) > 1 for r in rows)
    assert [e.prompt for e in inst] == [llm_jp_dpo_prompt(r["conversations"]) for r in rows]
    assert [e.completion for e in inst] == [r["chosen"] for r in rows]
