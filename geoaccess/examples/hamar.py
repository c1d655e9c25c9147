"""Hamar and its hinterland, end to end: the first step of ``geoaccess demo`` (issue 14).

Hamar (Innlandet, 31,000 residents in 2015) is a regional centre of the small-town strategy.
This example runs :func:`geoaccess.omland.small_town_analysis` for it on real data:

* **network**: Hamar's full NVDB / FKB-Vegnett road network (2017) inside the municipality,
  stitched into Kartverket's national N1000 network beyond its border
  (:func:`geoaccess.network.stitch.stitch_networks`, ``kommune:0403``);
* **centre**: Hamar railway station (N1000 station layer), beside Stortorget;
* **people and jobs**: the SSB 2015 250 m grid; jobs by workplace municipality (SSB 03321, 2021)
  spread over the cells by residents (:func:`geoaccess.layers.jobs.jobs_to_grid`);
* **region** (*Hamarregionen*): Hamar, Ringsaker, Løten and Stange;
* **services**: NAV offices and district courts (Etatsbasen 2014), healthcare sites (GISCO 2020);
* **office siting**: a 50-job state office at Hamar, Elverum or Tynset station, users = Innlandet's residents;
* **investment**: the hypothetical Mjøsa crossing Hamar – Nes – Gjøvik (``scenarios/hamar_mjosa_crossing.toml``).

:func:`hamar_analysis` writes every table, GeoPackage and map to one folder and returns a
JSON-ready summary; :func:`centre_times` and :func:`border_check` compare the composite network
with N1000 alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network

__all__ = [
    "BOUNDARY",
    "CENTRE_STATION",
    "N1000",
    "NEIGHBOURS",
    "NVDB",
    "REGION",
    "SCENARIO",
    "SITES",
    "analysis_cells",
    "border_check",
    "centre_times",
    "derived_towns",
    "dissolve_classes",
    "hamar_analysis",
    "hamar_networks",
    "place_labels",
    "print_summary",
    "stations",
    "town_halls",
    "walk_on_roads",
]

NVDB = "roads/hamar_0403_nvdb_fkbvn_2017.zip"
N1000 = "roads/kartverket_n1000_veglenke_2025.gpkg"
BOUNDARY = "kommune:0403"
CENTRE_STATION = "Hamar"
REGION = {"3403": "Hamar", "3411": "Ringsaker", "3412": "Løten", "3413": "Stange"}
"""*Hamarregionen*: the four municipalities of the regional council (codes of 2020, the same in 2024)."""
NEIGHBOURS = ("Stange", "Løten", "Ringsaker", "Elverum", "Gjøvik", "Lillehammer", "Oslo")
"""Municipalities whose centres (their town halls in Etatsbasen 2014) are compared on the composite and on N1000 alone."""
SITES = ("Hamar", "Elverum", "Tynset")
"""Candidate sites of the state office: these N1000 railway stations."""
SCENARIO = "hamar_mjosa_crossing.toml"
STATIONS = "services/kartverket_n1000_jernbanestasjon_2025.geojson"
PLACES = "places/kartverket_n1000_stedsnavn_bebyggelse_2025.geojson"
SERVICES = {"nav_office": ("nav_office",), "district_court": ("district_court",), "healthcare": ("hospital", "clinic")}
"""Service name -> ``geoaccess.layers.services`` kinds (healthcare: GISCO 2020 hospitals and clinics)."""
JOBS_YEAR = 2021
BOUNDARY_YEAR = 2020
"""Municipal division of the cells (2020 codes, valid 2020-2023; Innlandet's are the same in 2024)."""
CELL_RADIUS_M = 110_000.0
SNAP = {"max_snap_m": 5_000.0, "access_speed_kmh": 30.0}
WALK_KMH = 5.0


# ----------------------------------------------------------------------------- inputs
def hamar_networks(*, progress: bool = False) -> tuple[Network, Network, Network]:
    """``(composite, nvdb_car, n1000_car)``: Hamar's NVDB car network stitched into N1000 at the municipal border."""
    from geoaccess.network.build import build_network
    from geoaccess.network.stitch import read_boundary, stitch_networks

    nvdb = build_network(NVDB, mode="car", progress=progress)
    n1000 = build_network(N1000, mode="car", progress=progress)
    return stitch_networks(nvdb, n1000, polygon=read_boundary(BOUNDARY)), nvdb, n1000


def stations(names: Sequence[str]) -> gpd.GeoDataFrame:
    """N1000 railway stations by name (``site_id`` = lower-case name, ``name``; EPSG:25833), in the order given."""
    import geopandas as gpd
    import pandas as pd

    from geoaccess.datasets import fetch
    from geoaccess.errors import InputError

    st = gpd.read_file(fetch(STATIONS)).to_crs("EPSG:25833")
    rows = []
    for name in names:
        hit = st[st["navn"] == name]
        if hit.empty:
            msg = f"No railway station named {name!r} in {STATIONS}."
            raise InputError(msg)
        rows.append(hit.iloc[[0]].assign(site_id=name.lower(), name=name))
    out = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=st.crs)
    return out[["site_id", "name", "geometry"]]


