"""Text + loss spans -> ``input_ids``/``labels``, and the weighted mixture of SFT sources.

Used inside SFT/DPO jobs (it touches a tokenizer; ``datasets`` is imported lazily):

    tok = load_tokenizer(path, cfg.data)               # chat template installed, markers checked
    train, evals, report = build_sft_dataset(cfg.data, tok, run_dir)

Labels are found from character spans, not by tokenizing pieces separately: the whole text is
tokenized once with offsets, and a token carries loss when it overlaps a response span. So the
tokens the model trains on are exactly the tokens it sees at inference, whatever the
tokenizer does at piece boundaries (sentencepiece's ``▁`` prefix, merged punctuation).
Everything else (the template, the instruction, user turns, padding) gets label -100.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Optional

from jiniac_hpc.fileio import write_json
from jiniac_hpc.posttrain.records import BadRecord, Example, read_examples, skipped_json, split_left_out
from jiniac_hpc.posttrain.templates import (GENERATION_TAG, ChatFormat, apply_template, assistant_spans,
                                            builtin_chat_template, check_rendered, generation_spans,
                                            read_template_file, template_name)

IGNORE = -100


class DataError(ValueError):
    """Bad records under ``on_bad_record: error``, or no usable record at all."""


def load_tokenizer(path: str, chat_template: str, fmt: ChatFormat):
    """An HF tokenizer with the chat template the run uses, and a pad token."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    install_chat_template(tok, chat_template, fmt)
    if tok.pad_token is None:  # the project tokenizer has <pad>=3; others may lack one
        tok.pad_token = tok.eos_token
    return tok


def install_chat_template(tok, chat_template: str, fmt: ChatFormat) -> None:
    """``auto``: keep the tokenizer's own template, else builtin; ``builtin``; or a file: a .jinja
    template, or a model's tokenizer_config.json / chat_template.json (:func:`read_template_file`).

    The template's name goes on the tokenizer (``jiniac_template_name``) so that every bad record
    a template causes names it."""
    if chat_template == "auto" and getattr(tok, "chat_template", None):
        tok.jiniac_template_name = f"the chat template of {tok.name_or_path}"
        return
    if chat_template in ("auto", "builtin"):
        check_markers(tok, fmt.markers)
        tok.chat_template = builtin_chat_template(fmt)
        tok.jiniac_template_name = "the builtin chat template"
    else:
        tok.chat_template = read_template_file(chat_template)
        tok.jiniac_template_name = f"chat template {chat_template}"


def check_markers(tok, markers: list[str]) -> None:
    """Each chat marker must be one token; else the template would spell it out in pieces."""
    for m in markers:
        ids = tok(m, add_special_tokens=False)["input_ids"]
        if len(ids) != 1:
            raise ValueError(f"chat marker {m!r} is not a single token of the tokenizer "
                             f"(it splits into {tok.convert_ids_to_tokens(ids)}); add it to the tokenizer's "
                             f"special tokens or set data.chat.* to markers the tokenizer has")


def render(tok, ex: Example) -> tuple[str, list[tuple[int, int]]]:
    """(text, loss spans) of an example; the response span includes the eos. An assistant turn
    with ``"weight": 0`` is in the text but carries no loss.

    A template with ``{% generation %}`` blocks says itself what carries loss: the spans are its
    blocks, as transformers' ``return_assistant_tokens_mask`` (and so TRL's assistant-only loss)
    has them. Any other template's spans are found by rendering prefixes (:func:`assistant_spans`).
    """
    if ex.messages is not None:
        name = template_name(tok)
        if GENERATION_TAG.search(_template_text(tok)):
            text, blocks = _generation_blocks(tok, ex.messages)
            spans = generation_spans(text, blocks, ex.messages, name)
        else:
            def r(msgs, add_generation_prompt=False):
                return apply_template(tok, msgs, add_generation_prompt=add_generation_prompt)
            text, spans = assistant_spans(r, ex.messages, name, tok.eos_token)
            spans = [_cut_after_eos(text, s, e, tok.eos_token) for s, e in spans]
        check_rendered(text, ex.messages, name)
        weights = [m.get("weight", 1) for m in ex.messages if m["role"] == "assistant"]
        return text, [span for span, w in zip(spans, weights) if w]
    text = ex.prompt + ex.completion + tok.eos_token
    return text, [(len(ex.prompt), len(text))]


