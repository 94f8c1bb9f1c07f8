"""The pipeline recipe: which stages run, in which order, with which stage recipes.

    jiniac_hpc/recipes/pipeline/tiny.yaml      # the embedded default (everything on 2 CPU cores)

Each stage keeps its own recipe (and so its own resources in ``job:``); the pipeline only
names them. Stage run names default to the stage recipe name, so a stage run directory is
``logs/<stage>/<recipe>/``, which is where the next stage's recipe looks for its inputs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from jiniac_hpc.config import check, field
from jiniac_hpc.cluster import JobConfig
from jiniac_hpc.stages import canonical

ORDER = ["corpus", "tokenizer", "pretokenize", "pretrain", "sft", "dpo-data", "dpo", "eval"]


@dataclass
class StageRef:
    """One stage of the pipeline."""

    stage: str = field(doc=f"Stage name, one of {ORDER}.")
    recipe: str = field("debug", doc="That stage's recipe (jiniac_hpc/recipes/<stage>/<recipe>.yaml).")
    overrides: list[str] = field(default_factory=list, doc="--set overrides for that stage, 'key=value'.")
    run_name: Optional[str] = field(None, doc="Run directory name of the stage; default: its recipe.")

    def __post_init__(self):
        self.stage = canonical(self.stage)
        check(self.stage in ORDER, "stage", f"{self.stage!r} is not one of {ORDER}")

    @property
    def run(self) -> str:
        return self.run_name or self.recipe


@dataclass
class PipelineConfig:
    """Recipe of ``jobs/pipeline.py``."""

    stages: list[StageRef] = field(default_factory=list, doc="The stages, in pipeline order.")
    driver_job: JobConfig = field(default_factory=lambda: JobConfig(time_min=1440),
                                  doc="Resources of the small CPU job that submits and watches one stage "
                                      "on Slurm (it holds one core while the stage runs).")
    report_prompts: list[str] = field(default_factory=lambda: ["日本の首都はどこですか？", "富士山について教えてください。"],
                                      doc="Japanese prompts for the sample generations in the run report.")
    max_new_tokens: int = field(48, doc="Length of each sample generation in the report.")

    def __post_init__(self):
        names = [s.stage for s in self.stages]
        check(len(names) > 0, "stages", "must name at least one stage")
        check(len(set(names)) == len(names), "stages", f"a stage appears twice: {names}")
        check(names == sorted(names, key=ORDER.index), "stages", f"must follow the pipeline order {ORDER}")
        check(self.max_new_tokens >= 1, "max_new_tokens", "must be >= 1")

    def select(self, start: Optional[str], until: Optional[str]) -> list[StageRef]:
        """The stages from ``start`` to ``until`` (inclusive), by pipeline order."""
        names = [s.stage for s in self.stages]
        start, until = (canonical(v) if v else v for v in (start, until))
        for flag, v in (("--from", start), ("--until", until)):
            if v is not None and v not in names:
                raise ValueError(f"{flag} {v!r}: this pipeline's stages are {names}")
        lo = names.index(start) if start else 0
        hi = names.index(until) if until else len(names) - 1
        if lo > hi:
            raise ValueError(f"--from {start} comes after --until {until}")
        return self.stages[lo:hi + 1]
