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

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError
from geoaccess.location.highs import mclp_lp_bound
from geoaccess.location.result import LocationResult, assign_nearest, relative_gap

if TYPE_CHECKING:
    from geoaccess.location.problem import LocationProblem

__all__ = ["lagrangian_bound", "solve_heuristic", "swap_mclp", "swap_pmedian"]

_BIG_FACTOR = 1e3


# --------------------------------------------------------------------------- p-median kernels


# --------------------------------------------------------------------------- MCLP kernels


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
    from geoaccess.location._heuristics_kernels import _greedy_pmedian, _swap_pmedian

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
    from geoaccess.location._heuristics_kernels import _greedy_mclp, _swap_mclp

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
    from geoaccess.location._heuristics_kernels import _lagrangian

    keep = problem.weights > 0
    wc = _weighted_cost(problem)[keep]
    if wc.shape[0] == 0:
        return 0.0
    part = np.partition(wc, min(1, wc.shape[1] - 1), axis=1)
    lam0 = np.ascontiguousarray(part[:, min(1, wc.shape[1] - 1)])
    lb, _ = _lagrangian(np.ascontiguousarray(wc), np.ascontiguousarray(problem.fixed),
                        np.ascontiguousarray(problem.allowed), int(p), float(upper), lam0, int(iterations))
    return float(lb)


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
        ub = mclp_lp_bound(problem, k, float(minutes)) if bound else np.nan
        ub = max(ub, obj) if np.isfinite(ub) else ub
        return LocationResult(
            "mclp", problem, open_, site, mins, obj, ub, relative_gap(obj, ub, sense="max"),
            "heuristic", "greedy+swap", time.perf_counter() - t0, minutes_threshold=float(minutes),
            info={"swaps": int(swaps), "heuristic_seconds": t_h, "bound": "lp"},
        )
    msg = f"No heuristic for model {model!r}; use 'pmedian' or 'mclp' (or the exact solver)."
    raise InputError(msg)
