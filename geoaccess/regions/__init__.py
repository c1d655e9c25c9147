"""Functional regions from commuting and travel time: LMAs, BA-regions, travel-time regions.

Submodules are imported lazily (``from geoaccess.regions import ba``)::

    lma            Eurostat/Coombes labour-market areas (TTWA algorithm)
    ba             TØI-style BA-regions (bo- og arbeidsmarkedsregioner) rule cascade
    centres        centre groups: parse, read a centres file, align to a year, propose from data
    shares         out-/in-commuting shares and their definitions
    travel_tables  origin, destination, minutes tables: read, check, arrays, named sources
    traveltime     travel-time regions and regionforstørring (labour pool before/after)
    compare        adjusted Rand index, best-match share, table of moves
    diagnostics    region self-containment, size distribution, contiguity, polygons
    config         parameters (defaults.toml, presets/*.toml)
    flows          FlowData (commuting matrix) and Regionalisation (result)
    output         membership/region/centre tables, GeoPackage, maps, run.json
    demo           demo_summary(): national LMAs from the 2021 flows with maps
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "align_centres",
    "ba_regions",
    "RegionforstorringResult",
    "cells_reached",
    "centre_proposal_table",
    "commuting_shares",
    "demo_summary",
    "load_config",
    "main_destination",
    "normalise_travel_times",
    "parse_centres",
    "propose_centres",
    "read_centres",
    "read_travel_times",
    "regionforstorring",
    "register_travel_time_source",
    "resolve_travel_times",
    "town_parts",
    "town_parts_for_year",
    "write_region_outputs",
    "write_regionforstorring",
]

# geoaccess.regions.regionforstorring resolves to the function; import the module by its path.
_SUBMODULES = {
    "lma", "ba", "centres", "shares", "travel_tables", "traveltime", "compare",
    "diagnostics", "config", "flows", "output", "demo", "enlargement", "cell_reach", "study_area",
    "regionforstorring_output",
}  # fmt: skip

_LAZY = {
    "RegionforstorringResult": "regionforstorring",
    "align_centres": "centres",
    "cells_reached": "cell_reach",
    "ba_regions": "ba",
    "centre_proposal_table": "centres",
    "commuting_shares": "shares",
    "demo_summary": "demo",
    "load_config": "config",
    "main_destination": "shares",
    "normalise_travel_times": "travel_tables",
    "parse_centres": "centres",
    "propose_centres": "centres",
    "read_centres": "centres",
    "read_travel_times": "travel_tables",
    "register_travel_time_source": "travel_tables",
    "resolve_travel_times": "travel_tables",
    # towns live in geoaccess.layers.towns (one towns module); re-exported here for the centre proposal
    "town_parts": "geoaccess.layers.towns",
    "town_parts_for_year": "geoaccess.layers.towns",
    "regionforstorring": "regionforstorring",
    "write_region_outputs": "output",
    "write_regionforstorring": "regionforstorring_output",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"geoaccess.regions.{name}")
    if name in _LAZY:
        target = _LAZY[name]
        module = target if "." in target else f"geoaccess.regions.{target}"
        return getattr(importlib.import_module(module), name)
    msg = f"module 'geoaccess.regions' has no attribute {name!r}"
    raise AttributeError(msg)
