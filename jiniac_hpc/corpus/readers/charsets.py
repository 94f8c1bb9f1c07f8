"""Which codec reads a legacy-encoded book: the declared one as browsers read it, else a guess that
never turns a CJK text into Latin mojibake.

    python -c "from jiniac_hpc.corpus.readers.charsets import codec_for; print(codec_for('Shift_JIS'))"

``guess_codec`` chooses the codec of a plain-text file that declares none (the ``text`` and
``aozora`` readers' ``encoding: auto``) from its first bytes. The rest is used by the Project
Gutenberg reader (:mod:`jiniac_hpc.corpus.readers.gutenberg`), whose files
declare an encoding in their header ("Character set encoding: EUC-JP") or their page's ``<meta>``:

- a declared label is read with the superset browsers use for it (the WHATWG Encoding Standard):
  Shift_JIS as cp932 (NEC's ①), EUC-JP as EUC-JIS-2004 (JIS X 0213, which holds the same ①),
  Big5 as cp950 (the ETEN 裏), GB2312 and GBK as GB18030, EUC-KR as cp949, ISO-8859-1 and ASCII as
  Windows-1252; a file declared Latin that is valid UTF-8 with non-ASCII bytes is UTF-8 (a label
  left over from an older edition);
- a declared codec that fails is an error at its own failure (the line a user must look at), except
  a UTF-8 file with a few stray bytes (at most ``STRAY_BYTES`` invalid sequences: those are dropped
  and counted) or one without a single UTF-8 sequence, mostly ASCII (a Latin file: Windows-1252);
- undeclared: HZ if the bytes are HZ's (:func:`is_hz`: 7-bit, so UTF-8 and ASCII would read them as
  "~{J<<F5ZR;~}"); UTF-8; then ISO-2022-JP if the bytes hold its escapes; then the codecs of the book's
  language ("Language: Japanese"); then Windows-1252, but only for text that is mostly ASCII: a
  file with a fifth of its bytes above 0x7F and no codec that reads it is an error, not cp1252.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Optional

STRAY_BYTES = 8          # invalid UTF-8 sequences dropped (and counted) in a file that says UTF-8
_ALIASES = {"windows-31j": "cp932", "x-sjis": "cp932", "csshiftjis": "cp932", "x-euc-jp": "euc_jp",
            "iso latin-1": "latin-1", "ascii": "cp1252", "us-ascii": "cp1252"}
# Python codec -> the superset a browser decodes that label with
_SUPERSET = {"shift_jis": "cp932", "euc_jp": "euc_jis_2004", "big5": "cp950", "gb2312": "gb18030",
             "gbk": "gb18030", "euc_kr": "cp949", "latin_1": "cp1252", "iso8859_1": "cp1252",
             "ascii": "cp1252", "iso2022_jp": "iso2022_jp_2", "utf_8": "utf-8-sig"}
_LANGUAGE_CODECS = {"japanese": ("euc_jis_2004", "cp932"), "chinese": ("cp950", "gb18030"), "korean": ("cp949",)}
_LANGUAGE = re.compile(rb"^Language:\s*([A-Za-z]+)", re.M | re.I)
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH = bytes(range(0x80, 0x100))
# HZ (RFC 1843): GB2312's two-byte codes, each byte 0x21-0x7E (a first byte at most 0x77), between ~{ and ~}
_HZ_RUN = re.compile(rb"~\{((?:[\x21-\x77][\x21-\x7e])*)~\}")
HZ_MIN_RUNS, HZ_MIN_CHARS = 1, 4


def codec_for(label: str) -> Optional[str]:
    """Python's codec for an encoding label, as its browser superset; None for an unknown label."""
    name = _ALIASES.get(label.strip().lower(), label.strip())
    for candidate in (name, re.sub(r"[\s_-]", "", name)):     # "Latin-4" is Python's "latin4"
        try:
            name = codecs.lookup(candidate).name.replace("-", "_")
            break
        except LookupError:
            continue
    else:
        return None
    return _SUPERSET.get(name, name)


