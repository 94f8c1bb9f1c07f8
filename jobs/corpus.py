"""Build the corpus: readers, filters, PII removal, dedup, report (Slurm array chain).

    python jobs/corpus.py --recipe debug                 # local, or --cluster NAME for Slurm

All options: python jobs/corpus.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("corpus")
