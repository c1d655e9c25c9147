"""Multi-source nearest / k-nearest facility search (one label-setting search for all facilities).

For service coverage ("nærmeste legevakt", nearest NAV office, school
catchment) we need, for every node, the travel time to its nearest ``k``
facilities. Instead of one Dijkstra per facility, a single search is run from
all facilities at once on the REVERSED graph (so times are node → facility).
Each heap label carries its facility; a node is settled at most ``k`` times,
by distinct facilities, in order of increasing time. This is exact: if ``f``
is among the ``k`` nearest facilities of ``v``, it is among the ``k`` nearest
of every node on the shortest ``v → f`` path, so its label is never cut off
(with ties, another facility at the same time may be reported instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from geoaccess.engine._heap import as_seeds, heap_pop, heap_push

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = ["nearest_k", "search_graph"]


@njit(cache=True)
def _k_nearest(indptr, indices, weights, seeds, offs, k, cutoff, out_d, out_f):  # pragma: no cover - numba
    n = len(indptr) - 1
    n_fac = seeds.shape[0]
    cnt = np.zeros(n, np.int64)
    cap = k * len(indices) + seeds.size + 1
    hk = np.empty(cap, np.float64)
    hv = np.empty(cap, np.int64)
    size = 0
    for f in range(n_fac):
        for j in range(seeds.shape[1]):
            s = seeds[f, j]
            if s >= 0 and offs[f, j] <= cutoff:
                size = heap_push(hk, hv, size, offs[f, j], np.int64(s) * n_fac + f)
    while size > 0:
        d = hk[0]
        p = hv[0]
        size = heap_pop(hk, hv, size)
        v = p // n_fac
        f = p - v * n_fac
        c = cnt[v]
        if c >= k:
            continue
        dup = False
        for j in range(c):
            if out_f[v, j] == f:
                dup = True
                break
        if dup:
            continue
        out_d[v, c] = d
        out_f[v, c] = f
        cnt[v] = c + 1
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            if cnt[u] >= k:
                continue
            nd = d + weights[e]
            if nd <= cutoff:
                size = heap_push(hk, hv, size, nd, np.int64(u) * n_fac + f)


def nearest_k(
    net: Network | None,
    fac_nodes: np.ndarray,
    fac_offsets: np.ndarray | None = None,
    *,
    k: int = 1,
    cutoff: float = np.inf,
    direction: str = "to",
    graph: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Time from every node to its ``k`` nearest facilities, in one search.

    Parameters
    ----------
    net
        The network (edge ``seconds``); may be ``None`` when ``graph`` is given.
    fac_nodes
        ``(F, K)`` int32 seed nodes per facility, padded with ``-1`` (or ``(F,)``).
    fac_offsets
        ``(F, K)`` seconds at the facility side of each seed (e.g. the walk from
        the node to the door); ``None`` = 0.
    k
        Number of distinct facilities per node (>= 1).
    cutoff
        Seconds; facilities farther than this are not reported.
    direction
        ``"to"`` (default): node → facility, searched on the reversed graph.
        ``"from"``: facility → node (then offsets are origin-side).
    graph
        A prepared CSR ``(indptr, indices, seconds)`` (int64, int64, float64) to search on
        instead of ``net`` / its reverse (e.g. :meth:`Router.reverse_graph`); ``direction`` is
        then ignored.

    Returns
    -------
    seconds : numpy.ndarray of float64, shape (n, k)
        Ascending per row; ``inf`` where fewer than ``k`` facilities are reachable.
    facility : numpy.ndarray of int64, shape (n, k)
        Row index into ``fac_nodes`` of each facility; ``-1`` where none.
    """
    from geoaccess.errors import InputError

    if int(k) < 1:
        msg = f"k must be >= 1 (number of nearest facilities per node); got {k}"
        raise InputError(msg)
    if direction not in {"to", "from"}:
        msg = f"direction must be 'to' (node → facility) or 'from' (facility → node); got {direction!r}"
        raise InputError(msg)
    if graph is None:
        if net is None:
            msg = "nearest_k needs a network or a prepared graph="
            raise InputError(msg)
        graph = search_graph(net, reverse=direction == "to")
    indptr, indices, weights = graph
    n = len(indptr) - 1
    seeds, offs = as_seeds(fac_nodes, fac_offsets, n, what="facility")
    k = int(k)
    out_d = np.full((n, k), np.inf)
    out_f = np.full((n, k), -1, dtype=np.int64)
    if seeds.shape[0]:
        _k_nearest(indptr, indices, weights, seeds, offs, k, float(cutoff), out_d, out_f)
    return out_d, out_f


def search_graph(net: Network, *, reverse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network (or its reverse) as int64/int64/float64 CSR arrays."""
    n = net.n_nodes
    if reverse:
        order = np.argsort(net.indices, kind="stable")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(net.indices, minlength=n), out=indptr[1:])
        return indptr, net.tails[order].astype(np.int64), np.ascontiguousarray(net.seconds[order], dtype=np.float64)
    return (np.ascontiguousarray(net.indptr, dtype=np.int64), np.ascontiguousarray(net.indices, dtype=np.int64),
            np.ascontiguousarray(net.seconds, dtype=np.float64))
