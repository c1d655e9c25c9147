"""Compile every numba kernel once, into numba's on-disk cache, so that no command compiles.

geoaccess's kernels are numba functions with ``cache=True``: the first call of each compiles it
(the contraction alone took ~20 s on 2 cores, all kernels ~1-2 min) and writes the machine code
to numba's cache; later processes load it in milliseconds. ``make install`` runs this module
right after installing the package, so the first ``geoaccess matrix`` after a fresh install
compiles nothing::

    python -m geoaccess.engine.precompile            # or geoaccess.engine.precompile.precompile() in Python

It drives every kernel through the public functions, on a small synthetic network, with exactly
the array types the commands use (numba caches one machine-code version per type signature).
The cache goes where numba puts it at run time: ``$NUMBA_CACHE_DIR`` when set (CI sets it),
else ``__pycache__`` next to the package's sources inside the environment. Run it again after
changing ``NUMBA_CACHE_DIR``; it is idempotent and takes a second when everything is cached.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np

__all__ = ["precompile"]


def _grid_network() -> Any:
    """A 12 x 12 street grid (200 m blocks) with curved edges, one-way streets and a ferry."""
    from geoaccess.network.graph import EdgeFlag, Network

    k = 12
    ids = np.arange(k * k).reshape(k, k)
    tails, heads = [], []
    for a, b in ((ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])):
        tails += [a.ravel(), b.ravel()]
        heads += [b.ravel(), a.ravel()]
    t = np.concatenate(tails)
    h = np.concatenate(heads)
    one_way = np.arange(len(t)) % 7 == 3  # drop some reverse directions: one-way streets
    t, h = t[~one_way], h[~one_way]
    xs, ys = np.meshgrid(np.arange(k) * 200.0, np.arange(k) * 200.0)
    x, y = xs.ravel() + 500_000.0, ys.ravel() + 6_600_000.0
    t = np.concatenate([t, [0, k * k - 1]])
    h = np.concatenate([h, [k * k - 1, 0]])
    flags = np.zeros(len(t), np.uint8)
    flags[-2:] = EdgeFlag.FERRY
    mid = np.column_stack([(x[t] + x[h]) / 2 + 15.0, (y[t] + y[h]) / 2 - 10.0])
    rng = np.random.default_rng(0)
    return Network.from_edges(t, h, seconds=rng.uniform(10, 60, len(t)), x=x, y=y, crs="EPSG:25833",
                              flags=flags, shapes=[mid[i : i + 1] for i in range(len(t))], mode="car")


def _steps() -> list[tuple[str, Any]]:
    import geopandas as gpd

    from geoaccess.engine.router import Router

    net = _grid_network()
    state: dict[str, Any] = {}

    def network_ops() -> None:
        from geoaccess.network.components import keep_components
        from geoaccess.network.simplify import simplify

        keep_components(simplify(net), keep="largest", warn=False)

    def contraction() -> None:
        state["router"] = Router(net, cache=False)

    def turn_aware() -> None:
        from geoaccess.network.turn_costs import TurnCosts

        r = Router(net, cache=False, turn_costs=TurnCosts(turn_seconds=7.5, u_turns="dead_ends"))
        r.node_times(np.arange(5), np.arange(5))

    def matrix() -> None:
        r = state["router"]
        rng = np.random.default_rng(1)
        pts = gpd.GeoDataFrame({"id": np.arange(30)}, geometry=gpd.points_from_xy(
            rng.uniform(net.x.min(), net.x.max(), 30), rng.uniform(net.y.min(), net.y.max(), 30)), crs=net.crs)
        state["pts"] = r.snap(pts, id_column="id", warn=False)
        r.matrix(state["pts"], cutoff_minutes=10)
        list(r.matrix_blocks(state["pts"], block_size=7))

    def surfaces() -> None:
        r = state["router"]
        r.surface(state["pts"])
        r.catchments(state["pts"].take(np.arange(3)), thresholds_minutes=(2, 4), progress=False, threads=1)

    def nearest() -> None:
        r = state["router"]
        r.nearest(state["pts"], state["pts"].take(np.arange(5)), k=2)

    def dijkstra() -> None:
        from geoaccess.engine.dijkstra import dijkstra, dijkstra_many

        dijkstra(net.indptr, net.indices, net.seconds, np.array([0]), None)
        dijkstra_many(net, np.array([0, 5], dtype=np.int32))

    def measures() -> None:
        from geoaccess.measures.cumulative import cumulative_sums

        cumulative_sums(np.array([[1.0, np.inf], [3.0, 4.0]]), np.array([1.0, 2.0]), thresholds_minutes=(2.0, 5.0))

    return [("network simplification", network_ops), ("contraction hierarchy", contraction),
            ("turn-aware graph", turn_aware),
            ("matrices", matrix), ("surfaces and catchments", surfaces), ("nearest facilities", nearest),
            ("Dijkstra", dijkstra), ("measures", measures)]


def precompile(*, verbose: bool = True) -> dict[str, float]:
    """Run every kernel once so numba compiles it into its on-disk cache.

    Parameters
    ----------
    verbose
        Print one line per step with its wall time.

    Returns
    -------
    dict
        Seconds per step (compile, or load from the cache when already compiled).
    """
    import numba

    from geoaccess.errors import GeoaccessWarning

    out: dict[str, float] = {}
    cache = numba.config.CACHE_DIR or "__pycache__ next to the sources"
    if verbose:
        print(f"geoaccess: compiling numba kernels into {cache} ...", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoaccessWarning)
        for name, step in _steps():
            t0 = time.perf_counter()
            step()
            out[name] = time.perf_counter() - t0
            if verbose:
                print(f"  {name}: {out[name]:.1f} s", flush=True)
    return out


if __name__ == "__main__":  # pragma: no cover - exercised by make install
    total = sum(precompile().values())
    print(f"geoaccess: kernels ready ({total:.1f} s)")
    sys.exit(0)
