"""Record Nejumi Leaderboard 4's own jaster scores of the fixed JGLUE predictions, with its locked packages.

    .venv/bin/pip install --no-deps --target /tmp/nj4 numpy==1.26.4 scipy==1.16.1 scikit-learn==1.7.1 \\
        joblib==1.5.1 threadpoolctl==3.6.0 fuzzywuzzy==0.18.0 python-Levenshtein==0.27.1 \\
        Levenshtein==0.27.1 rapidfuzz==3.13.0 toolz==1.0.0 pandas==2.3.1 python-dateutil pytz tzdata six
    PYTHONPATH=/tmp/nj4 .venv/bin/python tests/golden/make_nejumi4_scores.py LEADERBOARD_GIT_DIR [JGLUE_DIR]
    PYTHONPATH=/tmp/nj4 .venv/bin/python tests/golden/make_nejumi4_scores.py LEADERBOARD_GIT_DIR --check v3.1.1

LEADERBOARD_GIT_DIR: a clone of wandb/llm-leaderboard holding commit 6e29db4 (Nejumi Leaderboard 4,
the versions above are its ``uv.lock``'s). Nothing of it is kept in this repository: its code is
taken out of git into memory and run as it is:

- ``scripts/evaluator/evaluate_utils/formatter.py`` (``text_formatter``, ``normalize``), whole;
- from ``scripts/evaluator/jaster.py``, the expression that turns a generation into the answer
  (``y_pred: str = pipe(raw_output, ...)`` of the tasks other than jhumaneval), and the gold
  (``pipe(sample["output"], normalize)``), evaluated with ``toolz.pipe``;
- from ``scripts/evaluator/evaluate_utils/metrics.py``, ``char_f1`` and ``ExactMatchMetric``
  (the per-sample metrics of JSQuAD and of JCommonsenseQA / JNLI);
- the per-task score is ``pandas.pivot_table(values="score", columns="task", aggfunc="mean")``
  of the sample rows, as ``scripts/evaluator/jaster_translation.py`` makes its leaderboard table.

Two prediction files are scored (JCommonsenseQA, JNLI, JSQuAD; Nejumi 4 has no JSTS task):
``tests/assets/eval/llm_jp_eval_1.3.0/predictions.jsonl``, and ``nejumi_4/predictions_chat.jsonl``,
which this script writes first: for the first 40 items of each JGLUE v1.3 validation file, the gold
as a chat model tends to wrap it (``回答: ``, ``答え:``, ``応答:`` and full-width ``回答：`` before
it, quotes, capitals, a leading blank line, a trailing explanation). The golds are the JGLUE v1.3
validation files' (``../shared/data/jglue``), as llm-jp-eval's builders write them. Writes
``tests/assets/eval/nejumi_4/scores.json``: per prediction file, the per-task means and each
sample's ``[task, id, answer, score]`` in the file's order.

``--check REF`` writes nothing: it runs the same pieces of another commit of the leaderboard (tag
v3.1.1 is Nejumi Leaderboard 3, whose ``metrics.py`` has an ``exact_match`` function instead of
``ExactMatchMetric``) on the same prediction files and says whether every answer, sample score and
task mean equals the recorded ones. ``tests/test_eval_llmjp.py`` rescores the same file with ``jaster.scoring: nejumi-4``.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from abc import ABC, abstractmethod
from pathlib import Path

import fuzzywuzzy
import Levenshtein
import pandas as pd
import sklearn
from fuzzywuzzy import fuzz
from toolz import pipe

COMMIT = "6e29db49588b920d8210eda1d415a1533e92a571"
ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets" / "eval"
PREDICTIONS = [ASSETS / "llm_jp_eval_1.3.0" / "predictions.jsonl", ASSETS / "nejumi_4" / "predictions_chat.jsonl"]
OUT = ASSETS / "nejumi_4" / "scores.json"
# How a chat model wraps an answer; {g} is the gold. Each item gets the next form in turn.
FORMS = {"jsquad": ["回答: {g}", "答え:{g}", "応答:\n{g}", "回答：{g}", '"{g}"', "'{g}'", "「{g}」です。", "{G}",
                    "\n\n{g}", "{g}\n\n根拠: 本文より", "答え: '{g}'", " {g} "],
         "jnli": ["{G}", "{g}", "'{g}'", "\n{g}", "回答: {g}", " {G}\n\n理由", "{g}です", '"{g}"'],
         "jcommonsenseqa": [" {g}", "'{g}'", "{g}\n", "\n\n{g}", "答え: {g}", '"{g}"', "{g}番"]}
TASK_METRIC = {"jcommonsenseqa": "exact_match", "jnli": "exact_match", "jsquad": "char_f1"}


def source(git_dir: str, path: str, commit: str = COMMIT) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], capture_output=True,
                          check=True).stdout.decode()


def nejumi(git_dir: str, commit: str = COMMIT) -> tuple:
    """(answer(raw, task), gold(text), metrics by name), all from the leaderboard's own code."""
    ns: dict = {}
    exec(compile(source(git_dir, "scripts/evaluator/evaluate_utils/formatter.py", commit), "formatter.py", "exec"),
         ns)
    tree = ast.parse(source(git_dir, "scripts/evaluator/jaster.py", commit))
    pipes = [n for n in ast.walk(tree) if isinstance(n, (ast.AnnAssign, ast.Assign))
             and isinstance(n.value, ast.Call) and getattr(n.value.func, "id", "") == "pipe"]
    answer_expr = [n.value for n in pipes if "raw_output" in ast.unparse(n.value) and "split" in ast.unparse(n.value)]
    gold_expr = [n.value for n in pipes if "sample['output']" in ast.unparse(n.value)]
    assert len(answer_expr) == 1 and len(gold_expr) == 1, (len(answer_expr), len(gold_expr))
    answer_code = compile(ast.Expression(answer_expr[0]), "jaster.py", "eval")
    gold_code = compile(ast.Expression(gold_expr[0]), "jaster.py", "eval")
    env = {"pipe": pipe, "text_formatter": ns["text_formatter"], "normalize": ns["normalize"]}

    def answer(raw: str, task: str) -> str:
        return eval(answer_code, {**env, "raw_output": raw, "evaluation_result": {"task": task}})

    def gold(text: str) -> str:
        return eval(gold_code, {**env, "sample": {"output": text}})

    metrics_tree = ast.parse(source(git_dir, "scripts/evaluator/evaluate_utils/metrics.py", commit))
    names = ("BaseMetric", "ExactMatchMetric", "exact_match", "char_f1")
    wanted = [n for n in metrics_tree.body if getattr(n, "name", "") in names]
    mns = {"ABC": ABC, "abstractmethod": abstractmethod, "fuzz": fuzz}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "metrics.py", "exec"), mns)
    exact = mns["ExactMatchMetric"]() if "ExactMatchMetric" in mns else mns["exact_match"]
    return answer, gold, {"exact_match": exact, "char_f1": mns["char_f1"]}


