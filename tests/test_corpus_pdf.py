"""PDF reader on real PDFs: three court rulings (horizontal), a poem and an official gazette (vertical).

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_pdf.py
"""
import re
from dataclasses import replace
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text
from pdfminer.layout import LAParams
from rapidfuzz.distance import LCSseq

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.pdf import LAPARAMS, drop_furniture, join_lines, unspace
from jiniac_hpc.corpus.readers.pdf_order import Line
from jiniac_hpc.corpus.readers.pdf_glyphs import FORMS
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
RULING = R / "hanrei_091743_trimmed.pdf"
CRIMINAL = R / "hanrei_092891.pdf"           # 福島地裁, a criminal judgment, whole
TRADEMARK = R / "hanrei_092900_trimmed.pdf"  # 知財高裁, a trademark case, pages 1-2
POEM = R / "pdfminer_jo_vertical.pdf"
GAZETTE = R / "pdfminer_kampo_vertical.pdf"


def recs(path):
    src = SourceConfig(name="t", reader="pdf", paths=[str(path)])
    return list(read(Path(path), src, 8_000_000))


@pytest.fixture(scope="module")
def docs():
    return {p: recs(p) for p in (RULING, CRIMINAL, TRADEMARK, POEM, GAZETTE)}


@lru_cache(maxsize=None)
def raw_minus_furniture(path: Path) -> tuple[str, int]:
    """The library's own text (same layout parameters) without the lines that are only a number
    (page numbers, "- 2 -" too, and margin line numbers), whitespace removed; and how many
    characters those lines held."""
    lines = extract_text(str(path), laparams=LAParams(**LAPARAMS)).splitlines()
    furniture = [x for x in lines if re.fullmatch(r"\s*(-\s*)?[0-9]+(\s*-)?\s*", x)]
    body = "".join(x for x in lines if x not in furniture)
    return re.sub(r"\s", "", body), sum(len(re.sub(r"\s", "", x)) for x in furniture)


@pytest.mark.parametrize("path", [RULING, CRIMINAL, TRADEMARK, POEM, GAZETTE], ids=lambda p: p.stem)
def test_real_pdf_loses_nothing(docs, path):
    rs = docs[path]
    assert len(rs) == 1 and rs[0].error is None and rs[0].nbytes == path.stat().st_size
    ref, _ = raw_minus_furniture(path)
    got = re.sub(r"\s", "", rs[0].text)
    kept = sum((Counter(ref) & Counter(got)).values()) / len(ref)     # vertical pages are reordered
    assert kept >= 0.995, f"{path.name}: only {kept:.4f} of the characters kept"
    if path in (RULING, CRIMINAL, TRADEMARK):                          # horizontal: order kept too
        assert LCSseq.similarity(ref, got) / len(ref) >= 0.995


def test_ruling_furniture_removed_and_counted(docs):
    (r,) = docs[RULING]
    _, n_furniture = raw_minus_furniture(RULING)
    # page numbers 1, 2, 3, 46 and the margin line numbers 5..25 of every page
    assert r.unread == {"page_furniture": n_furniture} and n_furniture == 39
    assert not any(re.fullmatch(r"[0-9０-９ ]+", x) for x in r.text.splitlines())
    assert not re.search(r"[^\x00-\x7f][0-9]+$", r.text, re.M)          # no 「…に対す5」


def test_ruling_letter_spaced_names_and_broken_lines(docs):
    lines = docs[RULING][0].text.splitlines()
    for name in ("同訴訟代理人弁護士　重冨貴光", "同訴訟復代理人弁護士　田中一成", "同　黒川　恵",
                 "武宮英子", "杉浦一輝", "峯　健一郎", "判決", "主文", "事実及び理由"):
        assert name in lines, name
    assert lines[lines.index("裁判長裁判官") + 1] == "武宮英子"
    # a sentence broken at the line end, and across a page break (page number in between) is one line
    assert any(x.startswith("１　被告は、別紙「イ号製品目録」記載の製品（以下「イ号製品」という。）及び同「ロ号製品目録」")
               and x.endswith("輸出してはならない。") for x in lines)
    assert "原告は、合成ゴム、合成樹脂製品、化成品等の製造販売等を目的とする株式会社である。" in lines


