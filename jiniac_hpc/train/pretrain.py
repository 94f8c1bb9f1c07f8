"""The ``pretrain`` stage: DeepSeekMoE + HF Trainer + DeepSpeed ZeRO-1 over a curriculum plan.

    python jobs/pretrain.py --recipe debug                    # local: 2 CPU ranks (gloo), ~40 steps
    python jobs/pretrain.py --recipe jiniac-5b --nodes 2      # Slurm: 2 nodes x 8 GPUs, one task per GPU
    python -c "from jiniac_hpc.launch.runner import launch; launch('pretrain', 'debug', cluster='local')"
    python jobs/pretrain.py --recipe debug --set train.stage=1   # only up to the end of stage 1, as its own job

``plan`` (login node) checks the data index, the vocabulary and the plan, computes the stage
spans, and returns one distributed :class:`~jiniac_hpc.stages.Step` (done when a complete
checkpoint reaches the job's last step, so raising ``train.max_steps`` trains on). ``train_task``
runs on every rank: it supplies the model, the data (sampler resumed from the checkpoint) and
:class:`~jiniac_hpc.train.trainer.PretrainTrainer` (the loss and its checks) to the run assembly
:mod:`jiniac_hpc.train.run` (DeepSpeed config in ``<run_dir>/deepspeed.json``, callbacks,
TensorBoard, preemption), resumes from ``checkpoints/`` automatically and trains to the end of
the plan, of ``train.stage`` or of ``train.max_steps``.

Run directory: ``config.yaml``, ``deepspeed.json``, ``checkpoints/step-XXXXXXXX/`` (+ ``latest``),
``tensorboard/`` (tags: :mod:`jiniac_hpc.train.metrics`), ``submitit/`` logs.
Outcomes (the task's return value): ``{"status": "complete"|"preempted", ...}``.

Divergence (:class:`~jiniac_hpc.train.trainer.DivergenceError`; the message says what to do):

- a non-finite loss or gradient norm at step k raises ``NonFiniteError`` after saving the last
  good state: global step k-1, its weights and the data position *before* step k's batch, so
  nothing is skipped and the relaunch retrains step k on the same batch (the message names its
  sources and sample indices);
- an update that moves the global weight norm by more than ``train.max_weight_norm_change``
  (an LR far too high: finite, so the checks above only fire a step later) raises without
  saving; the last good state is then the newest checkpoint before it.

Either way, lowering ``schedule.lr`` (or a stage's ``lr_peak``) and relaunching the same
command resumes there with the new LR: the schedule is a function of the config and the
global step only (:class:`~jiniac_hpc.train.plan_lr.PlanLR`).
"""
from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Optional

from jiniac_hpc.config import ConfigError, changed_keys
from jiniac_hpc.paths import rel, resolve_path
from jiniac_hpc.stages import Step, TaskContext
from jiniac_hpc.train import checkpoint as ckpt
from jiniac_hpc.train.config import PretrainConfig
from jiniac_hpc.train.schedule import StageSpan, make_spans

# ---------------------------------------------------------------------------------------------
# Login node
# ---------------------------------------------------------------------------------------------


def read_index(cfg: PretrainConfig) -> tuple[Path, dict]:
    path = resolve_path(cfg.data.index)
    if not path.exists():
        raise ConfigError(f"data.index: {path} does not exist; run jobs/pretokenize.py first "
                          f"(or --set data.index=PATH/index.json)")
    try:
        return path, json.loads(path.read_text())
    except ValueError as e:
        raise ConfigError(f"data.index: {path} is not valid JSON: {e}") from None


def plan_spans(cfg: PretrainConfig, index: dict) -> list[StageSpan]:
    """Stage spans in optimizer steps, without torch (same rule as ``CurriculumSampler.stage_spans``).

    A step belongs to the stage of its first sample; the tail shorter than a global batch is dropped.
    """
    from jiniac_hpc.data.walk import CurriculumWalk

    ranges, start = {}, 0
    for src in sorted(index.get("sources", {})):
        n = int(index["sources"][src]["train"]["seqs"])
        ranges[src] = (start, start + n)
        start += n
    try:
        walk = CurriculumWalk(cfg.plan, ranges, int(index["seq_len"]), cfg.plan.seed)
    except ValueError as e:
        raise ConfigError(f"plan: {e} (data.index = {cfg.data.index})") from None
    g = cfg.train.global_batch_size
    last = walk.total // g
    raw = [(st.name, min(math.ceil(st.start / g), last), min(math.ceil(st.end / g), last)) for st in walk.stages]
    if last == 0:
        raise ConfigError(f"train.global_batch_size: the plan has {walk.total} samples, fewer than one global "
                          f"batch of {g}")
    return make_spans(raw, cfg.plan.stages, cfg.schedule.lr)


