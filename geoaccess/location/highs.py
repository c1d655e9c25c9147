"""The HiGHS side of the location models: one MILP call, sparse rows, statuses, the MCLP formulation.

Shared by :mod:`geoaccess.location.exact` (the MILPs) and :mod:`geoaccess.location.heuristics`
(the MCLP's LP-relaxation bound), so neither imports the other for it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from geoaccess.location.problem import LocationProblem

__all__ = ["coo", "mclp_lp_bound", "mclp_model", "milp_highs", "solver_status", "y_bounds"]


def milp_highs(
    c: np.ndarray,
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    rows: list[tuple[Any, np.ndarray, np.ndarray]],
    *,
    time_limit: float | None,
    mip_rel_gap: float,
    relax: bool,
) -> Any:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import vstack

    a = vstack([r[0] for r in rows], format="csr")
    lo = np.concatenate([r[1] for r in rows])
    hi = np.concatenate([r[2] for r in rows])
    options: dict[str, Any] = {"mip_rel_gap": float(mip_rel_gap), "disp": False}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    integ = np.zeros_like(integrality) if relax else integrality
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = milp(c, integrality=integ, bounds=Bounds(lb, ub), constraints=LinearConstraint(a, lo, hi), options=options)
    res.n_vars = int(c.size)
    res.n_rows = int(a.shape[0])
    res.nnz = int(a.nnz)
    return res


def coo(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> Any:
    from scipy.sparse import coo_matrix

    return coo_matrix((vals, (rows, cols)), shape=shape)


def y_bounds(problem: LocationProblem) -> tuple[np.ndarray, np.ndarray]:
    return problem.fixed.astype(float), problem.allowed.astype(float)


def solver_status(res: Any) -> str:
    if res.status == 0:
        return "optimal"
    if res.status == 1:
        return "time_limit"
    if res.status == 2:
        return "infeasible"
    if res.status == 3:
        return "unbounded"
    return "error"


def mclp_model(problem: LocationProblem, k: int, cutoff_minutes: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]:
    """The MCLP as ``(c, integrality, lb, ub, rows)``: variables ``[y (m) | z (covered units)]``, minimising -covered weight."""
    m = problem.n_candidates
    a = problem.coverage_sets(cutoff_minutes)
    rows_i = np.flatnonzero((problem.weights > 0) & a.any(axis=1))
    ii, jj = np.nonzero(a[rows_i])
    n = rows_i.size
    nv = m + n
    c = np.zeros(nv)
    c[m:] = -problem.weights[rows_i]
    integ = np.zeros(nv, dtype=np.int64)
    integ[:m] = 1
    ylb, yub = y_bounds(problem)
    lb = np.concatenate([ylb, np.zeros(n)])
    ub = np.concatenate([yub, np.ones(n)])
    rows = [
        (coo(np.concatenate([np.arange(n), ii]), np.concatenate([m + np.arange(n), jj]),
              np.concatenate([np.ones(n), -np.ones(ii.size)]), (n, nv)), np.full(n, -np.inf), np.zeros(n)),
        (coo(np.zeros(m, dtype=np.int64), np.arange(m), np.ones(m), (1, nv)), np.array([float(k)]), np.array([float(k)])),
    ]
    return c, integ, lb, ub, rows


def mclp_lp_bound(problem: LocationProblem, k: int, cutoff_minutes: float) -> float:
    """Upper bound on the MCLP's covered weight: the LP relaxation (all variables continuous), by HiGHS."""
    res = milp_highs(*mclp_model(problem, k, cutoff_minutes), time_limit=None, mip_rel_gap=1e-9, relax=True)
    if solver_status(res) in ("infeasible", "unbounded", "error"):
        from geoaccess.errors import InputError

        msg = f"The MCLP model is infeasible (HiGHS: {res.message}). Check the fixed/forbidden sites."
        raise InputError(msg)
    return -float(res.fun)
