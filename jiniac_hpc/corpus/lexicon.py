"""UniDic read for the name pass: the words that are never a name, and a fast "holds a name?" test.

    python -m jiniac_hpc.corpus.lexicon      # builds (or loads) the word list and prints its size and a sample

``plain_words()`` returns every written form (書字形, feature field 8) of a unidic-lite entry that
is a whole ``RUN`` (two or more kanji, or three or more katakana: the runs the name pass asks
about) and that no entry reads as a person name (pos3 人名): 日本, 政府, コンピュータ, but not
山田 (also 姓) or 森 (one kanji is not a run).
The name pass (:mod:`jiniac_hpc.corpus.names`) treats such a kanji/katakana run as holding no
name without asking MeCab: many of the runs of unseen text are such plain words.

The words come from the feature strings stored in ``sys.dic`` (MeCab's binary dictionary:
a 72-byte header, the double-array trie, the token table, then the NUL-separated features).
Reading all of its features costs more than loading MeCab, so the list is written once per
dictionary to ``$XDG_CACHE_HOME/jiniac_hpc`` (default ``~/.cache``) and read back from there; a
cache that cannot be written only costs the rebuild. A dictionary whose header is not MeCab's gives an
empty list: the name pass then asks MeCab about every run, as it would without this module.

``given_kanji()`` returns the single kanji that an entry reads as a given name (名): 洋, 茂, 美,
but not 派 or 宅; a one-kanji piece after a family name that MeCab read as a common noun completes
the name only if it is one of them. Both lists are cached the same way.

``name_reader()`` is what the name pass asks about the other runs (MeCab on the run alone), and
``pos_tokenizer()`` gives the tokens and POS of a window; both have MeCab print each word's
left context id, whose POS ``left-id.def`` gives, instead of UniDic's feature fields.
"""
from __future__ import annotations

import hashlib
import mmap
import os
import re
import struct
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Callable

from jiniac_hpc import fileio

KANJI = "一-龥々〆ヶ\u3400-\u4dbf\uf900-\ufaff"
# (the look-ahead on the first character lets re skip the other text fast instead of trying both
# branches at every position)
RUN = re.compile(rf"(?=[{KANJI}ァ-ヴー・])(?:[{KANJI}]{{2,}}|[ァ-ヴー・]{{3,}})")
_MAGIC = 0xEF718F77   # MeCab's DictionaryMagicID: the header's first word is it XOR the file size
_FIELDS = re.compile(r"[^,]*,[^,]*,([^,]*),(?:[^,]*,){5}([^,]*)")
_GIVEN = re.compile(rf"名詞,固有名詞,人名,名,(?:[^,]*,){{4}}([{KANJI}]),")


def _dicdir() -> Path:
    import unidic_lite  # lazy: only the name pass needs the dictionary

    return Path(unidic_lite.DICDIR)


