"""Aozora Bunko's gaiji and accent notation (and the 改行 note), shared by the text and XHTML forms.

    python -m pytest tests/test_corpus_aozora.py -k gaiji

A gaiji (a character outside Shift_JIS) is given by a note: a ``U+XXXX``/``UCS-XXXX`` code, or a
JIS X 0213 plane-row-cell code (``第3水準1-84-77``, ``第4水準2-15-94``, bare ``1-2-22`` for
non-kanji), decoded with Python's ``euc_jis_2004`` codec; the XHTML form names the same code in
its image's file name (``gaiji/1-84/1-84-77.png``). A note with neither that names one of a few
characters in words (:data:`NAMED`: ``小書き片仮名ヰ``, Unicode's small kana that JIS X 0213 lacks)
is that character; any other stands for a character no set has, written ``〓`` (GETA MARK). Accented Latin letters are written ``〔e'tiquette〕`` in the
text form (:func:`accent_decompose`) and as images of JIS X 0213 row 9/11 letters in the XHTML.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Optional

PLACEHOLDER = "〓"   # Aozora's own stand-in for a character no character set has
RULE = re.compile(r"^(-{8,}|={8,})\s*$")   # a line of dashes or =: a section break, or the header's rules
BREAK_NOTE, BREAK = "［＃改行］", "\u3000"   # a break inside a line (mostly a 割り注's): a full-width space

_QUOTED = re.compile(r"「[^「」]*」")
_LEVEL = re.compile(r"第[34３４]水準\s*([12])-(\d{1,2})-(\d{1,2})(?!\d)")
_UCS = re.compile(r"(?:U\+|UCS-)([0-9A-Fa-f]{4,6})(?![0-9A-Fa-f])")
_JIS = re.compile(r"(?<![\d-])([12])-(\d{1,2})-(\d{1,2})(?![\d-])")
_NESTED = re.compile(r"※［＃[^［］]*］")     # a gaiji note inside a note's description
# characters a note names in words, with no code (then the base text's page and line): the small
# kana JIS X 0213 lacks, which Unicode's Small Kana Extension has (橋本進吉「国語音韻の変遷」's
# ク※［＃小書き片仮名ヰ、163-1］), the G clef, and the sesame dots of JIS X 0213 1-3-29/1-3-30 that
# older files name without their code (二葉亭四迷「浮雲」's ※［＃白ゴマ点、178-15］)
NAMED = {"小書き片仮名ヰ": "\U0001B164", "小書き片仮名ヱ": "\U0001B165", "小書き片仮名ヲ": "\U0001B166",
         "小書き片仮名ン": "\U0001B167", "小書き平仮名ゐ": "\U0001B150", "小書き平仮名ゑ": "\U0001B151",
         "小書き平仮名を": "\U0001B152", "ト音記号": "\U0001D11E", "白ゴマ点": "\uFE46", "黒ゴマ点": "\uFE45"}
_NAMED = re.compile(f"^({'|'.join(NAMED)})(?:、[^、「」]*\\d)?$")


def _accent_table() -> dict[str, str]:
    """Aozora's accent decomposition: letter + mark -> accented letter (the marks of
    https://www.aozora.gr.jp/annotation/external_character.html#accent; every result is a letter of
    JIS X 0213 plane 1 rows 9 and 11, which is where Aozora's converter looks them up)."""
    marks = {"`": ("\u0300", "AEIOUaeiou"), "'": ("\u0301", "AEIOUYaeiouy"), "^": ("\u0302", "AEIOUaeiou"),
             "~": ("\u0303", "ANOano"), ":": ("\u0308", "AEIOUaeiouy"), "&": ("\u030a", "Aa"),
             "_": ("\u0304", "AEIOUaeiou"), ",": ("\u0327", "Cc")}
    table = {b + m: unicodedata.normalize("NFC", b + comb) for m, (comb, bases) in marks.items() for b in bases}
    table.update({"AE&": "Æ", "ae&": "æ", "OE&": "Œ", "oe&": "œ", "s&": "ß", "O/": "Ø", "o/": "ø",
                  "!@": "¡", "?@": "¿"})
    return table


ACCENTS = _accent_table()


def jis_x0213(plane: int, row: int, cell: int) -> Optional[str]:
    """The character at JIS X 0213 plane-row-cell (men-ku-ten), or None if the code is unassigned.
    EUC-JIS-2004 stores plane 1 as bytes (0xA0+row, 0xA0+cell) and plane 2 behind an SS3 (0x8F)."""
    if plane not in (1, 2) or not (1 <= row <= 94 and 1 <= cell <= 94):
        return None
    raw = bytes([0xA0 + row, 0xA0 + cell])
    try:
        return (b"\x8f" + raw if plane == 2 else raw).decode("euc_jis_2004")
    except UnicodeDecodeError:
        return None


def gaiji_char(note: str) -> Optional[str]:
    """The character a gaiji note (the text between ``※［＃`` and ``］``) stands for, or None.
    The code is looked for outside the quoted parts (「description」, 読みは「…」, nested quotes
    peeled from the inside), so a description cannot supply it; then, where a stray or missing
    」 hides it, a code labelled 第3/第4水準 anywhere in the note but in a gaiji note nested in it."""
    bare, prev = note, None
    while bare != prev:
        prev, bare = bare, _QUOTED.sub("", bare)
    m = _UCS.search(bare)
    if m:
        cp = int(m.group(1), 16)
        return chr(cp) if cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else None
    # (not in a gaiji note nested in the description: 「姉」の正字、「女＋※［＃第3水準1-85-57］のつくり」
    # names 柹, a part of the character, which JIS X 0213 lacks)
    m = _JIS.search(bare) or _LEVEL.search(_NESTED.sub("", note))
    if m:
        return jis_x0213(*map(int, m.groups()))
    m = _NAMED.match(note)
    return NAMED[m.group(1)] if m else None


_IMAGE = re.compile(r"gaiji/(?:\d-\d{2}/)?([12])-(\d{2})-(\d{2})\.png$|gaiji0213/\d{3}/([12])_(\d{1,2})_(\d{1,2})\.gif$")


def gaiji_image_char(src: str) -> Optional[str]:
    """The character of a gaiji or accented-letter image of Aozora's XHTML
    (``../../../gaiji/1-09/1-09-63.png`` is JIS X 0213 1-9-63, é; the pages from before aozora2html
    name it ``../../../gaiji0213/060/1_84_34.gif``), or None."""
    m = _IMAGE.search(src)
    return jis_x0213(*map(int, filter(None, m.groups()))) if m else None


def char_or_placeholder(ch: Optional[str], unread: Counter) -> str:
    """``ch``, or ``〓`` for a gaiji whose note names no code (counted in ``unread['placeholder']``)."""
    if ch is None:
        unread["placeholder"] += 1
        return PLACEHOLDER
    return ch


def accent_decompose(span: str) -> Optional[str]:
    """``span`` (inside 〔〕) with its accent pairs composed, or None if it has none."""
    out, i, hit = [], 0, False
    while i < len(span):
        for k in (3, 2):
            rep = ACCENTS.get(span[i:i + k])
            if rep:
                out.append(rep)
                i += k
                hit = True
                break
        else:
            out.append(span[i])
            i += 1
    return "".join(out) if hit else None
