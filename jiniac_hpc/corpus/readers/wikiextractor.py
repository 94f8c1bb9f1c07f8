"""wikiextractor reader: Wikipedia articles from wikiextractor's output (<doc> or --json), one document each.

    python -m jiniac_hpc.corpus.readers wikiextractor text/AA/wiki_00      # or wiki_00.bz2 (--compress)

wikiextractor (attardi/wikiextractor) turns a MediaWiki XML dump into files ``OUT/AA/wiki_00`` ...,
each a run of articles written as::

    <doc id="5" url="https://ja.wikipedia.org/wiki?curid=5" title="アンパサンド">
    アンパサンド                        <- the title again, then a blank line

    アンパサンド（&amp;）は ...         <- the article, one paragraph a line
                                        <- a blank line
    </doc>

One ``<doc>`` block is one document (``pos`` is its ``<doc`` line). Its text is the article without
the title, the blank lines that end it and the escapes below. The title, the page id, the URL (and
the revid, language or revision that some versions and cirrus-extract add) go to the record's
metadata; the title line is counted unread as ``title``, the ``<doc ...>`` and ``</doc>`` lines as
``markup``.

A file whose first line is a JSON object is ``--json`` output (``{"id", "revid", "url", "title",
"text"}`` a line) and is read the same way, one document a row: the same article text and
metadata as the <doc> form of the same dump. Versions before 3.0 repeat the title as the first
line of ``text`` (counted ``title``, as in a <doc> block); 3.0 does not, and escapes the text as
below. Rows a user wrapped into one JSON array (``[{...},`` one a line ... ``{...}]``) are read the
same way, an element a row. The row's other fields are not counted as text (as the ``jsonl`` reader, which reads these
files too, keeping ``text`` as it is).

wikiextractor escapes ``<``, ``>`` and ``&`` in the article (``&lt;``, ``&gt;``, ``&amp;``:
``--html-safe``, on by default since 3.0) so that no article line can close its <doc> block; the
reader decodes every character reference that ends in ``;`` once, in one pass (the exact inverse
of that escaping; ``--html`` before 3.0 also wrote ``&quot;`` and ``&#x27;``), and the characters
they lose are ``markup``. Older versions wrote the article unescaped; there, references can
hardly occur, as wikiextractor decodes every entity of the wikitext itself. A title an old
version took from the dump still escaped (``(*&quot;asia&quot;)``) is decoded in the metadata.

What wikiextractor leaves of the wiki's markup is dropped as ``markup`` too: the tags of HTML and
of MediaWiki extensions (``<br>``, ``</div>``, ``<poem>``, ``<chem>``, ``<templatestyles ... />``,
and the ``<a href>`` of ``--links`` and the ``<h2>``, ``<b>``, ``<ul>``, ``<li>`` of ``--html``),
named one by one and with attributes only as ``name=value``, so that the angle brackets Korean
and Chinese text put around a title (``<영웅본색>``, ``<Big Bang>``) stay; a ``<br>`` between two
words of a line is a line break (it had joined them: ``100MbpsH.264``); a ``<math>`` or ``<ref>``
element let through whole, or the part of its line before a lone end tag or after a lone start
tag (a formula, a footnote: no prose); behaviour switches (``__NOEDITSECTION__``); lines that are
only a table's end (``|}``); the ``Section::::`` and ``BULLET::::`` marks wikiextractor 2.x put
before a section title and a list item (its ``--sections`` and ``--lists`` output of 2019-2020),
so that a title is the line ``History.`` of every version's output; the wiki links 3.0 leaves in
some long articles (``[[अंग्रेज़ी भाषा|अंग्रेजी]]``), made what the tool makes of them: the label, and
nothing of a link to a category or a file (a line of category links is no line of the article). A line that held nothing else
is no line of the article. An
``--html`` section heading (``<h2>History</h2>``) that the next lines repeat as the plain output
writes it (``History.``) is dropped, so both outputs give the same text.

An article with no text (a redirect, a list or a disambiguation page whose content wikiextractor
dropped) is one document dropped as ``empty_article``. A file that is not this format is one
bad-input record saying what it is: a MediaWiki XML dump (which this reader does not expand:
wikiextractor's template expansion and markup cleaning are the tool's whole job, and a partial
copy of it would leave wiki markup in the corpus), JSON Lines whose first row has no string
``title`` and ``text``, or other text. A later row that is not JSON, or not such an object, is a
bad-input record naming its line. Inside a <doc> file, a line that is not UTF-8 or an article
larger than ``max_record_bytes`` rejects that article, a ``<doc>`` block without its ``</doc>`` (a
file cut short, or two files joined) is bad input naming its line, and text outside every block is
one bad-input record naming its lines.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import (MEDIAWIKI_DUMP, WIKIEXTRACTOR_ATTR, WIKIEXTRACTOR_DOC, BadInput,
                                            Record, iter_lines, open_binary, sniff_binary, sniff_wiki)
from jiniac_hpc.corpus.readers.jsondoc import first_char_of, json_list_elements

#: a character reference with its semicolon: each decoded once (one pass undoes html.escape exactly;
#: a reference without its semicolon, "&para" in a URL, is text)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: the HTML and MediaWiki tags wikiextractor writes (--links, --html) or leaves behind: by name, in
#: lower or upper case, with attributes only as name=value, so that the angle brackets Korean and
#: Chinese text use as title marks (<영웅본색>, <Big Bang>) stay text
_TAG_NAMES = ("a abbr b bdi big blockquote br caption categorytree ce center chem cite code dd del div dl dt em "
              "font gallery graph h1 h2 h3 h4 h5 h6 hiero hr i imagemap includeonly inputbox ins kbd li mapframe "
              "maplink mark noinclude nowiki ol onlyinclude p poem pre q references rp rt ruby s score section "
              "small source span strike strong sub sup syntaxhighlight table tbody td templatestyles th "
              "timeline tr tt u ul var wbr").split()
_ATTRS = r"""(?:\s+[A-Za-z_:-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>/]+))*"""
#: (``</<li>``: the end tag --html writes after a numbered list item)
_TAG = re.compile(r"</?(?:%s)%s\s*/?>|</<li>" % ("|".join(_TAG_NAMES + [n.upper() for n in _TAG_NAMES]), _ATTRS))
#: a line break tag with the spaces around it: inside a line it is a line break (``100Mbps<br>H.264``, a list
#: written as one line, had become ``100MbpsH.264``), at a line's start or end nothing
_BR = re.compile(r"(?:[ \t]*<(?:br|BR)%s\s*/?>[ \t]*)+" % _ATTRS)
#: elements whose content is no prose (a formula, a footnote) that wikiextractor let through: the
#: element whole, or a lone end tag with the line before it, or a lone start tag with the line after it
_ELEMENT = re.compile(r"<(math|ref)\b%s\s*>.*?</\1\s*>" % _ATTRS)
_LONE_END = re.compile(r"^(?:(?!<(?:math|ref)\b).)*?</(?:math|ref)\s*>")
_LONE_START = re.compile(r"<(?:math|ref)\b%s\s*>.*$" % _ATTRS)
#: behaviour switches a template expansion put back (__NOEDITSECTION__ on a main page)
_MAGIC = re.compile(r"__(?:NOTOC|FORCETOC|TOC|NOEDITSECTION|NEWSECTIONLINK|NONEWSECTIONLINK|NOGALLERY|HIDDENCAT|"
                    r"EXPECTUNUSEDCATEGORY|NOCONTENTCONVERT|NOCC|NOTITLECONVERT|NOTC|INDEX|NOINDEX|"
                    r"STATICREDIRECT|DISAMBIG|NOGLOBAL)__")
_HEADING = re.compile(r"<h([1-6])>[^<>]*</h\1>")
#: the marks wikiextractor 2.x (2019-2020, ``--sections``/``--lists``) put before a section title and a
#: list item (``Section::::History.``, ``BULLET::::- item``): 3.0 writes the same lines without them
_MARK = re.compile(r"^(?:Section|BULLET)::::")
#: a wiki link wikiextractor left as it was (``[[अंग्रेज़ी भाषा|अंग्रेजी]]``, ``[[분류:윤보선| ]]``: 3.0 gives up on
#: some long articles), innermost first: a link inside a file's caption is resolved before the file
_LINK = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
#: the namespaces whose links wikiextractor keeps as their text (its acceptedNamespaces): a link to any
#: other (a category, a file, an interlanguage link) is no text of the article
_LINK_NAMESPACES = ("w", "wiktionary", "wikt")
#: a line that is only the end or start of a wiki table (``|}``, ``{|``): what a dropped table left
_TABLE_LINE = re.compile(r"^\s*(?:\|\}|\{\||\|-)\s*$")


def _decode(text: str) -> str:
    return _ENTITY.sub(lambda e: html.unescape(e.group()), text) if "&" in text else text


def _link_text(m: re.Match) -> str:
    """What wikiextractor makes of a wiki link: its label (its target if it has none), or nothing
    for a link into another namespace (``[[분류:…]]``, ``[[श्रेणी:…]]``, ``[[File:…]]``)."""
    target, label = m.group(1), m.group(2)
    ns = target[1:] if target.startswith(":") else target
    if ":" in ns.strip(":") and ns.split(":", 1)[0].strip() not in _LINK_NAMESPACES:
        return ""
    return target if label is None else label


def strip_markup(line: str) -> str:
    """``line`` with its character references decoded and wikiextractor's leftover markup dropped."""
    line = _MARK.sub("", _decode(line))
    for _ in range(3):             # (a link in a file's caption, then the file link)
        if "[[" not in line:
            break
        line = _LINK.sub(_link_text, line)
    if "<" in line:
        line = _LONE_START.sub("", _LONE_END.sub("", _ELEMENT.sub("", line)))
        line = _TAG.sub("", _BR.sub(lambda m: "\n" if 0 < m.start() and m.end() < len(line) else "", line))
    if "__" in line:
        line = _MAGIC.sub("", line)
    return "" if _TABLE_LINE.match(line) else line


