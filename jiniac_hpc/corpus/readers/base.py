"""What every reader shares: the ``Record`` it yields and byte/text streams over (compressed) files.

    python -m jiniac_hpc.corpus.readers jsonl tests/assets/corpus/web.jsonl   # prints records
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import IO, Iterator, Optional, Union

from jiniac_hpc import fileio
from jiniac_hpc.corpus.readers.charsets import guess_codec, wide_unicode


@dataclass
class Record:
    """One input record: ``pos`` is the 1-based line (or element) number, stable across reruns.

    ``unread`` counts the characters of source content the reader deliberately did not put in
    ``text`` (markup it parsed away, ruby readings, a table of contents, licence boilerplate, ...),
    keyed by reason, so the report can show every character read as kept, rejected or unread.
    A record with ``skip`` set is a whole document dropped on purpose (its ``text`` is kept for
    the rejects file and its characters are counted under that reason).
    """

    pos: int
    text: Optional[str]
    error: Optional[str] = None   # bad input: reported with file and position
    nbytes: int = 0
    skip: Optional[str] = None    # dropped on purpose by the reader (counted under this reason)
    meta: dict = field(default_factory=dict)              # source metadata carried into the output
    unread: dict[str, int] = field(default_factory=dict)  # reason -> characters not emitted
    docs: int = 1     # input documents it stands for: a bad-input record for k unreadable rows, k

    def __post_init__(self):
        # a reason quoted from the input (an API's error details, an XML parser's message) may hold
        # line breaks; the report, the rejects file and the task log print one line a bad input
        if self.error and len(lines := self.error.splitlines()) > 1:
            self.error = " ".join(line.strip() for line in lines if line.strip())


class BadInput(ValueError):
    """A file a reader cannot read as its format; the message says why (it becomes a bad_input reject)."""


BINARY_MAGIC = {b"%PDF-": "a PDF", b"PK\x03\x04": "a ZIP/Office file", b"\x89PNG": "a PNG image",
                b"\xff\xd8\xff": "a JPEG image", b"GIF87a": "a GIF image", b"GIF89a": "a GIF image",
                b"PAR1": "a Parquet file", b"\x7fELF": "an executable"}


def is_epub(head: bytes) -> bool:
    """An EPUB book: a ZIP archive whose first file is ``mimetype`` (the format requires it first,
    stored uncompressed) saying ``application/epub+zip``."""
    return head.startswith(b"PK\x03\x04") and head[30:38] == b"mimetype" and b"application/epub+zip" in head[38:100]


def sniff_binary(head: bytes, nul_is_binary: bool = True) -> Optional[str]:
    """Why ``head`` (the first bytes of a decompressed file) is not text, or None if it may be
    (``nul_is_binary=False`` for UTF-16 and UTF-32, where NUL bytes are text)."""
    if is_epub(head):
        return "binary input: an EPUB book (the gutenberg reader reads Project Gutenberg's), not text"
    for magic, what in BINARY_MAGIC.items():
        if head.startswith(magic):
            return f"binary input: {what}, not text"
    if head[257:262] == b"ustar":
        return "binary input: a tar archive (unpack it first), not text"
    if nul_is_binary and b"\x00" in head:
        return "binary input: NUL bytes, not text"
    return None


#: where ``str.splitlines`` breaks a line besides \r and \n (a form feed is a page break in old
#: etexts): a reader that splits with it counts these as markup, since they vanish with the line ends
SPLITLINES_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


#: an XML/HTML document's start, after any comments (LaTeX2HTML opens its pages with "<!--Converted with …-->")
_MARKUP = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*(?:<\?xml\b|<!doctype\s+html|<html\b)", re.I | re.S)
#: the root element of a MediaWiki XML dump (``jawiki-latest-pages-articles.xml``, Special:Export),
#: after an optional XML declaration
_MEDIAWIKI = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?<mediawiki[\s>]")
#: the first line of wikiextractor's <doc> output: ``<doc id="5" url="...?curid=5" title="...">`` (some
#: versions add revid="..."; cirrus-extract adds language="..." revision="..."); a title is written
#: as it is, quotes and all (``"Weird Al" Yankovic``)
WIKIEXTRACTOR_DOC = re.compile(r'^<doc id="([^"]*)"((?: [a-z_]+=".*?")*)>$')
WIKIEXTRACTOR_ATTR = re.compile(r' ([a-z_]+)="(.*?)"(?= [a-z_]+="|$)')
MEDIAWIKI_DUMP = ("a MediaWiki XML dump (wikitext inside <page><revision><text>, whose markup would be read as "
                  "text): extract its articles with wikiextractor first (python -m wikiextractor.WikiExtractor "
                  "DUMP -o OUT) and read OUT/*/wiki_* with reader 'wikiextractor' (or, with --json, 'jsonl')")


def sniff_wiki(head: bytes) -> Optional[str]:
    """Why ``head`` is Wikipedia in a form no plain-text reader may read, saying what to do, or
    None: a MediaWiki XML dump (wikitext) or wikiextractor's <doc> output (tags between articles)."""
    if _MEDIAWIKI.match(head[:1024]):
        return MEDIAWIKI_DUMP
    first = head[:4096].lstrip(b"\xef\xbb\xbf").lstrip().split(b"\n", 1)[0].rstrip(b"\r")
    if WIKIEXTRACTOR_DOC.match(first.decode("utf-8", "replace")):
        return ("wikiextractor <doc> output (its <doc>/</doc> lines would be read as text and articles merged): "
                "read it with reader 'wikiextractor'")
    return None


