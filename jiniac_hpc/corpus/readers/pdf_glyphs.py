"""What pdfminer's glyphs say, before the PDF reader lays them out in lines (:mod:`.pdf`).

    python -m jiniac_hpc.corpus.readers pdf tests/assets/corpus/real/hanrei_034907.pdf

- ``text_lines``: the text lines of a page, those inside figures and those pdfminer left outside
  every box included;
- ``visible``: glyphs off the page or drawn twice taken out, and counted;
- ``Aggregator`` and ``hidden_glyphs``: the glyphs of an OCR layer, the text a scanned page carries
  that its reader does not see; ``Aggregator`` also reads a glyph its font's ToUnicode map leaves out
  from the font's character collection (Adobe-Japan1 …), where its CID names the character;
- ``with_subscripts``: a small glyph drawn after its line put back where it sits;
- ``interleaved``: a run of glyphs drawn after its line, in its gaps, put back where it stands;
- ``without_ruby``: ruby set above a line taken out, and counted;
- ``FORMS``: characters fonts give in a form the text does not mean (Kangxi radicals, vertical
  presentation forms), and ``CID``/``PUA``/``CONTROL``: glyphs with no character.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Optional

from pdfminer import layout as _layout
from pdfminer.cmapdb import CMapDB
from pdfminer.converter import PDFPageAggregator
from pdfminer.pdffont import PDFCIDFont
from pdfminer.layout import LTAnno, LTChar, LTFigure, LTPage, LTTextContainer, LTTextLine, LTTextLineVertical

from jiniac_hpc.corpus.readers.pdf_fonts import truetype_char
from jiniac_hpc.corpus.readers.pdf_pictures import page_items

# a glyph pdfminer cannot map: "(cid:N)" with no ToUnicode entry, U+FFFD where the font's ToUnicode
# maps it to the replacement character (cairo's output does that for every glyph of some fonts)
CID = re.compile(r"\(cid:\d+\)|\ufffd")
# a private-use code point: a font's own glyph numbering, no character ("(1)" drawn as U+E001)
PUA = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")


def _forms_table() -> dict[int, str]:
    """Characters a font's ToUnicode map gives in a form the text does not mean: Kangxi radicals for
    the ideographs they look like (⽉ for 月, ⽇ for 日: Word's and PowerPoint's fonts), and the
    presentation forms of vertical text (︒ ︑ ﹁ ︵) for their characters, full-width as in
    Japanese text (︵ is （, not "(")."""
    table = {}
    for cp in [*range(0x2F00, 0x2FD6), *range(0xFE10, 0xFE1A), *range(0xFE30, 0xFE49)]:
        n = unicodedata.normalize("NFKC", chr(cp))
        n = "…" if n == "..." else chr(ord(n) + 0xFEE0) if len(n) == 1 and "!" <= n <= "~" else n
        if n != chr(cp):
            table[cp] = n
    return table


FORMS = _forms_table()
# control characters (an OCR layer's NULs, a chart's DELs): no text, dropped and counted
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def text_lines(container) -> list[LTTextLine]:
    """The text lines of a page or figure in pdfminer's order, those of figures in it included."""
    lines = []
    for item in container:
        if isinstance(item, LTFigure):
            lines += text_lines(item)
        elif isinstance(item, LTTextLine):      # a line pdfminer left out of every box (zero-width glyphs)
            lines.append(item)
        elif isinstance(item, LTTextContainer):
            lines += [ln for ln in item if isinstance(ln, LTTextLine)]
    return lines


