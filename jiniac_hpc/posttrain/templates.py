"""Prompt templates: the llm-jp instruction template and the chat format.

    python -m jiniac_hpc.posttrain.templates        # prints both renderings of a sample

Instruction data (``instruction`` / ``input`` / ``output``) is rendered with the template of
llm-jp-sft, which JINIAC used and which the eval stage uses for jaster prompts, so a
model sees at test time exactly the frame it was tuned on::

    以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。

    ### 指示:
    {instruction}

    ### 入力:
    {input}

    ### 応答:
    {output}</s>

Chat data (``messages``) goes through a Jinja chat template. By default (``chat_template:
auto``) it is the tokenizer's own template when the tokenizer ships one (the tokenizer
stage's does), else :func:`builtin_chat_template` built from :class:`ChatFormat`'s markers::

    <|system|>\\n{system}<|end|>\\n<|user|>\\n{question}<|end|>\\n<|assistant|>\\n{answer}<|end|></s><|user|>...

The assistant turn ends with the tokenizer's eos so that generation stops there. Which
characters carry loss: a template with ``{% generation %}`` blocks (the builtin one, TRL's
training copies of real templates) says so itself, and those blocks are the spans, as
``apply_chat_template(..., return_assistant_tokens_mask=True)`` has them
(:func:`generation_spans`). For any other template they are found by rendering prefixes: for
assistant turn i the span is ``render(messages[:i+1])`` minus
``render(messages[:i], add_generation_prompt=True)`` (:func:`assistant_spans`), and a template
whose prefixes render otherwise is refused, one line naming it and the turn.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from jinja2 import TemplateError

from jiniac_hpc.config import check, field

INSTRUCTION_HEAD_WITH_INPUT = ("以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。"
                               "要求を適切に満たす応答を書きなさい。")
INSTRUCTION_HEAD = "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。"
ROLES = ("system", "user", "assistant")
RESPONSE_MARK = "### 応答:\n"   # the llm-jp template's last line: the response starts after it


def render_instruction(instruction: str, input: str = "") -> str:
    """The llm-jp prompt, ending right where the response starts (after ``### 応答:\\n``)."""
    if input:
        return (f"{INSTRUCTION_HEAD_WITH_INPUT}\n\n### 指示:\n{instruction}\n\n"
                f"### 入力:\n{input}\n\n{RESPONSE_MARK}")
    return f"{INSTRUCTION_HEAD}\n\n### 指示:\n{instruction}\n\n{RESPONSE_MARK}"


def render_turns(turns: list[tuple[str, str]]) -> str:
    """A conversation's prompt in the llm-jp template, as llm-jp-dpo frames hh-rlhf-12k-ja's
    multi-turn prompts (``train.py``'s ``return_prompt_and_responses``): the one-turn head, then
    each user turn as ``### 指示:`` and each earlier answer as ``### 応答:``, ending where the next
    response starts. ``turns`` are (role, text), a user turn first and last (llm-jp-dpo frames two
    turns of one role in a row as two blocks too); one user turn gives :func:`render_instruction`'s
    prompt."""
    blocks = "".join(f"\n\n### {'指示' if role == 'user' else '応答'}:\n{text}" for role, text in turns)
    return f"{INSTRUCTION_HEAD}{blocks}\n\n{RESPONSE_MARK}"


@dataclass
class ChatFormat:
    """Markers of the builtin chat template (used when the tokenizer has no template of its own)."""

    system: str = field("<|system|>", doc="Marker that opens a system turn; must be one token of the tokenizer.")
    user: str = field("<|user|>", doc="Marker that opens a user turn; must be one token of the tokenizer.")
    assistant: str = field("<|assistant|>", doc="Marker that opens an assistant turn; one token.")
    end_of_turn: str = field("<|end|>", doc="Marker that closes every turn (assistant turns then add eos).")

    def __post_init__(self):
        for name in ("system", "user", "assistant", "end_of_turn"):
            check(bool(getattr(self, name).strip()), name, "a chat marker must not be empty")
        check(len(set(self.markers)) == 4, "assistant", "the four markers must differ")

    @property
    def markers(self) -> list[str]:
        return [self.system, self.user, self.assistant, self.end_of_turn]


def builtin_chat_template(fmt: ChatFormat) -> str:
    """A Jinja chat template for ``fmt`` with ``{% generation %}`` around what carries loss."""
    q = json.dumps  # a JSON string literal is a valid Jinja string literal (\\n escapes included)
    nl = chr(10)
    return (
        "{%- for m in messages -%}"
        "{%- if m['role'] == 'assistant' -%}"
        f"{{{{ {q(fmt.assistant + nl)} }}}}"
        f"{{% generation %}}{{{{ m['content'] + {q(fmt.end_of_turn)} + eos_token }}}}{{% endgeneration %}}"
        "{%- elif m['role'] == 'system' -%}"
        f"{{{{ {q(fmt.system + nl)} + m['content'] + {q(fmt.end_of_turn + nl)} }}}}"
        "{%- else -%}"
        f"{{{{ {q(fmt.user + nl)} + m['content'] + {q(fmt.end_of_turn + nl)} }}}}"
        "{%- endif -%}"
        "{%- endfor -%}"
        f"{{%- if add_generation_prompt -%}}{{{{ {q(fmt.assistant + nl)} }}}}{{%- endif -%}}"
    )


def parse_chat(text: str, fmt: ChatFormat, eos: str) -> list[dict]:
    """Inverse of the builtin template: rendered text -> messages (for round-trip checks)."""
    names = {fmt.system: "system", fmt.user: "user", fmt.assistant: "assistant"}
    pattern = "(" + "|".join(re.escape(m + "\n") for m in fmt.markers[:3]) + ")"
    parts = re.split(pattern, text)
    if parts[0]:
        raise ValueError(f"text does not start with a chat marker: {parts[0][:40]!r}")
    out = []
    for marker, body in zip(parts[1::2], parts[2::2]):
        role = names[marker[:-1]]
        end = fmt.end_of_turn + (eos if role == "assistant" else "\n")
        if not body.endswith(end):
            raise ValueError(f"{role} turn does not end with {end!r}: {body[-40:]!r}")
        body = body[: -len(end)]
        out.append({"role": role, "content": body})
    return out


def check_messages(messages, markers: list[str]) -> Optional[str]:
    """Why ``messages`` cannot be trained on, or None. Reasons name the turn index."""
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty list of {role, content} objects"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m or "content" not in m:
            return f"messages[{i}] must have 'role' and 'content'"
        if m["role"] not in ROLES:
            return f"messages[{i}].role is {m['role']!r}, expected one of {list(ROLES)}"
        if not isinstance(m["content"], str):
            return f"messages[{i}].content must be a string"
        for mk in markers:
            if mk in m["content"]:
                return f"messages[{i}].content contains the chat marker {mk!r}"
        if m["role"] == "system" and i != 0:
            return f"messages[{i}]: a system turn may only come first"
    first = 1 if messages[0]["role"] == "system" else 0
    if len(messages) <= first or messages[first]["role"] != "user":
        return "the conversation must start with a user turn (after an optional system turn)"
    if messages[-1]["role"] != "assistant":
        return "the last message must be the assistant's (it is what the model learns to answer)"
    for i, m in enumerate(messages):
        if m["role"] == "assistant" and not m["content"].strip():
            return f"empty response: messages[{i}] (assistant) has no content"
    return None


Render = Callable[..., str]  # render(messages, add_generation_prompt=False) -> str


def read_template_file(path: str) -> str:
    """The chat template a file holds: a .jinja file's text, or the ``chat_template`` of a JSON
    file as models ship it (``tokenizer_config.json``, ``chat_template.json``): a string, or a list
    of ``{"name", "template"}`` of which the ``default`` one is what ``apply_chat_template`` uses.

    Read as text, a JSON file would be a template too: its JSON around a rendered conversation.
    """
    text = Path(path).read_text(encoding="utf-8")
    if not path.endswith(".json"):
        return text
    try:
        value = json.loads(text).get("chat_template")
    except (ValueError, AttributeError) as e:
        raise ValueError(f"{path}: not a JSON object holding a 'chat_template' ({e})") from e
    if isinstance(value, list):   # named templates: [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
        named = {t.get("name"): t.get("template") for t in value if isinstance(t, dict)}
        value = named.get("default")
        if value is None:
            raise ValueError(f"{path}: 'chat_template' names {sorted(map(str, named))} but no 'default' template")
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{path}: no 'chat_template' string in this JSON file; give the model's "
                         "tokenizer_config.json or chat_template.json, or a .jinja file")
    return value


