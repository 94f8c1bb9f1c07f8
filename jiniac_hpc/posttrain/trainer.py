"""Trainer plumbing shared by SFT and DPO jobs (heavy: imports torch/transformers).

- :func:`resolve_model_path` turns a recipe's ``model_path`` (a model folder, a pretraining
  ``checkpoints/`` folder, or its ``latest`` pointer file) into a ``from_pretrained`` folder;
- :func:`trainer_args` maps :class:`~jiniac_hpc.train.sft_config.PostTrainSection` onto
  TRL/HF Trainer arguments (DeepSpeed ZeRO config, CPU/gloo, TensorBoard);
- :func:`write_checkpoint_list` writes ``checkpoints.json``, the list the eval sweep takes;
- :func:`save_final` writes the final model + tokenizer atomically, then its ``.done`` marker.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Optional

from jiniac_hpc.config import ConfigError
from jiniac_hpc.job.distributed import single_process_env
from jiniac_hpc.paths import resolve_path
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


def model_and_tokenizer(model_path: str, tokenizer_path: Optional[str], chat_template: str, chat) -> tuple[Path, Any]:
    """The run's model folder and its tokenizer (``tokenizer_path``, else the model's own), with the
    chat template installed: the one way SFT, DPO and dpo-data load them."""
    from jiniac_hpc.posttrain.encode import load_tokenizer

    model_dir = resolve_model_path(model_path)
    tok = load_tokenizer(str(resolve_path(tokenizer_path) if tokenizer_path else model_dir), chat_template, chat)
    return model_dir, tok


def check_tokenizer(tokenizer_path: Optional[str], model_dir: Path) -> Path:
    """The tokenizer folder a run will load; ConfigError naming ``tokenizer_path`` if missing."""
    if tokenizer_path:
        p = resolve_path(tokenizer_path)
        if not (p / "tokenizer_config.json").is_file():
            raise ConfigError(f"tokenizer_path: {tokenizer_path} is not an HF tokenizer folder ({p} has no "
                              f"tokenizer_config.json; run the tokenizer stage first?)")
        return p
    if not (model_dir / "tokenizer_config.json").is_file():
        raise ConfigError(f"tokenizer_path: not set, and the model folder {model_dir} holds no tokenizer; set "
                          f"tokenizer_path (e.g. logs/tokenizer/<run>/hf)")
    return model_dir


def on_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


def load_model(path: Path, bf16: bool):
    """AutoModelForCausalLM from ``path`` (our DeepSeekMoE class is registered by importing it)."""
    import torch
    from transformers import AutoModelForCausalLM

    try:
        import jiniac_hpc.model  # noqa: F401  registers DeepseekMoeForCausalLM with the Auto classes
    except ImportError:
        pass
    dtype = torch.bfloat16 if bf16 else torch.float32
    return AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype)


def deepspeed_config(zero_stage: int, bf16: bool) -> Optional[dict]:
    """ZeRO config for HF's DeepSpeed integration ('auto' values are filled in by the Trainer)."""
    if zero_stage == 0:
        return None
    return {
        "zero_optimization": {"stage": zero_stage, "contiguous_gradients": True, "reduce_bucket_size": "auto"},
        "bf16": {"enabled": "auto"},
        "train_micro_batch_size_per_gpu": "auto",
        "gradient_accumulation_steps": "auto",
        "gradient_clipping": "auto",
        "train_batch_size": "auto",
        "zero_allow_untested_optimizer": True,
    }


def trainer_args(train, run_dir: Path, *, has_eval: bool) -> dict[str, Any]:
    """Keyword arguments for trl.SFTConfig / trl.DPOConfig from a PostTrainSection."""
    gpu = on_gpu()
    bf16 = train.bf16
    kw: dict[str, Any] = dict(
        output_dir=str(run_dir / "checkpoints"),
        num_train_epochs=train.epochs,
        max_steps=train.max_steps,
        learning_rate=train.lr,
        lr_scheduler_type=train.lr_scheduler,
        warmup_steps=train.warmup_ratio,
        weight_decay=train.weight_decay,
        max_grad_norm=train.max_grad_norm,
        per_device_train_batch_size=train.micro_batch_size,
        per_device_eval_batch_size=train.micro_batch_size,
        gradient_accumulation_steps=train.grad_accum,
        bf16=bf16,
        gradient_checkpointing=train.gradient_checkpointing,
        save_strategy="no",  # saves come from StepCheckpointCallback + AtomicCheckpointMixin
        logging_steps=train.logging_steps,
        logging_first_step=True,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=(train.eval_steps or train.save_steps) if has_eval else None,
        report_to="none",   # TensorBoardScalars writes stable tags under <run_dir>/tensorboard
        seed=train.seed,
        data_seed=train.seed,
        use_cpu=not gpu,
        ddp_backend=None if gpu else "gloo",
        dataloader_num_workers=0,
        disable_tqdm=True,
        remove_unused_columns=False,
    )
    if train.zero_stage:
        # DeepSpeed as in pretraining, on GPUs (nccl) and on CPU (gloo, DS_ACCELERATOR=cpu).
        if not gpu:
            os.environ.setdefault("DS_ACCELERATOR", "cpu")
        single_process_env()
        kw["deepspeed"] = deepspeed_config(train.zero_stage, bf16)
    return kw


