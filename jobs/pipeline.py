"""The whole pipeline: raw text to an evaluated model, locally or as a Slurm DAG.

    python jobs/pipeline.py                                  # the embedded `tiny` default, here
    python jobs/pipeline.py --cluster local-slurm --until pretokenize
    python jobs/pipeline.py --from sft                       # rerun the tail after a change

All options: python jobs/pipeline.py --help
"""
import sys

from jiniac_hpc.cli import main

if __name__ == "__main__":
    main(["pipeline", *sys.argv[1:]])