def test_rulings_hold_what_another_tool_recorded_from_them(docs):
    """jplaw_pdf2text (japanese-law-analysis/jplaw_tools, MIT) tests its extraction of these two
    rulings with these strings (its line breaks fall at the PDF's line ends; compared without
    whitespace, as this reader joins lines broken inside a sentence)."""
    squeeze = lambda s: re.sub(r"\s", "", s)  # noqa: E731
    recorded = {CRIMINAL: ["他方、被告人は、当公判廷において反省の態度を示すだけでなく、保釈後、本"],
                TRADEMARK: ["３  被告のため、この判決に対する上告及び上告受理申立てのための付加\n期間を３０日と定める。",
                            "本件は、商標登録無効審判請求に係る不成立審決の取消訴訟である。争点は、①\n別紙登録商標目録記載の"
                            "登録商標（以下「本件商標」という。）が商標法４条１項"]}
    for path, strings in recorded.items():
        (r,) = docs[path]
        for x in strings:
            assert squeeze(x) in squeeze(r.text), (path.name, x)
        # and each sentence is one line here, its page's margin line numbers gone
        assert not any(re.fullmatch(r"[0-9０-９ ]+", x) for x in r.text.splitlines()), path.name
    lines = docs[TRADEMARK][0].text.splitlines()
    assert "３　被告のため、この判決に対する上告及び上告受理申立てのための付加期間を３０日と定める。" in lines
    crim = docs[CRIMINAL][0].text.splitlines()
    assert crim[0] == "宣告日　令和６年３月２７日" and crim[-1] == "（別表は掲載を省略）"
    assert "被告人を懲役１０月に処する。" in crim and "裁判官　岩竹　遼" in crim
    # the page numbers 1-3; the case numbers' "(わ)" ("令和５年(わ)第２１３号"), which Word drew as pictures
    assert docs[CRIMINAL][0].unread == {"page_furniture": 3, "text_as_picture": 2}
    # "- 1 -", "- 2 -" and the margin line numbers: every character dropped is counted
    assert docs[TRADEMARK][0].unread == {"page_furniture": raw_minus_furniture(TRADEMARK)[1]}


def test_vertical_text_in_reading_order(docs):
    poem = docs[POEM][0].text.splitlines()
    assert poem[:3] == ["序", "わたくしといふ現象は", "假定された有機交流電燈の"]
    assert poem[-1] == "大正十三年一月廿日　宮澤賢治" and len(poem) == 60      # verse lines stay lines
    # two tiers (段): the upper one right to left, then the lower one, as in Aozora Bunko's text of 序
    stanzas = ["（ひかりはたもち、その電燈は失はれ）", "これらは二十二箇月の", "これらについて人や銀河や修羅や海膽は",
               "けれどもこれら新世代沖積世の", "傾向としてはあり得ます", "すべてこれらの命題は"]
    assert [poem.index(x) for x in stanzas] == sorted(poem.index(x) for x in stanzas)
    gazette = docs[GAZETTE][0].text
    assert "政令第百四十九号\n" in gazette and "「一・五メートル」を「一メートル」に改め" in gazette
    # columns broken inside a sentence are joined, in the upper tier and in the lower one
    lines = gazette.splitlines()
    assert any(x.startswith("内閣は、道路交通法の一部を改正する法律（平成十九年法律第九十号）の一部の施行に伴い、並びに道路交通法")
               and x.endswith("この政令を制定する。") for x in lines)
    assert "一の五　医療機関が、傷病者の緊急搬送をしようとする都道府県又は市町村の要請を受けて、当該傷病者が医療機関に" \
           "緊急搬送をされるまでの間における応急の治療を行う医師を当該傷病者の所在する場所にまで運搬するために使用する自動車" in lines


def test_unspace_measured_gaps():
    # gaps (in glyph sizes) as measured on the ruling
    assert unspace(list("同訴訟代理人弁護士重冨貴光"), [0.46] * 8 + [4.19, 2.88, 2.89, 2.88]) == "同訴訟代理人弁護士　重冨貴光"
    assert unspace(["同", "黒", "川", "恵"], [15.86, 2.88, 6.77]) == "同　黒川　恵"
    assert unspace(list("裁判長裁判官山田太郎"), [0.5] * 5 + [2.0] + [0.5] * 3) == "裁判長裁判官　山田太郎"
    assert unspace(["内閣は、", "道路交通法"], [0.1]) == "内閣は、道路交通法"   # an artefact gap goes
    assert unspace(["第１", "請求"], [1.08]) == "第１　請求" and unspace(["(1)", "当事者"], [1.0]) == "(1) 当事者"
    assert unspace(list("２０２４年７月２日"), [1.0] * 8) == "２０２４年７月２日"         # a date spaced out
    assert unspace(["リスク管理", "５", "５"], [1.0, 1.0]) == "リスク管理　５　５"        # a table's row
    assert unspace(["期間前", "２", "45,300", "円", "70,727", "円"], [1.5, 1.0, 0.3, 1.0, 0.3]) == \
        "期間前　２ 45,300 円 70,727 円"


