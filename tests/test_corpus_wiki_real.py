"""Wikipedia as people keep it on disk: wikiextractor's <doc> output (plain and compressed) and raw
MediaWiki XML dumps, on real files (tests/assets/corpus/real/, listed in SOURCES.md).

    .venv/bin/python -m pytest tests/test_corpus_wiki_real.py -q
"""
import bz2
import gzip
import json
import lzma
import re
import tarfile
from pathlib import Path

import pytest

from jiniac_hpc import fileio
from jiniac_hpc.corpus.config import CorpusConfig, SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.readers.base import count_raw
from jiniac_hpc.paths import REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
VI = R / "wikiextractor_viwiki_wiki_00_trimmed"      # wikiextractor 3.0 (--html-safe escapes)
ZH = R / "wikiextractor_json_zhwiki_wiki_00_trimmed"  # --json of a version before 3.0: the title in 'text'
EN = R / "wikiextractor_enwiki_wiki_00_trimmed"      # another run: url="?curid=N" (no site base)
DUMPS = [R / "mediawiki_viwiki_pages_articles_trimmed.xml", R / "mediawiki_mwxml_dump.xml"]
HEADER = re.compile(r'^<doc id="([^"]*)" url="[^"]*" title="(.*)">$', re.M)
COMPRESS = {".bz2": bz2.compress, ".xz": lzma.compress, ".gz": gzip.compress}


def recs(reader, path, limit=8_000_000, **kw):
    src = SourceConfig(name="t", reader=reader, paths=[str(path)], **kw)
    return list(read(Path(path), src, limit))


def _articles(path):
    """(page id, title) of every <doc> header of a file, from its bytes."""
    return HEADER.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [VI, EN], ids=["viwiki", "enwiki"])
def test_wikiextractor_doc_file_is_one_document_an_article(path):
    rs = recs("wikiextractor", path)
    heads = _articles(path)
    assert len(rs) == len(heads) and all(r.error is None for r in rs)
    assert [(r.meta["page_id"], r.meta["title"]) for r in rs] == heads
    texts = [r.text for r in rs if r.text is not None]
    assert texts and not any("<doc " in t or "</doc>" in t for t in texts)
    # an article is its text only: the title line the header repeats is metadata, counted unread
    assert all(not t.startswith(r.meta["title"] + "\n") for r, t in zip(rs, texts) if r.text)
    assert all(r.unread["title"] == len(r.meta["title"]) for r in rs)
    # an article with no text (a redirect-like stub) is dropped under its own reason, not a blank document
    empty = [r for r in rs if r.text is None]
    assert empty and all(r.skip == "empty_article" for r in empty)
    # every character of every non-blank line is kept or counted unread (markup, title)
    lines = path.read_text(encoding="utf-8").split("\n")
    seen = sum(sum(r.unread.values()) + sum(len(x) for x in (r.text or "").split("\n") if x.strip()) for r in rs)
    assert seen == sum(len(x) for x in lines if x.strip())


def test_wikiextractor_escapes_are_decoded():
    # --html-safe wrote '&amp;' and '&lt;templatestyles ... /&gt;'; the article had '&' and '<', '>'.
    # The main page's only line is a tag and a behaviour switch wikiextractor left: markup, no text
    vi = {r.meta["title"]: r for r in recs("wikiextractor", VI)}
    main = vi["Trang Chính"]
    assert main.text is None and main.skip == "empty_article"
    assert main.unread["markup"] >= len('&lt;templatestyles src="Wiki2021/styles.css" /&gt;__NOEDITSECTION__')
    en = " ".join(r.text for r in recs("wikiextractor", EN) if r.text)
    assert "Jammu & Kashmir" in en and "&amp;" not in en


