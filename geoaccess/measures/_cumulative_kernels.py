"""The numba kernels of :mod:`geoaccess.measures.cumulative` (imported by its functions when they run, so importing
``geoaccess.measures`` loads no numba)."""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["_cumulative_kernel"]


@numba.njit(cache=True, parallel=True)
def _cumulative_kernel(cost: np.ndarray, w: np.ndarray, limits: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    n, m = cost.shape
    k = limits.size
    out = np.zeros((n, k))
    for i in numba.prange(n):
        bins = np.zeros(k)
        for j in range(m):
            c = cost[i, j]
            if c <= limits[k - 1]:  # inf and NaN fail this test
                # first threshold with c <= T (binary search: thresholds are sorted)
                lo = 0
                hi = k - 1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if c <= limits[mid]:
                        hi = mid
                    else:
                        lo = mid + 1
                bins[lo] += w[j]
        acc = 0.0
        for b in range(k):
            acc += bins[b]
            out[i, b] = acc
    return out
