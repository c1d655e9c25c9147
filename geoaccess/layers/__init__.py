"""Input layers read into GeoDataFrames with checked CRS and provenance.

Submodules are imported lazily (nothing heavy happens at import time):

- :mod:`geoaccess.layers.population` -- SSB population grids (rutenett): 250 m / 1 km, shapefiles and national CSVs.
- :mod:`geoaccess.layers.ssb_ids` -- SSB cell ids (rute-id) encoded and decoded.
- :mod:`geoaccess.layers.centres` -- municipality boundaries by year and municipality centres from the grid.
- :mod:`geoaccess.layers.boundaries` -- municipality boundaries of 2019, 2020 and 2024; adjacency; points in polygons.
- :mod:`geoaccess.layers.crosswalk` -- municipality codes 2017-2024 from one division to another.
- :mod:`geoaccess.layers.towns` -- towns derived from the 250 m grid (urban clusters, N1000 names) and DEGURBA classes.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "attach_names",
    "check_coordinate_order",
    "codes_in_force",
    "compare_crosswalks",
    "crosswalk",
    "decode_ssb_ids",
    "degree_of_urbanisation",
    "encode_ssb_ids",
    "grid_to_raster",
    "municipality_boundaries",
    "municipality_centres",
    "national_towns",
    "read_layer",
    "read_municipalities",
    "read_points",
    "read_ssb_grid",
    "recode_flows",
]

_LAZY = {
    "read_points": "points",
    "attach_names": "points",
    "check_coordinate_order": "points",
    "read_layer": "specs",
    "read_ssb_grid": "population",
    "grid_to_raster": "population",
    "codes_in_force": "crosswalk",
    "compare_crosswalks": "crosswalk",
    "crosswalk": "crosswalk",
    "recode_flows": "crosswalk",
    "read_municipalities": "boundaries",
    "decode_ssb_ids": "ssb_ids",
    "encode_ssb_ids": "ssb_ids",
    "municipality_boundaries": "centres",
    "municipality_centres": "centres",
    "national_towns": "towns",
    "degree_of_urbanisation": "towns",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"geoaccess.layers.{_LAZY[name]}")
        return getattr(module, name)
    msg = f"module 'geoaccess.layers' has no attribute {name!r}"
    raise AttributeError(msg)
