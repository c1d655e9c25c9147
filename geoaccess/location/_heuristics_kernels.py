"""The numba kernels of :mod:`geoaccess.location.heuristics` (imported by its functions when they run, so importing
``geoaccess.location`` loads no numba)."""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["_greedy_mclp", "_greedy_pmedian", "_lagrangian", "_nearest_two", "_swap_mclp", "_swap_pmedian"]


@nb.njit(cache=True)
def _nearest_two(wc: np.ndarray, open_: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    n, m = wc.shape
    d1 = np.full(n, np.inf)
    d2 = np.full(n, np.inf)
    a1 = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        for j in range(m):
            if open_[j]:
                v = wc[i, j]
                if v < d1[i]:
                    d2[i] = d1[i]
                    d1[i] = v
                    a1[i] = j
                elif v < d2[i]:
                    d2[i] = v
    return d1, d2, a1


@nb.njit(cache=True)
def _greedy_pmedian(wc: np.ndarray, open_: np.ndarray, allowed: np.ndarray, p: int) -> np.ndarray:  # pragma: no cover
    n, m = wc.shape
    d1 = np.full(n, np.inf)
    k = 0
    for j in range(m):
        if open_[j]:
            k += 1
            for i in range(n):
                d1[i] = min(d1[i], wc[i, j])
    big = 0.0
    for i in range(n):
        for j in range(m):
            big = max(big, wc[i, j])
    big = big * 2.0 + 1.0
    while k < p:
        best_j = -1
        best = np.inf
        for j in range(m):
            if open_[j] or not allowed[j]:
                continue
            s = 0.0
            for i in range(n):
                v = wc[i, j]
                cur = min(big, d1[i])
                s += min(cur, v)
            if s < best:
                best = s
                best_j = j
        open_[best_j] = True
        for i in range(n):
            d1[i] = min(d1[i], wc[i, best_j])
        k += 1
    return open_


@nb.njit(cache=True)
def _swap_pmedian(
    wc: np.ndarray, open_: np.ndarray, allowed: np.ndarray, fixed: np.ndarray, max_swaps: int
) -> tuple[np.ndarray, int]:  # pragma: no cover
    n, m = wc.shape
    swaps = 0
    loss = np.zeros(m)
    while swaps < max_swaps:
        d1, d2, a1 = _nearest_two(wc, open_)
        best_delta = -1e-9 * (1.0 + np.abs(d1[np.isfinite(d1)]).sum())
        best_in = -1
        best_out = -1
        for j in range(m):
            if open_[j] or not allowed[j]:
                continue
            gain = 0.0
            loss[:] = 0.0
            for i in range(n):
                v = wc[i, j]
                if v < d1[i]:
                    gain += d1[i] - v
                else:
                    alt = min(d2[i], v)
                    loss[a1[i]] += alt - d1[i]
            for r in range(m):
                if open_[r] and not fixed[r]:
                    delta = loss[r] - gain
                    if delta < best_delta:
                        best_delta = delta
                        best_in = j
                        best_out = r
        if best_in < 0:
            break
        open_[best_in] = True
        open_[best_out] = False
        swaps += 1
    return open_, swaps


@nb.njit(cache=True)
def _lagrangian(
    wc: np.ndarray, fixed: np.ndarray, allowed: np.ndarray, p: int, ub: float, lam0: np.ndarray, iters: int
) -> tuple[float, np.ndarray]:  # pragma: no cover
    n, m = wc.shape
    lam = lam0.copy()
    best = -np.inf
    best_lam = lam.copy()
    theta = 2.0
    stall = 0
    rho = np.zeros(m)
    g = np.zeros(n)
    chosen = np.zeros(m, dtype=np.bool_)
    n_fixed = 0
    for j in range(m):
        if fixed[j]:
            n_fixed += 1
    for _ in range(iters):
        rho[:] = 0.0
        for i in range(n):
            li = lam[i]
            for j in range(m):
                v = wc[i, j] - li
                if v < 0.0:
                    rho[j] += v
        # open the fixed sites and the p - n_fixed allowed ones with the smallest rho
        chosen[:] = fixed
        order = np.argsort(rho)
        k = n_fixed
        for t in range(m):
            j = order[t]
            if k >= p:
                break
            if allowed[j] and not fixed[j]:
                chosen[j] = True
                k += 1
        val = lam.sum()
        for j in range(m):
            if chosen[j]:
                val += rho[j]
        if val > best + 1e-12 * abs(best if np.isfinite(best) else 1.0):
            best = val
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                theta *= 0.5
                stall = 0
                lam[:] = best_lam
        if theta < 1e-6:
            break
        if ub - best <= 1e-7 * abs(ub):
            break  # the bound already proves the upper bound optimal
        opened = np.flatnonzero(chosen)
        norm = 0.0
        for i in range(n):
            s = 1.0
            li = lam[i]
            for t in range(opened.size):
                if wc[i, opened[t]] - li < 0.0:
                    s -= 1.0
            g[i] = s
            norm += s * s
        if norm == 0.0:
            break  # the relaxed solution is feasible: the bound is optimal
        step = theta * (ub - val) / norm
        if step <= 0.0:
            break
        for i in range(n):
            lam[i] += step * g[i]
    return best, best_lam


@nb.njit(cache=True)
def _greedy_mclp(a: np.ndarray, w: np.ndarray, open_: np.ndarray, allowed: np.ndarray, p: int) -> np.ndarray:  # pragma: no cover
    n, m = a.shape
    cnt = np.zeros(n, dtype=np.int64)
    k = 0
    for j in range(m):
        if open_[j]:
            k += 1
            for i in range(n):
                if a[i, j]:
                    cnt[i] += 1
    while k < p:
        best_j = -1
        best = -1.0
        for j in range(m):
            if open_[j] or not allowed[j]:
                continue
            s = 0.0
            for i in range(n):
                if a[i, j] and cnt[i] == 0:
                    s += w[i]
            if s > best:
                best = s
                best_j = j
        open_[best_j] = True
        for i in range(n):
            if a[i, best_j]:
                cnt[i] += 1
        k += 1
    return open_


@nb.njit(cache=True)
def _swap_mclp(
    a: np.ndarray, w: np.ndarray, open_: np.ndarray, allowed: np.ndarray, fixed: np.ndarray, max_swaps: int
) -> tuple[np.ndarray, int]:  # pragma: no cover
    n, m = a.shape
    swaps = 0
    loss = np.zeros(m)
    cnt = np.zeros(n, dtype=np.int64)
    cov1 = np.full(n, -1, dtype=np.int64)
    tol = 1e-9 * (1.0 + w.sum())
    while swaps < max_swaps:
        cnt[:] = 0
        for i in range(n):
            for j in range(m):
                if open_[j] and a[i, j]:
                    cnt[i] += 1
                    cov1[i] = j
        best_gain = tol
        best_in = -1
        best_out = -1
        for j in range(m):
            if open_[j] or not allowed[j]:
                continue
            gain = 0.0
            loss[:] = 0.0
            for i in range(n):
                if a[i, j]:
                    if cnt[i] == 0:
                        gain += w[i]
                elif cnt[i] == 1:
                    loss[cov1[i]] += w[i]
            for r in range(m):
                if open_[r] and not fixed[r]:
                    d = gain - loss[r]
                    if d > best_gain:
                        best_gain = d
                        best_in = j
                        best_out = r
        if best_in < 0:
            break
        open_[best_in] = True
        open_[best_out] = False
        swaps += 1
    return open_, swaps
