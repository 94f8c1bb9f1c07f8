"""The launcher's floors, read from the import statements (including those inside functions).

    .venv/bin/python -m pytest tests/test_launch_structure.py -q

Ground floor: ``config``, ``cluster``, ``paths``, ``fileio``, ``stages`` (the contract). The job
runtime (``job/``) imports only that; the launcher (``launch/``) imports both; neither the
launcher nor ``stages`` imports a stage package. No import cycle runs through these modules, and
which backend runs a step is decided in one place (no ``is_local`` branches).
"""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "jiniac_hpc"
STAGE_PACKAGES = {"corpus", "tokenizer", "data", "model", "train", "posttrain", "eval", "pipeline"}
GROUND = {"jiniac_hpc", "jiniac_hpc.config", "jiniac_hpc.cluster", "jiniac_hpc.paths", "jiniac_hpc.fileio", "jiniac_hpc.errors",
          "jiniac_hpc.stages"}


def _imports() -> dict[str, set[str]]:
    mods = {".".join(p.relative_to(PKG.parent).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                deps |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for d in graph[todo.pop()] - seen:
            seen.add(d)
            todo.append(d)
    return seen


def _ours(name: str) -> bool:
    return name in GROUND or name.startswith(("jiniac_hpc.launch", "jiniac_hpc.job"))


def test_floors_and_no_stage_imports():
    graph = _imports()
    for name, deps in graph.items():
        if name.startswith("jiniac_hpc.job") or name in GROUND - {"jiniac_hpc"}:   # (the package's own __init__ aside)
            assert deps <= GROUND | {d for d in deps if d.startswith("jiniac_hpc.job")}, (name, deps)
        if name.startswith("jiniac_hpc.launch") or name == "jiniac_hpc.stages":
            stage_deps = {d for d in deps if d.split(".")[1:2] and d.split(".")[1] in STAGE_PACKAGES}
            assert not stage_deps, (name, stage_deps)
    assert "jiniac_hpc.launch" not in {d.rsplit(".", 1)[0] for d in graph["jiniac_hpc.stages"]}


def test_no_import_cycle_through_the_launcher():
    graph = _imports()
    cycles = [name for name in graph if _ours(name) and name in _reaches(graph, name)]
    assert not cycles, cycles


def test_backends_decide_local_or_slurm():
    hits = [str(p.relative_to(PKG)) for p in PKG.rglob("*.py") if "is_local" in p.read_text(encoding="utf-8")]
    assert hits == [], hits
