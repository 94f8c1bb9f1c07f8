"""The egov_xml reader's line layout on real laws: sentences set apart, formulas as parts, XML indentation not text.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_egov_layout.py

Real files (tests/assets/corpus/real/SOURCES.md): an API v1 response of 化学兵器禁止法施行令 (a table
cell with one Sentence a line), and two laws of the 2021 bulk download, pretty-printed as it was
then: 海洋生物資源の保存及び管理に関する法律施行規則 (付録 formulas written as a List of Sentences)
an 外務省令 with ruby inside a sentence, 裁判官分限法, whose captions follow their article
numbers (第一条（免官）), 母体保護法施行規則, whose deleted forms read 様式第十一号　削除, and
新型インフルエンザ等対策特別措置法, whose 附則 quotes a new table of contents inside a sentence.
Every law's text nodes must come out, each once, in order (checked with plain ElementTree here, not
the reader's code), and pretty-printing must not change the output; nor must saving a file in UTF-16
or UTF-32, as Windows PowerShell does.
"""
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
KAGAKU = R / "egov_api_v1_407CO0000000192_kagaku.xml"
ARITH = R / "egov_2021_408M50000200031_arith.xml"
RUBY = R / "egov_2021_327M50000020006_ruby.xml"
BULK = R / "egov_405AC0000000088.xml"
CAPTION_AFTER = R / "egov_2021_322AC0000000127_caption_after_title.xml"
STYLE_DELETED = R / "egov_2021_327M50000100032_appdx_style_deleted.xml"
QUOTED_TOC = R / "egov_2021_424AC0000000031_quoted_toc_trimmed.xml"
SEP = "\u3000"


def law_text(path: Path) -> str:
    (r,) = read(path, SourceConfig(name="t", reader="egov_xml", paths=[str(path)], lang="ja"), 1 << 24)
    assert r.error is None
    return r.text


def compact(src: Path, dst: Path) -> Path:
    """The same law without the whitespace-only text pretty-printing adds (as API v2's JSON tree has it)."""
    tree = ET.parse(src)
    for el in tree.iter():
        if el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    tree.write(dst, encoding="utf-8", xml_declaration=True)
    return dst


def pieces(el, out: list, quoted: bool = False) -> list:
    """Text nodes in document order, without the law's TOC and ruby readings (what the reader must
    keep); a TOC an amendment quotes (inside a QuoteStruct or NewProvision) is text."""
    quoted = quoted or el.tag in ("QuoteStruct", "NewProvision")
    if el.tag == "Rt" or (el.tag == "TOC" and not quoted):
        return out
    out.append(el.text or "")
    for c in el:
        pieces(c, out, quoted)
        out.append(c.tail or "")           # a skipped element's tail is still text
    return out


def labels(law) -> int:
    """Characters the reader adds: 附則 where the label is missing, （amending law number）, 抄."""
    n = 0
    for sp in law.iter("SupplProvision"):
        n += 2 * (sp.find("SupplProvisionLabel") is None) + (len(sp.get("AmendLawNum")) + 2 if sp.get("AmendLawNum")
                                                              else 0) + (sp.get("Extract") == "true")
    return n


@pytest.mark.parametrize("path", [KAGAKU, ARITH, RUBY, BULK, CAPTION_AFTER, STYLE_DELETED, QUOTED_TOC],
                         ids=["api_v1_table", "arith", "ruby", "bulk", "caption_after_title", "style_deleted",
                              "quoted_toc"])
def test_every_text_node_once_in_order_and_indentation_is_not_text(path, tmp_path):
    text = law_text(path)
    law = next(ET.parse(path).getroot().iter("Law"))
    title, num = law.find("LawBody/LawTitle"), law.find("LawNum")
    body = [p for p in pieces(law, []) if p.strip()]
    head = [p for p in pieces(title, []) + pieces(num, []) if p.strip()]
    flat = re.sub(r"\s", "", text)
    squeeze = lambda parts: [re.sub(r"\s", "", p) for p in parts]
    assert flat.startswith("".join(squeeze(head)))       # the title, then the number
    pos = 0
    for n in squeeze(body):
        if n in squeeze(head) and pos == 0:
            continue
        at = flat.find(n, pos)
        assert at >= 0, n
        pos = at + len(n)
    # each once: nothing but the labels the reader adds
    assert len(flat) == sum(map(len, squeeze(body))) + labels(law)
    # a line is never broken or indented by the XML's layout
    assert all(line == line.strip() and line for line in text.split("\n"))
    assert law_text(compact(path, tmp_path / path.name)) == text


def test_sentences_of_a_table_cell_are_set_apart():
    """化学兵器禁止法施行令 別表: one cell lists the chemicals, one Sentence each."""
    text = law_text(KAGAKU)
    cell = next(c for c in ET.parse(KAGAKU).getroot().iter("TableColumn") if "ホスゲン" in "".join(c.itertext()))
    sentences = [s.text.strip() for s in cell.findall("Sentence")]
    assert sentences[:2] == ["（一）　二塩化カルボニル（別名ホスゲン）", "（二）　塩化シアン"]
    assert SEP.join(sentences) in text
    assert "（別名ホスゲン）（二）" not in text


