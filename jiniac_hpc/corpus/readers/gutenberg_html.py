"""Project Gutenberg's HTML edition (``NNNN-h.htm``, ``pgNNNN-images.html``), read by the ``gutenberg`` reader.

    python -m jiniac_hpc.corpus.readers gutenberg tests/assets/corpus/real/gutenberg_17773-h.htm

PG publishes most books as HTML beside the plain text, and some only as HTML. A page is turned
into lines the way the plain-text edition lays a book out, and the ``gutenberg`` reader then finds
PG's start/end markers, credits and licence in those lines as in a text file: PG puts them in
the page as text (a ``<pre>`` block in the pages made by hand, ``section#pg-header`` and
``section#pg-footer`` in the pages ebookmaker makes).

- a block element (``p``, ``div``, headings, ``blockquote``, list items, table rows, ...) is a
  paragraph of its own, set off by an empty line; ``<br>`` ends a line (a poem's lines), and a
  second one (``<br><br>``, how many pages set stanzas apart) is an empty line;
- outside ``<pre>``, runs of ASCII whitespace, the page's own line breaks and indentation
  included, are one space (HTML's rule), or nothing where a line break falls between two Chinese or
  Japanese characters (``collapse``); in ``<pre>`` the lines are kept as they are;
- in a poem (a ``div`` of class ``poem`` or ``stanza``, PG's markup for verse; DP's newer
  ``poetry-container``, ``poetry``, ``stanza-fr``), each ``p`` or ``div`` inside is a line (a
  ``div`` of class ``verse`` too, there: one line), and each stanza a paragraph;
- the cells of a table row are joined by a space;
- page numbers (``<span class="pagenum">[Pg 12]</span>``, the printed book's pages; also the
  producers' variants ``stpagenum``, ``pagenum3``, ``page-no`` and ebookmaker's TEI ``tei-pb``) are
  ``unread['pagenum']``: the plain-text edition does not have them;
- a poem's or play's line numbers (``<span class="linenum">10</span>``, glued to the line's last
  word once markup is gone) are ``unread['linenum']``;
- a footnote's number glued to the word before it, when its link (``illumines<a class="tag"
  href="#note_2">2</a>``, to a ``note``, ``fn`` or ``foot`` anchor, or of class
  ``tag``/``fnanchor``/``noteref``) holds it without the brackets the text edition writes
  (``[2]``), is ``unread['noteref']``: kept, it would make a new word ("illumines2"); a bracketed
  ``[2]``, and a number after a space (an index entry's, a note's own), stay;
- a block of class ``mynote``, ``transnote``, ``tnbox``, ``tnotes`` (the box producers set their
  own notes in: the note on the file's encoding, a contents list they added, links to the music
  files) is ``unread['transcriber_note']``; so is a note set in the page's own blocks under its
  heading ("<h3>Transcriber's Note:</h3>", "<p><b>Transcriber's Notes:</b></p>", "Nota del
  Transcriptor:", "Anmerkungen zur Transkription:", "Preface to the Project Gutenberg Etext",
  "Contents (list added by transcriber)"): the <div> whose first block the heading is, whole, or,
  where the heading stands among the book's blocks (or alone in its <div>), what follows it up to
  the next heading of its rank or above, a rule, a <pre> or the end of the part of the page it is
  in; and a box whose first paragraph opens with the note's words ("Transcriber's Note: Dr. José
  Rizal wrote …"); and the <div> whose heading a box links to as the end of the e-text ("details are
  given at the <a href="#music_notes">end of the e-text</a>") where nothing of the book comes after
  it before PG's end lines (the producers' endnote, "About the Music"; 5,000 characters at most; a
  box's links to the book's own sections, "Index", leave them be). A note longer
  than a note is (20,000 characters; 1,500 for a box a paragraph opens), or one that holds an <h1>
  or PG's own lines, is left to the gutenberg reader;
- the producers' links to the sound and score files they added to a music book are
  ``unread['transcriber_note']`` too: a link to a ``.midi``/``.ly``/``.mp3`` … file (or a PDF in a
  ``music/`` folder) set in brackets, with its brackets ("[Listen] [View Lilypond]", "chants such as
  these [MIDI], are" reads "chants such as these, are"), and a block holding such a link that is all
  in brackets ("[You can play this music (MIDI file) by clicking here. …]") or is a short line that
  says to listen or click ("To hear this music (MIDI), click here.");
- LaTeX2HTML's navigation on each page of a book it split over many (its panel of "Next: … Up: …
  Previous: …" links, ``div class="navigation"``, at each page's top and bottom, and the
  "Subsections" list of links to the page's sections, ``ul class="ChildLinks"``, and the
  ``<address>`` at the foot of each page, the signature it repeats on every page) is
  ``unread['navigation']``: the book's contents are its main page's, and the text edition has none;
- ruby readings (``<rt>``, and the ``<rp>`` brackets around them) are ``unread['ruby']``: the
  base text stays, as in the ``aozora`` reader;
- ``<head>`` (title, style sheets), ``<script>`` and ``<style>`` are ``unread['markup']``; the
  ``alt`` text of images (an illustration's caption, or a heading set as an image) is
  ``unread['alt']``: a description of a picture, not the book's running text.

A book PG split over several pages has PG's header in its main page only:
:mod:`jiniac_hpc.corpus.readers.gutenberg_pages` finds that page for a page that has none.

What is counted: every non-whitespace character of the page's text (character references
decoded) and of its ``alt`` attributes is either in a line or in ``unread``; whitespace is not
counted, since HTML itself does not keep it.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from typing import Optional

_BLOCKS = {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "div", "dl", "dt",
           "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li",
           "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul"}
_CELLS = {"td", "th"}
_VERSE = {"poem", "stanza", "verse", "poetry"}   # a <div> of these classes holds verse: its <p>s are lines
# … and so does one of DP's newer classes: "poetry-container" around "poetry", a stanza in each of two
# languages side by side ("stanza-fr", "stanza-en"); but a "verse" <div> inside a poem is one line of it
# (#52834: <div class="poetry"><div class="stanza-fr"><div class="verse">…</div>)
_VERSE_MORE = re.compile(r"^(poetry-container|stanza-[a-z]{2})$")
_DROPPED = {"head": "markup", "script": "markup", "style": "markup", "noscript": "markup", "rt": "ruby", "rp": "ruby"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "param", "source"}
# class tokens PG's producers use for page numbers (pagenum, stpagenum, pagenum3, page-no, TEI's tei-pb)
# and for verse line numbers (linenum, lineno, line-number)
_PAGENUM = re.compile(r"^([a-z]*page-?(num|no|number)[a-z0-9]*|tei-pb)$", re.I)
# class tokens of the box producers set their notes in (Louise Hope's "mynote", DP's and ebookmaker's
# "transnote", "tnbox"): the encoding note, the added contents list, "Listen to music" links. Not
# Hellingman's "transcribernote": it holds his colophon, which the gutenberg reader finds as lines
_TRANSNOTE = re.compile(r"^(mynote|trans-?notes?|trnote|tnbox|tnotes?)$", re.I)
# LaTeX2HTML's chrome on each page of a book it split (#6527's files/node*.html): the panel of links to the
# next, previous and parent pages (``<div class="navigation">``), and the list of links to the page's
# subsections under its "Subsections" anchor (``<a name="CHILD_LINKS">``, ``<ul class="ChildLinks">``)
_NAV_CLASS = {"navigation", "childlinks"}
_LINENUM = re.compile(r"^line-?(num|no|nr|number)[a-z0-9]*$", re.I)
# the heading of a producers' note set in the page's own blocks ("<h3>Transcriber's Note:</h3>" and the
# paragraphs after it, "<p class="cen">Transcriber's Note:</p>" first in a box <div>, "Anmerkungen zur
# Transkription:", "Nota del Transcriptor:", a contents list headed "(list added by transcriber)"), and
# a paragraph that opens with the note's words ("Transcriber's Note: Dr. José Rizal wrote …")
TN_WORDS = (r"_?((Original\s+)?(Transcriber|Producer|Preparer)[’']?s?[’']?\s+(End)?notes?"
            r"|Notes?\s+(du|de)\s+(transcripteur|transcription)|Anmerkung(en)?\s+zur\s+Transkription"
            r"|Notas?\s+del?\s+(transcriptor|transcripción)|Nota\s+del\s+trascrittore)")
# the heading of a producer's section among the front matter: "Preface to the Project Gutenberg Etext"
# (#132, signed by its producer), "Notes on this etext of Moby Dick:"
PRODUCER_HEAD = re.compile(r"^\s*((Preface|Introduction|Foreword|Notes?|Comments?|Remarks)\s+(to|on|for|about)\s+"
                           r"(the|this)\s+|About\s+this\s+)([\w'’-]+\s+){0,2}(e-?text|e-?book|electronic edition"
                           r"|Project Gutenberg (edition|e-?text|e-?book))\b[^.!?]{0,40}$", re.I)
_TN_HEAD = re.compile(r"^\s*(\[?\s*" + TN_WORDS + r"_?\s*[:.]?\s*\]?"
                      r"|.{0,40}\((list |contents )?added by (the )?transcriber\))\s*$|" + PRODUCER_HEAD.pattern, re.I)
_TN_OPEN = re.compile(r"^\s*\[?\s*" + TN_WORDS + r"\b", re.I)
_NOTE_MOST = 20000        # a producers' note is no longer than this (non-whitespace characters)
_OPENED_MOST = 1500       # … and a box that a paragraph opening with its words starts is no longer than this
_LINKED_MOST = 5000       # … and a section a producers' box links to at the end of the page
# the words of a box's link to the producers' note at the end ("noted <a href="#toc_errors">at the end of the
# e-text</a>"); a box's list of links to the book's own sections ("Index", "Advertisement") says no such thing
_TO_END = re.compile(r"\b(end|close) of (the|this) (e-?text|e-?book|text|file|book|page)\b", re.I)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# a link to one of the sound or score files producers added to a music book ("[<a href="music/x.midi">Listen</a>]
# [<a href="music/x.pdf">PDF</a>]", "[You can play this music (MIDI file) by clicking <a …>here</a>.]")
_MEDIA = re.compile(r"\.(midi?|ly|mp3|ogg|oga|wav|m4a|mxl|musicxml|abc)$"
                    r"|(^|/)(music|midi|audio|sound|lilypond)/[^/]*\.pdf$", re.I)
_MEDIA_CAPTION = 600      # a bracketed block with such a link is the producers' caption up to this size
_MEDIA_LINE = 120         # … and so is a block this short that says to listen to it or view it
_MEDIA_WORDS = re.compile(r"\b(click|listen|hear|play|view|download)", re.I)
_PG_LINE = re.compile(r"\*{3}\s*(START|END) OF|End of (the )?Project Gutenberg|SMALL PRINT", re.I)
_RUBY = ("rt", "rp")     # a ruby reading and its brackets, whose end tags HTML lets a page leave out
_NOTE_CLASS = {"tag", "fnanchor", "noteref", "footnote-ref", "fnref"}
_NOTE_TARGET = re.compile(r"#.*(note|fn|foot)", re.I)
_NOTE_MARK = re.compile(r"^(\d{1,3}[a-z]?|[a-z]|[ivxl]{1,6}|[*†‡§¶]{1,3})$")   # "2", "12a", "b", "iv", "*"
_ASCII_SPACE = re.compile(r"[ \t\n\r\f]+")
_CHARSET = re.compile(rb"""<\?xml[^>]*encoding=["']([A-Za-z0-9_.:-]+)|<meta[^>]*charset=["']?([A-Za-z0-9_.:-]+)""",
                      re.I)


