"""jiniac-hpc: a Slurm-native job suite from raw text to an evaluated Japanese MoE LLM.

    jiniac --help                       # the command line (jiniac_hpc/cli.py)

Importing this package is cheap (no torch, no transformers). Models load through one door,
:func:`jiniac_hpc.model.load.load_model`, which registers the DeepSeekMoE classes with
transformers' Auto classes first.
"""
__version__ = "0.1.0"
