"""PDF reader: one document per PDF file, text laid out by pdfminer.six, page furniture removed.

    python -m jiniac_hpc.corpus.readers pdf tests/assets/corpus/real/hanrei_091743_trimmed.pdf

pdfminer.six (MIT) was chosen over pypdf and pypdfium2 by measured extraction on Japanese samples
(``benchmarks/pdf_library_quality.py``): it alone reads vertical text (``detect_vertical``) column by
column, and it decodes the CID-keyed Japanese fonts that pypdf turns into mojibake. On top of its lines:

- page furniture is dropped and counted in ``unread['page_furniture']``: margin line numbers (a
  number, a multiple of 5, outside the text block's left/right edge, as court rulings print every
  five lines; not one between a table's rules: a row's number), page numbers (a number alone, possibly dashed or bracketed, or a small roman one, in
  the top or bottom tenth of the page; a dashed one, "- 1 -", also as the lowest line in the bottom
  quarter: Word's footer) with what stands on one line with them there (LaTeX's head:
  the page number, then the chapter's or section's title) and running headers/footers (a line in those bands, or wholly in the left or right
  tenth of the page, as a white paper's chapter title down its outer margin, that repeats, digits
  aside, on at least half of the pages, and on two or more; not a sentence ending in 。);
- gaps between two Japanese (wide) characters are measured: in letter-spaced lines
  (``裁 判 長 裁 判 官　山 田 太 郎``, a date ``２ ０ ２ ４ 年 ７ 月``: mostly one-character words) the
  letters of a field are joined and a gap clearly wider than its neighbour (a field break), or one
  of a glyph or more between a word set solid and a lone letter (``裁判官　入 江 俊 郎``: the title
  and the name spread beside it), becomes one ``　``; elsewhere a gap under half a glyph is a layout
  artefact and goes (not a space glyph drawn after the item number that starts the line, three
  tenths of a glyph or wider: MS Gothic's half-width space in "１ 変更内容について"), a wider one
  becomes ``　``. Other gaps become one space (whitespace is not
  counted as content);
- a small glyph that pdfminer put at a line's end or on a line of its own (a party's subscript,
  "Ｙ₁", drawn after its line) goes back after the glyph it follows in the line that holds it
  (:func:`pdf_glyphs.with_subscripts`); so does a run of glyphs drawn after the rest of its line,
  in the gaps it leaves (easyPDF's punctuation "（「」。），"), which pdfminer makes a line of its own
  on the same baseline or puts at the line's end, or stacks with the first glyph of the line below
  into a vertical line ("1 飲") when that glyph stands left of its neighbours (:func:`pdf_glyphs.interleaved`);
- ruby set above a line (一太郎's くう over 腔), which pdfminer makes a line of its own that breaks
  the sentence, is dropped and counted in ``unread['ruby']`` (:func:`pdf_glyphs.without_ruby`);
- a page set in columns of prose (:func:`pdf_order.prose_columns`), or with a block of prose set
  narrower than the page beside a figure, is read column by column where pdfminer gave the
  columns' lines side by side, left, right, left (:func:`pdf_order.column_order`), and a line
  that reaches its column's or block's edge goes on;
- a page of one column with notes down its right margin in smaller type (a 特許庁 審査基準's
  "HB1210 特許査定起案時の注意") is read top to bottom, each run of notes after the sentence it
  starts beside, where pdfminer's boxes gave headings after their paragraphs
  (:func:`pdf_order.side_notes_order`);
- a ruled table's row is one line, its cells set apart by ``　`` (:func:`pdf_tables.table_rows`: Word
  draws a 別表 cell by cell, which pdfminer gives one cell a line; a line pdfminer ran across the
  table's rules is cut at them first; a cell merged down across rows goes with the first row it
  spans; a row the page's foot breaks takes back the rest of its cells from the next page's top,
  :func:`pdf_tables.rejoin_pages`), and goes on with no other line;
- vertical pages are read tier (段) by tier, columns right to left (:func:`pdf_order.vertical_order`); a
  horizontal page where pdfminer took a stray glyph for a vertical line is put back in order
  (:func:`pdf_order.horizontal_order`);
- a line that reaches the text block's far edge (the right edge where nine in ten of the document's
  horizontal lines end, or where a fifth of them end together clearly short of that: pages set to
  two widths, ``_justified_edge``; on a page set in columns of prose, as the 官報 is, its column's
  right edge; for vertical text, the bottom edge of its tier) and does not end a sentence
  is joined with the next one (so is one that ends in a decimal point, "１４．", before a figure; a
  horizontal line only if it also starts in the left half of the block: a right-aligned 「以上」 is
  not prose, nor is a judge's name letter-spaced to the edge; and not with a next line that starts
  a numbered item, "８　午前…", "(4)", "第４　", "八　", "イ　", "(ｳ)", or a note, "注１　", or one
  set in another size: a heading before its paragraph, a footnote after a page's last line; nor a
  table of contents' entry, its dot leader and page, or a table's row of figures, ``_complete``;
  a space glyph the page draws at the line's end stays, as ``　``, where the line is a list of
  fields set apart, as a signature wrapped after "裁判官 " is),
  across pages too, in documents where at least a fifth of the lines (or of their characters: a
  one-page decision's few full lines among its headings and names) reach that edge and sentences
  end at least once every ten lines (justified prose: a poem's long line stays a line), or, failing
  that, where the lines of the line's own size do (a statute's articles, with an appendix of forms
  in another size that hold more lines, all short: ``_prose_sizes``); so is a line
  that reaches the right edge of an indented block narrower than the body (a ruling's 主文), where
  another line of the block ends too and the item goes on to end a sentence (``_block_full``);
- a glyph its font's ToUnicode map leaves out is read from the font's character collection where its
  CID names a character (a CID-keyed Adobe-Japan1 font: an InDesign white paper's footnotes,
  :class:`pdf_glyphs.Aggregator`), or from its outline in an embedded TrueType font (an empty one is
  a space; Word's Century as Ghostscript subsets it: :mod:`pdf_fonts`); glyphs without a Unicode mapping even so (``(cid:N)``, or U+FFFD
  where the font's ToUnicode map says so) are dropped and counted in ``unread['unmapped_glyph']``, private-use code points (a font's
  own numbering: ESP Ghostscript writes a ruling's "(1)" as U+E001) in
  ``unread['private_use_glyph']``; a document that is mostly the two is rejected;
- text inside figures is read as page text (FPDF 1.7 draws each page of a ruling as one form
  XObject; a chart's labels are text too), and so are lines pdfminer leaves outside every box:
  cairo's vertical text, each glyph a line of no width, is read as vertical text;
- what a reader of the page does not see is dropped and counted: glyphs outside the crop box
  (``unread['off_page']``: an InDesign spread's other page, slug lines) and a glyph drawn again on
  itself (``unread['overprint']``: bold or shadow made by drawing text twice); control characters
  (an OCR layer's NULs) are ``unread['control_char']``;
- text the page draws as a picture is not read (no OCR) but counted (:mod:`.pdf_pictures`): a picture
  set as a line of text, or in a gap of one (Word draws a line holding a glyph its fonts lack as a
  picture, a ruling's "⑷　平成２８年…" and labels "(ｱ)"), in the glyph widths it spans, in
  ``unread['text_as_picture']``; a page that is a picture and no text (a scan without an OCR layer)
  in the record's ``meta['image_only_pages']``, which the corpus report counts as a flag;
- Kangxi radicals a font maps its ideographs to (⽉ for 月) and the presentation forms of vertical
  text (︒, ︵) become their characters (:data:`pdf_glyphs.FORMS`).

A scanned page's OCR layer (text a recogniser wrote on the page image, drawn invisibly, or under
the image, as ocrmypdf, Tesseract and Acrobat write it: :func:`pdf_glyphs.hidden_glyphs`) is read
like other text but is a machine's guess at the page, often noisy: the record's ``meta`` says how
much of it there is, ``ocr_layer_pages`` (pages with such lines) and ``ocr_layer_chars`` (the
non-space characters of those lines in the text), so a corpus can keep, weigh or drop such
documents; born-digital text has no such keys.

A file that is not a PDF, cannot be parsed (broken, encrypted) or has no extractable text (a scan
without an OCR layer: the reason counts its pages of pictures) becomes a bad-input record with the
reason. ``nbytes`` is the file's size.
"""
from __future__ import annotations