def with_subscripts(lines: list[LTTextLine]) -> list[tuple[LTTextLine, list]]:
    """Each line with its glyphs (and pdfminer's inserted spaces), small glyphs put where they sit.

    A subscript or superscript (a ruling's party "Ｙ₁", drawn at half size) is often drawn after
    its line, so pdfminer puts it at the line's end ("…とい２　２"), makes a line of its own
    ("１　１") between two lines, or stacks it on the first glyph of the next line into a short
    vertical line ("１" over "上"). Each such glyph goes into the line whose height holds its middle,
    after the glyph it follows on that line. Ruby above a line and small type of its own (a caption,
    a chart's labels) are not within a line's height and stay as they are."""
    placed = [(ln, [c for c in ln if c.get_text() != "\n"]) for ln in lines]
    horizontal = [(ln, items) for ln, items in placed if not isinstance(ln, LTTextLineVertical)]
    sizes = sorted(c.size for _, items in horizontal for c in items if isinstance(c, LTChar))
    if not sizes:
        return placed
    small = 0.7 * sizes[len(sizes) // 2]

    def glyphs(items: list) -> list[LTChar]:
        return [c for c in items if isinstance(c, LTChar) and not c.get_text().isspace()]

    def is_small(c) -> bool:
        return c.size <= small

    def behind(gs: list[LTChar]) -> bool:
        """A small glyph left of a glyph before it: drawn after its line."""
        right = float("-inf")
        for g in gs:
            if is_small(g) and g.x0 < right - 1:
                return True
            right = max(right, g.x1)
        return False

    strays: list[tuple[LTChar, list]] = []         # (glyph, the items of the line it came from)
    for ln, items in placed:
        gs = glyphs(items)
        if isinstance(ln, LTTextLineVertical):
            # pdfminer may stack a subscript on the first glyph of the next line ("１" over "上")
            if len(gs) <= 3 and any(map(is_small, gs)) and not all(map(is_small, gs)):
                strays += [(g, items) for g in gs if is_small(g)]
        elif gs and all(map(is_small, gs)):                                  # a line of its own
            strays += [(g, items) for g in gs]
        elif behind(gs):
            strays += [(g, items) for g in gs if is_small(g)]
    if not strays:
        return placed
    hosts = [(ln, items) for ln, items in horizontal if not all(map(is_small, glyphs(items)))]
    for g, own in strays:
        items = next((items for ln, items in hosts
                      if ln.x0 - 1 <= g.x0 <= ln.x1 + 1 and ln.y0 <= (g.y0 + g.y1) / 2 <= ln.y1), None)
        if items is None:          # a caption, a chart's labels, a footnote in small type: as it is
            continue
        own.remove(g)
        at = max((k + 1 for k, c in enumerate(items) if isinstance(c, LTChar) and c.x0 <= g.x0), default=0)
        items.insert(at, g)
    return placed        # a line left without glyphs is skipped by _page_lines like any empty line


def interleaved(placed: list[tuple[LTTextLine, list]]) -> list[tuple[LTTextLine, list]]:
    """Glyphs a page draws after the rest of their line, in the gaps it leaves, put where they stand.

    BCL easyPDF draws a ruling's punctuation "（「」。），" and the digits of "(1)" in a run after the
    line's other glyphs: pdfminer made the run a line of its own on the same baseline ("…もの 以下
    本件支出決議書 という は" and "（ 「 」 。） ，"), or, with the wide char_margin the reader lays
    out with, put it at the line's end ("…の( )，( )及び( )か1 2 5"). A run on the same baseline, in
    the same size, within the line's span or touching it (a comma hung past the margin: "…円" and
    "，") goes into the line, and a line whose glyphs go back left
    is put in order, left to right; pdfminer's inserted spaces are set again where a gap is left.
    Two glyphs may share up to seven tenths of the wider one's width (a comma's box set half or two
    thirds over the bracket after it, "は，「", "において，「", as Japanese punctuation is set close);
    more, the runs are not one line."""
    def overlap(x, y) -> bool:
        return min(x.x1, y.x1) - max(x.x0, y.x0) > 0.7 * max(x.width, y.width)

    rows = [(ln, items) for ln, items in placed if not isinstance(ln, LTTextLineVertical)
            and any(isinstance(c, LTChar) for c in items)]
    gone: set[int] = set()
    for ln, items in placed:
        if isinstance(ln, LTTextLineVertical) and _unstack(items, rows):
            gone.add(id(ln))
    for i, (a, a_items) in enumerate(rows):
        for b, b_items in rows[i + 1:]:
            if id(a) in gone or id(b) in gone or abs(a.y0 - b.y0) > 0.1 * a.height \
                    or abs(a.y1 - b.y1) > 0.1 * a.height:
                continue
            # (glyphs, not the spaces drawn: a line of two spaces beside "第1節" is no run, and a
            # column's name padded with spaces to the next column's, "Ｘ２－１（２の１）   ", no line of it)
            ga = [c for c in a_items if isinstance(c, LTChar)]
            inked = [c for c in ga if not c.get_text().isspace()]
            gb = [c for c in b_items if isinstance(c, LTChar) and not c.get_text().isspace()]
            if not gb or not inked or min(max(c.x1 for c in inked), max(c.x1 for c in gb)) \
                    - max(min(c.x0 for c in inked), min(c.x0 for c in gb)) < -0.25 * a.height \
                    or abs(max(c.size for c in ga) - max(c.size for c in gb)) > 0.1 * a.height \
                    or any(overlap(x, y) for x in inked for y in gb):
                continue
            a_items[:] = ga + gb
            a.set_bbox((min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1)))
            gone.add(id(b))
    for ln, items in rows:
        chars = [c for c in items if isinstance(c, LTChar)]
        reach = [max(c.x1 for c in chars[:1])]        # (how far right the glyphs before each reach)
        for c in chars[1:-1]:
            reach.append(max(reach[-1], c.x1))
        back = any(c.x0 < r - 0.55 * c.width for c, r in zip(chars[1:], reach))
        # (only glyphs of one size on one baseline: "Column" set large behind a white paper's heading
        # is no run of the heading's)
        size = min(c.size for c in chars)
        if id(ln) in gone or not back or max(c.size for c in chars) > 1.2 * size \
                or max(c.y0 for c in chars) - min(c.y0 for c in chars) > 0.1 * size \
                or any(overlap(x, y) for k, x in enumerate(chars) for y in chars[k + 1:]):
            continue
        chars.sort(key=lambda c: c.x0)
        items[:] = _spaced(chars)
    return [(ln, items) for ln, items in placed if id(ln) not in gone]


