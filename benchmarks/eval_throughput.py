"""JCommonsenseQA throughput: batched left-padded generation vs one sample at a time, same run.

    .venv/bin/python benchmarks/eval_throughput.py [--samples 48] [--batch-size 16] [--device cpu]

Both arms evaluate the same scored JCommonsenseQA samples (same few-shot prompts, same
max-new-token limit) with the project's debug DeepSeekMoE model (random weights, from
``recipes/model/debug.yaml``; the tiny Llama of ``jiniac_hpc.eval.tiny`` if jiniac_hpc.model is
missing) and the project's debug tokenizer (``logs/tokenizer/debug/hf``; else a BPE trained on
JSQuAD). It prints samples/s of each arm, the ratio, and whether the predictions agree (left
padding must not change a greedy answer).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from jiniac_hpc.eval.config import JasterConfig
from jiniac_hpc.eval.generate import Generator
from jiniac_hpc.eval.jaster import LOADERS, build_prompt, data_path, split
from jiniac_hpc.paths import REPO_ROOT


def make_model(tmp: Path) -> tuple[Path, Path, str]:
    from jiniac_hpc.eval import tiny

    tok_dir = REPO_ROOT / "logs" / "tokenizer" / "debug" / "hf"
    if not (tok_dir / "tokenizer_config.json").exists():
        tok_dir = tmp / "tok"
        tiny.build_tokenizer(tok_dir)
    from transformers import AutoTokenizer

    vocab = len(AutoTokenizer.from_pretrained(str(tok_dir)))
    mdir = tmp / "model"
    try:
        from jiniac_hpc.config import load_recipe
        from jiniac_hpc.model import build_model
        from jiniac_hpc.model.config import ModelConfig

        mcfg = load_recipe("model", ModelConfig, "debug", [f"vocab_size={vocab}"])
        torch.manual_seed(0)
        build_model(mcfg, torch.float32).save_pretrained(str(mdir))
        name = "debug DeepSeekMoE"
    except ImportError:
        tiny.build_model(mdir, vocab)
        name = "tiny Llama"
    return mdir, tok_dir, name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=48)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--shots", type=int, default=2)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    cfg = JasterConfig(limit=a.samples, num_fewshots=a.shots, fewshot_pool=max(8, a.shots))
    shots, scored, _ = split("jcommonsenseqa", LOADERS["jcommonsenseqa"](data_path(cfg, "jcommonsenseqa")), cfg, seed=0)
    prompts = [build_prompt("jcommonsenseqa", shots, s) for s in scored]
    with tempfile.TemporaryDirectory() as tmp:
        mdir, tok_dir, name = make_model(Path(tmp))
        g = Generator(mdir, tok_dir, device=a.device, dtype="float32", batch_size=a.batch_size)
        n_new = cfg.max_new("jcommonsenseqa")
        g.generate(prompts[:2], n_new)                                  # warm-up (allocations, kernels)
        # the arms alternate, several rounds, and each keeps its median: a shared machine's load
        # then hits both alike instead of whichever arm ran during a busy spell
        tb, ts = [], []
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            batched = g.generate(prompts, n_new)
            tb.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            single = [g.generate([p], n_new, batch_size=1)[0] for p in prompts]
            ts.append(time.perf_counter() - t0)
        t_batched, t_single = statistics.median(tb), statistics.median(ts)
    n = len(prompts)
    print(f"model: {name}, device: {g.device}, {n} JCommonsenseQA samples, {a.shots}-shot, "
          f"max_new_tokens={n_new}, threads={torch.get_num_threads()}, median of {a.rounds} alternating rounds")
    print(f"one at a time : {n / t_single:8.2f} samples/s ({t_single:.2f} s)")
    print(f"batched ({a.batch_size:3d}) : {n / t_batched:8.2f} samples/s ({t_batched:.2f} s)")
    print(f"ratio batched / one-at-a-time: {t_single / t_batched:.2f}x")
    agree = sum(x == y for x, y in zip(batched, single))
    print(f"identical predictions: {agree}/{n}")


if __name__ == "__main__":
    main()
