"""The ``jiniac`` command: one subcommand per pipeline stage, plus status, tb, plan, explain.

    jiniac pretrain --recipe debug --nodes 2 --cluster abci-h100 --dry-run
    jiniac corpus --recipe debug                  # no Slurm here: runs locally
    jiniac status logs/corpus/debug
    jiniac tb logs/pretrain/debug
    jiniac explain pretrain                       # every config key with its doc
    jiniac eval mtbench-table JUDGMENTS.jsonl     # FastChat's MT-bench per-model table

``jobs/<stage>.py`` are thin wrappers around this, so ``python jobs/pretrain.py --nodes 2`` on
a login node is the same as ``jiniac pretrain --nodes 2``. Options are not declared twice:
every config value is set with ``--set key=value`` (``--nodes N`` is shorthand for
``--set job.nodes=N``).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from jiniac_hpc.config import ConfigError
from jiniac_hpc.errors import TaskFailed
from jiniac_hpc.paths import rel
from jiniac_hpc.stages import ALIASES, STAGES

STAGE_OPTIONS = [
    click.option("--recipe", "-r", default="debug", show_default=True,
                 help="Recipe name (jiniac_hpc/recipes/<stage>/) or path to a YAML file."),
    click.option("--cluster", "-c", default=None,
                 help="Cluster profile in envs/clusters/ (default: $JINIAC_CLUSTER, or 'local' without Slurm)."),
    click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                 help="Override any config key: a.b=V, or a list entry's: sources[0].paths=[f.txt]."),
    click.option("--nodes", type=int, default=None, help="Shorthand for --set job.nodes=N."),
    click.option("--run-name", default=None, help="Run directory name under logs/<stage>/ (default: recipe)."),
    click.option("--dry-run", is_flag=True, help="Validate and print the sbatch script(s); submit nothing."),
    click.option("--wait/--no-wait", default=False, help="On Slurm, wait for the jobs and report results."),
]


# Stage-specific shorthands: option -> (config key, help); ``--stage 1`` is ``--set train.stage=1``.
SHORTHANDS = {
    "eval": {"checkpoints": ("checkpoints", "Evaluate every step-* checkpoint of this run directory, as an array.")},
    "pretrain": {"stage": ("train.stage", "Train up to the end of plan stage K (index or name) as its own job, "
                                          "continuing the run's schedule (= --set train.stage=K).")},
}


def _stage_command(stage_name: str):
    def run(recipe, cluster, overrides, nodes, run_name, dry_run, wait, **short):
        from jiniac_hpc.launch.runner import launch

        overrides = list(overrides) + ([f"job.nodes={nodes}"] if nodes is not None else [])
        keys = {opt: key for opt, (key, _) in SHORTHANDS.get(stage_name, {}).items()}
        overrides += [f"{keys[k]}={v}" for k, v in short.items() if v is not None]
        try:
            res = launch(stage_name, recipe, overrides=overrides, cluster=cluster, run_name=run_name,
                         dry_run=dry_run)
        except (ConfigError, FileNotFoundError, NotImplementedError) as e:
            raise click.ClickException(str(e)) from None
        except TaskFailed as e:     # the task's own error, not the launcher's traceback around it
            raise click.ClickException(f"{stage_name} failed: {e.summary}\n  (the task's traceback: {rel(e.log)}; "
                                       f"jiniac status {rel(e.run_dir)})") from None
        if wait and res.jobs:   # local jobs are finished already
            res.wait()
            click.echo(f"[{stage_name}] all jobs finished")

    # A stage with tools is a group: ``jiniac eval --recipe x`` runs the stage, ``jiniac eval TOOL`` a tool.
    entry = _unless_tool(run) if stage_name in STAGE_TOOLS else run
    for opt, (_, help_text) in SHORTHANDS.get(stage_name, {}).items():
        entry = click.option(f"--{opt.replace('_', '-')}", opt, default=None,
                             metavar="K" if opt == "stage" else None, help=help_text)(entry)
    for opt in reversed(STAGE_OPTIONS):
        entry = opt(entry)
    help_text = STAGES[ALIASES.get(stage_name, stage_name)].help
    if stage_name not in STAGE_TOOLS:
        return click.command(name=stage_name, help=help_text, hidden=stage_name in ALIASES)(entry)
    group = click.group(name=stage_name, help=help_text, invoke_without_command=True)(entry)
    for tool in STAGE_TOOLS[stage_name]:
        group.add_command(tool)
    return group


def _unless_tool(run):
    """A group callback that runs the stage only when no tool was named."""
    @click.pass_context
    def entry(ctx, **kw):
        if ctx.invoked_subcommand is None:
            run(**kw)
    return entry


@click.command(name="mtbench-table")
@click.argument("judgments", type=click.Path(exists=True, path_type=Path))
@click.option("--mode", type=click.Choice(["single", "pairwise-baseline", "pairwise-all"]), default="single",
              show_default=True, help="show_result.py's --mode: single-answer scores, or win rates of a *_pair.jsonl.")
@click.option("--baseline-model", default="gpt-3.5-turbo", show_default=True, help="pairwise-baseline's baseline.")
@click.option("--model-list", multiple=True, help="Only this model (repeatable), as show_result's --model-list.")
@click.option("--questions", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="single: FastChat question.jsonl; adds the per-category (radar) scores.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def mtbench_table(judgments, mode, baseline_model, model_list, questions, as_json):
    """FastChat's MT-bench table (show_result.py) of a judgments file or folder: scores or win rates."""
    import json

    from jiniac_hpc.eval.mtbench_pairwise import format_pairwise, load_pair_judgments, pairwise_table
    from jiniac_hpc.eval.mtbench_radar import categories_of, category_table, format_categories
    from jiniac_hpc.eval.mtbench_table import format_table, load_judgments, table

    try:
        if mode == "single":
            rows = load_judgments(judgments)
            t = table(rows, list(model_list) or None)
            shown = format_table(t)
            if questions is not None:
                cats = category_table([j for j in rows if j["model"] in t], categories_of(questions), str(questions))
                t, shown = {"models": t, "categories": cats}, shown + "\n\n" + format_categories(cats)
        else:
            t = pairwise_table(load_pair_judgments(judgments), baseline_model if mode == "pairwise-baseline" else None,
                               list(model_list) or None)
            shown = format_pairwise(t)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    click.echo(json.dumps(t, indent=1, ensure_ascii=False) if as_json else shown)


