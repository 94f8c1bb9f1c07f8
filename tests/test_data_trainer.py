"""HF Trainer driven by the curriculum loader: a resumed run sees exactly the uninterrupted batches.

    .venv/bin/python -m pytest tests/test_data_trainer.py -q

This is the recipe documented in jiniac_hpc/data/loader.py (get_train_dataloader returns
build_dataloader(...), ignore_data_skip=True, sampler state saved with each checkpoint and loaded
before training resumes). Runs in a subprocess (transformers takes seconds to import), with a
one-layer GPT-2 built from a config (nothing downloaded).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainerCallback, TrainingArguments
    from jiniac_hpc.data.dataset import PackedDataset
    from jiniac_hpc.data.loader import build_dataloader
    from jiniac_hpc.data.plan import PlanConfig, PlanStage
    from jiniac_hpc.data.sampler import CurriculumSampler
    PLAN = PlanConfig(stages=[PlanStage("mix", {"web": 1.0, "wiki": 1.0}, tokens=8 * 24),
                              PlanStage("rest", {"*": 1.0})], seed=5)

    work, mode = Path(sys.argv[1]), sys.argv[2]
    ds = PackedDataset(work / "data" / "index.json")
    sampler = CurriculumSampler(ds, PLAN, micro_batch_size=4, grad_accum=2)
    seen = []

    class CurriculumTrainer(Trainer):
        def get_train_dataloader(self):
            return build_dataloader(ds, sampler, num_workers=0)

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            seen.append((inputs["input_ids"][:, 0] - 10).tolist())
            logits = model(input_ids=inputs["input_ids"]).logits
            # labels are already shifted: no second shift
            loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), inputs["labels"].flatten())
            return (loss, logits) if return_outputs else loss

    class SaveSampler(TrainerCallback):
        def on_save(self, args, state, control, **kw):
            path = Path(args.output_dir) / f"checkpoint-{state.global_step}" / "sampler.json"
            path.write_text(json.dumps(sampler.state_dict()))

        def on_step_end(self, args, state, control, **kw):
            if mode == "first-half" and state.global_step == 3:
                control.should_training_stop = True

    out = work / mode if mode != "resume" else work / "first-half"
    args = TrainingArguments(output_dir=str(out), max_steps=sampler.total_steps, per_device_train_batch_size=4,
                             gradient_accumulation_steps=2, save_strategy="steps", save_steps=3,
                             ignore_data_skip=True, report_to=[], use_cpu=True, logging_steps=1,
                             learning_rate=1e-3, seed=0)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=1000, n_positions=16, n_embd=16, n_layer=1, n_head=2))
    trainer = CurriculumTrainer(model=model, args=args, train_dataset=ds, callbacks=[SaveSampler()])
    resume = None
    if mode == "resume":
        resume = str(out / "checkpoint-3")
        sampler.load_state_dict(json.loads((out / "checkpoint-3" / "sampler.json").read_text()))
    trainer.train(resume_from_checkpoint=resume)
    print("RESULT" + json.dumps({"seen": seen, "steps": trainer.state.global_step, "total": sampler.total_steps}))
''')


def _reference(tmp_path):
    """The uninterrupted order, straight from the loader (no Trainer)."""
    from jiniac_hpc.data.dataset import PackedDataset
    from jiniac_hpc.data.fixtures import synthetic_index
    from jiniac_hpc.data.loader import build_dataloader
    from jiniac_hpc.data.plan import PlanConfig, PlanStage
    from jiniac_hpc.data.sampler import CurriculumSampler

    ds = PackedDataset(synthetic_index(tmp_path / "data", {"web": 40, "wiki": 25}, 8, vocab_size=1000))
    plan = PlanConfig(stages=[PlanStage("mix", {"web": 1.0, "wiki": 1.0}, tokens=8 * 24),
                              PlanStage("rest", {"*": 1.0})], seed=5)
    sampler = CurriculumSampler(ds, plan, micro_batch_size=4, grad_accum=2)
    return [(b["input_ids"][:, 0] - 10).tolist() for b in build_dataloader(ds, sampler, num_workers=0)]


def _run(tmp_path, mode):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    p = subprocess.run([sys.executable, str(script), str(tmp_path), mode], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr[-4000:]
    line = next(x for x in p.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[len("RESULT"):])


def test_trainer_resume_continues_with_the_exact_next_batch(tmp_path):
    full = _reference(tmp_path)
    assert len(full) == 16                           # 65 samples -> 8 steps of 8 = 16 micro-batches of 4
    first = _run(tmp_path, "first-half")
    assert first["total"] == 8 and first["steps"] == 3
    assert first["seen"] == full[:6]                 # the Trainer consumes the loader in order
    resumed = _run(tmp_path, "resume")
    assert resumed["steps"] == 8
    assert resumed["seen"] == full[6:]               # no replay, no skip: the very next batch
