"""Helpers shared by the CLI commands: loading a network argument and showing warnings."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

NETWORK_HELP = (
    "A network.npz written by `geoaccess network build` (or its folder), or a source to build: "
    "a dataset name such as osm/oslo-east-filtered.osm.pbf, or a file path."
)


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
    p = Path(network)
    npz = p / "network.npz" if p.is_dir() else p
    if npz.suffix == ".npz":
        if not npz.is_file():
            msg = f"{npz} does not exist; build one with `geoaccess network build SOURCE --out DIR`."
            raise InputError(msg)
        from geoaccess.network.cache import load_npz

        net = load_npz(npz)
        if mode is not None and mode != net.mode:
            msg = f"{npz} is a {net.mode!r} network but --mode {mode} was given; rebuild it or drop --mode."
            raise InputError(msg)
        return net
    from geoaccess.network.build import build_network

    return build_network(network, mode=mode or "car", progress=progress)


def print_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print caught user warnings on stderr, one line each."""
    from rich.console import Console

    console = Console(stderr=True)
    for w in caught:
        if issubclass(w.category, UserWarning):
            console.print(f"[yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)