def _template_text(tok) -> str:
    """The template ``apply_chat_template`` uses: the ``default`` one of named templates."""
    t = getattr(tok, "chat_template", None) or ""
    return t.get("default", "") if isinstance(t, dict) else t


def _generation_blocks(tok, messages: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """(text, character spans of its ``{% generation %}`` blocks), rendered as
    ``apply_chat_template(..., return_assistant_tokens_mask=True)`` renders them."""
    from jinja2 import TemplateError
    from transformers.utils.chat_template_utils import render_jinja_template

    try:
        texts, blocks = render_jinja_template([messages], chat_template=_template_text(tok),
                                              return_assistant_tokens_mask=True, **tok.special_tokens_map)
    except TemplateError:
        apply_template(tok, messages)   # raises the one-line refusal that names the template
        raise
    return texts[0], [(s, e) for s, e in blocks[0]]


def _cut_after_eos(text: str, s: int, e: int, eos: str) -> tuple[int, int]:
    """A turn's loss span ends at its eos when only whitespace follows it ("...</s>\n")."""
    i = text.rfind(eos, s, e)
    return (s, i + len(eos)) if i >= 0 and not text[i + len(eos):e].strip() else (s, e)


def encode(tok, ex: Example, *, max_length: int, add_bos: bool, stats: Optional[dict] = None) -> dict | str:
    """``{"input_ids", "labels"}`` or the reason the example cannot be used.

    A sequence longer than ``max_length`` keeps its start; ``stats["truncated"]`` counts those and
    ``stats["truncated_tokens"]`` the answer tokens cut off (they carry no loss, so the report says
    how many examples were cut and by how much).
    """
    try:
        text, spans = render(tok, ex)
    except ValueError as e:
        return str(e)
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    labels = [t if any(e > s0 and s < e0 for s0, e0 in spans) else IGNORE for t, (s, e) in zip(ids, offsets)]
    if add_bos and tok.bos_token_id is not None and (not ids or ids[0] != tok.bos_token_id):
        ids, labels = [tok.bos_token_id] + ids, [IGNORE] + labels
    first = next((i for i, l in enumerate(labels) if l != IGNORE), None)
    if first is None:
        return "empty response: no response tokens after tokenization"
    if first >= max_length:
        return f"prompt longer than max_length: the prompt is {first} tokens, max_length is {max_length}"
    if stats is not None and len(ids) > max_length:
        stats["truncated"] = stats.get("truncated", 0) + 1
        stats["truncated_tokens"] = stats.get("truncated_tokens", 0) + sum(l != IGNORE for l in labels[max_length:])
    return {"input_ids": ids[:max_length], "labels": labels[:max_length]}


def mix(parts: list[tuple[str, float, list]], seed: int) -> tuple[list, dict[str, int]]:
    """Weighted mixture: a source of n examples with weight w contributes round(w*n) of them.

    w=1 is the whole source once, w=2 every example twice, w=0.5 a random half (without
    replacement). Then everything is shuffled together. Deterministic given ``seed``.
    """
    rng = random.Random(seed)
    out: list = []
    used: dict[str, int] = {}
    for name, w, items in parts:
        n = round(w * len(items))
        reps, rest = divmod(n, len(items)) if items else (0, 0)
        chosen = items * reps + (rng.sample(items, rest) if rest else [])
        out += chosen
        used[name] = len(chosen)
    rng.shuffle(out)
    return out, used


def report_bad(bad: list[BadRecord], on_bad: str, total: int, max_bad_fraction: float, what: str,
               log=sys.stderr) -> None:
    """Print bad records (file:line: reason), then raise DataError if the run must not go on."""
    for b in bad[:20]:
        print(f"[jiniac] bad {what} record: {b}", file=log, flush=True)
    if len(bad) > 20:
        print(f"[jiniac] ... and {len(bad) - 20} more bad {what} records (see data_report.json)", file=log,
              flush=True)
    if bad and on_bad == "error":
        lines = "\n  ".join(str(b) for b in bad[:20])
        raise DataError(f"{len(bad)} bad {what} record(s) and data.on_bad_record is 'error':\n  {lines}")
    if total and len(bad) / total > max_bad_fraction:
        raise DataError(f"{len(bad)} of {total} {what} records are bad, more than data.max_bad_fraction="
                        f"{max_bad_fraction}; first: {bad[0]}")


def build_sft_dataset(data_cfg, tok, run_dir: Optional[Path], *, is_main: bool = True):
    """(train Dataset, eval Dataset or None, report dict) from ``data_cfg`` (an SFTDataConfig).

    Writes ``<run_dir>/data_report.json``: per source the records read, bad, left out (by
    category: OpenAssistant messages the dataset or the path selection leaves out), skipped as
    invalid JSON in a JSON array (records and bytes by the parser's reason), kept, cut at
    ``max_length`` and used in the mixture, and every bad record with file, line and reason. For
    an OpenAssistant source a record read is a conversation or a message in none.
    """
    import datasets
    from jiniac_hpc.paths import resolve_path

    parts, bad_all, report = [], [], {"sources": {}, "bad_records": []}
    total = 0
    for src in data_cfg.sources:
        name = src.name or Path(src.path).stem
        exs, bad = read_examples(str(resolve_path(src.path)), src.format, name, markers=data_cfg.chat.markers,
                                 math=src.math, limit=src.max_examples)
        read = len(exs) + len(bad)
        bad, left_out = split_left_out(bad)  # counted by category, not as bad data
        enc, stats = [], {"truncated": 0, "truncated_tokens": 0}
        for ex in exs:
            r = encode(tok, ex, max_length=data_cfg.max_length, add_bos=data_cfg.add_bos, stats=stats)
            if isinstance(r, str):
                bad.append(BadRecord(ex.file, ex.line, r, name))
            else:
                enc.append(r)
        total += read
        bad_all += bad
        parts.append((name, src.weight, enc))
        report["sources"][name] = {"path": src.path, "read": read, "bad": len(bad), "left_out": left_out,
                                   **skipped_json(bad), "kept": len(enc),
                                   "truncated": stats["truncated"], "truncated_tokens": stats["truncated_tokens"]}
        if stats["truncated"] and is_main:
            print(f"[jiniac] {name}: {stats['truncated']} of {len(enc)} SFT examples are longer than "
                  f"data.max_length={data_cfg.max_length} and were cut at it, losing {stats['truncated_tokens']} "
                  "answer tokens in all", file=sys.stderr, flush=True)
    report["bad_records"] = [b.to_dict() for b in bad_all]
    if run_dir is not None and is_main:
        write_json(Path(run_dir) / "data_report.json", report)
    report_bad(bad_all, data_cfg.on_bad_record, total, data_cfg.max_bad_fraction, "SFT")
    mixed, used = mix(parts, data_cfg.seed)
    for name, n in used.items():
        report["sources"][name]["used"] = n
    if run_dir is not None and is_main:
        write_json(Path(run_dir) / "data_report.json", report)
    if not mixed:
        raise DataError("no usable SFT example in data.sources: " + json.dumps(report["sources"], ensure_ascii=False))
    n_eval = min(data_cfg.eval_size, len(mixed) // 2)
    train = datasets.Dataset.from_list(mixed[n_eval:])
    evals = datasets.Dataset.from_list(mixed[:n_eval]) if n_eval else None
    return train, evals, report
