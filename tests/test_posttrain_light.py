"""``jiniac_hpc.posttrain`` is data only: every module imports with torch, transformers, trl,
peft and deepspeed blocked, and none of them pulls in the training code of ``jiniac_hpc.train``.

    pytest tests/test_posttrain_light.py
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BLOCKED = ("torch", "transformers", "trl", "peft", "deepspeed")

CODE = f"""
import importlib, json, pkgutil, sys
for name in {BLOCKED!r}:
    sys.modules[name] = None        # any `import name` now raises ImportError
import jiniac_hpc.posttrain as pkg
mods = [f"jiniac_hpc.posttrain.{{m.name}}" for m in pkgutil.iter_modules(pkg.__path__)]
for m in mods:
    importlib.import_module(m)
print(json.dumps({{"modules": mods, "train": sorted(k for k in sys.modules if k.startswith("jiniac_hpc.train"))}}))
"""


def test_posttrain_imports_without_torch_transformers_or_train():
    p = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert {"jiniac_hpc.posttrain.records", "jiniac_hpc.posttrain.encode", "jiniac_hpc.posttrain.pairs",
            "jiniac_hpc.posttrain.templates", "jiniac_hpc.posttrain.mathfmt",
            "jiniac_hpc.posttrain.debug_assets"} <= set(out["modules"])
    assert out["train"] == []


def test_a_blocked_import_is_caught():
    """The check can fail: a module importing torch at import time does not import here."""
    code = CODE.replace("for m in mods:", "mods.append('jiniac_hpc.train.hf_checkpoint')\nfor m in mods:")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert p.returncode != 0 and ("ModuleNotFoundError" in p.stderr or "ImportError" in p.stderr)
