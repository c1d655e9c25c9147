"""Fast heuristics for large instances: greedy + vertex substitution (numba), with a bound.

* **p-median**: greedy adding, then a fast vertex substitution (Teitz–Bart interchange in
  Whitaker's "fast interchange" form: for every closed candidate one O(n) pass gives the
  change of the objective for swapping it with *every* open site, using the nearest and
  second-nearest open site per demand unit). The best improving swap is applied until none
  is left (a local optimum of the 1-swap neighbourhood). The quality is reported against a
  **Lagrangian lower bound** (relaxing the assignment constraints, subgradient optimisation),
  which is never above the LP-relaxation bound, so the gap reported is conservative.
* **MCLP**: greedy adding, then the same swap search on covered demand; the quality is
  reported against the LP-relaxation bound (HiGHS).

Fixed sites never close; forbidden sites never open. Times are minutes (``inf`` unreachable).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

import numba as nb
import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError
from geoaccess.location.result import LocationResult, assign_nearest, relative_gap

if TYPE_CHECKING:
    from geoaccess.location.problem import LocationProblem

__all__ = ["lagrangian_bound", "solve_heuristic", "swap_mclp", "swap_pmedian"]

_BIG_FACTOR = 1e3


# --------------------------------------------------------------------------- p-median kernels
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
    for it in range(iters):
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


# --------------------------------------------------------------------------- MCLP kernels
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


# --------------------------------------------------------------------------- public API
def _weighted_cost(problem: LocationProblem) -> np.ndarray:
    """w_i * c_ij with unreachable pairs replaced by a large finite penalty."""
    c = problem.cost
    finite = np.isfinite(c)
    big = (float(c[finite].max()) if finite.any() else 1.0) * _BIG_FACTOR + 1.0
    return np.ascontiguousarray(problem.weights[:, None] * np.where(finite, c, big))


def _random_starts(problem: LocationProblem, p: int, restarts: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    free = np.flatnonzero(problem.allowed & ~problem.fixed)
    need = p - int(problem.fixed.sum())
    starts = []
    for _ in range(restarts):
        s = problem.fixed.copy()
        s[rng.choice(free, size=need, replace=False)] = True
        starts.append(s)
    return starts


def swap_pmedian(
    problem: LocationProblem,
    p: int,
    *,
    start: np.ndarray | None = None,
    restarts: int = 0,
    seed: int = 0,
    max_swaps: int = 10_000,
) -> tuple[np.ndarray, int]:
    """Greedy (or ``start``) + fast vertex substitution for the p-median, best of ``restarts`` random starts too.

    Returns
    -------
    (open mask, number of swaps applied in the best run)
    """
    wc = _weighted_cost(problem)
    allowed = np.ascontiguousarray(problem.allowed)
    fixed = np.ascontiguousarray(problem.fixed)
    first = problem.fixed.copy() if start is None else np.asarray(start, dtype=bool).copy()
    if start is None:
        first = _greedy_pmedian(wc, first, allowed, p)
    best, best_val, best_swaps = None, np.inf, 0
    for s in [first, *_random_starts(problem, p, restarts, seed)]:
        op, k = _swap_pmedian(wc, s, allowed, fixed, max_swaps)
        val = float(wc[:, op].min(axis=1).sum())
        if val < best_val - 1e-12 * abs(val):
            best, best_val, best_swaps = op, val, k
    return best, best_swaps


@renamed_parameters(minutes="cutoff_minutes")
def swap_mclp(
    problem: LocationProblem,
    p: int,
    cutoff_minutes: float,
    *,
    start: np.ndarray | None = None,
    restarts: int = 0,
    seed: int = 0,
    max_swaps: int = 10_000,
) -> tuple[np.ndarray, int]:
    """Greedy (or ``start``) + swap search for the MCLP, best of ``restarts`` random starts too."""
    a = np.ascontiguousarray(problem.cost <= cutoff_minutes)
    w = np.ascontiguousarray(problem.weights)
    allowed = np.ascontiguousarray(problem.allowed)
    fixed = np.ascontiguousarray(problem.fixed)
    first = problem.fixed.copy() if start is None else np.asarray(start, dtype=bool).copy()
    if start is None:
        first = _greedy_mclp(a, w, first, allowed, p)
    best, best_val, best_swaps = None, -np.inf, 0
    for s in [first, *_random_starts(problem, p, restarts, seed)]:
        op, k = _swap_mclp(a, w, s, allowed, fixed, max_swaps)
        val = float(w[(a & op[None, :]).any(axis=1)].sum())
        if val > best_val:
            best, best_val, best_swaps = op, val, k
    return best, best_swaps


def lagrangian_bound(problem: LocationProblem, p: int, *, upper: float, iterations: int = 400) -> float:
    """Lagrangian lower bound of the p-median (assignment constraints relaxed), minutes x weight.

    Parameters
    ----------
    problem
        The instance (fixed/forbidden respected).
    p
        Total open sites.
    upper
        A feasible objective (e.g. the heuristic's), for the subgradient step size.
    iterations
        Subgradient iterations (the step is halved after 20 without improvement).

    Returns
    -------
    float
        A valid lower bound on the optimal p-median objective (<= the LP-relaxation bound).
    """
    keep = problem.weights > 0
    wc = _weighted_cost(problem)[keep]
    if wc.shape[0] == 0:
        return 0.0
    part = np.partition(wc, min(1, wc.shape[1] - 1), axis=1)
    lam0 = np.ascontiguousarray(part[:, min(1, wc.shape[1] - 1)])
    lb, _ = _lagrangian(np.ascontiguousarray(wc), np.ascontiguousarray(problem.fixed),
                        np.ascontiguousarray(problem.allowed), int(p), float(upper), lam0, int(iterations))
    return float(lb)


def _lp_bound_mclp(problem: LocationProblem, p: int, minutes: float) -> float:
    from geoaccess.location.exact import solve

    r = solve(problem, "mclp", p=p, cutoff_minutes=minutes, relax=True)
    return float(r.objective)


@renamed_parameters(minutes="cutoff_minutes")
def solve_heuristic(
    problem: LocationProblem,
    model: Literal["pmedian", "mclp"] = "pmedian",
    *,
    p: int | None = None,
    add: int | None = None,
    cutoff_minutes: float | None = None,
    bound: bool = True,
    bound_iterations: int = 400,
    restarts: int = 10,
    seed: int = 0,
    max_swaps: int = 10_000,
) -> LocationResult:
    """Solve a p-median or MCLP heuristically and report the gap against a bound.

    Parameters
    ----------
    problem
        The instance.
    model
        ``"pmedian"`` (minimise demand-weighted minutes) or ``"mclp"`` (maximise demand
        within ``minutes``).
    p, add
        Total open sites, or sites to add to the fixed ones.
    cutoff_minutes
        Coverage time T in minutes (MCLP).
    bound
        Compute a bound for the gap: Lagrangian (p-median) or LP relaxation (MCLP).
    bound_iterations
        Subgradient iterations for the p-median bound.
    restarts, seed
        Extra local searches from random starts (besides the greedy start); the best is kept.
    max_swaps
        Upper limit on improving swaps.

    Returns
    -------
    LocationResult
        ``status="heuristic"``; ``gap`` is relative to the bound (NaN without it).
    """
    minutes = cutoff_minutes
    t0 = time.perf_counter()
    k = problem.resolve_p(p, add=add)
    if model == "pmedian":
        open_, swaps = swap_pmedian(problem, k, restarts=restarts, seed=seed, max_swaps=max_swaps)
        site, mins = assign_nearest(problem.cost, open_)
        pos = problem.weights > 0
        obj = float(np.sum(problem.weights[pos] * mins[pos])) if np.isfinite(mins[pos]).all() else float("inf")
        t_h = time.perf_counter() - t0
        lb = lagrangian_bound(problem, k, upper=obj, iterations=bound_iterations) if bound and np.isfinite(obj) else np.nan
        lb = min(lb, obj) if np.isfinite(lb) else lb
        return LocationResult(
            "pmedian", problem, open_, site, mins, obj, lb, relative_gap(obj, lb, sense="min"), "heuristic",
            "greedy+fast-interchange", time.perf_counter() - t0,
            
            info={"swaps": int(swaps), "restarts": restarts, "heuristic_seconds": t_h, "bound": "lagrangian"},
        )
    if model == "mclp":
        if minutes is None:
            msg = "The MCLP needs a coverage time: give minutes=T (--minutes T)."
            raise InputError(msg)
        open_, swaps = swap_mclp(problem, k, float(minutes), restarts=restarts, seed=seed, max_swaps=max_swaps)
        site, mins = assign_nearest(problem.cost, open_)
        cov = mins <= minutes
        obj = float(problem.weights[cov].sum())
        t_h = time.perf_counter() - t0
        ub = _lp_bound_mclp(problem, k, float(minutes)) if bound else np.nan
        ub = max(ub, obj) if np.isfinite(ub) else ub
        return LocationResult(
            "mclp", problem, open_, site, mins, obj, ub, relative_gap(obj, ub, sense="max"),
            "heuristic", "greedy+swap", time.perf_counter() - t0, minutes_threshold=float(minutes),
            info={"swaps": int(swaps), "heuristic_seconds": t_h, "bound": "lp"},
        )
    msg = f"No heuristic for model {model!r}; use 'pmedian' or 'mclp' (or the exact solver)."
    raise InputError(msg)
