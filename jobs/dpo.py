"""DPO with LoRA, merged into a plain HF model.

    python jobs/dpo.py --recipe debug

All options: python jobs/dpo.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("dpo")
