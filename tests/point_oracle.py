"""An independent oracle of one point's door-to-door times: scipy's Dijkstra from its snapped seeds.

The seeds come from the public snapping (:func:`geoaccess.network.snap.snap_points`); the routing and
the direct trip along a shared edge are written out here, with no code shared with the engine.
Node-based: for networks without turn rules.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra


def one_to_points_seconds(graph_net, snap_net, origin, points) -> np.ndarray:
    """Seconds from the one snapped ``origin`` to every snapped point of ``points`` on ``graph_net``.

    ``origin`` and ``points`` are :class:`~geoaccess.network.snap.Snapped` layers of ``snap_net``
    (the same network, or a scenario's base without its connector edges); ``inf`` unreachable.
    """
    from geoaccess.network.snap import reverse_edges

    with np.errstate(invalid="ignore"):
        o_nodes, o_secs = origin.origin_seeds(snap_net)
        d_nodes, d_secs = points.destination_seeds(snap_net)
    graph = graph_net.csgraph()
    seeds = [(int(n), float(s)) for n, s in zip(o_nodes[0], o_secs[0], strict=True) if n >= 0]
    node_t = np.min([s + dijkstra(graph, directed=True, indices=n) for n, s in seeds], axis=0)
    out = np.full(len(points.edge), np.inf)
    for k in range(d_nodes.shape[1]):
        ok = d_nodes[:, k] >= 0
        out[ok] = np.minimum(out[ok], node_t[d_nodes[ok, k]] + d_secs[ok, k])
    # points on the origin's own edge: the direct time along the edge
    e = int(origin.edge[0])
    rev = int(reverse_edges(snap_net)[e])
    for i in np.flatnonzero(points.edge == e):
        t_o, t_d = float(origin.frac[0]), float(points.frac[i])
        along = (t_d - t_o) * snap_net.seconds[e] if t_d >= t_o else (
            (t_o - t_d) * snap_net.seconds[rev] if rev >= 0 else np.inf)
        out[i] = min(out[i], origin.access_seconds[0] + along + points.access_seconds[i])
    return out
