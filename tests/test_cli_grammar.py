"""One CLI grammar: every command walked by introspection, against a table of forbidden spellings and docs/cli.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from geoaccess.errors import InputError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"

#: concept -> (the one spelling, spellings that must not appear as an option of any command)
FORBIDDEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "thresholds": ("--thresholds-minutes", ("--minutes", "--thresholds", "--threshold", "--steps-minutes")),
    "cut-off": ("--cutoff-minutes", ("--cutoff", "--max-minutes", "--max-time", "--horizon")),
    "snapping distance": ("--max-snap-m", ("--max-snap", "--snap", "--snap-m", "--max-snap-distance")),
    "id column": ("--id-column", ("--origin-id", "--destination-id", "--demand-id", "--candidate-id", "--id",
                                  "--site-id")),
    "name column": ("--name-column", ("--name", "--names")),
    "office jobs": ("--office-jobs", ("--n-jobs", "--new-jobs")),
    "walk-off": ("--walk-off-m", ("--walk-off",)),
    "maps": ("--maps", ("--map", "--no-map")),
    "waits and speeds": ("--ferry-wait-minutes", ("--ferry-wait", "--boat-wait", "--default-speed")),
}


def _commands():
    from geoaccess.cli import _register, app

    _register()
    root = typer.main.get_command(app)

    def walk(c, path):
        if hasattr(c, "commands"):
            for n, sub in c.commands.items():
                yield from walk(sub, [*path, n])
        else:
            yield " ".join(path), c

    return dict(walk(root, []))


def _options(cmd):
    out = {}
    for p in cmd.params:
        if getattr(p, "param_type_name", "") == "option" and not p.hidden:
            for o in [*p.opts, *p.secondary_opts]:
                out[o] = p
    return out


COMMANDS = _commands()


def test_every_command_found():
    assert {"matrix", "catchment", "access", "locate", "evaluate-sites", "scenario", "network info",
            "network build", "omland", "centrality"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_forbidden_spelling(name):
    opts = _options(COMMANDS[name])
    for concept, (one, bad) in FORBIDDEN.items():
        wrong = sorted(set(bad) & set(opts))
        assert not wrong, f"geoaccess {name}: {wrong} spell the {concept}; the grammar's name is {one}"
    # units in names: a snapping distance is in metres, a threshold or cut-off in minutes
    for o in opts:
        if "snap" in o and o.startswith("--"):
            assert o == "--max-snap-m", f"geoaccess {name}: {o}"
        if "threshold" in o or "cutoff" in o:
            assert o.endswith("-minutes"), f"geoaccess {name}: {o} has no unit"
    # --jobs is a layer, never a number
    if "--jobs" in opts:
        import inspect

        ann = inspect.signature(COMMANDS[name].callback).parameters[opts["--jobs"].name].annotation
        assert "str" in str(ann) and "int" not in str(ann), f"geoaccess {name} --jobs is {ann}, not a layer"
    # every command has the global flags
    assert {"--quiet", "-q", "--verbose", "-v"} <= set(opts), name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_documented(name):
    text = DOCS.read_text(encoding="utf-8")
    assert f"### `geoaccess {name}`" in text, f"docs/cli.md has no section for geoaccess {name}"
    section = text.split(f"### `geoaccess {name}`", 1)[1].split("\n### ", 1)[0]
    for o in _options(COMMANDS[name]):
        if o in ("--quiet", "-q", "--verbose", "-v", "--help"):
            continue
        assert f"`{o}`" in section, f"docs/cli.md does not document geoaccess {name} {o}"


def test_deprecated_table_consistent():
    from geoaccess.cli._options import DEPRECATED

    text = DOCS.read_text(encoding="utf-8")
    for name, table in DEPRECATED.items():
        assert name in COMMANDS, name
        opts = _options(COMMANDS[name])
        for old, new in table.items():
            assert old not in opts, f"{name} {old} is deprecated but still shown"
            assert new is None or new in opts, f"{name}: {old} -> {new}, which the command lacks"
            assert f"| `{name}` | `{old}` |" in text, f"docs/cli.md does not list {name} {old}"


def test_rewrite_of_deprecated_names(capsys):
    from geoaccess.cli._options import _rewrite

    table = {"--minutes": "--thresholds-minutes", "--progress": None}
    got = _rewrite(["X", "--minutes", "10", "--minutes=20", "--progress", "--", "--minutes"], table, "catchment")
    assert got == ["X", "--thresholds-minutes", "10", "--thresholds-minutes=20", "--", "--minutes"]
    err = capsys.readouterr().err.splitlines()
    assert err == ["warning: catchment --minutes is deprecated and will be removed in the next release; "
                   "use --thresholds-minutes.",
                   "warning: catchment --progress is deprecated and will be removed in the next release; it is ignored."]


def test_quiet_and_verbose_global_and_exclusive(tmp_path):
    from geoaccess.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["-q", "network", "info", str(tmp_path)])
    assert isinstance(res.exception, InputError) and "holds no network.npz" in str(res.exception)
    res = runner.invoke(app, ["network", "info", str(tmp_path), "-q", "-v"])
    assert isinstance(res.exception, InputError) and "exclude each other" in str(res.exception)


def test_network_info_accepts_a_folder(tmp_path, dataset):
    import warnings

    from geoaccess.cli import app
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="walk")
    net.to_npz(str(tmp_path / "network.npz"))
    for arg in (tmp_path, tmp_path / "network.npz"):
        res = CliRunner().invoke(app, ["network", "info", str(arg)])
        assert res.exit_code == 0, res.output
        assert re.search(rf"{net.n_nodes:,}", res.stdout), res.stdout