def place_labels(bounds: Sequence[float], *, kinds: Sequence[str] = ("by",), crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """N1000 place names inside ``bounds`` (x0, y0, x1, y1 in ``crs``) with a ``label`` column, for maps."""
    import geopandas as gpd

    from geoaccess.datasets import fetch

    p = gpd.read_file(fetch(PLACES)).to_crs(crs)
    x0, y0, x1, y1 = bounds
    p = p.cx[x0:x1, y0:y1]
    p = p[p["navneobjekttype"].isin(kinds)].drop_duplicates("stedsnummer")
    return p.assign(label=p["fulltekst"])[["label", "geometry"]].reset_index(drop=True)


def analysis_cells(points: gpd.GeoDataFrame, *, grid: gpd.GeoDataFrame | None = None, radius_m: float = CELL_RADIUS_M,
                   county: str = "34", jobs_year: int = JOBS_YEAR) -> gpd.GeoDataFrame:
    """2015 grid cells of the county's municipalities and of every municipality within ``radius_m`` of ``points``, with jobs.

    Whole municipalities only (2020 division), so no municipality's jobs land on a border sliver.

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell_id``, ``population`` (2015), ``kommunenummer`` (2020 codes), ``jobs`` (SSB 03321 ``jobs_year``,
        spread by residents), cell polygons; ``attrs`` carry ``population_year`` and the jobs provenance.
    """
    import warnings

    import geopandas as gpd
    import shapely

    from geoaccess.layers.boundaries import read_municipalities
    from geoaccess.layers.jobs import jobs_to_grid
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid

    grid = read_ssb_grid(NATIONAL_GRID_250M) if grid is None else grid
    mun = read_municipalities(BOUNDARY_YEAR, crs=str(grid.crs))
    reach = shapely.union_all(points.to_crs(grid.crs).geometry.buffer(radius_m).to_numpy())
    chosen = mun[mun["kommunenummer"].str.startswith(county) | mun.intersects(reach)]
    centres = gpd.GeoDataFrame(geometry=grid.geometry.centroid, crs=grid.crs)
    hit = gpd.sjoin(centres, chosen[["kommunenummer", "geometry"]], predicate="within", how="inner")
    hit = hit[~hit.index.duplicated()]
    cells = grid.loc[hit.index].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # shore cells outside the generalised boundaries: counted below
        out = jobs_to_grid(cells, year=jobs_year, boundaries_year=BOUNDARY_YEAR,
                           municipalities=sorted(chosen["kommunenummer"]), nearest_within=2_000.0)
    out = out.reset_index(drop=True)
    out.attrs["population_year"] = grid.attrs.get("population_year", 2015)
    out.attrs["municipalities"] = len(chosen)
    return out


def derived_towns(grid: gpd.GeoDataFrame, *, area: Any = None, min_population: float = 5_000.0) -> gpd.GeoDataFrame:
    """Towns of at least ``min_population`` derived from the grid (interim, until ``geoaccess.layers.towns``).

    Towns are clusters of populated 250 m cells (:func:`geoaccess.regions.town_clusters.town_parts`: cells with
    >= 20 residents, linked across gaps of one cell); each town is placed at the densest 1 km spot of the
    municipality holding its largest part and named after that municipality. Derived, not SSB's tettsteder.
    ``area`` (a polygon) keeps only the cells inside it: a town cut by its edge is then smaller than it is,
    so give an area at least 150 km (90 minutes at 100 km/h) beyond the places to be classed.
    """
    import geopandas as gpd

    from geoaccess.layers.boundaries import locate_points, read_municipalities
    from geoaccess.layers.centres import municipality_centres
    from geoaccess.layers.towns import TOWN_RULE, town_parts

    mun = read_municipalities(BOUNDARY_YEAR, crs=str(grid.crs))
    if area is not None:
        x0, y0, x1, y1 = area.bounds
        grid = grid.cx[x0:x1, y0:y1]
        grid = grid[grid.geometry.centroid.within(area)]
    pts = grid.geometry.centroid
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    codes = np.asarray(locate_points(x, y, mun, max_distance_m=2_000.0), dtype=object)
    parts = town_parts(x, y, grid["population"].to_numpy(), codes)
    big = parts[parts["town_population"] >= min_population]
    main = big.sort_values("population", ascending=False).drop_duplicates("town")
    main = main.drop_duplicates("kommunenummer")  # one town per municipality: its largest
    chosen = mun[mun["kommunenummer"].isin(main["kommunenummer"])]
    cells = grid.assign(kommunenummer=codes)
    centres = municipality_centres(chosen, cells[np.isin(codes, main["kommunenummer"].to_numpy())],
                                   rule="densest").set_index("kommunenummer")
    towns = gpd.GeoDataFrame(
        {"name": centres.loc[main["kommunenummer"], "kommunenavn"].to_numpy(),
         "kommunenummer": main["kommunenummer"].to_numpy(), "population": main["town_population"].to_numpy()},
        geometry=centres.loc[main["kommunenummer"]].geometry.to_numpy(), crs=grid.crs)
    towns.attrs["rule"] = TOWN_RULE.format(year=grid.attrs.get("population_year", 2015), min_cell="20", link=2, minimum="") + (
        f"; towns of {min_population:,.0f}+ placed at the densest 1 km spot of the municipality holding their largest "
        f"part, named after it")
    return towns.sort_values("population", ascending=False).reset_index(drop=True)


def walk_on_roads(net: Network, *, kmh: float = WALK_KMH) -> Network:
    """The network walked at ``kmh`` on its own edges (ferries keep their times): for walks to a station."""
    from geoaccess.network.graph import EdgeFlag

    ferry = (net.flags & EdgeFlag.FERRY) != 0
    seconds = np.where(ferry, net.seconds, net.metres / (kmh / 3.6))
    return replace(net, seconds=seconds, mode="walk", meta={**net.meta, "walk_on_roads_kmh": kmh})


# ----------------------------------------------------------------------------- composite vs N1000
def centre_times(composite: Router, coarse: Router, origin: gpd.GeoDataFrame, centres: gpd.GeoDataFrame) -> pd.DataFrame:
    """Car minutes from ``origin`` to each centre (and back) on the composite and on the coarse network alone.

    ``origin`` and ``centres`` are points with a ``name`` column.

    Returns
    -------
    pandas.DataFrame
        ``destination``, ``composite_minutes``, ``coarse_minutes``, ``ratio`` (composite / coarse),
        ``composite_back_minutes``, ``coarse_back_minutes`` (the trip back).
    """
    import pandas as pd

    rows = {}
    for name, router in (("composite", composite), ("coarse", coarse)):
        o = router.snap(origin, id_column="name", what="origin", **SNAP)
        d = router.snap(centres, id_column="name", what="centres", **SNAP)
        rows[name] = router.matrix(o, d).seconds[0] / 60.0
        rows[f"{name}_back"] = router.matrix(d, o).seconds[:, 0] / 60.0
    return pd.DataFrame({"destination": centres["name"].to_numpy(),
                         "composite_minutes": rows["composite"], "coarse_minutes": rows["coarse"],
                         "ratio": rows["composite"] / rows["coarse"],
                         "composite_back_minutes": rows["composite_back"], "coarse_back_minutes": rows["coarse_back"]})


def border_check(composite: Router, coarse: Router, inside: np.ndarray, outside: np.ndarray) -> pd.DataFrame:
    """Every trip between points inside the stitching polygon and points outside it, both ways, on both networks.

    Parameters
    ----------
    composite, coarse
        Routers of the composite and of the coarse network alone.
    inside, outside
        Point coordinates (k, 2) in the networks' CRS: e.g. the coarse network's nodes inside the polygon
        (points both networks have roads at) and centres outside.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination`` (row numbers), ``direction`` (``out`` from inside, ``in`` towards it),
        ``composite_minutes``, ``coarse_minutes`` (NaN unreachable), ``ratio``.
    """
    import pandas as pd

    crs = composite.network.crs
    parts = []
    for direction, a, b in (("out", inside, outside), ("in", outside, inside)):
        times = {}
        for name, router in (("composite", composite), ("coarse", coarse)):
            o = router.snap((a[:, 0], a[:, 1]), crs=crs, ids=np.arange(len(a)), what="origins", warn=False, **SNAP)
            d = router.snap((b[:, 0], b[:, 1]), crs=crs, ids=np.arange(len(b)), what="destinations", warn=False, **SNAP)
            times[name] = router.matrix(o, d).seconds / 60.0
        i, j = np.meshgrid(np.arange(len(a)), np.arange(len(b)), indexing="ij")
        c, n = times["composite"].ravel(), times["coarse"].ravel()
        parts.append(pd.DataFrame({"origin": i.ravel(), "destination": j.ravel(), "direction": direction,
                                   "composite_minutes": np.where(np.isfinite(c), c, np.nan),
                                   "coarse_minutes": np.where(np.isfinite(n), n, np.nan)}))
    out = pd.concat(parts, ignore_index=True)
    out["ratio"] = out["composite_minutes"] / out["coarse_minutes"]
    return out


# ----------------------------------------------------------------------------- the analysis
def town_halls(names: Sequence[str]) -> gpd.GeoDataFrame:
    """The town halls (*rådhus*, Etatsbasen 2014 ``<name> kommune``) of municipalities: their centres (``name``, points)."""
    from geoaccess.errors import InputError
    from geoaccess.layers.services import read_services

    halls = read_services(sources=("etatsbasen",), services=["townhall"])
    rows = []
    for name in names:
        hit = halls[halls["name"] == f"{name} kommune"]
        if hit.empty:
            msg = f"No town hall '{name} kommune' in Etatsbasen 2014."
            raise InputError(msg)
        rows.append(hit.iloc[[0]].assign(name=name))
    import geopandas as gpd
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=halls.crs)[["name", "geometry"]]


