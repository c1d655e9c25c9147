"""State-office site evaluation on real eastern-Oslo data, checked against independent computations."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoaccess.errors import InputError


@pytest.fixture(scope="module")
def inputs(dataset):
    from geoaccess.examples.location import demo_sites
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.location.sites import read_transit_hubs
    from geoaccess.network.build import build_network

    dataset("osm/oslo-east-filtered.osm.pbf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        car = build_network("osm/oslo-east-filtered.osm.pbf", mode="car")
        walk = build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")
        grid = read_ssb_grid("population/befolkning_250m_2023_oslo.shp")
        hubs = read_transit_hubs("osm/oslo-east-filtered.osm.pbf")
    return {"car": car, "walk": walk, "grid": grid, "hubs": hubs, "sites": demo_sites(hubs)}


@pytest.fixture(scope="module")
def evaluation(inputs):
    from geoaccess.location.sites import evaluate_sites

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate_sites(inputs["sites"], jobs=50, car=inputs["car"], walk=inputs["walk"],
                              population=inputs["grid"], hubs=inputs["hubs"], centrality={"0301": 1})


def _car_minutes(inputs):
    from geoaccess.engine import travel_time_matrix

    cells = inputs["grid"].set_geometry(inputs["grid"].geometry.centroid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tt = travel_time_matrix(inputs["car"], inputs["sites"], cells, output="array")
    return tt.seconds / 60.0, cells["population"].to_numpy()


def test_hubs_are_real_osm_metro_stations(inputs):
    hubs = inputs["hubs"]
    assert {"metro", "bus", "ferry"} <= set(hubs["kind"])
    assert (hubs[hubs["name"] == "Helsfyr T"]["kind"] == "metro").all()
    # the three demo sites lie at their stations (within 100 m of a stop of that name)
    for _, s in inputs["sites"].iterrows():
        d = hubs[hubs["name"] == s["name"]].distance(s.geometry).min()
        assert d < 100


def test_labour_pool_and_user_access_match_direct_sums(inputs, evaluation):
    minutes, pop = _car_minutes(inputs)
    t = evaluation.table
    for s in range(3):
        for m in (30, 45, 60, 75):
            assert t[f"pool_{m}"].iloc[s] == pytest.approx(pop[minutes[s] <= m].sum())
        ok = np.isfinite(minutes[s])
        # the table holds the values as ranked: minutes to 0.1, shares to 0.001, persons whole
        assert t["users_mean_minutes"].iloc[s] == pytest.approx(np.average(minutes[s][ok], weights=pop[ok]), abs=0.05)
        order = np.argsort(minutes[s][ok])
        cw = np.cumsum(pop[ok][order])
        p90 = minutes[s][ok][order][np.searchsorted(cw, 0.9 * cw[-1])]
        assert t["users_p90_minutes"].iloc[s] == pytest.approx(p90, abs=0.05)
        assert t["users_share_60"].iloc[s] == pytest.approx(pop[minutes[s] <= 60].sum() / pop.sum(), abs=5e-4)
    # the Oslo-east network is small: the whole on-network population is within 30 min of every site
    assert t["pool_30"].nunique() == 1


def test_relative_effect_uses_ba_region_jobs(evaluation):
    from geoaccess.layers.commuting import jobs_by_workplace, load_flows

    flows = load_flows(2021)
    jobs = jobs_by_workplace(flows)
    t = evaluation.table
    members = t["ba_region_members"].iloc[0].split(",")
    assert "0301" in members and t["kommunenummer"].iloc[0] == "0301"
    assert t["ba_region_jobs"].iloc[0] == pytest.approx(jobs.reindex(members).sum())
    assert t["effect_region_permille"].iloc[0] == pytest.approx(1000 * 50 / jobs.reindex(members).sum(), abs=0.005)
    assert t["effect_municipality_permille"].iloc[0] == pytest.approx(1000 * 50 / jobs["0301"], abs=0.005)
    # the guideline check: Oslo is centrality class 1, so no alternative is in class 3-6
    assert (t["centrality_class"] == 1).all() and evaluation.notes["guideline_class_3_6"] is False


def test_walk_to_hub_and_ranks(inputs, evaluation):
    t = evaluation.table
    # every demo site is at a metro station: the walk to a hub is short
    assert (t["walk_hub_minutes"] < 3).all()
    assert (t["walk_stop_minutes"] <= t["walk_hub_minutes"] + 1e-9).all()
    # ranks follow the values (lower minutes rank first)
    order = t.sort_values("users_mean_minutes")["site_id"].tolist()
    assert t.set_index("site_id").loc[order, "rank_users_mean_minutes"].tolist() == [1, 2, 3]
    assert "score" not in t.columns  # no opaque score without user weights
    tidy = evaluation.tidy
    assert set(tidy["criterion"]) == {1, 2, 3, 4, 5, 6}
    assert len(tidy[tidy["measure"] == "pool_60"]) == 3


def test_omland_change_against_existing_office(inputs):
    from geoaccess.location.sites import evaluate_sites

    minutes, pop = _car_minutes(inputs)
    existing = inputs["sites"].iloc[[0]]  # Helsfyr already has an office
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = evaluate_sites(inputs["sites"], jobs=50, car=inputs["car"], population=inputs["grid"],
                            existing=existing, weights={"users_mean_minutes": 1.0})
    t = ev.table
    # adding an office where one exists changes nothing
    assert t["omland_change_minutes"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert ev.missing["walk_hub_minutes"].startswith("not computed, because no transit stops")
    s = 2
    om = (minutes[s] > 10) & (minutes[s] <= 45) & (pop > 0)
    before = np.minimum(minutes[0][om], 45)
    after = np.minimum(np.minimum(minutes[0][om], minutes[s][om]), 45)
    assert t["omland_change_minutes"].iloc[s] == pytest.approx(np.average(after - before, weights=pop[om]), abs=0.05)
    assert t["omland_change_minutes"].iloc[s] <= 0
    assert "score" in t.columns and t["rank_score"].tolist() == t["rank_users_mean_minutes"].tolist()
    assert np.isnan(t["walk_hub_minutes"]).all()  # no hubs given: criterion 5 is empty, not 0


def test_bad_input(inputs):
    from geoaccess.location.sites import evaluate_sites

    kw = {"car": inputs["car"], "population": inputs["grid"]}
    with pytest.raises(InputError, match="at least three"):
        evaluate_sites(inputs["sites"].iloc[:2], jobs=50, **kw)
    with pytest.raises(InputError, match="positive whole number"):
        evaluate_sites(inputs["sites"], jobs=0, **kw)
    with pytest.raises(InputError, match="unknown measures"):
        evaluate_sites(inputs["sites"], jobs=50, weights={"beauty": 1.0}, **kw)
    far = inputs["sites"].copy()
    far.loc[2, "geometry"] = shapely.Point(300_000, 6_700_000)  # Hadeland, far outside the network
    with warnings.catch_warnings(), pytest.raises(InputError, match="lambertseter"):
        warnings.simplefilter("ignore")
        evaluate_sites(far, jobs=50, **kw)


def test_report_files(evaluation, tmp_path):
    import pyogrio

    from geoaccess.location.report import write_site_report

    paths = write_site_report(evaluation, tmp_path / "report.html")
    text = paths["html"].read_text(encoding="utf-8")
    assert "Arbeidskraftgrunnlag" in text and "labour pool" in text and "Omlandseffekt" in text
    assert "data:image/png;base64," in text and "srcdoc=" in text
    assert "class 3–6" in text  # the guideline warning: all sites are in Oslo (class 1)
    tidy = pd.read_csv(paths["csv"])
    assert set(tidy["site_id"]) == {"helsfyr", "carl_berner", "lambertseter"}
    layers = {name for name, _ in pyogrio.list_layers(paths["gpkg"])}
    assert {"sites", "cells", "hubs"} <= layers
    g = gpd.read_file(paths["gpkg"], layer="sites")
    assert len(g) == 3 and g.crs.to_epsg() == 25833


def test_ranks_on_rounded_values_show_ties():
    """The issue's case: 291,080.2404 vs 291,080.2895 persons are the same whole number: a tie, not #2/#1."""
    from geoaccess.location.sites import rank_rounded

    v, rank, tied = rank_rounded([291_080.2404, 291_080.2895, 290_000.0], unit="persons", better="higher")
    assert v.tolist() == [291_080.0, 291_080.0, 290_000.0]
    assert rank.tolist() == [1.0, 1.0, 3.0] and tied.tolist() == [True, True, False]
    v, rank, tied = rank_rounded([12.04, 12.01, np.nan, 11.0], unit="minutes", better="lower")
    assert rank[:2].tolist() == [2.0, 2.0] and np.isnan(rank[2]) and rank[3] == 1.0
    assert tied.tolist() == [True, True, False, False]


def test_report_cells_ids_missing_criteria_and_assumption_tables(inputs, evaluation, tmp_path):
    import geopandas as gpd
    import pyogrio

    from geoaccess.location.report import write_site_report

    paths = write_site_report(evaluation, tmp_path / "r.html", maps=False)
    cells = gpd.read_file(paths["gpkg"], layer="cells")
    assert "cell_id" in cells.columns and cells["cell_id"].is_unique
    assert cells["cell_id"].astype(str).tolist() == inputs["grid"]["cell_id"].astype(str).tolist()
    # one CRS in the GeoPackage
    spatial = [n for n, kind in pyogrio.list_layers(paths["gpkg"]) if kind is not None]
    assert {"sites", "cells"} <= set(spatial)
    assert {pyogrio.read_info(paths["gpkg"], layer=n)["crs"] for n in spatial} == {"EPSG:25833"}
    doc = paths["html"].read_text(encoding="utf-8")
    # assumptions are tables, never a Python dict's repr
    assert "{'" not in doc and "': " not in doc.split("<h2>Data og forutsetninger")[1]
    assert "Share aged 15–74 per municipality" in doc
    tidy = evaluation.tidy
    assert {"tied", "note"} <= set(tidy.columns)
