"""Networks: readers (OSM, road line layers, NVDB/FKB-Vegnett GML, DIMACS) → :class:`Network` CSR arrays.

Importing the package reads no file and compiles nothing; GIS and OSM libraries load when a reader runs.
"""

from __future__ import annotations

from geoaccess.network.attributes import edge_attributes, way_attributes
from geoaccess.network.build import build_network
from geoaccess.network.dimacs import read_dimacs
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.lines import read_lines
from geoaccess.network.n1000 import read_n1000
from geoaccess.network.n1000_profile import load_n1000_profile
from geoaccess.network.nvdb_network import read_nvdb_gml
from geoaccess.network.nvdb_profile import NvdbProfile, load_nvdb_profile
from geoaccess.network.osm import read_osm
from geoaccess.network.planned import open_planned_links, planned_links, select_planned
from geoaccess.network.profiles import PROFILE_ALIASES, load_profile
from geoaccess.network.snap import snap_points
from geoaccess.network.stitch import stitch_networks
from geoaccess.network.turn_costs import TurnCosts
from geoaccess.network.turns import TurnKind, TurnRestrictions
from geoaccess.network.ways import edge_way_ids

__all__ = [
    "PROFILE_ALIASES",
    "EdgeFlag",
    "Network",
    "NvdbProfile",
    "TurnCosts",
    "TurnKind",
    "TurnRestrictions",
    "build_network",
    "edge_attributes",
    "edge_way_ids",
    "load_n1000_profile",
    "load_nvdb_profile",
    "load_profile",
    "open_planned_links",
    "planned_links",
    "read_dimacs",
    "read_lines",
    "read_n1000",
    "read_nvdb_gml",
    "read_osm",
    "select_planned",
    "snap_points",
    "stitch_networks",
    "way_attributes",
]
