"""PDF reader on real PDFs from generators other than the courts' (test_corpus_pdf.py has the rulings):
an InDesign white paper, an 一太郎 ministry notice, a pLaTeX thesis; and, on every real sample, that
each glyph is text or one count of a named removal.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_pdf_generators.py
"""
import re

import pytest
from pdfminer.layout import LTChar, LTContainer

from jiniac_hpc.corpus.readers.pdf import _pages
from test_corpus_pdf import R, recs


WHITE_PAPER = R / "mlit_hakusho_r07_p3-4_trimmed.pdf"   # 国土交通白書 2025, two pages (InDesign)


def test_glyphs_missing_from_the_tounicode_map_are_read_from_the_font_s_character_collection():
    """InDesign wrote ToUnicode maps that leave out the glyphs of this white paper's footnotes and
    captions; its fonts are CID-keyed Adobe-Japan1 fonts, whose CIDs name their characters (the PDF
    standard's fallback for such fonts). They are read, not dropped as unmapped glyphs."""
    (r,) = recs(WHITE_PAPER)
    assert "注 4 建設作業現場等で作業に従事する者をいう。" in r.text
    assert "（建設業における時間外労働規制）" in r.text
    assert r.unread.get("unmapped_glyph", 0) == 0


def _glyphs(container) -> int:
    return sum(_glyphs(x) if isinstance(x, LTContainer) else
               isinstance(x, LTChar) and not x.get_text().isspace() for x in container)


NO_TEXT = {"kanpo_20260219g000350002_fffd.pdf", "not_text_back.pdf", "pdfminer_encrypted_aes256.pdf",   # bad input
           "pdfjs_issue4379_picture_no_text.pdf"}


@pytest.mark.parametrize("path", sorted(p for p in R.glob("*.pdf") if p.name not in NO_TEXT), ids=lambda p: p.stem)
def test_every_glyph_is_text_or_a_counted_removal(path):
    """Each glyph the reader's pdfminer set-up lays out is one character of the text or one count of a
    named removal, none counted twice. A Ghostscript ruling draws its page numbers in glyphs with no
    Unicode mapping, which pdfminer writes "(cid:2)": seven characters, one glyph. (Text drawn as a
    picture, ``text_as_picture``, is no glyph: it is counted in the glyph widths it spans.)"""
    (r,) = recs(path)
    glyphs = sum(_glyphs(page) for page, _ in _pages(path))
    removed = sum(n for k, n in r.unread.items() if k != "text_as_picture")
    assert len(re.sub(r"\s", "", r.text)) + removed == glyphs


RUBY = R / "mhlw_kokuji_shinryo_chusha_p2_ruby_trimmed.pdf"   # 診療報酬の算定方法 (告示), 第６部 注射, 一太郎


def test_ruby_over_a_line_is_dropped_and_counted():
    """一太郎 sets ruby (くう over 腔, しよう over 漿) in half-size kana just above its line; pdfminer makes
    each a line of its own, which broke its sentence ("…又は腹", "くう", "腔内に…"). The readings are
    left out and counted as ``ruby``, as the Aozora readers count theirs, and the sentence reads on."""
    (r,) = recs(RUBY)
    lines = r.text.splitlines()
    assert "注　皮下植込型カテーテルアクセス等を用いて抗悪性腫瘍剤を動脈内、静脈内又は腹腔内に局所持続注入した" \
           "場合に算定する。" in lines
    assert not {"くう", "しよう"} & set(lines) and "血漿成分製剤加算" in r.text
    assert r.unread["ruby"] == 2 + 3 * 4             # くう once, しよう four times


def test_a_label_repeated_in_the_side_margin_of_every_page_is_furniture():
    """The white paper prints its chapter's title down the outer margin of every page, with the
    part's number "Ⅰ" in a tab (left on odd pages, right on even ones): running furniture like a
    header, dropped and counted, not a line of text on every page."""
    (r,) = recs(WHITE_PAPER)
    title = "第1章　国土交通分野における担い手不足等によるサービスの供給制約の現状と課題"
    assert title not in r.text and "Ⅰ" not in r.text.splitlines()
    assert "第1節　担い手不足等によるサービスの供給制約" not in r.text          # (the running head, as before)
    # on each page: the running head (21), the title (37), the tab (1), "国土交通白書 2025" and the page (11)
    assert r.unread["page_furniture"] == 2 * (21 + 37 + 1 + 11)


