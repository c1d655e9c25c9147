"""Demo on real data: a state-office site evaluation in eastern Oslo and an MCLP for schools.

* Three candidate sites for a 50-job office at real T-bane (metro) stations in the Oslo-east
  OSM extract, located from the OSM stop positions by name: Helsfyr T, Carl Berners plass T and
  Lambertseter T. Existing offices for the omland criterion: the NAV offices of Etatsbasen 2014.
  Centrality class: Oslo (0301) is class 1 in SSB's centrality index 2020 (user table).
* An MCLP choosing 3 of Oslo's upper-secondary schools (videregående skoler) that lie on the
  Oslo-east walk network, maximising the residents within 15 minutes' walk.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = ["DEMO_SITES", "OSLO_CENTRALITY", "demo_sites", "location_demo"]

DEMO_SITES = (("helsfyr", "Helsfyr T"), ("carl_berner", "Carl Berners plass T"), ("lambertseter", "Lambertseter T"))
"""(site id, OSM stop name) of the three candidate sites."""

OSLO_CENTRALITY = {"0301": 1}
"""SSB centrality index 2020 (sentralitetsindeksen): Oslo is class 1 (most central)."""


def demo_sites(hubs: Any) -> Any:
    """The three candidate sites: the centroid of the OSM stop positions carrying each name."""
    import geopandas as gpd

    from geoaccess.errors import DataNotFoundError

    rows = []
    for sid, name in DEMO_SITES:
        h = hubs[hubs["name"] == name]
        if h.empty:
            msg = f"No OSM stop named {name!r} in the hubs layer; the demo sites need the Oslo-east extract."
            raise DataNotFoundError(msg)
        rows.append({"site_id": sid, "name": name, "geometry": h.geometry.union_all().centroid})
    return gpd.GeoDataFrame(rows, crs=hubs.crs)


def location_demo(net_walk: Network, net_car: Network, *, out_dir: str | os.PathLike[str], maps: bool = True) -> dict[str, Any]:
    """Run the site evaluation and the school MCLP on the Oslo-east networks; write the reports.

    Parameters
    ----------
    net_walk, net_car
        Walk and car networks of ``osm/oslo-east-filtered.osm.pbf``.
    out_dir
        Output folder: ``site_evaluation.html`` (+ ``.csv``, ``_wide.csv``, ``.gpkg``) and ``mclp/``.
    maps
        Draw maps.

    Returns
    -------
    dict
        Key numbers of both parts and the written paths.
    """
    from geoaccess.engine.router import Router
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import read_etatsbasen, read_oslo_upper_secondary
    from geoaccess.location.exact import solve
    from geoaccess.location.heuristics import solve_heuristic
    from geoaccess.location.problem import LocationProblem
    from geoaccess.location.report import write_location_outputs, write_site_report
    from geoaccess.location.sites import evaluate_sites, read_transit_hubs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = read_ssb_grid("population/befolkning_250m_2023_oslo.shp")
        hubs = read_transit_hubs("osm/oslo-east-filtered.osm.pbf")
        nav = read_etatsbasen(services=["nav_office"])
    sites = demo_sites(hubs)
    walk = Router.for_network(net_walk)
    ev = evaluate_sites(sites, jobs=50, car=Router.for_network(net_car), walk=walk, population=grid, hubs=hubs,
                        centrality=OSLO_CENTRALITY, existing=nav)
    paths = write_site_report(ev, out / "site_evaluation.html",
                              title="Lokaliseringsanalyse: tre alternativer for et statlig kontor med 50 arbeidsplasser, Oslo øst",
                              maps=maps)
    t_sites = time.perf_counter() - t0

    # ---- MCLP: 3 schools, 15 minutes' walk
    t1 = time.perf_counter()
    schools = read_oslo_upper_secondary()
    cells = grid.set_geometry(grid.geometry.centroid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tt = walk.matrix(walk.snap(cells, id_column="cell_id", what="cells"), walk.snap(schools, id_column="id",
                                                                                         what="schools"))
    minutes = tt.seconds / 60.0
    on_cols = np.isfinite(minutes).any(axis=0)
    on_rows = np.isfinite(minutes[:, on_cols]).any(axis=1)
    pop = grid["population"].to_numpy(dtype=float)
    prob = LocationProblem.from_matrix(
        minutes[on_rows][:, on_cols], pop[on_rows], demand_ids=np.asarray(tt.origin_ids)[on_rows],
        candidate_ids=np.asarray(tt.destination_ids)[on_cols],
        meta={"cost": "walk minutes on the Oslo-east OSM network (geoaccess road engine)"},
    )
    ex = solve(prob, "mclp", p=3, cutoff_minutes=15.0)
    he = solve_heuristic(prob, "mclp", p=3, cutoff_minutes=15.0)
    mclp_paths = write_location_outputs(ex, out / "mclp", demand=grid[grid["cell_id"].isin(prob.demand_ids)],
                                        candidates=schools, demand_id="cell_id", candidate_id="id", maps=maps)
    names = dict(zip(schools["id"], schools["name"], strict=False))
    summary = {
        "sites": ev.table[["site_id", "name", "pool_60", "effect_region_permille", "users_mean_minutes",
                           "users_p90_minutes", "walk_hub_minutes", "omland_change_minutes"]].to_dict("records"),
        "site_paths": {k: str(v) for k, v in paths.items()},
        "site_seconds": round(t_sites, 2),
        "mclp": {
            "schools_on_network": int(on_cols.sum()),
            "schools_total": int(on_cols.size),
            "cells": int(prob.n_demand),
            "population_on_network": float(prob.weights.sum()),
            "chosen": [f"{s} ({names.get(s, '')})" for s in ex.selected],
            "covered_population": ex.objective,
            "covered_share": ex.objective / float(prob.weights.sum()),
            "status": ex.status,
            "gap": ex.gap,
            "heuristic_covered": he.objective,
            "seconds": round(time.perf_counter() - t1, 2),
            "paths": {k: str(v) for k, v in mclp_paths.items()},
        },
    }
    return summary
