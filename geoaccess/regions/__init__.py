"""Functional regions from commuting and travel time: LMAs, BA-regions, travel-time regions.

Modules::

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
    between_regions  regionforstorring(): a national network edit between regions (N1000, before/after)

The national LMA demo is :mod:`geoaccess.examples.lma`.
"""

from __future__ import annotations

from geoaccess.layers.towns import town_parts, town_parts_for_year
from geoaccess.regions.ba import ba_regions
from geoaccess.regions.between_regions import RegionforstorringResult, regionforstorring
from geoaccess.regions.cell_reach import cells_reached
from geoaccess.regions.centres import align_centres, centre_proposal_table, parse_centres, propose_centres, read_centres
from geoaccess.regions.compare import compare_regionalisations
from geoaccess.regions.config import load_config
from geoaccess.regions.lma import labour_market_areas
from geoaccess.regions.output import write_region_outputs
from geoaccess.regions.regionforstorring_output import write_regionforstorring
from geoaccess.regions.shares import commuting_shares, main_destination
from geoaccess.regions.travel_tables import (
    normalise_travel_times,
    read_travel_times,
    register_travel_time_source,
    resolve_travel_times,
)

__all__ = [
    "RegionforstorringResult",
    "align_centres",
    "ba_regions",
    "cells_reached",
    "centre_proposal_table",
    "commuting_shares",
    "compare_regionalisations",
    "labour_market_areas",
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