def test_running_heads_and_page_numbers():
    def line(text, top):   # a horizontal line on an A4 page (842 pt high), 12 pt glyphs
        return Line(text, False, top, top - 12, 500.0, 12.0, 85.0, 500.0)

    head = "令和５年（ワ）第１２３号　損害賠償請求事件"
    pages = [([line("判決" if i == 0 else head, 800), line(f"本文{i}。", 600), line(head, 400),
               line(f"- {i + 1} -", 40)], 595.0, 842.0) for i in range(4)]
    unread = Counter()
    kept = [x.text for x in drop_furniture(pages, unread)]
    # the head repeats in the top band on 3 of 4 pages: dropped there, kept mid-page; every page number goes
    assert kept == ["判決", "本文0。", head, "本文1。", head, "本文2。", head, "本文3。", head]
    assert unread["page_furniture"] == 3 * len(head.replace("\u3000", "")) + 4 * 3
    # a note under a table that every page repeats (気象庁's GRIB2 manual) is a sentence, not furniture
    note = "（注）値が「ｍｉｓｓｉｎｇ」の場合、そのデータは全ビット１の値をとる。"
    pages = [([line(f"本文{i}。", 600), line(note, 60)], 595.0, 842.0) for i in range(4)]
    assert [x.text for x in drop_furniture(pages, Counter())] == [t for i in range(4) for t in (f"本文{i}。", note)]


def test_bad_input_becomes_reject(tmp_path):
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(bytes(range(256)) * 8)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(RULING.read_bytes()[:3000])
    blank = tmp_path / "blank.pdf"      # a valid PDF whose one page has no text (like a scan)
    blank.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                      b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                      b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                      b"trailer<</Root 1 0 R>>\n%%EOF\n")
    aozora = R / "aozora_52944_txt_42720.txt"
    cases = {"garbage.pdf": "not a PDF", "truncated.pdf": "unreadable PDF: PSEOF", "blank.pdf": "no extractable text",
             aozora.name: "not a PDF", "pdfminer_encrypted_aes256.pdf": "encrypted (a password is needed) PDF"}
    for path in (garbage, truncated, blank, aozora, R / "pdfminer_encrypted_aes256.pdf"):
        rs = recs(path)
        assert len(rs) == 1 and rs[0].text is None, path.name       # read = kept + rejected
        assert cases[path.name] in rs[0].error, rs[0].error


POSTS = R / "hanrei_087071.pdf"                      # 大阪地裁, defamation by posts, whole; 別紙 lists the posts
LISTS = R / "hanrei_092900_p21-22_trimmed.pdf"       # the trademark case's pages 21-22: 以上, then 別紙
UNMAPPED = R / "kanpo_20260219g000350002_fffd.pdf"   # 官報 号外, every glyph mapped to U+FFFD


def test_stray_vertical_glyph_does_not_scramble_a_page():
    """pdfminer takes the 掲 of 掲示板タイトル (#87071, page 16) and the １ of an item (#92900, page 21)
    for vertical lines; its box order then put a page's bottom before its top ("示板タイトル",
    "１４　登録日")."""
    (r,) = recs(POSTS)
    lines = r.text.splitlines()
    i = lines.index("（別紙）")
    assert lines[i - 1] == "裁判官　道垣内　正大"
    assert lines[i + 1:i + 7] == ["投稿記事目録", "掲示板タイトル　ａ", "投稿時のアカウント表示名　Ｃ",
                                  "投稿年月日　平成２７年５月１８日", "投稿内容", "１　午前９時１５分"]
    items = [x for x in lines[i:] if re.fullmatch(r"[０-９]+　午[前後][０-９]+時[０-９]+分", x)]
    assert [x.split("　")[0] for x in items] == [str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
                                                  for n in range(1, len(items) + 1)] and len(items) > 20
    ref, _ = raw_minus_furniture(POSTS)
    got = re.sub(r"\s", "", r.text)
    assert sum((Counter(ref) & Counter(got)).values()) / len(ref) >= 0.995
    (t,) = recs(LISTS)
    head = t.text.splitlines()[:7]
    assert head == ["（別紙）", "登録商標目録", "１　登録番号：商標登録第６３７１６９５号",
                    "２　出願日：令和２年３月１１日（以下「本件出願日」という。）",
                    "３　登録査定日：令和３年３月８日（以下「本件査定日」という。）", "４　登録日：令和３年４月１日",
                    "５　商標の構成："]


def test_right_aligned_closing_line_is_not_joined_to_the_next_page():
    """以上 closes a 別紙 at the right edge: it reaches the far edge but is not a line of prose."""
    (t,) = recs(LISTS)
    lines = t.text.splitlines()
    assert "以上" in lines and lines[lines.index("以上") + 1] == "（別紙）"
    assert "以上（別紙）" not in t.text