class _Doc:
    """The <doc> block being read: its header's fields, its lines so far and what it did not keep."""

    def __init__(self, pos: int, meta: dict, markup: int):
        self.pos = pos
        self.meta = meta
        self.lines: list[str] = []
        self.unread = {"markup": markup}
        self.size = 0
        self.error: Optional[str] = None
        self.headings: list[int] = []      # the lines that are --html headings not yet repeated

    @classmethod
    def from_header(cls, pos: int, header: str, m: re.Match) -> "_Doc":
        attrs = dict(WIKIEXTRACTOR_ATTR.findall(m.group(2)))
        return cls(pos, {"title": _decode(attrs.pop("title", "")), "page_id": m.group(1), **attrs}, len(header))

    def add(self, n: int, line: str, nbytes: int, limit: int) -> None:
        if self.error:
            return
        if not self.lines and _decode(line) == self.meta["title"] and "title" not in self.unread:
            self.unread["title"] = len(line)      # wikiextractor's header repeats the title: metadata
            return
        self.size += nbytes
        if self.size > limit:
            self.error = f"article larger than max_record_bytes={limit} (line {n})"
            self.lines = []
            return
        kept = strip_markup(line)
        if line.strip() and not kept.strip():     # a line of markup only (<br>, <ul>, |}): no line of text
            self.unread["markup"] += len(line)
            return
        if len(kept) != len(line):
            self.unread["markup"] += len(line) - len(kept)
        if kept.strip():
            self._heading(line, kept.strip())
        self.lines.append(kept)

    def _heading(self, line: str, text: str) -> None:
        """Note an --html section heading (``<h2>History</h2>``); drop it where the next lines repeat
        it as wikiextractor 3.0 writes a section title (``History.``), as the plain output has it once."""
        if _HEADING.fullmatch(_decode(line).strip()):
            self.headings.append(len(self.lines))
            return
        first = self.lines[self.headings[0]].strip() if self.headings else None
        if first is not None and text in (first, first + "."):
            i = self.headings.pop(0)
            self.unread["markup"] += len(self.lines.pop(i))
            self.headings = [j - 1 for j in self.headings]
        else:
            self.headings = []

    def record(self, footer: str = "", why: Optional[str] = None) -> Record:
        self.unread["markup"] += len(footer)
        self.unread = {k: v for k, v in self.unread.items() if v}
        if why or self.error:
            return Record(self.pos, None, why or self.error, self.size, meta=self.meta, unread=self.unread)
        # the blank line after the title, and the blank (or all-space) lines that end an article
        kept = [i for i, line in enumerate(self.lines) if line.strip()]
        text = "\n".join(self.lines[kept[0]:kept[-1] + 1]) if kept else ""
        if not text.strip():
            return Record(self.pos, None, None, self.size, skip="empty_article", meta=self.meta, unread=self.unread)
        return Record(self.pos, text, None, self.size, meta=self.meta, unread=self.unread)


