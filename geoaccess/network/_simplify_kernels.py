"""The numba kernels of :mod:`geoaccess.network.simplify` (imported by its functions when they run, so importing
``geoaccess.network`` loads no numba)."""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["_merge_shapes", "_removable", "_trace"]


@numba.njit(cache=True)
def _removable(indptr, indices, in_ptr, in_edges, tails, ferry, way_id, keep, split_way):  # pragma: no cover - numba
    """Return (removable mask, next edge after each edge entering a removable node, -1 otherwise)."""
    n = len(indptr) - 1
    m = len(indices)
    removable = np.zeros(n, dtype=np.bool_)
    nxt = np.full(m, -1, dtype=np.int64)
    for v in range(n):
        if keep[v]:
            continue
        out0 = indptr[v]
        outdeg = indptr[v + 1] - out0
        in0 = in_ptr[v]
        indeg = in_ptr[v + 1] - in0
        if outdeg == 1 and indeg == 1:
            eo = out0
            ei = in_edges[in0]
            u = tails[ei]
            w = indices[eo]
            if u == v or w == v or u == w:  # noqa: SIM109 - three different pairs, not one value against several
                continue
            if ferry[ei] != ferry[eo]:
                continue
            if split_way and way_id[ei] != way_id[eo]:
                continue
            removable[v] = True
            nxt[ei] = eo
        elif outdeg == 2 and indeg == 2:
            o1 = out0
            o2 = out0 + 1
            a = indices[o1]
            b = indices[o2]
            if a == b or a == v or b == v:  # noqa: SIM109 - three different pairs
                continue
            i1 = in_edges[in0]
            i2 = in_edges[in0 + 1]
            t1 = tails[i1]
            t2 = tails[i2]
            # in-edge from a and from b
            if t1 == a and t2 == b:
                ia = i1
                ib = i2
            elif t1 == b and t2 == a:
                ia = i2
                ib = i1
            else:
                continue
            # a -> v continues v -> b (o2); b -> v continues v -> a (o1)
            if ferry[ia] != ferry[o2] or ferry[ib] != ferry[o1]:
                continue
            if split_way and (way_id[ia] != way_id[o2] or way_id[ib] != way_id[o1]):
                continue
            removable[v] = True
            nxt[ia] = o2
            nxt[ib] = o1
    return removable, nxt


@numba.njit(cache=True)
def _trace(indptr, indices, tails, removable, nxt):  # pragma: no cover - numba
    """Follow chains from kept nodes; isolated cycles of chain nodes get one node kept."""
    n = len(indptr) - 1
    m = len(indices)
    kept = ~removable
    covered = np.zeros(m, dtype=np.bool_)
    chain_ptr = np.zeros(m + 1, dtype=np.int64)
    chain = np.empty(m, dtype=np.int64)
    new_tail = np.empty(m, dtype=np.int64)
    new_head = np.empty(m, dtype=np.int64)
    k = 0
    pos = 0
    for rnd in range(2):
        for s in range(m if rnd == 1 else n):
            if rnd == 0:
                u = s
                if not kept[u]:
                    continue
            else:
                if covered[s]:
                    continue
                u = tails[s]
                kept[u] = True
            for e0 in range(indptr[u], indptr[u + 1]):
                if covered[e0]:
                    continue
                chain_ptr[k] = pos
                e = e0
                while True:
                    chain[pos] = e
                    pos += 1
                    covered[e] = True
                    h = indices[e]
                    if kept[h]:
                        break
                    e = nxt[e]
                new_tail[k] = u
                new_head[k] = h
                k += 1
    chain_ptr[k] = pos
    return kept, chain_ptr[: k + 1], chain[:pos], new_tail[:k], new_head[:k]


@numba.njit(cache=True)
def _merge_shapes(chain_ptr, chain, indices, x, y, shape_ptr, shape_xy):  # pragma: no cover - numba
    k = len(chain_ptr) - 1
    lens = np.zeros(k, dtype=np.int64)
    for j in range(k):
        tot = 0
        for p in range(chain_ptr[j], chain_ptr[j + 1]):
            e = chain[p]
            tot += shape_ptr[e + 1] - shape_ptr[e]
        lens[j] = tot + (chain_ptr[j + 1] - chain_ptr[j] - 1)
    ptr = np.zeros(k + 1, dtype=np.int64)
    for j in range(k):
        ptr[j + 1] = ptr[j] + lens[j]
    out = np.empty((ptr[k], 2), dtype=np.float64)
    for j in range(k):
        q = ptr[j]
        last = chain_ptr[j + 1] - 1
        for p in range(chain_ptr[j], chain_ptr[j + 1]):
            e = chain[p]
            for r in range(shape_ptr[e], shape_ptr[e + 1]):
                out[q, 0] = shape_xy[r, 0]
                out[q, 1] = shape_xy[r, 1]
                q += 1
            if p != last:
                h = indices[e]
                out[q, 0] = x[h]
                out[q, 1] = y[h]
                q += 1
    return ptr, out
