"""Full-parameter supervised fine-tuning (TRL).

    python jobs/sft.py --recipe debug

All options: python jobs/sft.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("sft")