def _services() -> dict[str, gpd.GeoDataFrame]:
    from geoaccess.layers.services import read_services

    allsvc = read_services(sources=("etatsbasen", "healthcare"))
    out = {}
    for name, kinds in SERVICES.items():
        sel = allsvc[allsvc["service"].isin(kinds)]
        if name == "healthcare":
            sel = sel[sel["source"].astype(str).str.contains("healthcare|gisco", case=False)]
        out[name] = sel.reset_index(drop=True)
    return out


def _scenario_router(base: Router) -> tuple[Router, Any]:
    from geoaccess.engine.router import Router
    from geoaccess.scenario.demo import scenario_dir
    from geoaccess.scenario.edit import apply_scenario
    from geoaccess.scenario.spec import read_spec

    spec = read_spec(scenario_dir() / SCENARIO)
    return Router(apply_scenario(base.network, spec), base=base.network), spec


def _context(bounds: Sequence[float], crs: str, *, margin: float = 0.05) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Municipality borders (2024, as lines clipped to the extent) and place names for a map extent."""
    import shapely

    from geoaccess.layers.boundaries import read_municipalities

    x0, y0, x1, y1 = bounds
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    box = shapely.box(x0 - dx, y0 - dy, x1 + dx, y1 + dy)
    mun = read_municipalities(2024, crs=crs)
    lines = mun.set_geometry(mun.geometry.boundary).clip(box)
    lines = lines[~lines.geometry.is_empty][["kommunenummer", "kommunenavn", "geometry"]]
    return lines, place_labels(box.bounds, crs=crs)


def dissolve_classes(cells: gpd.GeoDataFrame, column: str, scale: Any) -> gpd.GeoDataFrame:
    """One (multi)polygon per colour class of ``column`` (cells merged), for quick maps of thousands of grid cells.

    Each merged shape keeps the mean value of its class (so it falls in the same class) and ``cells``, the count.
    """
    import geopandas as gpd
    import shapely

    values = cells[column].to_numpy()
    cls = scale.classes(values)
    rows, geoms = [], []
    for k in np.unique(cls):
        sel = cls == k
        v = values[sel]
        rep = v[0] if scale.kind == "categorical" else float(np.nanmean(v.astype(float))) if k >= 0 else np.nan
        rows.append({column: rep, "cells": int(sel.sum())})
        geoms.append(shapely.coverage_union_all(cells.geometry.to_numpy()[sel]))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=cells.crs)


def _maps(res: Any, comp: Network, out: Path) -> list[str]:
    """PNG and HTML maps, each with municipality borders and place names."""
    import geopandas as gpd
    import shapely

    from geoaccess.report.colours import categorical_scale, diverging_scale
    from geoaccess.report.maps import html_map, png_map

    written = []
    crs = comp.crs
    centre = res.centre.assign(label=res.centre["name"] + " stasjon")[["label", "geometry"]]
    catch = res.catchments.sort_values("minutes", ascending=False)
    borders, names = _context(catch.total_bounds, crs)
    png_map(catch, out / "omland_catchments.png", column="minutes", cmap="YlGnBu_r",
            title="Hamar's omland: car catchments 15/30/45/60 min (NVDB in Hamar, N1000 beyond)",
            legend_title="car minutes from Hamar stasjon", overlays=(borders, names, centre))
    html_map(catch, out / "omland_catchments.html", column="minutes", cmap="YlGnBu_r",
             title="Hamar's omland: car catchments (minutes)", overlays=(names, centre))
    written += ["omland_catchments.png", "omland_catchments.html"]
    if res.coverage is not None:
        reg = res.coverage.cells
        b2, n2 = _context(reg.total_bounds, crs)
        col = "services_beyond_30_min"
        beyond = reg.assign(**{col: np.where(reg["beyond"] == "", "all within 30 min", reg["beyond"])})
        scale = categorical_scale(beyond[col], cmap="Set2", title="beyond 30 min")
        png_map(dissolve_classes(beyond, col, scale), out / "service_coverage.png", column=col, scale=scale,
                title="Hamarregionen: cells beyond 30 min by car of a NAV office, court or health site",
                overlays=(b2, n2))
        written.append("service_coverage.png")
    if res.investment is not None:
        cells = res.investment.cells
        b3, n3 = _context(cells.total_bounds, crs)
        change = cells["jobs_45_change"].to_numpy(dtype=float)
        scale = diverging_scale(change, title="jobs within 45 min: change", cmap="RdBu")
        png_map(dissolve_classes(cells, "jobs_45_change", scale), out / "investment_jobs45_change.png",
                column="jobs_45_change", scale=scale,
                title="Mjøsa crossing (hypothetical): change in jobs within 45 min of each cell",
                overlays=(b3, n3, centre))
        html_map(cells, out / "investment_jobs45_change.html", column="jobs_45_change", scale=scale,
                 title="Mjøsa crossing (hypothetical): jobs within 45 min, change",
                 tooltip=["cell_id", "population", "jobs_45_before", "jobs_45_after", "jobs_45_change"],
                 overlays=(n3, centre))
        saved = cells.assign(minutes_saved=-cells["centre_minutes_change"].to_numpy(dtype=float))
        s2 = diverging_scale(saved["minutes_saved"].to_numpy(), title="minutes saved to Hamar stasjon", cmap="RdBu")
        png_map(dissolve_classes(saved, "minutes_saved", s2), out / "investment_minutes_saved.png",
                column="minutes_saved", scale=s2,
                title="Mjøsa crossing (hypothetical): car minutes saved to Hamar stasjon", overlays=(b3, n3, centre))
        written += ["investment_jobs45_change.png", "investment_jobs45_change.html", "investment_minutes_saved.png"]
    info = comp.meta["stitch"]
    _, edges = comp.to_geodataframes()
    poly = shapely.from_wkt(info["polygon_wkt"])
    x0, y0, x1, y1 = poly.buffer(15_000).bounds
    edges = edges.cx[x0:x1, y0:y1]
    part = np.where(edges["u"].to_numpy() < info["node_ranges"]["detailed"][1], "NVDB 2017 (Hamar)", "N1000 2025")
    part = np.where((comp.flags[edges.index.to_numpy()] & 4) != 0, "join (connector)", part)
    edges = edges.assign(network=part)
    b4, n4 = _context((x0, y0, x1, y1), crs)
    png_map(edges, out / "composite_network.png", column="network", categorical=True, cmap="Set1",
            title="The composite network: NVDB inside Hamar, N1000 outside, joined at the border",
            legend_title="part", overlays=(b4, n4, gpd.GeoDataFrame(geometry=[poly], crs=crs)))
    written.append("composite_network.png")
    return written


def hamar_analysis(out_dir: str | os.PathLike[str], *, maps: bool = True, progress: bool = False) -> dict[str, Any]:
    """Run the small-town analysis for Hamar and write its outputs to ``out_dir``.

    Returns
    -------
    dict
        JSON-ready summary: joins, composite vs N1000 times, omland, coverage, sites, investment, timings.
    """
    import json

    import geopandas as gpd
    import pandas as pd

    from geoaccess.datasets import fetch
    from geoaccess.engine.router import Router
    from geoaccess.layers.boundaries import read_municipalities
    from geoaccess.layers.centres import municipality_centres
    from geoaccess.network.stitch import join_table
    from geoaccess.omland import small_town_analysis
    from geoaccess.report.atomic import atomic_path, write_table
    from geoaccess.report.gpkg import write_layers

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    timing: dict[str, float] = {}
    t0 = time.perf_counter()
    comp, _, n1000 = hamar_networks(progress=progress)
    timing["networks_and_stitch"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    router, coarse = Router(comp, progress=progress), Router(n1000, progress=progress)
    walk = Router(walk_on_roads(comp))
    timing["routers"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid

    centre = stations([CENTRE_STATION])
    sites = stations(SITES)
    grid = read_ssb_grid(NATIONAL_GRID_250M)
    cells = analysis_cells(sites, grid=grid)
    mun = read_municipalities(BOUNDARY_YEAR)
    county = mun[mun["kommunenummer"].str.startswith("34")]
    places = municipality_centres(county, cells[cells["kommunenummer"].str.startswith("34")], rule="densest")
    towns = derived_towns(grid, area=county.to_crs(grid.crs).union_all().convex_hull.buffer(150_000, quad_segs=4))
    hubs = gpd.read_file(fetch(STATIONS)).to_crs(comp.crs)
    hubs = hubs.assign(hub=True, kind="rail", name=hubs["navn"])[["hub", "kind", "name", "geometry"]]
    services = _services()
    scenario, spec = _scenario_router(router)
    timing["inputs"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    res = small_town_analysis(router, centre, cells=cells, region=list(REGION), services=services, sites=sites,
                              office_jobs=50, users=cells[cells["kommunenummer"].str.startswith("34")], hubs=hubs,
                              walk=walk, towns=towns, places=places, scenario=scenario, **SNAP)
    timing["analysis"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    times = centre_times(router, coarse, centre, town_halls(NEIGHBOURS))
    timing["centre_times"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    write_table(join_table(comp), out / "stitch_joins.csv")
    write_table(times.round(2), out / "composite_vs_n1000_centre_times.csv")
    write_table(res.omland.round(4), out / "omland.csv")
    layers = {"catchments": res.catchments, "centre": res.centre}
    if res.coverage is not None:
        write_table(res.coverage.summary.round(4), out / "service_coverage.csv")
        write_table(pd.DataFrame(res.coverage.beyond.drop(columns="geometry")), out / "cells_beyond_30_min.csv")
        layers["coverage_cells"] = res.coverage.cells
    if res.sites is not None:
        write_table(res.sites.table, out / "office_sites.csv")
        layers["sites"] = res.sites.sites
    if res.centrality is not None:
        write_table(res.centrality.round(2), out / "centrality_old_standard.csv")
    if res.investment is not None:
        write_table(res.investment.reach.round(3), out / "investment_reach.csv")
        layers["investment_cells"] = res.investment.cells
    write_layers(out / "hamar.gpkg", layers)
    written = _maps(res, comp, out) if maps else []
    timing["outputs"] = time.perf_counter() - t0
    summary = _summary(comp, times, res, spec, timing, written)
    with atomic_path(out / "hamar_summary.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return summary


def _summary(comp: Network, times: pd.DataFrame, res: Any, spec: Any, timing: dict[str, float],
             written: list[str]) -> dict[str, Any]:
    info = comp.meta["stitch"]
    om = res.omland
    s: dict[str, Any] = {
        "network": {"nodes": comp.n_nodes, "edges": comp.n_edges, **{k: info["counts"][k] for k in
                    ("joins", "joins_by_road_number", "joins_by_proximity", "border_nodes")},
                    "unjoined_crossings": len(info["unjoined_crossings"]["x"])},
        "centre_times": times.round({c: 1 for c in times.columns if c.endswith("minutes")} | {"ratio": 3}).to_dict(
            orient="records"),
        "omland": {f"{m:g}": {"population": round(float(p)), "jobs": round(float(j))}
                   for m, p, j in zip(om["minutes"], om["population"], om["jobs"], strict=True)},
        "population_year": res.notes.get("population_year"),
        "jobs_year": JOBS_YEAR,
    }
    if res.coverage is not None:
        s["coverage"] = {f"{r.service} {r.minutes:g}": round(float(r.share), 4) for r in res.coverage.summary.itertuples()}
        s["cells_beyond_30"] = len(res.coverage.beyond)
    if res.sites is not None:
        cols = ["name", "pool_45", "pool_60", "effect_region_permille", "users_mean_minutes", "walk_hub_minutes",
                "nearest_hub", "old_standard_level"]
        t = res.sites.table
        s["sites"] = t[[c for c in cols if c in t.columns]].round(2).to_dict(orient="records")
    if res.investment is not None:
        s["investment"] = {"scenario": spec.name, **{f"{r.weight} {r.minutes:g}": [round(r.before), round(r.after)]
                                                     for r in res.investment.reach.itertuples()}}
    s["seconds"] = {**{k: round(v, 2) for k, v in timing.items()}, "analysis_parts": res.seconds}
    s["outputs"] = written
    return s


def print_summary(summary: dict[str, Any], console: Any) -> None:
    """Print the Hamar summary as a few rich tables (the demo's output)."""
    from rich.table import Table

    n = summary["network"]
    console.print(f"Composite network: {n['nodes']:,} nodes, {n['edges']:,} edges; {n['joins']} joins at "
                  f"{n['border_nodes']} border crossings ({n['joins_by_road_number']} by road number, "
                  f"{n['joins_by_proximity']} by proximity), {n['unjoined_crossings']} coarse crossings left unjoined.",
                  highlight=False)
    t = Table(title="Car minutes from Hamar stasjon to the neighbours' town halls: composite vs N1000 alone")
    for col in ("to", "composite", "N1000 alone", "ratio"):
        t.add_column(col, justify="left" if col == "to" else "right")
    for r in summary["centre_times"]:
        t.add_row(r["destination"], f"{r['composite_minutes']:.1f}", f"{r['coarse_minutes']:.1f}", f"{r['ratio']:.2f}")
    console.print(t)
    t = Table(title=f"Hamar's omland (SSB grid {summary['population_year']}, jobs {summary['jobs_year']} spread by residents)")
    for col in ("minutes by car", "residents", "jobs"):
        t.add_column(col, justify="right")
    for m, v in summary["omland"].items():
        t.add_row(m, f"{v['population']:,}", f"{v['jobs']:,}")
    console.print(t)
    if "coverage" in summary:
        t = Table(title="Hamarregionen: share of residents within reach by car")
        for col in ("service", "10 min", "20 min", "30 min"):
            t.add_column(col, justify="left" if col == "service" else "right")
        for svc in SERVICES:
            t.add_row(svc, *[f"{100 * summary['coverage'][f'{svc} {m}']:.1f} %" for m in (10, 20, 30)])
        console.print(t)
        console.print(f"{summary['cells_beyond_30']} cells with residents lie beyond 30 min of at least one service "
                      f"(cells_beyond_30_min.csv).", highlight=False)
    if "sites" in summary:
        t = Table(title="A 50-job state office: three sites in Innlandet")
        for col in ("site", "pool 45 min", "pool 60 min", "omfang ‰", "users' mean min", "walk to hub", "old level"):
            t.add_column(col, justify="left" if col == "site" else "right")
        for r in summary["sites"]:
            t.add_row(r["name"], f"{r['pool_45']:,.0f}", f"{r['pool_60']:,.0f}", f"{r['effect_region_permille']:.2f}",
                      f"{r['users_mean_minutes']:.0f}", f"{r['walk_hub_minutes']:.1f} ({r['nearest_hub']})",
                      str(r.get("old_standard_level", "")))
        console.print(t)
    if "investment" in summary:
        inv = summary["investment"]
        t = Table(title=f"Before/after: {inv['scenario']} (hypothetical)")
        for col in ("within", "before", "after", "change"):
            t.add_column(col, justify="right")
        for key, (b, a) in ((k, v) for k, v in inv.items() if k != "scenario"):
            t.add_row(f"{key} min", f"{b:,}", f"{a:,}", f"{a - b:+,}")
        console.print(t)
