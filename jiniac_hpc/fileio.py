"""Files: the one place for atomic writes, JSON Lines (plain or compressed), Parquet and Arrow
batches, and completion markers.

Every stage writes through these helpers, so a killed task never leaves a half-written file
under its final name, and "is this task done?" has one answer:

    from jiniac_hpc import fileio
    fileio.write_json(run_dir / "stats.json", stats)            # temp file + rename
    for n, row in fileio.read_jsonl(path, numbered=True): ...   # plain, .gz/.bz2/.xz/.zst; errors name file:line
    end = fileio.json_value_end(text, i)                        # a value's end, found by brackets alone
    fileio.write_jsonl(out / "pairs.jsonl", rows)               # atomic; .zst compresses
    with fileio.JsonlWriter(out / "big.jsonl.zst") as w:        # the same, streamed row by row
        w.write(row)

Completion markers follow datatrove's ``completions/`` folder: the executor (never the step
function) writes ``<run_dir>/completions/<step>/<task:05d>.json`` after the task returned,
holding the task's return value and the digest of the config it ran with. A relaunch skips a
task whose marker exists for the same digest (:func:`is_done`); a changed config (outside
``job``, the resources) reruns it. A plan that needs a finer answer (the same input file, the
same tokenizer) checks the marker's result (:func:`result`); a step that combines a whole array
(a merge, an index) reruns whenever one of its inputs did (:func:`done_after`).
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Optional, Union

from jiniac_hpc.errors import ConfigError

COMPLETIONS = "completions"


class JsonlError(ConfigError):
    """A JSON Lines file with a bad line; the message names file and line (a ConfigError, so the
    command line shows it as one line)."""

    def __init__(self, path: Union[str, Path], line: int, reason: str):
        super().__init__(f"{path}:{line}: {reason}")
        self.reason = reason


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def remove_temps(path: Union[str, Path]) -> None:
    """Remove the temp files a killed writer of ``path`` left behind (any process's)."""
    path = Path(path)
    for p in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: Union[str, Path]) -> Iterator[Path]:
    """A temp path beside ``path`` for writers that open files by name (h5py, sentencepiece,
    matplotlib); renamed to ``path`` when the block succeeds, removed when it fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_open(path: Union[str, Path], mode: str = "wb") -> Iterator[IO]:
    """A file handle on a temp file beside ``path``, renamed to ``path`` when the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
        yield fh


def atomic_write(path: Union[str, Path], data: Union[str, bytes]) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to a temp file beside ``path``, then rename it."""
    with atomic_open(path, "wb" if isinstance(data, bytes) else "w") as fh:
        fh.write(data)
    return Path(path)


def write_json(path: Union[str, Path], data: Any, *, indent: Optional[int] = 1, sort_keys: bool = False) -> Path:
    """``data`` as JSON (non-ASCII kept readable), written atomically, ending in a newline."""
    return atomic_write(path, json.dumps(data, indent=indent, sort_keys=sort_keys, ensure_ascii=False,
                                         default=str) + "\n")


def read_json(path: Union[str, Path], default: Any = None) -> Any:
    """The JSON in ``path``, or ``default`` when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return default
    return json.loads(path.read_text(encoding="utf-8"))


@contextlib.contextmanager
def atomic_dir(path: Union[str, Path]) -> Iterator[Path]:
    """Fill a temp folder beside ``path``; on success it replaces ``path`` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


#: compressed streams told by their first bytes -> (name, suffix); a file named with one of these
#: suffixes must start with its magic, and a file named otherwise that starts with one is that stream
#: (wikiextractor --compress writes ``wiki_00.bz2``; a download saved under another name keeps its
#: bytes): the decompressed text is what is read, never the compressed bytes as text
COMPRESSED = {b"\x1f\x8b": ("gzip", ".gz"), b"BZh": ("bzip2", ".bz2"), b"\xfd7zXZ\x00": ("xz", ".xz"),
              b"\x28\xb5\x2f\xfd": ("zstd", ".zst")}
_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")


class CompressionError(ConfigError):
    """A file whose name says one compression and whose bytes say another (or none); the message
    names the file."""


def compression(path: Union[str, Path]) -> Optional[str]:
    """How ``path`` is compressed: ``".gz"``, ``".bz2"``, ``".xz"``, ``".zst"`` or None (plain).

    The suffix (any case) decides, and the file's first bytes must agree with it; a file with no
    such suffix is told by those bytes. Raises :class:`CompressionError` for a file named ``.bz2``
    (say) that is not bzip2: reading its bytes as text, or failing deep in the decompressor, would
    say less. An empty file is plain."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(6)
    found = next((v for magic, v in COMPRESSED.items() if head.startswith(magic)), None)
    if found and found[0] == "bzip2" and (len(head) < 4 or head[3:4] not in b"123456789"):
        found = None        # "BZh" then the block size 1-9: text that starts "BZh" is not bzip2
    if len(head) >= 4 and int.from_bytes(head[:4], "little") & 0xFFFFFFF0 == 0x184D2A50:
        found = COMPRESSED[b"\x28\xb5\x2f\xfd"]   # a zstd skippable frame (metadata) may come first
    named = path.suffix.lower() if path.suffix.lower() in _SUFFIXES else None
    if named is None:
        return found[1] if found else None
    if head and (found is None or found[1] != named):
        raise CompressionError(f"{path}: named {path.suffix} but not {named[1:]}-compressed (it starts with "
                               f"{head[:4]!r}{', ' + found[0] + ' data' if found else ''})")
    return named


