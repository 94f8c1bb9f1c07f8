"""PDF reader on more real court rulings (test_corpus_pdf.py has the first ones): fonts whose glyphs
carry no Unicode mapping, tables, judges' signatures.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_pdf_rulings.py
"""
from jiniac_hpc.corpus.readers.pdf import unspace
from test_corpus_pdf import R, recs

CENTURY = R / "hanrei_062503_gs870_century_codes.pdf"   # 最高裁 判決 (5 pages), Word + GPL Ghostscript 8.70


def test_century_glyphs_without_a_mapping_are_read_from_their_outlines():
    """Ghostscript 8.70 wrote Word's Century as a subset numbered 1, 2, 3 … with no ToUnicode map and
    no glyph names: pdfminer read the paragraph numbers "(1)" … "(6)" and every space after a line
    as ``(cid:N)``, and the reader dropped them as 116 unmapped glyphs. The outlines say what they
    are: an empty glyph is a space, the brackets and digits are Century's own."""
    (r,) = recs(CENTURY)
    lines = r.text.splitlines()
    assert "(1) 韓国人である乙は，平成２年１２月３日，日本人である丙と婚姻し，同３年２月４日，両人の間に長女が" \
           "出生した。" in lines
    assert any(x.startswith("(6) Ｄは，平成１０年１１月９日，上告人を認知する旨の届出をした。") for x in lines)
    assert "４　原審の上記判断のうち，(1)及び(2)は是認することができるが，(3)は是認することができない。" \
           "その理由は，次のとおりである。" in lines
    assert "原判決を破棄する。" in lines
    assert "unmapped_glyph" not in r.unread


def test_a_signature_wrapped_after_a_title_keeps_the_space_the_page_draws():
    """The bracketed signature under the judgment is one paragraph that Word wrapped after "裁判官 ",
    the space drawn at the line's end: the joined line had read "…横尾和子　裁判官泉　徳治…", the
    name run into the title. A line of fields set apart keeps that space; the 主文 of other
    rulings, wrapped inside a word after such a space ("…部分を破 " / "棄し，"), does not."""
    (r,) = recs(CENTURY)
    assert r.text.splitlines()[-1] == "(裁判長裁判官　甲斐中辰夫　裁判官　深澤武久　裁判官　横尾和子　裁判官　泉　徳治　" \
                                      "裁判官　島田仁郎)"


def test_a_title_set_solid_beside_a_name_spread_out_is_a_field_of_its_own():
    """Word sets a 大法廷 judgment's signatures on a grid: "裁判官" solid, then the name spread
    over four or five cells ("入 江 俊 郎", "横 田 喜 三 郎" with the surname and given name spread
    apart). The gap after the title is no wider than the name's own spacing; the title is a field
    all the same (the line had read "裁判官入江俊郎")."""
    # gaps (in glyph sizes) as measured on shihoushiken hanrei_pdf/53114.pdf (Word 2007)
    assert unspace(["裁判官", "入", "江", "俊", "郎"], [4.26, 3.19, 3.21, 3.2]) == "裁判官　入江俊郎"
    assert unspace(["裁判長裁判官", "横", "田", "喜", "三", "郎"], [4.26, 3.19, 3.21, 1.1, 1.1]) == "裁判長裁判官　横田　喜三郎"
    # a solid word beside a lone glyph set close is one field, as before
    assert unspace(["主", "文"], [3.0]) == "主文" and unspace(["被告", "人"], [0.2]) == "被告人"


def test_a_signature_wrapped_after_a_title_with_no_space_drawn_ends_a_field():
    """BCL easyPDF draws no space glyphs: the signature wrapped after "裁判官", a title the line
    holds already, and read "…古田佑紀　裁判官竹内行夫）"."""
    (r,) = recs(R / "hanrei_038279_easypdf_wrapped_signature.pdf")
    assert r.text.splitlines()[-1] == "(裁判長裁判官　今井　功　裁判官　中川了滋　裁判官　古田佑紀　裁判官　竹内行夫）"
    assert "原判決中，深夜割増賃金に係る反訴請求に関する部分を破棄する。" in r.text.splitlines()


