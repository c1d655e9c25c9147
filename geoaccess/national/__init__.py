"""The national layer: N1000 car and boat networks, municipality centres and national travel-time tables.

Data flow: N1000 road links → :func:`geoaccess.network.build.build_network` (car or boat) →
municipality centres from SSB's 2015 grid (:mod:`geoaccess.layers.centres`) → snapped →
:func:`municipal_matrix` / :func:`cell_centre_times` (all routing in :mod:`geoaccess.national.routing`).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "cell_centre_times",
    "compare_with_detailed",
    "municipal_matrix",
    "network_report",
    "snap_centres",
]

_LAZY = {
    "cell_centre_times": "matrix",
    "municipal_matrix": "matrix",
    "snap_centres": "matrix",
    "compare_with_detailed": "compare",
    "network_report": "report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"geoaccess.national.{_LAZY[name]}"), name)
    msg = f"module 'geoaccess.national' has no attribute {name!r}"
    raise AttributeError(msg)
