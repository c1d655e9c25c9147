"""The solution of a location model: chosen sites, allocation, coverage statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.location.problem import LocationProblem

__all__ = ["LocationResult", "assign_nearest", "relative_gap"]


def relative_gap(objective: float, bound: float, *, sense: str = "min") -> float:
    """Relative optimality gap ``|objective - bound| / max(|objective|, 1e-12)`` (0 when proven optimal).

    ``sense`` is ``"min"`` (bound is a lower bound) or ``"max"`` (bound is an upper bound).
    NaN when the bound is unknown.
    """
    if bound is None or not np.isfinite(bound) or not np.isfinite(objective):
        return float("nan")
    diff = objective - bound if sense == "min" else bound - objective
    return max(0.0, float(diff)) / max(abs(float(objective)), 1e-12)


def assign_nearest(cost: np.ndarray, open_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open site per demand row.

    Returns
    -------
    (site index, minutes)
        Index into the candidates (-1 when no open site is reachable) and the travel time
        in minutes (inf when none).
    """
    idx = np.flatnonzero(open_mask)
    if idx.size == 0:
        return np.full(cost.shape[0], -1, dtype=np.int64), np.full(cost.shape[0], np.inf)
    sub = cost[:, idx]
    k = np.argmin(sub, axis=1)
    t = sub[np.arange(sub.shape[0]), k]
    site = np.where(np.isfinite(t), idx[k], -1).astype(np.int64)
    return site, t