def write_checkpoint_list(run_dir: Path, final: Optional[Path] = None) -> Path:
    """``<run_dir>/checkpoints.json``: every complete ``step-*`` checkpoint (and the final model).

    The eval stage's sweep (``checkpoints: <run_dir>``) evaluates these; JINIAC picked the SFT
    checkpoint with the best AVG_jaster/MT-bench balance out of one every 100 steps.
    """
    root = run_dir / "checkpoints"
    items = []
    for p in ckpt.list_checkpoints(root):
        ok, _ = ckpt.verify(p, deep=False)
        if ok:
            meta = ckpt.read_meta(p)
            items.append({"step": ckpt.step_of(p), "path": str(p), "epoch": meta.get("epoch")})
    data = {"run_dir": str(run_dir), "checkpoints": items, "final": str(final) if final else None}
    out = run_dir / "checkpoints.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(out)
    return out


def save_final(model, tok, out: Path, extra: Optional[dict] = None) -> Path:
    """Save a plain HF model folder atomically (tmp + rename), then ``<out>.done``."""
    tmp = out.with_name(f".tmp-{out.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    tok.save_pretrained(str(tmp))
    if extra:
        (tmp / "jiniac.json").write_text(json.dumps(extra, indent=1, ensure_ascii=False))
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    Path(f"{out}.done").write_text("ok\n")
    return out


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


def make_trainer_class(base, kind: str):
    """``base`` (trl.SFTTrainer / trl.DPOTrainer) with the pretraining's atomic ``step-*`` saves."""
    from jiniac_hpc.train.hf_checkpoint import AtomicCheckpointMixin

    def checkpoint_meta(self) -> dict:
        meta = AtomicCheckpointMixin.checkpoint_meta(self)
        meta.update(stage=kind, epoch=float(self.state.epoch or 0.0),
                    tokens_seen=int(getattr(self.state, "num_input_tokens_seen", 0) or 0))
        return meta

    return type(f"Jiniac{base.__name__}", (AtomicCheckpointMixin, base), {"checkpoint_meta": checkpoint_meta})


def run_trainer(kind: str, cfg, model, tok, train_ds, eval_ds, run_dir: Path, *, rank: int,
                extra_args: Optional[dict] = None) -> dict:
    """Build the TRL trainer (``kind``: sft or dpo), resume, train, handle preemption, export.

    Checkpointing, preemption and TensorBoard are the pretraining's own pieces
    (:mod:`jiniac_hpc.train.hf_checkpoint`, :mod:`jiniac_hpc.train.callbacks`), so an SFT/DPO
    run resumes, requeues and logs exactly like a pretraining run. Returns a summary dict.
    """
    import trl

    from jiniac_hpc.job.distributed import PreemptionGuard
    from jiniac_hpc.train.callbacks import (PreemptionCallback, ProgressLog, StepCheckpointCallback,
                                            TensorBoardScalars, finish_preempted)

    lora_on = kind == "dpo" or cfg.lora.enabled
    resume = resume_path(run_dir, cfg.resume)
    resumed_step = int(ckpt.read_meta(resume)["step"]) if resume else 0
    args_kw = trainer_args(cfg.train, run_dir, has_eval=eval_ds is not None)
    args_kw.update(extra_args or {})
    if kind == "sft":
        args, base = trl.SFTConfig(**args_kw), trl.SFTTrainer
    else:
        args, base = trl.DPOConfig(**args_kw), trl.DPOTrainer

    class Cadence(StepCheckpointCallback):  # the last step of the run is only known once training starts
        def on_step_end(self, args, state, control, **kw):
            self.final_step = state.max_steps
            return super().on_step_end(args, state, control, **kw)

    preempt = PreemptionCallback(PreemptionGuard(set(cfg.train.preempt_at)))
    callbacks = [Cadence(cfg.train.save_steps, 0), preempt,
                 TensorBoardScalars(run_dir / "tensorboard", purge_step=resumed_step + 1 if resume else None),
                 ProgressLog(run_dir)]
    trainer = make_trainer_class(base, kind)(
        model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds, processing_class=tok,
        peft_config=lora_config(cfg.lora) if lora_on else None, callbacks=callbacks)
    trainer.checkpoint_root = run_dir / "checkpoints"
    trainer.keep_last = cfg.train.keep_last or 0   # 0: keep all (the eval sweep chooses among them)
    if lora_on:
        mods = adapted_modules(trainer.model)
        log(f"LoRA on {len(mods)} modules: {', '.join(mods[:6])}{' ...' if len(mods) > 6 else ''}")
        if rank == 0:
            (run_dir / "adapted_modules.json").write_text(json.dumps(mods, indent=0))
    if resume:
        log(f"resuming from {resume} (step {resumed_step})")
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    step = trainer.state.global_step
    if rank == 0:
        write_checkpoint_list(run_dir)
    if preempt.preempted:
        return finish_preempted(preempt, trainer, rank)
    final = run_dir / "model"
    model = trainer.model
    if lora_on:
        model = model.merge_and_unload()  # a plain HF model: no PEFT needed to load or serve it
    if rank == 0:
        save_final(model, tok, final, extra={"stage": kind, "global_step": step, "source_model": cfg.model_path})
        write_checkpoint_list(run_dir, final)
    log(f"{kind} done at step {step}: {final}")
    return {"status": "done", "step": step, "final": str(final), "resumed_from": str(resume) if resume else None}


def resume_path(run_dir: Path, resume: str) -> Optional[Path]:
    """The checkpoint to continue from (``resume: auto`` -> the newest complete one of this run)."""
    return ckpt.find_resume_path(run_dir / "checkpoints", resume)
