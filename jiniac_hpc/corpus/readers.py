"""Streaming readers: one input file -> ``Record``s (text or a bad-input report).

    python -m jiniac_hpc.corpus.readers jsonl tests/assets/corpus/web.jsonl.zst   # prints records

Every reader is a generator over one file (or one Arrow file of a ``datasets`` folder) that
holds at most one record in memory: JSONL/Parquet/Arrow go record by record, JSON documents
(Diet API pages, SQuAD-style files) are decoded one array element at a time by
:func:`iter_json_array`, e-Gov XML with ``iterparse``, Aozora and text line by line. A record
that cannot be read (invalid UTF-8, broken JSON, missing field, larger than
``max_record_bytes``) is yielded as ``Record(text=None, error=...)`` with its line (or element
index), so the caller reports it and reads on.
"""
from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator, Optional

from jiniac_hpc.corpus.config import SourceConfig


@dataclass
class Record:
    """One input record: ``pos`` is the 1-based line (or element) number, stable across reruns."""

    pos: int
    text: Optional[str]
    error: Optional[str] = None   # bad input: reported with file and position
    nbytes: int = 0
    skip: Optional[str] = None    # dropped on purpose by the reader (counted under this reason)


def open_binary(path: Path) -> IO[bytes]:
    """A binary stream, decompressing .gz / .zst on the fly."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".zst":
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True))
    return open(path, "rb")


def iter_lines(fh: IO[bytes], limit: int) -> Iterator[tuple[int, Optional[bytes], int]]:
    """(line number, bytes or None if longer than ``limit``, length) without reading a huge line whole."""
    n = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        n += 1
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line)
            while True:  # skip the rest of the huge line in bounded pieces
                more = fh.readline(1 << 20)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield n, None, size
        else:
            yield n, line, len(line)


def read_jsonl(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    with open_binary(path) as fh:
        for n, raw, size in iter_lines(fh, limit):
            if raw is None:
                yield Record(n, None, f"record of {size} bytes exceeds max_record_bytes={limit}", size)
                continue
            if not raw.strip():
                continue  # blank lines are not records
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield Record(n, None, f"invalid UTF-8 at byte {e.start}", size)
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield Record(n, None, f"broken JSON: {e.msg} at column {e.colno}", size)
                continue
            yield _field(n, obj, src.text_field, size)


def _field(n: int, obj, key: str, size: int) -> Record:
    if not isinstance(obj, dict) or key not in obj:
        return Record(n, None, f"no field {key!r}", size)
    text = obj[key]
    if not isinstance(text, str):
        return Record(n, None, f"field {key!r} is {type(text).__name__}, not a string", size)
    return Record(n, text, None, size)


def read_parquet(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    if src.text_field not in pf.schema_arrow.names:
        raise ValueError(f"{path}: no column {src.text_field!r}; columns: {pf.schema_arrow.names}")
    n = 0
    for batch in pf.iter_batches(batch_size=1024, columns=[src.text_field]):
        for text in batch.column(0).to_pylist():
            n += 1
            yield _checked(n, text, limit)


def _checked(n: int, text, limit: int) -> Record:
    if not isinstance(text, str):
        return Record(n, None, f"value is {type(text).__name__}, not a string")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        return Record(n, None, f"record of {size} bytes exceeds max_record_bytes={limit}", size)
    return Record(n, text, None, size)


def hf_disk_files(folder: Path) -> list[Path]:
    """The Arrow files of a ``datasets.Dataset.save_to_disk`` folder, from its ``state.json``."""
    state = folder / "state.json"
    if not state.exists():
        raise ValueError(f"{folder}: not a datasets save_to_disk folder (no state.json); a DatasetDict "
                         "folder holds one such folder per split: list the split folder")
    files = json.loads(state.read_text())["_data_files"]
    return [folder / f["filename"] for f in files]


def read_arrow(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One Arrow stream file of a saved ``datasets`` dataset, memory-mapped, batch by batch."""
    import pyarrow as pa

    with pa.memory_map(str(path)) as mm:
        reader = pa.ipc.open_stream(mm)
        if src.text_field not in reader.schema.names:
            raise ValueError(f"{path}: no column {src.text_field!r}; columns: {reader.schema.names}")
        n = 0
        for batch in reader:
            for text in batch.column(src.text_field).to_pylist():
                n += 1
                yield _checked(n, text, limit)


