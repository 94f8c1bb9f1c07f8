"""The whole pipeline: raw text to an evaluated model, locally or as a Slurm DAG.

    python jobs/pipeline.py                                  # the embedded `tiny` default, here
    python jobs/pipeline.py --cluster local-slurm --until tokenize
    python jobs/pipeline.py --from sft                       # rerun the tail after a change

All options: python jobs/pipeline.py --help
"""
import sys
from pathlib import Path

# Python puts jobs/ first on sys.path, and jobs/tokenize.py would shadow the standard library's
# tokenize module; put the repository root there instead (it also makes a plain checkout work).
sys.path[0] = str(Path(__file__).resolve().parents[1])

from jiniac_hpc.cli import main  # noqa: E402

if __name__ == "__main__":
    main(["pipeline", *sys.argv[1:]])
