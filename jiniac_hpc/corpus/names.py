"""Person-name spans in Japanese text: UniDic morphology (fugashi + unidic-lite) read in context.

    python -m jiniac_hpc.corpus.names "裁判長裁判官　山 田 太 郎" "田中学園の理事"   # prints the spans
    python -m jiniac_hpc.corpus.names --known 坂本哲志 "○坂本委員長　これより会議を開きます。"

``person_spans(text, known_names=(), fast=True)`` returns ``(start, end)`` character spans of
person names. A span is a whole token sequence, never part of a token:

* tokens tagged 名詞-固有名詞-人名 (姓, 名, 一般) next to each other (spaces allowed, and ・ or ＝
  between katakana: ジョン・スミス) form one span;
* a family name (姓) followed, inside the same run of kanji, by up to three kanji that UniDic did
  not tag as a name (大野|璋|五, 竹村|奈良|一君) takes them in: the given name is not left behind;
  so does, after a space, one kanji that UniDic lists as a given name (伊藤 洋, 北原　久) or two or
  three kanji that are no UniDic word (上中　幸枝; 加藤　電話 stays), a one-kanji prefix MeCab
  split from a name at a word's start (小|船井康喜), and the first kanji of a family name UniDic does
  not know, read as a common noun at the kanji run's start, before family and given name (天|畠大輔,
  加|隈亜衣; not 同|井野直幸 nor 妻|花子). A place or other
  proper noun after a given name is not taken in (橋下徹|大阪市長), nor one kanji that is no
  given name right after the family name alone (宮本|宅);
* letter-spaced names (「山 田 太 郎」, PDF text of rulings) are analysed with the spaces removed
  and the span covers the spaced original;
* a place or other proper noun right before an honorific only people take (石田|委員長, 梨木|君:
  UniDic reads both as place names) is a family name;
* a lone one-character name (森, 林), a lone given name (通則, 正義) or a short katakana name written
  right after a kanji (標タル, old katakana-okurigana prose) counts only before an honorific or a
  title (さん, 氏, 君, 委員長, ...);
* so does any name written only in katakana (or after a katakana title: ミスター・スミス): UniDic
  reads loanwords, units, places and eponyms as foreign names (グラム, コンゴ, クレブス|回路), and a
  foreign name in Japanese text with no title is mostly that of a public or historical figure;
* a family name alone (or a name of two one-kanji tokens) followed, inside the same run of kanji,
  by a common noun that is no person noun is the first part of a compound (日影|規制, 安倍|政権,
  徳川|幕府, 崇徳|天皇), not a name; a person noun keeps it one (田中|容疑者, 佐藤|夫妻).

A family name of two kanji or more found in a full name stands for that person wherever it is a
whole kanji run elsewhere in the document (北神圭朗が… 北神の接戦): articles name a person in full
once, then by the family name.

Context vetoes a span: an organisation or place suffix right after it (田中学園, 山田工務店,
鹿島組, 山田町, 矢賀駅), an organisation prefix right before it (株式会社, 学校法人, ...), a term
the document defines for itself (以下「…」という, 「…」とは), article references (第一条,
二十四條, 一条を加える, 第二十一条中), katakana that is only part of a katakana word
(レティ|クル) and a kana reading in brackets after a kanji word (清水建設（しみずけんせつ）).

Text in the old character forms (旧字体: 團體, 條文, 權限 in Diet minutes of the 1940s) is analysed
with each old form replaced by its 常用漢字 form, one character for one, so UniDic reads words
it knows instead of a one-character family name followed by a "given name"; so is a name in a
variant form (異体字: 尾﨑達夫, 髙橋), read as 尾崎達夫 and 高橋.

Name halves written apart where a name is sure to stand go whole when either half is a name: an
entry of a Diet attendance list (鈴木　大地君), a judge's signature (裁判長裁判官　北川　清) and an
official or contact person after the post (院長　吉野　茂文◎…, 契約課　明岡　和志　電話…; also when
either half read alone holds a name; an attendance-list entry right after its role or the entry
before also when neither half is: 議     員 林  百郎君). So do
the items of a bracketed list of family names holding a name (担当（横田・神田・田幡・久保）) when
each holds a name read alone, and the names of a ruling's list of counsel, one to a line after
the role or 同 (同訴訟代理人弁護士　重冨貴光, 同　黒川　恵), and the two members of a change of
members in the prose formula of older Diet minutes (委員藤田高敏辞任につき、その補欠として辻  原弘市君),
whatever UniDic makes of them (these rules are in :mod:`jiniac_hpc.corpus.name_lists`). ``known_names`` (e.g. the Diet
record's ``speaker``) are always spans, and so is their family name before an honorific or title
(○坂本委員長).

``fast=True`` runs MeCab only on the windows a cheap pass picks in each line: around a title or
honorific, a letter-spaced run, or a kanji/katakana run that holds a name when analysed alone.
The pass looks for these once over the whole document, so lines without one cost nothing.
Whether a run holds a name is asked of MeCab once per run and cached (runs repeat across a
corpus; :mod:`jiniac_hpc.corpus.name_runs`); a run that is a whole UniDic word no entry reads as a name (日本, 政府: the list comes
from the dictionary itself, see :mod:`jiniac_hpc.corpus.lexicon`) is not asked at all.
``fast=False`` analyses every sentence. Both apply the same rules; the windows can change
MeCab's reading of a word at their edge, so ``benchmarks/corpus_throughput.py`` counts the names
each finds and the names the cheap pass missed.
"""
from __future__ import annotations

