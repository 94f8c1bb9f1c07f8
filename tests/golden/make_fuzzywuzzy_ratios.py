"""Record fuzzywuzzy's own token_sort_ratio on the metric golden test's pairs.

    .venv/bin/pip install --target /tmp/fw fuzzywuzzy==0.18.0 python-Levenshtein==0.21.1
    PYTHONPATH=$PWD:/tmp/fw .venv/bin/python tests/golden/make_fuzzywuzzy_ratios.py

llm-jp-eval v1.3.0 pins these two versions (its char_f1 is ``fuzz.token_sort_ratio(pred, gold) / 100``).
Both sides are passed as llm-jp-eval passes them: the answer is ``NFKC(output.split("\\n\\n")[0])``,
the gold ``NFKC(gold)``. Writes tests/assets/eval/fuzzywuzzy_0.18.0/token_sort_ratio.jsonl, which
tests/test_eval_llmjp.py compares the project's char_f1 against (pairs from its ``PAIRS``).
"""
from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import fuzzywuzzy
import Levenshtein
from fuzzywuzzy import fuzz

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from test_eval_llmjp import PAIRS  # noqa: E402

assert (fuzzywuzzy.__version__, Levenshtein.__version__) == ("0.18.0", "0.21.1"), "install the pinned versions"
out = ROOT / "tests" / "assets" / "eval" / "fuzzywuzzy_0.18.0" / "token_sort_ratio.jsonl"
with out.open("w", encoding="utf-8") as f:
    for pred, gold in PAIRS:
        a, b = unicodedata.normalize("NFKC", pred.split("\n\n")[0]), unicodedata.normalize("NFKC", gold)
        f.write(json.dumps({"pred": pred, "gold": gold, "token_sort_ratio": fuzz.token_sort_ratio(a, b)},
                           ensure_ascii=False) + "\n")
print(f"{out}: {len(PAIRS)} pairs")
