"""EM re-estimation: forward-backward counts against brute-force enumeration of segmentations.

    .venv/bin/python -m pytest tests/test_tokenizer_em.py -q
"""
import math

import pytest

from jiniac_hpc.tokenizer.em import UNK_PENALTY, Lattice, m_step, run_em

PIECES = ["a", "b", "c", "ab", "bc", "abc", "▁", "▁a", "ca"]


def segmentations(text, vocab, max_len):
    """Every segmentation into vocabulary pieces or single unknown characters (None)."""
    if not text:
        yield []
        return
    for k in range(1, min(len(text), max_len) + 1):
        head = text[:k]
        if head in vocab or (k == 1 and head not in vocab):
            for rest in segmentations(text[k:], vocab, max_len):
                yield [head if head in vocab else None] + rest


def brute_force(text, scores):
    vocab = dict(zip(PIECES, scores))
    unk = min(scores) - UNK_PENALTY
    seg_scores, counts = [], [0.0] * len(PIECES)
    segs = list(segmentations(text, vocab, 3))
    weights = [math.exp(sum(vocab[p] if p else unk for p in s)) for s in segs]
    z = sum(weights)
    for s, w in zip(segs, weights):
        for p in s:
            if p is not None:
                counts[PIECES.index(p)] += w / z
    return counts, math.log(z)


@pytest.mark.parametrize("text", ["abc", "abcab", "a bca", "xabcx", "cabcabc", " a  b"])
def test_forward_backward_equals_enumeration(text):
    scores = [-1.0, -1.5, -2.0, -1.2, -2.5, -1.8, -3.0, -0.7, -2.2]
    lat = Lattice(PIECES)
    counts, loglik, chars = lat.expected_counts([text], scores)
    want_counts, want_ll = brute_force(text.replace(" ", "▁"), scores)
    assert chars == len(text)
    assert loglik == pytest.approx(want_ll, rel=1e-9)
    assert counts == pytest.approx(want_counts, rel=1e-9, abs=1e-12)


def test_user_symbols_cut_the_lattice():
    lat = Lattice(PIECES, user_symbols=["<|user|>", "### x"])
    assert lat.segments("ab<|user|>c### xa b") == ["ab", "c", "a▁b"]
    counts, _, chars = lat.expected_counts(["ab<|user|>c"], [-1.0] * len(PIECES))
    assert chars == 3 and sum(counts) > 0


def test_m_step_orders_by_count_and_keeps_unused_finite():
    s = m_step([10.0, 1.0, 0.0], smoothing=0.1)
    assert s[0] > s[1] > s[2] and all(math.isfinite(x) for x in s)


def test_em_moves_mass_to_the_pieces_the_text_uses():
    # "abc" is always together in this text: EM must prefer the whole piece over its parts.
    scores = [-1.0] * len(PIECES)
    new, hist = run_em(PIECES, scores, ["abc abc abc", "abcabc"], iterations=5, smoothing=0.1)
    idx = {p: i for i, p in enumerate(PIECES)}
    assert new[idx["abc"]] > new[idx["ab"]] and new[idx["abc"]] > new[idx["bc"]]
    assert new[idx["ca"]] < new[idx["abc"]]
    # From iteration 2 on the scores are normalised log-probabilities: the likelihood only rises.
    ll = [h["loglik_per_char"] for h in hist[1:]]
    assert all(b >= a - 1e-9 for a, b in zip(ll, ll[1:])) and ll[-1] > ll[0]
    assert len(set(new)) == len(new)   # no exact ties: every Viterbi implementation agrees
