"""Record llm-jp-eval v1.3.0's own scores of a fixed set of JGLUE predictions, with its pinned packages.

    .venv/bin/pip install --target /tmp/ljp "scipy==1.12.0" "numpy==1.26.4" "scikit-learn==1.4.1.post1" \\
        "fuzzywuzzy==0.18.0" "python-Levenshtein==0.21.1"
    PYTHONPATH=/tmp/ljp .venv/bin/python tests/golden/make_llm_jp_eval_scores.py [JGLUE_DIR]

Writes ``tests/assets/eval/llm_jp_eval_1.3.0/``: ``predictions.jsonl`` (our predictions format:
``task``, ``id``, ``raw``; the raw generations are made here from the JGLUE v1.3 validation files
with a fixed seed, as a model might answer: the gold, the gold in brackets or with a tail, a piece
of the passage, another label, a score with a unit, nothing) and ``scores.json``: the numbers
llm-jp-eval v1.3.0 computes for them, by the definitions in its ``src/llm_jp_eval/utils.py``
(swallow-llm/swallow-evaluation@78de0dba5324f9539b824cc1a4f08b9c4b8c181d, ``llm-jp-eval/``), run
on the versions its lock file pins (scipy 1.12.0, scikit-learn 1.4.1.post1, fuzzywuzzy 0.18.0 with
python-Levenshtein 0.21.1):

- answer ``NFKC(raw.split("\\n\\n")[0])``, gold ``NFKC(gold)``;
- exact_match ``sklearn.metrics.accuracy_score(golds, answers)``;
- char_f1 ``statistics.mean(fuzz.token_sort_ratio(answer, gold) / 100.0)``;
- pearson / spearman ``scipy.stats.pearsonr`` / ``spearmanr`` of ``float(gold)`` against the answer
  with everything but ``[0-9.]`` removed (``-2.0`` when that is no float), NaN -> 0.0;
- ``post_process_score_results(add_avg_score=True)``: a category is ``statistics.mean`` of its task
  scores (0.0 without one), AVG ``statistics.mean`` of the nine; every value printed ``f"{v:.4f}"``.

Samples are scored in the order of ``predictions.jsonl`` (the order matters to the last bit of a
float sum). ``tests/test_eval_llmjp.py`` rescores the same file with our code and asks for the
very same floats.

``--pins NAME`` scores the existing ``predictions.jsonl`` (not regenerated) by the same definitions
on another set of package versions, and writes ``pins/NAME.json`` beside it. The sets named
``v2-lock-*`` are the versions that llm-jp-eval v2.0.0 and v2.1.2 are resolved with in the lock files
of llm-jp/llm-jp-eval-inference (commit 36b2ca607afde7872896743b2eff41afa8ef1ceb: ``uv.lock``,
``inference-modules/{transformers,vllm,trtllm}/uv.lock``), for example::

    .venv/bin/pip install --no-deps --target /tmp/v2 numpy==1.26.4 scipy==1.15.2 scikit-learn==1.6.1 \\
        joblib==1.4.2 threadpoolctl==3.6.0 fuzzywuzzy==0.18.0 python-Levenshtein==0.25.1 \\
        Levenshtein==0.25.1 rapidfuzz==3.12.2
    PYTHONPATH=/tmp/v2 .venv/bin/python tests/golden/make_llm_jp_eval_scores.py --pins v2-lock-scipy-1.15.2
"""
from __future__ import annotations

import json
import math
import random
import re
import statistics
import sys
import unicodedata
from pathlib import Path

import fuzzywuzzy
import Levenshtein
import numpy
import scipy
import sklearn
from fuzzywuzzy import fuzz
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score

_V2_LOCK = {"numpy": "1.26.4", "scikit-learn": "1.6.1", "fuzzywuzzy": "0.18.0", "python-Levenshtein": "0.25.1"}
PIN_SETS = {
    None: {"scipy": "1.12.0", "scikit-learn": "1.4.1.post1", "fuzzywuzzy": "0.18.0", "python-Levenshtein": "0.21.1"},
    **{f"v2-lock-scipy-{v}": {**_V2_LOCK, "scipy": v} for v in ("1.15.2", "1.15.3", "1.16.1")},
}
ARGS = [a for a in sys.argv[1:] if a != "--pins"]
PINS = sys.argv[sys.argv.index("--pins") + 1] if "--pins" in sys.argv else None
if PINS is not None:
    ARGS.remove(PINS)
PINNED = PIN_SETS[PINS]
HAVE = {"numpy": numpy.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
        "fuzzywuzzy": fuzzywuzzy.__version__, "python-Levenshtein": Levenshtein.__version__}
HAVE = {k: v for k, v in HAVE.items() if k in PINNED}
assert HAVE == PINNED, f"install the versions {PINNED} of pin set {PINS}; have {HAVE}"

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "assets" / "eval" / "llm_jp_eval_1.3.0"
JGLUE = Path(ARGS[0]) if ARGS else ROOT.parent / "shared" / "data" / "jglue"
CATEGORIES = {   # utils.post_process_score_results, the nine categories in its order
    "NLI": ["jamp_exact_match", "janli_exact_match", "jnli_exact_match", "jsem_exact_match", "jsick_exact_match"],
    "QA": ["jemhopqa_char_f1", "niilc_char_f1"], "RC": ["jsquad_char_f1"], "MC": ["jcommonsenseqa_exact_match"],
    "HE": ["mmluen_exact_match", "jmmlu_exact_match"], "EL": ["chabsa_set_f1"],
    "FA": ["wiki_reading_char_f1", "wiki_ner_set_f1", "wiki_dependency_set_f1", "wiki_pas_set_f1",
           "wiki_coreference_set_f1"],
    "MR": ["mawps_exact_match"],
    "MT": ["alt-e-to-j_comet_wmt22", "alt-j-to-e_comet_wmt22", "wikicorpus-e-to-j_comet_wmt22",
           "wikicorpus-j-to-e_comet_wmt22"],
}
METRICS = {"jcommonsenseqa": ["exact_match"], "jnli": ["exact_match"], "jsquad": ["char_f1"],
           "jsts": ["pearson", "spearman"]}


def jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (JGLUE / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def golds() -> dict[str, list[tuple[str, str, str]]]:
    """task -> (id, gold, context) in file order; the gold as llm-jp-eval's dataset builders write it."""
    out = {"jcommonsenseqa": [(str(o["q_id"]), str(o["label"]), "") for o in jsonl("jcommonsenseqa-v1.3-valid.json")],
           "jnli": [(o["sentence_pair_id"], o["label"], "") for o in jsonl("jnli-v1.3-valid.json")],
           "jsts": [(o["sentence_pair_id"], str(o["label"]), "") for o in jsonl("jsts-v1.3-valid.json")]}
    squad = json.loads((JGLUE / "jsquad-v1.3-valid.json").read_text(encoding="utf-8"))
    out["jsquad"] = [(q["id"], q["answers"][0]["text"], p["context"])
                     for a in squad["data"] for p in a["paragraphs"] for q in p["qas"]]
    return out


def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def raw_answer(task: str, gold: str, context: str, rng: random.Random, others: list[str]) -> str:
    """A generation a model might give (the prompt asks for the answer alone)."""
    if task == "jsquad":
        i = max(0, context.find(gold))
        k = rng.randrange(10)
        return [gold, f"「{gold}」", gold + "です。", gold[: max(1, len(gold) // 2)], fullwidth(gold),
                context[max(0, i - 3): i + len(gold) + rng.randrange(4)], rng.choice(others),
                f"{gold}\n\n### 入力:\n文章：", "", " " + gold][k]
    if task == "jnli":
        return rng.choice([gold, gold, "entailment", "contradiction", "neutral", " neutral", "Neutral",
                           "entail", "neutral\n\n", "含意"])
    if task == "jcommonsenseqa":
        return rng.choice([gold, gold, "0", "1", "2", "3", "4", fullwidth(gold), " " + gold, gold + "\n\n", ""])
    value = float(gold) + rng.uniform(-1.5, 1.5)
    return rng.choice([str(round(value)), f"{value:.1f}", f"{round(value)}点", "-1", "", "2.5.1",
                       fullwidth(str(round(value))), " 4", "3"])


def parse_float(s: str) -> float:
    cleaned = re.sub(r"[^0-9.]", "", s)
    try:
        return float(cleaned)
    except ValueError:
        return -2.0


def no_nan(v: float) -> float:
    return 0.0 if math.isnan(v) else float(v)


def score(task: str, answers: list[str], refs: list[str]) -> dict[str, float]:
    out = {}
    for metric in METRICS[task]:
        if metric == "exact_match":
            v = accuracy_score(refs, answers)
        elif metric == "char_f1":
            v = statistics.mean(fuzz.token_sort_ratio(a, g) / 100.0 for a, g in zip(answers, refs))
        else:
            corr = pearsonr if metric == "pearson" else spearmanr
            v = no_nan(corr(list(map(float, refs)), list(map(parse_float, answers)))[0])
        out[f"{task}_{metric}"] = float(v)
    return out


def recorded(items: dict[str, list[tuple[str, str, str]]]) -> dict[str, list[tuple[tuple[str, str, str], str]]]:
    """task -> ((id, gold, context), raw) of the predictions.jsonl written before, in its order."""
    by_id = {t: {str(i): (i, g, c) for i, g, c in its} for t, its in items.items()}
    out: dict[str, list] = {}
    for line in (OUT / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out.setdefault(r["task"], []).append((by_id[r["task"]][str(r["id"])], r["raw"]))
    return out


def main() -> None:
    rng = random.Random(20240705)
    rows, scores = [], {}
    items = golds()
    saved = recorded(items) if PINS is not None else {}
    for task in items:
        if PINS is not None:
            picked, raws = [p for p, _ in saved[task]], [r for _, r in saved[task]]
        else:
            picked = rng.sample(items[task], {"jsquad": 400, "jsts": 400}.get(task, 300))
            others = [g for _, g, _ in items[task]]
            raws = [raw_answer(task, g, c, rng, others) for _, g, c in picked]
        rows += [{"task": task, "id": i, "raw": r} for (i, _, _), r in zip(picked, raws)]
        answers = [unicodedata.normalize("NFKC", r.split("\n\n")[0]) for r in raws]
        scores.update(score(task, answers, [unicodedata.normalize("NFKC", g) for _, g, _ in picked]))
    for cat, names in CATEGORIES.items():
        vals = [scores[n] for n in names if n in scores]
        scores[cat] = statistics.mean(vals) if vals else 0.0
    scores["AVG"] = statistics.mean(scores[c] for c in CATEGORIES)
    printed = {k: f"{v:.4f}" for k, v in sorted(scores.items())}
    result = json.dumps({"versions": HAVE, "score_results": scores, "printed": printed}, indent=1, ensure_ascii=False)
    if PINS is not None:
        (OUT / "pins").mkdir(exist_ok=True)
        (OUT / "pins" / f"{PINS}.json").write_text(result + "\n", encoding="utf-8")
    else:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "predictions.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                               encoding="utf-8")
        (OUT / "scores.json").write_text(result + "\n", encoding="utf-8")
    print(json.dumps(printed, indent=1))


if __name__ == "__main__":
    main()
