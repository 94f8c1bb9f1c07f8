"""Typed configuration of the corpus stage (``jiniac_hpc/recipes/corpus/*.yaml``).

    python -m jiniac_hpc.corpus.config debug      # loads, validates and prints a recipe's sources

A recipe lists ``sources`` (name, reader, paths/globs, language, filters, PII policy, dedup
mode, budget) plus the shared thresholds in ``filters``, the MinHash settings in ``dedup`` and
the Slurm resources in ``job``. This module is light (no fugashi, datasketch or pyarrow): the
login node imports it to validate a recipe. Input paths are checked by ``plan`` (stage.py),
not here, so a recipe can be inspected on a machine without the data.
"""
from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass
from typing import Literal, Optional, Union

from jiniac_hpc.config import check, field
from jiniac_hpc.cluster import JobConfig

READERS = ("jsonl", "parquet", "hf_disk", "aozora", "diet", "egov_xml", "squad", "text", "gutenberg", "pdf",
           "wikiextractor")
# reader -> (what it reads, and what it keeps and drops; the SourceConfig keys it uses)
READER_DOCS = {
    "jsonl": ("JSON Lines: one document a line, the text_field string as it is (a file that is one JSON array "
              "of rows: one document an element; for wikiextractor --json "
              "output, reader wikiextractor also decodes its escapes and keeps the title as metadata).",
              ["text_field"]),
    "parquet": ("Parquet: one document a row, the text_field column.", ["text_field"]),
    "hf_disk": ("A datasets save_to_disk folder (one shard an Arrow file) or an Arrow file itself: one document a "
                "row.", ["text_field"]),
    "aozora": ("Aozora Bunko text or its XHTML page (Shift_JIS or UTF-8): one work a file; header, 記号 notes, "
               "ruby, ［＃…］ "
               "annotations and the whole footer (底本/入力/校正/青空文庫作成ファイル) dropped; gaiji notes become "
               "their character (JIS X 0213 or U+ code, 〓 without one); accent notation decomposed.",
               ["encoding", "normalize"]),
    "diet": ("Kokkai/Imperial Diet API output (speech or meeting endpoint JSON, JSON Lines, an array of pages, "
             "XML), a harvester's JSON keeping speech records under its own wrapper (objects with a speaker and "
             "a 'speech' or text_field text) or a CSV/TSV table of speeches (column 'speech' or text_field): "
             "one document a speech with "
             "speaker/date/house/meeting/URL metadata; speaker heading and rule lines (――――◇―――――) dropped, "
             "stenographers' notes (〔…〕, （拍手）), old kanji and indentation kept; procedural records dropped "
             "unless keep_procedural; one copy of a speech (speechID) across the source's files.",
             ["drop_roles", "keep_procedural", "one_copy_a_speech", "text_field"]),
    "egov_xml": ("e-Gov law XML (bulk download), 法令API v2 law_data (JSON or XML) or a v1 articles response: "
                 "one document a law (or a part of a law saved alone, e.g. elm=), every sentence, "
                 "title, table cell and appendix in reading order; TOC and ruby readings dropped; "
                 "LawNum/LawTitle/era date as metadata.", []),
    "squad": ("SQuAD-style JSON (JSQuAD, XQuAD): one document a data[].paragraphs[].context; questions, answers "
              "and article titles counted unread (question, answer, title).", []),
    "text": ("Plain text (UTF-8, Shift_JIS, EUC-JP, ISO-2022-JP, HZ, UTF-16/32; a binary file such as a PDF, "
             "an XML/HTML document, a MediaWiki dump or wikiextractor <doc> output is bad input): one document a "
             "file, blank-line block or line; with column, one column of a tab-separated parallel corpus (Samanantar, "
             "CCAligned, OPUS or Tatoeba TSV: the Hindi or the English side), a document a line, the other columns "
             "counted unread and a line of another number of columns bad input.", ["encoding", "doc_sep", "column"]),
    "gutenberg": ("Project Gutenberg plain text of every era, its HTML edition (NNNN-h.htm, pgNNNN-images.html) or EPUB: "
                  "one document a book; PG header, credits, repeated title block and licence dropped as "
                  "boilerplate; the producers' notes counted as transcriber_note; in a page, printed page numbers (pagenum), verse line numbers (linenum), note "
                  "numbers glued to a word (noteref) and ruby readings (ruby) counted unread; an EPUB's contents lists "
                  "(toc.xhtml, toc.ncx) counted as toc.", ["encoding"]),
    "pdf": ("PDF (pdfminer.six; horizontal and vertical Japanese): one document a file; page numbers, running "
            "headers/footers and margin line numbers dropped; letter-spaced names and lines broken inside a "
            "sentence joined.", []),
    "wikiextractor": ("wikiextractor's output, <doc> blocks (OUT/AA/wiki_00, UTF-8) or --json rows (one a line, or "
                      "wrapped into a JSON array): one document "
                      "an article, character references decoded, the tags of --links and --html and the markup wikiextractor let "
                      "through (<br>, </div>, <math>/<ref> remnants, |}) dropped; title, page id and URL as "
                      "metadata (the title line the header or an old --json text repeats counted unread); empty "
                      "articles dropped (empty_article). A MediaWiki XML dump is bad input: run wikiextractor on "
                      "it first.", []),
}
#: what every reader says once, after the list (``jiniac explain corpus``)
COMPRESSION_NOTE = ("Every reader but parquet, hf_disk and pdf reads its files gzip-, bzip2-, xz- or "
                    "zstd-compressed too (wiki_00.bz2, x.jsonl.gz, ...), told by the name and the first bytes; "
                    "a file named .bz2 (say) that is not bzip2, or a compressed file cut short, is one bad-input "
                    "record naming it.")
