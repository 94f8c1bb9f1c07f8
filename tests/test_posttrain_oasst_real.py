"""OpenAssistant trees as distributed, read for SFT and DPO.

    pytest tests/test_posttrain_oasst_real.py

The samples under tests/assets/posttrain/real/ are real rows (SOURCES.md names each): oasst1
validation message rows (two whole trees with ranked, deleted and review-failed messages, and a
message whose parent is not in the file), oasst-data's README tree, and a record of the Japanese
translation kunishou/oasst1-89k-ja. Every message row must end up in a conversation (or pair)
or be reported with its line and a named reason.
"""
from __future__ import annotations

import json
from pathlib import Path

from jiniac_hpc.posttrain.records import iter_rows, read_examples, read_pairs, read_pairs_rows
from jiniac_hpc.posttrain.templates import ChatFormat

REAL = Path(__file__).parent / "assets" / "posttrain" / "real"
MARKERS = ChatFormat().markers
OASST = REAL / "oasst1_validation_en_selected.jsonl"
ROLE = {"prompter": "user", "assistant": "assistant"}


def _rows(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]


def _turns(rows: list[dict], lines: list[int]) -> list[dict]:
    return [{"role": ROLE[rows[i - 1]["role"]], "content": rows[i - 1]["text"]} for i in lines]


def _line_of(rows: list[dict]) -> dict[str, int]:
    return {r["text"]: i for i, r in enumerate(rows, 1)}


def test_oasst_message_rows_give_best_ranked_conversations_and_every_row_is_counted():
    rows = _rows(OASST)
    good, bad = read_examples(str(OASST), "auto", "oasst", markers=MARKERS)
    # Tree 52b26b9f: the prompt and its rank-0 reply. Tree 08e31748: rank 0, the follow-up, rank 0.
    assert [(e.line, e.messages) for e in good] == [(2, _turns(rows, [1, 2])), (26, _turns(rows, [23, 24, 25, 26]))]
    assert read_examples(str(OASST), "oasst", "oasst", markers=MARKERS)[0] == good
    used = {_line_of(rows)[m["content"]] for e in good for m in e.messages}
    reasons = {b.line: b.reason for b in bad}
    assert len(reasons) == len(bad) and not used & set(reasons) and used | set(reasons) == set(range(1, 39))
    assert [n for n, r in reasons.items() if r.endswith("deleted (deleted: true)")] == list(range(13, 23))
    assert [n for n, r in reasons.items() if "failed review (review_result: false)" in r] == [28, 37, 38]
    assert [n for n, r in reasons.items() if "is not the best-ranked reply" in r] == [3, 12, 27, 29, 36]
    assert reasons[3].startswith(f"OpenAssistant reply {rows[2]['message_id']} is not the best-ranked reply (rank 1; "
                                 f"the best is {rows[1]['message_id']}, rank 0)")
    assert all("which SFT does not follow" in reasons[n] for n in [*range(4, 12), *range(30, 36)])


def test_oasst_all_gives_every_path_of_the_trees():
    # format oasst_all: each reply, whatever its rank, and each follow-up under it.
    rows = _rows(OASST)
    good, bad = read_examples(str(OASST), "oasst_all", "oasst", markers=MARKERS)
    assert [(e.line, e.messages) for e in good] == [(n, _turns(rows, path)) for n, path in [
        (2, [1, 2]), (5, [1, 3, 4, 5]), (8, [1, 3, 4, 6, 7, 8]), (9, [1, 3, 4, 6, 7, 9]), (10, [1, 3, 4, 6, 7, 10]),
        (11, [1, 3, 4, 11]), (12, [1, 12]),
        (26, [23, 24, 25, 26]), (27, [23, 24, 25, 27]), (31, [23, 29, 30, 31]), (33, [23, 29, 30, 33]),
        (35, [23, 29, 30, 35]), (36, [23, 36])]]
    reasons = {b.line: b.reason for b in bad}
    assert sorted(reasons) == [*range(13, 23), 28, 32, 34, 37, 38]
    assert reasons[32] == f"OpenAssistant prompt {rows[31]['message_id']} has no reply to train on"


def test_oasst_ranked_sibling_replies_become_dpo_pairs_and_every_row_is_counted():
    rows = _rows(OASST)
    good, bad = read_pairs(str(OASST), "chat")
    # At each prompt with n ranked replies: rank 0 chosen, each other ranked reply rejected once.
    assert [e.line for e in good] == [3, 6, 9, 10, 11, 12, 27, 29, 33, 35, 36]
    by_line = {e.line: e for e in good}
    assert by_line[3].messages == _turns(rows, [1])
    assert (by_line[3].completion, by_line[3].meta["rejected"]) == (rows[1]["text"], rows[2]["text"])
    # A follow-up below a reply that lost its own ranking still has its ranked replies compared.
    assert by_line[33].messages == _turns(rows, [23, 29, 30])
    assert (by_line[33].completion, by_line[33].meta["rejected"]) == (rows[30]["text"], rows[32]["text"])
    used = {_line_of(rows)[t] for e in good for t in [m["content"] for m in e.messages] + [e.completion,
                                                                                           e.meta["rejected"]]}
    reasons = {b.line: b.reason for b in bad}
    assert not used & set(reasons) and used | set(reasons) == set(range(1, 39))
    assert [n for n, r in reasons.items() if "is in no ranked pair" in r] == [32, 34]