import io
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator, Optional

from pdfminer.layout import LAParams, LTChar, LTPage, LTTextLineVertical
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record, archive_member, open_binary
from jiniac_hpc.corpus.readers.pdf_glyphs import (CID, CONTROL, FORMS, PUA, Aggregator, hidden_glyphs, text_lines,
                                                  interleaved, visible, with_subscripts, without_ruby)
from jiniac_hpc.corpus.readers.pdf_order import (ENDS, Line, column_order, horizontal_order, prose_columns,
                                                 side_notes_order, vertical_order)
from jiniac_hpc.corpus.readers.pdf_pictures import page_items, picture_page, text_pictures
from jiniac_hpc.corpus.readers.pdf_tables import in_cell, rejoin_pages, rules, split_at_rules, table_rows

# char_margin: letter-spaced names keep one line; larger values glue unrelated glyphs into lines.
# all_texts: text inside figures is laid out too (FPDF 1.7 draws each page as one form XObject)
LAPARAMS = dict(detect_vertical=True, char_margin=12.0, all_texts=True)
BAND = 0.1                   # top/bottom share of the page where page numbers and running heads live
# a page number: "12", "- 3 -", "（4）", "5 / 20", and the front matter's roman "iv" (LaTeX's)
_PAGENO = re.compile(r"^[-－‐–—(（\[［]?\s*(?:[0-9０-９]{1,4}\s*(?:/\s*[0-9]{1,4})?|(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))"
                     r"\s*[-－‐–—)）\]］]?$")
