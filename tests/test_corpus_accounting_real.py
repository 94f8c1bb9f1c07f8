"""Every character of text in a real file is emitted or counted unread under a named reason, and the
corpus report adds up source by source.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_corpus_accounting_real.py

Each test extracts the file's text independently (zipfile + ElementTree for an EPUB's documents,
json for a SQuAD file: every string a person would read, not the reader's code) and checks that
the reader's output plus its ``Record.unread`` counts add up to it exactly: a character that is
neither written nor counted is a loss nobody sees. The report test runs the stage on real files and
reads report.md back. Samples: tests/assets/corpus/real/SOURCES.md.
"""
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from jiniac_hpc.config import from_dict
from jiniac_hpc.corpus.config import CorpusConfig, SourceConfig
from jiniac_hpc.corpus.readers import read
from jiniac_hpc.corpus.stage import run_inline
from jiniac_hpc.paths import BUNDLED_JGLUE, REPO_ROOT

R = REPO_ROOT / "tests" / "assets" / "corpus" / "real"
EPUBS = sorted(p.name for p in R.glob("gutenberg_*.epub"))


def recs(reader, path):
    return list(read(Path(path), SourceConfig(name="t", reader=reader, paths=[str(path)]), 8_000_000))


def nonspace(s: str) -> int:
    return sum(not c.isspace() for c in s)


@pytest.mark.parametrize("name", EPUBS)
def test_epub_every_document_text_is_read_or_counted(name):
    """ebookmaker's EPUBs hold, beside the spine's documents, the navigation document
    (``toc.xhtml``) and ``toc.ncx``: the book's contents list, 74 to 1,024 characters in these
    books, which the reader neither wrote nor counted. It is counted as ``toc`` now, so the
    text of every XHTML/NCX document of the archive (and of its images' ``alt``) is in the
    output or in ``unread``, to the character (whitespace is layout in a page, not counted)."""
    with zipfile.ZipFile(R / name) as z:
        docs = [ET.fromstring(z.read(m)) for m in z.namelist() if m.endswith((".xhtml", ".html", ".ncx"))]
        toc = [ET.fromstring(z.read(m)) for m in z.namelist() if m.endswith(("toc.xhtml", "toc.ncx"))]
    total = sum(nonspace("".join(d.itertext())) + sum(nonspace(e.get("alt") or "") for e in d.iter()) for d in docs)
    (r,) = recs("gutenberg", R / name)
    assert r.error is None
    assert nonspace(r.text) + sum(r.unread.values()) == total
    # the contents lists: the nav document's <body> (its <head> title is markup, as in a page), the whole NCX
    listed = sum(nonspace("".join((d.find("{*}body") if d.find("{*}body") is not None else d).itertext())) for d in toc)
    assert r.unread["toc"] == listed > 0


def squad_strings(article: dict) -> dict[str, int]:
    """Characters of an article's text by kind, straight from the JSON."""
    paras = article["paragraphs"]
    return {"title": len(article.get("title") or ""),
            "context": sum(len(p["context"]) for p in paras),
            "question": sum(len(q["question"]) for p in paras for q in p["qas"]),
            "answer": sum(len(a["text"]) for p in paras for q in p["qas"] for a in q["answers"])}


@pytest.mark.parametrize("path", [R / "xquad_hi_trimmed.json", R / "xquad_hi_force_trimmed.json",
                                  BUNDLED_JGLUE / "jsquad-v1.3-valid.json"], ids=lambda p: p.name)