def _json_record(n: int, line: str, size: int, limit: int) -> Record:
    """One line of ``--json`` output as the article it holds, read as a <doc> block's lines are."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return Record(n, None, f"broken JSON: {e.msg}: column {e.colno}", size)
    return _row_record(n, obj, size, limit)


def _row_record(n: int, obj, size: int, limit: int) -> Record:
    """One ``--json`` row (decoded) as the article it holds."""
    if not (isinstance(obj, dict) and isinstance(obj.get("text"), str) and isinstance(obj.get("title"), str)):
        return Record(n, None, "not a wikiextractor --json row (an object with string 'title' and 'text')", size)
    meta = {"title": _decode(obj["title"]), "page_id": str(obj.get("id", "")),
            **{k: str(obj[k]) for k in ("url", "revid") if obj.get(k) is not None}}
    doc = _Doc(n, meta, 0)     # (the row's other fields are not text: as the jsonl reader, not counted)
    for x in obj["text"].split("\n"):
        doc.add(n, x, len(x.encode("utf-8", "surrogatepass")) + 1, limit)
    return doc.record()


def read_wikiextractor(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One record per <doc> block of a wikiextractor output file (see the module docstring)."""
    with open_binary(path) as fh:
        head = fh.read(1 << 16)
    why = sniff_binary(head) or (MEDIAWIKI_DUMP if sniff_wiki(head) == MEDIAWIKI_DUMP else None)
    if why:
        raise BadInput(why)
    if first_char_of(path) == "[":
        yield from _array_rows(path, limit)
        return
    doc: Optional[_Doc] = None
    seen = False                   # a <doc> line was read: the file is this format
    rows = False                   # the file is --json output: one article a line
    stray: list[int] = []          # line numbers of text outside every block
    with open_binary(path) as fh:
        for n, raw, size in iter_lines(fh, limit):
            if raw is None:
                line, bad = "", f"line {n} of {size} bytes exceeds max_record_bytes={limit}"
            else:
                try:
                    line, bad = raw.decode("utf-8-sig" if n == 1 else "utf-8").rstrip("\r\n"), None
                except UnicodeDecodeError as e:
                    line, bad = "", f"invalid UTF-8 at byte {e.start + 1} of line {n}"
            if rows or (not seen and line.startswith("{")):
                if bad or line.strip():
                    rec = Record(n, None, bad, size) if bad else _json_record(n, line, size, limit)
                    if not rows and rec.error:     # the first row says whether the file is --json output
                        raise BadInput(f"line {n}: {rec.error}: read other JSON Lines with reader 'jsonl'")
                    rows = True
                    yield rec
                continue
            m = WIKIEXTRACTOR_DOC.match(line)
            if m:
                if doc is not None:
                    yield doc.record(why=f"<doc> block of line {doc.pos} has no </doc> before line {n}")
                if stray:
                    yield _stray(stray)
                    stray = []
                doc, seen = _Doc.from_header(n, line, m), True
            elif doc is not None and line == "</doc>":
                yield doc.record(footer=line)
                doc = None
            elif doc is not None:
                if bad and not doc.error:
                    doc.error = bad
                doc.add(n, line, size, limit)
            elif bad or line.strip():
                if not seen:
                    raise BadInput(bad or f"not wikiextractor output: line {n} is neither '<doc id=\"...\" "
                                          "url=\"...\" title=\"...\">' nor a JSON object (--json)")
                stray.append(n)
    if doc is not None:
        yield doc.record(why=f"<doc> block of line {doc.pos} has no </doc>: the file is cut short")
    if stray:
        yield _stray(stray)


def _array_rows(path: Path, limit: int) -> Iterator[Record]:
    """``--json`` rows that their user wrapped into one JSON array (``[{...},`` ... ``{...}]``), an
    element a row; an element that is no such row is bad input naming it, a cut array after its last
    whole element."""
    for n, obj, why in json_list_elements(path, limit):
        if why:
            yield Record(n, None, why)
            continue
        rec = _row_record(n, obj, 0, limit)
        yield Record(n, None, f"element {n}: {rec.error}") if rec.error else rec


def _stray(lines: list[int]) -> Record:
    where = f"line {lines[0]}" if len(lines) == 1 else f"{len(lines)} lines from line {lines[0]} to {lines[-1]}"
    return Record(lines[0], None, f"text outside every <doc>...</doc> block ({where}): not read")
