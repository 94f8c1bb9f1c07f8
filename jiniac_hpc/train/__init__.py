"""Training: pretraining, and the pieces SFT/DPO reuse.

    python jobs/pretrain.py --recipe debug          # CPU debug run (DeepSpeed ZeRO-1 on gloo)
    jiniac plan debug                               # the plan's stages, steps and LR curve

Light modules (the login node imports them): ``config`` (``PretrainConfig``), ``schedule``
(the LR as a pure function of the global step), ``checkpoint`` (``step-XXXXXXXX`` folders,
``find_resume_path``), ``plan_cli`` (``jiniac plan``). Job-side modules (torch/transformers):
``hf_checkpoint`` (atomic checkpoints for any HF Trainer), ``callbacks`` (checkpoint cadence,
preemption, TensorBoard), ``trainer`` (``PretrainTrainer``), ``pretrain`` (the stage: ``plan``,
``train_task``), ``metrics`` (throughput, FLOPs, MFU, MoE load). SFT/DPO live in ``sft*``/``dpo*``.
"""
