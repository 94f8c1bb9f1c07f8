"""One-command GPU check at jiniac-5b shapes: the MoE layer's kernels, then 30 real pretraining steps.

    python benchmarks/gpu_check.py              # one H200 / H100, nothing downloaded
    python benchmarks/gpu_check.py --tiny       # the same code paths on CPU at toy sizes (tests/test_gpu_check.py)

1. **MoE layer** (``jiniac_hpc.model.moe.DeepseekMoE``: 64 experts top-4 + 2 shared, hidden 2048,
   expert width 1408, 2 x 4096 tokens, bf16): forward + backward of transformers' ``grouped_mm``
   experts kernel on the fused weights (eager and under ``torch.compile``), our ``loop`` path, and the
   reference's boolean-mask loop on per-expert modules (``benchmarks/moe_layer.py``); ms per step as
   min-max over rounds, peak memory (``torch.cuda.max_memory_allocated``), and the roofline time of
   :mod:`jiniac_hpc.model.roofline` for comparison.
2. **Pretraining**: ``jobs/pretrain.py --recipe jiniac-5b --cluster local`` (all 9 layers, seq 4096,
   micro-batch 2, bf16, one GPU, DeepSpeed ZeRO-1 as the recipe) for 30 steps on real tokens (the
   committed fixture ``tests/assets/pretrain_seq4096``, JGLUE text), with ``torch.compile`` off and on,
   and on again with 8 micro-batches per optimizer step (``--runs off,on,on:8``): with one micro-batch
   a step, the optimizer's pass over all 5B parameters' fp32 states follows every 8,192 tokens, so that
   run shows the rate with the update amortised as in a real run. Tokens/s, TFLOP/s and MFU are
   computed here from the TensorBoard event wall times of steps 10 -> 30 and
   :func:`jiniac_hpc.model.flops.flops_per_token`, next to the trainer's own ``perf/tokens_per_s`` /
   ``perf/tflops_per_device`` of the same steps read back with tensorboard's ``EventAccumulator``. MFU
   uses the published bf16 dense peak of the detected GPU (:data:`jiniac_hpc.model.roofline.GPUS`). On
   a GPU with less than 120 GiB, ZeRO-1's fp32 master weights and Adam states of 5B parameters (~80 GB)
   do not fit; the check then trains without DeepSpeed (bf16 AdamW states) and says so. The runs write
   no checkpoint (``train.save_final=false``) and log under a temporary ``JINIAC_LOGS``
   (``--keep-logs DIR`` keeps them); a run past ``--pretrain-timeout`` is killed with the processes it
   started and reported as failed.
3. **One step by phase**: the same model and DeepSpeed config built in this process, one micro-batch
   of the fixture's tokens, with forward, backward and optimizer step each timed alone; their sum
   against the pretraining rows shows what the Trainer, loader and logging add around them.

Each part prints its rows as it finishes; a part that fails prints its error in its row and the
check goes on. ``--tiny``: a 2-layer toy model, 4 steps, fp32, 1 CPU rank without DeepSpeed (part 3
with DeepSpeed on CPU, so its GPU code path runs in the test).
"""
from __future__ import annotations

import argparse
import datetime
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))   # benchmarks/ (moe_layer) when imported
from moe_layer import make_layer, reference_forward  # noqa: E402

from jiniac_hpc.model import flops_per_token, load_model_recipe  # noqa: E402
from jiniac_hpc.model.roofline import GPUS, expert_traffic  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "assets" / "pretrain_seq4096" / "index.json"
TINY_MODEL = ["vocab_size=2000", "hidden_size=64", "intermediate_size=128", "moe_intermediate_size=32", "num_hidden_layers=2",
              "num_attention_heads=4", "n_routed_experts=8", "num_experts_per_tok=2", "n_shared_experts=1"]


def gpu_name(device: str) -> str | None:
    if not device.startswith("cuda"):
        return None
    name = torch.cuda.get_device_name()
    return next((g for g in GPUS if g in name), None)


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