def target_step(cfg: PretrainConfig, spans: list[StageSpan]) -> int:
    """The last global step of this job: end of the plan, of ``train.stage``, capped by ``max_steps``."""
    k = cfg.stage_index()
    end = spans[-1].end if k is None else spans[k].end
    return min(end, cfg.train.max_steps) if cfg.train.max_steps else end


def resume_point(cfg: PretrainConfig, run_dir: Path, warn=None) -> Optional[Path]:
    """This run's newest complete checkpoint, else ``train.init_from``'s, else None."""
    init = resolve_path(cfg.train.init_from) if cfg.train.init_from else None
    return ckpt.resume_point(Path(run_dir) / ckpt.CHECKPOINTS, cfg.train.resume, init, warn=warn)


def check_vocab(cfg: PretrainConfig, index: dict, index_path: Path) -> None:
    v = int(index.get("vocab_size", 0))
    if v > cfg.model.vocab_size:
        raise ConfigError(f"model.vocab_size: {cfg.model.vocab_size} is smaller than the tokenizer's {v} "
                          f"({index_path}); --set model.vocab_size={v}")


def plan(cfg: PretrainConfig, run_dir: Path) -> list[Step]:
    index_path, index = read_index(cfg)
    check_vocab(cfg, index, index_path)
    spans = plan_spans(cfg, index)
    end = target_step(cfg, spans)
    notes: list[str] = []
    found = resume_point(cfg, run_dir, warn=notes.append)
    for note in notes:   # e.g. a corrupt newest checkpoint: say so here, not only in the job log
        print(f"[pretrain] warning: {note}; the job resumes from {found or 'scratch'}", file=sys.stderr, flush=True)
    if found is not None and Path(found).parent == Path(run_dir) / ckpt.CHECKPOINTS:
        check_same_model(cfg, Path(run_dir))
    at = ckpt.read_meta(found)["step"] if found else 0
    k = cfg.stage_index()
    if k is not None and at < spans[k].start:
        raise ConfigError(f"train.stage: stage {k} ({spans[k].name}) starts at step {spans[k].start}, but the newest "
                          f"checkpoint is at step {at}; run stage {k - 1} first (or set train.init_from)")
    return [Step("train", "jiniac_hpc.train.pretrain:train_task", tasks=1, distributed=True, done=[at >= end])]


def check_same_model(cfg: PretrainConfig, run_dir: Path) -> None:
    """A run resumes from its own checkpoints: its ``model`` section must be the one they hold (the
    run's ``config.yaml``). Else the job would fail loading them, after its wait in the queue, or a
    finished run would be skipped while its config said it was another model. Checked at plan
    time, on the login node; other keys (the LR, the stage, resources) may change on a resume."""
    changes = changed_keys(cfg, run_dir / "config.yaml")
    diff = [k for k in changes if k.startswith("model.")]
    if diff:
        shown = ", ".join(f"{k} {changes[k][0]!r} -> {changes[k][1]!r}" for k in diff[:4])
        raise ConfigError(f"model: {rel(run_dir)} holds checkpoints of another model ({shown}{', ...' if len(diff) > 4 else ''}"
                          f"; its config.yaml); train this one under its own run name (--run-name NAME), or remove "
                          f"{rel(run_dir)} to start it over")


# ---------------------------------------------------------------------------------------------
# Inside the job (every rank)
# ---------------------------------------------------------------------------------------------


