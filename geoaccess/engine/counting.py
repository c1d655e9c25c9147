"""Counting people (or jobs, or any cell weight) within T minutes, and inside catchment polygons.

The counting rule
-----------------
"People within ``T`` minutes" has **one** rule in geoaccess (:data:`COUNTING_RULE`), used by
:meth:`Router.reached <geoaccess.engine.router.Router.reached>` (and
:func:`~geoaccess.engine.surface.reached_population`), ``geoaccess catchment --population``,
``geoaccess scenario`` / :mod:`geoaccess.scenario.compare` and the site evaluation: a cell
counts when its **door-to-door** travel time from the origin — the origin's access leg, the
network time and the leg from the road to the cell centre, both legs at the access speed — is
``<= T``. Cells whose centre lies farther than ``max_snap_m`` from the network never count;
an origin off the network reaches NaN people (never 0). Every result records the rule
(``attrs["counting_rule"]``, ``run.json``, the CLI's table title).

Counting inside polygons
------------------------
:func:`count_in_catchments` overlays a layer on polygons (e.g. to count another layer in a
drawn catchment); it is an overlay, not the time rule above:

``rule="centre"`` (default)
    A grid cell (e.g. an SSB 250 m *rute*) or point counts fully in a catchment when its
    centre lies inside the polygon or on its boundary; otherwise not at all.
``rule="area"``
    A cell counts with the share of its area inside the polygon
    (``weight * area(cell ∩ polygon) / area(cell)``), i.e. people are assumed spread
    evenly over the cell. Points always follow the centre rule.
Rasters (:func:`count_raster_in_catchments`)
    A pixel counts when its centre lies inside the polygon (the centre rule); the raster
    is read window by window, never as a whole.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.snap import Snapped

__all__ = ["COUNTING_RULE", "count_in_catchments", "count_raster_in_catchments", "count_within", "router_reached"]

COUNTING_RULE = (
    "door-to-door: a cell counts within T minutes when its travel time from the origin, both access legs "
    "(point to road and road to cell centre, at the access speed) included, is <= T; cells farther than "
    "max_snap_m from the network never count, and an origin off the network reaches NaN"
)
"""The one rule for "people within T minutes" (recorded in every result that counts)."""


def count_within(
    seconds: np.ndarray, weights: dict[str, np.ndarray], thresholds_minutes: Sequence[float]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Sums of cell weights with door-to-door time ``<= T`` (:data:`COUNTING_RULE`), per origin and T.

    Parameters
    ----------
    seconds : numpy.ndarray, shape (S, C)
        Door-to-door seconds origin -> cell (``inf`` unreachable).
    weights
        ``name -> (C,)`` weights (NaN counts as 0).
    thresholds_minutes
        Thresholds in minutes.

    Returns
    -------
    sums : dict of name -> numpy.ndarray of float64, shape (S, K)
    cells : numpy.ndarray of int64, shape (S, K)
        Number of cells counted.
    """
    k = len(thresholds_minutes)
    w = {n: np.nan_to_num(np.asarray(v, dtype=np.float64)) for n, v in weights.items()}
    sums = {n: np.empty((seconds.shape[0], k)) for n in w}
    cells = np.empty((seconds.shape[0], k), dtype=np.int64)
    for j, thr in enumerate(thresholds_minutes):
        inside = seconds <= thr * 60.0
        cells[:, j] = inside.sum(axis=1)
        f = inside.astype(np.float64)
        for n, v in w.items():
            sums[n][:, j] = f @ v
    return sums, cells


