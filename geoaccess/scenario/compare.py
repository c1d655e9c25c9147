"""Base-vs-scenario runs: travel times to cells before and after, reach within thresholds, change surfaces.

Both networks are routed with the same rules, so the difference is the edit alone:

* Origins (e.g. a town centre) and cells (e.g. SSB 250 m population cells) are snapped
  to the network *without* scenario connector edges
  (:func:`geoaccess.scenario.edit.without_connectors`): a cell beside a new tunnel is
  not snapped onto the tunnel, but it can reach the tunnel through the road network.
  Snapping follows :mod:`geoaccess.network.snap` (nearest position on an edge, access
  leg at 5 km/h, ``max_snap_m`` = 1,000 m by default).
* Times are exact: the same origin × cell kernel as :func:`geoaccess.engine.surface.travel_time_surface`
  (a contraction hierarchy per network, equal to Dijkstra; cheap enough to rebuild for every
  scenario), from each origin's seeds to each cell's destination seeds; same-edge pairs use
  the direct time along the edge (:func:`geoaccess.engine.matrix.apply_same_edge`).
* **Counting rule**: a cell counts within ``T`` minutes when its door-to-door time (both
  access legs included) is ``<= T``; unreachable cells never count.

Inside, times are seconds with ``inf`` for unreachable; tables report minutes with NaN
for unreachable (never 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.matrix import PreparedPoints
    from geoaccess.network.graph import Network

__all__ = ["ComparisonTimes", "cell_seconds", "change_surface", "compare_access", "compare_times"]


def cell_seconds(
    net: Network,
    origins: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    origin_id: str | None = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
    cutoff_minutes: float | None = None,
    batch_size: int = 64,
    progress: bool = False,
) -> tuple[np.ndarray, PreparedPoints, PreparedPoints]:
    """Door-to-door seconds from every origin to every cell on one network.

    Parameters
    ----------
    net
        The network (base or scenario).
    origins, cells
        GeoDataFrames in any CRS (cells may be polygons; their centroids are used).
    origin_id, cell_id
        Id columns (the index when ``None``; ``cell_id`` falls back to the index when absent).
    max_snap_m
        Points farther than this from the network (metres) are unreachable.
    cutoff_minutes
        Searches stop here; farther cells are ``inf``. ``None`` = no limit.
    batch_size
        Origins per batch of the contraction-hierarchy query.
    progress
        Show a progress bar over the batches.

    Returns
    -------
    seconds : numpy.ndarray of float64, shape (n_origins, n_cells)
        ``inf`` = unreachable or unsnapped.
    origins, cells : PreparedPoints
        The snapped layers (ids, seeds).
    """
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.engine.surface import _surface_seconds
    from geoaccess.scenario.edit import without_connectors

    cutoff = np.inf if cutoff_minutes is None else check_minutes(cutoff_minutes, what="cutoff_minutes")[0] * 60.0
    return _surface_seconds(
        net, origins, cells, origin_id=origin_id, cell_id=cell_id, max_snap_m=max_snap_m, cutoff_seconds=cutoff,
        batch_size=batch_size, backend="local", client=None, progress=progress, snap_net=without_connectors(net),
    )


@dataclass(frozen=True)
class ComparisonTimes:
    """Travel times from origins to cells on a base and a scenario network.

    Attributes
    ----------
    before, after : numpy.ndarray of float64, shape (n_origins, n_cells)
        Door-to-door seconds on the base and the scenario network (``inf`` = unreachable).
    origin_ids, cell_ids : numpy.ndarray
        Row and column ids.
    origin_snapped : numpy.ndarray of bool
        Origins that could be snapped (others give NaN rows).
    cells : geopandas.GeoDataFrame
        The cell layer in input order (geometry and weight columns).
    """

    before: np.ndarray
    after: np.ndarray
    origin_ids: np.ndarray
    cell_ids: np.ndarray
    origin_snapped: np.ndarray
    cells: gpd.GeoDataFrame

    def reach(self, *, minutes: float | Sequence[float] | str = (30, 45, 60, 75),
              weights: Sequence[str] = ("population", "jobs")) -> pd.DataFrame:
        """Weight sums within each threshold before and after.

        Returns
        -------
        pandas.DataFrame
            ``origin_id``, ``minutes`` (threshold), ``weight`` (column name), ``before``,
            ``after``, ``change`` (after - before), ``change_pct`` (NaN when ``before`` is 0),
            ``cells_before``, ``cells_after``. Unsnapped origins have NaN sums.
        """
        import pandas as pd

        from geoaccess.engine.matrix import check_minutes

        thresholds = check_minutes(minutes, what="minutes")
        weights = [weights] if isinstance(weights, str) else list(weights)
        missing = [w for w in weights if w not in self.cells.columns]
        if missing:
            cols = [c for c in self.cells.columns if c != self.cells.geometry.name]
            msg = f"The cells layer has no weight column(s) {missing}; its columns are {cols}."
            raise InputError(msg)
        rows = []
        for thr in thresholds:
            a = self.before <= thr * 60.0
            b = self.after <= thr * 60.0
            for wname in weights:
                w = np.nan_to_num(self.cells[wname].to_numpy(dtype=np.float64))
                before = a.astype(np.float64) @ w
                after = b.astype(np.float64) @ w
                before[~self.origin_snapped] = np.nan
                after[~self.origin_snapped] = np.nan
                with np.errstate(divide="ignore", invalid="ignore"):
                    pct = np.where(before > 0, (after - before) / before * 100.0, np.nan)
                rows.append(pd.DataFrame({
                    "origin_id": self.origin_ids, "minutes": thr, "weight": wname,
                    "before": before, "after": after, "change": after - before, "change_pct": pct,
                    "cells_before": a.sum(axis=1), "cells_after": b.sum(axis=1),
                }))
        out = pd.concat(rows, ignore_index=True)
        order = {w: i for i, w in enumerate(weights)}
        out["_w"] = out["weight"].map(order)
        out = out.sort_values(["origin_id", "_w", "minutes"], kind="stable").drop(columns="_w")
        return out.reset_index(drop=True)

    def surface(self) -> gpd.GeoDataFrame:
        """Per-cell travel-time change, one row per (origin, cell), for mapping.

        Returns
        -------
        geopandas.GeoDataFrame
            ``origin_id``, ``cell_id``, ``minutes_before``, ``minutes_after`` (NaN =
            unreachable), ``change_minutes`` (after - before; negative = faster; NaN when
            either is unreachable), ``newly_reached`` / ``lost`` (reachable only after /
            only before), the cells' other columns, and the cell geometry.
        """
        import geopandas as gpd

        s, c = self.before.shape
        mb = self.before / 60.0
        ma = self.after / 60.0
        mb[~np.isfinite(mb)] = np.nan
        ma[~np.isfinite(ma)] = np.nan
        geom_name = self.cells.geometry.name
        extra = self.cells.drop(columns=[geom_name]).reset_index(drop=True)
        extra = extra.drop(columns=[k for k in ("cell_id", "origin_id") if k in extra.columns])
        frame = {
            "origin_id": np.repeat(self.origin_ids, c),
            "cell_id": np.tile(self.cell_ids, s),
            "minutes_before": mb.ravel(),
            "minutes_after": ma.ravel(),
            "change_minutes": (ma - mb).ravel(),
            "newly_reached": (np.isnan(mb) & ~np.isnan(ma)).ravel(),
            "lost": (~np.isnan(mb) & np.isnan(ma)).ravel(),
        }
        for col in extra.columns:
            frame[col] = np.tile(extra[col].to_numpy(), s)
        return gpd.GeoDataFrame(frame, geometry=np.tile(self.cells.geometry.to_numpy(), s), crs=self.cells.crs)


def compare_times(
    base_net: Network,
    scen_net: Network,
    origins: gpd.GeoDataFrame,
    *,
    cells: gpd.GeoDataFrame,
    origin_id: str | None = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
    cutoff_minutes: float | None = None,
    progress: bool = False,
) -> ComparisonTimes:
    """Route origins to cells on both networks (see the module docstring for the rules).

    Parameters
    ----------
    base_net, scen_net
        Base network and scenario network (from :func:`geoaccess.scenario.edit.apply_scenario`);
        they must share the CRS.
    origins
        Origin points, e.g. one town centre.
    cells
        Cell layer with weight columns (e.g. ``population``, ``jobs``).
    origin_id, cell_id, max_snap_m, cutoff_minutes, progress
        As in :func:`cell_seconds`.
    """
    if base_net.crs != scen_net.crs:
        msg = f"The base network is in {base_net.crs} but the scenario network in {scen_net.crs}; use one CRS."
        raise InputError(msg)
    opts: dict[str, Any] = {"origin_id": origin_id, "cell_id": cell_id, "max_snap_m": max_snap_m,
                            "cutoff_minutes": cutoff_minutes, "progress": progress}
    before, src, dst = cell_seconds(base_net, origins, cells, **opts)
    after, _, _ = cell_seconds(scen_net, origins, cells, **opts)
    return ComparisonTimes(before=before, after=after, origin_ids=src.ids, cell_ids=dst.ids,
                           origin_snapped=np.asarray(src.snapped, dtype=bool), cells=cells)


def compare_access(
    base_net: Network,
    scen_net: Network,
    origins: gpd.GeoDataFrame,
    *,
    cells: gpd.GeoDataFrame,
    minutes: float | Sequence[float] | str = (30, 45, 60, 75),
    weights: Sequence[str] = ("population", "jobs"),
    origin_id: str | None = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
    progress: bool = False,
) -> pd.DataFrame:
    """Residents/jobs (any cell weights) within each threshold of each origin, before and after.

    Returns
    -------
    pandas.DataFrame
        See :meth:`ComparisonTimes.reach`: ``origin_id``, ``minutes``, ``weight``,
        ``before``, ``after``, ``change``, ``change_pct``, ``cells_before``, ``cells_after``.
    """
    from geoaccess.engine.matrix import check_minutes

    thresholds = check_minutes(minutes, what="minutes")
    times = compare_times(base_net, scen_net, origins, cells=cells, origin_id=origin_id, cell_id=cell_id,
                          max_snap_m=max_snap_m, cutoff_minutes=max(thresholds), progress=progress)
    return times.reach(minutes=thresholds, weights=weights)


def change_surface(
    base_net: Network,
    scen_net: Network,
    origins: gpd.GeoDataFrame,
    *,
    cells: gpd.GeoDataFrame,
    origin_id: str | None = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Per-cell travel time before and after and its change (see :meth:`ComparisonTimes.surface`)."""
    times = compare_times(base_net, scen_net, origins, cells=cells, origin_id=origin_id, cell_id=cell_id,
                          max_snap_m=max_snap_m, progress=progress)
    return times.surface()
