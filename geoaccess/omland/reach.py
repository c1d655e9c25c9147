"""Omland: residents and jobs within car-time thresholds of a town centre, and its catchment polygons.

The *omland* (hinterland) of a regional centre is who can reach it: the residents and jobs
within 15/30/45/60 minutes by car (the small-town strategy's commuting limits). Counts use
the engine's one counting rule (:data:`geoaccess.engine.counting.COUNTING_RULE`): a cell
counts within T minutes when its door-to-door time — both access legs included — is <= T.

Catchment polygons need a raster over the network's extent, so on a national network (N1000
or a composite stitched into it) they are drawn on the part of the network within
``radius_m`` of the centre (everything reachable within the thresholds must lie inside it;
checked: a threshold whose reached nodes touch the radius is refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.snap import Snapped

__all__ = ["OMLAND_MINUTES", "omland_catchments", "omland_reach"]

OMLAND_MINUTES = (15.0, 30.0, 45.0, 60.0)
"""The small-town strategy's car-time thresholds for a centre's omland, minutes."""


def omland_reach(
    router: Router,
    centre: Snapped,
    cells: Snapped,
    weights: dict[str, np.ndarray],
    *,
    thresholds_minutes: Sequence[float] = OMLAND_MINUTES,
) -> pd.DataFrame:
    """Residents, jobs (any cell weights) within each threshold of the centre.

    Parameters
    ----------
    router
        The car router.
    centre
        The centre, snapped by ``router`` (one point; more give one block of rows each).
    cells
        Grid cells snapped by ``router``.
    weights
        ``name -> array`` aligned with ``cells`` (e.g. ``population``, ``jobs``).
    thresholds_minutes
        Thresholds, minutes.

    Returns
    -------
    pandas.DataFrame
        ``origin_id``, ``minutes``, one column per weight, ``cells``, and ``share_<weight>`` (of the
        weight's total over all cells given). ``attrs["counting_rule"]`` states the rule.
    """
    out = router.reached(centre, cells, weights, thresholds_minutes=tuple(thresholds_minutes))
    for name, w in weights.items():
        total = float(np.nansum(w))
        out[f"share_{name}"] = out[name] / total if total > 0 else np.nan
    return out


def omland_catchments(
    router: Router,
    centre: gpd.GeoDataFrame,
    *,
    thresholds_minutes: Sequence[float] = OMLAND_MINUTES,
    radius_m: float = 150_000.0,
    cell_m: float = 250.0,
    walk_off_m: float = 1_000.0,
    max_snap_m: float = 5_000.0,
    access_speed_kmh: float = 30.0,
) -> gpd.GeoDataFrame:
    """Catchment (omland) polygons of a centre, on the network within ``radius_m`` of it.

    Parameters
    ----------
    router
        The car router (its network may be national).
    centre
        One point (GeoDataFrame, any CRS).
    thresholds_minutes
        Thresholds, minutes.
    radius_m
        The polygons are drawn on the part of the network within this distance (metres) of the centre.
    cell_m, walk_off_m
        Raster cell and the distance from the reached roads that counts as reached, metres (see
        :mod:`geoaccess.engine.catchment`); the defaults (250 m, 1 km: the land within 1 km of the roads
        reached) suit a regional map of a car omland.
    max_snap_m, access_speed_kmh
        Snapping of the centre.

    Returns
    -------
    geopandas.GeoDataFrame
        ``origin_id``, ``minutes`` and the polygons (nested), in the network's CRS.

    Raises
    ------
    InputError
        The centre is not one point, or a threshold reaches the edge of the ``radius_m`` disc
        (the polygon would be cut): raise ``radius_m``.
    """
    import shapely

    from geoaccess.engine.router import Router
    from geoaccess.network.components import component_labels

    if len(centre) != 1:
        msg = f"omland_catchments takes one centre point, got {len(centre)}."
        raise InputError(msg)
    net = router.network
    c = centre.to_crs(net.crs).geometry.iloc[0]
    c = c if c.geom_type == "Point" else c.centroid
    near = np.hypot(net.x - c.x, net.y - c.y) <= radius_m
    local = net.subgraph(near)
    local = local.subgraph(component_labels(local) == 0)
    sub = Router.for_network(local)
    src = sub.snap(centre, max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh, what="centre")
    reach = sub.surface(src, cutoff_minutes=max(thresholds_minutes))[0]
    edge = np.hypot(local.x - c.x, local.y - c.y) > radius_m - 5_000.0
    if np.isfinite(reach[edge]).any():
        worst = float(np.nanmin(np.where(np.isfinite(reach[edge]), reach[edge], np.nan))) / 60.0
        msg = (f"The {max(thresholds_minutes):g}-minute omland reaches the edge of the {radius_m / 1000:g} km disc "
               f"around the centre (in {worst:.1f} min); raise radius_m.")
        raise InputError(msg)
    polys = sub.catchments(src, thresholds_minutes=tuple(thresholds_minutes), cell_m=cell_m, walk_off_m=walk_off_m)
    polys.attrs["catchment_network"] = {"radius_m": radius_m, "nodes": local.n_nodes, "cell_m": cell_m,
                                        "walk_off_m": walk_off_m}
    polys["km2"] = shapely.area(polys.geometry.to_numpy()) / 1e6
    return polys