TABLE = R / "hanrei_087299_p13-14_table_trimmed.pdf"    # 最高裁 判決, its 別表 of parties (Word 2013)


def test_a_ruled_table_is_read_row_by_row():
    """Word draws the 別表's cells one by one: pdfminer gave each cell as lines of its own, a cell
    wrapped onto a second line ran into the next row ("…リミテッドＭＴ映像ディスプレ", "イ"), and two
    rows' second lines were read as one ("…コリア・カディスプレイズ"). The table's rules say where
    the cells are: a row is one line, its cells set apart, each cell's lines joined."""
    (r,) = recs(TABLE)
    lines = r.text.splitlines()
    assert lines[lines.index("別表") + 1:][:4] == [
        "略称　法人の名称（原判決の表記による。）",
        "サムスンＳＤＩ　サムスン・エスディーアイ・カンパニー・リミテッド",
        "ＭＴ映像ディスプレイ　ＭＴ映像ディスプレイ株式会社",
        "ＭＴインドネシア　ピーティー・エムティー・ピクチャー・ディスプレイ・インドネシア"]
    assert "ＬＧフィリップス・ディスプレイズ　エルジー・フィリップス・ディスプレイズ・コリア・カンパニー・リミテッド" in lines
    assert "三洋電子インドネシア　Ｐ．Ｔ．ＳＡＮＹＯ　Ｅｌｅｃｔｒｏｎｉｃｓ　Ｉｎｄｏｎｅｓｉａ" in lines
    assert "オリオン電機　オリオン電機株式会社" in lines and "オリオン電機" not in lines
    assert r.unread == {}


SPLIT = R / "hanrei_080003_easypdf_table_split_rows.pdf"   # 最高裁 判決, 別表 of expenses (BCL easyPDF)


def test_a_table_whose_cells_pdfminer_ran_together_is_cut_at_its_rules():
    """easyPDF's 別表: pdfminer runs a row's cells into one line where they sit close ("8 Ｈ 12月25日
    12万5000円 事　務　費 パソコン及び関連"), and its dashed rules part two entries of one person. The
    lines are cut at the vertical rules and read as rows; the row broken by the page's foot is a
    row too, and goes on with the rest of its cell at the top of the next page, "機器代", drawn with
    no rule above it (pdfminer gave it after the next row: it had been a line of its own there). The
    row number "10" in the table's first column, left of every letter on its page, had been dropped
    as a margin line number."""
    (r,) = recs(SPLIT)
    lines = r.text.splitlines()
    rows = lines[lines.index("別表") + 1:]
    assert rows[0] == "氏名　年月日（平成18年）　金額　項目　品名"
    assert "2　Ｂ　12月22日　2万7000円　事務費　電子辞書" in rows
    assert "8　Ｈ　12月25日　12万5000円　事務費　パソコン及び関連機器代" in rows
    assert rows[rows.index("8　Ｈ　12月25日　12万5000円　事務費　パソコン及び関連機器代") + 1] == \
        "9　Ｉ　12月5日　12万5000円　事務費　パソコン及び関連機器代"
    assert "機器代" not in rows
    assert "10　Ｊ　10月8日　12万5000円　事務費　パソコン" in rows
    assert "11月18日　3万7800円　事務費　電子辞書" in rows           # a dashed rule parts the second entry


SPLIT_CELLS = R / "hanrei_033842_easypdf_table_row_split_cells.pdf"   # 最高裁 判決, 別表２ of fees (BCL easyPDF)


