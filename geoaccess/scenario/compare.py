"""Base-vs-scenario runs: travel times to cells before and after, reach within thresholds, change surfaces.

Both networks are routed with the same rules, so the difference is the edit alone:

* A scenario is a router over the edited network **that snaps to the base network**
  (``Router(scen, base=base)``): origins (e.g. a town centre) and cells (e.g. SSB 250 m
  population cells) are snapped once, on the base network's roads (never onto a new tunnel
  or ferry), and the same snapped layers are routed before and after, so the same residents
  are compared. Snapping follows :mod:`geoaccess.network.snap` (nearest position on an edge,
  access leg at 5 km/h, ``max_snap_m`` = 1,000 m by default); the seeds read each network's
  own travel times (a sped-up road speeds up the homes along it).
* **Closed roads keep their residents**: a point whose base edge is gone from the scenario in
  both directions (closed) reaches the scenario network by the nearest *open* edge instead
  (:func:`reachable_layer`): it is snapped again, from its own position, to the base edges the
  scenario keeps, with the access leg to that edge. Only if no open edge lies within
  ``max_snap_m`` is it unreachable after the edit.
* New nodes of opened planned links are appended to the scenario's nodes; the base is padded
  with them (isolated) by :func:`geoaccess.scenario.edit.aligned_base`, so both routers share nodes.
* Times are exact: the contraction hierarchy's many-to-many of each network (equal to
  Dijkstra; cheap enough to rebuild for every scenario), from each origin's seeds to each
  cell's destination seeds; same-edge pairs use the direct time along the edge.
* **Counting rule** (:data:`geoaccess.engine.counting.COUNTING_RULE`): a cell counts within
  ``T`` minutes when its door-to-door time (both access legs included) is ``<= T``;
  unreachable cells never count.

Inside, times are seconds with ``inf`` for unreachable; tables report minutes with NaN
for unreachable (never 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped

__all__ = [
    "ComparisonTimes",
    "cell_seconds",
    "change_surface",
    "compare_access",
    "compare_times",
    "reachable_layer",
    "scenario_routers",
]


def scenario_routers(base_net: Network | Router, scen_net: Network | Router) -> tuple[Router, Router]:
    """The base router and the scenario router that snaps to the base network.

    Parameters
    ----------
    base_net, scen_net
        Networks (or routers) of the base and the scenario (from
        :func:`geoaccess.scenario.edit.apply_scenario`); they must share nodes and CRS.
    """
    from geoaccess.engine.router import Router
    from geoaccess.scenario.edit import aligned_base

    scen_network = scen_net.network if isinstance(scen_net, Router) else scen_net
    if isinstance(base_net, Router):
        base = base_net
        if base.network.n_nodes != scen_network.n_nodes:
            base = Router.for_network(aligned_base(base.network, scen_network))
    else:
        base = Router.for_network(aligned_base(base_net, scen_network))
    if isinstance(scen_net, Router):
        if scen_net.base is not base.network and scen_net.snap_key != base.snap_key:
            msg = "The scenario router must snap to the base network: build it as Router(scen, base=base)."
            raise InputError(msg)
        return base, scen_net
    if base.network.crs != scen_net.crs:
        msg = f"The base network is in {base.network.crs} but the scenario network in {scen_net.crs}; use one CRS."
        raise InputError(msg)
    return base, Router.for_network(scen_net, base=base.network)


def _stranded(scen: Router, layer: Snapped) -> np.ndarray:
    """Points snapped on the base whose edge the scenario removed in both directions (no seed left)."""
    o_nodes, _ = scen.seeds(layer, "origin")
    d_nodes, _ = scen.seeds(layer, "destination")
    return layer.snapped & ~(o_nodes >= 0).any(axis=1) & ~(d_nodes >= 0).any(axis=1)


def reachable_layer(scen: Router, layer: Snapped, points: Any = None) -> Snapped:
    """``layer`` (snapped on the base) with its points on closed edges snapped again to the nearest open edge.

    Parameters
    ----------
    scen
        The scenario router (``Router(scen_net, base=base_net)``).
    layer
        The layer as the base router snapped it.
    points
        The layer's points (GeoDataFrame, same rows), to measure the new access leg from each
        point's own position. Without them the new snap starts at the old road position and the
        old access leg is added (an upper bound of the true access leg).

    Returns
    -------
    Snapped
        The same record when nothing is stranded; otherwise a copy whose stranded rows are snapped
        to the base edges the scenario keeps (``meta["resnapped"]`` counts them, ``meta["stranded"]``
        those with no open edge within ``max_snap_m``).
    """
    import dataclasses

    from geoaccess.network.graph import EdgeFlag
    from geoaccess.network.snap import SnapIndex

    rows = np.flatnonzero(_stranded(scen, layer))
    if len(rows) == 0:
        return layer
    base = scen.base
    _, _, forward, _ = scen.edge_times(np.arange(base.n_edges))
    closed = ~np.isfinite(forward)
    flagged = dataclasses.replace(base, flags=(base.flags | np.where(closed, EdgeFlag.CONNECTOR, 0)).astype(np.uint8))
    index = SnapIndex(flagged)
    if points is not None:
        sub = points.iloc[rows]
        again = index.snap(sub, max_snap_m=layer.max_snap_m, access_speed_kmh=layer.access_speed_kmh,
                           ids=layer.ids[rows], what=layer.what, warn=False)
        extra = np.zeros(len(rows))
    else:
        again = index.snap((layer.x[rows], layer.y[rows]), crs=base.crs, ids=layer.ids[rows],
                           max_snap_m=layer.max_snap_m, access_speed_kmh=layer.access_speed_kmh,
                           what=layer.what, warn=False)
        extra = layer.access_seconds[rows]
    fields = {}
    for name in ("edge", "frac", "snap_metres", "access_seconds", "x", "y", "origin_nodes", "origin_offsets",
                 "destination_nodes", "destination_offsets"):
        arr = getattr(layer, name).copy()
        arr[rows] = getattr(again, name)
        fields[name] = arr
    fields["access_seconds"][rows] = again.access_seconds + extra
    fields["origin_offsets"][rows] = again.origin_offsets + extra[:, None]
    fields["destination_offsets"][rows] = again.destination_offsets + extra[:, None]
    meta = {**layer.meta, "resnapped": int(again.snapped.sum()), "stranded": int((~again.snapped).sum()),
            "resnapped_ids": layer.ids[rows][again.snapped][:50].tolist()}
    return dataclasses.replace(layer, **fields, meta=meta)


def _snap_pair(router: Router, origins: Any, cells: Any, *, origin_id: str | None, cell_id: str | None,
               max_snap_m: float) -> tuple[Snapped, Snapped]:
    from geoaccess.network.snap import Snapped

    src = origins if isinstance(origins, Snapped) else router.snap(
        origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    if isinstance(cells, Snapped):
        return src, cells
    if cell_id is not None and cell_id not in cells.columns:
        cell_id = None
    dst = router.snap(cells, id_column=cell_id, max_snap_m=max_snap_m, what="cells", warn=False)
    return src, dst


def cell_seconds(
    router: Router | Network,
    origins: gpd.GeoDataFrame | Snapped,
    cells: gpd.GeoDataFrame | Snapped,
    *,
    origin_id: str | None = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
    cutoff_minutes: float | None = None,
    batch_size: int = 64,
    progress: bool = False,
) -> tuple[np.ndarray, Snapped, Snapped]:
    """Door-to-door seconds from every origin to every cell on one router.

    Parameters
    ----------
    router
        The router (base, or a scenario router snapping to its base); a network is given its router.
    origins, cells
        Snapped layers of the router's snap network, or GeoDataFrames in any CRS (cells may be
        polygons; their centroids are used).
    origin_id, cell_id
        Id columns for GeoDataFrames (the index when ``None``; ``cell_id`` falls back to the index
        when absent).
    max_snap_m
        Points farther than this from the network (metres) are unreachable.
    cutoff_minutes
        Searches stop here; farther cells are ``inf``. ``None`` = no limit.
    batch_size
        Origins per progress step.
    progress
        Show a progress bar over the batches.

    Returns
    -------
    seconds : numpy.ndarray of float64, shape (n_origins, n_cells)
        ``inf`` = unreachable or unsnapped.
    origins, cells : Snapped
        The snapped layers (ids, positions, seeds).
    """
    from geoaccess.engine.router import Router

    if not isinstance(router, Router):
        router = Router.for_network(router)
    src, dst = _snap_pair(router, origins, cells, origin_id=origin_id, cell_id=cell_id, max_snap_m=max_snap_m)
    tt = router.matrix(src, dst, cutoff_minutes=cutoff_minutes, batch_size=batch_size if progress else None,
                       progress=progress)
    return tt.seconds, src, dst


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
    resnapped_cells, stranded_cells : int
        Cells on roads the scenario closed: snapped again to the nearest open edge, or with none
        within ``max_snap_m`` (unreachable after).
    """

    before: np.ndarray
    after: np.ndarray
    origin_ids: np.ndarray
    cell_ids: np.ndarray
    origin_snapped: np.ndarray
    cells: gpd.GeoDataFrame
    resnapped_cells: int = 0
    stranded_cells: int = 0

    @renamed_parameters(minutes="thresholds_minutes")
    def reach(self, *, thresholds_minutes: float | Sequence[float] | str = (30, 45, 60, 75),
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

        from geoaccess.engine.counting import COUNTING_RULE, count_within
        from geoaccess.engine.matrix import check_minutes

        thresholds = check_minutes(thresholds_minutes, what="thresholds_minutes")
        weights = [weights] if isinstance(weights, str) else list(weights)
        missing = [w for w in weights if w not in self.cells.columns]
        if missing:
            cols = [c for c in self.cells.columns if c != self.cells.geometry.name]
            msg = f"The cells layer has no weight column(s) {missing}; its columns are {cols}."
            raise InputError(msg)
        named = {w: self.cells[w].to_numpy(dtype=np.float64) for w in weights}
        sum_a, cells_a = count_within(self.before, named, thresholds)
        sum_b, cells_b = count_within(self.after, named, thresholds)
        rows = []
        for j, thr in enumerate(thresholds):
            for wname in weights:
                before = sum_a[wname][:, j].copy()
                after = sum_b[wname][:, j].copy()
                before[~self.origin_snapped] = np.nan
                after[~self.origin_snapped] = np.nan
                with np.errstate(divide="ignore", invalid="ignore"):
                    pct = np.where(before > 0, (after - before) / before * 100.0, np.nan)
                rows.append(pd.DataFrame({
                    "origin_id": self.origin_ids, "minutes": thr, "weight": wname,
                    "before": before, "after": after, "change": after - before, "change_pct": pct,
                    "cells_before": cells_a[:, j], "cells_after": cells_b[:, j],
                }))
        out = pd.concat(rows, ignore_index=True)
        order = {w: i for i, w in enumerate(weights)}
        out["_w"] = out["weight"].map(order)
        out = out.sort_values(["origin_id", "_w", "minutes"], kind="stable").drop(columns="_w")
        out = out.reset_index(drop=True)
        out.attrs["counting_rule"] = COUNTING_RULE
        return out

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
    base_net: Network | Router,
    scen_net: Network | Router,
    origins: gpd.GeoDataFrame | Snapped,
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
        Base and scenario networks (from :func:`geoaccess.scenario.edit.apply_scenario`) or their
        routers (the scenario's must snap to the base: ``Router(scen, base=base)``); one CRS.
    origins
        Origin points, e.g. one town centre (or a layer snapped by the base router).
    cells
        Cell layer with weight columns (e.g. ``population``, ``jobs``); snapped once, on the base.
    origin_id, cell_id, max_snap_m, cutoff_minutes, progress
        As in :func:`cell_seconds`.
    """
    import geopandas as gpd

    base, scen = scenario_routers(base_net, scen_net)
    src, dst = _snap_pair(base, origins, cells, origin_id=origin_id, cell_id=cell_id, max_snap_m=max_snap_m)
    opts: dict[str, Any] = {"cutoff_minutes": cutoff_minutes, "progress": progress}
    before, _, _ = cell_seconds(base, src, dst, **opts)
    src_after = reachable_layer(scen, src, origins if isinstance(origins, gpd.GeoDataFrame) else None)
    dst_after = reachable_layer(scen, dst, cells)
    after, _, _ = cell_seconds(scen, src_after, dst_after, **opts)
    snapped = (base.seeds(src, "origin")[0] >= 0).any(axis=1)
    return ComparisonTimes(before=before, after=after, origin_ids=src.ids, cell_ids=dst.ids,
                           origin_snapped=snapped, cells=cells, resnapped_cells=int(dst_after.meta.get("resnapped", 0)),
                           stranded_cells=int(dst_after.meta.get("stranded", 0)))


@renamed_parameters(minutes="thresholds_minutes")
def compare_access(
    base_net: Network | Router,
    scen_net: Network | Router,
    origins: gpd.GeoDataFrame | Snapped,
    *,
    cells: gpd.GeoDataFrame,
    thresholds_minutes: float | Sequence[float] | str = (30, 45, 60, 75),
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
    minutes = thresholds_minutes
    from geoaccess.engine.matrix import check_minutes

    thresholds = check_minutes(minutes, what="minutes")
    times = compare_times(base_net, scen_net, origins, cells=cells, origin_id=origin_id, cell_id=cell_id,
                          max_snap_m=max_snap_m, cutoff_minutes=max(thresholds), progress=progress)
    return times.reach(thresholds_minutes=thresholds, weights=weights)


def change_surface(
    base_net: Network | Router,
    scen_net: Network | Router,
    origins: gpd.GeoDataFrame | Snapped,
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
