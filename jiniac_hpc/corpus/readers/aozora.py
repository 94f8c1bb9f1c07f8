"""Aozora Bunko text reader: one work per file, Aozora's markup turned into plain text.

    python -m jiniac_hpc.corpus.readers aozora tests/assets/corpus/real/aozora_52944_txt_42720.txt

A file that is the work's XHTML page instead is read by :mod:`~jiniac_hpc.corpus.readers.aozora_html`
(the same text comes out); the gaiji and accent notation both forms share is in
:mod:`~jiniac_hpc.corpus.readers.aozora_gaiji`. Aozora repackaged as rows (JSONL, Parquet) is read
by a row reader with the source option ``markup: aozora``, each row through :func:`aozora_row`.

What becomes of each piece of Aozora's notation (https://www.aozora.gr.jp/annotation/):

- title/author header, the blocks before the work (【テキスト中に現れる記号について】, ［表記について］,
  ［収録作品］), between rules of dashes or ``=`` or ending at a blank line (a rule after the header
  whose lines hold no such block is a separator that ends the header, and only it is dropped), and
  the footer (from the first line starting
  ``底本：`` or ``翻訳の底本：``, also glued to a rule ``====…底本：``, ``入力：``, ``(テキスト)入力者：``,
  ``校正(者)：``, ``青空文庫作成ファイル`` or ``青空文庫収録ファイル``, or ``［＃本文終わり］``; the
  block just above it when that opens ``底本・初出：``, ``定本：``, ``作業履歴：`` or ``底本「`` (its
  colon left out); where
  the credits come first, the ・-list of notes before them that names the 底本 too) are dropped:
  ``unread['boilerplate']``;
- ``※［＃…］`` gaiji notes become the character: a ``U+XXXX``/``UCS-XXXX`` code, else a JIS X 0213
  plane-row-cell code (``第3水準1-84-77``, ``第4水準2-15-94``, or bare ``1-2-22`` for non-kanji),
  decoded with Python's ``euc_jis_2004`` codec. The code is looked for outside the note's quoted
  descriptions and readings (「…」), which may follow it, and then, labelled ``第N水準``, anywhere.
  A ruby the inputter put between the ``※`` and its note (``※《ますます》［＃「※」は二の字点、…］``)
  is dropped as any ruby on a gaiji is. A note with neither (the character exists in no character set; the note gives the base text's
  page and line) becomes ``〓`` (GETA MARK), counted in ``meta['placeholders']``. A note whose
  ``＃`` the inputter left out (``※［「…」、第4水準2-79-45、73-12］``) is read the same when it holds
  a 水準 code or ends in the page-line reference;
- a rule of dashes or ``=`` inside the work (a section break) is dropped: ``unread['markup']``;
- every other ``［＃…］`` note (nested notes included, matched bracket by bracket) is dropped, the
  text it annotates is kept: ``unread['markup']``; a note an inputter's slip left unbalanced (a 」
  typed for its closing ］, a ［ for a 「 inside it, ``※［`` typed twice) is still read as a note;
  a file whose 記号 block declares ``【＃】`` for its notes has them read as ``［＃…］``;
  ``［＃改行］`` (a break inside a line, mostly between a 割り注's two halves) becomes a full-width
  space;
- ruby ``《…》`` and the ruby start mark ``｜`` (a ｜ with a ``《`` after it on its line; a bar drawn in a
  table is text) are dropped: the reading in ``unread['ruby']``, the
  brackets and ``｜`` in ``unread['markup']``; ruby on a gaiji stays a dropped reading;
- accent decomposition ``〔e'tiquette〕`` becomes ``étiquette`` per Aozora's accent table (the
  brackets and marks in ``unread['markup']``); ``〔…〕`` with no accent pair is an ordinary bracket
  and kept (its closing 〕 is matched past notes inside it), as is one that holds an accent span
  (``〔George Innes, 1825―1894.〔Albert Biersta`dt〕, …〕``); a 〔 with accent pairs after it that is
  not closed on its line runs to the line's end (as aozora2html reads it), or to the first 〕 of
  the next line where that closes it; the くの字点 ``／＼`` / ``／″＼`` becomes ``〳〵`` / ``〴〵``.

For every work, (characters of the decoded file, newlines aside) == (characters emitted, newlines
aside) + unread markup + ruby + boilerplate; ``meta['placeholders']`` counts the ``〓`` among those
emitted (text, not unread: the stage flags such a work, ``gaiji_placeholder``).
A form feed (or another separator ``str.splitlines`` breaks at) ends a line and is markup.
Not NFKC-normalised (recipe: normalize none). Shift_JIS files are read as cp932 (Windows' superset:
①, ～); a line cp932 cannot read is read as Shift_JIS-2004 (JIS X 0213, the set Aozora's notes
cite), and the number of such lines is ``meta['jis_x0213_lines']``. A mirror's re-encoding is read
too (``encoding: auto``): UTF-8, and ISO-2022-JP or EUC-JP (as JIS X 0213's forms, which hold
JIS X 0208; ``meta['encoding']`` names them). A file that is not decodable
either way, is binary (a PDF), or has no Aozora footer is a bad-input record naming the reason.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.aozora_gaiji import (ACCENTS, BREAK, BREAK_NOTE, PLACEHOLDER, RULE, accent_decompose,
                                                    char_or_placeholder, gaiji_char, jis_x0213)
from jiniac_hpc.corpus.readers.aozora_html import html_work, is_html
from jiniac_hpc.corpus.readers.base import SPLITLINES_BREAKS, Record, open_binary

__all__ = ["ACCENTS", "PLACEHOLDER", "accent_decompose", "aozora_clean", "aozora_fields", "aozora_row", "gaiji_char",
           "jis_x0213", "read_aozora"]

# a block between two rules that explains the notation: 【テキスト中に現れる記号について】, 《》：ルビ, ...
_NOTATION = re.compile(r"^\s*(【テキスト中に現れる記号について】|(《》|｜|［＃］|〔〕|／＼|※)[：:])")
_BLOCK = re.compile(r"^(［表記について］|［収録作品］|●収録作品|●表記について)")
_FOOTER = re.compile(r"^(?:[=＝]{8,})?(?:(?:翻訳の)?底本[：:]|入力[：:]|(?:テキスト)?入力者[：:]|校正者?[：:]"
                     r"|青空文庫(?:作成|収録)ファイル|［＃本文終わり］)")
# rarer heads of the footer's first block, taken as footer only just above a line _FOOTER matches:
# 「底本・初出：…」「定本：…」 above 入力：, 「作業履歴：…」 (how the text was modernised) above 底本：,
# 「底本「モルグ街の殺人事件」新潮文庫…」 with its colon left out, above 入力：
_FOOTER_ABOVE = re.compile(r"^(?:(?:底本・初出|定本|作業履歴)[：:]|底本「)")
_SPECIAL = re.compile("[※［《｜〔／]")
# an early file whose 記号 block declares 【＃】：入力者注 writes its notes 【＃…】 (1755_ruby.txt)
_ALT_NOTE = re.compile(r"【＃([^【】]*)】")
# The body of a gaiji note whose ＃ the inputter left out (※［「さんずい＋闊」、第4水準2-79-45、73-12］, a few
# dozen of Aozora's 17k files): a 水準 code, or the closing page-line reference or JIS code.
_GAIJI_BODY = re.compile(r"水準|、(?:[上中下]巻-)?\d+-(?:[左右]-)?\d+(?:-\d+)?$")


def _note_end(line: str, i: int) -> int:
    """Index after the ］ closing the ［ at ``i`` (notes nest: ［＃「…※［＃…］」の注記付き終わり］), or
    where an inputter's slip left it unclosed (:func:`_slip_end`), or -1. A bracket quoted alone
    (``［＃「〕」は底本では「］」］``: the base text printed ］ for 〕) is the note's text."""
    depth = 0
    for j in range(i, len(line)):
        c = line[j]
        if line[j - 1:j] == "「" and line[j + 1:j + 2] == "」":
            continue
        if c == "［":
            depth += 1
        elif c == "］":
            depth -= 1
            if depth == 0:
                return j + 1
    return _slip_end(line, i)


