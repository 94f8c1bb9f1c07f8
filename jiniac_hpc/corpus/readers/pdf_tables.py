"""Rows of a ruled table on a PDF page, for the PDF reader (:mod:`.pdf`): one line a row, its cells
set apart by ``　``, as the e-Gov reader writes a law's table rows.

    python -m jiniac_hpc.corpus.readers pdf tests/assets/corpus/real/hanrei_087299_p13-14_table_trimmed.pdf

Word draws a table cell by cell, so pdfminer gives each cell's text as lines of its own: a ruling's
別表 came out one cell a line ("サムスンＳＤＩ", then "サムスン・エスディーアイ・カンパニー・リミテッド"),
a cell wrapped onto a second line ran into the next row, and the row's last cell, reaching the
block's edge, was joined with the next row as if it were prose. The table's rules say where its
cells are: thin rectangles or lines (or the edges of stroked boxes) across and down the page. A
line lies in the cell bounded by the nearest rules on its four sides (where pdfminer ran it
across a rule, in the cell where it ends); the lines of the cells that share a top and bottom
rule are a row, read cell by cell left to right, each cell's lines top to bottom (a wrapped
cell's lines joined, with no space between two wide glyphs). A row of one cell (a heading across
the table, a box around a note or the page) stays as it was.
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace

from pdfminer.layout import LTCurve, LTFigure, LTLayoutContainer

from jiniac_hpc.corpus.readers.pdf_order import Line

RULE = 2.0       # a rule is at most this thick (pt), and at least twice as long
SEP = "\u3000"


def _rules(container, across: list, down: list) -> None:
    """The page's horizontal rules (y, x0, x1) in ``across`` and vertical ones (x, y0, y1) in ``down``."""
    for item in container:
        if isinstance(item, (LTFigure, LTLayoutContainer)) and not isinstance(item, LTCurve):
            _rules(item, across, down)
        elif isinstance(item, LTCurve):
            x0, y0, x1, y1 = item.bbox
            w, h = x1 - x0, y1 - y0
            if h <= RULE and w >= 2 * RULE:
                across.append(((y0 + y1) / 2, x0, x1))
            elif w <= RULE and h >= 2 * RULE:
                down.append(((x0 + x1) / 2, y0, y1))
            elif item.stroke and len(item.pts) in (4, 5):     # a stroked box: its four edges
                across += [(y0, x0, x1), (y1, x0, x1)]
                down += [(x0, y0, y1), (x1, y0, y1)]


def _cell(ln: Line, across: list, down: list):
    """(left, right, bottom, top) of the rules around the line, or None where a side has none."""
    tol = 0.25 * ln.size
    cx, cy = (ln.left + ln.right) / 2, (ln.top + ln.bottom) / 2
    vert = [x for x, y0, y1 in down if y0 - tol <= cy <= y1 + tol]
    horiz = [y for y, x0, x1 in across if x0 - tol <= cx <= x1 + tol]
    # (the cell of its last glyph: pdfminer may run a cell's first line on from the cell before,
    # "第四条第三項 当該廃止した…", whose next lines lie in the second cell alone)
    lefts = [x for x in vert if x <= ln.right - 2 * tol]
    rights = [x for x in vert if x >= ln.right - tol]
    tops = [y for y in horiz if y >= ln.top - tol]
    bottoms = [y for y in horiz if y <= ln.bottom + tol]
    if not (lefts and rights and tops and bottoms):
        return None
    return round(max(lefts), 1), round(min(rights), 1), round(max(bottoms), 1), round(min(tops), 1)


def _joined(texts: list[str]) -> str:
    """A cell's lines as one text: no space between two wide glyphs, one elsewhere."""
    out = texts[0]
    for t in texts[1:]:
        wide = all(unicodedata.east_asian_width(c) in "WF" for c in (out[-1], t[0]))
        out += ("" if wide else " ") + t
    return out


def table_rows(lines: list[Line], page) -> list[Line]:
    """The page's lines with the lines of each row of a ruled table (two cells or more with text)
    made one line, ``row`` set, where the row's first line was (see the module docstring)."""
    across: list = []
    down: list = []
    _rules(page, across, down)
    if not across or not down:
        return lines
    rows: dict = {}
    for ln in lines:
        cell = None if ln.vertical or not ln.text.strip() else _cell(ln, across, down)
        if cell is not None:
            rows.setdefault(cell[2:], {}).setdefault(cell[:2], []).append(ln)
    merged: dict[int, Line] = {}
    gone: set[int] = set()
    for cells in rows.values():
        if len(cells) < 2:
            continue
        members = [ln for c in cells.values() for ln in c]
        texts = [_joined([x.text.strip() for x in sorted(c, key=lambda x: (-x.top, x.left))])
                 for _, c in sorted(cells.items())]
        last = max(sorted(cells.items())[-1][1], key=lambda x: (x.end, -x.top))
        first = min(members, key=lambda x: lines.index(x))
        merged[id(first)] = replace(first, text=SEP.join(texts), top=max(x.top for x in members),
                                    bottom=min(x.bottom for x in members), end=last.end,
                                    size=max(x.size for x in members), left=min(x.left for x in members),
                                    right=max(x.right for x in members), row=True,
                                    space_after=False, ocr=all(x.ocr for x in members))
        gone |= {id(x) for x in members if x is not first}
    return [merged.get(id(x), x) for x in lines if id(x) not in gone]
