"""One rank of ``tests/test_model_zero.py``: a tiny deepseek-moe-16b-shaped model under real DeepSpeed ZeRO.

    python -m torch.distributed.run --standalone --nproc_per_node=2 tests/zero_moe_worker.py OUT_DIR

For ZeRO-2 and then ZeRO-3 (one launch: DeepSpeed's CPU communication setup is the slow part),
every rank builds the same model (seed 0), DeepSpeed partitions it (ZeRO-3: the parameters
themselves, the fused expert stacks included; ZeRO-2: gradients and optimizer states), and it
trains 6 steps with torch's AdamW on one fixed batch of random tokens a rank (a different batch per
rank). Rank 0 writes ``zero{stage}/result.json`` (its per-step losses, the partition of the fused
experts) and ``zero{stage}/model`` via ``save_pretrained`` of the consolidated weights (ZeRO-3: the
gathered 16-bit state dict).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DS_ACCELERATOR", "cpu")

import deepspeed  # noqa: E402
import torch  # noqa: E402

from jiniac_hpc.model import build_model, load_model_recipe  # noqa: E402

TINY = ["vocab_size=256", "hidden_size=64", "intermediate_size=128", "moe_intermediate_size=32",
        "num_hidden_layers=3", "num_attention_heads=4", "n_routed_experts=8", "num_experts_per_tok=3",
        "max_position_embeddings=64", "bos_token_id=1", "eos_token_id=2", "pad_token_id=3", "dtype=float32"]


def train(stage: int, out: Path) -> None:
    rank = torch.distributed.get_rank()
    torch.manual_seed(0)
    model = build_model(load_model_recipe("deepseek-moe-16b", TINY))
    ds = {"train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 1, "gradient_clipping": 1.0,
          "zero_optimization": {"stage": stage, "stage3_param_persistence_threshold": 0},
          "zero_allow_untested_optimizer": True, "steps_per_print": 10 ** 6}
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    engine, *_ = deepspeed.initialize(model=model, optimizer=opt, config=ds)
    experts = engine.module.model.layers[1].mlp.experts.gate_up_proj
    partition = {"ds_shape": list(getattr(experts, "ds_shape", experts.shape)), "local_numel": experts.numel()}
    batch = torch.randint(4, 256, (2, 32), generator=torch.Generator().manual_seed(100 + rank))
    losses = []
    for _ in range(6):   # the same batch each step: the loss must fall
        loss = engine(input_ids=batch, labels=batch).loss
        engine.backward(loss)
        engine.step()
        losses.append(loss.item())
    if stage == 3:
        state = engine._zero3_consolidated_16bit_state_dict()   # collective: every rank takes part
    else:
        state = engine.module.state_dict()
    if rank == 0:
        engine.module.save_pretrained(out / "model", state_dict=state)
        (out / "result.json").write_text(json.dumps({"losses": losses, "partition": partition}))
    engine.destroy()


def main() -> None:
    deepspeed.init_distributed(dist_backend="gloo")
    for stage in (2, 3):
        train(stage, Path(sys.argv[1]) / f"zero{stage}")


if __name__ == "__main__":
    main()
