"""Native public data layouts -> the record shapes :mod:`.records` trains on.

    from jiniac_hpc.posttrain.native import read_json_file, sft_record, pair_record
    obj, err = sft_record(row, "auto")      # ShareGPT / Dolly rows -> messages / instruction rows

Post-training data is usually brought as downloaded, not converted by hand. This module maps
the common layouts onto the two shapes the SFT and DPO readers know (``instruction``/``input``/
``output`` and ``messages`` of ``role``/``content``), changing no text:

- ShareGPT (FastChat, LLaMA-Factory ``formatting: sharegpt``): ``{"conversations": [{"from":
  "human"|"gpt"|"system", "value"}...], "system"?}``; ``conversations`` of ``role``/``content``
  too. A turn whose speaker is none of those (``function_call``, ``observation``...) is an error
  naming the turn, never dropped. A row may keep its turns under ``conversation`` instead
  (llm-book/oasst1-21k-ja, lmsys-chat-1m: role/content turns).
- Alpaca rows with LLaMA-Factory's ``history`` (``[[instruction, answer], ...]``, the turns
  before this one) or ``system`` column filled: a conversation (messages), every turn and the
  system prompt kept (format ``auto``; format ``instruction`` names them as bad records). Rows
  with neither stay instruction rows.
- Dolly (databricks-dolly-15k): ``{"instruction", "context", "response", "category"}``.
- ichikara-instruction (LIAT-AIP's Japanese instruction data, JSON arrays): ``{"ID", "text",
  "output", "meta"?}``: ``text`` is the instruction (with no separate input), ``output`` the answer.
- Aya dataset (CohereForAI/aya_dataset, and xP3's layout): ``{"inputs", "targets", "language",
  "language_code", "annotation_type", "user_id"}``: ``inputs`` is the instruction, ``targets`` the
  answer. Both become instruction rows (the llm-jp template), as Dolly rows do.
- llm-jp-sft's pre-rendered rows: ``{"text": "...### 応答:\n<answer>"}``; the answer (what carries
  loss there too) is what follows the last ``### 応答:\n``, the rest is the prompt, as written.
  Columns beside ``text`` that no other form uses (a row index or id) do not change that.
- OpenAssistant exports: a conversation thread (``{"thread": [{"role": "prompter"|"assistant",
  "text"}...]}``) becomes messages. Message rows and whole message trees are joined over a source
  by :mod:`.oasst` (records.read_examples / read_pairs); a reader that takes one row at a time
  (another format, the dpo-data stage) names them as such (:func:`oasst_reason`).
- A row whose ``tools`` column holds tool definitions (glaive / Hermes function calling) is an
  error: the chat template would render the answers without the tools they call.
- Preference pairs whose answers are messages rather than strings: TRL's conversational form
  (``prompt`` messages, ``chosen``/``rejected`` a list holding the assistant message),
  UltraFeedback-binarized (``chosen``/``rejected`` whole conversations ending with the answer),
  and LLaMA-Factory's ShareGPT pairs (``conversations`` + ``chosen``/``rejected`` turns).
- Pairs with string answers whose prompt holds turns: ``prompt`` as messages
  (weblab-GENIAC/aya-ja-evol-instruct-calm3-dpo-masked: a system and a user turn), a ``system``
  column beside a string ``prompt`` or ``question`` (Intel/orca_dpo_pairs: ``{"system", "question",
  "chosen", "rejected"}``), an Alpaca pair's ``history`` / ``system``: the prompt becomes messages,
  the system turn first (a ``prompt_style: instruction`` run names them as conversations).
- OpenAI's preference fine-tuning rows: ``{"input": {"messages", "tools"?}, "preferred_output":
  [assistant message], "non_preferred_output": [...]}``; the input messages are the prompt (tool
  definitions are refused, as for SFT rows).
- Anthropic HH-RLHF pairs: ``chosen``/``rejected`` each a whole transcript of
  ``\n\nHuman: ...\n\nAssistant: ...`` turns (and no prompt key); each becomes messages (the
  one space after ``Human:`` / ``Assistant:`` is the separator, the rest is the turn's text) and
  then as UltraFeedback: the prompt is the turns before the last, which both sides must share.

A file ending in ``.json`` may hold one JSON array of records (Alpaca, LLaMA-Factory and FastChat
ship them so) or one record; :func:`read_json_file` yields each with the line it starts on.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator, Optional

from jiniac_hpc import fileio
from jiniac_hpc.posttrain.templates import RESPONSE_MARK

# ShareGPT speaker names -> chat roles (FastChat's human/gpt; "user"/"assistant" as some exports
# write them; LLaMA-Factory's observation/function turns are tool turns, which we do not train).
SPEAKERS = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
            "chatgpt": "assistant", "bard": "assistant", "bing": "assistant", "system": "system"}


# An HH-RLHF turn starts with a blank line and the speaker; the one space after the colon is the
# separator (there is none after a turn left empty, as some transcripts' last answer is).
HH_TURN = re.compile(r"\n\n(Human|Assistant): ?")
HH_ROLES = {"Human": "user", "Assistant": "assistant"}


def read_json_file(path: Path) -> Optional[Iterator[tuple[int, Any]]]:
    """(1-based line where a record starts, record) of a ``.json`` file holding one JSON array of
    records or one JSON object (a single record); None when the file is JSON Lines.

    A record ``json`` refuses (an invalid ``\\`` escape, a raw control character in a string: a
    code sample pasted into an answer) yields ``(line, Skipped)`` naming it, its line and column and
    its size, and the reading goes on at the next record: its end is found by brackets and quotes
    alone (:func:`fileio.json_value_end`), or, where they do not close it (a stray quote), at the
    next ``}, {`` between two records. Where no record follows, the rest up to the closing ``]`` is
    the one skipped stretch. Text after the array's closing ``]`` (two arrays joined with ``cat``)
    yields ``(line, ValueError)`` and ends the reading, as does an array cut short.

    Memory: the file's bytes and its decoded text are held at once (a JSON array has no record
    boundary to stream at without a second parser), and the records are decoded one at a time as
    they are asked for. That suits the JSON-array datasets in use, up to hundreds of MB; a file of
    several GB should be JSON Lines (``jq -c '.[]' in.json > out.jsonl``), which is read a line at
    a time. Time is linear in the file's size: the line numbers are counted as the reading goes.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return iter([(1, ValueError(f"not UTF-8 ({e.reason} at byte {e.start + 1}): save the file as UTF-8"))])
    body = text.lstrip()
    if body.startswith("["):
        return _array_items(text, len(text) - len(body) + 1)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return None  # more than one value: JSON Lines under a .json name, as some tools save
    return iter([(text.count("\n", 0, len(text) - len(body)) + 1, obj)])


