"""The numba kernels of :mod:`geoaccess.measures.cumulative` (imported by its functions when they run, so importing
``geoaccess.measures`` loads no numba)."""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["_cumulative_kernel"]


@numba.njit(cache=True, parallel=True)
def _cumulative_kernel(cost: np.ndarray, w: np.ndarray, thresholds: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    n, m = cost.shape
    k = thresholds.size
    out = np.zeros((n, k))
    for i in numba.prange(n):
        bins = np.zeros(k)
        for j in range(m):
            c = cost[i, j]
            if c <= thresholds[k - 1]:  # inf and NaN fail this test
                # first threshold with c <= T (binary search: thresholds are sorted)
                lo = 0
                hi = k - 1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if c <= thresholds[mid]:
                        hi = mid
                    else:
                        lo = mid + 1
                bins[lo] += w[j]
        acc = 0.0
        for b in range(k):
            acc += bins[b]
            out[i, b] = acc
    return out
