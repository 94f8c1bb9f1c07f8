"""The house counts of the codebase: how many of each hand-written I/O convention are left, and the import knots.

    python tools/house_counts.py                 # a table
    python tools/house_counts.py --json          # the same numbers as JSON
    python tools/house_counts.py --cycles        # and every import cycle, module by module
    python tools/house_counts.py --duplicates    # also the pairs the `duplicates` tool reports (when installed)

Everything is read from the source with ``ast`` (nothing is imported). What is counted, outside
``jiniac_hpc/fileio.py`` (the one home of atomic writes, JSON Lines and completion markers):

* ``atomic_write_sites`` / ``atomic_write_helpers``: renames that finish a temp-file write
  (``os.replace``/``os.rename``, one-argument ``Path.replace``/``Path.rename``) and the functions
  holding them;
* ``jsonl_readers``: ``json.loads`` of the loop variable of a ``for`` or a comprehension (a JSON
  Lines loop), and the functions holding them;
* ``marker_helpers``: functions whose name says done/marker, plus string literals naming a marker
  file (``*.done``, ``done.json``);
* ``deepspeed_config_builders``: functions building a dict with a ``"zero_optimization"`` key;
* ``is_local_branches``: ``if``/conditional expressions testing ``is_local``, outside modules that
  define a ``*Backend`` class;
* ``import_cycles``: strongly connected groups of the module import graph (imports inside
  functions included; see :func:`import_graph`); ``package_cycles``: the same between the
  top-level packages and modules (``launch``, ``stages``, ``train``, ...);
* ``lines`` / ``code_lines``: lines of ``jiniac_hpc/**/*.py``, all and non-blank non-comment.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Optional

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "jiniac_hpc"
HOME = "fileio.py"          # where the counted conventions are allowed to live
MARKER_NAME = re.compile(r"(^|_)done($|_)|(^|_)marker($|_)|^mark_")
MARKER_FILE = re.compile(r"(\.done|^done\.json|/done\.json)$")


# ------------------------------------------------------------------ the import graph
def module_name(path: Path, pkg_root: Path) -> str:
    parts = list(path.relative_to(pkg_root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(pkg_root: Path) -> dict[str, Path]:
    return {module_name(p, pkg_root): p for p in sorted(pkg_root.rglob("*.py"))}


def _imported(node: ast.AST, here: str, is_pkg: bool, known: set[str], top: str) -> Iterator[str]:
    """The package modules one Import/ImportFrom node names."""
    if isinstance(node, ast.Import):
        for a in node.names:
            name = a.name
            while name and name not in known:            # `import a.b.c` of a non-module attribute
                name = name.rpartition(".")[0]
            if name.startswith(top):
                yield name
        return
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = here.split(".") if is_pkg else here.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        mod = ".".join(base + ([node.module] if node.module else []))
    else:
        mod = node.module or ""
    if not (mod == top or mod.startswith(top + ".")):
        return
    for a in node.names:
        sub = f"{mod}.{a.name}"
        if sub in known:                                 # `from pkg import mod`: the module itself
            yield sub
        elif mod in known:
            yield mod


def import_graph(pkg_root: Path = PACKAGE) -> dict[str, set[str]]:
    """``{module: {jiniac_hpc modules it imports}}``, every import statement anywhere in the file."""
    mods = modules(pkg_root)
    known, top = set(mods), pkg_root.name
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_pkg = path.name == "__init__.py"
        graph[name] = {t for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                       for t in _imported(node, name, is_pkg, known, top) if t != name}
    return graph


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph collapsed to the package's top level (``jiniac_hpc.train.sft`` -> ``jiniac_hpc.train``)."""
    top = lambda m: ".".join(m.split(".")[:2])  # noqa: E731
    out: dict[str, set[str]] = {}
    for m, targets in graph.items():
        out.setdefault(top(m), set()).update(top(t) for t in targets if top(t) != top(m))
    return out


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted; sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:           # recursion depth is bounded by the module count
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


