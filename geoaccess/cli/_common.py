"""Helpers shared by the CLI commands: the console output of a run, and loading a network argument.

:class:`Output` is the one place a command prints through: progress and notes on stderr (hidden by
``--quiet``), result tables on stdout (hidden by ``--quiet``), the files written (always), timings
and details with ``--verbose``, and each warning once, as one line.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = ["NETWORK_HELP", "Output", "ProgressCallback", "Stepper", "load_network", "load_network_step", "network_npz",
           "output", "print_warnings", "read_points_arg", "router_step", "use_output"]

NETWORK_HELP = (
    "A network folder (or its network.npz) written by `geoaccess network build`, or a source to build: "
    "a dataset name such as osm/oslo-east-filtered.osm.pbf, or a file path."
)
_SLOW_STEP_S = 1.0
"""Steps that take longer than this are reported when they end (all steps with --verbose)."""


class Output:
    """Console output of one command run.

    Parameters
    ----------
    quiet
        Only warnings, errors and the files written.
    verbose
        Also step timings, details and every repetition of a warning.
    """

    def __init__(self, *, quiet: bool = False, verbose: bool = False) -> None:
        from rich.console import Console

        self.quiet = quiet
        self.verbose = verbose
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)
        self.out = Console(highlight=False, soft_wrap=True)
        self._seen: dict[tuple[type, str], int] = {}

    @property
    def progress(self) -> bool:
        """Whether library functions should show their progress bars."""
        return not self.quiet

    # ------------------------------------------------------------------ text
    def note(self, text: str) -> None:
        """A line on stderr (hidden by --quiet)."""
        if not self.quiet:
            self.err.print(text, markup=False)

    def detail(self, text: str) -> None:
        """A line on stderr with --verbose only."""
        if self.verbose:
            self.err.print(text, markup=False)

    def show(self, renderable: Any) -> None:
        """A result (rich table or text) on stdout (hidden by --quiet)."""
        if not self.quiet:
            self.out.print(renderable)

    def wrote(self, *paths: Any, what: str = "") -> None:
        """The files written, on stdout, always."""
        files = ", ".join(str(p) for p in paths if p is not None)
        self.out.print(f"wrote {files}{f': {what}' if what else ''}", markup=False)

    # ------------------------------------------------------------------ warnings
    def show_warning(self, message: Any, category: type[Warning], filename: str, lineno: int,
                     file: Any = None, line: str | None = None) -> None:
        """``warnings.showwarning`` of a run: each message once, one line; third-party deprecations with --verbose."""
        del filename, lineno, file, line
        key = (category, str(message))
        self._seen[key] = self._seen.get(key, 0) + 1
        if self._seen[key] > 1:
            return
        if issubclass(category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)) and not self.verbose:
            return
        self.err.print(f"[yellow]warning:[/] {_one_line(str(message))}", highlight=False)

    def finish(self) -> None:
        """End of the run: with --verbose, how often repeated warnings came."""
        repeated = {k: n for k, n in self._seen.items() if n > 1}
        if repeated and self.verbose:
            for (_, text), n in repeated.items():
                self.err.print(f"(the warning {_one_line(text)[:80]!r} came {n:,} times)", markup=False)

    # ------------------------------------------------------------------ steps
    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[None]:
        """A step of the run: a spinner while it runs, its time when it ends (if slow, or with --verbose)."""
        t0 = time.perf_counter()
        status = None
        if not self.quiet:
            status = self.err.status(f"{title} …")
            status.start()
        try:
            yield
        finally:
            if status is not None:
                status.stop()
            dt = time.perf_counter() - t0
            if not self.quiet and (self.verbose or dt >= _SLOW_STEP_S):
                self.err.print(f"✓ {title} ({dt:,.1f} s)", markup=False)

    def stepper(self) -> Stepper:
        """A progress callback for library functions: each call ends the previous step and starts one."""
        return Stepper(self)


class Stepper:
    """Progress callback ``(title) -> None`` handed to library functions; :meth:`close` ends the last step."""

    def __init__(self, out: Output) -> None:
        self._out = out
        self._step: contextlib.AbstractContextManager[None] | None = None

    def __call__(self, title: str) -> None:
        self.close()
        self._step = self._out.step(title)
        self._step.__enter__()

    def close(self) -> None:
        """End the current step."""
        if self._step is not None:
            step, self._step = self._step, None
            step.__exit__(None, None, None)

    def __enter__(self) -> Stepper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _one_line(text: str) -> str:
    return " ".join(text.split())


_OUTPUT: contextvars.ContextVar[Output | None] = contextvars.ContextVar("geoaccess_cli_output", default=None)


def output() -> Output:
    """The current command's :class:`Output` (a default one outside a command)."""
    out = _OUTPUT.get()
    return out if out is not None else Output()


