"""The small-town analysis, end to end: omland, service coverage, state-office siting, a transport investment.

:func:`small_town_analysis` answers the small-town strategy's questions for one regional
centre on one prepared car router (a detailed town network stitched into the national one,
:mod:`geoaccess.network.stitch`, is the intended input):

1. **omland** — residents and jobs within 15/30/45/60 minutes of the centre, and the catchment
   polygons (:mod:`geoaccess.omland.reach`);
2. **service coverage** — the share of the region's residents within 10/20/30 minutes of each
   service, and the cells beyond (:mod:`geoaccess.omland.coverage`);
3. **state-office siting** — at least three candidate sites evaluated with
   :func:`geoaccess.location.sites.evaluate_sites` (labour pool, volume/*omfang*, users' times,
   nearest hub), with each site's centrality level by the old standard
   (:mod:`geoaccess.omland.centrality`) until SSB's index on national data is available;
4. **a transport investment** — before and after on a scenario router (:mod:`geoaccess.omland.investment`).

Every layer is snapped once: the centre, the cells, the services and the sites. Points reach
the roads along a straight access leg at ``access_speed_kmh`` (30 km/h, as the national
layer: on N1000 it stands in for the local roads a 1:1M map leaves out) up to ``max_snap_m``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError
from geoaccess.omland.coverage import COVERAGE_MINUTES, ServiceCoverage, service_coverage
from geoaccess.omland.investment import INVESTMENT_MINUTES, InvestmentEffect, investment_effect
from geoaccess.omland.reach import OMLAND_MINUTES, omland_catchments, omland_reach

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.location.sites import SiteEvaluation

__all__ = ["SmallTownAnalysis", "small_town_analysis"]


@dataclass(frozen=True)
class SmallTownAnalysis:
    """The result of :func:`small_town_analysis` (tables in minutes; unreachable NaN).

    Attributes
    ----------
    centre : geopandas.GeoDataFrame
        The centre (one point) with ``snap_metres``.
    omland : pandas.DataFrame
        ``minutes``, ``population``, ``jobs``, ``cells``, ``share_population``, ``share_jobs``.
    catchments : geopandas.GeoDataFrame or None
        Nested catchment polygons (``minutes``, ``km2``).
    coverage : ServiceCoverage or None
        Service coverage of the region.
    sites : SiteEvaluation or None
        The site evaluation; its table has ``old_standard_level`` and ``old_standard_town``.
    centrality : pandas.DataFrame or None
        Old-standard levels of the places given (e.g. every municipality of the county).
    investment : InvestmentEffect or None
        Before/after of the scenario.
    seconds : dict
        Wall time of each part, seconds.
    notes : dict
        Years, rules and assumptions.
    """

    centre: gpd.GeoDataFrame
    omland: pd.DataFrame
    catchments: gpd.GeoDataFrame | None = None
    coverage: ServiceCoverage | None = None
    sites: SiteEvaluation | None = None
    centrality: pd.DataFrame | None = None
    investment: InvestmentEffect | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


def _check_cells(cells: gpd.GeoDataFrame) -> None:
    missing = [c for c in ("cell_id", "population", "jobs", "kommunenummer") if c not in cells.columns]
    if missing:
        msg = (f"small_town_analysis: the cells need columns {missing} (cell_id and population from read_ssb_grid, "
               f"jobs and kommunenummer from geoaccess.layers.jobs.jobs_to_grid); they have {list(cells.columns)}.")
        raise InputError(msg)


def small_town_analysis(
    router: Router,
    centre: gpd.GeoDataFrame,
    *,
    cells: gpd.GeoDataFrame,
    region: Sequence[str],
    services: Mapping[str, gpd.GeoDataFrame] | None = None,
    sites: gpd.GeoDataFrame | None = None,
    office_jobs: int = 50,
    users: gpd.GeoDataFrame | None = None,
    hubs: gpd.GeoDataFrame | None = None,
    walk: Router | None = None,
    towns: gpd.GeoDataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
    scenario: Router | None = None,
    omland_minutes: Sequence[float] = OMLAND_MINUTES,
    coverage_minutes: Sequence[float] = COVERAGE_MINUTES,
    investment_minutes: Sequence[float] = INVESTMENT_MINUTES,
    max_snap_m: float = 5_000.0,
    access_speed_kmh: float = 30.0,
    catchment_radius_m: float = 150_000.0,
) -> SmallTownAnalysis:
    """Omland, service coverage, office siting and an investment for one regional centre.

    Parameters
    ----------
    router
        The car router (e.g. a town's NVDB network stitched into N1000).
    centre
        The centre: one point with a ``name`` column (e.g. the railway station).
    cells
        SSB 250 m cells covering everything within the largest threshold of the centre (and of the sites):
        ``cell_id``, ``population``, ``jobs``, ``kommunenummer`` (:func:`geoaccess.layers.jobs.jobs_to_grid`).
        ``attrs["population_year"]`` is recorded.
    region
        Municipality codes of the region (service coverage and job access per cell).
    services
        ``service -> facility points`` (e.g. ``nav_office``, ``district_court``, ``healthcare``); ``None`` skips coverage.
    sites
        Three or more candidate sites (``site_id``, ``name``); ``None`` skips the siting.
    office_jobs
        Jobs of the office to site.
    users
        The office's users (cells with ``population``; default: ``cells``).
    hubs
        Transit hubs (``hub``, ``name``, ``kind``) for the sites' walk to the nearest hub.
    walk
        Walk router for the hubs (default: the car network at car speed, noted).
    towns
        Towns (``name``, ``population``, points) for the old centrality standard; with ``places``.
    places
        Places to class by the old standard (e.g. the county's municipality centres: ``kommunenummer``,
        ``kommunenavn``, points); the sites are always classed when ``towns`` is given.
    scenario
        A scenario router snapping to ``router``'s network (``Router(edited, base=router.network)``).
    omland_minutes, coverage_minutes, investment_minutes
        Thresholds, minutes.
    max_snap_m, access_speed_kmh
        Snapping of every layer: largest distance (metres) and the access-leg speed (km/h).
    catchment_radius_m
        The catchment polygons are drawn on the network within this distance (metres) of the centre.

    Returns
    -------
    SmallTownAnalysis
    """
    import time

    import pandas as pd

    _check_cells(cells)
    if len(centre) != 1 or "name" not in centre.columns:
        msg = "small_town_analysis: give the centre as one point with a 'name' column."
        raise InputError(msg)
    region = [str(c).zfill(4) for c in region]
    unknown = sorted(set(region) - set(cells["kommunenummer"].dropna()))
    if unknown:
        msg = f"small_town_analysis: region municipalities {unknown} have no cells; give cells that cover the region."
        raise InputError(msg)
    snap = {"max_snap_m": max_snap_m, "access_speed_kmh": access_speed_kmh}
    seconds: dict[str, float] = {}
    notes: dict[str, Any] = {
        "population_year": cells.attrs.get("population_year"),
        "jobs": {k: v for k, v in cells.attrs.get("jobs", {}).items() if k in ("source", "assumption", "year")},
        "snapping": f"straight access leg at {access_speed_kmh:g} km/h up to {max_snap_m:g} m",
        "network": router.network.meta.get("source"),
    }
    t0 = time.perf_counter()
    c_pts = router.snap(centre, id_column="name", what="centre", **snap)
    cell_pts = router.snap(cells, id_column="cell_id", what="cells", warn=False, **snap)
    weights = {"population": cells["population"].to_numpy(dtype=np.float64),
               "jobs": np.nan_to_num(cells["jobs"].to_numpy(dtype=np.float64))}
    centre_out = centre.to_crs(router.network.crs).assign(snap_metres=c_pts.snap_metres)
    notes["cells_unsnapped"] = int((c := cell_pts.edge < 0).sum())
    notes["residents_unsnapped"] = float(weights["population"][c].sum())
    seconds["snap"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    omland = omland_reach(router, c_pts, cell_pts, weights, thresholds_minutes=omland_minutes)
    notes["counting_rule"] = omland.attrs.get("counting_rule")
    catch = omland_catchments(router, centre, thresholds_minutes=omland_minutes, radius_m=catchment_radius_m, **snap)
    seconds["omland"] = time.perf_counter() - t0

    in_region = cells["kommunenummer"].isin(region).to_numpy()
    reg_rows = np.flatnonzero(in_region)
    reg_cells = cells.iloc[reg_rows].reset_index(drop=True)
    reg_pts = cell_pts.take(reg_rows)
    cov = None
    if services:
        t0 = time.perf_counter()
        fac = {name: router.snap(f, what=name, warn=False, **snap) for name, f in services.items()}
        cov = service_coverage(router, reg_cells, reg_pts, fac, thresholds_minutes=coverage_minutes)
        seconds["coverage"] = time.perf_counter() - t0

    levels = None
    site_eval = None
    if sites is not None:
        t0 = time.perf_counter()
        from geoaccess.location.sites import evaluate_sites

        site_eval = evaluate_sites(sites, jobs=office_jobs, car=router, population=cells, users=users, hubs=hubs,
                                   walk=walk, **snap)
        seconds["sites"] = time.perf_counter() - t0
    if towns is not None:
        t0 = time.perf_counter()
        from geoaccess.omland.centrality import old_standard_levels

        t_pts = router.snap(towns, what="towns", warn=False, **snap)
        pop, names = towns["population"].to_numpy(dtype=np.float64), towns["name"].to_numpy(dtype=object)
        if places is not None:
            p_pts = router.snap(places, id_column="kommunenummer", what="places", warn=False, **snap)
            levels = old_standard_levels(router, p_pts, t_pts, pop, names)
            levels.insert(1, "kommunenavn", places["kommunenavn"].to_numpy())
        if site_eval is not None:
            s_pts = router.snap(sites, id_column="site_id", what="sites", **snap)
            s_lev = old_standard_levels(router, s_pts, t_pts, pop, names).set_index("place_id")
            tab = site_eval.table
            tab["old_standard_level"] = s_lev["level"].reindex(tab["site_id"].astype(str)).to_numpy()
            tab["old_standard_town"] = s_lev["town"].reindex(tab["site_id"].astype(str)).to_numpy()
            tab["old_standard_minutes"] = s_lev["minutes"].reindex(tab["site_id"].astype(str)).to_numpy()
        notes["centrality"] = ("old standard (before 2017): level 3 = within 75 min of a town of 50,000 (90 for Oslo), "
                               "2 = 60 min of 15,000, 1 = 45 min of 5,000, 0 = the rest; 3 is the most central. "
                               + str(towns.attrs.get("rule", "")))
        seconds["centrality"] = time.perf_counter() - t0

    inv = None
    if scenario is not None:
        t0 = time.perf_counter()
        inv = investment_effect(router, scenario, c_pts, cell_pts, weights, reg_cells, reg_pts,
                                thresholds_minutes=investment_minutes)
        seconds["investment"] = time.perf_counter() - t0
    notes["region"] = region
    notes["region_residents"] = float(reg_cells["population"].sum())
    return SmallTownAnalysis(centre=centre_out, omland=omland, catchments=catch, coverage=cov, sites=site_eval,
                             centrality=levels, investment=inv, seconds={k: round(v, 2) for k, v in seconds.items()},
                             notes=notes)