LANGS = ("ja", "en", "hi")
ENCODINGS = ("auto", "utf-8", "cp932", "shift_jis", "cp1252", "latin-1", "utf-16", "utf-32")
FILTERS = ("length", "lang", "ja_ratio", "symbols", "repeated_lines")
PII_TYPES = ("email", "ip", "card", "mynumber", "aadhaar", "phone", "address", "person")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass
class FilterConfig:
    """Thresholds of the quality and language filters (a source may override any of them)."""

    min_chars: float = field(50, doc="Documents shorter than this (after cleaning) are rejected ('too_short').")
    max_chars: float = field(1_000_000, doc="Documents longer than this are rejected ('too_long').")
    lang_min_ratio: float = field(0.5, doc="Share of letters in the source language's script(s), else 'lang' "
                                           "(ja: where the letters fall short, each Latin word counts as one "
                                           "letter, as a kanji does: a Japanese page quoting code or English names).")
    lang_word_margin: float = field(2.0, doc="'lang' also rejects a hi document in Marathi, Nepali or Sanskrit and an "
                                             "en document in another Latin-script language (German, French, Spanish, "
                                             "Indonesian, Polish, Turkish, ...): one whose function words of that "
                                             "language outnumber the source language's this many times, or (en) prose "
                                             "with almost no English function words (corpus/langid.py); 0 keeps the "
                                             "script-ratio test alone.")
    ja_min_kana_ratio: float = field(0.05, doc="ja: share of kana among ja letters (tells Japanese from Chinese).")
    ja_min_char_ratio: float = field(0.3, doc="ja: share of Japanese characters among all non-space characters "
                                              "(where it falls short, a Latin word counts as one character).")
    max_symbol_ratio: float = field(0.3, doc="Share of symbol characters (Unicode S*, and P* except ja/en/hi "
                                             "sentence punctuation) above which a document is rejected.")
    max_dup_line_ratio: float = field(0.3, doc="Share of non-empty lines repeating an earlier line of the document.")

    def __post_init__(self):
        check(self.min_chars >= 0, "min_chars", "must be >= 0")
        check(self.max_chars > self.min_chars, "max_chars", "must be > min_chars")
        for k in ("lang_min_ratio", "ja_min_kana_ratio", "ja_min_char_ratio", "max_symbol_ratio",
                  "max_dup_line_ratio"):
            v = getattr(self, k)
            check(0.0 <= v <= 1.0, k, f"must be a ratio in [0, 1], got {v}")
        check(self.lang_word_margin >= 0, "lang_word_margin", f"must be >= 0 (0: off), got {self.lang_word_margin}")


