"""A centre given as coordinates or text, as a one-point layer (the origin of catchments and enlargements)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["centre_points"]


def centre_points(centre: Any, *, crs: Any = None, name: str = "centre") -> gpd.GeoDataFrame:
    """Turn a centre given as ``(x, y)``, ``(x, y, crs)``, ``"x,y[,crs]"`` or a GeoDataFrame into a layer.

    Parameters
    ----------
    centre
        The centre. Coordinates without a CRS need ``crs=``.
    crs
        CRS of plain coordinates (e.g. ``"EPSG:4326"`` for lon, lat).
    name
        Id of the centre in outputs.

    Returns
    -------
    geopandas.GeoDataFrame
        One row with ``origin_id`` and a point geometry.
    """
    import geopandas as gpd
    import shapely

    from geoaccess.crs import resolve_crs

    if isinstance(centre, gpd.GeoDataFrame):
        if len(centre) == 0:
            msg = "The centre layer is empty; give one point."
            raise InputError(msg)
        return centre
    if isinstance(centre, str):
        parts = [p.strip() for p in centre.split(",")]
        if len(parts) < 2:
            msg = f"Centre {centre!r}: write 'x,y' or 'x,y,CRS', e.g. '10.808,59.9285,EPSG:4326'."
            raise InputError(msg)
        try:
            xy = (float(parts[0]), float(parts[1]))
        except ValueError:
            msg = f"Centre {centre!r}: x and y must be numbers, e.g. '10.808,59.9285,EPSG:4326'."
            raise InputError(msg) from None
        if len(parts) > 2:
            crs = ",".join(parts[2:])
        centre = xy
    seq = list(centre)
    if len(seq) == 3:
        crs = seq[2]
        seq = seq[:2]
    if len(seq) != 2 or not all(np.isfinite(float(v)) for v in seq):
        msg = f"Centre {centre!r}: give two finite coordinates (x, y)."
        raise InputError(msg)
    src = resolve_crs(crs, what=f"The centre {tuple(seq)}")
    return gpd.GeoDataFrame({"origin_id": [name]}, geometry=[shapely.Point(float(seq[0]), float(seq[1]))], crs=src)
