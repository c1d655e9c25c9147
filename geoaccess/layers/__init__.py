"""Input layers read into GeoDataFrames with checked CRS and provenance.

Importing the package loads numpy only; GIS libraries load when a layer is read. Modules:

- :mod:`geoaccess.layers.population` -- SSB population grids (rutenett): 250 m / 1 km, shapefiles and national CSVs.
- :mod:`geoaccess.layers.ssb_ids` -- SSB cell ids (rute-id) encoded and decoded.
- :mod:`geoaccess.layers.centres` -- municipality boundaries by year and municipality centres from the grid.
- :mod:`geoaccess.layers.boundaries` -- municipality boundaries of 2019, 2020 and 2024; adjacency; points in polygons.
- :mod:`geoaccess.layers.municipality_codes` -- municipality codes 2017-2024 from one division to another.
- :mod:`geoaccess.layers.towns` -- towns derived from the 250 m grid (urban clusters, N1000 names) and DEGURBA classes.
"""

from __future__ import annotations

from geoaccess.layers.boundaries import read_municipalities
from geoaccess.layers.centres import municipality_boundaries, municipality_centres
from geoaccess.layers.commuting import load_flows
from geoaccess.layers.jobs import jobs_by_population, jobs_to_grid
from geoaccess.layers.municipality_codes import codes_in_force, compare_crosswalks, crosswalk, recode_flows
from geoaccess.layers.points import attach_names, check_coordinate_order, read_points
from geoaccess.layers.population import grid_to_raster, read_ssb_grid
from geoaccess.layers.services import read_services
from geoaccess.layers.specs import read_layer
from geoaccess.layers.ssb_ids import decode_ssb_ids, encode_ssb_ids
from geoaccess.layers.towns import degree_of_urbanisation, national_towns

__all__ = [
    "attach_names",
    "check_coordinate_order",
    "codes_in_force",
    "compare_crosswalks",
    "crosswalk",
    "decode_ssb_ids",
    "degree_of_urbanisation",
    "encode_ssb_ids",
    "grid_to_raster",
    "jobs_by_population",
    "jobs_to_grid",
    "load_flows",
    "municipality_boundaries",
    "municipality_centres",
    "national_towns",
    "read_layer",
    "read_municipalities",
    "read_points",
    "read_services",
    "read_ssb_grid",
    "recode_flows",
]
