"""Export the final sentencepiece model as an HF tokenizer folder (tokenizer.json + configs).

    python -m jiniac_hpc.tokenizer.hf logs/tokenizer/debug/tokenizer.model /tmp/hf   # export + check
    python -m jiniac_hpc.tokenizer.hf MODEL OUT --recipe jiniac-5b   # special tokens of another recipe

The folder loads offline with ``transformers.AutoTokenizer.from_pretrained(path)`` as a fast
tokenizer, built here with the ``tokenizers`` library (light to import, so the merge job
does not pay for transformers): a Unigram model over the same pieces and scores with byte
fallback, NFKC when the sentencepiece model normalises with its ``nfkc`` table, then spaces
replaced by "▁" (no dummy prefix), and user-defined symbols as added tokens.

tokenizers' NFKC follows an older Unicode version than sentencepiece's ``nfkc`` table: characters
added since (U+32FF ㋿ SQUARE ERA NAME REIWA, which sentencepiece writes 令和) would keep their form
in HF and get other ids. :func:`nfkc_gaps` finds every such code point by normalising every one NFKC may map
(:mod:`jiniac_hpc.tokenizer.nfkc`) both ways, and the export replaces each by sentencepiece's form
before NFKC.

Two deliberate details make its ids equal sentencepiece's:
- BYTE, CONTROL, UNKNOWN and USER_DEFINED pieces get a very low score in tokenizer.json.
  sentencepiece never uses them inside its lattice, but tokenizers' Unigram would: the text
  "<0x41>" would become one byte token. With the low score the normal pieces always win
  (every printable ASCII character is a piece, so they always can).
- User-defined pieces keep their real spaces ("### 指示:") as HF tokens, while the
  sentencepiece piece is "###▁指示:"; both map to the same id.

Any other model (a user's own) is refused in one line naming what the export would not
reproduce (:func:`unsupported`): among them NORMAL scores off the stage's 2^-6 grid, where
sentencepiece's float32 and tokenizers' float64 path sums break ties between segmentations of
equal score differently (:mod:`jiniac_hpc.tokenizer.spmodel`), and chat markers the model lacks,
which would become tokens past its vocabulary.

One documented difference remains: HF treats the *text* "<s>", "</s>", "<pad>", "<unk>" as
those special tokens (so a chat template can write ``{{ bos_token }}``); sentencepiece keeps
control symbols out of text, so it splits them into characters. Pass
``split_special_tokens=True`` to HF to get sentencepiece's behaviour on raw text.
"""
from __future__ import annotations

from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.tokenizer.config import SpecialTokensConfig
from jiniac_hpc.tokenizer.nfkc import mappable_chars
from jiniac_hpc.tokenizer.spmodel import SP, WS, escape, processor, quantize

NEVER = -1.0e6   # score of pieces sentencepiece never puts in its lattice

# Every turn is "<|role|>\n{content}<|end|>\n"; an assistant turn also ends with eos (inside the
# generation block, so TRL's assistant-only loss learns to stop). Roles other than
# system/user/assistant are an error rather than silently dropped.
CHAT_TEMPLATE = (
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}{{- '@SYSTEM@\n' + message['content'] + '@END@\n' -}}"
    "{%- elif message['role'] == 'user' -%}{{- '@USER@\n' + message['content'] + '@END@\n' -}}"
    "{%- elif message['role'] == 'assistant' -%}{{- '@ASSISTANT@\n' -}}"
    "{%- generation -%}{{- message['content'] + '@END@' + eos_token -}}{%- endgeneration -%}{{- '\n' -}}"
    "{%- else -%}{{- raise_exception('unknown chat role: ' + message['role']) -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '@ASSISTANT@\n' -}}{%- endif -%}"
)


def chat_template(special: SpecialTokensConfig) -> str:
    t = CHAT_TEMPLATE
    for key, tok in (("@SYSTEM@", special.system), ("@USER@", special.user),
                     ("@ASSISTANT@", special.assistant), ("@END@", special.end_of_turn)):
        t = t.replace(key, tok.replace("'", "\\'"))
    return t


