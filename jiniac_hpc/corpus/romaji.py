"""Romanised Japanese: the prefectures' names, and person names where a notice's English lines name one.

    python -m jiniac_hpc.corpus.romaji "Contact point for the notice : KUBOTA Keiko, Contract Division"

``PREFECTURES`` is a regex of the 47 prefectures' names in romaji, with -to/-fu/-ken or
" Prefecture" (the address rule of :mod:`jiniac_hpc.corpus.pii` ends a romaji address with it).

``romaji_name_spans(text)`` returns the ``(start, end)`` spans of the name right after "procuring
entity :", "Contracting entity :" or "Contact point for the notice :" (官報's government
procurement notices, whose English summaries name their officials: "KITAHARA Hisa‑ shi,
Director‑General", "Kohei Maeda Accounting Division", "Yamamura\\nayane, Finance ..."): two
words that both spell Japanese syllables in Hepburn romaji (so "Sakata Office of River" and
"Communi‑ cations General Affairs" are not names), or family names in capitals before commas
("SHIMADA,\\nKATOU,"). A PDF's line-end hyphen may split a word ("Dai‑ suke", "KAWA‑ GUCHI").
The name pass (:mod:`jiniac_hpc.corpus.names`) adds these spans to the Japanese ones.
"""
from __future__ import annotations

import re
import sys

PREFECTURES = (r"(?:Hokkaid[oō]|Aomori|Iwate|Miyagi|Akita|Yamagata|Fukushima|Ibaraki|Tochigi|Gunma|Saitama|Chiba|"
               r"T[oō]ky[oō]|Kanagawa|Niigata|Toyama|Ishikawa|Fukui|Yamanashi|Nagano|Gifu|Shizuoka|Aichi|Mie|Shiga|"
               r"Ky[oō]to|[OŌ]saka|Hy[oō]u?go|Nara|Wakayama|Tottori|Shimane|Okayama|Hiroshima|Yamaguchi|Tokushima|"
               r"Kagawa|Ehime|K[oō]chi|Fukuoka|Saga|Nagasaki|Kumamoto|[OŌ]ita|Miyazaki|Kagoshima|Okinawa)"
               r"(?:-?[ \n]?(?:to|fu|ken)(?![A-Za-z])| Prefecture)?")
_PLACE = re.compile(rf"{PREFECTURES}|Japan|Nippon|Nihon", re.IGNORECASE)
_ANCHOR = re.compile(r"(?:[Ee]ntity|[Nn]otice|documentation)\s*[:;]\s*")
# A word as the PDF gives it: letters, maybe split by a hyphen and a space or line end.
_WORD = r"[A-Za-z]+(?:[-\u2010\u2011][ \n]?[A-Za-z]+)?"
_NAME = re.compile(rf"({_WORD})[ \n]({_WORD})(?![A-Za-z])|([A-Z]{{2,}}),[ \n]([A-Z]{{2,}})(?=,)")
# Hepburn (and its everyday variants: ou, oh, Kohrimoto): a syllable is an onset and a vowel, or a moraic n.
_ROMAJI = re.compile(r"(?:(?:kk|ss|tt|pp|tch|ssh|sh|ch|ts|[kgnhbpmr]y|[kgsztdnhbpmrwfjy])?[aiueo]h?|n(?![aiueoy]))+",
                     re.IGNORECASE)
_BREAK = re.compile(r"[-\u2010\u2011][ \n]?")


def romaji_name_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the romaji names right after a notice's entity or contact-point label."""
    out = []
    for anchor in _ANCHOR.finditer(text):
        m = _NAME.match(text, anchor.end())
        if m is None:
            continue
        words = [_BREAK.sub("", w) for w in m.groups() if w]
        if words[0][0].isupper() and all(_ROMAJI.fullmatch(w) and not _PLACE.fullmatch(w) for w in words):
            out.append(m.span())
    return out


if __name__ == "__main__":
    for arg in sys.argv[1:] or [sys.stdin.read()]:
        print([(a, b, arg[a:b]) for a, b in romaji_name_spans(arg)])
