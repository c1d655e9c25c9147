"""Numba kernels: decayed sums and nearest-of-each-type from grid cells over a block's one-to-all rows.

Shared notation. A block's origins (grid cells) are grouped by the directed edge they snap to, so
all cells of a group have the same two seeds ``s1`` (head) and ``s2`` (tail), local indices into
the block's reach table (the nodes each seed reaches within the cut-off, in seconds). A
destination ``d`` has up to two seeds with offsets, listed by node (``node_ptr/node_item/node_off``).
The network time of cell ``c`` to ``d`` is
``min(o1[c] + U1[d], o2[c] + U2[d])`` with ``U_k[d] = min over d's seeds r of reach(s_k, r) + off``.

Points on the same physical road link as the cell are also reached directly: along the link
(``acc_c + |along_c - along_d| + acc_d``, the reverse direction at the reverse edge's speed), or in a
straight line at the access speed (a point and itself: 0 s), whichever is faster. This matters on
N1000, whose simplified links are often many kilometres long.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

__all__ = ["Groups", "Reach", "Targets", "decayed_sums", "nearest_by_type", "seed_nearest_by_type"]


class Groups(NamedTuple):
    """A block's origins grouped by snapped directed edge.

    Attributes
    ----------
    ptr : int64 (n_groups + 1,)
        Cells of group ``g`` are ``ptr[g]:ptr[g+1]`` (in the block's group order).
    s1, s2 : int64 (n_groups,)
        Local seed index of the edge's head / tail (``-1`` none).
    link : int64 (n_groups,)
        Physical link of the group (``-1`` none).
    o1, o2 : float64 (n_cells,)
        Seconds from the cell to ``s1`` / ``s2`` (access included; ``inf`` none).
    along, acc : float64 (n_cells,)
        Position along the link in its forward seconds, and the access seconds.
    x, y : float64 (n_cells,)
        Cell centre, metres.
    """

    ptr: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    link: np.ndarray
    o1: np.ndarray
    o2: np.ndarray
    along: np.ndarray
    acc: np.ndarray
    x: np.ndarray
    y: np.ndarray


class Reach(NamedTuple):
    """Nodes each local seed reaches within the cut-off: ``ptr`` (CSR), ``node`` (int64), ``sec`` (float64)."""

    ptr: np.ndarray
    node: np.ndarray
    sec: np.ndarray


class Targets(NamedTuple):
    """Destinations (job cells or service units) indexed by seed node and by physical link.

    Attributes
    ----------
    node_ptr, node_item, node_off
        For each network node, the destinations that have it as a seed, and the offset seconds.
    link_ptr, link_item, link_along, link_acc
        For each physical link, the destinations snapped to it, their position (forward seconds) and
        access seconds.
    x, y : float64
        Destination coordinates, metres.
    value : float64
        Weight (jobs) of each destination, or its type code (services).
    link_fwd, link_rev : float64
        Forward and reverse seconds of each physical link (``inf`` one-way).
    """

    node_ptr: np.ndarray
    node_item: np.ndarray
    node_off: np.ndarray
    link_ptr: np.ndarray
    link_item: np.ndarray
    link_along: np.ndarray
    link_acc: np.ndarray
    x: np.ndarray
    y: np.ndarray
    value: np.ndarray
    link_fwd: np.ndarray
    link_rev: np.ndarray


@njit(cache=True, inline="always")
def _lookup(table, step, v):  # pragma: no cover - numba
    x = v / step
    j = int(x)
    return table[j] + (x - j) * (table[j + 1] - table[j])


@njit(cache=True, inline="always")
def _direct(a_c, acc_c, xc, yc, a_d, acc_d, xd, yd, fwd, rev, inv_speed):  # pragma: no cover - numba
    """Fastest direct trip between two points on one link: along it, or in a straight line."""
    if a_d >= a_c:
        along = a_d - a_c
    elif np.isfinite(rev):
        along = (a_c - a_d) * rev / fwd if fwd > 0 else 0.0
    else:
        along = np.inf
    straight = np.sqrt((xc - xd) ** 2 + (yc - yd) ** 2) * inv_speed
    return min(acc_c + along + acc_d, straight)


@njit(cache=True, inline="always")
def _fill(s, rp, rn, rs, node_ptr, node_item, node_off, U, touched, nt, mark):  # pragma: no cover - numba
    for q in range(rp[s], rp[s + 1]):
        tr = rs[q]
        r = rn[q]
        for e in range(node_ptr[r], node_ptr[r + 1]):
            d = node_item[e]
            v = tr + node_off[e]
            if v < U[d]:
                if mark[d] == 0:
                    mark[d] = 1
                    touched[nt] = d
                    nt += 1
                U[d] = v
    return nt


@njit(cache=True, parallel=True)
def _decayed_sums(gp, gs1, gs2, glink, o1, o2, along, acc, cx, cy, rp, rn, rs,
                  node_ptr, node_item, node_off, link_ptr, link_item, link_along, link_acc, dx, dy, w,
                  link_fwd, link_rev, table, step, cutoff, inv_speed, out, n_chunks):  # pragma: no cover - numba
    n_groups = len(gs1)
    n_dest = len(w)
    for ch in prange(n_chunks):
        U1 = np.full(n_dest, np.inf)
        U2 = np.full(n_dest, np.inf)
        mark = np.zeros(n_dest, np.uint8)
        touched = np.empty(n_dest, np.int64)
        ju1 = np.empty(n_dest, np.float64)
        ju2 = np.empty(n_dest, np.float64)
        jw = np.empty(n_dest, np.float64)
        for g in range(ch, n_groups, n_chunks):
            nt = 0
            if gs1[g] >= 0:
                nt = _fill(gs1[g], rp, rn, rs, node_ptr, node_item, node_off, U1, touched, nt, mark)
            if gs2[g] >= 0:
                nt = _fill(gs2[g], rp, rn, rs, node_ptr, node_item, node_off, U2, touched, nt, mark)
            for i in range(nt):
                d = touched[i]
                ju1[i] = U1[d]
                ju2[i] = U2[d]
                jw[i] = w[d]
            p = glink[g]
            for c in range(gp[g], gp[g + 1]):
                a1 = o1[c]
                a2 = o2[c]
                total = 0.0
                for i in range(nt):
                    v = min(a1 + ju1[i], a2 + ju2[i])
                    if v <= cutoff:
                        total += jw[i] * _lookup(table, step, v)
                if p >= 0:
                    for e in range(link_ptr[p], link_ptr[p + 1]):
                        d = link_item[e]
                        alt = _direct(along[c], acc[c], cx[c], cy[c], link_along[e], link_acc[e], dx[d], dy[d],
                                      link_fwd[p], link_rev[p], inv_speed)
                        net = min(a1 + U1[d], a2 + U2[d])
                        if alt < net and alt <= cutoff:
                            total += w[d] * (_lookup(table, step, alt) - (_lookup(table, step, net) if net <= cutoff else 0.0))
                out[c] = total
            for i in range(nt):
                d = touched[i]
                U1[d] = np.inf
                U2[d] = np.inf
                mark[d] = 0


def decayed_sums(groups: Groups, reach: Reach, targets: Targets, table: np.ndarray, step_s: float, cutoff_s: float,
                 access_speed_mps: float, *, n_chunks: int) -> np.ndarray:
    """``Σ_d value_d · f(t_cd)`` over destinations within ``cutoff_s`` for every cell of the block.

    ``table[j] = f(j · step_s)`` (a decay tabulated at ``step_s`` seconds, linearly interpolated).
    Returns float64 (n_cells,) in the groups' cell order.
    """
    out = np.zeros(len(groups.o1), dtype=np.float64)
    if len(groups.s1) == 0:
        return out
    _decayed_sums(groups.ptr, groups.s1, groups.s2, groups.link, groups.o1, groups.o2, groups.along, groups.acc,
                  groups.x, groups.y, reach.ptr, reach.node, reach.sec, targets.node_ptr, targets.node_item,
                  targets.node_off, targets.link_ptr, targets.link_item, targets.link_along, targets.link_acc,
                  targets.x, targets.y, targets.value, targets.link_fwd, targets.link_rev, table, float(step_s),
                  float(cutoff_s), 1.0 / float(access_speed_mps), out, int(n_chunks))
    return out


@njit(cache=True, parallel=True)
def _seed_nearest(rp, rn, rs, node_ptr, node_item, node_off, kind, n_types, out):  # pragma: no cover - numba
    for s in prange(len(rp) - 1):
        for k in range(n_types):
            out[s, k] = np.inf
        for q in range(rp[s], rp[s + 1]):
            tr = rs[q]
            r = rn[q]
            for e in range(node_ptr[r], node_ptr[r + 1]):
                k = kind[node_item[e]]
                v = tr + node_off[e]
                if v < out[s, k]:
                    out[s, k] = v


def seed_nearest_by_type(reach: Reach, targets: Targets, n_types: int) -> np.ndarray:
    """Seconds from each local seed to the nearest destination of each type, shape (n_seeds, n_types)."""
    out = np.empty((len(reach.ptr) - 1, int(n_types)), dtype=np.float64)
    _seed_nearest(reach.ptr, reach.node, reach.sec, targets.node_ptr, targets.node_item, targets.node_off,
                  targets.value.astype(np.int64), int(n_types), out)
    return out


@njit(cache=True, parallel=True)
def _nearest(gp, gs1, gs2, glink, o1, o2, along, acc, cx, cy, seed_best, link_ptr, link_item, link_along,
             link_acc, dx, dy, kind, link_fwd, link_rev, inv_speed, out):  # pragma: no cover - numba
    n_types = seed_best.shape[1]
    for g in prange(len(gs1)):
        p = glink[g]
        for c in range(gp[g], gp[g + 1]):
            for k in range(n_types):
                b = np.inf
                if gs1[g] >= 0:
                    b = min(b, o1[c] + seed_best[gs1[g], k])
                if gs2[g] >= 0:
                    b = min(b, o2[c] + seed_best[gs2[g], k])
                out[c, k] = b
            if p >= 0:
                for e in range(link_ptr[p], link_ptr[p + 1]):
                    d = link_item[e]
                    alt = _direct(along[c], acc[c], cx[c], cy[c], link_along[e], link_acc[e], dx[d], dy[d],
                                  link_fwd[p], link_rev[p], inv_speed)
                    k = kind[d]
                    if alt < out[c, k]:
                        out[c, k] = alt


def nearest_by_type(groups: Groups, seed_best: np.ndarray, targets: Targets, access_speed_mps: float) -> np.ndarray:
    """Seconds from every cell of the block to the nearest destination of each type, shape (n_cells, n_types)."""
    out = np.full((len(groups.o1), seed_best.shape[1]), np.inf)
    if len(groups.s1) == 0:
        return out
    _nearest(groups.ptr, groups.s1, groups.s2, groups.link, groups.o1, groups.o2, groups.along, groups.acc,
             groups.x, groups.y, seed_best, targets.link_ptr, targets.link_item, targets.link_along,
             targets.link_acc, targets.x, targets.y, targets.value.astype(np.int64), targets.link_fwd,
             targets.link_rev, 1.0 / float(access_speed_mps), out)
    return out
