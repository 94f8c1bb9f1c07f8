"""The house plan, measured by the imports: no cycles (imports inside functions included), and the
launcher knows no stage.

    pytest tests/test_imports.py
    python tools/house_counts.py --cycles        # the same graph, cycles listed

Every module under ``jiniac_hpc/`` is parsed; every ``import``/``from ... import`` anywhere in it
(module level, functions, ``if TYPE_CHECKING`` blocks) is an edge to the jiniac_hpc module it names
(``from pkg import mod`` is an edge to ``pkg.mod`` when that is a module, else to ``pkg``).
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from house_counts import find_cycles, import_graph, package_graph  # noqa: E402

STAGE_PACKAGES = ("corpus", "tokenizer", "data", "train", "posttrain", "eval", "pipeline", "model")


def test_graph_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "jiniac_hpc"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from jiniac_hpc.sub import b\n")
    (pkg / "sub" / "b.py").write_text("import os\n\n\nclass C:\n    def m(self):\n        from .. import a\n")
    graph = import_graph(pkg)
    assert graph["jiniac_hpc.a"] == {"jiniac_hpc.sub.b"} and graph["jiniac_hpc.sub.b"] == {"jiniac_hpc.a"}
    assert find_cycles(graph) == [["jiniac_hpc.a", "jiniac_hpc.sub.b"]]
    assert package_graph(graph) == {"jiniac_hpc": set(), "jiniac_hpc.a": {"jiniac_hpc.sub"},
                                    "jiniac_hpc.sub": {"jiniac_hpc.a"}}


def test_no_import_cycles():
    cycles = find_cycles(import_graph(REPO / "jiniac_hpc"))
    assert not cycles, "import cycles (imports inside functions count):\n" + "\n".join(
        " -> ".join(c + c[:1]) for c in cycles)


def test_no_cycles_between_packages():
    """The floors: config/fileio -> stages -> launch -> stage packages -> pipeline/cli, arrows only down."""
    cycles = find_cycles(package_graph(import_graph(REPO / "jiniac_hpc")))
    assert not cycles, "cycles between top-level packages:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_launcher_imports_no_stage_package():
    graph = import_graph(REPO / "jiniac_hpc")
    stage = tuple(f"jiniac_hpc.{p}" for p in STAGE_PACKAGES)
    launcher = [m for m in graph if m.startswith("jiniac_hpc.launch.") or m in ("jiniac_hpc.launch", "jiniac_hpc.stages")]
    assert "jiniac_hpc.stages" in launcher and len(launcher) > 2
    bad = sorted(f"{m} imports {t}" for m in launcher for t in graph[m]
                 if any(t == s or t.startswith(s + ".") for s in stage))
    assert not bad, "\n".join(bad)
