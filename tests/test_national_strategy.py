"""The national runs on the real data: the index (published scale, pre-2017 levels, island vs city, resume),
the target towns of a BA run, the omland table (= Dijkstra oracle), and the three commands."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from geoaccess.cli import _register, app
from geoaccess.errors import DataWarning, InputError
from geoaccess.measures.decay import Logistic
from national_oracle import oracle_times

runner = CliRunner()
FLOWS_2020 = "../shared/data/commuting/pendling_03321_2020.csv"


@pytest.fixture(scope="module")
def prep():
    from geoaccess.strategy.runs import load_car_network

    return load_car_network()


@pytest.fixture(scope="module")
def inputs(prep):
    from geoaccess.national.centrality import centrality_inputs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return centrality_inputs(prep, year=2020)


@pytest.fixture(scope="module")
def resumed(prep, inputs, tmp_path_factory):
    """A national run interrupted after 60 blocks, then resumed."""
    from geoaccess.national.centrality import national_centrality

    folder = tmp_path_factory.mktemp("blocks")
    with pytest.raises(InputError, match=r"incomplete \(60 of 356 blocks\); rerun to resume"):
        national_centrality(prep, prepared=inputs, folder=folder, stop_after=60)
    return national_centrality(prep, prepared=inputs, folder=folder)


@pytest.fixture(scope="module")
def cli_centrality(tmp_path_factory):
    """The same index by the command, uninterrupted."""
    _register()
    out = tmp_path_factory.mktemp("centrality")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = runner.invoke(app, ["centrality", "--out", str(out), "--no-maps"])
    assert res.exit_code == 0, res.output
    return out, res.output


def _far_cells(net, cells: pd.DataFrame, max_snap_m: float) -> int:
    """Cells farther than ``max_snap_m`` from every non-ferry edge, by shapely's STRtree."""
    import shapely

    from geoaccess.network.graph import EdgeFlag

    target = (net.flags & (EdgeFlag.FERRY | EdgeFlag.CONNECTOR)) == 0
    tree = shapely.STRtree(net.edge_geometries()[target])
    idx = tree.query_nearest(shapely.points(cells["x"].to_numpy(), cells["y"].to_numpy()), max_distance=max_snap_m)
    return int(len(cells) - len(np.unique(idx[0])))


def test_published_scale(resumed, prep, inputs):
    m = resumed.municipalities
    assert len(m) == 356 and np.isfinite(m["index"]).all() and m["index"].notna().all()
    assert m.iloc[0]["kommunenavn"] == "Oslo" and m.iloc[0]["index"] == 1000.0
    low = m["index"].nsmallest(5)
    assert 250.0 <= low.min() and low.max() <= 400.0  # SSB: the least central around 300
    assert (m["jobs_component"] + m["services_component"]).to_numpy() == pytest.approx(m["index"].to_numpy())
    assert set(m["class"]) == {1, 2, 3, 4, 5, 6}
    assert resumed.meta["run"]["resumed"] == 60 and resumed.meta["run"]["computed"] == 296
    # cells > 20 km from any road (168 residents on islands and in the mountains): shapely's nearest-line
    # distance to every non-ferry N1000 edge, independent of the snap index
    assert resumed.meta["cells_unsnapped"] == _far_cells(prep.net, inputs.cells, inputs.description["max_snap_m"]) == 28
    assert resumed.meta["services"]["without_position"]["Etatsbasen (Difi), organization.csv + position.csv joined on tailid"] == 56


def test_resumed_equals_uninterrupted_command(resumed, cli_centrality):
    out, text = cli_centrality
    cli = pd.read_csv(out / "centrality.csv", dtype={"kommunenummer": str}).set_index("kommunenummer")
    m = resumed.municipalities.set_index("kommunenummer")
    np.testing.assert_allclose(cli.loc[m.index, "index"], m["index"], atol=0.051)  # the CSV rounds to 0.1
    assert (cli.loc[m.index, "class"] == m["class"]).all()
    assert "Oslo 1000" in " ".join(text.split())
    for name in ("centrality.gpkg", "centrality_pre2017.csv", "centrality_vs_pre2017.csv", "centrality_classes.csv",
                 "run.json", "blocks/run.json"):
        assert (out / name).is_file(), name
    run = json.loads((out / "run.json").read_text())
    assert run["population_year"] == 2015 and run["oslo_index"] == 1000.0 and run["all_finite"]
    sites = pd.read_csv(out / "centrality_classes.csv", dtype={"kommunenummer": str})
    assert {"kommunenummer", "class"} <= set(sites.columns) and len(sites) == 356


