"""Benchmark: regionalisation speed on the real national flows and on synthetic zones.

Synthetic data is used here only to test scale (10,000 zones; Norway has 356
municipalities). Zones are random points in a 1,000 × 1,000 km square; each zone has
lognormal employed residents who commute to their 30 nearest zones with a gravity
decay (half-distance 10 km), 55 % working at home zone. Seeded, so runs repeat.

The BA cascade is also timed *with* the national travel times (``--travel-times
national``: the N1000 car and boat municipality matrices, all 356 x 356 pairs each),
once they are cached: the first table costs the network build and the centres, later
ones are read from the cache.

Run:  .venv/bin/python benchmarks/regions.py [--zones 10000] [--seed 1]
Writes benchmarks/results/regions.json. Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd


def synthetic_flows(n: int, *, seed: int = 1, neighbours: int = 30) -> pd.DataFrame:
    """Synthetic residence -> workplace flows over ``n`` zones (integer workers)."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1_000_000, size=(n, 2))
    residents = np.round(rng.lognormal(mean=7.0, sigma=1.2, size=n)) + 50
    attract = rng.lognormal(mean=0.0, sigma=1.0, size=n)
    k = min(neighbours, n)
    dist, idx = cKDTree(xy).query(xy, k=k)
    w = attract[idx] * np.exp(-dist / 10_000 * np.log(2))
    w[:, 0] = 0.0
    w = w / w.sum(axis=1, keepdims=True) * 0.45
    w[:, 0] = 0.55
    counts = np.floor(w * residents[:, None])
    o = np.repeat(np.arange(n), k)
    keep = counts.ravel() > 0
    codes = np.array([f"{i:05d}" for i in range(n)], dtype=object)
    return pd.DataFrame(
        {"origin": codes[o[keep]], "destination": codes[idx.ravel()[keep]], "workers": counts.ravel()[keep]}
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zones", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from geoaccess.layers.commuting import load_flows
    from geoaccess.regions.ba import ba_regions
    from geoaccess.regions.flows import FlowData
    from geoaccess.regions.lma import labour_market_areas

    out: dict[str, object] = {}
    # warm the numba cache on a tiny problem so compile time is not counted
    labour_market_areas(FlowData.from_table(synthetic_flows(50, seed=0), check_year=False))

    t = time.perf_counter()
    nat = FlowData.from_table(load_flows(2021))
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    lma = labour_market_areas(nat)
    lma_s = time.perf_counter() - t
    t = time.perf_counter()
    ba = ba_regions(nat)
    ba_s = time.perf_counter() - t
    import warnings

    from geoaccess.errors import DataWarning
    from geoaccess.layers.crosswalk import boundaries_for_year
    from geoaccess.layers.towns import town_parts_for_year
    from geoaccess.regions.travel_tables import resolve_travel_times

    boundaries = boundaries_for_year(2021)
    t = time.perf_counter()
    towns = town_parts_for_year(2021)
    towns_s = time.perf_counter() - t
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        codes = list(nat.codes)
        t = time.perf_counter()
        car = resolve_travel_times("national", year=2021, codes=codes, mode="car")
        first_table_s = time.perf_counter() - t  # from the cache when an earlier run left it there
        resolve_travel_times("national", year=2021, codes=codes, mode="boat")
        t = time.perf_counter()
        car = resolve_travel_times("national", year=2021, codes=codes, mode="car")
        boat = resolve_travel_times("national", year=2021, codes=codes, mode="boat")
        cached_tables_s = time.perf_counter() - t
        warnings.simplefilter("ignore", DataWarning)
        full = ba_regions(nat, travel_times=car, alt_travel_times=boat, boundaries=boundaries, towns=towns)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            ba_regions(nat, travel_times=car, alt_travel_times=boat, boundaries=boundaries, towns=towns)
            runs.append(time.perf_counter() - t)
    out["national_2021"] = {
        "municipalities": nat.n,
        "read_seconds": round(load_s, 3),
        "lma_seconds": round(lma_s, 4),
        "lma_regions": lma.n_regions,
        "lma_iterations": lma.meta["iterations"],
        "ba_seconds_no_travel_times": round(ba_s, 4),
        "ba_regions": ba.n_regions,
        "town_clusters_seconds": round(towns_s, 3),
        "ba_with_travel_times": {
            "tables": "national car and boat (N1000), all 356 x 356 pairs each",
            "pairs": len(car),
            "first_car_table_seconds": round(first_table_s, 2),
            "cached_car_and_boat_tables_seconds": round(cached_tables_s, 2),
            "regions": full.n_regions,
            "includes": "centre proposal with towns, shares, all rules, restkommune anchors, contiguity repair "
            "(adjacency from the boundaries)",
            "seconds_best_of_3": round(min(runs), 3),
            "seconds_runs": [round(x, 3) for x in runs],
        },
    }
    t = time.perf_counter()
    syn = synthetic_flows(args.zones, seed=args.seed)
    fd = FlowData.from_table(syn, check_year=False)
    prep_s = time.perf_counter() - t
    t = time.perf_counter()
    res = labour_market_areas(fd)
    syn_s = time.perf_counter() - t
    out["synthetic"] = {
        "zones": args.zones,
        "flows": len(syn),
        "workers": float(syn["workers"].sum()),
        "seed": args.seed,
        "build_seconds": round(prep_s, 3),
        "lma_seconds": round(syn_s, 3),
        "lma_regions": res.n_regions,
        "lma_iterations": res.meta["iterations"],
    }
    print(json.dumps(out, indent=2))
    path = Path(__file__).parent / "results" / "regions.json"
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=2))
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
