"""The code points whose NFKC may differ between Unicode versions, for comparing two normalisers.

    python -m jiniac_hpc.tokenizer.nfkc logs/tokenizer/debug/tokenizer.model   # where it and Python's NFKC differ

A sentencepiece model carries its own NFKC table, from the Unicode version of the sentencepiece
that trained it; Python's ``unicodedata`` and HF ``tokenizers`` bring theirs. Where a later version
added a mapping (㋿ U+32FF, Unicode 12.1), the same text is normalised two ways. Both places that
must agree with the model find those code points by normalising each candidate with both
normalisers once: the HF export (:func:`jiniac_hpc.tokenizer.hf.nfkc_gaps`, against tokenizers) and
pre-tokenization's accounting (:func:`jiniac_hpc.data.account.nfkc_gaps`, against Python). The
candidates are the same for both: :func:`mappable_chars`.
"""
from __future__ import annotations

# Code points NFKC maps in some Unicode version: everything but the CJK unified ideographs (which
# have no decomposition in any version), the surrogates and the planes with nothing assigned
# (4-13, 15-16).
MAPPABLE = [(0x0, 0x33FF), (0x4DC0, 0x4DFF), (0xA000, 0xD7FF), (0xE000, 0x1FFFF), (0x2F800, 0x2FA1F),
            (0xE0000, 0xE0FFF)]


def mappable_chars() -> list[str]:
    """Every code point of :data:`MAPPABLE` but "\\n": callers join the candidates with it to
    normalise them as one string (a starter that composes with nothing, so each character is
    normalised on its own)."""
    return [chr(c) for lo, hi in MAPPABLE for c in range(lo, hi + 1) if c != 0x0A]


if __name__ == "__main__":
    import sys
    import unicodedata
    from pathlib import Path

    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(Path(sys.argv[1]).read_bytes())
    ns = proto.normalizer_spec      # the table alone: no dummy prefix, spaces as spaces
    ns.add_dummy_prefix = ns.escape_whitespaces = ns.remove_extra_whitespaces = False
    sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
    chars = mappable_chars()
    for c, o in zip(chars, sp.normalize(chars)):
        if o != unicodedata.normalize("NFKC", c):
            print(f"U+{ord(c):04X} {c!r}: model {o!r}, Python {unicodedata.normalize('NFKC', c)!r}")