def train_task(cfg: PretrainConfig, ctx: TaskContext) -> dict:
    """One rank of the training job (see the module docstring)."""
    from jiniac_hpc.train.run import TrainingRun

    t = cfg.train
    run = TrainingRun(ctx.run_dir, preempt_at=t.preempt_at, deepspeed=t.deepspeed)

    import torch
    from transformers import TrainingArguments, set_seed

    from jiniac_hpc.data.dataset import PackedDataset
    from jiniac_hpc.data.loader import build_dataloader
    from jiniac_hpc.data.sampler import CurriculumSampler
    from jiniac_hpc.model import build_model, flops_per_token
    from jiniac_hpc.train.trainer import SAMPLER_STATE, IndexedDataset, PretrainTrainer

    run_dir = Path(ctx.run_dir)
    index_path, index = read_index(cfg)
    check_vocab(cfg, index, index_path)
    ga = t.grad_accum(run.world)
    train_ds = IndexedDataset(PackedDataset(index_path, "train"))
    sampler = CurriculumSampler(train_ds, cfg.plan, seed=cfg.plan.seed, rank=run.rank, world_size=run.world,
                                micro_batch_size=t.micro_batch_size, grad_accum=ga)
    spans = make_spans(sampler.stage_spans(), cfg.plan.stages, cfg.schedule.lr)
    end = target_step(cfg, spans)
    resume = resume_point(cfg, run_dir)
    at = ckpt.read_meta(resume)["step"] if resume else 0
    if resume is not None:
        sampler.load_state_dict(json.loads((resume / SAMPLER_STATE).read_text()))
    if run.rank == 0:
        print(f"[jiniac] pretrain: {run.world} rank(s), global batch {t.global_batch_size} = {t.micro_batch_size} x "
              f"{run.world} x {ga}; plan {[(s.name, s.start, s.end) for s in spans]}; this job: steps {at} -> {end}; "
              f"resume from {resume or 'scratch'}", flush=True)
    if at >= end:
        return {"status": "complete", "step": at, "checkpoint": str(resume), "message": "nothing to do"}

    loader = build_dataloader(train_ds, sampler, num_workers=cfg.data.num_workers)
    eval_full = PackedDataset(index_path, "eval")
    eval_ds = torch.utils.data.Subset(eval_full, range(min(cfg.data.eval_samples, len(eval_full))))

    set_seed(t.seed)
    model_dtype = "float32" if t.precision == "fp32" else cfg.model.dtype
    # Built on the rank's device: random initialisation of billions of weights takes minutes on the
    # CPU (normal_ runs on one core there), a moment on a GPU.
    model = build_model(cfg.model, dtype=model_dtype, device=run.device)
    if t.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    seq_len = train_ds.seq_len
    evaluate = t.eval_every > 0 and len(eval_ds) > 0
    args = run.arguments(
        TrainingArguments, precision=t.precision, zero_stage=t.zero_stage if t.deepspeed else None,
        global_batch=t.global_batch_size, per_device_train_batch_size=t.micro_batch_size,
        gradient_accumulation_steps=ga, max_steps=end, learning_rate=cfg.schedule.lr, weight_decay=t.weight_decay,
        adam_beta1=t.adam_beta1, adam_beta2=t.adam_beta2, adam_epsilon=t.adam_eps, max_grad_norm=t.grad_clip,
        logging_steps=t.log_every, eval_steps=t.eval_every if evaluate else None, seed=t.seed,
        ignore_data_skip=True, prediction_loss_only=True, include_num_input_tokens_seen="no",
        torch_compile=t.torch_compile,
        # Trainer's own NaN filter reads the loss every micro-batch (a device sync each on GPU);
        # check_finite already stops on a non-finite loss, once per optimizer step.
        logging_nan_inf_filter=False)
    trainer = run.trainer(
        PretrainTrainer, resume=resume, save_every=t.save_every, final_step=end if t.save_final else float("inf"),
        keep_last=t.keep_last, model=model, args=args, train_dataset=train_ds,
        eval_dataset=eval_ds if evaluate else None, train_loader=loader, spans=spans, schedule_cfg=cfg.schedule,
        flops_per_token=flops_per_token(model.config, seq_len), peak_tflops=ctx.cluster.peak_tflops,
        seq_len=seq_len, tokens_per_step=t.global_batch_size * seq_len, check_finite=t.check_finite,
        max_weight_norm_change=t.max_weight_norm_change, inject_nan_at_step=t.inject_nan_at_step,
        inject_inf_grad_at_step=t.inject_inf_grad_at_step)
    preempted = run.train()
    if preempted:
        return preempted
    if trainer.state.global_step < end:   # never report a short run as complete
        raise RuntimeError(f"the data ran out at global step {trainer.state.global_step}, before this job's last step "
                           f"{end}: the checkpoint's data position ({sampler.position} samples at the end) and its "
                           f"step disagree; resume from an earlier checkpoint (--set train.resume=PATH)")
    return {"status": "complete", "step": trainer.state.global_step, "checkpoint": str(trainer.last_checkpoint)}


def main(argv: Optional[list[str]] = None) -> int:
    """Run one rank of the job directly, e.g. under torchrun (tests, interactive nodes):

        torchrun --nproc_per_node 2 -m jiniac_hpc.train.pretrain debug --run-dir /tmp/run --set train.max_steps=10
    """
    import argparse

    from jiniac_hpc.config import dump_yaml, load_recipe
    from jiniac_hpc.cluster import load_cluster
    from jiniac_hpc.job.distributed import end_task

    ap = argparse.ArgumentParser(description="one rank of the pretrain stage (see the module docstring)")
    ap.add_argument("recipe")
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--cluster", default="local", help="profile for peak_tflops (MFU)")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    a = ap.parse_args(argv)
    cfg = load_recipe("pretrain", PretrainConfig, a.recipe, a.overrides)
    run_dir = Path(a.run_dir)
    plan(cfg, run_dir)                               # the login-node checks, here too
    if int(os.environ.get("RANK", 0)) == 0:
        dump_yaml(cfg, run_dir / "config.yaml")
    ctx = TaskContext("pretrain", "train", run_dir, 0, 1, load_cluster(a.cluster))
    finished = False
    try:
        result = train_task(cfg, ctx)
        finished = result.get("status") != "preempted"
    finally:
        end_task(succeeded=finished)
    # One write of the whole line: under torchrun every rank shares the pipe, and print()'s
    # separate write of "\n" (unbuffered stdout) let another rank's line land in between.
    sys.stdout.write(f"[jiniac] result {json.dumps(result)}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
