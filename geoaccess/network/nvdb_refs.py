"""Road references of an NVDB/FKB-Vegnett file per link sequence: category, number, type, street name, length.

Read by :mod:`geoaccess.network.attributes` for NVDB networks and re-exported by
:mod:`geoaccess.network.nvdb_network`; this module builds no network.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["nvdb_road_refs"]


def nvdb_road_refs(source: str | os.PathLike[str]) -> pd.DataFrame:
    """Road reference per link sequence (``way_id`` of NVDB networks): category, number, type, name.

    Columns ``way_id`` (link sequence id), ``vegkategori`` (E/R/F/K/P/S), ``vegnummer``, ``type_veg``,
    ``adressenavn`` (street name), ``km``; one row per sequence, its most common values.
    """
    import shapely

    from geoaccess.network.nvdb_gml import read_fkb_zip

    layer = read_fkb_zip(source).layers["Veglenke"]
    t = layer.table.assign(way_id=layer.table["sekvens"].astype("int64"), km=shapely.length(layer.geometry) / 1000)
    agg = {c: (lambda s: s.mode().iloc[0] if s.notna().any() else None) for c in
           ("vegkategori", "vegnummer", "type_veg", "adressenavn")}
    out = t.groupby("way_id").agg({**agg, "km": "sum"}).reset_index()
    return out
