"""Merge per-language sentencepiece vocabularies and build the final model by editing its ModelProto.

    python -m jiniac_hpc.tokenizer.spmodel logs/tokenizer/debug/tokenizer.model   # prints the layout

Final vocabulary layout (ids):

    0 <unk> UNKNOWN | 1 <s>, 2 </s>, 3 <pad> CONTROL | chat markers, instruction markers, "\\n"
    USER_DEFINED | 256 byte pieces <0x00>..<0xFF> BYTE | ja, en, hi, code... pieces NORMAL
    (deduplicated, in recipe order) | <|reserved_i|> USER_DEFINED up to a multiple of 64/128

Every piece's spaces are stored as "▁" (sentencepiece's escaped whitespace), also inside
user-defined symbols such as "### 指示:", or sentencepiece would never match them. The
normaliser is the languages' own (all trained with the recipe's rule: NFKC's precompiled table,
or the identity), with no dummy prefix and no whitespace folding, so that
``decode(encode(x)) == normalize(x)`` (``== x`` under the identity); "▁" and all printable ASCII
characters are always single pieces, so spaces and ASCII never fall back to bytes.

NORMAL scores are rounded to multiples of :data:`SCORE_QUANTUM`. A run of repeated characters
("        ", "====", "ーーー") has several segmentations with the same pieces in another order,
so their total scores tie exactly in real arithmetic. sentencepiece sums path scores in
float32 and HF tokenizers in float64, and with arbitrary scores the two roundings break such a
tie differently (44 spaces as 16+16+12 in one, 12+16+16 in the other). With every score a
multiple of 2^-6, every path sum is exact in both while |sum| < 2^18 (float32's 24-bit
mantissa), i.e. for any text up to roughly 20K tokens, so a tie stays a tie and both take the
same first-found path. 2^-6 in log-probability moves a piece's probability by under 1%.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sentencepiece import SentencePieceProcessor
from sentencepiece import sentencepiece_model_pb2 as pb

from jiniac_hpc import fileio
from jiniac_hpc.tokenizer.config import SpecialTokensConfig

SP = pb.ModelProto.SentencePiece
WS = "\u2581"
BYTES = [f"<0x{i:02X}>" for i in range(256)]
# Always single pieces: the space and printable ASCII (code, URLs, numbers in any language).
REQUIRED = [WS] + [chr(c) for c in range(0x21, 0x7F)]
SCORE_QUANTUM = 2.0 ** -6   # see the module docstring: makes sentencepiece and HF ids agree on ties


def quantize(score: float) -> float:
    return round(score / SCORE_QUANTUM) * SCORE_QUANTUM


def load_proto(path: Path | str) -> pb.ModelProto:
    m = pb.ModelProto()
    m.ParseFromString(Path(path).read_bytes())
    return m


def processor(proto: pb.ModelProto) -> SentencePieceProcessor:
    return SentencePieceProcessor(model_proto=proto.SerializeToString())


def escape(s: str) -> str:
    return s.replace(" ", WS)


def normalizer(proto: pb.ModelProto) -> Callable[[str], str]:
    """The model's own normalisation as ``str -> str``: sentencepiece's, with spaces kept as spaces."""
    if not proto.normalizer_spec.precompiled_charsmap:
        return str
    sp = processor(proto)
    # sentencepiece writes spaces as "▁"; a literal "▁" in the text comes back as a space too,
    # as it does from decode (see the known limitation in the tests)
    return lambda text: sp.normalize(text).replace(WS, " ")


def normal_pieces(proto: pb.ModelProto, strip_prefix: bool) -> list[tuple[str, float]]:
    """A model's NORMAL pieces with scores; with ``strip_prefix`` the leading "▁" is removed
    (a bare "▁" disappears) and the duplicates this creates keep their best score."""
    out: dict[str, float] = {}
    for p in proto.pieces:
        if p.type != SP.NORMAL:
            continue
        s = p.piece[1:] if strip_prefix and p.piece.startswith(WS) else p.piece
        if s and (s not in out or p.score > out[s]):
            out[s] = p.score
    return list(out.items())


@dataclass
class Merged:
    """Deduplicated NORMAL pieces in vocabulary order, with the language each came from."""

    pieces: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)
    counts: dict[str, dict] = field(default_factory=dict)   # per language: before / after counts

    def add(self, piece: str, score: float, lang: str) -> None:
        self.pieces.append(piece)
        self.scores.append(score)
        self.origin.append(lang)


def merge(special: SpecialTokensConfig, langs: list[tuple[str, pb.ModelProto, bool]]) -> Merged:
    """Concatenate the languages' pieces in order, skipping any piece already present
    (special tokens and byte pieces included), then add the missing :data:`REQUIRED` pieces."""
    taken = set(special.core) | {escape(t) for t in special.user_symbols} | set(BYTES)
    m = Merged()
    for name, proto, strip in langs:
        before = sum(p.type == SP.NORMAL for p in proto.pieces)
        pieces = normal_pieces(proto, strip)
        added = 0
        for piece, score in pieces:
            if piece in taken:
                continue
            taken.add(piece)
            m.add(piece, score, name)
            added += 1
        m.counts[name] = {"pieces": before, "after_strip": len(pieces), "after_dedup": added,
                          "duplicates": len(pieces) - added}
    floor = min(m.scores, default=0.0) - 1.0
    extra = [c for c in REQUIRED if c not in taken]
    for c in extra:
        m.add(c, floor, "required")
    m.counts["required"] = {"pieces": len(extra), "after_strip": len(extra), "after_dedup": len(extra),
                            "duplicates": 0}
    return m


def n_fixed(special: SpecialTokensConfig) -> int:
    """Pieces before the first NORMAL one: core specials, user-defined symbols, bytes."""
    return len(special.core) + len(special.user_symbols) + len(BYTES)


def fit(m: Merged, special: SpecialTokensConfig, vocab_size: int) -> int:
    """Drop the lowest-scoring multi-character pieces until the vocabulary fits; returns how many."""
    excess = n_fixed(special) + len(m.pieces) - vocab_size
    if excess <= 0:
        return 0
    multi = sorted((i for i, p in enumerate(m.pieces) if len(p) > 1), key=lambda i: m.scores[i])
    if excess > len(multi):
        raise ValueError(f"vocab_size={vocab_size} is too small for {len(m.pieces)} pieces")
    drop = set(multi[:excess])
    keep = [i for i in range(len(m.pieces)) if i not in drop]
    m.pieces, m.scores, m.origin = ([m.pieces[i] for i in keep], [m.scores[i] for i in keep],
                                    [m.origin[i] for i in keep])
    return excess


def padded_size(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def build(template: pb.ModelProto, m: Merged, special: SpecialTokensConfig, vocab_size: int) -> pb.ModelProto:
    """The final ModelProto: the template's specs with our settings and the merged pieces."""
    out = pb.ModelProto()
    out.CopyFrom(template)
    del out.pieces[:]
    ts = out.trainer_spec
    ts.ClearField("input")
    ts.model_prefix = "tokenizer"
    ts.model_type = pb.TrainerSpec.UNIGRAM
    ts.vocab_size = vocab_size
    ts.byte_fallback = True
    ts.split_digits = True
    ts.ClearField("pretokenization_delimiter")
    ts.unk_id, ts.bos_id, ts.eos_id, ts.pad_id = 0, 1, 2, 3
    ts.unk_piece, ts.bos_piece, ts.eos_piece, ts.pad_piece = special.core
    ts.ClearField("control_symbols")
    ts.ClearField("user_defined_symbols")
    ts.user_defined_symbols.extend(special.user_symbols)
    ns = out.normalizer_spec   # the template's rule and table, as trained (see the module docstring)
    ns.add_dummy_prefix = False
    ns.remove_extra_whitespaces = False
    ns.escape_whitespaces = True

    def add(piece: str, score: float, typ) -> None:
        p = out.pieces.add()
        p.piece, p.score, p.type = piece, score, typ

    add(special.unk, 0.0, SP.UNKNOWN)
    for t in special.core[1:]:
        add(t, 0.0, SP.CONTROL)
    for t in special.user_symbols:
        add(escape(t), 0.0, SP.USER_DEFINED)
    for b in BYTES:
        add(b, 0.0, SP.BYTE)
    for piece, score in zip(m.pieces, m.scores):
        add(piece, quantize(score), SP.NORMAL)
    n = len(out.pieces)
    if n > vocab_size:
        raise ValueError(f"{n} pieces do not fit vocab_size={vocab_size}")
    for i in range(vocab_size - n):
        add(special.reserved_format.format(i=i), 0.0, SP.USER_DEFINED)
    processor(out)  # sentencepiece validates the model (duplicates, missing unk...) here
    return out


def save(proto: pb.ModelProto, path: Path) -> None:
    fileio.atomic_write(path, proto.SerializeToString())


if __name__ == "__main__":
    import sys
    from collections import Counter

    proto = load_proto(sys.argv[1])
    names = {v: k for k, v in SP.Type.items()}
    print(f"{len(proto.pieces)} pieces:", dict(Counter(names[p.type] for p in proto.pieces)))
    for i, p in enumerate(proto.pieces[:12]):
        print(i, repr(p.piece), names[p.type], p.score)
