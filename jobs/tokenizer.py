"""Train the ja/en/hi sentencepiece tokenizer and merge it (array + dependent merge).

    python jobs/tokenizer.py --recipe debug

All options: python jobs/tokenizer.py --help
"""
from jiniac_hpc.cli import run_stage_script

if __name__ == "__main__":
    run_stage_script("tokenizer")
