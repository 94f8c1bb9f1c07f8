"""The deepseek-moe-16b recipe (tiny widths) under real DeepSpeed ZeRO-2 and ZeRO-3 on 2 CPU ranks.

    pytest tests/test_model_zero.py

The fused expert parameters are partitioned like any other under ZeRO-3 (gathered when the experts
module runs), the run trains, ZeRO-2 and ZeRO-3 follow the same loss curve, and both save
reference-named checkpoints that load back with equal weights. The ranks run
``tests/zero_moe_worker.py`` under ``torch.distributed.run`` (gloo).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]


def test_deepseek_moe_16b_trains_under_zero2_and_zero3_with_fused_experts(tmp_path):
    from safetensors.torch import load_file

    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", DS_ACCELERATOR="cpu")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(REPO / "tests" / "zero_moe_worker.py"), str(tmp_path)]
    r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-4000:]
    res = {s: json.loads((tmp_path / f"zero{s}" / "result.json").read_text()) for s in (2, 3)}
    # ZeRO-3 holds the [E, 2I, H] expert stack partitioned: nothing of it stays whole on a rank
    assert res[3]["partition"] == {"ds_shape": [8, 64, 64], "local_numel": 0}
    assert res[2]["partition"]["local_numel"] == 8 * 64 * 64
    for s in (2, 3):
        losses = res[s]["losses"]
        assert losses[-1] < losses[0] - 0.5, (s, losses)
    assert max(abs(a - b) for a, b in zip(res[2]["losses"], res[3]["losses"])) < 1e-3
    saved = {s: load_file(str(tmp_path / f"zero{s}" / "model" / "model.safetensors")) for s in (2, 3)}
    assert set(saved[2]) == set(saved[3])
    assert "model.layers.1.mlp.experts.7.down_proj.weight" in saved[3]
    assert not any(k.endswith("gate_up_proj") for k in saved[3])
    for k, v in saved[2].items():
        assert torch.allclose(v.float(), saved[3][k].float(), atol=1e-4), k
