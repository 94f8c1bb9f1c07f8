"""Batched generation of tokenised prompts with any HF causal LM: the one loop behind eval, dpo-data and the report.

    python -m jiniac_hpc.eval.generate MODEL_DIR "日本の首都は"     # through eval's Generator
    pytest tests/test_model_generate.py

Prompts go longest first in left-padded batches (a decoder-only model continues from the last real
token of every row, and a batch of similar lengths pads little); only the new tokens are decoded.
Callers encode (their own truncation, special tokens, chat template) and post-process; this module
owns padding, masks, seeding and decoding.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch

# (prompt ids, generated ids incl. any padding after the stop) -> completion text
Decode = Callable[[Sequence[int], list[int]], str]


@torch.no_grad()
def generate(model, tokenizer, prompts: Sequence[Sequence[int]], max_new_tokens: int, *, batch_size: int = 16,
             stop_ids: Optional[list[int]] = None, seed: Optional[int] = None, decode: Optional[Decode] = None,
             **sampling) -> list[str]:
    """Completions of the token-id ``prompts``, in their order, decoded without special tokens.

    ``decode``: how a row becomes text (default: the generated ids alone, special tokens skipped);
    ``stop_ids``: end generation at any of these ids (default: the model's generation config);
    ``sampling``: ``model.generate`` keywords (``do_sample``, ``temperature``, ``top_p``, ...), greedy
    when empty; ``seed``: ``torch.manual_seed(seed + b)`` before the batch starting at sorted index
    ``b`` (without it the caller's RNG state is used as it is)."""
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (tokenizer.eos_token_id or 0)
    device = model.device
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    results: list[Optional[str]] = [None] * len(prompts)
    kw = dict(sampling) if sampling else dict(do_sample=False)
    if stop_ids is not None:
        kw["eos_token_id"] = stop_ids
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        width = max(len(prompts[i]) for i in idx)
        ids = torch.full((len(idx), width), pad, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for row, i in enumerate(idx):
            seq = list(prompts[i])
            ids[row, width - len(seq):] = torch.tensor(seq, dtype=torch.long)
            mask[row, width - len(seq):] = 1
        if seed is not None:
            torch.manual_seed(seed + start)
        out = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device), max_new_tokens=max_new_tokens,
                             pad_token_id=pad, **kw)
        new = out[:, width:].cpu()
        for row, i in enumerate(idx):
            ids = new[row].tolist()
            results[i] = decode(prompts[i], ids) if decode else tokenizer.decode(ids, skip_special_tokens=True)
    return results  # type: ignore[return-value]

