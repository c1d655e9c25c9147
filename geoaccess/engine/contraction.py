"""Contraction-hierarchy preprocessing (node ordering + shortcut insertion), in numba.

Algorithm
---------
Nodes are contracted one at a time in the order of a lazily-updated priority

    priority = 2 * edge_difference + deleted_neighbours + level

where *edge difference* is (shortcuts the contraction would add) − (edges it
removes), *deleted neighbours* counts already-contracted neighbours (spreads the
contraction evenly over the map) and *level* is the hierarchy depth reached so
far. The minimum is popped, its priority recomputed, and it is contracted only
if it is still no larger than the next one in the queue; after each contraction
the neighbours' priorities are recomputed.

Contracting ``v`` adds a shortcut ``u → w`` (weight ``w(u,v) + w(v,w)``) for
every in-neighbour ``u`` and out-neighbour ``w`` unless a *witness search* (a
Dijkstra from ``u`` in the remaining graph without ``v``) finds a path no
longer than that. A witness search stops beyond the longest candidate
shortcut, once all out-neighbours of ``v`` are settled, or at a settled-node
limit (500 when deciding shortcuts, 50 when only estimating a priority; both
shrink for high-degree nodes of the dense core) or a full heap. A limited
search that found no witness adds the shortcut, and tentative distances are
lengths of real paths, so the hierarchy is always exact — limits only cost
extra shortcuts.

Every edge is emitted exactly once, when the first of its two end nodes is
contracted: as an *upward* edge (tail contracted first) or a *downward* edge
(head contracted first). The result is returned in contraction order.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from geoaccess.engine._heap import heap_pop, heap_push

__all__ = ["contract_graph"]



@njit(cache=True)
def _append(beg, ln, cap, to_arr, w_arr, end, node, x, wt):  # pragma: no cover - numba
    """Append arc ``(x, wt)`` to ``node``'s block, relocating/growing the pool when full."""
    if ln[node] == cap[node]:
        newcap = max(4, 2 * cap[node])
        if end + newcap > len(to_arr):
            size = max(2 * len(to_arr), end + newcap)
            t2 = np.empty(size, to_arr.dtype)
            w2 = np.empty(size, w_arr.dtype)
            t2[:end] = to_arr[:end]
            w2[:end] = w_arr[:end]
            to_arr = t2
            w_arr = w2
        b = beg[node]
        for i in range(ln[node]):
            to_arr[end + i] = to_arr[b + i]
            w_arr[end + i] = w_arr[b + i]
        beg[node] = end
        cap[node] = newcap
        end += newcap
    p = beg[node] + ln[node]
    to_arr[p] = x
    w_arr[p] = wt
    ln[node] += 1
    return to_arr, w_arr, end


@njit(cache=True)
def _remove(beg, ln, to_arr, w_arr, node, x):  # pragma: no cover - numba
    """Swap-remove every arc to ``x`` from ``node``'s block."""
    b = beg[node]
    i = 0
    while i < ln[node]:
        if to_arr[b + i] == x:
            last = b + ln[node] - 1
            to_arr[b + i] = to_arr[last]
            w_arr[b + i] = w_arr[last]
            ln[node] -= 1
        else:
            i += 1


@njit(cache=True)
def _witness(src, skip, maxd, limit, obeg, oln, oto, ow, dist, touched, hk, hv, stats, target, n_targets):  # pragma: no cover
    """Bounded Dijkstra from ``src`` avoiding ``skip``; returns the number of touched nodes.

    ``dist`` holds tentative distances (real path lengths, so usable as witnesses)
    for the touched nodes; the caller resets them to inf.
    """
    cap = len(hk)
    nt = 0
    dist[src] = 0.0
    touched[nt] = src
    nt += 1
    size = heap_push(hk, hv, 0, 0.0, src)
    settled = 0
    while size > 0:
        d = hk[0]
        v = hv[0]
        size = heap_pop(hk, hv, size)
        if d > dist[v]:
            continue
        if d > maxd:
            break
        if target[v] > 0:
            n_targets -= 1
            if n_targets == 0:
                break  # every out-neighbour of the contracted node is settled: witnesses are final
        settled += 1
        if settled > limit:
            break
        stats[2] += 1
        stats[3] += oln[v]
        b = obeg[v]
        for i in range(b, b + oln[v]):
            x = oto[i]
            if x == skip:
                continue
            nd = d + ow[i]
            if nd < dist[x] and nd <= maxd:
                if dist[x] == np.inf:
                    if nt >= len(touched):
                        return nt
                    touched[nt] = x
                    nt += 1
                dist[x] = nd
                if size >= cap:
                    return nt  # heap full: stop (conservative, adds shortcuts)
                size = heap_push(hk, hv, size, nd, x)
    return nt


