"""Evaluation: jaster on JGLUE (llm-jp-eval v1.3.0 definitions), Japanese MT-bench, the response-language test.

    python -m jiniac_hpc.eval.run MODEL_DIR OUT_DIR --recipe debug       # one model folder, here
    python -m jiniac_hpc.eval.stage debug                                # the stage's plan (sweep)
    python -m jiniac_hpc.eval.sweep RUN_DIR                              # re-collect a sweep
    jiniac eval rescore OUT_DIR/predictions.jsonl --gold ../shared/data/jglue   # rescore saved answers

Modules: ``config`` (typed recipe sections, light), ``stage`` (plan: one task per ``step-*``
checkpoint + a collect job, light), ``run`` (one model: all suites, scores.json, TensorBoard),
``jaster`` / ``metrics`` (JGLUE tasks and metrics), ``rescore`` (scores from a predictions file
and gold files), ``mtbench`` / ``judge`` (two-turn answers, pluggable judge), ``mtbench_data``
(Japanese MT-bench files and the judge request as FastChat jp-stable builds it), ``mtbench_table``
(FastChat show_result's per-model table), ``langtest`` (script-based language classifier, 3x3
table), ``sweep`` (table, plot, best checkpoint), ``generate`` (batched left-padded generation),
``tiny`` (a random tiny model for tests and benchmarks).
"""