# ---------------------------------------------------------------------------------------------
# 1. the MoE layer
# ---------------------------------------------------------------------------------------------


def moe_layer_rows(a) -> list[str]:
    shape = SimpleNamespace(hidden=a.hidden, moe_inter=a.moe_inter, experts=a.experts, top_k=a.top_k,
                            dtype=a.dtype, device=a.device, batch=2, tokens=a.tokens)
    layer, per_expert, x = make_layer(shape)
    grad = torch.randn_like(x)

    def ours(impl):
        def f(inp):
            layer.config.moe_implementation = impl
            y, aux, _ = layer(inp)
            return y, aux
        return f

    compiled = torch.compile(ours("grouped_mm"))
    paths = {"grouped_mm": ours("grouped_mm"), "grouped_mm+compile": compiled, "loop": ours("loop"),
             "reference": lambda inp: reference_forward(layer, per_expert, inp)}
    gpu = gpu_name(a.device)
    cfg = SimpleNamespace(n_routed_experts=a.experts, num_experts_per_tok=a.top_k, hidden_size=a.hidden,
                          moe_intermediate_size=a.moe_inter)
    roof = {p: expert_traffic(cfg, a.tokens, r).seconds(gpu) * 1e3 if gpu else None
            for p, r in (("grouped_mm", "grouped_mm"), ("grouped_mm+compile", "grouped_mm"), ("loop", "loop"),
                         ("reference", "reference"))}
    times: dict[str, list[float]] = {p: [] for p in paths}
    peaks: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for rnd in range(a.rounds + 1):                       # round 0: warm-up (compile, lazy init)
        for name, fn in paths.items():
            if name in errors:
                continue
            try:
                layer.zero_grad(set_to_none=True)
                per_expert.zero_grad(set_to_none=True)
                if a.device.startswith("cuda"):
                    torch.cuda.reset_peak_memory_stats()
                    base = torch.cuda.memory_allocated()
                sync(a.device)
                t = time.perf_counter()
                xi = x.detach().requires_grad_()
                y, aux = fn(xi)
                (y.float() * grad).sum().add(aux).backward()
                sync(a.device)
                if rnd:
                    times[name].append((time.perf_counter() - t) * 1e3)
                if a.device.startswith("cuda"):
                    peaks[name] = (torch.cuda.max_memory_allocated() - base) / 2**30
            except Exception as e:                           # one broken path must not hide the others
                errors[name] = f"{type(e).__name__}: {str(e).splitlines()[0][:90]}"
    ref = min(times["reference"]) if times["reference"] else None
    rows = [f"MoE layer: {a.experts} experts top-{a.top_k} + 2 shared, hidden {a.hidden}, expert width "
            f"{a.moe_inter}, {a.tokens} tokens, {a.dtype}, forward+backward, {a.rounds} rounds",
            f"  {'path':<20}{'ms (min-max)':>18}{'vs reference':>14}{'peak GiB':>10}{'roofline ms':>13}"]
    for name in paths:
        if name in errors:
            rows.append(f"  {name:<20}FAILED {errors[name]}")
            continue
        ts = times[name]
        vs = f"{ref / min(ts):.2f}x" if ref else "-"
        peak = f"{peaks[name]:.1f}" if name in peaks else "-"
        rf = f"{roof[name]:.2f}" if roof[name] is not None else "-"
        rows.append(f"  {name:<20}{f'{min(ts):.1f}-{max(ts):.1f}':>18}{vs:>14}{peak:>10}{rf:>13}")
    return rows


# ---------------------------------------------------------------------------------------------
# 2. pretraining through jobs/pretrain.py
# ---------------------------------------------------------------------------------------------


def parse_runs(spec: str) -> list[tuple[bool, int]]:
    """``--runs off,on,on:8`` -> [(compile, micro-batches per optimizer step)]."""
    runs = []
    for item in filter(None, (x.strip() for x in spec.split(","))):
        mode, _, accum = item.partition(":")
        if mode not in ("off", "on") or not (accum or "1").isdigit() or int(accum or 1) < 1:
            raise SystemExit(f"--runs: {item!r} is not off|on[:N] (N micro-batches per optimizer step)")
        runs.append((mode == "on", int(accum or 1)))
    return runs


