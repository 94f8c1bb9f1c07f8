"""Evaluate a model or sweep a run's checkpoints (jaster, MT-bench, response language).

    python jobs/eval.py --recipe debug

All options: python jobs/eval.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("eval")
