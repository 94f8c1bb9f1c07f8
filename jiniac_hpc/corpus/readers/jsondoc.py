"""JSON documents decoded one top-level array element at a time, and the SQuAD-style reader."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Iterator, Optional

from jiniac_hpc import fileio
from jiniac_hpc.corpus.config import SourceConfig
from jiniac_hpc.corpus.readers.base import Record, Utf8Text, _field, first_char, open_binary


_OUTSIDE, _IN_STRING = re.compile(r'["\[\]{}]'), re.compile(r'["\\]')


class _Stream:
    """A text buffer over a file that refills on demand (for raw_decode of one element at a time).

    ``size`` is the last value's size in UTF-8 bytes, as in the file (taken while its text is in the
    buffer: a refill drops what is before ``i``); exact when over a quarter of the limit."""

    def __init__(self, fh: IO[str], chunk: int = 1 << 16, resync: bool = False):
        self.fh, self.chunk, self.buf, self.i, self.eof, self.size = fh, chunk, "", 0, False, 0
        self.base = self.start = 0          # characters of the stream before ``buf``; and before a value
        self.resync = resync                # a value json refuses is skipped (:class:`Broken`), not fatal

    def fill(self) -> bool:
        if self.eof:
            return False
        more = self.fh.read(self.chunk)
        self.chunk = min(self.chunk * 2, 1 << 24)
        if not more:
            self.eof = True
            return False
        self.base += self.i
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
        self.peek()
        self.start = self.base + self.i     # where the value begins in the stream (its ``span``)
        brace = self.buf[self.i:self.i + 1] == "{"
        try:
            return self._value(limit)
        except (ValueError, UnicodeDecodeError) as e:   # an object the file ends in: where it began
            e.object_at = self.start if brace else None
            raise

    def _value(self, limit: int):
        dec = json.JSONDecoder()
        while True:
            try:
                obj, end = dec.raw_decode(self.buf, self.i)
                if end == len(self.buf) and not self.eof and self.buf[self.i] not in "[{\"":
                    raise json.JSONDecodeError("number may continue", self.buf, end)
                n = end - self.i
                self.size = n if 4 * n <= limit else len(self.buf[self.i:end].encode("utf-8", "surrogatepass"))
                self.i = end
                return obj
            except json.JSONDecodeError as e:
                broken = self._broken(e) if self.resync else None
                if broken is not None:
                    return broken
                if len(self.buf) - self.i > limit:     # (characters: its bytes are more still)
                    if self.buf[self.i] in "[{\"":
                        brace = self.buf[self.i] == "{"
                        big = TooLarge(self.skip())
                        big.span = (self.start, self.base + self.i) if brace else None
                        return big
                    raise ValueError(f"a JSON value larger than max_record_bytes={limit}") from None
                if not self.fill():
                    raise

    def _broken(self, e: json.JSONDecodeError) -> Optional["Broken"]:
        """The array, object or string at ``i`` that json refused although its brackets and quotes
        close it within the buffer, and a ``,`` or ``]`` follows (an invalid ``\\`` escape, a raw
        control character): consumed, as :class:`Broken`. None where the buffer may just end too soon,
        or the brackets do not close it where the array goes on (a stray quote: the error stands)."""
        end = fileio.json_element_end(self.buf, self.i)[0]
        if end is None:
            return None
        broken = Broken(len(self.buf[self.i:end].encode("utf-8", "surrogatepass")))
        broken.why = f"{e.msg} at character {e.pos - self.i + 1} of the element"
        self.i = end
        return broken

    def skip(self) -> int:
        """Consume the array, object or string at ``i``, too large to decode, keeping only how deep in
        brackets and whether in a string the scan is (so the elements after it are read); its UTF-8 bytes."""
        size, depth, in_str, j = 0, 0, False, self.i
        while True:
            while (m := (_IN_STRING if in_str else _OUTSIDE).search(self.buf, j)) is not None:
                c, j = m.group(), m.end()
                if c == "\\":
                    j += 1                    # the escaped character (maybe the next chunk's first)
                elif c == '"':
                    in_str = not in_str
                else:
                    depth += 1 if c in "[{" else -1
                if depth == 0 and not in_str and c != "\\":
                    size += len(self.buf[self.i:j].encode("utf-8", "surrogatepass"))
                    self.i = j
                    return size
            carry = max(j - len(self.buf), 0)
            size += len(self.buf[self.i:].encode("utf-8", "surrogatepass")) + carry
            self.i = len(self.buf)
            if not self.fill():
                raise ValueError("the document ends inside a value larger than max_record_bytes")
            j = carry


class TooLarge(int):
    """Stands in for an array element larger than the limit (its size in UTF-8 bytes); an object's
    ``span`` is where it is in the text stream (first character, end), for a caller to read it again
    member by member."""

    span: Optional[tuple[int, int]] = None


class Broken(int):
    """Stands in for an array element json refused (its size in UTF-8 bytes; ``why`` the parser's
    reason): skipped, and the elements after it read."""

    why = ""


def _sized(s: _Stream, obj, limit: int):
    """``obj``, or :class:`TooLarge` if its JSON text was over ``limit`` bytes (``s.size``).

    The limit is ``max_record_bytes``, in bytes as every reader counts it (a JSON line, a book, a
    table cell): a Japanese character is three bytes in UTF-8, so counting characters would let a
    record three times the limit through."""
    if isinstance(obj, (TooLarge, Broken)) or s.size <= limit:
        return obj
    big = TooLarge(s.size)
    big.span = (s.start, s.base + s.i) if isinstance(obj, dict) else None
    return big


#: what :func:`iter_json_array` yields between two JSON objects of one file (``several``)
NEXT_DOCUMENT = ("", None)


class Opened(dict):
    """An object element of a list that :func:`iter_json_array` reads member by member (``nested``):
    yielded when it opens, its members filled in as they are read, and yielded again when it closes.
    The elements of its own list come in between, one at a time; the list itself is a member only as
    ``[]`` (so that a caller tells an empty or streamed list from a missing one)."""


def iter_json_array(fh: IO[str], keys: tuple[str, ...], limit: int, others: Optional[dict] = None,
                    several: bool = False, nested: Optional[dict[str, str]] = None) -> Iterator[tuple[str, object]]:
    """Yield (key, element) for each element of the top-level arrays named ``keys`` in a JSON object.

    Other top-level values are decoded and dropped (or stored in ``others``, so a caller can tell
    an error response or an unknown shape from an empty one); one array element is in memory at a
    time. An element larger than ``limit`` UTF-8 bytes is yielded as :class:`TooLarge` (and skipped).
    An object element of a list named in ``nested`` (``{"meetingRecord": "speechRecord"}``) is read
    member by member instead, however large: (key, :class:`Opened`) when it opens and when it closes,
    and between them (``key.inner``, element) for each element of its own ``inner`` list, each
    element under the limit as above.
    With ``several``, objects written one after another (pages appended to one file) are read in
    turn, :data:`NEXT_DOCUMENT` yielded between two (the caller takes the first one's ``others``, then
    empties it); anything else after the object is an error.
    """
    s = _Stream(fh)
    s.expect("{", "at the start of the document")
    while True:
        yield from _object_arrays(s, keys, limit, others, nested or {})
        s.i += 1                                    # (its closing brace)
        if not several or s.peek() != "{":
            break
        yield NEXT_DOCUMENT
        s.i += 1
    _nothing_after(s, "}")


def _object_arrays(s: _Stream, keys: tuple[str, ...], limit: int, others: Optional[dict],
                   nested: dict[str, str]) -> Iterator[tuple[str, object]]:
    """The members of one object whose opening brace is read, up to its closing brace (``s.i`` on it)."""
    while s.peek() != "}":
        key = s.value(limit)
        s.expect(":", f"after key {key!r}")
        if key in keys and s.peek() == "[":
            s.i += 1
            if isinstance(others, Opened):
                others[key] = []
            while s.peek() != "]":
                if key in nested and s.peek() == "{":
                    s.i += 1
                    obj = Opened()
                    yield key, obj
                    inner = nested[key]
                    yield from ((f"{key}.{inner}", x) for _, x in _object_arrays(s, (inner,), limit, obj, {}))
                    s.i += 1
                    yield key, obj
                else:
                    yield key, _sized(s, s.value(limit), limit)
                if s.peek() == ",":
                    s.i += 1
            s.i += 1
        else:
            value = s.value(limit)
            if others is not None:
                others[key] = value
        if s.peek() == ",":
            s.i += 1
        elif s.peek() not in ("}", ""):
            raise ValueError(f"expected ',' or '}}' after key {key!r}, found {s.peek()!r}")
        if s.peek() == "":
            raise ValueError("the document ends before its closing '}'")


def _end(s: _Stream, close: str) -> None:
    """Consume the closing bracket; anything after it would otherwise be lost without a word."""
    s.i += 1
    _nothing_after(s, close)


def _nothing_after(s: _Stream, close: str) -> None:
    if s.peek() != "":
        raise ValueError(f"more JSON after the top-level value's closing {close!r} (several documents in one "
                         "file? save pages as one JSON array or as JSON Lines)")


def iter_json_list(fh: IO[str], limit: int, resync: bool = False) -> Iterator[object]:
    """Yield each element of a top-level JSON array, one in memory at a time (:class:`TooLarge` if
    larger than ``limit`` UTF-8 bytes; with ``resync``, :class:`Broken` for one json refuses)."""
    s = _Stream(fh, resync=resync)
    s.expect("[", "at the start of the document")
    while s.peek() != "]":
        if s.peek() == "":
            raise ValueError("the document ends before its closing ']'")
        yield _sized(s, s.value(limit), limit)
        if s.peek() == ",":
            s.i += 1
    _end(s, "]")


def json_list_elements(path: Path, limit: int) -> Iterator[tuple[int, object, Optional[str]]]:
    """``(n, element, None)`` for each element (numbered from 1) of a file that is one top-level JSON
    array, one in memory at a time; ``(n, None, why)`` for an element over ``limit`` UTF-8 bytes, and
    for one json refuses (an invalid ``\\`` escape: :class:`Broken`), both skipped; and last, where the
    array breaks off, ``(n + 1, None, why)`` after the last whole element."""
    n = 0
    with Utf8Text(open_binary(path)) as fh:
        try:
            for n, obj in enumerate(iter_json_list(fh, limit, resync=True), 1):
                if isinstance(obj, Broken):
                    yield n, None, f"element {n}: invalid JSON ({obj.why}): its {int(obj)} bytes skipped"
                elif isinstance(obj, TooLarge):
                    yield n, None, f"element {n} of {int(obj)} bytes exceeds max_record_bytes={limit}"
                else:
                    yield n, obj, None
        except (ValueError, UnicodeDecodeError) as e:
            yield n + 1, None, f"unreadable JSON array after element {n}: {e}"


def first_char_of(path: Path) -> str:
    """The first non-whitespace character of a (compressed) UTF-8 file ('' if none; BOM skipped)."""
    with open_binary(path) as raw:
        return first_char(raw.read(1 << 12))


def _json_elements(path: Path, keys: tuple[str, ...], limit: int,
                   others: Optional[dict] = None) -> Iterator[tuple[int, str, object, Optional[str]]]:
    """Elements with their index; a decoding error ends the file with one error record."""
    n = 0
    with Utf8Text(open_binary(path)) as fh:
        try:
            for key, obj in iter_json_array(fh, keys, limit, others):
                n += 1
                yield n, key, obj, None
        except (ValueError, UnicodeDecodeError) as e:
            yield n + 1, "", None, f"unreadable JSON after element {n}: {e}"


def read_squad(path: Path, src: SourceConfig, limit: int) -> Iterator[Record]:
    """SQuAD-style JSON (JSQuAD, XQuAD): one record per ``data[].paragraphs[].context``; JSQuAD's
    "title [SEP] paragraph" becomes "title\nparagraph" (the ``[SEP]`` marker and its spaces:
    unread ``markup``). The rest of the file's text is counted, not emitted: each paragraph's
    questions (``question``) and answers (``answer``, SQuAD 2.0's ``plausible_answers`` too) on
    its record, and an article's ``title`` on the record of its first paragraph (XQuAD's titles
    are not in the contexts)."""
    n = 0
    others: dict = {}
    for i, _, article, err in _json_elements(path, ("data",), limit, others):
        if err:
            yield Record(n + 1, None, err)
            return
        if isinstance(article, TooLarge):
            n += 1
            yield Record(n, None, f"article {i} of {int(article)} bytes exceeds max_record_bytes={limit}")
            continue
        paras = article.get("paragraphs") if isinstance(article, dict) else None
        title = article.get("title") if isinstance(article, dict) else None
        title = {"title": len(title)} if isinstance(title, str) and title else {}
        if not isinstance(paras, list):
            n += 1
            yield Record(n, None, f"data[{i - 1}] has no 'paragraphs' list", unread=title)
            continue
        for p in paras:
            n += 1
            rec = _field(n, p, "context", 0)
            rec.unread = {**title, **_qas_chars(p)}
            title = {}
            if rec.text is not None:
                text = rec.text.replace(" [SEP] ", "\n", 1)
                if len(text) < len(rec.text):
                    rec.unread["markup"] = len(rec.text) - len(text)
                rec.text = text
            yield rec
    if n == 0:
        yield Record(1, None, f"no data[].paragraphs[] in this JSON (top-level keys: {sorted(others)[:8]}): "
                              "not a SQuAD-style file")


def _qas_chars(paragraph) -> dict[str, int]:
    """Characters of a SQuAD paragraph's questions and answer texts, by kind (none counted as 0)."""
    qas = paragraph.get("qas") if isinstance(paragraph, dict) else None
    counts = {"question": 0, "answer": 0}
    for qa in qas if isinstance(qas, list) else ():
        if not isinstance(qa, dict):
            continue
        if isinstance(qa.get("question"), str):
            counts["question"] += len(qa["question"])
        for key in ("answers", "plausible_answers"):
            answers = qa.get(key)
            counts["answer"] += sum(len(a["text"]) for a in (answers if isinstance(answers, list) else ())
                                    if isinstance(a, dict) and isinstance(a.get("text"), str))
    return {k: v for k, v in counts.items() if v}
