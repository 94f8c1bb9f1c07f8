"""Readers on real public samples in their native formats: nothing lost, no markup leaked, bad input rejected.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_real.py

Each loss test extracts the text independently (plain ElementTree / json / string search, not the
reader's code) and compares: >= 99.5 % of the characters kept in reading order, no markup, ruby
reading, TOC or licence line in the output, one document per record of the file, and every
character the reader did not write counted in ``Record.unread``. Samples and their sources:
tests/assets/corpus/real/SOURCES.md.
"""
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jiniac_hpc.config import from_dict
from jiniac_hpc.corpus.config import CorpusConfig, SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.stage import run_inline
from jiniac_hpc.paths import REPO_ROOT
from test_corpus_diet_text import is_rule, unruled

A = REPO_ROOT / "tests" / "assets" / "corpus"
R = A / "real"
LAW_XML = R / "egov_405AC0000000088.xml"
MINPO_XML = R / "egov_129AC0000000089_minpo_trimmed.xml"
TOKKYO_JSON = R / "egov_api_v2_334AC0000000121_tokkyo_trimmed.json"
KENPO_XML = R / "egov_api_v2_321CONSTITUTION_xml_trimmed.xml"
ISHIWATA_XML = R / "egov_api_v2_417M60000100021_ishiwata_trimmed.xml"
PDF = R / "not_text_back.pdf"


def recs(reader, path, limit=8_000_000, **kw):
    src = SourceConfig(name="t", reader=reader, paths=[str(path)], **kw)
    return list(read(Path(path), src, limit))


def kept_in_order(pieces: list[str], out: str) -> float:
    """Share of the characters of ``pieces`` found in ``out`` in the same order (each piece
    searched after the previous match; a piece not found counts as lost)."""
    pos, found, total = 0, 0, 0
    for p in pieces:
        p = p.strip()
        if not p:
            continue
        total += len(p)
        i = out.find(p, pos)
        if i >= 0:
            found += len(p)
            pos = i + len(p)
    return found / total


# --- e-Gov -----------------------------------------------------------------------------------

def law_pieces(law: ET.Element) -> tuple[list[str], int, int]:
    """Every text node of the law except the TOC and <Rt> readings, in document order; and the
    characters of the TOC and of the readings."""
    pieces, skipped = [], {"TOC": 0, "Rt": 0}

    def walk(el, drop=None):
        if el.tag in skipped:
            skipped[el.tag] += sum(len(t) for t in el.itertext())
            return
        pieces.append(el.text or "")
        for c in el:
            walk(c)
            pieces.append(c.tail or "")

    walk(law)
    return pieces, skipped["TOC"], skipped["Rt"]


@pytest.mark.parametrize("path", [LAW_XML, R / "egov_405AC0000000088_api_v2.json",
                                  R / "egov_405AC0000000088_api_v2_b64.json", MINPO_XML, KENPO_XML,
                                  R / "egov_denpa_appdx_excerpt.xml", R / "egov_minpo_enact_excerpt.xml",
                                  A / "egov_features.xml", ISHIWATA_XML],
                         ids=["bulk_xml", "api_v2_tree", "api_v2_base64", "minpo_ruby_toc_columns",
                              "api_v2_xml_preamble", "appdx_table", "enact", "features", "appdx_style"])
def test_egov_keeps_every_text_element_in_order(path):
    source = LAW_XML if path.name.startswith("egov_405AC0000000088_api_v2") else path
    laws = list(ET.parse(source).getroot().iter("Law"))
    rs = recs("egov_xml", path)
    assert len(rs) == len(laws) == 1 and rs[0].error is None
    r, law = rs[0], laws[0]
    pieces, toc, rt = law_pieces(law)
    # the title comes first in the output, the law number after it (document order has them swapped)
    title = "".join(law_pieces(law.find("LawBody/LawTitle"))[0])
    body = [p for p in pieces if p.strip() not in (title, law.findtext("LawNum"))]
    assert r.text.startswith(title.strip() + "\n" + law.findtext("LawNum").strip() + "\n")
    assert kept_in_order(body, r.text) >= 0.995
    assert "<" not in r.text and ">" not in r.text
    assert r.unread == {k: v for k, v in (("toc", toc), ("ruby", rt)) if v}
    # ruby: the base text stays, its reading is not glued after it
    for ruby in law.iter("Ruby"):
        base, reading = (ruby.text or "").strip(), "".join(ruby.find("Rt").itertext()).strip()
        assert base and base + reading not in r.text and base + (ruby.tail or "")[:3] in r.text
    # the TOC is not repeated: its ranges are gone and each chapter title appears as often as its chapters
    assert "目次" not in r.text and "（第一条―第四条）" not in r.text and "（第一条・第二条）" not in r.text
    lines = r.text.split("\n")
    for chapter in {c.findtext("ChapterTitle") for c in law.iter("Chapter")}:
        assert lines.count(chapter) == sum(c.findtext("ChapterTitle") == chapter for c in law.iter("Chapter")), chapter
    assert r.meta["law_num"] == law.findtext("LawNum") and r.meta["law_title"] == title.strip()
    assert r.meta["era"] == law.get("Era") and r.meta["year"] > 1867


