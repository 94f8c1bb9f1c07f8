"""Generate rejected answers with the SFT model (array job).

    python jobs/dpo_data.py --recipe debug

All options: python jobs/dpo_data.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("dpo-data")
