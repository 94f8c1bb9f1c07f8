"""Typed recipe of the tokenizer stage (``jiniac_hpc/recipes/tokenizer/*.yaml``).

    python -c "from jiniac_hpc.launch.runner import launch; launch('tokenizer', 'debug', cluster='local')"

A recipe lists the languages in merge order (ja first, then en, hi, code...), each with its
input shards, sample size, vocabulary budget, maximum piece length and pre-splitting; the
special tokens; the EM re-estimation; and the padding of the final vocabulary. This module
is light (no sentencepiece, no transformers): the login node imports it to validate a recipe.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import check, field, to_dict
from jiniac_hpc.cluster import JobConfig

InputKind = Literal["jsonl", "jsquad", "text"]


@dataclass
class InputConfig:
    """One group of input files of one language."""

    paths: list[str] = field(doc="Globs relative to the repository root (or absolute). 'jsonl' reads "
                                 "*.jsonl and *.jsonl.zst (the corpus stage's shards).")
    kind: InputKind = field("jsonl", doc="'jsonl': one JSON object a line (.zst allowed); 'jsquad': "
                                         "JGLUE JSQuAD JSON (paragraph contexts); 'text': a document a file.")
    lang: Optional[str] = field(None, doc="For 'jsonl': keep only records whose `lang` equals this "
                                          "(None: keep all records).")
    text_key: str = field("text", doc="For 'jsonl': the key holding the text.")

    def __post_init__(self):
        check(bool(self.paths), "paths", "give at least one glob")
        check(all(isinstance(p, str) and p for p in self.paths), "paths", "globs must be non-empty strings")


@dataclass
class ThinningConfig:
    """UniDic thinning (the JINIAC trick): drop words MeCab does not find in UniDic."""

    rate: float = field(0.0, doc="Probability of dropping each word that is not a UniDic entry "
                                 "(MeCab unknown word) from the training sample; 0 disables.")
    measure: bool = field(True, doc="Also train the same model without thinning and report the "
                                    "人名/地名 split rate of both on held-out text.")

    def __post_init__(self):
        check(0.0 <= self.rate <= 1.0, "rate", f"must be in [0, 1], got {self.rate}")


@dataclass
class LanguageConfig:
    """One per-language sentencepiece unigram model (one array task)."""

    name: str = field(doc="Language tag (ja, en, hi, code); the merge order is the list order.")
    inputs: list[InputConfig] = field(doc="Where this language's text comes from.")
    vocab_size: int = field(doc="sentencepiece vocab_size of this language's model (before deduplication; "
                                "it counts the 256 byte pieces, <unk>, <s>, </s> and '\\n' too).")
    sample_chars: int = field(2_000_000, doc="Characters of training text to take (after the held-out split).")
    heldout_fraction: float = field(0.05, doc="Share of documents kept out of training, for the report.")
    heldout_max_chars: int = field(200_000, doc="At most this many held-out characters are scored.")
    max_piece_length: int = field(16, doc="max_sentencepiece_length (llm-jp v2: 8 for ja, 16 for en/code).")
    presplit: Literal["none", "mecab"] = field("none", doc="'mecab': pre-split with fugashi + unidic-lite, "
                                                           "pieces never cross a MeCab word boundary.")
    strip_prefix: bool = field(False, doc="Strip the leading '▁' of this language's pieces when merging "
                                          "(llm-jp v2 does it for ja).")
    character_coverage: float = field(1.0, doc="sentencepiece character_coverage; rarer characters fall "
                                               "back to bytes.")
    thinning: ThinningConfig = field(default_factory=ThinningConfig, doc="UniDic thinning (mecab only).")
    trainer_args: dict[str, Any] = field(default_factory=dict, doc="Extra SentencePieceTrainer options "
                                                                    "(e.g. allow_whitespace_only_pieces).")

    def __post_init__(self):
        check(bool(self.name) and self.name.isidentifier(), "name", f"must be a short identifier, got {self.name!r}")
        check(bool(self.inputs), "inputs", "give at least one input")
        check(self.vocab_size > 300, "vocab_size", f"must be > 300 (260 byte/special pieces plus the "
                                                    f"characters), got {self.vocab_size}")
        check(self.sample_chars >= 1000, "sample_chars", "must be >= 1000")
        check(0.0 <= self.heldout_fraction < 0.5, "heldout_fraction", "must be in [0, 0.5)")
        check(self.heldout_max_chars >= 0, "heldout_max_chars", "must be >= 0")
        check(1 <= self.max_piece_length <= 64, "max_piece_length", "must be in [1, 64]")
        check(0.9 <= self.character_coverage <= 1.0, "character_coverage", "must be in [0.9, 1]")
        check(self.thinning.rate == 0.0 or self.presplit == "mecab", "thinning",
              "UniDic thinning needs presplit: mecab")
        reserved = {"input", "model_prefix", "vocab_size", "model_type", "max_sentencepiece_length",
                    "character_coverage", "num_threads", "byte_fallback", "normalization_rule_name",
                    "user_defined_symbols", "control_symbols", "pretokenization_delimiter"}
        bad = sorted(reserved & set(self.trainer_args))
        check(not bad, "trainer_args", f"{bad} are set by the stage itself (use the typed fields)")

    def digest(self) -> str:
        """Hash of everything that changes this language's model: a marker with another hash is stale."""
        return fileio.config_digest(to_dict(self))