def test_egov_real_appendix_and_enact_statement():
    (r,) = recs("egov_xml", R / "egov_denpa_appdx_excerpt.xml")
    assert r.text.split("\n")[2:4] == ["別表第一（第二十四条の二関係）", r.text.split("\n")[3]]
    assert r.text.split("\n")[3].startswith("一　第一級総合無線通信士")
    (r,) = recs("egov_xml", R / "egov_minpo_enact_excerpt.xml")
    assert r.text.split("\n")[2:] == ["民法第一編第二編第三編別冊ノ通定ム", "此法律施行ノ期日ハ勅令ヲ以テ之ヲ定ム",
                                       "明治二十三年法律第二十八号民法財産編財産取得編債権担保編証拠編ハ此法律発布ノ日ヨリ廃止ス",
                                       "（別冊）"]
    assert r.meta["promulgation_date"] == "1896-04-27"


def test_egov_real_law_structure():
    (r,) = recs("egov_xml", LAW_XML)
    lines = r.text.split("\n")
    assert r.meta["promulgation_date"] == "1993-11-12"
    assert "一　法令　法律、法律に基づく命令（告示を含む。）" in r.text           # Columns joined by a full-width space
    assert "イ　事実上の行為及び事実上の行為をするに当たり" in r.text             # Subitem1 sentences are read
    first_suppl = lines.index("附　則")
    assert lines[first_suppl + 1].startswith("（施行期日）") or lines[first_suppl + 1].startswith("第一条")
    assert sum(x.startswith("附　則") for x in lines) == 14                     # every 附則 label, before its articles
    assert lines[-1].startswith("第七条　この附則に定めるもののほか")


def test_egov_features_ruby_tables_appendices():
    (r,) = recs("egov_xml", A / "egov_features.xml")
    lines = r.text.split("\n")
    assert "かばん" not in r.text and lines[0] == "試験用鞄規格法"
    assert lines[2] == "試験用規格法をここに公布する。"                          # EnactStatement
    assert lines[3].startswith("製品の規格を統一し")                             # Preamble
    for line in ("一　規格品　次に掲げる物品をいう。", "イ　革製の鞄であって、次に掲げるもの", "（１）　手提げのもの",
                 "（i）　持ち手が二本のもの", "区分　物品", "甲　見本として無償で配布するもの",
                 "備考　この表の区分は、製造年ごとに改める。改めた区分は、官報で公示する。", "別表第一（第二条関係）", "製造者の氏名　製造年月",
                 "別記様式（第二条関係）", "表示票", "別記第一号書式", "附　則　（昭和二五年五月一日法律第一号）　抄"):
        assert line in lines, line
    assert lines.index("附　則") < lines.index("（施行期日）")
    assert r.unread == {"ruby": 6, "toc": 45}


def test_egov_real_minpo_ruby_subitems_columns():
    """The real 民法 (bulk XML, trimmed by whole elements): ruby readings out, Subitem1 and Column
    sentences in, each 附則 label before its own provisions."""
    (r,) = recs("egov_xml", MINPO_XML)
    lines = r.text.split("\n")
    assert lines[:3] == ["民法", "明治二十九年法律第八十九号", "民法第一編第二編第三編別冊ノ通定ム"]
    assert "（失踪の宣告）" in lines and "失踪そう" not in r.text and "止んだ後" in r.text
    i = lines.index("第三目　事業に係る債務についての保証契約の特則")
    assert lines[i + 3].startswith("２　前項の公正証書を作成するには")
    assert lines[i + 5].startswith("イ　保証契約（ロに掲げるものを除く。）　主たる債務の債権者")   # Subitem1, Columns
    suppl = [x for x in lines if x.startswith("附　則")]
    assert suppl[0] == "附　則　（大正一五年四月二四日法律第六九号）" and len(suppl) == 4
    assert lines[lines.index(suppl[0]) + 1].startswith("本法施行ノ期日ハ勅令ヲ以テ之ヲ定ム")
    assert r.unread == {"toc": 12810, "ruby": 13} and r.meta["promulgation_date"] == "1896-04-27"