def _slip_end(line: str, i: int) -> int:
    """Index after where the note opened at ``i`` ends though its brackets do not balance, or -1.

    Two slips of Aozora's inputters, each a handful of the 17k files: a ［ typed for 「 inside the
    note (``［＃［愛」に「ママ」の注記］``), where the note ends at its first ］; and a 」 typed for the
    closing ］ (``［＃「ろっかん」に傍点」``, ``※［＃「※」は「ひへん＋向」、…第3水準1-85-25、44-2」``),
    where the note ends at the first 」 that closes no 「 (before another ［ on the line). Left
    unclosed, the note's words were read as the work's text."""
    k = line.find("］", i + 1)
    inner = line.find("［", i + 1, k) if k > 0 else -1
    if inner > 0 and not line.startswith("［＃", inner):
        return k + 1
    depth = 0
    for j in range(i + 2, len(line)):
        c = line[j]
        if c == "［":
            break
        depth += (c == "「") - (c == "」")
        if depth < 0:
            return j + 1
    return -1


def _close_end(line: str, i: int, close: str) -> int:
    """Index after the ``close`` (》 or 〕) that closes the bracket at ``i``, skipping notes inside, or -1."""
    j = i + 1
    while j < len(line):
        if line.startswith("［＃", j):
            k = _note_end(line, j)
            if k < 0:
                return -1
            j = k
        elif line[j] == close:
            return j + 1
        else:
            j += 1
    return -1


