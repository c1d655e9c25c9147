"""Timings of the shortest-path kernels on real networks, side by side with scipy.

Usage::

    python benchmarks/engine_kernels.py            # Tampere car (OSM) and DIMACS New York
    python benchmarks/engine_kernels.py --quick    # fewer origins for the slow baselines
    python benchmarks/engine_kernels.py --only tampere

For each network it reports wall-clock and CPU seconds of: CH preprocessing,
a 1000 × 1000 many-to-many matrix, PHAST one-to-all from 1000 origins,
numba ``dijkstra_many`` and ``scipy.sparse.csgraph.dijkstra`` from the same
origins, and ``nearest_k`` (k = 3, 100 facilities). Every CH result is checked
against scipy (max abs difference in seconds). The first run also includes numba
compilation (cached afterwards in ``NUMBA_CACHE_DIR``); a warm-up on a tiny
graph is done first so JIT time is reported separately.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def _max_err(a: np.ndarray, b: np.ndarray) -> float:
    if not np.array_equal(np.isinf(a), np.isinf(b)):
        return float("inf")
    fin = np.isfinite(b)
    return float(np.max(np.abs(a[fin] - b[fin]), initial=0.0))


def _warmup() -> float:
    from geoaccess.engine.ch import ContractionHierarchy
    from geoaccess.engine.dijkstra import dijkstra_many
    from geoaccess.engine.nearest import nearest_k
    from geoaccess.network.graph import Network

    t0 = time.perf_counter()
    net = Network.from_edges([0, 1, 2], [1, 2, 0], seconds=[1.0, 2.0, 3.0], x=[0.0, 1, 2], y=[0.0, 0, 0],
                             crs="EPSG:25833")
    ch = ContractionHierarchy.build(net)
    ch.many_to_many(np.array([0], np.int32), None, np.array([1], np.int32), None)
    ch.one_to_all(np.array([0], np.int32))
    dijkstra_many(net, np.array([0], np.int32))
    nearest_k(net, np.array([0], np.int32), None, k=1)
    return time.perf_counter() - t0


def _load(name: str):
    from geoaccess.datasets import fetch

    if name == "tampere":
        from geoaccess.network.osm import read_osm

        return read_osm(fetch("osm/tampere.osm.pbf"))
    from geoaccess.network.dimacs import read_dimacs

    return read_dimacs(fetch("roadgraphs/USA-road-t.NY.gr.gz"), fetch("roadgraphs/USA-road-d.NY.co.gz"))


def bench(name: str, *, n_od: int = 1000, n_base: int = 1000, batch: int = 100, seed: int = 0) -> list[tuple[str, float, float, str]]:
    """Run the kernels on one network; return rows (what, wall s, cpu s, note)."""
    from scipy.sparse.csgraph import dijkstra as sp_dijkstra

    from geoaccess.engine.ch import ContractionHierarchy
    from geoaccess.engine.dijkstra import dijkstra_many
    from geoaccess.engine.nearest import nearest_k

    rows: list[tuple[str, float, float, str]] = []
    net, w, c = _timed(lambda: _load(name))
    rows.append(("read network", w, c, f"{net.n_nodes:,} nodes, {net.n_edges:,} edges"))
    ch, w, c = _timed(lambda: ContractionHierarchy.build(net))
    rows.append(("CH preprocessing", w, c, f"{ch.meta['shortcuts']:,} shortcuts"))
    rng = np.random.default_rng(seed)
    src = rng.integers(0, net.n_nodes, n_od).astype(np.int32)
    dst = rng.integers(0, net.n_nodes, n_od).astype(np.int32)
    mat, w, c = _timed(lambda: ch.many_to_many(src, None, dst, None))
    rows.append((f"CH many-to-many {n_od}x{n_od}", w, c, ""))
    base = src[:n_base]
    graph = net.csgraph()
    wall = {"phast": 0.0, "numba": 0.0, "scipy": 0.0}
    cpu = dict.fromkeys(wall, 0.0)
    err = 0.0
    for b0 in range(0, len(base), batch):
        part = base[b0 : b0 + batch]
        ph, w, c = _timed(lambda part=part: ch.one_to_all(part))
        wall["phast"] += w
        cpu["phast"] += c
        dm, w, c = _timed(lambda part=part: dijkstra_many(net, part))
        wall["numba"] += w
        cpu["numba"] += c
        ref, w, c = _timed(lambda part=part: sp_dijkstra(graph, indices=part))
        wall["scipy"] += w
        cpu["scipy"] += c
        err = max(err, _max_err(ph, ref), _max_err(dm, ref), _max_err(mat[b0 : b0 + batch], ref[:, dst]))
        del ph, dm, ref
    k = len(base)
    rows.append((f"CH PHAST one-to-all x{k}", wall["phast"], cpu["phast"], f"max |CH - scipy| = {err:.1e} s"))
    rows.append((f"numba dijkstra_many x{k}", wall["numba"], cpu["numba"], ""))
    rows.append((f"scipy csgraph.dijkstra x{k}", wall["scipy"], cpu["scipy"], "same origins (1 thread)"))
    fac = rng.integers(0, net.n_nodes, 100).astype(np.int32)
    _, w, c = _timed(lambda: nearest_k(net, fac, None, k=3))
    rows.append(("nearest_k k=3, 100 facilities", w, c, "one search, all nodes"))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the kernel timings for the chosen networks."""
    import numba

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=["tampere", "ny"], action="append")
    p.add_argument("--quick", action="store_true", help="100 origins for PHAST/Dijkstra baselines")
    a = p.parse_args(argv)
    print(f"numba threads: {numba.get_num_threads()}; JIT warm-up (compile or load cache): {_warmup():.1f} s")
    for name in a.only or ["tampere", "ny"]:
        rows = bench(name, n_base=100 if a.quick else 1000)
        print(f"\n== {name}")
        print(f"{'step':34s} {'wall s':>8s} {'cpu s':>8s}  note")
        for what, w, c, note in rows:
            print(f"{what:34s} {w:8.2f} {c:8.2f}  {note}")


if __name__ == "__main__":
    main()