# ------------------------------------------------------------------ conventions
def _functions(tree: ast.AST) -> Iterator[ast.AST]:
    yield from (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function, not those of functions nested in it (they count on their own)."""
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield n
        todo.extend(ast.iter_child_nodes(n))


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def is_rename(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = _dotted(node.func)
    if name in ("os.replace", "os.rename"):
        return True
    # Path.replace/rename take one argument; str.replace takes two
    return (isinstance(node.func, ast.Attribute) and node.func.attr in ("replace", "rename")
            and len(node.args) == 1 and not node.keywords and not isinstance(node.func.value, ast.Constant))


def _loop_targets(n: ast.AST) -> set[str]:
    if isinstance(n, (ast.For, ast.AsyncFor)):
        return {t.id for t in ast.walk(n.target) if isinstance(t, ast.Name)}
    if isinstance(n, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        return {t.id for g in n.generators for t in ast.walk(g.target) if isinstance(t, ast.Name)}
    return set()


def jsonl_loops(tree: ast.AST) -> list[ast.AST]:
    """``json.loads(x)`` calls whose argument is (built from) the variable of an enclosing loop."""
    hits = []
    for loop in ast.walk(tree):
        names = _loop_targets(loop)
        if not names:
            continue
        for n in ast.walk(loop):
            if isinstance(n, ast.Call) and _dotted(n.func) == "json.loads" and n.args and any(
                    isinstance(a, ast.Name) and a.id in names for a in ast.walk(n.args[0])):
                hits.append(n)
    return list({id(h): h for h in hits}.values())


def builds_deepspeed_config(fn: ast.AST) -> bool:
    return any(isinstance(n, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "zero_optimization"
                                               for k in n.keys) for n in _own_nodes(fn))


def is_local_branches(tree: ast.AST) -> int:
    return sum(1 for n in ast.walk(tree) if isinstance(n, (ast.If, ast.IfExp, ast.While))
               and any(isinstance(x, (ast.Name, ast.Attribute)) and _dotted(x).split(".")[-1] == "is_local"
                       for x in ast.walk(n.test)))


def defines_backend(tree: ast.AST) -> bool:
    return any(isinstance(n, ast.ClassDef) and n.name.endswith("Backend") for n in ast.walk(tree))


def code_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))


def counts(pkg_root: Path = PACKAGE) -> dict:
    """Every count of the module docstring, and where each hit is (``where``: {count: [file:line, ...]})."""
    c = {k: 0 for k in ("atomic_write_sites", "atomic_write_helpers", "jsonl_readers", "jsonl_reader_functions",
                        "marker_helpers", "marker_file_names", "deepspeed_config_builders", "is_local_branches",
                        "import_cycles", "package_cycles", "modules", "lines", "code_lines")}
    where: dict[str, list[str]] = {k: [] for k in c}
    for name, path in modules(pkg_root).items():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, str(path))
        rel = path.relative_to(pkg_root.parent).as_posix()
        c["modules"] += 1
        c["lines"] += len(text.splitlines())
        c["code_lines"] += code_lines(text)
        if not defines_backend(tree):
            n = is_local_branches(tree)
            c["is_local_branches"] += n
            where["is_local_branches"] += [rel] * n
        if path.name == HOME and path.parent == pkg_root:
            continue
        for fn in _functions(tree):
            renames = [n for n in _own_nodes(fn) if is_rename(n)]
            if renames:
                c["atomic_write_helpers"] += 1
                where["atomic_write_helpers"].append(f"{rel}:{fn.lineno} {fn.name}")
            c["atomic_write_sites"] += len(renames)
            where["atomic_write_sites"] += [f"{rel}:{n.lineno}" for n in renames]
            if MARKER_NAME.search(fn.name):
                c["marker_helpers"] += 1
                where["marker_helpers"].append(f"{rel}:{fn.lineno} {fn.name}")
            if builds_deepspeed_config(fn):
                c["deepspeed_config_builders"] += 1
                where["deepspeed_config_builders"].append(f"{rel}:{fn.lineno} {fn.name}")
        loops = jsonl_loops(tree)
        c["jsonl_readers"] += len(loops)
        where["jsonl_readers"] += [f"{rel}:{n.lineno}" for n in loops]
        loop_lines = {n.lineno for n in loops}
        fns = {fn.name for fn in _functions(tree) for n in _own_nodes(fn) if getattr(n, "lineno", None) in loop_lines
               and isinstance(n, ast.Call)}
        c["jsonl_reader_functions"] += len(fns)
        for n in ast.walk(tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and MARKER_FILE.search(n.value):
                c["marker_file_names"] += 1
                where["marker_file_names"].append(f"{rel}:{n.lineno} {n.value!r}")
    graph = import_graph(pkg_root)
    for key, g in (("import_cycles", graph), ("package_cycles", package_graph(graph))):
        cycles = find_cycles(g)
        c[key] = len(cycles)
        where[key] = [" <-> ".join(group) for group in cycles]
    return {"counts": c, "where": {k: v for k, v in where.items() if v}}


def duplicate_pairs(repo: Path = REPO) -> Optional[int]:
    """How many pairs of repeated places the ``duplicates`` tool finds in the tree; None without the tool."""
    if not shutil.which("duplicates"):
        return None
    out = subprocess.run(["duplicates", "--repo", str(repo), "--most", "1", "--seconds", "120"], capture_output=True,
                         text=True, timeout=300).stdout
    m = re.search(r"^(\d+) pairs? of places", out, re.M)
    return int(m.group(1)) if m else 0


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print the counts (and where) as JSON")
    ap.add_argument("--cycles", action="store_true", help="list the import cycles")
    ap.add_argument("--where", action="store_true", help="list where every counted thing is")
    ap.add_argument("--duplicates", action="store_true", help="also count the `duplicates` tool's pairs")
    ap.add_argument("--package", type=Path, default=PACKAGE, help="the package folder (default: jiniac_hpc/)")
    a = ap.parse_args(argv)
    result = counts(a.package)
    if a.duplicates:
        result["counts"]["duplicate_pairs"] = duplicate_pairs(a.package.parent)
    if a.json:
        print(json.dumps(result, indent=1))
        return 0
    for k, v in result["counts"].items():
        print(f"{k:28s} {v if v is not None else '-':>8}")
    for k, rows in result["where"].items():
        if a.where or (a.cycles and k.endswith("_cycles")):
            print(f"\n{k}:")
            print("\n".join(f"  {r}" for r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
