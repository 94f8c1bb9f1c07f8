"""ZIP archives as inputs: each file of an archive is read as a file of its own.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_archives.py

Aozora Bunko publishes each work as a ZIP holding the Shift_JIS text (and, for some works, the
illustrations); the e-Gov bulk download is a ZIP of one folder per law; Project Gutenberg's
1990s files came zipped. Real Aozora ZIPs are read as they come (and a work the Aozora repository
stores as its text under a ZIP's name); the other archives are built in the test from the real
samples under tests/assets/corpus/real (SOURCES.md), as those distributions pack them: what the
reader makes of a member must equal what it makes of the same file unpacked, and every byte in the
archives is counted in the report.
"""
import json
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.config import from_dict
from jiniac_hpc.corpus import shards as sh
from jiniac_hpc.corpus.config import CorpusConfig, SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.stage import run_inline
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
AOZORA = R / "aozora_395_ruby.txt"
GUTENBERG = R / "gutenberg_wssnt10_1997.txt"
LAWS = [R / "egov_405AC0000000088.xml", R / "egov_129AC0000000089_minpo_trimmed.xml"]
PDF = R / "hanrei_092891.pdf"
DOCX = R / "python_docx_doc-default.docx"
# Real Aozora Bunko ZIPs as the repository ships them (SOURCES.md): one Shift_JIS text each, the
# member name as the inputter typed it (ken’ekito: cp932 bytes 81 66, no UTF-8 flag)
REAL_ZIPS = {R / "aozora_51135_ruby_65180_cp932_name.zip": "ken’ekito_nimotsu_kensa.txt",
             R / "aozora_56078_ruby_51155.zip": "ekiden_basha.txt",
             R / "aozora_53411_txt_43155.zip": "kan'a.txt"}
#: the first 410 bytes of aozora_53411_txt_43155.zip: its one member whole, the central directory not come
CUT = R / "aozora_53411_txt_43155_cut_short_trimmed.zip"
CUT_SHORT = ("a ZIP archive cut short: it opens with a member's header but has no end-of-central-directory record "
             "(the list of its files, at its end), so none of its files can be read; an interrupted download?")
#: the first lines and the footer of a work the repository stores as its text under its ZIP's name
TEXT_NAMED_ZIP = R / "aozora_56151_ruby_60063_text_named_zip_trimmed.zip"


