"""MeCab pre-splitting, UniDic thinning, and the proper-noun split rate (fugashi + unidic-lite).

    python -m jiniac_hpc.tokenizer.unidic "東京都の山田太郎さんがフリーレンを見た"

Pre-splitting: every Japanese training line is cut into MeCab words and the words are joined
with :data:`DELIM`, sentencepiece's ``pretokenization_delimiter``: candidate pieces never cross
it. This is llm-jp-tokenizer v2's "pre-split with MeCab" without writing fake spaces into
the text, so the model learns no ``▁`` statistics for word boundaries that raw Japanese does
not have (the leading ``▁`` of pieces that came from real spaces is still stripped at merge
time, as in v2).

Seed pieces: sentencepiece (0.2.x) finds seed candidates as *branching* repeats in a suffix
array. In pre-split text a word is nearly always followed by the boundary, so whole words
(日本, 東京) are not branching and never become candidates: a pre-split model of 4k pieces
then holds almost only characters and kana endings. :func:`seed_pieces` therefore counts
every substring of every MeCab word (up to the maximum piece length) and the trainer starts
from those (``seed_sentencepieces_file``), which is what "pieces within MeCab words" means.

UniDic thinning (JINIAC): words MeCab does not find in UniDic (``is_unk``: its unknown-word
fallback, mostly Latin/number runs and unlisted katakana) are dropped from the training
sample with probability ``rate``. Their characters then compete less for the vocabulary
budget, which should go to dictionary words, 人名/地名 included. Whether it does is measured
by :func:`split_rate`: the share of held-out 人名/地名 tokens (UniDic pos2 固有名詞, pos3
人名 or 地名) that a model cuts into more than one piece.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

DELIM = "\u241f"   # SYMBOL FOR UNIT SEPARATOR: never in our text (removed from input first)
PROPER = ("人名", "地名")


class Mecab:
    """A fugashi Tagger on unidic-lite (one per process; not thread-safe)."""

    def __init__(self):
        import fugashi

        self.tagger = fugashi.Tagger()

    def words(self, line: str):
        return self.tagger(line)

    def units(self, line: str) -> Iterator[tuple[str, Optional[bool]]]:
        """``line`` as (text, is_unk) units that add up to it: each MeCab word with the whitespace
        before it, then (is_unk None, not a word) what MeCab reports no word for: whitespace at
        the end of the line, and a NUL, where MeCab (a C string) stops reading."""
        for k, part in enumerate(line.split("\0")):
            if k:
                yield "\0", None
            at = 0
            for w in self.tagger(part):
                text = w.white_space + w.surface
                if not part.startswith(text, at):
                    raise RuntimeError(f"MeCab word {text!r} is not the text at {at} of {part[:80]!r}")
                at += len(text)
                yield text, w.is_unk
            if at < len(part):
                yield part[at:], None

    def count_words(self, text: str) -> int:
        return sum(len(self.tagger(line)) for line in text.split("\n") if line.strip())

    def proper_nouns(self, docs: Iterable[str]) -> list[str]:
        """Surfaces of the 人名/地名 tokens of ``docs``, in order, with repeats."""
        out = []
        for doc in docs:
            for line in doc.split("\n"):
                if not line.strip():
                    continue
                for w in self.tagger(line):
                    f = w.feature
                    if getattr(f, "pos2", None) == "固有名詞" and getattr(f, "pos3", None) in PROPER:
                        out.append(w.surface)
        return out


@dataclass
class ThinStats:
    words: int = 0
    unk_words: int = 0      # not UniDic entries (MeCab unknown words)
    dropped: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def presplit(lines: Iterable[str], mecab: Mecab, rate: float, seed: int, stats: ThinStats,
             words: Optional[Counter] = None) -> Iterator[str]:
    """MeCab-split ``lines`` joined by DELIM, dropping each non-UniDic word with probability ``rate``.

    A word's own leading whitespace is kept (MeCab reports it), so "Windows 10" stays two
    units with a real space before the second one; whitespace at the end of a line is a unit of
    its own (:meth:`Mecab.units`): without thinning the units add up to the line. ``words``
    counts the kept units.
    """
    rng = random.Random(seed)
    for line in lines:
        parts = []
        for text, is_unk in mecab.units(line.replace(DELIM, "")):
            if is_unk is not None:   # (a word; not the whitespace MeCab leaves at the end)
                stats.words += 1
                if is_unk:
                    stats.unk_words += 1
                    if rate > 0.0 and rng.random() < rate:
                        stats.dropped += 1
                        continue
            parts.append(text)
            if words is not None:
                words[text.replace(" ", "\u2581")] += 1
        if parts:
            yield DELIM.join(parts)


def seed_pieces(words: Counter, max_len: int, limit: int = 1_000_000) -> list[tuple[str, int]]:
    """Substrings (2..max_len characters) of the words, with their frequency in the sample,
    seen at least twice, best ``limit`` by frequency x length (sentencepiece's seed score)."""
    counts: Counter = Counter()
    for w, c in words.items():
        n = len(w)
        for i in range(n):
            for j in range(i + 2, min(n, i + max_len) + 1):
                counts[w[i:j]] += c
    best = sorted(((s, c) for s, c in counts.items() if c >= 2), key=lambda x: (-x[1] * len(x[0]), x[0]))
    return best[:limit]


def write_seeds(path: Path, seeds: list[tuple[str, int]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for s, c in seeds:
            if "\t" not in s and "\n" not in s:
                f.write(f"{s}\t{c}\n")


def split_rate(encode: Callable[[str], list], nouns: list[str]) -> dict:
    """Share of proper-noun tokens that ``encode`` (str -> pieces) cuts into more than one piece."""
    if not nouns:
        return {"tokens": 0, "types": 0, "split": 0, "split_rate": None, "pieces_per_token": None}
    cache: dict[str, int] = {}
    split = pieces = 0
    for n in nouns:
        k = cache.get(n)
        if k is None:
            k = cache[n] = len(encode(n))
        pieces += k
        split += k > 1
    return {"tokens": len(nouns), "types": len(cache), "split": split,
            "split_rate": split / len(nouns), "pieces_per_token": pieces / len(nouns)}


if __name__ == "__main__":
    import sys

    m = Mecab()
    text = sys.argv[1] if len(sys.argv) > 1 else "東京都の山田太郎さんがフリーレンを見た。Windows 10"
    for w in m.words(text):
        print(f"{w.surface}\tunk={w.is_unk}\t{w.feature.pos1},{w.feature.pos2},{w.feature.pos3}")
    st = ThinStats()
    print(list(presplit([text], m, 1.0, 0, st)), st)
    print("proper nouns:", m.proper_nouns([text]))
