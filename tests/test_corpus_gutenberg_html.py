"""The gutenberg reader on Project Gutenberg's HTML and EPUB editions: real files of both generations.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_gutenberg_html.py

Real files (tests/assets/corpus/real/SOURCES.md): a hand-made XHTML page with its plain-text
edition (#17773, songs: the header and licence in ``<pre>``, stanzas set apart by ``<br><br>``),
a page with printed page numbers and verse as one ``<p>`` a line (#18131), and an ebookmaker page
of 2024 (#11, ``section#pg-header``/``#pg-footer``; chapters II-XI cut), and ebookmaker's EPUB 3 of
#1064 (header, story and footer as three documents of the spine); for the apparatus producers add,
#31894 (note numbers glued to words) with its text edition, #921 (a transcriber's credit) in both
editions, and the EPUBs of #23042 (verse line numbers) and #39287 (ruby, in Japanese); other
producers' markup as real lines quoted in the tests. What the reader keeps is
checked against the text edition and against the page's own paragraphs, taken out here with
plain regular expressions, not the reader's parser.
"""
import html
import json
import re
import zipfile
from pathlib import Path

from jiniac_hpc.config import from_dict
from jiniac_hpc.corpus.config import CorpusConfig, SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.stage import run_inline
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
SONGS_HTML, SONGS_TXT = R / "gutenberg_17773-h.htm", R / "gutenberg_17773.txt"
PLAY = R / "gutenberg_18131-h.htm"
ALICE = R / "gutenberg_pg11-images_trimmed.html"
EPUB = R / "gutenberg_pg1064-images-3.epub"
PG_TEXT = ("Gutenberg", "START OF", "END OF", "License", "LICENSE", "eBook", "<", "&amp;", "&mdash;")


def recs(path):
    return list(read(Path(path), SourceConfig(name="t", reader="gutenberg", paths=[str(path)], lang="en"), 1 << 24))


def words(s: str) -> list[str]:
    return re.findall(r"[^\W_]+", s)


def nonspace(s: str) -> int:
    return len(re.sub(r"\s", "", s))


def page_text(raw: str) -> tuple[str, str]:
    """(the text of <body>, the alt texts): tags and comments cut out, entities decoded."""
    body = raw[raw.index("<body"):]
    alts = " ".join(html.unescape(a) for a in re.findall(r'\balt\s*=\s*"([^"]*)"', body))
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]*>", "", body)), alts


def test_html_edition_has_the_text_editions_songs_and_counts_every_character():
    (h,) = recs(SONGS_HTML)
    (t,) = recs(SONGS_TXT)
    assert h.error is None and h.meta == {"encoding": "cp1252", "edition": "html"}
    for leak in PG_TEXT:
        assert leak not in h.text, leak
    # Every stanza and chorus of the text edition (4+ lines) is, word for word, a paragraph of the
    # HTML edition (which numbers its stanzas: "2. Oh child, ...").
    stanzas = [words(p) for p in t.text.split("\n\n") if p.strip().count("\n") >= 3]
    paragraphs = [words(p) for p in h.text.split("\n\n")]
    assert len(stanzas) == 19
    for s in stanzas:
        assert any(p[-len(s):] == s and len(p) - len(s) <= 1 for p in paragraphs), " ".join(s[:8])
    assert "Hallelu—there's a lot of work to do" in h.text            # &mdash; decoded
    # Every non-blank character of the page's body text and alt texts is kept or counted unread;
    # the rest of unread['markup'] is the <head> (title and style sheet).
    raw = SONGS_HTML.read_text(encoding="cp1252")
    body, alts = page_text(raw)
    head = "".join(m[1] for m in re.findall(r"<(title|style)[^>]*>(.*?)</\1>", raw[:raw.index("<body")], re.S))
    assert h.unread["markup"] == nonspace(head)
    assert nonspace(h.text) + sum(h.unread.values()) == nonspace(body) + nonspace(alts) + nonspace(head)
    assert h.unread["alt"] == nonspace(alts) > 0