# a producers' note in brackets inside a line of the book: "mentioned on p. 71 [Transcriber's Note: p. 73], that";
# also a placeholder for a picture or a score that holds nothing but such a note ("[Music: Transcribers note See
# HTML version for music]", #16215)
_TN_BRACKET = re.compile(r"[ \t]*\[\s*((Music|Illustration|Sidenote)\s*:\s*)?" + TN_WORDS + r"\b[^\[\]]*(?P<close>\]|$)",
                         re.I)


def inline_notes(lines: list[str], size) -> tuple[list[str], int]:
    """``lines`` without the producers' notes set in brackets inside the book's own lines ("mentioned
    on p. 71 [Transcriber's Note: p. 73], that" reads "mentioned on p. 71, that"; "[Illustration:
    Plate I. [Transcriber's Note: Plate number omitted in original.]]"; a placeholder that is such a
    note alone, "[Music: Transcribers note See HTML version for music]", whole), and their size
    (``size`` of what went). A note still open at its line's end runs to the first "]" of the next line; a line
    that was such a note alone goes. The gutenberg reader applies it to every edition's lines."""
    lines, out, dropped = list(lines), [], 0
    for i, line in enumerate(lines):
        was = line
        while "[" in line and (m := _TN_BRACKET.search(line)):     # ("[" first: most lines have none)
            cut = m.group()
            if m.group("close") != "]":             # open: closed by the next line's first "]"
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                k = nxt.find("]")
                if k < 0 or "[" in nxt[:k]:
                    break
                dropped += size(nxt[:k + 1])
                lines[i + 1] = nxt[k + 1:].lstrip(" ") if line[:m.start()].strip() else nxt[k + 1:]
            dropped += size(cut)
            line = line[:m.start()] + line[m.end():]
        if line.strip() or not was.strip():
            out.append(line)
    return out, dropped


