"""Corpus build: raw sources -> clean, deduplicated JSONL.zst shards + report (stage ``corpus``).

    python jobs/corpus.py --recipe debug            # bundled fixtures + JSQuAD contexts, seconds

Modules: ``config`` (recipe dataclasses), ``readers`` (streaming readers per format),
``filters`` (normalisation, language and quality filters), ``pii`` (``scrub_pii``),
``dedup`` (exact + MinHash LSH: signatures, buckets, clusters), ``shards`` (run-directory
layout, input manifest), ``stage`` (plan + per-shard steps), ``report`` (stats.json, report.md).
"""
