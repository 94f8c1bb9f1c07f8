"""Pictures on a PDF page whose text the PDF reader (:mod:`.pdf`) cannot read, counted as losses.

    python -m jiniac_hpc.corpus.readers pdf tests/assets/corpus/real/hanrei_090486_p2_text_as_picture_trimmed.pdf

A PDF may draw text as a picture: Word (2013 and later, saving as PDF) draws a line that holds a
character of a font it cannot embed as a black-and-white picture the line's height, "⑷　平成２８年
７月，取引銀行からの指摘を契機に上記⑵の横領が発覚した。" in a 最高裁 ruling, and the label "⑴" of
an item as a picture of its own before the item's text; a scanned page without an OCR layer is one
picture and no text. The reader reads no pictures (it does no OCR), so such text is a named loss:

- :func:`text_pictures`: pictures set as a line of the page's text (as tall as its glyphs, within
  its text block, as wide as one glyph or more, on no glyph of the page's text) and how many glyph
  widths they span, which the reader counts in ``unread['text_as_picture']`` (an estimate of the
  characters they hold: a picture's width in glyph squares);
- :func:`picture_page`: whether a page shows a picture (a fifth of the page or more) and no text
  but its running heads and page numbers, which the reader counts in the record's
  ``meta['image_only_pages']``.
"""
from __future__ import annotations

from pdfminer.layout import LTChar, LTFigure, LTImage, LTTextContainer

from jiniac_hpc.corpus.readers.pdf_order import Line


def page_items(container) -> tuple[list[LTImage], list[LTChar]]:
    """The pictures and the glyphs on a page, those inside figures (form XObjects) included."""
    images: list[LTImage] = []
    glyphs: list[LTChar] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, LTImage):
                images.append(item)
            elif isinstance(item, LTChar):
                glyphs.append(item)
            elif isinstance(item, (LTFigure, LTTextContainer)):
                walk(item)

    walk(container)
    return images, glyphs


def text_pictures(images: list[LTImage], glyphs: list[LTChar], lines: list[Line]) -> list[tuple[LTImage, int]]:
    """The pictures set as a line of horizontal text among the page's ``lines`` (or in a gap of one:
    "次の(ｱ)～(ｵ)のとおり", the labels pictures) that its ``glyphs`` cover less than three fifths of,
    each with the glyph widths of it they leave bare (at least one)."""
    body = [ln for ln in lines if not ln.vertical and ln.text.strip()]
    if not body:
        return []
    size = sorted(ln.size for ln in body)[len(body) // 2]       # the page's usual glyph size
    left, right = min(ln.left for ln in body), max(ln.right for ln in body)
    out = []
    for im in images:
        h, w = im.y1 - im.y0, im.x1 - im.x0
        if not (0.6 * size <= h <= 1.6 * size and w >= 0.9 * h):
            continue
        if im.x0 < left - size or im.x1 > right + size:     # (a logo in the margin, a seal beside a name)
            continue
        # (a picture under or over text is no text of its own: a highlight, a stamp on a name; Word's
        # picture of a label may reach under the glyph after it, "(ｱ)" under half of "～")
        covered = sum(max(0.0, min(im.x1, c.x1) - max(im.x0, c.x0)) for c in glyphs
                      if not c.get_text().isspace() and im.y0 < (c.y0 + c.y1) / 2 < im.y1)
        if covered > 0.6 * w:
            continue
        out.append((im, max(1, round((w - covered) / h))))
    return out


def picture_page(images: list[LTImage], lines: list[Line], box: tuple[float, float, float, float], band: float) -> bool:
    """Whether the page, its visible ``box`` (x0, y0, x1, y1: the crop box), shows a picture of a
    fifth of its area or more and no text outside its top and bottom ``band`` (share of the height:
    a page number, a running head)."""
    x0, y0, x1, y1 = box
    height = y1 - y0
    if any(ln.text.strip() and ln.bottom > y0 + band * height and ln.top < y1 - band * height for ln in lines):
        return False
    seen = [max(0.0, min(im.x1, x1) - max(im.x0, x0)) * max(0.0, min(im.y1, y1) - max(im.y0, y0)) for im in images]
    return any(a >= 0.2 * (x1 - x0) * height for a in seen)