def aozora_clean(line: str, unread: Optional[Counter] = None) -> str:
    """One body line without Aozora's markup; what was dropped is added to ``unread`` by reason."""
    unread = Counter() if unread is None else unread
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        m = _SPECIAL.search(line, i)      # copy plain text in one slice, stop at a possible mark
        if m is None:
            out.append(line[i:])
            break
        out.append(line[i:m.start()])
        i = m.start()
        c = line[i]
        if c == "※" and line.startswith("［", i + 1):
            j = _note_end(line, i + 1)
            if j < 0 and line.startswith("※［＃", i + 2):   # 茶※［※［＃…］: an opener typed twice
                unread["markup"] += 2
                i += 2
                continue
            sharp = line.startswith("＃", i + 2)
            if j > 0 and (sharp or _GAIJI_BODY.search(line[i + 2:j - 1])):   # ※［「…」、…］: ＃ left out
                ch = char_or_placeholder(gaiji_char(line[i + 2 + sharp:j - 1]), unread)
                out.append(ch)
                unread["markup"] += (j - i) - len(ch)
                i = j
                continue
        if c == "※" and line.startswith("《", i + 1):    # ※《reading》［＃…］: a few files put the ruby first
            k = _close_end(line, i + 1, "》")
            j = _note_end(line, k) if k > 0 and line.startswith("［＃", k) else -1
            note = line[k + 2:j - 1]
            if j > 0 and (gaiji_char(note) or note.startswith("「※」は")):
                ch = char_or_placeholder(gaiji_char(note), unread)
                out.append(ch)
                unread["ruby"] += k - i - 3
                unread["markup"] += 2 + (j - k) + 1 - len(ch)
                i = j
                continue
        if c == "［" and line.startswith("＃", i + 1):
            j = _note_end(line, i)
            j = j if j > 0 else i + 2    # an unclosed note: drop its opener, keep the text
            if line.startswith(BREAK_NOTE, i):   # the two halves of a 割り注 would run together
                out.append(BREAK)
                unread["markup"] -= len(BREAK)
            unread["markup"] += j - i
            i = j
            continue
        if c == "《":
            j = _close_end(line, i, "》")
            if j > 0:
                unread["ruby"] += j - i - 2
                unread["markup"] += 2
                i = j
                continue
        if c == "｜" and "《" in line[i + 1:]:   # starts a ruby's base; else a drawn bar (│ ｜ tables) is text
            unread["markup"] += 1
            i += 1
            continue
        if c == "〔":
            j = _close_end(line, i, "〕") - 1
            end = j if j > 0 else n      # a span the inputter left open runs to the line's end, as in aozora2html
            conv = accent_decompose(line[i + 1:end])
            # accent spans do not nest: a 〔 opened again before the 〕 (a translator's 〔…〕 note
            # holding one, 〔George Innes, 1825―1894.〔Albert Biersta`dt〕, 1830―1902.…〕) is the span,
            # this one an ordinary bracket
            if conv is not None and not 0 < _close_end(line, i, "〔") <= end:
                unread["markup"] += (end - i - 1) - len(conv) + 1 + (j > 0)
                out.append(aozora_clean(conv, unread))   # ruby and notes may sit inside 〔〕
                i = end + (j > 0)
                continue
        if c == "／" and line.startswith("＼", i + 1):
            out.append("〳〵")
            i += 2
            continue
        if c == "／" and line.startswith("″＼", i + 1):
            out.append("〴〵")
            unread["markup"] += 1
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _clean_line(line: str, unread: Counter) -> str:
    if RULE.match(line):            # a section break drawn in dashes: layout, not text
        unread["markup"] += len(line)
        return ""
    return aozora_clean(line, unread)


