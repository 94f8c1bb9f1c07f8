"""``PretrainConfig``: the pretraining recipe (``jiniac_hpc/recipes/pretrain/<name>.yaml``).

    python jobs/pretrain.py --recipe debug                      # CPU, 1 rank, ~40 steps
    python jobs/pretrain.py --recipe jiniac-5b --nodes 2        # 2 x 8 GPUs on the cluster profile
    jiniac plan debug                                           # stages, steps, LR curve PNG

Sections: ``model`` (:class:`jiniac_hpc.model.config.ModelConfig`), ``data`` (the ``tokenize``
run to read), ``plan`` (the curriculum, :class:`jiniac_hpc.data.plan.PlanConfig`),
``schedule`` (:class:`jiniac_hpc.train.schedule.ScheduleConfig`), ``train`` (batch, optimizer,
precision, checkpoints, metrics and the test knobs) and ``job`` (resources).

Light module: the login node imports it (no torch).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Union

from jiniac_hpc.config import check, field
from jiniac_hpc.data.plan import PlanConfig
from jiniac_hpc.cluster import JobConfig
from jiniac_hpc.model.config import ModelConfig
from jiniac_hpc.train.schedule import ScheduleConfig


@dataclass
class DataConfig:
    """Which pre-tokenized data to read (the output of a ``tokenize`` run)."""

    index: str = field("logs/pretokenize/debug/index.json", doc="index.json of a tokenize run (relative to the repo).")
    num_workers: int = field(2, doc="DataLoader worker processes per rank.")
    eval_samples: int = field(64, doc="Held-out sequences of the eval split used for eval/loss (over all ranks).")

    def __post_init__(self):
        check(bool(self.index), "index", "must name the index.json of a tokenize run")
        check(self.num_workers >= 0, "num_workers", "must be >= 0")
        check(self.eval_samples >= 0, "eval_samples", "must be >= 0")


@dataclass
class TrainConfig:
    """Optimisation, precision, checkpoints, metrics, and knobs for tests and fire drills."""

    global_batch_size: int = field(1024, doc=(
        "Sequences per optimizer step over all ranks; fixed, so steps (and the LR) do not depend on "
        "the world size. grad_accum = global_batch_size / (micro_batch_size x ranks)."))
    micro_batch_size: int = field(4, doc="Sequences per rank per forward/backward.")
    precision: Literal["bf16", "fp32", "fp16"] = field("bf16", doc=(
        "Training precision. bf16 is the default (JINIAC's loss went NaN until forced to bf16); "
        "fp32 is for CPU exactness tests."))
    zero_stage: int = field(1, doc="DeepSpeed ZeRO stage (1: optimizer states partitioned over ranks).")
    deepspeed: bool = field(True, doc="Run through DeepSpeed (false: plain DDP/single process, for debugging).")
    weight_decay: float = field(0.1, doc="AdamW weight decay.")
    adam_beta1: float = field(0.9, doc="AdamW beta1.")
    adam_beta2: float = field(0.95, doc="AdamW beta2.")
    adam_eps: float = field(1e-8, doc="AdamW epsilon.")
    grad_clip: float = field(1.0, doc="Clip the global gradient norm to this (0: off).")
    seed: int = field(42, doc="Seed of model init and dropout (the data order is plan.seed).")
    stage: Optional[Union[int, str]] = field(None, doc=(
        "Train only up to the end of this plan stage (index or name), as its own job: it starts from "
        "the previous job's checkpoint and continues the same schedule, steps and sampler."))
    max_steps: Optional[int] = field(None, doc="Stop after this global step (still on the whole plan's schedule).")
    resume: str = field("auto", doc="'auto': the newest complete checkpoint; 'none': fresh; or a step-* path.")
    init_from: Optional[str] = field(None, doc=(
        "Checkpoints folder (or run directory) of an earlier job to continue from when this run has no "
        "checkpoint yet (e.g. stage k in another run directory)."))
    save_every: int = field(1000, doc="Checkpoint every N global steps (and always at the end of the job).")
    keep_last: int = field(3, doc="Keep the newest k checkpoints.")
    log_every: int = field(10, doc="TensorBoard scalars every N steps.")
    eval_every: int = field(500, doc="eval/loss on the held-out split every N steps (0: off).")
    gradient_checkpointing: bool = field(False, doc="Recompute activations in backward to save memory.")
    torch_compile: bool = field(False, doc="torch.compile the model (HF Trainer's torch_compile).")
    save_final: bool = field(True, doc=(
        "Checkpoint at the end of the job. False only for throughput checks (benchmarks/gpu_check.py): "
        "nothing to resume from, and no multi-GB write at the end."))
    check_finite: bool = field(True, doc=(
        "Stop on a non-finite loss or gradient norm (one scalar all-reduce per optimizer step)."))
    max_weight_norm_change: float = field(0.5, doc=(
        "Stop, without saving, when one update changes the global weight norm by more than this "
        "fraction (or makes it non-finite): a diverging update is not saved as a good state. 0: off."))
    preempt_at: list[int] = field(default_factory=list, doc=(
        "Test/fire-drill knob: preempt the job itself after these global steps (save, requeue/exit)."))
    inject_nan_at_step: Optional[int] = field(None, doc=(
        "Test knob: make the loss of this global step (1-based) NaN on rank 0."))
    inject_inf_grad_at_step: Optional[int] = field(None, doc=(
        "Test knob: keep the loss of this global step finite but make its gradients infinite on rank 0."))

    def __post_init__(self):
        check(self.global_batch_size >= 1, "global_batch_size", "must be >= 1")
        check(self.micro_batch_size >= 1, "micro_batch_size", "must be >= 1")
        check(self.global_batch_size % self.micro_batch_size == 0, "global_batch_size",
              f"must be a multiple of micro_batch_size ({self.micro_batch_size})")
        check(self.zero_stage in (0, 1, 2), "zero_stage", "must be 0, 1 or 2 (ZeRO-3 is not supported here)")
        check(self.grad_clip >= 0, "grad_clip", "must be >= 0")
        check(self.max_steps is None or self.max_steps >= 1, "max_steps", "must be >= 1")
        check(self.save_every >= 1, "save_every", "must be >= 1")
        check(self.keep_last >= 1, "keep_last", "must be >= 1")
        check(self.log_every >= 1, "log_every", "must be >= 1")
        check(self.eval_every >= 0, "eval_every", "must be >= 0")
        check(self.max_weight_norm_change >= 0, "max_weight_norm_change", "must be >= 0 (0: off)")
        check(all(s >= 1 for s in self.preempt_at), "preempt_at", "steps must be >= 1")
        check(self.inject_nan_at_step is None or self.inject_nan_at_step >= 1, "inject_nan_at_step", "must be >= 1")
        check(self.inject_inf_grad_at_step is None or self.inject_inf_grad_at_step >= 1, "inject_inf_grad_at_step",
              "must be >= 1")

    def grad_accum(self, world_size: int) -> int:
        per_step = self.micro_batch_size * world_size
        if self.global_batch_size % per_step:
            raise ValueError(f"train.global_batch_size ({self.global_batch_size}) is not a multiple of "
                             f"micro_batch_size x ranks ({self.micro_batch_size} x {world_size})")
        return self.global_batch_size // per_step


@dataclass
class PretrainConfig:
    """The ``pretrain`` stage recipe."""

    model: ModelConfig = field(default_factory=ModelConfig, doc="The DeepSeekMoE model (recipes/model/*.yaml fields).")
    data: DataConfig = field(default_factory=DataConfig, doc="Pre-tokenized data.")
    plan: PlanConfig = field(default_factory=lambda: _default_plan(), doc="The curriculum plan (stages, mixtures, budgets, per-stage LR).")
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig, doc="The one LR schedule over the plan.")
    train: TrainConfig = field(default_factory=TrainConfig, doc="Optimisation, checkpoints, metrics.")
    job: JobConfig = field(default_factory=lambda: JobConfig(gpus=True), doc="Resources (nodes; one task per GPU).")

    def __post_init__(self):
        if self.train.stage is not None:
            names = [s.name for s in self.plan.stages]
            st = self.train.stage
            ok = (isinstance(st, int) and 0 <= st < len(names)) or (isinstance(st, str) and st in names)
            check(ok, "train", f"stage {st!r} is not a stage of the plan: indices 0..{len(names) - 1} or {names}")

    def stage_index(self) -> Optional[int]:
        """``train.stage`` as an index into ``plan.stages`` (None: the whole plan)."""
        st = self.train.stage
        if st is None:
            return None
        return st if isinstance(st, int) else [s.name for s in self.plan.stages].index(st)


def _default_plan() -> PlanConfig:
    from jiniac_hpc.data.plan import PlanStage

    return PlanConfig(stages=[PlanStage(name="all", sources={"*": 1.0}, tokens=None)])