def nfkc_gaps(proto) -> dict[str, str]:
    """Code points that tokenizers' NFKC and the sentencepiece model's own normaliser map
    differently, each with sentencepiece's form (spaces as spaces)."""
    from tokenizers import normalizers

    chars = mappable_chars()     # (joined by "\n", each normalised on its own)
    ours = processor(proto).normalize(chars)
    theirs = normalizers.NFKC().normalize_str("\n".join(chars)).split("\n")
    if len(theirs) != len(chars):
        raise RuntimeError(f"HF export: NFKC of {len(chars)} code points gave {len(theirs)} parts")
    return {c: o.replace(WS, " ") for c, o, h in zip(chars, ours, theirs) if o != h.replace(" ", WS)}


def unsupported(proto, special: SpecialTokensConfig) -> list[str]:
    """The settings of ``proto`` this export does not reproduce (empty: the tokenizer stage's
    layout, :func:`jiniac_hpc.tokenizer.spmodel.build`). An outside model (dummy prefix, whitespace
    folding, no byte pieces, BPE, no chat markers, scores as sentencepiece's trainer left them)
    would otherwise get an HF folder with other ids and no error."""
    ns, ts = proto.normalizer_spec, proto.trainer_spec
    bad = [f"normalization {ns.name!r} (only 'nfkc' and 'identity')"] if ns.name not in ("identity", "nfkc") else []
    bad += [name for name, on in (("add_dummy_prefix", ns.add_dummy_prefix),
                                  ("remove_extra_whitespaces", ns.remove_extra_whitespaces),
                                  ("escape_whitespaces off", not ns.escape_whitespaces),
                                  ("a normalization_rule_tsv", bool(ns.normalization_rule_tsv)),
                                  ("model_type not unigram", ts.model_type != ts.UNIGRAM),
                                  ("treat_whitespace_as_suffix", ts.treat_whitespace_as_suffix)) if on]
    if sum(p.type == SP.BYTE for p in proto.pieces) != 256:
        bad.append("no 256 byte pieces (byte fallback)")
    head = [p.piece for p in proto.pieces[:len(special.core)]]
    if head != special.core:
        bad.append(f"first pieces {head}, not {special.core}")
    # the chat markers would become new tokens past the model's vocabulary (no embedding row)
    users = {p.piece for p in proto.pieces if p.type == SP.USER_DEFINED}
    missing = [t for t in special.chat if escape(t) not in users]
    if missing:
        bad.append(f"chat markers {missing} are not user-defined pieces")
    # sentencepiece sums a path's scores in float32, tokenizers in float64: segmentations of equal
    # score (the same pieces in another order) tie in both only with scores on the stage's grid
    off = sum(p.score != quantize(p.score) for p in proto.pieces if p.type == SP.NORMAL)
    if off:
        bad.append(f"{off} piece scores off the 2^-6 grid (spmodel.SCORE_QUANTUM: the two libraries' "
                   f"float32 and float64 sums break ties between equal segmentations differently)")
    return bad