def test_index_agrees_with_the_pre2017_levels(resumed, prep):
    from geoaccess.national.pre2017 import level_table
    from geoaccess.strategy.runs import _pre2017

    levels, _ = _pre2017(prep, 2020)
    table, stats = level_table(resumed.municipalities, levels)
    assert stats["spearman_index_level"] > 0.7 and stats["kendall_tau_b_class_level"] > 0.6
    assert table.loc[1, 3] == table.loc[1, "total"]  # every class-1 municipality is within reach of a large town
    lv = levels.set_index("kommunenummer")
    assert lv.loc["0301", "pre2017_level"] == 3 and lv.loc["1151", "pre2017_level"] == 0  # Oslo; Utsira
    assert lv.loc["3403", "pre2017_level"] == 3  # Hamar: 82 min from Oslo, within its 90 minutes


def test_island_whose_services_are_its_own_vs_a_city_municipality(resumed):
    cells = resumed.cells
    decay = Logistic(mu=25.0, s=6.0)
    types = [c[: -len("_minutes")] for c in cells.columns if c.endswith("_minutes")]
    uts = cells[(cells["kommunenummer"] == "1151") & cells["snapped"]]
    # Utsira's town hall, library and NAV office are on the island: its own, within minutes
    for t in ("townhall", "library", "nav_office"):
        assert (uts[f"{t}_minutes"] < 10).all(), t
    # hospital and district court are across the sea (ferry): more than an hour
    assert (uts["hospital_minutes"].fillna(np.inf) > 60).all() and (uts["district_court_minutes"].fillna(np.inf) > 60).all()
    # by hand: services access = sum over types of the decay at the nearest unit's minutes
    hand = sum(np.where(uts[f"{t}_minutes"].notna(), decay(uts[f"{t}_minutes"].fillna(0).to_numpy()), 0.0) for t in types)
    np.testing.assert_allclose(uts["services_access"], hand, rtol=1e-5)
    m = resumed.municipalities.set_index("kommunenummer")
    top_s = cells.loc[cells["snapped"] & cells["kommunenummer"].notna(), "services_access"].max()
    w = uts["population"]
    assert m.loc["1151", "services_score"] == pytest.approx((uts["services_access"] * w).sum() / w.sum() / top_s)
    # Lørenskog, inside the Oslo region: every service type within 30 minutes, Oslo-level jobs, index near 1000
    lor = cells[(cells["kommunenummer"] == "3029") & cells["snapped"]]
    assert all((lor[f"{t}_minutes"] < 30).all() for t in types)
    assert m.loc["3029", "jobs_access"] > 0.95 * m.loc["0301", "jobs_access"] and m.loc["3029", "index"] > 990
    assert m.loc["1151", "index"] < 400 and m.loc["1151", "class"] == 6


def test_grid_year_mismatch_warns():
    from geoaccess.national.centrality import check_population_year

    with pytest.warns(DataWarning, match="grid is of 2015 but the municipal boundaries and jobs are of 2020"):
        note = check_population_year(2015, 2020)
    assert "2015" in note
    assert check_population_year(2020, 2020) is None