class Skipped(ValueError):
    """A record of a JSON array skipped as invalid JSON: ``kind`` the parser's reason (``Invalid
    \\escape``), ``nbytes`` its size in UTF-8 bytes, as in the file."""

    def __init__(self, message: str, kind: str, nbytes: int):
        super().__init__(message)
        self.kind, self.nbytes = kind, nbytes


# where the next object of an array of objects begins, after a record whose quotes do not close
_NEXT_OBJECT = re.compile(r"\}\s*,\s*(?=\{)")


def _skip_to(text: str, i: int) -> tuple[int, bool]:
    """(where the element that opens at ``text[i]`` and ``json`` refused ends, whether a record
    follows it): its closing bracket when a ``,`` or ``]`` comes next, else the next ``}, {``, else
    the array's closing ``]`` (the last one in the file)."""
    end, after = fileio.json_element_end(text, i)
    if end is not None:
        return end, after == ","
    m = _NEXT_OBJECT.search(text, i + 1) if text[i] == "{" else None
    if m is not None:
        return m.start() + 1, True
    close = text.rstrip().rfind("]")
    return (close if close > i else len(text)), False


def _array_items(text: str, i: int) -> Iterator[tuple[int, Any]]:
    dec = json.JSONDecoder()
    seen = [0, 1]  # (position, its line): each stretch of text is counted once, not from the start

    def line(pos: int) -> int:
        seen[1] += text.count("\n", seen[0], pos)
        seen[0] = pos
        return seen[1]

    expect_value = True
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i < len(text) and text[i] == "]":
            rest = text[i + 1:].lstrip()
            if rest:
                close, at = line(i), line(len(text) - len(rest))  # in this order: line() only moves forward
                yield at, ValueError(f"text after the JSON array's closing ']' (line {close}) at line {at}: one "
                                     "array a file (two arrays joined? merge them, or write JSON Lines); the rest "
                                     "of the file is not read")
            return
        if i < len(text) and text[i] == "," and not expect_value:
            i += 1
            expect_value = True
            continue
        try:
            obj, end = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            end, more = _skip_to(text, i) if expect_value and text[i:i + 1] in ("{", "[", '"') else (None, False)
            if end is None:
                yield line(i), ValueError(f"invalid JSON ({e.msg}: line {e.lineno} column {e.colno}); "
                                          "the rest of the file is not read")
                return
            size = len(text[i:end].encode("utf-8", "surrogatepass"))
            after = "read on from the next record" if more else "no record after it"
            yield line(i), Skipped(f"invalid JSON ({e.msg}: line {e.lineno} column {e.colno}): this record "
                                   f"({size} bytes) skipped, {after}", e.msg, size)
            i, expect_value = end, False
            continue
        yield line(i), obj
        i, expect_value = end, False


