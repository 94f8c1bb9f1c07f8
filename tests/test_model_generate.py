"""The one generation helper (jiniac_hpc.model.generate) against transformers' own unpadded generate.

    pytest tests/test_model_generate.py
"""
from __future__ import annotations

import pytest
import torch

from jiniac_hpc.model.generate import generate
from jiniac_hpc.model.load import load_model

PROMPTS = ["日本の首都は", "The capital of Japan is", "質問：子供向けのメニューは？\n選択肢：0.ピクルス,1.お子様ランチ", "あ"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny Llama and its BPE tokenizer (jiniac_hpc.eval.tiny), loaded through the one door."""
    from transformers import AutoTokenizer

    from jiniac_hpc.eval.tiny import build

    d = build(tmp_path_factory.mktemp("tiny") / "model")
    return load_model(d, dtype="float32", device="cpu"), AutoTokenizer.from_pretrained(str(d))


def reference(model, tok, ids: list[int], n: int, **kw) -> str:
    """One prompt, no padding, straight through transformers' generate."""
    out = model.generate(torch.tensor([ids]), max_new_tokens=n, do_sample=False, pad_token_id=tok.pad_token_id, **kw)
    return tok.decode(out[0, len(ids):], skip_special_tokens=True)


def test_batched_greedy_equals_unpadded_generate_in_prompt_order(tiny):
    model, tok = tiny
    ids = [tok(p)["input_ids"] for p in PROMPTS]
    assert len({len(i) for i in ids}) == len(ids)                  # rows of different lengths really get padded
    got = generate(model, tok, ids, 8, batch_size=3)
    assert got == [reference(model, tok, i, 8) for i in ids]
    assert generate(model, tok, ids[::-1], 8, batch_size=3) == got[::-1]


def test_stop_ids_end_a_row(tiny):
    model, tok = tiny
    ids = tok(PROMPTS[1])["input_ids"]
    free = generate(model, tok, [ids], 8)[0]
    first = model.generate(torch.tensor([ids]), max_new_tokens=1, do_sample=False,
                           pad_token_id=tok.pad_token_id)[0, -1].item()
    assert free and generate(model, tok, [ids], 8, stop_ids=[first])[0] == tok.decode([first], skip_special_tokens=True)


def test_seeded_sampling_repeats_and_differs_from_greedy(tiny):
    model, tok = tiny
    ids = [tok(p)["input_ids"] for p in PROMPTS]
    kw = dict(do_sample=True, temperature=5.0, top_p=1.0, top_k=0)
    a = generate(model, tok, ids, 12, batch_size=2, seed=7, **kw)
    assert a == generate(model, tok, ids, 12, batch_size=2, seed=7, **kw)
    assert a != generate(model, tok, ids, 12, batch_size=2, seed=8, **kw)
    assert a != generate(model, tok, ids, 12, batch_size=2)