def test_a_row_the_page_foot_breaks_in_several_cells_is_put_back_together():
    """The 別表２'s last row breaks at page 27's foot in two cells: the 入学試験 column goes on with
    "験 ( 適性検査方" / "式)" and the 学生納付金 column with "[納付期限：H14.2.4]" at the top of page 28,
    drawn with no rule above (and no rule below the row on page 27). Its lines had come out one a
    line, the cells of one physical line run together ("原告　被告Ｙ２女子大　入学金 26万円　授業料等
    65万3000円", "Ｘ６　学　[納付期限：H13.12.14]　…") and the rest of the cells after them. The row
    is now read as the rows above it are, each cell's rest put back into its cell; pdftotext -layout
    prints page 28's "験(適性検査方 … [納付期限：H14.2.4]" apart, before the row's 合計."""
    (r,) = recs(SPLIT_CELLS)
    lines = r.text.splitlines()
    x3 = lines.index("原告Ｘ３　被告Ｙ２女子大学学芸学部情報メディア学科公募推薦入学試験 ( 適性検査方式)　入学金 26万円 "
                     "[納付期限：H13.12.14]　授業料等 65万3000円 (授業料，教育充実費，実験実習料) 諸会費等 1万円 "
                     "(Ａ会費，学生会費) [納付期限：H14.2.4]")
    assert lines[x3 + 1] == "合計 92万3000円"
    assert lines[-2:] == ["原告Ｘ６" + lines[x3][len("原告Ｘ３"):], "合計 92万3000円"]    # the same fees as Ｘ３
    assert r.unread == {"page_furniture": 103}


MERGED = R / "npb_kanpo_service_notice_20241224_merged_cells.pdf"   # 国立印刷局's notice (Word for Microsoft 365)


def test_a_cell_merged_down_across_rows_is_read_with_the_first_row_it_spans():
    """The notice's tables merge cells down across rows: 廃止 stands beside the rows of Ａ, Ｂ and
    Ｃコース, its reason beside Ａ and Ｂ. Each had been a line of its own between the rows (the reason
    one of three lines, "…紙の" / "印刷物…"), and Ｄコース's reason, a shaded cell whose rules lie a
    point inside its row's, a line after the row. A merged cell is now read with the first row it
    spans, as a table's markup has it (rowspan), and rules a point apart are one row's."""
    (r,) = recs(MERGED)
    lines = r.text.splitlines()
    assert lines[lines.index("下表のとおり、Ａ・Ｂ・Ｃコースを廃止し、Ｄコースは名称と提供内容を変更し継続します。") + 1:][:4] == [
        "コース　定期購読　日付検索　記事検索　R7.4.1～　廃止理由",
        "Ａコース　有　○　×　廃止　令和７年４月１日以降、官報は電子化され、紙の印刷物（現状の定期購読）は、内閣府が交付する"
        "文書（官報掲載事項記載書面）になるためです。",
        "Ｂコース　有　○　○",
        "Ｃコース　無　○　×　需要が少ないためです。"]
    assert "Ｄコース　無　○　○　内容を一部変更し、コース名はつけず「官報情報検索サービス」として継続します（詳細は２に記載）。" in lines
    assert "機能区分　提供形式　裁判所公告等プライバシー配慮が必要な記事　その他記事" in lines
    assert "日付検索　ＰＤＦデータ　○（画像化※①）　○（画像化※②）　○" in lines
    assert "廃止" not in lines and "日付検索" not in lines


RUNS = R / "hanrei_052253_easypdf_punctuation_runs.pdf"   # 最高裁 判決 (14 pages), BCL easyPDF 4.30