@click.command(name="rescore")
@click.argument("predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--gold", "golds", multiple=True, required=True, metavar="FILE|TASK=FILE|DIR",
              help="Gold JGLUE file (task from its name, or TASK=FILE), or a folder of JGLUE files; repeatable.")
@click.option("--out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the scores (default: scores.rescored.json beside PREDICTIONS).")
@click.option("--scoring", default="llm-jp-eval-1.3.0", show_default=True, metavar="RULE",
              help="How generations are read and averaged: llm-jp-eval-1.3.0 or nejumi-4 (jiniac_hpc/eval/scoring.py).")
def eval_rescore(predictions, golds, out, scoring):
    """Recompute the jaster scores of a predictions.jsonl against gold files (no model needed)."""
    from jiniac_hpc.eval.rescore import rescore_to

    try:
        rescore_to(predictions, golds, out, scoring)
    except (ConfigError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None


# Subcommands under a stage's command (``jiniac eval rescore …``, ``jiniac eval mtbench-table FILE``).
STAGE_TOOLS = {"eval": [eval_rescore, mtbench_table]}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """jiniac-hpc: raw text to an evaluated Japanese MoE LLM, on Slurm or on this machine."""


for _name in [*STAGES, *ALIASES]:   # an old name runs its stage, with a note on stderr
    cli.add_command(_stage_command(_name))


@cli.command()
@click.option("--recipe", "-r", default="tiny", show_default=True, help="Pipeline recipe (recipes/pipeline/).")
@click.option("--cluster", "-c", default=None, help="Cluster profile (default: $JINIAC_CLUSTER, or 'local').")
@click.option("--from", "start", default=None, help="First stage to run.")
@click.option("--until", default=None, help="Last stage to run.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a pipeline recipe key.")
def pipeline(recipe, cluster, start, until, overrides):
    """The whole DAG: corpus → tokenizer → pretokenize → pretrain → sft → dpo-data → dpo → eval → report."""
    from jiniac_hpc.pipeline.run import run_pipeline

    try:
        run_pipeline(recipe, cluster=cluster, start=start, until=until, overrides=list(overrides))
    except (ConfigError, FileNotFoundError, NotImplementedError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    except TaskFailed as e:
        raise click.ClickException(f"a stage failed: {e.summary}\n  (the task's traceback: {rel(e.log)})") from None


@cli.command()
@click.argument("runs", nargs=-1)
def status(runs):
    """Jobs of a run (or of every run): Slurm state, elapsed time, last log line."""
    from jiniac_hpc.paths import logs_root
    from jiniac_hpc.launch.status import find_run, print_status

    root = logs_root()
    try:
        dirs = [find_run(r, root) for r in runs] or sorted(p.parent for p in root.glob("*/*/jobs.json"))
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    print_status(dirs)


@cli.command()
@click.argument("run")
@click.option("--port", type=int, default=None, help="Port on 127.0.0.1 (default: a free one).")
def tb(run, port):
    """Start TensorBoard for RUN on localhost and print the ssh -L line to reach it."""
    from jiniac_hpc.paths import logs_root
    from jiniac_hpc.paths import free_port
    from jiniac_hpc.launch.status import find_run, ssh_hint, tensorboard_command

    try:
        run_dir = find_run(run, logs_root())
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    port = port or free_port()
    click.echo(f"TensorBoard for {run_dir} on http://127.0.0.1:{port}")
    click.echo(f"from your laptop: {ssh_hint(port)}")
    sys.stdout.flush()
    os.execv(sys.executable, tensorboard_command(run_dir, port))


@cli.command()
@click.argument("stage", type=click.Choice(sorted([*STAGES, *ALIASES])))
def explain(stage):
    """Every config key of STAGE's recipes, with its type and documentation."""
    from jiniac_hpc.config import describe
    from jiniac_hpc.stages import config_class, get_stage

    cls = config_class(get_stage(stage))
    for key, tp, doc in describe(cls):
        click.echo(f"{key:36s} {tp:18s} {doc}")
    for line in getattr(cls, "explain_notes", list)():   # e.g. the corpus readers and their options
        click.echo(line)


@cli.command()
@click.argument("recipe", default="debug")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a pretrain recipe key.")
@click.option("--png", default=None, help="Where to write the LR curve (default: logs/plan/<recipe>-lr.png).")
def plan(recipe, overrides, png):
    """The pretraining plan of RECIPE: stages, token budgets, steps, and a PNG of the LR over the whole plan."""
    from jiniac_hpc.train.plan_cli import default_png, print_plan

    try:
        print_plan(recipe, list(overrides), png or default_png(recipe))
    except (ConfigError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None


@cli.command()
def clusters():
    """List the cluster profiles in envs/clusters/ and whether Slurm answers here."""
    from jiniac_hpc.cluster import list_clusters, load_cluster, slurm_available

    click.echo(f"Slurm reachable here: {slurm_available()}")
    for n in list_clusters():
        c = load_cluster(n)
        click.echo(f"  {n:16s} executor={c.executor:5s} partition={c.partition} gpus/node={c.gpus_per_node}")


@cli.command()
@click.argument("stage", required=False)
@click.option("--recipe", "-r", default="debug", show_default=True, help="Recipe of STAGE.")
@click.option("--cluster", "-c", default="local-slurm", show_default=True, help="Cluster profile to render for.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a recipe key.")
@click.option("--check", is_flag=True, help="Exit 1 if a committed template is stale.")
def templates(stage, recipe, cluster, overrides, check):
    """Print the plain-sbatch script of STAGE, or (no STAGE) rewrite/check sbatch_templates/*.sbatch."""
    from jiniac_hpc.launch.templates import render_all, template_dir, template_text

    if stage:
        try:
            click.echo(template_text(stage, recipe, list(overrides), cluster), nl=False)
        except (ConfigError, FileNotFoundError, ValueError) as e:
            raise click.ClickException(str(e)) from None
        return
    stale = []
    for name, text in render_all().items():
        path = template_dir() / f"{name}.sbatch"
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            click.echo(f"wrote {path}")
    if stale:
        raise click.ClickException(f"stale templates: {stale}; run `jiniac templates`")


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="jiniac")


def run_stage_script(stage: str) -> None:
    """Body of ``jobs/<stage>.py``."""
    main([stage, *sys.argv[1:]])


if __name__ == "__main__":
    main()