def open_bytes(path: Union[str, Path]) -> IO[bytes]:
    """Open a file for reading as bytes, decompressing gzip, bzip2, xz and zstd on the fly (told
    by :func:`compression`)."""
    kind = compression(path)
    if kind == ".gz":     # HH-RLHF and many Hub exports ship .jsonl.gz
        import gzip

        return gzip.open(path, "rb")      # (a GzipFile is buffered already; so are BZ2File and LZMAFile)
    if kind == ".bz2":    # wikiextractor --compress, Wikimedia's own dumps
        import bz2

        return bz2.open(path, "rb")
    if kind == ".xz":
        import lzma

        return lzma.open(path, "rb")
    if kind == ".zst":
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True))
    return open(path, "rb")


def open_text(path: Union[str, Path], errors: str = "strict") -> io.TextIOBase:
    """Open a text file for reading as UTF-8, decompressing it on the fly (:func:`open_bytes`)."""
    return io.TextIOWrapper(open_bytes(path), encoding="utf-8", errors=errors)


@dataclass
class LostRows:
    """Rows ``first``..``last`` (numbered from 1 in the file) of row group ``group`` of ``groups``
    that a Parquet file did not give, and why."""

    first: int
    last: int
    group: int
    groups: int
    why: str


def parquet_batches(pf, batch_size: int, columns: Optional[list[str]] = None) -> Iterator[Any]:
    """The record batches of a ``pyarrow.parquet.ParquetFile``, one row group at a time. A row
    group that cannot be decoded, or that gives fewer rows than the file's metadata says it holds,
    yields one :class:`LostRows` for the rows it did not give (after the batches it did), and the
    row groups after it are read: the corpus readers and post-training both name such rows."""
    start, groups = 0, pf.num_row_groups
    for g in range(groups):
        rows, got, why = pf.metadata.row_group(g).num_rows, 0, "it gave fewer rows than the metadata says"
        try:
            for batch in pf.iter_batches(batch_size=batch_size, row_groups=[g], columns=columns):
                got += batch.num_rows
                yield batch
        except Exception as e:  # noqa: BLE001 - a corrupt page: its row group's rows are named, the rest read
            why = f"{type(e).__name__}: {e}".strip().replace("\n", " ")
        if got < rows:
            yield LostRows(start + got + 1, start + rows, g + 1, groups, why)
        start += max(rows, got)


class NotArrow(ValueError):
    """A file that is neither an Arrow IPC stream nor an IPC file; ``head`` holds its first bytes, so
    the caller can say what it looks like instead."""

    def __init__(self, head: bytes, why: str):
        super().__init__(why)
        self.head = head


