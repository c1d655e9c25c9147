"""The numba kernels of :mod:`geoaccess.transit.routing` (imported by its functions when they run, so importing
``geoaccess.transit`` loads no numba)."""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

INF = np.inf

__all__ = ["RaptorArrays", "_matrix", "_nearest_rank", "_range_one", "_rounds"]


class RaptorArrays(NamedTuple):
    """The timetable as the RAPTOR kernels read it (built by :func:`geoaccess.transit.routing._raptor_arrays`).

    Attributes
    ----------
    pattern_stop_ptr, pattern_stops
        CSR: the stops of each pattern in order.
    pattern_trip_ptr
        Trips of each pattern (sorted by departure at every position).
    trip_time_ptr
        Offset of each trip's first stop time in ``arr`` / ``dep``.
    arr, dep
        Arrival and departure seconds of every stop time (float64).
    stop_pattern_ptr, stop_pattern, stop_pattern_pos
        CSR: the patterns through each stop and the stop's position in them.
    fp_ptr, fp_stop, fp_seconds
        CSR: footpaths from each stop, their target stops and seconds.
    max_fp_s
        Longest footpath walked, seconds.
    mct
        Minimum change time at each stop after a vehicle, seconds.
    """

    pattern_stop_ptr: np.ndarray
    pattern_stops: np.ndarray
    pattern_trip_ptr: np.ndarray
    trip_time_ptr: np.ndarray
    arr: np.ndarray
    dep: np.ndarray
    stop_pattern_ptr: np.ndarray
    stop_pattern: np.ndarray
    stop_pattern_pos: np.ndarray
    fp_ptr: np.ndarray
    fp_stop: np.ndarray
    fp_seconds: np.ndarray
    max_fp_s: float
    mct: np.ndarray


@nb.njit(cache=True)
def _rounds(
    tt,
    tau,
    tv,
    tf,
    marked,
    q_pos,
):  # pragma: no cover - compiled
    """Run rounds 0..K of RAPTOR on labels ``tau`` (K+1, n) given the stops ``marked`` in round 0.

    ``tau[k, s]`` is the earliest arrival at ``s`` with at most ``k`` vehicles (by any
    means); ``tv[k, s]`` the earliest arrival *by vehicle*, ``tf[k, s]`` the earliest arrival
    on foot (or at the origin). A trip at ``s`` is boarded in round ``k`` from
    ``min(tv[k-1, s] + mct[s], tf[k-1, s])`` (minimum change time after a vehicle). Footpaths are
    walked only from vehicle arrivals (and from the origin), so they are never chained; they need
    not be transitively closed. The arrays may carry labels of a later departure (range-RAPTOR).
    ``q_pos`` is scratch of length n_patterns filled with -1.
    """
    (pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr, dep, stop_pattern_ptr, stop_pattern,
     stop_pattern_pos, fp_ptr, fp_stop, fp_seconds, max_fp_s, mct) = tt
    vmarked = np.zeros(tau.shape[1], dtype=np.bool_)
    n = tau.shape[1]
    n_rounds = tau.shape[0] - 1
    vmark = np.empty(n, dtype=np.int64)
    # footpaths from the initial stops (round 0)
    vtime = np.empty(n, dtype=np.float64)
    nv = 0
    for s in range(n):
        if marked[s]:
            vmark[nv] = s
            vtime[nv] = tau[0, s]
            nv += 1
    for j in range(nv):
        s = vmark[j]
        ts = vtime[j]
        if ts < tf[0, s]:
            tf[0, s] = ts
        for e in range(fp_ptr[s], fp_ptr[s + 1]):
            if fp_seconds[e] > max_fp_s:
                continue
            t = ts + fp_seconds[e]
            u = fp_stop[e]
            if t < tf[0, u]:
                tf[0, u] = t
                marked[u] = True
            if t < tau[0, u]:
                tau[0, u] = t
                marked[u] = True
    queue = np.empty(q_pos.shape[0], dtype=np.int64)
    for k in range(1, n_rounds + 1):
        for s in range(n):
            tau[k, s] = min(tau[k, s], tau[k - 1, s])
            tv[k, s] = min(tv[k, s], tv[k - 1, s])
            tf[k, s] = min(tf[k, s], tf[k - 1, s])
        # collect patterns through marked stops, earliest position first
        nq = 0
        for s in range(n):
            if not marked[s]:
                continue
            marked[s] = False
            for j in range(stop_pattern_ptr[s], stop_pattern_ptr[s + 1]):
                p = stop_pattern[j]
                pos = stop_pattern_pos[j]
                if q_pos[p] < 0:
                    queue[nq] = p
                    nq += 1
                    q_pos[p] = pos
                elif pos < q_pos[p]:
                    q_pos[p] = pos
        if nq == 0:
            break
        for qi in range(nq):
            p = queue[qi]
            start = q_pos[p]
            q_pos[p] = -1
            base = pattern_stop_ptr[p]
            length = pattern_stop_ptr[p + 1] - base
            t0 = pattern_trip_ptr[p]
            t1 = pattern_trip_ptr[p + 1]
            trip = -1
            for i in range(start, length):
                s = pattern_stops[base + i]
                if trip >= 0:
                    a = arr[trip_time_ptr[trip] + i]
                    if a < tv[k, s]:
                        tv[k, s] = a
                        vmarked[s] = True
                        if a + mct[s] < tf[k, s]:  # boarding from here may improve
                            marked[s] = True
                        if a < tau[k, s]:
                            tau[k, s] = a
                prev = min(tv[k - 1, s] + mct[s], tf[k - 1, s])
                if prev < INF and (trip < 0 or prev <= dep[trip_time_ptr[trip] + i]):
                    # earliest trip departing at or after prev (departures sorted per position)
                    lo = t0
                    hi = t1 if trip < 0 else trip + 1
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if dep[trip_time_ptr[mid] + i] < prev:
                            lo = mid + 1
                        else:
                            hi = mid
                    if lo < t1 and (trip < 0 or lo < trip):
                        trip = lo
        # one footpath from every stop improved by a vehicle in this round
        nv = 0
        for s in range(n):
            if vmarked[s]:
                vmarked[s] = False
                vmark[nv] = s
                vtime[nv] = tv[k, s]
                nv += 1
        for j in range(nv):
            s = vmark[j]
            ts = vtime[j]
            for e in range(fp_ptr[s], fp_ptr[s + 1]):
                if fp_seconds[e] > max_fp_s:
                    continue
                t = ts + fp_seconds[e]
                u = fp_stop[e]
                if t < tf[k, u]:
                    tf[k, u] = t
                    marked[u] = True
                if t < tau[k, u]:
                    tau[k, u] = t