@dataclass(frozen=True)
class LocationResult:
    """A location model's solution.

    Attributes
    ----------
    model : str
        ``"pmedian"``, ``"pcenter"``, ``"mclp"``, ``"lscp"`` or ``"cpmedian"``.
    problem : LocationProblem
        The instance solved.
    open : numpy.ndarray of bool, shape (m,)
        Open (chosen) candidates, fixed ones included.
    allocation : numpy.ndarray of int64, shape (n,)
        Candidate index serving each demand unit (-1 = none / not covered).
    minutes : numpy.ndarray of float64, shape (n,)
        Travel time to the allocated site in minutes (inf when none).
    objective : float
        The model's objective (p-median: demand-weighted minutes; p-center: worst minutes;
        MCLP: covered demand; LSCP: number of sites).
    bound : float
        Best proven bound (lower for minimisation, upper for MCLP); NaN when unknown.
    gap : float
        Relative optimality gap (0 = proven optimal within the solver tolerance); NaN unknown.
    status : str
        ``"optimal"``, ``"time_limit"`` (incumbent returned), ``"heuristic"``.
    solver : str
        ``"highs"`` or the heuristic's name.
    seconds : float
        Wall-clock solve time in seconds.
    minutes_threshold : float or None
        Coverage time T in minutes (MCLP/LSCP), when given.
    shares : numpy.ndarray or None
        (n, m) fractional allocation for the capacitated p-median (rows sum to 1).
    info : dict
        Solver details (MIP node count, message, model size).
    """

    model: str
    problem: LocationProblem
    open: np.ndarray
    allocation: np.ndarray
    minutes: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    seconds: float
    minutes_threshold: float | None = None
    shares: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def selected(self) -> np.ndarray:
        """Ids of the open sites (fixed ones included), in candidate order."""
        return self.problem.candidate_ids[self.open]

    @property
    def selected_new(self) -> np.ndarray:
        """Ids of the open sites that were not fixed (the sites added)."""
        return self.problem.candidate_ids[self.open & ~self.problem.fixed]

    def statistics(self, thresholds_minutes: tuple[float, ...] = (5.0, 10.0, 15.0, 30.0, 60.0)) -> dict[str, Any]:
        """Coverage statistics of the allocation.

        Returns
        -------
        dict
            ``total_weight``, ``weighted_mean_minutes`` (over allocated units), ``max_minutes``,
            ``p90_minutes`` (demand-weighted), ``unallocated_weight`` and ``share_within_<T>`` per
            threshold (share of all demand whose allocated site is within T minutes).
        """
        w = self.problem.weights
        t = self.minutes
        ok = np.isfinite(t) & (self.allocation >= 0)
        total = float(w.sum())
        out: dict[str, Any] = {"total_weight": total, "unallocated_weight": float(w[~ok].sum())}
        if ok.any() and w[ok].sum() > 0:
            out["weighted_mean_minutes"] = float(np.average(t[ok], weights=w[ok]))
            order = np.argsort(t[ok])
            cw = np.cumsum(w[ok][order])
            out["p90_minutes"] = float(t[ok][order][np.searchsorted(cw, 0.9 * cw[-1])])
            out["max_minutes"] = float(t[ok & (w > 0)].max()) if (ok & (w > 0)).any() else float("nan")
        else:
            out["weighted_mean_minutes"] = out["p90_minutes"] = out["max_minutes"] = float("nan")
        ths = set(thresholds_minutes)
        if self.minutes_threshold is not None:
            ths.add(float(self.minutes_threshold))
        for th in sorted(ths):
            out[f"share_within_{th:g}"] = float(w[ok & (t <= th)].sum() / total) if total > 0 else float("nan")
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-friendly summary: model, status, objective, bound, gap, seconds, sites, statistics."""
        return {
            "model": self.model,
            "status": self.status,
            "solver": self.solver,
            "objective": float(self.objective),
            "bound": float(self.bound) if np.isfinite(self.bound) else None,
            "gap": float(self.gap) if np.isfinite(self.gap) else None,
            "seconds": round(float(self.seconds), 4),
            "p": int(self.open.sum()),
            "selected": [str(s) for s in self.selected],
            "selected_new": [str(s) for s in self.selected_new],
            "fixed": [str(s) for s in self.problem.candidate_ids[self.problem.fixed]],
            "minutes_threshold": self.minutes_threshold,
            "statistics": self.statistics(),
            "info": {k: v for k, v in self.info.items() if isinstance(v, (int, float, str, bool)) or v is None},
        }

    def allocation_table(self) -> pd.DataFrame:
        """One row per demand unit: ``demand_id``, ``weight``, ``site_id`` (None if unallocated), ``minutes`` (NaN)."""
        import pandas as pd

        ids = self.problem.candidate_ids
        site = np.array([ids[a] if a >= 0 else None for a in self.allocation], dtype=object)
        mins = np.where(np.isfinite(self.minutes), self.minutes, np.nan)
        return pd.DataFrame({"demand_id": self.problem.demand_ids, "weight": self.problem.weights, "site_id": site,
                             "minutes": mins})

    def site_table(self) -> pd.DataFrame:
        """One row per candidate: ``site_id``, ``open``, ``fixed``, ``forbidden``, ``demand`` allocated, ``units``."""
        import pandas as pd

        m = self.problem.n_candidates
        ok = self.allocation >= 0
        if self.shares is not None:
            demand = self.problem.weights @ self.shares
        else:
            demand = np.bincount(self.allocation[ok], weights=self.problem.weights[ok], minlength=m)
        units = np.bincount(self.allocation[ok], minlength=m)
        df = pd.DataFrame({
            "site_id": self.problem.candidate_ids, "open": self.open, "fixed": self.problem.fixed,
            "forbidden": self.problem.forbidden, "demand": demand, "units": units,
        })
        if self.problem.capacity is not None:
            df["capacity"] = np.where(np.isfinite(self.problem.capacity), self.problem.capacity, np.nan)
        return df

    def to_geodataframes(
        self,
        demand: gpd.GeoDataFrame,
        candidates: gpd.GeoDataFrame,
        *,
        demand_id: str | None = None,
        candidate_id: str | None = None,
    ) -> dict[str, gpd.GeoDataFrame]:
        """Join the solution onto the input layers.

        Returns
        -------
        dict
            ``"sites"``: candidates with ``open``/``fixed``/``demand``; ``"allocation"``: demand units
            with ``site_id``/``minutes``; ``"lines"``: straight allocation lines (for maps).
        """
        import geopandas as gpd
        import shapely

        did = demand[demand_id] if demand_id else demand.index.to_series()
        cid = candidates[candidate_id] if candidate_id else candidates.index.to_series()
        sites = self.site_table()
        cand = candidates.copy()
        cand["site_id"] = cid.astype(str).to_numpy()
        sites["site_id"] = sites["site_id"].astype(str)
        cand = cand.drop(columns=[c for c in sites.columns if c in cand.columns and c != "site_id"])
        sites_g = cand.merge(sites, on="site_id", how="left")
        alloc = self.allocation_table()
        alloc["demand_id"] = alloc["demand_id"].astype(str)
        alloc["site_id"] = alloc["site_id"].map(lambda v: None if v is None else str(v))
        dem = demand.copy()
        dem["demand_id"] = did.astype(str).to_numpy()
        dem = dem.drop(columns=[c for c in ("weight", "site_id", "minutes") if c in dem.columns])
        alloc_g = dem.merge(alloc, on="demand_id", how="inner")
        pts = alloc_g.geometry.centroid
        sxy = {str(k): g for k, g in zip(cand["site_id"], cand.geometry.centroid, strict=False)}
        has = alloc_g["site_id"].notna().to_numpy()
        lines = [shapely.LineString([p, sxy[s]]) for p, s in zip(pts[has], alloc_g["site_id"][has], strict=False)]
        lines_g = gpd.GeoDataFrame(
            {"demand_id": alloc_g["demand_id"][has].to_numpy(), "site_id": alloc_g["site_id"][has].to_numpy(),
             "minutes": alloc_g["minutes"][has].to_numpy()},
            geometry=lines, crs=demand.crs,
        )
        return {"sites": gpd.GeoDataFrame(sites_g, geometry=cand.geometry.name, crs=candidates.crs),
                "allocation": gpd.GeoDataFrame(alloc_g, geometry=dem.geometry.name, crs=demand.crs),
                "lines": lines_g}
