"""The tokenizer stage: per-language training (array), then merge + EM + export + report.

    python -c "from jiniac_hpc.launch.runner import launch; launch('tokenizer', 'debug', cluster='local')"
    python jobs/tokenizer.py --recipe debug          # the same, through the CLI

Run directory ``logs/tokenizer/<run-name>/``:

    langs/<lang>/...        step ``train``, one array task per language (see train.py)
    tokenizer.model         the merged sentencepiece model (+ tokenizer.vocab, readable)
    hf/                     HF tokenizer folder: AutoTokenizer.from_pretrained(...) offline
    baseline.model          one model trained on the mixed sample with the same vocabulary size
    report.json, report.md  per-language metrics, merge counts, EM, thinning, checks
    completions/<step>/     the executor's markers: ``train/<task>.json`` holds the language's
                            stats and config digest, ``merge/00000.json`` the merged size

A relaunch retrains only the languages whose marker is missing or was written for a different
language config (a per-language digest, finer than the whole recipe's: changing one language
does not retrain the others), and redoes the merge whenever any language ran again or the
recipe changed.
"""
from __future__ import annotations

import time
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.config import to_dict
from jiniac_hpc.stages import Step
from jiniac_hpc.tokenizer.config import TokenizerConfig
from jiniac_hpc.tokenizer.inputs import expand
from jiniac_hpc.tokenizer.train import lang_dir, lang_digest


def plan(cfg: TokenizerConfig, run_dir: Path) -> list[Step]:
    if cfg.check_inputs:
        for i, lg in enumerate(cfg.languages):
            for j, inp in enumerate(lg.inputs):
                expand(inp, f"languages[{i}].inputs[{j}]")   # ConfigError naming the key
    # a language is done when its task returned under the same language config (not the whole recipe's)
    done = [(fileio.result(run_dir, "train", i) or {}).get("digest") == lang_digest(cfg, lg)
            for i, lg in enumerate(cfg.languages)]
    merged = fileio.done_after(run_dir, "merge", fileio.config_digest(to_dict(cfg)), done)
    return [Step("train", "jiniac_hpc.tokenizer.train:train_language", tasks=len(cfg.languages), done=done),
            Step("merge", "jiniac_hpc.tokenizer.stage:merge_step", tasks=1, done=merged)]


def _head_lines(path: Path, max_chars: int) -> list[str]:
    out, n = [], 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            if n >= max_chars:
                break
            line = line.rstrip("\n")
            out.append(line)
            n += len(line)
    return out


def merge_step(cfg: TokenizerConfig, ctx) -> dict:
    from jiniac_hpc.tokenizer import em, hf, spmodel

    t0 = time.time()
    run = Path(ctx.run_dir)
    special = cfg.special_tokens
    protos = [spmodel.load_proto(lang_dir(run, lg.name) / "sp.model") for lg in cfg.languages]
    for lg, p in zip(cfg.languages, protos):   # the merged model keeps protos[0]'s table: all must share it
        if p.normalizer_spec.name != cfg.normalization:
            raise RuntimeError(f"tokenizer {lg.name}: {lang_dir(run, lg.name) / 'sp.model'} was trained with "
                               f"normalization {p.normalizer_spec.name!r}, the recipe says {cfg.normalization!r}")
    merged = spmodel.merge(special, [(lg.name, p, lg.strip_prefix) for lg, p in zip(cfg.languages, protos)])

    # raw.txt is the sample as read; EM segments it as the model will, after normalisation
    norm = spmodel.normalizer(protos[0])
    em_lines = [norm(ln) for lg in cfg.languages for ln in _head_lines(lang_dir(run, lg.name) / "raw.txt",
                                                                       cfg.em.sample_chars)]
    history: list[dict] = []
    own_scores = dict(zip(merged.pieces, merged.scores))
    if cfg.em.iterations > 0:
        merged.scores, history = em.run_em(merged.pieces, merged.scores, em_lines, cfg.em.iterations,
                                           cfg.em.smoothing, special.user_symbols)
    fixed = spmodel.n_fixed(special)
    size = cfg.vocab_size or spmodel.padded_size(fixed + len(merged.pieces), cfg.pad_to_multiple)
    trimmed = spmodel.fit(merged, special, size)
    proto = spmodel.build(protos[0], merged, special, size)
    spmodel.save(proto, run / "tokenizer.model")
    fileio.atomic_write(run / "tokenizer.vocab", "".join(f"{p.piece}\t{p.score}\n" for p in proto.pieces))
    hf.export(proto, special, run / "hf", cfg.model_max_length)

    no_em = None
    if cfg.em.iterations > 0:   # the same pieces with their language models' scores, to show what EM did
        no_em = spmodel.build(protos[0], spmodel.Merged(merged.pieces, [own_scores[p] for p in merged.pieces]),
                              special, size)
    baseline = _train_baseline(cfg, run, size, ctx) if cfg.baseline else None
    rep = report(cfg, run, proto, merged, baseline, history, sum(map(len, em_lines)), trimmed, no_em)
    rep["seconds"] = time.time() - t0
    from jiniac_hpc.tokenizer.report import render

    fileio.write_json(run / "report.json", rep)
    fileio.atomic_write(run / "report.md", render(rep))
    print(f"[tokenizer] merged vocabulary {size}; report: {run / 'report.md'}", flush=True)
    return {"vocab_size": size, "seconds": rep["seconds"]}


