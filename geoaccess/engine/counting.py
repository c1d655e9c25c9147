"""Counting population (or any weight) inside catchment polygons.

Rules
-----
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
from typing import TYPE_CHECKING, Literal

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["count_in_catchments", "count_raster_in_catchments"]


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
        A copy of ``catchments_gdf`` with the summed column (0 for empty polygons).
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
            cols, rows = zip(*(inv @ (px, py) for px in (minx, maxx) for py in (miny, maxy)))
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
