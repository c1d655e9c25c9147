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

__all__ = ["transit_catchment", "transit_catchments"]


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


def transit_catchments(
    tt: Timetable,
    origins: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    id_column: str | None = None,
    date: str | None = None,
    window: str | tuple[float, float] = "07:00-08:00",
    thresholds_minutes: tuple[float, ...] = (30, 45),
    percentile: float = 50,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """:func:`transit_catchment` of every origin: one range-RAPTOR run per origin, cells counted by their centre.

    Parameters
    ----------
    origins
        Points; ids from ``id_column`` (default: the layer's ``attrs["id_column"]`` from
        :func:`geoaccess.layers.points.read_points`, else the index).
    cells, date, window, thresholds_minutes, percentile
        As for :func:`transit_catchment`.
    progress
        Show progress over origins.

    Returns
    -------
    geopandas.GeoDataFrame
        ``origin_id``, ``minutes``, ``population``, ``cells``, ``area_km2``, geometry (the cells' CRS).
    """
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.parallel import progress_bar

    col = id_column or origins.attrs.get("id_column")
    if col is not None and col not in origins.columns:
        msg = f"The origins have no column {col!r}; its columns: {', '.join(map(str, origins.columns))}."
        raise InputError(msg)
    ids = origins[col].to_numpy() if col else origins.index.to_numpy()
    parts = []
    bar = progress_bar(len(ids), "transit catchments") if progress and len(ids) > 1 else None
    task = bar.add_task("transit catchments", total=len(ids)) if bar is not None else None
    if bar is not None:
        bar.start()
    try:
        for i, oid in enumerate(ids):
            one, _ = transit_catchment(tt, origins.iloc[[i]], cells, date=date, window=window,
                                       thresholds_minutes=tuple(thresholds_minutes), percentile=percentile)
            one.insert(0, "origin_id", oid)
            parts.append(one)
            if bar is not None:
                bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
    out.insert(out.columns.get_loc(out.geometry.name), "area_km2", out.geometry.area.to_numpy() / 1e6)
    out.attrs["counting_rule"] = f"cell centre reached within T at the {percentile:g}th percentile over {window}"
    return out
