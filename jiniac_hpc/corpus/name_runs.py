"""The run cache of the name pass: which kanji or katakana runs hold a person name when analysed alone.

    python -m jiniac_hpc.corpus.name_runs 田中 政府 北神   # prints the runs that hold a name

``name_runs(runs)`` returns those of ``runs`` that hold a name, asking MeCab (see
:mod:`jiniac_hpc.corpus.lexicon`) once per run and caching the answer: runs repeat across a
corpus. A run that is a whole UniDic word no entry reads as a name (日本, 政府) is not asked at all.
``clear_run_cache()`` empties the cache (the benchmark's cold rounds). Used by
:mod:`jiniac_hpc.corpus.names` and :mod:`jiniac_hpc.corpus.name_lists`.
"""
from __future__ import annotations

import sys

from jiniac_hpc.corpus.lexicon import name_reader, plain_words

# The run cache, as two sets so a line's runs are checked with set operations in C: runs that
# hold a name when analysed alone, and runs that do not. Cleared when it grows past the cap.
_NAME_RUNS: set[str] = set()
_PLAIN_RUNS: set[str] = set()
_RUN_CACHE_MAX = 1 << 20


def clear_run_cache() -> None:
    _NAME_RUNS.clear()
    _PLAIN_RUNS.clear()


def _learn_runs(runs: set[str]) -> None:
    """Analyse runs not seen before, each alone, and file them under name or plain."""
    if len(_NAME_RUNS) + len(_PLAIN_RUNS) >= _RUN_CACHE_MAX:
        clear_run_cache()
    holds_name = name_reader()
    for run in runs:
        (_NAME_RUNS if holds_name(run) else _PLAIN_RUNS).add(run)


def name_runs(runs: set[str]) -> set[str]:
    """Those of ``runs`` that hold a name when analysed alone (new ones analysed and cached)."""
    new = runs - _PLAIN_RUNS - _NAME_RUNS
    if new:
        new = new - plain_words()   # whole UniDic words that are never a name: no MeCab (and not -=,
                                    # which walks the whole word list)
    if new:
        _learn_runs(new)
    return runs & _NAME_RUNS


if __name__ == "__main__":
    print(sorted(name_runs(set(sys.argv[1:]))))
