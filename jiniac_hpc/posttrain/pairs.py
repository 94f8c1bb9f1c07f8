"""DPO pairs: prompts rendered like SFT prompts, answers ending like SFT answers.

Used inside dpo / dpo-data jobs (needs a tokenizer; ``datasets`` imported lazily):

    train, evals, report = build_dpo_dataset(cfg.data, tok, run_dir)

A pair's prompt goes through the same template the SFT model was tuned on (llm-jp
instruction template, or the chat template with the generation prompt), and its answers end
the way SFT answers end: ``eos`` for instruction prompts; for chat prompts, whatever the chat
template puts after an assistant turn (``<|end|></s>`` with the builtin template), taken from
the template itself so that the two can never drift apart.

TRL's DPO trainer later cuts every prompt + answer sequence at ``max_length`` tokens, keeping its
start, and drops a pair whose prompt alone reaches it (a bad record here, counted the same way). A cut
answer trains without its end, eos included, so the cut is counted where the pairs are built,
measured the way TRL tokenizes (:func:`trl_lengths`): the report's
``truncated`` (pairs with a side cut) and ``truncated_tokens`` (tokens cut from the chosen and the
rejected answers in all, and the most from one answer), and one line on stderr.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Optional

from jiniac_hpc.fileio import write_json
from jiniac_hpc.posttrain.encode import report_bad
from jiniac_hpc.posttrain.records import BadRecord, Example, read_pairs, skipped_json, split_left_out
from jiniac_hpc.posttrain.templates import apply_template, check_closed, check_rendered, differ, template_name


def adds_bos(tok) -> bool:
    """Whether ``tok(text)`` already puts bos first (then we must not add another)."""
    ids = tok("a")["input_ids"]
    return bool(ids) and tok.bos_token_id is not None and ids[0] == tok.bos_token_id


def render_prompt(tok, ex: Example, add_bos: bool, *, tokenizer_adds_special: bool = False) -> str:
    """The prompt text the model continues, with bos exactly once in the resulting ids.

    ValueError (a bad record) when the chat template refuses or drops a turn of the prompt.

    ``tokenizer_adds_special``: the text will be tokenized with ``add_special_tokens=True``
    (TRL's DPO does), so a tokenizer that puts bos first by itself gets none in the text. A chat
    template may write ``{{ bos_token }}`` itself; it is normalised away first.
    """
    if ex.messages is not None:
        text = apply_template(tok, ex.messages, add_generation_prompt=True)
        check_rendered(text, ex.messages, template_name(tok))
    else:
        text = ex.prompt
    bos = tok.bos_token
    if bos and text.startswith(bos):
        text = text[len(bos):]
    if add_bos and bos and not (tokenizer_adds_special and adds_bos(tok)):
        text = bos + text
    return text


def answer_text(tok, ex: Example, answer: str) -> str:
    """``answer`` followed by what ends an assistant turn for this example's template."""
    if ex.messages is None:
        return answer + tok.eos_token
    before = apply_template(tok, ex.messages, add_generation_prompt=True)
    full = apply_template(tok, ex.messages + [{"role": "assistant", "content": answer}])
    if not full.startswith(before):
        raise ValueError(f"{template_name(tok)} does not render the prompt as a prefix of prompt + answer "
                         f"({differ(before, full)}), so where the answer starts cannot be found; use "
                         "chat_template: builtin or a template that renders a conversation's prefix as a prefix "
                         "of the whole")
    seg = full[len(before):]
    check_closed(seg, answer, f"{template_name(tok)} writes nothing after the answer")
    end = seg.rfind(tok.eos_token)   # a template may put "\n" after eos: the answer ends at eos
    return seg[: end + len(tok.eos_token)] if end >= 0 and not seg[end + len(tok.eos_token):].strip() else seg


def prompt_tokens(tok, text: str) -> int:
    return len(tok(text, add_special_tokens=False)["input_ids"])


def trl_lengths(tok, prompt: str, chosen: str, rejected: str) -> tuple[int, int, int]:
    """(prompt, prompt + chosen, prompt + rejected) token counts as TRL's DPO trainer has them:
    each text tokenized whole with the special tokens, the prompt ending where the prompt's ids
    stop being a prefix of both sequences (tokens may merge across the boundary)."""
    p, c, r = (tok(t)["input_ids"] for t in (prompt, prompt + chosen, prompt + rejected))
    common = lambda a, b: next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))  # noqa: E731
    return min(len(p), common(p, c), common(p, r)), len(c), len(r)


def build_dpo_dataset(data_cfg, tok, run_dir: Optional[Path], *, is_main: bool = True):
    """(train Dataset, eval Dataset or None, report) of prompt/chosen/rejected strings."""
    import datasets

    from jiniac_hpc.paths import resolve_path

    exs, bad = read_pairs(str(resolve_path(data_cfg.path)), data_cfg.prompt_style)
    read = len(exs) + len(bad)  # before the pairs that fail below join ``bad``: each record counts once
    bad, left_out = split_left_out(bad)  # OpenAssistant messages in no ranked pair: counted, not bad data
    rows = []
    cut = {"chosen": 0, "rejected": 0, "max": 0}
    n_cut = 0
    for ex in exs:
        try:
            prompt = render_prompt(tok, ex, data_cfg.add_bos, tokenizer_adds_special=True)
            chosen, rejected = answer_text(tok, ex, ex.completion), answer_text(tok, ex, ex.meta["rejected"])
        except ValueError as e:
            bad.append(BadRecord(ex.file, ex.line, str(e), ex.source))
            continue
        n, n_chosen, n_rejected = trl_lengths(tok, prompt, chosen, rejected)
        if n >= data_cfg.max_length:  # TRL drops such a pair without a word
            bad.append(BadRecord(ex.file, ex.line, f"prompt longer than max_length: the prompt is {n} tokens, "
                                                   f"max_length is {data_cfg.max_length}", ex.source))
            continue
        lost = {"chosen": max(0, n_chosen - data_cfg.max_length), "rejected": max(0, n_rejected - data_cfg.max_length)}
        if any(lost.values()):
            n_cut += 1
            for side, k in lost.items():
                cut[side] += k
            cut["max"] = max(cut["max"], *lost.values())
        rows.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})
    report = {"path": data_cfg.path, "read": read, "bad": len(bad), "left_out": left_out,
              **skipped_json(bad), "kept": len(rows), "truncated": n_cut, "truncated_tokens": cut,
              "bad_records": [b.to_dict() for b in bad]}
    if n_cut and is_main:
        print(f"[jiniac] DPO: {n_cut} of {len(rows)} pairs are longer than data.max_length={data_cfg.max_length} "
              f"and will be cut at it: the chosen answers lose {cut['chosen']} tokens in all, the rejected "
              f"{cut['rejected']}, one answer at most {cut['max']}", file=sys.stderr, flush=True)
    if run_dir is not None and is_main:
        write_json(Path(run_dir) / "data_report.json", report)
    report_bad(bad, data_cfg.on_bad_record, report["read"], data_cfg.max_bad_fraction, "DPO")
    if not rows:
        from jiniac_hpc.posttrain.encode import DataError

        raise DataError(f"no usable DPO pair in {data_cfg.path}")
    random.Random(data_cfg.seed).shuffle(rows)
    n_eval = min(data_cfg.eval_size, len(rows) // 2)
    train = datasets.Dataset.from_list(rows[n_eval:])
    evals = datasets.Dataset.from_list(rows[:n_eval]) if n_eval else None
    return train, evals, report
