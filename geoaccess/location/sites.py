"""State-office site evaluation (vurdering av lokaliseringsalternativer for statlige arbeidsplasser).

The guidelines for locating state jobs (*retningslinjer for lokalisering av statlige
arbeidsplasser og statlig tjenesteproduksjon*, 2022) ask an agency to study at least three
alternative locations, one of them in SSB centrality class 3–6, and to weigh labour-market
effects, access for users and proximity to a transit hub. :func:`evaluate_sites` quantifies,
per candidate site:

1. **Arbeidskraftgrunnlag** (labour pool): residents within 30/45/60/75 minutes by car
   (SSB 250 m grid, *all ages*: the grid has no age split), and an estimate of residents aged
   15–74 (grid population x the municipality's 15–74 share from SSB table 11618); with the
   site's **BA-region** (bo- og arbeidsmarkedsregion) from the commuting flows.
2. **Volum / omfang** (relative labour-market effect): N new jobs / jobs in the site's
   BA-region (and in its municipality), in per mille: larger in smaller labour markets.
3. **Sentralitetsklasse** (centrality class 1–6) of the site's municipality, from a user table.
4. **Tilgjengelighet for brukerne** (access for users): population-weighted mean and 90th
   percentile car minutes from the users to the site, and the share within 60 minutes.
5. **Gangtid til kollektivknutepunkt** (walk to the nearest transit hub): walk minutes on the
   walk network to the nearest rail/metro/tram station or ferry terminal (and to any stop).
6. **Omlandseffekt** (hinterland effect): for the *omland* (residents between
   ``centre_minutes`` and ``omland_minutes`` by car from the site), the change in the mean car
   time to the nearest office (existing offices plus the site, against existing offices only),
   and the omland's share of the site's labour pool.

Each criterion is ranked separately (1 = best) on its value **rounded to the precision the inputs
support** (:data:`RANK_DECIMALS`: persons to whole persons, minutes to 0.1, shares to 0.001, per
mille to 0.01), so floating-point noise never decides a rank: equal rounded values share a rank
(method "min": 1, 1, 3) and are marked as ties. A criterion that cannot be computed is kept, empty,
with the reason (:attr:`SiteEvaluation.missing`). A weighted score is computed only when the user
supplies weights. Inside, time is seconds; the table reports minutes; unreachable is NaN.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped

__all__ = ["CRITERIA", "RANK_DECIMALS", "SiteEvaluation", "evaluate_sites", "hubs_from_gtfs", "rank_rounded",
           "read_transit_hubs"]

POOL_MINUTES = (30.0, 45.0, 60.0, 75.0)

# column -> (criterion no, Norwegian term, English gloss, unit, better)
CRITERIA: dict[str, tuple[int, str, str, str, str]] = {
    "pool_30": (1, "Arbeidskraftgrunnlag 30 min", "labour pool within 30 min by car (residents, all ages)", "persons", "higher"),
    "pool_45": (1, "Arbeidskraftgrunnlag 45 min", "labour pool within 45 min by car (residents, all ages)", "persons", "higher"),
    "pool_60": (1, "Arbeidskraftgrunnlag 60 min", "labour pool within 60 min by car (residents, all ages)", "persons", "higher"),
    "pool_75": (1, "Arbeidskraftgrunnlag 75 min", "labour pool within 75 min by car (residents, all ages)", "persons", "higher"),
    "pool_15_74_60": (1, "Arbeidskraftgrunnlag 15–74 år, 60 min", "estimated residents aged 15–74 within 60 min", "persons", "higher"),
    "effect_region_permille": (2, "Volum/omfang i BA-regionen", "N / jobs in the BA-region", "per mille", "higher"),
    "effect_municipality_permille": (2, "Volum/omfang i kommunen", "N / jobs in the municipality", "per mille", "higher"),
    "centrality_class": (3, "Sentralitetsklasse", "SSB centrality class (1 most central, 6 least)", "class", "higher"),
    "users_mean_minutes": (4, "Reisetid for brukerne (snitt)", "population-weighted mean car time of users", "minutes", "lower"),
    "users_p90_minutes": (4, "Reisetid for brukerne (90-persentil)", "90th percentile car time of users", "minutes", "lower"),
    "users_share_60": (4, "Andel brukere innen 60 min", "share of users within 60 min by car", "share", "higher"),
    "walk_hub_minutes": (5, "Gangtid til kollektivknutepunkt", "walk to the nearest rail/metro/tram station or ferry terminal", "minutes", "lower"),
    "walk_stop_minutes": (5, "Gangtid til nærmeste holdeplass", "walk to the nearest stop of any kind (bus included)", "minutes", "lower"),
    "omland_change_minutes": (6, "Omlandseffekt: endret reisetid", "change of the omland's mean car time to the nearest office", "minutes", "lower"),
    "omland_share_of_pool": (6, "Omlandets andel av arbeidskraftgrunnlaget", "omland residents / residents within omland_minutes", "share", "higher"),
}


RANK_DECIMALS: dict[str, int] = {"persons": 0, "per mille": 2, "class": 0, "minutes": 1, "share": 3}
"""Decimals each unit of :data:`CRITERIA` is rounded to before ranking (and in the tables)."""


def rank_rounded(values: Any, *, unit: str, better: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values rounded to their unit's precision, their ranks (1 = best, ties share the lowest rank) and tie flags.

    Parameters
    ----------
    values
        One value per site (NaN = not computed or unreachable: no rank).
    unit
        A unit of :data:`RANK_DECIMALS`.
    better
        ``"higher"`` or ``"lower"``.

    Returns
    -------
    rounded, rank, tied
        ``rank`` is a float array (NaN where the value is NaN); ``tied`` is True where another site
        has the same rounded value.
    """
    import pandas as pd

    v = np.round(np.asarray(values, dtype=float), RANK_DECIMALS.get(unit, 3))
    ser = pd.Series(v)
    rank = ser.rank(ascending=(better == "lower"), method="min").to_numpy(dtype=float)
    tied = ser.notna().to_numpy() & ser.duplicated(keep=False).to_numpy()
    return v, rank, tied


