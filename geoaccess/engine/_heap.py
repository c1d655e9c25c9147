"""Array binary min-heap used by every kernel (lazy deletion: stale entries are skipped).

Keys are float64 seconds, payloads int64 (a node, or ``node * F + facility``).
The caller owns the arrays and the current size; ``heap_push``/``heap_pop``
return the new size.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["as_seeds", "heap_pop", "heap_push"]


@njit(cache=True)
def heap_push(keys: np.ndarray, vals: np.ndarray, size: int, key: float, val: int) -> int:
    """Insert ``(key, val)``; return the new size (the caller guarantees capacity)."""
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if keys[p] <= key:
            break
        keys[i] = keys[p]
        vals[i] = vals[p]
        i = p
    keys[i] = key
    vals[i] = val
    return size + 1


@njit(cache=True)
def heap_pop(keys: np.ndarray, vals: np.ndarray, size: int) -> int:
    """Remove the minimum (read ``keys[0]``, ``vals[0]`` first); return the new size."""
    size -= 1
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and keys[c + 1] < keys[c]:
            c += 1
        if keys[c] >= key:
            break
        keys[i] = keys[c]
        vals[i] = vals[c]
        i = c
    keys[i] = key
    vals[i] = val
    return size


def as_seeds(nodes: np.ndarray, offsets: np.ndarray | None, n: int, *, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Normalise seed arrays to ``(S, K) int32`` nodes and ``(S, K) float64`` seconds.

    Accepts 1-D node arrays (one seed per row). ``offsets=None`` means zero
    seconds. Padding entries are ``-1`` (their offsets are ignored).

    Raises
    ------
    geoaccess.errors.InputError
        On shape mismatch, node ids outside ``-1 .. n-1``, or negative/NaN offsets.
    """
    from geoaccess.errors import InputError

    nodes = np.asarray(nodes)
    if nodes.ndim == 1:
        nodes = nodes[:, None]
    if nodes.ndim != 2:
        msg = f"{what} nodes must be a (S, K) array padded with -1; got shape {nodes.shape}"
        raise InputError(msg)
    if offsets is None:
        offsets = np.zeros(nodes.shape, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.float64)
    if offsets.ndim == 1 and nodes.shape[1] == 1:
        offsets = offsets[:, None]
    if offsets.shape != nodes.shape:
        msg = f"{what} offsets have shape {offsets.shape} but nodes have shape {nodes.shape}; pass one offset (seconds) per seed"
        raise InputError(msg)
    if nodes.size and (nodes.min() < -1 or nodes.max() >= n):
        bad = np.argwhere((nodes < -1) | (nodes >= n))[0].tolist()
        msg = f"{what} node {int(nodes[tuple(bad)])} at position {bad} is outside 0..{n - 1} (use -1 for padding)"
        raise InputError(msg)
    valid = nodes >= 0
    if np.any(np.isnan(offsets[valid])) or np.any(offsets[valid] < 0):
        msg = f"{what} offsets must be >= 0 seconds and not NaN"
        raise InputError(msg)
    offsets = np.where(valid, offsets, np.inf)
    return np.ascontiguousarray(nodes, dtype=np.int32), np.ascontiguousarray(offsets, dtype=np.float64)