import re
import sys
from bisect import bisect_right
from typing import Iterable, Optional

from jiniac_hpc import fileio
from jiniac_hpc.corpus.kanji_forms import NEW_FORMS, OLD_FORM
from jiniac_hpc.corpus.lexicon import KANJI as _KANJI, RUN as _RUN, given_kanji, plain_words, pos_tokenizer
from jiniac_hpc.corpus.name_lists import ROLE_END as _ROLE_END, agents, bracket_lists, listed, membership_changes
# (clear_run_cache is the benchmark's: names.clear_run_cache empties the run cache)
from jiniac_hpc.corpus.name_runs import clear_run_cache, name_runs as _name_runs  # noqa: F401
from jiniac_hpc.corpus.name_words import (JOINS as _JOINS, KANA_TITLE as _KANA_TITLE, NOT_NAME_START as _NOT_NAME_START,
                                          ORG_PREFIX as _ORG_PREFIX,
                                          ORG_SUFFIX as _ORG_SUFFIX, PERSON_END as _PERSON_END,
                                          PERSON_HON as _PERSON_HON, TITLES as _TITLES)
from jiniac_hpc.corpus.romaji import romaji_name_spans

_NAME = "名詞,固有名詞,人名,"
_HAS_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

_TITLE_ALT = "(?:" + "|".join(_TITLES) + ")"
_HONORIFIC = re.compile("[ \u3000]?" + _TITLE_ALT)
_KANJI_RUN = re.compile(rf"[{_KANJI}]+")
# 「X」とは / 以下「X」という / 「X」といい / 「X」と総称する: X is the document's own term.
_DEFINED = re.compile(r"「([^「」\n]{1,40})」\s*と\s*(?:は|い\s*[うい]|総\s*称|略\s*称)")
_NUM = "〇一二三四五六七八九十百千0-9０-９"
# (an amending law's 「第二十一条中内航海運業法…」 is 第二十一条中 "in article 21": 中 goes with the reference)
_ARTICLE = re.compile(rf"[{_NUM}]+[条條項号號編章節款目](?:の[{_NUM}]+)*中?")
# A reading in kana, in brackets after the kanji it reads (清水建設（しみずけんせつ）, 梅雨（つゆ、ばいう）):
# its kana spell the word out and name no one.
_READING = re.compile(rf"(?<=[{_KANJI}])[（(][ぁ-ゖァ-ヺー、・ \u3000]+[）)]")
_SPACED = re.compile(rf"[{_KANJI}](?:[ \u3000]{{1,2}}[{_KANJI}]){{2,}}(?![{_KANJI}])")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]*|[。！？!?]+")
_KANJI_CH = re.compile(rf"[{_KANJI}]")
_KATAKANA = re.compile(r"[ァ-ヴー・]+")
_KATAKANA_CH = re.compile(r"[ァ-ヴー・]")
_KATAKANA_WORD_CH = re.compile(r"[ァ-ヴー]")
_WORD_RUNS = re.compile(rf"[{_KANJI}ァ-ヴー・ 　]+")
# Titles that make the cheap pass look closer: the long ones anywhere (but not 委員会), the short
# honorifics only right after kanji or katakana and not inside a word (様々, 君主, 氏名, たくさん;
# the character before is checked in Python: a look-behind would stop re from skipping ahead,
# the look-ahead on the first characters lets it).
_LONG_TITLES = [t for t in _TITLES if len(t) > 1 and t not in ("さん", "さま", "くん", "ちゃん")]
_TRIGGER = re.compile("(?=[" + "".join(sorted({t[0] for t in _LONG_TITLES} | set("さくち氏君"))) + "])"
                      "(?:(?:" + "|".join(_LONG_TITLES) + rf")(?!会)|さん|くん|ちゃん|氏(?![{_KANJI}])|君(?![{_KANJI}]))")