@njit(cache=True)
def _simulate(v, limit, add, sc_u, sc_w, sc_c, obeg, oln, oto, ow, ibeg, iln, ito, iw,
              dist, touched, hk, hv, stats, target):  # pragma: no cover - numba
    """Count (and, if ``add``, record into sc_*) the shortcuts needed to contract ``v``."""
    count = 0
    stats[0] += 1
    ib = ibeg[v]
    ob = obeg[v]
    n_targets = 0
    for c in range(ob, ob + oln[v]):
        if target[oto[c]] == 0:
            n_targets += 1
        target[oto[c]] += 1
    for a in range(ib, ib + iln[v]):
        u = ito[a]
        wu = iw[a]
        maxw = -1.0
        for c in range(ob, ob + oln[v]):
            if oto[c] != u and ow[c] > maxw:
                maxw = ow[c]
        if maxw < 0.0:
            continue
        stats[1] += 1
        nt = _witness(u, v, wu + maxw, limit, obeg, oln, oto, ow, dist, touched, hk, hv, stats, target, n_targets)
        for c in range(ob, ob + oln[v]):
            x = oto[c]
            if x == u:
                continue
            via = wu + ow[c]
            if dist[x] > via:
                if add:
                    sc_u[count] = u
                    sc_w[count] = x
                    sc_c[count] = via
                count += 1
        for t in range(nt):
            dist[touched[t]] = np.inf
    for c in range(ob, ob + oln[v]):
        target[oto[c]] = 0
    return count


@njit(cache=True, parallel=True)
def _initial_priorities(n, sim_limit, obeg, oln, oto, ow, ibeg, iln, ito, iw, prio, stats, n_chunks):  # pragma: no cover
    """Simulated contraction of every node (parallel over chunks, per-chunk scratch)."""
    hcap = sim_limit * 64 + 64
    part = np.zeros((n_chunks, len(stats)), np.int64)
    for c in prange(n_chunks):
        dist = np.full(n, np.inf)
        touched = np.empty(hcap, np.int64)
        target = np.zeros(n, np.int32)
        hk = np.empty(hcap, np.float64)
        hv = np.empty(hcap, np.int64)
        dummy_i = np.empty(0, np.int64)
        dummy_f = np.empty(0, np.float64)
        st = part[c]
        for v in range(c, n, n_chunks):
            s = _simulate(v, sim_limit, False, dummy_i, dummy_i, dummy_f, obeg, oln, oto, ow, ibeg, iln, ito, iw,
                          dist, touched, hk, hv, st, target)
            prio[v] = _priority(s, iln[v] + oln[v], 0.0, 0.0)
    for c in range(n_chunks):
        for j in range(len(stats)):
            stats[j] += part[c, j]


@njit(cache=True)
def _priority(shortcuts, removed, deleted, level):  # pragma: no cover - numba
    return 2.0 * (shortcuts - removed) + deleted + level