def _turns(conv: Any, key: str) -> tuple[Optional[list], str]:
    """ShareGPT turns (from/value or role/content) -> messages, or the reason they cannot be."""
    if not isinstance(conv, list) or not conv:
        return None, f"{key!r} must be a non-empty list of turns"
    out = []
    for i, t in enumerate(conv):
        if not isinstance(t, dict):
            return None, f"{key}[{i}] must be an object"
        who_key, text_key = ("from", "value") if "from" in t else ("role", "content")
        who, text = t.get(who_key), t.get(text_key)
        role = SPEAKERS.get(who.lower()) if isinstance(who, str) else None
        if role is None:
            return None, (f"{key}[{i}].{who_key} is {who!r}; known speakers: {sorted(SPEAKERS)} "
                          "(tool or function turns cannot be trained on here)")
        if not isinstance(text, str):
            return None, f"{key}[{i}].{text_key} must be a string"
        out.append({"role": role, "content": text})
    return out, ""


# The keys that give a row a prompt of its own (an HH-RLHF transcript or Orca's ``question`` has none then)
PROMPT_FORMS = {"prompt", "messages", "instruction", "conversations", "conversation"}


def is_hh(obj: dict) -> bool:
    """An Anthropic HH-RLHF pair: string transcripts, no prompt of its own."""
    return (isinstance(obj.get("chosen"), str) and obj["chosen"].startswith("\n\nHuman:")
            and not (PROMPT_FORMS & set(obj)))


def hh_messages(text: Any, key: str) -> tuple[Optional[list], str]:
    """An HH-RLHF transcript (``\n\nHuman: ...\n\nAssistant: ...``) as messages, or why not."""
    if not isinstance(text, str):
        return None, f"field {key!r} must be a string transcript, like 'chosen'"
    parts = HH_TURN.split(text)
    if parts[0] or len(parts) < 3:
        return None, f"field {key!r} does not start with a '\\n\\nHuman: ' turn (an HH-RLHF transcript)"
    return [{"role": HH_ROLES[who], "content": body} for who, body in zip(parts[1::2], parts[2::2])], ""


OASST_ROLES = {"prompter": "user", "assistant": "assistant"}


def oasst_reason(obj: dict) -> str:
    """Why an OpenAssistant message or tree row is not read as one record here ("" when it is no
    such row): such rows are joined over a whole source by :mod:`.oasst`, which the row-at-a-time
    readers (a format other than auto/oasst, the dpo-data stage's chunks) cannot do."""
    if "message_tree_id" in obj and isinstance(obj.get("prompt"), dict):
        return ("an OpenAssistant message tree: read with format auto or oasst (SFT), or as the dpo stage's "
                "data.path (ranked pairs); a row at a time it is no single record")
    if obj.get("role") in OASST_ROLES and "message_id" in obj and "parent_id" in obj:
        return ("an OpenAssistant message row (one message of a tree, linked by parent_id): read with format auto "
                "or oasst (SFT), or as the dpo stage's data.path (ranked pairs); a row at a time it is no single "
                "record")
    return ""


def _oasst_thread(thread: Any) -> tuple[Optional[list], str]:
    """An OpenAssistant conversation thread (prompter/assistant messages) as messages, or why not."""
    if not isinstance(thread, list) or not thread:
        return None, "'thread' must be a non-empty list of messages"
    out = []
    for i, m in enumerate(thread):
        role = OASST_ROLES.get(m.get("role")) if isinstance(m, dict) else None
        if role is None:
            return None, f"thread[{i}] must be a message whose role is 'prompter' or 'assistant'"
        if not isinstance(m.get("text"), str):
            return None, f"thread[{i}].text must be a string"
        out.append({"role": role, "content": m["text"]})
    return out, ""


