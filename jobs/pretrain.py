"""Pretrain DeepSeekMoE with DeepSpeed ZeRO-1 over the curriculum plan.

    python jobs/pretrain.py --nodes 2 --cluster abci-h100 --dry-run   # print the sbatch script
    python jobs/pretrain.py --recipe debug                            # on this machine

All options: python jobs/pretrain.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("pretrain")