def language(raw: bytes) -> Optional[str]:
    """The "Language:" field of a PG header, lower-cased."""
    m = _LANGUAGE.search(raw[:1 << 14])
    return m.group(1).decode("ascii").lower() if m else None


def decode(raw: bytes, declared: Optional[str], lang: Optional[str] = None) -> tuple[str, str, int]:
    """(text, codec, stray bytes dropped) of ``raw``; see the module docstring. Raises
    ``UnicodeDecodeError`` with the failing codec's position."""
    name = codec_for(declared) if declared else None
    if name == "cp1252":                          # every Latin label (ISO-8859-1, ASCII) reads as cp1252
        text = _utf8_if_non_ascii(raw)
        if text is not None:
            return text, "utf-8", 0
        return _first(raw, ["cp1252", "latin-1"], f"declared {declared}")
    if name == "utf-8-sig":
        if not UTF8_SEQUENCE.search(raw) and _mostly_ascii(raw):     # a Latin file that says UTF-8
            return _first(raw, ["utf-8-sig", "cp1252"], f"declared {declared}, not one UTF-8 sequence")
        return _utf8_with_strays(raw)
    if name:
        return raw.decode(name), name, 0
    tried = (["hz"] if is_hz(raw) else []) + ["utf-8-sig"] + (["iso2022_jp_2"] if b"\x1b$" in raw else [])
    tried += list(_LANGUAGE_CODECS.get(lang or "", ()))
    if _mostly_ascii(raw):                        # a Latin text with stray Windows characters
        tried.append("cp1252")
    return _first(raw, tried, "no encoding declared")


def is_hz(raw: bytes) -> bool:
    """Whether ``raw`` is HZ-encoded Chinese (7-bit: pure ASCII to any other test), told by its escape
    structure: every ``~{`` (but an escaped ``~~{``) opens a run of GB2312 byte pairs closed by ``~}`` on
    its line, there are at least ``HZ_MIN_RUNS`` runs holding ``HZ_MIN_CHARS`` characters, and HZ's codec
    reads the whole. English with a "~{" (a TeX macro, a URL's ~) has no such closed runs of pairs."""
    if b"~{" not in raw or _high_bytes(raw):
        return False
    runs = _HZ_RUN.findall(raw)
    if (len(runs) < HZ_MIN_RUNS or raw.count(b"~{") - raw.count(b"~~{") != len(runs)
            or sum(map(len, runs)) < 2 * HZ_MIN_CHARS):
        return False
    try:
        codecs.getincrementaldecoder("hz")().decode(raw, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _high_bytes(raw: bytes) -> int:
    """How many bytes of ``raw`` are above 0x7F (counted in C: a book is megabytes)."""
    return len(raw) - len(raw.translate(None, _HIGH))


def _mostly_ascii(raw: bytes) -> bool:
    """Fewer than a fifth of the bytes above 0x7F: Latin text, not a CJK one."""
    return 5 * _high_bytes(raw) < len(raw)


def _first(raw: bytes, tried: list[str], why: str) -> tuple[str, str, int]:
    failures = []
    for enc in tried:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError as e:
            failures.append(e)
            continue
        if "\x1b" not in text:         # an ISO-2022 escape read as a control character is not text
            return text, enc, 0
    first = failures[0] if failures else UnicodeDecodeError(tried[-1], raw, 0, 1, "ISO-2022 escapes left in it")
    raise UnicodeDecodeError("/".join(tried), raw, first.start, first.end,
                             f"{first.reason} (as {tried[0]}; {why})")


def _utf8_if_non_ascii(raw: bytes) -> Optional[str]:
    if not _high_bytes(raw):
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _utf8_with_strays(raw: bytes) -> tuple[str, str, int]:
    """UTF-8 with up to ``STRAY_BYTES`` invalid sequences dropped; their bytes are counted."""
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    out, pos, dropped, n = [], 0, 0, 0
    while True:
        try:
            out.append(body[pos:].decode("utf-8"))
            return "".join(out), "utf-8-sig", dropped
        except UnicodeDecodeError as e:
            n += 1
            if n > STRAY_BYTES:
                raise UnicodeDecodeError("utf-8", body, pos + e.start, pos + e.end, f"{e.reason} (declared "
                                         f"UTF-8; more than {STRAY_BYTES} invalid sequences)") from None
            out.append(body[pos:pos + e.start].decode("utf-8"))
            dropped += e.end - e.start
            pos += e.end


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))      # (UTF-32 LE's begins with UTF-16 LE's: it is looked at first)


