"""PDF reader on more real court rulings (test_corpus_pdf.py has the first ones): fonts whose glyphs
carry no Unicode mapping, tables, judges' signatures.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_pdf_rulings.py
"""
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
