"""Demo: population reachable by bus from Jessheim (Ullensaker), weekday morning, September 2017.

Uses Ruter's NeTEx timetable for Øvre Romerike (2017) and SSB's 250 m population grid
for Akershus (2023). Walking to and from stops is a straight line x1.3 at 5 km/h (the only
road network covering Øvre Romerike is N1000, which has no streets or paths), at most
``max_walk_minutes``. The same question by car is answered on N1000
(:mod:`geoaccess.examples.jessheim_car`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CAR_NOTE", "JESSHEIM_LONLAT", "ovre_romerike_demo"]

JESSHEIM_LONLAT = (11.176338, 60.141802)
"""Jessheim stasjon (the rail and bus station in Jessheim, Ullensaker), from the NeTEx stop register."""

CAR_NOTE = (
    "By car: the same origin and cells on the national N1000 roads (geoaccess.examples.jessheim_car, door to door "
    "under the counting rule); the Akershus grid holds Akershus' residents only, so Oslo's are not counted."
)

GRID = "population/befolkning_250m_2023_akershus.shp"
FEED = "transit/ruter_ovre_romerike_netex_2017.zip"


def _read_grid() -> Any:
    """Akershus 250 m grid with ``cell_id``, ``population``, geometry in EPSG:25833."""
    try:
        from geoaccess.layers.population import read_ssb_grid
    except ImportError:  # pragma: no cover - fallback while the layers module is absent
        read_ssb_grid = None
    if read_ssb_grid is not None:
        return read_ssb_grid(GRID)
    import geopandas as gpd  # pragma: no cover

    from geoaccess.datasets import fetch  # pragma: no cover

    g = gpd.read_file(fetch(GRID)).set_crs("EPSG:25833", allow_override=True)  # pragma: no cover
    pop = next(c for c in g.columns if c.lower().startswith("pop") or c.lower() == "tot")  # pragma: no cover
    return g.rename(columns={pop: "population"}).assign(cell_id=np.arange(len(g)))  # pragma: no cover


def ovre_romerike_demo(
    *,
    out_dir: str | os.PathLike[str],
    date: str = "2017-09-12",
    window: str = "07:00-08:00",
    percentile: float = 50,
    thresholds_minutes: tuple[float, ...] = (30, 45),
    max_walk_minutes: float = 10.0,
    progress: bool = False,
) -> dict[str, Any]:
    """Population reachable by bus (plus walking) from Jessheim within 30 and 45 minutes.

    Travel time from Jessheim stasjon to the centre of every SSB 250 m cell in Akershus,
    for departures every minute in ``window`` on ``date`` (a Tuesday); the
    ``percentile`` (default median) over the window decides reachability.

    Parameters
    ----------
    out_dir
        Folder for ``jessheim_transit_<date>.csv`` (one row per cell reached),
        ``jessheim_transit_catchments_<date>.gpkg`` (one polygon per threshold: the cells
        reached, with their population) and ``jessheim_transit_<date>.png``; written atomically.

    Returns
    -------
    dict
        ``population_within`` ({minutes: people}), ``cells_within``, ``population_total``,
        ``date``, ``window``, ``percentile``, ``footpaths``, ``access``,
        ``car_population_within_<T>_min`` (by car on N1000), ``note``,
        ``csv``, ``png``, and the feed's validation counts.
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from geoaccess.datasets import fetch
    from geoaccess.report.atomic import write_table
    from geoaccess.transit.netex import read_netex
    from geoaccess.transit.routing import transit_matrix

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    full = read_netex(fetch(FEED))
    tt = full.for_date(date)
    grid = _read_grid()
    origin = gpd.GeoDataFrame({"name": ["Jessheim stasjon"]}, geometry=[Point(*JESSHEIM_LONLAT)], crs="EPSG:4326")
    pct = (5.0, 50.0, 95.0) if percentile in (5, 50, 95) else (5.0, float(percentile), 95.0)
    cells = grid.copy()
    cells["geometry"] = cells.geometry.centroid
    res = transit_matrix(
        tt, origin, cells, window=window, percentiles=pct, max_walk_minutes=max_walk_minutes, progress=progress
    )
    mins = res["minutes"][:, 0, :]
    table = pd.DataFrame({"cell_id": grid["cell_id"].to_numpy(), "population": grid["population"].to_numpy()})
    for q, p in enumerate(pct):
        table[f"minutes_p{p:g}"] = mins[q]
    key = f"minutes_p{float(percentile):g}"
    within = {}
    cells_within = {}
    for t in thresholds_minutes:
        sel = table[key] <= t
        within[float(t)] = int(table.loc[sel, "population"].sum())
        cells_within[float(t)] = int(sel.sum())
        table[f"within_{t:g}"] = sel
    csv = out / f"jessheim_transit_{date}.csv"
    write_table(table[np.isfinite(table[key])], csv)
    # catchment polygons: union of the cells reached within each threshold
    polys = []
    for t in sorted(thresholds_minutes):
        sel = (table[key] <= t).to_numpy()
        polys.append({"minutes": float(t), "population": within[float(t)], "cells": cells_within[float(t)],
                      "geometry": grid.geometry[sel].union_all() if sel.any() else None})  # fmt: skip
    gpkg = out / f"jessheim_transit_catchments_{date}.gpkg"
    write_table(gpd.GeoDataFrame(polys, geometry="geometry", crs=grid.crs), gpkg)

    # map: cells within 35 km of Jessheim, classed by travel time
    from geoaccess.report.maps import png_map

    o = origin.to_crs(grid.crs).geometry.iloc[0]
    near = grid.geometry.centroid.distance(o) <= 35_000
    lo, hi = min(thresholds_minutes), max(thresholds_minutes)
    labels = np.full(len(table), "not reached", dtype=object)
    m = table[key].to_numpy()
    labels[m > hi] = f"over {hi:g} min"
    labels[m <= hi] = f"{lo:g}-{hi:g} min"
    labels[m <= lo] = f"up to {lo:g} min"
    shown = grid.loc[near, ["geometry"]].copy()
    order = [f"up to {lo:g} min", f"{lo:g}-{hi:g} min", f"over {hi:g} min", "not reached"]
    shown["travel"] = pd.Categorical(labels[near.to_numpy()], categories=order, ordered=True)
    png = out / f"jessheim_transit_{date}.png"
    png_map(
        shown,
        png,
        column="travel",
        categorical=True,
        cmap="RdYlGn_r",
        title=f"By bus from Jessheim stasjon, {date} {window} (median over departures)",
        overlays=(origin.to_crs(grid.crs),),
        legend_title="Travel time",
    )
    from geoaccess.examples.jessheim_car import car_population_within

    car = car_population_within(origin, grid, thresholds_minutes=thresholds_minutes)
    flat = {f"population_within_{t:g}_min": v for t, v in within.items()}
    return {
        **flat,
        "population_within": within,
        "cells_within": cells_within,
        "population_total": int(table["population"].sum()),
        "date": date,
        "window": window,
        "percentile": percentile,
        "trips_on_date": tt.n_trips,
        "footpaths": tt.footpath_kind,
        "access": res["access"],
        "skipped_journeys": full.report.count("ServiceJourney", action="skipped"),
        **{f"car_population_within_{t:g}_min": v for t, v in car["population_within"].items()},
        "note": CAR_NOTE,
        "csv": str(csv),
        "catchments": str(gpkg),
        "png": str(png),
    }