def _with_system(obj: dict, msgs: list) -> tuple[list, str]:
    """A top-level ``system`` string (LLaMA-Factory's sharegpt column) becomes the first turn."""
    system = obj.get("system")
    if system is None or system == "":
        return msgs, ""
    if not isinstance(system, str):
        return msgs, "field 'system' must be a string"
    if msgs and msgs[0]["role"] == "system":
        return msgs, "both a 'system' field and a system turn"
    return [{"role": "system", "content": system}] + msgs, ""


def _sharegpt_messages(obj: dict) -> tuple[Optional[list], str]:
    """A ShareGPT row's ``conversations`` (and top-level ``system``) as messages, or why not."""
    key = turns_key(obj)
    msgs, err = _turns(obj.get(key), key)
    return (None, err) if err else _with_system(obj, msgs)


def turns_key(obj: dict) -> str:
    """Where a row keeps its ShareGPT-style turns: ``conversations``, or ``conversation``
    (llm-book/oasst1-21k-ja, lmsys-chat-1m: a list of role/content turns)."""
    return "conversation" if "conversation" in obj and "conversations" not in obj else "conversations"


def is_sharegpt(obj: dict) -> bool:
    return turns_key(obj) in obj and "messages" not in obj


def is_dolly(obj: dict) -> bool:
    return "instruction" in obj and "response" in obj and "output" not in obj


# Keys that make a row some other form than a renamed instruction row (ichikara, Aya).
_PROMPT_KEYS = PROMPT_FORMS | {"input", "question"}


def is_ichikara(obj: dict) -> bool:
    """An ichikara-instruction row (LIAT-AIP's JSON arrays): ``{"ID", "text", "output", "meta"?}``."""
    return "text" in obj and "output" in obj and not (_PROMPT_KEYS & set(obj))


def is_aya(obj: dict) -> bool:
    """An Aya dataset row (CohereForAI/aya_dataset; xP3 too): ``{"inputs", "targets", "language"...}``."""
    return "inputs" in obj and "targets" in obj and not (_PROMPT_KEYS & set(obj))


def has_turns(obj: dict) -> bool:
    """An Alpaca row with LLaMA-Factory's ``history`` (earlier turns) or ``system`` column filled."""
    return obj.get("history") not in (None, []) or obj.get("system") not in (None, "")


def alpaca_turns(obj: dict, answer: bool = True) -> tuple[Optional[list], str]:
    """An Alpaca row with ``history`` / ``system`` as chat messages (``answer=False`` for a DPO
    prompt: the turns end with the user's), or why not. ``history`` is ``[[instruction, answer],
    ...]``, the turns before this one; a non-empty ``input`` follows the instruction after a
    newline, as LLaMA-Factory joins them. (The llm-jp template holds one turn and no system, so
    such a row keeps every turn only as a conversation.)"""
    hist = obj.get("history") or []
    if not (isinstance(hist, list) and all(isinstance(p, (list, tuple)) and len(p) == 2
                                           and all(isinstance(t, str) for t in p) for p in hist)):
        return None, "field 'history' must be a list of [instruction, answer] pairs of strings"
    if answer:
        row, err = _instruction_row(obj, "instruction", "output", "input")
        if err:
            return None, err
    else:
        row = {"instruction": obj.get("instruction"), "input": obj.get("input") or ""}
        if not (isinstance(row["instruction"], str) and row["instruction"].strip() and isinstance(row["input"], str)):
            return None, "field 'instruction' must be a non-empty string, and 'input' a string"
    msgs = [{"role": role, "content": text} for pair in hist for role, text in zip(("user", "assistant"), pair)]
    msgs.append({"role": "user", "content": row["instruction"] + ("\n" + row["input"] if row["input"] else "")})
    if answer:
        msgs.append({"role": "assistant", "content": row["output"]})
    return _with_system(obj, msgs)


