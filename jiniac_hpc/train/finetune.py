"""What SFT and DPO share on top of :mod:`jiniac_hpc.train.run`: the start model, LoRA, the export.

    python -c "from jiniac_hpc.launch.runner import launch; launch('sft', 'debug', cluster='local')"

- :func:`resolve_model_path` / :func:`check_tokenizer` (login node, no torch): a recipe's
  ``model_path`` (a model folder, a pretraining ``checkpoints/`` folder or its ``latest``
  pointer) as a ``from_pretrained`` folder, and the tokenizer folder a run will load (its ids
  within the model's embedding, :mod:`jiniac_hpc.tokenizer.folder`);
- :func:`model_and_tokenizer`: the start model's folder and tokenizer (the model itself goes
  through :func:`jiniac_hpc.model.load.load_model`, the one door);
- :func:`lora_config`, :func:`adapted_modules`: PEFT LoRA, including the fused routed experts;
- :func:`train_task` (one rank of an SFT/DPO job; the stage gives its data builder) and
  :func:`finetune`: TRL's trainer for the stage (its loss) in the shared run assembly, trained,
  then exported as ``<run_dir>/model`` (LoRA merged) with ``checkpoints.json`` for the eval sweep.

Light at import time; torch, transformers, trl and peft are imported inside the job functions.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError
from jiniac_hpc.model.load import load_model, save_model
from jiniac_hpc.paths import resolve_path
from jiniac_hpc.tokenizer.folder import check_fits
from jiniac_hpc.train import checkpoint as ckpt


def resolve_model_path(model_path: str, key: str = "model_path") -> Path:
    """A ``from_pretrained`` folder for ``model_path``; ConfigError naming ``key`` if there is none."""
    p = resolve_path(model_path)
    if p.is_file() and p.name == ckpt.LATEST:      # logs/pretrain/<run>/checkpoints/latest
        target = ckpt.latest_pointer(p.parent)
        if target is None or not target.is_dir():
            raise ConfigError(f"{key}: {model_path} points at {target}, which does not exist")
        p = target
    elif p.is_dir() and not (p / "config.json").exists() and ckpt.list_checkpoints(p):
        found = ckpt.find_resume_path(p, "auto")   # a checkpoints/ folder: its newest complete one
        if found is None:
            raise ConfigError(f"{key}: {model_path} has no complete step-* checkpoint")
        p = found
    if not (p / "config.json").is_file():
        parts = Path(model_path).parts
        hint = (f" (run launch({parts[1]!r}, {parts[2]!r}) first, or point {key} at any HF model folder)"
                if len(parts) > 2 and parts[0] == "logs" else "")
        raise ConfigError(f"{key}: {model_path} is not a from_pretrained model folder: "
                          f"{p} has no config.json{hint}")
    return p


def check_tokenizer(tokenizer_path: Optional[str], model_dir: Path) -> Path:
    """The tokenizer folder a run will load; ConfigError naming ``tokenizer_path`` if missing, or if
    its token ids do not fit the model's embedding (a user's own tokenizer that is not the model's:
    the job would load everything and then fail on the first out-of-range id)."""
    if tokenizer_path:
        p = resolve_path(tokenizer_path)
        if not (p / "tokenizer_config.json").is_file():
            raise ConfigError(f"tokenizer_path: {tokenizer_path} is not an HF tokenizer folder ({p} has no "
                              f"tokenizer_config.json; run the tokenizer stage first?)")
    elif not (model_dir / "tokenizer_config.json").is_file():
        raise ConfigError(f"tokenizer_path: not set, and the model folder {model_dir} holds no tokenizer; set "
                          f"tokenizer_path (e.g. logs/tokenizer/<run>/hf)")
    else:
        p = model_dir
    check_fits(p, model_dir, "tokenizer_path")
    return p


def model_and_tokenizer(model_path: str, tokenizer_path: Optional[str], chat_template: str, chat) -> tuple[Path, Any]:
    """The run's model folder and its tokenizer (``tokenizer_path``, else the model's own), with the
    chat template installed: the one way SFT, DPO and dpo-data load them."""
    from jiniac_hpc.posttrain.encode import load_tokenizer

    model_dir = resolve_model_path(model_path)
    tok = load_tokenizer(str(resolve_path(tokenizer_path) if tokenizer_path else model_dir), chat_template, chat)
    return model_dir, tok


def log(msg: str) -> None:
    print(f"[jiniac] {msg}", file=sys.stderr, flush=True)


def lora_config(lora):
    """PEFT LoraConfig from a LoraSection (task: causal LM).

    ``all-linear`` also targets the fused routed-expert parameters (PEFT ``target_parameters``;
    they are linear maps but not ``nn.Linear`` modules); a model without them only gets PEFT's
    warning that nothing matched. The router is a bare parameter and is never targeted.
    """
    from peft import LoraConfig

    from jiniac_hpc.model.moe import EXPERT_PARAMETERS

    params = list(EXPERT_PARAMETERS) if lora.target_modules == "all-linear" else None
    if params and lora.dropout:
        raise ConfigError(f"lora.dropout: {lora.dropout} with target_modules all-linear; PEFT cannot apply dropout "
                          "to LoRA on the fused expert parameters, set lora.dropout=0")
    return LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                      target_modules=lora.target_modules, target_parameters=params, task_type="CAUSAL_LM")


def adapted_modules(model) -> list[str]:
    """What carries a LoRA adapter: modules (``...q_proj``) and fused parameters
    (``...mlp.experts.gate_up_proj``; PEFT nests one wrapper per parameter under ``base_layer``)."""
    from peft.tuners.lora import LoraLayer, ParamWrapper

    names = set()
    for n, m in model.named_modules():
        if isinstance(m, LoraLayer):
            n = n.replace(".base_layer", "")
            names.add(f"{n}.{m.parameter_name}" if isinstance(m, ParamWrapper) else n)
    return sorted(n.replace("base_model.model.", "", 1) for n in names)


def _atomic_trainer_class(base, kind: str):
    """``base`` (trl.SFTTrainer / trl.DPOTrainer) with the pretraining's atomic ``step-*`` saves."""
    from jiniac_hpc.train.hf_checkpoint import AtomicCheckpointMixin

    def checkpoint_meta(self) -> dict:
        meta = AtomicCheckpointMixin.checkpoint_meta(self)
        meta.update(stage=kind, epoch=float(self.state.epoch or 0.0),
                    tokens_seen=int(getattr(self.state, "num_input_tokens_seen", 0) or 0))
        return meta

    return type(f"Jiniac{base.__name__}", (AtomicCheckpointMixin, base), {"checkpoint_meta": checkpoint_meta})