@dataclass
class SourceConfig:
    """One input source: where it is, how to read it and what to apply to it."""

    name: str = field(doc="Source name: output/<name>/, ids and report rows. [a-z0-9_-].")
    reader: str = field(doc=f"How to read the files: one of {list(READERS)}.")
    paths: list[str] = field(doc="Files, folders (hf_disk) or globs; relative to the repo root, or "
                                 "'jglue:<file>' / 'shared:<path>' for the shared data folder. A .zip archive "
                                 "is read file by file (each file in it is an input, 'archive.zip::member').")
    lang: str = field("ja", doc=f"Language of the source: one of {list(LANGS)}.")
    text_field: str = field("text", doc="jsonl/parquet/hf_disk: the column holding the text; a dotted name "
                                        "('translation.ja') names a field inside an object or struct column; diet: "
                                        "a table's column of speeches when it has no 'speech' column.")
    markup: Literal["none", "aozora"] = field(
        "none", doc="jsonl/parquet/hf_disk: 'aozora' reads each row's text as Aozora Bunko's (a repackaging of "
                    "the site: the whole text file in a field, or globis-university/aozorabunko-clean's 'text' with "
                    "the footer moved to 'footnote'): a whole file loses its header and footer as reader aozora's "
                    "does, and ruby, ［＃…］ notes, gaiji notes, accent notation and rules are cleaned and counted "
                    "as there; the strings of the row's other fields are counted unread, a footer field "
                    "('footnote') as boilerplate, the index's columns ('meta') as metadata; 'none' takes the "
                    "text as it is.")
    encoding: str = field("auto", doc="aozora/text/gutenberg: 'auto' (text: UTF-16/32, HZ, UTF-8, ISO-2022-JP, "
                                      "Shift_JIS/cp932 or EUC-JP, told from the first 64 KiB; aozora: ISO-2022-JP "
                                      "where its escapes are, UTF-8, Shift_JIS/cp932, else EUC-JP, a mirror's "
                                      "re-encoding; gutenberg: the header's or page's declared encoding, else a "
                                      "guess), or one of 'utf-8', 'cp932', 'shift_jis', 'cp1252', 'latin-1', 'utf-16' "
                                      "(a BOM tells the byte order), 'utf-32'.")
    doc_sep: Literal["file", "blank_line", "line"] = field(
        "blank_line", doc="text reader: one document per file, per blank-line block, or per line.")
    column: Optional[Union[int, str]] = field(
        None, doc="text reader, doc_sep 'line': the text is this column of each tab-separated line (1 is the first, "
                  "as `cut -f` counts), or the column of this name in the file's first line (its header): the Hindi "
                  "or the English side of a parallel corpus in TSV (Samanantar, CCAligned, OPUS, Tatoeba's "
                  "'English<TAB>Hindi<TAB>attribution'). The other columns are counted unread ('other_columns'); a "
                  "line whose number of columns differs from the first line's is bad input naming it; an empty cell "
                  "is a document dropped as 'empty_cell'. Tabs only, no quoting (a quote is text, as in these "
                  "corpora). Files with one side a file (Moses .hi/.en, IITB, FLORES dev/devtest) need no column.")
    drop_roles: list[str] = field(
        default_factory=lambda: ["議長", "副議長", "委員長", "副委員長", "会長", "小委員長", "主査", "委員長代理"],
        doc="diet reader: speeches by these chair positions are procedural (see keep_procedural).")
    keep_procedural: bool = field(
        False, doc="diet reader: keep procedural records (the meeting header, speechOrder 0 / 会議録情報, and "
                   "the drop_roles chair speeches) as documents; by default they are dropped as 'procedural'.")
    one_copy_a_speech: bool = field(
        True, doc="diet reader: a speech that arrives more than once (one speechID in overlapping harvests, a "
                  "re-run page, a meeting and a speech response) is kept once, its first copy in source order "
                  "(file, position) that has its date, house and meeting (a harvest's copy without them comes "
                  "after); the others are dropped as 'speech_id_dup', whatever 'dedup' says. False keeps every copy.")
    normalize: Literal["nfkc", "none"] = field("nfkc", doc="Unicode normalisation ('none' for Aozora Bunko).")
    char_allowlist: Optional[str] = field(
        None, doc="A regex character class ('regex' module syntax); characters outside it are removed, and a "
                  "word whose letters are all outside it goes whole with the punctuation stuck to it "
                  "('(Prime Minister)', a URL) "
                  r"(the Hindi 'unwanted characters' cleanup), e.g. '[\p{scx=Devanagari}\p{Common}\u200c\u200d]' "
                  "(scx, Script_Extensions, also holds the Vedic accents U+0951/U+0952 and the Vedic "
                  "Extensions that Script=Devanagari leaves out).")
    filters: list[str] = field(default_factory=lambda: list(FILTERS),
                               doc=f"Filters to apply, subset of {list(FILTERS)} (ja_ratio only for ja).")
    thresholds: dict[str, float] = field(default_factory=dict,
                                         doc="Per-source overrides of `filters` thresholds, e.g. {min_chars: 10}.")
    pii: list[str] = field(default_factory=list, doc=f"PII types to replace, subset of {list(PII_TYPES)}; "
                                                     "['all'] for every type (aadhaar only in hi and en sources).")
    pii_names: Literal["all", "honorific"] = field(
        "all", doc="Which person names the 'person' type replaces: 'all', every name found; 'honorific', only "
                   "names followed by a personal honorific (さん, くん, ちゃん, 様, 君, 殿) and a record's speaker, as "
                   "Team JINIAC's CulturaX filter did (名前+敬称): for encyclopedic or historical text, which names "
                   "public figures bare (徳田球一 in a Wikipedia article) and should keep them.")
    dedup: Literal["none", "exact", "minhash"] = field(
        "none", doc="'exact': drop exact duplicates of normalised text; 'minhash': exact + near duplicates "
                    "(MinHash LSH across shards and across every source with dedup enabled).")
    budget_bytes: Optional[int] = field(None, doc="Keep documents (in order) until this many UTF-8 bytes.")
    budget_tokens: Optional[int] = field(None, doc="Same, in estimated tokens (see chars_per_token).")

    def __post_init__(self):
        check(bool(_NAME.match(self.name)), "name", f"{self.name!r} must match {_NAME.pattern}")
        check(self.reader in READERS, "reader", f"{self.reader!r} is not one of {list(READERS)}")
        check(bool(self.paths), "paths", "give at least one path or glob")
        check(self.lang in LANGS, "lang", f"{self.lang!r} is not one of {list(LANGS)}")
        check(self.markup == "none" or self.reader in ("jsonl", "parquet", "hf_disk"), "markup",
              f"only the row readers (jsonl, parquet, hf_disk) read a field as Aozora Bunko's text (reader "
              f"{self.reader!r}: use reader 'aozora' for Aozora's own files)")
        check(self.encoding in ENCODINGS, "encoding", f"{self.encoding!r}: use one of {list(ENCODINGS)}")
        if self.column is not None:
            check(self.reader == "text", "column", f"only reader 'text' reads a column of a TSV file (reader "
                                                   f"{self.reader!r}: name the field with text_field)")
            check(self.doc_sep == "line", "column", f"a column is one document a line: set doc_sep: line (not "
                                                   f"{self.doc_sep!r})")
            check(self.column >= 1 if isinstance(self.column, int) else bool(self.column.strip()), "column",
                  f"{self.column!r}: give a column number from 1 (the first) or the name the header gives it")
        bad = [f for f in self.filters if f not in FILTERS]
        check(not bad, "filters", f"unknown filter(s) {bad}; known: {list(FILTERS)}")
        names = {f.name for f in dataclasses.fields(FilterConfig)}
        bad = [k for k in self.thresholds if k not in names]
        check(not bad, "thresholds", f"unknown threshold(s) {bad}; known: {sorted(names)}")
        if self.pii == ["all"]:
            # Aadhaar's check digit passes one in ten 12-digit numbers: only where Indian ones occur
            self.pii = [p for p in PII_TYPES if p != "aadhaar" or self.lang in ("hi", "en")]
        bad = [p for p in self.pii if p not in PII_TYPES]
        check(not bad, "pii", f"unknown PII type(s) {bad}; known: {list(PII_TYPES)} or ['all']")
        check(self.pii_names in ("all", "honorific"), "pii_names", f"{self.pii_names!r}: use 'all' or 'honorific'")
        if self.char_allowlist is not None:
            import regex
            try:
                regex.compile(self.char_allowlist)
            except regex.error as e:
                check(False, "char_allowlist", f"invalid regex: {e}")
        check(self.budget_bytes is None or self.budget_tokens is None, "budget_bytes",
              "set budget_bytes or budget_tokens, not both")
        for k in ("budget_bytes", "budget_tokens"):
            v = getattr(self, k)
            check(v is None or v > 0, k, "must be > 0")

    def filter_config(self, base: FilterConfig) -> FilterConfig:
        return dataclasses.replace(base, **self.thresholds) if self.thresholds else base


