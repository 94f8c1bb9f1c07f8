"""Held-out metrics of a tokenizer and the stage's ``report.md``.

    python -m jiniac_hpc.tokenizer.report logs/tokenizer/debug     # re-render report.md from report.json

Per language, on its held-out documents: characters per token, tokens per word (ja: MeCab
words; others: whitespace-separated words) and per character, the unknown-token and
byte-fallback rates (shares of all tokens), and the vocabulary share (pieces that came from
this language / all NORMAL pieces, and the share of the vocabulary the held-out text uses).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional


def text_metrics(encode: Callable[[str], list[int]], docs: list[str], count_words: Callable[[str], int],
                 byte_ids: set[int], unk_id: int = 0) -> dict:
    chars = tokens = words = n_byte = n_unk = 0
    used: set[int] = set()
    for d in docs:
        ids = encode(d)
        chars += len(d)
        tokens += len(ids)
        words += count_words(d)
        n_byte += sum(i in byte_ids for i in ids)
        n_unk += sum(i == unk_id for i in ids)
        used.update(ids)
    t = max(tokens, 1)
    return {"chars": chars, "tokens": tokens, "words": words,
            "chars_per_token": chars / t, "tokens_per_char": tokens / max(chars, 1),
            "tokens_per_word": tokens / max(words, 1), "unk_rate": n_unk / t, "byte_rate": n_byte / t,
            "used_pieces": len(used)}


def _f(x: Optional[float], nd: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{nd}f}"


def _pct(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def render(rep: dict) -> str:
    """report.md from the report dict that the merge step also writes as report.json."""
    v = rep["vocab"]
    out = [f"# Tokenizer report: {rep['run']}", "",
           f"Final vocabulary: **{v['size']}** pieces (multiple of {v['pad_to_multiple']}): "
           f"{v['special']} special, {v['user_defined']} user-defined, {v['bytes']} byte, "
           f"{v['normal']} normal, {v['reserved']} reserved padding"
           + (f"; {v['trimmed']} lowest-score pieces dropped to fit" if v.get("trimmed") else "") + ".",
           f"Baseline: one sentencepiece unigram model on the mixed un-split sample, vocab_size={v['size']}"
           f" ({rep['baseline']['vocab']} pieces)." if rep.get("baseline") else "Baseline: disabled.", "",
           "## Merge: pieces per language", "",
           "| language | pieces | after ▁-strip | kept after dedup | duplicates | share of normal pieces |",
           "|---|---:|---:|---:|---:|---:|"]
    for name, c in rep["merge"].items():
        out.append(f"| {name} | {c['pieces']} | {c['after_strip']} | {c['after_dedup']} | {c['duplicates']} | "
                   f"{_pct(c['after_dedup'] / max(v['normal'], 1))} |")
    em = rep.get("em") or []
    out += ["", "## EM re-estimation on un-split text", ""]
    if em:
        out += ["| iteration | log-likelihood / char | expected tokens / char | unused pieces | seconds |",
                "|---:|---:|---:|---:|---:|"]
        out += [f"| {h['iteration']} | {h['loglik_per_char']:.4f} | {h['expected_tokens_per_char']:.4f} | "
                f"{h['unused_pieces']} | {h.get('seconds', 0):.1f} |" for h in em]
        out.append(f"\nEM sample: {rep['em_chars']} characters. Iteration 1's likelihood is under each language "
                   "model's own (unnormalised across languages) scores; from iteration 2 on it is comparable.")
    else:
        out.append("Disabled (`em.iterations: 0`): each piece keeps its language model's score.")
    out += ["", "## Held-out text, per language (final vs baseline)", "",
            "| language | model | chars/token | tokens/word | tokens/char | unk rate | byte-fallback rate | "
            "vocab share | vocab used |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, m in rep["heldout"].items():
        for key in ("final", "final_no_em", "baseline"):
            r = m.get(key)
            if r is None:
                continue
            share = _pct(rep["merge"].get(name, {}).get("after_dedup", 0) / max(v["normal"], 1)) if key == "final" else "-"
            out.append(f"| {name} | {key.replace('_', ' ')} | {_f(r['chars_per_token'])} | {_f(r['tokens_per_word'])} | "
                       f"{_f(r['tokens_per_char'])} | {_pct(r['unk_rate'])} | {_pct(r['byte_rate'])} | {share} | "
                       f"{_pct(r['used_pieces'] / v['size'])} |")
        if m.get("final") and m.get("baseline"):
            ratio = m["final"]["chars_per_token"] / max(m["baseline"]["chars_per_token"], 1e-9)
            out.append(f"| {name} | final/baseline | {ratio:.3f}x | | | | | | |")
    out.append("\nHeld-out characters: " + ", ".join(f"{k} {m['final']['chars']}" for k, m in rep["heldout"].items()))
    th = rep.get("thinning")
    out += ["", "## UniDic thinning: 人名/地名 split rate on held-out text", ""]
    if th:
        out += [f"Words that are not UniDic entries dropped from the {th['lang']} training sample with rate "
                f"{th['rate']} ({th['unidic']['dropped']} of {th['unidic']['unk_words']} unknown words, "
                f"{th['unidic']['words']} words in all). A proper-noun token is *split* when its surface "
                f"encodes to more than one piece. {th['thinned']['tokens']} held-out 人名/地名 tokens "
                f"({th['thinned']['types']} distinct).", "",
                "| model | split rate | pieces / token | tokens / char (held-out) | normal pieces |",
                "|---|---:|---:|---:|---:|"]
        for key, label in (("not_thinned", f"{th['lang']} only, no thinning"), ("thinned", f"{th['lang']} only, thinned"),
                           ("final_no_em", "final merged, before EM"), ("final", "final merged"),
                           ("baseline", "baseline")):
            r = th.get(key)
            if r:
                out.append(f"| {label} | {_pct(r['split_rate'])} | {_f(r['pieces_per_token'])} | "
                           f"{_f(r.get('tokens_per_char'))} | {r.get('vocab', '-')} |")
        ch = th.get("changed")
        if ch:
            out.append(f"\nThinning changed the piece count of {ch['types']} of {th['thinned']['types']} distinct "
                       f"proper nouns ({ch['fewer']} now in fewer pieces, {ch['more']} in more).")
    else:
        out.append("No language has `thinning.rate > 0` with `measure: true`.")
    hf = rep["hf_check"]
    out += ["", "## Checks", "",
            f"- HF `tokenizers` ids == sentencepiece ids on {hf['texts']} texts (held-out lines + probes): "
            f"{hf['mismatches']} mismatches" + (f" (first: {hf['first']!r})" if hf["mismatches"] else "") + ".",
            f"- sentencepiece `decode(encode(doc)) == normalize(doc)` on {rep['roundtrip']['docs']} held-out "
            f"documents: {rep['roundtrip']['failures']} failures."]
    nz = rep.get("normalization")
    if nz:   # what the tokenizer's own normalisation does to the held-out text
        out.append(f"- normalisation `{nz['rule']}` changes {nz['docs_changed']} of {nz['docs']} held-out documents "
                   f"({nz['chars_changed']} characters, e.g. full-width ？ to ?): they decode normalised.")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    run = Path(sys.argv[1])
    (run / "report.md").write_text(render(json.loads((run / "report.json").read_text())), encoding="utf-8")
    print((run / "report.md").read_text())
