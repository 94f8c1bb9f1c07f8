"""jiniac-hpc: a Slurm-native job suite from raw text to an evaluated Japanese MoE LLM.

Importing this package is cheap (no torch, no transformers). The DeepSeekMoE model classes
are registered with transformers' Auto classes by :mod:`jiniac_hpc.model` (see there).
"""
__version__ = "0.1.0"
