"""The ``geoaccess`` command line: thin wrappers that parse, call the API and write files.

Each sub-command lives in its own module and registers itself on :data:`app`.
Heavy libraries are imported inside the commands, so ``geoaccess --help`` is quick.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="geoaccess",
    help="Accessibility and service-location analysis on road, ferry and transit networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that add commands or sub-apps to ``app`` when imported.
_COMMAND_MODULES = ("data", "network", "travel", "access", "regions", "transit", "locate", "scenario", "national", "demo")


def _register() -> None:
    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(f"geoaccess.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"geoaccess.cli.{name}":
                raise


def main() -> None:
    """Entry point of the ``geoaccess`` console script."""
    from geoaccess.errors import GeoaccessError

    _register()
    try:
        app()
    except GeoaccessError as exc:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None