def sniff_markup(head: bytes) -> Optional[str]:
    """Why ``head`` is a markup document rather than plain text (its tags would become text), or
    None: :func:`sniff_wiki`'s two forms of Wikipedia, or another XML/HTML document."""
    if why := sniff_wiki(head):
        return why
    return "an XML/HTML document (its markup would be read as text)" if _MARKUP.match(head[:1024]) else None


def count_raw(path: Path) -> int:
    """Decompressed bytes of ``path`` (the raw input a reader sees), streamed in 1 MiB reads; for a
    stream that is cut short or corrupt, the bytes before the fault (the reader reports the fault);
    for a file that cannot be decompressed at all (a plain file named ``.zst``), its size: it is
    input all the same, and counting it as 0 bytes would hide it from the report.
    A Parquet file's pages are compressed inside it (zstd, snappy, gzip): its size is the sum of its
    column chunks' uncompressed sizes, from the footer, as the file's own size can be a fraction
    of the text it holds."""
    n = 0
    if archive_member(path) is None and path.is_file():
        with open(path, "rb") as fh:
            parquet = fh.read(4) == b"PAR1"
        if parquet:
            return _parquet_raw(path)
    try:
        fh = open_binary(path)
    except Exception:  # noqa: BLE001 - not the compression its name says: its reader says why
        return path.stat().st_size if archive_member(path) is None and path.is_file() else 0
    try:
        with fh:
            while chunk := fh.read(1 << 20):
                n += len(chunk)
    except Exception:  # noqa: BLE001 - a cut or corrupt stream: its reader reads the same bytes and says why
        pass
    return n


def _parquet_raw(path: Path) -> int:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # noqa: BLE001 - an unreadable footer: the reader reports it
        return path.stat().st_size
    return sum(meta.row_group(g).column(c).total_uncompressed_size
               for g in range(meta.num_row_groups) for c in range(meta.num_columns))


#: ``books.zip::dir/work.txt``: a file inside a ZIP archive (how Aozora Bunko and the e-Gov bulk
#: download ship their texts). The corpus manifest lists each file of an archive as its own input.
MEMBER_SEP = "::"
_MEMBER = re.compile(r"^(.+?\.zip)::(.+)$", re.I | re.S)
IMAGE_MAGIC = tuple(m for m, what in BINARY_MAGIC.items() if what.endswith(" image"))


