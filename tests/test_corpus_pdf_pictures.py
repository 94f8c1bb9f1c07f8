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


def _text_then_picture(path) -> None:
    """A PDF drawn with matplotlib: a page of text, then a page that is a picture."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.backends.backend_pdf import PdfPages

    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
        fig = plt.figure(figsize=(4, 3))
        fig.text(0.1, 0.5, "A page of text.", fontsize=12)
        pdf.savefig(fig)
        plt.close(fig)
        fig = plt.figure(figsize=(4, 3))
        fig.figimage(np.tile(np.linspace(0, 1, 400), (300, 1)), cmap="gray", resize=True)
        pdf.savefig(fig, dpi=100)
        plt.close(fig)


def test_a_picture_page_among_text_pages_is_on_the_record(tmp_path):
    """A document of a text page, then a page that is a picture: the text is kept and the record says
    one page is a picture."""
    _text_then_picture(tmp_path / "d.pdf")
    (r,) = recs(tmp_path / "d.pdf")
    assert r.text == "A page of text."
    assert r.meta == {"image_only_pages": 1}


def test_the_corpus_stage_counts_text_pictures_and_picture_pages(tmp_path):
    """The stage on the ruling with text drawn as pictures, the page of pictures alone and a text page
    followed by a picture page: every character read is kept or unread under a reason (the pictures'
    glyph widths under text_as_picture), the page of pictures alone is a bad input saying so, and the
    document with a picture page is counted under the image_only_page flag in stats.json and report.md."""
    import json

    from jiniac_hpc.config import from_dict
    from jiniac_hpc.corpus.config import CorpusConfig
    from jiniac_hpc.corpus.stage import run_inline

    _text_then_picture(tmp_path / "d.pdf")
    src = {"name": "pdf", "reader": "pdf", "lang": "ja", "filters": [],
           "paths": [str(PICTURED), str(PICTURE_PAGE), str(tmp_path / "d.pdf")]}
    run_inline(from_dict(CorpusConfig, {"sources": [src], "filters": {"min_chars": 1}}), tmp_path / "run")
    st = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["pdf"]
    assert st["docs_in"] == 3 and st["docs_in"] == st["docs_out"] + sum(v["docs"] for v in st["removed"].values())
    assert st["chars_read"] == st["chars_in"] + sum(st["unread"].values())
    assert st["unread"]["text_as_picture"] == 43
    assert st["bad_input_count"] == 1
    assert "1 page of pictures and no text layer" in st["bad_input"][0]
    assert st["flagged"] == {"image_only_page": 1}
    assert "- pdf: image_only_page 1" in (tmp_path / "run" / "report.md").read_text()
    assert FLAGS["image_only_pages"][0] == "image_only_page"