def _features(sysdic: Path) -> list[str]:
    """The feature strings of one ``sys.dic``; none if the file is not in MeCab's format."""
    with open(sysdic, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        magic, version = struct.unpack_from("<2I", mm, 0)
        if magic ^ _MAGIC != len(mm) or version != 102:
            return []
        dsize, tsize, fsize = struct.unpack_from("<3I", mm, 24)
        start = 72 + dsize + tsize
        return mm[start:start + fsize].decode("utf-8").split("\0")


def _read(sysdic: Path) -> list[str]:
    """``plain_words`` of one ``sys.dic``, sorted; empty if the file is not in MeCab's format."""
    names, plain = set(), set()
    for feature in _features(sysdic):
        m = _FIELDS.match(feature)
        if m and RUN.fullmatch(m.group(2)):
            (names if m.group(1) == "人名" else plain).add(m.group(2))
    return sorted(plain - names)


def _read_given(sysdic: Path) -> list[str]:
    """``given_kanji`` of one ``sys.dic``, sorted."""
    return sorted({m.group(1) for m in map(_GIVEN.match, _features(sysdic)) if m})


def _cache_file(sysdic: Path, kind: str = "plain_words") -> Path:
    st = sysdic.stat()
    key = hashlib.sha1(f"{sysdic}|{st.st_size}|{st.st_mtime_ns}|{RUN.pattern}".encode()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "jiniac_hpc" / f"unidic_{kind}-{key}.txt"


def _cached(kind: str, read: Callable[[Path], list[str]]) -> frozenset[str]:
    """The word list ``read`` makes of unidic-lite's ``sys.dic``, from its cache file if there is one."""
    sysdic = _dicdir() / "sys.dic"
    cache = _cache_file(sysdic, kind)
    try:
        return frozenset(cache.read_text(encoding="utf-8").split("\n")) - {""}
    except OSError:
        pass
    words = read(sysdic)
    try:   # written whole and renamed, so a concurrent reader never sees half a list
        fileio.atomic_write(cache, "\n".join(words))
    except OSError:
        pass
    return frozenset(words)


@lru_cache(maxsize=1)
def plain_words() -> frozenset[str]:
    """unidic-lite's written forms that are a whole ``RUN`` and that no entry reads as a person name."""
    return _cached("plain_words", lambda sysdic: _read(sysdic))


@lru_cache(maxsize=1)
def given_kanji() -> frozenset[str]:
    """The single kanji that unidic-lite lists as a given name (名詞,固有名詞,人名,名: 洋, 茂, 美, 郎),
    which the name pass takes after a family name even where MeCab read them as a common noun."""
    return _cached("given_kanji", _read_given)


@lru_cache(maxsize=1)
def left_id_pos() -> dict[str, str]:
    """UniDic's left context id -> the first four POS fields of the words with it, e.g.
    ``"名詞,固有名詞,人名,姓,"`` (``left-id.def``: one "id feature" line per id)."""
    with open(_dicdir() / "left-id.def", encoding="utf-8") as fh:
        return {i: ",".join(feature.split(",", 4)[:4]) + "," for i, _, feature in (line.partition(" ") for line in fh)}


def _format_tagger(node: str, unk: str):
    """A MeCab tagger on unidic-lite that prints ``node`` per dictionary word and ``unk`` per
    unknown word (MeCab format strings), nothing at sentence start or end. The formats live in an
    rc file MeCab reads once, when the tagger is built."""
    import fugashi  # lazy: the login node never needs MeCab

    formats = {"node": node, "unk": unk, "bos": "", "eos": ""}
    with tempfile.TemporaryDirectory() as tmp:
        rc = Path(tmp) / "mecabrc"
        rc.write_text("".join(f"{k}-format-ids = {v}\n" for k, v in formats.items()), encoding="utf-8")
        return fugashi.GenericTagger(f'-d "{_dicdir()}" -r "{rc}" -Oids')


# Why ids: printing a word's left context id costs MeCab nothing, while every %f field makes it
# split the word's 26-field feature string, a large part of a short call. An unknown
# word's id is that of some other context (記号 unknowns share the ids of サ変 nouns), so
# unknown words print their own POS fields instead.


@lru_cache(maxsize=1)
def name_reader() -> Callable[[str], bool]:
    """A function that tells whether MeCab, analysing a string alone, reads a 人名 token in it."""
    names = frozenset(i for i, pos in left_id_pos().items() if pos.startswith("名詞,固有名詞,人名,")) | {"人名"}
    parse = _format_tagger("%phl\\n", "%f[2]\\n").parse
    return lambda text: not names.isdisjoint(parse(text).split())


@lru_cache(maxsize=1)
def pos_tokenizer() -> Callable[[str], list[tuple[int, int, str]]]:
    """A function: ``(start, end, "pos1,pos2,pos3,pos4,")`` per MeCab token of a one-line string."""
    pos = left_id_pos()
    parse = _format_tagger("%phl\\t%M\\t%m\\n", "?%f[0],%f[1],%f[2],%f[3],\\t%M\\t%m\\n").parse

    def tokens(s: str) -> list[tuple[int, int, str]]:
        out, end = [], 0
        for row in parse(s).split("\n"):
            key, _, rest = row.partition("\t")
            if rest:
                raw, _, surface = rest.rpartition("\t")   # raw: the white space before the word, then it
                end += len(raw)
                out.append((end - len(surface), end, key[1:] if key[0] == "?" else pos[key]))
        return out

    return tokens


if __name__ == "__main__":
    words = sorted(plain_words())
    print(f"{len(words)} words, e.g.", words[:: max(len(words) // 10, 1)])
