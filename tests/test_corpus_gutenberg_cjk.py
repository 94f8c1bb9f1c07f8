"""The gutenberg reader on Japanese and Chinese books: legacy encodings, Aozora-style ruby, CJK line breaks in HTML.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_gutenberg_cjk.py

Real texts (tests/assets/corpus/real/SOURCES.md): golang/text's encoding test data, PG #1982
(芥川龍之介「羅生門」) in EUC-JP, Shift_JIS, ISO-2022-JP and UTF-8 and PG #23864 (孫子兵法) in Big5
and UTF-8, each a byte-exact re-encoding of the same text; an excerpt of PG #35018 (a Japanese
translation with Aozora-style ruby). PG's own header is written around golang's bodies here, in
the 2011 form those books had, declaring (or not) the encoding.
"""
import re
from pathlib import Path

import pytest

from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.charsets import codec_for, decode, guess_codec, is_hz, wide_unicode
from jiniac_hpc.corpus.readers.gutenberg_html import collapse
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"


def recs(path: Path, **kw):
    return list(read(path, SourceConfig(name="t", reader="gutenberg", paths=[str(path)], **kw), 1 << 24))


def body(name: str) -> bytes:
    """golang's file less its three-line note ("This file was derived from <PG's URL>", "--------")."""
    return (R / name).read_bytes().split(b"--------\n", 1)[1]


def pg_book(tmp_path, raw_body: bytes, declared, language) -> Path:
    head = "The Project Gutenberg EBook of X\n\nTitle: X\n\n" + (f"Language: {language}\n\n" if language else "") \
        + (f"Character set encoding: {declared}\n\n" if declared else "") \
        + "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\n\n"
    f = tmp_path / "book.txt"
    f.write_bytes(head.encode("ascii") + raw_body + b"\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\n")
    return f


@pytest.mark.parametrize("name,declared,language,codec", [
    ("golang_rashomon-euc-jp.txt", "EUC-JP", "Japanese", "euc_jis_2004"),
    ("golang_rashomon-euc-jp.txt", None, "Japanese", "euc_jis_2004"),
    ("golang_rashomon-shift-jis.txt", "Shift_JIS", "Japanese", "cp932"),
    ("golang_rashomon-shift-jis.txt", None, "Japanese", "cp932"),
    ("golang_rashomon-iso-2022-jp.txt", "ISO-2022-JP", "Japanese", "iso2022_jp_2"),
    ("golang_rashomon-iso-2022-jp.txt", None, None, "iso2022_jp_2"),        # its escapes tell
    ("golang_sunzi-bingfa-traditional-big5.txt", "Big5", "Chinese", "cp950"),   # 裏 is ETEN's F9D8: not in strict big5
    ("golang_sunzi-bingfa-traditional-big5.txt", None, "Chinese", "cp950"),
    ("golang_sunzi-bingfa-gb-levels-1-and-2-hz-gb2312.txt", "HZ-GB-2312", "Chinese", "hz"),
    ("golang_sunzi-bingfa-gb-levels-1-and-2-hz-gb2312.txt", None, None, "hz")])    # its escapes tell
def test_legacy_cjk_books_read_as_browsers_read_them(tmp_path, name, declared, language, codec):
    """Such a book had been read as Windows-1252 (EUC-JP, Big5, ISO-2022-JP: mojibake, no error) or
    rejected (Big5 with ETEN's characters) and would have been dropped by the language filter."""
    ref = re.sub(r"-(euc-jp|shift-jis|iso-2022-jp|big5|hz-gb2312)\.txt$", "-utf-8.txt", name)
    (r,) = recs(pg_book(tmp_path, body(name), declared, language))
    assert r.error is None and r.meta["encoding"] == codec
    assert r.text == body(ref).decode("utf-8").strip("\n")


def test_a_cjk_book_that_declares_nothing_is_an_error_not_latin_mojibake(tmp_path):
    (r,) = recs(pg_book(tmp_path, body("golang_sunzi-bingfa-traditional-big5.txt"), None, None))
    assert r.text is None and "undecodable text" in r.error and "no encoding declared" in r.error


def test_declared_labels_and_their_mistakes():
    assert [codec_for(x) for x in ("Shift_JIS", "x-euc-jp", "GB2312", "Latin-4", "ISO-8859-1", "no-such")] == \
        ["cp932", "euc_jis_2004", "gb18030", "iso8859_4", "cp1252", None]
    assert decode("羅生門①".encode("euc_jis_2004"), "EUC-JP")[0] == "羅生門①"      # NEC's ① at JIS X 0213's place
    # a book declared ISO-8859-1 that is UTF-8 (a label left from an older edition)
    french = "Émile était là — « Où ? »"
    assert decode(french.encode("utf-8"), "ISO-8859-1")[:2] == (french, "utf-8")
    # declared UTF-8: a stray Latin-1 byte is dropped and counted; a Latin file with no UTF-8 sequence is Latin
    assert decode("CHAPITRE I. Émile".encode("utf-8").replace(b"I.", b"I.\xe9"), "UTF-8") == \
        ("CHAPITRE I. Émile", "utf-8-sig", 1)
    latin = "CHAPITRE I\n\nÉmile était là, près du château; « Où est-il ? » - il rêvait."
    assert decode(latin.encode("latin-1"), "UTF-8")[:2] == (latin, "cp1252")
    with pytest.raises(UnicodeDecodeError, match="declared UTF-8"):
        decode(bytes(range(0x80, 0xC0)) * 2 + "é".encode("utf-8"), "UTF-8")


