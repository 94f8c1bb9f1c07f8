"""PII replacement with typed placeholders: ``scrub_pii(text) -> text``.

    python -m jiniac_hpc.corpus.pii "山田太郎さんの電話は03-1234-5678です"   # -> <PERSON>さんの電話は<PHONE>です

Types and placeholders: ``<EMAIL>``, ``<IP>`` (IPv4/IPv6), ``<CARD>`` (13-19 digits passing Luhn,
with a card-network prefix), ``<MYNUMBER>`` (12 digits whose check digit is valid under the
My Number Act's enforcement order, art. 8), ``<AADHAAR>`` (India's 12-digit Aadhaar number: first
digit 2-9, Verhoeff check digit valid), ``<PHONE>`` (Japanese numbers, +81, foreign ``+CC`` and
North American forms, Indian mobiles ``98765 43210`` / ``9876543210`` and landlines with their
STD code ``011-2345 6789``; a number may touch "Tel" or "Fax", and right after TEL, FAX or 電話 its
groups may stand apart by spaces: ``TEL 082 2814132``), ``<ADDRESS>`` (postal codes after
〒 or 郵便番号, before a prefecture, or before "Japan" in an English address line, street
addresses from the prefecture and city down to a block number: 1丁目2番3号, 19番1号, 1-2-3, and
the same in romaji, block number to ward or city and prefecture: 2-7-1 Marunouchi, Chiyoda-ku, Tokyo, or with no block
number the town, ward or city and prefecture before a postal code: Kitauoya Higashi-machi Nara-shi
6308506) and
``<PERSON>`` (person names: UniDic 人名 token sequences read in context, with
organisation names, a document's own defined terms and article references spared, and romaji
names where a notice's English lines name an official; see :mod:`jiniac_hpc.corpus.names` and
:mod:`jiniac_hpc.corpus.romaji`).

Which person names go is a source's choice (``names``, the config's ``pii_names``): ``"all"``
replaces every name found; ``"honorific"`` only those followed by a personal honorific (さん, くん,
様, 君, ...) and the known names, the rule Team JINIAC's own CulturaX filter applied (名前+敬称):
an encyclopedia or a history names public figures bare (徳田球一 in a Wikipedia article).

Precision matters as much as recall: legal text is full of numbers. Every numeric pattern is
anchored (no digit or ASCII letter on either side, but for a phone number's Tel or Fax), checked by a validator (digit counts,
Luhn, the My Number check digit, ``ipaddress``), and numbers followed by a unit (円, 年, 条, 号,
...) are left alone, so dates (2024年6月1日, 令和6年), amounts (1,234円), article numbers
(第12条第3項) and times (10:30) pass untouched.

Full-width forms and Devanagari digits (``९८७६५ ४३२१०``) are matched through a *view* of the text
in which full-width ASCII, Devanagari digits and the dash look-alikes are mapped one-to-one to ASCII; spans found in the view are replaced in the
original, so the rest of the text keeps its exact characters.
"""
from __future__ import annotations

import ipaddress
import re
import sys
from collections import Counter
from functools import lru_cache
from typing import Callable, Iterable, Optional

from jiniac_hpc.corpus.names import person_spans
from jiniac_hpc.corpus.romaji import PREFECTURES

PLACEHOLDERS = {"email": "<EMAIL>", "ip": "<IP>", "card": "<CARD>", "mynumber": "<MYNUMBER>",
                "aadhaar": "<AADHAAR>", "phone": "<PHONE>", "address": "<ADDRESS>", "person": "<PERSON>"}
ORDER = ("email", "ip", "card", "mynumber", "aadhaar", "phone", "address", "person")
# Which person names go: every name found, or (as Team JINIAC's CulturaX filter did: 名前+敬称) only
# those the text addresses with a personal honorific, plus the known names.
NAME_MODES = ("all", "honorific")
# (no 氏: news and encyclopedic prose write it after public figures' names, 安倍氏)
_PRIVATE_HON = re.compile("[ \u3000]?(?:さん|さま|くん|ちゃん|様|君|殿)")

# One-to-one (length-preserving) map to ASCII: full-width ASCII, ideographic space, dashes.
_VIEW = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_VIEW.update({0x3000: 0x20, 0x2010: 0x2D, 0x2011: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D, 0x2014: 0x2D,
              0x2015: 0x2D, 0x2212: 0x2D, 0x30FC: 0x2D, 0xFF70: 0x2D, 0xFE63: 0x2D})