def template_name(tok) -> str:
    """How errors name ``tok``'s chat template: the name :func:`~jiniac_hpc.posttrain.encode.install_chat_template`
    gave it (a .jinja path, the builtin one), else the tokenizer's own."""
    return getattr(tok, "jiniac_template_name", None) or f"the chat template of {getattr(tok, 'name_or_path', '?')}"


def apply_template(tok, messages: list[dict], *, add_generation_prompt: bool = False) -> str:
    """``tok``'s chat template on ``messages``; a template that refuses them (``raise_exception``,
    as Mistral's does for a system turn, Gemma's too) raises ValueError naming the template and its
    message, a bad record."""
    try:
        return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
    except TemplateError as e:
        msg = " ".join(str(e).split())  # one line, whatever the template's message holds
        raise ValueError(f"{template_name(tok)} refuses this conversation ({msg}); use chat_template: builtin "
                         "or a template that renders every role") from e


def check_rendered(text: str, messages: list[dict], name: str = "the chat template") -> None:
    """ValueError unless every message's text is in ``text``, in order.

    Some real templates drop a role without a word (Phi-3-mini's renders no system turn, llm-jp-3's
    writes its own fixed sentence in place of any system turn), so a conversation would train
    without its system prompt. Surrounding whitespace may be trimmed. ``name`` names the template.
    """
    pos = 0
    for i, m in enumerate(messages):
        body = m["content"].strip()
        at = text.find(body, pos)
        if at < 0:
            raise ValueError(f"{name} drops or rewrites messages[{i}] ({m['role']}); use "
                             "chat_template: builtin or a template that renders every turn")
        pos = at + len(body)