def nonspace(s: str) -> int:
    """Characters of ``s`` that are not whitespace (what the page's counts add up)."""
    return len("".join(s.split()))     # str.split() splits at exactly the characters str.isspace() names


def collapse(text: str) -> str:
    """HTML's white-space rule outside ``<pre>``: a run of ASCII whitespace is one space (U+3000 and
    no-break spaces are text), and a run that holds a line break between two East Asian wide
    characters is nothing (CSS Text 3's segment break rule: a Chinese or Japanese page wraps its
    source lines anywhere in a sentence, "寅⏎、卯")."""
    def one(m: re.Match) -> str:
        a, b = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        wide = a and b and "\n" in m.group() and all(_wide(c) for c in a + b)
        return "" if wide else " "
    return _ASCII_SPACE.sub(one, text).strip(" \t\n\r\f")


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "FWH" and not "\uac00" <= c <= "\ud7a3"   # Hangul keeps its spaces


def declared_charset(raw: bytes) -> Optional[str]:
    """The encoding the page declares (XML declaration or ``<meta charset>``), or None."""
    m = _CHARSET.search(raw[:1 << 14])     # (hand-made pages put a long <style> before their <meta>)
    return (m.group(1) or m.group(2)).decode("ascii") if m else None


class _Page(HTMLParser):
    """Lines of a page's text and the unread counts (see the module doc)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.pre = 0                             # open <pre> elements
        self.skip: list[tuple[str, str]] = []    # open elements whose text is not kept: (tag, reason)
        self.unread: Counter = Counter()
        self.total = 0                           # non-whitespace characters of text and alt
        self.divs: list[bool] = []               # open <div>s: is it a poem/stanza?
        self.breaks = 0                          # line ends so far
        self.note: Optional[tuple[int, int, int]] = None   # an open footnote link: (breaks, cur, depth)
        self.depth = 0                           # open <a> elements
        self.pre_start = False                   # right after <pre>: HTML drops a newline here
        self.div_starts: list[int] = []          # open <div>s: the line each starts at
        self.block_first = 0                     # the line the block now open starts at
        self.heading = 7                         # its rank, if a heading (h1 1 … h6 6), else 7
        self.span: Optional[list] = None         # an open producers' note: [first line, div depth, box?, rank, most]
        self.links: list[bool] = []              # open <a> elements: is it a link (href)?
        self.block_text = [0, 0]                 # the block's characters so far: all, in links
        self.notes: list[tuple[int, int]] = []   # the producers' notes found: (first line, line after)
        self.media: Optional[tuple[int, int, int]] = None   # an open link to a sound file: (breaks, cur, depth)
        self.media_block = False                 # the block now open holds such a link
        self.bracket: Optional[int] = None       # a sound file's link closed after "[": where it starts in cur
        self.box_links: set[str] = set()         # the anchors the producers' boxes link to their notes at
        self.box_link: Optional[list] = None     # a link open in a box: [anchor, its text so far]
        self.latex2html = False                  # LaTeX2HTML made the page (its <meta name="Generator">)

    def _line(self) -> None:
        text = "".join(self.cur)
        self.cur = []
        self.bracket = None       # (a "]" on the next line closes no link of this one)
        self.breaks += 1
        text = text.rstrip() if self.pre else collapse(text)
        if text or self.pre:
            self.lines.append(text)
            k = len(self.lines) - 1 - self.block_first    # the block's line this is
            if self.span is None and not self.pre and (k == 0 or (k == 1 and self.heading < 7)):
                self._open_note(" ".join(self.lines[self.block_first:]))   # a heading over two lines too

    def _block(self) -> None:
        self._line()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag, attrs):
        self.pre_start = tag == "pre"
        a = dict(attrs)
        if a.get("alt"):
            n = nonspace(a["alt"])
            self.total += n
            self.unread["alt"] += n
        if tag == "meta" and (a.get("name") or "").lower() == "generator":
            self.latex2html = (a.get("content") or "").startswith("LaTeX2HTML")
        if tag == "body" and self.skip and self.skip[0][0] == "head":
            self.skip.clear()     # HTML 4 lets a page leave </head> out
        if self.skip and self.skip[-1][0] in _RUBY and tag in ("rt", "rp", "rb"):
            self.skip.pop()       # HTML lets <rt>/<rp> leave their end tag out before the next one
        if self.skip:
            if tag == "a" and self.skip[-1][1] == "transcriber_note" and (a.get("href") or "").startswith("#"):
                self.box_link = [a["href"][1:], ""]
            if tag not in _VOID and tag == self.skip[-1][0]:
                self.skip.append((tag, self.skip[-1][1]))   # same tag nested: its end must not end the skip
            return
        classes = set((a.get("class") or "").lower().split())
        reason = _DROPPED.get(tag)
        if reason is None and any(_PAGENUM.match(c) for c in classes):
            reason = "pagenum"
        if reason is None and any(_LINENUM.match(c) for c in classes):
            reason = "linenum"
        if reason is None and tag in _BLOCKS and any(_TRANSNOTE.match(c) for c in classes):
            reason = "transcriber_note"
            self._block()         # the box stands apart from the text around it
        if reason is None and (classes & _NAV_CLASS or (tag == "a" and a.get("name") == "CHILD_LINKS")
                               or (tag == "address" and self.latex2html)):
            reason = "navigation"
            self._block()
        if reason and tag not in _VOID:
            self.skip.append((tag, reason))
            return
        if self.box_links and (a.get("id") or a.get("name")) in self.box_links:
            self._linked_note()
        if tag == "a":
            self.depth += 1
            self.links.append(bool(a.get("href")))
            if self.media is None and _MEDIA.search((a.get("href") or "").split("#")[0].split("?")[0]):
                self.media, self.media_block = (self.breaks, len(self.cur), self.depth), True
            before = next((p[-1] for p in reversed(self.cur) if p), "")   # the last character so far
            glued = before != "" and not before.isspace() and before not in "[({"
            if self.note is None and glued and (classes & _NOTE_CLASS or _NOTE_TARGET.search(a.get("href") or "")):
                self.note = (self.breaks, len(self.cur), self.depth)
        verse = bool(classes & _VERSE) or any(_VERSE_MORE.match(c) for c in classes)
        if verse and tag == "div" and any(self.divs) and classes & _VERSE == {"verse"}:
            verse = False         # a line of the poem it is in
        if tag in _BLOCKS:
            in_stanza = any(self.divs) and not verse
            self._line() if in_stanza else self._block()   # in a poem, a <p> or <div> is a line
            self._note_boundary(tag)
            self.block_first, self.heading, self.block_text = len(self.lines), _HEADINGS.get(tag, 7), [0, 0]
            self.media_block = False
            self.pre += tag == "pre"
            if tag == "div":
                self.divs.append(verse)
                self.div_starts.append(len(self.lines))
        elif tag == "br":   # <br> on an empty line (<br><br>) sets paragraphs apart, as a blank line does
            self._line() if self.pre or "".join(self.cur).strip() else self._block()
        elif tag in _CELLS and self.cur:
            self.cur.append(" ")

    def handle_endtag(self, tag):
        self.pre_start = False
        if self.skip and self.skip[-1][0] in _RUBY and tag == "ruby":
            self.skip.pop()       # </ruby> ends an <rt> or <rp> left open
        if self.skip:
            if tag == "a" and self.box_link:
                if _TO_END.search(" ".join(self.box_link[1].split())):
                    self.box_links.add(self.box_link[0])
                self.box_link = None
            if tag == self.skip[-1][0]:
                self.skip.pop()
            return
        if tag == "a" and self.depth:
            if self.note and self.note[2] == self.depth:
                self._end_note()
            if self.media and self.media[2] == self.depth:
                self._end_media()
            self.depth -= 1
            if self.links:
                self.links.pop()
        if tag in _BLOCKS:
            verse = self.divs.pop() if tag == "div" and self.divs else False
            self._line() if any(self.divs) and not verse else self._block()   # a stanza ends a paragraph
            self.pre -= tag == "pre" and self.pre > 0
            if tag == "div" and self.div_starts:
                self.div_starts.pop()
                if self.span and len(self.divs) < self.span[1]:
                    alone = sum(bool(x.strip()) for x in self.lines[self.span[0]:]) <= 2
                    if self.span[2] and alone and self.span[4] == _NOTE_MOST:   # (a heading, not a note's opening)
                        # a box that holds the heading alone ("<div><h2>Transcriber's Notes</h2></div>"
                        # and the note's paragraphs after it): the note goes on among the page's blocks
                        self.span[1:3] = [len(self.divs), False]
                    else:
                        self._close_note()     # the box, or the part of the page, the note is in ends
            if self.media_block:
                self._media_caption()
            self.block_first, self.heading, self.block_text = len(self.lines), 7, [0, 0]

    def _open_note(self, text: str) -> None:
        """A producers' note starts at the block's first line, if ``text`` (its lines so far) is its heading (or,
        first in a box <div>, opens with the note's words): its box is the note, or, where the
        heading stands among the book's own blocks, what follows it up to the next heading of its
        rank or above, a rule, a <pre> or the end of the part of the page it is in."""
        k = self.block_first
        box = bool(self.div_starts) and not any(x.strip() for x in self.lines[self.div_starts[-1]:k])
        if self.heading == 7 and self.block_text[1] >= self.block_text[0]:
            return                 # a link ("Transcriber's Note" in the page's contents), not a heading
        if _TN_HEAD.match(text):
            self.span = [k, len(self.divs), box, self.heading, _NOTE_MOST]
        elif box and _TN_OPEN.match(text):
            self.span = [k, len(self.divs), box, self.heading, _OPENED_MOST]

    def _linked_note(self) -> None:
        """An anchor a producers' box links to as the end of the e-text ("details are given at the <a
        href="#music_notes">end of the e-text</a>") opens the <div> it heads (its first block holds
        it): the producers' note there (#25063's "About the Music", ``<div class="endnote">``; #30621's
        "Inconsistencies between Table of Contents and Body Text"), kept as a note where nothing
        but other notes comes after it before PG's end lines, and no longer than ``_LINKED_MOST``
        (:meth:`result`)."""
        if self.span is not None or not self.div_starts or "".join(self.cur).strip():
            return
        if any(x.strip() for x in self.lines[self.div_starts[-1]:]):
            return
        self.span = [self.div_starts[-1], len(self.divs), True, self.heading, _LINKED_MOST, True]

    def _last(self, end: int) -> bool:
        """Whether nothing but blank lines comes between line ``end`` and PG's end lines (or the page's end)."""
        for x in self.lines[end:]:
            if _PG_LINE.search(x):
                return True
            if x.strip():
                return False
        return True

    def _note_boundary(self, tag: str) -> None:
        """A block ``tag`` starts: it ends an open note that stands among the book's blocks if it is
        a heading of the note's rank or above, a rule, a <pre> or a <section>; an <h1> in a box is
        the book's title, not a note's (the box was the book's)."""
        if self.span is None:
            return
        rank = _HEADINGS.get(tag)
        if self.span[2]:
            if rank == 1:
                self.span = None
        elif tag in ("hr", "pre", "section") or (rank and rank <= self.span[3]):
            self._close_note()

    def _close_note(self) -> None:
        first, end, most, linked = self.span[0], len(self.lines), self.span[4], len(self.span) > 5
        self.span = None
        lines = self.lines[first:end]
        if sum(map(nonspace, lines)) <= most and not any(_PG_LINE.search(x) for x in lines):
            self.notes.append((first, end, linked))

    def _end_media(self) -> None:
        """A link to a sound or score file ends. Set in brackets ("[<a …>MIDI</a>]", "[Listen]"), it
        and its brackets are the producers', ``unread['transcriber_note']``, once the "]" comes."""
        breaks, at, _ = self.media
        self.media = None
        if breaks == self.breaks and "".join(self.cur[:at]).rstrip().endswith("["):
            self.bracket = at     # (a line ended inside the link: not a mark)

    def _drop_bracketed_link(self, glued: bool) -> None:
        """Drops the link whose "]" has just been dropped, and the "[" before it (and the space before
        that, where punctuation follows: "these [MIDI], are" is "these, are")."""
        self.unread["transcriber_note"] += nonspace("".join(self.cur[self.bracket:])) + 2
        before = "".join(self.cur[:self.bracket]).rstrip()[:-1]
        self.cur = [before.rstrip() if glued else before]

    def _media_caption(self) -> None:
        """A block that holds a link to a sound file and is all in brackets ("[You can play this
        music (MIDI file) by clicking here. …]"), or is a short line that says to listen to it or
        view it ("To hear this music (MIDI), click here.", "Listen  View Lilypond", "(Listen to MIDI
        version of the above)"), is the producers' caption: its lines are ``unread['transcriber_note']``."""
        self.media_block = False
        if self.span is not None or (self.notes and self.notes[-1][1] > self.block_first):
            return
        lines = self.lines[self.block_first:]
        text = " ".join(x.strip() for x in lines if x.strip())
        size = nonspace(text)
        if (text.startswith("[") and text.endswith("]") and size <= _MEDIA_CAPTION) or (
                size <= _MEDIA_LINE and _MEDIA_WORDS.search(text)):
            self.unread["transcriber_note"] += sum(map(nonspace, lines))
            del self.lines[self.block_first:]
            if self.lines and self.lines[-1]:
                self.lines.append("")

    def _end_note(self) -> None:
        """A footnote link ends: a bare number in it (no brackets) is unread['noteref']."""
        breaks, cur, _ = self.note
        self.note = None
        if breaks != self.breaks:
            return                # a line ended inside the link: not a note number
        mark = "".join(self.cur[cur:])
        if _NOTE_MARK.match(mark.strip()):
            self.unread["noteref"] += nonspace(mark)
            del self.cur[cur:]

    def handle_data(self, data):
        n = nonspace(data)
        self.total += n
        if self.pre_start and data:
            self.pre_start = False
            data = data[1:] if data.startswith("\n") else data[2:] if data.startswith("\r\n") else data
        if self.skip:
            self.unread[self.skip[-1][1]] += n
            if self.box_link:
                self.box_link[1] += data
            return
        self.block_text[0] += n
        self.block_text[1] += n if any(self.links) else 0
        if self.bracket is not None and data.strip():
            if data.lstrip().startswith("]"):     # "[<a …>MIDI</a>]": the brackets go with the link
                data = data.lstrip()[1:]
                self._drop_bracketed_link(data[:1] in ",.;:!?)")
            self.bracket = None
        if self.pre:
            first, *rest = data.split("\n")
            self.cur.append(first)
            for part in rest:
                self._line()
                self.cur.append(part)
        else:
            self.cur.append(data)

    def result(self) -> list[str]:
        self.close()
        self._line()
        if self.span and not self.span[2]:
            self._close_note()     # a note at the page's end
        for first, end, linked in reversed(self.notes):     # (the notes after it already gone)
            if linked and not self._last(end):
                continue      # a section a box links to is the producers' only after the book
            self.unread["transcriber_note"] += sum(map(nonspace, self.lines[first:end]))
            del self.lines[first:end]
        return self.lines


def page_lines(text: str) -> tuple[list[str], dict[str, int], int]:
    """(lines of the page, unread counts, non-whitespace characters of the page's text and alt)."""
    page = _Page()
    page.feed(text)
    lines = page.result()
    return lines, {k: v for k, v in page.unread.items() if v}, page.total
