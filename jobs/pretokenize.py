"""Pre-tokenize corpus shards into packed HDF5 shards (CPU array job).

    python jobs/pretokenize.py --recipe debug

All options: python jobs/pretokenize.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("pretokenize")
