"""Write tests/assets/eval/llm_jp_eval_1.3.0_prepared/: llm-jp-eval v1.3.0's own prepared files and prompts.

    python3 -m venv /tmp/lje && /tmp/lje/bin/pip install langchain==0.0.300
    /tmp/lje/bin/python tests/golden/make_llm_jp_eval_prepared.py SWALLOW_GIT_DIR JGLUE_GIT_DIR

SWALLOW_GIT_DIR: a clone of swallow-llm/swallow-evaluation holding commit 78de0dba (llm-jp-eval
v1.3.0 under ``llm-jp-eval/``); JGLUE_GIT_DIR: a clone of yahoojapan/JGLUE holding commit d176ea9
(JGLUE v1.1, the files llm-jp-eval v1.3.0 downloads). Nothing of llm-jp-eval is kept in this
repository: its ``datasets/{base,<task>}.py`` are taken out of git into a temporary folder and
run as they are (``preprocess_evaluation_data``), and its ``utils.py`` functions
``get_few_shot_samples`` and ``get_evaluation_prompt`` are compiled from that file's text (the
module itself imports COMET, wandb and bert_score at load) and run with langchain 0.0.300's
``PromptTemplate``, the version its lock file pins. The test split is this project's JGLUE v1.3
validation files (``../shared/data/jglue``); the train split is JGLUE v1.1's train file where the
clone has it (JCommonsenseQA, JSTS; JNLI's and JSQuAD's are too large for it and the validation
file stands in). The written files are trimmed: the first TEST_N test samples, the first TRAIN_N
train samples (only the first k become shots).
"""
import ast
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "assets" / "eval" / "llm_jp_eval_1.3.0_prepared"
SWALLOW, JGLUE_V11 = "78de0dba5324f9539b824cc1a4f08b9c4b8c181d", "d176ea9"
TASKS = {"jcommonsenseqa": "JCommonsenseQADatasetProcessor", "jnli": "JNLIDatasetProcessor",
         "jsquad": "JSQuADDatasetProcessor", "jsts": "JSTSDatasetProcessor"}
TEST_N = {"jcommonsenseqa": 12, "jnli": 12, "jsquad": 3, "jsts": 12}
TRAIN_N, K = 6, 4


def git_show(git_dir: str, spec: str) -> Optional[bytes]:
    r = subprocess.run(["git", "--git-dir", git_dir, "show", spec], capture_output=True)
    return r.stdout if r.returncode == 0 else None


def main(swallow: str, jglue: str) -> None:
    tmp = Path(tempfile.mkdtemp())
    pkg = tmp / "llm_jp_eval" / "datasets"
    pkg.mkdir(parents=True)
    (tmp / "llm_jp_eval" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    for name in ["base", *TASKS]:
        (pkg / f"{name}.py").write_bytes(git_show(swallow, f"{SWALLOW}:llm-jp-eval/src/llm_jp_eval/datasets/{name}.py"))
    sys.path.insert(0, str(tmp))
    import importlib

    from langchain.prompts import BasePromptTemplate, PromptTemplate
    from llm_jp_eval.datasets.base import Sample

    utils = git_show(swallow, f"{SWALLOW}:llm-jp-eval/src/llm_jp_eval/utils.py").decode()
    fns = [n for n in ast.parse(utils).body if isinstance(n, ast.FunctionDef)
           and n.name in ("get_evaluation_prompt", "get_few_shot_samples")]
    ns = {"Sample": Sample, "PromptTemplate": PromptTemplate, "BasePromptTemplate": BasePromptTemplate,
          "Optional": Optional, "Path": Path, "json": json}
    exec(compile(ast.Module(body=fns, type_ignores=[]), "llm_jp_eval/utils.py", "exec"), ns)

    prompts = []
    for task, cls in TASKS.items():
        proc = getattr(importlib.import_module(f"llm_jp_eval.datasets.{task}"), cls)(tmp / "ds", "1.3.0")
        test = (REPO.parent / "shared" / "data" / "jglue" / f"{task}-v1.3-valid.json").read_bytes()
        (proc.raw_dir / f"{task}_test.json").write_bytes(test)
        (proc.raw_dir / f"{task}_train.json").write_bytes(
            git_show(jglue, f"{JGLUE_V11}:datasets/{task}-v1.1/train-v1.1.json") or test)
        proc.preprocess_evaluation_data()
        test_path = proc.evaluation_dir / "test" / f"{task}.json"
        data = json.loads(test_path.read_text(encoding="utf-8"))
        template = ns["get_evaluation_prompt"](data["instruction"], ns["get_few_shot_samples"](test_path, K))
        for i, s in enumerate(data["samples"][:TEST_N[task]]):
            prompts.append({"task": task, "index": i, "prompt": template.format_prompt(input=s["input"]).text})
        for split, n in (("test", TEST_N[task]), ("train", TRAIN_N)):
            obj = json.loads((proc.evaluation_dir / split / f"{task}.json").read_text(encoding="utf-8"))
            obj["samples"] = obj["samples"][:n]
            dest = OUT / "evaluation" / split / f"{task}.json"
            dest.parent.mkdir(parents=True, exist_ok=True)
            with dest.open("w", encoding="utf-8") as f:         # as _save_evaluation_data writes
                json.dump(obj, f, ensure_ascii=False, indent=4)
    with (OUT / "prompts.jsonl").open("w", encoding="utf-8") as f:
        for p in prompts:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