def test_glyphs_mapped_to_replacement_character_count_as_unmapped():
    """cairo wrote this 官報 page with a ToUnicode map that sends every glyph to U+FFFD: no text."""
    (r,) = recs(UNMAPPED)
    # the page's few other glyphs are private-use codes, no characters either
    m = re.fullmatch(r"no text: all (\d+) glyphs lack a Unicode mapping \((\d+) of them private-use codes\)", r.error)
    assert r.text is None and m, r.error
    total, pua = map(int, m.groups())
    raw = extract_text(str(UNMAPPED), laparams=LAParams(**LAPARAMS))
    assert total - pua == raw.count("\ufffd") > 0.9 * total
    assert pua == len(re.findall("[\ue000-\uf8ff]", raw)) > 0


FORM = R / "hanrei_089351_fpdf17.pdf"   # 最高裁 決定 (2020) by FPDF 1.7: the page is one form XObject
PUA = R / "hanrei_081840_pua.pdf"       # 最高裁 判決 (PDF of 2011) by ESP Ghostscript: "(1)" written as U+E001


def test_page_drawn_as_one_form_xobject_is_read():
    """FPDF 1.7 draws each page as one form XObject, which pdfminer gives as a figure: its text had
    been left unread and the ruling rejected as a scan."""
    (r,) = recs(FORM)
    assert r.error is None, r.error
    assert r.text.splitlines()[1:4] == ["令和２年３月２３日　第三小法廷決定", "主文", "本件抗告を棄却する。"]
    ref, _ = raw_minus_furniture(FORM)
    got = re.sub(r"\s", "", r.text)
    assert len(ref) > 200 and LCSseq.similarity(ref, got) / len(ref) >= 0.995


def test_private_use_glyphs_are_dropped_and_counted():
    """A font's own code points carry no character: they leave the text, each one counted."""
    (r,) = recs(PUA)
    raw = extract_text(str(PUA), laparams=LAParams(**LAPARAMS))
    pua = re.findall("[\ue000-\uf8ff]", raw)
    assert len(pua) > 5 and r.unread["private_use_glyph"] == len(pua)
    assert not re.search("[\ue000-\uf8ff]", r.text)
    assert any(x.startswith("Ｂは，被上告人との間で，平成１５年２月１４日") for x in r.text.splitlines())


OPERATIVE = R / "hanrei_034907.pdf"           # 最高裁 判決: a 主文 set narrower than the body; 別紙 items イ, ウ
LONG = R / "hanrei_081812.pdf"                # 最高裁 判決: sentences of five lines and more
SIGNED = R / "hanrei_050242.pdf"              # 最高裁 判決: judges' names letter-spaced to one width
TABLE = R / "hanrei_091112_p8_trimmed.pdf"    # 最高裁 判決, page 8: an indented table whose rows end at one place


def test_wrapped_lines_of_an_indented_block_and_long_sentences_are_joined():
    """A 主文 narrower than the body never reaches the body's edge, and a ruling whose sentences run
    past five lines was not taken for prose: both had kept the page's line breaks mid-word."""
    lines = recs(OPERATIVE)[0].text.splitlines()
    assert lines[1:3] == ["１　原判決のうち，上告人らの不法行為に基づく損害賠償請求に関する部分を破棄する。",
                          "２　前項の部分につき，本件を福岡高等裁判所に差し戻す。"]
    # an item in kana starts its own line
    i = lines.index("イ　Ａ棟北側共用廊下及び南側バルコニーの建物と直交したひび割れ")
    assert lines[i + 1] == "ウ　Ａ棟１階駐車場ピロティのはり及び壁のひび割れ"
    # an item wrapped a glyph short of the block's edge, which the next item reaches
    assert recs(R / "hanrei_081170.pdf")[0].text.splitlines()[1] == \
        "１　原判決中，二男Ａの監護費用の分担に関する部分を破棄し，同部分につき第１審判決を取り消す。"
    long = recs(LONG)[0].text.splitlines()
    assert "い。" not in long
    assert any(x.startswith("被告人Ｂの弁護人小松初男") and x.endswith("上告理由に当たらない。") for x in long)


def test_lines_that_end_at_one_place_but_are_not_wrapped_prose_stay_lines():
    """Letter-spaced signatures and a table's rows are as wide as a block and end together: they are
    not one sentence."""
    assert recs(SIGNED)[0].text.splitlines()[-3:] == ["裁判官　横井大三", "裁判官　寺田治郎", "裁判官　木戸口　久治"]
    rows = [x for x in recs(TABLE)[0].text.splitlines() if "１２月期　" in x]
    assert [x[:9] for x in rows] == [f"平成２{d}年１２月期" for d in "０１２３４"]
    assert all(x.endswith("円") for x in rows)