# --- JSON documents, one array element at a time -------------------------------------------------

class _Stream:
    """A text buffer over a file that refills on demand (for raw_decode of one element at a time)."""

    def __init__(self, fh: IO[str], chunk: int = 1 << 16):
        self.fh, self.chunk, self.buf, self.i, self.eof = fh, chunk, "", 0, False

    def fill(self) -> bool:
        if self.eof:
            return False
        more = self.fh.read(self.chunk)
        self.chunk = min(self.chunk * 2, 1 << 24)
        if not more:
            self.eof = True
            return False
        self.buf = self.buf[self.i:] + more
        self.i = 0
        return True

    def peek(self) -> str:
        while True:
            while self.i < len(self.buf) and self.buf[self.i] in " \t\r\n":
                self.i += 1
            if self.i < len(self.buf) or not self.fill():
                return self.buf[self.i:self.i + 1]

    def expect(self, ch: str, where: str) -> None:
        if self.peek() != ch:
            raise ValueError(f"expected {ch!r} {where}, found {self.peek()!r}")
        self.i += 1

    def value(self, limit: int):
        dec = json.JSONDecoder()
        self.peek()
        while True:
            try:
                obj, end = dec.raw_decode(self.buf, self.i)
                if end == len(self.buf) and not self.eof and self.buf[self.i] not in "[{\"":
                    raise json.JSONDecodeError("number may continue", self.buf, end)
                self.i = end
                return obj
            except json.JSONDecodeError:
                if len(self.buf) - self.i > limit:
                    raise ValueError(f"a JSON value larger than max_record_bytes={limit}") from None
                if not self.fill():
                    raise


class TooLarge(int):
    """Stands in for an array element larger than the limit (its size in characters)."""


def iter_json_array(fh: IO[str], keys: tuple[str, ...], limit: int) -> Iterator[tuple[str, object]]:
    """Yield (key, element) for each element of the top-level arrays named ``keys`` in a JSON object.

    Other top-level values are decoded and dropped; one array element is in memory at a time.
    An element larger than ``limit`` characters is yielded as :class:`TooLarge` (and skipped).
    """
    s = _Stream(fh)
    s.expect("{", "at the start of the document")
    while s.peek() != "}":
        key = s.value(limit)
        s.expect(":", f"after key {key!r}")
        if key in keys and s.peek() == "[":
            s.i += 1
            while s.peek() != "]":
                start = s.i
                obj = s.value(limit)
                yield key, (TooLarge(s.i - start) if s.i - start > limit else obj)
                if s.peek() == ",":
                    s.i += 1
            s.i += 1
        else:
            s.value(limit)
        if s.peek() == ",":
            s.i += 1
        elif s.peek() not in ("}", ""):
            raise ValueError(f"expected ',' or '}}' after key {key!r}, found {s.peek()!r}")
        if s.peek() == "":
            raise ValueError("the document ends before its closing '}'")


def _json_elements(path: Path, keys: tuple[str, ...], limit: int) -> Iterator[tuple[int, str, object, Optional[str]]]:
    """Elements with their index; a decoding error ends the file with one error record."""
    n = 0
    with open_binary(path) as raw, io.TextIOWrapper(raw, encoding="utf-8", errors="strict") as fh:
        try:
            for key, obj in iter_json_array(fh, keys, limit):
                n += 1
                yield n, key, obj, None
        except (ValueError, UnicodeDecodeError) as e:
            yield n + 1, "", None, f"unreadable JSON after element {n}: {e}"


