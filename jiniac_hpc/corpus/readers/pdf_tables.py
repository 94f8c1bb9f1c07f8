"""Rows of a ruled table on a PDF page, for the PDF reader (:mod:`.pdf`): one line a row, its cells
set apart by ``　``, as the e-Gov reader writes a law's table rows.

    python -m jiniac_hpc.corpus.readers pdf tests/assets/corpus/real/hanrei_087299_p13-14_table_trimmed.pdf

Word draws a table cell by cell, so pdfminer gives each cell's text as lines of its own: a ruling's
別表 came out one cell a line ("サムスンＳＤＩ", then "サムスン・エスディーアイ・カンパニー・リミテッド"),
a cell wrapped onto a second line ran into the next row, and the row's last cell, reaching the
block's edge, was joined with the next row as if it were prose. The table's rules say where its
cells are: thin rectangles or lines (or the edges of stroked boxes; dashes put together) across
and down the page. A line pdfminer ran across a rule is cut there (:func:`split_at_rules`); a line
lies in the cell bounded by the nearest rules on its four sides, and the lines of the cells that
share a top and bottom rule are a row, read cell by cell left to right, each cell's lines top to
bottom (a wrapped cell's lines joined, with no space between two wide glyphs); the pieces of a
line cut at rules that close no cell (a row broken by the page's foot) are a row too, which may go
on with the next page's first line as prose does. A row the page's foot broke in several cells
(their rules on three sides, none below) is a row of those cells, and the rest of each cell, at the
top of the next page with no rule above it, goes back into its cell (:func:`rejoin_pages`: a
ruling's 別表 whose row went on in its 入学試験 and 学生納付金 columns had come out one line a line).
A cell merged down across rows is read with the first row it spans (as a table's markup has it:
rowspan), and rules a point apart (a shaded cell's) bound one row (:func:`_spans_to_rows`). A row of
one cell (a heading across the table, a box around a note or the page) stays as it was.
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Optional

from pdfminer.layout import LTChar, LTCurve, LTFigure, LTLayoutContainer

from jiniac_hpc.corpus.readers.pdf_order import Line

RULE = 3.0       # a rule is at most this thick (pt: a double border is drawn 2.2 pt wide) …
LONG = 10.0      # … and at least this long, its dashes put together (a dashed rule between two rows)
DASH_GAP = 4.0   # the most space between two dashes of one rule
SEP = "\u3000"


def _segments(container, across: list, down: list) -> None:
    """The page's horizontal segments (y, x0, x1) in ``across`` and vertical ones (x, y0, y1) in
    ``down``: thin rectangles and lines, and the edges of stroked boxes."""
    for item in container:
        if isinstance(item, (LTFigure, LTLayoutContainer)) and not isinstance(item, LTCurve):
            _segments(item, across, down)
        elif isinstance(item, LTCurve):
            x0, y0, x1, y1 = item.bbox
            w, h = x1 - x0, y1 - y0
            if h <= RULE and w > h:
                across.append(((y0 + y1) / 2, x0, x1))
            elif w <= RULE and h > w:
                down.append(((x0 + x1) / 2, y0, y1))
            elif item.stroke and len(item.pts) in (4, 5):     # a stroked box: its four edges
                across += [(y0, x0, x1), (y1, x0, x1)]
                down += [(x0, y0, y1), (x1, y0, y1)]


def _joined_up(segments: list) -> list:
    """Segments on one line (within half a point) that touch or are a dash's gap apart, put
    together; those at least ``LONG`` long."""
    out: list = []
    for at, lo, hi in sorted(segments):
        if out and abs(at - out[-1][0]) <= 0.5 and lo <= out[-1][2] + DASH_GAP:
            out[-1] = (out[-1][0], out[-1][1], max(hi, out[-1][2]))
        else:
            out.append((at, lo, hi))
    return [x for x in out if x[2] - x[1] >= LONG]


def rules(page) -> tuple[list, list]:
    """The page's horizontal rules (y, x0, x1) and vertical ones (x, y0, y1)."""
    across: list = []
    down: list = []
    _segments(page, across, down)
    return _joined_up(across), _joined_up(down)


def in_cell(glyph, line, down: list) -> bool:
    """Whether vertical rules stand on both sides of the glyph across its line: a table's cell."""
    mid = (line.y0 + line.y1) / 2
    xs = [x for x, y0, y1 in down if y0 <= mid <= y1]
    return any(x <= glyph.x0 for x in xs) and any(x >= glyph.x1 for x in xs)


