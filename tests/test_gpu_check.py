"""``benchmarks/gpu_check.py --tiny`` end to end on CPU, so the one-command GPU check cannot rot.

    pytest tests/test_gpu_check.py

The same code as on a GPU at toy sizes: the MoE layer's paths (grouped, compiled grouped, loop,
reference), then ``jobs/pretrain.py --recipe jiniac-5b --cluster local`` on the committed seq-4096
fixture, its TensorBoard read back. torch.compile of the whole pretraining model is left to the GPU
run (inductor's CPU build alone takes about a minute here). Also: the local launcher gives a GPU stage
the machine's GPUs (the check trains through it).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_gpu_check_tiny_runs_end_to_end_on_cpu():
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "gpu_check.py"), "--tiny", "--runs", "off,off:2"],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    out = r.stdout
    assert r.returncode == 0, r.stderr[-3000:]
    assert "FAILED" not in out, out
    for path in ("grouped_mm", "grouped_mm+compile", "loop", "reference"):
        assert re.search(rf"^  {re.escape(path)}\s+[\d.]+-[\d.]+\s+[\d.]+x", out, re.M), (path, out)
    row = re.search(r"^  off\s+([\d,]+)\s+([\d.]+)\s+-\s+\|\s+([\d,]+)\s+([\d.]+)\s+-\s+\|\s+([\d.]+) -> ([\d.]+)", out, re.M)
    assert row, out
    ours, tb = float(row[1].replace(",", "")), float(row[3].replace(",", ""))
    assert ours > 0 and abs(ours - tb) / tb < 0.25, out      # two clocks over the same steps
    assert 0 < float(row[6]) < 20 and 0 < float(row[5]) < 20
    # two micro-batches per optimizer step: tokens/s counts both, as TensorBoard's does
    acc = re.search(r"^  off x2\s+([\d,]+)\s+[\d.]+\s+-\s+\|\s+([\d,]+)", out, re.M)
    assert acc, out
    ours, tb = float(acc[1].replace(",", "")), float(acc[2].replace(",", ""))
    assert abs(ours - tb) / tb < 0.25, out
    # one step by phase, through the DeepSpeed engine: each phase timed, the shares add up
    assert "DeepSpeed ZeRO-1 engine" in out, out
    shares = [int(re.search(rf"^  {name}\s+[\d.]+-[\d.]+\s+(\d+)%", out, re.M)[1])
              for name in ("forward", "backward", "optimizer step")]
    assert 97 <= sum(shares) <= 103 and shares[1] > 0, out
    assert re.search(r"^  total\s+[\d.]+-[\d.]+\s+best: [\d,]+ tokens/s", out, re.M), out


def test_local_launcher_hands_a_gpu_stage_the_visible_gpus(monkeypatch, tmp_path):
    """submitit's LocalExecutor sets CUDA_VISIBLE_DEVICES from gpus_per_node ("" for 0): a GPU
    stage on the local profile must ask for the machine's GPUs, a CPU stage for none."""
    from jiniac_hpc.cluster import JobConfig, load_cluster
    from jiniac_hpc.launch.backend import Submission
    from jiniac_hpc.launch.local import LocalBackend, local_gpus

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    assert local_gpus() == 1
    local = LocalBackend(load_cluster("local"))
    assert local.executor(Submission("x", JobConfig(gpus=True), tmp_path)).parameters["gpus_per_node"] == 1
    assert local.executor(Submission("y", JobConfig(gpus=False), tmp_path)).parameters["gpus_per_node"] == 0
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert local_gpus() == 0