def test_oasst_tree_row_without_ranks_gives_every_path_and_message_rows_name_their_orphan():
    # oasst-data README's examples: line 1 a message row whose parent is not in the file, line 2 a
    # conversation thread, line 3 a whole tree whose replies carry no rank.
    path = REAL / "oasst_export_examples.jsonl"
    rows = _rows(path)
    good, bad = read_examples(str(path), "auto", "oasst", markers=MARKERS)
    tree = rows[2]["prompt"]

    def paths(node, before):
        here = before + [{"role": ROLE[node["role"]], "content": node["text"]}]
        return [p for r in node["replies"] for p in paths(r, here)] or [here]

    assert [e.line for e in good] == [2, 3, 3, 3, 3, 3]
    assert [e.messages for e in good[1:]] == paths(tree, []) and len(good[1:]) == 5
    assert [(b.line, b.reason) for b in bad] == [
        (1, f"OpenAssistant message {rows[0]['message_id']} is an orphan: its parent {rows[0]['parent_id']} is not "
            "in the source")]
    pairs, bad = read_pairs(str(path), "chat")
    assert pairs == [] and sorted({b.line for b in bad}) == [1, 2, 3] and len(bad) == 12
    # The dpo-data stage reads rows in chunks: it names such rows rather than joining half a tree.
    rejected = list(read_pairs_rows(iter_rows(path), "chat", need_rejected=False))
    assert rejected[0].reason.startswith("an OpenAssistant message row") and "dpo stage" in rejected[0].reason
    assert rejected[2].reason.startswith("an OpenAssistant message tree") and "dpo stage" in rejected[2].reason


def test_oasst1_89k_ja_record_is_a_root_read_by_its_translation():
    # kunishou/oasst1-89k-ja writes a root's parent_id as the string "nan" and the Japanese text
    # in "text_ja": the prompt is a root (no orphan of a message "nan") with nothing answering it.
    path = REAL / "oasst1_89k_ja_record0.json"
    row = json.loads(path.read_text(encoding="utf-8"))[0]
    good, bad = read_examples(str(path), "auto", "ja", markers=MARKERS)
    assert good == [] and [(b.line, b.reason) for b in bad] == [
        (2, f"OpenAssistant prompt {row['message_id']} has no reply to train on")]
    from jiniac_hpc.posttrain.oasst import Node

    assert Node(str(path), 2, row).text == row["text_ja"]


def test_oasst_rows_read_the_same_from_parquet(tmp_path):
    # The Hub serves oasst1/oasst2 as Parquet: the same rows as a table (emojis/labels structs).
    import pyarrow as pa
    import pyarrow.parquet as pq

    shard = tmp_path / "validation-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(OASST)), shard)
    for read in (lambda p: read_examples(p, "auto", "oasst", markers=MARKERS), lambda p: read_pairs(p, "chat")):
        (good, bad), (pgood, pbad) = read(str(OASST)), read(str(shard))
        assert [(e.line, e.messages, e.completion) for e in pgood] == [(e.line, e.messages, e.completion) for e in good]
        assert [(b.line, b.reason) for b in pbad] == [(b.line, b.reason) for b in bad]


def test_oasst_messages_left_out_are_counted_by_category_not_as_bad_data(tmp_path):
    # 32 of the 38 real messages are in no best-ranked conversation, all well-formed: counted as
    # the dataset's verdict or the selection, they must not trip max_bad_fraction (0.5) and stop
    # the run as 32 "bad records" of 34 did.
    from jiniac_hpc.config import from_dict
    from jiniac_hpc.posttrain import debug_assets
    from jiniac_hpc.posttrain.encode import build_sft_dataset, load_tokenizer
    from jiniac_hpc.posttrain.pairs import build_dpo_dataset
    from jiniac_hpc.train.dpo_config import DPODataSection
    from jiniac_hpc.train.sft_config import SFTDataConfig

    tok = load_tokenizer(str(debug_assets.cached("llama")), "auto", ChatFormat())
    cfg = from_dict(SFTDataConfig, {"sources": [{"path": str(OASST), "name": "oasst"}], "max_length": 4096})
    train, _, report = build_sft_dataset(cfg, tok, tmp_path)
    src = report["sources"]["oasst"]
    assert (src["read"], src["bad"], src["kept"], len(train)) == (34, 0, 2, 2) and report["bad_records"] == []
    assert src["left_out"] == {"not_best_ranked": 5, "below_not_followed": 14, "deleted": 10, "review_failed": 3}
    cfg = from_dict(DPODataSection, {"path": str(OASST), "prompt_style": "chat", "max_length": 4096})
    train, _, report = build_dpo_dataset(cfg, tok, tmp_path)
    assert (report["bad"], report["kept"], len(train)) == (0, 11, 11)
    assert report["left_out"] == {"deleted": 10, "review_failed": 3, "no_ranked_pair": 2}
    # Malformed messages stay bad data: the README's message row, whose parent is not there.
    _, bad = read_examples(str(REAL / "oasst_export_examples.jsonl"), "auto", "x", markers=MARKERS)
    assert [(b.line, b.left_out) for b in bad] == [(1, "")]
