"""The public API: every package's ``__all__``, the README's architecture table and the quick starts agree.

* Each entry point of the README's architecture table (``| `geoaccess.x` | owns | entry points |``)
  imports from the package named in its row and is in that package's ``__all__``; a CLI entry point
  (``geoaccess cmd ...``) is a registered command.
* Each package's ``__all__`` lists only names that exist, with no duplicates, and never a submodule:
  where a function and a module could share a name, the function wins (``geoaccess.transit.raptor``).
* No package builds its namespace with a module-level ``__getattr__`` (a lazy table).
* Exactly one public ``nearest_facility``.
"""

from __future__ import annotations

import ast
import importlib
import re
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(
    ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "geoaccess").rglob("__init__.py")
)


def readme_table() -> list[tuple[str, list[str]]]:
    """``(package, [entry point, ...])`` per row of the README's architecture table."""
    rows = []
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`(geoaccess(?:\.\w+)*)`\s*\|.*\|\s*([^|]*`[^|]*)\|\s*$", line)
        if m:
            rows.append((m.group(1), re.findall(r"`([^`]+)`", m.group(2))))
    return rows


def test_readme_table_is_found():
    rows = dict(readme_table())
    assert {"geoaccess.network", "geoaccess.engine", "geoaccess.regions", "geoaccess.transit"} <= set(rows)
    assert "snap_points" in rows["geoaccess.network"]


def _python_entry_points() -> list[tuple[str, str]]:
    out = []
    for package, items in readme_table():
        for item in items:
            if not item.startswith("geoaccess "):
                out.append((package, re.sub(r"\(.*\)$", "", item)))
    return out


def _cli_entry_points() -> list[list[str]]:
    return [item.split()[1:] for _, items in readme_table() for item in items if item.startswith("geoaccess ")]


@pytest.mark.parametrize(("package", "name"), _python_entry_points())
def test_readme_entry_point_imports_from_its_package(package, name):
    module = importlib.import_module(package)
    obj = getattr(module, name, None)
    assert obj is not None, f"README names `{name}` under `{package}`, but `from {package} import {name}` fails"
    assert not isinstance(obj, types.ModuleType), f"`{package}.{name}` is a module, not the entry point"
    assert name in getattr(module, "__all__", ()), f"`{name}` is not in `{package}.__all__`"


@pytest.mark.parametrize("words", _cli_entry_points(), ids=" ".join)
def test_readme_cli_entry_point_is_a_command(words):
    import typer.main

    from geoaccess.cli import _register, app

    _register()
    command = typer.main.get_command(app)
    for word in [w for w in words if not w.startswith("-")]:
        commands = getattr(command, "commands", None)
        assert commands is not None, f"`geoaccess {' '.join(words)}`: {command.name} has no sub-commands"
        sub = commands.get(word)
        assert sub is not None, f"`geoaccess {' '.join(words)}`: no command {word!r} (have {sorted(commands)})"
        command = sub


@pytest.mark.parametrize("package", PACKAGES)
def test_all_lists_existing_names_and_no_submodule(package):
    module = importlib.import_module(package)
    names = list(getattr(module, "__all__", []))
    assert len(names) == len(set(names)), f"{package}.__all__ repeats a name"
    missing = [n for n in names if not hasattr(module, n)]
    assert missing == [], f"{package}.__all__ names what it does not define: {missing}"
    modules = [n for n in names if isinstance(getattr(module, n), types.ModuleType)]
    assert modules == [], f"{package}.__all__ lists submodules {modules}; export functions and classes"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_lazy_getattr_table(package):
    path = ROOT / Path(*package.split(".")) / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert "__getattr__" not in defined, f"{package} builds its namespace lazily; import its names explicitly"


def test_function_wins_over_submodule():
    from geoaccess.layers import crosswalk
    from geoaccess.measures import coverage
    from geoaccess.regions import regionforstorring
    from geoaccess.strategy import target_towns
    from geoaccess.transit import raptor

    for obj in (raptor, regionforstorring, crosswalk, coverage, target_towns):
        assert callable(obj) and not isinstance(obj, types.ModuleType)


def test_transit_quick_start_names_are_callable():
    """docs/transit.md's quick start imports callables (it once got the ``raptor`` module)."""
    text = (ROOT / "docs" / "transit.md").read_text(encoding="utf-8")
    line = re.search(r"^from geoaccess\.transit import (.+)$", text, flags=re.MULTILINE)
    assert line is not None
    transit = importlib.import_module("geoaccess.transit")
    for name in (n.strip() for n in line.group(1).split(",")):
        assert callable(getattr(transit, name)), name


def test_one_public_nearest_facility():
    owners = set()
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if name == "nearest_facility":
                owners.add(obj)
    for path in (ROOT / "geoaccess").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "nearest_facility":
                owners.add(f"{path.relative_to(ROOT)}")
    from geoaccess.engine import nearest_facility

    assert owners == {nearest_facility, "geoaccess/engine/one_call.py"}


def _unannotated(fn: ast.FunctionDef | ast.AsyncFunctionDef, *, method: bool) -> list[str]:
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    if method and args and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list):
        args = args[1:]
    missing = [a.arg for a in args if a.annotation is None]
    missing += [f"*{a.arg}" for a in (fn.args.vararg, fn.args.kwarg) if a is not None and a.annotation is None]
    if fn.returns is None and fn.name != "__init__":
        missing.append("return")
    return missing


def test_public_functions_are_annotated():
    """Every function and public method named in a module's ``__all__`` has complete type hints.

    ruff's ANN001 cannot be limited to public functions (pyproject.toml ignores it for the private
    helpers and numba kernels); this is the check for the public ones.
    """
    problems = []
    for path in sorted((ROOT / "geoaccess").rglob("*.py")):
        if path.name.startswith("_") and path.name != "__init__.py":
            continue  # private modules (numba kernels, typed by numba when compiled)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exported: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                exported = set(ast.literal_eval(node.value))
        for node in tree.body:
            if getattr(node, "name", None) not in exported:
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                miss = _unannotated(node, method=False)
                if miss:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {miss}")
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                        not item.name.startswith("_") or item.name == "__init__"
                    ):
                        miss = _unannotated(item, method=True)
                        if miss:
                            problems.append(f"{path.relative_to(ROOT)}:{item.lineno} {node.name}.{item.name}: {miss}")
    assert problems == []
