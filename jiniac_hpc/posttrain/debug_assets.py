"""A tiny tokenizer + random model folder, for CPU tests of SFT/DPO and for trying the recipes.

    python -m jiniac_hpc.posttrain.debug_assets OUT [--arch auto|deepseek|llama] [--vocab 2000]

Writes ``OUT/`` as a ``from_pretrained`` folder holding both the model and the tokenizer:

- the tokenizer is a sentencepiece unigram model trained on the JSQuAD contexts
  (``jiniac_hpc.paths.jglue_dir()``), with the project's special-token layout (``<unk>``=0,
  ``<s>``=1, ``</s>``=2, ``<pad>``=3, then the chat markers as user-defined symbols), split
  digits and byte fallback, loaded as an HF ``LlamaTokenizer`` (no network, no hub);
- the model is our DeepSeekMoE ``debug`` recipe when ``jiniac_hpc.model`` is
  available (``--arch auto``), else a 2-layer ``LlamaForCausalLM``; random weights, fp32.

Real runs start from the pretraining output instead (``model_path`` in the sft recipe).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from jiniac_hpc.paths import jglue_dir

MARKERS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]


def jsquad_contexts(limit: int = 2000) -> list[str]:
    data = json.loads((jglue_dir() / "jsquad-v1.3-valid.json").read_text(encoding="utf-8"))
    out = [p["context"] for art in data["data"] for p in art["paragraphs"]]
    return out[:limit]


def build_tokenizer(out: Path, vocab_size: int = 2000, split_digits: bool = True) -> None:
    """Train the debug sentencepiece model and save it as an HF tokenizer folder in ``out``."""
    import sentencepiece as spm
    from transformers import LlamaTokenizer

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(jsquad_contexts()), model_prefix=f"{tmp}/sp", vocab_size=vocab_size,
            unk_id=0, bos_id=1, eos_id=2, pad_id=3, user_defined_symbols=MARKERS, byte_fallback=True,
            split_digits=split_digits, character_coverage=0.98, model_type="unigram", minloglevel=2,
            normalization_rule_name="identity", remove_extra_whitespaces=False)
        raw = Path(tmp) / "raw"
        raw.mkdir()
        shutil.copy(f"{tmp}/sp.model", raw / "tokenizer.model")
        tok = LlamaTokenizer.from_pretrained(str(raw), add_bos_token=False, add_eos_token=False, legacy=False)
    tok.pad_token = "<pad>"
    tok.save_pretrained(str(out))


def build_model(out: Path, vocab_size: int, arch: str = "auto", seed: int = 0):
    """Save a tiny random causal LM with ``vocab_size`` tokens in ``out``; returns the model."""
    import torch

    torch.manual_seed(seed)
    model = None
    if arch in ("auto", "deepseek"):
        try:
            from jiniac_hpc.model import build_model as build_moe, load_model_recipe

            model = build_moe(load_model_recipe("debug", [f"vocab_size={vocab_size}"]), torch.float32)
        except ImportError:
            if arch == "deepseek":
                raise
    if model is None:
        from transformers import LlamaConfig, LlamaForCausalLM

        cfg = LlamaConfig(vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                          bos_token_id=1, eos_token_id=2, pad_token_id=3, tie_word_embeddings=False)
        model = LlamaForCausalLM(cfg)
    model.config.bos_token_id, model.config.eos_token_id, model.config.pad_token_id = 1, 2, 3
    model.generation_config.bos_token_id, model.generation_config.eos_token_id = 1, 2
    model.generation_config.pad_token_id = 3
    model.save_pretrained(str(out))
    return model


def build(out: str | Path, arch: str = "auto", vocab_size: int = 2000) -> Path:
    out = Path(out)
    build_tokenizer(out, vocab_size)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(out))
    build_model(out, len(tok), arch)
    return out


def cached(arch: str = "auto", vocab_size: int = 2000) -> Path:
    """``build`` once per content: tests share one folder keyed by this file, the model recipe
    and the arguments (``$JINIAC_TEST_CACHE`` or ``/tmp/jiniac-posttrain-<uid>``), written to a
    temporary folder and renamed, so concurrent test processes never see half an asset."""
    import hashlib
    import os

    from jiniac_hpc.paths import REPO_ROOT

    h = hashlib.sha256(Path(__file__).read_bytes())
    model_recipe = REPO_ROOT / "jiniac_hpc/recipes/model/debug.yaml"
    if model_recipe.exists():
        h.update(model_recipe.read_bytes())
    h.update(f"{arch}:{vocab_size}".encode())
    root = Path(os.environ.get("JINIAC_TEST_CACHE", f"/tmp/jiniac-posttrain-{os.getuid()}"))
    out = root / f"{arch}-{h.hexdigest()[:12]}"
    if not (out / "config.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        build(tmp, arch, vocab_size)
        try:
            os.replace(tmp, out)
        except OSError:  # another process won the race: use its copy
            shutil.rmtree(tmp, ignore_errors=True)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--arch", default="auto", choices=["auto", "deepseek", "llama"])
    ap.add_argument("--vocab", type=int, default=2000)
    a = ap.parse_args()
    print(build(a.out, a.arch, a.vocab))
