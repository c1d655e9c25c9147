"""The one grammar of the ``geoaccess`` command line: every shared option, defined once.

Commands take their options from here (as ``Annotated`` types), so the same thing has the same
name, unit and help in every command; ``docs/cli.md`` is the written reference and
``tests/test_cli_grammar.py`` checks every command's ``--help`` against it.

Every command is a :class:`GrammarCommand` (the default of :class:`GrammarTyper`), which

* rewrites the **deprecated names** of :data:`DEPRECATED` to their new names before parsing
  (with one ``warning:`` line on stderr each; they are accepted for one release and do not show
  in ``--help``);
* sets up the command's :class:`~geoaccess.cli._common.Output` from ``--quiet``/``--verbose``;
* prints each warning raised while the command runs **once**, as one line (repeats are counted;
  :meth:`Output.show_warning <geoaccess.cli._common.Output.show_warning>`).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

__all__ = [
    "DEPRECATED",
    "Crs",
    "CutoffMinutes",
    "CutoffMinutesText",
    "GrammarCommand",
    "GrammarTyper",
    "IdColumn",
    "Maps",
    "MaxSnapM",
    "NameColumn",
    "NetworkArg",
    "OfficeJobs",
    "Population",
    "ThresholdsMinutes",
    "WalkOffM",
    "apply_grammar",
    "sub_app",
]

NETWORK_HELP = (
    "A network folder (or its network.npz) written by `geoaccess network build`, or a source to build "
    "with --mode: a dataset name such as osm/oslo-east-filtered.osm.pbf, or a file path."
)
POINTS_HELP = (
    "CSV (lat/lon or latitude/longitude in WGS84, or x/y with --crs), GeoPackage (file.gpkg or file.gpkg:layer), "
    "GeoParquet or GeoJSON; polygons stand for their centroid."
)

# ---------------------------------------------------------------------------- shared options
NetworkArg = Annotated[str, typer.Argument(help=NETWORK_HELP, show_default=False)]
IdColumn = Annotated[str | None, typer.Option(
    "--id-column", help="Column of unique ids of the points; default: the file's id column (id, site_id, ...), "
                        "else 1-based row numbers (column row_number). Kept in every output.")]
NameColumn = Annotated[str | None, typer.Option(
    "--name-column", help="Column of names of the points; default: name or navn when present. Kept in every output.")]
Crs = Annotated[str | None, typer.Option(
    "--crs", help="CRS of x/y columns in a CSV, or of a file that has none, e.g. EPSG:25833. "
                  "lat/lon columns are always WGS84 (EPSG:4326).")]
ThresholdsMinutes = Annotated[str, typer.Option(
    "--thresholds-minutes", help="Thresholds in minutes, comma-separated, e.g. 15,30,45.")]
CutoffMinutes = Annotated[float | None, typer.Option(
    "--cutoff-minutes", help="Cut-off in minutes: times above it count as unreachable.")]
CutoffMinutesText = Annotated[str | None, typer.Option(
    "--cutoff-minutes", help="Cut-off in minutes: only the pairs within it are written (sparse output); "
                             "without it every pair is written, NaN = unreachable.")]
MaxSnapM = Annotated[float, typer.Option(
    "--max-snap-m", help="Largest distance in metres from a point to the network; farther points are "
                         "unreachable (NaN), and named.")]
WalkOffM = Annotated[float, typer.Option(
    "--walk-off-m", help="Walk-off distance in metres from the reached roads that the catchment polygon covers.")]
Population = Annotated[str | None, typer.Option(
    "--population", help="SSB 250 m population grid: ssb:oslo, ssb:akershus, a dataset name or a file.")]
OfficeJobs = Annotated[int, typer.Option(
    "--office-jobs", help="Number of jobs of the office (N new jobs); --jobs is a job layer elsewhere.")]
Maps = Annotated[bool, typer.Option("--maps/--no-maps", help="Draw the PNG (and HTML) maps.")]
#: Deprecated option names, per command (``"network info"`` for sub-commands): old -> new (``None``:
#: the option is gone and ignored). Accepted for one release, with one ``warning:`` line each, and
#: not shown in ``--help``. ``docs/cli.md`` lists them too.
DEPRECATED: dict[str, dict[str, str | None]] = {
    "matrix": {"--cutoff": "--cutoff-minutes", "--max-snap": "--max-snap-m", "--origin-id": "--id-column",
               "--destination-id": "--destination-id-column"},
    "catchment": {"--minutes": "--thresholds-minutes", "--origin-id": "--id-column", "--walk-off": "--walk-off-m",
                  "--map": "--maps", "--no-map": "--no-maps"},
    "access": {"--thresholds": "--thresholds-minutes", "--max-minutes": "--cutoff-minutes",
               "--max-snap": "--max-snap-m", "--progress": None},
    "locate": {"--minutes": "--cutoff-minutes", "--max-snap": "--max-snap-m", "--demand-id": "--demand-id-column",
               "--candidate-id": "--id-column", "--weight": "--demand-weight"},
    "evaluate-sites": {"--jobs": "--office-jobs"},
    "scenario": {"--minutes": "--thresholds-minutes"},
    "regions": {"--max-minutes": "--cutoff-minutes"},
    "network build": {"--boat-wait": "--boat-wait-minutes", "--ferry-wait": "--ferry-wait-minutes",
                      "--default-speed": "--default-speed-kmh"},
}


def _rewrite(args: Sequence[str], table: dict[str, str | None], command: str) -> list[str]:
    """``args`` with deprecated option names replaced (one warning line per name used)."""
    out: list[str] = []
    told: set[str] = set()
    rest = False
    for arg in args:
        if rest or arg == "--":
            rest = True
            out.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name in table:
            new = table[name]
            if name not in told:
                told.add(name)
                what = (f"use {new}" if new else "it is ignored")
                print(f"warning: {command} {name} is deprecated and will be removed in the next release; {what}.",
                      file=sys.stderr)
            if new is None:
                continue
            out.append(new + eq + value)
        else:
            out.append(arg)
    return out


_QUIET_HELP = "Only warnings, errors and the files written: no progress, notes or tables."
_VERBOSE_HELP = "Also the timing of every step, set-up details and repeated warnings."


def _flag_options() -> list[Any]:
    """``--quiet``/``--verbose`` as the click parameters typer makes of :func:`_root_flags`'s signature."""
    t = typer.Typer(add_completion=False)
    t.command()(_root_flags)
    return list(typer.main.get_command(t).params)