_DASHED = re.compile(r"^[-－‐–—]\s*[0-9０-９]{1,4}\s*[-－‐–—]$")      # "- 1 -", "－１－": never text
_SENTENCE_END = tuple("。．.！？!?")
_DIGITS = "0123456789０１２３４５６７８９"
_DECIMAL = re.compile(r"[0-9０-９][.．]$")
# a numbered item or heading starts its own line ("８　午前１２時６分", "(4) したがって", "第４　結論",
# a statute's "八　法第…"), and so does a note ("注 10 本白書掲載の…", "注１　入院中の…")
_ITEM = re.compile(r"^([0-9０-９]{1,3}|[一二三四五六七八九十百]{1,4}|[（(][0-9０-９]{1,3}[）)]|第[0-9０-９一二三四五六七八九十]{1,3}"
                   r"|[ア-ン]|[（(][ア-ンｱ-ﾝ][）)]|注\s?[0-9０-９]{0,3})[\s\u3000]")   # "イ　", "(ｳ) "; a note, "注 10 "
# lines that are complete though they reach the edge: a table of contents' entry (a dot leader, then
# the page: "２．調査概要 ........ 1", "（２）旅行前支出 ･････ 14", "2-1. … - 3 -") and a table's row
# of figures ("世帯年収（平均：万円） 614 589 598 604 628")
_LEADER = ".．･・…‥"
_TOC_ENTRY = re.compile(rf"[{_LEADER}]{{4,}}\s*[-－]?\s*[0-9０-９ivxIVX]{{1,4}}\s*[-－]?\s*$")
_FIGURE = re.compile(r"^[-+−▲△(（]?[0-9０-９][0-9０-９,，.．]*[%％)）]?$|^[…―－-]$")
# glyphs that carry no character, dropped and counted (reason), the line stripped after (strip)
_NO_CHARACTER = ((CID, "unmapped_glyph", False), (PUA, "private_use_glyph", True), (CONTROL, "control_char", True))
_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def unspace(words: list[str], gaps: list[float], drawn_first: bool = False) -> str:
    """One line from its words and the gaps between them (in glyph sizes), ``drawn_first`` whether
    the page draws a space glyph after the first word; see the module docstring."""
    singles = sum(1 for w in words if len(w) == 1 and _KANA_KANJI.match(w))
    # a date spaced out, "２　０　２　４　年　７　月　２　日": its full-width digits count too, three
    # or more of them with two kana or kanji alone (not a table's row: "リスク管理　５　５",
    # "期間前　２ 45,300 円 70,727 円")
    digits = sum(1 for w in words if len(w) == 1 and "０" <= w <= "９")
    spaced = singles >= 2 and 2 * (singles + (digits if digits >= 3 else 0)) >= len(words)
    # in a letter-spaced line, a field break is a gap clearly wider than a neighbouring gap; the
    # letters of one field share one spacing (同 訴 訟 代 理 人…士 <break> 重 冨 貴 光)
    # and a word set solid beside a letter-spaced one, a glyph or more apart, is a field of its own
    # (裁判官 <break> 入 江 俊 郎: Word's 大法廷 signatures, the name spread on a grid)
    breaks = [any(gap > 1.3 * gaps[j] + 0.2 for j in (i - 1, i + 1) if 0 <= j < len(gaps))
              or (gap >= 1.0 and _solid_beside_spaced(words, i)) for i, gap in enumerate(gaps)]
    # a space glyph drawn after an item's number that starts the line stays, narrow as it may be
    # (MS Gothic's half-width space after "１" in a notice's heading "１ 変更内容について")
    label = drawn_first and bool(_ITEM.match(words[0] + " "))
    out = [words[0]]
    for i, (gap, brk, word) in enumerate(zip(gaps, breaks, words[1:])):
        if _wide(out[-1][-1]) and _wide(word[0]):
            tight = not brk if spaced else gap < (0.3 if i == 0 and label else 0.5)
            out.append("" if tight else "\u3000")
        else:
            out.append(" ")
        out.append(word)
    return "".join(out)


