"""Input layers read into GeoDataFrames with checked CRS and provenance.

Submodules are imported lazily (nothing heavy happens at import time):

- :mod:`geoaccess.layers.population` -- SSB population grids (rutenett): 250 m / 1 km, shapefiles and national CSVs.
- :mod:`geoaccess.layers.ssb_ids` -- SSB cell ids (rute-id) encoded and decoded.
- :mod:`geoaccess.layers.centres` -- municipality boundaries by year and municipality centres from the grid.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "decode_ssb_ids",
    "encode_ssb_ids",
    "grid_to_raster",
    "municipality_boundaries",
    "municipality_centres",
    "read_ssb_grid",
]

_LAZY = {
    "read_ssb_grid": "population",
    "grid_to_raster": "population",
    "decode_ssb_ids": "ssb_ids",
    "encode_ssb_ids": "ssb_ids",
    "municipality_boundaries": "centres",
    "municipality_centres": "centres",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"geoaccess.layers.{_LAZY[name]}")
        return getattr(module, name)
    msg = f"module 'geoaccess.layers' has no attribute {name!r}"
    raise AttributeError(msg)
