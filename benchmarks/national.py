"""Benchmark: the national layer (N1000 build + contraction, 356 x 356 matrix, 220,171 cells -> centres).

Each geoaccess step is timed beside scipy.sparse.csgraph's Dijkstra on the same exported graph
(``Network.csgraph()``), answering the same question with the same seeds, and the answers are
compared (max abs difference in minutes). Targets from issue 12: build + contraction < 10 s,
matrix < 1 s after that, all cells to every centre within 90 minutes < 30 s (2-core machine).

Run:  .venv/bin/python benchmarks/national.py [--repeat 3]
Writes benchmarks/results/national.json and national.md (atomically). Timings on a shared,
busy machine are noisy: the best of ``--repeat`` runs is reported, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
from peers import best_of  # benchmarks/peers.py: one timing rule for every script

N1000 = "roads/kartverket_n1000_veglenke_2025.gpkg"
RESULTS = Path(__file__).resolve().parent / "results"


def _scipy_point_to_point(net, origins, destinations) -> np.ndarray:  # noqa: ANN001
    from scipy.sparse.csgraph import dijkstra

    on, oo = origins.origin_seeds(net)
    dn, do = destinations.destination_seeds(net)
    nodes = np.unique(on[on >= 0])
    dist = dijkstra(net.csgraph(), indices=nodes)
    pos = np.searchsorted(nodes, np.maximum(on, 0))
    out = np.full((len(on), len(dn)), np.inf)
    for a in range(on.shape[1]):
        for b in range(dn.shape[1]):
            d = dist[pos[:, a]][:, np.maximum(dn[:, b], 0)] + oo[:, a][:, None] + do[:, b][None, :]
            d[on[:, a] < 0, :] = np.inf
            d[:, dn[:, b] < 0] = np.inf
            out = np.minimum(out, d)
    return out


def _scipy_cells(net, cells, centres, cutoff_s: float) -> int:  # noqa: ANN001
    """Cells -> centres with scipy: Dijkstra from each centre on the reversed graph (limit), then the cell seeds."""
    from scipy.sparse.csgraph import dijkstra

    dn, do = centres.destination_seeds(net)
    rev = net.csgraph().T.tocsr()
    to_centre = np.full((net.n_nodes, len(dn)), np.inf)
    for b in range(dn.shape[1]):
        ok = dn[:, b] >= 0
        d = dijkstra(rev, indices=dn[ok, b], limit=cutoff_s)
        to_centre[:, np.flatnonzero(ok)] = np.minimum(to_centre[:, np.flatnonzero(ok)], (d + do[ok, b][:, None]).T)
    seeds, offs = cells.origin_seeds(net)
    pairs = 0
    for b0 in range(0, len(seeds), 20_000):
        s, o = seeds[b0:b0 + 20_000], offs[b0:b0 + 20_000]
        best = np.full((len(s), len(dn)), np.inf)
        for k in range(s.shape[1]):
            v = s[:, k] >= 0
            best[v] = np.minimum(best[v], to_centre[s[v, k]] + o[v, k][:, None])
        pairs += int((best <= cutoff_s).sum())
    return pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from geoaccess.engine.ch import ContractionHierarchy
    from geoaccess.layers.centres import municipality_centres
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid
    from geoaccess.national import routing
    from geoaccess.national.matrix import cell_centre_times, municipal_matrix, snap_centres
    from geoaccess.network.build import build_network

    rows: list[dict[str, object]] = []
    # warm numba (compile or load its disk cache) on a first, untimed build + contraction
    warm = build_network(N1000, mode="car", cache=False)
    ContractionHierarchy.build(warm)

    def build_and_contract():  # noqa: ANN202
        net = build_network(N1000, mode="car", cache=False)
        return net, ContractionHierarchy.build(net)

    t_build, (net, ch) = best_of(build_and_contract, args.repeat, warm_up=False)
    t_read, _ = best_of(lambda: build_network(N1000, mode="car", cache=False), args.repeat, warm_up=False)
    rows.append({"task": "N1000 read + simplify + components (no cache)", "seconds": t_read, "target_s": None})
    rows.append({"task": "N1000 build + contraction (no cache)", "seconds": t_build, "target_s": 10.0,
                 "notes": f"{net.n_nodes:,} nodes, {net.n_edges:,} edges"})
    prep = routing.Prepared(net, ch)
    grid = read_ssb_grid(NATIONAL_GRID_250M)
    centres = municipality_centres(2020, grid)
    municipal_matrix(prep, centres=centres, year=None)  # warm the query kernels
    t_mat, mat = best_of(lambda: municipal_matrix(prep, centres=centres, year=None), args.repeat, warm_up=False)
    snapped, _ = snap_centres(prep, centres)
    t_sp, ref = best_of(lambda: _scipy_point_to_point(net, snapped, snapped), 1, warm_up=False)
    got = mat["minutes"].to_numpy().reshape(len(centres), len(centres))
    ref_min = ref / 60.0
    np.fill_diagonal(ref_min, 0.0)
    diff = float(np.nanmax(np.abs(got - ref_min)))
    rows.append({"task": "356 x 356 municipality matrix (snapping included)", "seconds": t_mat, "target_s": 1.0,
                 "scipy_seconds": t_sp, "max_abs_diff_minutes": diff})
    cell_centre_times(prep, grid.iloc[:1000], centres)  # warm
    t_cells, tab = best_of(lambda: cell_centre_times(prep, grid, centres, cutoff_minutes=90), args.repeat, warm_up=False)
    pts = grid.geometry.centroid
    cells = routing.snap(net, pts.x.to_numpy(), pts.y.to_numpy(), ids=np.arange(len(grid)), max_snap_m=20_000,
                         access_speed_kmh=30.0)
    t_cells_sp, pairs_sp = best_of(lambda: _scipy_cells(net, cells, snapped, 90 * 60.0), 1, warm_up=False)
    rows.append({"task": "220,171 cells -> 356 centres within 90 min (snapping included)", "seconds": t_cells,
                 "target_s": 30.0, "scipy_seconds": t_cells_sp, "pairs": len(tab), "scipy_pairs": pairs_sp,
                 "notes": "scipy column: reversed-graph Dijkstra per centre with limit, cells snapped beforehand (untimed)"})
    for r in rows:
        if r.get("scipy_seconds"):
            r["ratio_vs_scipy"] = float(r["scipy_seconds"]) / float(r["seconds"])
    meta = {"load_average": os.getloadavg(), "cpus": os.cpu_count(), "repeat": args.repeat,
            "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    RESULTS.mkdir(exist_ok=True)
    from geoaccess.report.atomic import atomic_path

    with atomic_path(RESULTS / "national.json") as tmp:
        tmp.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2, default=float), encoding="utf-8")
    lines = ["| task | geoaccess s | target s | scipy s | ratio | notes |", "|---|---|---|---|---|---|"]
    for r in rows:
        scipy_s = f"{r['scipy_seconds']:.2f}" if r.get("scipy_seconds") else ""
        ratio = f"{r['ratio_vs_scipy']:.1f}x" if r.get("ratio_vs_scipy") else ""
        notes = [str(r["notes"])] if r.get("notes") else []
        if "max_abs_diff_minutes" in r:
            notes.append(f"max diff vs scipy {r['max_abs_diff_minutes']:.1e} min")
        if "pairs" in r:
            notes.append(f"{r['pairs']:,} pairs (scipy {r['scipy_pairs']:,})")
        lines.append(f"| {r['task']} | {r['seconds']:.2f} | {r['target_s'] or ''} | {scipy_s} | {ratio} | "
                     f"{'; '.join(notes)} |")
    text = (f"# National layer benchmark\n\n{meta['time']}, load average {meta['load_average']}, "
            f"{meta['cpus']} CPUs, best of {args.repeat}.\n\n" + "\n".join(lines) + "\n")
    with atomic_path(RESULTS / "national.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