def golds(jglue: Path) -> dict[tuple[str, str], str]:
    def jsonl(name: str) -> list[dict]:
        return [json.loads(x) for x in (jglue / name).read_text(encoding="utf-8").splitlines() if x.strip()]

    out = {("jcommonsenseqa", str(o["q_id"])): str(o["label"]) for o in jsonl("jcommonsenseqa-v1.3-valid.json")}
    out.update({("jnli", o["sentence_pair_id"]): o["label"] for o in jsonl("jnli-v1.3-valid.json")})
    squad = json.loads((jglue / "jsquad-v1.3-valid.json").read_text(encoding="utf-8"))
    out.update({("jsquad", q["id"]): q["answers"][0]["text"]
                for a in squad["data"] for p in a["paragraphs"] for q in p["qas"]})
    return out


def write_chat_predictions(ref: dict[tuple[str, str], str]) -> None:
    out, seen = [], {t: 0 for t in FORMS}
    for (task, sid), g in ref.items():          # file order of each JGLUE file
        if seen[task] < 40:
            form = FORMS[task][seen[task] % len(FORMS[task])]
            out.append({"task": task, "id": sid, "raw": form.format(g=g, G=g.upper())})
            seen[task] += 1
    PREDICTIONS[1].parent.mkdir(parents=True, exist_ok=True)
    PREDICTIONS[1].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")


def score_file(path: Path, answer, gold, metrics, ref: dict[tuple[str, str], str]) -> dict:
    rows, samples = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        if p["task"] not in TASK_METRIC:
            continue
        y_pred, y_true = answer(p["raw"], p["task"]), gold(ref[(p["task"], p["id"])])
        score = float(metrics[TASK_METRIC[p["task"]]](y_pred, y_true))
        rows.append({"model_name": "m", "task": p["task"], "score": score})
        samples.append([p["task"], p["id"], y_pred, score])
    table = pd.pivot_table(data=pd.DataFrame(rows), values="score", index="model_name", columns="task",
                           aggfunc="mean").reset_index()
    return {"tasks": {t: {TASK_METRIC[t]: float(table[t][0])} for t in TASK_METRIC}, "samples": samples}


def check(git_dir: str, commit: str, jglue: Path) -> None:
    recorded = json.loads(OUT.read_text(encoding="utf-8"))["files"]
    answer, gold, metrics = nejumi(git_dir, commit)
    for p in PREDICTIONS:
        name = p.relative_to(ASSETS).as_posix()
        got = score_file(p, answer, gold, metrics, golds(jglue))
        print(f"{commit} {name}: samples {'equal' if got['samples'] == recorded[name]['samples'] else 'DIFFERENT'}, "
              f"task means {'equal' if got['tasks'] == recorded[name]['tasks'] else 'DIFFERENT'}")


def main() -> None:
    args = sys.argv[1:]
    if "--check" in args:
        i = args.index("--check")
        ref_commit = args[i + 1]
        del args[i:i + 2]
        check(args[0], ref_commit, Path(args[1]) if len(args) > 1 else ROOT.parent / "shared" / "data" / "jglue")
        return
    git_dir = args[0]
    jglue = Path(args[1]) if len(args) > 1 else ROOT.parent / "shared" / "data" / "jglue"
    answer, gold, metrics = nejumi(git_dir)
    ref = golds(jglue)
    write_chat_predictions(ref)
    files = {p.relative_to(ASSETS).as_posix(): score_file(p, answer, gold, metrics, ref) for p in PREDICTIONS}
    parts = []
    for name, res in files.items():         # one sample a line, to keep the file readable
        samples = ",\n".join("    " + json.dumps(x, ensure_ascii=False) for x in res["samples"])
        parts.append(f'  {json.dumps(name)}: {{\n   "tasks": {json.dumps(res["tasks"])},\n'
                     f'   "samples": [\n{samples}\n   ]\n  }}')
    head = json.dumps({"source": f"wandb/llm-leaderboard@{COMMIT}",
                       "versions": {"pandas": pd.__version__, "scikit-learn": sklearn.__version__,
                                    "fuzzywuzzy": fuzzywuzzy.__version__, "Levenshtein": Levenshtein.__version__}},
                      indent=1)
    OUT.write_text(head[:-2] + ',\n "files": {\n' + ",\n".join(parts) + "\n }\n}\n", encoding="utf-8")
    print(json.dumps({n: r["tasks"] for n, r in files.items()}, indent=1))


if __name__ == "__main__":
    main()
