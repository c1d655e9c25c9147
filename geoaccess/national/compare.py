"""How a 1:1M national network compares with a detailed one where both exist (Hamar NVDB, eastern Oslo OSM).

Two measurements, both on the same points (the national network's junctions inside the
detailed network's area, each matched to the nearest detailed node within ``max_match_m``):

* :func:`link_length_ratios` — for every national road link between two matched junctions,
  the detailed network's shortest distance between them over the link's map length: what
  the generalisation does to lengths (a ratio above 1 means the map is shorter than the road).
* :func:`compare_with_detailed` — for every pair of matched junctions at least ``min_crow_m``
  apart, the fastest time and its length on both networks: the bias left after the profile's
  speeds and length factor.

Shortest paths here are :func:`scipy.sparse.csgraph.dijkstra` on each network's CSR graph, an
engine independent of geoaccess's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = ["compare_with_detailed", "link_length_ratios", "matched_junctions", "summarise_ratios"]


def matched_junctions(coarse: Network, detailed: Network, *, inset_m: float = 300.0,
                      max_match_m: float = 40.0) -> tuple[np.ndarray, np.ndarray]:
    """Coarse nodes inside the detailed network's convex hull (shrunk by ``inset_m``) and their detailed twins.

    Returns
    -------
    (coarse_nodes, detailed_nodes)
        int64 arrays of equal length: node indices in each network, matched within ``max_match_m`` metres.
    """
    import shapely

    from geoaccess.network.graph import EdgeFlag

    hull = shapely.convex_hull(shapely.multipoints(detailed.xy)).buffer(-inset_m)
    inside = shapely.contains_xy(hull, coarse.x, coarse.y)
    road = np.zeros(coarse.n_nodes, dtype=bool)
    nonferry = (coarse.flags & EdgeFlag.FERRY) == 0
    road[coarse.tails[nonferry]] = True
    cand = np.flatnonzero(inside & road)
    tree = shapely.STRtree(shapely.points(detailed.x, detailed.y))
    (pi, ni), d = tree.query_nearest(shapely.points(coarse.x[cand], coarse.y[cand]), return_distance=True,
                                     all_matches=False)
    ok = d <= max_match_m
    return cand[pi[ok]].astype(np.int64), ni[ok].astype(np.int64)


def link_length_ratios(coarse: Network, detailed: Network, *, min_link_m: float = 300.0, **match: Any) -> pd.DataFrame:
    """Detailed shortest distance over map length for each coarse road link between two matched junctions.

    Returns
    -------
    pandas.DataFrame
        ``coarse_m``, ``detailed_m`` (metres), ``ratio`` (detailed / coarse), one row per undirected link.
    """
    import pandas as pd
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.network.graph import EdgeFlag

    cn, dn = matched_junctions(coarse, detailed, **match)
    twin = dict(zip(cn.tolist(), dn.tolist(), strict=False))
    t, h = coarse.tails, coarse.indices
    e = np.flatnonzero((t < h) & ((coarse.flags & EdgeFlag.FERRY) == 0) & (coarse.metres >= min_link_m))
    e = np.array([k for k in e if int(t[k]) in twin and int(h[k]) in twin], dtype=np.int64)
    if not len(e):
        return pd.DataFrame({"coarse_m": [], "detailed_m": [], "ratio": []})
    src = np.unique([twin[int(v)] for v in t[e]])
    dist = dijkstra(detailed.csgraph(weight="metres"), indices=src)
    pos = {v: i for i, v in enumerate(src.tolist())}
    det = np.array([dist[pos[twin[int(t[k])]], twin[int(h[k])]] for k in e])
    out = pd.DataFrame({"coarse_m": coarse.metres[e], "detailed_m": det})
    out = out[np.isfinite(out["detailed_m"])].reset_index(drop=True)
    out["ratio"] = out["detailed_m"] / out["coarse_m"]
    return out


def _path_lengths(net: Network, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fastest seconds from each source to every node, and the metres along those fastest paths.

    Metres are summed up each shortest-path tree by pointer jumping (no Python loop over nodes).
    """
    from scipy.sparse.csgraph import dijkstra

    sec, pred = dijkstra(net.csgraph(), indices=sources, return_predecessors=True)
    n = net.n_nodes
    # the edge csgraph keeps for u -> v: the fastest parallel edge
    order = np.lexsort((net.seconds, net.indices, net.tails))
    t_o, h_o = net.tails[order].astype(np.int64), net.indices[order].astype(np.int64)
    first = np.ones(len(order), dtype=bool)
    first[1:] = (t_o[1:] != t_o[:-1]) | (h_o[1:] != h_o[:-1])
    keys = t_o[first] * n + h_o[first]
    edge_m = net.metres[order][first]
    metres = np.full(sec.shape, np.inf)
    for r in range(len(sources)):
        p = pred[r].astype(np.int64)
        has = p >= 0
        w = np.zeros(n)
        w[has] = edge_m[np.searchsorted(keys, p[has] * n + np.flatnonzero(has))]
        parent = np.where(has, p, np.arange(n))
        metres[r] = _sum_to_root(w, parent)
        metres[r][~np.isfinite(sec[r])] = np.inf
    return sec, metres