def train_task(kind: str, cfg, ctx, build_dataset, *, extra_args: Optional[dict] = None) -> dict:
    """One rank of an SFT or DPO job: the run assembly, the start model, the data from
    ``build_dataset(cfg.data, tok, run_dir, is_main=...)``, then :func:`finetune`."""
    from jiniac_hpc.train.run import TrainingRun

    run = TrainingRun(ctx.run_dir, preempt_at=cfg.train.preempt_at, deepspeed=cfg.train.zero_stage > 0)
    model_dir, tok = model_and_tokenizer(cfg.model_path, cfg.tokenizer_path, cfg.data.chat_template, cfg.data.chat)
    train_ds, eval_ds, _ = build_dataset(cfg.data, tok, run.run_dir, is_main=run.rank == 0)
    log(f"{kind} data: {len(train_ds)} train / {len(eval_ds) if eval_ds else 0} eval examples "
        f"(counts and bad records: {run.run_dir / 'data_report.json'})")
    # On the CPU: the Trainer (or DeepSpeed) places it on this rank's device.
    model = load_model(model_dir, "bfloat16" if cfg.train.bf16 else "float32", device="cpu")
    return finetune(run, kind, cfg, model, tok, train_ds, eval_ds, extra_args=extra_args)


def finetune(run, kind: str, cfg, model, tok, train_ds, eval_ds, *, extra_args: Optional[dict] = None) -> dict:
    """Train ``model`` with TRL's trainer for ``kind`` (sft or dpo) in the run assembly ``run``
    (a :class:`~jiniac_hpc.train.run.TrainingRun`), then export ``<run_dir>/model``.

    Returns the task's outcome: ``{"status": "done", "step", "final", "resumed_from"}`` (the
    executor's completion marker holds it), or the preemption outcome.
    """
    import trl

    run_dir, t = run.run_dir, cfg.train
    lora_on = kind == "dpo" or cfg.lora.enabled
    resume = ckpt.resume_point(run_dir / ckpt.CHECKPOINTS, cfg.resume)
    args_cls, base = (trl.SFTConfig, trl.SFTTrainer) if kind == "sft" else (trl.DPOConfig, trl.DPOTrainer)
    args = run.arguments(
        args_cls, precision="bf16" if t.bf16 else "fp32", zero_stage=t.zero_stage or None,
        per_device_train_batch_size=t.micro_batch_size, gradient_accumulation_steps=t.grad_accum,
        num_train_epochs=t.epochs, max_steps=t.max_steps, learning_rate=t.lr, lr_scheduler_type=t.lr_scheduler,
        warmup_steps=t.warmup_ratio, weight_decay=t.weight_decay, max_grad_norm=t.max_grad_norm,
        activation_checkpointing=t.gradient_checkpointing, logging_steps=t.logging_steps, logging_first_step=True,
        eval_steps=(t.eval_steps or t.save_steps) if eval_ds is not None else None, seed=t.seed, data_seed=t.seed,
        **(extra_args or {}))
    trainer = run.trainer(
        _atomic_trainer_class(base, kind), resume=resume, save_every=t.save_steps,
        keep_last=t.keep_last or 0,   # 0: keep all (the eval sweep chooses among them)
        model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds, processing_class=tok,
        peft_config=lora_config(cfg.lora) if lora_on else None)
    if lora_on:
        mods = adapted_modules(trainer.model)
        log(f"LoRA on {len(mods)} modules: {', '.join(mods[:6])}{' ...' if len(mods) > 6 else ''}")
        if run.rank == 0:
            fileio.write_json(run_dir / "adapted_modules.json", mods, indent=0)
    if resume:
        log(f"resuming from {resume} (step {ckpt.read_meta(resume)['step']})")
    preempted = run.train()
    step = trainer.state.global_step
    if run.rank == 0:
        ckpt.write_list(run_dir)
    if preempted:
        return preempted
    final = run_dir / "model"
    model = trainer.model
    if lora_on:
        model = model.merge_and_unload()  # a plain HF model: no PEFT needed to load or serve it
    if run.rank == 0:
        save_model(model, final, tok, {"stage": kind, "global_step": step, "source_model": cfg.model_path})
        ckpt.write_list(run_dir, final)
    log(f"{kind} done at step {step}: {final}")
    return {"status": "done", "step": step, "final": str(final), "resumed_from": str(resume) if resume else None}
