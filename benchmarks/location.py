"""Benchmark of the location-allocation solvers against PySAL spopt (PuLP + CBC) on real data.

Instances (all demand = SSB 250 m cells 2023, weight = residents):

* ``oslo_2380x30``: all 2,380 Oslo cells x the 30 Oslo upper-secondary schools, p = 3. Cost =
  straight-line distance converted to minutes at 30 km/h (no road network covers all of Oslo).
* ``oslo_east_walk``: the Oslo-east cells on the walk network x the 20 schools on it, p = 3. Cost =
  walk minutes from the geoaccess road engine.
* ``akershus_17k_x200``: all 17,376 Akershus cells x 200 candidate cells drawn with probability
  proportional to population (seed 42), p = 5. Cost = straight-line distance at 30 km/h (no road
  network covers Akershus; this benchmarks the solver, not travel times).

Run: ``.venv/bin/python benchmarks/location.py [--quick] [--time-limit 300] [--spopt-timeout 900]``.
Writes ``benchmarks/results/location.{json,md}`` atomically.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

SPEED_KMH = 30.0
RESULTS = Path(__file__).resolve().parent / "results"


def _euclid_minutes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    return d / (SPEED_KMH * 1000.0 / 60.0)


def _xy(gdf: Any) -> np.ndarray:
    c = gdf.geometry.centroid
    return np.column_stack([c.x.to_numpy(), c.y.to_numpy()])


def instance_oslo() -> tuple[np.ndarray, np.ndarray, str]:
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import read_oslo_upper_secondary

    grid = read_ssb_grid("population/befolkning_250m_2023_oslo.shp", as_points=True)
    sch = read_oslo_upper_secondary()
    return _euclid_minutes(_xy(grid), _xy(sch)), grid["population"].to_numpy(float), "straight line at 30 km/h"


def instance_oslo_east() -> tuple[np.ndarray, np.ndarray, str]:
    from geoaccess.engine import travel_time_matrix
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import read_oslo_upper_secondary
    from geoaccess.network.build import build_network

    net = build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")
    grid = read_ssb_grid("population/befolkning_250m_2023_oslo.shp", as_points=True)
    tt = travel_time_matrix(net, grid, read_oslo_upper_secondary(), output="array")
    m = tt.seconds / 60.0
    cols = np.isfinite(m).any(axis=0)
    rows = np.isfinite(m[:, cols]).all(axis=1)
    return m[rows][:, cols], grid["population"].to_numpy(float)[rows], "walk minutes, Oslo-east OSM network"


def instance_akershus(n_cand: int = 200) -> tuple[np.ndarray, np.ndarray, str]:
    from geoaccess.layers.population import read_ssb_grid

    grid = read_ssb_grid("population/befolkning_250m_2023_akershus.shp", as_points=True)
    w = grid["population"].to_numpy(float)
    rng = np.random.default_rng(42)
    idx = rng.choice(len(grid), size=n_cand, replace=False, p=w / w.sum())
    xy = _xy(grid)
    return _euclid_minutes(xy, xy[idx]), w, f"straight line at 30 km/h; {n_cand} candidate cells drawn by population"


def _spopt_worker(path: str, p: int, queue: Any) -> None:
    import pulp
    from spopt.locate import PMedian

    d = np.load(path)
    t0 = time.perf_counter()
    try:
        model = PMedian.from_cost_matrix(d["cost"], d["w"], p)
        t_build = time.perf_counter() - t0
        model.solve(pulp.PULP_CBC_CMD(msg=False))
        queue.put({"status": "ok", "objective": float(model.problem.objective.value()),
                   "build_seconds": t_build, "seconds": time.perf_counter() - t0})
    except Exception as exc:
        queue.put({"status": f"failed: {type(exc).__name__}: {exc}", "seconds": time.perf_counter() - t0})


def run_spopt(cost: np.ndarray, w: np.ndarray, p: int, *, timeout: float) -> dict[str, Any]:
    """spopt PMedian (PuLP + CBC) in a child process with a wall-clock timeout."""
    try:
        import spopt  # noqa: F401
    except ImportError:
        return {"status": "unavailable: spopt not installed"}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "inst.npz")
        np.savez(path, cost=cost, w=w)
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        proc = ctx.Process(target=_spopt_worker, args=(path, p, q))
        t0 = time.perf_counter()
        proc.start()
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
            return {"status": f"timeout: no result within {timeout:.0f} s (building the PuLP model of "
                              f"{cost.size:,} assignment variables)", "seconds": time.perf_counter() - t0}
        return q.get() if not q.empty() else {"status": "failed: no result", "seconds": time.perf_counter() - t0}


def bench(name: str, cost: np.ndarray, w: np.ndarray, p: int, note: str, *, time_limit: float,
          spopt_timeout: float, milp: bool = True) -> dict[str, Any]:
    from geoaccess.location.exact import solve
    from geoaccess.location.heuristics import solve_heuristic
    from geoaccess.location.problem import LocationProblem

    prob = LocationProblem.from_matrix(cost, w)
    row: dict[str, Any] = {"instance": name, "n_demand": int(cost.shape[0]), "n_candidates": int(cost.shape[1]),
                           "p": p, "cost": note}
    solve_heuristic(LocationProblem.from_matrix(cost[:50], w[:50]), "pmedian", p=min(p, 3))  # JIT warm-up
    t = time.perf_counter()
    h = solve_heuristic(prob, "pmedian", p=p)
    row["heuristic"] = {"seconds": time.perf_counter() - t, "heuristic_only_seconds": h.info["heuristic_seconds"],
                        "objective": h.objective, "lagrangian_bound": h.bound, "gap": h.gap}
    t = time.perf_counter()
    a = solve(prob, "pmedian", p=p, time_limit=time_limit)
    row["auto"] = {"seconds": time.perf_counter() - t, "objective": a.objective, "bound": a.bound, "gap": a.gap,
                   "status": a.status, "solver": a.solver}
    if milp:
        t = time.perf_counter()
        e = solve(prob, "pmedian", p=p, time_limit=time_limit, method="milp")
        row["milp"] = {"seconds": time.perf_counter() - t, "objective": e.objective, "bound": e.bound, "gap": e.gap,
                       "status": e.status, **{k: e.info.get(k) for k in ("n_vars", "n_rows", "nnz")}}
    row["spopt"] = run_spopt(cost, w, p, timeout=spopt_timeout)
    ref = row["spopt"].get("objective")
    if ref is not None:
        row["auto"]["rel_diff_vs_spopt"] = (a.objective - ref) / ref
        row["auto"]["speedup_vs_spopt"] = row["spopt"]["seconds"] / row["auto"]["seconds"]
    best = min(v["objective"] for k, v in row.items() if isinstance(v, dict) and "objective" in v and v.get("objective"))
    row["heuristic"]["rel_diff_vs_best"] = (h.objective - best) / best
    return row


def bench_models(cost: np.ndarray, w: np.ndarray, *, p: int = 3, minutes: float = 15.0) -> list[dict[str, Any]]:
    """p-median, p-center, MCLP and LSCP: geoaccess (auto) against spopt (CBC) in this process."""
    import pulp
    from spopt.locate import LSCP, MCLP, PCenter, PMedian

    from geoaccess.location.exact import solve
    from geoaccess.location.problem import LocationProblem

    prob = LocationProblem.from_matrix(cost, w)
    radius = float(np.ceil(cost.min(axis=1).max()))  # smallest whole minute that covers every cell
    cases = [
        ("pmedian", {"p": p}, lambda: PMedian.from_cost_matrix(cost, w, p)),
        ("pcenter", {"p": p}, lambda: PCenter.from_cost_matrix(cost, p)),
        ("mclp", {"p": p, "minutes": minutes}, lambda: MCLP.from_cost_matrix(cost, w, minutes, p)),
        ("lscp", {"minutes": radius}, lambda: LSCP.from_cost_matrix(cost, radius)),
    ]
    out = []
    for name, kw, build in cases:
        t = time.perf_counter()
        r = solve(prob, name, **kw)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        ref = build().solve(pulp.PULP_CBC_CMD(msg=False))
        theirs = time.perf_counter() - t
        out.append({"model": name, "params": kw, "geoaccess_seconds": ours, "geoaccess_objective": r.objective,
                    "spopt_seconds": theirs, "spopt_objective": float(ref.problem.objective.value()),
                    "status": r.status})
    return out


def _md(rows: list[dict[str, Any]]) -> str:
    out = ["| instance | n x m | p | solver | seconds | objective | gap / bound | status |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        size = f"{r['n_demand']:,} x {r['n_candidates']}"
        for key in ("heuristic", "auto", "milp", "spopt"):
            v = r.get(key)
            if not v:
                continue
            gap = v.get("gap")
            out.append(f"| {r['instance']} | {size} | {r['p']} | {key} | {v.get('seconds', float('nan')):.2f} | "
                       f"{v.get('objective', float('nan')):,.1f} | {'' if gap is None else f'{100 * gap:.4f} %'} | "
                       f"{v.get('status', 'heuristic')} |")
    return "\n".join(out) + "\n"


def _md_models(models: list[dict[str, Any]]) -> str:
    if not models:
        return ""
    out = ["", "Oslo-east walk matrix, all models (geoaccess auto vs spopt CBC):", "",
           "| model | params | geoaccess s | spopt s | geoaccess objective | spopt objective |", "|---|---|---|---|---|---|"]
    out += [f"| {m['model']} | {m['params']} | {m['geoaccess_seconds']:.3f} | {m['spopt_seconds']:.2f} | "
            f"{m['geoaccess_objective']:,.3f} | {m['spopt_objective']:,.3f} |" for m in models]
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the Akershus instance")
    ap.add_argument("--time-limit", type=float, default=300.0, help="HiGHS time limit in seconds")
    ap.add_argument("--spopt-timeout", type=float, default=900.0, help="wall-clock limit for spopt in seconds")
    ap.add_argument("--only", default="", help="comma list of oslo,oslo_east,models,akershus")
    ap.add_argument("--no-milp-large", action="store_true", help="skip the single-MILP run on Akershus")
    ap.add_argument("--name", default="location")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    only = set(filter(None, args.only.split(",")))
    rows = []
    if not only or "oslo" in only:
        c, w, note = instance_oslo()
        rows.append(bench("oslo_2380x30", c, w, 3, note, time_limit=args.time_limit, spopt_timeout=args.spopt_timeout))
        print(json.dumps(rows[-1], indent=1, default=str), flush=True)
    if not only or "oslo_east" in only:
        c, w, note = instance_oslo_east()
        rows.append(bench("oslo_east_walk", c, w, 3, note, time_limit=args.time_limit, spopt_timeout=args.spopt_timeout))
        print(json.dumps(rows[-1], indent=1, default=str), flush=True)
    models: list[dict[str, Any]] = []
    if not only or "models" in only:
        c, w, _ = instance_oslo_east()
        models = bench_models(c, w)
        print(json.dumps(models, indent=1, default=str), flush=True)
    if not args.quick and (not only or "akershus" in only):
        c, w, note = instance_akershus()
        rows.append(bench("akershus_17k_x200", c, w, 5, note, time_limit=args.time_limit,
                          spopt_timeout=args.spopt_timeout, milp=not args.no_milp_large))
        print(json.dumps(rows[-1], indent=1, default=str), flush=True)
    meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "load": os.getloadavg(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    from geoaccess.report.atomic import atomic_path

    RESULTS.mkdir(parents=True, exist_ok=True)
    with atomic_path(RESULTS / f"{args.name}.json") as tmp:
        tmp.write_text(json.dumps({"meta": meta, "rows": rows, "models_oslo_east": models}, indent=1, default=str),
                       encoding="utf-8")
    with atomic_path(RESULTS / f"{args.name}.md") as tmp:
        tmp.write_text(_md(rows) + _md_models(models), encoding="utf-8")
    print(_md(rows) + _md_models(models))


if __name__ == "__main__":
    main()