@contextlib.contextmanager
def use_output(out: Output) -> Iterator[Output]:
    """Make ``out`` the current output while a command runs."""
    token = _OUTPUT.set(out)
    try:
        yield out
    finally:
        _OUTPUT.reset(token)


def print_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print caught warnings through the current output: each once, one line."""
    out = output()
    for w in caught:
        out.show_warning(w.message, w.category, w.filename, w.lineno)


# ---------------------------------------------------------------------------- networks
def network_npz(network: str | Path) -> Path | None:
    """The ``network.npz`` behind a network argument (the file, or the one in a folder), or ``None``."""
    p = Path(network)
    if p.is_dir():
        return p / "network.npz"
    return p if p.suffix == ".npz" else None


def load_network(network: str, mode: str | None, *, progress: bool = False) -> Network:
    """Load a saved network, or build (and cache) one from a source with ``mode``.

    Parameters
    ----------
    network
        ``network.npz``, a folder holding one, or any source :func:`build_network` accepts.
    mode
        ``"car"``, ``"walk"`` or ``"bike"``; for a saved network it must match when given.
    progress
        Show progress while building.
    """
    from geoaccess.errors import InputError

    if mode is not None and mode not in ("car", "walk", "bike"):
        msg = f"--mode must be car, walk or bike, not {mode!r}."
        raise InputError(msg)
    npz = network_npz(network)
    if npz is not None:
        if not npz.is_file():
            where = f"the folder {npz.parent} holds no network.npz" if Path(network).is_dir() else f"{npz} does not exist"
            msg = f"{where}; build one with `geoaccess network build SOURCE --out DIR`."
            raise InputError(msg)
        from geoaccess.network.cache import load_npz

        net = load_npz(npz)
        if mode is not None and mode != net.mode:
            msg = f"{npz} is a {net.mode!r} network but --mode {mode} was given; rebuild it or drop --mode."
            raise InputError(msg)
        return net
    from geoaccess.network.build import build_network

    return build_network(network, mode=mode or "car", progress=progress)


def load_network_step(network: str, mode: str | None) -> Network:
    """:func:`load_network` as a step of the current output (spinner, time)."""
    out = output()
    saved = network_npz(network) is not None
    with out.step(f"{'loading' if saved else 'building'} the network {network}"):
        net = load_network(network, mode, progress=out.progress and not saved)
    out.detail(f"network: {net.mode}, {net.n_nodes:,} nodes, {net.n_edges:,} edges, {net.crs}")
    return net


def router_step(net: Network) -> Any:
    """The prepared router of ``net`` as a step (contraction hierarchy from the cache, or built)."""
    from geoaccess.engine.router import Router

    out = output()
    with out.step("preparing the router (contraction hierarchy)"):
        router = Router.for_network(net)
    out.detail("router set-up: " + ", ".join(f"{k} {v:.2f} s" for k, v in router.setup_seconds.items()))
    return router


ProgressCallback = Callable[[str], None]


def read_points_arg(
    spec: str,
    *,
    what: str,
    id_column: str | None = None,
    name_column: str | None = None,
    crs: str | None = None,
    network: Any = None,
    max_snap_m: float = 1000.0,
    keep_polygons: bool = False,
) -> Any:
    """A point layer named on the command line, read by the one reader, checked against the network.

    ``spec`` is a file (CSV with lat/lon, latitude/longitude or x/y + ``--crs``; GeoPackage,
    GeoParquet, GeoJSON), a dataset name, ``ssb:<grid>``, ``services:<svc>`` or ``osm:<pbf>[:<svc>]``
    (:func:`geoaccess.layers.specs.read_layer`). With ``network`` (a Network or Router), points
    whose two coordinates are swapped are named (:func:`geoaccess.layers.points.check_coordinate_order`).
    Where the ids come from is printed (a column, or 1-based row numbers).
    """
    from geoaccess.layers.points import check_coordinate_order
    from geoaccess.layers.specs import read_layer

    out = output()
    pts = read_layer(spec, what=what, id_column=id_column, name_column=name_column, crs=crs,
                     keep_polygons=keep_polygons)
    if network is not None:
        check_coordinate_order(pts, network, margin_m=max(max_snap_m, 1000.0), what=what)
    ids = pts.attrs.get("id_column")
    how = (f"ids from the column {ids!r}" if pts.attrs.get("ids_from") == "column"
           else f"no id column, so ids are 1-based row numbers (column {ids!r}; give --id-column to use one)")
    names = pts.attrs.get("name_column")
    out.note(f"{what}: {len(pts):,} from {spec} ({how}{f', names from {names!r}' if names else ''})")
    return pts