def test_punctuation_and_digits_drawn_after_their_line_go_back_where_they_stand():
    """easyPDF draws this ruling's punctuation "（「」。），" and the digits of "(1)" in runs after the
    rest of each line: pdfminer made such a run a line of its own on the same baseline, which came
    out after its line ("…もの　以下　本件支出決議書　という　は（　「　」　。）　，"), or put it at
    the line's end ("…の( )，( )及び( )か1 2 5"). Each glyph now stands where the page draws it."""
    (r,) = recs(RUNS)
    for s in ("相手方の氏名又は役職名の記載のあるもの（以下「本件支出決議書」という。）は，",
              "(2) 本件条例６条は，「実施機関は，次の各号のいずれかに該当する情報が記録されている公文書については，",
              "おり，その２号には，「個人に関する情報（事業を営む個人の当該事業に関する情報を除く。）で，",
              "同３９の文書の(1)，(2)及び(5)から(14)までの部分（以下「整理番号３の文書等」という。）"):
        assert s in r.text
    assert "( )" not in r.text and "（　「" not in r.text


def test_a_comma_hung_past_the_margin_and_drawn_apart_stays_on_its_line():
    """Another easyPDF ruling draws its punctuation apart too, and one comma past the right margin
    ("…１６９０円" then "，", touching it): the comma had been a line of its own, which ended the
    paragraph there ("，" / "本件土地２の価格を…"); the brackets and full stops within the lines had
    come out at their ends ("（以下「本件土地１」という　）…各。")."""
    (r,) = recs(R / "hanrei_080773_tied_boxes.pdf")
    assert "本件土地１の価格を１０億９８９０万１６９０円，本件土地２の価格を１１０３万３０１０円とする決定（以下「本件決定」" \
           "という。）を受けたため，" in r.text
    assert "（以下「本件土地１」という。）及び同番ｅの土地（以下，「本件土地２」といい，これらを併せて「本件各土地」という。）" \
           in r.text


def test_glyphs_pdfminer_stacked_into_a_vertical_line_go_back_into_their_lines():
    """easyPDF draws the digit of "(1)" after its line; where the line below starts a glyph left of
    its neighbours, pdfminer stacked the two into a vertical line ("1 飲", "2 ４", "3 と"): the glyph
    was cut out of its sentence ("…市交通局の開催した食を伴う", "議会に所属する"), the pair set down
    later on the page, the digit missing from "( )", and the top line of a page read at its end
    ("…記載部分同表「記載部分」欄のとおりの記載がある。"). Each glyph now goes into its own line."""
    (r,) = recs(R / "hanrei_062509_easypdf_stacked_digits.pdf")
    lines = r.text.splitlines()
    for s in ("(2) 本件処分の対象となった文書のうち別表の(1)ないし(4)の支出決定書には，同表「記載部分」欄のとおりの記載がある。",
              "(3) 上告人は，本件処分において，別表の①ないし④の記載部分に係る市交通局との協議等への相手方の出席に関する",
              "(2) ①ないし③の情報は，同条７号所定の非公開情報にも該当しない。",
              "４　しかしながら，原審の上記３(1)の判断のうち，",
              "(1) 【要旨１】①の情報は，地元住民の団体に所属する者が市交通局の開催した飲食を伴う協議に出席したことに",
              "(2) 【要旨２】②の情報は，地下鉄の建設工事区間の地権者によって構成された協議会に所属する者が",
              "(3) 【要旨３】前記事実関係等によれば，③の情報は，ｅ地域における地下鉄建設工事の円滑な進行を図るために",
              "(4) 【要旨４】前記事実関係等によれば，④の情報は，民間法人の従業員が当該法人の事業に関する調査等のために"):
        assert any(x.startswith(s) for x in lines), s
    assert "( )" not in r.text
    assert not [x for x in lines if len(x) <= 3 and x not in ("主文", "理由")]


def test_a_comma_set_two_thirds_over_the_bracket_after_it_joins_its_line():
    """The same ruling draws "，「" with the comma's box two thirds over the bracket's: it had been no
    glyph of the run, and came out after the line's last glyphs ("号において「個人に関する情報（…を除く。），")."""
    (r,) = recs(R / "hanrei_062509_easypdf_stacked_digits.pdf")
    assert "その１号において，「個人に関する情報（事業を営む個人の当該事業に関する情報を除く。）で，個人が識別され" in r.text
