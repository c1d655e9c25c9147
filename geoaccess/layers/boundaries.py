"""Municipality boundaries (*kommunegrenser*) of 2019, 2020 and 2024 from the shared Kartverket data.

Every year is returned in the same shape: a GeoDataFrame in EPSG:25833 (by
default) with a ``kommunenummer`` 4-digit string column, ``kommunenavn`` and
``year``. The 2019 file (422 municipalities, the pre-reform division, simplified)
ships in CRS84 with string codes; the 2020 file (356) with integer codes in
EPSG:4326 without a CRS tag (GeoJSON default); the 2024 file (357) with string
codes in EPSG:4326. Boundaries of the division in force in any other year (2018's
1567 Rindal, 2021-2023) come from :func:`geoaccess.layers.municipality_codes.boundaries_for_year`.
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
    import numpy as np
    from numpy.typing import ArrayLike

__all__ = [
    "BOUNDARY_FILES",
    "adjacency",
    "locate_points",
    "municipality_codes",
    "read_boundary_file",
    "read_municipalities",
]

#: Shared dataset of each boundary year.
BOUNDARY_FILES: dict[int, str] = {
    2019: "boundaries/kommuner_2019.geojson",
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
    """Municipality boundaries of ``year`` (2019, 2020 or 2024) from the shared data.

    Parameters
    ----------
    year
        2019 (422 municipalities, pre-reform; simplified lines), 2020 (356; codes also
        valid 2020–2023) or 2024 (357).
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
    """Codes of the boundary file of ``year`` (2020–2023 use the 2020 division, 2024 its own).

    The codes in force in any year, with or without boundaries, come from
    :func:`geoaccess.layers.municipality_codes.codes_in_force` (the official change table).
    """
    base = 2020 if 2020 <= year <= 2023 else year
    return frozenset(read_municipalities(base)["kommunenummer"])


def locate_points(
    x: ArrayLike,
    y: ArrayLike,
    boundaries: gpd.GeoDataFrame,
    *,
    max_distance_m: float | None = 20_000.0,
) -> np.ndarray:
    """Municipality code of each point: the polygon containing it, else the nearest one.

    The shared boundary files are generalised, so populated places on the coast
    (and small islands) can fall just outside every polygon; they are given to the
    nearest polygon within ``max_distance_m``.

    Parameters
    ----------
    x, y
        Point coordinates (metres) in the CRS of ``boundaries`` (projected).
    boundaries
        Polygons with a ``kommunenummer`` column.
    max_distance_m
        Points farther than this from every polygon get ``None``; ``None``: no limit.

    Returns
    -------
    numpy.ndarray
        Object array of codes (``None`` beyond ``max_distance_m``); a point on a shared
        border goes to the first polygon in the file order.
    """
    import numpy as np
    import shapely

    if boundaries.crs is None or not boundaries.crs.is_projected:
        msg = "locate_points() needs boundaries in a projected CRS (metres), e.g. read_municipalities(crs='EPSG:25833')"
        raise InputError(msg)
    pts = shapely.points(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    codes = boundaries["kommunenummer"].to_numpy(dtype=object)
    out = np.full(len(pts), None, dtype=object)
    tree = boundaries.sindex
    pi, gi = tree.query(pts, predicate="within")
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = codes[gi[first]]
    found = np.zeros(len(pts), dtype=bool)
    found[pi] = True
    rest = np.flatnonzero(~found)
    if len(rest):
        ri, gj = tree.nearest(pts[rest], max_distance=max_distance_m, return_all=False)
        ri = np.asarray(ri)
        out[rest[ri]] = codes[gj]
    return out



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