@pytest.fixture(scope="module")
def ba_dir(tmp_path_factory):
    _register()
    out = tmp_path_factory.mktemp("ba")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = runner.invoke(app, ["regions", "--method", "ba", "--preset", "toi2019", "--flows", FLOWS_2020,
                                  "--no-maps", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def cli_towns(ba_dir, cli_centrality, tmp_path_factory):
    out = tmp_path_factory.mktemp("towns")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = runner.invoke(app, ["target-towns", "--regions", str(ba_dir), "--centrality", str(cli_centrality[0]),
                                  "--out", str(out), "--no-maps"])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_target_towns_of_the_ba_regions(cli_towns, ba_dir):
    out, text = cli_towns
    t = pd.read_csv(out / "target_towns.csv", dtype={"region": str, "centre_municipality": str})
    regions = pd.read_csv(ba_dir / "ba_regions.csv", dtype={"region": str})
    assert len(t) == len(regions) and set(t["region"]) == set(regions["region"])  # one row per region, none deleted
    v = t.set_index("town_name")
    for city in ("Oslo", "Bergen", "Trondheim", "Stavanger/Sandnes"):
        assert v.loc[city, "verdict"] == "largest_city"
    for town in ("Hamar", "Gjøvik", "Lillehammer", "Steinkjer", "Harstad", "Alta"):
        assert v.loc[town, "verdict"] == "included", town
    assert (t.loc[t["verdict"] == "large_city_omland", "minutes_to_large_city"] <= 60).all()
    included = int(t["included"].sum())
    counts = t["verdict"].value_counts()
    assert counts["largest_city"] == 4 and included == len(t) - counts.drop("included").sum()
    assert "ca. 120" in text
    assert set(t["verdict"]) <= {"included", "largest_city", "large_city_omland", "below_min_size", "no_town"}
    assert t["reason_nb"].str.len().gt(0).all() and t["reason_en"].str.len().gt(0).all()
    run = json.loads((out / "run.json").read_text())
    assert run["included"] == included and "tettsteder" in run["note"]


def test_omland_table_equals_the_oracle(cli_towns, prep, inputs, tmp_path):
    from geoaccess.strategy.facilities import read_airports
    from geoaccess.strategy.omland import national_omland
    from geoaccess.strategy.runs import _towns_table

    towns = _towns_table(cli_towns[0], include_all=False)
    two = towns[towns["town_name"].isin(["Hamar", "Harstad"])].reset_index(drop=True)
    om, report = national_omland(two, prep=prep, prepared=inputs, folder=tmp_path / "b", block_size=1)
    assert report["run"]["blocks"] == 2 and report["airport"]["points"] == 48
    ci = inputs.inputs.cells
    from geoaccess.national.access import snapped_points
    from geoaccess.national import routing

    net = prep.net
    x, y = two.geometry.x.to_numpy(), two.geometry.y.to_numpy()
    tp = snapped_points(net, routing.snap(net, x, y, ids=np.arange(2), max_snap_m=20_000.0, access_speed_kmh=30.0), x, y)
    t = oracle_times(net, tp, np.arange(2), ci)
    t[:, ~ci.snapped] = np.inf
    pop = inputs.cells["population"].to_numpy()
    for m in (30, 45, 60, 90):
        np.testing.assert_allclose(om[f"residents_within_{m}_minutes"], (np.where(t <= m * 60, pop, 0)).sum(axis=1))
    air = read_airports().to_crs(net.crs)
    ax, ay = air.geometry.x.to_numpy(), air.geometry.y.to_numpy()
    ap = snapped_points(net, routing.snap(net, ax, ay, ids=np.arange(len(ax)), max_snap_m=20_000.0, access_speed_kmh=30.0), ax, ay)
    ta = oracle_times(net, tp, np.arange(2), ap)
    np.testing.assert_allclose(om["airport_minutes"], ta.min(axis=1) / 60.0, rtol=1e-9)
    assert list(om["airport_name"]) == list(air["name"].to_numpy()[ta.argmin(axis=1)])
    assert om.loc[om["town_name"] == "Hamar", "railway_station_minutes"].iloc[0] < 5


def test_omland_command(cli_towns, tmp_path):
    out = tmp_path / "omland"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = runner.invoke(app, ["omland", "--towns", str(cli_towns[0]), "--out", str(out)])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out / "omland.csv")
    towns = pd.read_csv(cli_towns[0] / "target_towns.csv")
    assert len(t) == int(towns["included"].sum())
    assert (t["residents_within_30_minutes"] <= t["residents_within_45_minutes"]).all()
    assert (t["residents_within_60_minutes"] <= t["residents_within_90_minutes"]).all()
    for col in ("nav_office_minutes", "district_court_minutes", "healthcare_minutes", "airport_minutes",
                "railway_station_minutes", "centrality_index", "centrality_class", "self_containment", "airport_traffic"):
        assert col in t.columns, col
    page = (out / "omland.html").read_text(encoding="utf-8")
    assert 'id="ga-table"' in page and "<script src" not in page and "http://" not in page.split("srcdoc")[0]
    for name in ("omland.gpkg", "omland.png", "run.json", "blocks/run.json"):
        assert (out / name).is_file(), name
