"""Turn-aware against node-based routing: the 1000 x 1000 Tampere car matrix (target: at most 2x).

The same network read with the ``driven`` profile (turn restrictions, OSRM-style turn, U-turn and
signal penalties, destination-only zones) is routed twice: node to node (``Router(net,
turns="ignore")``) and on its edge-based graph (``Router(net)``). Both answer the same 1000 x 1000
matrix, once between points exactly at random nodes (``router.node_times``) and once between
1000 random points on roads snapped to the network (``router.matrix``: snapping, seeds, buckets,
same-edge trips). Reported: preparation (turn graph, contraction) and the best of ``--rounds``
query times, and their ratio. Timings on a shared machine are noisy; rerun on a quiet one.

    .venv/bin/python benchmarks/turn_matrix.py [--rounds 7] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _best(fn, rounds: int) -> float:
    fn()  # warm
    best = np.inf
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", default="osm/tampere.osm.pbf")
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0, help="numba threads (0: default)")
    args = ap.parse_args(argv)
    import numba

    from geoaccess.datasets import fetch
    from geoaccess.engine.router import Router
    from geoaccess.network.build import build_network

    if args.threads:
        numba.set_num_threads(args.threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network(fetch(args.source), mode="car", profile="driven")
    t0 = time.perf_counter()
    node = Router(net, turns="ignore", cache=False)
    prep_node = time.perf_counter() - t0
    t0 = time.perf_counter()
    turn = Router(net, cache=False)
    prep_turn = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    nodes = rng.choice(net.n_nodes, args.points, replace=False)
    import geopandas as gpd

    from benchmarks.realism import road_points

    x, y = road_points(net, args.points, seed=1)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=net.crs)
    rows = []
    for label, fn_node, fn_turn in (
        ("points at nodes", lambda: node.node_times(nodes, nodes), lambda: turn.node_times(nodes, nodes)),
        ("snapped road points", lambda: node.matrix(node.snap(pts, warn=False)),
         lambda: turn.matrix(turn.snap(pts, warn=False))),
    ):
        a = _best(fn_node, args.rounds)
        b = _best(fn_turn, args.rounds)
        rows.append((label, a, b))
    print(f"{args.source}: {net.n_nodes:,} nodes, {net.n_edges:,} edges; turn graph {turn.turn_graph.n_states:,} "
          f"states, {turn.turn_graph.n_arcs:,} arcs; numba threads {numba.get_num_threads()}")
    print(f"prepare: node-based {prep_node:.2f} s, turn-aware {prep_turn:.2f} s "
          f"(turn graph {turn.setup_seconds.get('turn_graph', 0):.2f} s)")
    print(f"{'query (best of ' + str(args.rounds) + ')':<28} {'node-based':>11} {'turn-aware':>11} {'ratio':>6}")
    for label, a, b in rows:
        print(f"{label:<28} {a * 1000:>9.1f} ms {b * 1000:>9.1f} ms {b / a:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