def read_squad(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """SQuAD-style JSON (JSQuAD): one record per ``data[].paragraphs[].context``; JSQuAD's
    "title [SEP] paragraph" becomes "title\nparagraph"."""
    n = 0
    for i, _, article, err in _json_elements(path, ("data",), limit):
        if err:
            yield Record(n + 1, None, err)
            return
        if isinstance(article, TooLarge):
            n += 1
            yield Record(n, None, f"article {i} of {int(article)} characters exceeds max_record_bytes={limit}")
            continue
        for p in (article.get("paragraphs") or []) if isinstance(article, dict) else []:
            n += 1
            rec = _field(n, p, "context", 0)
            if rec.text is not None:
                rec.text = rec.text.replace(" [SEP] ", "\n", 1)
            yield rec


_SPEAKER_HEAD = re.compile(r"^○(?P<title>[^（\s]+)(?:（(?P<name>[^）]*)）)?[\s\u3000]*")


def read_diet(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """国会会議録 API JSON (speech or meeting endpoint): one record per kept ``speechRecord``.

    Dropped as procedural: the meeting header (speechOrder 0, the attendance list) and speeches
    by the chair (``drop_roles`` matched against speakerPosition, speakerRole and the "○議長（…君）"
    heading). The heading is removed; the speech body is the document.
    """
    n = 0
    for i, key, obj, err in _json_elements(path, ("speechRecord", "meetingRecord"), limit):
        if err:
            yield Record(n + 1, None, err)
            return
        if isinstance(obj, TooLarge):
            n += 1
            yield Record(n, None, f"{key} element {i} of {int(obj)} characters exceeds max_record_bytes={limit}")
            continue
        speeches = obj.get("speechRecord", []) if key == "meetingRecord" and isinstance(obj, dict) else [obj]
        for sp in speeches:
            n += 1
            if not isinstance(sp, dict) or not isinstance(sp.get("speech"), str):
                yield Record(n, None, "speechRecord without a 'speech' string")
                continue
            body = sp["speech"]
            head = _SPEAKER_HEAD.match(body)
            title = head.group("title") if head else ""
            roles = {sp.get("speakerPosition") or "", sp.get("speakerRole") or "", title}
            if str(sp.get("speechOrder", "")) == "0" or roles & set(src.drop_roles):
                yield Record(n, None, skip="procedural")
                continue
            yield Record(n, body[head.end():] if head else body, None)


def read_egov_xml(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """e-Gov 法令 XML: one record per ``Law``, articles kept as "第一条　…" lines, paragraphs numbered."""
    import xml.etree.ElementTree as ET

    lines: list[str] = []
    n = 0
    try:
        for event, el in ET.iterparse(str(path), events=("end",)):
            tag = el.tag
            if tag == "LawTitle":
                lines.append((el.text or "").strip())
            elif tag in ("PartTitle", "ChapterTitle", "SectionTitle", "SubsectionTitle", "DivisionTitle"):
                lines.append("".join(el.itertext()).strip())
            elif tag == "Article":
                lines.extend(_article_lines(el))
                el.clear()   # keep memory bounded: the article is now text
            elif tag in ("MainProvision", "SupplProvision"):
                if tag == "SupplProvision":
                    lines.append(_text(el.find("SupplProvisionLabel")) or "附則")
                lines.extend(_paragraph_lines(el.findall("Paragraph")))   # paragraphs outside articles
                el.clear()
            elif tag == "Law":
                n += 1
                yield Record(n, "\n".join(x for x in lines if x), None)
                lines = []
                el.clear()
    except ET.ParseError as e:
        yield Record(n + 1, None, f"XML error: {e}")


def _text(el) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _sentences(el) -> str:
    """The Sentence texts under ``el`` (pretty-printing whitespace between elements dropped)."""
    return "".join(_text(s) for s in el.iter("Sentence")) if el is not None else ""


def _paragraph_lines(paras, title: str = "") -> list[str]:
    out = []
    for i, para in enumerate(paras):
        head = title if i == 0 and title else _text(para.find("ParagraphNum"))
        sent = _sentences(para.find("ParagraphSentence"))
        out.append(f"{head}\u3000{sent}" if head else sent)
        for item in para.iter("Item"):
            out.append(f"{_text(item.find('ItemTitle'))}\u3000{_sentences(item.find('ItemSentence'))}")
    return out


def _article_lines(art) -> list[str]:
    """"（目的）" / "第一条　…" / "２　…" / "一　…": the article structure kept as text."""
    return [_text(art.find("ArticleCaption"))] + _paragraph_lines(art.findall("Paragraph"),
                                                                   _text(art.find("ArticleTitle")))


# --- Aozora Bunko and plain text ---------------------------------------------------------------

def open_text(path: Path, encoding: str) -> IO[str]:
    """A text stream; 'auto' tries UTF-8 on the first 64 KiB and falls back to cp932 (Shift_JIS)."""
    if encoding == "auto":
        with open_binary(path) as fh:
            head = fh.read(1 << 16)
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            encoding = "utf-8-sig"
        except UnicodeDecodeError:
            encoding = "cp932"
    elif encoding == "shift_jis":
        encoding = "cp932"   # Aozora files use the Windows superset (①, ～)
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors="strict", newline=None)


_RUBY = re.compile(r"《[^》]*》")
_NOTE = re.compile(r"※?［＃[^］]*］")
_RULE = re.compile(r"^-{20,}\s*$")


def aozora_clean(line: str) -> str:
    """Remove ruby (《…》), the ruby start mark ｜ and ［＃…］ notes (with a gaiji ※ before them)."""
    return _NOTE.sub("", _RUBY.sub("", line)).replace("｜", "")


def read_aozora(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """One work per file: title/author header and the 記号 explanation block stripped, body until
    the 底本 footer, ruby and annotations removed. Not NFKC-normalised (recipe: normalize none)."""
    body: list[str] = []
    state = "header"   # header -> (notes) -> body -> footer
    size = 0
    with open_text(path, src.encoding) as fh:
        try:
            for i, line in enumerate(fh, 1):
                size += len(line)
                if size > limit:
                    yield Record(1, None, f"work larger than max_record_bytes={limit} (line {i})", size)
                    return
                line = line.rstrip("\n")
                if state in ("header", "header_end"):
                    if _RULE.match(line):
                        state = "notes"
                        continue
                    if state == "header":
                        if not line.strip() and i > 1:
                            state = "header_end"   # title/author end here; a 記号 block may follow
                        continue
                    if not line.strip():
                        continue
                    state = "body"     # no 記号 block: this line starts the body
                if state == "notes":
                    if _RULE.match(line):
                        state = "body"
                    continue
                if line.startswith("底本：") or line.startswith("底本:"):
                    break
                body.append(aozora_clean(line))
        except UnicodeDecodeError as e:
            yield Record(1, None, f"undecodable text ({fh.encoding}) near line {i + 1}: {e.reason}")
            return
    yield Record(1, "\n".join(body).strip("\n"), None, size)


def read_text(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """Plain text: one document per file, per blank-line-separated block, or per line."""
    buf: list[str] = []
    start = 1
    size = 0

    def flush(pos: int) -> Optional[Record]:
        text = "\n".join(buf).strip("\n")
        return Record(pos, text, None, size) if text.strip() else None

    with open_text(path, src.encoding) as fh:
        i = 0
        try:
            for i, line in enumerate(fh, 1):
                line = line.rstrip("\n")
                if src.doc_sep == "line":
                    if line.strip():
                        yield _checked(i, line, limit)
                    continue
                if src.doc_sep == "blank_line" and not line.strip():
                    rec = flush(start)
                    if rec:
                        yield rec
                    buf, start, size = [], i + 1, 0
                    continue
                size += len(line) + 1
                if size > limit:
                    yield Record(start, None, f"document larger than max_record_bytes={limit} (line {i})", size)
                    buf, size, start = [], 0, i + 1
                    continue
                buf.append(line)
        except UnicodeDecodeError as e:
            yield Record(i + 1, None, f"undecodable text ({fh.encoding}) near line {i + 1}: {e.reason}; "
                                      "rest of the file skipped")
            return
    rec = flush(start)
    if rec:
        yield rec


READER_FUNCS = {"jsonl": read_jsonl, "parquet": read_parquet, "hf_disk": read_arrow, "aozora": read_aozora,
                "diet": read_diet, "egov_xml": read_egov_xml, "squad": read_squad, "text": read_text}


def read(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """Records of one input shard with the source's reader."""
    return READER_FUNCS[src.reader](path, src, limit)


if __name__ == "__main__":
    s = SourceConfig(name="cli", reader=sys.argv[1], paths=[sys.argv[2]],
                     text_field=sys.argv[3] if len(sys.argv) > 3 else "text")
    for r in read(Path(sys.argv[2]), s, 8_000_000):
        print(r.pos, repr(r.text[:80]) if r.text else r.error)
