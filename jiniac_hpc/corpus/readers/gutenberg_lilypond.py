"""LilyPond source that Project Gutenberg's producers set in a music book's plain-text edition, found
by the ``gutenberg`` reader and counted as ``transcriber_note``.

    python -m jiniac_hpc.corpus.readers gutenberg tests/assets/corpus/real/gutenberg_24675-8_lilypond_trimmed.txt

Producers who transcribed a book's printed music give it as LilyPond (the score's source, which
LilyPond engraves and turns into MIDI) in the HTML edition's files and, in some text editions, in
the text itself where the music was printed, often under a note of theirs: "[Note Project
Gutenberg: music transcribed in Lilypond format]", then ``\\layout {`` … ``}``, the notes
``{ \\clef treble \\key g \\major b'4. a'8 g'4 … }`` and ``\\version "2.7.39"``. None of it is the
book's words. A block is the lines from one that opens with a LilyPond command (``\\version``,
``\\layout``, ``\\header``, ``\\paper``, ``\\score``, ``\\relative``, ``\\new``) to where its braces
are closed and the next line that is not blank is not LilyPond (a command, a brace, ``<<``/``>>``,
a ``%`` comment); it must name a clef, key, time or version (what a score has and no prose does).
The producers' note line just above it goes with it.
"""
from __future__ import annotations

import re
from typing import Callable, Optional

_OPEN = re.compile(r"^\s*\\(version|layout|header|paper|score|relative|new)\b")
_SCORE = re.compile(r"\\(clef|key|time|version)\b")
_NOTE = re.compile(r"^\s*\[[^\[\]]*\bLily[Pp]ond\b[^\[\]]*\]\s*$")   # "[Note Project Gutenberg: … Lilypond format]"
_MOST = 600         # lines a block runs to at most


def lilypond_blocks(lines: list[str], size: Callable[[str], int]) -> tuple[list[str], int]:
    """``lines`` without the LilyPond blocks in them (and the note above each), and their size."""
    if not any("\\" in x for x in lines):        # (every block opens with a command: most books have none)
        return lines, 0
    out, dropped, i = [], 0, 0
    while i < len(lines):
        first = i + 1 if _NOTE.match(lines[i]) else i
        end = _block_end(lines, first)
        if end is None:
            out.append(lines[i])
            i += 1
            continue
        dropped += sum(map(size, lines[i:end]))
        i = end
    return out, dropped


def _block_end(lines: list[str], k: int) -> Optional[int]:
    """The line after the LilyPond block that opens at line ``k``, or None if none opens there."""
    if k >= len(lines) or not _OPEN.match(lines[k]):
        return None
    depth, end = 0, None
    for j in range(k, min(len(lines), k + _MOST)):
        x = lines[j].strip()
        if depth == 0 and x and not x.startswith(("\\", "{", "}", "%", "<<", ">>")):
            break
        depth += x.count("{") - x.count("}") + x.count("<<") - x.count(">>")
        if depth < 0:
            return None
        if depth == 0 and x:
            end = j + 1
    if depth or end is None or not any(_SCORE.search(x) for x in lines[k:end]):
        return None
    return end
