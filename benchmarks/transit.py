"""Benchmark of the public-transport engine on the real feeds (prints a table; ``--json PATH`` saves it).

Cases (60-minute departure window 07:00-08:00, one departure a minute, up to 5 transfers):

* Tampere GTFS (Wednesday 2022-01-12) with footpaths and access/egress on the OSM walk
  network (``osm/tampere.osm.pbf``): single RAPTOR queries; all stops to all stops;
  1,000 origins on a 250 m grid over the stops' area to all stops (Tampere has no
  population grid in the sample data, so grid points stand in for population cells).
* Øvre Romerike NeTEx (Tuesday 2017-09-12) with straight-line footpaths (x1.3, 5 km/h):
  all stops to all stops; the 1,000 populated SSB 250 m cells nearest Jessheim to all stops.
* The brute-force reference of tests/test_raptor.py (time-expanded graph + Dijkstra),
  timed on the same single queries, and the ratio.

Run: ``python benchmarks/transit.py [--json out.json]``. Numba threads follow ``NUMBA_NUM_THREADS``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def _timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--reference-queries", type=int, default=5)
    args = ap.parse_args()

    import geopandas as gpd
    import numba

    from geoaccess.datasets import fetch
    from geoaccess.network.build import build_network
    from geoaccess.transit.footpaths import network_footpaths
    from geoaccess.transit.gtfs import read_gtfs
    from geoaccess.transit.netex import read_netex
    from geoaccess.transit.routing import raptor, transit_matrix

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_raptor import Reference  # the plain reference written in the tests

    res: dict[str, object] = {"threads": numba.get_num_threads()}
    rng = np.random.default_rng(0)

    # ------------------------------------------------------------------ Tampere
    full, t = _timed(read_gtfs, fetch("transit/tampere_gtfs.zip"))
    res["tampere_read_s"] = t
    day = full.for_date("2022-01-12")
    net, t = _timed(build_network, "osm/tampere.osm.pbf", mode="walk")
    res["tampere_walk_network_s"] = t
    res["tampere_walk_nodes"] = net.n_nodes
    day, t = _timed(network_footpaths, day, net, max_walk_s=600.0)
    res["tampere_network_footpaths_s"] = t
    res["tampere_footpaths"] = day.n_footpaths
    raptor(day, [0], None, 7 * 3600)  # compile / load the numba cache
    qs = []
    origins = rng.choice(np.flatnonzero(np.diff(day.stop_pattern_ptr) > 0), size=200)
    for o in origins:
        _, t = _timed(raptor, day, [int(o)], None, 7 * 3600 + float(rng.integers(3600)))
        qs.append(t)
    res["tampere_raptor_query_ms_median"] = 1000 * float(np.median(qs))
    res["tampere_raptor_query_ms_p95"] = 1000 * float(np.percentile(qs, 95))
    ref = Reference(day)
    rq, fq = [], []
    for o in origins[: args.reference_queries]:
        t0 = 7 * 3600.0
        _, a = _timed(ref, int(o), t0)
        _, b = _timed(raptor, day, [int(o)], None, t0)
        rq.append(a)
        fq.append(b)
    res["tampere_reference_query_ms_median"] = 1000 * float(np.median(rq))
    res["tampere_reference_over_raptor"] = float(np.median(rq) / np.median(fq))

    stops_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(day.stop_x, day.stop_y), crs=day.crs)
    _, t = _timed(transit_matrix, day, stops_gdf.iloc[:2], None, window="07:00-07:05")
    res["jit_compile_or_cache_load_s"] = t  # first call of the parallel kernel, not counted below
    m, t = _timed(transit_matrix, day, stops_gdf, None, window="07:00-08:00", walk_network=net)
    res["tampere_all_stops_matrix_s"] = t
    res["tampere_all_stops_origins"] = day.n_stops
    res["tampere_all_stops_reached_share_p50"] = float(np.isfinite(m["minutes"][1]).mean())
    x0, y0 = np.nanmin(day.stop_x), np.nanmin(day.stop_y)
    x1, y1 = np.nanmax(day.stop_x), np.nanmax(day.stop_y)
    gx, gy = np.meshgrid(np.arange(x0, x1, 250.0) + 125, np.arange(y0, y1, 250.0) + 125)
    pick = rng.choice(gx.size, size=1000, replace=False)
    grid = gpd.GeoDataFrame(geometry=gpd.points_from_xy(gx.ravel()[pick], gy.ravel()[pick]), crs=day.crs)
    m, t = _timed(transit_matrix, day, grid, None, window="07:00-08:00", walk_network=net)
    res["tampere_1000_grid_points_matrix_s"] = t
    res["tampere_1000_grid_points_with_access_share"] = float(np.isfinite(m["minutes"][1]).any(axis=1).mean())

    # ------------------------------------------------------------ Øvre Romerike
    full, t = _timed(read_netex, fetch("transit/ruter_ovre_romerike_netex_2017.zip"))
    res["romerike_read_s"] = t
    day = full.for_date("2017-09-12")
    qs = []
    for o in rng.choice(np.flatnonzero(np.diff(day.stop_pattern_ptr) > 0), size=200):
        _, t = _timed(raptor, day, [int(o)], None, 7 * 3600 + float(rng.integers(3600)))
        qs.append(t)
    res["romerike_raptor_query_ms_median"] = 1000 * float(np.median(qs))
    ref = Reference(day)
    rq, fq = [], []
    for o in rng.choice(np.flatnonzero(np.diff(day.stop_pattern_ptr) > 0), size=args.reference_queries):
        _, a = _timed(ref, int(o), 7 * 3600.0)
        _, b = _timed(raptor, day, [int(o)], None, 7 * 3600.0)
        rq.append(a)
        fq.append(b)
    res["romerike_reference_query_ms_median"] = 1000 * float(np.median(rq))
    res["romerike_reference_over_raptor"] = float(np.median(rq) / np.median(fq))
    stops_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(day.stop_x, day.stop_y), crs=day.crs)
    _, t = _timed(transit_matrix, day, stops_gdf, None, window="07:00-08:00")
    res["romerike_all_stops_matrix_s"] = t
    res["romerike_all_stops_origins"] = day.n_stops
    from geoaccess.examples.transit import GRID, JESSHEIM_LONLAT
    from geoaccess.layers.population import read_ssb_grid

    cells = read_ssb_grid(GRID)
    cells = cells[cells["population"] > 0]
    jx, jy = (
        gpd.GeoSeries(gpd.points_from_xy([JESSHEIM_LONLAT[0]], [JESSHEIM_LONLAT[1]]), crs="EPSG:4326")
        .to_crs(cells.crs)
        .iloc[0]
        .coords[0]
    )
    cent = cells.geometry.centroid
    near = cells.iloc[np.argsort(np.hypot(cent.x - jx, cent.y - jy).to_numpy())[:1000]]
    m, t = _timed(transit_matrix, day, near, None, window="07:00-08:00")
    res["romerike_1000_cells_matrix_s"] = t
    res["romerike_1000_cells_with_access_share"] = float(np.isfinite(m["minutes"][1]).any(axis=1).mean())

    width = max(len(k) for k in res)
    for k, v in res.items():
        print(f"{k:<{width}}  {v:.4g}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
