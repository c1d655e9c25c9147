"""Benchmark: Hamar end to end — the NVDB read and builds, stitching into N1000, the whole small-town analysis.

Issue 14's targets: reading the Hamar GML and building car and walk networks under 10 s; stitching
under 5 s; the whole Hamar analysis under 60 s warm. Measured here, best of ``--repeat`` runs after
one warm-up (imports, numba compilation and the first cache fills are not timed):

1. ``build_network(NVDB zip, mode="car", cache=False)`` then ``mode="walk"`` from a cold read;
2. ``stitch_networks(hamar_car, n1000_car, polygon=read_boundary("kommune:0403"))`` on built
   networks, with the road-number tables cached (the warm case) and without (``cache=False``:
   the NVDB GML is parsed again for its road numbers);
3. ``geoaccess.examples.hamar.hamar_analysis(out, maps=True)`` with warm network and hierarchy
   caches: everything the demo's Hamar step does (inputs, analysis, tables, GeoPackage, maps) — in a
   **fresh process** each time (imports included; the number a user of ``geoaccess demo`` sees), and
   repeated in one process (boundary files and routers already in memory).

Run: ``python benchmarks/hamar.py [--repeat 2] [--json benchmarks/results/hamar.json]``.
The machine is shared (2 cores, up to 5 other jobs): the load averages are recorded; rerun on a
quiet machine before quoting the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from peers import best_of  # benchmarks/peers.py: one timing rule for every script


def main() -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", default=None, help="Also write the results to this JSON file (atomically).")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from geoaccess.examples.hamar import BOUNDARY, N1000, NVDB, hamar_analysis
    from geoaccess.network.build import build_network
    from geoaccess.network.nvdb_network import clear_export_cache
    from geoaccess.network.stitch import read_boundary, stitch_networks

    load = [os.getloadavg()[0]]

    def car_then_walk() -> tuple[float, float]:
        clear_export_cache()
        t0 = time.perf_counter()
        build_network(NVDB, mode="car", cache=False)
        t1 = time.perf_counter()
        build_network(NVDB, mode="walk", cache=False)
        return t1 - t0, time.perf_counter() - t0

    t_build, (t_car, _) = best_of(car_then_walk, args.repeat)
    load.append(os.getloadavg()[0])
    car = build_network(NVDB, mode="car")
    n1000 = build_network(N1000, mode="car")
    boundary = read_boundary(BOUNDARY)
    t_stitch, comp = best_of(lambda: stitch_networks(car, n1000, polygon=boundary), args.repeat)
    t_stitch_cold, _ = best_of(lambda: stitch_networks(car, n1000, polygon=boundary, cache=False), 1)
    t_boundary, _ = best_of(lambda: read_boundary(BOUNDARY), 1)
    load.append(os.getloadavg()[0])
    with tempfile.TemporaryDirectory() as tmp:
        code = ("import warnings; warnings.simplefilter('ignore'); from geoaccess.examples.hamar import hamar_analysis; "
                f"hamar_analysis({str(Path(tmp) / 'fresh')!r}, maps=True)")
        t_fresh, _ = best_of(lambda: subprocess.run([sys.executable, "-c", code], check=True), args.repeat)
        load.append(os.getloadavg()[0])
        t_all, summary = best_of(lambda: hamar_analysis(Path(tmp) / "hamar", maps=True), args.repeat)
    load.append(os.getloadavg()[0])
    res = {
        "nvdb_read_and_build_car_s": round(t_car, 2),
        "nvdb_read_and_build_car_and_walk_s": round(t_build, 2),
        "stitch_s": round(t_stitch, 2),
        "stitch_without_road_number_cache_s": round(t_stitch_cold, 2),
        "read_boundary_kommune_0403_s": round(t_boundary, 2),
        "hamar_analysis_fresh_process_warm_caches_s": round(t_fresh, 2),
        "hamar_analysis_repeated_in_process_s": round(t_all, 2),
        "hamar_analysis_parts_s": summary["seconds"],
        "composite": {"nodes": comp.n_nodes, "edges": comp.n_edges, **comp.meta["stitch"]["counts"]},
        "load_average_1min": [round(v, 2) for v in load],
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "targets_s": {"nvdb_read_and_build_car_and_walk": 10, "stitch": 5, "hamar_analysis_warm": 60},
    }
    print(json.dumps(res, indent=2))
    if args.json:
        from geoaccess.report.atomic import atomic_path

        with atomic_path(args.json) as tmp_path:
            Path(tmp_path).write_text(json.dumps(res, indent=2), encoding="utf-8")
    return res


if __name__ == "__main__":
    main()