@nb.njit(cache=True)
def _nearest_rank(sorted_vals, pct):  # pragma: no cover - compiled
    n = sorted_vals.shape[0]
    i = int(np.ceil(pct / 100.0 * n)) - 1
    i = max(i, 0)
    i = min(i, n - 1)
    return sorted_vals[i]


@nb.njit(cache=True)
def _range_one(
    tt,
    acc_stop,
    acc_sec,
    deps,
    n_rounds,
    egr_ptr,
    egr_dest,
    egr_sec,
    n_dest,
    direct_dest,
    direct_sec,
):  # pragma: no cover - compiled
    """Travel seconds (n_deps, n_dest) for one origin over departures ``deps`` (descending)."""
    fp_ptr, pattern_trip_ptr = tt.fp_ptr, tt.pattern_trip_ptr
    n = fp_ptr.shape[0] - 1
    tau = np.full((n_rounds + 1, n), INF)
    tv = np.full((n_rounds + 1, n), INF)
    tf = np.full((n_rounds + 1, n), INF)
    marked = np.zeros(n, dtype=np.bool_)
    q_pos = np.full(pattern_trip_ptr.shape[0] - 1, -1, dtype=np.int64)
    out = np.full((deps.shape[0], n_dest), INF)
    for di in range(deps.shape[0]):
        t_dep = deps[di]
        for j in range(acc_stop.shape[0]):
            s = acc_stop[j]
            t = t_dep + acc_sec[j]
            if t < tau[0, s]:
                tau[0, s] = t
                marked[s] = True
        _rounds(
            tt,
            tau,
            tv,
            tf,
            marked,
            q_pos,
        )
        row = out[di]
        for s in range(n):
            best = tau[0, s]
            for k in range(1, n_rounds + 1):
                best = min(best, tau[k, s])
            if best == INF:
                continue
            for e in range(egr_ptr[s], egr_ptr[s + 1]):
                t = best + egr_sec[e] - t_dep
                d = egr_dest[e]
                row[d] = min(row[d], t)
        for j in range(direct_dest.shape[0]):
            d = direct_dest[j]
            row[d] = min(row[d], direct_sec[j])
    return out


@nb.njit(parallel=True, cache=True)
def _matrix(
    tt,
    acc_ptr,
    acc_stop,
    acc_sec,
    deps,
    n_rounds,
    egr_ptr,
    egr_dest,
    egr_sec,
    n_dest,
    dir_ptr,
    dir_dest,
    dir_sec,
    pcts,
):  # pragma: no cover - compiled
    n_orig = acc_ptr.shape[0] - 1
    res = np.full((n_orig, pcts.shape[0], n_dest), INF)
    for o in nb.prange(n_orig):
        a0, a1 = acc_ptr[o], acc_ptr[o + 1]
        d0, d1 = dir_ptr[o], dir_ptr[o + 1]
        if a1 == a0 and d1 == d0:
            continue
        out = _range_one(
            tt,
            acc_stop[a0:a1],
            acc_sec[a0:a1],
            deps,
            n_rounds,
            egr_ptr,
            egr_dest,
            egr_sec,
            n_dest,
            dir_dest[d0:d1],
            dir_sec[d0:d1],
        )
        for d in range(n_dest):
            col = np.sort(out[:, d])
            for q in range(pcts.shape[0]):
                res[o, q, d] = _nearest_rank(col, pcts[q])
    return res