def test_egov_real_api_v2_xml_response_with_preamble():
    """A real 法令API v2 law_data response in XML (日本国憲法, trimmed by whole chapters): the
    Preamble comes right after the title, and law_info / revision_info become the metadata."""
    root = ET.parse(KENPO_XML).getroot()
    (r,) = recs("egov_xml", KENPO_XML)
    lines = r.text.split("\n")
    preamble = [s.text for s in root.iter("Preamble") for s in s.iter("Sentence")]
    assert lines[:6] == ["日本国憲法", "昭和二十一年憲法"] + preamble and len(preamble) == 4
    assert lines[6:] == ["第二章　戦争の放棄", "第九条　" + root.findtext(".//Article/Paragraph/ParagraphSentence/Sentence"),
                         "前項の目的を達するため、陸海空軍その他の戦力は、これを保持しない。国の交戦権は、これを認めない。"]
    for k in ("law_id", "law_revision_id", "amendment_enforcement_date"):
        assert r.meta[k] == (root.findtext(f"law_info/{k}") or root.findtext(f"revision_info/{k}")), k
    assert r.meta["law_type"] == "Constitution" and r.meta["promulgation_date"] == "1946-11-03"


APPDX = ("AppdxStyle", "AppdxFormat", "AppdxFig", "AppdxNote", "Appdx", "AppdxTable")


def test_egov_real_appendix_styles_each_a_line_in_order():
    """A real 法令API v2 law_data response in XML of a ministerial ordinance (石綿障害予防規則, trimmed
    by whole chapters and 附則s) with its fourteen 別記様式 (AppdxStyle: title, RelatedArticleNum, a
    StyleStruct whose Style is a PDF figure): each appendix is written after the last 附則, in
    document order, as one line of all its text nodes (the title with its 関係 note), and no
    character of it is lost or counted as unread."""
    root = ET.parse(ISHIWATA_XML).getroot()
    body = root.find("law_full_text/Law/LawBody")
    (r,) = recs("egov_xml", ISHIWATA_XML)
    lines = r.text.split("\n")
    appdx = [c for c in body if c.tag in APPDX]
    assert len(appdx) == 14 and {c.tag for c in appdx} == {"AppdxStyle"}
    # every text node of each appendix, joined: the form's title and its 関係 note ("（表面）"/"（裏面）" too)
    expected = ["".join(t.strip() for t in a.itertext()) for a in appdx]
    assert all(expected) and lines[-len(appdx):] == expected
    assert expected[0] == "様式第１号（第４条の２関係）（表面）" and expected[1].endswith("（裏面）")
    last_suppl = "".join(body.findall("SupplProvision")[-1].find(".//Sentence").itertext())
    assert lines[-len(appdx) - 1] == last_suppl                      # right after the last 附則's provision
    # the figures hold no XML text: nothing of the appendices is counted as unread, only the TOC and ruby
    assert all(a.find("StyleStruct/Style/Fig").get("src").endswith(".pdf") for a in appdx)
    toc = sum(len(t) for t in body.find("TOC").itertext())
    rt = sum(len(t) for e in body.iter("Rt") for t in e.itertext())
    assert r.unread == {"toc": toc, "ruby": rt} and rt == 2            # 穿（せん）孔 in 第一章
    assert r.meta["law_type"] == "MinisterialOrdinance" and r.meta["law_id"] == "417M60000100021"
    assert r.meta["promulgation_date"] == "2005-02-24" and r.meta["law_title"] == "石綿障害予防規則"


def tree_texts(node, skip=("Rt",)) -> tuple[list[str], int]:
    """Text nodes of an API v2 ``{tag, attr, children}`` tree in order, and the characters under ``skip``."""
    if isinstance(node, str):
        return [node], 0
    if node["tag"] in skip:
        return [], sum(len(t) for t in tree_texts(node, ())[0])
    out, skipped = [], 0
    for c in node.get("children") or []:
        texts, n = tree_texts(c, skip)
        out, skipped = out + texts, skipped + n
    return out, skipped


def test_egov_real_api_v2_response():
    """A real 法令API v2 law_data response (its author cut the law after 第一条's title): the tree
    has ``"attr": ""`` on elements without attributes and an empty Paragraph; law_info and
    revision_info become the metadata."""
    doc = json.loads((R / "egov_api_v2_411AC0000000127_response.json").read_text(encoding="utf-8"))
    (r,) = recs("egov_xml", R / "egov_api_v2_411AC0000000127_response.json")
    texts, _ = tree_texts(doc["law_full_text"])
    assert r.text.split("\n") == [doc["revision_info"]["law_title"], doc["law_info"]["law_num"], "（国旗）", "第一条"]
    assert sorted(texts) == sorted(r.text.split("\n"))
    for k in ("law_id", "law_revision_id", "promulgation_date", "amendment_enforcement_date"):
        assert r.meta[k] == {**doc["revision_info"], **doc["law_info"]}[k], k
    assert r.meta["law_title"] == "国旗及び国歌に関する法律" and r.meta["year"] == 1999


def tree_rows(node) -> list[list[str]]:
    """The cells' texts of every TableRow of an API v2 tree, row by row."""
    if isinstance(node, str):
        return []
    if node["tag"] in ("TableRow", "TableHeaderRow"):
        return [["".join(tree_texts(c)[0]).strip() for c in node.get("children") or [] if not isinstance(c, str)]]
    return [row for c in node.get("children") or [] for row in tree_rows(c)]