class ArrowBatches:
    """The record batches, in order, of an Arrow IPC stream (what ``datasets`` writes: a
    ``save_to_disk`` folder's files and its cache) or an Arrow IPC file (``ARROW1`` magic, what
    ``pyarrow.ipc.new_file`` and Feather 2 write; read as a stream, it fails with a bad metadata
    length), memory-mapped. ``schema`` is known on opening (:class:`NotArrow` when neither form
    opens). After the batches, :meth:`cut_after` says whether a stream's bytes end without its
    end-of-stream marker: pyarrow takes the end of the bytes for the end of the stream, so a file cut
    between two batches reads as a shorter one with no error. The corpus readers and post-training
    both name the rows such a file lost, in the words :meth:`cut_after` gives.

        with fileio.ArrowBatches(path) as arrow:
            for batch in arrow: ...
            why = arrow.cut_after(rows_read)
    """

    _CONTINUATION = b"\xff\xff\xff\xff"
    _EOS = _CONTINUATION + b"\x00\x00\x00\x00"   # written on close since Arrow 0.15

    def __init__(self, path: Union[str, Path]):
        import pyarrow as pa

        self._mm = pa.memory_map(str(path))
        self.head = self._mm.read(6)
        try:
            if self.head == b"ARROW1":
                reader = pa.ipc.open_file(self._mm)
                self.schema = reader.schema
                self._batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
            else:
                self._mm.seek(0)
                stream = pa.ipc.open_stream(self._mm)
                self.schema, self._batches = stream.schema, iter(stream)
        except pa.ArrowInvalid as e:    # (pyarrow's own words are often a bad metadata length)
            self._mm.close()
            raise NotArrow(self.head, str(e)) from None

    def __iter__(self) -> Iterator[Any]:
        return self._batches

    def cut_after(self, rows: int) -> Optional[str]:
        """Why the rows after the ``rows`` read are lost, for a stream whose last eight bytes are not
        the end-of-stream marker; None for a whole one (call after the batches)."""
        if not self.head.startswith(self._CONTINUATION):
            return None         # an IPC file (its footer is checked on opening), or a pre-0.15 stream
        size = self._mm.size()
        self._mm.seek(max(size - 8, 0))
        if self._mm.read(8) == self._EOS:
            return None
        return (f"the Arrow stream ends without its end-of-stream marker, after row {rows}: the file ({size} bytes) "
                "is cut short or its writer was not closed; rows after it are lost")

    def __enter__(self) -> "ArrowBatches":
        return self

    def __exit__(self, *exc) -> None:
        self._mm.close()


def read_jsonl(path: Union[str, Path], *, numbered: bool = False, text_key: Optional[str] = None,
               torn_tail: bool = False, keep_bad: bool = False, errors: str = "strict") -> Iterator[Any]:
    """The JSON objects of a JSON Lines file (plain or compressed: :func:`open_bytes`), skipping blank lines.

    ``numbered=True`` yields ``(line_number, object)``. A line that is not JSON (or, with
    ``errors="strict"``, not UTF-8), or with ``text_key`` not an object with a string under
    that key, raises :class:`JsonlError` naming ``file:line``; ``keep_bad=True`` yields that
    error in its place and reads on (a reader that reports every bad line). ``torn_tail=True``
    (append-only logs) drops a bad *last* line: the append a killed job did not finish (cut in
    the middle of a character, too). ``errors`` is the UTF-8 decoder's.
    """
    # Bytes line by line, each decoded alone: a line that is not UTF-8 (a cp932 file, say) is
    # named by its number, which a text reader decoding a chunk ahead cannot tell.
    with open_bytes(path) as fh:
        for n, raw in enumerate(fh, 1):
            bad = obj = None
            try:
                # A UTF-8 byte-order mark opens the first line of files saved by Windows tools
                # (Azure OpenAI even requires one): it is not part of the JSON.
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8", errors)
                if not line.strip():
                    continue
                obj = json.loads(line)
            except UnicodeDecodeError as e:
                bad = f"not UTF-8 ({e.reason} at byte {e.start + 1} of the line): save the file as UTF-8"
            except json.JSONDecodeError as e:
                bad = f"invalid JSON ({e.msg}: column {e.colno})"
            if bad is not None:
                if torn_tail and not any(rest.strip() for rest in fh):
                    return
                obj = JsonlError(path, n, bad)
            elif text_key is not None and not (isinstance(obj, dict) and isinstance(obj.get(text_key), str)):
                obj = JsonlError(path, n, f"expected an object with a string {text_key!r}")
            if isinstance(obj, JsonlError) and not keep_bad:
                raise obj
            yield (n, obj) if numbered else obj


_JSON_OUTSIDE, _JSON_IN_STRING = re.compile(r'["\[\]{}]'), re.compile(r'["\\]')


def json_value_end(text: str, i: int) -> Optional[int]:
    """Where the JSON array, object or string that opens at ``text[i]`` ends (the index after its
    closing bracket or quote), found by its brackets and quotes alone: a backslash in a string takes
    the next character, whatever it is, and no escape or character is checked. A reader that
    ``json`` refused a value of (an invalid ``\\`` escape, a raw control character in a string) skips
    it up to there and reads the next one. None when ``text[i]`` opens no such value or it does not
    close within ``text``."""
    if text[i:i + 1] not in ("[", "{", '"'):
        return None
    depth, in_str, j = 0, False, i
    while (m := (_JSON_IN_STRING if in_str else _JSON_OUTSIDE).search(text, j)) is not None:
        c, j = m.group(), m.end()
        if c == "\\":
            j += 1                              # the escaped character, valid or not
            continue
        if c == '"':
            in_str = not in_str
        else:
            depth += 1 if c in "[{" else -1
        if depth == 0 and not in_str:
            return j
    return None


