"""Weights (jobs, residents) within T minutes of every grid cell: many cells, few road nodes.

The TØI/Vegdirektoratet measure of regionforstørring counts, for **every inhabited cell**, the
jobs reachable within 45 and 60 minutes. On the national N1000 network there are ~8,500 nodes
but ~220,000 cells, and every cell leaves the network through at most two *seed* nodes (the
ends of the edge it snaps to). So instead of one search per cell:

1. the cells are grouped by their seed nodes; for a block of up to ``node_block`` seed nodes the
   router's contraction hierarchy gives the node → cell times ``T[a, j]`` (one bucket
   many-to-many, the destination buckets built once);
2. cell ``i`` reaches cell ``j`` in ``min over its seeds (o_ia + T[a, j])``, and directly along
   the edge when both lie on the same edge (:meth:`Router.same_edge_pairs`);
3. a numba kernel counts, per cell and threshold, the weights with time ``<= T``
   (:data:`geoaccess.engine.counting.COUNTING_RULE`).

This is exactly the router's door-to-door time (the same seeds, offsets, same-edge trips and
counting rule as :meth:`Router.reached <geoaccess.engine.router.Router.reached>`, which the tests
use as the oracle), at a cost of one search per seed node instead of one per cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from geoaccess.errors import InputError

if TYPE_CHECKING:
    from geoaccess.engine.router import Router
    from geoaccess.network.snap import Snapped

__all__ = ["CellReach", "cells_reached"]


class CellReach(NamedTuple):
    """Sums of weights within each threshold of every origin cell.

    Attributes
    ----------
    sums : dict of str -> numpy.ndarray of float64, shape (N, K)
        Per weight name; NaN for origins off the network.
    cells : numpy.ndarray of int64, shape (N, K)
        Destination cells counted.
    thresholds_minutes : tuple of float
        The K thresholds.
    """

    sums: dict[str, np.ndarray]
    cells: np.ndarray
    thresholds_minutes: tuple[float, ...]


@njit(parallel=True, cache=True)
def _count(seed_pos, seed_off, times, weights, limits, sums, counts):  # pragma: no cover - numba
    n = seed_pos.shape[0]
    n_seeds = seed_pos.shape[1]
    c = times.shape[1]
    k = limits.shape[0]
    nw = weights.shape[0]
    for i in prange(n):
        for j in range(c):
            t = np.inf
            for q in range(n_seeds):
                a = seed_pos[i, q]
                if a >= 0:
                    t = min(t, seed_off[i, q] + times[a, j])
            if t <= limits[k - 1]:
                for q in range(k):
                    if t <= limits[q]:
                        counts[i, q] += 1
                        for w in range(nw):
                            sums[w, i, q] += weights[w, j]


def _blocks(nodes: np.ndarray, node_block: int) -> list[np.ndarray]:
    """Origin rows grouped so that each group's seed nodes number at most ``node_block``."""
    first = np.where(nodes >= 0, nodes, np.iinfo(np.int64).max).min(axis=1) if nodes.shape[1] else \
        np.zeros(len(nodes), dtype=np.int64)
    order = np.argsort(first, kind="stable")
    groups: list[np.ndarray] = []
    start, seen = 0, set()
    for pos, row in enumerate(order.tolist()):
        new = {int(v) for v in nodes[row] if v >= 0} - seen
        if len(seen) + len(new) > node_block and pos > start:
            groups.append(order[start:pos])
            start, seen = pos, set()
            new = {int(v) for v in nodes[row] if v >= 0}
        seen |= new
    if start < len(order):
        groups.append(order[start:])
    return groups


