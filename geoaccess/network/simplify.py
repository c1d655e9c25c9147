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

import numpy as np

from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.ways import WAY_GROUPS_KEY, group_ways

__all__ = ["SIMPLIFY_RULES", "simplify"]

SIMPLIFY_RULES = 2
"""Version of the merge rules (part of the network cache key): 2 = merged edges keep all their way ids."""


# ---------------------------------------------------------------------------- kernels


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
    from geoaccess.network._simplify_kernels import _merge_shapes, _removable, _trace

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
