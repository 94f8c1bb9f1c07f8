"""Record fuzzywuzzy's own token_sort_ratio on the metric golden test's pairs.

    .venv/bin/pip install --target /tmp/fw fuzzywuzzy==0.18.0 python-Levenshtein==0.21.1
    PYTHONPATH=$PWD:/tmp/fw .venv/bin/python tests/golden/make_fuzzywuzzy_ratios.py

llm-jp-eval v1.3.0 pins these two versions (its char_f1 is ``fuzz.token_sort_ratio(pred, gold) / 100``).
With python-Levenshtein 0.25.1 instead (what llm-jp-eval v2.0.0 and v2.1.2 are resolved with in the lock
files of llm-jp/llm-jp-eval-inference, commit 36b2ca607afde7872896743b2eff41afa8ef1ceb), the same
ratios go to ``levenshtein_0.25.1.json``, one integer per pair in the order of ``PAIRS``::

    .venv/bin/pip install --no-deps --target /tmp/fw25 fuzzywuzzy==0.18.0 python-Levenshtein==0.25.1 \\
        Levenshtein==0.25.1 rapidfuzz==3.12.2

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

versions = (fuzzywuzzy.__version__, Levenshtein.__version__)
assert versions in (("0.18.0", "0.21.1"), ("0.18.0", "0.25.1")), f"install the pinned versions, not {versions}"
folder = ROOT / "tests" / "assets" / "eval" / "fuzzywuzzy_0.18.0"
ratios = [fuzz.token_sort_ratio(unicodedata.normalize("NFKC", pred.split("\n\n")[0]), unicodedata.normalize("NFKC", gold))
          for pred, gold in PAIRS]
if versions[1] == "0.25.1":
    out = folder / "levenshtein_0.25.1.json"
    out.write_text(json.dumps({"fuzzywuzzy": versions[0], "python-Levenshtein": versions[1],
                               "token_sort_ratio": ratios}) + "\n", encoding="utf-8")
else:
    out = folder / "token_sort_ratio.jsonl"
    out.write_text("".join(json.dumps({"pred": p, "gold": g, "token_sort_ratio": r}, ensure_ascii=False) + "\n"
                           for (p, g), r in zip(PAIRS, ratios)), encoding="utf-8")
print(f"{out}: {len(PAIRS)} pairs")