def router_reached(
    router: Router,
    src: Snapped,
    cells: Snapped,
    weights: dict[str, np.ndarray],
    *,
    thresholds_minutes: float | Sequence[float] | str = (15, 30, 45),
    block_size: int = 256,
) -> pd.DataFrame:
    """Weights reached within each threshold of every origin (see :meth:`Router.reached`)."""
    import pandas as pd

    from geoaccess.engine.matrix import check_minutes

    thresholds = check_minutes(thresholds_minutes, what="thresholds_minutes")
    for name, v in weights.items():
        if len(v) != len(cells):
            msg = f"weight {name!r} has {len(v)} values for {len(cells)} cells."
            raise InputError(msg)
    k = len(thresholds)
    sums = {n: np.empty((len(src), k)) for n in weights}
    counts = np.empty((len(src), k), dtype=np.int64)
    for block in router.matrix_blocks(src, cells, cutoff_minutes=max(thresholds), block_size=block_size):
        sl = slice(block.row_offset, block.row_offset + len(block.origin_ids))
        part, n_cells = count_within(block.seconds, weights, thresholds)
        counts[sl] = n_cells
        for n in weights:
            sums[n][sl] = part[n]
    off = ~(router.seeds(src, "origin")[0] >= 0).any(axis=1)
    data: dict[str, Any] = {
        "origin_id": np.repeat(src.ids, k),
        "minutes": np.tile(np.asarray(thresholds, dtype=float), len(src)),
    }
    for n in weights:
        sums[n][off] = np.nan
        data[n] = sums[n].ravel()
    data["cells"] = counts.ravel()
    out = pd.DataFrame(data)
    out.attrs["counting_rule"] = COUNTING_RULE
    return out


def count_in_catchments(
    catchments_gdf: gpd.GeoDataFrame,
    layer_gdf: gpd.GeoDataFrame,
    *,
    weight: str,
    rule: Literal["centre", "area"] = "centre",
    column: str | None = None,
) -> gpd.GeoDataFrame:
    """Sum a weight of a point or polygon layer inside each catchment polygon.

    Parameters
    ----------
    catchments_gdf
        Polygons (e.g. from :func:`geoaccess.engine.catchment.catchments`).
    layer_gdf
        Points or cells with a numeric ``weight`` column, any CRS (transformed to the
        catchments' CRS after a check).
    weight
        Column to sum (e.g. ``"population"``).
    rule
        ``"centre"`` or ``"area"`` (see the module docstring).
    column
        Name of the output column (default: ``weight``).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``catchments_gdf`` with the summed column: 0 for an empty polygon (nothing
        reached), NaN for a missing one (an origin off the network: unreachable is never 0).
    """
    import shapely

    from geoaccess.crs import resolve_crs, to_crs_checked

    if rule not in ("centre", "area"):
        msg = f"rule must be 'centre' or 'area', got {rule!r}."
        raise InputError(msg)
    if weight not in layer_gdf.columns:
        cols = [c for c in layer_gdf.columns if c != layer_gdf.geometry.name]
        msg = f"The layer to count has no column {weight!r}; its columns are {cols}."
        raise InputError(msg)
    target = resolve_crs(catchments_gdf.crs, what="The catchments layer")
    layer = to_crs_checked(layer_gdf, target, what="The layer to count")
    w = layer[weight].to_numpy(dtype=np.float64)
    w = np.nan_to_num(w)
    polys = catchments_gdf.geometry.to_numpy()
    geoms = layer.geometry.to_numpy()
    out = np.zeros(len(polys))
    is_point = shapely.get_type_id(geoms) == 0
    valid_poly = ~(shapely.is_missing(polys) | shapely.is_empty(polys))
    out[shapely.is_missing(polys)] = np.nan
    if not valid_poly.any() or len(geoms) == 0:
        result = catchments_gdf.copy()
        result[column or weight] = out
        return result
    poly_idx_all = np.flatnonzero(valid_poly)
    if rule == "centre" or is_point.all():
        centres = np.where(is_point, geoms, shapely.centroid(geoms))
        tree = shapely.STRtree(centres)
        pi, gi = tree.query(polys[poly_idx_all], predicate="intersects")
        np.add.at(out, poly_idx_all[pi], w[gi])
    else:
        # points by the centre rule, polygons by their area share
        if is_point.any():
            pts = np.flatnonzero(is_point)
            tree = shapely.STRtree(geoms[pts])
            pi, gi = tree.query(polys[poly_idx_all], predicate="intersects")
            np.add.at(out, poly_idx_all[pi], w[pts[gi]])
        cells = np.flatnonzero(~is_point)
        tree = shapely.STRtree(geoms[cells])
        pi, gi = tree.query(polys[poly_idx_all], predicate="intersects")
        cell_geoms = geoms[cells[gi]]
        pair_polys = polys[poly_idx_all[pi]]
        shapely.prepare(pair_polys)
        area = shapely.area(cell_geoms)
        inter = area.copy()
        # cells wholly inside count fully; only the boundary cells need an intersection
        cut = ~shapely.contains(pair_polys, cell_geoms)
        inter[cut] = shapely.area(shapely.intersection(cell_geoms[cut], pair_polys[cut]))
        share = np.divide(inter, area, out=np.zeros_like(inter), where=area > 0)
        np.add.at(out, poly_idx_all[pi], w[cells[gi]] * np.clip(share, 0.0, 1.0))
    result = catchments_gdf.copy()
    result[column or weight] = out
    return result