class GrammarCommand(TyperCommand):
    """A typer command with the grammar's deprecated names, ``--quiet``/``--verbose`` and clean warnings.

    ``--quiet``/``-q`` and ``--verbose``/``-v`` are added to every command (and accepted before the
    command name, ``geoaccess -q matrix ...``); the command's function never sees them: it prints
    through :func:`geoaccess.cli._common.output`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        have = {o for p in self.params for o in getattr(p, "opts", [])}
        if "--quiet" not in have:
            self.params.extend(_flag_options())

    def _qualified_name(self, ctx: Any) -> str:
        parts = ctx.command_path.split()
        return " ".join(parts[1:]) if len(parts) > 1 else str(self.name)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        name = self._qualified_name(ctx)
        table = DEPRECATED.get(name)
        if table:
            args = _rewrite(args, table, name)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        from geoaccess.cli._common import Output, use_output
        from geoaccess.errors import InputError

        root = ctx.find_root().params or {}
        quiet = bool(ctx.params.pop("_ga_quiet", False) or root.get("_ga_quiet"))
        verbose = bool(ctx.params.pop("_ga_verbose", False) or root.get("_ga_verbose"))
        if quiet and verbose:
            msg = "--quiet and --verbose exclude each other; give one."
            raise InputError(msg)
        out = Output(quiet=quiet, verbose=verbose)
        # every warning of the run is printed by out.show_warning: once, as one line (a command's
        # warnings are reports to the user, never errors, also under a test runner's filters)
        with use_output(out), warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = out.show_warning
            try:
                return super().invoke(ctx)
            finally:
                out.finish()


class GrammarTyper(typer.Typer):
    """A :class:`typer.Typer` whose commands are :class:`GrammarCommand` by default."""

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None,
                **kwargs: Any) -> Any:
        return super().command(name, cls=cls or GrammarCommand, **kwargs)


def _root_flags(
    _ga_quiet: Annotated[bool, typer.Option("--quiet", "-q", help=_QUIET_HELP)] = False,
    _ga_verbose: Annotated[bool, typer.Option("--verbose", "-v", help=_VERBOSE_HELP)] = False,
) -> None:
    """Accessibility and service-location analysis on road, ferry and transit networks."""
    del _ga_quiet, _ga_verbose  # read by GrammarCommand.invoke from the root context


def apply_grammar(app: typer.Typer) -> typer.Typer:
    """Make every command of ``app`` (and of its groups) a :class:`GrammarCommand`; ``-q``/``-v`` global.

    Called once the command modules are imported (:func:`geoaccess.cli._register`); idempotent.
    """
    if app.registered_callback is None:
        app.callback()(_root_flags)
    stack = [app]
    while stack:
        t = stack.pop()
        for info in t.registered_commands:
            if info.cls is None or info.cls is TyperCommand:
                info.cls = GrammarCommand
        stack.extend(g.typer_instance for g in t.registered_groups if g.typer_instance is not None)
    return app


def sub_app(help_text: str) -> GrammarTyper:
    """A command group (``geoaccess network ...``) whose commands follow the grammar."""
    return GrammarTyper(help=help_text, no_args_is_help=True, add_completion=False,
                        pretty_exceptions_enable=False)
