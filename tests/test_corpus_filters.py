"""Filter character counts and the PII gates: fast paths that must agree with the plain regexes.

    .venv/bin/python -m pytest tests/test_corpus_filters.py -q
"""
import json
from pathlib import Path

import pytest

from jiniac_hpc.corpus import pii
from jiniac_hpc.corpus.filters import _CLASSES, class_counts
from jiniac_hpc.paths import jglue_dir

REAL = Path(__file__).parent / "assets" / "corpus" / "pii_real"
MIXED = ["日本語 text, हिन्दी पाठ! ＡＢＣ ｱｲｳ ℃ ① ～ — 𠮷野家 😀 \U000200b6",
         "\u0900\u093e\u200d\u200c", "", " \t\n", "ｰ－‐〜・「」『』【】…！？"]


def _jsquad(n):
    data = json.loads((jglue_dir() / "jsquad-v1.3-valid.json").read_text(encoding="utf-8"))
    return [p["context"] for a in data["data"] for p in a["paragraphs"]][:n]


@pytest.mark.parametrize("text", MIXED + _jsquad(40))
def test_class_counts_equal_the_regexes(text):
    got = class_counts(text)
    assert got == {name: len(rx.findall(text)) for name, rx in _CLASSES.items()}


def test_pii_gates_lose_nothing(monkeypatch):
    from test_corpus_pii import FALSE_CASES, TRUE_CASES

    texts = [t for t, _ in TRUE_CASES] + FALSE_CASES + [p.read_text(encoding="utf-8") for p in REAL.glob("*.txt")]
    texts += _jsquad(60)
    gated = [pii.scrub_pii_counts(t, pii.ORDER[:-1]) for t in texts]
    monkeypatch.setattr(pii, "_GATES", {k: (lambda t: True) for k in pii._GATES})
    assert [pii.scrub_pii_counts(t, pii.ORDER[:-1]) for t in texts] == gated
    assert sum(sum(c.values()) for _, c in gated) >= len(TRUE_CASES) - 5   # the true cases did get replaced


def test_nfkc_line_by_line_equals_unicodedata():
    """Normalising only the lines that need it gives unicodedata's NFKC of the whole text, also
    where composition could reach across a line break (a combining mark right after it)."""
    import random
    import unicodedata

    from jiniac_hpc.corpus.filters import nfkc

    # full-width and half-width forms, half-width kana with sound marks that compose (ｶﾞ -> ガ),
    # combining marks, Hangul jamo, ligatures, compatibility kanji, and line breaks
    alphabet = list("日本語ａＡ０（）　ｶﾞﾊﾟｰ・かﾞ\u3099\u309a\u0301\u0323eA\u1100\u1161\u11a8ﬁ①㍻\uf900\r\n\n ")
    rng = random.Random(0)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(3000)]
    texts += MIXED + _jsquad(40) + [p.read_text(encoding="utf-8") for p in sorted(REAL.glob("*.txt"))]
    changed = 0
    for t in texts:
        want = unicodedata.normalize("NFKC", t)
        assert nfkc(t) == want, repr(t)
        changed += want != t
    assert changed > 2000   # the random texts do exercise normalisation


def test_clean_skips_the_whitespace_regexes_only_where_they_change_nothing():
    import random

    from jiniac_hpc.corpus.config import SourceConfig
    from jiniac_hpc.corpus.filters import _BLANKS, _TRAIL, clean

    src = SourceConfig(name="t", reader="text", paths=["-"], lang="ja", normalize="none")
    rng = random.Random(1)
    texts = ["".join(rng.choice(["あ", "a", " ", "\t", "\u3000", "\n", "\r\n", "\n\n\n"]) for _ in range(rng.randrange(30)))
             for _ in range(3000)]
    for t in texts:
        plain = t.replace("\r\n", "\n")
        assert clean(t, src) == _BLANKS.sub("\n\n", _TRAIL.sub("", plain)).strip(), repr(t)


def test_latin_words_counted_by_the_table_equal_the_regex():
    """The ja rescue counts runs of Latin letters with the class table; \\p{Latin}+ is the definition."""
    import random

    import regex

    from jiniac_hpc.corpus.filters import _latin_as_words

    rng = random.Random(2)
    alphabet = list("ab éÅあ日 Z\n𠮷-ｰ") + ["\U0001DF00"]   # (U+1DF00: a Latin letter beyond the BMP)
    texts = MIXED + _jsquad(40)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(30))) for _ in range(3000)]
    for t in texts:
        c = class_counts(t)
        runs = len(regex.findall(r"\p{Latin}+", t.replace("\U0001DF00", " ")))   # astral: counted as not Latin
        assert _latin_as_words(t, c)["letter"] == c["letter"] - c["en"] + runs, repr(t)
