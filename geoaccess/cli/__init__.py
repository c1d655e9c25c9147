"""The ``geoaccess`` command line: thin wrappers that parse, call the API and write files.

Each sub-command lives in its own module and registers itself on :data:`app`.
Heavy libraries are imported inside the commands, so ``geoaccess --help`` is quick.
"""

from __future__ import annotations

import importlib
import os
import signal
import warnings
from typing import NoReturn

import typer

app = typer.Typer(
    name="geoaccess",
    help="Accessibility and service-location analysis on road, ferry and transit networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that add commands or sub-apps to ``app`` when imported.
_COMMAND_MODULES = ("data", "network", "travel", "access", "regions", "transit", "locate", "scenario", "regionforstorring",
                    "national", "centrality", "strategy", "demo")


def _register() -> None:
    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(f"geoaccess.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"geoaccess.cli.{name}":
                raise
    from geoaccess.cli._options import apply_grammar

    apply_grammar(app)


class Interrupted(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM, so ``finally`` blocks remove temporary files.

    A :class:`BaseException` (like :class:`KeyboardInterrupt`), so ``except Exception`` never swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: object) -> None:
    del frame
    if _STATE.get("stopping"):
        os._exit(128 + signum)  # a second signal during clean-up: stop at once
    _STATE["stopping"] = signum
    raise Interrupted(signum)


_STATE: dict[str, int] = {}


def _install_signal_handlers() -> None:
    """SIGINT and SIGTERM raise :class:`Interrupted`, also where the shell started us with SIGINT ignored."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_signal)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Each warning once, as one line on stderr, through the command's output (``-v`` shows repeats)."""
    from geoaccess.cli._common import output

    output().show_warning(message, category, filename, lineno, file, line)


_PY_SHOWWARNING = warnings.showwarning


def _fail(text: str, code: int) -> NoReturn:
    """Print one line on stderr (no rich markup: messages hold brackets such as ``[speeds]``) and exit."""
    from rich.console import Console
    from rich.text import Text

    head, _, rest = text.partition(" ")
    Console(stderr=True).print(Text.assemble((head, "bold red"), " ", rest), highlight=False, soft_wrap=True)
    raise SystemExit(code)


def main() -> None:
    """Entry point of the ``geoaccess`` console script.

    Errors a user can act on (bad input, limits, unwritable outputs, operating-system errors
    such as a full disk) end in one line on stderr and exit status 2 (input) or 1 (system);
    SIGINT (Ctrl-C) and SIGTERM stop the run at once, remove unfinished outputs and exit
    with 130 and 143 (128 + the signal number).
    """
    from geoaccess.errors import GeoaccessError, InputError

    _register()
    _install_signal_handlers()
    warnings.showwarning = _show_warning
    try:
        app()
    except Interrupted as exc:
        name = signal.Signals(exc.signum).name
        _fail(f"interrupted by {name}: stopped; unfinished outputs were removed.", 128 + exc.signum)
    except InputError as exc:
        _fail(f"error: {exc}", 2)
    except GeoaccessError as exc:
        _fail(f"error: {exc}", 2 if not isinstance(exc, OSError) else 1)
    except OSError as exc:
        import errno

        code = f" [{errno.errorcode[exc.errno]}]" if exc.errno in errno.errorcode else ""
        where = f"{exc.filename}: " if exc.filename is not None else ""
        _fail(f"error: {where}{exc.strerror or exc}{code}", 1)
    except MemoryError:
        _fail("error: out of memory; process fewer origins at a time or use a machine with more memory.", 1)