THESIS = R / "kut_thesis_platex_p3_5_6_trimmed.pdf"     # a pLaTeX (jlreq) thesis template, dvipdfmx


def test_roman_page_numbers_and_a_running_head_beside_the_page_number_are_furniture():
    """LaTeX numbers the front matter i, ii, …, and heads each page with its page number on the
    outer side and the chapter (left pages) or section (right pages) on the inner side, one line:
    the head names a section that pages further on may not share, so it does not repeat on half the
    pages; it stands beside the page number, which marks it as the page's head. It is dropped and
    counted with the number; the section's own heading stays ("1.4 フォントの指定" once, not twice)."""
    (r,) = recs(THESIS)
    lines = r.text.splitlines()
    assert "ii" not in lines and "第 1 章 main pLaTeX.tex の設定" not in lines
    assert lines.count("1.4 フォントの指定") == 1 and "1.3 ヘッダー・フッターの設定" in lines
    # "ii"; "2", "第1章mainpLaTeX.texの設定"; "1.4フォントの指定", "3"
    assert r.unread["page_furniture"] == 2 + 1 + 20 + 10 + 1


def test_the_page_a_dot_leader_points_to_is_not_a_margin_line_number():
    """A table of contents' page numbers stand right of the text block, past the dot leader; those
    that are multiples of 5 ("・・・ 5", "・・・ 10") had been taken for a ruling's margin line numbers."""
    lines = recs(THESIS)[0].text.splitlines()
    assert sum(x.endswith("・ 5") for x in lines) == 1 and sum(x.endswith("・ 10") for x in lines) == 2


INTERVIEW = R / "mlit_hakusho_r07_p6_interview_two_columns_trimmed.pdf"   # the same white paper, page 6


def test_two_columns_that_pdfminer_interleaves_are_read_column_by_column():
    """An interview set in two columns in a box: pdfminer gives its lines left, right, left, right,
    and a line that reached its column's edge went on with the other column's line beside it
    ("…労働時間短" + "1. 物流「2024 年問題」の現在地"). The left column is read, then the right."""
    (r,) = recs(INTERVIEW)
    lines = r.text.splitlines()
    assert "コスト増加分の価格転嫁のハードルが高く、労働時間短縮への解決策を実行に移せていないのが現状である。" in r.text
    assert "1. 物流「2024 年問題」の現在地" in lines and "①トラック運転手の長時間労働の背景にあるもの" in lines
    left = lines.index("1. 物流「2024 年問題」の現在地")
    assert lines.index("2. 賃金・価格転嫁、物流効率化について") > left      # the right column comes after
    assert any(x.startswith("労使関係、女性労働がご専門で、国土交通省の「持続可能な物流の実現に向けた検討会」等の委員であり、")
               and x.endswith("お話を伺った。") for x in lines)


def test_a_numbered_note_starts_its_own_line():
    """The interview's last column line runs on to the next page; the note under it, set in the same
    size ("注 10 本白書掲載のインタビューは、…"), is not its sentence's next line; nor is a 告示's
    note ("注１　…") the next line of the item above it."""
    lines = recs(INTERVIEW)[0].text.splitlines()
    assert any(x.startswith("注 10 本白書掲載のインタビューは、2025 年２月〜３月") for x in lines)
    assert any(x.endswith("物流関連２法の公布は、荷主も規制的措置の対象に") for x in lines)
    # the 告示's notes under an item and its points, "… 49点" / "注１　点滴に係る…"
    lines = recs(RUBY)[0].text.splitlines()
    assert "３　その他の場合（入院中の患者以外の患者に限る。） 49点" in lines and "注１　点滴に係る管理に要する費用を含む。" in lines


def test_a_paragraph_set_narrow_beside_a_figure_is_joined():
    """The white paper sets a paragraph in half the page's width beside its chart (a picture, no
    text): its lines end together well short of the page's edge and had each stayed a line."""
    lines = recs(WHITE_PAPER)[0].text.splitlines()
    assert "2023 年（令和５年）における建設業生産労働者注 4 の年間平均賃金は 432 万円と、全産業労働者の年間平均" \
           "賃金 508 万円（非正規除く）より低くなっており注 5、今後も必要とされる技能や厳しい労働環境に相応しい、" \
           "賃金の引上げ（以下、「賃上げ」）に取り組む必要がある。" in lines


