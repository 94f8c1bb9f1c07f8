"""e-Gov 法令 XML reader."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record


def read_egov_xml(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """e-Gov 法令 XML: one record per ``Law``, articles kept as "第一条　…" lines, paragraphs numbered."""
    import xml.etree.ElementTree as ET

    lines: list[str] = []
    n = 0
    try:
        for event, el in ET.iterparse(str(path), events=("end",)):
            tag = el.tag
            if tag == "LawTitle":
                lines.append((el.text or "").strip())
            elif tag in ("PartTitle", "ChapterTitle", "SectionTitle", "SubsectionTitle", "DivisionTitle"):
                lines.append("".join(el.itertext()).strip())
            elif tag == "Article":
                lines.extend(_article_lines(el))
                el.clear()   # keep memory bounded: the article is now text
            elif tag in ("MainProvision", "SupplProvision"):
                if tag == "SupplProvision":
                    lines.append(_text(el.find("SupplProvisionLabel")) or "附則")
                lines.extend(_paragraph_lines(el.findall("Paragraph")))   # paragraphs outside articles
                el.clear()
            elif tag == "Law":
                n += 1
                yield Record(n, "\n".join(x for x in lines if x), None)
                lines = []
                el.clear()
    except ET.ParseError as e:
        yield Record(n + 1, None, f"XML error: {e}")


def _text(el) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _sentences(el) -> str:
    """The Sentence texts under ``el`` (pretty-printing whitespace between elements dropped)."""
    return "".join(_text(s) for s in el.iter("Sentence")) if el is not None else ""


def _paragraph_lines(paras, title: str = "") -> list[str]:
    out = []
    for i, para in enumerate(paras):
        head = title if i == 0 and title else _text(para.find("ParagraphNum"))
        sent = _sentences(para.find("ParagraphSentence"))
        out.append(f"{head}\u3000{sent}" if head else sent)
        for item in para.iter("Item"):
            out.append(f"{_text(item.find('ItemTitle'))}\u3000{_sentences(item.find('ItemSentence'))}")
    return out


def _article_lines(art) -> list[str]:
    """"（目的）" / "第一条　…" / "２　…" / "一　…": the article structure kept as text."""
    return [_text(art.find("ArticleCaption"))] + _paragraph_lines(art.findall("Paragraph"),
                                                                   _text(art.find("ArticleTitle")))

