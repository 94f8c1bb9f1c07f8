"""Re-estimate the merged vocabulary's scores by EM on un-split text (llm-jp-tokenizer v2, step 4).

    python -m jiniac_hpc.tokenizer.em logs/tokenizer/debug/tokenizer.model some.txt   # log-likelihoods

After merging, each piece carries the log-probability its own language model gave it, so a
Japanese and an English piece's scores are not on one scale. EM fixes the vocabulary and
re-fits the unigram probabilities on raw mixed text (no MeCab boundaries), exactly the
objective sentencepiece's unigram trainer optimises, without its pruning:

- E-step: for every line, the forward-backward algorithm over the segmentation lattice gives
  each piece's expected count under the current model (all segmentations, not just Viterbi).
- M-step: ``score = digamma(count + a) - digamma(total + a * V)`` (sentencepiece's
  Bayesian-flavoured M-step, with an additive prior ``a`` so unused pieces keep a finite
  score below every used one instead of being pruned).

The lattice is sentencepiece's: spaces become "▁", user-defined symbols are matched first
and cut the text, and a character without a single-character piece is an unknown node (it
falls back to bytes when encoding; it lies on every path, so it changes no count). Pure
Python and linear in the text: ``em.sample_chars`` bounds the cost, and report.md shows the
seconds each iteration took.
"""
from __future__ import annotations

import math
import re
import time
from typing import Iterable, Sequence

NEG_INF = float("-inf")
UNK_PENALTY = 10.0   # sentencepiece's kUnkPenalty: unknown node score = min score - 10


def _lae(a: float, b: float) -> float:
    """log(exp(a) + exp(b))."""
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))


class Lattice:
    """Pieces -> expected counts by forward-backward; one instance per vocabulary."""

    def __init__(self, pieces: Sequence[str], user_symbols: Sequence[str] = ()):
        self.index = {p: i for i, p in enumerate(pieces)}
        self.max_len = max(map(len, pieces))
        # Every prefix of a piece: the substring scan at a position stops at the first miss.
        self.prefixes = {p[:k] for p in pieces for k in range(1, len(p) + 1)}
        syms = sorted((s.replace(" ", "\u2581") for s in user_symbols), key=len, reverse=True)
        self.cut = re.compile("|".join(map(re.escape, syms))) if syms else None

    def segments(self, line: str) -> list[str]:
        text = line.replace(" ", "\u2581")
        return [s for s in self.cut.split(text) if s] if self.cut else ([text] if text else [])

    def edges(self, text: str) -> list[list[tuple[int, int]]]:
        """For each start position, (end, piece index or -1 for the unknown node)."""
        out = []
        n = len(text)
        for i in range(n):
            es = []
            for j in range(i + 1, min(n, i + self.max_len) + 1):
                s = text[i:j]
                if s not in self.prefixes:
                    break
                k = self.index.get(s)
                if k is not None:
                    es.append((j, k))
            if not es or es[0][0] != i + 1:
                es.insert(0, (i + 1, -1))
            out.append(es)
        return out

    def expected_counts(self, lines: Iterable[str], scores: Sequence[float]) -> tuple[list[float], float, int]:
        """(expected count of each piece, total log-likelihood, characters) over ``lines``."""
        counts = [0.0] * len(scores)
        unk = min(scores) - UNK_PENALTY
        loglik = 0.0
        chars = 0
        for line in lines:
            for seg in self.segments(line):
                chars += len(seg)
                loglik += self._forward_backward(seg, scores, unk, counts)
        return counts, loglik, chars

    def _forward_backward(self, text: str, scores: Sequence[float], unk: float, counts: list[float]) -> float:
        n = len(text)
        edges = self.edges(text)
        alpha = [NEG_INF] * (n + 1)
        alpha[0] = 0.0
        for i in range(n):
            a = alpha[i]
            for j, k in edges[i]:
                alpha[j] = _lae(alpha[j], a + (scores[k] if k >= 0 else unk))
        beta = [NEG_INF] * (n + 1)
        beta[n] = 0.0
        for i in range(n - 1, -1, -1):
            b = NEG_INF
            for j, k in edges[i]:
                b = _lae(b, beta[j] + (scores[k] if k >= 0 else unk))
            beta[i] = b
        z = alpha[n]
        for i in range(n):
            a = alpha[i]
            for j, k in edges[i]:
                if k >= 0:
                    counts[k] += math.exp(a + scores[k] + beta[j] - z)
        return z


def m_step(counts: Sequence[float], smoothing: float) -> list[float]:
    from scipy.special import digamma

    total = sum(counts) + smoothing * len(counts)
    dt = float(digamma(total))
    return [float(x) - dt for x in digamma([c + smoothing for c in counts])]


def run_em(pieces: Sequence[str], scores: Sequence[float], lines: Sequence[str], iterations: int,
           smoothing: float, user_symbols: Sequence[str] = ()) -> tuple[list[float], list[dict]]:
    """``iterations`` EM steps from ``scores``; returns new scores and per-iteration stats.

    Ties between segmentations are handled where the model is built (``spmodel.quantize``).
    """
    lat = Lattice(pieces, user_symbols)
    cur = list(scores)
    history = []
    for it in range(iterations):
        t0 = time.time()
        counts, loglik, chars = lat.expected_counts(lines, cur)
        cur = m_step(counts, smoothing)
        history.append({"iteration": it + 1, "seconds": time.time() - t0, "loglik_per_char": loglik / max(chars, 1),
                        "expected_tokens_per_char": sum(counts) / max(chars, 1),
                        "unused_pieces": sum(c < 0.5 for c in counts)})
    return cur, history


if __name__ == "__main__":
    import sys

    from jiniac_hpc.tokenizer.spmodel import SP, load_proto

    proto = load_proto(sys.argv[1])
    normal = [(p.piece, p.score) for p in proto.pieces if p.type == SP.NORMAL]
    users = [p.piece for p in proto.pieces if p.type == SP.USER_DEFINED]
    text = open(sys.argv[2], encoding="utf-8").read().split("\n")
    _, hist = run_em([p for p, _ in normal], [s for _, s in normal], text, 3, 0.1, users)
    for h in hist:
        print(h)