def _solid_beside_spaced(words: list[str], i: int) -> bool:
    """Whether the gap after ``words[i]`` parts a word of two wide glyphs or more set solid from a
    lone wide glyph (a letter of a spaced field)."""
    a, b = words[i], words[i + 1]
    solid = lambda w: len(w) >= 2 and all(map(_wide, w))     # noqa: E731
    single = lambda w: len(w) == 1 and _KANA_KANJI.match(w) is not None     # noqa: E731
    return (solid(a) and single(b)) or (single(a) and solid(b))


def _page_lines(page, unread: Counter, box: Optional[tuple[float, float, float, float]] = None) -> list[Line]:
    """The page's text lines in pdfminer's reading order, margin line numbers taken out (counted as
    ``page_furniture``), glyphs off the page or drawn twice taken out (:func:`visible`)."""
    hidden = hidden_glyphs(page)
    seen = visible(text_lines(page), box, unread)
    # (a vertical line on a horizontal page upsets pdfminer's box order, also where its glyphs go back
    # into their lines: horizontal_order reads such a page again)
    upset = any(isinstance(ln, LTTextLineVertical) for ln in seen)
    placed = without_ruby(interleaved(with_subscripts(seen)), unread)
    body = [c for ln, items in placed if not isinstance(ln, LTTextLineVertical)
            for c in items if isinstance(c, LTChar) and not c.get_text().isspace() and not c.get_text().isdigit()]
    left = min((c.x0 for c in body), default=0.0)
    right = max((c.x1 for c in body), default=page.width)
    out, dropped = [], 0
    across, down = rules(page)
    # (a line pdfminer ran across a table's rule is one line a cell: "第四条第三項 当該廃止した…")
    pieces = [(ln, part) for ln, items in placed
              for part in ([items] if isinstance(ln, LTTextLineVertical) else split_at_rules(items, ln, down))]
    split = Counter(id(ln) for ln, _ in pieces)
    for ln, items in pieces:
        vertical = isinstance(ln, LTTextLineVertical)
        keep = [True] * len(items)
        if not vertical:   # margin line numbers: a run of ASCII digits wholly outside [left, right]
            i = 0
            while i < len(items):
                j = i
                while j < len(items) and isinstance(items[j], LTChar) and items[j].get_text() in "0123456789":
                    j += 1
                # (not the page a table of contents' dot leader points to, "…・・・ 10"; a ruling's
                # sentence that ends in "．" before its line number is no leader)
                before = "".join(c.get_text() for c in items[:i] if not c.get_text().isspace())[-3:]
                if j > i and j - i <= 3 and int("".join(c.get_text() for c in items[i:j])) % 5 == 0 \
                        and not (len(before) == 3 and all(c in _LEADER for c in before)) \
                        and all(c.x1 <= left + 0.5 or c.x0 >= right - 0.5 for c in items[i:j]) \
                        and not in_cell(items[i], ln, down):        # (a table's row number, "10")
                    keep[i:j] = [False] * (j - i)
                    dropped += j - i
                i = max(j, i + 1)
        kept = [c for c, k in zip(items, keep) if k]
        glyphs = [c for c in kept if isinstance(c, LTChar) and not c.get_text().isspace()]
        if not glyphs:
            continue
        # a glyph with no advance across the line is set vertically (cairo's vertical text: every glyph
        # a one-glyph horizontal line of width 0, outside any box)
        stacked = not vertical and all(c.width == 0 for c in glyphs)
        vertical = vertical or stacked
        last = glyphs[-1]
        size = max((c.height if stacked else c.width if vertical else c.height) for c in glyphs)
        words: list[str] = [""]
        gaps: list[float] = []
        prev, drawn_first = None, False
        for c in kept:
            if not isinstance(c, LTChar) or c.get_text().isspace():
                if prev is not None and words[-1]:
                    gaps.append(0.0)      # a space: the gap is measured at the next glyph
                    words.append("")
                # (a space glyph, not pdfminer's own LTAnno, after the first word)
                drawn_first = drawn_first or (len(words) == 2 and isinstance(c, LTChar))
                continue
            if prev is not None and not words[-1]:
                gaps[-1] = max((prev.y0 - c.y1) if vertical else (c.x0 - prev.x1), 0.0) / size
            words[-1] += c.get_text()
            prev = c
        if not words[-1]:
            words.pop()
            gaps.pop()
        half = size / 2 if stacked else 0.0
        out.append(Line(unspace(words, gaps, drawn_first).translate(FORMS), vertical, ln.y1, ln.y0,
                         last.y0 if vertical else last.x1, size,
                         min(c.x0 for c in glyphs) - half, max(c.x1 for c in glyphs) + half,
                         ocr=2 * sum(id(c) in hidden for c in glyphs) > len(glyphs),
                         space_after=_space_after(items, last), piece_of=id(ln) if split[id(ln)] > 1 else 0))
    out = table_rows(out, across, down)
    if sum(len(x.text) for x in out if x.vertical) > sum(len(x.text) for x in out if not x.vertical):
        out = vertical_order(out)
    elif upset or any(x.vertical for x in out):
        out = horizontal_order(out)
    unread["page_furniture"] += dropped
    return out