_SHORT_HON = frozenset("さくち氏君")
_NAME_CH = re.compile(rf"[{_KANJI}ァ-ヴー]")


def _tokens(s: str) -> list[tuple[int, int, str]]:
    """(start, end, "pos1,pos2,pos3,pos4,") per token, offsets into ``s`` (one line)."""
    return pos_tokenizer()(s)


def _name_kind(feat: str) -> Optional[str]:
    return feat.split(",", 4)[3] if feat.startswith(_NAME) else None


# Tokens that may complete a family name inside one kanji run: UniDic splits rare given names into
# these (璋|五, 奈良|一, 威|美) while common words (内閣, 工務, 学園) are 普通名詞 of two or more kanji.
# Once a given name is found (``named``), a place or other proper noun after it is no part of the
# name (橋下徹|大阪|市長, 潘基文|国連|事務総長), while before one it may be (竹村|奈良|一).
def _given_piece(s: str, tok: tuple[int, int, str], named: bool) -> bool:
    a, b, feat = tok
    if not _KANJI_CH.fullmatch(s[a]) or any(not _KANJI_CH.match(c) for c in s[a:b]):
        return False
    if feat.startswith(("名詞,固有名詞,", "名詞,数詞,")):
        return not named or feat.startswith(("名詞,固有名詞,人名,", "名詞,数詞,"))
    return b - a == 1 and feat.startswith(("名詞,普通名詞,", "接尾辞,名詞的,", "形状詞,"))


def _given_tail(s: str, toks: list, b: int, last: int, named: bool = False) -> int:
    """End of a family-name span with the given name UniDic did not tag (大野|璋五, 船田  中君).

    Up to three kanji pieces (see ``_given_piece``) right after the family name, or after one or
    two spaces when an honorific follows them (name lists of Diet minutes) or the piece is one
    kanji UniDic lists as a given name (伊藤 洋, a company's officer list), up to the end of the
    kanji run or a title; never across an organisation or place suffix (矢賀|間, 山田|工務店).
    """
    gap = len(s[b:b + 2]) - len(s[b:b + 2].lstrip(" \u3000"))
    start = b + gap
    if start >= len(s) or not _KANJI_CH.match(s[start]) or not _KANJI_CH.match(s[b - 1]) or _HONORIFIC.match(s, start) \
            or _ORG_SUFFIX.match(s, start):
        return b
    run = next((k for k in range(start + 1, _KANJI_RUN.match(s, start).end() + 1) if k == len(s)
                or not _KANJI_CH.match(s, k) or _HONORIFIC.match(s, k)), start)   # (種男|君: up to a title)
    if gap and (run - start == 1 and s[start] in given_kanji() or 1 < run - start <= 3 and s[start:run] not in plain_words()):
        # (a given name after the space, up to the run's end: MeCab's reading of a lone kanji is no guide,
        # 北原　久 as a symbol, 石原　大◎ as a prefix; 上中　幸枝 is no word, 加藤　電話 is one)
        return run
    j = last + 1
    while j < len(toks) and toks[j][0] < start:
        j += 1
    end = start
    while j < len(toks) and toks[j][0] == end and end - start < 3 and _given_piece(s, toks[j], named):
        end = toks[j][1]
        j += 1
        if _HONORIFIC.match(s, end) or _ORG_SUFFIX.match(s, end):
            break
    titled = bool(_HONORIFIC.match(s, end))
    # a lone kanji right after the family name alone must be one UniDic lists as a given name (伊藤|洋),
    # not a suffix of home or party (宮本|宅, 田中|派)
    one_given = end - start == 1 and s[start] in given_kanji()
    if end == start or end - start > 3 or (gap and not titled and not one_given) or _ORG_SUFFIX.match(s, end) \
            or (end - start == 1 and not named and not titled and not one_given):
        return b
    return end if titled or end == len(s) or not _KANJI_CH.match(s[end]) else b