def count_raster_in_catchments(
    catchments_gdf: gpd.GeoDataFrame,
    raster_path: str | os.PathLike[str],
    *,
    band: int = 1,
) -> np.ndarray:
    """Sum raster values whose pixel centre lies inside each catchment polygon.

    The raster is read one window (the polygon's bounding box) at a time with
    :mod:`rasterio`, so rasters larger than memory work. No-data pixels count as 0.

    Parameters
    ----------
    catchments_gdf
        Polygons; transformed to the raster's CRS when it differs.
    raster_path
        A GeoTIFF (e.g. from :func:`geoaccess.layers.population.grid_to_raster`).
    band
        Band number (1-based).

    Returns
    -------
    numpy.ndarray of float64, shape (len(catchments_gdf),)
        Sum per polygon (0 for empty polygons or polygons outside the raster).
    """
    import rasterio
    import shapely
    from rasterio.features import geometry_mask
    from rasterio.windows import Window

    from geoaccess.crs import resolve_crs

    with rasterio.open(raster_path) as src:
        if src.crs is None:
            msg = f"Raster {raster_path} has no CRS; set one (e.g. EPSG:25833) before counting."
            from geoaccess.errors import CRSError

            raise CRSError(msg)
        if not 1 <= band <= src.count:
            msg = f"Raster {raster_path} has {src.count} band(s); band {band} does not exist."
            raise InputError(msg)
        raster_crs = resolve_crs(src.crs.to_wkt(), what=f"Raster {raster_path}")
        cat_crs = resolve_crs(catchments_gdf.crs, what="The catchments layer")
        gdf = catchments_gdf if cat_crs == raster_crs else catchments_gdf.set_crs(cat_crs, allow_override=True).to_crs(
            raster_crs
        )
        nodata = src.nodata
        out = np.zeros(len(gdf))
        for i, geom in enumerate(gdf.geometry.to_numpy()):
            if geom is None or shapely.is_empty(geom):
                continue
            minx, miny, maxx, maxy = geom.bounds
            inv = ~src.transform
            cols, rows = zip(*(inv @ (px, py) for px in (minx, maxx) for py in (miny, maxy)), strict=False)
            c0, c1 = max(int(np.floor(min(cols))), 0), min(int(np.ceil(max(cols))), src.width)
            r0, r1 = max(int(np.floor(min(rows))), 0), min(int(np.ceil(max(rows))), src.height)
            if c1 <= c0 or r1 <= r0:
                continue
            win = Window(c0, r0, c1 - c0, r1 - r0)
            data = src.read(band, window=win, masked=False).astype(np.float64)
            if nodata is not None:
                data[data == nodata] = 0.0
            data[~np.isfinite(data)] = 0.0
            inside = geometry_mask([geom], out_shape=data.shape, transform=src.window_transform(win),
                                   invert=True, all_touched=False)
            out[i] = float(data[inside].sum())
    return out