def test_egov_real_api_v2_law_with_tables():
    """A whole real 法令API v2 law_data response of 特許法 (minified, as the API sends it), trimmed by
    cutting whole nodes: every text node in order, the TOC unread, each table row a line of its
    cells (an article's table, the 別表 and a 附則's table), the metadata from law_info/revision_info."""
    doc = json.loads(TOKKYO_JSON.read_text(encoding="utf-8"))
    (r,) = recs("egov_xml", TOKKYO_JSON)
    texts, toc = tree_texts(doc["law_full_text"], skip=("Rt", "TOC"))
    lines = r.text.split("\n")
    assert lines[:2] == ["特許法", "昭和三十四年法律第百二十一号"] and texts[0] == lines[1]
    assert kept_in_order(texts[1:], r.text) == 1.0 and r.unread == {"toc": toc} and toc > 0
    rows = tree_rows(doc["law_full_text"])
    assert len(rows) >= 30
    for row in rows:      # an empty first cell (the 別表's header row) leaves no leading separator
        assert "\u3000".join(row).strip() in lines, row
    appdx = next(c for c in doc["law_full_text"]["children"][1]["children"] if c["tag"] == "AppdxTable")
    i = lines.index("別表（第百九十五条関係）")
    assert lines[i + 1:i + 3] == ["\u3000".join(row).strip() for row in tree_rows(appdx)[:2]]
    info = {**doc["revision_info"], **doc["law_info"]}
    for k in ("law_id", "law_revision_id", "promulgation_date", "amendment_enforcement_date"):
        assert r.meta[k] == info[k], k
    assert r.meta["year"] == 1959 and r.meta["era"] == "Showa"


def test_egov_real_api_v2_article_part_matches_bulk_xml(tmp_path):
    """A real ``law_data?elm=MainProvision-Article_30`` law_full_text (民法第三十条, saved on its own)
    reads as one document whose lines are exactly that article's lines in the bulk XML of 民法;
    the same part in the XML response form reads the same."""
    tree = json.loads((R / "egov_api_v2_minpo_article30_elm.json").read_text(encoding="utf-8"))
    (r,) = recs("egov_xml", R / "egov_api_v2_minpo_article30_elm.json")
    texts, rt = tree_texts(tree)
    assert kept_in_order(texts, r.text) == 1.0 and r.unread == {"ruby": rt} and rt == 5
    assert r.meta["element"] == "Article" and "そう" not in r.text
    (law,) = recs("egov_xml", MINPO_XML)
    lines = law.text.split("\n")
    i = lines.index("（失踪の宣告）")
    assert r.text.split("\n") == lines[i:i + 3]

    def xml(node):
        if isinstance(node, str):
            return node
        attrs = "".join(f' {k}="{v}"' for k, v in (node.get("attr") or {}).items())
        return f"<{node['tag']}{attrs}>" + "".join(xml(c) for c in node.get("children") or []) + f"</{node['tag']}>"

    p = tmp_path / "elm.xml"
    p.write_text("<law_data_response><law_info><law_num>明治二十九年法律第八十九号</law_num></law_info>"
                 "<revision_info><law_title>民法</law_title></revision_info>"
                 f"<law_full_text>{xml(tree)}</law_full_text></law_data_response>", encoding="utf-8")
    (x,) = recs("egov_xml", p)
    assert x.text == r.text and x.unread == r.unread
    assert x.meta["law_title"] == "民法" and x.meta["law_num"] == "明治二十九年法律第八十九号"
    # API v1's articles response, built here: the DataRoot/Result/ApplData envelope of e-Gov's API v1
    # documentation with LawContents as v1 clients read it (no saved real one was found); the ApplData
    # <Article> beside LawContents is the requested article number, not law text
    p = tmp_path / "v1_articles.xml"
    p.write_text("<DataRoot><Result><Code>0</Code><Message/></Result><ApplData><LawId>129AC0000000089</LawId>"
                 "<LawNum>明治二十九年法律第八十九号</LawNum><Article>30</Article>"
                 f"<LawContents>{xml(tree)}</LawContents></ApplData></DataRoot>", encoding="utf-8")
    (v1,) = recs("egov_xml", p)
    assert v1.text == r.text and v1.meta["law_id"] == "129AC0000000089" and v1.meta["element"] == "Article"


