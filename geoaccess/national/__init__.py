"""The national layer: N1000 car and boat networks, municipality centres and national travel-time tables.

Data flow: N1000 road links → :func:`geoaccess.network.build.build_network` (car or boat) →
municipality centres from SSB's 2015 grid (:mod:`geoaccess.layers.centres`) → snapped →
:func:`municipal_matrix` / :func:`cell_centre_times` (all routing in :mod:`geoaccess.national.routing`).

Blockwise national runs (:mod:`.blocks`: Parquet parts, ``run.json``, resume, Dask): the centrality
index from every 250 m cell (:func:`national_centrality`, kernels in :mod:`.access`) and SSB's
pre-2017 centrality levels (:func:`pre2017_levels`).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "cell_access_block",
    "cell_centre_times",
    "compare_with_detailed",
    "municipal_matrix",
    "national_centrality",
    "network_report",
    "pre2017_levels",
    "run_blocks",
    "snap_centres",
]

_LAZY = {
    "cell_centre_times": "matrix",
    "municipal_matrix": "matrix",
    "snap_centres": "matrix",
    "compare_with_detailed": "compare",
    "network_report": "report",
    "cell_access_block": "access",
    "national_centrality": "centrality",
    "pre2017_levels": "pre2017",
    "run_blocks": "blocks",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"geoaccess.national.{_LAZY[name]}"), name)
    msg = f"module 'geoaccess.national' has no attribute {name!r}"
    raise AttributeError(msg)
