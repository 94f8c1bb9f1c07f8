"""Names where a list or a formula says a name stands, read whole even where UniDic knows only one half.

    python -m jiniac_hpc.corpus.name_lists "委員長 坪川 信三君" "九月八日  委員武市恭信辞任につき"

Each function takes a document and the ``found`` spans of the name pass
(:mod:`jiniac_hpc.corpus.names`) and returns more spans:

* ``listed``: an entry of a Diet attendance list (鈴木　大地君), a judge's signature
  (裁判長裁判官　北川　清) and an official or contact person after the post (院長　吉野　茂文◎…);
* ``bracket_lists``: the items of a bracketed list of family names (担当（横田・神田・田幡・久保）);
* ``agents``: the names of a ruling's list of counsel, one to a line (同訴訟代理人弁護士　重冨貴光);
* ``membership_changes``: the member who resigns and the one chosen in his place in the prose
  formula of older Diet minutes (委員武市恭信辞任につき、その補欠として西  岡武夫君が…).
"""
from __future__ import annotations

import re
import sys

from jiniac_hpc.corpus.lexicon import KANJI as _KANJI, plain_words
from jiniac_hpc.corpus.name_runs import name_runs
from jiniac_hpc.corpus.name_words import TITLES as _TITLES

_KANJI_RUN = re.compile(rf"[{_KANJI}]+")
# A line of a ruling's list of counsel: a role (or 同 "the same") and a name, or a name alone.
_AGENT_LINE = re.compile(rf"[ \u3000]*((?:同[ \u3000]?)?(?:訴訟)?(?:復)?代理人(?:弁護士|弁理士)?|(?:主任)?弁護人|同)?"
                         rf"[ \u3000]*([{_KANJI}ぁ-んァ-ヴー]{{1,5}}(?:[ \u3000]{{1,2}}[{_KANJI}ぁ-んァ-ヴー]{{1,5}})?)?[ \u3000]*")
_LINE = re.compile(r"[^\n]+")
_NAME_LIST = re.compile(rf"[（(]([{_KANJI}]{{2,4}}(?:・[{_KANJI}]{{2,4}})+)[）)]")
# An entry of a Diet minutes' attendance list or agenda: family and given name apart, then 君
# (理事　鈴木　大地君, 審議官）　水田　　豊君). UniDic often reads only one half as a name
# (大地, 真実 and 高徳 are words), which would leave the other half in the text.
# An entry counts when a name found in it says it is one, and its first half is no title or
# other UniDic word that is never a name (理事　田野瀬太道君, 決算委員長　竹山祐太郎君: the role).
# A judge's signature at the end of a ruling, name halves apart: 裁判長裁判官　北川　清,
# 裁判官　白木　勇　裁判官… (UniDic takes 清 and 勇 for words, or 北川 alone for a place).
_SIGNED = re.compile(rf"(?<=裁判官)[ \u3000]?([{_KANJI}ぁ-んァ-ヴー]{{1,5}})[ \u3000]{{1,3}}[{_KANJI}ぁ-んァ-ヴー]{{1,5}}"
                     r"(?=[ \u3000]*(?:\n|\Z|裁判官|[)）]))")
# An official or a contact person after the post, name halves apart, before a phone number or the
# line's end (院長　吉野　茂文◎調達機関番号, 契約課　明岡　和志　電話…, 用度係　綿井　正典電話…).
_OFFICIAL = re.compile(rf"(?:(?<=[長官役係課室])|(?<=担当))[ \u3000]([{_KANJI}]{{1,4}})[ \u3000]{{1,2}}([{_KANJI}]{{1,3}})"
                       r"(?<![君氏様殿])(?=[ \u3000]?(?:電話|ＴＥＬ|TEL)|[◎〇\n]|\Z)")
ROLE_END = _TITLES + ("長", "官", "員", "事")
# (searched for in the 16 characters before each 君, so it ends there: \Z at the search's end)
_LISTED = re.compile(rf"(?<![^ \u3000\n）)])([{_KANJI}ぁ-んァ-ヴー]{{1,5}})[ \u3000]{{1,3}}[{_KANJI}ぁ-んァ-ヴー]{{1,5}}\Z")


