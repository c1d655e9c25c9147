"""The location-allocation instance (lokaliseringsproblemet).

A :class:`LocationProblem` holds everything a location model needs:

* ``cost``: travel times in **minutes**, shape (n_demand, n_candidates); ``inf`` where a
  candidate cannot be reached from a demand unit (NaN in input tables is read as ``inf``);
* ``weights``: demand per unit (e.g. residents of an SSB 250 m cell), >= 0;
* ``demand_ids`` / ``candidate_ids``;
* ``fixed``: candidates that must stay open (existing sites, *eksisterende tilbud*);
* ``forbidden``: candidates that may not open;
* ``capacity``: optional capacity per candidate (same unit as the weights).

"Add k sites to an existing set" is ``p = n_fixed + k``: every solver takes either ``p``
(the total number of open sites) or ``add`` (the number of new sites),
see :meth:`LocationProblem.resolve_p`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError, ReachWarning

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network

__all__ = ["LocationProblem", "parse_ids"]


def _first(ids: np.ndarray, k: int = 10) -> str:
    shown = [str(v) for v in ids[:k]]
    more = f" and {len(ids) - k} more" if len(ids) > k else ""
    return f"{shown}{more}"


def parse_ids(value: str | Iterable[Any] | None) -> tuple[str, ...]:
    """Parse ``"a,b,c"`` (CLI) or an iterable of ids into a tuple of strings; ``None`` -> ``()``."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(p.strip() for p in value.replace(";", ",").split(",") if p.strip())
    return tuple(str(v) for v in value)


def _mask(ids: Sequence[Any] | np.ndarray | None, candidate_ids: np.ndarray, *, what: str) -> np.ndarray:
    out = np.zeros(candidate_ids.size, dtype=bool)
    if ids is None:
        return out
    arr = np.asarray(ids)
    if arr.dtype == bool:
        if arr.size != candidate_ids.size:
            msg = f"{what}: a boolean mask of {arr.size} values was given for {candidate_ids.size} candidates."
            raise InputError(msg)
        return arr.copy()
    lookup = {str(c): i for i, c in enumerate(candidate_ids)}
    missing = [str(v) for v in parse_ids(list(arr.ravel())) if str(v) not in lookup]
    if missing:
        msg = (
            f"{what}: {len(missing)} id(s) are not candidate ids: {missing[:10]}; "
            f"candidate ids look like {[str(c) for c in candidate_ids[:5]]}."
        )
        raise InputError(msg)
    for v in parse_ids(list(arr.ravel())):
        out[lookup[v]] = True
    return out


