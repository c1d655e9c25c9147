"""The Hamar small-town analysis (the demo's first step) on the real data, against independent recomputations."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory, dataset):
    from geoaccess.examples.hamar import hamar_analysis

    out = tmp_path_factory.mktemp("hamar")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = hamar_analysis(out, maps=True)
    return out, summary


@pytest.fixture(scope="module")
def inputs(dataset):
    """The composite, its router and the analysis cells, rebuilt independently of the run."""
    from geoaccess.engine.router import Router
    from geoaccess.examples import hamar as H

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comp, _, n1000 = H.hamar_networks()
        cells = H.analysis_cells(H.stations(H.SITES))
        router = Router(comp)
        pts = router.snap(cells, id_column="cell_id", warn=False, **H.SNAP)
        centre = router.snap(H.stations([H.CENTRE_STATION]), id_column="name", **H.SNAP)
    return {"comp": comp, "n1000": n1000, "cells": cells, "router": router, "cells_snapped": pts, "centre": centre}


def test_outputs_are_written(run):
    out, summary = run
    for f in ("stitch_joins.csv", "composite_vs_n1000_centre_times.csv", "omland.csv", "service_coverage.csv",
              "cells_beyond_30_min.csv", "office_sites.csv", "centrality_old_standard.csv", "investment_reach.csv",
              "hamar.gpkg", "hamar_summary.json"):
        assert (out / f).is_file(), f
    for f in summary["outputs"]:
        assert (out / f).stat().st_size > 20_000, f
    assert {"omland_catchments.png", "omland_catchments.html", "investment_jobs45_change.png",
            "composite_network.png", "service_coverage.png"} <= set(summary["outputs"])
    assert json.loads((out / "hamar_summary.json").read_text(encoding="utf-8"))["population_year"] == 2015


def test_omland_equals_scipy_from_the_snapped_seeds(run, inputs):
    """Residents within 15/30/45/60 min: scipy Dijkstra from the centre's seeds on the composite's CSR arrays."""
    from scipy.sparse.csgraph import dijkstra

    _, summary = run
    r, pts, c = inputs["router"], inputs["cells_snapped"], inputs["centre"]
    o_nodes, o_offs = c.origin_nodes[0], c.origin_offsets[0]
    ok = o_nodes >= 0
    dist = dijkstra(inputs["comp"].csgraph(), indices=o_nodes[ok])  # (seeds, n)
    from_centre = np.min(dist + o_offs[ok][:, None], axis=0)
    dn, do = pts.destination_nodes, pts.destination_offsets
    t = np.min(np.where(dn >= 0, from_centre[np.maximum(dn, 0)] + do, np.inf), axis=1)
    rows, cols, direct = r.same_edge_pairs(c, pts)
    t[cols] = np.minimum(t[cols], direct)
    pop = inputs["cells"]["population"].to_numpy()
    for m, v in summary["omland"].items():
        assert v["population"] == round(float(pop[t <= float(m) * 60.0 + 1e-6].sum())), m
    # the 60-minute omland reaches Lillehammer's and Gjøvik's centres, not Oslo's
    assert 250_000 < summary["omland"]["60"]["population"] < 320_000


def test_coverage_equals_the_matrix_minimum(run, inputs, dataset):
    """NAV coverage from the one multi-source search equals the minimum over the full cells x offices matrix."""
    from geoaccess.examples.hamar import REGION, SNAP, _services

    out, summary = run
    r, cells, pts = inputs["router"], inputs["cells"], inputs["cells_snapped"]
    rows = np.flatnonzero(cells["kommunenummer"].isin(list(REGION)).to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nav = r.snap(_services()["nav_office"], warn=False, **SNAP)
    near = r.matrix(pts.take(rows), nav).seconds.min(axis=1) / 60.0
    pop = cells["population"].to_numpy()[rows]
    for m in (10, 20, 30):
        assert summary["coverage"][f"nav_office {m}"] == pytest.approx(pop[near <= m].sum() / pop.sum(), abs=1e-4)
    beyond = pd.read_csv(out / "cells_beyond_30_min.csv")
    assert len(beyond) == summary["cells_beyond_30"] > 0
    assert (beyond[["nav_office_minutes", "district_court_minutes", "healthcare_minutes"]].max(axis=1) > 30).all()


def test_sites_and_the_old_centrality_standard(run):
    out, summary = run
    sites = {s["name"]: s for s in summary["sites"]}
    assert list(sites) == ["Hamar", "Elverum", "Tynset"]
    assert sites["Hamar"]["pool_60"] > sites["Elverum"]["pool_60"] > sites["Tynset"]["pool_60"]
    assert sites["Tynset"]["effect_region_permille"] > sites["Elverum"]["effect_region_permille"] > \
        sites["Hamar"]["effect_region_permille"]
    assert sites["Tynset"]["old_standard_level"] == 0 and sites["Hamar"]["old_standard_level"] >= 2
    assert all(s["nearest_hub"].startswith(name) for name, s in sites.items())
    # every level follows from the table's own minutes (Oslo: 90 minutes for level 3)
    lev = pd.read_csv(out / "centrality_old_standard.csv")
    assert len(lev) == 46  # Innlandet's municipalities
    three = (lev["minutes_50000"] <= 75) | ((lev["town"] == "Oslo") & (lev["minutes"] <= 90))
    two = ~three & (lev["minutes_15000"] <= 60)
    one = ~three & ~two & (lev["minutes_5000"] <= 45)
    expect = np.select([three, two, one], [3, 2, 1], 0)
    assert (lev["level"].to_numpy() == expect).all()


def test_investment_only_adds_access(run):
    import geopandas as gpd

    out, summary = run
    inv = summary["investment"]
    for key, (before, after) in ((k, v) for k, v in inv.items() if k != "scenario"):
        assert after >= before, key
    assert inv["population 30"][1] - inv["population 30"][0] > 10_000  # Gjøvik comes within 30 minutes
    cells = gpd.read_file(out / "hamar.gpkg", layer="investment_cells")
    assert (cells["jobs_45_change"] >= -1e-6).all() and (cells["jobs_30_change"] >= -1e-6).all()
    assert (cells["centre_minutes_change"].dropna() <= 1e-6).all()
    assert (cells["jobs_45_change"] > 0).mean() > 0.5


def test_composite_times_are_close_to_n1000(run):
    _, summary = run
    times = pd.DataFrame(summary["centre_times"]).set_index("destination")
    assert set(times.index) == {"Stange", "Løten", "Ringsaker", "Elverum", "Gjøvik", "Lillehammer", "Oslo"}
    assert ((times["ratio"] > 0.95) & (times["ratio"] < 1.25)).all()
    assert summary["network"]["joins_by_road_number"] == 8