def _instruction_row(obj: dict, instruction: str, output: str, context: str = "") -> tuple[Optional[dict], str]:
    """A row whose instruction, answer (and input) sit under other names, as an instruction row;
    errors name the row's own fields (an empty answer is an "empty response", as for Alpaca rows)."""
    for key in (instruction, output):
        v = obj.get(key)
        if v is None:
            return None, f"missing field {key!r}"
        if not isinstance(v, str):
            return None, f"field {key!r} must be a string, got {type(v).__name__}"
        if not v.strip():
            return None, ("empty response: " if key == output else "") + f"field {key!r} is empty"
    ctx = obj.get(context) if context else None
    if ctx is not None and not isinstance(ctx, str):
        return None, f"field {context!r} must be a string"
    return {"instruction": obj[instruction], "input": ctx or "", "output": obj[output]}, ""


def _llm_jp_text(obj: dict) -> tuple[Optional[dict], str]:
    text = obj.get("text")
    if not isinstance(text, str):
        return None, "field 'text' must be a string"
    at = text.rfind(RESPONSE_MARK)
    if at < 0:
        return None, (f"field 'text' has no {RESPONSE_MARK.strip()!r} line to tell the prompt from the answer "
                      "(llm-jp-sft text rows need it)")
    cut = at + len(RESPONSE_MARK)
    return {"prompt": text[:cut], "completion": text[cut:]}, ""


# Keys of the other record forms: a row with "text" and none of these is an llm-jp text row
# (other columns, like the row index pandas or a Parquet export adds, are not part of it).
OTHER_FORM_KEYS = {"messages", "conversations", "conversation", "instruction", "input", "output", "response", "prompt",
                   "completion", "question", "answer", "chosen", "rejected", "thread", "inputs", "targets"}


def is_llm_jp_text(obj: dict) -> bool:
    return "text" in obj and not (OTHER_FORM_KEYS & set(obj))


def sft_record(obj: dict, fmt: str) -> tuple[Optional[dict], str]:
    """A ShareGPT, Dolly, ichikara, Aya, llm-jp-sft text or OpenAssistant thread row as a
    ``messages`` / ``instruction`` / ``prompt``+``completion`` row; other rows unchanged."""
    if obj.get("tools") not in (None, "", "[]", []):
        # Tool definitions would be dropped from the rendered text, and the answers that call
        # those tools trained without them: reject rather than train on half the context.
        return None, "field 'tools' holds tool definitions, which the chat template cannot render"
    why = oasst_reason(obj)
    if why:
        return None, why
    if (("chosen" in obj and "rejected" in obj) or "preferred_output" in obj) and "messages" not in obj:
        # HH-RLHF, ShareGPT pairs...: read as SFT they were "cannot tell the format" or a conversation
        # "not ending with the assistant's turn". (UltraFeedback rows carry "messages", the chosen side.)
        return None, ("a preference pair (chosen/rejected) is DPO data: give it to the dpo stage's data.path; an "
                      "SFT source holds one answer a prompt")
    if fmt == "auto" and "thread" in obj and "messages" not in obj:
        msgs, err = _oasst_thread(obj["thread"])
        return (None, err) if err else ({"messages": msgs}, "")
    if fmt == "sharegpt" or (fmt == "auto" and is_sharegpt(obj)):
        msgs, err = _sharegpt_messages(obj)
        return (None, err) if err else ({"messages": msgs}, "")
    if fmt == "llm_jp_text" or (fmt == "auto" and is_llm_jp_text(obj)):
        return _llm_jp_text(obj)
    if fmt in ("auto", "instruction") and "instruction" in obj and "output" in obj and has_turns(obj):
        # LLaMA-Factory's alpaca columns: earlier turns and a system prompt, which the one-turn
        # llm-jp template has no place for; read as the conversation they are, never dropped.
        if fmt == "instruction":
            return None, ("fields 'history' / 'system' hold earlier turns or a system prompt, which the llm-jp "
                          "instruction template cannot hold: read the source with format auto (a conversation)")
        msgs, err = alpaca_turns(obj)
        return (None, err) if err else ({"messages": msgs}, "")
    if fmt == "dolly" or (fmt == "auto" and is_dolly(obj)):
        return _instruction_row(obj, "instruction", "response", "context")
    if fmt == "auto" and is_ichikara(obj):
        return _instruction_row(obj, "text", "output")
    if fmt == "auto" and is_aya(obj):
        return _instruction_row(obj, "inputs", "targets")
    return obj, ""


