"""Batched generation with any HF causal LM: left padding, greedy or seeded sampling.

    python -m jiniac_hpc.eval.generate MODEL_DIR "日本の首都は" [--tokenizer DIR]

Every suite goes through :class:`Generator`: a model folder and its tokenizer, loaded through
:func:`jiniac_hpc.model.load.load_model`, the chat/plain prompt format, and the prompt encoding;
batching, padding and decoding are :func:`jiniac_hpc.model.generate.generate`. Prompts longer than
the model's window keep their *last* tokens: the question sits at the end of a few-shot prompt,
the instruction header is what is lost.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Optional, Sequence

import torch

from jiniac_hpc.config import ConfigError
from jiniac_hpc.model.generate import generate
from jiniac_hpc.model.load import load_model

log = logging.getLogger(__name__)

# The plain prompt for models without a chat template (llm-jp-sft / Alpaca style, as our SFT data).
END_OF_TURN = ("<|end|>", "<|im_end|>", "<|eot_id|>", "<end_of_turn>")
PLAIN_SYSTEM = "以下は、タスクを説明する指示です。要求を適切に満たす応答を書きなさい。"


class Generator:
    """A model + tokenizer that turns lists of prompts into lists of completions."""

    def __init__(self, model_dir: str | Path, tokenizer_dir: Optional[str | Path] = None, *, device: str = "auto",
                 dtype: str = "auto", batch_size: int = 16, max_prompt_tokens: Optional[int] = None,
                 key: str = "model"):
        from transformers import AutoTokenizer

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
        self.model = load_model(model_dir, dtype=dtype, device=device)
        self.device = self.model.device
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
    def _encode(self, prompts: Sequence[str], max_new_tokens: int, specials: bool = True) -> list[list[int]]:
        limit = self.max_prompt_tokens or max(16, self.window - max_new_tokens)
        out = []
        self.last_truncated = []    # per prompt of the latest call, for per-sample records
        bos = self.tokenizer.bos_token
        for p in prompts:
            # a chat template that writes <s> itself must not get a second one from the tokenizer
            ids = self.tokenizer(p, add_special_tokens=specials and not (bos and p.startswith(bos)))["input_ids"]
            self.last_truncated.append(len(ids) > limit)
            if len(ids) > limit:
                ids = ids[-limit:]
                self.truncated += 1
            out.append(ids)
        return out

    def generate(self, prompts: Sequence[str], max_new_tokens: int, *, temperature: float = 0.0, seed: int = 0,
                 batch_size: Optional[int] = None, as_pipeline: bool = False, top_p: float = 1.0,
                 top_k: Optional[int] = 0, repetition_penalty: float = 1.0) -> list[str]:
        """Completions of ``prompts`` in their order. temperature 0 = greedy.

        ``top_p``, ``top_k`` (0: off; None: the model's generation config decides, as FastChat leaves
        it) apply when sampling; ``repetition_penalty`` (1.0: none) to greedy decoding too, as
        ``model.generate`` applies it.

        ``as_pipeline``: as transformers' text-generation pipeline does it in 4.38.2, the version
        llm-jp-eval v1.3.0 pins (``preprocess`` / ``postprocess``): the prompt is tokenised without
        special tokens (no BOS), generation stops at eos only, and the completion is the whole
        sequence decoded (special tokens skipped, ``clean_up_tokenization_spaces=True``) minus the
        length of the prompt decoded the same way. Decoding the new ids alone can differ: a
        SentencePiece decoder drops the leading space of its first token."""
        sampling: dict = dict(do_sample=True, temperature=temperature, top_p=top_p) if temperature > 0 else {}
        if temperature > 0 and top_k is not None:
            sampling["top_k"] = top_k
        if repetition_penalty != 1.0:
            sampling["repetition_penalty"] = repetition_penalty
        return generate(self.model, self.tokenizer, self._encode(prompts, max_new_tokens, specials=not as_pipeline),
                        max_new_tokens, batch_size=batch_size or self.batch_size,
                        stop_ids=[self.tokenizer.eos_token_id] if as_pipeline else self.stop_ids,
                        seed=seed if temperature > 0 else None, decode=self.pipeline_text if as_pipeline else None,
                        **sampling)

    def pipeline_text(self, prompt_ids: Sequence[int], new_ids: list[int]) -> str:
        """The completion text transformers 4.38.2's text-generation pipeline returns for these ids."""
        def text(ids: Sequence[int]) -> str:
            return self.tokenizer.decode(list(ids), skip_special_tokens=True, clean_up_tokenization_spaces=True)

        return text(list(prompt_ids) + list(new_ids))[len(text(prompt_ids)):]

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