def archive_member(path: Union[str, Path]) -> Optional[tuple[str, str]]:
    """``(archive, member)`` for a path naming a file inside a ZIP archive, else None."""
    m = _MEMBER.match(str(path))
    return (m.group(1), m.group(2)) if m else None


def open_zip(path: Union[str, Path]) -> zipfile.ZipFile:
    """The ZIP archive at ``path``, its member names read as cp932 where they lack the UTF-8 flag.

    ZIP names are UTF-8 only when flagged; the rest are in the code page of the machine that made
    the archive, which for Aozora Bunko's ZIPs and other Japanese archives is cp932 (Windows'
    Shift_JIS): read as the format's default cp437, ``こんにちは世界.txt`` would become
    ``é▒é±é╔é┐é═ÉóèE.txt`` in every path, id and report. An archive whose unflagged names are not
    all cp932 keeps cp437 for them (every byte still maps to a character, the names stay unique)."""
    try:
        return zipfile.ZipFile(path, metadata_encoding="cp932")
    except UnicodeDecodeError:
        pass
    except zipfile.BadZipFile as e:
        with open(path, "rb") as fh:
            cut = fh.read(4) == b"PK\x03\x04" and str(e) == "File is not a zip file"
        if cut:     # zipfile's words say the file is no ZIP at all: it is one whose end is missing
            raise zipfile.BadZipFile(
                "a ZIP archive cut short: it opens with a member's header but has no end-of-central-directory "
                "record (the list of its files, at its end), so none of its files can be read; an interrupted "
                "download?") from None
        raise
    try:
        return zipfile.ZipFile(path)
    except UnicodeDecodeError as e:     # a name flagged UTF-8 that is not
        raise zipfile.BadZipFile(f"a member name flagged UTF-8 is not UTF-8 ({e.reason} at byte {e.start})") from None