def cells_reached(
    router: Router,
    origins: Snapped,
    cells: Snapped,
    weights: Mapping[str, np.ndarray],
    *,
    thresholds_minutes: Sequence[float] = (45.0, 60.0),
    node_block: int = 256,
    progress: bool = False,
) -> CellReach:
    """Weights of ``cells`` within each threshold of every origin (door to door, the counting rule).

    Parameters
    ----------
    router
        The router (a scenario router snapping to its base works the same way).
    origins, cells
        Layers snapped by the router's snap network (origins are often the inhabited cells).
    weights
        ``name -> (len(cells),)`` weights (NaN counts as 0), e.g. jobs per cell.
    thresholds_minutes
        Thresholds in minutes (sorted; the result's columns follow that order).
    node_block
        Seed nodes per block (memory ``node_block x len(cells) x 8`` bytes).
    progress
        Show a progress bar over the blocks.

    Returns
    -------
    CellReach
    """
    from geoaccess.engine.matrix import check_minutes

    thresholds = tuple(sorted(check_minutes(list(thresholds_minutes), what="thresholds_minutes")))
    names = list(weights)
    w = np.vstack([np.nan_to_num(np.asarray(weights[k], dtype=np.float64)) for k in names]) if names else \
        np.zeros((0, len(cells)))
    if w.shape[1] != len(cells):
        msg = f"weights have {w.shape[1]} values for {len(cells)} cells."
        raise InputError(msg)
    limits = np.asarray(thresholds, dtype=np.float64) * 60.0
    router.layer(origins, what="origins")
    router.layer(cells, what="cells")
    o_nodes, o_offs = router.seeds(origins, "origin")
    d_nodes, d_offs = router.seeds(cells, "destination")
    cols = np.flatnonzero((d_nodes >= 0).any(axis=1))
    buckets = router.hierarchy.target_buckets(d_nodes[cols], d_offs[cols], cutoff=float(limits[-1]))
    wc = np.ascontiguousarray(w[:, cols])
    n, k = len(origins), len(thresholds)
    sums = np.zeros((len(names), n, k))
    counts = np.zeros((n, k), dtype=np.int64)
    groups = _blocks(o_nodes, node_block)
    it = groups
    if progress:
        from rich.progress import track

        it = track(groups, description="jobs within reach of each cell")
    for rows in it:
        nodes = np.unique(o_nodes[rows][o_nodes[rows] >= 0])
        if len(nodes) == 0:
            continue
        times = router.hierarchy.many_to_buckets(nodes.astype(np.int32)[:, None], None, buckets)
        pos = np.where(o_nodes[rows] >= 0, np.searchsorted(nodes, o_nodes[rows]), -1).astype(np.int64)
        blk_sums = np.zeros((len(names), len(rows), k))
        blk_counts = np.zeros((len(rows), k), dtype=np.int64)
        _count(pos, np.ascontiguousarray(o_offs[rows], dtype=np.float64), times, wc, limits, blk_sums, blk_counts)
        sums[:, rows] = blk_sums
        counts[rows] = blk_counts
    _same_edge(router, origins, cells, o_nodes, o_offs, cols, w, limits, sums, counts)
    off = ~(o_nodes >= 0).any(axis=1)
    sums[:, off] = np.nan
    return CellReach(sums={name: sums[q] for q, name in enumerate(names)}, cells=counts,
                     thresholds_minutes=thresholds)


def _same_edge(router: Router, origins: Snapped, cells: Snapped, o_nodes: np.ndarray, o_offs: np.ndarray,
               cols: np.ndarray, w: np.ndarray, limits: np.ndarray, sums: np.ndarray, counts: np.ndarray) -> None:
    """Add the cells reached directly along a shared edge faster than through its end nodes."""
    r, c, direct = router.same_edge_pairs(origins, cells)
    if len(r) == 0:
        return
    d_nodes, d_offs = router.seeds(cells, "destination")
    via = np.full(len(r), np.inf)
    uniq = np.unique(np.concatenate([o_nodes[r].ravel(), d_nodes[c].ravel()]))
    uniq = uniq[uniq >= 0]
    if len(uniq):  # node-to-node times among the few nodes of shared edges
        dist = router.hierarchy.many_to_many(uniq.astype(np.int32), None, uniq.astype(np.int32), None,
                                             cutoff=float(limits[-1]))
        for a in range(o_nodes.shape[1]):
            for b in range(d_nodes.shape[1]):
                ok = (o_nodes[r, a] >= 0) & (d_nodes[c, b] >= 0)
                ia = np.searchsorted(uniq, o_nodes[r, a])
                ib = np.searchsorted(uniq, d_nodes[c, b])
                t = np.where(ok, o_offs[r, a] + dist[np.minimum(ia, len(uniq) - 1), np.minimum(ib, len(uniq) - 1)]
                             + d_offs[c, b], np.inf)
                via = np.minimum(via, t)
    in_cols = np.zeros(len(cells), dtype=bool)
    in_cols[cols] = True
    via = np.where(in_cols[c], via, np.inf)  # columns without seeds were never counted
    for q, lim in enumerate(limits):
        gain = (direct <= lim) & ~(via <= lim)
        if gain.any():
            np.add.at(counts[:, q], r[gain], 1)
            for m in range(w.shape[0]):
                np.add.at(sums[m, :, q], r[gain], w[m, c[gain]])