def json_element_end(text: str, i: int) -> tuple[Optional[int], str]:
    """(:func:`json_value_end` of the array element at ``text[i]``, what follows it: ``,`` or
    ``]``), the end None unless one of those follows, so that the array goes on where it ends."""
    end = json_value_end(text, i)
    after = text[end:end + 64].lstrip()[:1] if end is not None else ""
    return (end, after) if after in (",", "]") else (None, after)


class JsonlWriter:
    """Stream JSON Lines into a temp file beside ``path`` (zstd-compressed when it ends in
    ``.zst``); :meth:`commit` renames it into place, :meth:`abort` removes it. As a context
    manager it commits on success and aborts on an exception. Single-threaded zstd and no
    timestamps: the same rows at the same level give the same bytes."""

    def __init__(self, path: Union[str, Path], zstd_level: int = 3):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = _tmp(self.path)
        self._fh = open(self.tmp, "wb")
        self._out = self._fh
        if self.path.suffix == ".zst":
            import zstandard

            self._out = zstandard.ZstdCompressor(level=zstd_level, threads=0).stream_writer(self._fh, closefd=False)
        self.count = 0

    def write(self, obj: Any) -> None:
        self._out.write((json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8"))
        self.count += 1

    def _close(self) -> None:
        if self._out is not self._fh:
            self._out.close()
        self._fh.close()

    def commit(self) -> None:
        self._close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self._close()
        finally:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> "JsonlWriter":
        return self

    def __exit__(self, exc_type, *_) -> None:
        self.abort() if exc_type else self.commit()


def write_jsonl(path: Union[str, Path], rows: Iterable[Any], *, zstd_level: int = 3) -> int:
    """Write ``rows`` as JSON Lines atomically (zstd-compressed when ``path`` ends in ``.zst``);
    returns the number of rows."""
    with JsonlWriter(path, zstd_level) as w:
        for r in rows:
            w.write(r)
    return w.count


def sha256_file(path: Union[str, Path]) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---- completion markers (written by the executor, never by a step function) ----

def config_digest(config: dict) -> str:
    """The digest a marker is valid for: the whole config except ``job`` (resources do not change
    what a task computes, so asking for more nodes does not redo finished work)."""
    data = {k: v for k, v in config.items() if k != "job"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def marker_path(run_dir: Union[str, Path], step: str, task: int) -> Path:
    return Path(run_dir) / COMPLETIONS / step / f"{task:05d}.json"


def write_marker(run_dir: Union[str, Path], step: str, task: int, result: Any, digest: str) -> Path:
    """Record that ``task`` of ``step`` finished with ``result`` (JSON-able) under config ``digest``."""
    return write_json(marker_path(run_dir, step, task), {"digest": digest, "result": result})


def read_marker(run_dir: Union[str, Path], step: str, task: int) -> Optional[dict]:
    """``{"digest", "result"}`` of a finished task, or None."""
    try:
        return read_json(marker_path(run_dir, step, task))
    except (OSError, ValueError):
        return None   # a marker that cannot be read is no marker: the task runs again


def is_done(run_dir: Union[str, Path], step: str, task: int, digest: str) -> bool:
    """Whether ``task`` of ``step`` finished under a config with this ``digest``."""
    m = read_marker(run_dir, step, task)
    return m is not None and m.get("digest") == digest


def result(run_dir: Union[str, Path], step: str, task: int, digest: Optional[str] = None) -> Any:
    """What a finished ``task`` of ``step`` returned (None when it has no marker, or when
    ``digest`` is given and the marker was written under another config)."""
    m = read_marker(run_dir, step, task)
    if m is None or (digest is not None and m.get("digest") != digest):
        return None
    return m.get("result")


def done_after(run_dir: Union[str, Path], step: str, digest: str, inputs: list[bool]) -> list[bool]:
    """``done`` of a single-task step that combines a whole array (a merge, an index, a report):
    done only if every input task is done already and its own marker matches ``digest``.
    Otherwise its marker is removed, so that if the rerun fails, a later launch cannot take
    the old marker for a result made from the new inputs."""
    if all(inputs) and is_done(run_dir, step, 0, digest):
        return [True]
    shutil.rmtree(Path(run_dir) / COMPLETIONS / step, ignore_errors=True)
    return [False]
