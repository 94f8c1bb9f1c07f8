"""The curriculum plan: the ``plan:`` section of a training recipe.

An ordered list of stages. Each stage names corpus sources with mixture weights and either a
token budget or ``tokens: null`` ("all of it": every sample of its sources not yet seen in the
current pass). JINIAC trained low-quality data first and high-quality data last; that order is
the ``jiniac-phase1`` preset. In a training recipe, either name a preset or write the stages::

    plan:
      preset: jiniac-phase1          # jiniac_hpc/recipes/plan/jiniac-phase1.yaml
      seed: 1234

    plan:
      seed: 0
      stages:
        - {name: warmup, sources: {web: 3.0, wiki: 1.0}, tokens: 2_000_000, lr_mult: 1.0}
        - {name: polish, sources: {wiki: 1.0}, tokens: null, lr_mult: 0.5}

Rules (the sampler, :mod:`jiniac_hpc.data.walk`, implements them):

- A stage with ``tokens: T`` has ``T // seq_len`` samples, split over its sources by weight
  (largest remainder). A source keeps one cursor across stages, so a later stage continues
  where an earlier one stopped; no sample is repeated before a source's pass is complete. A
  budget larger than what is left starts the next pass (a new shuffle): repetition, by request.
  Every sample of a source is used equally often (+-1); within one stage that spans several
  passes of a source, those passes are interleaved, not played one after the other.
- ``tokens: null`` takes every sample left in the current pass of each of its sources (a whole
  new pass if the previous stage ended exactly at a pass boundary); weights are then ignored.
- ``lr_peak`` / ``lr_mult`` are for the LR schedule: ``CurriculumSampler.stage_spans`` gives each
  stage's optimizer steps, so the schedule is a pure function of the global step.

Light module (no numpy/torch): training configs import it on the login node.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from jiniac_hpc import fileio
from jiniac_hpc.config import ConfigError, check, field, to_dict


@dataclass
class PlanStage:
    """One curriculum stage."""

    name: str = field(doc="Stage name (logged to TensorBoard, used in stage_spans).")
    sources: dict[str, float] = field(default_factory=dict, doc=(
        "Source name -> mixture weight (> 0). Names are those of index.json (the corpus source folders); "
        "'*' stands for every source not named in the stage, sharing that weight in proportion to "
        "their sizes (the natural mixture)."))
    tokens: Optional[int] = field(None, doc="Token budget of the stage; null: all remaining data of its sources.")
    lr_peak: Optional[float] = field(None, doc="Peak learning rate of this stage; null: the training recipe's.")
    lr_mult: float = field(1.0, doc="Multiplier on the learning rate during this stage.")

    def __post_init__(self):
        check(bool(self.name), "name", "must be a non-empty string")
        check(bool(self.sources), "sources", f"stage {self.name!r} names no sources")
        for src, w in self.sources.items():
            check(w > 0, "sources", f"stage {self.name!r}: weight of {src!r} must be > 0, got {w}")
        check(self.tokens is None or self.tokens > 0, "tokens", f"stage {self.name!r}: must be > 0 or null")
        check(self.lr_peak is None or self.lr_peak > 0, "lr_peak", f"stage {self.name!r}: must be > 0")
        check(self.lr_mult > 0, "lr_mult", f"stage {self.name!r}: must be > 0")


@dataclass
class PlanConfig:
    """The curriculum: ordered stages and the seed of every shuffle."""

    preset: Optional[str] = field(None, doc=(
        "Name of a preset in jiniac_hpc/recipes/plan/ (or a .yaml path) whose stages to use."))
    stages: list[PlanStage] = field(default_factory=list, doc="Ordered stages, low quality first.")
    seed: int = field(1234, doc="Seed of the data order (source shuffles and stage interleaving).")

    def __post_init__(self):
        if self.preset is not None:
            preset_stages = load_preset(self.preset).stages
            # A resolved config (config.yaml) carries both; they must agree.
            check(not self.stages or self.stages == preset_stages, "stages",
                  f"differ from preset {self.preset!r}; drop `preset` to write a custom plan")
            self.stages = preset_stages
        check(bool(self.stages), "stages", "the plan has no stages (set `preset` or `stages`)")
        names = [s.name for s in self.stages]
        dup = sorted({n for n in names if names.count(n) > 1})
        check(not dup, "stages", f"duplicate stage names {dup}")

    @property
    def sources(self) -> list[str]:
        """Every source the plan uses, in order of first use."""
        return list(dict.fromkeys(src for st in self.stages for src in st.sources))

    def fingerprint(self) -> str:
        """Stable hash of the stages and seed: a resumed sampler checks it did not change."""
        return fileio.config_digest({"stages": to_dict(self.stages), "seed": self.seed})


def load_preset(name: str) -> PlanConfig:
    """A plan preset, ``jiniac_hpc/recipes/plan/<name>.yaml`` (or a path), holding ``stages:``."""
    from jiniac_hpc.config import load_recipe

    cfg = load_recipe("plan", PlanConfig, name)
    if cfg.preset is not None:
        raise ConfigError(f"plan preset {name!r}: a preset must list stages, not name another preset")
    return cfg


def validate_against_index(plan: PlanConfig, index_path: str | Path) -> dict:
    """Check on the login node that every source of ``plan`` exists in ``index.json``.

    Returns the parsed index. Raises ConfigError naming the stage, the source and the index.
    """
    path = Path(index_path)
    if not path.exists():
        raise ConfigError(f"data index {path} does not exist; run jobs/pretokenize.py first")
    index = fileio.read_json(path)
    known = index.get("sources", {})
    for st in plan.stages:
        for src in st.sources:
            if src == "*":
                continue
            if src not in known:
                raise ConfigError(f"plan.stages[{st.name}].sources: {src!r} is not in {path}; "
                                  f"sources there: {sorted(known)}")
            if known[src].get("train", {}).get("seqs", 0) == 0:
                raise ConfigError(f"plan.stages[{st.name}].sources: {src!r} has no training sequences in {path}")
    return index