def _open_accent(line: str) -> bool:
    """``line`` leaves an accent span open: a 〔 not closed on it, with accent pairs after it."""
    i = line.rfind("〔")
    return i >= 0 and _close_end(line, i, "〕") < 0 and accent_decompose(line[i + 1:]) is not None


def _clean_lines(lines: list[str], unread: Counter) -> Iterator[str]:
    """The body lines cleaned; an accent span opened on one line and closed on the next
    (``〔Pardonnez a` mon bavardage`` / ``J'en suis a` mon premier voyage.〕``) is read whole."""
    carry = False
    for line in lines:
        k = line.find("〕")
        if carry and k >= 0 and "〔" not in line[:k] and accent_decompose(line[:k]) is not None:
            unread["markup"] -= 1                 # the 〔 put back is not in the file
            line = "〔" + line
        carry = _open_accent(line)
        yield _clean_line(line, unread)


def _author_alone(lines: list[str], k: int) -> bool:
    """Line ``k`` is an author's name set apart by blank lines under a one-line title: short, not
    indented, no punctuation of a sentence."""
    return (k + 1 < len(lines) and not lines[k - 1].strip() and not lines[k + 1].strip()
            and 0 < len(lines[k]) <= 15 and not lines[k][0].isspace() and not re.search("[。、「」！？…]", lines[k]))


def _footer_start(lines: list[str], start: int) -> Optional[int]:
    """Index of the first footer line, or None. The block just above that line is footer too when it
    opens 「底本・初出：」「定本：」 or 「作業履歴：」; where the footer opens with the input/proofreading
    credits, so is a list of notes just before them that names the 底本 (「・…を底本とした。」; a
    translator's afterword that mentions its 底本 in prose is not: it is the file's text)."""
    end = next((k for k in range(start, len(lines)) if _FOOTER.match(lines[k])), None)
    if end is None:
        return end
    k = end
    while k > start and not lines[k - 1].strip():
        k -= 1
    top = k
    while top > start and lines[top - 1].strip():
        top -= 1
    notes = lines[top:k]        # 「・…を底本とした。」「・旧かなづかいは…改めた。」: the input notes' form
    if notes and _FOOTER_ABOVE.match(notes[0]):
        return top
    if not notes or "底本" in lines[end]:
        return end
    # ・ lines (continued indented), under a short heading such as 入力者注 or not
    head = 0 if notes[0].startswith(("・", "●")) else 1 if len(notes[0]) <= 10 else len(notes)
    listed = head < len(notes) and notes[head].startswith(("・", "●")) and all(
        x.startswith(("・", "●", "\u3000", " ")) for x in notes[head:])
    return top if listed and any("底本" in x for x in notes) else end


def _body_start(lines: list[str]) -> int:
    """Index of the first body line: after the title/author lines and the blocks Aozora puts
    before a work (the 記号 block, ［表記について］, ［収録作品］), each between rules or ending at
    a blank line or a rule.

    A rule under the header opens a block only if the lines up to the next rule are such a block;
    otherwise it is a separator that ends the header (a collection's first poem or story follows
    it, and the next rule may be a section break far into the work)."""
    n, i = len(lines), 0
    while i < n and not lines[i].strip():
        i += 1
    while i < n and lines[i].strip() and not RULE.match(lines[i]):   # title, author, translator
        i += 1
    if i == 1 and _author_alone(lines, 2):    # 「時間」, a blank line, 「横光利一」, a blank line
        i = 3
    while True:
        while i < n and not lines[i].strip():
            i += 1
        if i < n and RULE.match(lines[i]):
            close = next((k for k in range(i + 1, min(i + 200, n)) if RULE.match(lines[k])), None)
            if close is None or not any(_NOTATION.match(x) or _BLOCK.match(x) for x in lines[i + 1:close]):
                return i + 1
            i = close + 1
        elif i < n and _BLOCK.match(lines[i]):
            while i < n and lines[i].strip() and not RULE.match(lines[i]):
                i += 1
            i += int(i < n and bool(RULE.match(lines[i])))
        else:
            return i


