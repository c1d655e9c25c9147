"""Shortest-path engine: numba Dijkstra, contraction hierarchies (CH), PHAST, k-nearest.

All times are in **seconds**; unreachable is ``inf`` inside kernels. Sub-modules
load lazily, so ``import geoaccess.engine`` does no work (and compiles nothing).

Public names
------------
dijkstra, dijkstra_many
    Multi-seed binary-heap Dijkstra (:mod:`geoaccess.engine.dijkstra`).
ContractionHierarchy
    CH preprocessing + bucket many-to-many + PHAST one-to-all (:mod:`geoaccess.engine.ch`).
nearest_k
    Multi-source k-nearest facility search (:mod:`geoaccess.engine.nearest`).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ContractionHierarchy", "dijkstra", "dijkstra_many", "nearest_k"]

_LAZY = {
    "dijkstra": ("geoaccess.engine.dijkstra", "dijkstra"),
    "dijkstra_many": ("geoaccess.engine.dijkstra", "dijkstra_many"),
    "ContractionHierarchy": ("geoaccess.engine.ch", "ContractionHierarchy"),
    "nearest_k": ("geoaccess.engine.nearest", "nearest_k"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    # other engineers' modules in this package (matrix, catchment, ...) load as sub-modules
    msg = f"module 'geoaccess.engine' has no attribute {name!r}"
    raise AttributeError(msg)