def _unstack(items: list, rows: list[tuple[LTTextLine, list]]) -> bool:
    """Put each glyph of a "vertical line" back into the horizontal line it sits on, if every glyph
    has one: on its baseline, in its size, within its span or near it (a heading's number set a
    full-width space before it: ２½ glyphs to the left, 1½ to the right). BCL
    easyPDF draws the digit of "(1)" after its line, and pdfminer stacked it with the first glyph of
    a line below that starts a glyph further left than its neighbours (飲 of "…開催した飲" / "食を伴う")
    into a vertical line of two glyphs, which came out apart from both sentences ("1 飲")."""
    glyphs = [c for c in items if isinstance(c, LTChar) and not c.get_text().isspace()]
    hosts = []
    for c in glyphs:
        host = next((items_ for ln, items_ in rows
                     if abs(ln.y0 - c.y0) <= 0.1 * c.height and abs(ln.y1 - c.y1) <= 0.1 * c.height
                     and ln.x0 - 2.5 * c.width <= c.x0 and c.x1 <= ln.x1 + 1.5 * c.width
                     and any(isinstance(g, LTChar) and abs(g.size - c.size) <= 0.1 * c.size for g in items_)), None)
        if host is None:
            return False
        hosts.append(host)
    if not glyphs:
        return False
    for c, host in zip(glyphs, hosts):      # (after the glyphs left of it)
        chars = [g for g in host if isinstance(g, LTChar)]
        chars.insert(max((k + 1 for k, g in enumerate(chars) if g.x0 <= c.x0), default=0), c)
        host[:] = _spaced(chars)
    return True


def _spaced(chars: list[LTChar]) -> list:
    """The glyphs with pdfminer's inserted spaces set again: one where a gap over a tenth of a glyph
    is left (pdfminer's own rule)."""
    items = chars[:1]
    for prev, c in zip(chars, chars[1:]):
        if c.x0 - prev.x1 > 0.1 * max(c.width, c.height):
            items.append(LTAnno(" "))
        items.append(c)
    return items


