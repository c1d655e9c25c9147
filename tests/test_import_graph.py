"""The import graph of geoaccess, read with ``ast`` (no module is imported): cycles and layering.

Edges are every ``import geoaccess...`` / ``from geoaccess... import ...`` in a module, at module
level or inside a function (``if TYPE_CHECKING:`` blocks are left out: they never run). Importing
``geoaccess.a.b`` first runs ``geoaccess/__init__`` and ``geoaccess/a/__init__``, so an edge to a
module also goes to its parent packages (except the importer's own, which is already loading).

* Module-level import cycles: none (they break at import time, depending on which module loads first).
* Function-level cycles (a function imports a module that imports, inside a function, the first one)
  work at run time but tie modules together. The three of issue 10 are broken (each shared piece has
  its own module: ``location/highs``, ``network/npz`` + ``network/flags`` + ``network/nvdb_refs``,
  ``layers/centre_point``), and so is the engine's: the one-call conveniences that build a Router
  (``engine/one_call``) sit above the router, which sits above the kernels' modules.
  :data:`DOCUMENTED_FUNCTION_CYCLES` would list one that had to stay, with its reason.
* ``geoaccess.examples`` sits at the end of the data flow: no domain package imports it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "geoaccess"
#: packages that may import every domain package (the command line and the worked examples)
NOT_DOMAIN = {"geoaccess.cli", "geoaccess.examples"}


#: Function-level cycles that remain, each with its reason (none today). A new cycle fails the test.
DOCUMENTED_FUNCTION_CYCLES: set[frozenset[str]] = set()


def _module_files() -> dict[str, Path]:
    mods = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


@cache
def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(module_level, function_level)``: module -> the geoaccess modules it imports."""
    mods = _module_files()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graphs: dict[str, dict[str, set[str]]] = {"module": defaultdict(set), "function": defaultdict(set)}
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        own_parents = {".".join(mod.split(".")[:i]) for i in range(1, mod.count(".") + 1)}

        def add(level: str, target: str | None, mod: str = mod, own_parents: set[str] = own_parents) -> None:
            if target is None or target == mod:
                return
            graphs[level][mod].add(target)
            parts = target.split(".")
            for i in range(1, len(parts)):
                parent = ".".join(parts[:i])
                if parent not in own_parents and parent != mod:
                    graphs[level][mod].add(parent)

        def visit(node: ast.AST, level: str, package: str = package) -> None:
            for child in ast.iter_child_nodes(node):
                lv = "function" if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) else level
                if isinstance(child, ast.If) and _is_type_checking(child):
                    for other in child.orelse:
                        visit(other, lv)
                    continue
                if isinstance(child, ast.Import):
                    for alias in child.names:
                        if alias.name.split(".")[0] == "geoaccess":
                            add(lv, resolve(alias.name))
                elif isinstance(child, ast.ImportFrom):
                    base = child.module or ""
                    if child.level:
                        up = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                        base = ".".join([*up, base] if base else up)
                    if base.split(".")[0] == "geoaccess":
                        for alias in child.names:
                            full = f"{base}.{alias.name}"
                            add(lv, full if full in mods else resolve(base))
                visit(child, lv)

        visit(ast.parse(path.read_text(encoding="utf-8")), "module")
    return dict(graphs["module"]), dict(graphs["function"])


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module (iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    nodes = set(graph) | {t for ts in graph.values() for t in ts}
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return sorted(out)


def test_checker_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_graph_sees_the_known_edges():
    module_level, function_level = import_graph()
    # omland/__init__ imports its parts at module level; the router imports the hierarchy inside functions
    assert "geoaccess.omland.analysis" in module_level["geoaccess.omland"]
    assert any(t.startswith("geoaccess.engine.") for t in function_level["geoaccess.engine.router"])


def test_no_module_level_import_cycles():
    module_level, _ = import_graph()
    assert strongly_connected(module_level) == []


def test_no_function_level_import_cycles():
    module_level, function_level = import_graph()
    both = {m: module_level.get(m, set()) | function_level.get(m, set()) for m in module_level.keys() | function_level}
    # a package __init__ and its own submodules form a benign loop (the package re-exports the module's
    # names; the module imports a sibling through the package path); only loops between modules count
    without_init_loops = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in both.items()}
    found = {frozenset(c) for c in strongly_connected(without_init_loops)}
    assert found - DOCUMENTED_FUNCTION_CYCLES == set()


@pytest.mark.parametrize("pair", [("geoaccess.location.exact", "geoaccess.location.heuristics"),
                                  ("geoaccess.network.cache", "geoaccess.network.graph"),
                                  ("geoaccess.regions.ba", "geoaccess.regions.traveltime")])
def test_the_three_cycles_of_issue_10_are_gone(pair):
    module_level, function_level = import_graph()
    a, b = pair
    edges = lambda x: module_level.get(x, set()) | function_level.get(x, set())
    assert not (b in edges(a) and a in edges(b))


def test_no_domain_package_imports_examples():
    module_level, function_level = import_graph()
    offenders = sorted(
        m for m in module_level.keys() | function_level
        if not any(m == p or m.startswith(p + ".") for p in NOT_DOMAIN)
        and any(t == "geoaccess.examples" or t.startswith("geoaccess.examples.")
                for t in module_level.get(m, set()) | function_level.get(m, set()))
    )
    assert offenders == []


def test_no_demo_module_in_a_domain_package():
    demos = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("demo.py") if p.parent.name not in {"cli", "examples"})
    assert demos == []