# --------------------------------------------------------------------------- transit hubs
_HUB_KIND = {
    ("railway", "station"): "rail",
    ("railway", "halt"): "rail",
    ("railway", "subway_entrance"): "metro",
    ("railway", "tram_stop"): "tram",
    ("public_transport", "station"): "rail",
    ("amenity", "ferry_terminal"): "ferry",
    ("amenity", "bus_station"): "bus_station",
    ("highway", "bus_stop"): "bus",
}


def read_transit_hubs(pbf: str | Path, *, crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """Transit stops and hubs (kollektivknutepunkter) from the OSM tags of a PBF/XML file.

    A node is a **hub** (``hub=True``) when it is a rail/metro/tram station, a subway entrance,
    a ferry terminal, a bus station, or a ``public_transport=stop_position`` whose name ends in
    " T" (Oslo's metro-station naming, *T-banestasjon*) or that serves train/subway/tram/ferry.
    Other bus stops are kept with ``hub=False``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``hub_id``, ``name``, ``kind`` (rail, metro, tram, ferry, bus_station, bus), ``hub``, geometry.
    """
    import geopandas as gpd
    import osmium
    import shapely

    from geoaccess.datasets import fetch

    path = Path(pbf) if Path(pbf).is_file() else fetch(str(pbf))
    ids, names, kinds, hubs, lon, lat = [], [], [], [], [], []
    keys = ("railway", "public_transport", "amenity", "highway")
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(osmium.filter.KeyFilter(*keys)):
        tags = {t.k: t.v for t in obj.tags}
        kind = None
        for k in keys:
            kind = kind or _HUB_KIND.get((k, tags.get(k, "")))
        if tags.get("public_transport") == "stop_position" or tags.get("public_transport") == "platform":
            for mode, kd in (("train", "rail"), ("subway", "metro"), ("tram", "tram"), ("ferry", "ferry"), ("bus", "bus")):
                if tags.get(mode) == "yes":
                    kind = kind if kind not in (None, "bus") else kd
                    break
            kind = kind or "bus"
        if kind is None or not obj.location.valid():
            continue
        name = tags.get("name", "")
        if kind == "bus" and name.endswith(" T"):
            kind = "metro"  # Oslo's stops named '<place> T' sit at a T-bane station
        ids.append(f"osm:n{obj.id}")
        names.append(name)
        kinds.append(kind)
        hubs.append(kind != "bus")
        lon.append(obj.location.lon)
        lat.append(obj.location.lat)
    if not ids:
        msg = f"No transit stops or hubs found in {path}; give a hubs layer (e.g. from GTFS stops) instead."
        raise InputError(msg)
    g = gpd.GeoDataFrame({"hub_id": ids, "name": names, "kind": kinds, "hub": hubs},
                         geometry=shapely.points(lon, lat), crs="EPSG:4326").to_crs(crs)
    g.attrs["source"] = f"OpenStreetMap ({path.name}), ODbL"
    return g


def hubs_from_gtfs(feed: str | Path, *, crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """Stops of a GTFS zip as a hubs layer: stations (``location_type=1``) and rail/ferry stops are hubs.

    Returns
    -------
    geopandas.GeoDataFrame
        ``hub_id``, ``name``, ``kind`` (station, stop), ``hub``, geometry.
    """
    import zipfile

    import geopandas as gpd
    import pandas as pd
    import shapely

    from geoaccess.datasets import fetch

    path = Path(feed) if Path(feed).is_file() else fetch(str(feed))
    with zipfile.ZipFile(path) as z:
        names = {Path(n).name: n for n in z.namelist()}
        if "stops.txt" not in names:
            msg = f"{path}: no stops.txt in the GTFS feed."
            raise InputError(msg)
        with z.open(names["stops.txt"]) as fh:
            stops = pd.read_csv(fh, dtype=str)
    lt = pd.to_numeric(stops.get("location_type", pd.Series("0", index=stops.index)), errors="coerce").fillna(0)
    keep = lt.isin([0, 1])
    stops = stops[keep]
    is_station = lt[keep].to_numpy() == 1
    if not is_station.any():
        is_station = np.ones(len(stops), dtype=bool)  # feeds without stations: every stop counts
    g = gpd.GeoDataFrame(
        {"hub_id": ("gtfs:" + stops["stop_id"]).to_numpy(), "name": stops.get("stop_name", "").to_numpy(),
         "kind": np.where(is_station, "station", "stop"), "hub": is_station},
        geometry=shapely.points(stops["stop_lon"].astype(float), stops["stop_lat"].astype(float)), crs="EPSG:4326",
    ).to_crs(crs)
    g.attrs["source"] = f"GTFS {path.name}"
    return g


# --------------------------------------------------------------------------- helpers
def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    order = np.argsort(values[ok])
    cw = np.cumsum(weights[ok][order])
    return float(values[ok][order][np.searchsorted(cw, q * cw[-1])])


def _municipality_of(points: gpd.GeoDataFrame, year: int) -> np.ndarray:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.layers.boundaries import read_municipalities

    mun = read_municipalities(year, crs=str(points.crs))[["kommunenummer", "geometry"]]
    pts = points[[points.geometry.name]].reset_index(drop=True)
    joined = gpd.sjoin(pts, mun, how="left", predicate="within")
    joined = joined[~joined.index.duplicated()].sort_index()
    codes = joined["kommunenummer"].to_numpy(dtype=object)
    miss = np.flatnonzero(pd.isna(codes))
    if miss.size:  # points in water or on a border: nearest municipality within 1 km
        near = gpd.sjoin_nearest(pts.iloc[miss], mun, how="left", max_distance=1000.0)
        near = near[~near.index.duplicated()]
        codes[miss] = near.reindex(pts.index[miss])["kommunenummer"].to_numpy(dtype=object)
    return codes


def _cell_points(population: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    pts = population.copy()
    if not (pts.geometry.geom_type == "Point").all():
        pts = pts.set_geometry(pts.geometry.centroid)
    return pts


def _router(net: Router | Network) -> Router:
    from geoaccess.engine.router import Router

    return net if isinstance(net, Router) else Router.for_network(net)


def _minutes(router: Router, origins: Snapped, destinations: Snapped, *, what: str) -> np.ndarray:
    """(origins, destinations) minutes, inf unreachable; a warning about unreachable points is prefixed with ``what``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tt = router.matrix(origins, destinations)
    for w in caught:
        warnings.warn(f"{what}: {w.message}", w.category, stacklevel=3)
    return np.asarray(tt.seconds, dtype=np.float64) / 60.0


def _snap(router: Router, layer: gpd.GeoDataFrame, *, what: str, **options: float) -> Snapped:
    """Snap a layer once, quietly: sites are checked by the caller, cells/hubs off the network are NaN."""
    return router.snap(layer, what=what, warn=False, **options)


@dataclass(frozen=True)
class SiteEvaluation:
    """The result of :func:`evaluate_sites`.

    Attributes
    ----------
    table : pandas.DataFrame
        Wide table: one row per site, one column per measure (see :data:`CRITERIA`), plus
        ``rank_<measure>`` (1 = best) and, with weights, ``score`` and ``rank_score``.
    tidy : pandas.DataFrame
        Long table: ``site_id``, ``name``, ``criterion``, ``measure``, ``norsk``, ``english``,
        ``value``, ``unit``, ``better``, ``rank``.
    sites : geopandas.GeoDataFrame
        The sites with the wide table's columns.
    cells : geopandas.GeoDataFrame
        Population cells with ``car_min_<site>`` (NaN unreachable) for maps.
    hubs : geopandas.GeoDataFrame or None
        Transit stops/hubs used for criterion 5.
    notes : dict
        Data sources, age limits, assumptions (the report shows them as tables).
    missing : dict
        ``{measure: reason}`` for every criterion that is not computed ("not computed, because ...").
    """

    table: pd.DataFrame
    tidy: pd.DataFrame
    sites: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    hubs: gpd.GeoDataFrame | None
    jobs: int
    notes: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def evaluate_sites(
    sites: gpd.GeoDataFrame,
    *,
    jobs: int | None = None,
    car: Router | Network | None = None,
    population: gpd.GeoDataFrame | None = None,
    walk: Router | Network | None = None,
    users: gpd.GeoDataFrame | None = None,
    user_weight: str = "population",
    hubs: gpd.GeoDataFrame | None = None,
    flows: pd.DataFrame | None = None,
    flows_year: int = 2021,
    table_11618: pd.DataFrame | None = None,
    centrality: Mapping[str, int] | pd.DataFrame | None = None,
    existing: gpd.GeoDataFrame | None = None,
    site_id: str = "site_id",
    name_column: str = "name",
    pool_minutes: Sequence[float] = POOL_MINUTES,
    centre_minutes: float = 10.0,
    omland_minutes: float = 45.0,
    weights: Mapping[str, float] | None = None,
    net_car: Network | None = None,
    net_walk: Network | None = None,
    max_snap_m: float = 1000.0,
    access_speed_kmh: float = 5.0,
    missing_reasons: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    office_jobs: int | None = None,
) -> SiteEvaluation:
    """Evaluate three or more candidate sites for a state office with ``jobs`` new jobs.

    Parameters
    ----------
    sites
        >= 3 candidate points with ``site_id`` and ``name`` columns and a CRS.
    jobs
        N, the number of new jobs (> 0); ``office_jobs=`` is the same (the vocabulary's name).
    car
        Car router (or network): labour pool, user access, omland. Every layer is snapped once to it.
    population
        SSB 250 m grid (cells or points) with a ``population`` column: the labour pool.
    walk
        Walk router (or network) for criterion 5 (default: ``car``, with a note).
    users
        The service's users (default: ``population``), weighted by ``user_weight``.
    hubs
        Transit stops/hubs (:func:`read_transit_hubs` / :func:`hubs_from_gtfs`); with ``hub``
        and ``name`` columns. ``None`` skips criterion 5 (noted).
    flows
        Commuting flows (SSB 03321 table, municipality codes of the 2020 division); default
        the shared 2021 sample. Used for BA-regions and jobs by workplace.
    flows_year
        Year of the default flows and of table 11618.
    table_11618
        SSB 11618 per municipality (``population_15_74``); default the shared sample of ``flows_year``.
    centrality
        Centrality class per municipality code (mapping or DataFrame ``kommunenummer``, ``class``);
        ``None`` leaves criterion 3 empty (noted).
    existing
        Existing offices of the same service (for the omland change); ``None`` compares with no office.
    site_id, name_column
        Columns of ``sites``.
    pool_minutes
        Labour-pool thresholds in minutes (default 30/45/60/75).
    centre_minutes, omland_minutes
        The omland is the residents more than ``centre_minutes`` and at most ``omland_minutes``
        by car from the site.
    weights
        Optional weights per measure column for a weighted score of normalised ranks.
    net_car, net_walk
        Deprecated names of ``car`` and ``walk``.
    missing_reasons
        Why an input is missing, from the caller, by input: ``{"hubs": ..., "walk": ...,
        "centrality": ...}`` (e.g. "NETWORK is a saved network folder without its OSM source"); used in
        the "not computed, because ..." of the criteria that need it.
    progress
        Called with the title of each step as it starts (the CLI shows a spinner and the time).
    office_jobs
        The vocabulary's name of ``jobs`` (the office's number of new jobs); give one.
    max_snap_m, access_speed_kmh
        Snapping of the layers routed by car (sites, cells, users, existing offices): largest distance in
        metres and access-leg speed in km/h (on a national network such as N1000, 30 km/h and several km
        stand in for the local roads it leaves out).

    Raises
    ------
    geoaccess.errors.InputError
        Fewer than three sites, jobs <= 0, missing columns, sites off the car network.
    """
    import geopandas as gpd
    import pandas as pd

    if office_jobs is not None:
        if jobs is not None and jobs != office_jobs:
            msg = "give office_jobs= only (jobs= is its older name)."
            raise InputError(msg)
        jobs = office_jobs
    if jobs is None:
        msg = "evaluate_sites needs office_jobs= (N, the number of new jobs of the office)."
        raise InputError(msg)
    step = progress or (lambda title: None)
    reasons = dict(missing_reasons or {})
    missing: dict[str, str] = {}
    if net_car is not None or net_walk is not None:  # deprecated names, accepted for one release
        car = car if car is not None else net_car
        walk = walk if walk is not None else net_walk
    if car is None or population is None:
        msg = "evaluate_sites needs car= (a car router or network) and population= (the SSB grid)."
        raise InputError(msg)
    if len(sites) < 3:
        msg = (f"The guidelines ask for at least three alternative locations; {len(sites)} site(s) given. "
               "Add candidate sites (one of them in centrality class 3–6).")
        raise InputError(msg)
    if not (isinstance(jobs, (int, np.integer)) or float(jobs).is_integer()) or jobs <= 0:
        msg = f"jobs must be a positive whole number of new jobs, got {jobs!r}."
        raise InputError(msg)
    jobs = int(jobs)
    if weights:
        unknown = [k for k in weights if k not in CRITERIA]
        if unknown:
            msg = f"Weights for unknown measures {unknown}; choose from {list(CRITERIA)}."
            raise InputError(msg)
    for col in (site_id, name_column):
        if col not in sites.columns:
            msg = f"The sites layer has no column {col!r}; columns: {list(sites.columns)}."
            raise InputError(msg)
    if "population" not in population.columns:
        msg = f"The population layer has no 'population' column; columns: {list(population.columns)}."
        raise InputError(msg)
    if sites.crs is None or population.crs is None:
        msg = "The sites and population layers need a CRS."
        raise InputError(msg)
    car_r = _router(car)
    net_car = car_r.network
    sites = sites.to_crs(net_car.crs).reset_index(drop=True)
    sites = sites.set_geometry(sites.geometry.centroid) if not (sites.geometry.geom_type == "Point").all() else sites
    ids = sites[site_id].astype(str).to_numpy()
    if len(set(ids)) != len(ids):
        msg = f"Site ids must be unique: {ids.tolist()}."
        raise InputError(msg)
    names = sites[name_column].astype(str).to_numpy()
    notes: dict[str, Any] = {}
    cells = _cell_points(population.to_crs(net_car.crs)).reset_index(drop=True)
    pop = cells["population"].to_numpy(dtype=float)

    # ---- car times site -> cells (minutes); every layer is snapped once
    step(f"car times from {len(ids)} sites to {len(cells):,} cells")
    car_snap = {"max_snap_m": max_snap_m, "access_speed_kmh": access_speed_kmh}
    site_pts = _snap(car_r, sites, what="sites", **car_snap)
    cell_pts = _snap(car_r, cells, what="cells", **car_snap)
    t_cells = _minutes(car_r, site_pts, cell_pts, what="sites").astype(float)  # (S, C)
    off = ~np.isfinite(t_cells).any(axis=1)
    if off.any():
        msg = (f"Sites {ids[off].tolist()} are off the car network (more than {max_snap_m:g} m from a car road, or outside its "
               "area); move them or use a network that covers them.")
        raise InputError(msg)
    on_net = np.isfinite(t_cells).any(axis=0)
    notes["population_total"] = float(pop.sum())
    notes["population_off_network"] = float(pop[~on_net].sum())
    from geoaccess.engine.counting import COUNTING_RULE

    notes["counting_rule"] = COUNTING_RULE
    out: dict[str, Any] = {"site_id": ids, "name": names}

    # ---- 1 labour pool
    for m in pool_minutes:
        out[f"pool_{m:g}"] = (np.where(t_cells <= m, 1.0, 0.0) @ pop)
    mun_sites = _municipality_of(sites, 2020)
    mun_cells = _municipality_of(cells, 2020)
    out["kommunenummer"] = mun_sites
    if table_11618 is None:
        from geoaccess.layers.commuting import load_11618

        table_11618 = load_11618(flows_year)
    grid_by_mun = pd.Series(pop).groupby(pd.Series(mun_cells).fillna("")).sum()
    share = (table_11618.set_index("kommunenummer")["population_15_74"] / grid_by_mun).dropna()
    share = share[(share > 0) & (share <= 1)]
    cell_share = pd.Series(mun_cells).map(share).to_numpy(dtype=float)
    notes["share_15_74"] = {k: round(float(v), 4) for k, v in share.items()}
    pop1574 = pop * np.nan_to_num(cell_share, nan=0.0)
    known = np.isfinite(cell_share)
    for m in pool_minutes:
        val = np.where(t_cells <= m, 1.0, 0.0) @ pop1574
        unknown = (np.where(t_cells <= m, 1.0, 0.0) @ (pop * ~known)) > 0
        out[f"pool_15_74_{m:g}"] = np.where(unknown, np.nan, val)
    notes["age_limits"] = (
        "The SSB 250 m grid counts residents of all ages; the 20–66 age band is not available per cell. The pool is "
        f"given for all ages and as an estimate of residents aged 15–74 (grid population x the municipality's "
        f"15–74 share: SSB table 11618 {flows_year} population 15–74 / 2023 grid population)."
    )

    # ---- BA-region and 2 relative labour-market effect
    step("BA-regions from the commuting flows")
    from geoaccess.layers.commuting import jobs_by_workplace, load_flows
    from geoaccess.regions.ba import ba_regions

    fl = load_flows(flows_year) if flows is None else flows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = ba_regions(fl)
    memb = reg.membership.set_index("kommunenummer")
    job_mun = jobs_by_workplace(fl)
    region = pd.Series(mun_sites).map(memb["region"]).to_numpy(dtype=object)
    region_jobs = memb.groupby("region")["jobs"].sum() if "jobs" in memb else job_mun.groupby(memb["region"]).sum()
    out["ba_region"] = region
    out["ba_region_centre"] = pd.Series(mun_sites).map(memb["centre"]).to_numpy(dtype=object)
    out["ba_region_jobs"] = pd.Series(region).map(region_jobs).to_numpy(dtype=float)
    out["municipality_jobs"] = pd.Series(mun_sites).map(job_mun).to_numpy(dtype=float)
    out["effect_region_permille"] = 1000.0 * jobs / out["ba_region_jobs"]
    out["effect_municipality_permille"] = 1000.0 * jobs / out["municipality_jobs"]
    out["ba_region_members"] = [
        ",".join(memb.index[memb["region"] == r].tolist()) if isinstance(r, str) else "" for r in region
    ]
    notes["ba_regions"] = (f"BA-regions (bo- og arbeidsmarkedsregioner) delineated from SSB table 03321 commuting "
                           f"{flows_year} with geoaccess.regions.ba (TØI-style rules, no travel-time rules); jobs = "
                           "employed persons by workplace municipality.")

    # ---- 3 centrality class
    if centrality is None:
        out["centrality_class"] = np.full(len(ids), np.nan)
        why = reasons.get("centrality", "no centrality table was given (give --centrality FILE with kommunenummer,class)")
        missing["centrality_class"] = f"not computed, because {why}"
        notes["centrality"] = f"Criterion 3 not computed: {why}."
    else:
        if isinstance(centrality, pd.DataFrame):
            cmap = dict(zip(centrality["kommunenummer"].astype(str).str.zfill(4), centrality["class"].astype(int), strict=False))
            notes["centrality"] = centrality.attrs.get("source", "user-supplied centrality table")
        else:
            cmap = {str(k).zfill(4): int(v) for k, v in centrality.items()}
            notes["centrality"] = "user-supplied centrality classes"
        out["centrality_class"] = np.array([cmap.get(str(k), np.nan) for k in mun_sites], dtype=float)
    in_3_6 = np.asarray(out["centrality_class"]) >= 3
    notes["guideline_class_3_6"] = bool(in_3_6.any())

    # ---- 4 access for users
    step("access for users")
    if users is None:
        t_users, uw = t_cells, pop
        notes["users"] = "users = all residents of the population grid (a service for the whole population)"
    else:
        if user_weight not in users.columns:
            msg = f"The users layer has no weight column {user_weight!r}."
            raise InputError(msg)
        upts = _cell_points(users.to_crs(net_car.crs)).reset_index(drop=True)
        t_users = _minutes(car_r, site_pts, _snap(car_r, upts, what="users", **car_snap), what="users")
        uw = upts[user_weight].to_numpy(dtype=float)
        notes["users"] = f"users from the given layer, weighted by {user_weight!r}"
    reach = np.isfinite(t_users)
    out["users_mean_minutes"] = np.array([np.average(t_users[s][reach[s]], weights=uw[reach[s]])
                                          if uw[reach[s]].sum() > 0 else np.nan for s in range(len(ids))])
    out["users_p90_minutes"] = np.array([_weighted_quantile(t_users[s], uw, 0.9) for s in range(len(ids))])
    out["users_share_60"] = (np.where(t_users <= 60.0, 1.0, 0.0) @ uw) / uw.sum()
    out["users_unreachable_share"] = (np.where(~reach, 1.0, 0.0) @ uw) / uw.sum()

    # ---- 5 walk to the nearest transit hub
    step("walk to the nearest transit hub")
    walk_r = _router(walk) if walk is not None else car_r
    if walk is None:
        why = reasons.get("walk", "no walk network was given")
        notes["walk"] = f"Walk times on the car network's geometry at car speed (weak), because {why}."
    if hubs is None or len(hubs) == 0:
        out["walk_hub_minutes"] = np.full(len(ids), np.nan)
        out["walk_stop_minutes"] = np.full(len(ids), np.nan)
        out["nearest_hub"] = np.full(len(ids), "", dtype=object)
        why = reasons.get("hubs", "no transit stops were given (give --hubs: an OSM PBF or a GTFS zip)"
                          if hubs is None else "the transit-stop layer given is empty")
        missing["walk_hub_minutes"] = missing["walk_stop_minutes"] = f"not computed, because {why}"
        notes["hubs"] = f"Criterion 5 not computed: {why}."
    else:
        hb = hubs.to_crs(walk_r.network.crs).reset_index(drop=True)
        walk_sites = site_pts if walk_r is car_r else _snap(walk_r, sites, what="sites")
        t_h = _minutes(walk_r, walk_sites, _snap(walk_r, hb, what="hubs"), what="hubs")
        is_hub = hb["hub"].to_numpy(dtype=bool) if "hub" in hb.columns else np.ones(len(hb), dtype=bool)
        th = np.where(is_hub[None, :], t_h, np.inf)
        k = np.argmin(th, axis=1)
        best = th[np.arange(len(ids)), k]
        out["walk_hub_minutes"] = np.where(np.isfinite(best), best, np.nan)
        labels = [f"{hb['name'][j] or 'unnamed'} ({hb['kind'][j]})" if "kind" in hb else str(hb["name"][j]) for j in k]
        out["nearest_hub"] = np.where(np.isfinite(best), labels, "")
        anyb = t_h.min(axis=1)
        out["walk_stop_minutes"] = np.where(np.isfinite(anyb), anyb, np.nan)
        notes["hubs"] = (f"{int(is_hub.sum())} hubs and {int((~is_hub).sum())} other stops from "
                         f"{hubs.attrs.get('source', 'the given layer')}; walk times on the walk network.")

    # ---- 6 omland (hinterland) effect
    step("omland effect")
    if existing is not None and len(existing) > 0:
        ex_pts = _snap(car_r, existing.to_crs(net_car.crs).reset_index(drop=True), what="existing offices", **car_snap)
        t_exist = _minutes(car_r, ex_pts, cell_pts, what="existing").min(axis=0)
        notes["omland"] = f"before = nearest of {len(existing)} existing office(s); after = nearest of those and the site"
    else:
        t_exist = np.full(len(cells), np.inf)
        notes["omland"] = ("no existing offices given: 'before' is no office within reach, so the change is measured "
                           "against the omland_minutes horizon")
    change, share_pool, omland_pop = [], [], []
    for s in range(len(ids)):
        om = (t_cells[s] > centre_minutes) & (t_cells[s] <= omland_minutes) & (pop > 0)
        before = np.minimum(t_exist[om], omland_minutes)
        after = np.minimum(np.minimum(t_exist[om], t_cells[s][om]), omland_minutes)
        w = pop[om]
        change.append(float(np.average(after - before, weights=w)) if w.sum() > 0 else np.nan)
        pool = pop[t_cells[s] <= omland_minutes].sum()
        share_pool.append(float(w.sum() / pool) if pool > 0 else np.nan)
        omland_pop.append(float(w.sum()))
    out["omland_population"] = np.array(omland_pop)
    out["omland_change_minutes"] = np.array(change)
    out["omland_share_of_pool"] = np.array(share_pool)
    notes["omland_definition"] = (f"omland = residents more than {centre_minutes:g} and at most {omland_minutes:g} "
                                  "minutes by car from the site; times beyond the horizon count as the horizon")

    table = pd.DataFrame(out)
    measures = [c for c in CRITERIA if c in table.columns or c.startswith("pool_")]
    measures = [c for c in measures if c in table.columns]
    tied: dict[str, np.ndarray] = {}
    for c in measures:
        _, _, _, unit, better = CRITERIA[c]
        rounded, rank, tied[c] = rank_rounded(table[c], unit=unit, better=better)
        table[c] = rounded
        table[f"rank_{c}"] = pd.array(np.where(np.isnan(rank), pd.NA, rank), dtype="Int64")
        if np.isnan(rounded).all() and c not in missing:
            missing[c] = "not computed, because no site has a value (unreachable or missing input)"
    for c in ("ba_region_jobs", "municipality_jobs", "omland_population"):
        table[c] = np.round(table[c].astype(float))
    if weights:
        unknown = [k for k in weights if k not in measures]
        if unknown:
            msg = f"Weights for unknown measures {unknown}; choose from {measures}."
            raise InputError(msg)
        n = len(table)
        score = np.zeros(n)
        tot = 0.0
        for c, wt in weights.items():
            r = table[f"rank_{c}"].astype(float).to_numpy()
            if np.isnan(r).all():
                continue
            score += float(wt) * np.nan_to_num((n - r) / max(n - 1, 1), nan=0.0)
            tot += float(wt)
        table["score"] = score / tot if tot > 0 else np.nan
        table["rank_score"] = table["score"].rank(ascending=False, method="min").astype("Int64")
        notes["score"] = f"weighted score of normalised ranks (1 = best on all), weights {dict(weights)}"
    rows = []
    for c in measures:
        no, nb, en, unit, better = CRITERIA[c]
        for i in range(len(table)):
            v = table[c].iloc[i]
            rows.append({"site_id": ids[i], "name": names[i], "criterion": no, "measure": c, "norsk": nb,
                         "english": en, "value": float(v) if pd.notna(v) else np.nan, "unit": unit, "better": better,
                         "rank": table[f"rank_{c}"].iloc[i], "tied": bool(tied[c][i]),
                         "note": missing.get(c, "")})
    tidy = pd.DataFrame(rows)
    sites_g = gpd.GeoDataFrame(table.copy(), geometry=sites.geometry.to_numpy(), crs=sites.crs)
    pop_crs = population.to_crs(net_car.crs).reset_index(drop=True)
    cells_out = pop_crs[["population", population.geometry.name]].copy()
    cells_out.insert(0, "cell_id", pop_crs["cell_id"].to_numpy() if "cell_id" in pop_crs.columns
                     else np.arange(1, len(pop_crs) + 1))
    for s, sid in enumerate(ids):
        cells_out[f"car_min_{sid}"] = np.where(np.isfinite(t_cells[s]), t_cells[s], np.nan)
    cells_out["car_min_best"] = np.where(np.isfinite(t_cells.min(axis=0)), t_cells.min(axis=0), np.nan)
    notes["jobs"] = jobs
    notes["network_car"] = net_car.summary() if hasattr(net_car, "summary") else {}
    return SiteEvaluation(table, tidy, sites_g, gpd.GeoDataFrame(cells_out, crs=net_car.crs), hubs, jobs, notes,
                          missing)
