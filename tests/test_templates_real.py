"""Loss spans and DPO prompts under real chat templates of models a Japanese team fine-tunes from.

    pytest tests/test_templates_real.py

The templates under tests/assets/posttrain/real/templates/ are the models' own (SOURCES.md names
each); the conversations are real records of tests/assets/posttrain/real/. For every template the
characters that carry loss must be exactly each assistant answer plus the end of turn the template
writes after it; a template whose renderings of a conversation's prefixes disagree, or that refuses
or rewrites a turn, must give one line naming the template and the turn, never a guessed span.
A template with {% generation %} blocks (TRL's training copies, read from the installed trl) trains
exactly those blocks, as transformers' return_assistant_tokens_mask has them.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from jiniac_hpc.posttrain import debug_assets
from jiniac_hpc.posttrain.records import Example, read_examples, read_pairs
from jiniac_hpc.posttrain.templates import ChatFormat

REAL = Path(__file__).parent / "assets" / "posttrain" / "real"
TEMPLATES = REAL / "templates"
MARKERS = ChatFormat().markers

# What each template writes after an answer (the debug tokenizer's eos is "</s>").
END = {
    "Qwen-Qwen2.5-7B-Instruct": "<|im_end|>\n",
    "meta-llama-Llama-3.1-8B-Instruct": "<|eot_id|>",
    "google-gemma-2-2b-it": "<end_of_turn>\n",
    "deepseek-ai-DeepSeek-V3.1": "<｜end▁of▁sentence｜>",
    "mistralai-Mistral-Nemo-Instruct-2407": "</s>",
    "llm-jp-3-instruct": "</s>",
    "Qwen-Qwen3-0.6B": "<|im_end|>\n",
    "microsoft-Phi-3.5-mini-instruct": "<|end|>\n",
}


def _tok(name: str):
    from jiniac_hpc.posttrain.encode import load_tokenizer

    return load_tokenizer(str(debug_assets.cached("llama")), str(TEMPLATES / f"{name}.jinja"), ChatFormat())


def _conversations() -> dict[str, Example]:
    """Real records: a four-turn Japanese conversation (no system turn), and OpenAI's toy file's
    one-answer and four-answer records with a system turn."""
    ja, bad = read_examples(str(REAL / "llmbook_oasst1_21k_ja_row0.jsonl"), "auto", "ja", markers=MARKERS)
    oa, bad2 = read_examples(str(REAL / "openai_toy_chat_fine_tuning.jsonl"), "auto", "oa", markers=MARKERS)
    assert not bad and {e.line for e in oa} >= {1, 2}
    by_line = {e.line: e for e in oa}
    return {"ja_multi": ja[0], "system_single": by_line[1], "system_multi": by_line[2]}


CONVS = _conversations()
OK, REFUSED = "ok", "refused"
# (template, conversation) -> OK, or the words the one error line must hold besides the template's path.
EXPECT = {
    "microsoft-Phi-3.5-mini-instruct": {"ja_multi": OK, "system_single": OK, "system_multi": OK},
    "Qwen-Qwen2.5-7B-Instruct": {"ja_multi": OK, "system_single": OK, "system_multi": OK},
    "meta-llama-Llama-3.1-8B-Instruct": {"ja_multi": OK, "system_single": OK, "system_multi": OK},
    "deepseek-ai-DeepSeek-V3.1": {"ja_multi": OK, "system_single": OK, "system_multi": OK},
    "google-gemma-2-2b-it": {"ja_multi": OK, "system_single": "refuses this conversation (System role not supported)",
                             "system_multi": "refuses this conversation (System role not supported)"},
    "llm-jp-3-instruct": {"ja_multi": OK, "system_single": "drops or rewrites messages[0] (system)",
                          "system_multi": "drops or rewrites messages[0] (system)"},
    # Nemo writes the system prompt into the last user turn only: before the answer it is there, after it not.
    "mistralai-Mistral-Nemo-Instruct-2407": {
        "ja_multi": OK, "system_single": "does not render messages[2] (assistant) after its own generation prompt",
        "system_multi": "does not render messages[2] (assistant) after its own generation prompt"},
    # Qwen3 writes an empty <think> block before the last answer only: earlier answers lose it.
    "Qwen-Qwen3-0.6B": {"ja_multi": "renders messages[1] (assistant) differently once later turns follow",
                        "system_single": OK,
                        "system_multi": "renders messages[2] (assistant) differently once later turns follow"},
    # R1's generation prompt opens "<think>\n"; a rendered answer never has it.
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": {
        c: f"does not render messages[{1 if c == 'ja_multi' else 2}] (assistant) after its own generation prompt"
        for c in CONVS},
}


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_loss_spans_are_the_answers_and_their_end_of_turn(name):
    from jiniac_hpc.posttrain.encode import encode, render

    tok = _tok(name)
    for conv, want in EXPECT[name].items():
        ex = CONVS[conv]
        if want == OK:
            text, spans = render(tok, ex)
            assert text == tok.apply_chat_template(ex.messages, tokenize=False)   # the model's own rendering
            answers = [m["content"] for m in ex.messages if m["role"] == "assistant"]
            # Qwen3 writes an empty thinking block before the last answer: the model generates it too.
            think = "<think>\n\n</think>\n\n" if name == "Qwen-Qwen3-0.6B" else ""
            want = [think + a + END[name] for a in answers]
            if name == "microsoft-Phi-3.5-mini-instruct":
                want[-1] += "</s>"   # eos closes a conversation that ends with an answer
            assert [text[s:e] for s, e in spans] == want, (name, conv)
        else:
            why = encode(tok, ex, max_length=4096, add_bos=False)
            assert isinstance(why, str), (name, conv)
            assert why.startswith(f"chat template {TEMPLATES / name}.jinja ") and want in why, why
            assert "\n" not in why


@pytest.mark.parametrize("name", ["google-gemma-2-2b-it", "Qwen-Qwen2.5-7B-Instruct",
                                  "microsoft-Phi-3.5-mini-instruct"])
def test_labels_agree_with_the_generation_mask_of_trls_training_template(name):
    # TRL's SFTTrainer (assistant_only_loss) swaps these templates for its own copies with
    # {% generation %}; transformers' return_assistant_tokens_mask then says which tokens it trains.
    from trl.chat_template_utils import get_training_chat_template

    from jiniac_hpc.posttrain.encode import IGNORE, encode

    tok = _tok(name)
    training = get_training_chat_template(tok)   # raises unless our file is byte for byte TRL's original
    msgs = CONVS["ja_multi"].messages
    hf = tok.apply_chat_template(msgs, chat_template=training, tokenize=True, return_dict=True,
                                 return_assistant_tokens_mask=True)
    enc = encode(tok, CONVS["ja_multi"], max_length=4096, add_bos=False)
    assert enc["input_ids"] == hf["input_ids"]
    ours = [int(label != IGNORE) for label in enc["labels"]]
    if name == "Qwen-Qwen2.5-7B-Instruct":
        # TRL's copy opens the generation block before the "\n" that ends "<|im_start|>assistant\n",
        # which is the generation prompt's, never generated; all else is the same.
        from jiniac_hpc.posttrain.encode import render

        text, spans = render(tok, CONVS["ja_multi"])
        offsets = tok(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        extra = [i for i, (a, b) in enumerate(zip(ours, hf["assistant_masks"])) if a != b]
        assert extra and all(not ours[i] and any(offsets[i] == (s - 1, s) and text[s - 1] == "\n" for s, _ in spans)
                             for i in extra)
        ours = hf["assistant_masks"] if len(extra) == len(spans) else ours
    assert ours == hf["assistant_masks"]


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_dpo_prompts_and_answers_render_as_the_template_does(name):
    from jiniac_hpc.posttrain.encode import render
    from jiniac_hpc.posttrain.pairs import answer_text, render_prompt

    tok = _tok(name)
    pairs, _ = read_pairs(str(REAL / "dpo_en_demo.json"), "chat")
    ex = pairs[0]   # one user turn, no system
    bos = tok.bos_token
    if EXPECT[name]["ja_multi"] != OK and "generation prompt" in EXPECT[name]["ja_multi"]:
        with pytest.raises(ValueError, match=rf"^chat template .*{name}\.jinja does not render the prompt as a "
                                             r"prefix of prompt \+ answer \(at character \d+: "):
            answer_text(tok, ex, ex.completion)
        return
    own = tok.apply_chat_template(ex.messages, tokenize=False, add_generation_prompt=True)
    assert render_prompt(tok, ex, add_bos=False) == own.removeprefix(bos)
    chosen = answer_text(tok, ex, ex.completion)
    text, spans = render(tok, Example("s", "f", 1, messages=ex.messages + [{"role": "assistant",
                                                                          "content": ex.completion}]))
    assert text == own + chosen and text[spans[-1][0]:spans[-1][1]] == chosen


def test_llm_jp_3_trains_a_system_turn_only_as_its_own_sentence():
    # llm-jp-3's template writes its fixed instruction head for any system turn: a record whose
    # system text is that head trains as llm-jp-3 was tuned; any other system text is refused above.
    from jiniac_hpc.posttrain.encode import render
    from jiniac_hpc.posttrain.templates import INSTRUCTION_HEAD

    tok = _tok("llm-jp-3-instruct")
    msgs = [{"role": "system", "content": INSTRUCTION_HEAD}] + CONVS["ja_multi"].messages
    text, spans = render(tok, Example("s", "f", 1, messages=msgs))
    assert text.startswith("<s>" + INSTRUCTION_HEAD + "\n\n### 指示:\nこんにちは！\n\n### 応答:\n")
    assert [text[s:e] for s, e in spans] == [m["content"] + "</s>" for m in msgs if m["role"] == "assistant"]


def test_a_models_tokenizer_config_json_gives_its_chat_template(tmp_path):
    # chat_template: .../tokenizer_config.json (where models ship the template) was read as a
    # template itself, the whole JSON around the conversation: every record was refused as "does
    # not render a conversation's prefix as a prefix of the whole". Here the file of an earlier
    # DeepSeek-R1-Distill-Qwen-32B, whose generation prompt is "<｜Assistant｜>" alone.
    import json

    from jiniac_hpc.posttrain.encode import load_tokenizer, render

    path = TEMPLATES / "deepseek_r1_distill_qwen_32b_tokenizer_config.json"
    tok = load_tokenizer(str(debug_assets.cached("llama")), str(path), ChatFormat())
    assert tok.chat_template == json.loads(path.read_text(encoding="utf-8"))["chat_template"]
    text, spans = render(tok, CONVS["ja_multi"])
    assert text.startswith("<s><｜User｜>こんにちは！<｜Assistant｜>")
    assert [text[s:e] for s, e in spans] == [m["content"] + "<｜end▁of▁sentence｜>"
                                             for m in CONVS["ja_multi"].messages if m["role"] == "assistant"]
    # HF's list of named templates: the 'default' one, as apply_chat_template takes; none is one clear line.
    named = tmp_path / "chat_template.json"
    named.write_text(json.dumps({"chat_template": [{"name": "tool_use", "template": "{{ messages }}"}]}))
    with pytest.raises(ValueError, match=rf"^{named}: 'chat_template' names \['tool_use'\] but no 'default' template$"):
        load_tokenizer(str(debug_assets.cached("llama")), str(named), ChatFormat())


def test_an_eos_that_ends_only_a_last_answer_is_not_taken_for_a_closing_one():
    # Phi-3.5 writes eos after any last turn; gpt-oss's eos "<|return|>" ends a last answer only,
    # an earlier one ends "<|end|>" (and loses its analysis). Cutting an earlier answer at where
    # "<|return|>" would be would train it without its end: refused, naming the turn.
    from jiniac_hpc.posttrain.templates import assistant_spans

    tok = _tok("openai-gpt-oss-120b")
    msgs = CONVS["ja_multi"].messages

    def render(m, add_generation_prompt=False):
        return tok.apply_chat_template(m, tokenize=False, add_generation_prompt=add_generation_prompt)

    with pytest.raises(ValueError, match=r"renders messages\[1\] \(assistant\) differently once later turns follow "
                                         r"\(at character \d+: 'return\|>"):
        assistant_spans(render, msgs, "gpt-oss", eos="<|return|>")
    text, spans = assistant_spans(render, msgs[:2], "gpt-oss", eos="<|return|>")
    assert text[spans[0][0]:spans[0][1]] == "<|channel|>final<|message|>" + msgs[1]["content"] + "<|return|>"


def test_a_template_that_writes_nothing_after_an_answer_is_refused():
    # GLM-4.5's template ends an answer with nothing: the next turn's "<|user|>" (a stop token of the
    # model) stops it. Every span was the answer alone, and the model trained on it never learns to
    # stop (TRL's SFTTrainer warns of the same). Now one line names the template and the turn; a DPO
    # answer likewise.
    from jiniac_hpc.posttrain.encode import encode
    from jiniac_hpc.posttrain.pairs import answer_text

    tok = _tok("glm-4.5_trl")
    for conv, ex in CONVS.items():
        why = encode(tok, ex, max_length=4096, add_bos=False)
        first = next(i for i, m in enumerate(ex.messages) if m["role"] == "assistant")
        assert why == (f"chat template {TEMPLATES / 'glm-4.5_trl.jinja'} writes nothing after the answer of "
                       f"messages[{first}] (assistant): no end-of-turn token would carry loss, so the model would "
                       "not learn to stop; use chat_template: builtin or a template that closes each answer (eos "
                       "or an end-of-turn marker)"), conv
    pairs, _ = read_pairs(str(REAL / "dpo_en_demo.json"), "chat")
    with pytest.raises(ValueError, match=r"^chat template .*glm-4\.5_trl\.jinja writes nothing after the answer: "):
        answer_text(tok, pairs[0], pairs[0].completion)


@pytest.mark.parametrize("training", ["qwen3_training", "qwen2_5_training", "phi3_5_training", "deepseekv3_training",
                                      "llama3_training", "gemma3_training"])
def test_a_template_with_generation_blocks_trains_exactly_them(training):
    # TRL's training copies of real templates mark what carries loss with {% generation %}
    # (Qwen3's keeps every <think> block, so multi-turn conversations train; Qwen2.5's and
    # DeepSeek-V3's blocks open before the end of the turn's header). Spans found by rendering
    # prefixes differed from those blocks or refused the conversation; the blocks are what
    # transformers' assistant mask and TRL's assistant-only loss train.
    from importlib.resources import files

    from jiniac_hpc.posttrain.encode import IGNORE, encode, load_tokenizer

    path = files("trl") / "chat_templates" / f"{training}.jinja"
    tok = load_tokenizer(str(debug_assets.cached("llama")), str(path), ChatFormat())
    for conv in ("ja_multi", "system_multi"):
        msgs = CONVS[conv].messages
        hf = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
        enc = encode(tok, CONVS[conv], max_length=4096, add_bos=False)
        assert isinstance(enc, dict), enc
        assert enc["input_ids"] == hf["input_ids"]
        assert [int(label != IGNORE) for label in enc["labels"]] == hf["assistant_masks"], conv