def test_a_formula_written_as_a_list_reads_as_parts():
    """付録第一: <ArithFormula><List><ListSentence><Sentence>第一号算式</Sentence>… with Sublist1s
    holding 1／Ａ and "Ａは、…": before, 第一号算式１／ＡＡは、… ran into one another."""
    text = law_text(ARITH)
    assert "第一号算式　１／Ａ　Ａは、当該大臣管理量又は知事管理量に係る採捕を行う者のすべての数とする。　第二号算式" in text
    assert "１／ＡＡは" not in text


def test_ruby_inside_a_pretty_printed_sentence_stays_on_its_line():
    """外交史料編<Ruby>さ<Rt>ヽ</Rt>⏎</Ruby>⏎<Ruby>ん<Rt>ヽ</Rt>⏎</Ruby>関係の事務: one line."""
    text = law_text(RUBY)
    assert "四　外交史料編さん関係の事務に従事する者" in text.split("\n")


def test_a_caption_after_its_article_number_stays_after_it():
    """裁判官分限法 (as 裁判所法 and other laws of 1947) writes <ArticleTitle>第一条</ArticleTitle>
    <ArticleCaption>（免官）</ArticleCaption>: the caption follows the number, in the line that holds it
    (before, it was moved onto a line of its own above 第一条)."""
    lines = law_text(CAPTION_AFTER).split("\n")
    assert lines[2].startswith("第一条（免官）　裁判官は、回復の困難な心身の故障のために")
    assert "第二条（懲戒）　裁判官の懲戒は、戒告又は一万円以下の過料とする。" in lines
    assert "（免官）" not in lines and "○２　前項の願出は、最高裁判所を経てこれをしなければならない。" in lines


def test_a_space_the_law_writes_between_title_and_related_article_stays():
    """母体保護法施行規則: <AppdxStyleTitle>別記様式第十一号</AppdxStyleTitle><RelatedArticleNum>　削除
    </RelatedArticleNum>. The full-width space is the law's own (e-Gov prints 別記様式第十一号　削除), not
    layout: before, it was stripped and the two ran together as 別記様式第十一号削除."""
    lines = law_text(STYLE_DELETED).split("\n")
    assert "別記様式第一号から別記様式第六号まで　削除" in lines and "別記様式第十一号　削除" in lines
    assert lines.count("別記様式第十二号　（一）（第二十七条関係）") == 1
    assert "別記様式第十号（一）（第十条関係）" in lines and "別表（第十七条関係）" in lines     # no space written, none added
    assert not any(line.endswith("削除") and "　削除" not in line for line in lines)


def test_a_table_of_contents_quoted_by_an_amendment_is_text():
    """新型インフルエンザ等対策特別措置法, 附則 (令和三年法律第五号) 第一条: 目次の改正規定（「第六章　雑則
    （第七十一条―第七十五条）」を「<QuoteStruct><TOC><TOCChapter>…</TOC></QuoteStruct>」に改める部分に
    限る。）. The quoted TOC is the amending text, part of the sentence: before, it was dropped (and
    counted as a repeated table of contents) and the sentence read 「」に改める."""
    (r,) = read(QUOTED_TOC, SourceConfig(name="t", reader="egov_xml", paths=[str(QUOTED_TOC)], lang="ja"), 1 << 24)
    law = ET.parse(QUOTED_TOC).getroot()
    assert r.unread == {"toc": sum(len(t) for t in law.find("LawBody/TOC").itertext())}   # the law's own TOC only
    assert ("目次の改正規定（「第六章　雑則（第七十一条―第七十五条）」を「第五章の二　新型インフルエンザ等対策推進会議"
            "　（第七十条の二―第七十条の十）　第六章　雑則　（第七十一条―第七十五条）」に改める部分に限る。）") in r.text
    assert "「」" not in r.text and "目次" not in r.text.split("\n")       # the law's own TOC is not written


@pytest.mark.parametrize("name", ["egov_api_v1_407CO0000000192_kagaku.xml", "egov_405AC0000000088.xml",
                                  "egov_api_v2_411AC0000000127_response.json",
                                  "egov_api_v2_334AC0000000121_tokkyo_trimmed.json",
                                  "egov_api_v2_321CONSTITUTION_xml_trimmed.xml"])
@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_response_saved_in_utf16_or_utf32_reads_as_in_utf8(name, codec, tmp_path):
    """Windows PowerShell 5.1 saves what ``>`` or ``Out-File`` writes in UTF-16 LE with a byte order mark
    ("Unicode"), the XML declaration still saying UTF-8: an API response or a law XML saved that way was
    "not XML or JSON", the whole law rejected. It reads as the same law now (UTF-16 either way round,
    UTF-32), as the Diet reader already read such files."""
    src = R / name
    text = src.read_bytes().decode("utf-8")
    f = tmp_path / name
    f.write_bytes(("\ufeff" + text).encode(codec) if codec == "utf-16-be" else text.encode(codec))
    want = list(read(src, SourceConfig(name="t", reader="egov_xml", paths=[str(src)]), 1 << 24))
    got = list(read(f, SourceConfig(name="t", reader="egov_xml", paths=[str(f)]), 1 << 24))
    assert want and all(r.error is None for r in want)
    assert [(r.text, r.meta, r.unread) for r in got] == [(r.text, r.meta, r.unread) for r in want]