def pretrain_overrides(a, compile_on: bool, deepspeed: bool, accum: int = 1) -> list[str]:
    ov = [f"data.index={FIXTURE}", "data.eval_samples=0", "plan.seed=0",
          'plan.stages=[{name: check, sources: {"*": 1.0}, tokens: null}]', "schedule.warmup_steps=10",
          f"train.global_batch_size={a.micro_batch * accum}", f"train.micro_batch_size={a.micro_batch}",
          f"train.max_steps={a.steps}", f"train.log_every={a.log_every}", "train.eval_every=0",
          "train.save_every=1000000", "train.save_final=false", f"train.torch_compile={str(compile_on).lower()}",
          f"train.deepspeed={str(deepspeed).lower()}", "job.nodes=1", "job.tasks_per_node=1",
          f"data.num_workers={0 if a.tiny else 2}"]
    if a.tiny:
        ov += [f"model.{m}" for m in TINY_MODEL] + ["train.precision=fp32", "train.gradient_checkpointing=false"]
    return ov


def read_tb(run_dir: Path) -> dict:
    """Scalars of the run, read with tensorboard's own EventAccumulator: {tag: [(step, wall_time, value)]}."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0})
    acc.Reload()
    return {t: [(e.step, e.wall_time, e.value) for e in acc.Scalars(t)] for t in acc.Tags().get("scalars", [])}


def pretrain_row(a, compile_on: bool, deepspeed: bool, logs: Path, accum: int = 1) -> str:
    name = f"gpu-check-compile-{'on' if compile_on else 'off'}-accum-{accum}"
    cmd = [sys.executable, str(REPO / "jobs" / "pretrain.py"), "--recipe", "jiniac-5b", "--cluster", "local",
           "--run-name", name]
    for o in pretrain_overrides(a, compile_on, deepspeed, accum):
        cmd += ["--set", o]
    env = dict(os.environ, JINIAC_LOGS=str(logs), PYTHONPATH=f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    if a.device == "cuda":
        env["CUDA_VISIBLE_DEVICES"] = env.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0]   # one GPU, one rank
    t = time.perf_counter()
    label = f"  {('on' if compile_on else 'off') + (f' x{accum}' if accum > 1 else ''):<9}"
    # Its own process group: on timeout the launcher and the training process it started both go,
    # so the next run gets the whole GPU.
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=a.pretrain_timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"{label}FAILED: no result within --pretrain-timeout {a.pretrain_timeout} s"
    r = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    wall = time.perf_counter() - t
    run_dir = logs / "pretrain" / name
    tb = read_tb(run_dir) if (run_dir / "tensorboard").exists() else {}
    losses = tb.get("train/loss", [])
    if r.returncode != 0 or not losses or losses[-1][0] != a.steps:
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"{label}FAILED (rc {r.returncode}, last step {losses[-1][0] if losses else '-'}): {tail[0][:110]}"
    cfg = load_model_recipe("jiniac-5b", TINY_MODEL if a.tiny else [])
    seq = 4096
    fpt = flops_per_token(cfg, seq)
    (s0, w0, _), (s1, w1, _) = losses[0] if len(losses) < 2 else losses[-2], losses[-1]
    tps = (s1 - s0) * accum * a.micro_batch * seq / max(w1 - w0, 1e-9)       # steps after the first log: warm
    tflops = tps * fpt / 1e12
    tb_tps = tb["perf/tokens_per_s"][-1][2]
    tb_tflops = tb["perf/tflops_per_device"][-1][2]
    peak = GPUS[a.gpu][0] / 1e12 if a.gpu else None
    mfu = f"{tflops / peak:.1%}" if peak else "-"
    tb_mfu = f"{tb_tflops / peak:.1%}" if peak else "-"
    return (f"{label}{tps:>10,.0f}{tflops:>9.1f}{mfu:>7} |{tb_tps:>10,.0f}{tb_tflops:>9.1f}{tb_mfu:>7} |"
            f"{losses[0][2]:>7.2f} -> {losses[-1][2]:<6.2f}{wall:>7.0f}")


# ---------------------------------------------------------------------------------------------
# 3. one training step, phase by phase
# ---------------------------------------------------------------------------------------------


def breakdown_rows(a, deepspeed: bool) -> list[str]:
    """Forward, backward and optimizer step of one micro-batch, each timed alone (synchronised).

    The model, precision, gradient checkpointing and DeepSpeed config are the pretraining run's
    (:func:`jiniac_hpc.train.run.deepspeed_config`, fused AdamW as the Trainer picks on a GPU), built
    here in-process so each phase can be fenced; the sum against the pretraining rows' step time
    is what the Trainer, data loader and logging add."""
    from jiniac_hpc.data.dataset import PackedDataset
    from jiniac_hpc.model import build_model
    from jiniac_hpc.train.run import deepspeed_config

    cuda = a.device.startswith("cuda")
    cfg = load_model_recipe("jiniac-5b", TINY_MODEL if a.tiny else [])
    model = build_model(cfg, dtype="float32" if a.tiny else "bfloat16", device=a.device)
    model.gradient_checkpointing_enable()
    model.train()
    data = PackedDataset(FIXTURE, "train")
    batch = {k: torch.stack([data[i][k] for i in range(a.micro_batch)]).to(a.device) for k in ("input_ids", "labels")}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=cuda)
    if deepspeed:
        if not cuda:
            os.environ.setdefault("DS_ACCELERATOR", "cpu")
        import deepspeed as ds

        from jiniac_hpc.job.distributed import single_process_env

        single_process_env()
        if not torch.distributed.is_initialized():     # on CPU through gloo, as the tests' DeepSpeed runs
            torch.distributed.init_process_group("nccl" if cuda else "gloo")
        conf = deepspeed_config(1, "fp32" if a.tiny else "bf16", cuda, global_batch=a.micro_batch,
                                micro_batch=a.micro_batch, grad_accum=1, grad_clip=1.0)
        engine, *_ = ds.initialize(model=model, optimizer=opt, config=conf)
        forward, backward, step = (lambda: engine(**batch).loss), engine.backward, engine.step
    else:
        def forward():
            return model(**batch).loss

        def backward(loss):
            loss.backward()

        def step():
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)

    phases: dict[str, list[float]] = {"forward": [], "backward": [], "optimizer step": []}
    for rnd in range(a.rounds + 1):                       # round 0: warm-up (optimizer states, kernels)
        sync(a.device)
        t0 = time.perf_counter()
        loss = forward()
        sync(a.device)
        t1 = time.perf_counter()
        backward(loss)
        sync(a.device)
        t2 = time.perf_counter()
        step()
        sync(a.device)
        t3 = time.perf_counter()
        if rnd:
            for name, dt in zip(phases, (t1 - t0, t2 - t1, t3 - t2)):
                phases[name].append(dt * 1e3)
    total = [sum(ts) for ts in zip(*phases.values())]
    seq = batch["input_ids"].shape[1]
    tokens = a.micro_batch * seq
    tflops = tokens * flops_per_token(cfg, seq) / (min(total) / 1e3) / 1e12
    peak = GPUS[a.gpu][0] / 1e12 if a.gpu else None
    rows = [f"one step by phase: micro-batch {a.micro_batch} x {seq} real tokens, compile off, gradient checkpointing, "
            f"{'DeepSpeed ZeRO-1 engine' if deepspeed else 'plain AdamW'}; ms min-max over {a.rounds} rounds"]
    share = {name: statistics.median(ts) / statistics.median(total) for name, ts in phases.items()}
    for name, ts in phases.items():
        rows.append(f"  {name:<16}{f'{min(ts):.1f}-{max(ts):.1f}':>16}{share[name]:>7.0%}")
    rows.append(f"  {'total':<16}{f'{min(total):.1f}-{max(total):.1f}':>16}   best: {tokens / (min(total) / 1e3):,.0f} "
                f"tokens/s, {tflops:.1f} TFLOP/s" + (f", MFU {tflops / peak:.1%}" if peak else ""))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="toy sizes on CPU (the test)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--runs", default="off,on,on:8", help="pretraining runs: torch.compile off|on, each with "
                    ":N micro-batches per optimizer step (default 1)")
    ap.add_argument("--skip-layer", action="store_true")
    ap.add_argument("--skip-pretrain", action="store_true")
    ap.add_argument("--skip-breakdown", action="store_true")
    ap.add_argument("--pretrain-timeout", type=int, default=300, help="seconds for each pretraining run")
    ap.add_argument("--keep-logs", metavar="DIR", help="write the runs' directories (job logs, TensorBoard) here "
                    "instead of a temporary directory")
    a = ap.parse_args(argv)
    runs = parse_runs(a.runs)                            # a typo fails here, not after the layer timings
    a.device = "cpu" if a.tiny or not torch.cuda.is_available() else "cuda"
    full = load_model_recipe("jiniac-5b")
    a.hidden, a.moe_inter, a.experts, a.top_k = (full.hidden_size, full.moe_intermediate_size,
                                                 full.n_routed_experts, full.num_experts_per_tok)
    a.tokens, a.micro_batch, a.log_every, a.dtype = 2 * 4096, 2, 10, "bfloat16"
    if a.tiny:
        a.hidden, a.moe_inter, a.experts, a.top_k, a.tokens = 64, 32, 8, 2, 512
        a.rounds, a.steps, a.micro_batch, a.log_every, a.dtype = 2, min(a.steps, 4), 1, 2, "float32"
    a.gpu = gpu_name(a.device)
    dev = torch.cuda.get_device_name() if a.device == "cuda" else "CPU"
    mem = torch.cuda.get_device_properties(0).total_memory / 2**30 if a.device == "cuda" else 0.0
    deepspeed = a.device == "cuda" and mem >= 120
    import transformers

    print(f"GPU check {datetime.date.today()} on {dev}{f' ({mem:.0f} GiB)' if mem else ''}: torch {torch.__version__}, "
          f"transformers {transformers.__version__}{', TINY sizes' if a.tiny else ''}", flush=True)
    if not a.skip_layer:
        print("\n".join(moe_layer_rows(a)), flush=True)
        if a.device == "cuda":
            torch.cuda.empty_cache()      # the training runs in a child process: hand the memory back
    if not a.skip_pretrain:
        layers = 2 if a.tiny else full.num_hidden_layers
        print(f"pretraining: jobs/pretrain.py --recipe jiniac-5b --cluster local, {layers} layers, seq 4096, "
              f"micro-batch {a.micro_batch}, {'fp32' if a.tiny else 'bf16'}, 1 {'GPU' if a.device == 'cuda' else 'CPU rank'}, "
              f"{'DeepSpeed ZeRO-1' if deepspeed else 'no DeepSpeed'}, {a.steps} optimizer steps (xN: N micro-batches "
              f"each); rates over steps {a.steps - a.log_every}->{a.steps}", flush=True)
        print(f"  {'compile':<9}{'tokens/s':>10}{'TFLOP/s':>9}{'MFU':>7} |{'TB tok/s':>10}{'TB TF/s':>9}{'TB MFU':>7} |"
              f"{'loss first -> last':>21}{'wall s':>7}", flush=True)
        with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
            logs = Path(a.keep_logs or tmp)
            for compile_on, accum in runs:
                print(pretrain_row(a, compile_on, deepspeed, logs, accum), flush=True)
    if not a.skip_breakdown:     # last: in-process, it holds the GPU's memory until the check ends
        try:
            # --tiny takes DeepSpeed's path on CPU too, so the test covers the GPU's code
            print("\n".join(breakdown_rows(a, deepspeed or a.tiny)), flush=True)
        except Exception as e:
            print(f"one step by phase: FAILED {type(e).__name__}: {str(e).splitlines()[0][:110]}", flush=True)


if __name__ == "__main__":
    main()