_VIEW.update({0x0966 + i: 0x30 + i for i in range(10)})     # Devanagari digits ० - ९

_L = r"(?<![0-9A-Za-z])"          # no ASCII digit/letter before (Japanese text may touch the number)
_R = r"(?![0-9A-Za-z])"
# A number followed by one of these is a quantity, a date or an article number, never PII.
_UNIT = (r"(?!\s*(?:円|年|月|日|時|分|秒|号|条|項|人|件|個|万|億|兆|%|％|倍|歳|回|枚|本|冊|台|番|巻|頁|ページ"
         r"|रुपये|रुपए|रु\.|करोड़|लाख|लोग|वर्ष|साल|टन|किलो|मीटर|किमी))")

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9])")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?<![0-9.]){_OCTET}(?:\.{_OCTET}){{3}}(?![0-9]|\.[0-9])")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])")
_CARD = re.compile(rf"{_L}[0-9](?:[ -]?[0-9]){{12,18}}{_R}{_UNIT}")
_MYNUMBER = re.compile(rf"{_L}[0-9]{{4}}([ -]?)[0-9]{{4}}\1[0-9]{{4}}{_R}{_UNIT}")
# "Tel0368580058" (a PDF's contact line, the space lost): a phone number may touch Tel or Fax.
_PHONE_JP = re.compile(
    rf"(?:{_L}|(?<=[Tt][Ee][Ll])|(?<=[Ff][Aa][Xx]))(?<!\+)(?:"
    r"0[0-9]{1,4}-[0-9]{1,4}-[0-9]{3,4}"             # 03-1234-5678, 090-1234-5678, 0120-123-456
    r"|\(0[0-9]{1,4}\) ?[0-9]{1,4}-[0-9]{4}"        # (03) 1234-5678
    r"|0[0-9]{1,4}\([0-9]{1,4}\)[0-9]{4}"           # 03(1234)5678
    r"|0[5789]0[0-9]{8}|0120[0-9]{6}|0[1-9][0-9]{8}"  # unseparated mobile / free dial / landline
    rf"){_R}{_UNIT}")
# A number right after its label (TEL, FAX, 電話) with its dashes lost to spaces, as a notice's PDF text
# gives it: "TEL 082 2814132", "Tel 043 2764300", "TEL 035253 8111" (082-281-4132, 03-5253-8111).
_LABEL_BEFORE = "|".join(f"(?<={label}{sep})" for label in ("[Tt][Ee][Ll]", "[Ff][Aa][Xx]", "電話")
                         for sep in (" ", ":", ": ", ".", ". "))
_PHONE_LABELLED = re.compile(rf"(?:{_LABEL_BEFORE})0[0-9]{{1,5}}(?: [0-9]{{1,7}}){{1,2}}{_R}{_UNIT}")
_PHONE_INTL = re.compile(
    r"(?<![0-9A-Za-z+])\+[1-9][0-9]{0,2}(?:[ -]?\(0?[0-9]{1,4}\))?(?:[ -]?[0-9]{1,4}){2,5}" + _R)
# India: a mobile (6-9 and nine digits, written 98765 43210 or unseparated, a trunk 0 before it), a
# landline with its STD code (011-2345 6789, 0522-2237870: eleven digits with the 0)
_PHONE_IN = re.compile(rf"{_L}0?[6-9][0-9]{{4}}[ -]?[0-9]{{5}}{_R}{_UNIT}")
_PHONE_IN_STD = re.compile(rf"{_L}0[1-9][0-9]{{1,3}}[ -][0-9]{{3,4}}[ -]?[0-9]{{3,4}}{_R}{_UNIT}")
_AADHAAR = re.compile(rf"{_L}[2-9][0-9]{{3}}([ -]?)[0-9]{{4}}\1[0-9]{{4}}{_R}{_UNIT}")
_PHONE_NANP = re.compile(rf"{_L}(?:\([2-9][0-9]{{2}}\) ?|[2-9][0-9]{{2}}[-.])[0-9]{{3}}[-.][0-9]{{4}}{_R}")

_PREF = (r"(?:北海道|東京都|(?:京都|大阪)府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|"
         r"石川|福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|福岡|"
         r"佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県)")
_KNUM = r"[0-9一二三四五六七八九十百]+"
_BLOCK = (rf"(?:{_KNUM}丁目{_KNUM}番(?:地)?(?:{_KNUM}号?)?|{_KNUM}丁目[0-9]+-[0-9]+(?:-[0-9]+)?"
          rf"|[0-9]+番地(?:[0-9]+(?:号)?)?|{_KNUM}番{_KNUM}号|[0-9]+-[0-9]+-[0-9]+)")