def _analyse(s: str) -> list[tuple[int, int]]:
    """Name spans of one sentence or window by the token rules (no document context)."""
    toks = _tokens(s)
    spans: list[list] = []    # [start, end, name kinds, index of the last token]
    for i, (a, b, feat) in enumerate(toks):
        kind = _name_kind(feat)
        if kind is None:
            continue
        gap = s[spans[-1][1]:a] if spans else "x"   # (MeCab makes a full-width space a token of its own)
        joined = spans and (spans[-1][3] >= i - 2 and gap.strip(" \u3000") == "" or (
            spans[-1][3] == i - 2 and gap in _JOINS and _KATAKANA.fullmatch(s, spans[-1][0], b)))
        if joined:
            spans[-1][1] = b
            spans[-1][2].add(kind)
            spans[-1][3] = i
        else:
            spans.append([a, b, {kind}, i])
    # A place or other proper noun UniDic chose over a family name (石田|委員長, 梨木|君, 岩本 信行|君):
    # before an honorific that only people take, it is a family name.
    taken = {i for *_, i in spans}
    for i, (a, b, feat) in enumerate(toks):
        if i not in taken and feat.startswith(("名詞,固有名詞,地名,", "名詞,固有名詞,一般,")) and b - a >= 2 \
                and all(_KANJI_CH.match(c) for c in s[a:b]) and (a == 0 or not _KANJI_CH.match(s[a - 1])):
            end = _given_tail(s, toks, b, i)
            if _PERSON_HON.match(s, end):
                spans.append([a, end, {"姓"}, i])
    spans.sort()
    out = []
    starts = {x: feat for x, _, feat in toks}
    for a, b, kinds, last in spans:
        if "姓" in kinds:
            b = _given_tail(s, toks, b, last, named="名" in kinds)
        # a one-kanji prefix MeCab split from the family name at a word's start (小|船井康喜)
        if a > 0 and "名" in kinds and starts.get(a - 1, "").startswith("接頭辞") and (a == 1 or s[a - 2] in " \u3000"):
            a -= 1
        # the first kanji of a family name UniDic does not know, read as a common noun of its own at the
        # kanji run's start (加|隈亜衣, 種|崎敦美, 天|畠大輔), when family and given name follow; not a kin or
        # other person noun (妻|花子) nor a word that stands before names (同|井野直幸, see name_words)
        elif a > 0 and kinds >= {"姓", "名"} and starts.get(a - 1, "").startswith("名詞,普通名詞,") \
                and _KANJI_CH.match(s[a - 1]) and s[a - 1] not in _PERSON_END and s[a - 1] not in _NOT_NAME_START \
                and (a == 1 or not _KANJI_CH.match(s[a - 2])):
            a -= 1
        # a name token that swallowed the honorific (信君): the span stops before it
        if b - a > 2 and s[b - 1] in "君氏様殿" and _name_kind(toks[last][2]) and toks[last][1] == b:
            b -= 1
        titled = bool(_HONORIFIC.match(s, b))
        if not titled:
            one_char = b - a == 1
            given_only = kinds == {"名"}
            katakana = bool(_KATAKANA.fullmatch(s[a:b])) and not _KANA_TITLE.search(s, 0, a)
            # (a name of two one-kanji tokens is no surer than a family name: 団|規|令事件)
            # (after a role and a space it is a name even if PDF text glued the next field to it: 係長　中谷|調達件名)
            compound = (not kinds & {"名"} or b - a == 2) and _in_compound(s, toks, b) \
                and not (s[a - 1:a] in (" ", "\u3000") and s[:a].rstrip(" \u3000").endswith(_ROLE_END))
            if one_char or given_only or katakana or compound:
                continue
        out.append((a, b))
    return out


