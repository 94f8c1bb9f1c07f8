"""The glyph a character code draws in a simple TrueType font embedded in a PDF, for glyphs that
have no Unicode mapping (:meth:`.pdf_glyphs.Aggregator.handle_undefined_char`).

    python -m jiniac_hpc.corpus.readers pdf tests/assets/corpus/real/hanrei_062503_gs870_century_codes.pdf

Ghostscript 8.70 (PScript5.dll, a Word document printed to PDF) writes Word's Century font as a
subset with its own codes 1, 2, 3 … in the order the glyphs are first drawn, a symbolic font with
no ToUnicode map and no glyph names: pdfminer reads every such glyph as ``(cid:N)``. The font
program itself says what the glyph is:

- a glyph with no outline draws nothing: it is a space (code 1 of those subsets, Word's spaces
  after each line);
- a glyph whose outline is one of :data:`KNOWN` (the TrueType ``glyf`` record, byte for byte: a
  subset copies it from the font unchanged, so the "1" of one ruling is the "1" of the next) is
  that character. ``assets/pdf/truetype_glyphs.txt`` lists them with where each was read.

Any other glyph stays unmapped and is counted by the reader as before.
"""
from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Optional

from pdfminer.pdffont import PDFTrueTypeFont
from pdfminer.pdftypes import resolve1


def _known() -> dict[str, str]:
    """sha1 of a ``glyf`` record (hexadecimal) -> the character it draws."""
    path = Path(__file__).resolve().parents[2] / "assets" / "pdf" / "truetype_glyphs.txt"
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            digest, code = line.split()[:2]
            table[digest] = chr(int(code, 16))
    return table


KNOWN = _known()


def _tables(data: bytes) -> dict[bytes, bytes]:
    (count,) = struct.unpack(">H", data[4:6])
    out = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        out[tag] = data[offset:offset + length]
    return out


def _gid(cmap: bytes, code: int) -> int:
    """The glyph index for ``code`` by the font's own cmap, as ISO 32000 9.6.6.4 reads a symbolic
    TrueType font: the (3, 0) subtable at 0xF000 + code (or code), else the (1, 0) one at code."""
    (count,) = struct.unpack(">H", cmap[2:4])
    subtables = {}
    for i in range(count):
        pid, eid, offset = struct.unpack(">HHI", cmap[4 + 8 * i:12 + 8 * i])
        subtables.setdefault((pid, eid), offset)
    if (3, 0) in subtables:
        sub = cmap[subtables[(3, 0)]:]
        if struct.unpack(">H", sub[:2])[0] == 4:
            for c in (0xF000 + code, code):
                gid = _format4(sub, c)
                if gid:
                    return gid
    if (1, 0) in subtables:
        sub = cmap[subtables[(1, 0)]:]
        if struct.unpack(">H", sub[:2])[0] == 0 and code < 256:
            return sub[6 + code]
    return 0


def _format4(sub: bytes, c: int) -> int:
    """The glyph index of ``c`` in a format 4 cmap subtable (segments of codes), 0 for none."""
    segs = struct.unpack(">H", sub[6:8])[0] // 2
    ends = struct.unpack(f">{segs}H", sub[14:14 + 2 * segs])
    base = 16 + 2 * segs
    starts = struct.unpack(f">{segs}H", sub[base:base + 2 * segs])
    deltas = struct.unpack(f">{segs}h", sub[base + 2 * segs:base + 4 * segs])
    range_at = base + 4 * segs
    ranges = struct.unpack(f">{segs}H", sub[range_at:range_at + 2 * segs])
    for i in range(segs):
        if starts[i] <= c <= ends[i]:
            if ranges[i] == 0:
                return (c + deltas[i]) & 0xFFFF
            at = range_at + 2 * i + ranges[i] + 2 * (c - starts[i])
            (gid,) = struct.unpack(">H", sub[at:at + 2])
            return (gid + deltas[i]) & 0xFFFF if gid else 0
    return 0


def _glyph(t: dict[bytes, bytes], code: int) -> Optional[bytes]:
    """The ``glyf`` record ``code`` draws (b"" for a glyph with no outline) in the font of tables
    ``t`` (:func:`_tables`), None where the font has no glyph for it or cannot be read."""
    if not all(k in t for k in (b"head", b"maxp", b"loca", b"glyf", b"cmap")):
        return None
    gid = _gid(t[b"cmap"], code)
    (n,) = struct.unpack(">H", t[b"maxp"][4:6])
    if not 0 < gid < n:
        return None
    if struct.unpack(">h", t[b"head"][50:52])[0] == 0:       # short offsets, in words
        start, end = (2 * x for x in struct.unpack(">HH", t[b"loca"][2 * gid:2 * gid + 4]))
    else:
        start, end = struct.unpack(">II", t[b"loca"][4 * gid:4 * gid + 8])
    return t[b"glyf"][start:end]


def truetype_char(font, code: int) -> Optional[str]:
    """The character the glyph for ``code`` of an embedded simple TrueType font draws, where its
    outline says so (see the module docstring), else None. What a font's codes give is kept on the
    font object (pdfminer makes one per font of a document)."""
    if not isinstance(font, PDFTrueTypeFont) or "FontFile2" not in font.descriptor:
        return None
    cache = font.__dict__.setdefault("_jiniac_glyphs", {})
    if code not in cache:
        cache[code] = _char(font, code)
    return cache[code]


def _char(font, code: int) -> Optional[str]:
    try:
        if "_jiniac_tables" not in font.__dict__:     # the font program's tables, split once a font
            font._jiniac_tables = _tables(resolve1(font.descriptor["FontFile2"]).get_data())
        glyph = _glyph(font._jiniac_tables, code)
    except Exception:        # a damaged font program: the glyph stays unmapped, and counted
        return None
    if glyph is None:
        return None
    return " " if not glyph else KNOWN.get(hashlib.sha1(glyph).hexdigest())
