"""Normalisation, character cleanup and the language / quality filters of one document.

    python -m jiniac_hpc.corpus.filters ja "日本語の文章です。"     # prints the cleaned text and verdict

``clean`` returns the text the rest of the pipeline sees (NFKC unless the source says
``none``, control characters removed, in a Hindi source a pipe typed for the danda after
Devanagari (``है |``, ``||``) made the danda ``।`` (``॥``), as the IndicNLP normaliser does (the
allowlist had removed it, Sm, and the sentence its end), optional per-source character allowlist: a word in another
script whole, with its attached punctuation, then any other character outside the list; trailing
spaces and runs of blank lines trimmed); ``clean_counts`` also says how many characters each
of those steps took away (``nfkc`` is negative where normalising made the text longer: NFKC
splits Hindi's precomposed nukta letters क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़ into letter + U+093C).
``reject_reason`` returns the name of the first filter that rejects the document, or None;
``reject_detail`` also says why a document is not in the source's language: ``script`` (too few
letters of its script) or the language :mod:`jiniac_hpc.corpus.langid` found it to be in (``mr``,
``de``, ...). All thresholds come from :class:`FilterConfig`.
"""
from __future__ import annotations

import dataclasses
import re
import sys
import unicodedata
from functools import lru_cache
from typing import Optional

import regex

from jiniac_hpc.corpus.config import FilterConfig, SourceConfig
from jiniac_hpc.corpus.langid import other_language

#: a pipe (or two) typed for the danda (double danda) after a Devanagari word, a space between at most
_PIPE_DANDA = re.compile(r"(?<=[\u0900-\u0963\u0966-\u097f])( ?)(\|\|?)(?!\|)")
_DANDA = {"|": "\u0964", "||": "\u0965"}
# C0/C1 controls except \t \n, plus format characters that carry nothing in running text.
# ZWNJ/ZWJ (U+200C/D) stay: they shape Devanagari conjuncts.
# Plain character classes: the standard library's re scans these faster than regex.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufff9-\ufffb]")
_TRAIL = re.compile(r"[ \t\u3000]+(?=\n|$)")
_BLANKS = re.compile(r"\n{3,}")

_LETTER = regex.compile(r"[\p{L}\p{M}]")  # marks too: Devanagari vowel signs are M*
_SCRIPT = {
    "ja": regex.compile(r"[\p{Hiragana}\p{Katakana}\p{Han}ー]"),
    "en": regex.compile(r"\p{Latin}"),
    # the letters and marks of Devanagari text: Script_Extensions, since the Vedic accents
    # U+0951/U+0952 and the Vedic Extensions are Script=Inherited (letters only, like the
    # ratio's denominator: Devanagari digits and ॰ are not letters)
    "hi": regex.compile(r"[\p{scx=Devanagari}&&[\p{L}\p{M}]]", regex.V1),
}
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}ー]")
_NONSPACE = regex.compile(r"\S")
# Symbols: Unicode S* and P*, except the sentence punctuation of ja / en / hi text.
_SYMBOL = regex.compile(r"[\p{S}\p{P}--[、。，．・「」『』（）()\[\]【】！？!?,.;:：；'\"“”‘’\-—…।॥%]]", regex.V1)


@lru_cache(maxsize=16)
def _allow_remover(allow: str):
    # '[\p{scx=Devanagari}...]' -> '[^\s\p{scx=Devanagari}...]': whitespace is always kept.
    # Runs, each with the space before it if there is one: see _removed_run.
    return regex.compile(" ?[^\\s" + allow[1:] + "+" if allow.startswith("[") and not allow.startswith("[^")
                         else f" ?(?:(?!{allow}|\\s).)+", regex.V0)


