"""What encoding does to the text of one corpus shard: characters in, normalised, and lost to <unk>.

    python -m jiniac_hpc.data.account tokenizer.model shard.jsonl.zst     # prints the counts

The ``pretokenize`` stage keeps token ids only, so a character the tokenizer cannot write is gone
from the training data without a trace in the shard. :class:`TextAccount` counts it, per shard:

- ``chars``: characters of the documents encoded (per split), as the corpus wrote them.
- normalisation: documents whose text the model's normaliser changes (its rule, NFKC by default;
  a model with ``remove_extra_whitespaces`` also collapses runs of spaces and strips their ends)
  and the characters they had before and after. Decoding gives back the normalised text. Under
  the project tokenizer's rule (``nfkc``, spaces kept) a document is normalised by sentencepiece
  only when Python's NFKC quick check says it is not in NFKC or it holds one of the code points
  whose mapping differs between the two Unicode versions (found once per model, :func:`nfkc_gaps`):
  the corpus stage's output is in NFKC already (Aozora sources, ``normalize: none``, are not), and
  the quick check costs a fraction of normalising every document again.
- unknown pieces: a model without byte fallback (most outside models) writes characters it does
  not know as ``<unk>``, one id for a whole run of them. Per document holding an ``<unk>`` id, the
  characters behind them are the normalised text's characters (plus the dummy prefix's "▁")
  minus those of its other pieces, from a table of piece lengths (no per-piece Python work); the
  commonest are the characters of those texts that have no piece of their own (what sentencepiece
  writes as ``<unk>``). The project tokenizer has byte fallback and never emits one.

The model's own settings (rule, byte fallback, whitespace handling) are in the stats too.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import numpy as np

from jiniac_hpc.tokenizer.nfkc import mappable_chars

TOP = 20   # commonest lost characters listed per shard



@lru_cache(maxsize=4)
def nfkc_gaps(model: bytes) -> "tuple[re.Pattern, tuple[bytes, ...]] | None":
    """A character class of the code points the sentencepiece model (serialized ``model``, its
    normaliser writing real spaces) maps otherwise than Python's NFKC, and the first bytes of their
    UTF-8 (a text with none of those bytes holds none of them: ``bytes.find`` tells it at memory
    speed); None when there are none."""
    import sentencepiece as spm

    chars = mappable_chars()
    ours = spm.SentencePieceProcessor(model_proto=model).normalize(chars)
    gaps = [ord(c) for c, o in zip(chars, ours) if o != unicodedata.normalize("NFKC", c)]
    if not gaps:
        return None
    # as ranges of consecutive code points: re tests a few ranges per character far faster than a
    # class of each code point (the gaps come in blocks a newer Unicode added)
    runs, start = [], gaps[0]
    for prev, c in zip(gaps, gaps[1:] + [None]):
        if c != prev + 1 if c is not None else True:
            runs.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
            start = c
    leads = tuple(sorted({chr(c).encode("utf-8", "surrogatepass")[:1] for c in gaps}))
    return re.compile("[" + "".join(runs) + "]"), leads


@lru_cache(maxsize=4)
def _normaliser(model: bytes):
    """(settings, the model's normaliser writing real spaces and no dummy prefix or None when it
    changes nothing, whether Python's NFKC quick check decides what it changes, the gaps), per model."""
    from sentencepiece import SentencePieceProcessor
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(model)
    ns = proto.normalizer_spec
    settings = {"normalization": ns.name, "byte_fallback": proto.trainer_spec.byte_fallback,
                "remove_extra_whitespaces": ns.remove_extra_whitespaces, "add_dummy_prefix": ns.add_dummy_prefix}
    if not (ns.precompiled_charsmap or ns.remove_extra_whitespaces or ns.normalization_rule_tsv):
        return settings, None, False, None
    ns.escape_whitespaces, ns.add_dummy_prefix = False, False
    plain = proto.SerializeToString()
    quick = ns.name == "nfkc" and not ns.remove_extra_whitespaces and not ns.normalization_rule_tsv
    return settings, SentencePieceProcessor(model_proto=plain), quick, nfkc_gaps(plain) if quick else None


@lru_cache(maxsize=4)
def _pieces(model: bytes) -> tuple[np.ndarray, "re.Pattern"]:
    """(characters each piece stands for in the normalised text, "▁" one space; none for <unk>, the
    control pieces (EOS) and byte pieces, a class of the characters with no piece of their own)."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=model)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    lengths = np.array([0 if sp.is_unknown(i) or sp.is_control(i) or sp.is_byte(i) else len(p)
                        for i, p in enumerate(pieces)], np.int64)
    single = {p for i, p in enumerate(pieces) if len(p) == 1 and not sp.is_unknown(i)} | {" "}
    return lengths, re.compile("[^" + "".join(map(re.escape, sorted(single))) + "]")


class TextAccount:
    """Counts for one shard; :meth:`add` once per encoded batch, :meth:`stats` at the end. What it
    needs of the model is built once per model in a process (a shard task is a fraction of a second
    on a small shard)."""

    def __init__(self, sp):
        self.unk, self.model = sp.unk_id(), sp.serialized_model_proto()
        self.settings, self.norm, self.quick, self.gaps = _normaliser(self.model)
        self.dummy = int(self.settings["add_dummy_prefix"])
        self.chars = {"train": 0, "eval": 0}
        self.docs_normalized = self.chars_normalized_before = self.chars_normalized_after = 0
        self.unk_tokens = self.unk_docs = self.unk_chars = 0
        self.lost: Counter = Counter()

    def _gap_in(self, text: bytes) -> bool:
        """Whether ``text`` holds a code point the model and Python's NFKC map differently."""
        if self.gaps is None:
            return False
        pattern, leads = self.gaps
        return any(text.find(b) >= 0 for b in leads) and pattern.search(text.decode("utf-8", "surrogatepass")) is not None

    def _changed(self, texts: list[bytes]) -> tuple[list[int], dict[int, bytes]]:
        """Indices of the texts the model's normaliser changes, and the normalised texts it looked at."""
        if self.quick:
            # (per document: Python's quick check answers "maybe" for some characters and then
            # normalises the whole text it was given, far slower than sentencepiece)
            gap_docs = set()
            if self.gaps is not None and self._gap_in(b"".join(texts)):   # (one look at the batch first)
                gap_docs = {i for i, t in enumerate(texts) if self._gap_in(t)}
            is_nfkc = unicodedata.is_normalized
            maybe = [i for i, t in enumerate(texts)
                     if i in gap_docs or not is_nfkc("NFKC", t.decode("utf-8", "surrogatepass"))]
            out = dict(zip(maybe, self.norm.normalize([texts[i] for i in maybe])))
            return [i for i in maybe if out[i] != texts[i]], out
        out = self.norm.normalize(texts)
        return [i for i, (a, b) in enumerate(zip(texts, out)) if a != b], dict(enumerate(out))

    def add(self, texts: list[bytes], chars: np.ndarray, held: np.ndarray, ids: np.ndarray, lens: np.ndarray) -> None:
        """One encoded batch: UTF-8 ``texts``, their character counts, eval flags, and the flat
        ids and per-text lengths the encoder returned."""
        self.chars["eval"] += int(chars[held].sum())
        self.chars["train"] += int(chars[~held].sum())
        normalised = {}
        if self.norm is not None:
            changed, normalised = self._changed(texts)
            if changed:
                self.docs_normalized += len(changed)
                self.chars_normalized_before += int(chars[changed].sum())
                self.chars_normalized_after += sum(len(normalised[i].decode("utf-8")) for i in changed)
        if self.unk < 0:
            return
        at = np.flatnonzero(ids == self.unk)
        if len(at) == 0:
            return
        self.unk_tokens += len(at)
        ends = np.cumsum(lens)
        docs = np.unique(np.searchsorted(ends, at, side="right"))
        self.unk_docs += len(docs)
        piece_len, unknown_char = _pieces(self.model)
        covered = np.add.reduceat(piece_len[ids], ends - lens)   # characters of each text's pieces
        for d in docs.tolist():
            # the normalised text: a piece inside a character's expansion (the "⁄" of ½ -> 1⁄2) has
            # no character of its own in the original (a text _changed did not normalise is its own)
            text = normalised.get(d, texts[d]).decode("utf-8", "surrogatepass")
            self.unk_chars += len(text) + (self.dummy if text else 0) - int(covered[d])
            self.lost.update(unknown_char.findall(text))

    def stats(self) -> dict:
        return {"tokenizer": self.settings, "chars": dict(self.chars),
                "normalized": {"docs": self.docs_normalized, "chars_before": self.chars_normalized_before,
                               "chars_after": self.chars_normalized_after},
                "unknown": {"tokens": self.unk_tokens, "docs": self.unk_docs, "chars": self.unk_chars,
                            "commonest": [[c, n] for c, n in self.lost.most_common(TOP)]}}


if __name__ == "__main__":
    import json
    import sys

    import sentencepiece as spm

    from jiniac_hpc import fileio

    proc = spm.SentencePieceProcessor(model_file=sys.argv[1])
    acc = TextAccount(proc)
    docs = [r["text"].encode() for r in fileio.read_jsonl(sys.argv[2], text_key="text") if r["text"]]
    enc = proc.encode(docs)
    acc.add(docs, np.array([len(d.decode()) for d in docs]), np.zeros(len(docs), bool),
            np.array([i for e in enc for i in e], np.int64), np.array([len(e) for e in enc]))
    print(json.dumps(acc.stats(), ensure_ascii=False, indent=1))
