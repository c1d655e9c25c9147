"""Numba kernel: the best of each point's seeds against a node → destination table, kept within a cut-off.

A point (grid cell) reaches destination ``j`` in ``min over seeds k of offset[k] + table[seed[k], j]``
seconds. The kernel writes only the pairs within the cut-off, in CSR form (one row per point,
sorted by seconds), in two parallel passes: count, then fill.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

__all__ = ["SeedTable", "best_within"]


class SeedTable(NamedTuple):
    """Inputs of :func:`best_within`.

    Attributes
    ----------
    table : numpy.ndarray of float64, shape (n_nodes, n_dest)
        Seconds from each node to each destination (``inf`` unreachable).
    seeds : numpy.ndarray of int32, shape (n_points, k)
        Seed nodes of each point, ``-1`` padded.
    offsets : numpy.ndarray of float64, shape (n_points, k)
        Seconds from the point to each seed.
    """

    table: np.ndarray
    seeds: np.ndarray
    offsets: np.ndarray


@njit(cache=True, inline="always")
def _best(table, seeds, offs, i, j):  # pragma: no cover - numba
    """Best seconds of point ``i`` to destination ``j`` over its seeds."""
    b = np.inf
    for k in range(seeds.shape[1]):
        s = seeds[i, k]
        if s >= 0:
            v = table[s, j] + offs[i, k]
            if v < b:
                b = v
    return b


@njit(cache=True, parallel=True)
def _count(table, seeds, offs, cutoff, counts):  # pragma: no cover - numba
    for i in prange(seeds.shape[0]):
        c = 0
        for j in range(table.shape[1]):
            if _best(table, seeds, offs, i, j) <= cutoff:
                c += 1
        counts[i] = c


@njit(cache=True, parallel=True)
def _fill(table, seeds, offs, cutoff, ptr, dest, secs):  # pragma: no cover - numba
    for i in prange(seeds.shape[0]):
        p0 = ptr[i]
        q = p0
        for j in range(table.shape[1]):
            b = _best(table, seeds, offs, i, j)
            if b <= cutoff:
                # insertion into the point's sorted run (runs are at most n_dest long)
                r = q
                while r > p0 and secs[r - 1] > b:
                    secs[r] = secs[r - 1]
                    dest[r] = dest[r - 1]
                    r -= 1
                secs[r] = b
                dest[r] = j
                q += 1


def best_within(data: SeedTable, cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (point, destination) within ``cutoff_s`` seconds, by point then seconds.

    Returns
    -------
    (ptr, dest, seconds)
        ``ptr`` int64 (n_points + 1,): point ``i``'s pairs are ``ptr[i]:ptr[i+1]``; ``dest`` int32 column
        indices; ``seconds`` float64.
    """
    table = np.ascontiguousarray(data.table, dtype=np.float64)
    seeds = np.ascontiguousarray(data.seeds, dtype=np.int64)
    offs = np.ascontiguousarray(data.offsets, dtype=np.float64)
    counts = np.zeros(len(seeds), dtype=np.int64)
    _count(table, seeds, offs, float(cutoff_s), counts)
    ptr = np.zeros(len(seeds) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    dest = np.empty(int(ptr[-1]), dtype=np.int32)
    secs = np.empty(int(ptr[-1]), dtype=np.float64)
    _fill(table, seeds, offs, float(cutoff_s), ptr, dest, secs)
    return ptr, dest, secs