def test_page_numbers_and_verse_written_one_paragraph_a_line():
    (r,) = recs(PLAY)
    raw = PLAY.read_text(encoding="cp1252")
    pagenums = re.findall(r'<span class="pagenum">(.*?)</span>', raw)
    assert len(pagenums) == 74
    assert "[pg " not in r.text and r.unread["pagenum"] == sum(nonspace(html.unescape(re.sub(r"<[^>]*>", "", p)))
                                                                for p in pagenums)
    # A stanza of <p class="i2"> lines is one paragraph of lines, not a paragraph per line.
    assert ("The golden thread is spun,\nThe Knight has won his bride,\nAnd now our task is done,\n"
            "We may no longer bide.") in r.text
    # the producer's note before the title page is not the play's: counted as a transcriber's note
    assert r.text.startswith("The RESCUE\nof the\nPRINCESS") and r.text.endswith("Curtain.")
    note = "[Transcriber's Note: The songs in this book … added for convenience.]"
    raw = PLAY.read_text("cp1252")
    note = raw[raw.index(note[:30]):raw.index("convenience.]") + 13]
    assert "Transcriber" not in r.text and r.unread["transcriber_note"] == nonspace(note)
    for leak in PG_TEXT:
        assert leak not in r.text, leak


def test_ebookmaker_page_drops_pg_header_and_footer_sections():
    (r,) = recs(ALICE)
    assert r.error is None and r.meta == {"encoding": "utf-8", "edition": "html"}
    assert r.text.startswith("Alice’s Adventures in Wonderland\n\nby Lewis Carroll\n\nTHE MILLENNIUM FULCRUM EDITION 3.0")
    assert "CHAPTER I.\nDown the Rabbit-Hole" in r.text
    assert r.text.endswith("remembering her own child-life, and the happy summer days.\n\nTHE END")
    for leak in PG_TEXT + ("Release date", "Credits", "Most recently updated"):
        assert leak not in r.text, leak
    raw = ALICE.read_text(encoding="utf-8")
    # every paragraph of the page's chapter I, whitespace squeezed, is a paragraph of the work
    chapter = raw[raw.index('<div class="chapter">'):raw.index("</div><!--end chapter-->")]
    paras = [" ".join(html.unescape(re.sub(r"<[^>]*>", "", p)).split())
             for p in re.findall(r"<p>(.*?)</p>", chapter, flags=re.S)]
    assert len(paras) == 24
    work = set(r.text.split("\n\n"))
    assert [p for p in paras if p not in work] == []
    header = raw[raw.index('<section class="pg-boilerplate pgheader" id="pg-header"'):raw.index("</section>")]
    footer = raw[raw.index('<section class="pg-boilerplate pgheader" id="pg-footer"'):]
    assert r.unread["boilerplate"] == nonspace(page_text("<body>" + header)[0] + page_text("<body>" + footer)[0])


def test_pg_html_zip_through_the_corpus_stage(tmp_path):
    """PG ships an HTML edition as NNNN-h.zip: the page and its images in one folder."""
    z = tmp_path / "17773-h.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        f.writestr("17773-h/17773-h.htm", SONGS_HTML.read_bytes())
        f.writestr("17773-h/images/cover.jpg", b"\xff\xd8\xff\xe0 a JPEG stands in for the page's images")
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "pg", "reader": "gutenberg", "lang": "en", "paths": [str(z)]}],
                                   "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    s = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["pg"]
    assert s["docs_in"] == 2 and s["docs_out"] == 1 and s["removed"]["image"]["docs"] == 1
    assert s["bytes_in"] == SONGS_HTML.stat().st_size + len(b"\xff\xd8\xff\xe0 a JPEG stands in for the page's images")
    (direct,) = recs(SONGS_HTML)
    assert s["unread"] == direct.unread and s["chars_read"] == s["chars_in"] + sum(s["unread"].values())