_TOWN = r"[一-龥々〆ヶケがのノ・ァ-ヴ]"
_POSTAL = re.compile(r"〒 ?[0-9]{3}-?[0-9]{4}(?![0-9])|郵便番号[:： ]*[0-9]{3}-?[0-9]{4}(?![0-9])"
                     rf"|(?<![0-9-])[0-9]{{3}}-[0-9]{{4}}(?![0-9-])(?= ?{_PREF})"
                     # the English line of a notice: "Shinjuku-ku, Tokyo 162 8022 Japan", "Tokyo 100-8916, Japan"
                     r"|(?<![0-9-])[0-9]{3}[ -]?[0-9]{4}(?=,? Japan\b)")
_ADDRESS = re.compile(rf"{_PREF}{_TOWN}{{1,20}}?[市区町村郡]{_TOWN}{{0,12}}?{_BLOCK}(?![0-9])"
                      rf"|{_TOWN}{{1,6}}[市区]{_TOWN}{{1,10}}?{_KNUM}丁目{_KNUM}番(?:地)?(?:{_KNUM}号?)?")
# A Japanese street address in romaji, as company pages, papers' affiliations and the English lines of
# notices write it: the block number, the town, the ward or city with its -ku/-shi/-gun/-cho/-machi,
# then the city and prefecture and the postal code if given ("2-7-1 Marunouchi, Chiyoda-ku, Tokyo 100-8388",
# "4-5, Marunouchi 1-chome Chiyoda-ku", "Marunouchi 2-7-1, Chiyoda-ku"). The ward or city suffix is what
# makes it an address; a PDF's line-end hyphen may leave a space inside a name ("Kasumi- gaseki").
_RPREF = PREFECTURES
# (a notice's PDF text breaks its lines anywhere: "Chiyoda‑ ku", "Chouhu‑\nsotourachou", "Kasumi‑\ngaseki")
_RCH = r"[A-Za-zāīūēō]"
_RWORD = rf"[A-Z]{_RCH}*(?:-[ \n]?{_RCH}+)*"
_RWARD = (rf"[A-Za-z]{_RCH}*?(?:-[ \n]?{_RCH}+)*?(?:-[ \n]?(?:ku|shi|gun|cho|machi|mura|[Cc]ity)|(?<=[a-z])(?:ku|shi)| City)"
          r"(?![A-Za-z-])")
_RNUM = r"[0-9]{1,6}(?:-[0-9]{1,4}){0,3}"   # (up to six digits: a PDF may lose the dashes, 2-49-10 as 24910)
_RSEP = r",?[ \n]"
_ROMAJI_ADDRESS = re.compile(
    rf"(?<![0-9A-Za-z-])(?:{_RNUM}{_RSEP}{_RWORD}(?:{_RSEP}{_RWORD}){{0,2}}(?: [0-9]{{1,2}}-chome)?{_RSEP}{_RWARD}"
    rf"|{_RWORD} [0-9]{{1,4}}(?:-[0-9]{{1,4}}){{1,3}}{_RSEP}{_RWARD}"
    # (the ward or town right after the number, a number no year: then a city or prefecture must follow)
    rf"|(?:[0-9]{{5,6}}|[0-9]{{1,4}}(?:-[0-9]{{1,4}}){{1,3}}){_RSEP}{_RWARD}(?={_RSEP}(?:{_RWARD}|{_RPREF})))"
    rf"(?:{_RSEP}{_RWARD})?(?:(?:{_RSEP}{_RWORD})?{_RSEP}{_RPREF})?"
    rf"(?:{_RSEP}[0-9]{{3}}[- ]?[0-9]{{4}}(?![0-9]))?")

# A street with no block number (a town that is one block, a notice's "Kitauoya Higashi‑machi Nara‑shi
# 6308506 Japan"): the town (a word before the ward-suffixed one, a space apart, or that word alone), the
# ward or city and maybe the prefecture count as an address only before a postal code, which a mailing
# address ends with and a mention of a place ("firms in Shibuya-ku") does not. (No word before a comma:
# "The University of Tokyo, Bunkyo-ku, Tokyo 113-0033" ends an organisation's name with it.)
_ROMAJI_TOWN = re.compile(
    rf"(?<![0-9A-Za-z-])(?:{_RWORD}[ \n])?{_RWARD}(?:{_RSEP}{_RWARD})?(?:{_RSEP}{_RPREF})?"
    rf"{_RSEP}[0-9]{{3}}[- ]?[0-9]{{4}}(?![0-9])")