def _in_compound(s: str, toks: list, b: int) -> bool:
    """Whether the kanji after a family name ending at ``b`` make it the first part of a word
    that names no person (日影|規制, 安倍|政権, 徳川|幕府, 源氏|物語, 志位|体制): a common noun or
    suffix follows (not one that may stand as an adverb: 酒井|以外, 田中|自身, nor a conjunction:
    羅俊|及び), and no word in the rest of the kanji run ends in a character of a person noun
    (容疑|者, 選手, 夫妻, 宅, 監督, 橋本|内閣|官房|長官|発言)."""
    m = _KANJI_RUN.match(s, b)
    nxt = next((feat for x, _, feat in toks if x == b), "")
    if not m or not nxt.startswith(("名詞,普通名詞,", "接尾辞,名詞的,")) or nxt.startswith("名詞,普通名詞,副詞可能"):
        return False
    return not any(b < y <= m.end() and s[y - 1] in _PERSON_END for _, y, _ in toks)


def _trigger_hits(s: str) -> list[tuple[int, int]]:
    """Titles and honorifics in ``s`` (a line or a whole document), each widened back for the name."""
    return [(m.start() - 10, m.end()) for m in _TRIGGER.finditer(s)
            if s[m.start()] not in _SHORT_HON or (m.start() > 0 and _NAME_CH.match(s[m.start() - 1]))]


def _name_run_hits(s: str, runs: Iterable[str]) -> list[tuple[int, int]]:
    """Every place in line ``s`` where one of ``runs`` (runs that hold a name) occurs."""
    hits = []
    for run in runs:   # few: find them by plain search (a hit inside a longer run only widens
        start = s.find(run)          # that run's window, which is cut at word ends anyway)
        while start >= 0:
            hits.append((start - 2, start + len(run) + 4))
            start = s.find(run, start + len(run))
    return hits


def _windows(s: str) -> list[tuple[int, int]]:
    """The cheap pass on one line: the stretches of ``s`` that can hold a name span, merged.

    A trigger is a title, a letter-spaced run, or a kanji/katakana run that holds a name when
    analysed alone (see ``_merge`` for the widening).
    """
    hits = _trigger_hits(s)
    if " " in s or "\u3000" in s:
        hits += [(m.start(), m.end()) for m in _SPACED.finditer(s)]
    hits += _name_run_hits(s, _name_runs(set(_RUN.findall(s))))
    return _merge(s, hits)


