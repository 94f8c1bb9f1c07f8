"""e-Gov 法令 reader: the bulk-download XML and the 法令API v2 ``law_data`` response, one document a law.

    python -m jiniac_hpc.corpus.readers egov_xml tests/assets/corpus/real/egov_405AC0000000088.xml

Forms read:

- law XML (``<Law>`` root, as in the bulk download and API v1/v2 XML responses: any wrapper
  around ``<Law>`` elements is fine; several laws in one file make several documents);
- API v2 ``law_data`` JSON: ``law_full_text`` as the JSON tree (``{"tag", "attr", "children"}``,
  the default ``law_full_text_format=json``) or as base64 of the XML
  (``law_full_text_format=xml``); ``law_info`` / ``revision_info`` fill the metadata (also in the
  XML response, ``response_format=xml``). A file
  holding only the ``law_full_text`` tree (what clients often save) is read the same way;
- a part of a law, as ``law_data?elm=MainProvision-Article_30`` returns it (``law_full_text`` is
  that element, in JSON or in the XML response, or that element saved alone as XML) or as API
  v1's ``articles`` returns it (``DataRoot/ApplData/LawContents``): one document of that part.

Any of them may be saved in UTF-16 or UTF-32 (Windows PowerShell's "Unicode", what its ``>`` writes,
the XML declaration still saying UTF-8): read as the UTF-8 it was.

API v2's other responses hold no law text (a law list, a revision list, a keyword search's sentence
excerpts): each is one reject that says which it is.

Every text-bearing element is written, in document order, as lines: titles and captions on
their own lines ("第一章　総則", "（目的）"; a caption that follows its article number, as in some laws
of 1947, stays after it: "第一条（免官）　…"), a numbered provision as "number　sentence"
("第一条　…", "２　…", "一　…", "イ　…" for Item and Subitem1..10 alike), the ``Column``s of one
sentence joined by a full-width space, a table row as its cells joined by a full-width space,
appended tables/styles/forms (title with its 関係 note, spaced as the law spaces them:
"様式第十一号　削除", "別表（第二条関係）"; then their content), EnactStatement,
Preamble and Remarks where they stand, and each 附則 label (with its amending law number) before
its own provisions. Not written, counted as unread: the ``TOC`` (it repeats the titles; a TOC
inside an amendment's ``NewProvision`` or quoted in its sentence, ``「<QuoteStruct><TOC>…」に改める``,
is the amending text and is written) and the ``<Rt>`` ruby
readings (the base text stays). An element whose text sits around inline children
(``<Line>傍線</Line>の後``) is one run of text, whatever comes first; the line breaks and
indentation of pretty-printed XML inside such a run are layout, not text (dropped between two
Japanese characters, one space elsewhere). Sentences that follow one another run together after
a 。 (本文 and ただし書), and are set apart by a full-width space otherwise: a table cell or a
note that holds a line per Sentence ("（一）　二塩化カルボニル", "（二）　塩化シアン"), or an old
law written without 。 (之ヲ削除ス　但シ…). An ``ArithFormula`` holding structure (a list of
formulas, their Sentences, a note) is read as parts set apart the same way, like a quoted
structure. Metadata: law_num, law_title, era, year, law_type, promulgation_date.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import BadInput, Record, first_char, open_binary, open_utf8
from jiniac_hpc.corpus.readers.charsets import wide_unicode

SEP = "\u3000"
ERA_START = {"Meiji": 1867, "Taisho": 1911, "Showa": 1925, "Heisei": 1988, "Reiwa": 2018}
# elements whose text is read inline (inside a sentence or a heading), not as blocks
INLINE = {"Ruby", "Rt", "Sup", "Sub", "Line", "QuoteStruct", "ArithFormula"}
_LAYOUT = re.compile(r"[ \t\r]*\n[ \t\r\n]*")   # a line break of pretty-printed XML and the indentation around it
# the roots an XML file holding a part of a law (what an elm= request returns) may have
LAW_PARTS = {"LawBody", "MainProvision", "Part", "Chapter", "Section", "Subsection", "Division", "Article",
             "Paragraph", "Item", "SupplProvision", "AppdxTable", "AppdxStyle", "AppdxNote", "AppdxFormat",
             "AppdxFig", "Appdx", "TableStruct", "Preamble", "EnactStatement"}

# the other API v2 responses, by a key only they have: what they hold instead of a law's text
OTHER_RESPONSES = {"laws": " (a law list/search response: fetch /law_data/{law_id})",
                   "revisions": " (a revision list of one law: fetch /law_data/{law_revision_id})",
                   "items": " (a keyword search response: sentence excerpts with <span> highlights, not a law's text;"
                            " fetch /law_data/{law_id})"}


class _Law:
    """Lines of one law, and the characters deliberately not written."""

    def __init__(self, amending: bool = False):
        self.lines: list[str] = []
        self.unread: dict[str, int] = {}
        self.amending = amending      # inside a NewProvision: a TOC there is new text, not a repeat

    def skip(self, reason: str, el) -> None:
        n = sum(len(t) for t in el.itertext())
        if n:                         # an empty <Rt/> is no unread text
            self.unread[reason] = self.unread.get(reason, 0) + n

    # --- inline text ------------------------------------------------------------------------
    def inline(self, el) -> str:
        """The text of ``el`` with ruby readings left out (and counted), layout line breaks gone."""
        return _LAYOUT.sub(_layout, self._run(el))

    def _run(self, el) -> str:
        """:meth:`inline` before the layout is squeezed: once, over the whole run, so that each
        line break is judged by the characters on both sides of it."""
        if el.tag == "QuoteStruct" and any(c.tag not in INLINE and c.tag != "Sentence" for c in el):
            return self.quote(el)
        if el.tag == "ArithFormula" and any(c.tag not in INLINE and c.tag != "Fig" for c in el):
            return self.quote(el)     # a formula written as a list, sentences or notes: parts, not one run
        out = el.text or ""
        for c in el:
            if c.tag == "Rt":
                self.skip("ruby", c)
            elif c.tag == "Sentence":
                out = glue(out, self._run(c).strip())
            else:
                out += self._run(c)
            out += c.tail or ""
        return out

    def quote(self, el) -> str:
        """A QuoteStruct that quotes structure (items with their titles, a table, paragraphs), as an
        amendment's 「…」とあるのは「…」 does: each part its own run, joined by a full-width space
        (run together, 十二の四 would glue to its sentence and one item to the next). What is quoted
        is the amending text: a ``TOC`` quoted there (目次中「…」を「<TOC>…</TOC>」に改める) is read,
        as one inside a ``NewProvision`` is."""
        amending, self.amending = self.amending, True
        try:
            parts = [(el.text or "").strip()]
            for c in el:
                parts.append(self.text_of(c))
                parts.append((c.tail or "").strip())
        finally:
            self.amending = amending
        return SEP.join(p for p in parts if p)

    def sentences(self, el) -> str:
        """A *Sentence container: its Sentences run together; Columns joined by a full-width space."""
        cols = [c for c in el if c.tag == "Column"]
        if cols:
            return SEP.join(self.sentences(c) for c in cols)
        out = _LAYOUT.sub(_layout, (el.text or "").strip())
        for c in el:
            out = glue(out, self.inline(c).strip() if c.tag == "Sentence" else self.text_of(c))
        return out

    def text_of(self, el) -> str:
        """Everything an element holds as one string (lines joined by a full-width space)."""
        if _is_inline(el):
            return self.inline(el).strip()
        sub = _Law(self.amending)
        sub.block(el)
        for k, v in sub.unread.items():
            self.unread[k] = self.unread.get(k, 0) + v
        return SEP.join(sub.lines)

    # --- blocks -----------------------------------------------------------------------------
    def emit(self, line: str) -> None:
        if line.strip():
            self.lines.append(line.strip())

    def block(self, el, prefix: str = "") -> None:
        tag = el.tag
        if tag == "TOC" and not self.amending:
            self.skip("toc", el)
            return
        if tag == "NewProvision" and not self.amending:
            self.amending = True
            try:
                self.block(el, prefix)
            finally:
                self.amending = False
            return
        if tag in ("TableRow", "TableHeaderRow"):
            self.emit(SEP.join(self.text_of(c) for c in el))
            return
        if _is_inline(el):
            self.emit(prefix + (SEP if prefix else "") + self.inline(el).strip())
            return
        heads, body, rest = [], None, []
        for c in el:
            ctag = c.tag
            if ctag.endswith("Caption") and heads and body is None and not rest:
                heads.append(self.inline(c).strip())            # 第一条（免官）: after the number, as written
            elif ctag.endswith("Caption"):
                self.emit(self.inline(c))                       # （目的）: a line of its own
            elif ctag.endswith("Sentence") and not rest:       # Sentence, ParagraphSentence, ItemSentence, ...
                text = self.sentences(c) if ctag != "Sentence" else self.inline(c).strip()
                body = text if body is None else glue(body, text)
            elif ctag.endswith(("Title", "Num", "Label")) and not rest and ctag != "LawNum":
                heads.append(self.inline(c).strip(" \t\r\n"))    # 様式第十一号 +"　削除": the law's own space
            else:
                rest.append(c)
        head = "".join(heads).strip()
        if tag == "SupplProvision" and not head:
            head = "附則"                                         # the label is optional in the schema
        if tag == "SupplProvision" and el.get("AmendLawNum"):
            head += f"{SEP}（{el.get('AmendLawNum')}）"
        if tag == "SupplProvision" and el.get("Extract") == "true":
            head += f"{SEP}抄"
        if prefix:                                             # the article title handed to this paragraph
            head = prefix + (SEP + head if head else "")
            prefix = ""
        if tag == "Article" and body is None and rest and rest[0].tag == "Paragraph":
            prefix, head = head, ""                            # 第一条 goes before its first paragraph
        if body is not None:
            self.emit(head + (SEP if head and body else "") + body)
        else:
            self.emit(head)
        for i, c in enumerate(rest):
            self.block(c, prefix if i == 0 else "")


def glue(a: str, b: str) -> str:
    """Two sentences in a row: run together after a 。, else set apart by a full-width space."""
    if not a.strip() or not b:
        return a + b
    a = a.rstrip()
    return a + b if a.endswith("。") else a + SEP + b


def _layout(m: re.Match) -> str:
    """A layout line break (and its indentation) inside a run of text: nothing between two
    Japanese characters, one space where a Latin letter or digit is on either side."""
    s, i, j = m.string, m.start(), m.end()
    if i == 0 or j == len(s):
        return ""
    return " " if s[i - 1].isascii() or s[j].isascii() else ""


def _is_inline(el) -> bool:
    """Mixed content (text beside ruby/sup/sub/line, before or after them), inline children
    only, or a leaf: read as one run of text."""
    if el.tag in INLINE or el.tag == "Sentence":
        return True
    if (el.text or "").strip() or any((c.tail or "").strip() for c in el):
        return True
    return all(c.tag in INLINE for c in el)


def law_meta(law, title: str, num: str, info: Optional[dict] = None) -> dict:
    meta = {k: v for k, v in (("law_num", num), ("law_title", title)) if v}
    for k, a in (("era", "Era"), ("law_type", "LawType"), ("lang", "Lang")):
        if law.get(a):
            meta[k] = law.get(a)
    era, year = law.get("Era"), law.get("Year")
    if era in ERA_START and (year or "").isdigit():
        meta["year"] = ERA_START[era] + int(year)
        m, d = law.get("PromulgateMonth"), law.get("PromulgateDay")
        if (m or "").isdigit() and (d or "").isdigit():
            meta["promulgation_date"] = f"{meta['year']:04d}-{int(m):02d}-{int(d):02d}"
    for k, v in (info or {}).items():
        if k in ("law_id", "promulgation_date", "law_revision_id", "amendment_enforcement_date") and v:
            meta[k] = v
    return meta


def part_record(n: int, part, info: dict) -> Record:
    """An ``elm=`` response: one element of a law (an article, a chapter, a table) as a document;
    the law's title and number come from ``law_info`` / ``revision_info`` when the response has them."""
    lw = _Law()
    lw.block(part)
    if not lw.lines:
        return Record(n, None, f"<{part.tag}> holds no law text: not e-Gov law data")
    meta = law_meta(ET.Element("Law"), info.get("law_title", ""), info.get("law_num", ""), info)
    return Record(n, "\n".join(lw.lines), None, meta={**meta, "element": part.tag}, unread=lw.unread)