_CARD_SHAPES = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1), (4, 4, 4, 2), (4, 4, 4, 3)}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mynumber_ok(digits: str) -> bool:
    """Check digit of an individual number (番号法施行令 第8条): 11 - (sum P_n*Q_n mod 11), 0 if <= 1."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = digits[:11][::-1]  # P_1 is the lowest digit of the 11-digit body
    s = sum(int(p) * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, start=1))
    r = s % 11
    return int(digits[11]) == (0 if r <= 1 else 11 - r)


# Verhoeff's check: the dihedral group D5 (0-4 rotations, 5-9 reflections) and the permutation
# (1 5 8 9 4 2 7 0)(3 6) applied i times to the digit i places from the right
_D5 = [[(j + k) % 5 + 5 * ((j >= 5) != (k >= 5)) if j < 5 else (j - k) % 5 + 5 * (k < 5) for k in range(10)]
       for j in range(10)]
_P1 = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]
_PERM = [list(range(10))]
for _ in range(7):
    _PERM.append([_P1[d] for d in _PERM[-1]])


def verhoeff_ok(digits: str) -> bool:
    """Whether ``digits`` ends in a valid Verhoeff check digit (Aadhaar's checksum)."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D5[c][_PERM[i % 8][int(ch)]]
    return c == 0


def _card_ok(m: str) -> bool:
    parts = re.split(r"[ -]", m)
    digits = "".join(parts)
    if not 13 <= len(digits) <= 19 or digits[0] not in "23456" or not luhn_ok(digits):
        return False
    seps = set(re.findall(r"[ -]", m))
    return len(parts) == 1 or (len(seps) == 1 and tuple(map(len, parts)) in _CARD_SHAPES)


def _phone_jp_ok(m: str) -> bool:
    return len(re.sub(r"[^0-9]", "", m)) in (10, 11)


def _phone_intl_ok(m: str) -> bool:
    digits = re.sub(r"[^0-9]", "", m)
    if m.startswith("+81"):
        return len(digits) in (11, 12, 13)   # 81 + 9..10 digits (+ a written trunk 0)
    return 8 <= len(digits) <= 15


def _ipv6_ok(m: str) -> bool:
    if "::" not in m and m.count(":") != 7:
        return False
    try:
        ipaddress.IPv6Address(m)
    except ValueError:
        return False
    return True


# (pattern, validator) per type, applied in ORDER; earlier placeholders shield their digits.
_RULES: dict[str, list[tuple[re.Pattern, Optional[Callable[[str], bool]]]]] = {
    "email": [(_EMAIL, None)],
    "ip": [(_IPV4, None), (_IPV6, _ipv6_ok)],
    "card": [(_CARD, _card_ok)],
    "mynumber": [(_MYNUMBER, lambda m: mynumber_ok(re.sub(r"[ -]", "", m)))],
    "aadhaar": [(_AADHAAR, lambda m: verhoeff_ok(re.sub(r"[ -]", "", m)))],
    "phone": [(_PHONE_INTL, _phone_intl_ok), (_PHONE_JP, _phone_jp_ok), (_PHONE_LABELLED, _phone_jp_ok),
              (_PHONE_NANP, None), (_PHONE_IN, None),
              (_PHONE_IN_STD, lambda m: len(re.sub(r"[^0-9]", "", m)) == 11)],
    "address": [(_ADDRESS, None), (_ROMAJI_ADDRESS, None), (_ROMAJI_TOWN, None), (_POSTAL, None)],
}


def _replace(text: str, spans: list[tuple[int, int]], placeholder: str) -> tuple[str, int]:
    """``text`` with each span replaced by ``placeholder``, and how many spans there were."""
    if not spans:
        return text, 0
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], placeholder]
        last = b
    out.append(text[last:])
    return "".join(out), len(spans)


# Cheap gates on the raw text, full-width forms included (so most documents never build the
# view): every numeric type needs a run of 7+ digits and separators (IPv4 1.2.3.4 is the
# shortest), IPv6 two colons, e-mail an @, postal codes and addresses 〒, 郵便番号, 丁目, 番地,
# 番 and a digit, digits joined by a dash, "Japan" or a romaji ward or city suffix (-ku, -shi, ...).
_D = "0-9０-９०-९"
_DASH = "\\-－ー‐‑‒–—―−﹣ｰ"
_NUMBERISH = re.compile(f"[{_D}][{_D} \u3000()（）.．+＋{_DASH}]{{5,}}[{_D}]")
# (the look-ahead on the first character lets re skip the text that cannot start a match fast)
_ADDRESSISH = re.compile(f"(?=[〒郵丁番{_D}J{_DASH}])(?:〒|郵便番号|丁目|番地|番[{_D}一二三四五六七八九十]|[{_D}][{_DASH}][{_D}]|Japan"
                         f"|[{_DASH}](?:ku|shi|gun|cho|machi|mura)(?![A-Za-z]))")