@dataclass
class SpecialTokensConfig:
    """Tokens placed first in the vocabulary, at fixed ids."""

    unk: str = field("<unk>", doc="id 0, sentencepiece UNKNOWN (never produced: byte fallback).")
    bos: str = field("<s>", doc="id 1, CONTROL.")
    eos: str = field("</s>", doc="id 2, CONTROL.")
    pad: str = field("<pad>", doc="id 3, CONTROL.")
    system: str = field("<|system|>", doc="Chat marker opening a system turn (chat template).")
    user: str = field("<|user|>", doc="Chat marker opening a user turn.")
    assistant: str = field("<|assistant|>", doc="Chat marker opening an assistant turn.")
    end_of_turn: str = field("<|end|>", doc="Chat marker closing every turn (assistant turns add eos).")
    user_defined: list[str] = field(default_factory=lambda: ["### 指示:", "### 入力:", "### 応答:", "\n"],
                                    doc="More USER_DEFINED symbols, always one token (llm-jp instruction "
                                        "markers, '\\n').")
    reserved_format: str = field("<|reserved_{i}|>", doc="Padding pieces added to reach the final size "
                                                         "(USER_DEFINED, unused, can become new markers).")

    def __post_init__(self):
        core = self.core
        check(len(set(core)) == 4 and all(core), "unk", "unk/bos/eos/pad must be 4 distinct non-empty strings")
        allp = core + self.chat + self.user_defined
        dup = sorted({t for t in allp if allp.count(t) > 1})
        check(not dup, "chat", f"duplicate special tokens {dup}")
        check(all(t for t in self.chat + self.user_defined), "user_defined", "empty token")
        check("▁" not in "".join(allp), "user_defined", "special tokens may not contain '▁' (U+2581)")
        check("{i}" in self.reserved_format, "reserved_format", "must contain {i}")

    @property
    def chat(self) -> list[str]:
        """The chat markers: ids right after <pad>, HF additional_special_tokens."""
        return [self.system, self.user, self.assistant, self.end_of_turn]

    @property
    def core(self) -> list[str]:
        return [self.unk, self.bos, self.eos, self.pad]

    @property
    def user_symbols(self) -> list[str]:
        """Every USER_DEFINED symbol, in vocabulary order."""
        return self.chat + self.user_defined


@dataclass
class EMConfig:
    """Re-estimation of the merged scores by EM on un-split (no MeCab) mixed text."""

    iterations: int = field(2, doc="EM iterations (0: keep each language model's own scores).")
    sample_chars: int = field(1_000_000, doc="Characters of un-split text per language used for EM.")
    smoothing: float = field(0.1, doc="Added to every expected count before the M-step, so unused pieces "
                                      "keep a finite score below all used ones.")

    def __post_init__(self):
        check(self.iterations >= 0, "iterations", "must be >= 0")
        check(self.sample_chars >= 0, "sample_chars", "must be >= 0")
        check(self.smoothing > 0, "smoothing", "must be > 0")


@dataclass
class TokenizerConfig:
    """Recipe of the tokenizer stage."""

    languages: list[LanguageConfig] = field(doc="Per-language models, in merge order.")
    special_tokens: SpecialTokensConfig = field(default_factory=SpecialTokensConfig, doc="Fixed-id tokens.")
    pad_to_multiple: int = field(128, doc="Final vocabulary size is padded up to a multiple of this.")
    vocab_size: Optional[int] = field(None, doc="Exact final size (a multiple of pad_to_multiple); None: the "
                                                "merged size rounded up. Also the baseline's size.")
    em: EMConfig = field(default_factory=EMConfig, doc="Score re-estimation on un-split text.")
    baseline: bool = field(True, doc="Train one sentencepiece model on the mixed sample with the same total "
                                     "vocabulary, and compare it in report.md.")
    model_max_length: int = field(4096, doc="HF tokenizer model_max_length (the context length).")
    normalization: Literal["nfkc", "identity"] = field(
        "nfkc", doc="Unicode normalisation done by the tokenizer itself at encode time: sentencepiece's 'nfkc' "
                    "rule in tokenizer.model and NFKC in the HF folder's tokenizer.json, so SFT/DPO data, "
                    "evaluation prompts and outside tools (llm-jp-eval, FastChat, vLLM) meet text as the corpus "
                    "stage's default normalize: nfkc wrote it. 'identity': llm-jp-tokenizer v2's exact round "
                    "trip, where full-width ？（）！１ (absent from an NFKC corpus) fall back to bytes.")
    seed: int = field(1234, doc="Seed of sampling, held-out split and thinning.")
    check_inputs: bool = field(True, doc="Fail at plan time when an input glob matches nothing; false when "
                                         "an upstream stage of the same pipeline will write the inputs.")
    job: JobConfig = field(default_factory=lambda: JobConfig(cpus_per_task=4, time_min=240),
                           doc="Resources of each task (cpus_per_task = sentencepiece threads).")

    def __post_init__(self):
        check(bool(self.languages), "languages", "give at least one language")
        names = [lang.name for lang in self.languages]
        check(len(set(names)) == len(names), "languages", f"duplicate language names {names}")
        check(self.pad_to_multiple >= 1, "pad_to_multiple", "must be >= 1")
        if self.vocab_size is not None:
            check(self.vocab_size % self.pad_to_multiple == 0, "vocab_size",
                  f"{self.vocab_size} is not a multiple of pad_to_multiple={self.pad_to_multiple}")
        check(self.model_max_length >= 1, "model_max_length", "must be >= 1")