def _decode(data: bytes, encoding: str) -> tuple[str, int, str]:
    """(text, lines read as Shift_JIS-2004 because cp932 could not read them, the codec). ``auto``
    reads the site's Shift_JIS and the forms mirrors re-encode it to: UTF-8; ISO-2022-JP (7-bit: read
    as Shift_JIS, its kanji were ASCII letters behind escapes, and the footer not found); EUC-JP
    (EUC-JIS-2004; tried before a line of Shift_JIS-2004 is, which would read a short EUC file as
    half-width katakana)."""
    if encoding == "auto":
        # (ISO-2022-JP first: its bytes are ASCII, which UTF-8 reads, escapes and all)
        tried = (["iso2022_jp_2004"] if b"\x1b$" in data else []) + ["utf-8-sig", "cp932", "euc_jis_2004"]
        for codec in tried:
            try:
                return data.decode(codec), 0, codec.removesuffix("-sig")
            except UnicodeDecodeError:
                pass
        encoding = "cp932"
    if encoding not in ("shift_jis", "cp932"):
        return data.decode(encoding), 0, encoding
    try:
        return data.decode("cp932"), 0, "cp932"   # Aozora files are Shift_JIS in the Windows superset (①, ～)
    except UnicodeDecodeError as first:
        lines, n = [], 0
        for raw in data.split(b"\n"):
            try:
                lines.append(raw.decode("cp932"))
            except UnicodeDecodeError:
                try:
                    lines.append(raw.decode("shift_jis_2004"))
                except UnicodeDecodeError:
                    raise first from None
                n += 1
        return "\n".join(lines), n, "cp932"


def _meta(x0213: int, codec: str, unread: Counter) -> dict:
    """The record's meta: the lines read as Shift_JIS-2004, the codec of a mirror's re-encoding, and
    the 〓 written for gaiji no character set has (taken out of ``unread``: they are in the text)."""
    meta = {"jis_x0213_lines": x0213} if x0213 else {}
    if placeholders := unread.pop("placeholder", 0):
        meta["placeholders"] = placeholders
    return {**meta, "encoding": codec} if codec in ("iso2022_jp_2004", "euc_jis_2004") else meta