def split_at_rules(items: list, line, down: list) -> list[list]:
    """A horizontal line's items (glyphs, spaces) cut where a vertical rule runs between two glyphs:
    pdfminer runs a cell's text on into the next cell's when they sit close."""
    mid = (line.y0 + line.y1) / 2
    cuts = sorted(x for x, y0, y1 in down if y0 <= mid <= y1 and line.x0 < x < line.x1)
    if not cuts:
        return [items]
    parts: list[list] = [[]]
    prev = None
    for c in items:
        if isinstance(c, LTChar) and not c.get_text().isspace():
            if prev is not None and any(prev.x1 - 1 <= x <= c.x0 + 1 for x in cuts):
                parts.append([])
            prev = c
        parts[-1].append(c)
    return parts


def _cell(ln: Line, across: list, down: list):
    """(left, right, bottom, top) of the rules around the line, or None where a side has none."""
    sides = _sides(ln, across, down)
    return None if None in sides else sides


def _sides(ln: Line, across: list, down: list) -> tuple:
    """(left, right, bottom, top) of the rules around the line, each None where that side has none."""
    tol = 0.25 * ln.size
    cx, cy = (ln.left + ln.right) / 2, (ln.top + ln.bottom) / 2
    vert = [x for x, y0, y1 in down if y0 - tol <= cy <= y1 + tol]
    horiz = [y for y, x0, x1 in across if x0 - tol <= cx <= x1 + tol]
    lefts = [x for x in vert if x <= ln.left + tol]
    rights = [x for x in vert if x >= ln.right - tol]
    tops = [y for y in horiz if y >= ln.top - tol]
    bottoms = [y for y in horiz if y <= ln.bottom + tol]
    sides = ((max, lefts), (min, rights), (max, bottoms), (min, tops))
    return tuple(round(f(xs), 1) if xs else None for f, xs in sides)


def _joined(texts: list[str]) -> str:
    """A cell's lines as one text: no space between two wide glyphs, one elsewhere."""
    out = texts[0]
    for t in texts[1:]:
        wide = all(unicodedata.east_asian_width(c) in "WF" for c in (out[-1], t[0]))
        out += ("" if wide else " ") + t
    return out


def _spans_to_rows(rows: dict, tol: float) -> dict:
    """The cells by row, ``rows`` as (bottom, top) of their rules -> (left, right) -> lines, with rows
    whose rules lie within ``tol`` of each other made one (a shaded cell's rules drawn a point inside
    its row's) and a cell merged down across rows (a 官報 notice's 廃止 beside the rows of three
    courses, its reason beside two) put in the first row it spans, where a cell of no other column
    of that row stands. Cells so put together must make one run of cells, each beginning where the
    one before ends (two boxes side by side on a slide, a gap between them, stay apart); rows of
    pieces of lines (``("piece", id)``) and a row the page's foot broke (``("foot", top)``) are left
    as they are."""
    def height(k) -> float:
        return k[1] - k[0]

    bands: list = []          # rows of their own, finest first
    target: dict = {}         # a row's key -> the row it goes with
    for key in sorted((k for k in rows if not isinstance(k[0], str)), key=height):
        bottom, top = key
        same = next((k for k in bands if abs(k[0] - bottom) <= tol and abs(k[1] - top) <= tol), None)
        inside = [k for k in bands if k[1] <= top + tol and k[0] >= bottom - tol]
        first = max(inside, key=lambda k: (k[1], -height(k)), default=None)
        if same is None and first is not None and abs(first[1] - top) <= tol \
                and any(abs(k[0] - bottom) <= tol for k in inside) \
                and not any(min(r, r2) - max(lt, l2) > tol for lt, r in rows[key] for l2, r2 in rows[first]):
            same = first
        if same is None:
            bands.append(key)
        else:
            target[key] = same
    out = {k: v for k, v in rows.items() if k not in target}
    for row in dict.fromkeys(target.values()):
        keys = [k for k, t in target.items() if t == row]
        cols = sorted({c for k in [row] + keys for c in rows[k]})
        if all(abs(a[1] - b[0]) <= tol for a, b in zip(cols, cols[1:])):
            out[row] = {c: [ln for k in [row] + keys for ln in rows[k].get(c, [])] for c in cols}
        else:
            out.update((k, rows[k]) for k in keys)
    return out


