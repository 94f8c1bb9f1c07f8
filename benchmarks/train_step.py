"""Overhead of our full training stack against a minimal PyTorch loop, same model/data/batch.

    python benchmarks/train_step.py                   # CPU: debug model, prints the overhead ratio
    python benchmarks/train_step.py --steps 80 --recipe debug
    python benchmarks/train_step.py --gpu-recipe jiniac-5b --seq-len 2048   # on a GPU: also MFU

Same process, one rank, same seed, model (the debug DeepSeekMoE), data (the curriculum
sampler over the JGLUE fixture), micro-batch, accumulation, AdamW, LR schedule and gradient
clipping. Each round is one run of the full stack (``train_task``: HF Trainer + DeepSpeed ZeRO-1 +
our callbacks, NaN check, MoE metrics, TensorBoard, final checkpoint) with the plain loop paired
step by step: after every optimizer step of the stack, one step of the plain loop runs, outside
the stack's step clock. Both sides are so timed at the same moments, and the shared machine's
drift and bursts (which made back-to-back runs of the same loop differ by 15 %) reach both alike.
Throughput counts optimizer steps only, after ``--warmup`` steps, as the median of 5-step windows
on both sides: the stack's is its own ``perf/tokens_per_s`` (which excludes eval and checkpoint
time, as the plain loop has neither). Printed per round: tokens/s of each and
``overhead = plain / stack``; then its range and median over ``--rounds`` (target <= 1.10 on CPU).

On CPU both sides run with one thread and are timed with ``time.process_time`` (the stack's
:data:`jiniac_hpc.train.metrics.CLOCK` is set to it): the machine is shared, and wall time under
other people's load varies widely between identical runs, CPU seconds per step do not. So the
CPU ratio is "how much more CPU work per token does our stack do". ``--wall`` uses wall time.

With CUDA, ``--gpu-recipe`` also runs the stack in bf16 on a model recipe (the largest that fits
one GPU) and prints its ``perf/mfu`` against the ``--peak-tflops`` of the device.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
LOG_EVERY = 5


def _cfg(recipe: str, index: Path, steps: int, extra: list[str]):
    from jiniac_hpc.config import load_recipe
    from jiniac_hpc.train.config import PretrainConfig

    ov = [f"data.index={index}", "model.vocab_size=2000", f"train.max_steps={steps}", f"train.log_every={LOG_EVERY}",
          "train.eval_every=0", f"train.save_every={10 * steps}", "data.num_workers=0",
          # one stage over all the data: enough steps whatever --steps is
          'plan.stages=[{name: all, sources: {"*": 1.0}, tokens: null}]', *extra]
    return load_recipe("pretrain", PretrainConfig, recipe, ov)


def _stack_uses_fused_adamw() -> bool:
    from transformers import TrainingArguments

    return str(TrainingArguments.__dataclass_fields__["optim"].default) == "adamw_torch_fused"


class PlainLoop:
    """The minimal loop, one optimizer step per :meth:`step`: forward, CE + aux gradient, backward,
    clip, AdamW (the stack's kernel and parameter groups), LambdaLR. Same model, data, seed and
    schedule as the stack."""

    def __init__(self, cfg, clock=time.perf_counter):
        import torch
        from transformers import set_seed

        from jiniac_hpc.data.dataset import PackedDataset
        from jiniac_hpc.data.loader import build_dataloader
        from jiniac_hpc.data.sampler import CurriculumSampler
        from jiniac_hpc.model import build_model
        from jiniac_hpc.train.schedule import lambda_for, make_spans

        t = cfg.train
        self.ga, self.clip, self.clock = t.grad_accum(1), t.grad_clip, clock
        ds = PackedDataset(cfg.data.index, "train")
        sampler = CurriculumSampler(ds, cfg.plan, seed=cfg.plan.seed, micro_batch_size=t.micro_batch_size,
                                    grad_accum=self.ga)
        spans = make_spans(sampler.stage_spans(), cfg.plan.stages, cfg.schedule.lr)
        self.loader = iter(build_dataloader(ds, sampler, num_workers=0))
        self.tokens_per_step = t.global_batch_size * ds.seq_len
        set_seed(t.seed)
        self.dev = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = build_model(cfg.model, dtype="float32").to(self.dev).train()
        # The stack's optimizer is Trainer's default, "adamw_torch_fused": the same kernel here (on CPU
        # torch's default AdamW is its per-tensor loop, several times slower, which would flatter the stack).
        # And the stack's parameter groups: Trainer leaves biases and norm weights out of weight
        # decay, so both sides apply the same update (and the fused kernel runs once per group on both).
        from transformers import Trainer

        decay = set(Trainer.get_decay_parameter_names(None, self.model))   # it does not use self
        named = list(self.model.named_parameters())
        groups = [{"params": [p for n, p in named if n in decay], "weight_decay": t.weight_decay},
                  {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0}]
        self.opt = torch.optim.AdamW(groups, lr=cfg.schedule.lr, betas=(t.adam_beta1, t.adam_beta2),
                                     eps=t.adam_eps, fused=_stack_uses_fused_adamw())
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda_for(spans, cfg.schedule))
        self.times: list[float] = []

    def step(self) -> None:
        import torch
        import torch.nn.functional as F

        t0 = self.clock()
        for _ in range(self.ga):
            b = next(self.loader)
            out = self.model(input_ids=b["input_ids"].to(self.dev), use_cache=False)
            logits = out.logits.float()
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b["labels"].to(self.dev).reshape(-1))
            if out.aux_loss is not None:
                loss = loss + (out.aux_loss - out.aux_loss.detach())
            (loss / self.ga).backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.opt.step()
        self.sched.step()
        self.opt.zero_grad(set_to_none=True)
        if self.dev == "cuda":
            torch.cuda.synchronize()
        self.times.append(self.clock() - t0)

    def tokens_per_s(self, warmup: int) -> float:
        """Same aggregation as the stack's perf/tokens_per_s: windows of LOG_EVERY steps, median window."""
        ts = self.times
        windows = [statistics.mean(ts[i:i + LOG_EVERY]) for i in range(warmup, len(ts) - LOG_EVERY + 1, LOG_EVERY)]
        return self.tokens_per_step / statistics.median(windows)


def stack(cfg, run_dir: Path, warmup: int, peak_tflops: float = 0.0, paired: Optional[PlainLoop] = None) -> dict:
    """The full stack in this process; returns median tokens/s (and MFU) from its TensorBoard tags.

    With ``paired``, one step of that plain loop runs after every step of the stack, outside the
    stack's step clock (its ``Throughput.paused``): both sides are then timed at the same moments,
    so the machine's drift and bursts reach both alike.
    """
    import jiniac_hpc.train.trainer as trainer_mod
    from jiniac_hpc.cluster import ClusterProfile
    from jiniac_hpc.stages import TaskContext
    from jiniac_hpc.train.metrics import read_scalars
    from jiniac_hpc.train.pretrain import train_task

    base = trainer_mod.PretrainTrainer

    class Paired(base):
        def _maybe_log_save_evaluate(self, *a, **kw):
            with self.throughput.paused():
                paired.step()
            return super()._maybe_log_save_evaluate(*a, **kw)

    ctx = TaskContext("pretrain", "train", run_dir, 0, 1,
                      ClusterProfile(name="bench", executor="local", peak_tflops=peak_tflops))
    if paired is not None:   # train_task imports the class when it runs: it builds this subclass
        trainer_mod.PretrainTrainer = Paired
    try:
        res = train_task(cfg, ctx)
    finally:
        trainer_mod.PretrainTrainer = base
    assert res["status"] == "complete", res
    tps = read_scalars(run_dir / "tensorboard", "perf/tokens_per_s")
    mfu = read_scalars(run_dir / "tensorboard", "perf/mfu")
    # Each value covers the steps since the previous log; drop the windows that include warmup.
    keep = [v for s, v in sorted(tps.items()) if s > warmup]
    return {"tokens_per_s": statistics.median(keep),
            "mfu": statistics.median([v for s, v in mfu.items() if s > warmup]) if mfu else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recipe", default="debug")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=None, help="global batch in sequences (default: the recipe's)")
    ap.add_argument("--micro", type=int, default=None, help="micro-batch in sequences (default: the recipe's)")
    ap.add_argument("--wall", action="store_true", help="time with wall clock and all cores instead of CPU time")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="plain/stack/plain repetitions (the spread is printed)")
    ap.add_argument("--large", action="store_true", help="also the 4x larger batch (32 x 64 tokens)")
    ap.add_argument("--set", dest="overrides", action="append", default=[], help="pretrain recipe override")
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "jiniac-pretrain-data"))
    ap.add_argument("--gpu-recipe", default=None, help="model recipe for the GPU MFU run (e.g. jiniac-5b)")
    ap.add_argument("--seq-len", type=int, default=2048, help="sequence length of the GPU MFU run")
    ap.add_argument("--peak-tflops", type=float, default=989.0, help="peak bf16 TFLOP/s of the GPU")
    a = ap.parse_args(argv)

    cpu_clock = not a.wall
    if cpu_clock:
        os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    os.environ.setdefault("DS_ACCELERATOR", "cpu" if not torch.cuda.is_available() else "cuda")
    from jiniac_hpc.train.fixtures import build_index

    index = build_index(a.data)
    import jiniac_hpc.train.metrics as metrics

    threads = 1 if cpu_clock else (os.cpu_count() or 1)
    clock = time.process_time if cpu_clock else time.perf_counter
    metrics.CLOCK = clock
    # The recipe's batch (512 tokens a step) and, with --large, a 4x larger one: the stack's extra
    # cost is a fixed few ms per optimizer step (DeepSpeed's ZeRO bucket copies, Trainer
    # bookkeeping), so its share shrinks as a step does more work.
    configs = [(a.batch, a.micro)] if a.batch or a.micro else [(None, None)] + ([(32, 16)] if a.large else [])
    for gb, mb in configs:
        batch = ([f"train.global_batch_size={gb}"] if gb else []) + ([f"train.micro_batch_size={mb}"] if mb else [])
        cfg = _cfg(a.recipe, index, a.steps, ["train.deepspeed=true", *batch, *a.overrides])
        torch.set_num_threads(threads)
        print(f"\nclock: {'CPU time (process_time)' if cpu_clock else 'wall time'}; {a.recipe} model, {a.steps} steps, "
              f"global batch {cfg.train.global_batch_size} x seq 64 (micro-batch {cfg.train.micro_batch_size}), "
              f"1 rank, {torch.get_num_threads()} thread(s); throughput after {a.warmup} warmup steps; "
              f"{a.rounds} rounds of the stack with the plain loop paired step by step")
        ratios = []
        for r in range(a.rounds):
            plain = PlainLoop(cfg, clock)
            with tempfile.TemporaryDirectory() as d:
                s = stack(cfg, Path(d), a.warmup, paired=plain)
            torch.set_num_threads(threads)   # train_task sets threads for its ranks; restore
            p = plain.tokens_per_s(a.warmup)
            ratios.append(p / s["tokens_per_s"])
            print(f"round {r + 1}: plain {p:8.0f} tokens/s, full stack (HF Trainer + DeepSpeed ZeRO-{cfg.train.zero_stage} "
                  f"+ callbacks) {s['tokens_per_s']:8.0f} tokens/s, plain/stack {ratios[-1]:.3f}", flush=True)
        worst = max(ratios)
        print(f"overhead ratio plain/stack over {a.rounds} rounds: {min(ratios):.3f}-{worst:.3f} "
              f"(median {statistics.median(ratios):.3f}); target <= 1.10: {'OK' if worst <= 1.10 else 'MISSED'}")

    if a.gpu_recipe and torch.cuda.is_available():
        from jiniac_hpc.config import to_dict
        from jiniac_hpc.model.config import load_model_recipe

        gindex = build_index(Path(a.data) / f"seq{a.seq_len}", seq_len=a.seq_len)
        m = to_dict(load_model_recipe(a.gpu_recipe))
        extra = [f"model.{k}={v}" for k, v in m.items() if k != "vocab_size" and v is not None]
        gcfg = _cfg(a.recipe, gindex, 20, extra + ["train.precision=bf16", "train.global_batch_size=4",
                                                   "train.micro_batch_size=1", "train.gradient_checkpointing=true"])
        metrics.CLOCK = time.perf_counter
        with tempfile.TemporaryDirectory() as d:
            g = stack(gcfg, Path(d), 5, peak_tflops=a.peak_tflops)
        print(f"GPU {torch.cuda.get_device_name()} {a.gpu_recipe} bf16 seq {a.seq_len}: "
              f"{g['tokens_per_s']:.0f} tokens/s, MFU {g['mfu']:.3f} (peak {a.peak_tflops} TFLOP/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