def _sum_to_root(w: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Sum of ``w`` over each node and its ancestors (roots point to themselves and have ``w = 0``).

    Pointer jumping: ``d[v]`` sums ``w`` from ``v`` up to, not including, ``j[v]``; each round doubles the span.
    """
    d = w.copy()
    j = parent.copy()
    while not np.array_equal(j, j[j]):
        d = d + d[j]
        j = j[j]
    return d


def compare_with_detailed(coarse: Network, detailed: Network, *, min_crow_m: float = 2000.0, **match: Any) -> pd.DataFrame:
    """Fastest times and their lengths between matched junctions, on the national and the detailed network.

    Returns
    -------
    pandas.DataFrame
        ``crow_m``, ``coarse_minutes``, ``detailed_minutes``, ``coarse_km``, ``detailed_km``,
        ``time_ratio`` (coarse / detailed) and ``length_ratio`` (detailed / coarse), one row per ordered
        pair of junctions at least ``min_crow_m`` apart and reachable on both.
    """
    import pandas as pd

    cn, dn = matched_junctions(coarse, detailed, **match)
    cs, cm = _path_lengths(coarse, cn)
    ds, dm = _path_lengths(detailed, dn)
    i, j = np.meshgrid(np.arange(len(cn)), np.arange(len(cn)), indexing="ij")
    i, j = i.ravel(), j.ravel()
    crow = np.hypot(coarse.x[cn[i]] - coarse.x[cn[j]], coarse.y[cn[i]] - coarse.y[cn[j]])
    out = pd.DataFrame({
        "crow_m": crow,
        "coarse_minutes": cs[i, cn[j]] / 60.0,
        "detailed_minutes": ds[i, dn[j]] / 60.0,
        "coarse_km": cm[i, cn[j]] / 1000.0,
        "detailed_km": dm[i, dn[j]] / 1000.0,
    })
    keep = (i != j) & (crow >= min_crow_m) & np.isfinite(out[["coarse_minutes", "detailed_minutes"]]).all(axis=1).to_numpy()
    out = out[keep].reset_index(drop=True)
    out["time_ratio"] = out["coarse_minutes"] / out["detailed_minutes"]
    out["length_ratio"] = out["detailed_km"] / out["coarse_km"]
    return out


def summarise_ratios(values: pd.Series) -> dict[str, float]:
    """Count, median, length-free mean and the 10/25/75/90 % quantiles of a ratio column."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return {"count": 0}
    q = np.percentile(v, [10, 25, 50, 75, 90])
    return {"count": int(len(v)), "p10": float(q[0]), "p25": float(q[1]), "median": float(q[2]),
            "p75": float(q[3]), "p90": float(q[4]), "geometric_mean": float(np.exp(np.mean(np.log(v))))}