def table_rows(lines: list[Line], across: list, down: list) -> list[Line]:
    """The page's lines with the lines of each row of a ruled table (two cells or more with text)
    made one line, ``row`` set, where the row's first line was (see the module docstring); the
    page's rules as :func:`rules` gives them."""
    if not across or not down:
        return lines
    rows: dict = {}
    open_top = {}         # lines in a cell with no rule above: the rest of a row the page's foot broke
    for ln in lines:
        sides = (None,) * 4 if ln.vertical or not ln.text.strip() else _sides(ln, across, down)
        cell = None if None in sides else sides
        if sides[3] is None and None not in sides[:3]:
            open_top[id(ln)] = sides[:2]
        if cell is not None:
            rows.setdefault(cell[2:], {}).setdefault(cell[:2], []).append(ln)
        elif sides[2] is None and None not in (sides[0], sides[1], sides[3]):   # no rule below: the page's foot
            rows.setdefault(("foot", sides[3]), {}).setdefault(sides[:2], []).append(ln)
        elif ln.piece_of:      # cut at rules but in no closed cell: a row whose foot is on the next page
            rows.setdefault(("piece", ln.piece_of), {}).setdefault((round(ln.left, 1), 0.0), []).append(ln)
    sizes = sorted(ln.size for ln in lines if not ln.vertical) or [10.0]
    rows = _spans_to_rows(rows, 0.25 * sizes[len(sizes) // 2])
    merged: dict[int, Line] = {}
    gone: set[int] = set()
    for key, cells in rows.items():
        if len(cells) < 2:
            continue
        members = [ln for c in cells.values() for ln in c]
        texts = [_joined([x.text.strip() for x in sorted(c, key=lambda x: (-x.top, x.left))])
                 for _, c in sorted(cells.items())]
        last = max(sorted(cells.items())[-1][1], key=lambda x: (x.end, -x.top))
        first = min(members, key=lambda x: lines.index(x))
        foot = key[0] == "foot"
        merged[id(first)] = replace(first, text=SEP.join(texts), top=max(x.top for x in members),
                                    bottom=min(x.bottom for x in members), end=last.end,
                                    size=max(x.size for x in members), left=min(x.left for x in members),
                                    right=max(x.right for x in members), row=key[0] not in ("piece", "foot"),
                                    space_after=False, ocr=all(x.ocr for x in members),
                                    cells=tuple((lt, r, t) for (lt, r), t in zip(sorted(cells), texts)) if foot else ())
        gone |= {id(x) for x in members if x is not first}
    out = [merged[id(x)] if id(x) in merged else replace(x, cell=open_top[id(x)]) if id(x) in open_top else x
           for x in lines if id(x) not in gone]
    # the table's rows top to bottom, and with them the rest of a cell whose row the page's foot broke,
    # at the top of the next page with no rule above it (easyPDF's 別表: "パソコン及び関連" / "機器代"),
    # which pdfminer may give after the next row, where it could not go on with its row
    table = {id(x) for x in merged.values()}
    slots = [i for i, x in enumerate(out) if id(x) in table or merged and x.cell is not None]
    for i, x in zip(slots, sorted((out[i] for i in slots), key=lambda x: -x.top)):
        out[i] = x
    return out


def rejoin_pages(prev: list[Line], page: list[Line]) -> list[Line]:
    """``page``'s lines, less those that are the rest of the cells of the row ``prev`` (the page
    before, in reading order) ends in, broken by the page's foot: each such line, in a cell with no
    rule above that lies within one of that row's cells, goes into that cell, top to bottom, and the
    row is whole (``row``). The row is changed in ``prev``."""
    foot = min((x for x in prev if x.cells), key=lambda x: x.bottom, default=None)
    if foot is None or foot.text != SEP.join(t for _, _, t in foot.cells):   # (its text changed since)
        return page
    tol = 0.25 * foot.size

    def column(x: Line) -> Optional[int]:
        return None if x.cell is None else next(
            (i for i, (lt, r, _) in enumerate(foot.cells) if x.cell[0] >= lt - tol and x.cell[1] <= r + tol), None)

    rest = sorted(((column(x), x) for x in page if column(x) is not None), key=lambda p: (-p[1].top, p[1].left))
    if not rest:
        return page
    texts = [[t] for _, _, t in foot.cells]
    for i, x in rest:
        texts[i].append(x.text.strip())
    foot.text, foot.row, foot.cells = SEP.join(_joined(t) for t in texts), True, ()
    taken = {id(x) for _, x in rest}
    return [x for x in page if id(x) not in taken]
