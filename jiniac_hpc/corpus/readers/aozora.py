"""Aozora Bunko text reader: one work per file, Aozora's markup turned into plain text.

    python -m jiniac_hpc.corpus.readers aozora tests/assets/corpus/real/aozora_52944_txt_42720.txt

What becomes of each piece of Aozora's notation (https://www.aozora.gr.jp/annotation/):

- title/author header, the 【テキスト中に現れる記号について】 block and the footer (from the first
  line starting ``底本：``, ``翻訳の底本：``, ``入力：``, ``校正：``, ``青空文庫作成ファイル`` or
  ``青空文庫収録ファイル``, or ``［＃本文終わり］``) are dropped: ``unread['boilerplate']``;
- ``※［＃…］`` gaiji notes become the character: a ``U+XXXX``/``UCS-XXXX`` code, else a JIS X 0213
  plane-row-cell code (``第3水準1-84-77``, ``第4水準2-15-94``, or bare ``1-2-22`` for non-kanji),
  decoded with Python's ``euc_jis_2004`` codec. A note with neither (the character exists in no
  character set; the note gives the base text's page and line) becomes ``〓`` (GETA MARK), counted in
  ``unread['placeholder']``;
- every other ``［＃…］`` note (nested notes included, matched bracket by bracket) is dropped, the
  text it annotates is kept: ``unread['markup']``;
- ruby ``《…》`` and the ruby start mark ``｜`` are dropped: the reading in ``unread['ruby']``, the
  brackets and ``｜`` in ``unread['markup']``; ruby on a gaiji stays a dropped reading;
- accent decomposition ``〔e'tiquette〕`` becomes ``étiquette`` per Aozora's accent table (the
  brackets and marks in ``unread['markup']``); ``〔…〕`` with no accent pair is an ordinary bracket
  and kept; the くの字点 ``／＼`` / ``／″＼`` becomes ``〳〵`` / ``〴〵``.

For every work, (characters of the decoded file, newlines aside) == (characters emitted, newlines
aside) + unread markup + ruby + boilerplate; ``placeholder`` counts the ``〓`` among those emitted.
Not NFKC-normalised (recipe: normalize none). A file that is not decodable, is binary (a PDF), or
has no Aozora footer is a bad-input record naming the reason.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record, open_binary

PLACEHOLDER = "〓"   # Aozora's own stand-in for a character no character set has
_RULE = re.compile(r"^-{20,}\s*$")
_FOOTER = re.compile(r"^(?:(?:翻訳の)?底本[：:]|入力[：:]|校正[：:]|青空文庫(?:作成|収録)ファイル|［＃本文終わり］)")
_UCS = re.compile(r"(?:U\+|UCS-)([0-9A-Fa-f]{4,6})(?![0-9A-Fa-f])")
_JIS = re.compile(r"(?<![\d-])([12])-(\d{1,2})-(\d{1,2})(?![\d-])")
_SPECIAL = re.compile("[※［《｜〔／]")


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
    The code is looked for after the quoted description (「…」), so a description cannot supply it."""
    tail = note[note.rfind("」") + 1:] if note.startswith("「") else note
    m = _UCS.search(tail)
    if m:
        cp = int(m.group(1), 16)
        return chr(cp) if cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else None
    m = _JIS.search(tail)
    return jis_x0213(*map(int, m.groups())) if m else None


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


def _note_end(line: str, i: int) -> int:
    """Index after the ］ closing the ［ at ``i`` (notes nest: ［＃「…※［＃…］」の注記付き終わり］), or -1."""
    depth = 0
    for j in range(i, len(line)):
        c = line[j]
        if c == "［":
            depth += 1
        elif c == "］":
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def _ruby_end(line: str, i: int) -> int:
    """Index after the 》 closing the 《 at ``i``, skipping notes inside the reading, or -1."""
    j = i + 1
    while j < len(line):
        if line.startswith("［＃", j):
            k = _note_end(line, j)
            if k < 0:
                return -1
            j = k
        elif line[j] == "》":
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
        if c == "※" and line.startswith("［＃", i + 1):
            j = _note_end(line, i + 1)
            if j > 0:
                ch = gaiji_char(line[i + 3:j - 1])
                if ch is None:
                    ch = PLACEHOLDER
                    unread["placeholder"] += 1
                out.append(ch)
                unread["markup"] += (j - i) - len(ch)
                i = j
                continue
        if c == "［" and line.startswith("＃", i + 1):
            j = _note_end(line, i)
            j = j if j > 0 else i + 2    # an unclosed note: drop its opener, keep the text
            unread["markup"] += j - i
            i = j
            continue
        if c == "《":
            j = _ruby_end(line, i)
            if j > 0:
                unread["ruby"] += j - i - 2
                unread["markup"] += 2
                i = j
                continue
        if c == "｜":
            unread["markup"] += 1
            i += 1
            continue
        if c == "〔":
            j = line.find("〕", i)
            conv = accent_decompose(line[i + 1:j]) if j > 0 else None
            if conv is not None:
                unread["markup"] += (j - i - 1) - len(conv) + 2
                out.append(aozora_clean(conv, unread))   # ruby and notes may sit inside 〔〕
                i = j + 1
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


def _body_start(lines: list[str]) -> int:
    """Index of the first body line: after the title/author block and the 記号 block, if any."""
    i = 0
    while i < len(lines) and (lines[i].strip() or i == 0):   # title, subtitle, author (, translator)
        if _RULE.match(lines[i]):
            break
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and _RULE.match(lines[i]):
        close = next((k for k in range(i + 1, len(lines)) if _RULE.match(lines[k])), None)
        if close is not None:
            i = close + 1
    return i


def _decode(data: bytes, encoding: str) -> str:
    if encoding == "auto":
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            encoding = "cp932"
    # cp932: Aozora files are Shift_JIS in the Windows superset (①, ～)
    return data.decode("cp932" if encoding in ("shift_jis", "cp932") else encoding)


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
        text = _decode(data, src.encoding)
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        yield Record(1, None, f"undecodable text ({e.encoding}) at line {line}: {e.reason}", size)
        return
    lines = text.splitlines()
    start = _body_start(lines)
    end = next((k for k in range(start, len(lines)) if _FOOTER.match(lines[k])), None)
    if end is None:
        yield Record(1, None, "no Aozora footer (底本：, 入力：, 校正：, ［＃本文終わり］ or 青空文庫作成ファイル); "
                              "not an Aozora Bunko text", size)
        return
    unread: Counter = Counter()
    unread["boilerplate"] = sum(len(x) for x in lines[:start]) + sum(len(x) for x in lines[end:])
    body = "\n".join(aozora_clean(x, unread) for x in lines[start:end]).strip("\n")
    yield Record(1, body, None, size, unread={k: v for k, v in unread.items() if v})
