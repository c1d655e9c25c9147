"""Networks: readers (OSM, road line layers, NVDB/FKB-Vegnett GML, DIMACS) → :class:`Network` CSR arrays.

Sub-modules load lazily, so ``import geoaccess.network`` does no work.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "EdgeFlag",
    "Network",
    "NvdbProfile",
    "PROFILE_ALIASES",
    "TurnCosts",
    "TurnKind",
    "TurnRestrictions",
    "edge_attributes",
    "edge_way_ids",
    "load_n1000_profile",
    "load_profile",
    "load_nvdb_profile",
    "open_planned_links",
    "planned_links",
    "read_n1000",
    "read_nvdb_gml",
    "select_planned",
    "way_attributes",
]

_LAZY = {
    "Network": ("geoaccess.network.graph", "Network"),
    "EdgeFlag": ("geoaccess.network.graph", "EdgeFlag"),
    "TurnKind": ("geoaccess.network.turns", "TurnKind"),
    "TurnCosts": ("geoaccess.network.turn_costs", "TurnCosts"),
    "PROFILE_ALIASES": ("geoaccess.network.profiles", "PROFILE_ALIASES"),
    "load_profile": ("geoaccess.network.profiles", "load_profile"),
    "TurnRestrictions": ("geoaccess.network.turns", "TurnRestrictions"),
    "read_nvdb_gml": ("geoaccess.network.nvdb_network", "read_nvdb_gml"),
    "NvdbProfile": ("geoaccess.network.nvdb_profile", "NvdbProfile"),
    "load_nvdb_profile": ("geoaccess.network.nvdb_profile", "load_nvdb_profile"),
    "read_n1000": ("geoaccess.network.n1000", "read_n1000"),
    "load_n1000_profile": ("geoaccess.network.n1000_profile", "load_n1000_profile"),
    "planned_links": ("geoaccess.network.planned", "planned_links"),
    "open_planned_links": ("geoaccess.network.planned", "open_planned_links"),
    "select_planned": ("geoaccess.network.planned", "select_planned"),
    "way_attributes": ("geoaccess.network.attributes", "way_attributes"),
    "edge_attributes": ("geoaccess.network.attributes", "edge_attributes"),
    "edge_way_ids": ("geoaccess.network.ways", "edge_way_ids"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    msg = f"module 'geoaccess.network' has no attribute {name!r}"
    raise AttributeError(msg)
