"""Degree-2 simplification: merge chains of edges through nodes that are not junctions.

A node ``v`` is removed when routing through it offers no choice:

* **one-way chain node** – exactly one incoming edge ``u → v`` and one outgoing edge
  ``v → w`` with ``u != w``;
* **two-way chain node** – exactly two neighbours ``a != b`` with the four edges
  ``a → v``, ``v → b``, ``b → v``, ``v → a`` and no others.

The merged edge carries the **sum** of the seconds and metres of the chain, so
every shortest travel time between kept nodes is unchanged (up to float rounding
of the sums, < 1e-9 s in practice). Its shape is the concatenation of the interior
vertices of the chain and the coordinates of the removed nodes, so geometry is
kept. Ferry and non-ferry edges are never merged (a node where the ferry flag
changes is kept). By default chains are merged across way boundaries and the merged
edge **keeps all its way ids**: the way id of the chain when all its segments share it,
else a *way group* (``way_id <= -2``, the sorted ways in ``meta["way_groups"]``; see
:mod:`geoaccess.network.ways`), so an edit can still select every way by its id
(``split_at_way_change=True`` keeps nodes where the way id changes instead). Nodes in
``keep`` (e.g. stops or snap targets) are never removed. Isolated cycles made only of
chain nodes keep one node each.
"""

from __future__ import annotations

import numba
import numpy as np

from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.ways import WAY_GROUPS_KEY, group_ways

__all__ = ["SIMPLIFY_RULES", "simplify"]

SIMPLIFY_RULES = 2
"""Version of the merge rules (part of the network cache key): 2 = merged edges keep all their way ids."""


# ---------------------------------------------------------------------------- kernels
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
            if u == v or w == v or u == w:
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
            if a == b or a == v or b == v:
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


# ---------------------------------------------------------------------------- way ids
def _chain_way_ids(net: Network, chain: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """Way id of each merged edge: its chain's one way, ``-1``, or a way group listing all of them."""
    ways = net.way_id[chain]
    wmin = np.minimum.reduceat(ways, starts)
    wmax = np.maximum.reduceat(ways, starts)
    out = np.where(wmin == wmax, wmin, -1).astype(np.int64)
    had_groups = bool(net.meta.get(WAY_GROUPS_KEY))
    mixed = np.flatnonzero((wmin != wmax) | ((wmin <= -2) & had_groups))
    if len(mixed) == 0:
        return out, []
    ends = np.append(starts[1:], len(chain))
    members = [ways[starts[k]:ends[k]] for k in mixed.tolist()]
    ids, groups = group_ways(members, list(net.meta.get(WAY_GROUPS_KEY) or []))
    out[mixed] = ids
    return out, groups


# ---------------------------------------------------------------------------- public
def simplify(
    net: Network,
    *,
    keep: np.ndarray | None = None,
    split_at_way_change: bool = False,
) -> Network:
    """Merge degree-2 chains, preserving every travel time between kept nodes.

    Parameters
    ----------
    net
        The network.
    keep
        Boolean mask (n,) or index array of nodes that must be kept (stops, snap targets).
    split_at_way_change
        Keep nodes where the way id changes along a chain (default ``False``: merge, and give
        the merged edge a way group listing every way of its segments).

    Returns
    -------
    Network
        The simplified network; node order is the original order of the kept nodes, ``node_id``
        is kept, ``meta["simplified"]`` records the node and edge counts before and after,
        ``meta["way_groups"]`` the way ids of merged edges that span several ways.
    """
    n, m = net.n_nodes, net.n_edges
    keep_mask = np.zeros(n, dtype=np.bool_)
    if keep is not None:
        keep_mask[np.asarray(keep)] = True
    if m == 0:
        return net
    tails = net.tails.astype(np.int64)
    in_edges = np.argsort(net.indices, kind="stable").astype(np.int64)
    in_ptr = np.concatenate([[0], np.cumsum(np.bincount(net.indices, minlength=n))]).astype(np.int64)
    ferry = (net.flags & EdgeFlag.FERRY) != 0
    indptr = net.indptr.astype(np.int64)
    indices = net.indices.astype(np.int64)
    removable, nxt = _removable(
        indptr, indices, in_ptr, in_edges, tails, ferry, net.way_id, keep_mask, bool(split_at_way_change)
    )
    kept, chain_ptr, chain, new_tail, new_head = _trace(indptr, indices, tails, removable, nxt)
    starts = chain_ptr[:-1]
    seconds = np.add.reduceat(net.seconds[chain], starts)
    metres = np.add.reduceat(net.metres[chain], starts)
    way_id, groups = _chain_way_ids(net, chain, starts)
    flags = np.bitwise_or.reduceat(net.flags[chain], starts).astype(np.uint8)
    sp = net.shape_ptr if net.shape_ptr is not None else np.zeros(m + 1, dtype=np.int64)
    sxy = net.shape_xy if net.shape_xy is not None else np.zeros((0, 2))
    shape_ptr, shape_xy = _merge_shapes(
        chain_ptr, chain, indices, net.x, net.y, sp.astype(np.int64), np.ascontiguousarray(sxy, dtype=np.float64)
    )
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[kept] = np.arange(int(kept.sum()))
    meta = dict(net.meta)
    meta.pop(WAY_GROUPS_KEY, None)
    if groups:
        meta[WAY_GROUPS_KEY] = groups
    meta["simplified"] = {
        "nodes_before": n,
        "edges_before": m,
        "nodes_after": int(kept.sum()),
        "edges_after": len(seconds),
        "split_at_way_change": bool(split_at_way_change),
    }
    return Network.from_arrays(
        new_id[new_tail],
        new_id[new_head],
        seconds=seconds,
        metres=metres,
        way_id=way_id,
        flags=flags,
        x=net.x[kept],
        y=net.y[kept],
        node_id=net.node_id[kept],
        crs=net.crs,
        shape_ptr=shape_ptr,
        shape_xy=shape_xy,
        mode=net.mode,
        meta=meta,
    )
