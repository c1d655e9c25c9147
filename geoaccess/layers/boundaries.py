"""Municipality boundaries (*kommunegrenser*) of 2020 and 2024 from the shared Kartverket data.

Both years are returned in the same shape: a GeoDataFrame in EPSG:25833 (by
default) with a ``kommunenummer`` 4-digit string column, ``kommunenavn`` and
``year``. The 2020 file (356 municipalities) ships with integer codes in
EPSG:4326 without a CRS tag (GeoJSON default); the 2024 file (357) with string
codes in EPSG:4326.
"""

from __future__ import annotations

import bz2
import json
import os
from functools import lru_cache
from typing import TYPE_CHECKING

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["BOUNDARY_FILES", "adjacency", "municipality_codes", "read_boundary_file", "read_municipalities"]

#: Shared dataset of each boundary year.
BOUNDARY_FILES: dict[int, str] = {
    2020: "boundaries/kommuner_2020.json.bz2",
    2024: "boundaries/kommuner_2024.geojson",
}


def read_boundary_file(path: str | os.PathLike[str], *, year: int, crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """Read a municipality boundary GeoJSON (plain or ``.bz2``) into the standard shape.

    Parameters
    ----------
    path
        GeoJSON file with a ``kommunenummer`` property and a name (``kommunenavn``,
        ``navn`` or ``name``). Coordinates are taken as EPSG:4326 when the file
        carries no CRS (the GeoJSON default).
    year
        Year of the municipal division, stored in the ``year`` column.
    crs
        Output CRS (projected, metres).
    """
    import geopandas as gpd
    import pandas as pd

    p = os.fspath(path)
    if p.endswith(".bz2"):
        with bz2.open(p, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        gdf = gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")
    else:
        gdf = gpd.read_file(p)
        if gdf.crs is None:
            gdf = gdf.set_crs("EPSG:4326")
    if "kommunenummer" not in gdf.columns:
        msg = f"{p}: no 'kommunenummer' property; found {list(gdf.columns)}."
        raise InputError(msg)
    name_col = next((c for c in ("kommunenavn", "navn", "name") if c in gdf.columns), None)
    codes = gdf["kommunenummer"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(4)
    if not codes.str.fullmatch(r"\d{4}").all():
        bad = sorted(codes[~codes.str.fullmatch(r"[0-9]{4}")])[:5]
        msg = f"{p}: some kommunenummer values are not 4-digit codes: {bad}."
        raise InputError(msg)
    out = gpd.GeoDataFrame(
        {
            "kommunenummer": codes.to_numpy(dtype=object),
            "kommunenavn": (gdf[name_col].astype(str) if name_col else pd.Series([""] * len(gdf))).to_numpy(
                dtype=object
            ),
            "year": year,
        },
        geometry=gdf.geometry.make_valid().to_numpy(),
        crs=gdf.crs,
    ).to_crs(crs)
    if out["kommunenummer"].duplicated().any():
        out = out.dissolve(by="kommunenummer", aggfunc="first", as_index=False)
    return out.sort_values("kommunenummer").reset_index(drop=True)


@lru_cache(maxsize=4)
def _cached(year: int, crs: str) -> gpd.GeoDataFrame:
    from geoaccess.datasets import fetch

    return read_boundary_file(fetch(BOUNDARY_FILES[year]), year=year, crs=crs)


def read_municipalities(year: int = 2024, *, crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """Municipality boundaries of ``year`` (2020 or 2024) from the shared data.

    Parameters
    ----------
    year
        2020 (356 municipalities; codes also valid 2020–2023) or 2024 (357).
    crs
        Output CRS; EPSG:25833 (UTM 33, metres) by default.

    Returns
    -------
    geopandas.GeoDataFrame
        ``kommunenummer`` (4-digit string), ``kommunenavn``, ``year``, ``geometry``.
    """
    if year not in BOUNDARY_FILES:
        msg = (
            f"No municipality boundaries for {year} in the shared data; available: "
            f"{', '.join(map(str, BOUNDARY_FILES))}. Codes of 2021-2023 are those of 2020."
        )
        raise InputError(msg)
    return _cached(year, crs).copy()


def municipality_codes(year: int) -> frozenset[str]:
    """Set of municipality codes valid in ``year`` (2020–2023 use the 2020 division, 2024 its own)."""
    base = 2020 if 2020 <= year <= 2023 else year
    return frozenset(read_municipalities(base)["kommunenummer"])


def adjacency(boundaries: gpd.GeoDataFrame, *, tolerance: float = 50.0) -> tuple[list[str], object]:
    """Adjacency of municipalities: polygons closer than ``tolerance`` metres are neighbours.

    Parameters
    ----------
    boundaries
        Polygons in a projected CRS with a ``kommunenummer`` column.
    tolerance
        Gap in metres still counted as a shared border (digitising noise; narrow
        sounds are *not* bridged unless the tolerance is raised).

    Returns
    -------
    codes : list of str
        Order of rows and columns.
    matrix : scipy.sparse.csr_array
        Symmetric boolean adjacency (no self loops).
    """
    import numpy as np
    import scipy.sparse as sp

    if boundaries.crs is None or not boundaries.crs.is_projected:
        msg = "adjacency() needs boundaries in a projected CRS (metres); use read_municipalities(crs='EPSG:25833')."
        raise InputError(msg)
    codes = boundaries["kommunenummer"].tolist()
    geoms = boundaries.geometry.buffer(tolerance / 2.0)
    left, right = geoms.sindex.query(geoms, predicate="intersects")
    keep = left != right
    n = len(codes)
    a = sp.csr_array((np.ones(int(keep.sum()), dtype=bool), (left[keep], right[keep])), shape=(n, n))
    return codes, ((a + a.T) > 0).astype(bool)