def differ(a: str, b: str) -> str:
    """Where ``a`` and ``b`` part: the offset and a few characters of each, for one error line."""
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at character {i}: {a[i:i + 24]!r} vs {b[i:i + 24]!r}"


def check_closed(segment: str, answer: str, what: str) -> None:
    """ValueError (``what``, then why) when a rendered answer ``segment`` ends with the answer itself:
    no end-of-turn token or eos of the template would carry loss, so the model would not learn to stop."""
    if answer.strip() and segment.rstrip().endswith(answer.strip()):
        raise ValueError(f"{what}: no end-of-turn token would carry loss, so the model would not learn to stop; use "
                         "chat_template: builtin or a template that closes each answer (eos or an end-of-turn marker)")


GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")


def generation_spans(text: str, blocks: list[tuple[int, int]], messages: list[dict],
                     name: str = "the chat template") -> list[tuple[int, int]]:
    """One span per assistant turn from a template's ``{% generation %}`` blocks (character
    ``blocks`` of ``text``, as transformers finds them for ``return_assistant_tokens_mask``).

    Blocks that touch are one span (TRL's Phi-3.5 copy marks the closing eos in a block of its
    own); any other count than one a turn is ValueError naming ``name``, as is a span that ends
    with its answer (:func:`check_closed`).
    """
    merged: list[tuple[int, int]] = []
    for s, e in sorted(blocks):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    turns = [(i, m) for i, m in enumerate(messages) if m["role"] == "assistant"]
    if len(merged) != len(turns):
        raise ValueError(f"{name} marks {len(merged)} {{% generation %}} block(s) for {len(turns)} assistant "
                         "turn(s), so which turn each belongs to cannot be told")
    for (s, e), (i, m) in zip(merged, turns):
        check_closed(text[s:e], m["content"], f"{name} writes nothing after the answer of messages[{i}] "
                                               "(assistant) in its {% generation %} block")
    return merged


def _closes_with(eos: Optional[str], part: str, full: str) -> bool:
    """Whether ``part`` is a prefix of ``full`` but for an ``eos`` closing both."""
    closed = part.rstrip()
    return bool(eos) and closed.endswith(eos) and full.rstrip().endswith(eos) and full.startswith(closed[:-len(eos)])


def assistant_spans(render: Render, messages: list[dict], name: str = "the chat template",
                    eos: Optional[str] = None) -> tuple[str, list[tuple[int, int]]]:
    """(full text, character spans of every assistant turn), found by rendering prefixes.

    Works with any template that renders a conversation's prefix as a prefix of the whole, which
    is what generation relies on anyway, but for an ``eos`` the template writes after the last turn
    only, whatever its role (Phi-3/3.5's close every conversation so): an earlier turn's span ends
    where that eos would be. (gpt-oss's eos ``<|return|>`` ends only a last answer, an earlier one
    ends ``<|end|>``: that is refused below.) A template that renders prefixes otherwise (Qwen3's drops the empty
    ``<think>`` block of an answer once a later user turn follows; DeepSeek-R1's generation prompt
    opens a ``<think>`` its answers never show; Mistral-Nemo's writes the system prompt into the
    last user turn only) raises ValueError naming ``name``, the turn and where the two renderings
    part, rather than guess a span. So does one that writes nothing after an answer (GLM-4.5's
    leaves the next turn's ``<|user|>`` to end it), as no token of the span would teach stopping.
    """
    full = render(messages)
    spans = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = render(messages[:i], add_generation_prompt=True)
        after = render(messages[: i + 1])
        if not after.startswith(before):
            raise ValueError(f"{name} does not render messages[{i}] (assistant) after its own generation "
                             f"prompt ({differ(before, after)}), so which characters carry loss cannot be "
                             "found; use chat_template: builtin or a template that renders a conversation's "
                             "prefix as a prefix of the whole")
        end = len(after)
        if not full.startswith(after):
            if _closes_with(eos, after, full) and _closes_with(eos, render(messages[: i + 2]), full):
                end = len(after.rstrip()) - len(eos)   # the conversation's closing eos, not this turn's
            else:
                raise ValueError(f"{name} renders messages[{i}] (assistant) differently once later turns follow "
                                 f"({differ(after, full)}), so which characters carry loss cannot be found; use "
                                 "chat_template: builtin or a template that renders a conversation's prefix as a "
                                 "prefix of the whole")
        check_closed(full[len(before):end], m["content"], f"{name} writes nothing after the answer of "
                                                          f"messages[{i}] (assistant)")
        spans.append((len(before), end))
    return full, spans


if __name__ == "__main__":
    print(render_instruction("次の文を要約してください。", "東京は日本の首都です。") + "東京は首都。</s>")
    print("----")
    print(builtin_chat_template(ChatFormat()))