_GATES: dict[str, Callable[[str], bool]] = {
    "email": lambda t: "@" in t or "＠" in t,
    "ip": lambda t: t.count(":") + t.count("：") >= 2 or _numberish(t),
    "card": lambda t: _numberish(t),
    "mynumber": lambda t: _numberish(t),
    "aadhaar": lambda t: _numberish(t),
    "phone": lambda t: _numberish(t),
    "address": lambda t: bool(_ADDRESSISH.search(t)),
}


@lru_cache(maxsize=4)
def _numberish(text: str) -> bool:
    """Asked by four gates of the same document: searched once."""
    return bool(_NUMBERISH.search(text))


@lru_cache(maxsize=16)
def _wanted(types: Optional[tuple[str, ...]]) -> frozenset[str]:
    """The PII types asked for (a source's list, checked once, not per document)."""
    wanted = frozenset(ORDER if types is None else types)
    unknown = wanted - set(ORDER)
    if unknown:
        raise ValueError(f"unknown PII types {sorted(unknown)}; known: {list(ORDER)}")
    return wanted


def _honorific_only(text: str, spans: list[tuple[int, int]], known_names: Iterable[str]) -> list[tuple[int, int]]:
    """Those of ``spans`` the text treats as a private person's: a personal honorific right after
    the name (``_PRIVATE_HON``), or one of ``known_names`` (spaces aside)."""
    known = {re.sub(r"[\s\u3000]+|君$", "", k or "") for k in known_names} - {""}
    return [(a, b) for a, b in spans
            if _PRIVATE_HON.match(text, b) or re.sub(r"[\s\u3000]+", "", text[a:b]) in known]


def scrub_pii_counts(text: str, types: Optional[Iterable[str]] = None, known_names: Iterable[str] = (),
                     fast: bool = True, names: str = "all") -> tuple[str, Counter]:
    """Replace PII of ``types`` (default: all); returns the text and replacements by type.

    ``known_names`` are names known to be in this document (a Diet record's ``speaker``): always
    replaced. ``fast=False`` runs the morphological analyser on every sentence instead of only on
    the candidates of the cheap pass (see :mod:`jiniac_hpc.corpus.names`). ``names="honorific"``
    replaces only the person names followed by a personal honorific (さん, くん, 様, 君, ...) and the
    known names: encyclopedic and historical text names public figures bare (徳田球一, 野坂参三), and
    that is what a model should learn; ``names="all"`` (the default) replaces every name found.
    """
    if names not in NAME_MODES:
        raise ValueError(f"unknown person-name mode {names!r}; known: {list(NAME_MODES)}")
    wanted = _wanted(None if types is None else tuple(types))
    counts: dict[str, int] = {}
    view = None   # the text's ASCII view, recomputed only after a replacement
    for kind in ORDER:
        if kind not in wanted:
            continue
        if kind == "person":
            spans = person_spans(text, known_names, fast)
            if names == "honorific" and spans:
                spans = _honorific_only(text, spans, known_names)
            text, n = _replace(text, spans, PLACEHOLDERS[kind])
            if n:
                counts[kind] = n
            continue
        if not _GATES[kind](text):
            continue
        if view is None:
            view = text.translate(_VIEW)
        for pattern, ok in _RULES[kind]:
            spans = [m.span() for m in pattern.finditer(view) if ok is None or ok(m.group())]
            text, n = _replace(text, spans, PLACEHOLDERS[kind])
            if n:
                counts[kind] = counts.get(kind, 0) + n
                view = text.translate(_VIEW)
    return text, Counter(counts)


def scrub_pii(text: str, known_names: Iterable[str] = (), names: str = "all") -> str:
    """``text`` with every PII type replaced by its typed placeholder (see the module docstring)."""
    return scrub_pii_counts(text, known_names=known_names, names=names)[0]


if __name__ == "__main__":
    for arg in sys.argv[1:] or [sys.stdin.read()]:
        print(scrub_pii(arg))