_KANA = re.compile("[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe]+")


def without_ruby(placed: list[tuple[LTTextLine, list]], unread: Counter) -> list[tuple[LTTextLine, list]]:
    """The lines less those that are ruby, counted in ``unread['ruby']``: a horizontal line of kana
    alone, set at most six tenths the size of the line it sits on, its foot within a third of its
    own size of that line's top and within that line's width (一太郎 sets くう over 腔 this way;
    pdfminer makes such a reading a line of its own, between the line and the one before). A
    reading is a reading aid, not text, as the Aozora readers treat theirs."""
    def sizes(items: list) -> list[float]:
        return [c.size for c in items if isinstance(c, LTChar) and not c.get_text().isspace()]

    horizontal = [(ln, items, sizes(items)) for ln, items in placed
                  if not isinstance(ln, LTTextLineVertical) and sizes(items)]
    ruby = set()
    for ln, items, sz in horizontal:
        text = "".join(c.get_text() for c in items if isinstance(c, LTChar)).replace(" ", "")
        if not _KANA.fullmatch(text):
            continue
        rs = max(sz)
        if any(h is not ln and sorted(hs)[len(hs) // 2] * 0.6 >= rs and abs(ln.y0 - h.y1) <= rs / 3
               and h.x0 - rs <= ln.x0 and ln.x1 <= h.x1 + rs for h, _, hs in horizontal):
            ruby.add(id(ln))
            unread["ruby"] += len(sz)
    return [(ln, items) for ln, items in placed if id(ln) not in ruby]


def visible(lines: list[LTTextLine], box: Optional[tuple[float, float, float, float]],
             unread: Counter) -> list[LTTextLine]:
    """The lines with what a reader of the page does not see taken out of them, and counted: a glyph
    whose middle lies outside the page's crop box (``off_page``: an InDesign spread's other page,
    printer's slug lines), and a glyph drawn again within a sixth of its size of the same glyph
    (``overprint``: bold or shadow made by drawing the text twice)."""
    seen: dict[str, list[tuple[float, float]]] = {}
    for ln in lines:
        keep = []
        for c in ln:
            if isinstance(c, LTChar) and not c.get_text().isspace():
                x, y, tol = (c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2, c.size / 6
                if box and not (box[0] - 1 <= x <= box[2] + 1 and box[1] - 1 <= y <= box[3] + 1):
                    unread["off_page"] += len(c.get_text())
                    continue
                at = seen.setdefault(c.get_text(), [])     # (unmapped glyphs all read alike: not compared)
                if not CID.fullmatch(c.get_text()) \
                        and any(abs(x - u) <= tol and abs(y - v) <= tol for u, v in at):
                    unread["overprint"] += len(c.get_text())
                    continue
                at.append((x, y))
            keep.append(c)
        ln._objs = keep      # pdfminer's own list of the line's glyphs
    return lines


# character collections whose CIDs name characters (pdfminer ships their CID-to-Unicode maps)
_COLLECTIONS = ("Adobe-Japan1", "Adobe-GB1", "Adobe-CNS1", "Adobe-Korea1")


def _japan1() -> dict[int, str]:
    """The Adobe-Japan1 CIDs pdfminer's table lacks, with the character Adobe's Adobe-Japan1-UCS2 CMap
    gives each (``assets/pdf/adobe_japan1_cids.txt``, written by ``tools/adobe_japan1_table.py``: see its
    head)."""
    table = {}
    path = Path(__file__).resolve().parents[2] / "assets" / "pdf" / "adobe_japan1_cids.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        for token in ([] if line.startswith("#") else line.split()):
            cid, code, *count = token.split(":")
            for i in range(int(count[0]) if count else 1):
                table[int(cid, 16) + i] = chr(int(code, 16) + i)
    return table


JAPAN1 = _japan1()


class Aggregator(PDFPageAggregator):
    """pdfminer's page aggregator, noting on each glyph what its layout forgets: ``invisible``, the
    glyph is drawn in text render mode 3 (neither filled nor stroked, as ocrmypdf, Tesseract and
    Acrobat write the text they recognised on a scan), and on glyphs and images alike ``order``,
    their place in the drawing order (a glyph drawn before an image that covers it is not seen).

    A glyph of a CID-keyed font that its ToUnicode map leaves out (InDesign's maps miss the glyphs of
    a white paper's footnotes and captions) is read from the font's character collection, as the PDF
    standard reads a font without such a map (ISO 32000 9.10.2): a CID of Adobe-Japan1 names one
    character (pdfminer's table of Adobe-Japan1 lacks some 8,000 CIDs, the variant kanji of names
    among them: CID 8443 is 﨑; :data:`JAPAN1` holds what Adobe's own CMap gives them). Only for
    fonts whose glyphs are looked up by CID (CFF or not embedded): in an embedded TrueType font the
    CID is a glyph index, whatever collection the font claims. A glyph of an embedded simple TrueType
    font with no mapping (Word's Century as Ghostscript 8.70 subsets it, codes 1, 2, 3 …) is read
    from its outline where that says what it is (:func:`.pdf_fonts.truetype_char`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._mode, self._order = 0, 0

    def render_string(self, textstate, seq, ncs, graphicstate) -> None:
        self._mode = textstate.render
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(self, *args) -> float:
        adv = super().render_char(*args)
        self._mark(self.cur_item._objs[-1]).invisible = self._mode == 3
        return adv

    def handle_undefined_char(self, font, cid: int) -> str:
        if isinstance(font, PDFCIDFont) and font.cidcoding in _COLLECTIONS and "FontFile2" not in font.descriptor:
            try:
                return CMapDB.get_unicode_map(font.cidcoding, font.vertical).get_unichr(cid)
            except (KeyError, CMapDB.CMapNotFound):
                if font.cidcoding == "Adobe-Japan1" and cid in JAPAN1:
                    return JAPAN1[cid]
        return truetype_char(font, cid) or super().handle_undefined_char(font, cid)

    def render_image(self, name, stream) -> None:
        super().render_image(name, stream)
        self._mark(self.cur_item._objs[-1])

    def _mark(self, item):
        item.order, self._order = self._order, self._order + 1
        return item

    def end_page(self, page) -> None:
        # The page's layout analysis runs here. pdfminer groups text boxes closest pair first and
        # breaks ties between equal distances by id(), an object's memory address: the same file
        # read twice in one process (or after other files) could come out with its boxes in
        # another order. During the analysis pdfminer's module sees, under the name ``id``, a
        # number given to each object when first asked for, in the order its loops ask: the
        # order the boxes were built in, so ties go the same way in every run.
        numbers: dict = {}
        _layout.id = lambda obj: numbers.setdefault(obj, len(numbers))
        try:
            super().end_page(page)
        finally:
            del _layout.id


def hidden_glyphs(page: LTPage) -> set[int]:
    """The ids of the glyphs of a scanned page's OCR layer: on a page that carries a scan (an opaque
    image the size of the page), the glyphs drawn invisibly or drawn before the scan, under it.

    A picture that does not fill the page (a photo on a slide, which may overflow the page, its
    clip unknown to pdfminer) or that has a transparency mask (a slide's overlay) hides nothing,
    and invisible text on a page without a scan is not taken for OCR."""
    images, glyphs = page_items(page)
    tol = 0.02 * max(page.width, page.height)
    scans = [im for im in images
             if not any(k in im.stream.attrs for k in ("SMask", "Mask", "ImageMask"))
             and im.x0 >= page.x0 - tol and im.y0 >= page.y0 - tol and im.x1 <= page.x1 + tol and im.y1 <= page.y1 + tol
             and im.width * im.height >= 0.9 * page.width * page.height]
    if not scans:
        return set()
    last = max(getattr(im, "order", -1) for im in scans)
    return {id(c) for c in glyphs if getattr(c, "invisible", False) or getattr(c, "order", last) < last}
