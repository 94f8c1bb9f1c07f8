"""A tiny random causal LM + byte-level BPE tokenizer, for tests and the throughput benchmark.

    python -m jiniac_hpc.eval.tiny OUT_DIR        # writes OUT_DIR/{config.json, model.safetensors, tokenizer.json...}

Built offline in a second: the tokenizer is trained on JSQuAD contexts (plus a few English and
Hindi lines, so every script the suites meet has merges; byte-level BPE covers any byte anyway),
the model is a 2-layer Llama with random weights. Its answers are noise, which is what a pipeline
test wants: every code path runs, nothing depends on the model being good.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Iterable, Optional

from jiniac_hpc.posttrain.debug_assets import jsquad_contexts

SPECIALS = ["<unk>", "<s>", "</s>", "<pad>"]   # fixed ids 0-3, as the project tokenizer (contracts)
EXTRA = ["The quick brown fox jumps over the lazy dog. What is the capital of Japan?",
         "भारत की राजधानी नई दिल्ली है। आप कैसे हैं? मुझे हिंदी में उत्तर दीजिए।",
         "entailment contradiction neutral 0 1 2 3 4 5 0.0 1.5 2.4 3.8 5.0 [[7]] Rating:"]


def build_tokenizer(out_dir: Path, texts: Optional[Iterable[str]] = None, vocab_size: int = 1000):
    """Train and save a byte-level BPE tokenizer as a HF fast tokenizer; returns it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    texts = list(texts) if texts is not None else jsquad_contexts(300) + EXTRA * 20
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                 pad_token="<pad>")
    hf.save_pretrained(str(out_dir))
    return hf


def build_model(out_dir: Path, vocab_size: int, *, hidden: int = 64, layers: int = 2, seed: int = 0) -> None:
    """Save a random tiny LlamaForCausalLM (from_pretrained-loadable) into ``out_dir``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=hidden * 2,
                      num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=4,
                      max_position_embeddings=4096, bos_token_id=1, eos_token_id=2, pad_token_id=3)
    LlamaForCausalLM(cfg).save_pretrained(str(out_dir))


def build(out_dir: str | Path, vocab_size: int = 1000, seed: int = 0) -> Path:
    """Tokenizer + model in one folder (what ``Generator(out_dir)`` loads)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(out_dir, vocab_size=vocab_size)
    build_model(out_dir, len(tok), seed=seed)
    return out_dir


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    print(build(ap.parse_args().out_dir))