def test_japanese_book_with_aozora_ruby_and_its_notation_block():
    """PG's Japanese translations (#35018) mark ruby as Aozora does (帳《とばり》) and explain it in a block
    between two rules at the head: the readings had stayed in the text, the block at the work's start."""
    path = R / "gutenberg_35018-0_excerpt.txt"
    (r,) = recs(path)
    assert r.text.startswith("\u3000プロローグ\n\n\u3000鉄道駅舎、教育施設")
    assert "革の帳を横に押しやって" in r.text and "《" not in r.text and "Notes on the signs" not in r.text
    assert r.unread["ruby"] == len("とばり")
    raw = path.read_text(encoding="utf-8")
    assert len(re.sub("\n", "", raw)) == len(re.sub("\n", "", r.text)) + sum(r.unread.values())


def test_cjk_line_breaks_in_a_page_are_not_spaces():
    """A Chinese EPUB's <p> (PG #23962, 西遊記, as ebookmaker wrote it) wraps its source lines inside the
    sentence: each break had become a space ("丑、寅 、卯", 18,722 in that book). U+3000 is text."""
    src = ("蓋聞天地之數，有十二萬九千六百歲為一元。將一元分為十二會，乃子、丑、寅\n、卯、辰、巳、午、未、申、酉、戌、亥"
           "之十二支也。每會該一萬八百歲。且就\n一日而論：子時得陽氣")
    assert collapse(src) == src.replace("\n", "")
    assert collapse("\u3000プロローグ\n\n") == "\u3000プロローグ"
    assert collapse("The Agony Column (1916年\u3000The Bobbs-Merrill\n  Company)") == \
        "The Agony Column (1916年\u3000The Bobbs-Merrill Company)"
    assert collapse("日本語\nand English") == "日本語 and English"


def test_transcribers_encoding_notes_are_not_the_work(tmp_path):
    """#31963's two editions open with a note on their own encoding (quoted from the real files)."""
    for note in ("[This text uses UTF-8 (Unicode) file encoding. If the apostrophes and\nquotation marks in this "
                 "paragraph appear as garbage, make sure your\ntext reader’s “character set” or “file encoding” is "
                 "set to Unicode\n(UTF-8).]",
                 "[This text is intended for users whose text readers cannot use the\n\"real\" (Unicode/UTF-8) "
                 "version of the file.]"):
        f = tmp_path / "b.txt"
        f.write_text("*** START OF THIS PROJECT GUTENBERG EBOOK X ***\n\n" + note + "\n\nPRICE 65 CENTS\n\n"
                     "*** END OF THIS PROJECT GUTENBERG EBOOK X ***\n", encoding="utf-8")
        assert recs(f)[0].text == "PRICE 65 CENTS"


@pytest.mark.parametrize("name", ["golang_rashomon-euc-jp.txt", "golang_rashomon-iso-2022-jp.txt",
                                  "golang_rashomon-shift-jis.txt"])
def test_the_text_readers_auto_encoding_reads_japanese_legacy_encodings(name):
    """``encoding: auto`` of the text reader had tried UTF-8 then cp932 only: EUC-JP was rejected at line
    1 as cp932, and ISO-2022-JP passed as UTF-8 with its escape codes in the text."""
    src = SourceConfig(name="t", reader="text", paths=[str(R / name)])
    got = "\n\n".join(r.text for r in read(R / name, src, 1 << 24))
    ref = "\n\n".join(r.text for r in read(R / "golang_rashomon-utf-8.txt", src, 1 << 24))
    assert "\x1b" not in got and got == ref


def test_a_mirror_that_cut_the_header_off_is_read_from_the_files_start(tmp_path):
    """gutenbergbooks/23864 keeps PG's #23864 as the work and PG's end line (quoted), no header: every
    book of such a mirror had been rejected for want of a start marker."""
    work = body("golang_sunzi-bingfa-traditional-utf-8.txt").decode("utf-8").strip("\n")
    f = tmp_path / "23864-0.txt"
    f.write_text("\n" + work + "\n\n\n\nEnd of the Project Gutenberg EBook of Sun zi bing fa, by Wu Sun\n",
                 encoding="utf-8")
    (r,) = recs(f)
    assert r.text == work
    f.write_text(work + "\n", encoding="utf-8")       # neither marker: not known to be PG's
    assert "no '*** START OF" in recs(f)[0].error


