"""The pipeline's stages, by name, and the contract each stage implements.

A stage is a recipe config class plus a ``plan`` function. ``plan(cfg, run_dir)`` runs on the
login node: it validates inputs (a missing data path fails here, before anything is
submitted) and returns the ordered :class:`Step` list. Each step is one Slurm job: a single
task, an array (one task per shard, datatrove-style), or a distributed job (nodes x one
task per GPU). Steps run one after the other (``afterok``); a step or array task whose
completion marker exists is not submitted again.

Modules named here are imported lazily: the login node imports only config modules, never
torch or transformers. A stage with ``plan=None`` is a registered name whose implementation
has not landed; launching it is an error, not a fake run. This module is the contract only:
the launcher (:mod:`jiniac_hpc.launch`) submits steps, and :mod:`jiniac_hpc.job` runs them.
"""
from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import submitit

from jiniac_hpc import fileio
from jiniac_hpc.cluster import ClusterProfile, JobConfig
from jiniac_hpc.config import load_recipe


@dataclass(frozen=True)
class Stage:
    name: str
    config: str                 # "module:Class", a dataclass Config with a `job: JobConfig` field
    plan: Optional[str]         # "module:function" (cfg, run_dir) -> list[Step]; None: not implemented yet
    help: str
    # Stages that are one distributed job name that step here, so `--dry-run` can render the
    # script (and the templates can exist) before the stage's inputs do.
    job_step: Optional[str] = None
    # "module:function" (run_dir) -> a one-line outcome of a finished run, printed when the run
    # ended inside the launching command (the local backend); None: the logs say it
    verdict: Optional[str] = None


@dataclass
class Step:
    """One Slurm job of a stage."""

    name: str
    fn: str                                  # "module:function", called as fn(cfg, ctx: TaskContext)
    tasks: int = 1                           # > 1: a job array, one task per index
    distributed: bool = False                # multi-node, one task per GPU, torch.distributed env exported
    done: list[bool] = field(default_factory=list)   # per task: complete already -> skipped; empty: the
                                                     # launcher reads the executor's markers
    job: Optional[JobConfig] = None          # resources for this step; default: the recipe's `job`
    job_keys: dict[str, str] = field(default_factory=dict)   # JobConfig field -> the recipe key setting it,
                                                              # when not job.<field> (for pre-flight errors)

    def __post_init__(self):
        if self.done and len(self.done) != self.tasks:
            raise ValueError(f"step {self.name}: done has {len(self.done)} entries for {self.tasks} tasks")

    @property
    def missing(self) -> list[int]:
        return [i for i, d in enumerate(self.done or [False] * self.tasks) if not d]

    def read_markers(self, run_dir: Path, digest: str) -> None:
        """Fill ``done`` from the executor's markers, unless the plan set it."""
        if not self.done:
            self.done = [fileio.is_done(run_dir, self.name, i, digest) for i in range(self.tasks)]


@dataclass
class TaskContext:
    """What a step function knows about where it runs."""

    stage: str
    step: str
    run_dir: Path
    task: int
    num_tasks: int
    cluster: ClusterProfile

    @property
    def rank(self) -> int:
        """Global rank inside a distributed step (0 for single tasks)."""
        try:
            return submitit.JobEnvironment().global_rank
        except RuntimeError:
            return 0


STAGES: dict[str, Stage] = {s.name: s for s in [
    Stage("corpus", "jiniac_hpc.corpus.config:CorpusConfig", "jiniac_hpc.corpus.stage:plan",
          "Build clean, deduplicated text shards from raw sources (array jobs)."),
    Stage("tokenizer", "jiniac_hpc.tokenizer.config:TokenizerConfig", "jiniac_hpc.tokenizer.stage:plan",
          "Train per-language sentencepiece models and merge them (array + dependent merge)."),
    Stage("pretokenize", "jiniac_hpc.data.config:TokenizeConfig", "jiniac_hpc.data.pretokenize:plan",
          "Pre-tokenize corpus shards into packed HDF5 token shards (CPU array job)."),
    Stage("pretrain", "jiniac_hpc.train.config:PretrainConfig", "jiniac_hpc.train.pretrain:plan",
          "DeepSeekMoE pretraining with DeepSpeed ZeRO-1 over a curriculum plan (multi-node).", job_step="train"),
    Stage("sft", "jiniac_hpc.train.sft_config:SFTConfig", "jiniac_hpc.train.sft:plan",
          "Full-parameter supervised fine-tuning with TRL (multi-node).", job_step="train"),
    Stage("dpo-data", "jiniac_hpc.train.dpo_config:DPODataConfig", "jiniac_hpc.train.dpo_data:plan",
          "Generate rejected answers with the SFT model for DPO pairs (array job)."),
    Stage("dpo", "jiniac_hpc.train.dpo_config:DPOConfig", "jiniac_hpc.train.dpo:plan",
          "DPO with LoRA adapters, merged and exported as a plain HF model.", job_step="train"),
    Stage("eval", "jiniac_hpc.eval.config:EvalConfig", "jiniac_hpc.eval.stage:plan",
          "jaster-style JGLUE scores, Japanese MT-bench and the response-language test."),
    Stage("selftest", "jiniac_hpc.launch.selftest:SelfTestConfig", "jiniac_hpc.launch.selftest:plan",
          "Launcher fire drill: an array, a dependent step and a distributed step that check their env.",
          verdict="jiniac_hpc.launch.selftest:verdict"),
]}


#: Old stage names, still accepted for one release: old -> new.
ALIASES = {"tokenize": "pretokenize"}
_noted: set[str] = set()


def canonical(name: str) -> str:
    """The stage's current name; an old one works for now, with a note on stderr (once)."""
    if name not in ALIASES:
        return name
    if name not in _noted:
        _noted.add(name)
        print(f"note: stage {name!r} is now called {ALIASES[name]!r} (logs/{ALIASES[name]}/, "
              f"jobs/{ALIASES[name]}.py); the old name will be removed in the next release", file=sys.stderr)
    return ALIASES[name]


def get_stage(name: str) -> Stage:
    name = canonical(name)
    if name not in STAGES:
        raise KeyError(f"unknown stage {name!r}; stages: {sorted(STAGES)}")
    return STAGES[name]


def load_symbol(path: str) -> Any:
    """Import ``"package.module:attr"``."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def config_class(stage: Stage) -> type:
    return load_symbol(stage.config)


def plan_function(stage: Stage) -> Callable[..., list[Step]]:
    if stage.plan is None:
        raise NotImplementedError(f"stage {stage.name!r} is registered but not implemented yet")
    return load_symbol(stage.plan)


def load_config(stage: str, recipe: str, overrides: list[str] | None = None) -> Any:
    """Recipe + ``--set`` overrides -> the stage's validated config. Raises ConfigError early."""
    st = get_stage(stage)
    if st.plan is None:
        raise NotImplementedError(f"stage {stage!r} is registered but not implemented yet")
    return load_recipe(stage, config_class(st), recipe, overrides)
