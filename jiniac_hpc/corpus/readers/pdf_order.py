"""Reading order of a PDF page's lines, for the PDF reader (:mod:`.pdf`): the line record it lays out
(:class:`Line`), vertical pages read tier (段) by tier (:func:`vertical_order`), a horizontal page
that pdfminer upset with a stray vertical glyph put back in order (:func:`horizontal_order`), and
columns of prose found (:func:`prose_columns`) and read column by column (:func:`column_order`), and
a page of one column with notes in its margin read top to bottom (:func:`side_notes_order`).

    python -m jiniac_hpc.corpus.readers pdf tests/assets/corpus/real/kanpo_20250703c00122_p2-3_trimmed.pdf
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional

ENDS = re.compile(r"[。．！？]|[.!?](?:\s|$)")      # a sentence's end
_FULL_STOP = re.compile(r"(?<![0-9０-９])[。．]|[！？]")   # a Japanese sentence's end, not "２．" numbering


@dataclass
class Line:
    text: str
    vertical: bool
    top: float               # bbox y1 (pdf y grows upwards)
    bottom: float            # bbox y0
    end: float               # x1 of the last glyph (horizontal) or y0 of the last glyph (vertical)
    size: float              # glyph size across the line
    left: float              # x0 and x1 of the glyphs
    right: float
    edge: Optional[float] = None   # vertical text: the bottom edge of this line's tier (段)
    column: Optional[tuple[float, float]] = None   # a prose column's left and right edges (multi-column page)
    ocr: bool = False        # most of its glyphs are a scan's OCR layer (pdf_glyphs.hidden_glyphs)
    space_after: bool = False   # the page draws a space glyph after its last glyph
    row: bool = False        # a ruled table's row, its cells set apart (pdf_tables.table_rows)
    piece_of: int = 0        # a piece of a text line cut at a table's rule: that line's id (pdf_tables)
    cells: tuple = ()        # a table's row the page's foot broke: (left rule, right rule, text) a cell (pdf_tables)
    cell: Optional[tuple[float, float]] = None   # in a table's cell with no rule above: its left and right rules


def horizontal_order(lines: list[Line]) -> list[Line]:
    """A horizontal page on which pdfminer took a glyph or two for a vertical line (the 掲 of
    掲示板タイトル): that box upsets pdfminer's box order, which then puts the page's end before
    its top. The glyphs go back to the start of the line they sit before (or, a heading's first glyph
    letter-spaced far from its second, "主　　　文", before that glyph alone on its row), and a page of
    one column is read top to bottom (a page of several keeps pdfminer's order, which follows its
    columns)."""
    horiz = [replace(x) for x in lines if not x.vertical]
    for v in (x for x in lines if x.vertical):
        host = None
        if len(v.text.strip()) <= 2:
            row = [h for h in horiz if abs(h.bottom - v.end) < 0.6 * v.size and h.left - v.right >= -0.5 * v.size]
            host = next((h for h in row if h.left - v.right < 1.5 * v.size), None)
            # a heading letter-spaced across the page, "主　　　文", "決　　　定" (Word): its other glyph,
            # alone on the row to the right, is the nearest line there
            spaced = min(row, key=lambda h: h.left, default=None)
            if host is None and spaced is not None and len(spaced.text.strip()) == 1:
                host = spaced
        if host:
            gap = "\u3000" if 0.5 * v.size < host.left - v.right < 1.5 * v.size else ""   # "１　登録番号", "掲示板"
            host.text, host.left = v.text.strip() + gap + host.text, v.left
        else:
            horiz.append(replace(v, vertical=False, bottom=v.end))
    # (lines of one glyph side by side are a spaced heading's, not columns)
    wide = [x for x in horiz if len(x.text.strip()) > 1]
    columns = any(min(a.top, b.top) - max(a.bottom, b.bottom) > 0.5 * min(a.size, b.size)
                  and (a.right < b.left or b.right < a.left) for i, a in enumerate(wide) for b in wide[i + 1:])
    return horiz if columns else sorted(horiz, key=lambda x: -x.top)


def vertical_order(lines: list[Line]) -> list[Line]:
    """Reading order of a vertical page: tiers (段) top to bottom, columns right to left in each,
    then the horizontal lines. pdfminer orders text boxes, which interleaves tiers; and it may take
    the first glyph of a column for a one-glyph horizontal line, which is glued back here."""
    cols = [replace(x, vertical=True, end=x.bottom) if not x.vertical and len(x.text) == 1 else x
            for x in lines]
    rest = [x for x in cols if not x.vertical]
    merged: list[Line] = []
    for ln in sorted((x for x in cols if x.vertical), key=lambda x: -x.top):
        host = next((m for m in merged if min(m.right, ln.right) - max(m.left, ln.left) > 0.5 * ln.size
                     and -0.5 * ln.size <= m.bottom - ln.top < ln.size), None)
        if host:
            host.text += ln.text
            host.bottom, host.end = ln.bottom, ln.end
        else:
            merged.append(replace(ln))
    tiers: list[list[Line]] = []
    bottom = 0.0
    for ln in sorted(merged, key=lambda x: -x.top):
        if tiers and ln.top > bottom:     # starts above the current tier's lowest point: same tier
            tiers[-1].append(ln)
            bottom = min(bottom, ln.bottom)
        else:
            tiers.append([ln])
            bottom = ln.bottom
    for tier in (t for t in tiers if len(t) >= 3):   # where the tier's long (full) lines end
        ends = sorted(x.end for x in tier)
        for x in tier:
            x.edge = ends[int(0.1 * (len(ends) - 1))]
    return [x for tier in tiers for x in sorted(tier, key=lambda x: -x.right)] + rest


def prose_columns(lines: list[Line]) -> None:
    """Sets ``column`` on the horizontal lines of a page set in columns of prose (a 官報 page has
    four, a paper two): their far edge is where their own column ends, not the page's.

    A column's right edge is where a tenth of the page's lines (five at least) end within a
    quarter glyph of each other, as justified lines do; it is a gutter when lines start to its
    right and no more than one line in eight runs over it (a title over the columns may). A
    column counts when it holds five lines or more, ten glyphs wide, that end a sentence at least
    once every ten lines: a list, or a table's cells side by side, is not prose and keeps the
    document's edges. A page with fewer than two such columns may hold blocks of prose beside a
    figure (:func:`_beside`), set the same way."""
    horiz = [x for x in lines if not x.vertical]
    if len(horiz) < 10:
        return
    size = sorted(x.size for x in horiz)[len(horiz) // 2]
    ends = sorted(x.end for x in horiz)
    groups: list[list[float]] = []
    for e in ends:
        if groups and e - groups[-1][0] <= 0.25 * size:
            groups[-1].append(e)
        else:
            groups.append([e])
    gutters = []
    for g in groups:
        e = g[len(g) // 2]
        if len(g) >= max(5, len(horiz) / 10) and any(x.left > e for x in horiz) \
                and 8 * sum(1 for x in horiz if x.left < e - size and x.right > e + size) <= len(horiz):
            gutters.append(e)
    columns = []
    for lo, hi in zip([-1.0] + gutters, gutters + [max(ends) + 1.0]):
        members = [x for x in horiz if x.left > lo and x.right <= hi + 1.5 * size]
        if len(members) >= 5 and hi - min(x.left for x in members) >= 10 * size and _is_prose(members):
            columns.append(members)
    if len(columns) < 2:
        columns = _beside(horiz, groups, size)
    for members in columns:
        ends, lefts = sorted(x.end for x in members), sorted(x.left for x in members)
        edges = (lefts[int(0.1 * (len(lefts) - 1))], ends[int(0.9 * (len(ends) - 1))])
        for x in members:
            x.column = edges


def _is_prose(members: list[Line]) -> bool:
    return 10 * sum(len(ENDS.findall(x.text)) for x in members) >= len(members)


def _beside(horiz: list[Line], groups: list[list[float]], size: float) -> list[list[Line]]:
    """Blocks of prose set narrower than the page beside a figure or side notes (a white paper's
    paragraph beside its chart, a manual's text beside a box of references): four lines or more,
    one above the other, ten glyphs wide or more from one left edge, that end within a quarter glyph
    of one place five glyphs or more short of where the page's longest lines end, with no line
    running over that place between the first and the last of them (the figure is often a picture,
    no text). The block is those lines and the one under them (a paragraph's short last line) that
    start at that left edge, if they end sentences (a "。" at least once every ten lines: a table
    of contents' "２．" is no sentence). Prose beside the block, three lines or more of it ending
    together, is a column of its own, read after it (pdfminer may interleave the two); if there are
    long lines beside it that are not such a column, or four to its left, the block is left as it is."""
    blocks = []
    far = max(x.end for x in horiz)
    for g in (g for g in groups if len(g) >= 4):
        e = g[len(g) // 2]
        at = sorted((x for x in horiz if abs(x.end - e) <= 0.25 * size and e - x.left >= 10 * size),
                    key=lambda x: -x.top)
        for run in (r for r in _stretches(at) if len(r) >= 4):
            left = min(x.left for x in run)
            band = [x for x in horiz if run[-1].bottom - 1.5 * size < x.top and x.bottom < run[0].top]
            members = [x for x in band if left - size <= x.left < e and x.right <= e + 1.5 * size]
            if e >= far - 5 * size or any(x.left < e - size and x.right > e + size for x in band) \
                    or not _sentences(members) or _long(x for x in band if x.right < left - size) >= 4:
                continue    # (text to its left: a column beside, found from that column's own lines)
            beside = [x for x in band if x.left > e]
            edge = max((x.end for x in beside), default=0.0)
            if sum(abs(x.end - edge) <= 0.5 * size for x in beside) >= 3 and _sentences(beside):
                blocks += [members, beside]
            elif _long(beside) < 2:   # (else: text beside, its order unsure)
                blocks.append(members)
    return blocks


def _long(lines) -> int:
    """How many of the lines are ten glyphs long or more."""
    return sum(x.end - x.left >= 10 * x.size for x in lines)


def _stretches(lines: list[Line]) -> list[list[Line]]:
    """Lines (top to bottom) cut where one is more than a line's spacing below the one before."""
    runs: list[list[Line]] = []
    for x in lines:
        if runs and runs[-1][-1].bottom - x.top <= 1.5 * x.size:
            runs[-1].append(x)
        else:
            runs.append([x])
    return runs


def _sentences(lines: list[Line]) -> bool:
    return 10 * sum(len(_FULL_STOP.findall(x.text)) for x in lines) >= len(lines)


def column_order(lines: list[Line]) -> list[Line]:
    """The page's lines with each run of prose-column lines (``prose_columns``: lines of no
    column, a title over the columns, end a run) read column by column, left to right, each
    column in pdfminer's order: pdfminer may give two columns in a box line by line, left, right,
    left (a white paper's interview)."""
    out: list[Line] = []
    run: list[Line] = []
    for x in [*lines, None]:
        if x is not None and x.column:
            run.append(x)
            continue
        out += sorted(run, key=lambda y: y.column[0])    # (stable: each column keeps its order)
        run = []
        if x is not None:
            out.append(x)
    return out


def side_notes_order(lines: list[Line]) -> list[Line]:
    """The lines of a page of one column of text with notes down its outer margin (a 特許庁 審査基準
    page: "HB1210 特許査定起案時の注意" beside the body, right of it on odd pages, left on even), the
    body top to bottom and each run of notes after the sentence it starts beside. pdfminer groups
    such a page into boxes it orders by a mix of place and size: the section's heading "第5節 査定"
    came after the page's last paragraph but one, and "3. 拒絶査定" after the paragraph it heads.

    The notes are two lines or more, in a smaller size, that start right of where the body's lines
    end (nine in ten of them) or end left of where they start (nine in ten); the body is one column
    where no two lines ten glyphs long share a height (short ones that do, a footer's page number
    and date, are read left to right). A page without such notes, or whose body is not one column
    (a table, columns of prose), is left as it is."""
    horiz = [x for x in lines if not x.vertical]
    if len(horiz) < 10 or len(horiz) != len(lines):
        return lines
    size = sorted(x.size for x in horiz)[len(horiz) // 2]
    ends = sorted(x.end for x in horiz if x.size >= 0.9 * size)
    lefts = sorted(x.left for x in horiz if x.size >= 0.9 * size)
    edge, start = ends[int(0.9 * (len(ends) - 1))], lefts[int(0.1 * (len(lefts) - 1))]
    notes = [x for x in horiz
             if x.size < 0.9 * size and (x.left >= edge + 0.5 * size or x.right <= start - 0.5 * size)]
    body = [x for x in horiz if start - 0.5 * size < x.right and x.left < edge + 0.5 * size]
    if len(notes) < 2 or len(notes) + len(body) != len(horiz):
        return lines
    rows: list[list[Line]] = []         # the body's lines by height, those sharing one left to right
    for x in sorted(body, key=lambda x: -x.top):
        first = rows[-1][0] if rows else None
        if first is not None and min(first.top, x.top) - max(first.bottom, x.bottom) > 0.5 * min(first.size, x.size):
            rows[-1].append(x)
        else:
            rows.append([x])
    ordered = [x for row in rows for x in sorted(row, key=lambda x: x.left)]
    if ordered == body or any(sum(x.end - x.left >= 10 * x.size for x in row) >= 2 for row in rows):
        return lines          # (in order already, or lines of prose side by side: columns, not one)
    runs: list[list[Line]] = []         # the notes as pdfminer gives them, runs of consecutive lines
    for x in lines:
        if x in notes and runs and runs[-1][-1] is prev:
            runs[-1].append(x)
        elif x in notes:
            runs.append([x])
        prev = x
    out = list(ordered)
    for run in sorted(runs, key=lambda r: -r[0].top):
        at = sum(1 for x in ordered if x.top >= run[0].top - 0.5 * size)
        # (after the sentence the body line beside it is in: a note does not cut a paragraph)
        while 0 < at < len(ordered) and not ordered[at - 1].text.rstrip().endswith(("。", "．")):
            at += 1
        k = out.index(ordered[at - 1]) + 1 if at else 0
        while k < len(out) and out[k] in notes:     # (after the notes already beside that line)
            k += 1
        out[k:k] = run
    return out