def test_egov_real_table_in_a_part_of_a_law():
    """A real chapter with a 読替え table (TableStruct), saved as a part of a law (root <Chapter>), as
    quoted in jplaw_text's tests: every text node in order, each table row one line of its cells, and
    the paragraph and cell texts that jplaw_text's own test expects from it."""
    path = R / "egov_takuso_chapter5_table_excerpt.xml"
    root = ET.parse(path).getroot()
    (r,) = recs("egov_xml", path)
    assert r.error is None and r.meta == {"element": "Chapter"} and r.unread == {}
    assert kept_in_order(law_pieces(root)[0], r.text) == 1.0
    lines = r.text.split("\n")
    for row in root.iter("TableRow"):
        assert "\u3000".join("".join(c.itertext()).strip() for c in row) in lines
    # jplaw_text's recorded expectation (tests/jplaw_text.rs, check3): the paragraph's sentences joined,
    # then the table's cells row by row
    paragraph = ("第三条から第二十六条まで及び第二十七条から前条までの規定は、法第十八条第四項の規定により託送供給等約款で"
                 "設定した料金を変更しようとする一般送配電事業者が、変更しようとする託送供給等約款で設定する料金を算定する"
                 "場合に準用する。この場合において、次の表の上欄に掲げる規定中同表の中欄に掲げる字句は、それぞれ同表の下欄に"
                 "掲げる字句に読み替えるものとする。")
    cells = ["第三条", "原価等", "届出原価等", "第四条第三項", "様式第一第一表及び様式第二第一表", "様式第一第一表"]
    assert lines[2] == "第三十条\u3000" + paragraph
    assert lines[3:] == ["\u3000".join(cells[:3]), "\u3000".join(cells[3:])]


def test_egov_article_title_never_lost(tmp_path):
    """An article title goes before its first paragraph, numbered or not, and not onto its items."""
    p = tmp_path / "law.xml"
    p.write_text('<Law Era="Reiwa" Year="01"><LawNum>令和元年法律第一号</LawNum><LawBody><LawTitle>試験法</LawTitle>'
                 '<MainProvision><Article Num="1"><ArticleTitle>第一条</ArticleTitle><Paragraph Num="1">'
                 '<ParagraphNum>１</ParagraphNum><ParagraphSentence><Sentence>本文。</Sentence></ParagraphSentence>'
                 '<Item Num="1"><ItemTitle>一</ItemTitle><ItemSentence><Sentence>号。</Sentence></ItemSentence></Item>'
                 '</Paragraph></Article></MainProvision></LawBody></Law>', encoding="utf-8")
    (r,) = recs("egov_xml", p)
    assert r.text.split("\n")[2:] == ["第一条　１　本文。", "一　号。"]


# --- Kokkai ----------------------------------------------------------------------------------

def speech_records(path: Path) -> list[dict]:
    """Speech records of a saved response, an array of responses or JSON Lines (meeting fields merged)."""
    text = path.read_text(encoding="utf-8")
    docs = [json.loads(x) for x in text.splitlines() if x.strip()] if path.suffix == ".jsonl" else json.loads(text)
    out = []
    for d in docs if isinstance(docs, list) else [docs]:
        if "speech" in d:
            out.append(d)
        out += d.get("speechRecord", [])
        for m in d.get("meetingRecord", []):
            out += [{**{k: v for k, v in m.items() if k != "speechRecord"}, **sp} for sp in m["speechRecord"]]
    return out


DIET_FILES = ["kokkai_speech_api.json", "kokkai_meeting_api.json", "teikoku_speech_api.json",
              "teikoku_meeting_api.json", "kokkai_speech_api_full.json", "kokkai_pages.json", "kokkai_speeches.jsonl"]


@pytest.mark.parametrize("name", DIET_FILES)
@pytest.mark.parametrize("keep", [True, False])
def test_diet_reads_every_shape_with_metadata(name, keep):
    expected = speech_records(R / name)
    rs = recs("diet", R / name, keep_procedural=keep)
    assert len(rs) == len(expected) > 0 and all(r.error is None for r in rs)
    for r, sp in zip(rs, expected):
        body = unruled(sp["speech"].replace("\r\n", "\n"))     # (rules are counted as separator_line)
        head = re.match(r"○[^\u3000]*\u3000", body)    # "○議長（額賀福志郎君）　": moved to the metadata
        assert r.text == (body[head.end():] if head else body)
        assert len(r.text) + sum(r.unread.values()) == len(sp["speech"])
        assert "○" not in r.text[:1] and "\r" not in r.text
        for k in ("speaker", "date", "nameOfHouse", "nameOfMeeting", "speechURL"):
            assert r.meta[k] == sp[k], k
        procedural = sp["speechOrder"] == 0 or "議長" in (sp.get("speakerPosition") or "")
        assert r.skip == ("procedural" if procedural and not keep else None)


def test_diet_forms_agree():
    by_file = {n: {r.meta["speechID"]: r.text for r in recs("diet", R / n)} for n in DIET_FILES}
    singles = {}
    for n in DIET_FILES[:5]:
        singles.update(by_file[n])
    assert by_file["kokkai_pages.json"] == by_file["kokkai_speeches.jsonl"] == singles
    assert len(singles) == 7


UNTRIMMED = R / "kokkai_speech_api_untrimmed.json"


