"""Batched generation with any HF causal LM: left padding, greedy or seeded sampling.

    python -m jiniac_hpc.eval.generate MODEL_DIR "日本の首都は" [--tokenizer DIR]

Every suite goes through :class:`Generator`: prompts are sorted by length (so a batch pads
little), left-padded (a decoder-only model continues from the last real token of every row),
and only the new tokens are decoded. Prompts longer than the model's window keep their *last*
tokens: the question sits at the end of a few-shot prompt, the instruction header is what is lost.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Optional, Sequence

import torch

from jiniac_hpc.config import ConfigError

log = logging.getLogger(__name__)

# The plain prompt for models without a chat template (llm-jp-sft / Alpaca style, as our SFT data).
END_OF_TURN = ("<|end|>", "<|im_end|>", "<|eot_id|>", "<end_of_turn>")
PLAIN_SYSTEM = "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。"


def _register_project_models() -> None:
    """``import jiniac_hpc.model`` registers DeepseekMoe with the Auto classes (when it exists)."""
    try:
        import jiniac_hpc.model  # noqa: F401
    except ImportError as e:  # the model package is optional for plain HF models
        if "jiniac_hpc.model" not in str(e):
            raise


def pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def pick_dtype(dtype: str, device: torch.device) -> torch.dtype:
    if dtype == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return getattr(torch, dtype)


class Generator:
    """A model + tokenizer that turns lists of prompts into lists of completions."""

    def __init__(self, model_dir: str | Path, tokenizer_dir: Optional[str | Path] = None, *, device: str = "auto",
                 dtype: str = "auto", batch_size: int = 16, max_prompt_tokens: Optional[int] = None,
                 key: str = "model"):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        _register_project_models()
        model_dir = Path(model_dir)
        tok_dir = Path(tokenizer_dir) if tokenizer_dir else model_dir
        if not (model_dir / "config.json").exists():
            raise ConfigError(f"{key}: {model_dir} is not a HF model folder (no config.json)")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(tok_dir))
        except (OSError, ValueError) as e:
            which = "tokenizer" if tokenizer_dir else f"tokenizer (defaults to {key})"
            raise ConfigError(f"{which}: cannot load a tokenizer from {tok_dir}: {e}") from None
        self.tokenizer.padding_side = "left"
        vocab = self.tokenizer.get_vocab()
        # stop at eos and at an end-of-turn marker (our chat template ends a turn with <|end|></s>)
        self.stop_ids = [self.tokenizer.eos_token_id] + [vocab[t] for t in END_OF_TURN if t in vocab]
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.device = pick_device(device)
        self.model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=pick_dtype(dtype, self.device))
        self.model.to(self.device).eval()
        self.batch_size = batch_size
        self.window = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)
        self.max_prompt_tokens = max_prompt_tokens
        self.truncated = 0          # prompts cut to fit, since construction
        self.last_truncated: list[bool] = []
        self.model_dir = model_dir

    # ------------------------------------------------------------------ prompts
    def chat_prompt(self, messages: Sequence[dict]) -> str:
        """A conversation as the prompt text the model continues; the tokenizer's chat template if
        it has one, else the plain ``### 指示:`` / ``### 応答:`` format."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
        parts = [PLAIN_SYSTEM]
        for m in messages:
            if m["role"] == "system":
                parts[0] = m["content"]
            elif m["role"] == "user":
                parts.append(f"### 指示:\n{m['content']}")
            else:
                parts.append(f"### 応答:\n{m['content']}")
        return "\n\n".join(parts) + "\n\n### 応答:\n"

    # ------------------------------------------------------------------ generation
    def _encode(self, prompts: Sequence[str], max_new_tokens: int) -> list[list[int]]:
        limit = self.max_prompt_tokens or max(16, self.window - max_new_tokens)
        out = []
        self.last_truncated = []    # per prompt of the latest call, for per-sample records
        bos = self.tokenizer.bos_token
        for p in prompts:
            # a chat template that writes <s> itself must not get a second one from the tokenizer
            ids = self.tokenizer(p, add_special_tokens=not (bos and p.startswith(bos)))["input_ids"]
            self.last_truncated.append(len(ids) > limit)
            if len(ids) > limit:
                ids = ids[-limit:]
                self.truncated += 1
            out.append(ids)
        return out

    @torch.no_grad()
    def generate(self, prompts: Sequence[str], max_new_tokens: int, *, temperature: float = 0.0, seed: int = 0,
                 batch_size: Optional[int] = None) -> list[str]:
        """Completions of ``prompts`` in their order. temperature 0 = greedy."""
        bs = batch_size or self.batch_size
        encoded = self._encode(prompts, max_new_tokens)
        order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))
        results: list[Optional[str]] = [None] * len(prompts)
        pad = self.tokenizer.pad_token_id
        for start in range(0, len(order), bs):
            idx = order[start:start + bs]
            width = max(len(encoded[i]) for i in idx)
            ids = torch.full((len(idx), width), pad, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for row, i in enumerate(idx):
                seq = encoded[i]
                ids[row, width - len(seq):] = torch.tensor(seq, dtype=torch.long)
                mask[row, width - len(seq):] = 1
            kw = dict(do_sample=False)
            if temperature > 0:
                torch.manual_seed(seed + start)
                kw = dict(do_sample=True, temperature=temperature, top_p=1.0, top_k=0)
            out = self.model.generate(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                      max_new_tokens=max_new_tokens, pad_token_id=pad,
                                      eos_token_id=self.stop_ids, **kw)
            new = out[:, width:].cpu()
            for row, i in enumerate(idx):
                results[i] = self.tokenizer.decode(new[row], skip_special_tokens=True)
        return results  # type: ignore[return-value]

    def close(self) -> None:
        """Free the weights (before a local judge model is loaded on the same GPU)."""
        del self.model
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("prompt", nargs="+")
    ap.add_argument("--tokenizer")
    ap.add_argument("--max-new-tokens", type=int, default=64)
    a = ap.parse_args(argv)
    g = Generator(a.model, a.tokenizer)
    for p, c in zip(a.prompt, g.generate(a.prompt, a.max_new_tokens)):
        print(f"{p!r} -> {c!r}")


if __name__ == "__main__":
    main()
