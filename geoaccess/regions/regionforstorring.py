"""Regionforstørring between regions: a national network edit measured as TØI and Vegdirektoratet do.

*Regionforstørring* (labour-market enlargement) is what a road or ferry project does to the
labour markets it joins. :func:`regionforstorring` takes a base network (Kartverket's N1000,
car), a scenario (:mod:`geoaccess.scenario.spec`, e.g. ``scenarios/rogfast.toml``) and commuting
flows, and reports before and after:

1. **The TØI/Vegdirektoratet measure**: for every inhabited 250 m cell (SSB 2015 grid), the
   jobs reachable within 45 and 60 minutes by car, door to door (a many-to-many computation
   between cells on the router, :func:`geoaccess.regions.cell_reach.cells_reached`), and its
   population-weighted mean per municipality and per BA-region.
2. **Residents and jobs within 45/60/90 minutes of each regional centre** (the centre
   municipality's population-weighted centre).
3. **BA-region membership** before and after with the same flows (:func:`geoaccess.regions.ba.ba_regions`
   on the municipality matrices of both networks). Flows would adapt to the new travel times
   over the years; the same flows show only which rule thresholds the times alone cross.

Conventions (those of the national layer, :mod:`geoaccess.national.matrix`): points are
snapped to the **base** network's roads (nobody is snapped into a tunnel; a resident of a
closed road reaches the scenario by the nearest open edge, :func:`geoaccess.scenario.compare.reachable_layer`),
with a straight access leg at 30 km/h within 20 km; jobs by workplace (the flows' column sums)
are spread over each municipality's cells in proportion to residents (dasymetric,
:mod:`geoaccess.layers.jobs`); the counting rule is :data:`geoaccess.engine.counting.COUNTING_RULE`.

**Study area.** A trip that changes uses a changed edge, so a cell whose time to every changed
node exceeds the largest threshold on both networks keeps its count exactly
(:mod:`geoaccess.regions.study_area`). The measure is computed for every inhabited cell of the
**study municipalities** — all municipalities of the BA-regions (before or after) that hold a
cell within that time of a changed node — before, and recomputed after only for the cells
that can change; destinations are every cell that the study cells can reach within the
threshold (a Dijkstra bound on either network). Outside the study area nothing changes.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.errors import DataWarning, InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped
    from geoaccess.regions.flows import FlowData
    from geoaccess.scenario.spec import ScenarioSpec

__all__ = [
    "ACCESS_SPEED_KMH",
    "CENTRE_THRESHOLDS_MINUTES",
    "FLOWS_NOTE",
    "MAX_SNAP_M",
    "THRESHOLDS_MINUTES",
    "RegionforstorringResult",
    "regionforstorring",
]

THRESHOLDS_MINUTES = (45.0, 60.0)
"""The TØI/Vegdirektoratet thresholds of the per-cell jobs measure, minutes."""
CENTRE_THRESHOLDS_MINUTES = (45.0, 60.0, 90.0)
"""Thresholds of the residents and jobs around each regional centre, minutes."""
ACCESS_SPEED_KMH = 30.0
"""Straight access leg between a cell (or centre) and the N1000 road, km/h (the national layer's)."""
MAX_SNAP_M = 20_000.0
"""Largest distance from a cell or centre to the road network, metres (the national layer's)."""

FLOWS_NOTE = (
    "BA membership before and after uses the same commuting flows, so only the travel-time rules (and the "
    "75-minute reach of the out-commuting rule) see the project. Commuting adapts to shorter travel times over "
    "the years (people change jobs and homes), and the commuting shares that place most municipalities would "
    "change with it: the membership after is what today's flows and the new times give, not a forecast."
)


@dataclass(frozen=True)
class RegionforstorringResult:
    """Before/after tables of a national network edit (see the module docstring).

    Attributes
    ----------
    cells : geopandas.GeoDataFrame
        Study cells: ``cell_id``, ``kommunenummer``, ``population`` (2015), ``jobs`` (spread),
        ``affected`` (within reach of a changed node), and per threshold T
        ``jobs_{T}min_before``, ``jobs_{T}min_after``, ``jobs_{T}min_change`` (NaN off the network);
        250 m squares in EPSG:25833.
    municipalities : pandas.DataFrame
        Per study municipality: ``kommunenummer``, ``kommunenavn``, ``region``, ``region_name`` (BA before),
        ``population``, ``cells``, ``jobs`` and the population-weighted ``jobs_{T}min_before/after/change``,
        ``jobs_{T}min_change_pct``.
    regions : pandas.DataFrame
        The same per BA-region (membership before) of the study area.
    centres : pandas.DataFrame
        Per regional centre municipality: ``centre`` (group), ``kommunenummer``, ``kommunenavn``,
        ``minutes`` (threshold), ``residents_before/after/change``, ``jobs_before/after/change``.
    membership : pandas.DataFrame
        Every municipality: BA region, rule and minutes to the centre before and after, ``moved``.
    travel_times : pandas.DataFrame
        Municipality pairs whose car time changed: ``origin``, ``destination``, names,
        ``minutes_before``, ``minutes_after``, ``change_minutes``.
    edges : geopandas.GeoDataFrame
        The edges the scenario added (``change = "added"``) or removed (``"removed"``).
    meta : dict
        Inputs, years, conventions, counting rule, study area, the applied edits, timings (seconds per step).
    """

    cells: gpd.GeoDataFrame
    municipalities: pd.DataFrame
    regions: pd.DataFrame
    centres: pd.DataFrame
    membership: pd.DataFrame
    travel_times: pd.DataFrame
    edges: gpd.GeoDataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def municipality(self, code: str) -> pd.Series:
        """The row of one municipality (4-digit code) of :attr:`municipalities`."""
        t = self.municipalities.set_index("kommunenummer")
        if code not in t.index:
            msg = f"{code} is not a study municipality of this result; they are {sorted(t.index)}."
            raise InputError(msg)
        return t.loc[code]


class _Pair:
    """Base and scenario routers of one mode, with the spec applied."""

    def __init__(self, base_net: Network, spec: ScenarioSpec) -> None:
        from geoaccess.engine.router import Router
        from geoaccess.scenario.edit import aligned_base, apply_scenario

        self.scen_net = apply_scenario(base_net, spec)
        self.base_net = aligned_base(base_net, self.scen_net)
        self.base = Router.for_network(self.base_net)
        self.scen = Router.for_network(self.scen_net, base=self.base_net)

    def both(self, layer: Snapped, points: Any) -> tuple[Snapped, Snapped]:
        """The layer for the base and for the scenario (closed roads re-snapped)."""
        from geoaccess.scenario.compare import reachable_layer

        return layer, reachable_layer(self.scen, layer, points)


def _flows(flows: Any, year_codes: int | None) -> tuple[FlowData, int]:
    from geoaccess.layers.commuting import read_flows
    from geoaccess.layers.crosswalk import codes_in_force, recode_flows
    from geoaccess.regions.flows import FlowData

    if isinstance(flows, FlowData):
        if flows.year is None:
            msg = "The flows have no year; give FlowData with the year of its codes."
            raise InputError(msg)
        return flows, int(flows.year)
    if isinstance(flows, int):
        from geoaccess.layers.commuting import load_flows

        table = load_flows(flows)
    elif isinstance(flows, (str, bytes)) or hasattr(flows, "__fspath__"):
        from pathlib import Path

        from geoaccess.datasets import fetch

        path = Path(flows) if Path(flows).exists() else fetch(str(flows))
        table = read_flows(path)
    else:
        table = flows
    year = table.attrs.get("year")
    if year is None:
        msg = "The flows have no year (no Tid column); give flows of a known year, e.g. commuting/pendling_03321_2021.csv."
        raise InputError(msg)
    flows_year = int(year)
    if year_codes is not None and int(year_codes) != int(year):
        table = recode_flows(table, to_year=int(year_codes), from_year=int(year))
        year = int(year_codes)
    return FlowData.from_table(table, codes=sorted(codes_in_force(int(year))), year=int(year)), flows_year


def _cell_jobs(grid: gpd.GeoDataFrame, fd: FlowData, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cells with ``kommunenummer`` and the flows' jobs spread by residents within each municipality."""
    import pandas as pd

    from geoaccess.layers.boundaries import locate_points

    c = grid.geometry.centroid
    codes = locate_points(c.x.to_numpy(), c.y.to_numpy(), boundaries, max_distance_m=2000.0)
    cells = grid[["cell_id", "population", grid.geometry.name]].copy()
    cells["kommunenummer"] = pd.Series(codes, index=cells.index, dtype=object)
    pop = cells["population"].to_numpy(dtype=np.float64)
    per = pd.Series(pop).groupby(pd.Series(codes, dtype=object)).sum()
    jobs = pd.Series(fd.jobs, index=list(fd.codes))
    tot = pd.Series(codes, dtype=object).map(jobs).to_numpy(dtype=np.float64)
    res = pd.Series(codes, dtype=object).map(per).to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        cells["jobs"] = np.where(res > 0, pop / res * tot, np.nan)
    lost = float(jobs.sum() - np.nansum(cells["jobs"].to_numpy()))
    cells.attrs["jobs"] = {
        "source": f"column sums of the flows ({fd.year} codes)",
        "assumption": "jobs by workplace spread over each municipality's 250 m cells in proportion to residents "
                      "(dasymetric; no workplace grid is available)",
        "jobs_not_placed": lost,
        "cells_outside": int(pd.isna(pd.Series(codes, dtype=object)).sum()),
    }
    return cells


def _municipal_minutes(router: Router, centres: Snapped) -> pd.DataFrame:
    """``origin, destination, minutes`` between the snapped municipality centres (diagonal 0, NaN unreachable)."""
    import pandas as pd

    sec = router.matrix(centres, centres).seconds.copy()
    np.fill_diagonal(sec, 0.0)
    ok = (router.seeds(centres, "origin")[0] >= 0).any(axis=1)
    sec[~ok, :] = np.inf
    sec[:, ~ok] = np.inf
    minutes = np.where(np.isfinite(sec), sec / 60.0, np.nan)
    ids = centres.ids.astype(str)
    n = len(ids)
    return pd.DataFrame({"origin": np.repeat(ids, n), "destination": np.tile(ids, n), "minutes": minutes.ravel()})


def _weighted(cells: pd.DataFrame, key: str, cols: list[str]) -> pd.DataFrame:
    """Population-weighted means of ``cols`` per ``key`` (cells with NaN values left out of both sums)."""
    import pandas as pd

    out = {}
    pop = cells["population"].to_numpy(dtype=np.float64)
    for col in cols:
        v = cells[col].to_numpy(dtype=np.float64)
        ok = np.isfinite(v)
        num = pd.Series(np.where(ok, pop * v, 0.0)).groupby(cells[key].to_numpy()).sum()
        den = pd.Series(np.where(ok, pop, 0.0)).groupby(cells[key].to_numpy()).sum()
        out[col] = num / den.where(den > 0)
    return pd.DataFrame(out)


def _aggregate(cells: pd.DataFrame, key: str, thresholds: Sequence[float]) -> pd.DataFrame:
    """Per ``key``: residents, cells, jobs and the population-weighted jobs within each threshold, before/after."""
    cols = [f"jobs_{t:g}min_{w}" for t in thresholds for w in ("before", "after")]
    base = cells.groupby(key).agg(population=("population", "sum"), cells=("population", "size"),
                                  jobs=("jobs", "sum"))
    out = base.join(_weighted(cells, key, cols))
    for t in thresholds:
        b, a = out[f"jobs_{t:g}min_before"], out[f"jobs_{t:g}min_after"]
        out[f"jobs_{t:g}min_change"] = a - b
        out[f"jobs_{t:g}min_change_pct"] = (a - b) / b.where(b > 0) * 100.0
    return out.reset_index()


def regionforstorring(
    base_net: Network,
    spec: ScenarioSpec,
    *,
    flows: Any = "commuting/pendling_03321_2021.csv",
    year_codes: int | None = None,
    boat_net: Network | None = None,
    preset: str = "toi2019",
    centres: Sequence[str] | None = None,
    thresholds_minutes: Sequence[float] = THRESHOLDS_MINUTES,
    centre_thresholds_minutes: Sequence[float] = CENTRE_THRESHOLDS_MINUTES,
    progress: bool = False,
) -> RegionforstorringResult:
    """Before and after a national network edit: the per-cell jobs measure, the centres' reach, BA membership.

    Parameters
    ----------
    base_net
        The national car network (N1000: ``build_network("roads/kartverket_n1000_veglenke_2025.gpkg")``).
    spec
        The scenario (e.g. ``read_spec("scenarios/rogfast.toml")``), applied to ``base_net`` (and ``boat_net``).
    flows
        Commuting flows: a CSV path or dataset name (SSB 03321 with ``Tid``), a year of the shared
        sample (2017-2021), a flow table or :class:`~geoaccess.regions.flows.FlowData`.
    year_codes
        Recode the flows to this year's municipalities first (e.g. 2024; 2017 flows need it).
    boat_net
        The N1000 boat network for BA rule ``alt90`` (the spec is applied to it too); ``None`` skips the rule.
    preset
        BA parameter preset (:func:`geoaccess.regions.config.load_config`).
    centres
        BA centre groups (``"1103+1108"``); default: proposed from the flows.
    thresholds_minutes
        Thresholds of the per-cell jobs measure (default 45, 60).
    centre_thresholds_minutes
        Thresholds around the regional centres (default 45, 60, 90).
    progress
        Show progress bars.

    Returns
    -------
    RegionforstorringResult
    """
    from geoaccess.engine.counting import COUNTING_RULE
    from geoaccess.layers.centres import municipality_centres
    from geoaccess.layers.crosswalk import boundaries_for_year, municipality_names
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid
    from geoaccess.regions.config import load_config
    from geoaccess.layers.towns import town_parts_for_year
    from geoaccess.regions.traveltime import region_changes

    thresholds = tuple(sorted(float(t) for t in thresholds_minutes))
    centre_thr = tuple(sorted(float(t) for t in centre_thresholds_minutes))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t0
        timings[name] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()

    car = _Pair(base_net, spec)
    boat = _Pair(boat_net, spec) if boat_net is not None else None
    lap("scenario_and_routers")
    fd, flows_year = _flows(flows, year_codes)
    boundaries = boundaries_for_year(int(fd.year))
    names = municipality_names(int(fd.year))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the 2015 grid's far-off cells, reported in meta
        grid = read_ssb_grid(NATIONAL_GRID_250M)
        cells_all = _cell_jobs(grid, fd, boundaries)
        centre_pts = municipality_centres(boundaries, grid)
    lap("layers")

    # municipality matrices (car, boat) before and after -> BA membership
    cen_snap = car.base.snap(centre_pts, id_column="kommunenummer", max_snap_m=MAX_SNAP_M,
                             access_speed_kmh=ACCESS_SPEED_KMH, what="municipality centres", warn=False)
    _, cen_scen = car.both(cen_snap, centre_pts)
    tt_before = _municipal_minutes(car.base, cen_snap)
    tt_after = _municipal_minutes(car.scen, cen_scen)
    alt = (None, None)
    if boat is not None:
        b_snap = boat.base.snap(centre_pts, id_column="kommunenummer", max_snap_m=MAX_SNAP_M,
                                access_speed_kmh=ACCESS_SPEED_KMH, what="municipality centres", warn=False)
        alt = (_municipal_minutes(boat.base, b_snap), _municipal_minutes(boat.scen, boat.both(b_snap, centre_pts)[1]))
    lap("municipal_matrices")
    cfg = load_config(preset=preset)
    cp = cfg.ba.centre_proposal
    towns = town_parts_for_year(int(fd.year), min_cell_population=cp.town_min_cell_population,
                                link_cells=cp.town_link_cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # zero-worker notes, as the regions command reports them
        ba_before, ba_after, _ = region_changes(tt_before, tt_after, fd, centres=centres, method="ba",
                                                params=cfg.ba, alt_times=alt, boundaries=boundaries, towns=towns)
    membership = _membership(ba_before, ba_after, names)
    lap("ba_regions")

    # study area: cells within the largest threshold of a changed node, on either network
    from geoaccess.regions.study_area import changed_nodes, nodes_near, seconds_to_nodes

    changed = changed_nodes(car.base_net, car.scen_net)
    limit = max(thresholds) * 60.0
    pts = cells_all.geometry.centroid
    near = nodes_near(car.base_net, changed, pts.x.to_numpy(), pts.y.to_numpy(), limit_s=limit,
                      access_speed_kmh=ACCESS_SPEED_KMH, max_snap_m=MAX_SNAP_M)
    cand = cells_all.loc[near]
    snap_opts = {"max_snap_m": MAX_SNAP_M, "access_speed_kmh": ACCESS_SPEED_KMH, "warn": False}
    cand_snap = car.base.snap(cand, id_column="cell_id", what="cells", **snap_opts)
    cand_b, cand_s = car.both(cand_snap, cand)
    reach = np.minimum(seconds_to_nodes(car.base, cand_b, changed, limit_s=limit),
                       seconds_to_nodes(car.scen, cand_s, changed, limit_s=limit))
    affected_ids = set(cand["cell_id"].to_numpy()[reach <= limit].tolist())
    touched = {c for c in cand.loc[reach <= limit, "kommunenummer"] if isinstance(c, str)}
    if not touched:
        msg = (f"Scenario {spec.name}: no inhabited cell lies within {max(thresholds):g} minutes of an edge the "
               f"scenario changes ({len(changed)} changed nodes), so the measure cannot change; check the edits.")
        raise InputError(msg)
    lb, la = ba_before.labels(), ba_after.labels()
    regions_hit = {lb[c] for c in touched} | {la[c] for c in touched}
    study = sorted(set(lb.index[lb.isin(regions_hit)]) | set(la.index[la.isin(regions_hit)]))
    cells = cells_all.loc[cells_all["kommunenummer"].isin(study)].reset_index(drop=True)
    cells["affected"] = cells["cell_id"].isin(affected_ids)
    lap("study_area")

    origins = car.base.snap(cells, id_column="cell_id", what="cells", **snap_opts)
    o_b, o_s = car.both(origins, cells)
    dest = _destinations(car, cells_all, (o_b, o_s), snap_opts, limit_s=limit)
    lap("snapping")
    _per_cell_measure(car, cells, (o_b, o_s), dest, thresholds, progress=progress)
    lap("per_cell_measure")

    municipalities = _aggregate(cells, "kommunenummer", thresholds)
    municipalities.insert(1, "kommunenavn", municipalities["kommunenummer"].map(names))
    reg = lb.reindex(municipalities["kommunenummer"]).to_numpy()
    municipalities.insert(2, "region", reg)
    municipalities.insert(3, "region_name", [names.get(r, r) for r in reg])
    cells["region"] = cells["kommunenummer"].map(lb)
    regions = _aggregate(cells, "region", thresholds)
    regions.insert(1, "region_name", regions["region"].map(lambda r: names.get(r, r)))
    regions.insert(2, "municipalities", regions["region"].map(lb.value_counts()).astype("Int64"))
    study_centres = sorted({g for g in ba_before.meta["centres"] + ba_after.meta["centres"]
                            if any(c in study for c in g.split("+"))})
    centre_table = _centre_reach(car, centre_pts, study_centres, cells_all, names, centre_thr, snap_opts)
    lap("centres")
    travel = _changed_pairs(tt_before, tt_after, names)
    result = RegionforstorringResult(
        cells=cells,
        municipalities=municipalities,
        regions=regions,
        centres=centre_table,
        membership=membership,
        travel_times=travel,
        edges=_edit_edges(car),
        meta={
            "scenario": car.scen_net.meta["scenario"],
            "network": {"source": base_net.meta.get("source"), "cache_key": base_net.meta.get("cache_key"),
                        "nodes": base_net.n_nodes, "edges": base_net.n_edges},
            "boat_network": None if boat_net is None else boat_net.meta.get("source"),
            "flows_year": flows_year,
            "codes_year": fd.year,
            "population_year": 2015,
            "jobs": cells_all.attrs.get("jobs"),
            "thresholds_minutes": list(thresholds),
            "centre_thresholds_minutes": list(centre_thr),
            "access_speed_kmh": ACCESS_SPEED_KMH,
            "max_snap_m": MAX_SNAP_M,
            "counting_rule": COUNTING_RULE,
            "preset": preset,
            "ba_centres": ba_before.meta["centres"],
            "ba_regions_before": ba_before.n_regions,
            "ba_regions_after": ba_after.n_regions,
            "flows_note": FLOWS_NOTE,
            "study_area": {
                "changed_nodes": changed.tolist(),
                "affected_cells": int(cells["affected"].sum()),
                "affected_municipalities": sorted(touched),
                "study_municipalities": study,
                "study_cells": len(cells),
                "destination_cells": int(len(dest.cells)),
                "rule": "cells of the BA-regions holding a cell within the largest threshold of a changed node",
            },
            "timings_s": timings,
        },
    )
    result.meta["timings_s"]["total"] = round(sum(timings.values()), 3)
    return result


class _Destinations(NamedTuple):
    """Destination cells of the study cells, snapped for the base and the scenario."""

    cells: Any
    base: Snapped
    scen: Snapped
    jobs: np.ndarray


def _destinations(car: _Pair, cells_all: Any, origins: tuple[Snapped, Snapped], snap_opts: dict[str, Any], *,
                  limit_s: float) -> _Destinations:
    """Every cell some study cell may reach within ``limit_s`` on either network (a superset, bounded twice)."""
    from geoaccess.regions.study_area import nodes_near, within_seconds

    o_b, o_s = origins
    seeds = np.unique(np.concatenate([car.base.seeds(o_b, "origin")[0].ravel(),
                                      car.scen.seeds(o_s, "origin")[0].ravel()]))
    pts = cells_all.geometry.centroid
    near = nodes_near(car.scen_net, seeds[seeds >= 0], pts.x.to_numpy(), pts.y.to_numpy(), limit_s=limit_s,
                      access_speed_kmh=snap_opts["access_speed_kmh"], max_snap_m=snap_opts["max_snap_m"])
    cand = cells_all.loc[near].reset_index(drop=True)
    d_snap = car.base.snap(cand, id_column="cell_id", what="cells", **snap_opts)
    d_b, d_s = car.both(d_snap, cand)
    keep = within_seconds(car.base, o_b, d_b, limit_s=limit_s) | within_seconds(car.scen, o_s, d_s, limit_s=limit_s)
    rows = np.flatnonzero(keep)
    kept = cand.iloc[rows].reset_index(drop=True)
    return _Destinations(cells=kept, base=d_b.take(rows), scen=d_s.take(rows),
                         jobs=kept["jobs"].to_numpy(dtype=np.float64))


def _per_cell_measure(car: _Pair, cells: Any, origins: tuple[Snapped, Snapped], dest: _Destinations,
                      thresholds: Sequence[float], *, progress: bool) -> None:
    """Add ``jobs_{T}min_before/after/change`` to ``cells``: all before, the affected cells again after."""
    from geoaccess.regions.cell_reach import cells_reached

    o_b, o_s = origins
    before = cells_reached(car.base, o_b, dest.base, {"jobs": dest.jobs}, thresholds_minutes=thresholds,
                           progress=progress).sums["jobs"]
    after = before.copy()
    rows = np.flatnonzero(cells["affected"].to_numpy())
    if len(rows):
        after[rows] = cells_reached(car.scen, o_s.take(rows), dest.scen, {"jobs": dest.jobs},
                                    thresholds_minutes=thresholds, progress=progress).sums["jobs"]
    for k, t in enumerate(thresholds):
        cells[f"jobs_{t:g}min_before"] = before[:, k]
        cells[f"jobs_{t:g}min_after"] = after[:, k]
        cells[f"jobs_{t:g}min_change"] = after[:, k] - before[:, k]


def _centre_reach(car: _Pair, centre_pts: Any, groups: list[str], cells_all: Any, names: Any,
                  thresholds: Sequence[float], snap_opts: dict[str, Any]) -> pd.DataFrame:
    """Residents and jobs within each threshold of each centre municipality of ``groups``, before and after."""
    import pandas as pd

    from geoaccess.regions.cell_reach import cells_reached

    rows = [(g, c) for g in groups for c in g.split("+")]
    if not rows:
        return pd.DataFrame(columns=["centre", "kommunenummer", "kommunenavn", "minutes"])
    pts = centre_pts.set_index("kommunenummer").loc[[c for _, c in rows]].reset_index()
    snapped = car.base.snap(pts, id_column="kommunenummer", what="centres", **snap_opts)
    s_b, s_s = car.both(snapped, pts)
    limit = max(thresholds) * 60.0
    dest = _destinations(car, cells_all, (s_b, s_s), snap_opts, limit_s=limit)
    weights = {"residents": dest.cells["population"].to_numpy(dtype=np.float64), "jobs": dest.jobs}
    before = cells_reached(car.base, s_b, dest.base, weights, thresholds_minutes=thresholds)
    after = cells_reached(car.scen, s_s, dest.scen, weights, thresholds_minutes=thresholds)
    out = []
    for i, (g, c) in enumerate(rows):
        for k, t in enumerate(thresholds):
            rec: dict[str, Any] = {"centre": g, "centre_name": " + ".join(names.get(x, x) for x in g.split("+")),
                                   "kommunenummer": c, "kommunenavn": names.get(c, c), "minutes": t}
            for w in ("residents", "jobs"):
                b, a = float(before.sums[w][i, k]), float(after.sums[w][i, k])
                rec.update({f"{w}_before": b, f"{w}_after": a, f"{w}_change": a - b,
                            f"{w}_change_pct": (a - b) / b * 100.0 if b > 0 else np.nan})
            out.append(rec)
    return pd.DataFrame(out)


def _membership(before: Any, after: Any, names: Any) -> pd.DataFrame:
    """BA membership before and after, one row per municipality, with ``moved``."""
    cols = ["kommunenummer", "region", "region_type", "rule", "inkluderingsgrunnlag", "minutes_to_centre"]
    j = before.membership[cols].merge(after.membership[cols], on="kommunenummer", suffixes=("_before", "_after"))
    j.insert(1, "kommunenavn", j["kommunenummer"].map(names))
    for w in ("before", "after"):
        j.insert(j.columns.get_loc(f"region_{w}") + 1, f"region_name_{w}",
                 j[f"region_{w}"].map(lambda r: names.get(r, r)))
    j["moved"] = j["region_before"] != j["region_after"]
    j["rule_changed"] = j["rule_before"] != j["rule_after"]
    return j


def _changed_pairs(before: pd.DataFrame, after: pd.DataFrame, names: Any) -> pd.DataFrame:
    """Municipality pairs whose minutes changed by more than 0.05."""
    j = before.merge(after, on=["origin", "destination"], suffixes=("_before", "_after"))
    j = j.rename(columns={"minutes_before": "minutes_before", "minutes_after": "minutes_after"})
    j["change_minutes"] = j["minutes_after"] - j["minutes_before"]
    changed = ~np.isclose(j["minutes_before"].to_numpy(), j["minutes_after"].to_numpy(), atol=0.05, equal_nan=True)
    out = j.loc[changed].sort_values("change_minutes").reset_index(drop=True)
    out.insert(1, "origin_name", out["origin"].map(names))
    out.insert(3, "destination_name", out["destination"].map(names))
    return out


def _edit_edges(car: _Pair) -> gpd.GeoDataFrame:
    """Lines of the edges the scenario added or removed (one per direction), in the network CRS."""
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import EdgeFlag

    base, scen = car.base_net, car.scen_net
    added = np.flatnonzero(((scen.flags & EdgeFlag.CONNECTOR) != 0)
                           & ~np.isin(np.arange(scen.n_edges), _matched(base, scen)))
    _, _, forward, _ = car.scen.edge_times(np.arange(base.n_edges))
    removed = np.flatnonzero(~np.isfinite(forward) & ((base.flags & EdgeFlag.CONNECTOR) == 0))
    parts = []
    for net, idx, kind in ((scen, added, "added"), (base, removed, "removed")):
        if len(idx):
            parts.append(gpd.GeoDataFrame({"change": kind, "way_id": net.way_id[idx], "metres": net.metres[idx],
                                           "minutes": net.seconds[idx] / 60.0, "ferry": (net.flags[idx] & EdgeFlag.FERRY) != 0},
                                          geometry=net.edge_geometries(idx), crs=net.crs))
    if not parts:
        return gpd.GeoDataFrame({"change": []}, geometry=[], crs=base.crs)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=base.crs)


def _matched(base: Network, scen: Network) -> np.ndarray:
    """Scenario edges that are base connector edges (same tail, head, length): not added by the edit."""
    bk = set(zip(base.tails.tolist(), base.indices.tolist(), np.round(base.metres, 3).tolist(), strict=True))
    sk = list(zip(scen.tails.tolist(), scen.indices.tolist(), np.round(scen.metres, 3).tolist(), strict=True))
    return np.array([i for i, k in enumerate(sk) if k in bk], dtype=np.int64)