def _answer(side: str, v: Any) -> tuple[Optional[str], Optional[list], str]:
    """(answer text, the turns before it, error) of a chosen/rejected value given as messages."""
    if isinstance(v, dict):  # one turn: {"from": "gpt", "value"} or {"role": "assistant", "content"}
        v = [v]
    msgs, err = _turns(v, side)
    if err:
        return None, None, err
    if msgs[-1]["role"] != "assistant":
        return None, None, f"the last turn of {side!r} must be the assistant's answer"
    return msgs[-1]["content"], msgs[:-1], ""


def _prompt_turns(obj: dict) -> tuple[Optional[dict], str]:
    """A pair with string answers whose prompt holds turns a string prompt cannot: prompt messages,
    a ``system`` column beside a string prompt, an Alpaca row's ``history`` / ``system``; as
    ``messages`` (the system turn first), or why not. Other rows are returned unchanged."""
    prompt, system = obj.get("prompt"), obj.get("system")
    if "instruction" in obj and has_turns(obj):
        msgs, err = alpaca_turns(obj, answer=False)
        drop: tuple = ("instruction", "input", "history", "system")
    elif isinstance(prompt, list) or (isinstance(prompt, str) and system not in (None, "")):
        msgs, err = (_turns(prompt, "prompt") if isinstance(prompt, list)
                     else ([{"role": "user", "content": prompt}], ""))
        if not err:
            msgs, err = _with_system(obj, msgs)
        drop = ("prompt", "system")
    else:
        return obj, ""
    return (None, err) if err else ({**{k: v for k, v in obj.items() if k not in drop}, "messages": msgs}, "")


def pair_record(obj: dict) -> tuple[Optional[dict], str]:
    """A preference row with message-valued answers as ``{messages|prompt.., chosen, rejected}``
    with string answers; a prompt that holds turns (:func:`_prompt_turns`) as ``messages``; other
    rows with string answers unchanged."""
    why = oasst_reason(obj)
    if why:
        return None, why
    if "question" in obj and not (PROMPT_FORMS & set(obj)):
        obj = {**{k: v for k, v in obj.items() if k != "question"}, "prompt": obj["question"]}  # Intel/orca_dpo_pairs
    if "preferred_output" in obj and isinstance(obj.get("input"), dict):
        inp = obj["input"]
        if inp.get("tools") not in (None, []):
            return None, "field 'input.tools' holds tool definitions, which the chat template cannot render"
        rest = {k: v for k, v in obj.items() if k not in ("input", "preferred_output", "non_preferred_output")}
        obj = {**rest, "prompt": inp.get("messages"), "chosen": obj["preferred_output"],
               **({"rejected": obj["non_preferred_output"]} if "non_preferred_output" in obj else {})}
    if is_hh(obj):
        sides = {}
        for side in ("chosen", "rejected"):
            if side in obj:
                sides[side], err = hh_messages(obj[side], side)
                if err:
                    return None, err
        obj = {**obj, **sides}
    elif isinstance(obj.get("chosen"), str) and isinstance(obj.get("rejected", ""), str):
        if is_sharegpt(obj):
            msgs, err = _sharegpt_messages(obj)
            return (None, err) if err else ({**obj, "messages": msgs}, "")
        return _prompt_turns(obj)
    out = {k: v for k, v in obj.items() if k not in ("chosen", "rejected", turns_key(obj))}
    before = {}
    for side in ("chosen", "rejected"):
        if side not in obj:
            continue
        text, prior, err = _answer(side, obj[side])
        if err:
            return None, err
        out[side], before[side] = text, prior
    if is_sharegpt(obj):
        prompt, err = _turns(obj[turns_key(obj)], turns_key(obj))
    elif isinstance(obj.get("prompt"), list):
        prompt, err = _turns(obj["prompt"], "prompt")
    elif before.get("chosen"):
        # Implicit prompt (UltraFeedback-binarized, TRL): the turns before each answer; both
        # sides must share them, else the pair compares answers to different questions.
        prompt, err = before["chosen"], ""
        if "rejected" in before and before["rejected"] != prompt:
            err = "'chosen' and 'rejected' differ before their last turn (not the same prompt)"
    else:
        return (None, "missing the prompt: no 'prompt', 'messages' or 'conversations', and 'chosen' holds "
                      "only the answer") if "chosen" in obj and not ({"prompt", "messages", "instruction"} & set(obj)) \
            else (out, "")
    if not err:
        prompt, err = _with_system(obj, prompt)
    if err:
        return None, err
    out.pop("prompt", None)
    return {**out, "messages": prompt}, ""
