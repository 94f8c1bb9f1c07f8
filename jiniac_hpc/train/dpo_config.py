"""Typed recipes of the ``dpo`` and ``dpo-data`` stages (``jiniac_hpc/recipes/{dpo,dpo-data}/*.yaml``).

    python -c "from jiniac_hpc.launch.runner import launch; launch('dpo-data', 'debug', cluster='local')"
    python -c "from jiniac_hpc.launch.runner import launch; launch('dpo', 'debug', cluster='local')"

Light module (no torch/transformers): the login node imports it to validate a recipe.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from jiniac_hpc.config import check, field
from jiniac_hpc.cluster import JobConfig
from jiniac_hpc.posttrain.templates import ChatFormat
from jiniac_hpc.train.sft_config import LoraSection, PostTrainSection

PromptStyle = Literal["instruction", "chat", "raw"]
_STYLE_DOC = ("How prompts are framed, as the SFT model was tuned: 'instruction' (the llm-jp template, as in SFT), "
              "'chat' (the chat template) or 'raw' (a string prompt used as is). A string 'prompt' is the "
              "instruction, one user turn, or the text itself. A prompt given as messages ('messages', TRL "
              "conversational and UltraFeedback-binarized pairs, ShareGPT pairs, HH-RLHF transcripts, OpenAssistant "
              "ranked replies) keeps its turns under 'chat'; under 'instruction' a single user turn is the "
              "instruction, and a conversation's user turns and the answers between them are '### 指示:' and "
              "'### 応答:' blocks, as llm-jp-dpo frames hh-rlhf-12k-ja (a prompt with a system turn is a bad record, "
              "file:line, with the reason); 'raw' adds no "
              "frame, leaving messages to the chat template. Records with 'instruction' keys always use the "
              "instruction template.")


@dataclass
class DPODataSection:
    path: str = field(doc="prompt/chosen/rejected records: a JSONL file, a .json array, a Parquet or CSV file, or a "
                          "folder of them, e.g. the dpo-data run's pairs.jsonl.")
    prompt_style: PromptStyle = field("instruction", doc=_STYLE_DOC)
    max_length: int = field(1024, doc="Tokens of prompt + answer (TRL cuts longer ones, keeping the start; data_report.json "
                                      "counts them); a pair whose prompt alone is this long is bad data.")
    add_bos: bool = field(True, doc="Start every prompt with the tokenizer's bos, as in SFT.")
    on_bad_record: Literal["skip", "error"] = field("skip", doc="'skip': report (file:line: reason) and go on; "
                                                                "'error': stop before training.")
    max_bad_fraction: float = field(0.5, doc="Even when skipping, stop if more than this share is bad.")
    eval_size: int = field(0, doc="Pairs held out for eval rewards/margins (0: none).")
    seed: int = field(0, doc="Seed of the shuffle before the eval split.")
    chat_template: str = field("auto", doc="'auto' | 'builtin' | a .jinja or tokenizer_config.json path "
                                           "(as in the sft recipe).")
    chat: ChatFormat = field(default_factory=ChatFormat, doc="Markers of the builtin chat template.")

    def __post_init__(self):
        check(bool(self.path), "path", "must be set")
        check(self.max_length >= 16, "max_length", "must be >= 16")
        check(0.0 <= self.max_bad_fraction <= 1.0, "max_bad_fraction", "must be in [0, 1]")
        check(self.eval_size >= 0, "eval_size", "must be >= 0")


def _dpo_train_defaults() -> PostTrainSection:
    return PostTrainSection(epochs=1.0, lr=5e-5, warmup_ratio=0.1, save_steps=50, bf16=True)


@dataclass
class DPOConfig:
    """The dpo stage: TRL DPOTrainer, LoRA on all linear layers, reference = the SFT model."""

    model_path: str = field(doc="The SFT model (logs/sft/<run>/model, or a step-* checkpoint of the sweep).")
    data: DPODataSection = field(doc="Preference pairs.")
    tokenizer_path: Optional[str] = field(None, doc="Tokenizer folder; None: the model folder.")
    beta: float = field(0.5, doc="DPO beta: how far the policy may move from the reference (JINIAC: 0.5).")
    loss_type: str = field("sigmoid", doc="TRL DPO loss: sigmoid (the DPO paper), ipo, hinge, ...")
    lora: LoraSection = field(default_factory=lambda: LoraSection(enabled=True),
                              doc="Adapters; the reference model is the same weights with adapters disabled.")
    train: PostTrainSection = field(default_factory=_dpo_train_defaults, doc="Optimisation and checkpoints.")
    resume: str = field("auto", doc="'auto' | 'never' | a checkpoint folder.")
    job: JobConfig = field(default_factory=lambda: JobConfig(gpus=True), doc="Slurm resources.")

    def __post_init__(self):
        check(bool(self.model_path), "model_path", "must be set")
        check(self.beta > 0, "beta", f"must be > 0, got {self.beta}")
        check(self.lora.enabled, "lora", "DPO trains LoRA adapters (lora.enabled must be true): the reference "
                                         "model is the SFT model with the adapters disabled")


@dataclass
class GenerationSection:
    max_new_tokens: int = field(256, doc="Longest rejected answer, in tokens.")
    do_sample: bool = field(True, doc="Sample (true) or greedy (false).")
    temperature: float = field(1.0, doc="Sampling temperature; higher gives worse, more varied answers.")
    top_p: float = field(0.95, doc="Nucleus sampling mass.")
    repetition_penalty: float = field(1.0, doc="HF repetition_penalty (1.0: off).")
    batch_size: int = field(8, doc="Prompts generated together (left-padded).")
    seed: int = field(0, doc="Seed; chunk i uses seed + i, so a rerun of a chunk gives the same answers.")

    def __post_init__(self):
        check(self.max_new_tokens >= 1, "max_new_tokens", "must be >= 1")
        check(self.temperature > 0, "temperature", "must be > 0")
        check(0 < self.top_p <= 1, "top_p", "must be in (0, 1]")
        check(self.batch_size >= 1, "batch_size", "must be >= 1")


@dataclass
class DPODataConfig:
    """The dpo-data stage: generate the rejected side of DPO pairs with the SFT model (array job)."""

    model_path: str = field(doc="The SFT model that writes the rejected answers.")
    prompts: str = field(doc="JSONL, .json array, Parquet or CSV (file or folder) of prompts with their "
                             "high-quality 'chosen' answers.")
    tokenizer_path: Optional[str] = field(None, doc="Tokenizer folder; None: the model folder.")
    prompt_style: PromptStyle = field("instruction", doc=_STYLE_DOC)
    chunk_size: int = field(256, doc="Prompts a task of the array.")
    max_prompt_length: int = field(1024, doc="A longer prompt (in tokens) is bad data, reported and dropped.")
    add_bos: bool = field(True, doc="Start every prompt with the tokenizer's bos, as in SFT.")
    generation: GenerationSection = field(default_factory=GenerationSection, doc="Sampling of the rejected side.")
    chat_template: str = field("auto", doc="'auto' | 'builtin' | a .jinja or tokenizer_config.json path "
                                           "(as in the sft recipe).")
    chat: ChatFormat = field(default_factory=ChatFormat, doc="Markers of the builtin chat template.")
    device: str = field("auto", doc="'auto' (cuda if present), 'cpu' or 'cuda'.")
    job: JobConfig = field(default_factory=lambda: JobConfig(gpus=True, tasks_per_node=1),
                           doc="Resources of one generation task (one GPU).")

    def __post_init__(self):
        check(bool(self.model_path), "model_path", "must be set")
        check(bool(self.prompts), "prompts", "must be set")
        check(self.chunk_size >= 1, "chunk_size", "must be >= 1")
        check(self.max_prompt_length >= 8, "max_prompt_length", "must be >= 8")