def test_epub_reads_the_spine_documents_in_order():
    (r,) = recs(EPUB)
    assert r.error is None and r.meta == {"encoding": "utf-8", "edition": "epub"}
    assert r.text.startswith("The Masque of the Red Death\n\nby Edgar Allan Poe\n\nThe “Red Death” had long devastated")
    assert r.text.endswith("And Darkness and Decay and the Red Death held illimitable dominion over all.")
    for leak in PG_TEXT + ("Release date", "Credits"):
        assert leak not in r.text, leak
    with zipfile.ZipFile(EPUB) as z:
        docs = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xhtml")}
    header, story, footer = (docs[f"OEBPS/6368134487431172322_1064-h-{i}.htm.xhtml"] for i in range(3))
    # every paragraph of the story's document, in order, is a paragraph of the work
    paras = [" ".join(html.unescape(re.sub(r"<[^>]*>", "", p)).split()) for p in re.findall(r"<p>(.*?)</p>", story, re.S)]
    assert len(paras) == 14
    work = r.text.split("\n\n")
    assert sorted(work.index(p) for p in paras) == [work.index(p) for p in paras]
    # the boilerplate is the header and footer sections, character for character
    pg = [d[d.index("<section"):d.index("</section>")] for d in (header, footer)]
    assert r.unread["boilerplate"] == sum(nonspace(page_text("<body>" + d)[0]) for d in pg)


def test_broken_epub_names_what_is_missing(tmp_path):
    bad = tmp_path / "pg1064.epub"
    with zipfile.ZipFile(EPUB) as z, zipfile.ZipFile(bad, "w") as out:
        for i in z.infolist():
            if not i.filename.endswith("1064-h-1.htm.xhtml"):      # the story's document is lost
                out.writestr(i, z.read(i.filename))
    (r,) = recs(bad)
    assert r.text is None and "spine item 'item5' of OEBPS/content.opf" in r.error and "1064-h-1.htm.xhtml" in r.error
    src = SourceConfig(name="t", reader="text", paths=[str(EPUB)], lang="en")
    (t,) = read(EPUB, src, 1 << 24)
    assert t.text is None and "an EPUB book" in t.error          # other readers still refuse the archive


def test_epub_through_the_corpus_stage(tmp_path):
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "pg", "reader": "gutenberg", "lang": "en",
                                                "paths": [str(EPUB)]}], "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    s = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["pg"]
    assert s["docs_in"] == s["docs_out"] == 1 and s["bytes_in"] == EPUB.stat().st_size
    assert s["chars_read"] == s["chars_in"] + sum(s["unread"].values())


def test_verse_markup_without_and_with_a_poem_wrapper():
    """PG's producers write a stanza as div.stanza alone or inside div.poem, its lines as <p>,
    <div class="line"> or <span> + <br>: lines stay lines, stanzas paragraphs, text after the poem prose."""
    from jiniac_hpc.corpus.readers.gutenberg_html import page_lines

    bare = '<div class="stanza"><p>a</p><p>b</p></div><p>c</p><p>d</p>'
    assert page_lines(bare)[0] == ["a", "b", "", "c", "", "d", ""]
    nested = ('<div class="poem"><div class="stanza"><p>a</p><p>b</p></div><div class="stanza"><div class="line">c'
              '</div><div class="line">d</div></div><div class="stanza"><span class="i0">e<br /></span><span>f'
              '<br /></span></div></div><p>g</p>')
    assert page_lines(nested)[0] == ["a", "b", "", "c", "d", "", "e", "f", "", "g", ""]
    # XHTML's self-closing <div/> (ebookmaker writes one after the PG header) opens and closes at once
    assert page_lines('<div class="poem"><div/><p>a</p><p>b</p></div><p>c</p><p>d</p>')[0] == ["a", "b", "", "c", "",
                                                                                              "d", ""]


# ---- the apparatus producers add: note numbers, line numbers, page numbers, ruby, credits ----------

LATIN, LATIN_TXT = R / "gutenberg_31894-h.htm", R / "gutenberg_31894-0.txt"
TEMPEST = R / "gutenberg_pg23042-images-3.epub"
AGONY_JA = R / "gutenberg_pg39287-images-3.epub"
PROFUNDIS, PROFUNDIS_TXT = R / "gutenberg_921-h.htm", R / "gutenberg_921.txt"