# Full-width ASCII (Ａ, （, ？, ２ ...) and the ideographic space: most of what Japanese text needs
# normalised, and each has a one-character compatibility decomposition that is its own
# decomposition. Replacing them first leaves NFKC's result unchanged (NFKC = NFC of NFKD, and
# NFKD of the text does not change), and a replace runs at memchr speed where NFKC does not.
_SIMPLE_NFKC = {c: unicodedata.normalize("NFKD", c) for c in map(chr, [*range(0xFF01, 0xFF5F), 0x3000])}
_SIMPLE_NFKC = {c: d for c, d in _SIMPLE_NFKC.items() if len(d) == 1 and unicodedata.normalize("NFKD", d) == d}
_SIMPLE_NFKC_CHARS = re.compile("[" + "".join(map(re.escape, _SIMPLE_NFKC)) + "]")


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, computed where it is cheap.

    First the one-to-one replacements above. Then only the lines that still need it are
    normalised: NFKC of a whole text equals NFKC line by line, because a line feed is a starter
    that never composes or decomposes (NFKC_Quick_Check Yes, combining class 0), so no
    normalisation step crosses it (UAX #15, "Stable Code Points"). Most lines are normal by
    then, and the quick check that says so costs a fraction of normalising them.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    for c in set(_SIMPLE_NFKC_CHARS.findall(text)):
        text = text.replace(c, _SIMPLE_NFKC[c])
    if unicodedata.is_normalized("NFKC", text):
        return text
    return "\n".join(line if unicodedata.is_normalized("NFKC", line) else unicodedata.normalize("NFKC", line)
                     for line in text.split("\n"))


@lru_cache(maxsize=16)
def _foreign_words(allow: str):
    """(a run of words on one line, each holding a letter outside the allowlist ``allow`` ('[...]') and
    none inside it, with the space or tab before the run; the allowlist), or None for an allowlist
    that is not one bracketed class."""
    if not allow.startswith("[") or allow.startswith("[^"):
        return None
    # a word: its first letter outside the list (looked for past the non-letters only), then, atomic,
    # everything up to the next space that is no letter of the list (linear: a 30,000-letter token
    # glued to Devanagari costs one pass, not one per split of it)
    word = r"(?=[\S--[\p{L}\p{M}]]*[[\p{L}\p{M}]--%s])(?>[\S--[%s&&[\p{L}\p{M}]]]*)(?!\S)" % (allow, allow)
    return (regex.compile(r"[ \t]?(?<!\S)%s(?:[ \t]+%s)*" % (word, word), regex.V1),
            regex.compile(allow, regex.V1), regex.compile(r"[[\p{L}\p{M}]--%s]" % allow, regex.V1))


_SENTENCE_END = re.compile(r"[,.;:!?]+$")
#: characters every script uses (ASCII punctuation, quotes, dashes): the danda is Devanagari's (and Bengali's ...)
_COMMON = regex.compile(r"[\p{scx=Common}\s]")


def _drop_foreign_words(text: str, allow: str) -> str:
    """``text`` without its words in another script, whole: a run of words with letters outside the
    allowlist and none in it goes with the ASCII punctuation and digits stuck to it ("(Prime Minister)",
    "https://www.example.in/news/1", "COVID-19", "“Hello”"), which the character pass would leave behind
    as "()" or "://..//1". What only the source's script writes stays (the danda of "GR।"), and so does the
    sentence punctuation after a run that follows text of the line ("मार्क II, टोयोटा" -> "मार्क,
    टोयोटा"), not after one that is a line's or a tab-separated field's whole text. A word mixing both
    scripts is left to the character pass."""
    rx = _foreign_words(allow)
    if rx is None:
        return text
    run, allowed, foreign = rx
    m = foreign.search(text)
    if m is None:
        return text
    # (from the line of the first foreign letter: the run pattern is slow to try at every position)
    start = text.rfind("\n", 0, m.start()) + 1

    def drop(m) -> str:
        w = m.group()
        # a run after text of its line, not a line's or a tab-separated field's whole text
        inline = w[:1] == " " and m.start() > 0 and text[m.start() - 1] not in "\n\t"
        kept = "".join(c for c in w if not c.isalnum() and allowed.match(c) and not _COMMON.match(c))
        end = _SENTENCE_END.search(w) if inline else None
        return kept + (end.group() if end else "")

    return run.sub(drop, text, pos=start)     # (the text before pos is returned as it is)


def _removed_run(m) -> str:
    """What a run of characters outside the allowlist (matched with the space before it, if
    any) leaves behind."""
    s, i, j = m.string, m.start(), m.end()
    after = s[j] if j < len(s) else "\n"
    if s[i] == " ":
        # a whole word between spaces ("है। GR में"): drop it with one of its spaces, else
        # every removed English word would leave a double space in the Hindi text
        return "" if after.isspace() else " "
    # Removing a run that sits between two digits would join two numbers into another one
    # (NFKC turns ½ into 1⁄2, so "8 ½" became "8 12"; "10×20" became "1020"): such a run
    # becomes one space instead, and NFKC's fraction slash the plain slash (a P* character).
    if i > 0 and s[i - 1].isdecimal() and after.isdecimal():
        return "/" if m.group() == "\u2044" else " "
    return ""


def clean_counts(text: str, src: SourceConfig) -> tuple[str, dict[str, int]]:
    """``clean``'s text and the characters each step took away: ``{"nfkc", "control", "danda",
    "char_allowlist", "whitespace"}`` (they add up to ``len(text) - len(result)``)."""
    removed = {}

    def step(name: str, before: str, after: str) -> str:
        if len(before) != len(after):
            removed[name] = removed.get(name, 0) + len(before) - len(after)
        return after

    if src.normalize == "nfkc":
        text = step("nfkc", text, nfkc(text))
    text = step("whitespace", text, text.replace("\r\n", "\n").replace("\r", "\n"))
    text = step("control", text, _CONTROL.sub("", text))
    if src.lang == "hi" and "|" in text:
        text = step("danda", text, _PIPE_DANDA.sub(lambda m: m.group(1) + _DANDA[m.group(2)], text))
    if src.char_allowlist:
        text = step("char_allowlist", text, _drop_foreign_words(text, src.char_allowlist))
        text = step("char_allowlist", text, _allow_remover(src.char_allowlist).sub(_removed_run, text))
    # (the substring tests are a memchr-speed scan; most documents need neither regex)
    if " \n" in text or "\t\n" in text or "\u3000\n" in text or text.endswith((" ", "\t", "\u3000")):
        text = step("whitespace", text, _TRAIL.sub("", text))
    if "\n\n\n" in text:
        text = step("whitespace", text, _BLANKS.sub("\n\n", text))
    return step("whitespace", text, text.strip()), removed


def clean(text: str, src: SourceConfig) -> str:
    return clean_counts(text, src)[0]


# Character classes as bit flags in one lookup table over the BMP, so a document's class counts
# are one numpy pass instead of one regex scan per class (the same regexes define the table).
_CLASSES = {"letter": _LETTER, "ja": _SCRIPT["ja"], "en": _SCRIPT["en"], "hi": _SCRIPT["hi"], "kana": _KANA,
            "nonspace": _NONSPACE, "symbol": _SYMBOL}
_BIT = {name: 1 << i for i, name in enumerate(_CLASSES)}


@lru_cache(maxsize=1)
def _class_table():
    """(the flags of every BMP code point, the (classes, 256) 0/1 matrix of which flag values carry
    each class's bit), built once from the class regexes."""
    import numpy as np

    bmp = "".join(chr(c) if not 0xD800 <= c < 0xE000 else " " for c in range(0x10000))
    table = np.zeros(0x10000, dtype=np.uint8)
    for name, rx in _CLASSES.items():
        idx = [m.start() for m in rx.finditer(bmp)]
        table[idx] |= _BIT[name]
    table[0xD800:0xE000] = 0
    values = np.arange(256)
    masks = np.stack([(values & bit) > 0 for bit in _BIT.values()]).astype(np.int64)
    return table, masks


def class_counts(text: str) -> dict[str, int]:
    """How many characters of ``text`` fall in each class (letter, ja, en, hi, kana, nonspace, symbol)."""
    import numpy as np

    # (called once per document: few numpy calls, since each costs about a microsecond)
    table, masks = _class_table()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    astral = codes.size and codes.max() >= 0x10000
    flags = table[codes[codes < 0x10000] if astral else codes]
    counts = dict(zip(_BIT, (masks @ np.bincount(flags, minlength=256)).tolist()))
    if astral:   # rare (CJK extension B, emoji): ask the regexes themselves
        rest = "".join(map(chr, codes[codes >= 0x10000].tolist()))
        for name, rx in _CLASSES.items():
            counts[name] += len(rx.findall(rest))
    return counts


def _ratio(n: int, d: int) -> float:
    return n / d if d else 0.0


def _latin_as_words(text: str, c: dict[str, int]) -> dict[str, int]:
    """``c`` with each run of Latin letters counted as one letter (and one non-space character).

    A kanji or kana carries about as much as a Latin word: counted letter by letter, the English
    names and code of a Japanese page outweigh its Japanese (JSQuAD's ドミニカ国 paragraph, a
    Japanese React guide); counted word by word, they do not, while English text that quotes a
    few Japanese words stays mostly Latin words."""
    import numpy as np

    # runs of the class table's Latin flag (the same \p{Latin} as class "en"; astral code points,
    # clipped to U+FFFF, count as not Latin): one numpy pass, where a regex scan of a long page
    # cost several times the whole filter
    table, _ = _class_table()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    latin = (table[np.minimum(codes, 0xFFFF)] & _BIT["en"]) > 0
    words = int(np.count_nonzero(latin[1:] & ~latin[:-1])) + int(latin[:1].sum())
    return dict(c, letter=c["letter"] - c["en"] + words, nonspace=c["nonspace"] - c["en"] + words)


def reject_detail(text: str, lang: str, filters: list[str], th: FilterConfig) -> tuple[Optional[str], Optional[str]]:
    """``reject_reason``'s verdict and, for ``lang``, what the text is instead: ``script`` (too few
    letters of the source's script) or the language langid found (``mr``, ``ne``, ``sa``, ``de``, ...)."""
    if not text:
        return "empty", None
    if "length" in filters:
        if len(text) < th.min_chars:
            return "too_short", None
        if len(text) > th.max_chars:
            return "too_long", None
    need_letters = "lang" in filters or ("ja_ratio" in filters and lang == "ja")
    if need_letters or "symbols" in filters:
        c = class_counts(text)
    if need_letters:
        own = c[lang]
        words = None   # the counts with Latin words as units, computed only where a ja ratio falls short
        if "lang" in filters:
            if _ratio(own, c["letter"]) < th.lang_min_ratio:
                words = _latin_as_words(text, c) if lang == "ja" else None
                if words is None or _ratio(own, words["letter"]) < th.lang_min_ratio:
                    return "lang", "script"
            if th.lang_word_margin:
                other = other_language(text, lang, th.lang_word_margin)
                if other:
                    return "lang", other
        if "ja_ratio" in filters and lang == "ja":
            if _ratio(c["kana"], own) < th.ja_min_kana_ratio:
                return "ja_ratio", None
            if _ratio(own, c["nonspace"]) < th.ja_min_char_ratio:
                words = words or _latin_as_words(text, c)
                if _ratio(own, words["nonspace"]) < th.ja_min_char_ratio:
                    return "ja_ratio", None
    if "symbols" in filters:
        if _ratio(c["symbol"], c["nonspace"]) > th.max_symbol_ratio:
            return "symbols", None
    if "repeated_lines" in filters:
        lines = [x.strip() for x in text.split("\n") if x.strip()]
        if len(lines) >= 3 and _ratio(len(lines) - len(set(lines)), len(lines)) > th.max_dup_line_ratio:
            return "repeated_lines", None
    return None, None


def reject_cleaned(raw: str, text: str, removed: dict[str, int], src: SourceConfig,
                   th: FilterConfig) -> tuple[Optional[str], Optional[str]]:
    """``reject_detail`` of ``text``, what :func:`clean_counts` made of ``raw`` (``removed``: its
    steps' counts). Where the character allowlist left the document empty or too short, the verdict
    on it before the allowlist if that is ``lang``: romanised Hindi ("mere timer ko roko") in a Hindi
    source whose allowlist removes Latin words is a document in another script (``lang``,
    ``script``), not an ``empty`` one."""
    reason, detail = reject_detail(text, src.lang, src.filters, th)
    if reason in ("empty", "too_short") and removed.get("char_allowlist") and "lang" in src.filters:
        before = reject_detail(clean(raw, dataclasses.replace(src, char_allowlist=None)), src.lang, ["lang"], th)
        if before[0] == "lang":
            return before
    return reason, detail


def reject_reason(text: str, lang: str, filters: list[str], th: FilterConfig) -> Optional[str]:
    """The first failing filter: empty, too_short, too_long, lang, ja_ratio, symbols, repeated_lines."""
    return reject_detail(text, lang, filters, th)[0]


if __name__ == "__main__":
    src = SourceConfig(name="cli", reader="text", paths=["-"], lang=sys.argv[1])
    t = clean(sys.argv[2], src)
    print(t)
    print("reject:", *reject_detail(t, src.lang, src.filters, FilterConfig(min_chars=1)))