def test_diet_real_untrimmed_speech_response(tmp_path):
    """A real, untrimmed speech-endpoint response (the whole result set: numberOfRecords ==
    numberOfReturn == 2, every field of every record): every speech is read with its metadata,
    and per speech the UTF-8 bytes of the ``speech`` field equal the bytes written plus the bytes
    of what is counted as unread (the "○議長（…君）　" heading, the CRs of CRLF). Through the stage,
    the characters read are exactly those of the file's speech fields."""
    doc = json.loads(UNTRIMMED.read_text(encoding="utf-8"))
    sps = doc["speechRecord"]
    assert doc["numberOfRecords"] == doc["numberOfReturn"] == len(sps) == 2 and doc["startRecord"] == 1
    assert "nextRecordPosition" in doc and doc["nextRecordPosition"] is None
    # the same fields as the other real speech response (kokkai_speech_api_full.json), in every record
    fields = set(json.loads((R / "kokkai_speech_api_full.json").read_text(encoding="utf-8"))["speechRecord"][0])
    assert all(set(sp) == fields for sp in sps) and len(fields) == 21
    rs = recs("diet", UNTRIMMED, keep_procedural=True)
    assert len(rs) == len(sps) and all(r.error is None and r.skip is None for r in rs)
    for r, sp in zip(rs, sps):
        body = sp["speech"]
        head = body[:r.unread.get("speaker_heading", 0)]
        assert head == ("○議長（額賀福志郎君）\u3000" if sp["speechOrder"] else "")   # 会議録情報 has no heading
        lines = body[len(head):].replace("\r\n", "\n").split("\n")
        assert r.text == "\n".join(x for x in lines if not is_rule(x))
        rules = sum(len(x.encode()) + 1 for x in lines if is_rule(x))     # (with their line breaks)
        assert len(body.encode()) == len(r.text.encode()) + len(head.encode()) + r.unread["line_endings"] + rules
        assert r.unread["line_endings"] == body.count("\r") > 0
        for k in ("speechID", "speechOrder", "speaker", "speakerGroup", "speakerPosition", "date", "session",
                  "nameOfHouse", "nameOfMeeting", "issue", "speechURL"):
            assert r.meta.get(k) == sp[k], k
    # by default both are procedural (the chair's speech, the 会議録情報 header): dropped, never lost
    assert [r.skip for r in recs("diet", UNTRIMMED)] == ["procedural", "procedural"]
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "diet", "reader": "diet", "keep_procedural": True,
                                                "paths": [str(UNTRIMMED)]}], "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    st = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["diet"]
    assert st["bytes_in"] == UNTRIMMED.stat().st_size and st["docs_in"] == 2
    assert st["chars_read"] == sum(len(sp["speech"]) for sp in sps) == st["chars_in"] + sum(st["unread"].values())


def test_diet_xml_form():
    xml = ("<data><numberOfRecords>1</numberOfRecords><records><record><recordData><meetingRecord>"
           "<issueID>121405254X00220241004</issueID><nameOfHouse>衆議院</nameOfHouse><nameOfMeeting>本会議"
           "</nameOfMeeting><date>2024-10-04</date><speechRecord><speechID>121405254X00220241004_016</speechID>"
           "<speechOrder>16</speechOrder><speaker>石破茂</speaker><speakerPosition>内閣総理大臣</speakerPosition>"
           "<speech>○内閣総理大臣（石破茂君）　この度、第百二代内閣総理大臣に就任いたしました。</speech>"
           "<speechURL>https://kokkai.ndl.go.jp/txt/121405254X00220241004/16</speechURL></speechRecord>"
           "</meetingRecord></recordData></record></records></data>")
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "meeting.xml"
    path.write_text(xml, encoding="utf-8")
    (r,) = recs("diet", path)
    assert r.text == "この度、第百二代内閣総理大臣に就任いたしました。" and r.meta["nameOfHouse"] == "衆議院"
    assert r.meta["date"] == "2024-10-04" and r.meta["speaker"] == "石破茂"


# --- Gutenberg -------------------------------------------------------------------------------

def test_gutenberg_strips_header_and_licence():
    raw = (R / "gutenberg_pg1080.txt").read_text(encoding="utf-8-sig")
    start = raw.index("\n", raw.index("*** START OF")) + 1
    # the work: between the markers, less PG's own lines there (its credit and "End of the Project
    # Gutenberg EBook of ..."), which gutenberg.org's format notes define as PG text, not the work's
    body = "\n".join(x for x in raw[start:raw.index("*** END OF")].splitlines()
                     if "Project Gutenberg" not in x and not x.startswith("Produced by"))
    (r,) = recs("gutenberg", R / "gutenberg_pg1080.txt", lang="en")
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    assert len(squeeze(r.text)) / len(squeeze(body)) >= 0.995
    assert squeeze(r.text) in squeeze(body)
    for leak in ("*** START", "*** END", "Project Gutenberg", "LICENSE", "This eBook is for the use",
                 "Literary Archive Foundation", "Produced by"):
        assert leak not in r.text, leak
    assert r.text.startswith("A MODEST PROPOSAL") and r.text.endswith("child-bearing.")
    lines = raw.replace("\r\n", "\n").split("\n")
    assert r.unread["boilerplate"] + len(r.text) >= sum(len(x) for x in lines) * 0.98


