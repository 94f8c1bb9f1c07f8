"""What encoding does to the text of one corpus shard: characters in, normalised, and lost to <unk>.

    python -m jiniac_hpc.data.account tokenizer.model shard.jsonl.zst     # prints the counts

The ``pretokenize`` stage keeps token ids only, so a character the tokenizer cannot write is gone
from the training data without a trace in the shard. :class:`TextAccount` counts it, per shard:

- ``chars``: characters of the documents encoded (per split), as the corpus wrote them.
- normalisation: documents whose text the model's normaliser changes (its rule, NFKC by default;
  a model with ``remove_extra_whitespaces`` also collapses runs of spaces and strips their ends)
  and the characters they had before and after. Decoding gives back the normalised text.
- unknown pieces: a model without byte fallback (most outside models) writes characters it does
  not know as ``<unk>``, one id for a whole run of them. Every document holding an ``<unk>`` id is
  normalised and encoded once more with piece spans, so the characters of its normalised text
  behind the ``<unk>`` ids are counted exactly (and the commonest listed); the project tokenizer
  has byte fallback and never emits one.

The model's own settings (rule, byte fallback, whitespace handling) are in the stats too.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

TOP = 20   # commonest lost characters listed per shard


class TextAccount:
    """Counts for one shard; :meth:`add` once per encoded batch, :meth:`stats` at the end."""

    def __init__(self, sp):
        from sentencepiece import SentencePieceProcessor
        from sentencepiece import sentencepiece_model_pb2 as pb

        self.sp, self.unk = sp, sp.unk_id()
        proto = pb.ModelProto()
        proto.ParseFromString(sp.serialized_model_proto())
        ns = proto.normalizer_spec
        self.settings = {"normalization": ns.name, "byte_fallback": proto.trainer_spec.byte_fallback,
                         "remove_extra_whitespaces": ns.remove_extra_whitespaces,
                         "add_dummy_prefix": ns.add_dummy_prefix}
        # The same normaliser writing real spaces and no dummy prefix: its output is the text that
        # decode gives back, comparable with the input (None: it changes nothing).
        self.norm = None
        if ns.precompiled_charsmap or ns.remove_extra_whitespaces or ns.normalization_rule_tsv:
            ns.escape_whitespaces, ns.add_dummy_prefix = False, False
            self.norm = SentencePieceProcessor(model_proto=proto.SerializeToString())
        self.chars = {"train": 0, "eval": 0}
        self.docs_normalized = self.chars_normalized_before = self.chars_normalized_after = 0
        self.unk_tokens = self.unk_docs = self.unk_chars = 0
        self.lost: Counter = Counter()

    def add(self, texts: list[bytes], chars: np.ndarray, held: np.ndarray, ids: np.ndarray, lens: np.ndarray) -> None:
        """One encoded batch: UTF-8 ``texts``, their character counts, eval flags, and the flat
        ids and per-text lengths the encoder returned."""
        self.chars["eval"] += int(chars[held].sum())
        self.chars["train"] += int(chars[~held].sum())
        if self.norm is not None:
            out = self.norm.normalize(texts)
            changed = [i for i, (a, b) in enumerate(zip(texts, out)) if a != b]
            if changed:
                self.docs_normalized += len(changed)
                self.chars_normalized_before += int(chars[changed].sum())
                self.chars_normalized_after += sum(len(out[i].decode("utf-8")) for i in changed)
        if self.unk < 0:
            return
        at = np.flatnonzero(ids == self.unk)
        if len(at) == 0:
            return
        self.unk_tokens += len(at)
        docs = np.unique(np.searchsorted(np.cumsum(lens), at, side="right"))
        self.unk_docs += len(docs)
        for d in docs.tolist():
            # Spans in the normalised text: a piece inside a character's expansion (the "⁄" of
            # ½ -> 1⁄2) has no span of its own in the original. Normalising is idempotent.
            text = self.norm.normalize(texts[d]) if self.norm is not None else texts[d]
            for p in self.sp.encode(text, return_type="proto").pieces:
                if p.id == self.unk:
                    self.unk_chars += len(p.surface)
                    self.lost.update(p.surface)

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