def wide_unicode(head: bytes) -> Optional[str]:
    """The codec of a UTF-16 or UTF-32 file (Windows Notepad's "Unicode" is UTF-16 LE), or None:
    told by its byte order mark, or, without one, by where its NUL bytes are: the high bytes of
    ASCII characters, at the same place in every 2- or 4-byte unit, and nowhere else (a UTF-16 text
    of mostly kana has few; it is not taken for one). The codec must read ``head`` (cut to whole
    units) with no NUL character."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name if _plausible(head, name) else None
    zeros = [head[k::4].count(0) / max(len(head[k::4]), 1) for k in range(4)]
    if max(zeros) < 0.3:
        return None
    pattern = tuple(z >= 0.3 for z in zeros)
    low = tuple(z <= 0.01 for z in zeros)
    found = {(False, True, False, True): "utf-16-le", (True, False, True, False): "utf-16-be",
             (False, True, True, True): "utf-32-le", (True, True, True, False): "utf-32-be"}.get(pattern)
    if found is None or any(not p and not q for p, q in zip(pattern, low)):
        return None
    return found if _plausible(head, found) else None


def _plausible(head: bytes, codec: str) -> bool:
    """Whether ``head`` (cut to whole code units) reads as text in ``codec``: strictly, with no control
    character but line ends and tabs, no byte order mark past the first (bytes of another kind read
    two at a time make one), and almost nothing unassigned or private (any two bytes are some UTF-16
    unit)."""
    unit = 4 if "32" in codec else 2
    try:
        text = codecs.decode(head[:len(head) // unit * unit], codec).lstrip("\ufeff")
    except UnicodeDecodeError:
        return False
    if _CONTROL.search(text):
        return False
    odd = sum(unicodedata.category(c) in ("Cn", "Co") for c in text)
    return odd <= len(text) / 100


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff\ufffe\uffff]")


def guess_codec(head: bytes) -> str:
    """HZ if ``head`` (a file's first 64 KiB, up to its last line end, where a run may be cut) is HZ's;
    else the first of UTF-8, ISO-2022-JP (if its escapes are there), cp932 and EUC-JIS-2004 that reads
    it; none: UTF-8 if nine in ten of its non-ASCII bytes are UTF-8 sequences (a stray byte, which the
    reader reports at its line), else cp932. (UTF-16 and UTF-32 are told first, by
    :func:`wide_unicode`, where the file's NUL bytes are looked at.)"""
    if is_hz(head[:head.rfind(b"\n") + 1] or head):
        return "hz"
    tried = ["utf-8-sig"] + (["iso2022_jp_2"] if b"\x1b$" in head else []) + ["cp932", "euc_jis_2004"]
    for enc in tried:
        try:
            text = codecs.getincrementaldecoder(enc)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if "\x1b" not in text:      # an ISO-2022 escape read as a control character is not text
            return enc
    high = _high_bytes(head)
    in_utf8 = sum(map(len, UTF8_SEQUENCE.findall(head)))
    return "utf-8-sig" if high and in_utf8 >= 0.9 * high else "cp932"