def _space_after(items: list, last: LTChar) -> bool:
    """Whether the line draws a space glyph after its last glyph ``last``, and nothing else (a
    margin line number after it is no space of the text's)."""
    tail = items[next(i for i, c in enumerate(items) if c is last) + 1:]
    return any(isinstance(c, LTChar) for c in tail) and all(c.get_text().isspace() for c in tail)


def _furniture_key(text: str) -> str:
    return re.sub(r"[0-9０-９]+", "#", re.sub(r"\s", "", text))


def drop_furniture(pages: list[tuple[list[Line], float, float]], unread: Counter) -> list[Line]:
    """The lines of all pages (each with the page's width and height), less page numbers and running
    headers, footers and side labels (counted in ``unread``)."""
    def in_band(ln: Line, height: float) -> bool:
        return ln.bottom <= BAND * height or ln.top >= (1 - BAND) * height

    def in_margin(ln: Line, width: float) -> bool:    # wholly in the left or right tenth: a side label
        return ln.right <= BAND * width or ln.left >= (1 - BAND) * width

    def edge(ln: Line, width: float, height: float) -> bool:
        return in_band(ln, height) or in_margin(ln, width)

    # a sentence (ending in 。) is text even when a page repeats it at its foot, as a table's note
    seen = Counter(k for lines, w, h in pages for k in {_furniture_key(ln.text) for ln in lines
                                                         if edge(ln, w, h) and not ln.text.rstrip().endswith("。")})
    running = {k for k, n in seen.items() if k and n >= 2 and 2 * n >= len(pages)}
    body = []
    for lines, width, height in pages:
        # (a page number counts in the top and bottom bands only: a figure in the margin is not one)
        numbers = [ln for ln in lines if in_band(ln, height) and _PAGENO.match(ln.text.strip())]
        # a dashed page number, "- 1 -", as the page's lowest line in its bottom quarter: Word sets a
        # ruling's footer at 86 pt on an A4 page of 842, a little above the bottom tenth
        foot = min((ln for ln in lines if not ln.vertical), key=lambda ln: ln.bottom, default=None)
        if foot is not None and foot.top <= height / 4 and _DASHED.match(foot.text.strip()) and foot not in numbers:
            numbers.append(foot)

        def beside_number(ln: Line) -> bool:     # a head set on one line with the page number (LaTeX's)
            return in_band(ln, height) and any(n.bottom <= (ln.top + ln.bottom) / 2 <= n.top for n in numbers)

        for ln in lines:
            if beside_number(ln) or ln is foot and foot in numbers \
                    or (edge(ln, width, height) and _furniture_key(ln.text) in running):
                # (a glyph without a Unicode mapping, "(cid:2)", is one glyph: a page number so drawn)
                unread["page_furniture"] += len(re.sub(r"\s", "", CID.sub("#", ln.text)))
            else:
                body.append(ln)
    return body