def epub_docs(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xhtml"))


def test_footnote_numbers_glued_to_words_are_counted_not_kept():
    """#31894 links its notes as nuces<a class="tag" href="#note1">1</a>; the text edition writes
    nuces[1]. The number goes to unread['noteref'] instead of making the word "nuces1"."""
    (h,) = recs(LATIN)
    (t,) = recs(LATIN_TXT)
    refs = re.findall(r"([^\W\d_]+)_?[.,!]?\[(\d+)\]", t.text)     # _nuces_[1], lesson.[2], Johnston,[7]
    assert len(refs) == 7
    for word, n in refs:
        assert re.search(rf"{word}[.,!;)]*\s", h.text), word        # "nuces; one", "lesson.) Pergite"
        assert not re.search(rf"{word}[.,!;)]*{n}", h.text), word + n
    assert h.unread["noteref"] == sum(len(n) for _, n in refs)
    raw = LATIN.read_text(encoding="utf-8")
    body, alts = page_text(raw)
    head = "".join(m[1] for m in re.findall(r"<(title|style)[^>]*>(.*?)</\1>", raw[:raw.index("<body")], re.S))
    assert nonspace(h.text) + sum(h.unread.values()) == nonspace(body) + nonspace(alts) + nonspace(head)


def test_verse_line_numbers_are_counted_not_kept():
    """The Tempest (#23042, EPUB) numbers every tenth line: <span class="linenum">10</span>."""
    (r,) = recs(TEMPEST)
    docs = epub_docs(TEMPEST)
    nums = re.findall(r'<span class="linenum">(.*?)</span>', docs)
    assert len(nums) > 200
    assert r.unread["linenum"] == sum(nonspace(html.unescape(re.sub(r"<[^>]*>", "", n))) for n in nums)
    assert "Boats. I pray now, keep below." in r.text and "10 Boats." not in r.text
    assert not re.search(r"[^\W\d_][,;:.!?]?(10|20|30|40|50)$", r.text, re.M)   # no "ground,10" line ends


def test_ruby_readings_are_counted_and_header_fields_dropped():
    """A Japanese translation (#39287, EPUB): <ruby><rb>…</rb><rt>アップ・トゥー・ユー</rt></ruby>; the
    work starts after the header's "Title: …" / "Translator: …" fields, repeated after the start marker."""
    (r,) = recs(AGONY_JA)
    rts = re.findall(r"<rt>(.*?)</rt>", epub_docs(AGONY_JA))
    assert rts and r.unread["ruby"] == sum(nonspace(x) for x in rts)
    assert "あなたにかかっているのです。" in r.text and "アップ・トゥー・ユー" not in r.text
    # the paragraph keeps its ideographic-space indent: U+3000 is text to HTML, not collapsible whitespace
    assert r.text.startswith("苦悶の欄\n\nアール・デア・ビガーズ\n\n第一章\n\n\u3000二年前の七月")
    assert "Title:" not in r.text and "Translator:" not in r.text


def test_transcribers_credit_dropped_from_both_editions():
    """De Profundis (#921): "Transcribed from the 1913 Methuen & Co. edition by David Price, email …"
    opens the work in the text edition and in the HTML page."""
    (h,) = recs(PROFUNDIS)
    (t,) = recs(PROFUNDIS_TXT)
    for r in (h, t):
        assert r.text.startswith("DE PROFUNDIS\n\n") and "David Price" not in r.text and "pglaf" not in r.text
    assert words(h.text)[:1400] == words(t.text)[:1400]     # (then the page spells flâneur, the text flaneur)


def test_page_number_markup_of_other_producers():
    """Real markup (ebookmaker EPUBs of #38326, #55201, #46976; a <pre> of the hand-made pages)."""
    from jiniac_hpc.corpus.readers.gutenberg_html import page_lines

    lines, unread, _ = page_lines('<p>and death, <span class="tei tei-pb" id="page408">[pg 408]</span>the rest</p>')
    assert lines[0] == "and death, the rest" and unread == {"pagenum": 7}
    lines, unread, _ = page_lines('<p>much as they imagine—<span class="stpagenum"><a href="x.xhtml#stpage330A" '
                                  'class="pginternal">330</a></span>as Themistocles replied</p>')
    assert lines[0] == "much as they imagine—as Themistocles replied" and unread == {"pagenum": 3}
    lines, unread, _ = page_lines('<td class="tdl"><p class="indent"><span class="pagenum3"><a id="Page_xi">xi</a>'
                                  '</span>XXX. Capture of Aornus.</p></td>')
    assert lines[0] == "XXX. Capture of Aornus." and unread == {"pagenum": 2}
    # HTML drops the newline right after <pre>; a note number after "[" or a space stays
    assert page_lines("<pre>\nline one\n</pre>")[0][0] == "line one"
    lines, unread, _ = page_lines('<p>not quite."[<a href="#fn1">1</a>] This; Boese, Thomas, '
                                  '<a href="x.xhtml#Footnote_6_5" class="pginternal">15</a>.</p>')
    assert lines[0] == 'not quite."[1] This; Boese, Thomas, 15.' and unread == {}
    # <rt> may leave its end tag out (HTML): the next <rt> or </ruby> ends it
    lines, unread, _ = page_lines("<p><ruby>漢<rt>かん<rb>字<rt>じ</ruby>です</p>")
    assert lines[0] == "漢字です" and unread == {"ruby": 3}


def test_credits_over_two_paragraphs_dp_canada_header_and_colophon(tmp_path):
    """Real markup after the start marker (#3420, #5402, #67138) and before the end (#10676)."""
    start, end = "<p>*** START OF THE PROJECT GUTENBERG EBOOK X ***</p>", "<p>*** END OF THE PROJECT GUTENBERG EBOOK X ***</p>"

    def work(body: str) -> str:
        p = tmp_path / "pg.html"
        p.write_text(f"<html><body>{start}{body}{end}</body></html>", encoding="utf-8")
        (r,) = recs(p)
        return r.text

    assert work('<p id="id00000">This etext was produced by</p><p id="id00001" style="margin-top: 5em">Amy E Zelmer '
                '&lt;a.zelmer@cqu.edu.au&gt;<br/>Col Choat &lt;CChoat@sanderson.net.au&gt;</p><p>A VINDICATION</p>'
                ) == "A VINDICATION"
    assert work('<p id="id00000">Produced by Juliet Sutherland, Charles Franks and the</p><p style="margin-top: 4em">'
                'Online Distributed Proofreading Team</p><p>1811 DICTIONARY OF THE VULGAR TONGUE.</p>'
                ) == "1811 DICTIONARY OF THE VULGAR TONGUE."
    assert work('<p class="pindent"><span class="bold">* A Distributed Proofreaders Canada eBook *</span></p>'
                '<p class="pindent">This ebook is made available at no cost and with very few restrictions.</p>'
                '<p class="pindent">This work is in the Canadian public domain, but may be under copyright in some '
                'countries.</p><div class="lgl"><p class="line0"><span class="it">Title:</span> The Sun Also Rises</p>'
                '<p class="line0"><span class="it">Author:</span> Ernest Hemingway (1899-1961)</p></div>'
                '<p>Faded Page eBook #20150622</p><p>This ebook was produced by: Marcia Brooks, Al Haines</p>'
                '<p>ERNEST</p><p>HEMINGWAY</p>') == "ERNEST\n\nHEMINGWAY"
    assert work('<p>the levying of blackmail.</p><h2 class="main">Colophon</h2><h3 class="main">Availability</h3>'
                '<p class="first">This eBook is for the use of anyone anywhere at no cost</p><h3>Metadata</h3>'
                '<p>Title: The Reign of Greed</p>') == "the levying of blackmail."
    # a chapter of the work called "Colophon" (no "Availability" after it) stays
    assert work("<p>text</p><h2>Colophon</h2><p>The printer's note.</p>") == "text\n\nColophon\n\nThe printer's note."


def test_headerless_page_whose_colophon_is_in_spanish():
    """#20738, Calderón's *Diccionario Ingles-Español-Tagalog* (2007), the HTML edition as the
    gutenbergbooks mirror holds it: no PG header or end line at all, the licence only in the
    colophon Hellingman's tools wrote in the book's language ("Colofón", "Disponibilidad", then PG's
    "This eBook is for the use of anyone anywhere …"). The page is PG's; the colophon is not the work."""
    path = R / "gutenberg_20738-h_colophon_es_trimmed.html"
    (r,) = recs(path)
    assert r.error is None and r.meta["edition"] == "html"
    assert r.text.startswith("Diccionario\n\nIngles-Español-Tagalog")
    assert r.text.endswith("Zymology, n. [zaimólodchi]\nZimología.\nAng kaalaman sa pagpapahilab.")
    for leak in ("Colof", "Disponibilidad", "Gutenberg", "Hellingman", "Correcciones", "Ubicación"):
        assert leak not in r.text, leak
    body, _ = page_text(path.read_text(encoding="ascii"))
    colophon = body[body.index("Colofón"):]
    assert r.unread["boilerplate"] == nonspace(colophon)     # the colophon, no more and no less


def test_epub_whose_work_follows_the_1993_small_print_under_the_modern_marker():
    """#1, *The Declaration of Independence* (EPUB 3 of 2024): under "*** START OF THE PROJECT
    GUTENBERG EBOOK …" the 1993 file's header is kept whole, its "***START**THE SMALL PRINT!**…"
    licence ending "*END*THE SMALL PRINT! … *END*", and only then the work. The licence is not the
    work, and the Small Print's first line is no end of it."""
    (r,) = recs(R / "gutenberg_pg1-images-3_no_images.epub")
    assert r.meta["edition"] == "epub"
    for kept in ("When in the Course of human events", "We hold these truths to be self-evident",
                 "Congress shall make no law respecting an establishment of religion"):
        assert kept in r.text, kept
    for leak in ("SMALL PRINT", "Plain Vanilla", "Charles B. Kramer", "START OF", "END OF"):
        assert leak not in r.text, leak


def test_a_book_about_project_gutenberg_keeps_its_paragraphs_on_pg():
    """#43007 (EPUB 3 by ebookmaker, Arabic): an essay on Michael Hart whose fourth paragraph is
    about PG itself ("… إنه مشروع غوتنبرغ Project Gutenberg. …"). Naming PG does not make an essay's
    paragraph a producer's note: the essay is read whole, nothing counted as transcriber_note."""
    path = R / "gutenberg_pg43007-images-3_about_pg.epub"
    (r,) = recs(path)
    assert r.error is None and r.meta["edition"] == "epub"
    assert r.text.startswith("Michael Hart.\n\nورحل مايكل هارت")
    assert "إنه مشروع غوتنبرغ Project Gutenberg." in r.text and "transcriber_note" not in r.unread
    assert "START OF" not in r.text and "License" not in r.text


def test_dp_verse_divs_are_a_poems_lines():
    """#52834 (2016, DP): its poems are ``<div class="poetry-container"><div class="poetry">``, a line
    in each ``<div class="verse">``, and the Guernésiais song and its translation side by side as
    ``<div class="stanza-fr">`` and ``<div class="stanza-en">``. Each verse is a line and each
    stanza a paragraph, as the text edition sets them (not a paragraph for each line)."""
    (r,) = recs(R / "gutenberg_52834-h_verse_divs_trimmed.htm")
    assert r.error is None
    assert ("“IN WINTER’S TEDIOUS NIGHTS SIT BY THE FIRE\nWITH GOOD OLD FOLKS, AND LET THEM TELL THEE TALES\n"
            "OF WOEFUL AGES LONG AGO BETID.”\n—K. RICHARD II., ACT V., SC. 1.\n\n") in r.text
    assert ("“Vouloüs passair dans l’pu bel endret d’l’île\nUne a’ r’levaie sans paine et sans chagrin!\n"
            "Tournai mé l’dos ès sales pavais d’la ville,\nEt galoppai sie l’vieil houme du Neuf-Ch’min, etc.”\n\n"
            "[Translation].\n“Do you wish to go to the most beautiful neighbourhood of the island\n") in r.text
    assert r.text.endswith("Turn your back on the dirty pavements of the town,\nAnd gallop out to the old man of the New Path.”")
