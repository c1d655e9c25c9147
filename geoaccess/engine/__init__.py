"""Shortest-path engine: the prepared :class:`Router`, numba Dijkstra, contraction hierarchies, PHAST, k-nearest.

All times are in **seconds** inside; unreachable is ``inf`` inside kernels and NaN in tables.
Sub-modules load lazily, so ``import geoaccess.engine`` does no work (and compiles nothing).

Public names
------------
Router
    A network prepared once (hierarchy, spatial index, reverse edges): ``snap``, ``matrix``,
    ``matrix_blocks``, ``surface``, ``catchments``, ``nearest``, ``reached``
    (:mod:`geoaccess.engine.router`).
TravelTimes, travel_time_matrix, write_matrix, estimate_matrix
    Matrices in memory and streamed to Parquet/CSV in bounded memory.
nearest_facility, catchments, reached_population, travel_time_surface, count_in_catchments, COUNTING_RULE
    One-call conveniences over a router, and the one counting rule.
TurnGraph, build_turn_graph
    The edge-based graph for turn-aware routing (:mod:`.turn_graph`): restrictions, turn costs, zones.
dijkstra, dijkstra_many, ContractionHierarchy, nearest_k
    Kernels (:mod:`.dijkstra`, :mod:`.ch`, :mod:`.nearest`).
precompile
    Compile every numba kernel into the numba cache (run by ``make install``).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "COUNTING_RULE",
    "ContractionHierarchy",
    "Router",
    "TravelTimes",
    "TurnGraph",
    "build_turn_graph",
    "catchment_bands",
    "catchments",
    "catchments_reached",
    "count_in_catchments",
    "dijkstra",
    "dijkstra_many",
    "estimate_matrix",
    "nearest_facility",
    "nearest_k",
    "precompile",
    "reached_population",
    "travel_time_matrix",
    "travel_time_surface",
    "write_matrix",
]

_LAZY = {
    "dijkstra": ("geoaccess.engine.dijkstra", "dijkstra"),
    "dijkstra_many": ("geoaccess.engine.dijkstra", "dijkstra_many"),
    "ContractionHierarchy": ("geoaccess.engine.ch", "ContractionHierarchy"),
    "nearest_k": ("geoaccess.engine.nearest", "nearest_k"),
    "Router": ("geoaccess.engine.router", "Router"),
    "catchment_bands": ("geoaccess.engine.catchment", "catchment_bands"),
    "catchments_reached": ("geoaccess.engine.catchment", "catchments_reached"),
    "TravelTimes": ("geoaccess.engine.matrix", "TravelTimes"),
    "TurnGraph": ("geoaccess.engine.turn_graph", "TurnGraph"),
    "build_turn_graph": ("geoaccess.engine.turn_graph", "build_turn_graph"),
    "travel_time_matrix": ("geoaccess.engine.matrix", "travel_time_matrix"),
    "write_matrix": ("geoaccess.engine.matrix_writer", "write_matrix"),
    "estimate_matrix": ("geoaccess.engine.matrix_writer", "estimate_matrix"),
    "nearest_facility": ("geoaccess.engine.facility", "nearest_facility"),
    "catchments": ("geoaccess.engine.catchment", "catchments"),
    "reached_population": ("geoaccess.engine.surface", "reached_population"),
    "travel_time_surface": ("geoaccess.engine.surface", "travel_time_surface"),
    "count_in_catchments": ("geoaccess.engine.counting", "count_in_catchments"),
    "COUNTING_RULE": ("geoaccess.engine.counting", "COUNTING_RULE"),
    "precompile": ("geoaccess.engine.precompile", "precompile"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    msg = f"module 'geoaccess.engine' has no attribute {name!r}"
    raise AttributeError(msg)
