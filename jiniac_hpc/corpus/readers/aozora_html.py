"""Aozora Bunko's XHTML form of a work (``cards/*/files/*.html``), read by the ``aozora`` reader.

    python -m jiniac_hpc.corpus.readers aozora tests/assets/corpus/real/aozora_112_15227.html

Aozora publishes every work twice: the annotated text (``*_ruby_*.zip``) and the XHTML that its
converter, aozora2html, makes of it. The XHTML carries the same notation as markup, so the same
things are kept and dropped as from the text form (:mod:`jiniac_hpc.corpus.readers.aozora`):

- the work is ``<div class="main_text">``; everything outside it (the title/author
  ``metadata``, ``bibliographical_information`` with 底本/入力/校正, ``notation_notes``, the
  card link, ``<head>``) is ``unread['boilerplate']``;
- ``<br />`` and block elements (``div``, headings) end a line; the line breaks of the file
  itself are layout and, like the text form's, not counted;
- ``<img class="gaiji">`` is its character: the code in its ``alt`` (``※(「…」、第3水準1-87-25)``),
  else the JIS X 0213 code its image file is named after (accented letters and 濁点付き片仮名
  name only that), else ``〓`` (the record's ``meta['placeholders']``); the rest of the ``alt`` is markup;
- a ``※`` followed by a ``<span class="notes">［＃…、U+98C0、…］</span>`` is a gaiji that
  JIS X 0213 lacks: its character (or ``〓``), the note is markup; in a ruby's base aozora2html
  puts the notes after the ruby (``<rb>※法</rb>…</ruby><span class="notes">``): they go to the
  base's ``※``s in order (a ``※`` before a note whose ``＃`` the inputter left out,
  ``［「虚／八」、…、498-15］``, is a gaiji too, as in the text form). A gaiji's description with
  no ``※`` before it (``［＃「麾－毛」、42-8］``: aozora2html leaves the ``※`` out in a ruby base
  or an emphasis) is ``〓``, unless it follows the note of a gaiji just read. A note inside a note
  is one note, and an image inside a note (a gaiji quoted in ［＃「…」はママ］) is part of it: markup;
  a notes span aozora2html closed at a ］ inside the note (``［＃「［Ａ］</span>のようにも」は底本では…］``)
  takes the rest of the note from the text right after it;
- other ``notes`` spans (［＃…］), ``<rp>`` brackets, 返り点 ``<sub class="kaeriten">``, 送り仮名
  ``<sup class="okurigana">`` and the ``alt`` of illustrations are ``unread['markup']``; ruby
  readings ``<rt>`` are ``unread['ruby']``, the base text ``<rb>`` is kept; emphasis, captions
  and headings keep their text (a 同行見出し, class ``dogyo-*``, on the line of the text after
  it); くの字点 ``／＼`` / ``／″＼`` become ``〳〵`` / ``〴〵``; a line of dashes or ``=`` (a section
  break) is ``unread['markup']``, as in the text form;
- 割り注 ``<span class="warichu">（…）</span>``: the brackets aozora2html adds inside the span are
  markup; a ``chitsuki`` div opened mid-line (［＃地付き］ after text) continues that line;
- the work ends where ``div.after_text`` (what follows ［＃本文終わり］),
  ``div.bibliographical_information`` or ``div.notation_notes`` starts, whether aozora2html left a
  div of ``main_text`` open or wrote a stray ``</div>`` that closes ``main_text`` early; a footer
  that aozora2html left in ``main_text`` (it looks for ``底本：`` only: ``底本・初出：``, ``入力：``) is
  found by the text form's footer rule in :func:`~jiniac_hpc.corpus.readers.aozora.read_aozora`;
- a page from before aozora2html (upper-case HTML, no ``main_text``: title, work and 底本
  footer all in ``<body>``) is turned into lines the same way, and the reader then finds its
  header and footer as in a text file; its ruby, ``<!R>城（しろ）``, is ``unread['ruby']``; its
  gaiji, a bare ``※`` in the work, gets the character that the ``●表記について`` table after the
  footer gives for the words it is in (:func:`_table_gaiji`), and an ``<img>`` of a gaiji
  (``gaiji0213/060/1_84_34.gif``, no ``class``) is its character, as in a newer page.

The same sum holds as for the text form: characters of the file's text and ``alt`` values,
line breaks aside, == characters emitted, line breaks aside, + unread markup, ruby and
boilerplate.
"""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Optional

