"""Shortest-path engine: the prepared :class:`Router`, numba Dijkstra, contraction hierarchies, PHAST, k-nearest.

All times are in **seconds** inside; unreachable is ``inf`` inside kernels and NaN in tables.
``import geoaccess.engine`` loads numpy and numba but compiles nothing (kernels are cached by ``make install``).

Public names
------------
Router
    A network prepared once (hierarchy, spatial index, reverse edges): ``snap``, ``matrix``,
    ``matrix_blocks``, ``surface``, ``catchments``, ``nearest``, ``reached``
    (:mod:`geoaccess.engine.router`).
TravelTimes, travel_time_matrix, write_matrix, estimate_matrix
    Matrices in memory and streamed to Parquet/CSV in bounded memory.
nearest_facility, catchments, reached_population, travel_time_surface, count_in_catchments, COUNTING_RULE
    One-call conveniences over a router (:mod:`.one_call`), and the one counting rule.
TurnGraph, build_turn_graph
    The edge-based graph for turn-aware routing (:mod:`.turn_graph`): restrictions, turn costs, zones.
dijkstra, dijkstra_many, ContractionHierarchy, nearest_k
    Kernels (:mod:`.dijkstra`, :mod:`.ch`, :mod:`.nearest`).

Compiling every numba kernel into the numba cache is ``python -m geoaccess.engine.precompile``
(run by ``make install``; :func:`geoaccess.engine.precompile.precompile` in Python).
"""

from __future__ import annotations

from geoaccess.engine.catchment import catchment_bands, catchments_reached
from geoaccess.engine.ch import ContractionHierarchy
from geoaccess.engine.counting import COUNTING_RULE, count_in_catchments
from geoaccess.engine.dijkstra import dijkstra, dijkstra_many
from geoaccess.engine.matrix import TravelTimes
from geoaccess.engine.matrix_writer import estimate_matrix, write_matrix
from geoaccess.engine.nearest import nearest_k
from geoaccess.engine.one_call import catchments, nearest_facility, travel_time_matrix
from geoaccess.engine.router import Router
from geoaccess.engine.surface import reached_population, travel_time_surface
from geoaccess.engine.turn_graph import TurnGraph, build_turn_graph

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
    "reached_population",
    "travel_time_matrix",
    "travel_time_surface",
    "write_matrix",
]