def test_two_narrow_columns_beside_each_other_are_read_one_after_the_other():
    """A column (コラム) set in two narrow columns that pdfminer interleaves, with no prose across the
    page to make them columns of the page: the left block ends short of the page's edge, the lines
    beside it end together too and end sentences, so it is a column of its own, read after it."""
    lines = recs(R / "mlit_hakusho_r07_p25_column_beside_trimmed.pdf")[0].text.splitlines()
    assert "トラックドライバーの担い手不足が深刻化する一方で、近年、多様化するライフスタイルとともに電子商取引" \
           "（以下、「EC」）が急速に拡大している。2023 年度には、EC 市場が全体で 24.8 兆円規模、物販系分野で" \
           " 14.6 兆円規模となっている。また、EC の拡大に伴い、宅配便の取扱個数は約 50 億個であった。" in lines
    assert "2024 年 10 月の宅配便再配達率は約 10.2％で前年同月（約 11.1％）と比べて約 0.9％減、2024 年４月" \
           "（約10.4％）と比べて約 0.2％減となった。" in lines


def test_a_narrow_space_drawn_after_an_item_number_stays():
    """国立印刷局's notice (Word for Microsoft 365, MS Gothic) numbers its headings "１ 変更内容について"
    with a half-width space glyph, four tenths of a glyph wide: read as a layout artefact between two
    wide glyphs, it was dropped ("１変更内容について"), and the heading no longer read as a numbered
    item. A space the page draws after a line's first word that is an item's number stays, as "　"."""
    (r,) = recs(R / "npb_kanpo_service_notice_20241224_merged_cells.pdf")
    lines = r.text.splitlines()
    for heading in ("１　変更内容について", "２　新たに提供する「官報情報検索サービス」について", "３　変更及び終了日について",
                    "４　手続について"):
        assert heading in lines
    assert "（1）内容" in lines             # no space drawn here: none is made


def test_a_page_with_notes_in_its_margin_is_read_top_to_bottom():
    """A 特許庁 審査基準 page: one column of text, notes down its right margin in smaller type ("HB1210
    特許査定起案時の注意"). pdfminer's boxes put the section's heading "第 5 節　査定" and "1. 概要"
    after the page's last paragraph but one, and "3. 拒絶査定" after the first line of the paragraph
    it heads, whose sentence was cut in two by a note. The body is read top to bottom, each run of
    notes after the sentence beside which it starts."""
    lines = recs(R / "jpo_criteria_01_0205bm_side_notes_nofonts.pdf")[0].text.splitlines()
    assert lines[:3] == ["第 5 節　査定", "1. 概要", "審査官は、特許出願について拒絶理由を発見しない場合は、特許査定をする(第51条)。"]
    i = lines.index("3. 拒絶査定")
    assert lines[i + 1].startswith("審査官は、拒絶理由通知後の審査において、拒絶理由が解消されていないと判断した場合は、")
    assert lines[i + 2:i + 7] == ["HB1213", "拒絶査定起案時の", "注意", "HB1214", "拒絶査定の確定"]
    assert lines.index("2. 特許査定") < i < lines.index("4. 留意事項")


def test_notes_down_the_left_margin_are_read_after_the_body_beside_them():
    """Another 審査基準 file sets its second page's notes down the left margin ("HB1209 拒絶理由通知書
    中に誤記がある場合の取扱い"): pdfminer put the heading "2.2 意見書、補正書等の内容の検討" before
    "照)。", the last line of the paragraph above it, which had then read "…(「第 6 節　補正の却下の
    決定」参" / "2.2 …" / "照)。"."""
    lines = recs(R / "jpo_criteria_01_0204bm_left_notes_nofonts.pdf")[0].text.splitlines()
    i = lines.index("2.2 意見書、補正書等の内容の検討")
    assert lines[i - 1].endswith("(「第 6 節　補正の却下の決定」参照)。")
    assert lines[i + 1].startswith("一回目の審査前に補正書が提出された場合は、")
    assert lines[i + 3] == "HB1209" and "照)。" not in lines