def test_subscripts_stay_with_the_name_they_follow():
    """The parties' subscripts (Ｙ₁, Ｙ₂, half size) are drawn after their line: pdfminer had put them at
    the line's end ("…とい２　２") or on a line of their own ("１　１") between two lines of text."""
    text = recs(OPERATIVE)[0].text
    assert "工事監理をしたＹ１（以下「Ｙ１」という。）に対しては，不法行為に基づく" in text
    assert "その施工をしたＹ２（以下「Ｙ２」という。）に対しては" in text
    assert not [x for x in text.splitlines() if re.fullmatch(r"[０-９\s\u3000]+", x)]
    ref, _ = raw_minus_furniture(OPERATIVE)          # nothing lost on the way
    assert Counter(re.sub(r"\s", "", text)) == Counter(ref)


def test_subscript_stacked_on_the_next_line_start():
    """pdfminer made one vertical line of a subscript "１" and the 上 that starts the next line: the 上
    had been left out of its line ("告人らは，同年７月５日") and "１　上" set down later on the page."""
    lines = recs(R / "hanrei_080667.pdf")[0].text.splitlines()
    assert any(x.endswith("上告人Ｙ１において，上記書面に記載された条項の一部につき修正を求めた。") for x in lines)
    assert any(x.startswith("上告人らは，同年７月５日，Ａから，上告人Ｙ１の求めに応じて") for x in lines)
    assert "１　上" not in lines


KANPO = R / "kanpo_20250703c00122_p2-3_trimmed.pdf"   # 官報 号外政府調達: four columns of prose a page


def test_lines_wrapped_in_columns_of_prose_are_joined():
    """A 官報 page sets its notices in four columns: a line reaches its own column's edge, never the
    page's, so every line had stayed a line, broken mid-word ("…会計令第70条の規定に該当し" / "ない者")."""
    (r,) = recs(KANPO)
    lines = r.text.splitlines()
    assert "予算決算及び会計令第70条の規定に該当しない者であること。なお、未成年者、被保佐人、被補助人であって、" \
           "契約締結のために必要な同意を得ている者は、同条中、特別な理由がある場合に該当する。" in lines
    # from the foot of one column to the head of the next
    assert any("送検され、行政処分を受け、又は行政指導（行政機関から公表されたものに限る。）を受けた者にあっては、" in x
               for x in lines)
    assert lines.count("２\u3000競争参加資格") == 2          # a heading stays a line
    # pdfminer gave the foot of one column, then the head of the next notice beside it: read in column order
    assert "暴力団が実質的に経営を支配する者又はこれに準ずる者でないこと。" in lines
    assert r.unread["private_use_glyph"] > 100             # the item numbers (1), (2) are the font's own codes
    # nothing lost on the way: the library's own text, less those codes and the running head that
    # each page prints down its left margin ("官報", "令和７年７月３日木曜日", "(号外政府調達第１２２号)",
    # its figures in the font's own codes too), counted as page furniture
    raw = re.sub(r"\s", "", extract_text(str(KANPO), laparams=LAParams(**LAPARAMS)))
    head = "官報令和年月日木曜日(号外政府調達第号)"
    assert r.unread["page_furniture"] == 2 * (len(head) + 6)
    assert r.unread["private_use_glyph"] == len(re.findall("[\ue000-\uf8ff]", raw)) - 2 * 6
    assert Counter(re.sub(r"\s", "", r.text)) + Counter(head * 2) == Counter(re.sub("[\ue000-\uf8ff]", "", raw))


def test_a_line_in_another_size_does_not_go_on_the_sentence():
    """A heading that reaches the edge, then its paragraph (sizes and edges as measured on a page of
    MLIT's white paper, set by InDesign): the heading had been glued to the paragraph's first words."""
    def line(text, size, left, end):
        return Line(text, False, 0.0, 0.0, end, size, left, end)

    body = [line("国土交通分野における担い手不足等に", 19.8, 243.8, 564.5),
            line("よるサービスの供給制約の現状と課題", 19.8, 243.3, 564.1),
            line("第１章では、担い手不足等によるサービスの供給制約の現状と課題、我が国における施策の動向", 10.6, 107.0, 574.7),
            line("や国土交通分野において期待される取組について取り上げる。", 10.6, 96.4, 351.5)]
    assert join_lines(body, Counter()).splitlines() == [
        "国土交通分野における担い手不足等によるサービスの供給制約の現状と課題",
        "第１章では、担い手不足等によるサービスの供給制約の現状と課題、我が国における施策の動向"
        "や国土交通分野において期待される取組について取り上げる。"]


