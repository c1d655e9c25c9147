"""Public transport: GTFS and NeTEx (Nordic profile) timetables, RAPTOR and range-RAPTOR.

Names are imported lazily so ``import geoaccess.transit`` does no work.

>>> from geoaccess.transit import read_feed, range_raptor   # doctest: +SKIP
>>> tt = read_feed("ruter_ovre_romerike_netex_2017.zip").for_date("2017-09-12")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "RangeResult",
    "change_times",
    "earliest_arrival_table",
    "ferry_crossings",
    "ferry_waits_from_timetable",
    "Timetable",
    "ValidationReport",
    "network_footpaths",
    "ovre_romerike_demo",
    "range_raptor",
    "raptor",
    "read_feed",
    "read_gtfs",
    "read_netex",
    "read_osm_routes",
    "straight_line_footpaths",
    "transit_catchment",
    "transit_catchments",
    "transit_matrix",
    "transit_travel_time_matrix",
    "walk_links",
]

_WHERE = {
    "RangeResult": "raptor",
    "change_times": "raptor",
    "earliest_arrival_table": "raptor",
    "ferry_crossings": "ferry_waits",
    "ferry_waits_from_timetable": "ferry_waits",
    "raptor": "raptor",
    "range_raptor": "raptor",
    "transit_catchment": "catchment",
    "transit_catchments": "catchment",
    "transit_matrix": "raptor",
    "transit_travel_time_matrix": "raptor",
    "Timetable": "timetable",
    "ValidationReport": "validation",
    "read_gtfs": "gtfs",
    "read_netex": "netex",
    "read_osm_routes": "osm_routes",
    "read_feed": "feed",
    "network_footpaths": "footpaths",
    "straight_line_footpaths": "footpaths",
    "walk_links": "footpaths",
    "ovre_romerike_demo": "demo",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"geoaccess.transit.{_WHERE[name]}"), name)
    msg = f"module 'geoaccess.transit' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(__all__)