def build_tokenizer(proto, special: SpecialTokensConfig):
    """A ``tokenizers.Tokenizer`` equivalent to the sentencepiece ``proto`` (a model of the
    tokenizer stage's layout; any other fails naming what differs, see :func:`unsupported`)."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, processors

    bad = unsupported(proto, special)
    if bad:
        raise ValueError(f"HF export: the sentencepiece model has {'; '.join(bad)}: the export reproduces "
                         f"only the tokenizer stage's layout, its ids would differ from sentencepiece's")

    vocab = []
    for p in proto.pieces:
        if p.type == SP.NORMAL:
            vocab.append((p.piece, float(p.score)))
        elif p.type == SP.USER_DEFINED:
            vocab.append((p.piece.replace(WS, " "), NEVER))
        else:
            vocab.append((p.piece, NEVER))
    tok = Tokenizer(models.Unigram(vocab, unk_id=0, byte_fallback=True))
    space = normalizers.Replace(" ", WS)
    # NFKC itself, not tokenizers' Precompiled reading of sentencepiece's table: Precompiled works
    # one grapheme at a time, and drops the rest of a grapheme whose first character it maps
    # ("\xa0" + U+0900 -> " ") and leaves "ｶﾞ" decomposed ("カ" + U+3099).
    rule = proto.normalizer_spec.name
    if rule == "nfkc":   # sentencepiece's form first where HF's NFKC is older (module docstring)
        gaps = [normalizers.Replace(c, t) for c, t in sorted(nfkc_gaps(proto).items())]
        tok.normalizer = normalizers.Sequence([*gaps, normalizers.NFKC(), space])
    else:
        tok.normalizer = space
    tok.decoder = decoders.Sequence([decoders.Replace(WS, " "), decoders.ByteFallback(), decoders.Fuse()])
    # Specials first (chat markers are special too: skip_special_tokens drops them), then the
    # other user-defined symbols as plain added tokens; normalized=False: matched on raw text.
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in special.core + special.chat])
    users = [p.piece.replace(WS, " ") for p in proto.pieces
             if p.type == SP.USER_DEFINED and p.piece.replace(WS, " ") not in special.chat]
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in users])
    tok.post_processor = processors.TemplateProcessing(
        single=f"{special.bos} $A", pair=f"{special.bos} $A {special.bos} $B",
        special_tokens=[(special.bos, 1)])
    for i, p in enumerate(proto.pieces):   # every added token kept its sentencepiece id
        if p.type != SP.NORMAL and p.type != SP.BYTE:
            got = tok.token_to_id(p.piece.replace(WS, " ") if p.type == SP.USER_DEFINED else p.piece)
            if got != i:
                raise RuntimeError(f"HF export: {p.piece!r} got id {got}, sentencepiece id {i}")
    return tok


def export(proto, special: SpecialTokensConfig, out_dir: Path, model_max_length: int) -> None:
    """Write ``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json``."""
    tok = build_tokenizer(proto, special)
    with fileio.atomic_path(out_dir / "tokenizer.json") as tmp:
        tok.save(str(tmp))
    specials = {"bos_token": special.bos, "eos_token": special.eos, "unk_token": special.unk,
                "pad_token": special.pad, "additional_special_tokens": special.chat}
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **specials,
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": False,   # would eat spaces before punctuation: no round trip
        "add_bos_token": True,
        "add_eos_token": False,
        "padding_side": "right",
        "chat_template": chat_template(special),
    }
    for name, data in (("tokenizer_config.json", config), ("special_tokens_map.json", specials)):
        fileio.write_json(out_dir / name, data, indent=2)


def compare(proto, tok, texts) -> list[str]:
    """Texts whose sentencepiece and tokenizers ids differ (empty list: equal on all)."""
    sp = processor(proto)
    bad = []
    for t in texts:
        if sp.encode(t) != tok.encode(t, add_special_tokens=False).ids:
            bad.append(t)
    return bad


if __name__ == "__main__":
    import argparse
    import sys

    from jiniac_hpc.config import ConfigError, load_recipe
    from jiniac_hpc.tokenizer.config import TokenizerConfig
    from jiniac_hpc.tokenizer.spmodel import load_proto

    ap = argparse.ArgumentParser(description="Export a tokenizer stage's model as an HF folder and check its ids.")
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--recipe", default=None, help="the tokenizer recipe (name or .yaml) whose special tokens the "
                    "model was built with (default: the run's config.yaml beside the model, else debug)")
    a = ap.parse_args()
    beside = a.model.parent / "config.yaml"
    recipe = a.recipe or (beside if beside.is_file() else "debug")
    try:
        sp_cfg = load_recipe("tokenizer", TokenizerConfig, recipe).special_tokens
    except ConfigError as e:
        sys.exit(str(e))
    proto = load_proto(a.model)
    try:
        export(proto, sp_cfg, a.out, 4096)
    except ValueError as e:   # a model of another layout: one line naming the file and what differs
        sys.exit(f"{a.model}: {e} (special tokens of the tokenizer recipe {str(recipe)!r})")
    probes = ["東京都の山田太郎さん", "  def f(x):\n\treturn x  ", "नमस्ते दुनिया 😀", "<0x41> <|user|>"]
    print("mismatches:", compare(proto, build_tokenizer(proto, sp_cfg), probes))
