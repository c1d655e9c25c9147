"""Benchmark: E39 Rogfast before/after on the national N1000 network, the per-cell measure included.

Times ``geoaccess.regions.regionforstorring.regionforstorring`` on real data: the N1000 car (and
boat) networks from the network cache, ``scenarios/rogfast.toml`` applied, the SSB 2015 grid
(220,171 cells), jobs from the 2021 flows spread to cells, municipality matrices before and after,
the BA cascade twice, the study area, jobs within 45 and 60 minutes of every inhabited cell of
the study area before and after, and residents and jobs around the regional centres. Network
builds are cached (the first run of a fresh cache also builds N1000: about 10 s more). The
per-cell measure is also timed against the router's own ``Router.reached`` on the same cells.

Run:  .venv/bin/python benchmarks/rogfast.py [--rounds 3] [--no-boat]
Writes benchmarks/results/rogfast.json. Timings on a shared machine are noisy: report the load.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-boat", action="store_true")
    ap.add_argument("--compare-router", action="store_true", help="also time Router.reached on the study cells")
    args = ap.parse_args()

    from geoaccess.datasets import fetch
    from geoaccess.errors import DataWarning
    from geoaccess.network.build import build_network
    from geoaccess.regions.regionforstorring import regionforstorring
    from geoaccess.scenario.demo import scenario_dir
    from geoaccess.scenario.spec import read_spec

    rows = []
    load = [round(x, 2) for x in os.getloadavg()]
    for k in range(args.rounds):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            net = build_network("roads/kartverket_n1000_veglenke_2025.gpkg", mode="car", kind="n1000")
            boat = None if args.no_boat else build_network(
                "roads/kartverket_n1000_veglenke_2025.gpkg", mode="boat", kind="n1000",
                boat_routes=str(fetch("roads/kartverket_n1000_annenbatrute_2025.gpkg")))
        t_net = time.perf_counter() - t0
        res = regionforstorring(net, read_spec(scenario_dir() / "rogfast.toml"), boat_net=boat)
        total = time.perf_counter() - t0
        rows.append({"round": k + 1, "networks_s": round(t_net, 3), "total_s": round(total, 3),
                     **{f"{n}_s": v for n, v in res.meta["timings_s"].items()},
                     "study_cells": res.meta["study_area"]["study_cells"],
                     "affected_cells": res.meta["study_area"]["affected_cells"],
                     "destination_cells": res.meta["study_area"]["destination_cells"]})
        print(json.dumps(rows[-1]))
    extra = {}
    if args.compare_router:
        extra = _router_reached(net, res)
    out = {"benchmark": "rogfast", "rows": rows, "load_average_start": load,
           "load_average_end": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(), **extra}
    path = Path(__file__).parent / "results" / "rogfast.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")


def _router_reached(net, res) -> dict:  # noqa: ANN001 - benchmark helper
    """Router.reached (one block search per origin cell) against cells_reached (one per seed node), same cells."""
    from geoaccess.engine.router import Router
    from geoaccess.regions.cell_reach import cells_reached
    from geoaccess.regions.regionforstorring import ACCESS_SPEED_KMH, MAX_SNAP_M

    router = Router(net)
    cells = res.cells
    snap = router.snap(cells, id_column="cell_id", max_snap_m=MAX_SNAP_M, access_speed_kmh=ACCESS_SPEED_KMH,
                       warn=False)
    w = {"jobs": cells["jobs"].to_numpy()}
    t0 = time.perf_counter()
    cells_reached(router, snap, snap, w, thresholds_minutes=(45, 60))
    fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    router.reached(snap, snap, w, thresholds_minutes=(45, 60), block_size=512)
    slow = time.perf_counter() - t0
    return {"study_cells_squared": {"cells": len(cells), "cells_reached_s": round(fast, 3),
                                    "router_reached_s": round(slow, 3)}}


if __name__ == "__main__":
    main()
