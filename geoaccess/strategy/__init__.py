"""The small-town strategy's national questions: official centrality classes, target towns, the national omland table.

Modules (imported lazily)::

    klass         SSB's official KLASS 128 classes from a user's file, aligned to a year's codes
    target_towns  one centre town per (BA-)region, its size, centrality, region class and verdict
    omland        residents and jobs within 30/45/60/90 min and the nearest facilities of every target town
    facilities    N1000 airports and railway stations
    report        the CSV / GeoPackage / PNG / HTML outputs of the three commands
    page          the offline HTML page with a sortable table

The national centrality index itself is :func:`geoaccess.national.centrality.national_centrality`
(the measure in :mod:`geoaccess.measures.centrality`); towns come from :mod:`geoaccess.layers.towns`.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "compare_classes",
    "load_rules",
    "national_omland",
    "official_classes",
    "read_airports",
    "read_klass_128",
    "read_railway_stations",
    "read_regionalisation",
    "site_classes",
    "target_towns",
]

_LAZY = {
    "compare_classes": "klass",
    "official_classes": "klass",
    "read_klass_128": "klass",
    "site_classes": "klass",
    "load_rules": "target_towns",
    "read_regionalisation": "target_towns",
    "target_towns": "target_towns",
    "national_omland": "omland",
    "read_airports": "facilities",
    "read_railway_stations": "facilities",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"geoaccess.strategy.{_LAZY[name]}"), name)
    msg = f"module 'geoaccess.strategy' has no attribute {name!r}"
    raise AttributeError(msg)