def misnamed_zip(path: Union[str, Path]) -> Optional[str]:
    """Why the file ``path``, named ``.zip``, is no ZIP archive at all, or None: it is one, or starts
    as one (``PK``: a damaged archive is reported as such), or is empty.

    Aozora Bunko's repository holds a work stored as its plain Shift_JIS text under its ZIP's name
    (``cards/001562/files/56151_ruby_60063.zip``, 剣難女難, 286,806 characters): opened as an
    archive it was one bad input and the whole work was lost; it is read as the file it is. A
    self-extracting archive (a program with the ZIP after it) is a ZIP here, as zipfile reads it."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head or head.startswith(b"PK") or zipfile.is_zipfile(path):
        return None
    return f"named .zip but not a ZIP archive (it starts with {head!r}), so read as the file it is"


def zip_members(path: Union[str, Path]) -> list[str]:
    """``archive::member`` of every file in the ZIP archive at ``path``, in archive order (folders
    are left out; names as :func:`open_zip` reads them). Raises ``zipfile.BadZipFile`` for a file
    that is not a readable archive, and for one with two files of one name (only the last of them
    could be opened by name: the archive is reported whole rather than one of them lost unseen)."""
    with open_zip(path) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
    twice = sorted(n for n, k in Counter(names).items() if k > 1)
    if twice:
        raise zipfile.BadZipFile(f"{len(twice)} name(s) given to more than one member: {twice[0]!r}")
    return [f"{path}{MEMBER_SEP}{n}" for n in names]


def _member_info(zf: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """The member ``name`` names; ``Path`` folds ``a//b.txt`` and ``a/./b.txt`` to ``a/b.txt``, so a
    name not found as it is is matched as a path (if one member only matches)."""
    try:
        return zf.getinfo(name)
    except KeyError:
        hits = [i for i in zf.infolist() if not i.is_dir() and PurePosixPath(i.filename) == PurePosixPath(name)]
        if len(hits) != 1:
            raise
        return hits[0]


def open_binary(path: Path) -> IO[bytes]:
    """A binary stream of a file or a ZIP archive's member, decompressing gzip, bzip2, xz and zstd
    on the fly (told by the name and the first bytes: :func:`fileio.compression`; a file named
    ``.bz2`` that is not bzip2 raises :class:`fileio.CompressionError` naming it). A compressed
    stream cut short raises ``EOFError`` after the bytes before the cut (``.zst``: :class:`BadInput`)."""
    member = archive_member(path)
    if member is not None:
        # The member's stream keeps the archive open until it is closed (zipfile counts references).
        zf = open_zip(member[0])
        return zf.open(_member_info(zf, member[1]))
    if path.suffix.lower() == ".zst" or fileio.compression(path) == ".zst":
        return io.BufferedReader(_ZstdFile(path))    # frames walked first: a cut file is said to be cut
    return fileio.open_bytes(path)


ZSTD_MAGIC, SKIPPABLE_MAGIC = 0xFD2FB528, 0x184D2A50   # skippable frames: 0x184D2A50..0x184D2A5F


def zstd_fault(fh: IO[bytes]) -> Optional[str]:
    """Why the .zst file ``fh`` cannot be read whole, or None: not zstd at all, or a frame that runs
    past the end of the file (a cut download: the decompressor would end quietly at the cut). Walks
    the frame and block headers only (RFC 8878), without decompressing."""
    size, pos = fh.seek(0, 2), 0
    while pos < size:
        start = pos
        fh.seek(pos)
        head = fh.read(5)
        magic = int.from_bytes(head[:4], "little")
        if len(head) >= 4 and magic & 0xFFFFFFF0 == SKIPPABLE_MAGIC:
            fh.seek(pos + 4)
            n = fh.read(4)
            pos += 8 + int.from_bytes(n, "little") if len(n) == 4 else size + 1
        elif len(head) >= 4 and magic == ZSTD_MAGIC:
            if len(head) < 5:
                return _cut(start, size)
            fhd = head[4]
            single, checksum, fcs = (fhd >> 5) & 1, (fhd >> 2) & 1, fhd >> 6
            pos += 5 + (1 - single) + (0, 1, 2, 4)[fhd & 3] + ((single, 2, 4, 8)[fcs])
            last = 0
            while not last:
                fh.seek(pos)
                b = fh.read(3)
                if len(b) < 3:
                    return _cut(start, size)
                v = int.from_bytes(b, "little")
                last, kind = v & 1, (v >> 1) & 3
                pos += 3 + (1 if kind == 1 else v >> 3)    # an RLE block stores one byte
            pos += 4 * checksum
        elif start == 0:
            return f"not zstd-compressed (it starts with {head!r}), though named .zst"
        else:
            return None   # not a frame: the decompressor says what is wrong there
    return _cut(start, size) if pos > size else None


def _cut(start: int, size: int) -> str:
    return (f"the .zst file is cut short: its frame at byte {start} runs past the end of the file "
            f"({size} bytes); the text after the last whole line is lost")


class _ZstdFile(io.RawIOBase):
    """The decompressed bytes of every frame of a .zst file; checked first (:func:`zstd_fault`), and
    a file that is cut short raises :class:`BadInput` after the bytes that could be read."""

    def __init__(self, path: Path):
        import zstandard

        self._raw = open(path, "rb")
        try:
            self._fault = zstd_fault(self._raw)
            if self._fault and self._fault.startswith("not zstd"):
                raise BadInput(self._fault)
            self._raw.seek(0)
            self._zst = zstandard.ZstdDecompressor().stream_reader(self._raw, read_across_frames=True)
        except BaseException:
            self._raw.close()
            raise

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._zst.readinto(b)
        if n == 0 and self._fault:
            raise BadInput(self._fault)
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


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

def _field(n: int, obj, key: str, size: int) -> Record:
    if not isinstance(obj, dict) or key not in obj:
        return Record(n, None, f"no field {key!r}", size)
    text = obj[key]
    if not isinstance(text, str):
        return Record(n, None, f"field {key!r} is {type(text).__name__}, not a string", size)
    return Record(n, text, None, size)


#: half of a UTF-16 surrogate pair; ``json.loads`` joins an escaped pair into one character, so a
#: surrogate left in its result stood alone (a text cut in the middle of an emoji)
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(rec: Record) -> Record:
    """``rec`` with the lone UTF-16 surrogates of its text dropped and counted (unread:
    ``lone_surrogate``). JSON may escape one (``"\\ud83d"`` alone), and every reader that decodes
    JSON (JSON Lines, the Diet API, e-Gov's API, JSON documents) keeps it; UTF-8, the output's
    encoding, has no such character, so writing the document would fail the task. A string of the
    metadata (a speaker's name) loses its surrogates too (metadata is not counted as text)."""
    if any(isinstance(v, str) and _SURROGATE.search(v) for v in rec.meta.values()):
        rec = replace(rec, meta={k: _SURROGATE.sub("", v) if isinstance(v, str) else v for k, v in rec.meta.items()})
    if rec.text is None or not _SURROGATE.search(rec.text):
        return rec
    kept = _SURROGATE.sub("", rec.text)
    unread = {**rec.unread, "lone_surrogate": rec.unread.get("lone_surrogate", 0) + len(rec.text) - len(kept)}
    return replace(rec, text=kept, unread=unread)


def _checked(n: int, text, limit: int) -> Record:
    """A Parquet or Arrow value as a record. Bytes (a Parquet BYTE_ARRAY column written without the
    UTF8 annotation, as Impala and parquet-mr's Hive/Thrift writers do, or a binary Arrow column)
    are text in UTF-8 (so is a string column's value that is not UTF-8, which comes as bytes); a
    value that is not valid UTF-8 is rejected with the byte it fails at."""
    if isinstance(text, bytes):
        if len(text) > limit:
            return Record(n, None, f"record of {len(text)} bytes exceeds max_record_bytes={limit}", len(text))
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            return Record(n, None, f"invalid UTF-8 at byte {e.start}", len(text))
    if not isinstance(text, str):
        return Record(n, None, f"value is {type(text).__name__}, not a string")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        return Record(n, None, f"record of {size} bytes exceeds max_record_bytes={limit}", size)
    return Record(n, text, None, size)


def open_text(path: Path, encoding: str) -> IO[str]:
    """A text stream; 'auto' reads the first 64 KiB to choose among UTF-16 and UTF-32 (told by a byte
    order mark or where the NUL bytes are: :func:`charsets.wide_unicode`), HZ (told by its escapes),
    UTF-8, ISO-2022-JP, cp932 (Shift_JIS) and EUC-JIS-2004 (:func:`charsets.guess_codec`).
    Raises :class:`BadInput` for a binary file (PDF, ZIP, NUL bytes), which no text codec reads,
    and for an XML/HTML document, whose tags a plain-text reader would keep as text."""
    with open_binary(path) as fh:
        head = fh.read(1 << 16)
    wide = wide_unicode(head) if encoding == "auto" else None
    if encoding in ("utf-16", "utf-32"):
        wide = encoding
    # (UTF-16/32: NUL bytes are text, and markup is not in bytes an ASCII test could see)
    why = sniff_binary(head, nul_is_binary=wide is None) or (None if wide else sniff_markup(head))
    if why:
        raise BadInput(why)
    if encoding == "auto":
        encoding = wide or guess_codec(head)
    elif encoding == "shift_jis":
        encoding = "cp932"   # Aozora files use the Windows superset (①, ～)
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors="strict", newline=None)


class Utf8Stream(io.RawIOBase):
    """A UTF-16 or UTF-32 byte stream read as UTF-8 (a character that is not in ``codec`` raises
    UnicodeDecodeError, which the reader reports with the file)."""

    def __init__(self, fh: IO[bytes], codec: str):
        self.text, self.pending = io.TextIOWrapper(fh, encoding=codec, errors="strict", newline=""), b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self.pending:
            chunk = self.text.read(1 << 16)
            if not chunk:
                return 0
            self.pending = chunk.encode("utf-8", "surrogatepass")
        n = min(len(b), len(self.pending))
        b[:n], self.pending = self.pending[:n], self.pending[n:]
        return n

    def close(self) -> None:
        self.text.close()
        super().close()


def open_utf8(path: Path, wide: Optional[str]) -> IO[bytes]:
    """The file's bytes as UTF-8: a UTF-16 or UTF-32 file (``wide``, its codec, from
    :func:`charsets.wide_unicode`: a file Windows PowerShell's ``>`` saved) transcoded as it is read."""
    fh = open_binary(path)
    return io.BufferedReader(Utf8Stream(fh, wide)) if wide else fh


def first_char(head: bytes) -> str:
    """The first character of a UTF-8 file's first bytes ``head`` that is not whitespace or a BOM
    ('' if none in its first 4 KiB): what tells a JSON file from XML from anything else."""
    return head[:1 << 12].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")[:1]


class ByteSlice(io.RawIOBase):
    """``size`` bytes of ``fh`` from byte ``start`` (sought in a plain file, read up to in a stream
    that cannot seek: a compressed or transcoded one); closing it closes ``fh``."""

    def __init__(self, fh: IO[bytes], start: int, size: int):
        self.fh, self.left = fh, size
        if fh.seekable() and not isinstance(fh, (gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile, zipfile.ZipExtFile)):
            fh.seek(start)
            start = 0
        while start > 0 and (chunk := fh.read(min(start, 1 << 20))):
            start -= len(chunk)

    def close(self) -> None:
        self.fh.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.fh.read(min(len(b), self.left)) if self.left > 0 else b""
        b[:len(data)] = data
        self.left -= len(data)
        return len(data)


class CharSlice:
    """The characters ``start`` to ``end`` of the text stream ``fh`` (read up to them), as ``read(n)``
    gives them; a context manager that closes ``fh``."""

    def __init__(self, fh: IO[str], start: int, end: int):
        self.fh, self.left = fh, end - start
        while start > 0 and (chunk := fh.read(min(start, 1 << 20))):
            start -= len(chunk)

    def read(self, n: int = -1) -> str:
        data = self.fh.read(self.left if n < 0 else min(n, self.left)) if self.left > 0 else ""
        self.left -= len(data)
        return data

    def __enter__(self) -> "CharSlice":
        return self

    def __exit__(self, *exc) -> None:
        self.fh.close()


class Utf8Text:
    """UTF-8 bytes read as text, ``read(n)`` as a text stream gives it (a leading byte order mark
    dropped). An invalid or cut sequence raises UnicodeDecodeError once the text before it has been
    read: a JSON document cut inside a character (a download that stopped) keeps every record before
    the cut, where a TextIOWrapper raises for its whole last read (megabytes of records, unseen)."""

    def __init__(self, fh: IO[bytes]):
        self.fh, self.tail, self.error, self.first = fh, b"", None, True

    def read(self, n: int = -1) -> str:
        """Up to ``n`` characters (all if ``n`` < 0); "" at the end only."""
        if self.error:
            raise self.error
        data = self.tail
        while True:            # (bytes no more than n: n characters at most, as a text stream gives)
            chunk = self.fh.read(-1 if n < 0 else max(n - len(data), 1))
            data += chunk
            if self.first and (len(data) >= 3 or not chunk):
                data, self.first = data.removeprefix(b"\xef\xbb\xbf"), False
            cut = _whole_utf8(data) if chunk else len(data)      # (at the end, all of it must decode)
            if cut or not chunk:
                break
        data, self.tail = data[:cut], data[cut:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            self.error, self.tail = e, b""
            if e.start == 0:
                raise
            return data[:e.start].decode("utf-8")

    def close(self) -> None:
        self.fh.close()

    def __enter__(self) -> "Utf8Text":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _whole_utf8(data: bytes) -> int:
    """Where the last whole UTF-8 sequence of ``data`` ends (a sequence cut by the read is left)."""
    for back in range(1, min(4, len(data)) + 1):
        b = data[-back]
        if b & 0xC0 != 0x80:          # a lead byte (or ASCII): how long its sequence is
            need = 1 if b < 0xC0 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            return len(data) - back if need > back else len(data)
    return len(data)