@dataclass(frozen=True)
class LocationProblem:
    """A location-allocation instance on a precomputed cost matrix.

    Build it with :meth:`from_matrix` (validates) or :meth:`from_network` (computes the
    matrix with the road engine). Attributes are read-only numpy arrays.

    Attributes
    ----------
    cost : numpy.ndarray of float64, shape (n, m)
        Travel time in minutes from demand unit i to candidate j; ``inf`` = unreachable.
    weights : numpy.ndarray of float64, shape (n,)
        Demand per unit (>= 0).
    demand_ids, candidate_ids : numpy.ndarray
        Ids (unique).
    fixed, forbidden : numpy.ndarray of bool, shape (m,)
        Candidates that must open / may not open (disjoint).
    capacity : numpy.ndarray of float64, shape (m,), or None
        Capacity per candidate in weight units (``inf`` = uncapacitated).
    meta : dict
        Provenance (source of the matrix, units, dropped rows).
    """

    cost: np.ndarray
    weights: np.ndarray
    demand_ids: np.ndarray
    candidate_ids: np.ndarray
    fixed: np.ndarray
    forbidden: np.ndarray
    capacity: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_matrix(
        cls,
        cost_minutes: Any,
        weights: Any = None,
        *,
        demand_ids: Sequence[Any] | np.ndarray | None = None,
        candidate_ids: Sequence[Any] | np.ndarray | None = None,
        fixed: Sequence[Any] | np.ndarray | None = None,
        forbidden: Sequence[Any] | np.ndarray | None = None,
        capacity: Any = None,
        meta: dict[str, Any] | None = None,
    ) -> LocationProblem:
        """Validate and build an instance from a cost matrix in minutes.

        Parameters
        ----------
        cost_minutes
            (n_demand, n_candidates) travel times in **minutes**; NaN or inf = unreachable.
            A :class:`pandas.DataFrame` gives its index/columns as ids.
        weights
            Demand per row (>= 0, finite); default 1 per row.
        demand_ids, candidate_ids
            Ids; default the DataFrame labels or ``0..n-1``.
        fixed, forbidden
            Candidate ids (or a boolean mask) that must open / may not open.
        capacity
            Capacity per candidate in weight units (>= 0; NaN/inf = uncapacitated).
        meta
            Free-form provenance.

        Raises
        ------
        geoaccess.errors.InputError
            Wrong shapes, negative times or weights, duplicate ids, unknown fixed/forbidden ids,
            a candidate both fixed and forbidden, a fixed or forbidden site unknown, or a
            candidate unreachable from every demand unit (off the network) that is fixed.
        """
        import pandas as pd

        if isinstance(cost_minutes, pd.DataFrame):
            demand_ids = cost_minutes.index.to_numpy() if demand_ids is None else demand_ids
            candidate_ids = cost_minutes.columns.to_numpy() if candidate_ids is None else candidate_ids
            cost_minutes = cost_minutes.to_numpy(dtype=float)
        c = np.array(cost_minutes, dtype=np.float64, copy=True)
        if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
            msg = f"The cost matrix must be 2-D (demand x candidates) and non-empty, got shape {c.shape}."
            raise InputError(msg)
        c[np.isnan(c)] = np.inf
        if (c < 0).any():
            i, j = np.argwhere(c < 0)[0]
            msg = f"The cost matrix has negative travel times (first at row {i}, column {j}: {c[i, j]} min)."
            raise InputError(msg)
        n, m = c.shape
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
        if w.size != n:
            msg = f"{w.size} demand weights given for {n} demand rows of the cost matrix."
            raise InputError(msg)
        if not np.isfinite(w).all() or (w < 0).any():
            bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
            msg = f"Demand weights must be finite and >= 0; bad rows {bad[:10].tolist()}."
            raise InputError(msg)
        d_ids = np.arange(n) if demand_ids is None else np.asarray(demand_ids)
        c_ids = np.arange(m) if candidate_ids is None else np.asarray(candidate_ids)
        for ids, k, what in ((d_ids, n, "demand"), (c_ids, m, "candidate")):
            if ids.size != k:
                msg = f"{ids.size} {what} ids given for {k} {what} columns/rows of the cost matrix."
                raise InputError(msg)
            uniq, counts = np.unique(ids.astype(str), return_counts=True)
            if (counts > 1).any():
                msg = f"Duplicate {what} ids: {uniq[counts > 1][:10].tolist()}; ids must be unique."
                raise InputError(msg)
        fx = _mask(fixed, c_ids, what="fixed (existing) sites")
        fb = _mask(forbidden, c_ids, what="forbidden sites")
        both = fx & fb
        if both.any():
            msg = f"Candidates {_first(c_ids[both])} are both fixed (must open) and forbidden (may not open)."
            raise InputError(msg)
        cap = None
        if capacity is not None:
            cap = np.asarray(capacity, dtype=np.float64).ravel().copy()
            if cap.size != m:
                msg = f"{cap.size} capacities given for {m} candidates."
                raise InputError(msg)
            cap[np.isnan(cap)] = np.inf
            if (cap < 0).any():
                msg = f"Capacities must be >= 0; negative for candidates {_first(c_ids[cap < 0])}."
                raise InputError(msg)
        off = ~np.isfinite(c).any(axis=0)
        if (off & fx).any():
            msg = (
                f"Fixed (existing) sites {_first(c_ids[off & fx])} are unreachable from every demand unit "
                "(off the network?); check their coordinates or drop them from --fixed."
            )
            raise InputError(msg)
        for a in (c, w, fx, fb):
            a.setflags(write=False)
        if cap is not None:
            cap.setflags(write=False)
        return cls(c, w, d_ids, c_ids, fx, fb, cap, dict(meta or {}))

    @classmethod
    def from_network(cls, net: Network, demand: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame,
                     **options: Any) -> LocationProblem:
        """:meth:`from_router` on ``Router.for_network(net)`` (a one-call convenience; same options)."""
        from geoaccess.engine.router import Router

        return cls.from_router(Router.for_network(net), demand, candidates, **options)

    @classmethod
    def from_router(
        cls,
        router: Router,
        demand: gpd.GeoDataFrame,
        candidates: gpd.GeoDataFrame,
        *,
        demand_id: str | None = None,
        candidate_id: str | None = None,
        weight_column: str | None = "population",
        capacity_column: str | None = None,
        fixed: Sequence[Any] | None = None,
        forbidden: Sequence[Any] | None = None,
        max_snap_m: float = 1000.0,
        cutoff_minutes: float | None = None,
        drop_unsnapped_demand: bool = True,
    ) -> LocationProblem:
        """Compute the cost matrix with a prepared router and build an instance.

        Demand polygons (e.g. the SSB 250 m squares) are represented by their centroids. Both
        layers are snapped once with ``router.snap``.

        Parameters
        ----------
        router
            Prepared router of the road network (car / walk).
        demand, candidates
            Point (or polygon) layers with a CRS.
        demand_id, candidate_id
            Id columns (default: the index).
        weight_column
            Demand weight column (default ``"population"``, the SSB grid's); ``None`` = 1 each.
        capacity_column
            Candidate capacity column, optional.
        fixed, forbidden
            Candidate ids that must open / may not open.
        max_snap_m
            Largest distance from a point to the network in metres.
        cutoff_minutes
            Travel times above this are ``inf`` (speeds the matrix up; use >= the coverage time).
        drop_unsnapped_demand
            Drop demand units that are off the network (with a warning listing ids and the
            population dropped) instead of keeping rows of ``inf``.

        Raises
        ------
        geoaccess.errors.InputError
            Candidates off the network (more than ``max_snap_m`` from it), listed by id.
        """
        net = router.network
        dem = demand.copy()
        if not (dem.geometry.geom_type == "Point").all():
            dem = dem.set_geometry(dem.geometry.centroid)
        if weight_column is not None and weight_column not in dem.columns:
            msg = f"The demand layer has no weight column {weight_column!r}; columns: {list(dem.columns)}."
            raise InputError(msg)
        if capacity_column is not None and capacity_column not in candidates.columns:
            msg = f"The candidate layer has no capacity column {capacity_column!r}; columns: {list(candidates.columns)}."
            raise InputError(msg)
        dem_pts = router.snap(dem, id_column=demand_id, max_snap_m=max_snap_m, what="demand units", warn=False)
        cand_pts = router.snap(candidates, id_column=candidate_id, max_snap_m=max_snap_m, what="candidates",
                               warn=False)
        tt = router.matrix(dem_pts, cand_pts, cutoff_minutes=cutoff_minutes)
        sec = np.asarray(tt.seconds, dtype=np.float64)
        cand_ids = np.asarray(tt.destination_ids)
        off = ~np.isfinite(sec).any(axis=0)
        if off.any():
            msg = (
                f"{int(off.sum())} of {off.size} candidates are off the network (more than {max_snap_m:g} m "
                f"from a {net.mode} road, or unreachable from every demand unit): {_first(cand_ids[off])}. "
                "Move them onto the network area, raise max_snap_m, or remove them."
            )
            raise InputError(msg)
        w = None if weight_column is None else dem[weight_column].to_numpy(dtype=float)
        d_ids = np.asarray(tt.origin_ids)
        dropped = {"n": 0, "weight": 0.0}
        if drop_unsnapped_demand:
            keep = np.isfinite(sec).any(axis=1)
            if not keep.all():
                lost_w = float(w[~keep].sum()) if w is not None else float((~keep).sum())
                warnings.warn(
                    f"{int((~keep).sum())} of {keep.size} demand units (weight {lost_w:,.0f}) are off the network "
                    f"or reach no candidate and are left out: ids {_first(d_ids[~keep])}.",
                    ReachWarning,
                    stacklevel=2,
                )
                dropped = {"n": int((~keep).sum()), "weight": lost_w}
                sec, d_ids = sec[keep], d_ids[keep]
                w = w[keep] if w is not None else None
        cap = candidates[capacity_column].to_numpy(dtype=float) if capacity_column else None
        meta = {
            "cost": f"{net.mode} network travel time (minutes), geoaccess road engine",
            "network_mode": net.mode,
            "crs": net.crs,
            "dropped_demand": dropped,
        }
        return cls.from_matrix(
            sec / 60.0, w, demand_ids=d_ids, candidate_ids=cand_ids, fixed=fixed, forbidden=forbidden,
            capacity=cap, meta=meta,
        )

    # ------------------------------------------------------------------ helpers
    @property
    def n_demand(self) -> int:
        """Number of demand units (rows)."""
        return int(self.cost.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (columns)."""
        return int(self.cost.shape[1])

    @property
    def allowed(self) -> np.ndarray:
        """Boolean mask of candidates that may open (not forbidden)."""
        return ~self.forbidden

    def resolve_p(self, p: int | None = None, *, add: int | None = None) -> int:
        """Total number of open sites from ``p`` (total) or ``add`` (new sites besides the fixed ones).

        Raises
        ------
        geoaccess.errors.InputError
            Neither or both given; p larger than the number of candidates that may open; p smaller
            than the number of fixed sites.
        """
        if (p is None) == (add is None):
            msg = "Give either p (total open sites) or add (new sites besides the fixed ones), not both or neither."
            raise InputError(msg)
        n_fixed = int(self.fixed.sum())
        total = int(p) if p is not None else n_fixed + int(add)  # type: ignore[arg-type]
        n_allowed = int(self.allowed.sum())
        if total < 1:
            msg = f"p must be at least 1, got {total}."
            raise InputError(msg)
        if total > n_allowed:
            msg = (
                f"p = {total} is larger than the number of candidates that may open ({n_allowed} of "
                f"{self.n_candidates}, {int(self.forbidden.sum())} forbidden); lower p or add candidates."
            )
            raise InputError(msg)
        if total < n_fixed:
            msg = f"p = {total} is smaller than the {n_fixed} fixed (existing) sites that must stay open."
            raise InputError(msg)
        return total

    @renamed_parameters(minutes="cutoff_minutes")
    def coverage_sets(self, cutoff_minutes: float) -> np.ndarray:
        """Boolean (n, m) matrix: candidate j is allowed and within ``cutoff_minutes`` of demand i."""
        return (self.cost <= cutoff_minutes) & self.allowed[None, :]

    @renamed_parameters(minutes="cutoff_minutes")
    def check_coverable(self, cutoff_minutes: float) -> None:
        """Raise if some demand unit with weight > 0 has no allowed candidate within ``cutoff_minutes``.

        Raises
        ------
        geoaccess.errors.InputError
            Infeasible coverage, listing the demand ids out of reach.
        """
        minutes = cutoff_minutes
        reach = self.coverage_sets(minutes).any(axis=1)
        bad = ~reach & (self.weights > 0)
        if bad.any():
            msg = (
                f"Infeasible coverage: {int(bad.sum())} demand unit(s) (weight {self.weights[bad].sum():,.0f}) have no "
                f"allowed candidate within {minutes:g} min: ids {_first(self.demand_ids[bad])}. Raise --minutes, add "
                "candidates, or drop these units."
            )
            raise InputError(msg)

    def subset(self, rows: np.ndarray) -> LocationProblem:
        """A problem with only the given demand rows (index or boolean mask)."""
        r = np.asarray(rows)
        return LocationProblem.from_matrix(
            self.cost[r], self.weights[r], demand_ids=self.demand_ids[r], candidate_ids=self.candidate_ids,
            fixed=self.fixed, forbidden=self.forbidden, capacity=self.capacity, meta=self.meta,
        )