def test_a_pages_charset_after_a_long_style_sheet_is_read(tmp_path):
    """Hand-made pages put their style sheet first: a <meta charset> past the first 4 KiB had not been
    seen, and an EUC-JP page with no Language field was then an undeclared, undecodable file."""
    text = body("golang_rashomon-utf-8.txt").decode("utf-8").strip("\n")
    page = ("<html><head><style>\n" + "p { margin: 0 }\n" * 400 + "</style>\n"
            '<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP"></head><body>\n'
            "<p>*** START OF THIS PROJECT GUTENBERG EBOOK X ***</p>\n<pre>" + text + "</pre>\n"
            "<p>*** END OF THIS PROJECT GUTENBERG EBOOK X ***</p></body></html>\n")
    f = tmp_path / "x-h.htm"
    f.write_bytes(page.encode("euc_jis_2004"))
    (r,) = recs(f)
    assert r.error is None and r.meta["encoding"] == "euc_jis_2004" and r.text.startswith("羅生門")


HZ = "golang_sunzi-bingfa-gb-levels-1-and-2-hz-gb2312.txt"


def test_undeclared_hz_is_told_by_its_escapes_not_english_with_a_tilde_brace():
    """HZ is 7-bit: UTF-8 and ASCII had read 孫子兵法 as "~{J<<F5ZR;~}", with no error. The text reader's
    ``encoding: auto`` reads it too. English with a "~{" (the forms below are from real code and
    TeX; none closes a run of GB2312 pairs) and the English books here are not HZ."""
    src = SourceConfig(name="t", reader="text", paths=[str(R / HZ)])
    got = [r.text for r in read(R / HZ, src, 1 << 24)]
    assert got == [r.text for r in read(R / HZ.replace("hz-gb2312", "utf-8"), src, 1 << 24)] and "~{" not in got[2]
    assert guess_codec((R / HZ).read_bytes()[:5000]) == "hz"        # a head cut inside a run
    assert is_hz(b"This sentence is in ASCII.\nThe next sentence is in GB.~{<:Ky2;S{#,NpJ)l6HK!#~}Bye.\n")
    for text in (b"Merged 12 segments into 3 chunks (~{chunk_size} segs/chunk)\n", b"see Fig.~{\\ref{a}} and ~{\\em x}\n",
                 b"http://example.edu/~{user}/index.html ~}\n", b"a ~{ab~} b\n", b"~~{J<<F5ZR;~~}\n"):
        assert not is_hz(text), text
    for book in R.glob("gutenberg_*.txt"):
        assert not is_hz(book.read_bytes()), book.name


@pytest.mark.parametrize("name,codec", [("golang_candide-utf-16le_trimmed.txt", "utf-16-le"),
                                        ("golang_candide-utf-32be_trimmed.txt", "utf-32-be")])
def test_the_text_readers_auto_encoding_reads_utf16_and_utf32(tmp_path, name, codec):
    """UTF-16 and UTF-32 without a byte order mark (golang/text's real files) had been rejected as
    "binary input: NUL bytes"; they are told by where their NUL bytes are, and read whole."""
    src = SourceConfig(name="t", reader="text", paths=[str(R / name)])
    raw = (R / name).read_bytes()
    assert wide_unicode(raw) == codec
    got = [r.text for r in read(R / name, src, 1 << 24)]
    utf8 = tmp_path / "utf8.txt"
    utf8.write_bytes(raw.decode(codec).encode("utf-8"))
    assert all(t is not None for t in got) and got == [r.text for r in read(utf8, src, 1 << 24)]
    assert got[0].startswith("This file was derived from") and "généalogique" in got[-1]


def test_utf16_with_a_byte_order_mark_and_what_is_not_utf16(tmp_path):
    """Windows Notepad's "Unicode" (UTF-16 LE after a BOM) and UTF-16 BE with one: read by the BOM,
    whatever the text (a Japanese text has few NUL bytes). Japanese UTF-16 *without* a BOM cannot be
    told so; it stays an error, not mojibake. No binary or text file of the real samples here is
    taken for UTF-16/32. (Written here from golang/text's real 羅生門: no public UTF-16 Japanese file
    with a BOM was found.)"""
    text = (R / "golang_rashomon-utf-8.txt").read_text(encoding="utf-8")
    src = SourceConfig(name="t", reader="text", paths=["x"])
    ref = [r.text for r in read(R / "golang_rashomon-utf-8.txt", src, 1 << 24)]
    for codec in ("utf-16-le", "utf-16-be"):
        bom = "\ufeff".encode(codec)
        f = tmp_path / f"{codec}.txt"
        f.write_bytes(bom + text.replace("\n", "\r\n").encode(codec))
        assert [r.text for r in read(f, src, 1 << 24)] == ref, codec
        declared = SourceConfig(name="t", reader="text", paths=["x"], encoding="utf-16")
        assert [r.text for r in read(f, declared, 1 << 24)] == ref, codec
    f = tmp_path / "nobom.txt"
    f.write_bytes(text.encode("utf-16-le"))
    (r,) = read(f, src, 1 << 24)
    assert r.text is None and "NUL bytes" in r.error
    for p in R.iterdir():
        if p.is_file() and "utf-16" not in p.name and "utf-32" not in p.name:
            assert wide_unicode(p.read_bytes()[:1 << 16]) is None, p.name
