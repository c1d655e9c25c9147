"""The numba kernels of :mod:`geoaccess.omland.investment` (imported by its functions when they run, so importing
``geoaccess.omland`` loads no numba)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

if TYPE_CHECKING:
    from geoaccess.omland.investment import AccessArrays

__all__ = ["_sum_within"]


@njit(parallel=True, cache=True)
def _sum_within(node_seconds: np.ndarray, cells: AccessArrays, direct_rows: np.ndarray, direct_cols: np.ndarray,
                direct_seconds: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    s_count, c_count, k = node_seconds.shape[0], cells.weights.shape[0], cells.limits.shape[0]
    out = np.zeros((s_count, k))
    for i in prange(s_count):
        row = node_seconds[i]
        for c in range(c_count):
            t = np.inf
            for q in range(cells.seed_nodes.shape[1]):
                v = cells.seed_nodes[c, q]
                if v >= 0:
                    t = min(t, row[v] + cells.seed_seconds[c, q])
            if t < np.inf:
                for j in range(k):
                    if t <= cells.limits[j]:
                        out[i, j] += cells.weights[c]
    # same-edge pairs: the direct trip along the edge counts where the routed one does not
    for p in range(direct_rows.shape[0]):
        i, c = direct_rows[p], direct_cols[p]
        t = np.inf
        for q in range(cells.seed_nodes.shape[1]):
            v = cells.seed_nodes[c, q]
            if v >= 0:
                t = min(t, node_seconds[i, v] + cells.seed_seconds[c, q])
        for j in range(k):
            if direct_seconds[p] <= cells.limits[j] < t:
                out[i, j] += cells.weights[c]
    return out
