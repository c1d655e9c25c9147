"""Benchmark: reading the Hamar NVDB / FKB-Vegnett GML and building car and walk networks; GML vs GeoJSON times.

1. Speed (issue target: read + car + walk under 10 s): wall-clock seconds of
   ``read_fkb_zip`` alone, and of ``build_network(zip, mode="car", cache=False)`` followed by
   ``mode="walk"`` from a cold read (the walk build reuses the car build's read and overlay; each
   builds its graph, simplifies and keeps the largest component), best of ``--repeat`` runs after
   one warm-up (numba compilation and imports are not timed).
2. Comparison: ``--points`` random points on the GML car network's roads, snapped to the
   GeoJSON car network (``roads/hamar_nvdb_speed_limits_2018.geojson``), the GML car network and
   two GML variants with rules switched off (one-way/no-entry; also barriers); door-to-door car
   minutes for all ordered pairs; ratios to the GeoJSON network.

Run: ``python benchmarks/nvdb.py [--repeat 3] [--points 200] [--json benchmarks/results/nvdb.json]``.
The machine is shared (2 cores, up to 5 other jobs): the load average is recorded; rerun on a
quiet machine before quoting the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from typing import Any

import numpy as np
from peers import best_of  # benchmarks/peers.py: one timing rule for every script


def main() -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--json", default=None, help="Also write the results to this JSON file (atomically).")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from geoaccess.datasets import fetch
    from geoaccess.examples.nvdb_compare import GML, compare_travel_times, hamar_car_networks, random_road_points
    from geoaccess.network.build import build_network
    from geoaccess.network.nvdb_gml import read_fkb_zip
    from geoaccess.network.nvdb_network import clear_export_cache

    path = fetch(GML)
    load_start = os.getloadavg()
    t_read, _ = best_of(lambda: read_fkb_zip(path), args.repeat)

    def car_then_walk() -> tuple[Any, Any, float]:
        clear_export_cache()  # a cold read every time
        t0 = time.perf_counter()
        car = build_network(GML, mode="car", cache=False)
        t1 = time.perf_counter()
        walk = build_network(GML, mode="walk", cache=False)  # shares the read and overlay of the car build
        return car, walk, t1 - t0

    t_both, (car, walk, t_car) = best_of(car_then_walk, args.repeat)
    speed = {
        "read_fkb_zip_s": round(t_read, 3),
        "read_and_build_car_s": round(t_car, 3),
        "read_and_build_car_and_walk_s": round(t_both, 3),
        "note": ("build_network(cache=False) for car (reads and overlays the zip) and then walk (reuses that read); "
                 "each builds, simplifies and keeps the largest component"),
        "car": {"nodes": car.n_nodes, "edges": car.n_edges, "turn_restrictions": car.turns.n_restrictions},
        "walk": {"nodes": walk.n_nodes, "edges": walk.n_edges},
    }
    print(json.dumps(speed, indent=1))
    nets = hamar_car_networks()
    points = random_road_points(nets["gml"], args.points, seed=args.seed)
    t = time.perf_counter()
    pairs, summary = compare_travel_times(nets, points)
    t_cmp = time.perf_counter() - t
    print(summary.to_string(index=False))
    worst = pairs.assign(ratio=pairs["minutes_gml"] / pairs["minutes_geojson"]).sort_values("ratio")
    result = {
        "speed": speed,
        "comparison": summary.to_dict(orient="records"),
        "comparison_seconds": round(t_cmp, 2),
        "points": args.points,
        "seed": args.seed,
        "extremes": {"lowest_ratio": worst.head(5).to_dict(orient="records"),
                     "highest_ratio": worst.dropna().tail(5).to_dict(orient="records")},
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }
    if args.json:
        from geoaccess.report.atomic import atomic_path

        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(result, indent=1, default=float), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
