"""Typed recipe of the SFT stage (``jiniac_hpc/recipes/sft/*.yaml``), plus sections DPO shares.

    python -c "from jiniac_hpc.launch.runner import launch; launch('sft', 'debug', cluster='local')"

Light module (no torch/transformers): the login node imports it to validate a recipe.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Union

from jiniac_hpc.config import check, field
from jiniac_hpc.cluster import JobConfig
from jiniac_hpc.posttrain.mathfmt import MathFormatConfig
from jiniac_hpc.posttrain.records import FORMATS
from jiniac_hpc.posttrain.templates import ChatFormat


@dataclass
class SFTSource:
    """One source of the SFT mixture."""

    path: str = field(doc="A JSONL file (.jsonl, or compressed: .jsonl.gz/.bz2/.xz/.zst), a .json file of one JSON array, a "
                          ".parquet / .arrow / .csv / .tsv file, a folder of those (a Hub dataset's Parquet "
                          "shards), or a datasets.save_to_disk folder (relative to the repository root, or absolute).")
    format: Literal["auto", "instruction", "chat", "prompt_completion", "math", "sharegpt", "dolly",
                    "llm_jp_text", "oasst", "oasst_all"] = field(
        "auto", doc="Record form; 'auto' decides per record from its keys (see jiniac_hpc.posttrain.records); "
                    "'sharegpt' (conversations of from/value), 'dolly' (instruction/context/response) and "
                    "'llm_jp_text' (llm-jp-sft's {text}, answer after the last '### 応答:') are mapped to chat, "
                    "instruction and prompt/completion records; 'oasst' (OpenAssistant message rows or trees, "
                    "also read by 'auto') gives one conversation per best-ranked path of each tree, 'oasst_all' one per "
                    "path (every reply, whatever its rank).")
    weight: float = field(1.0, doc="Mixture weight: the source contributes round(weight * examples); 1 = once, "
                                   "2 = twice, 0.5 = a random half.")
    name: Optional[str] = field(None, doc="Name in reports; default: the file or folder name.")
    max_examples: Optional[int] = field(None, doc="Read at most this many good examples (None: all).")
    math: Optional[MathFormatConfig] = field(None, doc="Math formatting options for format 'math' records "
                                                       "(None: the defaults).")

    def __post_init__(self):
        check(bool(self.path), "path", "must be set")
        check(self.format in FORMATS, "format", f"must be one of {list(FORMATS)}")
        check(self.weight >= 0, "weight", f"must be >= 0, got {self.weight}")
        check(self.max_examples is None or self.max_examples >= 1, "max_examples", "must be >= 1")


@dataclass
class SFTDataConfig:
    sources: list[SFTSource] = field(doc="The sources and their mixture weights.")
    max_length: int = field(2048, doc="Tokens a sequence; a longer one keeps its start; an example whose "
                                      "prompt alone is this long is bad data.")
    add_bos: bool = field(True, doc="Put the tokenizer's bos (<s>) first in every sequence, as in pretraining.")
    on_bad_record: Literal["skip", "error"] = field(
        "skip", doc="'skip': report bad records (file:line: reason, data_report.json) and train on the rest; "
                    "'error': stop before training when any record is bad.")
    max_bad_fraction: float = field(0.5, doc="Even when skipping, stop if more than this share of records is bad "
                                             "(a broken file should not silently shrink the data).")
    eval_size: int = field(0, doc="Examples of the shuffled mixture held out for the eval loss (0: none).")
    seed: int = field(0, doc="Seed of the mixture sampling and shuffle.")
    chat_template: str = field("auto", doc="'auto': the tokenizer's own chat template, else the builtin one; "
                                           "'builtin': jiniac_hpc.posttrain.templates; or a .jinja file, or a model's "
                                           "tokenizer_config.json / chat_template.json holding one.")
    chat: ChatFormat = field(default_factory=ChatFormat, doc="Markers of the builtin chat template.")

    def __post_init__(self):
        check(bool(self.sources), "sources", "give at least one source")
        check(self.max_length >= 16, "max_length", f"must be >= 16, got {self.max_length}")
        check(0.0 <= self.max_bad_fraction <= 1.0, "max_bad_fraction", "must be in [0, 1]")
        check(self.eval_size >= 0, "eval_size", "must be >= 0")
        check(bool(self.chat_template), "chat_template", "'auto', 'builtin' or a path")


@dataclass
class LoraSection:
    enabled: bool = field(False, doc="Train LoRA adapters instead of all parameters.")
    r: int = field(16, doc="LoRA rank.")
    alpha: int = field(32, doc="LoRA alpha (scale = alpha / r).")
    dropout: float = field(0.0, doc="Dropout on the LoRA input; must be 0 with all-linear on a DeepSeekMoE "
                                    "(PEFT has no dropout for LoRA on the fused expert parameters).")
    target_modules: Union[str, list[str]] = field(
        "all-linear", doc="PEFT target_modules; 'all-linear' reaches attention, the dense and shared MLPs and "
                          "(as PEFT target_parameters) the fused routed experts, never the MoE router.")

    def __post_init__(self):
        check(self.r >= 1, "r", "must be >= 1")
        check(self.alpha >= 1, "alpha", "must be >= 1")
        check(0.0 <= self.dropout < 1.0, "dropout", "must be in [0, 1)")


@dataclass
class PostTrainSection:
    """Optimisation, checkpointing and logging (TRL/HF Trainer arguments under our names)."""

    epochs: float = field(4.0, doc="Passes over the mixture (JINIAC: 4).")
    max_steps: int = field(-1, doc="Stop after this many optimizer steps (-1: from epochs).")
    lr: float = field(2e-5, doc="Peak learning rate.")
    lr_scheduler: str = field("cosine", doc="HF scheduler name: cosine, linear, constant_with_warmup...")
    warmup_ratio: float = field(0.03, doc="Share of the steps spent warming up.")
    weight_decay: float = field(0.0, doc="AdamW weight decay.")
    max_grad_norm: float = field(1.0, doc="Gradient clipping.")
    micro_batch_size: int = field(4, doc="Sequences a device a forward pass.")
    grad_accum: int = field(1, doc="Micro-batches a step; global batch = micro x accum x world size.")
    bf16: bool = field(True, doc="bf16 weights and autocast (the default that avoids JINIAC's NaNs).")
    gradient_checkpointing: bool = field(False, doc="Recompute activations in backward to save memory.")
    zero_stage: int = field(1, doc="DeepSpeed ZeRO stage (1 as in pretraining); 0: plain DDP, no DeepSpeed.")
    save_steps: int = field(100, doc="A checkpoint every N steps (JINIAC: 100; the eval sweep picks one).")
    keep_last: Optional[int] = field(None, doc="Keep only the last k checkpoints (None: all, for the sweep).")
    logging_steps: int = field(10, doc="Log loss/lr/grad-norm to TensorBoard every N steps.")
    eval_steps: Optional[int] = field(None, doc="Eval loss every N steps (needs eval data); None: save_steps.")
    seed: int = field(42, doc="Seed of the Trainer (data order, dropout).")
    preempt_at: list[int] = field(default_factory=list, doc="Fire drill: preempt (checkpoint, requeue) after "
                                                            "these global steps, once each.")

    def __post_init__(self):
        check(self.epochs > 0, "epochs", "must be > 0")
        check(self.max_steps == -1 or self.max_steps >= 1, "max_steps", "must be -1 or >= 1")
        check(self.lr > 0, "lr", "must be > 0")
        check(0.0 <= self.warmup_ratio < 1.0, "warmup_ratio", "must be in [0, 1)")
        check(self.micro_batch_size >= 1, "micro_batch_size", "must be >= 1")
        check(self.grad_accum >= 1, "grad_accum", "must be >= 1")
        check(self.zero_stage in (0, 1, 2, 3), "zero_stage", "must be 0, 1, 2 or 3")
        check(self.save_steps >= 1, "save_steps", "must be >= 1")
        check(self.keep_last is None or self.keep_last >= 1, "keep_last", "must be >= 1")
        check(self.logging_steps >= 1, "logging_steps", "must be >= 1")
        check(all(s >= 1 for s in self.preempt_at), "preempt_at", "steps must be >= 1")


@dataclass
class SFTConfig:
    """The sft stage: full-parameter (or LoRA) SFT with TRL's SFTTrainer."""

    model_path: str = field(doc="HF from_pretrained folder to start from: the pretraining output "
                                "(logs/pretrain/<run>/checkpoints/latest) or any model folder.")
    data: SFTDataConfig = field(doc="Sources, mixture, templates, bad-data policy.")
    tokenizer_path: Optional[str] = field(None, doc="Tokenizer folder; None: the model folder.")
    train: PostTrainSection = field(default_factory=PostTrainSection, doc="Optimisation and checkpoints.")
    lora: LoraSection = field(default_factory=LoraSection, doc="LoRA instead of full-parameter (off by default).")
    resume: str = field("auto", doc="'auto': continue from the latest complete checkpoint of this run; "
                                    "'never': start over; or a checkpoint folder.")
    job: JobConfig = field(default_factory=lambda: JobConfig(gpus=True), doc="Slurm resources.")

    def __post_init__(self):
        check(bool(self.model_path), "model_path", "must be set")
        check(bool(self.resume), "resume", "'auto', 'never' or a checkpoint path")