def law_record(n: int, law, info: Optional[dict] = None) -> Record:
    lw = _Law()
    title, num = law.find("LawBody/LawTitle"), law.find("LawNum")
    title = lw.inline(title).strip() if title is not None else ""
    num = lw.inline(num).strip() if num is not None else ""
    lw.emit(title)
    lw.emit(num)
    body = law.find("LawBody")
    for c in (body if body is not None else []):
        if c.tag != "LawTitle":
            lw.block(c)
    return Record(n, "\n".join(lw.lines), None, meta=law_meta(law, title, num, info), unread=lw.unread)


def read_egov_xml(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """e-Gov law XML or an API v2 law_data JSON: one record per ``Law``."""
    with open_binary(path) as fh:
        head = fh.read(1 << 16)
    wide = wide_unicode(head)
    if wide:      # (read again as UTF-8)
        with open_utf8(path, wide) as fh:
            head = fh.read(1 << 12)
    first = first_char(head)
    if first == "{":
        yield from _read_api_json(path, limit, wide)
    elif first == "<":
        yield from _read_xml(path, limit, wide=wide)
    else:
        yield Record(1, None, "not XML or JSON" if first else "empty file")


def _sized(rec: Record, limit: int) -> Record:
    if rec.text is None:
        return rec
    size = len(rec.text.encode("utf-8"))
    return rec if size <= limit else Record(rec.pos, None, f"law text of {size} bytes exceeds max_record_bytes={limit}")


def _read_xml(path: Path, limit: int, data: Optional[bytes] = None, info: Optional[dict] = None,
              wide: Optional[str] = None) -> Iterator[Record]:
    n = 0
    root, message, b64, parts, xml_info = None, None, None, [], {}
    # a file read from UTF-16/32 is UTF-8 now, whatever its declaration says
    parser = ET.XMLParser(encoding="utf-8") if wide and data is None else None
    try:
        with (open_utf8(path, wide) if data is None else io.BytesIO(data)) as fh:
            for event, el in ET.iterparse(fh, events=("start", "end"), parser=parser):
                if event == "start":
                    root = el if root is None else root
                    continue
                if el.tag == "Law":
                    n += 1
                    yield _sized(law_record(n, el, info or xml_info), limit)
                    el.clear()
                elif el.tag in ("Message", "message") and el.text:
                    message = el.text.strip()
                elif el.tag in ("law_info", "revision_info") and info is None:
                    xml_info.update({c.tag: c.text for c in el if c.text})
                elif el.tag == "ApplData" and info is None:           # API v1: LawId, LawNum
                    xml_info.update({k: el.findtext(t) for k, t in (("law_id", "LawId"), ("law_num", "LawNum"))
                                     if el.findtext(t)})
                elif el.tag in ("law_full_text", "LawContents") and n == 0:
                    parts = list(el)                                  # elm=: the element itself
                    b64 = None if parts or el.tag == "LawContents" else (el.text or "").strip() or None
    except ET.ParseError as e:
        yield Record(n + 1, None, f"XML error: {e}")
        return
    if n == 0 and not parts and root.tag in LAW_PARTS:
        parts = [root]                                 # a part of a law saved on its own
    if n == 0 and b64:
        yield from _read_xml(path, limit, _b64(b64), info or xml_info)
    elif n == 0 and parts:
        for i, part in enumerate(parts, 1):
            yield _sized(part_record(i, part, info or xml_info), limit)
    elif n == 0:
        yield Record(1, None, f"no <Law> element (root <{root.tag}>)" + (f"; message: {message}" if message else "")
                     + ": not e-Gov law XML")


def _read_api_json(path: Path, limit: int, wide: Optional[str] = None) -> Iterator[Record]:
    with open_utf8(path, wide) as fh:
        try:
            doc = json.loads(fh.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            yield Record(1, None, f"broken JSON: {e}")
            return
    if isinstance(doc, dict) and isinstance(doc.get("tag"), str):
        doc = {"law_full_text": doc}            # the law_full_text tree saved on its own
    if not isinstance(doc, dict) or "law_full_text" not in doc:
        keys = sorted(doc)[:8] if isinstance(doc, dict) else type(doc).__name__
        hint = next((h for k, h in OTHER_RESPONSES.items() if isinstance(doc, dict) and k in doc), "")
        yield Record(1, None, f"JSON without law_full_text (keys {keys}){hint}: not an API v2 law_data response")
        return
    info = {**(doc.get("revision_info") or {}), **(doc.get("law_info") or {})}
    full = doc["law_full_text"]
    if isinstance(full, str):
        yield from _read_xml(path, limit, _b64(full), info)
        return
    try:
        root = tree_element(full)
    except BadInput as e:
        yield Record(1, None, str(e))
        return
    laws = [root] if root.tag == "Law" else list(root.iter("Law"))
    if not laws:                                # elm=: a part of a law
        yield _sized(part_record(1, root, info), limit)
    for i, law in enumerate(laws, 1):
        yield _sized(law_record(i, law, info), limit)


def tree_element(node) -> ET.Element:
    """API v2's JSON tree ({"tag", "attr", "children"}, strings for text) as an ElementTree element."""
    if not isinstance(node, dict) or not isinstance(node.get("tag"), str):
        raise BadInput(f"law_full_text node is not a {{tag, attr, children}} object: {str(node)[:80]}")
    el = ET.Element(node["tag"], {k: str(v) for k, v in (node.get("attr") or {}).items()})
    last = None
    for c in node.get("children") or []:
        if isinstance(c, str):
            if last is None:
                el.text = (el.text or "") + c
            else:
                last.tail = (last.tail or "") + c
        else:
            last = tree_element(c)
            el.append(last)
    return el


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError) as e:
        raise BadInput(f"law_full_text is neither a JSON tree nor base64 XML: {e}") from None
