"""Public transport: GTFS and NeTEx (Nordic profile) timetables, RAPTOR and range-RAPTOR.

Importing the package reads no file and compiles nothing. RAPTOR itself is :mod:`geoaccess.transit.routing`.

>>> from geoaccess.transit import read_feed, range_raptor   # doctest: +SKIP
>>> tt = read_feed("ruter_ovre_romerike_netex_2017.zip").for_date("2017-09-12")  # doctest: +SKIP
"""

from __future__ import annotations

from geoaccess.transit.catchment import transit_catchment, transit_catchments
from geoaccess.transit.feed import read_feed
from geoaccess.transit.ferry_waits import ferry_crossings, ferry_waits_from_timetable
from geoaccess.transit.footpaths import network_footpaths, straight_line_footpaths, walk_links
from geoaccess.transit.gtfs import read_gtfs
from geoaccess.transit.netex import read_netex
from geoaccess.transit.osm_routes import read_osm_routes
from geoaccess.transit.routing import (
    RangeResult,
    change_times,
    earliest_arrival_table,
    range_raptor,
    raptor,
    transit_matrix,
    transit_travel_time_matrix,
)
from geoaccess.transit.timetable import Timetable
from geoaccess.transit.validation import ValidationReport

__all__ = [
    "RangeResult",
    "Timetable",
    "ValidationReport",
    "change_times",
    "earliest_arrival_table",
    "ferry_crossings",
    "ferry_waits_from_timetable",
    "network_footpaths",
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
