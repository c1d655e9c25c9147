"""One accessibility measure from origins to opportunities on a prepared router: the call behind ``geoaccess access``.

:func:`access_measure` snaps both layers once, routes one matrix (up to the measure's horizon)
and hands it to the measure's own function (:mod:`.cumulative`, :mod:`.gravity`,
:mod:`.coverage`, :mod:`.fca`, :mod:`.centrality`). Points farther than ``max_snap_m`` from the
network are left out and counted in the result (never given 0). The table's id column is
``origin_id`` (``unit`` for the centrality index), with the origins' names when they have some.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router

__all__ = ["MEASURES", "AccessResult", "access_measure", "layer_weights"]

MEASURES = ("cumulative", "gravity", "nearest", "coverage", "2sfca", "e2sfca", "3sfca", "centrality")
"""Measures :func:`access_measure` computes."""

CENTRALITY_HORIZON_MINUTES = 90.0
"""Horizon of the travel times the centrality index uses, minutes."""


class AccessResult(NamedTuple):
    """What :func:`access_measure` returns.

    Attributes
    ----------
    table
        One row per origin (``origin_id``, name, values; a GeoDataFrame with the origins'
        geometry), or per unit for the centrality index.
    summary
        Coverage only: share of the population within each threshold; else ``None``.
    value_column
        The column a map shows.
    origins_left_out, opportunities_left_out
        Points farther than ``max_snap_m`` from the network, left out.
    origins_unreached
        Origins that reach no opportunity within the horizon.
    """

    table: pd.DataFrame
    summary: pd.DataFrame | None
    value_column: str
    origins_left_out: int
    opportunities_left_out: int
    origins_unreached: int


def layer_weights(layer: gpd.GeoDataFrame, column: str | None, defaults: Sequence[str], *, what: str) -> np.ndarray:
    """Weights of a layer: ``column``, else the first complete one of ``defaults``, else 1 each."""
    if column is not None:
        if column not in layer.columns:
            msg = f"The {what} layer has no column {column!r}; columns: {', '.join(map(str, layer.columns))}."
            raise InputError(msg)
        return layer[column].to_numpy(dtype=float)
    for c in defaults:
        if c in layer.columns and layer[c].notna().all():
            return layer[c].to_numpy(dtype=float)
    return np.ones(len(layer))


def _points_of(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer with areas replaced by a point inside them (for snapping; ids and attrs kept)."""
    if (g.geom_type == "Point").all():
        return g
    out = g.set_geometry(g.geometry.representative_point())
    out.attrs.update(g.attrs)
    return out


def _snap_kept(router: Router, layer: gpd.GeoDataFrame, *, max_snap_m: float, what: str) -> tuple[Any, Any, int]:
    snapped = router.snap(_points_of(layer), max_snap_m=max_snap_m, what=what, warn=False)
    keep = np.asarray(snapped.snapped, dtype=bool)
    dropped = int((~keep).sum())
    if dropped:
        kept = layer.loc[keep].copy()
        kept.attrs.update(layer.attrs)
        return kept, snapped.take(np.flatnonzero(keep)), dropped
    return layer, snapped, 0


