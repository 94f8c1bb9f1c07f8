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
below. The row's other fields are not counted as text (as the ``jsonl`` reader, which reads these
files too, keeping ``text`` as it is).

wikiextractor escapes ``<``, ``>`` and ``&`` in the article (``&lt;``, ``&gt;``, ``&amp;``:
``--html-safe``, on by default since 3.0) so that no article line can close its <doc> block; the
reader turns these three back (the characters they lose are ``markup``). Older versions wrote the
article unescaped; there, the three entities can hardly occur, as wikiextractor decodes every
entity of the wikitext itself (only a wikitext ``&amp;lt;`` leaves one). The title is never
escaped, in the header or on its line. Output made with ``--links`` wraps each link's anchor text
in ``<a href="...">`` ... ``</a>``: the tags are dropped (``markup``), the anchor text kept.

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

import json
import re
from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import (MEDIAWIKI_DUMP, WIKIEXTRACTOR_ATTR, WIKIEXTRACTOR_DOC, BadInput,
                                            Record, iter_lines, open_binary, sniff_binary, sniff_wiki)

_ENTITY = re.compile(r"&(lt|gt|amp);")
_CHAR = {"lt": "<", "gt": ">", "amp": "&"}
#: the link tags ``--links`` writes around an anchor text (``<a href="Tokyo%20Tower">東京タワー</a>``)
_LINK = re.compile(r'<a href="[^"<>]*">|</a>')


class _Doc:
    """The <doc> block being read: its header's fields, its lines so far and what it did not keep."""

    def __init__(self, pos: int, meta: dict, markup: int):
        self.pos = pos
        self.meta = meta
        self.lines: list[str] = []
        self.unread = {"markup": markup}
        self.size = 0
        self.error: Optional[str] = None

    @classmethod
    def from_header(cls, pos: int, header: str, m: re.Match) -> "_Doc":
        attrs = dict(WIKIEXTRACTOR_ATTR.findall(m.group(2)))
        return cls(pos, {"title": attrs.pop("title", ""), "page_id": m.group(1), **attrs}, len(header))

    def add(self, n: int, line: str, nbytes: int, limit: int) -> None:
        if self.error:
            return
        if not self.lines and line == self.meta["title"] and "title" not in self.unread:
            self.unread["title"] = len(line)      # wikiextractor's header repeats the title: metadata
            return
        self.size += nbytes
        if self.size > limit:
            self.error = f"article larger than max_record_bytes={limit} (line {n})"
            self.lines = []
            return
        kept = _LINK.sub("", _ENTITY.sub(lambda e: _CHAR[e.group(1)], line))
        if len(kept) != len(line):
            self.unread["markup"] += len(line) - len(kept)
        self.lines.append(kept)

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
    if not (isinstance(obj, dict) and isinstance(obj.get("text"), str) and isinstance(obj.get("title"), str)):
        return Record(n, None, "not a wikiextractor --json row (an object with string 'title' and 'text')", size)
    meta = {"title": obj["title"], "page_id": str(obj.get("id", "")),
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


def _stray(lines: list[int]) -> Record:
    where = f"line {lines[0]}" if len(lines) == 1 else f"{len(lines)} lines from line {lines[0]} to {lines[-1]}"
    return Record(lines[0], None, f"text outside every <doc>...</doc> block ({where}): not read")
