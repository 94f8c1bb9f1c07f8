"""Post-training data: prompt templates, record loading with bad-data reports, math formatting.

Data only: no module here imports torch, transformers or trl at import time (a test imports
each with them blocked), and none imports the training code. The SFT, DPO and dpo-data stages
that use them live in :mod:`jiniac_hpc.train`.

- :mod:`.templates` -- the llm-jp instruction template and the chat format (markers, Jinja
  template with ``{% generation %}`` blocks, parser for round trips);
- :mod:`.records`   -- JSONL (plain, .gz, .zst), JSON-array and ``datasets`` folders in instruction,
  chat and prompt/completion form, validated with file and line in every error;
- :mod:`.tables`    -- Parquet, Arrow and CSV/TSV files as rows (what the Hugging Face Hub serves);
- :mod:`.native`    -- public layouts (ShareGPT, Dolly, llm-jp-sft text, message-valued
  preference pairs, HH-RLHF transcripts, JSON arrays) mapped onto those forms without changing any text;
- :mod:`.oasst`     -- OpenAssistant message rows and trees (oasst1/oasst2, the ja translations)
  joined into best-ranked conversations (SFT) and ranked reply pairs (DPO), every message counted;
- :mod:`.mathfmt`   -- the levelled-arithmetic formatting transform (``python -m
  jiniac_hpc.posttrain.mathfmt --help`` shows its effect on token counts);
- :mod:`.encode`    -- text + loss spans -> ``input_ids``/``labels`` with a tokenizer, and the
  weighted source mixture (imports ``datasets`` lazily);
- :mod:`.pairs`     -- DPO prompt/chosen/rejected pairs rendered with the chat template;
- :mod:`.debug_assets` -- a tiny tokenizer + random model folder for CPU tests and the
  ``debug`` recipes (``python -m jiniac_hpc.posttrain.debug_assets OUT``).
"""
