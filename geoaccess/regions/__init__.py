"""Functional regions from commuting and travel time: LMAs, BA-regions, travel-time regions.

Submodules are imported lazily (``from geoaccess.regions import lma``)::

    lma          Eurostat/Coombes labour-market areas (TTWA algorithm)
    ba           TØI-style BA-regions (bo- og arbeidsmarkedsregioner) rule cascade
    traveltime   travel-time regions and regionforstørring (labour pool before/after)
    compare      adjusted Rand index, best-match share, table of moves
    diagnostics  region self-containment, size distribution, contiguity, polygons
    config       parameters (defaults.toml)
    flows        FlowData (commuting matrix) and Regionalisation (result)
    demo         demo_summary(): national LMAs from the 2021 flows with maps
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["demo_summary"]

_SUBMODULES = {"lma", "ba", "traveltime", "compare", "diagnostics", "config", "flows", "demo", "enlargement"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"geoaccess.regions.{name}")
    if name == "demo_summary":
        return importlib.import_module("geoaccess.regions.demo").demo_summary
    msg = f"module 'geoaccess.regions' has no attribute {name!r}"
    raise AttributeError(msg)
