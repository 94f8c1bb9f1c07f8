"""The committed ``sbatch_templates/*.sbatch``: what they are rendered from.

    python -m jiniac_hpc.launch.templates          # rewrite them (same as `jiniac templates`)
    python -m jiniac_hpc.launch.templates --check  # exit 1 if one is stale (tests do this)

Each template is exactly the ``--dry-run`` output of the job line below, rendered by
:func:`jiniac_hpc.launch.sbatch.render_sbatch` through the launcher, so a template can never
disagree with what the launcher submits. Templates exist for single-job stages; array and
multi-step stages are submitted with ``jobs/<stage>.py``, which chains their steps.
The cluster is the example GPU profile; copy ``envs/clusters/abci-h100.yaml`` for your site.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from jiniac_hpc.paths import REPO_ROOT

GPU_EXAMPLE = "abci-h100"

# template name -> (stage, the `jobs/<stage>.py` arguments it is the --dry-run of)
TEMPLATES: dict[str, tuple[str, list[str]]] = {
    "pretrain": ("pretrain", ["--nodes", "2"]),
    "sft": ("sft", ["--nodes", "1"]),
    "dpo": ("dpo", ["--nodes", "1"]),
}


def template_dir() -> Path:
    return REPO_ROOT / "sbatch_templates"


def dry_run_text(stage: str, args: list[str], cluster: str = GPU_EXAMPLE) -> str:
    """What ``python jobs/<stage>.py ARGS --cluster CLUSTER --dry-run`` prints on stdout."""
    import contextlib
    import os

    from jiniac_hpc.cli import main

    buf = io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO_ROOT)  # log paths are rendered relative to where sbatch is run: the repo root
    try:
        with contextlib.redirect_stdout(buf):
            try:
                main([stage, *args, "--cluster", cluster, "--dry-run"])
            except SystemExit as e:
                if e.code:
                    raise
    finally:
        os.chdir(cwd)
    return buf.getvalue()


def render_all() -> dict[str, str]:
    from jiniac_hpc.stages import get_stage

    return {name: dry_run_text(stage, args) for name, (stage, args) in TEMPLATES.items()
            if get_stage(stage).plan is not None}


if __name__ == "__main__":
    from jiniac_hpc.cli import main as cli_main

    cli_main(["templates", *sys.argv[1:]])