def listed(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Attendance-list entries (``_LISTED``), judges' signatures (``_SIGNED``) and officials or contact
    persons after their post (``_OFFICIAL``) of ``text`` that hold one of the ``found`` spans, and the
    attendance-list entries right after their role or the entry before."""
    entries = []
    at = text.find("君")
    while at >= 0:
        entries.append(_LISTED.search(text, max(0, at - 16), at))
        at = text.find("君", at + 1)
    if "裁判官" in text:
        entries += _SIGNED.finditer(text)
    officials = list(_OFFICIAL.finditer(text))
    out = []
    for m in entries + officials:
        if m is None:
            continue
        a, b = m.span()
        if text[a] in " \u3000":
            a += 1
        first = m.group(1)
        # (an official's entry counts also when either half, read alone, holds a name: 井樋　栄二; an
        # entry right after its role, a space apart, also when neither does: 議     員 林  百郎君)
        named = any(x < b and a < y for x, y in found) or m in officials and name_runs(set(m.groups()) - plain_words()) \
            or m.re is _LISTED and _after_role(text, a)
        if first.endswith(ROLE_END) or first in plain_words() or not named:
            continue
        out.append((a, b))
    return out


def _after_role(text: str, a: int) -> bool:
    """Whether a space and, before it, a role or another entry's 君 come right before ``text[a]``."""
    before = text[max(0, a - 12):a]
    return before[-1:] in (" ", "\u3000") and before.rstrip(" \u3000").endswith(ROLE_END)


def bracket_lists(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The items of a bracketed list of family names (a notice's contact line: 担当（横田・神田・田幡・久保）)
    that holds one of the ``found`` spans, when each item read alone holds a name: in the list
    UniDic reads 横田 and 神田 as places."""
    out = []
    for m in _NAME_LIST.finditer(text):
        items = [(x.start(), x.end()) for x in _KANJI_RUN.finditer(text, m.start(1), m.end(1))]
        if any(x < b and a < y for a, b in items for x, y in found) and \
                len(name_runs({text[a:b] for a, b in items})) == len({text[a:b] for a, b in items}):
            out += items
    return out


def agents(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The names in a ruling's list of counsel, one to a line: after the role (同訴訟代理人弁護士　重冨貴光),
    after 同 (同　黒川　恵) or alone (幡　茂良) below it, until a line that is none of these. A
    name alone on its line must hold a name UniDic knows; after a role any name-shaped text is one
    (UniDic knows neither 重冨 nor 幡 as a name, and reads 恵 as a word)."""
    out, listing = [], False
    for m in _LINE.finditer(text):
        line = _AGENT_LINE.fullmatch(m.group())
        if line is None:
            listing = False
            continue
        role, name = line.group(1), line.group(2)
        listing = listing or bool(role) and role.rstrip(" \u3000") != "同"   # (同 alone starts no list: 同　上)
        if not name or not listing:
            continue
        a, b = m.start() + line.start(2), m.start() + line.end(2)
        halves = set(_KANJI_RUN.findall(name))
        if role or any(x < b and a < y for x, y in found) or name_runs(halves - plain_words()):
            out.append((a, b))
        else:
            listing = False
    return out


# The prose formula of older Diet minutes for a change of members (第49回国会 衆議院 議院運営委員会,
# 1965): 委員X辞任につき、その補欠としてY君が議長指名委員に選任された. X and Y are names whatever
# UniDic makes of them (藤田高敏: a place and two common nouns; 武市恭信 and 西  岡武夫, set apart to
# fill the column, half read). The formula is the proof; no name pass is asked.
_CELL = rf"[{_KANJI}ぁ-んァ-ヴー]{{1,5}}(?:[ \u3000]{{1,3}}[{_KANJI}ぁ-んァ-ヴー]{{1,4}})?"
_CHANGE = re.compile(rf"委員(?!長)({_CELL})辞任につき[、，,]?[ \u3000]*その補欠として({_CELL})君")


def membership_changes(text: str) -> list[tuple[int, int]]:
    """The two names of each change of members written in the minutes' prose formula (``_CHANGE``)."""
    return [m.span(g) for m in _CHANGE.finditer(text) for g in (1, 2)]


if __name__ == "__main__":
    for arg in sys.argv[1:] or [sys.stdin.read()]:
        spans = listed(arg, []) + bracket_lists(arg, []) + agents(arg, []) + membership_changes(arg)
        print([(a, b, arg[a:b]) for a, b in sorted(spans)])
