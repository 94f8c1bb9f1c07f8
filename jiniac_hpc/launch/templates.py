"""The committed ``sbatch_templates/*.sbatch``: self-contained scripts for plain ``sbatch``.

    jiniac templates                                   # rewrite sbatch_templates/ (a test fails while stale)
    jiniac templates --check                           # exit 1 if one is stale
    jiniac templates pretrain --cluster local-slurm --set data.index=PATH   # print one, for your data/site

A template differs from the launcher's ``--dry-run`` script in what it leaves to Slurm, so that
``sbatch -N 4 sbatch_templates/pretrain.sbatch`` means what it says:

- node and task counts: the job reads ``SLURM_NNODES`` / ``SLURM_NTASKS_PER_NODE`` at run time
  (``jiniac_hpc.job.direct --template``), so ``-N`` and ``--ntasks-per-node`` on the sbatch
  line are honoured;
- the repository is the job's working directory: the submit directory, or ``sbatch -D PATH``
  where compute nodes see the checkout under another path than the login node (the script had
  gone to ``SLURM_SUBMIT_DIR`` over ``-D``); the script stops with one line if that is not a
  checkout;
- python is the profile's ``python``, else the checkout's ``.venv/bin/python`` (``$JINIAC_PYTHON``
  overrides), and the script stops with one line if there is none;
- the run name is ``<recipe>-<job id>`` (``$JINIAC_RUN_NAME`` overrides), so two submissions never
  share a run directory, and a requeued job (same id) resumes its own;
- the job writes its own ``jobs.json`` record, so ``jiniac status`` lists it;
- the committed templates name no partition: Slurm's default one runs them (``sbatch -p NAME``
  picks another), where ``--partition=debug`` made every site without a ``debug`` partition refuse
  them ("invalid partition specified"). A template printed for a site profile keeps its partition.

Templates are rendered by :func:`jiniac_hpc.launch.sbatch.render_sbatch` from the recipe and the
cluster profile, like every launcher script. The committed ones use the ``local-slurm`` profile
(no site modules, no GPUs, no partition: they run on any Slurm) and recipe ``debug``.
"""
from __future__ import annotations

import shlex
from pathlib import Path
from typing import Optional

from jiniac_hpc.cluster import JobConfig, resolve_cluster
from jiniac_hpc.launch.sbatch import build_spec, render_sbatch
from jiniac_hpc.paths import REPO_ROOT
from jiniac_hpc.stages import get_stage, load_config

TEMPLATE_CLUSTER = "local-slurm"

# template name -> (stage, --set overrides it is rendered with)
TEMPLATES: dict[str, tuple[str, list[str]]] = {
    # one rank a node: the local test cluster's nodes have 1 CPU each when started with 2 nodes
    "pretrain": ("pretrain", ["job.tasks_per_node=1"]),
    "sft": ("sft", []),
    "dpo": ("dpo", []),
}


def template_dir() -> Path:
    return REPO_ROOT / "sbatch_templates"


def template_text(stage: str, recipe: str = "debug", overrides: Optional[list[str]] = None,
                  cluster: str = TEMPLATE_CLUSTER) -> str:
    """The plain-sbatch script of a single-job stage (see the module docstring)."""
    overrides = list(overrides or [])
    st = get_stage(stage)
    if st.job_step is None:
        raise ValueError(f"stage {stage!r} is not one job; submit it with jobs/{st.name.replace('-', '_')}.py")
    cfg, prof = load_config(stage, recipe, overrides), resolve_cluster(cluster)
    job: JobConfig = cfg.job
    python = prof.python or '"$PY"'
    name = Path(str(recipe)).stem
    args = ["--template", "--folder", '"$DIR"', stage, "--recipe", shlex.quote(str(recipe)), "--cluster",
            shlex.quote(prof.name), "--run-name", '"$RUN"']
    for o in overrides:
        args += ["--set", shlex.quote(o)]
    prelude = (
        "# the repository is the job's working directory: where sbatch ran, or its -D (sbatch runs a copy of",
        "# this file, so $0 cannot tell); -D names it where compute nodes mount it under another path",
        'if [ ! -f jiniac_hpc/__init__.py ]; then echo "not a jiniac-hpc checkout: $PWD (submit from the checkout\'s '
        'root, or name it with sbatch -D PATH as the compute nodes see it)" >&2; exit 1; fi',
        "# a new run directory for each job; a requeued job keeps its id, so it resumes its own",
        f'RUN="${{JINIAC_RUN_NAME:-{name}-$SLURM_JOB_ID}}"',
        f'DIR="${{JINIAC_LOGS:-logs}}/{stage}/$RUN/submitit"',
    )
    if not prof.python:   # (a profile's python comes from its setup lines, which run after this)
        prelude += (
            "# the checkout's environment (bash envs/setup.sh), or JINIAC_PYTHON: without one srun's task",
            "# would fail to start, its reason only in the tasks' logs",
            'PY="${JINIAC_PYTHON:-.venv/bin/python}"',
            'command -v "$PY" >/dev/null || { echo "no python at $PY: run bash envs/setup.sh in the checkout, '
            'or set JINIAC_PYTHON" >&2; exit 1; }',
        )
    spec = build_spec(job_name=f"{stage}-{name}", job=job, cluster=prof,
                      command=f"{python} -u -m jiniac_hpc.job.direct " + " ".join(args),
                      log_dir="$DIR", batch_log_dir=None)   # logs/ exists only in the checkout: submitted
    # from anywhere else, Slurm could not open it and the job failed unseen (JobLaunchFailure)
    if cluster == TEMPLATE_CLUSTER:   # the committed templates: any site's default partition (module docstring)
        spec = spec.with_(partition=None)
    return render_sbatch(spec.with_(prelude=prelude, shell_paths=True))


def render_all() -> dict[str, str]:
    return {name: template_text(stage, overrides=ov) for name, (stage, ov) in TEMPLATES.items()
            if get_stage(stage).plan is not None}

