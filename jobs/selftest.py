"""Fire drill for a cluster profile: array, dependency, 2-rank gloo rendezvous.

    python jobs/selftest.py --cluster local-slurm

All options: python jobs/selftest.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("selftest")
