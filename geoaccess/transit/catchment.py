"""Public-transport catchments: the area (and people) reachable within given minutes.

A catchment here is the union of the population cells (or any polygons) whose centre is
reached by walk + transit + walk within ``T`` minutes at the chosen percentile of a
departure window, with the population they hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.transit.timetable import Timetable

__all__ = ["transit_catchment"]


def transit_catchment(
    tt: Timetable,
    origin: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    date: str | None = None,
    window: str | tuple[float, float] = "07:00-08:00",
    thresholds_minutes: tuple[float, ...] = (30, 45),
    percentile: float = 50,
    population: str = "population",
    max_walk_minutes: float = 10.0,
    walk_speed_kmh: float = 5.0,
    max_transfers: int = 5,
    progress: bool = False,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Catchment polygons and population reached from one origin by walk + transit.

    Parameters
    ----------
    origin
        One point (GeoDataFrame with one row; several rows are treated as alternative
        starting points: the fastest counts).
    cells
        Polygons (e.g. SSB 250 m cells) with a ``population`` column.
    thresholds_minutes
        Travel-time limits in minutes; a cell counts when its ``percentile`` travel time over
        the window is at most the limit.

    Returns
    -------
    catchments : geopandas.GeoDataFrame
        One row per threshold: ``minutes``, ``population``, ``cells``, ``geometry`` (union of
        the cells reached), in the cells' CRS; ``attrs`` record the window, date and walking.
    minutes : numpy.ndarray
        Travel minutes to every cell (NaN = not reached).
    """
    import geopandas as gpd

    from geoaccess.transit.routing import transit_matrix

    if population not in cells.columns:
        msg = f"The cells have no {population!r} column; name the population column with population=."
        raise InputError(msg)
    centres = cells.copy()
    centres["geometry"] = cells.geometry.centroid
    res = transit_matrix(
        tt, origin, centres, date=date, window=window, percentiles=(float(percentile),),
        max_walk_minutes=max_walk_minutes, walk_speed_kmh=walk_speed_kmh, max_transfers=max_transfers,
        progress=progress,
    )  # fmt: skip
    minutes = np.nanmin(res["minutes"][0], axis=0) if len(origin) > 1 else res["minutes"][0][0]
    rows = []
    for t in sorted(float(x) for x in thresholds_minutes):
        sel = np.nan_to_num(minutes, nan=np.inf) <= t
        geom = cells.geometry[sel].union_all() if sel.any() else None
        rows.append(
            {
                "minutes": t,
                "population": float(cells.loc[sel, population].sum()),
                "cells": int(sel.sum()),
                "geometry": geom,
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=cells.crs)
    out.attrs.update(
        {
            "date": res["date"],
            "window": res["window"],
            "percentile": percentile,
            "access": res["access"],
            "footpaths": res["footpaths"],
        }
    )
    return out, minutes
