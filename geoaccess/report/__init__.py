"""Outputs: static PNG maps, self-contained HTML maps, QGIS-ready GeoPackages and atomic file writing.

See ``docs/outputs.md``. Importing this package loads no GIS library: numpy and the standard
library only; matplotlib, geopandas and Leaflet's files are read when a map is drawn.
"""

from geoaccess.report.atomic import atomic_path, write_table
from geoaccess.report.colours import ColourScale, categorical_scale, diverging_scale, sequential_scale
from geoaccess.report.gpkg import LayerStyle, qml_style, round_for_output, write_layers
from geoaccess.report.maps import html_map, html_map_document, png_map

__all__ = [
    "ColourScale",
    "LayerStyle",
    "atomic_path",
    "categorical_scale",
    "diverging_scale",
    "html_map",
    "html_map_document",
    "png_map",
    "qml_style",
    "round_for_output",
    "sequential_scale",
    "write_layers",
    "write_table",
]
