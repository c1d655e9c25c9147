"""The SSB 250 m population grid (befolkning på rutenett, 250 m ruter).

Statistics Norway (SSB) publishes the resident population per 250 m x 250 m cell
(*rute*) in EPSG:25833. Each cell carries the SSB id ``ru250m`` (the cell's
south-west corner coded as ``2000000 + x`` and ``y``) and the count ``pop_tot``.
The shipped ``.prj`` names an "unknown" datum with exactly the UTM zone 33N
parameters; it is resolved explicitly to EPSG:25833 by
:func:`geoaccess.crs.resolve_crs` (with a warning). A copy without any CRS is
refused with :class:`geoaccess.errors.CRSError`.

Licence: CC BY 4.0 (SSB). Attribution: "Contains data from Statistics Norway (SSB)".
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DEFAULT_GRID", "LICENCE", "grid_to_raster", "read_ssb_grid"]

DEFAULT_GRID = "population/befolkning_250m_2023_oslo.shp"
LICENCE = "CC BY 4.0 (SSB)"
_ID_COLUMNS = ("ru250m", "ssbid", "ssbid250m", "rute_id", "cell_id")
_POP_COLUMNS = ("pop_tot", "popTot", "poptot", "befolkning", "population", "sum_pop")


def _resolve_source(source: str | os.PathLike[str]) -> Path:
    p = Path(source)
    if p.is_file():
        return p
    from geoaccess.datasets import fetch

    try:
        return fetch(str(source))
    except KeyError:
        msg = f"Population layer {str(source)!r} is neither an existing file nor a registered dataset name."
        raise InputError(msg) from None


def _pick(columns: list[str], candidates: tuple[str, ...], *, what: str, path: Path) -> str:
    lower = {c.lower(): c for c in columns}
    for c in candidates:
        if c.lower() in lower:
            return lower[c.lower()]
    msg = f"{path.name}: no {what} column found (looked for {', '.join(candidates)}; the layer has {columns})."
    raise InputError(msg)


def read_ssb_grid(
    source: str | os.PathLike[str] = DEFAULT_GRID,
    *,
    as_points: bool = False,
) -> gpd.GeoDataFrame:
    """Read an SSB 250 m population grid.

    Parameters
    ----------
    source
        A dataset name from the manifest (default: Oslo 2023) or a path to a shapefile /
        GeoPackage with the SSB columns.
    as_points
        Return the cell centres (points) instead of the 250 m squares.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id`` (str, the SSB ``ru250m`` id), ``population`` (float, persons),
        ``geometry``; CRS EPSG:25833. ``gdf.attrs["provenance"]`` holds source, licence and year.

    Raises
    ------
    geoaccess.errors.CRSError
        The layer has no CRS (e.g. the ``.prj`` is missing).
    geoaccess.errors.InputError
        The id or population column is missing, or ids are duplicated.
    """
    import geopandas as gpd

    from geoaccess.crs import NORWAY_CRS, resolve_crs

    path = _resolve_source(source)
    gdf = gpd.read_file(path)
    crs = resolve_crs(gdf.crs, what=f"Population layer {path.name}")
    gdf = gdf.set_crs(crs, allow_override=True)
    if crs.to_epsg() != 25833:
        gdf = gdf.to_crs(NORWAY_CRS)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    id_col = _pick(cols, _ID_COLUMNS, what="cell id", path=path)
    pop_col = _pick(cols, _POP_COLUMNS, what="population", path=path)
    ids = gdf[id_col]
    if np.issubdtype(ids.dtype, np.floating):
        ids = ids.round().astype("int64")
    ids = ids.astype(str)
    if not ids.is_unique:
        dup = ids[ids.duplicated()].unique()[:5].tolist()
        msg = f"{path.name}: column {id_col!r} has duplicated cell ids, e.g. {dup}."
        raise InputError(msg)
    geom = gdf.geometry.centroid if as_points else gdf.geometry
    out = gpd.GeoDataFrame(
        {"cell_id": ids.to_numpy(), "population": gdf[pop_col].astype("float64").to_numpy()},
        geometry=geom.to_numpy(),
        crs=NORWAY_CRS,
    )
    year = next((y for y in range(2000, 2100) if str(y) in path.name), None)
    out.attrs["provenance"] = {"source": str(path), "licence": LICENCE, "year": year, "id_column": id_col,
                               "population_column": pop_col}
    return out


def grid_to_raster(
    grid: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    cell_m: float = 250.0,
    weight: str = "population",
) -> Path:
    """Write a regular cell grid to a single-band float32 GeoTIFF (atomically).

    Each cell's value is placed in the raster pixel containing its centre; pixels without a
    cell are 0 (no data is not used, so sums over windows equal the population).

    Parameters
    ----------
    grid
        Output of :func:`read_ssb_grid` (squares or points), in a projected CRS.
    path
        Target ``.tif``.
    cell_m
        Pixel size in metres (250 for the SSB grid).
    weight
        Column to burn (persons).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import rasterio
    from affine import Affine

    from geoaccess.crs import resolve_crs

    crs = resolve_crs(grid.crs, what="grid layer")
    if len(grid) == 0:
        msg = "grid_to_raster: the grid layer is empty."
        raise InputError(msg)
    c = grid.geometry.centroid
    cx, cy = c.x.to_numpy(), c.y.to_numpy()
    x0 = np.floor((cx.min() - cell_m / 2) / cell_m) * cell_m
    y1 = np.ceil((cy.max() + cell_m / 2) / cell_m) * cell_m
    col = np.floor((cx - x0) / cell_m).astype(np.int64)
    row = np.floor((y1 - cy) / cell_m).astype(np.int64)
    width, height = int(col.max()) + 1, int(row.max()) + 1
    data = np.zeros((height, width), dtype=np.float64)
    np.add.at(data, (row, col), grid[weight].to_numpy(dtype=np.float64))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".tif", dir=path.parent)
    os.close(fd)
    try:
        with rasterio.open(
            tmp, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
            crs=crs.to_wkt(), transform=Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1), compress="deflate",
        ) as dst:
            dst.write(data.astype(np.float32), 1)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