# --- bad input: a reason for each, never a crash, never silence ------------------------------

BAD = {
    "unknown.json": b'{"items": [{"body": "x"}]}',
    "array.json": b'[1, 2, 3]',
    "undecodable.bin": b"\xff\xfe\x00garbage\x81\x82" * 20,
    "undecodable_text.txt": b"\x81\x39\xff\xfe\xa0\x80" * 40,       # neither UTF-8 nor cp932, no NUL
    "unknown.xml": b"<html><body><p>not a law</p></body></html>",
    "truncated.xml": b"<Law><LawBody><LawTitle>t</LawTitle>",
    "plain.txt": "ただの文章です。\n".encode(),
    "laws_list.json": b'{"laws": [{"law_info": {"law_id": "405AC0000000088"}}]}',
    "tree_no_law.json": b'{"tag": "div", "attr": {}, "children": [{"tag": "span", "children": []}]}',
    "two_pages.json": (R / "kokkai_speech_api.json").read_bytes() * 2,   # pages appended with >>
}
CASES = [("diet", "unknown.json", "not a Kokkai response"), ("diet", "array.json", "not a Kokkai response"),
         ("diet", "undecodable.bin", ""), ("diet", "unknown.xml", "no speech records"),
         ("diet", "kokkai_meeting_list_api.json", "meeting_list"), ("diet", "kokkai_api_error.json", "(19011)検索条件の入力に誤りがあります。 ((0) (19026)speechID:"),
         ("diet", "kokkai_meeting_list_api_untrimmed.json", "meeting_list"),
         ("diet", "not_text_back.pdf", ""),
         ("egov_xml", "unknown.xml", "no <Law>"), ("egov_xml", "truncated.xml", "XML error"),
         ("egov_xml", "laws_list.json", "law list"), ("egov_xml", "undecodable.bin", ""),
         ("egov_xml", "tree_no_law.json", "holds no law text"),
         ("egov_xml", "not_text_back.pdf", ""),
         ("egov_xml", "egov_api_v2_keyword_response.json", "a keyword search response: sentence excerpts"),
         ("egov_xml", "egov_api_v2_revisions_response.json", "a revision list of one law"),
         ("squad", "unknown.json", "not a SQuAD"), ("squad", "array.json", "expected '{'"),
         ("squad", "undecodable.bin", ""),
         ("gutenberg", "plain.txt", "not a Project Gutenberg"), ("gutenberg", "not_text_back.pdf", "a PDF"),
         ("text", "not_text_back.pdf", "a PDF"), ("text", "undecodable.bin", "binary"),
         ("jsonl", "not_text_back.pdf", ""), ("jsonl", "array.json", "no field"),
         ("parquet", "not_text_back.pdf", "unreadable as parquet"),
         ("parquet", "unknown.json", "unreadable as parquet"), ("hf_disk", "not_text_back.pdf", "unreadable as hf_disk"),
         ("aozora", "not_text_back.pdf", "a PDF"), ("aozora", "undecodable.bin", "binary"),
         ("aozora", "undecodable_text.txt", ""), ("text", "undecodable_text.txt", "undecodable"),
         ("gutenberg", "undecodable_text.txt", "undecodable"), ("jsonl", "undecodable_text.txt", "UTF-8")]


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    for name, data in BAD.items():
        (d / name).write_bytes(data)
    for name in ("kokkai_meeting_list_api.json", "kokkai_meeting_list_api_untrimmed.json", "kokkai_api_error.json",
                 "not_text_back.pdf", "egov_api_v2_keyword_response.json", "egov_api_v2_revisions_response.json"):
        (d / name).write_bytes((R / name).read_bytes())
    return d


def test_appended_pages_are_not_lost_silently(bad_dir, tmp_path):
    rs = recs("diet", bad_dir / "two_pages.json")          # both pages read (tests/test_corpus_diet_saved.py)
    assert len(rs) == 2 and all(r.text for r in rs) and rs[0].meta == rs[1].meta
    (tmp_path / "tail.json").write_bytes((R / "kokkai_speech_api.json").read_bytes() + b"]")
    rs = recs("diet", tmp_path / "tail.json")           # what is after the page and not a page: a reject
    assert rs[0].text and rs[-1].text is None and "more JSON after" in rs[-1].error
    pages = json.loads((R / "kokkai_pages.json").read_text(encoding="utf-8"))
    (tmp_path / "p.json").write_text(json.dumps(pages[:1] + [{"message": "(19007)検索条件を指定してください。"}]),
                                     encoding="utf-8")
    rs = recs("diet", tmp_path / "p.json")             # an error page among good ones is a reject of its own
    assert rs[0].text and rs[1].text is None and "19007" in rs[1].error and len(rs) == 2