def _train_baseline(cfg: TokenizerConfig, run: Path, size: int, ctx):
    """One unigram model on all languages' un-split training lines, same total vocabulary."""
    from jiniac_hpc.tokenizer import spmodel
    from jiniac_hpc.tokenizer.train import threads_for, train_sp, trainer_args

    mixed = run / "baseline.txt"
    with mixed.open("w", encoding="utf-8") as f:
        for lg in cfg.languages:
            f.write((lang_dir(run, lg.name) / "raw.txt").read_text(encoding="utf-8"))
    args = trainer_args(cfg.languages[0], threads_for(cfg, ctx), cfg.normalization)
    args.update(vocab_size=size, max_sentencepiece_length=max(lg.max_piece_length for lg in cfg.languages),
                character_coverage=min(lg.character_coverage for lg in cfg.languages),
                user_defined_symbols=[spmodel.escape(t) for t in cfg.special_tokens.user_symbols],
                pad_id=3, unk_piece=cfg.special_tokens.unk, bos_piece=cfg.special_tokens.bos,
                eos_piece=cfg.special_tokens.eos, pad_piece=cfg.special_tokens.pad)
    for lg in cfg.languages:   # per-language extras (e.g. whitespace-only pieces for code) apply to the mix
        args.update(lg.trainer_args)
    train_sp(mixed, run / "baseline.model", args)
    mixed.unlink()
    return spmodel.load_proto(run / "baseline.model")


def report(cfg: TokenizerConfig, run: Path, proto, merged, baseline, history, em_chars: int, trimmed: int,
           no_em=None) -> dict:
    from jiniac_hpc.tokenizer import hf, spmodel
    from jiniac_hpc.tokenizer.inputs import read_docs
    from jiniac_hpc.tokenizer.report import text_metrics

    SP = spmodel.SP
    sp = spmodel.processor(proto)
    models = {"final": (sp, proto)}
    if no_em is not None:
        models["final_no_em"] = (spmodel.processor(no_em), no_em)
    if baseline is not None:
        models["baseline"] = (spmodel.processor(baseline), baseline)
    byte_ids = {k: {i for i, p in enumerate(pr.pieces) if p.type == SP.BYTE} for k, (_, pr) in models.items()}
    mecab = None
    heldout: dict[str, dict] = {}
    all_docs: list[str] = []
    thinning = None
    for lg in cfg.languages:
        docs = read_docs(lang_dir(run, lg.name) / "heldout.jsonl")
        all_docs += docs
        if lg.presplit == "mecab":
            from jiniac_hpc.tokenizer.unidic import Mecab

            mecab = mecab or Mecab()
            count_words = mecab.count_words
        else:
            count_words = lambda d: len(d.split())  # noqa: E731
        heldout[lg.name] = {k: text_metrics(m.encode, docs, count_words, byte_ids[k]) for k, (m, _) in models.items()}
        tj = lang_dir(run, lg.name) / "thinning.json"
        if thinning is None and tj.exists():
            from jiniac_hpc.tokenizer.unidic import split_rate

            thinning = {"lang": lg.name, **fileio.read_json(tj)}   # with the thinning's counts, "unidic"
            nouns = mecab.proper_nouns(docs) if mecab else []
            for k, (m, _) in models.items():
                thinning[k] = {**split_rate(m.encode, nouns),
                               "tokens_per_char": heldout[lg.name][k]["tokens_per_char"]}
    tok = hf.build_tokenizer(proto, cfg.special_tokens)
    probes = PROBES + [t for t in cfg.special_tokens.user_symbols]
    texts = [ln for d in all_docs for ln in d.split("\n")] + all_docs + probes
    bad = hf.compare(proto, tok, texts)
    norm = spmodel.normalizer(proto)
    normed = [norm(d) for d in all_docs + probes]   # (once: the round trip and the count both need it)
    rt_fail = sum(sp.decode(sp.encode(d)) != n for d, n in zip(all_docs + probes, normed))
    changed = [d for d, n in zip(all_docs, normed) if n != d]
    counts = {"special": len(cfg.special_tokens.core), "user_defined": len(cfg.special_tokens.user_symbols),
              "bytes": len(spmodel.BYTES), "normal": len(merged.pieces)}
    return {
        "run": run.name,
        "vocab": {"size": len(proto.pieces), "pad_to_multiple": cfg.pad_to_multiple, **counts,
                  "reserved": len(proto.pieces) - sum(counts.values()), "trimmed": trimmed},
        "merge": merged.counts,
        "em": history, "em_chars": em_chars,
        "baseline": {"vocab": len(baseline.pieces)} if baseline is not None else None,
        "heldout": heldout,
        "thinning": thinning,
        "hf_check": {"texts": len(texts), "mismatches": len(bad), "first": bad[0] if bad else None},
        "roundtrip": {"docs": len(all_docs) + len(probes), "failures": rt_fail},
        # how much of the held-out text the tokenizer's own normalisation changes (decode gives it back so)
        "normalization": {"rule": proto.normalizer_spec.name, "docs": len(all_docs), "docs_changed": len(changed),
                          "chars_changed": _chars_changed(changed, norm)},
    }


def _chars_changed(docs: list[str], norm) -> int:
    """Characters of ``docs`` that the normaliser maps to something else on their own (full-width
    ？ → ?; a combining mark that composes with the character before it is not counted)."""
    from collections import Counter

    counts = Counter(c for d in docs for c in d)
    return sum(n for c, n in counts.items() if norm(c) != c)


# Probe strings checked at every merge besides the held-out text (the tests check many more).
PROBES = [
    " leading space", "trailing space ", "  two  spaces\tand\ttabs\n\nnewlines\n", "\r\n windows line",
    "東京都の山田太郎さん", "नमस्ते दुनिया", "def f(x):\n    return x ** 2  # square", "emoji 😀👍🏽 and 𠮷",
    "<0x41> literal byte-piece text", "12345 67.89", "mixed 日本語 English हिंदी 123", "\x00\x01 control chars",
] + [c * n + "x" for c in (" ", "\t", "=", "ー") for n in range(1, 100)]   # runs: segmentations that tie
