#!/usr/bin/env bash
# Create .venv and install jiniac-hpc with its dependencies (idempotent; rerun after a pull).
#
#   bash envs/setup.sh                    # laptop, CI, CPU-only machines: installs CPU torch 2.13.0
#   JINIAC_SYSTEM_SITE=1 bash envs/setup.sh   # GPU cluster: keep the site's torch (module load first)
#
# Versions we tested are pinned as constraints in envs/requirements-lock.txt. torch is not in
# it: a GPU site keeps its own CUDA build; without CUDA we install the CPU wheel first, because
# a loose torch requirement would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  if [ -n "${JINIAC_SYSTEM_SITE:-}" ]; then
    "$PY" -m venv --system-site-packages .venv
  else
    "$PY" -m venv .venv
  fi
fi
VPY=.venv/bin/python
"$VPY" -m pip install -q --upgrade pip

if "$VPY" -c "import torch" 2>/dev/null; then
  echo "setup: keeping the installed torch $("$VPY" -c 'import torch; print(torch.__version__)')"
elif command -v nvidia-smi >/dev/null 2>&1; then
  echo "setup: CUDA machine without torch in reach: load your site's PyTorch module and rerun with" >&2
  echo "       JINIAC_SYSTEM_SITE=1 (after rm -rf .venv), or install a torch build for your CUDA." >&2
  exit 1
else
  echo "setup: no CUDA here: installing the CPU build torch==2.13.0"
  "$VPY" -m pip install -q torch==2.13.0
fi

"$VPY" -m pip install -q -c envs/requirements-lock.txt -e ".[dev]"
echo "setup: done. Activate with: source .venv/bin/activate"
