"""Demo step: the national layer — N1000 car network, municipality matrix, and the reach of regional centres.

On the real national data: Kartverket's N1000 road links (2025) with car ferries, SSB's
2015 250 m grid, the 2020 municipal boundaries. Outputs go to one folder:

* ``national_summary.json`` — the network summary (islands named, quays, planned links,
  municipalities reached);
* ``municipal_matrix_2020.csv`` (+ ``_centres.csv``) — car minutes between every ordered
  pair of municipalities, the form ``geoaccess regions --travel-times`` reads;
* ``nearest_regional_centre.csv`` / ``.png`` / ``.html`` — for every municipality, the car
  time from its centre to the nearest **regional centre**, here defined as a municipality
  with at least 20,000 residents on the 2015 grid (a size rule, not the strategy's
  function-based selection; documented in ``docs/national.md``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BANDS_MINUTES", "REGIONAL_CENTRE_MIN_POPULATION", "minutes_bands", "national_demo", "nearest_regional_centre"]

REGIONAL_CENTRE_MIN_POPULATION = 20_000
"""Residents (2015 grid) that make a municipality a regional centre in this demo."""

N1000_ROADS = "roads/kartverket_n1000_veglenke_2025.gpkg"


def nearest_regional_centre(matrix: Any, centres: Any, *, min_population: float = REGIONAL_CENTRE_MIN_POPULATION) -> Any:
    """Minutes from each municipality's centre to the nearest municipality with ``min_population`` residents.

    Parameters
    ----------
    matrix
        ``origin, destination, minutes`` (:func:`geoaccess.national.matrix.municipal_matrix`).
    centres
        The centres with ``kommunenummer``, ``kommunenavn`` and ``population``.
    min_population
        Residents that make a municipality a regional centre.

    Returns
    -------
    pandas.DataFrame
        ``kommunenummer``, ``kommunenavn``, ``population``, ``regional_centre`` (code of the nearest),
        ``regional_centre_name``, ``minutes`` (0 for a regional centre itself; NaN if none is reachable).
    """
    import pandas as pd

    big = centres.loc[centres["population"] >= min_population, ["kommunenummer", "kommunenavn"]]
    sub = matrix[matrix["destination"].isin(big["kommunenummer"])].dropna(subset=["minutes"])
    best = sub.loc[sub.groupby("origin")["minutes"].idxmin()]
    names = dict(zip(big["kommunenummer"], big["kommunenavn"], strict=False))
    out = pd.DataFrame({"kommunenummer": centres["kommunenummer"].to_numpy(),
                        "kommunenavn": centres["kommunenavn"].to_numpy(),
                        "population": centres["population"].to_numpy()})
    pick = best.set_index("origin")
    out["regional_centre"] = out["kommunenummer"].map(pick["destination"])
    out["regional_centre_name"] = out["regional_centre"].map(names)
    out["minutes"] = out["kommunenummer"].map(pick["minutes"]).astype(float)
    return out


BANDS_MINUTES = (0, 30, 45, 60, 90, 120, 180)
"""Class breaks of the map, minutes (the BA and omland thresholds 30/45/60/90)."""


def minutes_bands(minutes: Any) -> Any:
    """Ordered categories ``0-30``, ``30-45``, ... ``180+`` (and ``unreachable``) of a minutes column."""
    import pandas as pd

    edges = [*BANDS_MINUTES, np.inf]
    labels = [f"{a}-{b}" for a, b in zip(BANDS_MINUTES[:-1], BANDS_MINUTES[1:], strict=False)] + [f"{BANDS_MINUTES[-1]}+"]
    cut = pd.cut(pd.Series(minutes, dtype=float), edges, labels=labels, right=False, include_lowest=True)
    return cut.cat.add_categories(["unreachable"]).fillna("unreachable")


def national_demo(out_dir: str | Path, *, year: int = 2020,
                  min_population: float = REGIONAL_CENTRE_MIN_POPULATION) -> dict[str, Any]:
    """Run the national step and write its outputs (see the module docstring); return a summary."""
    import json

    from geoaccess.layers.centres import municipality_boundaries, municipality_centres
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid
    from geoaccess.national import routing
    from geoaccess.national.matrix import municipal_matrix, snap_centres
    from geoaccess.national.report import network_report
    from geoaccess.network.build import build_network
    from geoaccess.report.atomic import atomic_path, write_table
    from geoaccess.report.maps import html_map, png_map

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    net = build_network(N1000_ROADS, mode="car", progress=True)
    prep = routing.prepare(net)
    timings["network_and_hierarchy_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    grid = read_ssb_grid(NATIONAL_GRID_250M)
    bounds = municipality_boundaries(year)
    centres = municipality_centres(bounds, grid)
    timings["grid_and_centres_s"] = round(time.perf_counter() - t, 2)
    report = network_report(net, year=year, boundaries=bounds, centres=centres)
    with atomic_path(out / "national_summary.json") as tmp:
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    t = time.perf_counter()
    matrix = municipal_matrix(prep, centres=centres, year=None)
    timings["matrix_s"] = round(time.perf_counter() - t, 2)
    write_table(matrix.round({"minutes": 3}), out / f"municipal_matrix_{year}.csv")
    write_table(snap_centres(prep, centres)[1], out / f"municipal_matrix_{year}_centres.csv")
    reach = nearest_regional_centre(matrix, centres, min_population=min_population)
    write_table(reach, out / "nearest_regional_centre.csv")
    shapes = bounds.merge(reach.drop(columns=["kommunenavn"]), on="kommunenummer", how="left")
    shapes["minutes_band"] = minutes_bands(shapes["minutes"])
    big = centres[centres["population"] >= min_population]
    title = f"Car minutes from each municipality's centre to the nearest municipality of {min_population:,.0f}+ residents"
    png_map(shapes, out / "nearest_regional_centre.png", column="minutes_band", categorical=True, title=title,
            legend_title="minutes by car (N1000, ferries incl. waits)", cmap="magma_r", overlays=(big,),
            attribution="Roads: Kartverket N1000 (CC BY 4.0); population: SSB 2015 grid (CC BY 4.0); boundaries 2020")
    web = shapes.copy()
    web["geometry"] = web.geometry.simplify(250.0)
    web["minutes"] = web["minutes"].round(1)
    html_map(web[["kommunenummer", "kommunenavn", "population", "regional_centre_name", "minutes", "minutes_band",
                  "geometry"]],
             out / "nearest_regional_centre.html", column="minutes_band", categorical=True, title=title,
             cmap="magma_r", overlays=(big,))
    m = reach["minutes"].to_numpy(dtype=float)
    worst = reach.sort_values("minutes", ascending=False).head(5)
    return {
        "network": {k: report["network"][k] for k in ("nodes", "edges", "ferry_edges", "components")},
        "islands_dropped": len(report["islands"]),
        "ferry_ends": report["ferry_ends"].get("by_status"),
        "planned_links_left_out": len(report["planned_links"]),
        "municipalities": report["municipalities"]["count"],
        "municipalities_reachable": report["municipalities"]["reachable"],
        "population_year": 2015,
        "boundary_year": year,
        "regional_centres": int(len(big)),
        "median_minutes_to_regional_centre": float(np.nanmedian(m)),
        "municipalities_beyond_60_min": int(np.sum(m > 60)),
        "municipalities_beyond_90_min": int(np.sum(m > 90)),
        "farthest": "; ".join(f"{r.kommunenavn} {r.minutes:.0f} min ({r.regional_centre_name})" for r in worst.itertuples()),
        "timings": timings,
    }