def access_measure(
    router: Router,
    origins: gpd.GeoDataFrame,
    opportunities: gpd.GeoDataFrame,
    *,
    measure: str = "cumulative",
    thresholds_minutes: Sequence[float] = (10.0, 20.0, 30.0),
    decay: str = "exp:beta=0.05",
    cutoff_minutes: float | None = None,
    steps: str = "10=1,20=0.68,30=0.22",
    origin_weight: str | None = None,
    opportunity_weight: str | None = None,
    jobs: gpd.GeoDataFrame | None = None,
    jobs_weight: str = "jobs",
    units: str | None = None,
    centrality_config: str | Path | None = None,
    max_snap_m: float = 1000.0,
    progress: bool = False,
) -> AccessResult:
    """An accessibility measure from ``origins`` to ``opportunities`` over a prepared router.

    Parameters
    ----------
    router
        The prepared router of the network.
    origins, opportunities
        Layers (points or areas, any CRS), e.g. from :func:`geoaccess.layers.points.read_points`;
        their ids are the layers' id columns.
    measure
        One of :data:`MEASURES`.
    thresholds_minutes
        Thresholds in minutes (cumulative, coverage).
    decay
        Gravity decay, e.g. ``exp:beta=0.05`` (:func:`geoaccess.measures.decay.parse_decay`).
    cutoff_minutes
        Horizon in minutes (gravity, nearest; the catchment of 2SFCA, default 30).
    steps
        E2SFCA/3SFCA step weights ``upper-minutes=weight,...``.
    origin_weight, opportunity_weight
        Demand column of the origins (default ``population``) and weight/capacity column of the
        opportunities (default ``capacity``, then ``weight``, else 1 each).
    jobs, jobs_weight, units, centrality_config
        Centrality: a jobs layer and its jobs column, the origin column with unit codes, and a TOML
        with the index parameters (strict: an unknown key is an error).
    max_snap_m
        Points farther than this from the network (metres) are left out.
    progress
        Show progress of the routing.

    Returns
    -------
    AccessResult
    """
    import geopandas as gpd

    from geoaccess.engine.matrix import check_minutes
    from geoaccess.layers.points import attach_names, point_ids
    from geoaccess.measures.decay import Step, parse_decay

    if measure not in MEASURES:
        msg = f"--measure must be one of {', '.join(MEASURES)}; got {measure!r}."
        raise InputError(msg)
    org, org_pts, org_out = _snap_kept(router, origins, max_snap_m=max_snap_m, what="origins")
    opp, opp_pts, opp_out = _snap_kept(router, opportunities, max_snap_m=max_snap_m, what="opportunities")
    if len(org) == 0 or len(opp) == 0:
        msg = (f"No origin or no opportunity lies within {max_snap_m:g} m of the {router.network.mode} network; "
               "check the layers cover the same area.")
        raise InputError(msg)
    ts = list(check_minutes(thresholds_minutes, what="--thresholds-minutes"))
    step_decay = parse_decay("step:" + steps)
    if not isinstance(step_decay, Step):  # pragma: no cover - parse_decay("step:...") returns a Step
        msg = f"--steps {steps!r} is not a step specification."
        raise InputError(msg)
    horizon = {
        "cumulative": max(ts), "coverage": max(ts), "nearest": cutoff_minutes, "gravity": cutoff_minutes,
        "2sfca": cutoff_minutes or 30.0, "e2sfca": step_decay.max_minutes, "3sfca": step_decay.max_minutes,
        "centrality": CENTRALITY_HORIZON_MINUTES,
    }[measure]
    cost = router.matrix(org_pts, opp_pts, cutoff_minutes=horizon, progress=progress).minutes
    ids = point_ids(org) if "id_column" in org.attrs else org.index.to_numpy()
    demand = layer_weights(org, origin_weight, ("population",), what="origins")
    supply = layer_weights(opp, opportunity_weight, ("capacity", "weight"), what="opportunities")
    summary = None
    if measure == "cumulative":
        from geoaccess.measures.cumulative import cumulative_opportunities

        res = cumulative_opportunities(cost, supply, thresholds_minutes=ts, ids=ids, origins=org)
    elif measure == "gravity":
        from geoaccess.measures.gravity import gravity_access

        res = gravity_access(cost, supply, decay=parse_decay(decay), cutoff_minutes=cutoff_minutes, ids=ids, origins=org)
    elif measure == "nearest":
        from geoaccess.measures.population_coverage import nearest_from_cost

        fid = point_ids(opp) if "id_column" in opp.attrs else opp.index.to_numpy()
        res = nearest_from_cost(cost, ids=ids, origins=org, facility_ids=fid)
    elif measure == "coverage":
        from geoaccess.measures.population_coverage import coverage

        cov = coverage(cost, demand, thresholds_minutes=ts, ids=ids, origins=org)
        res, summary = cov.table, cov.summary
    elif measure in ("2sfca", "e2sfca", "3sfca"):
        from geoaccess.measures.fca import e2sfca, three_step_fca, two_step_fca

        if measure == "2sfca":
            res = two_step_fca(cost, demand, supply, cutoff_minutes=float(horizon), ids=ids, origins=org)  # type: ignore[arg-type]
        elif measure == "e2sfca":
            res = e2sfca(cost, demand, supply, steps=step_decay.steps, ids=ids, origins=org)
        else:
            res = three_step_fca(cost, demand, supply, steps=step_decay.steps, ids=ids, origins=org)
        res.attrs.pop("site_ratio", None)
    else:
        from geoaccess.measures.centrality import centrality_index, load_config

        if jobs is None or "service" not in opp.columns:
            msg = "--measure centrality needs --jobs LAYER and a services layer (with a 'service' column) as --opportunities."
            raise InputError(msg)
        jl, jobs_pts, _ = _snap_kept(router, jobs, max_snap_m=max_snap_m, what="jobs")
        jt = router.matrix(org_pts, jobs_pts, cutoff_minutes=CENTRALITY_HORIZON_MINUTES, progress=progress)
        unit = org[units].to_numpy() if units else ids
        res = centrality_index(
            jt.minutes, layer_weights(jl, jobs_weight, (), what="jobs"), cost, opp["service"].to_numpy(),
            population=demand, units=unit, config=load_config(centrality_config),
        )
        shapes = gpd.GeoDataFrame({"unit": unit}, geometry=org.geometry.to_numpy(), crs=org.crs)
        if units:
            shapes = shapes.dissolve(by="unit").reset_index()
        res = gpd.GeoDataFrame(res.merge(shapes, on="unit", how="left"), geometry="geometry", crs=org.crs)
    if "origin" in res.columns and "origin_id" not in res.columns:
        res = res.rename(columns={"origin": "origin_id"})
    if "origin_id" in res.columns and "name_column" in org.attrs:
        res = attach_names(res, org, key="origin_id", column="origin_name")
    skip = {"origin_id", "origin_name", "unit", "geometry", "nearest_facility", "population"}
    values = [c for c in res.columns if c not in skip]
    value_column = "index" if measure == "centrality" else values[0]
    unreached = int((~np.isfinite(cost)).all(axis=1).sum())
    return AccessResult(res, summary, value_column, org_out, opp_out, unreached)
