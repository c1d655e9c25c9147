"""The numba kernels of :mod:`geoaccess.regions.cell_reach` (imported by its functions when they run, so importing
``geoaccess.regions`` loads no numba)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["_count"]


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