@pytest.mark.parametrize("path", [VI, EN], ids=["viwiki", "enwiki"])
@pytest.mark.parametrize("reader", ["text", "gutenberg"])
def test_text_readers_refuse_wikiextractor_output_naming_the_reader(path, reader):
    # text had kept '<doc id=... title=...>' and '</doc>' lines as text and merged articles into blocks
    (r,) = recs(reader, path)
    assert r.text is None and "wikiextractor" in r.error and "reader 'wikiextractor'" in r.error, r.error


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_compressed_wikiextractor_output_reads_as_the_plain_file(tmp_path, suffix):
    # wikiextractor --compress writes wiki_00.bz2; a .bz2 had been refused as 'binary input: NUL bytes'
    plain = [(r.pos, r.text, r.skip, r.meta) for r in recs("wikiextractor", VI)]
    p = tmp_path / f"wiki_00{suffix}"
    p.write_bytes(COMPRESS[suffix](VI.read_bytes()))
    assert [(r.pos, r.text, r.skip, r.meta) for r in recs("wikiextractor", p)] == plain
    assert count_raw(p) == VI.stat().st_size           # the stage's bytes_in: the decompressed bytes
    unnamed = tmp_path / "wiki_01"                     # compressed, named without its suffix
    unnamed.write_bytes(p.read_bytes())
    assert [(r.pos, r.text, r.skip, r.meta) for r in recs("wikiextractor", unnamed)] == plain
    # streams one after another (pbzip2, pigz, Wikimedia's multistream dumps), cut inside an article
    data = VI.read_bytes()
    p.write_bytes(COMPRESS[suffix](data[:len(data) // 2]) + COMPRESS[suffix](data[len(data) // 2:]))
    assert [(r.pos, r.text, r.skip, r.meta) for r in recs("wikiextractor", p)] == plain


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
@pytest.mark.parametrize("reader,name,kw", [
    ("text", "aozora_1077_ruby.txt", {}), ("aozora", "aozora_1077_ruby.txt", {}),
    ("jsonl", "kokkai_harvester_sangiin_20250801_trimmed.jsonl", {"text_field": "speech"}),
    ("diet", "kokkai_speech_api.json", {}), ("egov_xml", "egov_405AC0000000088.xml", {}),
    ("gutenberg", "gutenberg_pg1080.txt", {"lang": "en"})], ids=lambda x: x if isinstance(x, str) else "")
def test_every_text_reader_reads_bz2_xz_gz(tmp_path, suffix, reader, name, kw):
    # bz2 and xz had been 'binary input: NUL bytes' (text) or undecodable bytes (the others)
    src = R / name
    p = tmp_path / f"{name}{suffix}"
    p.write_bytes(COMPRESS[suffix](src.read_bytes()))
    plain = [(r.pos, r.text, r.error, r.unread) for r in recs(reader, src, **kw)]
    assert any(t for _, t, _, _ in plain)
    assert [(r.pos, r.text, r.error, r.unread) for r in recs(reader, p, **kw)] == plain
    if reader == "jsonl":      # the posttrain stages' reader of JSON Lines too
        assert [x["speech"] for x in fileio.read_jsonl(p)] == [t for _, t, _, _ in plain]


def test_misnamed_and_cut_compressed_files_are_one_clear_line(tmp_path):
    fake = tmp_path / "wiki_00.bz2"          # plain text under a .bz2 name
    fake.write_bytes(VI.read_bytes())
    (r,) = recs("wikiextractor", fake)
    assert r.text is None and str(fake) in r.error and "not bz2-compressed" in r.error, r.error
    rows = tmp_path / "x.jsonl.gz"
    rows.write_text("{}\n")
    with pytest.raises(fileio.CompressionError, match="x.jsonl.gz: named .gz but not gz-compressed"):
        list(fileio.read_jsonl(rows))
    tar = tmp_path / "text.tar.bz2"          # a folder of wikiextractor output packed whole
    with tarfile.open(tar, "w:bz2") as tf:
        tf.add(VI, arcname="AA/wiki_00")
    for reader in ("text", "wikiextractor"):
        (r,) = recs(reader, tar)
        assert "a tar archive (unpack it first)" in r.error, r.error
    data = bz2.compress(VI.read_bytes())
    cut = tmp_path / "cut.bz2"
    cut.write_bytes(data[:len(data) * 2 // 3])
    rs = recs("wikiextractor", cut)
    assert rs[-1].text is None and "cut short" in rs[-1].error, rs[-1].error
    assert [r.meta["title"] for r in rs[:-1]] == [t for _, t in _articles(VI)][:len(rs) - 1]


@pytest.mark.parametrize("dump", DUMPS, ids=["viwiki", "mwxml"])
@pytest.mark.parametrize("reader", ["text", "wikiextractor", "gutenberg"])
def test_mediawiki_dump_is_refused_saying_to_run_wikiextractor(tmp_path, dump, reader):
    # the text reader had emitted the dump's wikitext ('==Nhiệm vụ==', '[[Hoa Kỳ]]') as documents
    for p in (dump, tmp_path / (dump.name + ".bz2")):
        if p.suffix == ".bz2":
            p.write_bytes(bz2.compress(dump.read_bytes()))     # as Wikimedia ships it
        (r,) = recs(reader, p)
        assert r.text is None and "MediaWiki XML dump" in r.error and "wikiextractor" in r.error, r.error


def test_wikiextractor_json_rows_are_read_as_the_doc_form():
    rows = [json.loads(x) for x in ZH.read_text(encoding="utf-8").splitlines()]
    rs = recs("wikiextractor", ZH)
    assert [(r.pos, r.meta["page_id"], r.meta["title"], r.meta["url"]) for r in rs] == \
        [(i, x["id"], x["title"], x["url"]) for i, x in enumerate(rows, 1)]
    # this version repeats the title as the first line of 'text': metadata, counted as in a <doc> block
    assert all(r.text and not r.text.startswith(x["title"] + "\n") and r.unread["title"] == len(x["title"])
               for r, x in zip(rs, rows))
    # the tags this version left in the text ('<br>' lines, '<poem>' ... '</poem>') are markup, their text kept
    tags = [re.findall(r"</?(?:br|poem)>", x["text"]) for x in rows]
    assert sum(map(len, tags)) == 9
    assert [r.unread.get("markup", 0) for r in rs] == [sum(map(len, t)) for t in tags]
    assert not any(re.search(r"</?(?:br|poem)>", r.text) for r in rs)
    assert "繁紅落盡始淒涼，直道忘憂也未忘。" in next(r.text for r in rs if "萱草" in r.meta["title"])
    assert all(re.sub(r"</?(?:br|poem)>", "", x["text"]).strip().endswith(r.text.strip().split("\n")[-1])
               for r, x in zip(rs, rows))
    # the jsonl reader reads the same file, keeping each 'text' as it is, title line included
    assert [r.text for r in recs("jsonl", ZH)] == [x["text"] for x in rows]


def test_doc_and_json_forms_of_one_dump_give_the_same_documents(tmp_path):
    # the --json form of the viwiki sample, as wikiextractor 3.0's Extractor.extract writes it from the
    # same article lines: {"id", "revid", "url", "title", "text": the lines joined, escaped alike}
    blocks = re.findall(r'^<doc id="([^"]*)" url="([^"]*)" title="(.*)">\n(.*?)\n\n((?:.*\n)*?)\n</doc>$',
                        VI.read_text(encoding="utf-8"), flags=re.M)
    assert len(blocks) == len(_articles(VI))
    p = tmp_path / "wiki_00"
    p.write_text("".join(json.dumps({"id": i, "revid": "", "url": u, "title": t, "text": body.rstrip("\n")}) + "\n"
                         for i, u, t, _, body in blocks), encoding="utf-8")
    doc, rows = recs("wikiextractor", VI), recs("wikiextractor", p)
    assert [(r.text, r.skip, r.meta["title"], r.meta["page_id"]) for r in rows] == \
        [(r.text, r.skip, r.meta["title"], r.meta["page_id"]) for r in doc]


def test_wikiextractor_reader_refuses_other_files():
    (r,) = recs("wikiextractor", R / "kokkai_harvester_sangiin_20250801_trimmed.jsonl")
    assert "not a wikiextractor --json row" in r.error and "reader 'jsonl'" in r.error, r.error
    (r,) = recs("wikiextractor", R / "aozora_1077_ruby.txt")
    assert "not wikiextractor <doc> output" in r.error or "UTF-8" in r.error, r.error


def test_wikiextractor_doc_without_its_end_and_stray_text_are_counted(tmp_path):
    lines = VI.read_text(encoding="utf-8").split("\n")
    ends = [i for i, x in enumerate(lines) if x == "</doc>"]
    p = tmp_path / "wiki_00"
    # the second article's </doc> lost (two files joined badly), a stray line after the last article
    p.write_text("\n".join(lines[:ends[1]] + lines[ends[1] + 1:]) + "stray line\n", encoding="utf-8")
    rs = recs("wikiextractor", p)
    bad = [r for r in rs if r.error]
    assert len(rs) == len(_articles(VI)) + 1 and len(bad) == 2, [r.error for r in bad]
    assert "has no </doc>" in bad[0].error and bad[0].meta["title"] == "Trang Chính"
    assert "outside every <doc>" in bad[1].error


def test_corpus_stage_on_wikiextractor_output_accounts_every_article(tmp_path):
    from jiniac_hpc.config import from_dict
    from jiniac_hpc.corpus.stage import run_inline

    bz = tmp_path / "wiki_00.bz2"
    bz.write_bytes(bz2.compress(EN.read_bytes()))
    srcs = [{"name": "wiki", "reader": "wikiextractor", "lang": "en", "filters": [],
             "paths": [str(VI), str(bz), str(ZH)]}]
    cfg = from_dict(CorpusConfig, {"sources": srcs, "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    r = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["wiki"]
    assert r["docs_in"] == len(_articles(VI)) + len(_articles(EN)) + len(ZH.read_text(encoding="utf-8").splitlines())
    assert r["docs_in"] == r["docs_out"] + sum(v["docs"] for v in r["removed"].values())
    assert r["chars_read"] == r["chars_in"] + sum(r["unread"].values())
    assert set(r["unread"]) == {"markup", "title"} and r["removed"]["empty_article"]["docs"] > 0
    assert r["bytes_in"] == VI.stat().st_size + EN.stat().st_size + ZH.stat().st_size and not r["bad_input"]
    out = [json.loads(x) for f in sorted((tmp_path / "run" / "output" / "wiki").glob("*.jsonl.zst"))
           for x in fileio.open_text(f)]
    assert {o["meta"]["title"] for o in out} >= {"Internet Society", "Jarred Shaw", "萬民福音部"}


def test_header_variants_and_quoted_titles(tmp_path):
    # cirrus-extract writes language="" revision="" after the title; a title is written unescaped,
    # quotes and all (enwiki has '"Weird Al" Yankovic'); the header's title line follows it
    text = EN.read_text(encoding="utf-8").replace('title="Jarred Shaw">\nJarred Shaw\n',
                                                  'title=""Jarred" Shaw">\n"Jarred" Shaw\n')
    text = re.sub(r'^(<doc id="[^"]*" url="[^"]*" title=".*")>$', r'\1 language="en" revision="1">', text, flags=re.M)
    p = tmp_path / "wiki_00"
    p.write_text(text, encoding="utf-8")
    rs = recs("wikiextractor", p)
    assert len(rs) == len(_articles(EN)) and not any(r.error for r in rs)
    shaw = next(r for r in rs if r.meta["page_id"] == "56564559")
    assert shaw.meta == {"title": '"Jarred" Shaw', "page_id": "56564559", "url": "?curid=56564559",
                         "language": "en", "revision": "1"}
    assert shaw.text.startswith("Jarred Shaw (born") and shaw.unread["title"] == len('"Jarred" Shaw')


def test_links_option_tags_are_dropped_and_their_anchor_text_kept(tmp_path):
    # wikiextractor --links writes '<a href="urlencoded title">anchor</a>' (html-escaped like the rest)
    # around each link; here two of the enwiki sample's phrases wrapped as that code writes them
    src = EN.read_text(encoding="utf-8")
    assert "Santa Cruz Warriors" in src and "NBA Development League Draft" in src
    linked = (src.replace("Santa Cruz Warriors",
                          '&lt;a href="Santa%20Cruz%20Warriors"&gt;Santa Cruz Warriors&lt;/a&gt;')
              .replace("NBA Development League Draft", '&lt;a href="2015%20NBA%20Development%20League%20Draft"&gt;'
                                                       'NBA Development League Draft&lt;/a&gt;'))
    p = tmp_path / "wiki_00"
    p.write_text(linked, encoding="utf-8")
    plain, links = recs("wikiextractor", EN), recs("wikiextractor", p)
    assert [r.text for r in links] == [r.text for r in plain]
    added = len(linked) - len(src)
    assert sum(r.unread["markup"] for r in links) - sum(r.unread["markup"] for r in plain) == added
