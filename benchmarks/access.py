"""Benchmark: accessibility measures vs the travel-time matrix and vs PySAL ``access``.

On the eastern-Oslo walk network, for all Oslo 250 m cells (SSB 2023):

* the travel-time matrix to every Etatsbasen 2014 service, GISCO healthcare site, Oslo
  upper-secondary school and OSM service of the extract (cut-off 30 min);
* cumulative opportunities at 10/20/30 min in one pass;
* E2SFCA (10/20/30 min steps 1/0.68/0.22) for the upper-secondary schools;
* the same two measures with PySAL ``access`` on the same matrix (checked equal to 1e-9).

Run: ``python benchmarks/access.py [--repeat 3] [--json out.json]``. Times are wall-clock
seconds, best of ``--repeat`` runs, after one warm-up (numba compilation and the contraction
hierarchy are excluded).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    out = fn()  # warm-up
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", default=None, help="Also write the results to this JSON file.")
    args = ap.parse_args()
    warnings.simplefilter("ignore", UserWarning)

    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine import travel_time_matrix
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import (
        combine_services,
        read_osm_services,
        read_services,
    )
    from geoaccess.measures.cumulative import cumulative_opportunities
    from geoaccess.measures.fca import e2sfca
    from geoaccess.network.build import build_network

    net = build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")
    cells = read_ssb_grid(as_points=True)
    sites = combine_services(
        [read_services(crs=net.crs), read_osm_services("osm/oslo-east-filtered.osm.pbf", crs=net.crs)], crs=net.crs
    )
    pts = gpd.GeoDataFrame({"cell_id": cells["cell_id"]}, geometry=cells.geometry, crs=cells.crs)

    t_matrix, tt = _best(
        lambda: travel_time_matrix(net, pts, sites, origin_id="cell_id", destination_id="id", cutoff_minutes=30.0, output="array"),
        args.repeat,
    )
    cost = tt.minutes
    schools = (sites["service"] == "upper_secondary_school").to_numpy()
    pop = cells["population"].to_numpy(dtype=float)

    t_cum, cum = _best(lambda: cumulative_opportunities(cost, None, thresholds_minutes=(10, 20, 30)), args.repeat)
    t_e2, e2 = _best(lambda: e2sfca(cost[:, schools], pop, np.ones(int(schools.sum()))), args.repeat)

    res: dict[str, Any] = {
        "cells": int(cost.shape[0]),
        "services": int(cost.shape[1]),
        "schools": int(schools.sum()),
        "cells_reaching_any_service_30min": int(np.isfinite(cost).any(axis=1).sum()),
        "matrix_s": t_matrix,
        "cumulative_10_20_30_s": t_cum,
        "e2sfca_schools_s": t_e2,
        "measures_over_matrix": (t_cum + t_e2) / t_matrix,
    }
    # this script is itself named access.py: keep its folder off sys.path to import PySAL ``access``
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.modules.pop("access", None)
    try:
        from access import fca as pysal_fca
        from access import weights as pysal_weights
    except ImportError:  # pragma: no cover - optional benchmark dependency
        print(json.dumps(res, indent=2))
        return res

    n, m = cost.shape

    def long_table() -> pd.DataFrame:
        i, j = np.nonzero(np.isfinite(cost))
        return pd.DataFrame({"origin": i, "dest": 100_000 + j, "cost": cost[i, j]})

    t_table, cost_df = _best(long_table, args.repeat)
    supply = pd.DataFrame({"w": np.ones(m)}, index=100_000 + np.arange(m))

    def pysal_cum() -> np.ndarray:
        cols = []
        for t in (10, 20, 30):
            s = pysal_fca.weighted_catchment(supply, cost_df, t, cost_source="dest", cost_dest="origin", cost_cost="cost", loc_index=True, loc_value="w")
            cols.append(s.reindex(np.arange(n)).fillna(0.0).to_numpy())
        return np.column_stack(cols)

    sc = np.nonzero(schools)[0]
    cs = cost[:, sc]
    ii, jj = np.nonzero(np.isfinite(cs))
    sdf = pd.DataFrame({"origin": ii, "dest": 100_000 + jj, "cost": cs[ii, jj]})
    dem = pd.DataFrame({"geoid": np.arange(n), "demand": pop})
    sup = pd.DataFrame({"supply": np.ones(sc.size)}, index=pd.Index(100_000 + np.arange(sc.size), name="geoid"))

    def pysal_e2() -> np.ndarray:
        s = pysal_fca.two_stage_fca(dem, sup, sdf, max_cost=30, demand_index="geoid", demand_name="demand", supply_name="supply",
                                    weight_fn=pysal_weights.step_fn({10: 1.0, 20: 0.68, 30: 0.22}))
        return s.reindex(np.arange(n)).fillna(0.0).to_numpy()

    t_pc, ref_cum = _best(pysal_cum, args.repeat)
    t_pe, ref_e2 = _best(pysal_e2, args.repeat)
    ours_cum = cum[["cum_10", "cum_20", "cum_30"]].to_numpy()
    res.update(
        {
            "pysal_cumulative_s": t_pc,
            "pysal_long_table_build_s": t_table,
            "long_table_rows": len(cost_df),
            "pysal_e2sfca_s": t_pe,
            "speedup_cumulative_vs_pysal": t_pc / t_cum,
            "speedup_e2sfca_vs_pysal": t_pe / t_e2,
            "max_rel_diff_cumulative": float(np.max(np.abs(ours_cum - ref_cum) / np.maximum(np.abs(ref_cum), 1e-300))),
            "max_rel_diff_e2sfca": float(np.max(np.abs(e2["e2sfca"].to_numpy() - ref_e2) / np.maximum(np.abs(ref_e2), 1e-300))),
        }
    )
    print(json.dumps(res, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=2)
    return res


if __name__ == "__main__":
    main()
