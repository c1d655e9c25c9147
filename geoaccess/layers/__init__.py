"""Input layers read into GeoDataFrames with checked CRS and provenance.

Submodules are imported lazily (nothing heavy happens at import time):

- :mod:`geoaccess.layers.population` -- the SSB 250 m population grid (rutenett).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "codes_in_force",
    "compare_crosswalks",
    "crosswalk",
    "grid_to_raster",
    "read_municipalities",
    "read_ssb_grid",
    "recode_flows",
]

_LAZY = {
    "read_ssb_grid": "population",
    "grid_to_raster": "population",
    "codes_in_force": "crosswalk",
    "compare_crosswalks": "crosswalk",
    "crosswalk": "crosswalk",
    "recode_flows": "crosswalk",
    "read_municipalities": "boundaries",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"geoaccess.layers.{_LAZY[name]}")
        return getattr(module, name)
    msg = f"module 'geoaccess.layers' has no attribute {name!r}"
    raise AttributeError(msg)