def pdf_text(path: Path) -> tuple[str, Counter, Counter]:
    """The document text of a PDF, what was left out, by reason, and how much of the text is a
    scan's OCR layer (``ocr_layer_pages``, ``ocr_layer_chars``). Raises on unreadable PDFs."""
    unread: Counter = Counter()
    ocr: Counter = Counter()
    pages = []   # (lines, page width, page height)
    for page, box in _pages(path):
        lines = _page_lines(page, unread, box)
        prose_columns(lines)
        lines = side_notes_order(column_order(lines))
        lines = rejoin_pages(pages[-1][0], lines) if pages else lines
        pages.append((lines, page.width, page.height))
        ocr["ocr_layer_pages"] += any(x.ocr for x in lines)
        # (text the page draws as a picture is not read: counted, in glyph widths, and a page that
        # is a picture and no text, a scan without an OCR layer, on the record)
        images, glyphs = page_items(page)
        unread["text_as_picture"] += sum(n for _, n in text_pictures(images, glyphs, lines))
        ocr["image_only_pages"] += picture_page(images, lines, box or (0.0, 0.0, page.width, page.height), BAND)
    return join_lines(drop_furniture(pages, unread), unread, ocr), unread, ocr


def _pages(path: Path) -> Iterator[tuple[LTPage, Optional[tuple[float, float, float, float]]]]:
    """pdfminer's layout of each page (as ``extract_pages`` gives it) with the page's crop box in the
    layout's coordinates (None on a rotated page, whose layout pdfminer turns)."""
    resources = PDFResourceManager()
    device = Aggregator(resources, laparams=LAParams(**LAPARAMS))
    interpreter = PDFPageInterpreter(resources, device)
    with (open(path, "rb") if archive_member(path) is None else io.BytesIO(open_binary(path).read())) as fh:
        for page in PDFPage.get_pages(fh):       # (pdfminer seeks: an archive's member is read whole)
            interpreter.process_page(page)
            mx, my = page.mediabox[0], page.mediabox[1]       # pdfminer puts the media box's corner at 0, 0
            crop = page.cropbox or page.mediabox
            box = None if page.rotate % 360 else (crop[0] - mx, crop[1] - my, crop[2] - mx, crop[3] - my)
            yield device.get_result(), box


def join_lines(body: list[Line], unread: Counter, ocr: Optional[Counter] = None) -> str:
    """The document text from its lines in reading order: a line broken at the block's (or its
    column's) edge goes on with the next one, see the module docstring; unmapped and private-use
    glyphs are dropped and counted in ``unread``, the characters an OCR layer's lines put in the
    text in ``ocr['ocr_layer_chars']``."""
    # the text block's far edge, per writing direction: where most full lines of the document end
    far = {}
    for v in (False, True):
        ends = sorted((-ln.end if v else ln.end) for ln in body if ln.vertical == v)
        if ends:
            far[v] = ends[int(0.9 * (len(ends) - 1))]
    if False in far:       # where most justified lines end, if that is clearly short of the 90th percentile
        far[False] = _justified_edge([ln for ln in body if not ln.vertical], far[False]) or far[False]
    lefts = sorted(ln.left for ln in body if not ln.vertical)
    near = lefts[int(0.1 * (len(lefts) - 1))] if lefts else 0.0     # the block's left edge

    def full(ln: Line) -> bool:
        if ln.vertical:
            return ln.end <= (-far[True] if ln.edge is None else ln.edge) + 1.5 * ln.size
        # a prose line spans the block (or its column): a short right-aligned line (以上, a date, a
        # signature) does not, nor does one letter-spaced to the edge (a judge's name under the
        # decision, "裁判官　　島　　　　保", four letters or more, each two widths or more apart; fewer
        # are a line's strays, which goes on as it did: an item's "２" whose font gives it a wide box,
        # the punctuation Word drew apart from its line, "、　、　、　、")
        left, right = ln.column or (near, far[False])
        return ln.end >= right - 1.5 * ln.size and ln.left <= (left + right) / 2 \
            and (len(re.findall(r"\w", ln.text)) < 4 or ln.end - ln.left <= 2 * ln.size * len(ln.text))

    prose = _prose_sizes(body, full)
    paragraphs: list[str] = []
    joining, last = False, None
    for i, ln in enumerate(body):
        text = ln.text
        for pattern, reason, strip in _NO_CHARACTER:
            text, n = pattern.subn("", text)
            if n:
                unread[reason] += n
                text = text.strip() if strip else text
        if not text.strip():      # (a line of unmapped glyphs and the spaces between them)
            continue
        if ln.ocr and ocr is not None:
            ocr["ocr_layer_chars"] += len(re.sub(r"\s", "", text))
        # (a line set in another size does not go on the sentence: a heading, a footnote)
        if joining and not ln.row and not _ITEM.match(text) and abs(ln.size - last.size) <= 0.15 * ln.size:
            prev = paragraphs[-1]
            # a space the page draws at the line's end stays where the line is a list of fields set
            # apart by spaces (a wrapped signature, "…鬼丸かおる　裁判官 " / "山本庸幸）") or beside
            # a narrow glyph ("(３) " / "これに"); Word's justified prose may end a line in a space
            # inside a word ("…部分を破 " / "棄し，"), which is no gap. Such a list whose last field
            # is one it holds already ("…古田佑紀　裁判官" / "竹内行夫）": easyPDF draws no spaces)
            # ends a field too
            wide = _wide(prev[-1]) and _wide(text[0])
            fields = last.text.split()
            at_field = len(fields) >= 3 and (last.space_after or fields[-1] in fields[:-1])
            gap = " " if not (wide or _wide(prev[-1]) or _wide(text[0])) or last.space_after and not wide else \
                "\u3000" if at_field else ""
            paragraphs[-1] = prev + gap + text
        else:
            paragraphs.append(text)
        # (a full stop after a figure, a figure opening the next line: a decimal point, "１４．" / "８，")
        decimal = _DECIMAL.search(text) and i + 1 < len(body) and body[i + 1].text[:1] in _DIGITS
        joining = not ln.row and prose(ln.size) and (decimal or not text.endswith(_SENTENCE_END)) and not _complete(text) \
            and (full(ln) or _block_full(body, i, far.get(False, near) - near))
        last = ln
    return "\n".join(paragraphs)