def test_squad_questions_answers_and_titles_are_counted(path):
    """A SQuAD-style file is contexts, questions, answers and article titles; the reader writes the
    contexts and had counted nothing else: XQuAD's 15 Hindi paragraphs read as 8,650 characters of
    a file that holds 13,519 of text. The questions, answers and titles are counted now, and
    JSQuAD's " [SEP] " between a context's title and its paragraph (read as a line break) too."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    want = {k: sum(squad_strings(a)[k] for a in data) for k in ("title", "context", "question", "answer")}
    rs = recs("squad", path)
    assert all(r.error is None for r in rs) and len(rs) == sum(len(a["paragraphs"]) for a in data)
    unread = {k: sum(r.unread.get(k, 0) for r in rs) for k in ("title", "question", "answer", "markup")}
    assert {k: unread[k] for k in ("title", "question", "answer")} == {k: want[k] for k in ("title", "question", "answer")}
    assert sum(len(r.text) for r in rs) + unread["markup"] == want["context"]
    seps = sum(p["context"].count(" [SEP] ") > 0 for a in data for p in a["paragraphs"])
    assert unread["markup"] == 6 * seps and (seps > 1000 if "jsquad" in path.name else seps == 0)
    # each paragraph's questions on its own record, a title on its article's first record
    first = rs[0]
    assert first.unread["question"] == sum(len(q["question"]) for q in data[0]["paragraphs"][0]["qas"])
    assert first.unread["title"] == len(data[0]["title"]) and "title" not in rs[1].unread


def test_report_rows_add_up_with_every_reason_shown(tmp_path):
    """report.md must let a reader check, source by source, in = out + each reason. Its documents
    table had columns for the filters' and dedup's reasons only: wikiextractor's 70 empty
    articles of the real enwiki sample (``empty_article``) were removed from 84 documents with
    none of the table's columns saying so. And a real JSON Lines file named ``.zst`` that is not
    zstd (dolma's) counted as 0 raw bytes: the bytes of a file nothing could be read from were
    hidden. Every reason a source removed documents for is a column now, and the loss table
    shows the raw bytes of files that gave no character apart, by why."""
    dolma = R / "dolma_cc_plain_named_zst_trimmed.jsonl.zst"
    oscar = R / "oscar_io_data_part_7.jsonl"
    srcs = [{"name": "wiki", "reader": "wikiextractor", "lang": "en", "paths": [str(R / "wikiextractor_enwiki_wiki_00_trimmed")]},
            {"name": "rows", "reader": "jsonl", "lang": "en", "text_field": "content", "paths": [str(dolma), str(oscar)]},
            {"name": "qa", "reader": "squad", "lang": "hi", "paths": [str(R / "xquad_hi_trimmed.json")]}]
    cfg = from_dict(CorpusConfig, {"sources": srcs, "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    stats = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]
    assert stats["wiki"]["removed"]["empty_article"]["docs"] == 70
    assert stats["rows"]["bytes_in"] == dolma.stat().st_size + oscar.stat().st_size
    assert stats["rows"]["bytes_no_text"] == {"bad_input": dolma.stat().st_size} and stats["wiki"]["bytes_no_text"] == {}
    report = (tmp_path / "run" / "report.md").read_text()
    table = report.split("## Documents removed, by reason")[1].split("\n\n")[1].splitlines()
    head = [c.strip() for c in table[0].strip("|").split("|")]
    assert head[:3] == ["source", "docs in", "docs out"] and "empty_article" in head
    for row in table[2:]:
        name, docs_in, docs_out, *removed = [c.strip() for c in row.strip("|").split("|")]
        assert int(docs_in) == int(docs_out) + sum(map(int, removed)) == stats[name]["docs_in"], name
    loss = report.split("## Loss accounting")[1].split("\n\n")[1].splitlines()
    assert "of them files with no text" in loss[0]
    def n(cell):
        return int(cell.replace(",", ""))

    def by_reason(cell):
        return sum(n(x.rsplit(" ", 1)[1]) for x in cell.split(", ")) if cell != "-" else 0

    for row in loss[2:]:
        name, _, raw, unreadable, read_, unread, into, kept, removed = [c.strip() for c in row.strip("|").split("|")]
        assert n(read_) == n(into) + by_reason(unread) and n(into) == n(kept) + by_reason(removed), name
        assert (n(raw), by_reason(unreadable), n(read_)) == (stats[name]["bytes_in"],
                                                             sum(stats[name]["bytes_no_text"].values()),
                                                             stats[name]["chars_read"]), name
    size = dolma.stat().st_size
    assert f"| rows | jsonl | {size + oscar.stat().st_size:,} | bad_input {size:,} |" in report


def test_an_aozora_gaiji_placeholder_is_read_once(tmp_path):
    """A gaiji no character set has becomes 〓 in the text (「法窓夜話」: five of them). It was also
    counted unread (``placeholder``), so the stage read each twice: ``chars_read`` exceeded the
    file's characters by as many. It is text, read once; the work carries the flag
    ``gaiji_placeholder``."""
    path = R / "aozora_1872_ruby_trimmed.txt"
    cfg = from_dict(CorpusConfig, {"sources": [{"name": "ao", "reader": "aozora", "normalize": "none",
                                                "paths": [str(path)]}], "filters": {"min_chars": 1}})
    run_inline(cfg, tmp_path / "run")
    stats = json.loads((tmp_path / "run" / "stats.json").read_text())["sources"]["ao"]
    lines = [raw.decode("cp932") if raw.isascii() or _cp932(raw) else raw.decode("shift_jis_2004")
             for raw in path.read_bytes().splitlines()]
    (rec,) = recs("aozora", path)
    # (the file's characters, line breaks aside, and the line breaks of the text the reader emits)
    assert stats["chars_read"] == len("".join(lines)) + rec.text.count("\n")
    assert "placeholder" not in stats["unread"] and stats["flagged"] == {"gaiji_placeholder": 1}


def _cp932(raw: bytes) -> bool:
    try:
        raw.decode("cp932")
    except UnicodeDecodeError:
        return False
    return True
