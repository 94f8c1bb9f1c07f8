"""Evaluate a model or sweep a run's checkpoints (jaster, MT-bench, response language).

    python jobs/eval.py --recipe debug

All options: python jobs/eval.py --help
"""
import sys
from pathlib import Path

# Python puts jobs/ first on sys.path, and jobs/tokenize.py would shadow the standard library's
# tokenize module; put the repository root there instead (it also makes a plain checkout work).
sys.path[0] = str(Path(__file__).resolve().parents[1])

from jiniac_hpc.cli import run_stage_script  # noqa: E402

if __name__ == "__main__":
    run_stage_script("eval")
