"""The end of a rank's task (``job.distributed.end_task``), in real subprocesses with a real gloo group.

    .venv/bin/python -m pytest -q tests/test_job_end.py
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

from jiniac_hpc.paths import REPO_ROOT, free_port


def _run(body: str) -> subprocess.CompletedProcess:
    port = free_port()
    code = textwrap.dedent(f"""
        import os, sys
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT="{port}", RANK="0", WORLD_SIZE="1")
        from jiniac_hpc.job.distributed import end_task
        def group():
            import torch.distributed as dist
            dist.init_process_group("gloo")
            return dist
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_a_distributed_task_that_succeeded_releases_the_group_and_exits_zero():
    # sys.exit(3) after end_task(True) stands for a teardown that would fail: the process still
    # ends with 0, and an exit handler registered later (atexit is LIFO) still runs.
    p = _run("""
        dist = group()
        assert end_task(True) is True
        assert not dist.is_initialized()
        import atexit; atexit.register(lambda: print("later handler ran", flush=True))
        sys.exit(3)
    """)
    assert p.returncode == 0, p.stderr
    assert "later handler ran" in p.stdout


def test_a_failed_distributed_task_keeps_its_exit_code():
    p = _run("""
        dist = group()
        assert end_task(False) is True
        assert not dist.is_initialized()
        sys.exit(3)
    """)
    assert p.returncode == 3, p.stderr


def test_a_task_without_a_group_is_left_alone():
    p = _run("""
        assert end_task(True) is False
        sys.exit(5)
    """)
    assert p.returncode == 5, p.stderr