@dataclass
class DedupConfig:
    """MinHash LSH near-duplicate detection (datasketch MinHash over character n-grams)."""

    num_perm: int = field(128, doc="MinHash permutations (signature length).")
    ngram: int = field(5, doc="Character n-gram size of the shingles (Japanese has no spaces).")
    threshold: float = field(0.8, doc="Jaccard similarity above which two documents are duplicates; "
                                      "sets the LSH bands x rows.")
    seed: int = field(1, doc="MinHash seed (fixed: signatures must be comparable across shards and runs).")
    verify: bool = field(True, doc="Keep an LSH candidate pair only if its estimated Jaccard >= threshold.")

    def __post_init__(self):
        check(16 <= self.num_perm <= 1024, "num_perm", "must be in [16, 1024]")
        check(1 <= self.ngram <= 32, "ngram", "must be in [1, 32]")
        check(0.0 < self.threshold < 1.0, "threshold", "must be in (0, 1)")


@dataclass
class CorpusConfig:
    """A corpus build: sources -> clean, deduplicated shards + report (stage 'corpus')."""

    sources: list[SourceConfig] = field(default_factory=list, doc="The sources, in priority order (when "
                                        "two sources share a duplicate, the earlier source keeps it).")
    filters: FilterConfig = field(default_factory=FilterConfig, doc="Default filter thresholds.")
    dedup: DedupConfig = field(default_factory=DedupConfig, doc="Near-duplicate settings.")
    zstd_level: int = field(3, doc="zstd level of output shards (single-threaded: byte-identical reruns).")
    max_record_bytes: int = field(8_000_000, doc="An input record (line) larger than this is reported as bad "
                                                 "input and skipped without being decoded.")
    rejects_text: bool = field(True, doc="Write the rejected text to rejects/ (else ids and reasons only).")
    chars_per_token: dict[str, float] = field(
        default_factory=lambda: {"ja": 1.3, "en": 4.0, "hi": 2.5},
        doc="Characters a token by language, for the token estimate and budget_tokens.")
    job: JobConfig = field(default_factory=JobConfig, doc="Slurm resources of every step.")

    @staticmethod
    def explain_notes() -> list[str]:
        """The readers and the source keys each uses (printed by ``jiniac explain corpus``)."""
        lines = ["", "Readers (sources[].reader):"]
        for name in READERS:
            what, opts = READER_DOCS.get(name, ("", []))
            lines.append(f"  {name:10s} {what}" + (f" Options: {', '.join(opts)}." if opts else ""))
        return lines + [f"  {COMPRESSION_NOTE}"]

    def __post_init__(self):
        check(bool(self.sources), "sources", "list at least one source")
        names = [s.name for s in self.sources]
        dup = sorted({n for n in names if names.count(n) > 1})
        check(not dup, "sources", f"source names must be unique; repeated: {dup}")
        check(1 <= self.zstd_level <= 19, "zstd_level", "must be in [1, 19]")
        check(self.max_record_bytes >= 1024, "max_record_bytes", "must be >= 1024")
        for s in self.sources:
            check(s.lang in self.chars_per_token, "chars_per_token", f"no entry for language {s.lang!r}")
        check(all(v > 0 for v in self.chars_per_token.values()), "chars_per_token", "values must be > 0")

    def source(self, name: str) -> SourceConfig:
        """The source called ``name`` (a shard of the manifest names its source)."""
        return next(s for s in self.sources if s.name == name)


if __name__ == "__main__":
    from jiniac_hpc.config import load_recipe

    cfg = load_recipe("corpus", CorpusConfig, sys.argv[1] if len(sys.argv) > 1 else "debug", sys.argv[2:])
    for s in cfg.sources:
        print(f"{s.name:16s} {s.reader:9s} {s.lang}  pii={s.pii or '-'} dedup={s.dedup}  {s.paths}")
