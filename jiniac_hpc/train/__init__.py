"""Training, the one house for pretrain, SFT, DPO and dpo-data.

    python jobs/pretrain.py --recipe debug          # CPU debug run (DeepSpeed ZeRO-1 on gloo)
    python jobs/sft.py --recipe debug               # then jobs/dpo_data.py, jobs/dpo.py
    jiniac plan debug                               # the plan's stages, steps and LR curve

``run`` assembles every training run (DeepSpeed config, Trainer arguments, callbacks,
TensorBoard, resume, preemption); a stage module supplies its model, data and loss:
``pretrain`` (``PretrainTrainer`` of ``trainer``), ``sft`` and ``dpo`` (TRL's trainers, with
what they share in ``finetune``), ``dpo_data`` (generation of rejected answers). Light modules
(the login node imports them): the configs, ``schedule`` (the LR as a pure function of the
global step), ``checkpoint`` (``step-XXXXXXXX`` folders, the resume rule), ``plan_cli``
(``jiniac plan``). Job-side (torch/transformers): ``run``, ``hf_checkpoint`` (atomic checkpoints
for any HF Trainer), ``callbacks``, ``trainer``, ``metrics``. Their data comes from
:mod:`jiniac_hpc.posttrain`, which never imports this package.
"""
