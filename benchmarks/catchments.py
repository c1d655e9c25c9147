"""Benchmark: catchment polygons, population counting and matrices on the real networks.

Run from the repository root::

    .venv/bin/python benchmarks/catchments.py                 # everything (several minutes)
    .venv/bin/python benchmarks/catchments.py --quick         # 10/100 origins only
    .venv/bin/python benchmarks/catchments.py --json out.json

What it measures (wall-clock seconds, after a warm-up run that compiles the numba kernels
and loads/builds the cached networks and contraction hierarchies):

1. 1000 car catchments (15/30/45 min) on Tampere (``osm/tampere.osm.pbf``).
2. 1000 walking catchments (15/30/45 min) on eastern Oslo, then counting the SSB 2023 grid
   inside them (centre rule), and the surface rule (:func:`reached_population`).
3. Growth with the number of origins (10, 100, 1000, 10000) and with graph size
   (Oslo east car, Oslo east walk, Tampere car, Tampere walk).

Origins are random points within 100 m of random network nodes (seeded), so each run
measures the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("GEOACCESS_CACHE", str(ROOT / ".cache" / "bench-cache"))
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))

NETWORKS = {
    "oslo-east car": ("osm/oslo-east-filtered.osm.pbf", "car"),
    "oslo-east walk": ("osm/oslo-east-filtered.osm.pbf", "walk"),
    "tampere car": ("osm/tampere.osm.pbf", "car"),
    "tampere walk": ("osm/tampere.osm.pbf", "walk"),
}


def _net(name: str):
    from geoaccess.network.build import build_network

    src, mode = NETWORKS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_network(src, mode=mode)


def _origins(net, n: int, seed: int = 0):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    pick = rng.integers(0, net.n_nodes, n)
    pts = shapely.points(net.x[pick] + rng.uniform(-100, 100, n), net.y[pick] + rng.uniform(-100, 100, n))
    return gpd.GeoDataFrame({"oid": np.arange(n)}, geometry=pts, crs=net.crs)


def _timed(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        t0 = time.perf_counter()
        c0 = time.process_time()
        out = func(*args, **kwargs)
        return out, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    from geoaccess.engine import catchments, travel_time_matrix
    from geoaccess.engine.counting import count_in_catchments
    from geoaccess.engine.surface import reached_population
    from geoaccess.layers.population import read_ssb_grid

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only 10 and 100 origins")
    ap.add_argument("--json", type=Path, help="write the results to this JSON file")
    ap.add_argument("--max-catchment-origins", type=int, default=1000,
                    help="largest origin count for catchments in the scaling table (default 1000)")
    args = ap.parse_args()
    minutes = (15, 30, 45)
    results: dict[str, object] = {"cpu_count": os.cpu_count(), "load_average": os.getloadavg()}
    sizes = [10, 100] if args.quick else [10, 100, 1000, 10000]

    # warm-up: networks, hierarchies, numba kernels
    nets = {name: _net(name) for name in NETWORKS}
    for net in nets.values():
        _timed(catchments, net, _origins(net, 3, seed=99), thresholds_minutes=minutes)
    results["graphs"] = {k: {"nodes": v.n_nodes, "edges": v.n_edges} for k, v in nets.items()}
    print("graphs:", results["graphs"])

    # 1. Tampere car, 1000 origins
    n_main = 100 if args.quick else 1000
    net = nets["tampere car"]
    gdf, wall, cpu = _timed(catchments, net, _origins(net, n_main), thresholds_minutes=minutes)
    results["tampere_car_catchments"] = {"origins": n_main, "polygons": len(gdf), "wall_s": wall, "cpu_s": cpu,
                                         "ms_per_polygon": 1000 * wall / len(gdf)}
    print("tampere car catchments:", results["tampere_car_catchments"])

    # 2. Oslo walk, 1000 origins, counting the SSB 2023 grid
    net = nets["oslo-east walk"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        grid = read_ssb_grid("population/befolkning_250m_2023_oslo.shp")
    orig = _origins(net, n_main, seed=1)
    gdf, wall, cpu = _timed(catchments, net, orig, thresholds_minutes=minutes)
    counted, wall_c, _ = _timed(count_in_catchments, gdf, grid, weight="population")
    area, wall_a, _ = _timed(count_in_catchments, gdf, grid, weight="population", rule="area")
    surf, wall_s, _ = _timed(reached_population, net, orig, grid, thresholds_minutes=minutes)
    results["oslo_walk_catchments"] = {
        "origins": n_main, "polygons": len(gdf), "wall_s": wall, "cpu_s": cpu,
        "count_centre_wall_s": wall_c, "count_area_wall_s": wall_a, "surface_rule_wall_s": wall_s,
        "median_population_45min_centre": float(counted.loc[counted.minutes == 45, "population"].median()),
        "median_population_45min_area": float(area.loc[area.minutes == 45, "population"].median()),
        "median_population_45min_surface": float(surf.loc[surf.minutes == 45, "population"].median()),
    }
    print("oslo walk catchments + SSB grid:", results["oslo_walk_catchments"])

    # 3. scaling with origins and graph size
    rows = []
    for name, net in nets.items():
        dest = _origins(net, 1000, seed=7)
        for n in sizes:
            orig = _origins(net, n, seed=3)
            row = {"graph": name, "nodes": net.n_nodes, "origins": n}
            if n <= args.max_catchment_origins:
                _, wall, cpu = _timed(catchments, net, orig, thresholds_minutes=minutes)
                row.update(catchments_wall_s=wall, catchments_cpu_s=cpu)
            _, wall, cpu = _timed(travel_time_matrix, net, orig, dest, output="array")
            row.update(matrix_1000_dest_wall_s=wall, matrix_1000_dest_cpu_s=cpu)
            rows.append(row)
            print(row, flush=True)
    results["scaling"] = rows
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=float))


if __name__ == "__main__":
    main()