VERTICAL_UNBOXED = R / "azlayout_4inch_p5_vertical_unboxed.pdf"   # cairo: 吾輩は猫である set vertically
KANGXI = R / "mof_qa_futankeigen_p1_kangxi.pdf"                   # 財務省: Word's fonts map 月 to ⽉ (U+2F49)


def test_vertical_text_whose_glyphs_have_no_width_is_read_in_order():
    """cairo draws each glyph of this vertical novel as a line of its own with no advance across the page,
    which pdfminer leaves outside every text box: 374 of 348,201 characters of the book had been read,
    and a page of it was rejected as a scan."""
    (r,) = recs(VERTICAL_UNBOXED)
    raw = re.sub(r"\s", "", extract_text(str(VERTICAL_UNBOXED), laparams=LAParams(**LAPARAMS)))
    assert len(raw) > 100 and Counter(re.sub(r"\s", "", r.text)) == Counter(raw)
    assert r.text.startswith("それまでは記憶しているがあとは何の事やらいくら考え出そうとしても分らない。")


def test_radicals_and_vertical_forms_are_their_characters():
    (r,) = recs(KANGXI)
    assert "財務省（令和５年３月 31 日時点）" in r.text and not re.search("[\u2f00-\u2fd5]", r.text)
    assert "\u2f49" in extract_text(str(KANGXI))                     # the font's own map says ⽉
    line = Line("吾輩は猫である︒名前はまだ無い︒︵仮︶\x00", True, 0.0, 0.0, 0.0, 10.0, 0.0, 10.0)
    assert join_lines([replace(line, text=line.text.translate(FORMS))], unread := Counter()) == \
        "吾輩は猫である。名前はまだ無い。（仮）" and unread["control_char"] == 1