@pytest.mark.parametrize("reader,name,reason", CASES, ids=[f"{r}-{n}" for r, n, _ in CASES])
def test_bad_input_is_a_reject_with_reason(bad_dir, reader, name, reason):
    rs = recs(reader, bad_dir / name)
    assert rs, "a non-empty file gave no record at all"
    assert all(r.text is None and r.error for r in rs), [(r.text, r.error) for r in rs]
    assert any(reason in r.error for r in rs), [r.error for r in rs]


def test_stage_totals_add_up_from_raw_bytes(bad_dir, tmp_path):
    srcs = [
        {"name": "laws", "reader": "egov_xml", "paths": [str(p) for p in (
            LAW_XML, R / "egov_405AC0000000088_api_v2.json", A / "egov_features.xml", bad_dir / "unknown.xml",
            MINPO_XML, R / "egov_api_v2_minpo_article30_elm.json", TOKKYO_JSON)]},
        {"name": "diet", "reader": "diet", "paths": [str(R / "kokkai_pages.json"),
                                                      str(bad_dir / "kokkai_meeting_list_api.json")]},
        {"name": "books", "reader": "gutenberg", "lang": "en", "paths": [str(R / "gutenberg_pg1080.txt")]},
        {"name": "pdf-as-text", "reader": "text", "paths": [str(PDF)]},
        {"name": "squad-unknown", "reader": "squad", "paths": [str(bad_dir / "unknown.json")]},
        # a reader that yields nothing from a non-empty file: the stage rejects the shard
        {"name": "empty-jsonl", "reader": "jsonl", "paths": [str(bad_dir / "blank.jsonl")]},
    ]
    (bad_dir / "blank.jsonl").write_bytes(b"\n\n   \n")
    (bad_dir / "nothing.txt").write_bytes(b"")
    cfg = from_dict(CorpusConfig, {"sources": srcs, "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    stats = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]
    for name, r in stats.items():
        removed_docs = sum(v["docs"] for v in r["removed"].values())
        assert r["docs_in"] == r["docs_out"] + removed_docs, name
        assert r["chars_read"] == r["chars_in"] + sum(r["unread"].values()), name
        assert r["chars_in"] == r["chars_out"] + sum(v["chars"] for v in r["removed"].values()), name
    files = {s["name"]: [Path(p) for p in s["paths"]] for s in srcs}
    assert stats["laws"]["bytes_in"] == sum(p.stat().st_size for p in files["laws"])
    assert stats["laws"]["docs_out"] == 6 and stats["laws"]["removed"]["bad_input"]["docs"] == 1
    assert stats["laws"]["unread"] == {"toc": 2 * 204 + 45 + 12810 + 334, "ruby": 6 + 13 + 5}
    assert stats["diet"]["removed"]["procedural"]["docs"] == 4 and stats["diet"]["docs_out"] == 3
    assert stats["diet"]["removed"]["bad_input"]["docs"] == 1        # the meeting_list page's one meeting
    assert stats["books"]["docs_out"] == 1 and stats["books"]["unread"]["boilerplate"] > 18_000
    for name in ("pdf-as-text", "squad-unknown", "empty-jsonl"):
        assert stats[name]["docs_in"] == stats[name]["removed"]["bad_input"]["docs"] == 1, name
    assert any("no documents from a non-empty file" in x for x in stats["empty-jsonl"]["bad_input"])
    out = [json.loads(x) for x in __import__("zstandard").ZstdDecompressor().decompress(
        (tmp_path / "run" / "output" / "diet" / "00000.jsonl.zst").read_bytes(), max_output_size=1 << 24)
        .decode().splitlines()]
    assert {d["meta"]["speaker"] for d in out} == {"石破茂", "尾崎行雄", "井林辰憲"}
    report = (tmp_path / "run" / "report.md").read_text()
    assert "## Loss accounting" in report and "boilerplate" in report and "toc" in report


def test_explain_corpus_lists_source_keys_and_readers():
    from click.testing import CliRunner

    from jiniac_hpc.cli import cli
    from jiniac_hpc.corpus.config import READERS, SourceConfig as S

    out = CliRunner().invoke(cli, ["explain", "corpus"]).output
    import dataclasses
    for f in dataclasses.fields(S):
        assert f"sources[].{f.name} " in out, f.name
    readers = out.split("Readers (sources[].reader):")[1]
    for name in READERS:
        assert re.search(rf"^  {name}\s+\S", readers, re.M), name
    assert "Options: drop_roles, keep_procedural, one_copy_a_speech, text_field." in readers