def _complete(text: str) -> bool:
    """A line that does not go on in the next one, though it may reach the block's edge: a table
    of contents' entry, or a table's row: three figures or more, two thirds of its words or more."""
    words = text.split()
    figures = sum(1 for w in words if _FIGURE.match(w))
    return bool(_TOC_ENTRY.search(text)) or (figures >= 3 and 3 * figures >= 2 * len(words))


def _prose_sizes(body: list[Line], full) -> Callable[[float], bool]:
    """Whether lines set in a size are justified prose, not verse or a list: a fifth of the lines,
    or of their characters, are in full lines and sentences end at least once every ten lines (a
    ruling's sentences run to five lines and more; a one-page decision's few full lines hold most of
    its text, among its headings and signatures). The document's lines are taken together, and if
    they fail, the lines of each size (within a tenth) alone: a statute's articles set in one size
    pass, though the forms of its appendix (様式), set in another, hold more lines, all of them short."""
    def passes(lines: int, chars: int, n_full: int, full_chars: int, n_ends: int) -> bool:
        return (5 * n_full >= lines or 5 * full_chars >= chars) and 10 * n_ends >= lines

    stats = sorted((ln.size, full(ln), len(ENDS.findall(ln.text)), len(ln.text)) for ln in body)
    if passes(len(stats), sum(x[3] for x in stats), sum(x[1] for x in stats), sum(x[1] * x[3] for x in stats),
              sum(x[2] for x in stats)):
        return lambda size: True
    sizes = [x[0] for x in stats]
    fulls, ends, chars, full_chars = [0], [0], [0], [0]       # running counts over the lines sorted by size
    for _, f, e, n in stats:
        fulls.append(fulls[-1] + f)
        ends.append(ends[-1] + e)
        chars.append(chars[-1] + n)
        full_chars.append(full_chars[-1] + f * n)
    prose = set()
    for size in set(sizes):
        lo, hi = bisect_left(sizes, 0.9 * size), bisect_right(sizes, 1.1 * size)
        if passes(hi - lo, chars[hi] - chars[lo], fulls[hi] - fulls[lo], full_chars[hi] - full_chars[lo],
                  ends[hi] - ends[lo]):
            prose.add(size)
    return lambda size: size in prose


