"""The egov_xml reader against the 法令標準XMLスキーマ: every element that can hold text, in every parent allowed.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_egov_schema.py

The schema (XMLSchemaForJapaneseLaw_v3.xsd, e-Gov's current one; tests/assets/corpus/real/SOURCES.md)
names 134 elements; 57 can hold text (mixed content, a string, or the schema's ``any`` type). For each
pair (parent, text-bearing child) the schema allows, a law is built along the shortest chain of
elements from ``<Law>`` to that parent, with a marker in the child, and read. The marker must come
out, unless the reader deliberately leaves it out and counts it: a ruby reading (``Rt``, unread
"ruby") and the law's own table of contents (under ``LawBody/TOC``, unread "toc"). The chains are
built in four places: the provisions (no TOC, amendment or quotation on the way), the law's TOC,
an amendment's ``NewProvision`` and a ``QuoteStruct`` in a sentence (where every element, a TOC
included, is amending text). An element the reader has no rule for would fail here; real laws
are read in test_corpus_real.py and test_corpus_egov_layout.py.
"""
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

XSD = REPO_ROOT / "tests" / "assets" / "corpus" / "real" / "egov_XMLSchemaForJapaneseLaw_v3.xsd"
XS = "{http://www.w3.org/2001/XMLSchema}"
SCHEMA = ET.parse(XSD).getroot()
DEFS = {e.get("name"): e for e in SCHEMA.findall(XS + "element")}
TYPES = {c.get("name"): c for c in SCHEMA.findall(XS + "complexType")}
ANY = {n for n, e in DEFS.items() if e.get("type") == "any" or e.find(f".//{XS}extension[@base='any']") is not None}


def children(name: str) -> list[str]:
    """The elements the schema allows inside ``name`` (all of them inside an ``any`` element)."""
    if name in ANY:
        return [n for n in DEFS if n != "Law"]
    scopes = [DEFS[name]] + ([TYPES[DEFS[name].get("type")]] if DEFS[name].get("type") in TYPES else [])
    return list(dict.fromkeys(r.get("ref") for s in scopes for r in s.iter(XS + "element") if r.get("ref")))


def holds_text(name: str) -> bool:
    e = DEFS[name]
    ct = e.find(XS + "complexType")
    return (ct is not None and ct.get("mixed") == "true") or e.get("type") in ("xs:string", "any") or name in ANY


def chains(start: list[str], avoid: set[str]) -> dict[str, list[str]]:
    """The shortest chain of elements from ``start`` to each element reachable without ``avoid``."""
    found, todo = {start[-1]: start}, [start[-1]]
    while todo:
        name = todo.pop(0)
        for c in children(name):
            if c not in found and c not in avoid:
                found[c] = found[name] + [c]
                todo.append(c)
    return found


TEXT = [n for n in DEFS if holds_text(n)]
PLACES = {"provisions": chains(["Law"], {"TOC", "NewProvision", "QuoteStruct", "Rt"}),
          "toc": chains(["Law", "LawBody", "TOC"], ANY),
          "amendment": chains(["Law", "LawBody", "MainProvision", "Paragraph", "AmendProvision", "NewProvision"],
                              {"QuoteStruct"}),
          "quotation": chains(["Law", "LawBody", "MainProvision", "Paragraph", "ParagraphSentence", "Sentence",
                               "QuoteStruct"], set())}
CASES = [(place, found[parent] + [child]) for place, found in PLACES.items() for parent in found
         for child in children(parent) if child in TEXT]


def test_the_schema_is_the_one_read():
    assert len(DEFS) == 134 and len(TEXT) == 57 and len(CASES) > 1000
    assert {"Sentence", "QuoteStruct", "ArithFormula", "Note", "Style", "Format", "Rt"} <= set(TEXT)
    assert all(any(chain[-1] == n for _, chain in CASES) for n in TEXT)     # each one somewhere


@pytest.mark.parametrize("place", sorted(PLACES))
def test_every_text_bearing_element_is_read_or_counted(place, tmp_path):
    wrong = []
    for where, chain in CASES:
        if where != place:
            continue
        law = ET.Element("Law", Era="Reiwa", Year="5", Num="1", LawType="Act", Lang="ja")
        if chain[1] != "LawNum":
            ET.SubElement(law, "LawNum").text = "令和五年法律第一号"
        el = law
        for tag in chain[1:]:
            el = ET.SubElement(el, tag)
        marker = el.text = f"標識{chain[-1]}本文"
        path = tmp_path / "law.xml"
        path.write_bytes(ET.tostring(law, encoding="utf-8"))
        (r,) = read(path, SourceConfig(name="t", reader="egov_xml", paths=[str(path)]), 1 << 20)
        expect = {"toc": len(marker)} if place == "toc" else {"ruby": len(marker)} if chain[-1] == "Rt" else {}
        if r.error is not None or r.unread != expect or (marker in r.text) != (not expect):
            wrong.append((" > ".join(chain), r.error, r.unread))
    assert not wrong, wrong[:5]
