"""Check that jaster's JGLUE definitions write llm-jp-eval v1.3.1's and v1.4.1's own dev files, byte for byte.

    PYTHONPATH=$PWD .venv/bin/python tests/golden/check_llm_jp_eval_dev_hashes.py JGLUE_GIT_DIR

JGLUE_GIT_DIR: a clone of yahoojapan/JGLUE holding tag v1.1.0 (the files both installers download).
llm-jp/scripts (commit 0a703870cc26e6a287317dc16fdd3befa95a9b80) records the sha256 of every dev
file its llm-jp-eval installers write (``evaluation/installers/llm-jp-eval-v{1.3.1,1.4.1}/resources/
sha256sums.csv``, copied into ``tests/assets/eval/llm_jp_eval_dev_sha256/``). Their JGLUE rows are
the same in both versions. This script builds each dev file from the JGLUE v1.1.0 train file with
this project's code only (``jaster.LOADERS``, ``jaster.INSTRUCTIONS``, the output lengths and
metrics of ``eval.config`` / ``eval.prepared``, and llm-jp-eval's split: ``random.seed(42)`` shuffle,
dev = the samples after the first 90%), writes it as llm-jp-eval's ``_save_evaluation_data`` does
(``instruction``, ``output_length``, ``metrics``, ``few_shots: []``, ``samples``; ``json.dump``,
``ensure_ascii=False``, ``indent=4``) and compares the sha256. Tasks whose train file the clone
lacks (JNLI's and JSQuAD's are stored outside git there) are reported as not checked.
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from jiniac_hpc.eval import jaster, prepared
from jiniac_hpc.eval.config import DEFAULT_MAX_NEW_TOKENS, JGLUE_TASKS

HASHES = Path(__file__).resolve().parents[1] / "assets" / "eval" / "llm_jp_eval_dev_sha256"


def dev_bytes(task: str, train: Path) -> bytes:
    samples = jaster.LOADERS[task](train)
    random.seed(jaster.TRAIN_SEED)
    random.shuffle(samples)
    dev = samples[int(len(samples) * jaster.TRAIN_FRACTION):]
    obj = {"instruction": jaster.INSTRUCTIONS[task], "output_length": DEFAULT_MAX_NEW_TOKENS[task],
           "metrics": prepared.TASK_METRICS[task], "few_shots": [],
           "samples": [{"input": s.input, "output": s.output} for s in dev]}
    return json.dumps(obj, ensure_ascii=False, indent=4).encode("utf-8")


def main(jglue_git: str) -> None:
    recorded = {}
    for version in ("1.3.1", "1.4.1"):
        with (HASHES / f"v{version}.tsv").open(encoding="utf-8") as f:
            recorded[version] = {row[0]: row[1] for row in csv.reader(f, delimiter="\t")}
    tmp = Path(tempfile.mkdtemp())
    for task in JGLUE_TASKS:
        r = subprocess.run(["git", "-C", jglue_git, "show", f"v1.1.0:datasets/{task}-v1.1/train-v1.1.json"],
                           capture_output=True)
        if r.returncode != 0 or not r.stdout:
            print(f"{task}: not checked (no JGLUE v1.1.0 train file in {jglue_git})")
            continue
        (tmp / f"{task}.json").write_bytes(r.stdout)
        digest = hashlib.sha256(dev_bytes(task, tmp / f"{task}.json")).hexdigest()
        for version, table in recorded.items():
            ok = table[f"{task}.json"] == digest
            print(f"{task}: v{version} {'equal' if ok else 'DIFFERENT'} ({digest})")


if __name__ == "__main__":
    main(sys.argv[1])