def _merge(s: str, hits: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Trigger hits in line ``s`` made windows: each is widened by a few characters for the
    honorific after the name and the name before a title (done by the hit itself), then to the
    next character that is not kanji or katakana, so MeCab sees whole words; overlaps merge."""
    words = [m.span() for m in _WORD_RUNS.finditer(s)]   # the word-character runs, in order
    starts = [a for a, _ in words]
    out: list[list[int]] = []
    for a, b in sorted(hits):
        a, b = max(a, 0), min(b, len(s))
        i = bisect_right(starts, a - 1) - 1      # the run holding s[a - 1], if any
        if a > 0 and i >= 0 and words[i][1] >= a:
            a = words[i][0]
        i = bisect_right(starts, b) - 1          # the run holding s[b], if any
        if i >= 0 and words[i][1] > b:
            b = words[i][1]
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _whole_runs(text: str, run: str) -> Iterable[int]:
    """Where ``run`` (a ``_RUN`` match) occurs in ``text`` as a whole run: not inside a longer one.

    The same places ``_RUN.finditer`` would match it (its two classes share no character, so a
    match is a maximal stretch of one class), found by plain search: name runs are few, the
    document's runs many.
    """
    same = _KANJI_CH if _KANJI_CH.match(run) else _KATAKANA_CH
    at = text.find(run)
    while at >= 0:
        end = at + len(run)
        if not (at and same.match(text, at - 1)) and not same.match(text, end):
            yield at
        at = text.find(run, at + 1)


def _document_hits(text: str) -> tuple[dict[int, list[tuple[int, int]]], set[int]]:
    """The cheap pass over a whole document at once (most lines have no trigger and cost nothing).

    Returns the trigger hits by line (line start -> hits in line offsets, exactly those
    ``_windows`` finds in that line) and the starts of lines with a letter-spaced run, which
    ``_line_spans`` takes whole (their runs are read with the spaces closed up).
    """
    hits: dict[int, list[tuple[int, int]]] = {}
    for a, b in _trigger_hits(text):
        start = text.rfind("\n", 0, a + 10) + 1
        hits.setdefault(start, []).append((a - start, b - start))
    named = _name_runs(set(_RUN.findall(text)))
    if named:   # a name run is searched for in the lines where it is a whole run
        by_line: dict[int, set[str]] = {}
        for run in named:
            for at in _whole_runs(text, run):
                by_line.setdefault(text.rfind("\n", 0, at) + 1, set()).add(run)
        for start, runs in by_line.items():
            end = text.find("\n", start)
            hits.setdefault(start, []).extend(_name_run_hits(text[start:end if end >= 0 else len(text)], runs))
    spaced = set()
    if " " in text or "\u3000" in text:
        spaced = {text.rfind("\n", 0, m.start()) + 1 for m in _SPACED.finditer(text)}
    return hits, spaced


def _squeeze(line: str) -> tuple[str, Optional[list[int]]]:
    """``line`` with letter-spaced kanji runs closed up, and the map back to ``line`` offsets."""
    if (" " not in line and "\u3000" not in line) or not _SPACED.search(line):
        return line, None
    keep = [True] * len(line)
    for m in _SPACED.finditer(line):
        for k in range(m.start(), m.end()):
            if line[k] in " \u3000":
                keep[k] = False
    back = [k for k in range(len(line)) if keep[k]]
    return "".join(line[k] for k in back), back + [len(line)]


def defined_terms(text: str) -> set[str]:
    """Terms the document defines for itself: 以下「X」という, 「X」とは, 「X」と総称する."""
    return {m.group(1).strip() for m in _DEFINED.finditer(text) if m.group(1).strip()}


# Kokkai's speaker field of a meeting's opening record (speechOrder 0) is not a person.
_NOT_SPEAKERS = frozenset({"会議録情報"})


def _known_pattern(known: Iterable[str]) -> tuple[Optional[re.Pattern], Optional[re.Pattern]]:
    """Regexes for the full known names (spaces allowed between characters) and their family names."""
    full, family = set(), set()
    for name in known:
        name = re.sub(r"[\s\u3000]+|君$", "", name or "")
        if len(name) < 2 or not _HAS_JA.search(name) or name in _NOT_SPEAKERS:
            continue
        full.add(name)
        toks = _tokens(name)
        if toks and _name_kind(toks[0][2]) == "姓" and toks[0][1] < len(name):
            family.add(name[:toks[0][1]])
    if not full:
        return None, None
    alt = "|".join("[ \u3000]?".join(map(re.escape, n)) for n in sorted(full, key=len, reverse=True))
    fam = "|".join(map(re.escape, sorted(family, key=len, reverse=True)))
    return re.compile(alt), (re.compile(f"(?:{fam})(?={_TITLE_ALT})") if fam else None)


def person_spans(text: str, known_names: Iterable[str] = (), fast: bool = True) -> list[tuple[int, int]]:
    """Sorted, non-overlapping ``(start, end)`` spans of person names in ``text`` (see the module doc)."""
    original = text   # same length as its view: spans in one are spans in the other
    if OLD_FORM.search(text):   # (translate costs ~15x the search: most text has no old form)
        text = text.translate(NEW_FORMS)
    terms = defined_terms(text) if "「" in text else set()
    spans: list[tuple[int, int]] = []
    if fast:
        hits, spaced = _document_hits(text)
        for start in sorted(hits.keys() | spaced):
            end = text.find("\n", start)
            line = text[start:end if end >= 0 else len(text)]
            found = _line_spans(line, terms, True) if start in spaced else \
                _vet(line, _found(line, _merge(line, hits[start])), terms)
            spans += [(start + a, start + b) for a, b in found]
    else:
        offset = 0
        for line in text.split("\n"):
            if _HAS_JA.search(line):
                spans += [(offset + a, offset + b) for a, b in _line_spans(line, terms, False)]
            offset += len(line) + 1
    # (neither pattern crosses a line: [ \u3000] between characters)
    for rx in _known_pattern(known_names) if known_names else ():
        if rx is not None:
            spans += [m.span() for m in rx.finditer(original)]
    if "君" in text or "裁判官" in text or "\u3000" in text:
        spans += listed(text, spans)
    if "・" in text and ("（" in text or "(" in text):
        spans += bracket_lists(text, spans)
    if "代理人" in text or "弁護人" in text:
        spans += agents(text, spans)
    if "補欠として" in text:
        spans += membership_changes(text)
    if "ntity" in text or "otice" in text or "documentation" in text:
        spans += romaji_name_spans(original)
    if spans:
        spans += _family_mentions(text, spans, terms)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:   # known-name spans may overlap the analysed ones: keep the union
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _family_mentions(text: str, found: list[tuple[int, int]], terms: set[str]) -> list[tuple[int, int]]:
    """The family name of a full name found in ``text``, where it stands alone as a whole kanji run
    elsewhere in the document: a news or encyclopedia article names a person in full once, then by the
    family name (北神圭朗が… 北神の接戦, 北神に投票). Only family names of two kanji or more (林, 森 alone
    are too often words), and with the context vetoes of the line (organisation suffix, defined term)."""
    families = set()
    for a, b in found:
        if b - a < 3 or not _KANJI_RUN.fullmatch(text, a, b):
            continue
        toks = _tokens(text[a:b])
        given = len(toks)
        while given > 0 and _name_kind(toks[given - 1][2]) == "名":
            given -= 1
        if 0 < given < len(toks) and toks[given][0] >= 2:
            families.add(text[a:a + toks[given][0]])
    out = []
    for fam in families:
        for at in _whole_runs(text, fam):
            if any(x < at + len(fam) and at < y for x, y in found):
                continue
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            line = text[start:end if end >= 0 else len(text)]
            out += [(start + x, start + y) for x, y in _vet(line, [(at - start, at - start + len(fam))], terms)]
    return out


def _line_spans(line: str, terms: set[str], fast: bool) -> list[tuple[int, int]]:
    sq, back = _squeeze(line)
    # fast: the cheap pass picks windows of the whole line; full: every sentence is analysed
    units = _windows(sq) if fast else [m.span() for m in _SENTENCE.finditer(sq) if _HAS_JA.search(m.group())]
    return _vet(line, _found(sq, units, back), terms)


def _found(sq: str, units: list[tuple[int, int]], back: Optional[list[int]] = None) -> list[tuple[int, int]]:
    """Name spans of the ``units`` of line ``sq``, mapped back through ``back`` (see ``_squeeze``)."""
    found = []
    for wa, wb in units:
        for a, b in _analyse(sq[wa:wb]):
            a, b = wa + a, wa + b
            if back is not None:
                a, b = back[a], back[b - 1] + 1
            found.append((a, b))
    return found


def _vet(line: str, found: list[tuple[int, int]], terms: set[str]) -> list[tuple[int, int]]:
    """``found`` less the spans context vetoes: organisation suffix or prefix, article reference, defined term."""
    if not found:
        return found
    blocked = [(x.start(), x.end()) for x in _ARTICLE.finditer(line)]
    if "（" in line or "(" in line:
        blocked += [x.span() for x in _READING.finditer(line)]
    for t in terms:
        start = line.find(t)
        while start >= 0:
            blocked.append((start, start + len(t)))
            start = line.find(t, start + 1)
    return [(a, b) for a, b in found
            if not _ORG_SUFFIX.match(line, b) and not _ORG_PREFIX.search(line, 0, a)
            and not any(a < y and x < b for x, y in blocked) and not _inside_katakana_word(line, a, b)]


def _inside_katakana_word(line: str, a: int, b: int) -> bool:
    """A katakana span that is only part of a katakana word (レティ|クル, エン|ライト, サロ|ニア号):
    names written in katakana are whole words, or parts joined by ・."""
    return bool(_KATAKANA.fullmatch(line, a, b)) and (
        (a > 0 and _KATAKANA_WORD_CH.match(line[a - 1])) or (b < len(line) and _KATAKANA_WORD_CH.match(line[b])))


def evaluate(path, fast: bool = True) -> dict:
    """Exact-span precision and recall on a labelled JSONL file (``text``, ``spans`` per line)."""
    tp = fp = fn = 0
    for n, item in fileio.read_jsonl(path, numbered=True):
        try:
            gold = {tuple(s) for s in item["spans"]}
            found = set(person_spans(item["text"], item.get("known_names", ()), fast))
        except (KeyError, TypeError) as e:
            raise ValueError(f"{path}:{n}: bad labelled item ({e})") from e
        tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
    return {"precision": tp / max(tp + fp, 1), "recall": tp / max(tp + fn, 1), "tp": tp, "fp": fp, "fn": fn}


if __name__ == "__main__":
    args, known = sys.argv[1:], []
    if args[:1] == ["--known"]:
        known, args = args[1].split(","), args[2:]
    for arg in args or [sys.stdin.read()]:
        print([(a, b, arg[a:b]) for a, b in person_spans(arg, known)])
