"""A transport investment before and after: the centre's omland and every cell's job access.

The scenario is a router over the edited network that snaps to the base network
(``Router(edited, base=base_net)``, :mod:`geoaccess.scenario`), so the same snapped centre and
cells are routed before and after: the same residents are compared, nobody is snapped onto
the new road. Two measures of *regionforstørring* (labour-market enlargement):

* **the centre's omland**: residents and jobs within 30/45 minutes of the centre, before and after;
* **job access per cell**: the jobs within 30/45 minutes of every cell of the region (a cumulative
  opportunities measure), before and after, and the change.

Job access per cell is :func:`cell_access`: thousands of origin cells to tens of thousands of job
cells, so instead of a matrix it takes one-to-all node times (PHAST, :meth:`Router.surface`) for a
block of origins and a numba kernel that reads each job cell's door-to-door time off them (the best
of its destination seeds plus offsets, and the direct trip along a shared edge) and sums the jobs
within each threshold: the engine's counting rule (:data:`geoaccess.engine.counting.COUNTING_RULE`)
without the matrix, checked against :meth:`Router.reached` in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped

__all__ = ["INVESTMENT_MINUTES", "AccessArrays", "InvestmentEffect", "cell_access", "investment_effect"]

INVESTMENT_MINUTES = (30.0, 45.0)
"""Thresholds of the before/after comparison, minutes."""


@dataclass(frozen=True)
class InvestmentEffect:
    """The result of :func:`investment_effect`.

    Attributes
    ----------
    reach : pandas.DataFrame
        ``minutes``, ``weight`` (``population``, ``jobs``), ``before``, ``after``, ``change``, ``change_pct``.
    cells : geopandas.GeoDataFrame
        The region's cells with ``centre_minutes_before/after/change`` and, per threshold T,
        ``jobs_T_before``, ``jobs_T_after``, ``jobs_T_change`` (jobs within T minutes of the cell).
    """

    reach: pd.DataFrame
    cells: gpd.GeoDataFrame


class AccessArrays(NamedTuple):
    """The job cells as the kernel reads them.

    Attributes
    ----------
    seed_nodes : numpy.ndarray of int64, shape (C, K)
        Destination seeds of each cell on the routing graph (nodes, or states of the edge-based
        graph when the router is turn-aware), ``-1`` padded.
    seed_seconds : numpy.ndarray of float64, shape (C, K)
        Seconds from each seed to the cell (along the edge plus the access leg).
    weights : numpy.ndarray of float64, shape (C,)
        Jobs (any weight) per cell; NaN counts as 0.
    limits : numpy.ndarray of float64, shape (K,)
        Thresholds, seconds.
    """

    seed_nodes: np.ndarray
    seed_seconds: np.ndarray
    weights: np.ndarray
    limits: np.ndarray


@njit(parallel=True, cache=True)
def _sum_within(node_seconds: np.ndarray, cells: AccessArrays, direct_rows: np.ndarray, direct_cols: np.ndarray,
                direct_seconds: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    s_count, c_count, k = node_seconds.shape[0], cells.weights.shape[0], cells.limits.shape[0]
    out = np.zeros((s_count, k))
    for i in prange(s_count):
        row = node_seconds[i]
        for c in range(c_count):
            t = np.inf
            for q in range(cells.seed_nodes.shape[1]):
                v = cells.seed_nodes[c, q]
                if v >= 0:
                    t = min(t, row[v] + cells.seed_seconds[c, q])
            if t < np.inf:
                for j in range(k):
                    if t <= cells.limits[j]:
                        out[i, j] += cells.weights[c]
    # same-edge pairs: the direct trip along the edge counts where the routed one does not
    for p in range(direct_rows.shape[0]):
        i, c = direct_rows[p], direct_cols[p]
        t = np.inf
        for q in range(cells.seed_nodes.shape[1]):
            v = cells.seed_nodes[c, q]
            if v >= 0:
                t = min(t, node_seconds[i, v] + cells.seed_seconds[c, q])
        for j in range(k):
            if direct_seconds[p] <= cells.limits[j] < t:
                out[i, j] += cells.weights[c]
    return out


def _within_reach(net: Network, origins: Snapped, cells: Snapped, seconds: float) -> np.ndarray:
    """Rows of ``cells`` that some origin could reach within ``seconds`` at the network's top speed (a safe filter).

    A trip is never shorter than the straight line between the snapped positions, and no edge (nor
    an access leg, which is slower) is faster than the network's fastest edge.
    """
    from scipy.spatial import cKDTree

    ok = net.seconds > 0
    if np.any(~ok & (net.metres > 0)):
        return np.arange(len(cells))
    vmax = float(np.max(net.metres[ok] / net.seconds[ok])) if ok.any() else 0.0
    o = np.isfinite(origins.x)
    c = np.isfinite(cells.x)
    if not o.any():
        return np.zeros(0, dtype=np.int64)
    d, _ = cKDTree(np.column_stack([origins.x[o], origins.y[o]])).query(
        np.column_stack([np.where(c, cells.x, 0.0), np.where(c, cells.y, 0.0)]), distance_upper_bound=vmax * seconds + 1.0)
    return np.flatnonzero(c & np.isfinite(d))


def cell_access(router: Router, origins: Snapped, cells: Snapped, weights: np.ndarray, *,
                thresholds_minutes: Sequence[float], block_size: int = 128) -> np.ndarray:
    """Sum of cell weights (jobs) within each threshold of every origin, without a matrix.

    Parameters
    ----------
    router
        The router (a scenario router reads the edited times).
    origins, cells
        Snapped by the router's base network.
    weights
        Weight per cell (NaN counts as 0).
    thresholds_minutes
        Thresholds, minutes.
    block_size
        Origins per one-to-all block (memory ``block_size x nodes x 8`` bytes).

    Returns
    -------
    numpy.ndarray of float64, shape (len(origins), K)
        NaN for unsnapped origins.
    """
    limits = np.asarray([float(t) * 60.0 for t in thresholds_minutes])
    keep = _within_reach(router.network, origins, cells, float(limits.max()))
    cells = cells.take(keep)
    weights = np.asarray(weights, dtype=np.float64)[keep]
    nodes, offs = router.seeds(cells, "destination")
    arrays = AccessArrays(seed_nodes=np.asarray(nodes, dtype=np.int64), seed_seconds=np.asarray(offs, dtype=np.float64),
                          weights=np.nan_to_num(np.asarray(weights, dtype=np.float64)), limits=limits)
    out = np.empty((len(origins), len(limits)))
    for lo in range(0, len(origins), block_size):
        hi = min(lo + block_size, len(origins))
        block = origins.take(np.arange(lo, hi))
        times = router.surface(block, cutoff_minutes=float(max(thresholds_minutes)), vertices="graph")
        rows, cols, direct = router.same_edge_pairs(block, cells)
        out[lo:hi] = _sum_within(times, arrays, rows.astype(np.int64), cols.astype(np.int64), direct.astype(np.float64))
    off = ~(router.seeds(origins, "origin")[0] >= 0).any(axis=1)
    out[off] = np.nan
    return out


def investment_effect(
    base: Router,
    scenario: Router,
    centre: Snapped,
    cells: Snapped,
    weights: dict[str, np.ndarray],
    region: gpd.GeoDataFrame,
    region_cells: Snapped,
    *,
    thresholds_minutes: Sequence[float] = INVESTMENT_MINUTES,
) -> InvestmentEffect:
    """Residents and jobs within reach of the centre, and job access per region cell, before and after.

    Parameters
    ----------
    base, scenario
        The base router and the scenario router (``Router(edited, base=base.network)``).
    centre
        The centre snapped by ``base``.
    cells
        All cells that can be reached (the omland's cells), snapped by ``base``.
    weights
        ``name -> array`` aligned with ``cells``; must hold ``population`` and ``jobs``.
    region
        The region's cells (GeoDataFrame) whose job access is mapped, aligned with ``region_cells``.
    region_cells
        ``region`` snapped by ``base``.
    thresholds_minutes
        Thresholds, minutes.

    Returns
    -------
    InvestmentEffect
    """
    import pandas as pd

    if scenario.base is not base.network and scenario.snap_key != base.snap_key:
        msg = "investment_effect: the scenario router must snap to the base network (Router(edited, base=base_net))."
        raise InputError(msg)
    for name in ("population", "jobs"):
        if name not in weights:
            msg = f"investment_effect: weights need {name!r}; got {sorted(weights)}."
            raise InputError(msg)
    thresholds = tuple(float(t) for t in thresholds_minutes)
    rows = []
    before = base.reached(centre, cells, weights, thresholds_minutes=thresholds)
    after = scenario.reached(centre, cells, weights, thresholds_minutes=thresholds)
    for name in weights:
        for t in thresholds:
            b = float(before.loc[before["minutes"] == t, name].sum())
            a = float(after.loc[after["minutes"] == t, name].sum())
            rows.append({"minutes": t, "weight": name, "before": b, "after": a, "change": a - b,
                         "change_pct": 100.0 * (a - b) / b if b > 0 else np.nan})
    out = region.copy()
    t_b = base.matrix(centre, region_cells).seconds[0] / 60.0
    t_a = scenario.matrix(centre, region_cells).seconds[0] / 60.0
    out["centre_minutes_before"] = np.where(np.isfinite(t_b), t_b, np.nan)
    out["centre_minutes_after"] = np.where(np.isfinite(t_a), t_a, np.nan)
    out["centre_minutes_change"] = out["centre_minutes_after"] - out["centre_minutes_before"]
    jobs = np.asarray(weights["jobs"], dtype=np.float64)
    jb = cell_access(base, region_cells, cells, jobs, thresholds_minutes=thresholds)
    ja = cell_access(scenario, region_cells, cells, jobs, thresholds_minutes=thresholds)
    for j, t in enumerate(thresholds):
        out[f"jobs_{t:g}_before"] = jb[:, j]
        out[f"jobs_{t:g}_after"] = ja[:, j]
        out[f"jobs_{t:g}_change"] = ja[:, j] - jb[:, j]
    return InvestmentEffect(reach=pd.DataFrame(rows), cells=out)