def png_1x1() -> bytes:
    """A valid one-pixel PNG (an Aozora work's illustration stands in for any image)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def texts(reader: str, path) -> list:
    src = SourceConfig(name="t", reader=reader, paths=[str(path)])
    return [(r.text, r.error, r.skip, r.unread) for r in read(Path(path), src, 8_000_000)]


def build(tmp: Path):
    aozora = tmp / "395_ruby_2467.zip"      # Aozora's name: <work>_ruby_<file id>.zip
    with zipfile.ZipFile(aozora, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("395_ruby.txt", AOZORA.read_bytes())
        z.writestr("fig395_01.png", png_1x1())
    laws = tmp / "all_xml.zip"              # e-Gov bulk: a folder per law revision
    with zipfile.ZipFile(laws, "w", zipfile.ZIP_DEFLATED) as z:
        for p in LAWS:
            z.writestr(f"{p.stem}/{p.name}", p.read_bytes())
        z.writestr(f"{LAWS[0].stem}/pict/appdx1.pdf", PDF.read_bytes())     # an appendix as a PDF
        z.writestr(f"{LAWS[1].stem}/pict/appdx2.docx", DOCX.read_bytes())   # and one in Word
    gutenberg = tmp / "wssnt10.zip"
    with zipfile.ZipFile(gutenberg, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("wssnt10.txt", GUTENBERG.read_bytes())
    (tmp / "broken.zip").write_bytes(b"PK\x03\x04 this archive was cut off")
    return aozora, laws, gutenberg


def test_a_member_reads_as_the_unpacked_file(tmp_path):
    aozora, laws, gutenberg = build(tmp_path)
    assert texts("aozora", f"{aozora}::395_ruby.txt") == texts("aozora", AOZORA)
    assert texts("gutenberg", f"{gutenberg}::wssnt10.txt") == texts("gutenberg", GUTENBERG)
    for p in LAWS:
        assert texts("egov_xml", f"{laws}::{p.stem}/{p.name}") == texts("egov_xml", p)
    assert texts("aozora", f"{aozora}::fig395_01.png") == [(None, None, "image", {})]
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    assert sh._archive_files(str(empty)) == [str(empty)]          # kept whole, so its task reports it
    assert texts("aozora", empty) == [(None, "unreadable as aozora: a ZIP archive with no files in it", None, {})]


def test_corpus_stage_reads_archives_file_by_file_and_counts_every_byte(tmp_path):
    aozora, laws, gutenberg = build(tmp_path)
    broken = tmp_path / "broken.zip"
    srcs = [{"name": "aozora", "reader": "aozora", "lang": "ja", "paths": [str(tmp_path / "3*.zip"), str(broken)]},
            {"name": "laws", "reader": "egov_xml", "lang": "ja", "paths": [str(laws)]},
            {"name": "books", "reader": "gutenberg", "lang": "en", "paths": [str(gutenberg)]}]
    cfg = from_dict(CorpusConfig, {"sources": srcs, "filters": {"min_chars": 1}})
    assert [(s.source, s.index, s.path) for s in sh.expand_inputs(cfg)] == [
        ("aozora", 0, f"{aozora}::395_ruby.txt"), ("aozora", 1, f"{aozora}::fig395_01.png"), ("aozora", 2, str(broken)),
        ("laws", 0, f"{laws}::{LAWS[0].stem}/{LAWS[0].name}"), ("laws", 1, f"{laws}::{LAWS[1].stem}/{LAWS[1].name}"),
        ("laws", 2, f"{laws}::{LAWS[0].stem}/pict/appdx1.pdf"), ("laws", 3, f"{laws}::{LAWS[1].stem}/pict/appdx2.docx"),
        ("books", 0, f"{gutenberg}::wssnt10.txt")]
    run = tmp_path / "run"
    run_inline(cfg, run)
    stats = json.loads((run / "stats.json").read_text())["sources"]
    a = stats["aozora"]
    assert a["bytes_in"] == AOZORA.stat().st_size + len(png_1x1()) + broken.stat().st_size   # decompressed
    assert a["docs_in"] == 3 and a["docs_out"] == 1 and a["removed"]["image"] == {"docs": 1, "chars": 0}
    assert a["bad_input"] == [f"{broken}:1: unreadable as aozora: BadZipFile: {CUT_SHORT}"]
    assert stats["laws"]["docs_out"] == 2 and stats["laws"]["removed"]["pdf"] == {"docs": 1, "chars": 0}
    assert stats["laws"]["removed"]["office"] == {"docs": 1, "chars": 0} and not stats["laws"].get("bad_input")
    assert stats["laws"]["bytes_in"] == sum(p.stat().st_size for p in (*LAWS, PDF, DOCX))
    # the raw bytes that gave no character, by why: the report shows them beside bytes_in
    assert a["bytes_no_text"] == {"bad_input": broken.stat().st_size, "image": len(png_1x1())}
    assert stats["laws"]["bytes_no_text"] == {"office": DOCX.stat().st_size, "pdf": PDF.stat().st_size}
    assert stats["books"]["docs_out"] == 1 and stats["books"]["bytes_in"] == GUTENBERG.stat().st_size
    for name, r in stats.items():
        assert r["docs_in"] == r["docs_out"] + sum(v["docs"] for v in r["removed"].values()), name
        assert r["chars_read"] == r["chars_in"] + sum(r["unread"].values()), name
    direct = texts("aozora", AOZORA)[0]
    assert a["chars_read"] == len(direct[0]) + sum(direct[3].values())
    (work,) = [d for f in sorted((run / "output" / "aozora").glob("*.jsonl.zst")) for d in fileio.read_jsonl(f)]
    assert "海を越えて、人人は向うに「ある」ことを信じてゐる。" in work["text"]


CP932_NAMES = R / "zip_7z1900_cp932_names.zip"   # made by 7-Zip 19.00 with -mcp=932 (SOURCES.md)


def test_member_names_without_the_utf8_flag_are_read_as_cp932():
    # 7-Zip 19.00 wrote the names cp932 can hold in cp932 (no UTF-8 flag), the others in UTF-8 (flagged);
    # zipfile's default cp437 made こんにちは世界.txt 'é▒é±é╔é┐é═ÉóèE.txt' in every path, id and report
    names = ["HelloWorld.txt", "©®™★♦♣♥♠€£￥✓♫.txt", "こんにちは世界.txt", "你好世界.txt"]
    assert sh._archive_files(str(CP932_NAMES)) == [f"{CP932_NAMES}::{n}" for n in names]
    for n in names:      # each member opens under its decoded name (the files are empty: no Aozora text)
        (r,) = texts("aozora", f"{CP932_NAMES}::{n}")
        assert r[1].startswith("no Aozora footer"), r


def cp932_named(path: Path, members: dict) -> Path:
    """An archive whose member names are cp932 bytes without the UTF-8 flag, as Windows tools wrote
    Aozora's older ZIPs (zipfile writes non-ASCII names only as flagged UTF-8, so an ASCII stand-in of
    the same byte length is written and its bytes replaced in the local and central headers)."""
    raws = [name.encode("cp932") for name in members]
    stand_ins = [b"%0*d" % (len(raw), k) for k, raw in enumerate(raws)]     # unique, same length
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for stand_in, data in zip(stand_ins, members.values()):
            z.writestr(stand_in.decode(), data)
    data = path.read_bytes()
    for stand_in, raw in zip(stand_ins, raws):
        assert data.count(stand_in) == 2
        data = data.replace(stand_in, raw)
    path.write_bytes(data)
    return path


def test_an_old_aozora_zip_with_a_folder_cp932_names_and_an_image(tmp_path):
    work = "田舎の時計/田舎の時計.txt"
    zpath = cp932_named(tmp_path / "395_ruby_2467.zip", {work: AOZORA.read_bytes(), "田舎の時計/挿絵.png": png_1x1()})
    assert [i.flag_bits & 0x800 for i in zipfile.ZipFile(zpath).infolist()] == [0, 0]    # no UTF-8 flag
    assert sh._archive_files(str(zpath)) == [f"{zpath}::{work}", f"{zpath}::田舎の時計/挿絵.png"]
    assert texts("aozora", f"{zpath}::{work}") == texts("aozora", AOZORA)
    assert texts("aozora", f"{zpath}::田舎の時計/挿絵.png") == [(None, None, "image", {})]


def test_a_member_name_that_path_folds_still_opens(tmp_path):
    zpath = tmp_path / "w.zip"      # Path("w.zip::a//b.txt") is "w.zip::a/b.txt": the member is found by path
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("a//b.txt", AOZORA.read_bytes())
    (member,) = sh._archive_files(str(zpath))
    assert texts("aozora", member) == texts("aozora", AOZORA)


def test_an_archive_whose_member_names_cannot_be_told_apart_is_one_bad_input(tmp_path):
    # two files of one name: only the last could be opened by name, the other would have gone unseen
    twice = tmp_path / "twice.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                      # zipfile warns of the duplicate name
        with zipfile.ZipFile(twice, "w") as z:
            z.writestr("395_ruby.txt", AOZORA.read_bytes())
            z.writestr("395_ruby.txt", AOZORA.read_bytes()[:100])
    # a name flagged UTF-8 whose bytes are not UTF-8 (zipfile raised UnicodeDecodeError out of the manifest)
    bad = tmp_path / "bad_utf8.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("é.txt", AOZORA.read_bytes())
    bad.write_bytes(bad.read_bytes().replace("é.txt".encode(), b"\xff\xff.txt"))
    for path, why in ((twice, "1 name(s) given to more than one member: '395_ruby.txt'"),
                      (bad, "a member name flagged UTF-8 is not UTF-8 (invalid start byte at byte 0)")):
        assert sh._archive_files(str(path)) == [str(path)]
        assert texts("aozora", path) == [(None, f"unreadable as aozora: BadZipFile: {why}", None, {})]


def test_real_aozora_zips_read_member_by_member_and_every_character_is_counted():
    for zpath, name in REAL_ZIPS.items():
        assert sh._archive_files(str(zpath)) == [f"{zpath}::{name}"]
        raw = zipfile.ZipFile(zpath, metadata_encoding="cp932").read(name)
        (text, error, skip, unread), = texts("aozora", f"{zpath}::{name}")
        assert error is None and skip is None and text, (zpath, error)
        decoded = raw.decode("cp932").replace("\r\n", "\n")
        # characters of the file (line ends aside) = characters kept + what was left unread, by reason
        assert len(decoded) - decoded.count("\n") == len(text) - text.count("\n") + sum(unread.values()), zpath
        assert not any(c in text for c in "※［］《》｜"), zpath       # no notation left in the text
    (text, *_), = texts("aozora", f"{R / 'aozora_56078_ruby_51155.zip'}::ekiden_basha.txt")
    # its gaiji notes 第4水準2-13-28 (twice in the work, once in the 記号 block above it) and 第3水準1-93-84
    assert text.count("揷") == 2 and text.count("韛") == 1


def test_a_work_stored_as_its_text_under_a_zip_name_is_read_as_the_text(tmp_path):
    # cards/001562/files/56151_ruby_60063.zip is Shift_JIS text, not a ZIP: zipfile's "File is not a
    # zip file" made the whole work one bad input
    (text, error, skip, unread), = texts("aozora", TEXT_NAMED_ZIP)
    assert error is None and skip is None
    plain = tmp_path / "56151_ruby_60063.txt"
    plain.write_bytes(TEXT_NAMED_ZIP.read_bytes())
    assert texts("aozora", TEXT_NAMED_ZIP) == texts("aozora", plain)
    assert text.startswith("武名競べ血飛沫鹿の子\n\n一\n\n\u3000生田の馬場の競べ馬も終ったと見えて")
    assert text.endswith("狼藉になってあった。") and unread["boilerplate"] > 600
    # a reader that cannot read it says the file was read as a plain file for want of a ZIP
    cut = tmp_path / "cut.zip"
    data = TEXT_NAMED_ZIP.read_bytes()
    cut.write_bytes(data[:data.index(b"\r\n", 2000) + 2])     # the footer cut off
    (_, error, _, _), = texts("aozora", cut)
    assert error == ("named .zip but not a ZIP archive (it starts with b'\\x8c\\x95\\x93\\xef'), so read as the "
                     "file it is: no Aozora footer (底本：, 入力：, 校正：, ［＃本文終わり］ or 青空文庫作成ファイル); "
                     "not an Aozora Bunko text")


def test_a_folder_of_real_aozora_zips_through_the_stage(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    for p in (*REAL_ZIPS, TEXT_NAMED_ZIP):
        (folder / p.name).write_bytes(p.read_bytes())
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "aozora", "reader": "aozora", "lang": "ja",
                                                "paths": [str(folder / "*.zip")]}], "filters": {"min_chars": 1}})
    assert sorted(Path(s.path).name for s in sh.expand_inputs(cfg)) == sorted(
        [f"{p.name}::{n}" for p, n in REAL_ZIPS.items()] + [TEXT_NAMED_ZIP.name])
    run_inline(cfg, tmp_path / "run")
    a = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["aozora"]
    sizes = [i.file_size for p in REAL_ZIPS for i in zipfile.ZipFile(p).infolist()]
    assert a["bytes_in"] == sum(sizes) + TEXT_NAMED_ZIP.stat().st_size     # members decompressed
    assert a["docs_in"] == a["docs_out"] == 4 and not a["bad_input"]
    assert a["chars_read"] == a["chars_in"] + sum(a["unread"].values())


def test_a_real_aozora_zip_cut_short_says_so():
    # zipfile says "File is not a zip file" of an archive whose end never came, which it is
    assert CUT.read_bytes() == (R / "aozora_53411_txt_43155.zip").read_bytes()[:410]
    assert sh._archive_files(str(CUT)) == [str(CUT)]        # one input, reported whole
    assert texts("aozora", CUT) == [(None, f"unreadable as aozora: BadZipFile: {CUT_SHORT}", None, {})]


def test_a_zip_given_to_the_parquet_reader_is_a_config_error_naming_it(tmp_path):
    # Parquet is read by random access to its footer, so an archive of Parquet files is not opened
    # member by member: kept whole, its task had said "a ZIP archive with no files in it". The
    # manifest now names the archive and what to do, on the login node.
    import pytest

    from jiniac_hpc.config import ConfigError

    z = tmp_path / "rows.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(R / "parquet_testing_nation.dict-malformed.parquet", "nation.parquet")
    cfg = CorpusConfig(sources=[SourceConfig(name="rows", reader="parquet", paths=[str(z)], text_field="name")])
    with pytest.raises(ConfigError, match=r"sources\[0\]\.paths\[0\] \(rows\): .*rows\.zip is a ZIP archive; "
                                          r"reader 'parquet' reads Parquet files themselves"):
        sh.expand_inputs(cfg)


def test_an_aozora_page_with_its_images_beside_it_in_a_folder(tmp_path):
    """The published XHTML page of a work sits in ``cards/<author>/files/`` beside its illustrations
    (``fig<work>_NN.png``), so a glob over the folder takes them in: each image is one document
    dropped as ``image`` (as in a ZIP), not a bad input (they had been: "no Aozora footer")."""
    page, image = R / "aozora_112_15227.html", R / "aozora_fig1317_15_illustration.png"
    folder = tmp_path / "cards" / "000879" / "files"
    folder.mkdir(parents=True)
    for p in (page, image):
        (folder / p.name).write_bytes(p.read_bytes())
    assert texts("aozora", folder / image.name) == [(None, None, "image", {})]
    assert texts("text", folder / image.name) == [(None, None, "image", {})]     # whatever the reader
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "aozora", "reader": "aozora", "normalize": "none",
                                                "paths": [str(folder / "*")]}], "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    a = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["aozora"]
    assert not a.get("bad_input") and a["docs_in"] == 2 and a["docs_out"] == 1
    assert a["removed"]["image"] == {"docs": 1, "chars": 0}
    assert a["bytes_no_text"] == {"image": image.stat().st_size}
    assert a["bytes_in"] == page.stat().st_size + image.stat().st_size