from jiniac_hpc.corpus.readers.aozora_gaiji import (BREAK, BREAK_NOTE, PLACEHOLDER, RULE, char_or_placeholder,
                                                    gaiji_char, gaiji_image_char)

_HTML_START = re.compile(r"^\ufeff?\s*(<\?xml[^>]*>\s*)?(<!doctype\s+html|<html)", re.I)
_BLOCKS = {"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "ul", "ol", "hr"}
_DROPPED = {"rp": "markup", "rt": "ruby", "script": "markup", "style": "markup"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr"}
# a gaiji's description, ［＃「てへん＋參」、10-下段-6］, ［＃「圖」の「回」に代えて「…」、466-8］ (not a note
# on the text: ［＃「…」はママ］, ［＃「…」は底本では「…」］, ［＃「…」に「ママ」の注記］)
# (also 「※」は底本では「はばへん＋白」, and a description whose 」 the inputter left out: ［＃「虫＋（…）、146-7］)
_GAIJI_NOTE = re.compile(r"^［＃「(?:※」は|(?!.*(?:」は|」に「|注記)).*」(、[^「」］]*)?］$|[^「」］]*、[^「」］]*\d-[^「」］]*］$)")
# a description ending in the base text's page and line (［＃「麾－毛」、42-8］): a gaiji's, not a note on the text
_PAGE_REF = re.compile(r"、[^、「」］]*\d+-[^、「」］]*］$")
# divs that follow main_text (after_text: what follows ［＃本文終わり］, the text form's footer)
_AFTER_WORK = {"after_text", "bibliographical_information", "notation_notes"}


def _cut_note(note: str) -> bool:
    """aozora2html closed this notes span at a ］ inside the note, whose brackets and quotes are left
    open (``<span class="notes">［＃「［Ａ］</span>のようにも」は底本では「［Ａ］ようにも」］``):
    the rest of the note is the text after the span."""
    return note.startswith("［＃") and note.count("［") > note.count("］") and note.count("「") > note.count("」")


def _note_rest(note: str, text: str) -> int:
    """Index in ``text`` after the ］ that closes the cut ``note``, its quotes closed too, or -1."""
    brackets, quotes = note.count("［") - note.count("］"), note.count("「") - note.count("」")
    for i, c in enumerate(text):
        brackets += (c == "［") - (c == "］")
        quotes += (c == "「") - (c == "」")
        if brackets == 0:
            return i + 1 if quotes == 0 else -1
    return -1


def is_html(text: str) -> bool:
    """True for the XHTML form (an XML declaration or doctype, then ``<html``)."""
    return bool(_HTML_START.match(text[:512]))


class _Work(HTMLParser):
    """Collects the text of ``div.main_text`` and counts everything else (see the module doc)."""

    def __init__(self, container: str = "main_text"):
        super().__init__(convert_charrefs=True)
        self.container = container  # "main_text" (the div), or "body" for pages that predate it
        self.out: list[str] = []
        self.unread: Counter = Counter()
        self.depth = 0            # open divs of main_text, itself included; 0: outside the work
        self.seen_main = False
        self.skip: list[tuple[str, str]] = []   # open elements whose text is not emitted: (tag, reason)
        self.note: Optional[list[str]] = None   # text of the open notes span
        self.note_spans = 0        # spans open inside it (a note inside a note: ［＃「…［＃…］…」は底本では…］)
        self.kome = False          # the last thing emitted was a ※ from the text (a gaiji note may follow)
        self.ruby_kome: list[list[int]] = []    # ※s of the ruby base just closed: [out index, offset]
        self.in_rb = False
        self.old_ruby = False      # a pre-aozora2html page's <!R> mark: a （reading） follows the base
        self.spans: list[tuple[bool, int]] = []   # open spans of the work: (a 割り注?, where its text starts)
        self.heads: list[bool] = []                # open headings: a 同行見出し (on the line of the text after it)?
        self.gaiji_note = False    # the last thing was a note that made a ※ its character (大※［＃傍点］［＃「…」、232-1］)
        self.note_tail: Optional[str] = None   # a notes span closed mid-note, its rest in the text after it

    # -- helpers ------------------------------------------------------------------------------
    def _emit(self, s: str) -> None:
        if self.old_ruby:
            s = self._old_ruby(s)
        if self.in_rb:
            self.ruby_kome += [[len(self.out), i] for i, c in enumerate(s) if c == "※"]
        else:                     # text after a ruby: no gaiji note for its base's ※ follows now
            self.ruby_kome = []
        self.out.append(s)
        self.kome = s.endswith("※")
        self.gaiji_note = False

    def _old_ruby(self, s: str) -> str:
        """The first （…） after a <!R> mark is the reading of the word before it (城（しろ）)."""
        m = re.search(r"（[^（）]*）", s)
        if m is None:
            return s
        self.old_ruby = False
        self.unread["ruby"] += len(m.group()) - 2
        self.unread["markup"] += 2
        return s[:m.start()] + s[m.end():]

    def handle_comment(self, data):
        if self.depth and data.strip() in ("R", "r"):
            self.old_ruby = True

    def _newline(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")
        self.kome = self.gaiji_note = False

    # -- parser events ------------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        self._end_tail()
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if self.depth == 0:
            if not self.seen_main and ((tag == "div" and "main_text" in classes and self.container == "main_text")
                                       or (tag == "body" and self.container == "body")):
                self.depth, self.seen_main = 1, True
            elif tag == "img" and a.get("alt"):
                self.unread["boilerplate"] += len(a["alt"])
            return
        if tag == "div":
            self.depth += 1
            if classes & _AFTER_WORK or a.get("id") == "card":   # a div main_text left open ends here
                self.depth = 0
                return
        if self.note is not None:       # inside a note: a nested span, or an image whose alt is the note's
            if tag == "span":
                self.note_spans += 1
            elif tag == "img":
                self.unread["markup"] += len(a.get("alt") or "")
            return
        if self.skip:
            if tag == "img" and a.get("alt"):
                self.unread[self.skip[-1][1]] += len(a["alt"])
            if tag not in _VOID:       # no end tag will pop it
                self.skip.append((tag, self.skip[-1][1]))
            return
        if tag == "span" and "notes" in classes:
            self.note = []
            return
        if tag == "span":
            self.spans.append(("warichu" in classes, len(self.out)))
            return
        if tag == "rb":
            self.in_rb, self.ruby_kome = True, []
        if tag in _DROPPED or (tag == "sub" and "kaeriten" in classes) or (tag == "sup" and "okurigana" in classes):
            self.skip.append((tag, _DROPPED.get(tag, "markup")))
            return
        if tag == "br":
            self.out.append("\n")
            self.kome = False
        elif re.fullmatch(r"h[1-6]", tag):
            self.heads.append(any(c.startswith("dogyo") for c in classes))
            if not self.heads[-1]:
                self._newline()
        elif tag == "div" and any(c.startswith("chitsuki") for c in classes):
            self.kome = False      # ［＃地付き］ mid-line: the rest of the line, set flush right
        elif tag in _BLOCKS:
            self._newline()
        elif tag == "img":
            self._image(a, classes)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        self._end_tail()
        if self.depth == 0:
            return
        if tag == "body" and self.container == "body":
            self.depth = 0
            return
        if self.skip:
            if self.skip[-1][0] == tag:
                self.skip.pop()
            if tag == "div":
                self.depth = max(1, self.depth - 1)
            return
        if self.note is not None:
            if tag == "span" and self.note_spans:
                self.note_spans -= 1
            elif tag == "span":
                note, self.note = "".join(self.note), None
                if _cut_note(note):
                    self.note_tail = note
                else:
                    self._end_note(note)
            return
        if tag == "rb":
            self.in_rb = False
        if tag == "span" and self.spans:
            warichu, start = self.spans.pop()
            if warichu:
                self._end_warichu(start)
            return
        if tag == "div":
            # main_text's own </div> is not its end: aozora2html writes a stray </div> where a
            # block ends inside another (［＃ここから改行天付き…］ twice, 山中貞雄 54444), and the
            # rest of the work follows it; the work ends at the div after it (_AFTER_WORK)
            self.depth = max(1, self.depth - 1)
            self._newline()
        elif re.fullmatch(r"h[1-6]", tag):
            if not (self.heads and self.heads.pop()):
                self._newline()
        elif tag in _BLOCKS:
            self._newline()

    def handle_data(self, data):
        text = data.replace("\r", "").replace("\n", "")
        if not text:
            return
        if self.note_tail is not None and self.depth:
            k = _note_rest(self.note_tail, text)
            note, self.note_tail = self.note_tail + text[:max(k, 0)], None
            self._end_note(note)
            text = text[max(k, 0):]
            if not text:
                return
        if self.depth == 0:
            self.unread["boilerplate"] += len(text)
        elif self.skip:
            self.unread[self.skip[-1][1]] += len(text)
        elif self.note is not None:
            self.note.append(text)
        else:
            self._emit(text)

    def _end_tail(self) -> None:
        """A note cut short (:func:`_cut_note`) with no text after it that completes it: as it is."""
        if self.note_tail is not None:
            note, self.note_tail = self.note_tail, None
            self._end_note(note)

    # -- gaiji --------------------------------------------------------------------------------
    def _image(self, a: dict, classes: set) -> None:
        alt = a.get("alt") or ""
        if "gaiji" not in classes and not gaiji_image_char(a.get("src") or ""):
            self.unread["markup"] += len(alt)      # an illustration: its alt text is a caption of the image
            return
        name = alt[2:-1] if alt.startswith("※(") and alt.endswith(")") else alt
        ch = char_or_placeholder(gaiji_char(name) or gaiji_image_char(a.get("src") or ""), self.unread)
        self.unread["markup"] += len(alt) - len(ch)
        self._emit(ch)

    def _end_warichu(self, start: int) -> None:
        """A 割り注 closed: the （ and ） aozora2html puts inside its span (``apply_warichu``: the
        source's own brackets stay outside it) are markup."""
        text = "".join(self.out[start:])
        if text.startswith("（"):
            text = text[1:]
            self.unread["markup"] += 1
        if text.endswith("）"):
            text = text[:-1]
            self.unread["markup"] += 1
        self.out[start:] = [text]

    def _end_note(self, note: str) -> None:
        """A notes span just closed: a gaiji if a ※ came right before it (or in the base of the ruby
        just before it), else a dropped note."""
        i, at = self.ruby_kome[0] if self.ruby_kome else (len(self.out), 0)
        if self.out[i:] and self.out[i][at:at + 1] == "※" and _GAIJI_NOTE.match(note):
            # aozora2html puts the notes of a ruby base's gaiji after the ruby (<rb>※法</rb>…): in order
            self.ruby_kome.pop(0)
            kome = (i, at)
        elif self.kome and note.endswith("］") and (note.startswith("［＃") or _PAGE_REF.search(note)):
            kome = (len(self.out) - 1, len(self.out[-1]) - 1)      # the ※ just emitted (［「…」、…、498-15］: no ＃)
        else:
            kome = None
        if kome:                            # the ※ becomes the character
            i, at = kome
            ch = char_or_placeholder(gaiji_char(note[1 + note.startswith("［＃"):-1]), self.unread)
            self.out[i] = self.out[i][:at] + ch + self.out[i][at + 1:]
            for k in self.ruby_kome:        # the base's later ※s move with it
                k[1] += len(ch) - 1 if k[0] == i and k[1] > at else 0
            self.unread["markup"] += len(note) + 1 - len(ch)
            self.kome = False
            self.gaiji_note = True         # a note right after this one describes the same gaiji
            return
        if _GAIJI_NOTE.match(note) and _PAGE_REF.search(note) and not self.gaiji_note:
            # a gaiji with no code whose ※ aozora2html left out (in a ruby base or an emphasis: <rb><span
            # class="notes">［＃「飮のへん＋旨」、341-5］</span></rb>): 〓, as from the text form
            ch = char_or_placeholder(gaiji_char(note[2:-1]), self.unread)
            self._emit(ch)
            self.unread["markup"] += len(note) - len(ch)
        elif note == BREAK_NOTE:            # as the text form: the halves of a 割り注 kept apart
            self._emit(BREAK)
            self.unread["markup"] += len(note) - len(BREAK)
        else:
            self.unread["markup"] += len(note)
        self.kome = False


_NOTATION_TABLE = re.compile(r"^●?表記について", re.M)


def _table_gaiji(body: str, unread: Counter) -> str:
    """A page from before aozora2html writes a gaiji as a bare ``※`` in the work (``正※知``, linked
    to ``#gaiji``) and gives the character only in the ``●表記について`` table after the 底本
    footer: a row of the words it occurs in (``正※知（しょうへんち）``, one a line, reading after
    them) and a cell with its image (``gaiji0213/060/1_84_34.gif``) and code (``第3水準1-84-34``).
    Each such word in the work gets the character in place of its ``※`` (a word the table gives no
    code for gets ``〓``, ``unread['placeholder']``); a ``※`` in no listed word stays a ``※``."""
    m = _NOTATION_TABLE.search(body)
    if m is None:
        return body
    chars: dict[str, Optional[str]] = {}
    words: list[str] = []
    for item in re.split(r"\s+", body[m.end():]):      # the cells' lines are indented: one item each
        if "※" in item:
            words.append(re.sub(r"（[^（）]*）$", "", item))
        elif words and item:
            # the code cell: 第3水準1-84-34, or the character its image gave
            ch = gaiji_char(item) or (item if len(item) == 1 else None)
            chars.update((w, ch) for w in words)
            words = []
    chars.update((w, None) for w in words)        # words with no code after them
    work = body[:m.start()]
    for word in sorted(chars, key=len, reverse=True):     # 如来正※知 before 正※知
        n = work.count(word)
        if n and word != "※":
            new = word.replace("※", chars[word] or PLACEHOLDER)
            unread["placeholder"] += n * word.count("※") * (chars[word] is None)
            work = work.replace(word, new)
            unread["markup"] += n * (len(word) - len(new))
    return work + body[m.start():]


def html_work(text: str) -> tuple[Optional[str], Counter, bool]:
    """(the work's text, what was not emitted by reason, whole page) of an XHTML page.

    A page without ``div.main_text`` (Aozora's pages from before aozora2html, upper-case HTML
    with the title, the work and the 底本 footer all in ``<body>``) gives the text of its whole
    body, and ``whole page`` True: the caller then finds the header and footer in it as in a
    text file. Text None: not even a ``<body>`` (every character counted as boilerplate)."""
    p = _Work()
    p.feed(text)
    p.close()
    if not p.seen_main:
        p = _Work(container="body")
        p.feed(text)
        p.close()
        if not p.seen_main:
            return None, p.unread, True
    body = "".join(p.out)
    if p.container == "body":
        body = _table_gaiji(body, p.unread)
    if p.container == "main_text":     # a section break drawn in dashes (a line of its own): layout
        lines = body.split("\n")
        p.unread["markup"] += sum(len(x) for x in lines if RULE.match(x))
        body = "\n".join("" if RULE.match(x) else x for x in lines)
    for kunoji, mark in (("／″＼", "〴〵"), ("／＼", "〳〵")):
        n = body.count(kunoji)
        if n:
            body = body.replace(kunoji, mark)
            p.unread["markup"] += n * (len(kunoji) - len(mark))
    return body.strip("\n"), p.unread, p.container == "body"