def read_aozora(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One record for the work in ``path`` (see the module docstring for what is kept)."""
    with open_binary(path) as fh:
        data = fh.read(limit + 1)
    size = len(data)
    if size > limit:
        yield Record(1, None, f"work larger than max_record_bytes={limit}", size)
        return
    if data.startswith(b"%PDF-") or b"\x00" in data[:4096]:
        kind = "a PDF file" if data.startswith(b"%PDF-") else "binary data (NUL bytes)"
        yield Record(1, None, f"{kind}, not an Aozora Bunko text", size)
        return
    try:
        text, x0213, codec = _decode(data, src.encoding)
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        yield Record(1, None, f"undecodable text ({e.encoding}) at line {line}: {e.reason}", size)
        return
    unread: Counter = Counter()
    if is_html(text):
        body, unread, whole_page = html_work(text)
        if body is None:
            yield Record(1, None, "HTML without a <body>; not an Aozora Bunko page", size)
            return
        if not whole_page:
            # aozora2html opens div.bibliographical_information at 底本： only: a footer that opens
            # otherwise (底本・初出：, 入力：) stays in main_text, and is found as in a text file
            lines = body.split("\n")
            end = _footer_start(lines, 0)
            if end is not None:
                unread["boilerplate"] += sum(len(x) for x in lines[end:])
                body = "\n".join(lines[:end]).strip("\n")
            meta = _meta(x0213, codec, unread)
            yield Record(1, body, None, size, meta=meta, unread={k: v for k, v in unread.items() if v})
            return
        text = body      # an old page: its lines hold the header and footer, as a text file's do
    body = _text_work(text, unread)
    if body is None:
        yield Record(1, None, "no Aozora footer (底本：, 入力：, 校正：, ［＃本文終わり］ or 青空文庫作成ファイル); "
                              "not an Aozora Bunko text", size)
        return
    meta = _meta(x0213, codec, unread)
    yield Record(1, body, None, size, meta=meta, unread={k: v for k, v in unread.items() if v})


def _lines(text: str, unread: Counter) -> list[str]:
    # splitlines also breaks at a form feed (a page break between chapters, 小栗虫太郎 667_txt) and the
    # other separators of SPLITLINES_BREAKS: layout, as a line break is, but counted, as a line break is not
    unread["markup"] += sum(text.count(c) for c in SPLITLINES_BREAKS)
    return text.splitlines()


def _text_work(text: str, unread: Counter) -> Optional[str]:
    """The work in an Aozora text file's ``text``, header and footer dropped, the rest cleaned; None
    (``unread`` untouched) if it has no footer."""
    lines = _lines(text, seen := Counter())
    start = _body_start(lines)
    end = _footer_start(lines, start)
    if end is None:
        return None
    if any(x.startswith("【＃】") for x in lines[:start]):   # its notes are 【＃…】
        lines[start:end] = [_ALT_NOTE.sub(r"［＃\1］", x) for x in lines[start:end]]
    unread.update(seen)
    unread["boilerplate"] += sum(len(x) for x in lines[:start]) + sum(len(x) for x in lines[end:])
    return "\n".join(_clean_lines(lines[start:end], unread)).strip("\n")


def aozora_row(text: str) -> tuple[str, dict[str, int], int]:
    """(text, unread, how many 〓 it wrote for gaiji no character set has) of one row of a repackaged
    Aozora Bunko (JSONL, Parquet, ``datasets``; source option ``markup: aozora``). A row holding a
    whole text file (the site's file in a field) is read as :func:`read_aozora` reads the file:
    header and footer dropped as ``boilerplate``, the notation cleaned. A row without a footer (a
    packaging that moved the header out and the footer, 底本 and all, into a field of its own, as
    globis-university/aozorabunko-clean's ``footnote`` does) is all work: only the notation its text
    still holds (ruby, ［＃…］ notes, gaiji notes, accent decomposition, rules) is cleaned and counted,
    every line kept (a line break, ``\\r\\n`` or another, is written ``\\n``, as in a file's work)."""
    unread: Counter = Counter()
    body = _text_work(text, unread)
    if body is None:
        body = "\n".join(_clean_lines(_lines(text, unread), unread))
    placeholders = unread.pop("placeholder", 0)
    return body, {k: v for k, v in unread.items() if v}, placeholders


def aozora_fields(row: dict, text_field: str) -> dict[str, int]:
    """Characters of the strings in a repackaged Aozora row's fields other than its text (named by
    ``text_field``, dotted for a field inside an object), by reason: a field named ``footnote``, or
    one whose value opens as Aozora's footer does (底本：…, 入力：…), is the footer the packager moved
    out of the text (globis-university/aozorabunko-clean's ``footnote``: 底本, 初出 and the credits),
    ``boilerplate`` as the footer of a file is; every other string (the index's columns the packager
    put beside the text, or in a struct ``meta``: 作品名, the author's names and readings, URLs, dates
    written as text) is ``metadata``: it describes the work and is none of its text. Numbers,
    booleans, timestamps and nulls are no text and are not counted; nor are line breaks."""
    out: Counter = Counter()
    skip = tuple(text_field.split(".")) if text_field not in row else (text_field,)

    def walk(value, path: tuple, reason: Optional[str]) -> None:
        if path == skip:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,), reason)
        elif isinstance(value, list):
            for v in value:
                walk(v, path, reason)
        elif isinstance(value, str) and value:
            # (line breaks aside, as a file's footer is counted)
            n = len(value) - value.count("\n") - value.count("\r")
            out[reason or ("boilerplate" if _FOOTER.match(value.lstrip()) else "metadata")] += n

    for key, value in row.items():
        walk(value, (key,), "boilerplate" if str(key).lower() == "footnote" else None)
    return {k: v for k, v in out.items() if v}