def _justified_edge(lines: list[Line], p90: float) -> Optional[float]:
    """The right edge where a fifth or more of the solid-set lines end within half a glyph of each
    other, if that lies more than a glyph and a half short of ``p90``, where nine in ten lines end:
    a document whose pages are set to two widths (a patent office's guideline: most pages end at
    495 pt, a few at 524), where the 90th percentile would leave the narrower pages' lines never full."""
    solid = sorted((x.end, x.size) for x in lines if x.end - x.left <= 1.1 * x.size * len(x.text))
    if len(solid) < 30:        # a short notice's few lines say little about its edges
        return None
    best, start = (0, None), 0
    for i, (end, size) in enumerate(solid):
        while solid[start][0] < end - 0.5 * size:
            start += 1
        if i + 1 - start > best[0]:
            best = (i + 1 - start, end)
    count, edge = best
    size = sorted(x.size for x in lines)[len(lines) // 2]
    return edge if 5 * count >= len(lines) and edge < p90 - 1.5 * size else None


def _block_full(body: list[Line], i: int, width: float) -> bool:
    """A horizontal line that reaches the right edge of an indented block narrower than the body
    (a ruling's 主文: "２　前項の部分につき，本件を福岡高等裁判所に差し戻" / "す。").

    The block is the lines among the three before and after that start within three glyphs of
    it; its edge is where the longest of them ends, and the line and another one end within a
    glyph and a half of it. The line spans at least half the body's width (a list's short entries
    do not), set solid, a glyph a glyph's width (letter-spaced names spread to one width,
    "裁 判 官　横 井 大 三", are not wrapped prose), and the lines after it reach the edge until one
    ends a sentence or a quotation: rows of a table or a heading's lines that end at one place
    ("平成２０年１２月期　１０億…円") are not one sentence."""
    ln = body[i]
    if ln.vertical or ln.end - ln.left < 0.5 * width or ln.end - ln.left > 1.1 * ln.size * len(ln.text):
        return False

    def in_block(x: Line) -> bool:
        return not x.vertical and abs(x.left - ln.left) <= 3 * ln.size

    block = [x for x in body[max(0, i - 3):i + 4] if x is not ln and in_block(x)]
    edge = max([ln.end] + [x.end for x in block])
    reach = edge - 1.5 * ln.size
    if ln.end < reach or not any(x.end >= reach for x in block):
        return False
    for x in body[i + 1:i + 41]:      # (a line may overhang the edge by a glyph: a comma in the margin)
        if not in_block(x) or x.end > edge + 1.5 * ln.size:
            return False
        if x.text.rstrip().endswith(_SENTENCE_END + ("」",)):
            return True
        if x.end < reach:
            return False
    return False


def read_pdf(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One record for the PDF at ``path``, or a bad-input record saying why it has no text."""
    with open_binary(path) as fh:
        head = fh.read(1024)
    size = path.stat().st_size
    if b"%PDF-" not in head:
        yield Record(1, None, "not a PDF (no %PDF- header in the first 1024 bytes)", size)
        return
    try:
        text, unread, ocr = pdf_text(path)
    except Exception as e:   # pdfminer raises its own syntax, encryption and EOF errors, and others
        kind = type(e).__name__
        why = "encrypted (a password is needed)" if "Password" in kind or "Encrypt" in kind else "unreadable"
        yield Record(1, None, f"{why} PDF: {kind}: {str(e)[:200]}".rstrip(": "), size)
        return
    n_glyphs = len(re.sub(r"\s", "", text))
    bad, pua = unread["unmapped_glyph"] + unread["private_use_glyph"], unread["private_use_glyph"]
    of_them = f" ({pua} of them private-use codes)" if pua else ""
    if n_glyphs == 0:
        pictures = ocr["image_only_pages"]
        reason = f"no text: all {bad} glyphs lack a Unicode mapping{of_them}" if bad else \
            f"no extractable text: {pictures} page{'s' * (pictures != 1)} of pictures and no text layer (a scan " \
            "without OCR)" if pictures else "no extractable text (no glyphs, no pictures)"
        yield Record(1, None, reason, size)
        return
    if bad > n_glyphs:
        yield Record(1, None, f"{bad} of {bad + n_glyphs} glyphs lack a Unicode mapping{of_them}", size)
        return
    if len(text.encode("utf-8")) > limit:
        yield Record(1, None, f"document text larger than max_record_bytes={limit}", size)
        return
    yield Record(1, text, None, size, meta={k: v for k, v in ocr.items() if v},
                 unread={k: v for k, v in unread.items() if v})
