"""An independent oracle of national door-to-door times: scipy's Dijkstra over the snapped seeds."""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from geoaccess.national.access import link_seconds

SPEED = 30.0 / 3.6
"""Access speed of the national tables, metres per second."""


def oracle_times(net, origins, o_idx, dest):
    """Seconds (len(o_idx), n_dest) by scipy's Dijkstra over the seeds, with direct trips on the same link."""
    seeds = origins.seeds[o_idx]
    nodes = np.unique(seeds[seeds >= 0])
    dist = dijkstra(net.csgraph(), indices=nodes)
    pos = {int(v): i for i, v in enumerate(nodes)}
    fwd, rev = link_seconds(net)
    out = np.full((len(o_idx), len(dest.edge)), np.inf)
    for row, c in enumerate(o_idx):
        best = np.full(len(dest.edge), np.inf)
        for k in range(2):
            s = origins.seeds[c, k]
            if s < 0:
                continue
            d_s = dist[pos[int(s)]]
            for r in range(2):
                ds = dest.dest_seeds[:, r]
                t = origins.offsets[c, k] + np.where(ds >= 0, d_s[np.maximum(ds, 0)], np.inf) + dest.dest_offsets[:, r]
                best = np.minimum(best, t)
        same = np.flatnonzero(dest.link == origins.link[c])
        p = origins.link[c]
        a_c, a_d = origins.along[c], dest.along[same]
        along = np.where(a_d >= a_c, a_d - a_c, (a_c - a_d) * rev[p] / fwd[p])
        straight = np.hypot(dest.x[same] - origins.x[c], dest.y[same] - origins.y[c]) / SPEED
        best[same] = np.minimum(best[same], np.minimum(origins.acc[c] + along + dest.acc[same], straight))
        out[row] = best
    return out


