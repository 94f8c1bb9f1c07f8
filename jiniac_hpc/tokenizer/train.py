"""Step 1 of the tokenizer stage: one sentencepiece unigram model per language (an array task each).

    python -c "from jiniac_hpc.launch.runner import launch; launch('tokenizer', 'debug', cluster='local')"

Task ``i`` trains ``cfg.languages[i]`` into ``<run_dir>/langs/<name>/``:

    sp.model / sp.vocab     the language's model (llm-jp-tokenizer v2 settings, below)
    raw.txt                 its training lines, un-split (the merge step's EM and baseline input)
    heldout.jsonl           held-out documents (report.md is computed on them)
    thinning.json           ja with UniDic thinning: the 人名/地名 split rate with and without it,
                            and the thinning's counts (``unidic``)

The task returns its stats with the language config's digest (:func:`lang_digest`); the
executor keeps them in ``completions/train/<task>.json``, and the stage's plan retrains only
the languages whose digest changed.

Settings (llm-jp-tokenizer v2): unigram, byte fallback, split digits, "\\n" as a user-defined
symbol, max piece length from the recipe (ja 8, en/code 16), no dummy prefix and no whitespace
folding, and for ja a MeCab pre-split (see :mod:`jiniac_hpc.tokenizer.unidic`). Normalisation is
the recipe's ``normalization``: sentencepiece's ``nfkc`` rule by default (the model then carries
its table, and the merged tokenizer normalises every text it encodes the way the corpus stage
wrote the corpus), or llm-jp v2's identity, under which text round-trips exactly.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from jiniac_hpc import fileio
from jiniac_hpc.tokenizer.config import LanguageConfig, TokenizerConfig
from jiniac_hpc.tokenizer.inputs import sample_language, training_lines, write_docs, write_lines


def lang_dir(run_dir: Path, name: str) -> Path:
    return Path(run_dir) / "langs" / name


def lang_digest(cfg: TokenizerConfig, lang: LanguageConfig) -> str:
    return f"{lang.digest()}-{cfg.seed}-{cfg.normalization}"


def trainer_args(lang: LanguageConfig, threads: int, normalization: str) -> dict:
    """SentencePieceTrainer options of one language (also used for the baseline)."""
    args = dict(
        model_type="unigram",
        vocab_size=lang.vocab_size,
        max_sentencepiece_length=lang.max_piece_length,
        character_coverage=lang.character_coverage,
        normalization_rule_name=normalization,   # every language the same: the merge keeps one table
        remove_extra_whitespaces=False,
        add_dummy_prefix=False,
        byte_fallback=True,
        split_digits=True,
        user_defined_symbols=["\n"],
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        hard_vocab_limit=False,          # a small sample may not support the full budget
        max_sentence_length=1 << 16,
        num_threads=threads,
        minloglevel=1,
    )
    args.update(lang.trainer_args)
    return args


def train_sp(input_file: Path, out_model: Path, args: dict) -> float:
    """Train with sentencepiece into ``out_model`` (atomically); returns seconds."""
    import sentencepiece as spm

    t0 = time.time()
    prefix = out_model.with_name(out_model.stem + ".tmp")
    spm.SentencePieceTrainer.train(input=str(input_file), model_prefix=str(prefix), **args)
    Path(f"{prefix}.vocab").replace(out_model.with_suffix(".vocab"))
    Path(f"{prefix}.model").replace(out_model)
    return time.time() - t0


def threads_for(cfg: TokenizerConfig, ctx) -> int:
    return cfg.job.cpus_per_task or ctx.cluster.cpus_per_task


def train_language(cfg: TokenizerConfig, ctx) -> dict:
    """Array task ``ctx.task``: sample, (pre-split, thin,) train, measure, mark done."""
    lang = cfg.languages[ctx.task]
    out = lang_dir(ctx.run_dir, lang.name)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    sample = sample_language(lang, cfg.seed, ctx.task)
    write_docs(out / "heldout.jsonl", sample.heldout)
    lines = [ln for doc in sample.train for ln in training_lines(doc)]
    raw_chars = write_lines(out / "raw.txt", iter(lines))
    args = trainer_args(lang, threads_for(cfg, ctx), cfg.normalization)
    stats: dict = {"lang": lang.name, "docs_read": sample.docs_read, "train_docs": len(sample.train),
                   "train_chars": raw_chars, "train_lines": len(lines), "heldout_docs": len(sample.heldout),
                   "heldout_chars": sample.heldout_chars}
    if lang.presplit == "mecab":
        from jiniac_hpc.tokenizer.unidic import Mecab

        mecab = Mecab()
        thin = _train_presplit(lang, lines, mecab, lang.thinning.rate, cfg.seed, out, "sp", args, stats)
        stats["unidic"] = thin.as_dict()
        if lang.thinning.rate > 0 and lang.thinning.measure:
            _train_presplit(lang, lines, mecab, 0.0, cfg.seed, out, "sp_nothin", args, {})
            thinning = measure_thinning(cfg, lang, out, mecab, sample.heldout)
            fileio.write_json(out / "thinning.json", {**thinning, "unidic": stats["unidic"]})
            stats["thinning"] = thinning
    else:
        stats["train_seconds"] = train_sp(out / "raw.txt", out / "sp.model", args)
    stats["seconds"] = time.time() - t0
    stats["digest"] = lang_digest(cfg, lang)   # what the plan compares: see the module docstring
    print(f"[tokenizer] {lang.name}: {json.dumps(stats, ensure_ascii=False)}", flush=True)
    return stats


def _train_presplit(lang: LanguageConfig, lines: list[str], mecab, rate: float, seed: int, out: Path,
                    name: str, args: dict, stats: dict):
    """MeCab pre-split (+ thinning at ``rate``), seed pieces within words, train ``<name>.model``."""
    from collections import Counter

    from jiniac_hpc.tokenizer.unidic import DELIM, ThinStats, presplit, seed_pieces, write_seeds

    thin = ThinStats()
    words: Counter = Counter()
    write_lines(out / f"{name}.txt", presplit(lines, mecab, rate, seed, thin, words))
    seeds = seed_pieces(words, lang.max_piece_length, int(args.get("seed_sentencepiece_size", 1_000_000)))
    write_seeds(out / f"{name}.seeds.tsv", seeds)
    stats["seed_pieces"] = len(seeds)
    stats["train_seconds"] = train_sp(out / f"{name}.txt", out / f"{name}.model",
                                      {**args, "pretokenization_delimiter": DELIM,
                                       "seed_sentencepieces_file": str(out / f"{name}.seeds.tsv")})
    return thin


def measure_thinning(cfg: TokenizerConfig, lang: LanguageConfig, out: Path, mecab, heldout: list[str]) -> dict:
    """人名/地名 split rate on held-out text, thinned vs not, each as it would be merged
    (pieces prefix-stripped as the recipe says, special tokens and bytes added)."""
    from jiniac_hpc.tokenizer import spmodel
    from jiniac_hpc.tokenizer.unidic import split_rate

    nouns = mecab.proper_nouns(heldout)
    res: dict = {"rate": lang.thinning.rate}
    pieces: dict[str, dict[str, int]] = {}
    for key, path in (("thinned", out / "sp.model"), ("not_thinned", out / "sp_nothin.model")):
        proto = spmodel.load_proto(path)
        merged = spmodel.merge(cfg.special_tokens, [(lang.name, proto, lang.strip_prefix)])
        n = spmodel.n_fixed(cfg.special_tokens) + len(merged.pieces)
        sp = spmodel.processor(spmodel.build(proto, merged, cfg.special_tokens, n))
        res[key] = {**split_rate(lambda s: sp.encode(s), nouns),
                    "tokens_per_char": sum(len(sp.encode(d)) for d in heldout) / max(1, sum(map(len, heldout))),
                    "vocab": len(merged.pieces)}
        pieces[key] = {n: len(sp.encode(n)) for n in set(nouns)}
    diff = [pieces["thinned"][n] - pieces["not_thinned"][n] for n in pieces["thinned"]]
    res["changed"] = {"types": sum(d != 0 for d in diff), "fewer": sum(d < 0 for d in diff),
                      "more": sum(d > 0 for d in diff)}
    return res
