"""Where a network edit can change travel times within T minutes: changed nodes and reach bounds.

A trip whose time differs between a base and a scenario network must use an edge that differs
(a new, removed or re-timed edge), so it passes through an end node of one: a **changed node**
(:func:`changed_nodes`). A cell whose door-to-door time to every changed node exceeds ``T`` on
both networks reaches exactly the same cells within ``T`` before and after, so the per-cell
measures need only be recomputed for cells within ``T`` of a changed node (:func:`seconds_to_nodes`).

The bounds use :func:`scipy.sparse.csgraph.dijkstra` on the small national graph (multi-source,
``min_only``), independent of the contraction hierarchy that computes the measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped

__all__ = ["changed_nodes", "nodes_near", "seconds_from_nodes", "seconds_to_nodes", "within_seconds"]


def changed_nodes(base: Network, scen: Network) -> np.ndarray:
    """End nodes of the edges that differ between two networks with the same nodes (added, removed, re-timed).

    Returns
    -------
    numpy.ndarray of int64
        Sorted node indices.
    """
    import pandas as pd

    def frame(g: Network) -> pd.DataFrame:
        df = pd.DataFrame({"t": g.tails.astype(np.int64), "h": g.indices.astype(np.int64),
                           "s": np.round(g.seconds, 6), "m": np.round(g.metres, 3)})
        df["k"] = df.groupby(["t", "h", "s", "m"]).cumcount()
        return df

    a, b = frame(base), frame(scen)
    j = a.merge(b, on=["t", "h", "s", "m", "k"], how="outer", indicator=True)
    diff = j.loc[j["_merge"] != "both", ["t", "h"]].to_numpy()
    return np.unique(diff.ravel()).astype(np.int64)


def _dijkstra(net: Network, sources: np.ndarray, *, reverse: bool, limit_s: float) -> np.ndarray:
    from scipy.sparse.csgraph import dijkstra

    g = net.csgraph()
    if reverse:
        g = g.T.tocsr()
    if len(sources) == 0:
        return np.full(net.n_nodes, np.inf)
    return np.asarray(dijkstra(g, directed=True, indices=np.asarray(sources, dtype=np.int64), min_only=True,
                               limit=limit_s))


def seconds_to_nodes(router: Router, layer: Snapped, nodes: np.ndarray, *, limit_s: float) -> np.ndarray:
    """Seconds from each point to the nearest of ``nodes``: access leg, along its edge, then the network.

    ``inf`` beyond ``limit_s`` or when unreachable.
    """
    dist = _dijkstra(router.network, nodes, reverse=True, limit_s=limit_s)
    seeds, offs = router.seeds(layer, "origin")
    t = np.where(seeds >= 0, offs + dist[np.maximum(seeds, 0)], np.inf)
    return t.min(axis=1)


def seconds_from_nodes(router: Router, layer: Snapped, nodes: np.ndarray, *, limit_s: float) -> np.ndarray:
    """Seconds from the nearest of ``nodes`` to each point (its destination seeds), ``inf`` beyond ``limit_s``."""
    dist = _dijkstra(router.network, nodes, reverse=False, limit_s=limit_s)
    seeds, offs = router.seeds(layer, "destination")
    t = np.where(seeds >= 0, dist[np.maximum(seeds, 0)] + offs, np.inf)
    return t.min(axis=1)


def within_seconds(router: Router, origins: Snapped, cells: Snapped, *, limit_s: float) -> np.ndarray:
    """A superset of the cells some origin reaches within ``limit_s``: bound by the origins' seed nodes.

    The origins' seed offsets are left out (a lower bound of every trip), and cells on an edge
    that an origin lies on are always kept (trips along the shared edge).
    """
    seeds, _ = router.seeds(origins, "origin")
    nodes = np.unique(seeds[seeds >= 0])
    near = seconds_from_nodes(router, cells, nodes, limit_s=limit_s) <= limit_s
    same_edge = np.isin(cells.edge, origins.edge[origins.edge >= 0]) & (cells.edge >= 0)
    return near | same_edge


def nodes_near(net: Network, nodes: np.ndarray, x: np.ndarray, y: np.ndarray, *, limit_s: float,
               access_speed_kmh: float, max_snap_m: float) -> np.ndarray:
    """Points that could lie within ``limit_s`` of ``nodes``: a straight-line bound, before snapping.

    A trip of ``t`` seconds covers at most ``t`` times the fastest edge speed of the network
    (map length over seconds, >= straight line over seconds) plus the access legs.
    """
    from scipy.spatial import cKDTree

    if len(nodes) == 0 or len(x) == 0:
        return np.zeros(len(x), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(net.seconds > 0, net.metres / net.seconds, 0.0)
    v = max(float(speed.max()) if len(speed) else 0.0, access_speed_kmh / 3.6)
    radius = limit_s * v + max_snap_m
    tree = cKDTree(np.column_stack([net.x[nodes], net.y[nodes]]))
    d, _ = tree.query(np.column_stack([x, y]), distance_upper_bound=radius)
    return np.isfinite(d)
