"""Plain Dijkstra on CSR arrays (numba, binary heap), single- and many-source.

This is the reference kernel: no preprocessing, exact, and the fallback when a
contraction hierarchy is not worth building (a handful of origins). Times are
seconds; unreachable nodes get ``inf``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from numba import njit, prange

from geoaccess.engine._heap import as_seeds, heap_pop, heap_push

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = ["dijkstra", "dijkstra_many"]


@njit(cache=True)
def _sssp(indptr, indices, weights, seeds, offs, cutoff, dist, hk, hv):  # pragma: no cover - numba
    """Multi-seed Dijkstra into ``dist`` (pre-filled with inf); heap capacity >= m + len(seeds)."""
    size = 0
    for j in range(len(seeds)):
        s = seeds[j]
        if s < 0:
            continue
        o = offs[j]
        if o < dist[s] and o <= cutoff:
            dist[s] = o
            size = heap_push(hk, hv, size, o, s)
    while size > 0:
        d = hk[0]
        v = hv[0]
        size = heap_pop(hk, hv, size)
        if d > dist[v]:
            continue  # stale entry: keys for one node strictly decrease, so exactly one is current
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nd = d + weights[e]
            if nd < dist[u] and nd <= cutoff:
                dist[u] = nd
                size = heap_push(hk, hv, size, nd, u)


@njit(cache=True, parallel=True)
def _sssp_many(indptr, indices, weights, seeds, offs, cutoff, out, n_chunks):  # pragma: no cover - numba
    n_src = seeds.shape[0]
    cap = len(indices) + seeds.shape[1] + 1
    for c in prange(n_chunks):
        hk = np.empty(cap, np.float64)
        hv = np.empty(cap, np.int64)
        for s in range(c, n_src, n_chunks):
            row = out[s]
            row[:] = np.inf
            _sssp(indptr, indices, weights, seeds[s], offs[s], cutoff, row, hk, hv)


def dijkstra(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    seed_nodes: np.ndarray,
    seed_offsets: np.ndarray | None,
    *,
    cutoff: float = np.inf,
) -> np.ndarray:
    """One multi-seed Dijkstra search on CSR arrays.

    Parameters
    ----------
    indptr, indices, weights
        CSR graph: edges of node ``u`` are ``indptr[u]:indptr[u+1]``, heads in
        ``indices``, travel times in seconds in ``weights`` (>= 0). Parallel
        edges and self-loops are allowed.
    seed_nodes
        Start nodes (int), ``-1`` entries are ignored.
    seed_offsets
        Seconds already spent when the search reaches each seed (e.g. the walk
        from a snapped point to the node); ``None`` means zero.
    cutoff
        Seconds; nodes farther than this are left at ``inf``.

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
        Seconds from the nearest seed (offset included); ``inf`` when unreachable
        or beyond ``cutoff``.
    """
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    indices = np.ascontiguousarray(indices, dtype=np.int64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    n = len(indptr) - 1
    offsets = None if seed_offsets is None else np.ravel(seed_offsets)
    seeds, offs = as_seeds(np.ravel(seed_nodes), offsets, n, what="seed")
    seeds, offs = seeds[:, 0].copy(), offs[:, 0].copy()
    dist = np.full(n, np.inf)
    cap = len(indices) + len(seeds) + 1
    _sssp(indptr, indices, weights, seeds, offs, float(cutoff), dist,
          np.empty(cap, np.float64), np.empty(cap, np.int64))
    return dist


def dijkstra_many(
    net: Network,
    src_nodes: np.ndarray,
    src_offsets: np.ndarray | None = None,
    *,
    cutoff: float = np.inf,
) -> np.ndarray:
    """Dijkstra from many origins at once, parallel over origins (all cores).

    Parameters
    ----------
    net
        The network (edge ``seconds`` are the weights).
    src_nodes
        ``(S, K)`` int32 seed nodes per origin, padded with ``-1`` (or ``(S,)``).
    src_offsets
        ``(S, K)`` seconds added at each seed; ``None`` means zero.
    cutoff
        Seconds; farther nodes are ``inf``.

    Returns
    -------
    numpy.ndarray of float64, shape (S, n)
        Seconds from each origin to every node; ``inf`` unreachable. Memory is
        ``8 * S * n`` bytes: call in batches of origins for large networks.
    """
    seeds, offs = as_seeds(src_nodes, src_offsets, net.n_nodes, what="origin")
    out = np.empty((seeds.shape[0], net.n_nodes), dtype=np.float64)
    if seeds.shape[0] == 0:
        return out
    n_chunks = max(1, min(seeds.shape[0], numba.get_num_threads() * 4))
    _sssp_many(
        np.ascontiguousarray(net.indptr, dtype=np.int64),
        np.ascontiguousarray(net.indices, dtype=np.int64),
        np.ascontiguousarray(net.seconds, dtype=np.float64),
        seeds, offs, float(cutoff), out, n_chunks,
    )
    return out
