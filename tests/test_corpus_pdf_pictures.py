"""PDF reader on text a page draws as a picture (no text layer): a ruling's line Word drew as a picture,
a page that is a picture and no text. The reader does no OCR; such text is a counted, named loss.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_pdf_pictures.py
"""
from jiniac_hpc.corpus.stage import FLAGS
from test_corpus_pdf import R, recs

PICTURED = R / "hanrei_090486_word2013_text_as_picture.pdf"   # 最高裁 判決 (5 pages), Word 2013
PICTURE_PAGE = R / "pdfjs_issue4379_picture_no_text.pdf"      # one page: a picture of words, no text layer


def test_text_word_drew_as_a_picture_is_counted_not_lost_silently():
    """Word drew the item labels ⑴, ⑵, ⑶ on page 1 and the whole item "⑷　平成２８年７月，取引銀行から
    の指摘を契機に上記⑵の横領が発覚した。" on page 2 as black-and-white pictures the line's height
    (a glyph its fonts lack): the text has no trace of them, and they had been left out with no count.
    They are counted in the glyph widths they span: 2 for each label, 35 for the line."""
    (r,) = recs(PICTURED)
    assert "取引銀行からの指摘" not in r.text                      # no OCR: the picture's text is not read
    assert "を表明した。\n３　原審は，上記事実関係等の下において" in r.text    # the item between is missing
    assert r.unread["text_as_picture"] == 4 * 2 + 35
    assert r.meta == {}                                             # no page of it is a picture alone


def test_text_pictures_of_item_labels_within_a_line_are_counted():
    """A 最高裁 ruling's page 8 (Word 2013): the labels (ｱ)…(ｵ), (ｲ), (5) and, within a sentence, "次の
    (ｱ)～(ｵ)のとおり" are pictures, the glyph after a label partly over its picture. Ten pictures of one
    glyph width or two that leave a glyph's width bare or more, 18 in all."""
    (r,) = recs(R / "hanrei_091112_p8_trimmed.pdf")
    assert "次の　～　のとおり" in r.text
    assert r.unread["text_as_picture"] == 18


def test_a_page_that_is_a_picture_with_no_text_is_named_in_the_rejection():
    """pdf.js's issue 4379 PDF (iText 5.5): its one page shows the words "Image Mask Example" as a
    picture (an image mask) with no text layer, as a scan without OCR does. The record is a bad-input
    record that says so, not "no text" with no reason."""
    (r,) = recs(PICTURE_PAGE)
    assert r.text is None
    assert r.error == "no extractable text: 1 page of pictures and no text layer (a scan without OCR)"


def test_a_picture_page_among_text_pages_is_on_the_record_and_flagged(tmp_path):
    """A document of a text page, then a page that is a picture (drawn here with matplotlib): the text
    is kept and the record says one page is a picture, which the corpus report counts as a flag."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.backends.backend_pdf import PdfPages

    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(tmp_path / "d.pdf") as pdf:
        fig = plt.figure(figsize=(4, 3))
        fig.text(0.1, 0.5, "A page of text.", fontsize=12)
        pdf.savefig(fig)
        plt.close(fig)
        fig = plt.figure(figsize=(4, 3))
        fig.figimage(np.tile(np.linspace(0, 1, 400), (300, 1)), cmap="gray", resize=True)
        pdf.savefig(fig, dpi=100)
        plt.close(fig)
    (r,) = recs(tmp_path / "d.pdf")
    assert r.text == "A page of text."
    assert r.meta == {"image_only_pages": 1}
    assert FLAGS["image_only_pages"][0] == "image_only_page"