@njit(cache=True)
def _contract(n, tails, heads, wts, sim_limit, limit, n_threads, upd_deg, pop_deg):  # pragma: no cover - numba
    m = len(tails)
    # ---- dynamic adjacency: per-node blocks in a pool (out and in)
    odeg = np.zeros(n, np.int64)
    ideg = np.zeros(n, np.int64)
    for e in range(m):
        odeg[tails[e]] += 1
        ideg[heads[e]] += 1
    obeg = np.empty(n, np.int64)
    ocap = np.empty(n, np.int64)
    oln = np.zeros(n, np.int64)
    ibeg = np.empty(n, np.int64)
    icap = np.empty(n, np.int64)
    iln = np.zeros(n, np.int64)
    oend = 0
    iend = 0
    for v in range(n):
        obeg[v] = oend
        ocap[v] = odeg[v] + 2
        oend += ocap[v]
        ibeg[v] = iend
        icap[v] = ideg[v] + 2
        iend += icap[v]
    oto = np.empty(2 * oend + 16, np.int32)
    ow = np.empty(2 * oend + 16, np.float64)
    ito = np.empty(2 * iend + 16, np.int32)
    iw = np.empty(2 * iend + 16, np.float64)
    for e in range(m):
        t = tails[e]
        h = heads[e]
        p = obeg[t] + oln[t]
        oto[p] = h
        ow[p] = wts[e]
        oln[t] += 1
        p = ibeg[h] + iln[h]
        ito[p] = t
        iw[p] = wts[e]
        iln[h] += 1
    # ---- scratch
    dist = np.full(n, np.inf)
    target = np.zeros(n, np.int32)
    touched = np.empty(max(limit, sim_limit) * 64 + 64, np.int64)
    hcap = max(limit, sim_limit) * 64 + 64
    hk = np.empty(hcap, np.float64)
    hv = np.empty(hcap, np.int64)
    sc_cap = 1024
    sc_u = np.empty(sc_cap, np.int64)
    sc_w = np.empty(sc_cap, np.int64)
    sc_c = np.empty(sc_cap, np.float64)
    deleted = np.zeros(n, np.float64)
    level = np.zeros(n, np.float64)
    contracted = np.zeros(n, np.bool_)
    stamp = np.full(n, -1, np.int64)
    prio = np.empty(n, np.float64)
    stats = np.zeros(8, np.int64)
    # ---- output (edges in contraction order): up = tail contracted first
    out_cap = m + n + 16
    up_t = np.empty(out_cap, np.int32)
    up_h = np.empty(out_cap, np.int32)
    up_w = np.empty(out_cap, np.float64)
    n_up = 0
    dn_t = np.empty(out_cap, np.int32)
    dn_h = np.empty(out_cap, np.int32)
    dn_w = np.empty(out_cap, np.float64)
    n_dn = 0
    order = np.empty(n, np.int32)
    n_shortcuts = 0
    # ---- initial priorities
    pq_cap = 4 * n + 16
    pk = np.empty(pq_cap, np.float64)
    pv = np.empty(pq_cap, np.int64)
    psize = 0
    _initial_priorities(n, sim_limit, obeg, oln, oto, ow, ibeg, iln, ito, iw, prio, stats, n_threads * 8)
    for v in range(n):
        psize = heap_push(pk, pv, psize, prio[v], v)
    # ---- main loop
    rank = 0
    while psize > 0:
        p = pk[0]
        v = pv[0]
        psize = heap_pop(pk, pv, psize)
        if contracted[v] or p != prio[v]:
            continue
        need = iln[v] * oln[v]
        if need > sc_cap:
            sc_cap = need
            sc_u = np.empty(sc_cap, np.int64)
            sc_w = np.empty(sc_cap, np.int64)
            sc_c = np.empty(sc_cap, np.float64)
        # lazy update: recompute, re-queue when no longer minimal
        lim1 = limit if need <= pop_deg else max(sim_limit, limit * pop_deg // need)
        s = _simulate(v, lim1, True, sc_u, sc_w, sc_c, obeg, oln, oto, ow, ibeg, iln, ito, iw,
                      dist, touched, hk, hv, stats, target)
        newp = _priority(s, iln[v] + oln[v], deleted[v], level[v])
        if psize > 0 and newp > pk[0]:
            prio[v] = newp
            if psize >= len(pk):
                pk2 = np.empty(2 * len(pk), np.float64)
                pv2 = np.empty(2 * len(pv), np.int64)
                pk2[:psize] = pk[:psize]
                pv2[:psize] = pv[:psize]
                pk = pk2
                pv = pv2
            psize = heap_push(pk, pv, psize, newp, v)
            stats[4] += 1
            continue
        stats[5] = max(stats[5], need)
        # ---- contract v: emit its remaining edges (all to uncontracted = higher nodes)
        if n_up + oln[v] + 1 > len(up_t) or n_dn + iln[v] + 1 > len(dn_t):
            size = 2 * len(up_t) + oln[v] + iln[v]
            a1 = np.empty(size, np.int32)
            a2 = np.empty(size, np.int32)
            a3 = np.empty(size, np.float64)
            a1[:n_up] = up_t[:n_up]
            a2[:n_up] = up_h[:n_up]
            a3[:n_up] = up_w[:n_up]
            up_t, up_h, up_w = a1, a2, a3
            b1 = np.empty(size, np.int32)
            b2 = np.empty(size, np.int32)
            b3 = np.empty(size, np.float64)
            b1[:n_dn] = dn_t[:n_dn]
            b2[:n_dn] = dn_h[:n_dn]
            b3[:n_dn] = dn_w[:n_dn]
            dn_t, dn_h, dn_w = b1, b2, b3
        ob = obeg[v]
        for c in range(ob, ob + oln[v]):
            up_t[n_up] = v
            up_h[n_up] = oto[c]
            up_w[n_up] = ow[c]
            n_up += 1
        ib = ibeg[v]
        for a in range(ib, ib + iln[v]):
            dn_t[n_dn] = ito[a]
            dn_h[n_dn] = v
            dn_w[n_dn] = iw[a]
            n_dn += 1
        # detach v from its neighbours
        for c in range(ob, ob + oln[v]):
            _remove(ibeg, iln, ito, iw, oto[c], v)
        for a in range(ib, ib + iln[v]):
            _remove(obeg, oln, oto, ow, ito[a], v)
        # insert shortcuts (or lower an existing parallel arc)
        for k in range(s):
            u = sc_u[k]
            x = sc_w[k]
            c_ = sc_c[k]
            found = False
            b = obeg[u]
            for i in range(b, b + oln[u]):
                if oto[i] == x:
                    found = True
                    if c_ < ow[i]:
                        ow[i] = c_
                        bb = ibeg[x]
                        for j in range(bb, bb + iln[x]):
                            if ito[j] == u:
                                iw[j] = c_
                    break
            if not found:
                oto, ow, oend = _append(obeg, oln, ocap, oto, ow, oend, u, x, c_)
                ito, iw, iend = _append(ibeg, iln, icap, ito, iw, iend, x, u, c_)
                n_shortcuts += 1
        contracted[v] = True
        order[rank] = v
        rank += 1
        if rank == (9 * n) // 10:
            stats[6] = stats[3]
        # update neighbours
        lv = level[v] + 1.0
        for side in range(2):
            if side == 0:
                b = ob
                cnt = oln[v]
            else:
                b = ib
                cnt = iln[v]
            for i in range(b, b + cnt):
                x = oto[i] if side == 0 else ito[i]
                if stamp[x] == v:
                    continue
                stamp[x] = v
                deleted[x] += 1.0
                level[x] = max(level[x], lv)
                # cheaper estimate for high-degree nodes of the core (only affects the order, never exactness)
                nx_ = iln[x] * oln[x]
                lim2 = sim_limit if nx_ <= upd_deg else max(4, sim_limit * upd_deg // nx_)
                s2 = _simulate(x, lim2, False, sc_u, sc_w, sc_c, obeg, oln, oto, ow, ibeg, iln, ito,
                               iw, dist, touched, hk, hv, stats, target)
                prio[x] = _priority(s2, iln[x] + oln[x], deleted[x], level[x])
                if psize >= len(pk):
                    pk2 = np.empty(2 * len(pk), np.float64)
                    pv2 = np.empty(2 * len(pv), np.int64)
                    pk2[:psize] = pk[:psize]
                    pv2[:psize] = pv[:psize]
                    pk = pk2
                    pv = pv2
                psize = heap_push(pk, pv, psize, prio[x], x)
        oln[v] = 0
        iln[v] = 0
    return order, up_t[:n_up].copy(), up_h[:n_up].copy(), up_w[:n_up].copy(), \
        dn_t[:n_dn].copy(), dn_h[:n_dn].copy(), dn_w[:n_dn].copy(), n_shortcuts, stats


def contract_graph(
    n: int,
    tails: np.ndarray,
    heads: np.ndarray,
    seconds: np.ndarray,
    *,
    witness_limit: int = 500,
    priority_limit: int = 50,
    update_degree: int = 8,
    contract_degree: int = 64,
) -> dict[str, np.ndarray | int]:
    """Contract a directed graph; return order and the upward/downward edge lists.

    Self-loops are dropped and parallel edges reduced to the fastest first.

    Parameters
    ----------
    n
        Number of nodes.
    tails, heads, seconds
        Edge list; travel times in seconds (>= 0, finite).
    witness_limit
        Settled-node limit of the witness searches that decide shortcuts.
    priority_limit
        Settled-node limit of the (cheaper) witness searches that only
        estimate priorities.
    update_degree, contract_degree
        Above this product of in- and out-degree (the dense core), the
        priority-update and the shortcut-deciding limits shrink in proportion
        (down to 4 and ``priority_limit`` settled nodes). On New York this cut
        preprocessing CPU time from 33 s to 16 s with slightly fewer shortcuts.

    Returns
    -------
    dict
        ``order`` (int32, node ids in contraction order), ``up_tail/up_head/up_weight``
        (edges whose tail was contracted first), ``down_tail/down_head/down_weight``
        (edges whose head was contracted first), ``shortcuts`` (count).
    """
    tails = np.asarray(tails, dtype=np.int64)
    heads = np.asarray(heads, dtype=np.int64)
    w = np.asarray(seconds, dtype=np.float64)
    keep = tails != heads
    tails, heads, w = tails[keep], heads[keep], w[keep]
    o = np.lexsort((w, heads, tails))
    tails, heads, w = tails[o], heads[o], w[o]
    first = np.ones(len(tails), dtype=bool)
    first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
    tails, heads, w = tails[first], heads[first], w[first]
    order, ut, uh, uw, dt, dh, dw, nsc, stats = _contract(
        int(n), tails.astype(np.int32), heads.astype(np.int32), w, int(witness_limit), int(priority_limit),
        numba.get_num_threads(),
        int(update_degree),
        int(contract_degree),
    )
    return {
        "order": order,
        "up_tail": ut,
        "up_head": uh,
        "up_weight": uw,
        "down_tail": dt,
        "down_head": dh,
        "down_weight": dw,
        "shortcuts": int(nsc),
        "stats": {k: int(v) for k, v in zip(
            ("simulations", "witness_searches", "witness_settled", "witness_arcs", "requeues", "max_in_x_out",
             "witness_arcs_first_90pct"),
            stats[:7], strict=False)},
    }