def test_text_drawn_twice_and_text_off_the_page_are_not_read_twice(tmp_path):
    """A PDF drawn here with matplotlib: a line drawn twice 0.4 pt apart (how a report made bold or shadowed
    text: "新品と比べて新品と比べて4545,,990000円" in a real one) and a line set beyond the page's edge (an
    InDesign spread's other page, a printer's slug line)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.transforms import offset_copy

    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure(figsize=(4, 3))
        for dx in (0, 0.4):
            fig.text(0.05, 0.6, "Bold by drawing twice.", fontsize=12,
                     transform=offset_copy(fig.transFigure, fig=fig, x=dx, y=0, units="points"))
        fig.text(0.05, 0.3, "Seen on the page.", fontsize=12)
        fig.text(1.2, 0.3, "Slug line off the page.", fontsize=12)
        fig.savefig(tmp_path / "p.pdf")
        plt.close(fig)
    raw = extract_text(str(tmp_path / "p.pdf"))
    assert raw.count("Bold by drawing twice.") == 2 and "Slug line" in raw     # the library reads them all
    (r,) = recs(tmp_path / "p.pdf")
    assert r.text == "Bold by drawing twice.\nSeen on the page."
    assert r.unread["overprint"] == len("Boldbydrawingtwice.") and r.unread["off_page"] == len("Sluglineoffthepage.")


TWO_WIDTHS = R / "jpo_criteria_04_9900bm_two_widths.pdf"   # 特許庁 審査基準: pages set to two widths


def test_a_document_whose_pages_end_at_two_widths_joins_the_narrower_pages_lines():
    """Most of this guideline's lines end at 495 pt, a statute quoted on its last page at 524: the 90th
    percentile of line ends fell on the wider edge, a fifth of the lines were not 'full', and no line of
    the document was joined ("…補正をすることが" / "できる。ただし、…")."""
    lines = recs(TWO_WIDTHS)[0].text.splitlines()
    assert "できる。ただし、第五十条の規定による通知を受けた後は、次に掲げる場合に限り、補正をすることができる。" in lines
    assert "二　拒絶理由通知を受けた後第四十八条の七の規定による通知を受けた場合において、同条の規定により指定された" \
           "期間内にするとき。" in lines
    assert "HB4101" in lines           # a margin label in smaller type stays a line of its own


OCR_SCAN = R / "pdfjs_issue5747_scan_ocr.pdf"    # a scanned page with its OCR text layer


def test_an_ocr_layer_is_read_and_marked_on_the_record():
    """A scanned page whose text is the scanner software's OCR, hidden by the page image: the text is
    kept, and the record says how much of it is an OCR layer (a machine's guess: "aocusam")."""
    (r,) = recs(OCR_SCAN)
    assert r.error is None and "Lorem ipsum dolor sit amet, consetetur" in r.text
    assert "aocusam" in r.text                                             # what OCR makes of a page
    assert r.meta == {"ocr_layer_pages": 1, "ocr_layer_chars": len(re.sub(r"\s", "", r.text))}   # all of it


def test_born_digital_pdfs_are_not_marked_as_ocr():
    """No sample made from text (Word, FPDF, Ghostscript, cairo, LaTeX, InDesign) carries the mark."""
    for path in sorted(R.glob("*.pdf")):
        if path != OCR_SCAN:
            assert not any(r.meta for r in recs(path)), path.name


def test_text_under_an_image_is_an_ocr_layer_and_text_over_it_is_not(tmp_path):
    """PDFs drawn here with matplotlib: a page-sized image with a line drawn before it (hidden under
    it, as some scanners write their OCR text) and a line drawn after it (a slide's text on its
    background picture)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure(figsize=(4, 3))
        fig.figimage(np.full((300, 400), 0.9), cmap="gray", vmin=0, vmax=1, zorder=1, resize=True)
        fig.text(0.05, 0.6, "Under the scan.", fontsize=12, zorder=0)
        fig.text(0.05, 0.3, "Over the picture.", fontsize=12, zorder=2)
        fig.savefig(tmp_path / "p.pdf", dpi=100)
        plt.close(fig)
    (r,) = recs(tmp_path / "p.pdf")
    assert r.text.splitlines() == ["Under the scan.", "Over the picture."]
    assert r.meta == {"ocr_layer_pages": 1, "ocr_layer_chars": len("Underthescan.")}


STATUTE_FORMS = R / "egov_fueiho_kisoku_p29_48_50_trimmed.pdf"   # a statute's 附則 page and two pages of its 様式


def test_a_statute_whose_forms_outnumber_its_full_lines_joins_its_wrapped_lines():
    """Fewer than a fifth of this statute's lines reach the edge: the forms of its appendix, set in
    9 pt, hold more lines than its 8 pt provisions, all of them short. The provisions alone are
    prose, and their wrapped lines are joined; the forms' cells and a provision's items stay lines."""
    lines = recs(STATUTE_FORMS)[0].text.splitlines()
    assert "この規則は、金融商品取引法等の一部を改正する法律（平成二十一年法律第五十八号）の施行の日" \
           "（平成二十二年四月一日）から施行する。" in lines
    assert "附　則（平成二二年七月九日国家公安委員会規則第四号）" in lines
    assert "一略" in lines and any(x.startswith("二　第一条中警備業の要件に関する規則第二条") for x in lines)
    assert ["合併後消滅する風俗営", "業者又は特定遊興飲食", "店営業者たる法人の名称"] == \
        lines[lines.index("合併後消滅する風俗営"):lines.index("合併後消滅する風俗営") + 3]


def test_a_statute_s_items_and_a_table_of_contents_stay_lines():
    """A statute's item "八　法第…" starts its own line like "８　" does; a table of contents' entry
    (a dot leader, then the page) and a table's row of figures reach the edge but do not go on."""
    def line(text, top, end=540.0):
        return Line(text, False, top, top - 10.5, end, 10.5, 50.0, end)

    body = [line("第一条　この規則は、次に掲げる届出書を提出する場合に適用するものとし、その届出書は次のとお", 800),
            line("りとする。", 785, 105.0),
            line("七　法第二十七条第二項に規定する届出書のうち、営業の廃止又は変更に係るもの", 770),
            line("八　法第三十一条の七第一項に規定する届出書", 755, 280.0),
            line("２．調査概要 ........................................ 1", 740),
            line("３．調査項目 ........................................ 2", 725),
            line("世帯年収（平均：万円） 614 589 598 604 628", 710),
            line("家族人数３人以下の割合（％） 57.7 58.8 62.6 71.6 64.9", 695)]
    assert join_lines(body, Counter()).splitlines() == [
        "第一条　この規則は、次に掲げる届出書を提出する場合に適用するものとし、その届出書は次のとおりとする。",
        *(x.text for x in body[2:])]


def test_the_same_pdf_reads_the_same_whatever_was_read_before():
    """pdfminer groups text boxes closest pair first and broke ties by memory address: this ruling, read
    again in the same process after other objects were made, came out in another order now and then
    (1 run in 3 or so). The tie-break is now the order the boxes were built in. Several reads, with
    allocations of varying sizes between them, must give one text."""
    import random

    path = R / "hanrei_080773_tied_boxes.pdf"
    rng, texts, junk = random.Random(0), set(), []
    for _ in range(8):
        (r,) = recs(path)
        texts.add(r.text)
        junk.append([bytearray(rng.randint(1, 300)) for _ in range(rng.randint(100, 30000))])
        del junk[0][::2]
    assert len(texts) == 1 and "（平成４年１１月２" in r.text


def test_a_line_broken_after_a_decimal_point_goes_on():
    """A ruling's line that ends "…ヘマトクリット値もそれぞれ１４．" breaks the figure 14.8, not a
    sentence: a full-width full stop after a figure, with a figure opening the next line, is a decimal
    point, and the line goes on ("１４．８，１３．９と低下した。")."""
    (r,) = recs(R / "hanrei_033792_decimal_wrap.pdf")
    assert "ヘマトクリット値もそれぞれ１４．８，１３．９と低下した。" in r.text


def test_a_one_page_decision_whose_few_full_lines_hold_most_of_its_text_is_prose():
    """A 昭和 decision of one page (FPDF 1.6): three of its sixteen lines reach the edge, fewer than
    a fifth (the others are 主文, 理由, the date, the court and five judges' names), but they hold most
    of its text; its wrapped sentence is joined."""
    (r,) = recs(R / "hanrei_075040_fpdf16_one_page.pdf")
    assert "弁護人宮林敏雄の上告趣意（後記）は、憲法違反を主張するけれどもその実質は、刑訴四一一条に該当する事由" \
           "のあることを主張するに帰するのであつて上告適法の理由にならない。また記録を精査しても同四一一条を適用す" \
           "べきものとは認められない。" in r.text.splitlines()
    assert "裁判官　栗山　茂" in r.text.splitlines()                      # the names stay lines


EASYPDF = R / "hanrei_033513_easypdf_japan1_cid.pdf"   # 最高裁 決定 by BCL easyPDF: MS-Mincho not embedded


def test_a_cid_that_pdfminer_s_japan1_table_lacks_is_read_from_adobe_s_cmap():
    """BCL easyPDF writes the ruling in MS-Mincho, not embedded, with no ToUnicode map: its glyphs are
    Adobe-Japan1 CIDs. The attorney's name 尾﨑 draws 﨑 with CID 8443, which pdfminer's table of
    the collection leaves out: it had been dropped as an unmapped glyph ("抗告代理人尾達夫"),
    though Adobe's own CMap (and poppler's pdftotext) reads it."""
    (r,) = recs(EASYPDF)
    assert "抗告代理人尾﨑達夫の抗告理由について" in r.text.splitlines()
    assert "unmapped_glyph" not in r.unread


SPACED = R / "hanrei_054040_word2013_spaced_headings.pdf"   # 最高裁 判決 by Word 2013: "主　　　文" spaced out


def test_a_heading_letter_spaced_across_the_page_keeps_the_page_in_order():
    """Word sets 主　文 and 理　由 letter-spaced far apart; pdfminer takes 主 and 理 for vertical lines
    and puts its boxes out of order. The lone glyphs side by side had made the page look like
    columns, so pdfminer's order was kept: the 主文 came out last item first and 理由 inside the
    reasons ("…被上告人", "その余の部分…", …, "文理主")."""
    (r,) = recs(SPACED)
    lines = r.text.splitlines()
    assert lines[:6] == ["主文", "原判決主文第二および第六項を破棄し、養育料の求償請求に関する控訴を棄却する。",
                         "その余の部分についての上告を棄却する。",
                         "訴訟の総費用を二分し、その一を上告人の負担とし、その一を被上告人の負担とする。",
                         "理由", "上告代理人石川実の上告理由第一点について。"]


def test_a_dashed_page_number_just_above_the_bottom_tenth_is_furniture():
    """Word sets this ruling's page number "-1-" at 128 pt of 842, above the bottom tenth where page
    numbers are looked for: it stayed in the text, inside the sentence that runs on to page 2."""
    (r,) = recs(SPACED)
    assert "論旨は、原審の専権に属する証拠の取捨判断、事実認定を非難するに帰し、採用することができない。" in r.text
    assert "-1-" not in r.text and r.unread["page_furniture"] == 6     # "-1-" and "-2-"


def test_judges_names_letter_spaced_to_the_edge_are_not_joined_as_prose():
    """Word spreads each judge's name under this 決定 to the right edge ("裁判官　　島　　　　保"): the
    lines reach the edge but are not wrapped prose, and had been joined into one line of names;
    the spaced 決　　定 over the decision had put the whole page out of order. The title, set solid,
    is a field apart from the name spread beside it (it had read "裁判官島　保")."""
    (r,) = recs(R / "hanrei_065275_word2013_spaced_signatures.pdf")
    lines = r.text.splitlines()
    assert lines[:2] == ["昭和二八年（す）第三一〇号", "決定"]
    assert lines[-6:] == ["最高裁判所第三小法廷", "裁判長裁判官　井上　登", "裁判官　島　保", "裁判官　河村又介",
                          "裁判官　小林俊三", "裁判官　本村　善太郎"]
