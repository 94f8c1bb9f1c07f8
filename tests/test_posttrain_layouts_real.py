"""SFT and DPO readers on more public layouts: ichikara-instruction, the Aya dataset, Alpaca rows
with history, turns under "conversation" (llm-book/oasst1-21k-ja), preference pairs whose prompt
carries a system prompt (Intel/orca_dpo_pairs).

    pytest tests/test_posttrain_layouts_real.py

Samples under tests/assets/posttrain/real/ (SOURCES.md names each). Every record comes out with
its text unchanged and every turn kept, or is one bad record naming its file and line.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiniac_hpc.posttrain import debug_assets
from jiniac_hpc.posttrain.records import read_examples, read_pairs, skipped_json
from jiniac_hpc.posttrain.templates import ChatFormat, render_instruction

REAL = Path(__file__).parent / "assets" / "posttrain" / "real"
MARKERS = ChatFormat().markers


def _read(path: Path, fmt: str = "auto"):
    return read_examples(str(path), fmt, path.name, markers=MARKERS)


def test_ichikara_rows_are_instructions(tmp_path):
    # ichikara-instruction: {"ID", "text", "output", "meta"} in a JSON array; "text" is the
    # instruction. Read as Alpaca rows, every one was "missing field 'instruction'".
    path = REAL / "ichikara_instruction2_record.json"
    [row] = json.loads(path.read_text(encoding="utf-8"))
    good, bad = _read(path)
    assert bad == [] and [e.line for e in good] == [2]
    assert good[0].prompt == render_instruction(row["text"]) and good[0].completion == row["output"]
    assert good[0].completion == "\n".join(row["meta"]["output-lines"])  # the whole answer, nothing cut
    # The same row with its answer emptied is named by the row's own field.
    bad_path = tmp_path / "ichikara.jsonl"
    bad_path.write_text(json.dumps({**row, "output": " "}, ensure_ascii=False) + "\n", encoding="utf-8")
    good, bad = _read(bad_path)
    assert good == [] and [str(b) for b in bad] == [f"{bad_path}:1: empty response: field 'output' is empty"]


def test_a_record_with_invalid_escapes_is_skipped_and_the_records_after_it_read(tmp_path):
    # ichikara-instruction's 003-002-1 and 003-003-1 files hold answers with code samples whose
    # "\\" path separators are not escaped, beside ones that are: Python's json refuses the file.
    # The reader stopped at the first such record ("the rest of the file is not read"), losing
    # every record after it. It is one bad record now, named with its line, its size and the
    # parser's reason, and counted by that reason; the record after it is read.
    path = REAL / "ichikara_invalid_escape_derived.json"
    text = path.read_text(encoding="utf-8")
    good, bad = _read(path)
    assert [e.line for e in good] == [2, 84] and good[0].completion == good[1].completion
    [b] = bad
    first_end = text.index("\n  },") + 4          # the records are json.dump's, indent 2
    start, end = text.index("{", first_end), text.index("\n  },", first_end) + 4
    size = len(text[start:end].encode())
    assert (b.line, b.skipped, b.nbytes) == (43, "Invalid \\escape", size) and size > 1000
    assert str(b).startswith(f"{path}:43: invalid JSON (Invalid \\escape: line 46 column 39): this record "
                             f"({size} bytes) skipped, read on from the next record")
    assert skipped_json(bad) == {"skipped_json": {"Invalid \\escape": {"records": 1, "bytes": size}}}
    # A stray quote too: its brackets do not close the record where json would, so the reading
    # goes on at the next "}, {" between two records.
    quoted = tmp_path / "quoted.json"
    quoted.write_text(text.replace('"C:\\data\\input.txt\\" For', '"C:/data/input.txt" For'), encoding="utf-8")
    good, bad = _read(quoted)
    assert [e.line for e in good] == [2, 84] and [(b.line, b.skipped) for b in bad] == [(43, "Expecting ',' delimiter")]
    # The last record broken, no record after it: up to the closing ']', nothing after it lost.
    last = tmp_path / "last.json"
    last.write_text(text[:text.rindex("\n  },") + 4] + "\n]\n", encoding="utf-8")
    good, bad = _read(last)
    assert [e.line for e in good] == [2] and bad[0].reason.endswith("skipped, no record after it")


def test_aya_rows_are_instructions():
    # CohereForAI/aya_dataset: {"inputs", "targets", "language", "language_code", "annotation_type",
    # "user_id"}; it was "cannot tell the record's format".
    path = REAL / "aya_dataset_train_row0.json"
    row = json.loads(path.read_text(encoding="utf-8"))
    good, bad = _read(path)
    assert bad == [] and [e.line for e in good] == [1]
    assert good[0].prompt == render_instruction(row["inputs"]) and good[0].completion == row["targets"]


@pytest.fixture(scope="module")
def tok():
    from jiniac_hpc.posttrain.encode import load_tokenizer

    return load_tokenizer(str(debug_assets.cached("llama")), "auto", ChatFormat())


def test_alpaca_history_keeps_every_turn(tok):
    # LLaMA-Factory's oaast_sft_zh.json: Alpaca rows whose "history" holds the earlier turns.
    # The history was dropped: "谢谢" trained as a first question, its answer without context.
    from jiniac_hpc.posttrain.encode import encode

    path = REAL / "llamafactory_oaast_sft_zh_history.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    good, bad = _read(path)
    assert bad == [] and [e.line for e in good] == [2, 8, 19, 30, 36]
    for ex, r in zip(good, rows):
        if not r["history"]:
            assert ex.messages is None
            assert ex.prompt == render_instruction(r["instruction"], r["input"]) and ex.completion == r["output"]
            continue
        turns = [t for pair in r["history"] for t in pair] + [r["instruction"], r["output"]]
        assert ex.messages == [{"role": ("user", "assistant")[i % 2], "content": t} for i, t in enumerate(turns)]
        ids = encode(tok, ex, max_length=4096, add_bos=False)
        text = tok.decode(ids["input_ids"])
        assert all(t in text for t in turns)
    assert len(good[4].messages) == 6  # two earlier pairs, then the row's own turn
    # Format "instruction" cannot hold them: each such row is named, the others read as before.
    good, bad = _read(path, "instruction")
    assert [e.line for e in good] == [2, 30]
    assert [b.line for b in bad] == [8, 19, 36] and all("'history'" in b.reason for b in bad)


def test_alpaca_system_column_is_the_system_turn(tmp_path):
    # LLaMA-Factory's alpaca "system" column (the first sample row with one added): kept as the
    # system turn, not dropped from the llm-jp template, which has no place for it.
    row = {**json.loads((REAL / "llamafactory_oaast_sft_zh_history.json").read_text(encoding="utf-8"))[0],
           "system": "你是一个有帮助的助手。"}
    path = tmp_path / "sys.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    [ex], bad = _read(path)
    assert bad == [] and ex.messages == [{"role": "system", "content": row["system"]},
                                         {"role": "user", "content": row["instruction"]},
                                         {"role": "assistant", "content": row["output"]}]


def test_conversation_key_is_read_as_chat(tok):
    # llm-book/oasst1-21k-ja keeps its turns under "conversation" (role/content), its only column;
    # every row was "cannot tell the record's format". Both answers now carry the loss, whole.
    from jiniac_hpc.posttrain.encode import encode

    path = REAL / "llmbook_oasst1_21k_ja_row0.jsonl"
    row = json.loads(path.read_text(encoding="utf-8"))
    [ex], bad = _read(path)
    assert bad == [] and ex.line == 1 and ex.messages == row["conversation"]
    ids = encode(tok, ex, max_length=4096, add_bos=False)
    loss = tok.decode([t for t, label in zip(ids["input_ids"], ids["labels"]) if label != -100])
    assert loss == "".join(t["content"] + "<|end|></s>" for t in row["conversation"] if t["role"] == "assistant")


ORCA = REAL / "orca_dpo_pairs_opea_example.jsonl"


def test_orca_dpo_pairs_keep_the_system_prompt(tok):
    # Intel/orca_dpo_pairs: {"system", "question", "chosen", "rejected"}; it was "missing field
    # 'prompt'" on every row. An empty system adds no turn; a filled one is the first turn.
    from jiniac_hpc.posttrain.pairs import render_prompt

    rows = [json.loads(line) for line in ORCA.read_text(encoding="utf-8").splitlines()]
    good, bad = read_pairs(str(ORCA), "chat")
    assert bad == [] and [e.line for e in good] == [1, 2]
    assert good[0].messages == [{"role": "user", "content": rows[0]["question"]}]
    assert good[1].messages == [{"role": "system", "content": rows[1]["system"]},
                                {"role": "user", "content": rows[1]["question"]}]
    for ex, r in zip(good, rows):
        assert ex.completion == r["chosen"] and ex.meta["rejected"] == r["rejected"]
    assert rows[1]["system"] in render_prompt(tok, good[1], add_bos=False)
    # The llm-jp template has no system: that row is named, the other one is read in the template.
    good, bad = read_pairs(str(ORCA), "instruction")
    assert [e.line for e in good] == [1] and good[0].prompt == render_instruction(rows[0]["question"])
    assert [b.line for b in bad] == [2] and "the prompt's turns are system/user" in bad[0].reason


def test_prompt_turns_in_the_other_pair_layouts(tmp_path):
    # The second orca row's text in three more layouts: the prompt as messages with string answers
    # (weblab-GENIAC/aya-ja-evol-instruct-calm3-dpo-masked, as llm-jp/instruct3's preprocess_dpo.py
    # reads it: prompt[1] the user turn), a "system" column beside a string "prompt", and an Alpaca
    # pair with "system". Each was refused ("field 'prompt' must be a string") or lost its system.
    r = json.loads(ORCA.read_text(encoding="utf-8").splitlines()[1])
    turns = [{"role": "system", "content": r["system"]}, {"role": "user", "content": r["question"]}]
    answers = {"chosen": r["chosen"], "rejected": r["rejected"]}
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in (
        {"idx": 3, "prompt": turns, **answers},
        {"system": r["system"], "prompt": r["question"], **answers},
        {"system": r["system"], "instruction": r["question"], "input": "", **answers})), encoding="utf-8")
    good, bad = read_pairs(str(path), "chat")
    assert bad == [] and [e.line for e in good] == [1, 2, 3]
    assert all(e.messages == turns and e.completion == r["chosen"] and e.meta["rejected"] == r["rejected"]
               for e in good)


def test_a_prompt_already_in_the_llm_jp_template_is_not_framed_twice(tmp_path):
    # llm-jp's own preference files (llm-jp/instruct3's preprocess_dpo.py) hold prompts already
    # rendered in the llm-jp template. Here llm-jp-sft's example rows cut where the answer starts,
    # each paired against the next row's answer: under prompt_style raw they are read as written;
    # instruction or chat framed them again, a template inside the template, without a word.
    from jiniac_hpc.posttrain.templates import RESPONSE_MARK

    texts = [json.loads(line)["text"] for line in
             (REAL / "llm_jp_sft_example.jsonl").read_text(encoding="utf-8").splitlines()][:3]
    cut = [t.rindex(RESPONSE_MARK) + len(RESPONSE_MARK) for t in texts]
    pairs = [{"prompt": t[:c], "chosen": t[c:], "rejected": texts[(i + 1) % 3][cut[(i + 1) % 3]:]}
             for i, (t, c) in enumerate(zip(texts, cut))]
    path = tmp_path / "rendered.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    good, bad = read_pairs(str(path), "raw")
    assert bad == [] and [(e.prompt, e.completion) for e in good] == [(p["prompt"], p["chosen"]) for p in pairs]
    for style in ("instruction", "chat"):
        good, bad = read_pairs(str(path), style)
        assert good == [] and [b.line for b in bad] == [1, 2, 3]
        assert all("already in the llm-jp template" in b.reason for b in bad)


@pytest.mark.parametrize("name", ["ichikara_instruction2_record.json", "aya_dataset_train_row0.json",
                                  "llamafactory_oaast_sft_zh_history.json", "llmbook_oasst1_21k_ja_row0.jsonl"])
def test_the_layouts_read_the_same_from_parquet_and_a_datasets_folder(tmp_path, name):
    # As the Hub serves them (Parquet) and as datasets.save_to_disk keeps them: nested columns
    # ("meta", "history", "conversation") come back as the JSON had them, every record the same.
    import datasets

    text = (REAL / name).read_text(encoding="utf-8")
    rows = json.loads(text) if name.endswith(".json") else [json.loads(line) for line in text.splitlines()]
    rows = rows if isinstance(rows, list) else [rows]
    ds = datasets.Dataset.from_list(rows)
    ds.to_parquet(str(tmp_path / "rows.parquet"))
    ds.save_to_disk(str(tmp_path / "saved"))
    want = [(e.prompt, e.completion, e.messages) for e in _read(REAL / name)[0]]
    assert len(want) == len(rows)
    for path in (tmp_path / "rows.parquet", tmp_path / "saved"):
        good, bad = _read(path)
        assert bad == [] and [(e.prompt, e.completion, e.messages) for e in good] == want
