"""Pre-tokenized training data: HDF5 token shards, the curriculum plan and its sampler.

    python jobs/pretokenize.py --recipe debug        # corpus shards -> logs/pretokenize/debug/{shards,index.json}

Modules (light ones first; only the last four import numpy/h5py/torch):

- :mod:`~jiniac_hpc.data.config`: ``TokenizeConfig``, the ``pretokenize`` stage recipe.
- :mod:`~jiniac_hpc.data.plan`: ``PlanStage``/``PlanConfig``, the curriculum in a training
  recipe's ``plan:`` section (presets in ``jiniac_hpc/recipes/plan/``).
- :mod:`~jiniac_hpc.data.pretokenize`: the stage (``plan``, the per-shard array task, the index).
- :mod:`~jiniac_hpc.data.shards`: the HDF5 shard format (writer, attributes, tokenizer hash).
- :mod:`~jiniac_hpc.data.dataset`: ``PackedDataset``, map-style, lazy per-worker HDF5 reads.
- :mod:`~jiniac_hpc.data.walk`: the deterministic walk of a plan (pure numpy, random access).
- :mod:`~jiniac_hpc.data.sampler`: ``CurriculumSampler``, the walk sharded over data-parallel ranks.
- :mod:`~jiniac_hpc.data.loader`: ``build_dataloader``, the resumable loader the Trainer uses.
"""
