"""Exact location models as MILPs solved by HiGHS (scipy.optimize.milp), with a time limit.

Formulations (i = demand unit with weight w_i > 0, j = candidate, c_ij minutes, y_j open,
x_ij assignment share, N_i = allowed candidates within T of i):

* **p-median**: min sum w_i c_ij x_ij; sum_j x_ij = 1; x_ij <= y_j; sum y_j = p.
  Only reachable pairs (finite c_ij) get an x variable; x is continuous (integral for integral y).
* **p-center**: min W; sum_j c_ij x_ij <= W; sum_j x_ij = 1; x_ij <= y_j; sum y_j = p.
* **MCLP**: max sum w_i z_i; z_i <= sum_{j in N_i} y_j; sum y_j = p; 0 <= z_i <= 1.
* **LSCP**: min sum y_j; sum_{j in N_i} y_j >= 1 for every unit with w_i > 0.
* **capacitated p-median**: the p-median plus sum_i w_i x_ij <= Q_j y_j (split demand allowed;
  ``single_source=True`` makes x binary).

For every model fixed sites have y_j = 1 and forbidden sites y_j = 0; "add k sites" is
``add=k``. Constraint matrices are sparse (scipy.sparse COO -> CSR).

A time-limit hit returns the incumbent (best solution found) with HiGHS's dual bound and
relative gap (``status="time_limit"``); when HiGHS has no incumbent yet, the p-median and MCLP
fall back to the heuristic solution (gap against HiGHS's bound), never an exception.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError
from geoaccess.location.highs import coo, mclp_model, milp_highs, solver_status, y_bounds
from geoaccess.location.problem import LocationProblem
from geoaccess.location.result import LocationResult, assign_nearest, relative_gap

__all__ = ["MODELS", "solve"]

MODELS = ("pmedian", "pcenter", "mclp", "lscp", "cpmedian")
Model = Literal["pmedian", "pcenter", "mclp", "lscp", "cpmedian"]


def _raise_infeasible(model: str, res: Any, hint: str) -> None:
    msg = f"The {model} model is infeasible (HiGHS: {res.message}). {hint}"
    raise InputError(msg)


def _assignment_model(
    problem: LocationProblem, p: int, *, capacitated: bool, center: bool, single_source: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list, dict]:
    """Variables [y (m) | x (nnz) | W (center only)] and rows of the assignment family of models."""
    m = problem.n_candidates
    rows_i = np.flatnonzero(problem.weights > 0)
    sub = problem.cost[rows_i]
    ok = np.isfinite(sub) & problem.allowed[None, :]
    none = ~ok.any(axis=1)
    if none.any():
        ids = problem.demand_ids[rows_i[none]]
        msg = (
            f"{int(none.sum())} demand unit(s) reach no allowed candidate (ids {[str(v) for v in ids[:10]]}); "
            "they cannot be assigned. Drop them or allow more candidates."
        )
        raise InputError(msg)
    ii, jj = np.nonzero(ok)
    k = ii.size
    nx = k
    nv = m + nx + (1 if center else 0)
    xs = m + np.arange(k)
    cost = sub[ii, jj]
    c = np.zeros(nv)
    if center:
        c[-1] = 1.0
    else:
        c[m:m + k] = problem.weights[rows_i][ii] * cost
    integ = np.zeros(nv, dtype=np.int64)
    integ[:m] = 1
    if single_source:
        integ[m:m + k] = 1
    ylb, yub = y_bounds(problem)
    lb = np.concatenate([ylb, np.zeros(k), [0.0] if center else []])
    ub = np.concatenate([yub, np.ones(k), [np.inf] if center else []])
    n = rows_i.size
    rows: list = []
    # sum_j x_ij = 1
    rows.append((coo(ii, xs, np.ones(k), (n, nv)), np.ones(n), np.ones(n)))
    # x_ij - y_j <= 0
    r = np.arange(k)
    rows.append((coo(np.concatenate([r, r]), np.concatenate([xs, jj]), np.concatenate([np.ones(k), -np.ones(k)]), (k, nv)),
                 np.full(k, -np.inf), np.zeros(k)))
    # sum_j y_j = p
    rows.append((coo(np.zeros(m, dtype=np.int64), np.arange(m), np.ones(m), (1, nv)), np.array([float(p)]), np.array([float(p)])))
    if center:
        # sum_j c_ij x_ij - W <= 0
        rr = np.concatenate([ii, np.arange(n)])
        cc = np.concatenate([xs, np.full(n, nv - 1)])
        vv = np.concatenate([cost, -np.ones(n)])
        rows.append((coo(rr, cc, vv, (n, nv)), np.full(n, -np.inf), np.zeros(n)))
    if capacitated:
        cap = problem.capacity
        if cap is None:
            msg = "The capacitated p-median needs capacities (LocationProblem capacity= / --capacity-column)."
            raise InputError(msg)
        fin = np.isfinite(cap)
        capv = np.where(fin, cap, problem.weights.sum() + 1.0)
        rr = np.concatenate([jj, np.arange(m)])
        cc = np.concatenate([xs, np.arange(m)])
        vv = np.concatenate([problem.weights[rows_i][ii], -capv])
        rows.append((coo(rr, cc, vv, (m, nv)), np.full(m, -np.inf), np.zeros(m)))
    return c, integ, lb, ub, rows, {"rows_i": rows_i, "ii": ii, "jj": jj, "k": k}


def _fallback_pmedian(problem: LocationProblem, p: int) -> np.ndarray:
    from geoaccess.location.heuristics import swap_pmedian

    return swap_pmedian(problem, p)[0]


@renamed_parameters(minutes="cutoff_minutes")
def solve(
    problem: LocationProblem,
    model: Model = "pmedian",
    *,
    p: int | None = None,
    add: int | None = None,
    cutoff_minutes: float | None = None,
    time_limit: float | None = 60.0,
    mip_rel_gap: float = 1e-4,
    single_source: bool = False,
    relax: bool = False,
    method: Literal["auto", "milp"] = "auto",
) -> LocationResult:
    """Solve a location model exactly (MILP, HiGHS) within a time limit.

    Parameters
    ----------
    problem
        The instance (cost in minutes, weights, fixed/forbidden, capacities).
    model
        ``"pmedian"``, ``"pcenter"``, ``"mclp"``, ``"lscp"`` or ``"cpmedian"``.
    p, add
        Total open sites, or sites added to the fixed ones (not for LSCP).
    cutoff_minutes
        Coverage time T in minutes (MCLP, LSCP).
    time_limit
        Seconds for HiGHS; ``None`` = no limit. A hit returns the incumbent and its gap.
    mip_rel_gap
        Relative gap at which HiGHS stops as optimal (default 1e-4 = 0.01 %).
    single_source
        Capacitated p-median: each demand unit to one site only (binary assignment).
    relax
        Solve the LP relaxation (all variables continuous): ``objective`` is then the LP bound
        and ``open`` holds y_j > 0.5.
    method
        ``"auto"`` (default): the p-median first tries a certificate (greedy + fast interchange
        solution whose gap to the Lagrangian lower bound is within ``mip_rel_gap``; then it is
        optimal within the same tolerance HiGHS uses) and solves the MILP only when that fails;
        the p-center is solved as a bisection over the sorted travel times with one set-covering
        MILP per step (exact, much faster than the big-M formulation). ``"milp"``: always the
        single MILP formulation listed in the module docstring.

    Returns
    -------
    LocationResult

    Raises
    ------
    geoaccess.errors.InputError
        Unknown model; p larger than the candidates that may open; LSCP/MCLP without minutes;
        infeasible coverage (ids listed); total capacity below demand.
    """
    minutes = cutoff_minutes
    if model not in MODELS:
        msg = f"Unknown location model {model!r}; choose one of {', '.join(MODELS)}."
        raise InputError(msg)
    t0 = time.perf_counter()
    if model in ("mclp", "lscp") and minutes is None:
        msg = f"The {model.upper()} needs a coverage time: give minutes=T (--minutes T)."
        raise InputError(msg)
    kw = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "relax": relax}
    if model == "lscp":
        return _lscp(problem, float(minutes), t0, **kw)  # type: ignore[arg-type]
    k = problem.resolve_p(p, add=add)
    if model == "mclp":
        return _mclp(problem, k, float(minutes), t0, **kw)  # type: ignore[arg-type]
    if method not in ("auto", "milp"):
        msg = f"method must be 'auto' or 'milp', got {method!r}."
        raise InputError(msg)
    if method == "auto" and not relax and model == "pmedian":
        cert = _pmedian_certificate(problem, k, mip_rel_gap, t0)
        if cert is not None:
            return cert
    if method == "auto" and not relax and model == "pcenter":
        return _pcenter_bisection(problem, k, t0, time_limit=time_limit)
    capacitated = model == "cpmedian"
    if capacitated:
        cap = problem.capacity
        if cap is None:
            msg = "The capacitated p-median needs capacities (LocationProblem capacity= / --capacity-column)."
            raise InputError(msg)
        total = float(problem.weights.sum())
        fixed_cap = float(cap[problem.fixed].sum())
        free = np.sort(cap[problem.allowed & ~problem.fixed])[::-1][: k - int(problem.fixed.sum())]
        if fixed_cap + float(free.sum()) < total:
            msg = (
                f"Infeasible capacities: the {k} largest allowed capacities sum to {fixed_cap + free.sum():,.0f} "
                f"but the demand is {total:,.0f}; raise p or the capacities."
            )
            raise InputError(msg)
    center = model == "pcenter"
    c, integ, lb, ub, rows, aux = _assignment_model(
        problem, k, capacitated=capacitated, center=center, single_source=single_source and capacitated
    )
    res = milp_highs(c, integ, lb, ub, rows, **kw)
    status = solver_status(res)
    m = problem.n_candidates
    info = {"n_vars": res.n_vars, "n_rows": res.n_rows, "nnz": res.nnz, "message": str(res.message)}
    if status in ("infeasible", "unbounded", "error"):
        hint = "Check capacities and reachability." if capacitated else "Check fixed/forbidden sites and reachability."
        _raise_infeasible(model, res, hint)
    bound = float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else np.nan
    shares = None
    if res.x is None and capacitated:
        # time limit without an incumbent: open the p-median heuristic's sites, allocate by the transport LP
        open_ = _fallback_pmedian(problem, k)
        sub = LocationProblem.from_matrix(problem.cost, problem.weights, demand_ids=problem.demand_ids,
                                          candidate_ids=problem.candidate_ids, fixed=open_, forbidden=~open_,
                                          capacity=problem.capacity)
        fb_model = _assignment_model(sub, k, capacitated=True, center=False, single_source=single_source)
        fb = milp_highs(*fb_model[:5], time_limit=None, mip_rel_gap=mip_rel_gap, relax=False)
        info["fallback"] = "p-median heuristic sites + capacitated allocation (HiGHS had no incumbent)"
        if fb.x is not None:
            res.x, res.fun, aux = fb.x, fb.fun, fb_model[5]
        status = "time_limit"
    if res.x is None:
        # time limit without an incumbent: fall back to the heuristic, gap against HiGHS's bound
        open_ = _fallback_pmedian(problem, k)
        status = "time_limit"
        info.setdefault("fallback", "greedy+fast-interchange (HiGHS had no incumbent)")
        if capacitated:
            info["message"] += "; no capacity-feasible allocation found"
    else:
        y = res.x[:m]
        open_ = y > 0.5
        if status == "time_limit" and model == "pmedian" and not relax:
            # keep the better of HiGHS's incumbent and the heuristic's local optimum
            h_open = _fallback_pmedian(problem, k)
            _, h_min = assign_nearest(problem.cost, h_open)
            _, x_min = assign_nearest(problem.cost, open_)
            pos = problem.weights > 0
            if np.sum(problem.weights[pos] * h_min[pos]) < np.sum(problem.weights[pos] * x_min[pos]):
                open_ = h_open
                info["incumbent"] = "greedy+fast-interchange (better than HiGHS's incumbent at the time limit)"
        if capacitated or relax:
            xk = res.x[m:m + aux["k"]]
            shares = np.zeros((problem.n_demand, m))
            shares[aux["rows_i"][aux["ii"]], aux["jj"]] = xk
    if capacitated and shares is not None and not relax:
        site = np.where(shares.max(axis=1) > 0, shares.argmax(axis=1), -1).astype(np.int64)
        mins = np.where(site >= 0, problem.cost[np.arange(problem.n_demand), np.maximum(site, 0)], np.inf)
        # zero-weight units: nearest open site
        zero = problem.weights <= 0
        s0, t0_ = assign_nearest(problem.cost, open_)
        site[zero], mins[zero] = s0[zero], t0_[zero]
        obj = float(res.fun) if res.x is not None else np.nan
    else:
        site, mins = assign_nearest(problem.cost, open_)
        pos = problem.weights > 0
        if relax:
            obj = float(res.fun)
        elif center:
            obj = float(mins[pos].max()) if pos.any() else 0.0
        else:
            obj = float(np.sum(problem.weights[pos] * mins[pos]))
        if capacitated and res.x is None:
            obj = float("inf")
            site[:] = -1
            mins[:] = np.inf
    if status == "optimal" and not relax:
        gap = float(res.mip_gap) if getattr(res, "mip_gap", None) is not None else 0.0
        if not np.isfinite(bound):
            bound = obj
    else:
        gap = relative_gap(obj, bound, sense="min")
    if relax:
        status = "lp_relaxation"
    return LocationResult(
        model, problem, open_, site, mins, obj, bound, gap, status, "highs", time.perf_counter() - t0,
        shares=shares, info=info,
    )


def _mclp(problem: LocationProblem, k: int, minutes: float, t0: float, **kw: Any) -> LocationResult:
    m = problem.n_candidates
    c, integ, lb, ub, rows = mclp_model(problem, k, minutes)
    res = milp_highs(c, integ, lb, ub, rows, **kw)
    status = solver_status(res)
    info = {"n_vars": res.n_vars, "n_rows": res.n_rows, "nnz": res.nnz, "message": str(res.message)}
    if status in ("infeasible", "unbounded", "error"):
        _raise_infeasible("MCLP", res, "Check the fixed/forbidden sites.")
    bound = -float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else np.nan
    if res.x is None:
        from geoaccess.location.heuristics import swap_mclp

        open_ = swap_mclp(problem, k, minutes)[0]
        status = "time_limit"
        info["fallback"] = "greedy+swap (HiGHS had no incumbent)"
    else:
        open_ = res.x[:m] > 0.5
    site, mins = assign_nearest(problem.cost, open_)
    obj = -float(res.fun) if kw.get("relax") else float(problem.weights[mins <= minutes].sum())
    if status == "optimal" and not kw.get("relax"):
        gap = float(res.mip_gap) if getattr(res, "mip_gap", None) is not None else 0.0
        if not np.isfinite(bound):
            bound = obj
    else:
        gap = relative_gap(obj, bound, sense="max")
    if kw.get("relax"):
        status = "lp_relaxation"
    return LocationResult("mclp", problem, open_, site, mins, obj, bound, gap, status, "highs",
                          time.perf_counter() - t0, minutes_threshold=minutes, info=info)


def _lscp(problem: LocationProblem, minutes: float, t0: float, **kw: Any) -> LocationResult:
    problem.check_coverable(minutes)
    m = problem.n_candidates
    a = problem.coverage_sets(minutes)
    rows_i = np.flatnonzero(problem.weights > 0)
    ii, jj = np.nonzero(a[rows_i])
    n = rows_i.size
    c = np.ones(m)
    integ = np.ones(m, dtype=np.int64)
    ylb, yub = y_bounds(problem)
    rows = [(coo(ii, jj, np.ones(ii.size), (n, m)), np.ones(n), np.full(n, np.inf))]
    res = milp_highs(c, integ, ylb, yub, rows, **kw)
    status = solver_status(res)
    info = {"n_vars": res.n_vars, "n_rows": res.n_rows, "nnz": res.nnz, "message": str(res.message)}
    if status in ("infeasible", "unbounded", "error"):
        _raise_infeasible("LSCP", res, "Some demand cannot be covered with the allowed candidates.")
    bound = float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else np.nan
    if res.x is None:
        open_ = _greedy_cover(a[rows_i], problem.fixed.copy(), problem.allowed)
        status = "time_limit"
        info["fallback"] = "greedy set cover (HiGHS had no incumbent)"
    else:
        open_ = res.x > 0.5
    site, mins = assign_nearest(problem.cost, open_)
    obj = float(res.fun) if kw.get("relax") else float(open_.sum())
    if status == "optimal" and not kw.get("relax"):
        gap = float(res.mip_gap) if getattr(res, "mip_gap", None) is not None else 0.0
        if not np.isfinite(bound):
            bound = obj
    else:
        gap = relative_gap(obj, bound, sense="min")
    if kw.get("relax"):
        status = "lp_relaxation"
    return LocationResult("lscp", problem, open_, site, mins, obj, bound, gap, status, "highs",
                          time.perf_counter() - t0, minutes_threshold=minutes, info=info)


def _greedy_cover(a: np.ndarray, open_: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    covered = (a & open_[None, :]).any(axis=1)
    while not covered.all():
        gain = (a[~covered] & (allowed & ~open_)[None, :]).sum(axis=0)
        j = int(np.argmax(gain))
        open_[j] = True
        covered |= a[:, j]
    return open_


def _pmedian_certificate(problem: LocationProblem, k: int, mip_rel_gap: float, t0: float) -> LocationResult | None:
    """Heuristic solution proven optimal (within ``mip_rel_gap``) by the Lagrangian bound, else None."""
    from geoaccess.location.heuristics import solve_heuristic

    pos = problem.weights > 0
    if not (np.isfinite(problem.cost[pos][:, problem.allowed]).any(axis=1)).all():
        return None
    h = solve_heuristic(problem, "pmedian", p=k, bound_iterations=600)
    if not np.isfinite(h.gap) or h.gap > mip_rel_gap:
        return None
    info = {**h.info, "certificate": "lagrangian lower bound", "message": "optimal within mip_rel_gap (Lagrangian bound)"}
    return LocationResult("pmedian", problem, h.open, h.allocation, h.minutes, h.objective, h.bound, h.gap,
                          "optimal", "greedy+fast-interchange+lagrangian", time.perf_counter() - t0, info=info)


def _min_cover(
    a: np.ndarray, problem: LocationProblem, *, time_limit: float | None
) -> tuple[float, float, np.ndarray | None]:
    """Fewest sites covering every row of ``a`` (fixed sites open): (objective, bound, open mask or None)."""
    m = problem.n_candidates
    if not (a & problem.allowed[None, :]).any(axis=1).all():
        return np.inf, np.inf, None
    ii, jj = np.nonzero(a)
    n = a.shape[0]
    ylb, yub = y_bounds(problem)
    rows = [(coo(ii, jj, np.ones(ii.size), (n, m)), np.ones(n), np.full(n, np.inf))]
    res = milp_highs(np.ones(m), np.ones(m, dtype=np.int64), ylb, yub, rows, time_limit=time_limit, mip_rel_gap=0.0,
                relax=False)
    bound = float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else 0.0
    if res.status == 2:
        return np.inf, np.inf, None
    if res.x is None:
        return np.inf, bound, None
    return float(res.fun), bound if res.status != 0 else float(res.fun), res.x > 0.5


def _pcenter_bisection(problem: LocationProblem, k: int, t0: float, *, time_limit: float | None) -> LocationResult:
    """Exact p-center: smallest radius r among the travel times with a cover of <= k sites."""
    rows_i = np.flatnonzero(problem.weights > 0)
    c = problem.cost[rows_i][:, problem.allowed]
    vals = np.unique(c[np.isfinite(c)])
    lo, hi = 0, vals.size - 1  # invariant: radii < vals[lo] are infeasible; vals[hi] feasible once found
    best_open: np.ndarray | None = None
    proven_lo = 0
    steps = 0
    deadline = None if time_limit is None else t0 + float(time_limit)

    def left() -> float | None:
        return None if deadline is None else max(0.01, deadline - time.perf_counter())

    obj, _, op = _min_cover(problem.cost[rows_i] <= vals[hi], problem, time_limit=left())
    if op is None or obj > k + 1e-9:
        if op is None and np.isfinite(obj):
            pass
        msg = (
            f"The p-center with p = {k} is infeasible: no {k} allowed sites reach every demand unit "
            "(some units are unreachable from too many candidates); check reachability."
        )
        raise InputError(msg)
    best_open = op
    timed_out = False
    while lo < hi:
        mid = (lo + hi) // 2
        if deadline is not None and time.perf_counter() >= deadline:
            timed_out = True
            break
        steps += 1
        obj, bnd, op = _min_cover(problem.cost[rows_i] <= vals[mid], problem, time_limit=left())
        if op is not None and obj <= k + 1e-9:
            hi, best_open = mid, op
        elif bnd > k + 1e-9 or not np.isfinite(bnd):
            lo = mid + 1
            proven_lo = lo
        else:  # unknown within the time limit
            timed_out = True
            break
    open_ = best_open.copy()
    # open extra sites (greedily by weighted time) until exactly k are open; the radius cannot grow
    while open_.sum() < k:
        cand = np.flatnonzero(problem.allowed & ~open_)
        _, cur = assign_nearest(problem.cost, open_)
        scores = [np.sum(problem.weights * np.minimum(cur, problem.cost[:, j])) for j in cand]
        open_[cand[int(np.argmin(scores))]] = True
    site, mins = assign_nearest(problem.cost, open_)
    objective = float(mins[rows_i].max()) if rows_i.size else 0.0
    bound = float(vals[proven_lo]) if not timed_out else float(vals[min(proven_lo, vals.size - 1)])
    bound = min(bound, objective)
    status = "time_limit" if timed_out else "optimal"
    gap = 0.0 if status == "optimal" else relative_gap(objective, bound, sense="min")
    return LocationResult("pcenter", problem, open_, site, mins, objective, bound, gap, status, "highs-bisection",
                          time.perf_counter() - t0, info={"bisection_steps": steps, "distinct_radii": int(vals.size),
                                                          "message": "set-covering bisection"})
