"""`geoaccess matrix` and `geoaccess catchment` on the real eastern-Oslo network and Oslo data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from feed_skips import RUTER_2017, skips
from typer.testing import CliRunner

from geoaccess.errors import InputError


@pytest.fixture(scope="module")
def cli_app():
    from geoaccess.cli import _register, app

    _register()
    return app


@pytest.fixture(scope="module")
def school_files(dataset, tmp_path_factory):
    import geopandas as gpd
    import shapely

    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="walk")
    g = gpd.read_file(dataset("services/oslo_upper_secondary_schools_2024.geojson"))
    box = shapely.box(net.x.min(), net.y.min(), net.x.max(), net.y.max())
    inside = g[g.to_crs(net.crs).within(box)].reset_index(drop=True)
    folder = tmp_path_factory.mktemp("cli")
    o = folder / "schools.gpkg"
    inside.iloc[:3].to_file(o, driver="GPKG")
    d = folder / "dest.geojson"
    inside.iloc[3:8].to_file(d, driver="GeoJSON")
    return o, d, inside


def test_matrix_command_writes_csv_matching_api(cli_app, school_files, tmp_path, dataset):
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine import travel_time_matrix
    from geoaccess.network.build import build_network

    o, d, _ = school_files
    out = tmp_path / "m.csv"
    res = CliRunner().invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk",
                                       "--origins", str(o), "--destinations", str(d), "--origin-id", "id",
                                       "--destination-id", "id", "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["origin_id", "destination_id", "minutes"] and len(table) == 15
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="walk")
    api = travel_time_matrix(net, gpd.read_file(o), gpd.read_file(d), origin_id="id", destination_id="id")
    # CSV minutes are rounded to 0.1 (Parquet keeps them as computed)
    np.testing.assert_allclose(table["minutes"].to_numpy(), api["minutes"].to_numpy(), atol=0.05 + 1e-9)
    pq = tmp_path / "m.parquet"
    res = CliRunner().invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk",
                                       "--origins", str(o), "--cutoff", "20", "--out", str(pq)])
    assert res.exit_code == 0, res.output
    t2 = pd.read_parquet(pq)
    # with a cut-off the output is sparse: exactly the pairs within it, none NaN
    full = travel_time_matrix(net, gpd.read_file(o), output="array").minutes
    assert len(t2) == int((full <= 20).sum()) and t2["minutes"].notna().all() and (t2["minutes"] <= 20).all()


def test_catchment_command_gpkg_png_and_population(cli_app, school_files, tmp_path):
    import geopandas as gpd

    o, _, _ = school_files
    out = tmp_path / "c.gpkg"
    res = CliRunner().invoke(cli_app, ["catchment", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk",
                                       "--origins", str(o), "--origin-id", "id", "--minutes", "10,20",
                                       "--population", "population/befolkning_250m_2023_oslo.shp",
                                       "--out", str(out)])
    assert res.exit_code == 0, res.output
    g = gpd.read_file(out)
    assert len(g) == 6 and set(g["minutes"]) == {10.0, 20.0}
    assert {"origin_id", "minutes", "population"} <= set(g.columns)
    assert (g["population"] > 0).all()
    per = g.pivot(index="origin_id", columns="minutes", values="population")
    assert (per[20.0] >= per[10.0]).all()
    assert out.with_suffix(".png").stat().st_size > 10_000
    assert "population reached" in res.output


@pytest.mark.parametrize("bad", ["0", "-5", "abc"])
def test_bad_minutes_rejected(cli_app, school_files, tmp_path, bad):
    o, _, _ = school_files
    res = CliRunner().invoke(cli_app, ["catchment", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk",
                                       "--origins", str(o), "--minutes", bad, "--out", str(tmp_path / "x.gpkg")])
    assert isinstance(res.exception, InputError)
    assert "--thresholds-minutes" in str(res.exception)
    assert not (tmp_path / "x.gpkg").exists()


def test_bad_inputs_named(cli_app, school_files, tmp_path):
    o, _, _ = school_files
    runner = CliRunner()
    res = runner.invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk", "--origins",
                                  str(tmp_path / "missing.gpkg"), "--out", str(tmp_path / "m.csv")])
    assert isinstance(res.exception, InputError) and "missing.gpkg" in str(res.exception)
    res = runner.invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk", "--origins",
                                  str(o), "--out", str(tmp_path / "m.xlsx")])
    assert isinstance(res.exception, InputError) and ".csv, .parquet or .gpkg" in str(res.exception)
    res = runner.invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk", "--origins",
                                  str(o), "--origin-id", "nope", "--out", str(tmp_path / "m.csv")])
    assert isinstance(res.exception, InputError) and "'nope'" in str(res.exception)


def test_saved_network_npz_and_mode_mismatch(cli_app, school_files, tmp_path, dataset):
    import pandas as pd

    from geoaccess.network.build import build_network

    o, d, _ = school_files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="walk")
    folder = tmp_path / "net"
    folder.mkdir()
    net.to_npz(str(folder / "network.npz"))
    runner = CliRunner()
    out = tmp_path / "npz.csv"
    res = runner.invoke(cli_app, ["matrix", str(folder), "--origins", str(o), "--destinations", str(d),
                                  "--out", str(out)])
    assert res.exit_code == 0, res.output
    ref = tmp_path / "src.csv"
    res = runner.invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk", "--origins",
                                  str(o), "--destinations", str(d), "--out", str(ref)])
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose(pd.read_csv(out)["minutes"], pd.read_csv(ref)["minutes"], rtol=1e-9)
    res = runner.invoke(cli_app, ["matrix", str(folder / "network.npz"), "--mode", "car", "--origins", str(o),
                                  "--out", str(tmp_path / "x.csv")])
    assert isinstance(res.exception, InputError) and "'walk' network" in str(res.exception)


@pytest.fixture(scope="module")
def jessheim(tmp_path_factory):
    import geopandas as gpd
    import shapely

    path = tmp_path_factory.mktemp("transit") / "jessheim.geojson"
    gpd.GeoDataFrame({"name": ["Jessheim stasjon"]}, geometry=[shapely.Point(11.1747, 60.1412)], crs="EPSG:4326").to_file(path)
    return path


def test_cli_transit_catchment_counts_cells_within_threshold(cli_app, jessheim, tmp_path):
    """--mode transit: the catchment's population equals the cells whose median time is within T."""
    import geopandas as gpd

    from geoaccess.datasets import fetch
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.transit.feed import read_feed
    from geoaccess.transit.routing import transit_matrix

    out = tmp_path / "jessheim.gpkg"
    res = CliRunner().invoke(
        cli_app,
        ["catchment", "-", "--mode", "transit", "--feed", "transit/ruter_ovre_romerike_netex_2017.zip",
         "--date", "2017-09-12", "--origins", str(jessheim), "--origin-id", "name", "--minutes", "30,45",
         "--population", "population/befolkning_250m_2023_akershus.shp", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    # the reader's skip note is printed as one line and does not stop the command
    skipped = [ln for ln in res.stderr.splitlines() if "object(s) skipped" in ln]
    assert len(skipped) == 1 and skipped[0].startswith("warning: ") and ": 1 object(s) skipped (" in skipped[0]
    got = gpd.read_file(out).set_index("minutes")["population"]
    # independent: the full matrix from the origin to every cell centre, median over the window
    grid = read_ssb_grid("population/befolkning_250m_2023_akershus.shp")
    centres = grid.copy()
    centres["geometry"] = grid.geometry.centroid
    with skips(*RUTER_2017):
        tt = read_feed(fetch("transit/ruter_ovre_romerike_netex_2017.zip"))
    m = transit_matrix(tt, gpd.read_file(jessheim), centres, date="2017-09-12", window="07:00-08:00",
                       percentiles=(50.0,))["minutes"][0][0]
    for t in (30, 45):
        assert got.loc[t] == pytest.approx(float(grid["population"].to_numpy()[m <= t].sum()))
    assert 0 < got.loc[30] < got.loc[45] < grid["population"].sum()
    assert (out.with_suffix(".png")).is_file()


def test_cli_transit_needs_feed_and_date(cli_app, jessheim, tmp_path):
    res = CliRunner().invoke(
        cli_app, ["matrix", "-", "--mode", "transit", "--origins", str(jessheim), "--out", str(tmp_path / "m.csv")]
    )
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError) and "--feed" in str(res.exception)


def test_matrix_from_csv_latitude_longitude_to_geopackage(cli_app, school_files, tmp_path):
    """Issue 17: a CSV with latitude/longitude and navn; ids 1-based; a GeoPackage with the points as layers."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    _, _, inside = school_files
    pts = inside.iloc[:3].to_crs("EPSG:4326")
    csv = tmp_path / "skoler.csv"
    pd.DataFrame({"navn": [f"skole {i}" for i in range(3)], "latitude": pts.geometry.y.round(7),
                  "longitude": pts.geometry.x.round(7)}).to_csv(csv, index=False)
    out = tmp_path / "m.gpkg"
    res = CliRunner().invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk",
                                       "--origins", str(csv), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "ids are 1-based row numbers" in res.stderr
    layers = {str(n): k for n, k in pyogrio.list_layers(out)}
    assert set(layers) == {"origins", "matrix"} and layers["matrix"] is None
    table = pyogrio.read_dataframe(out, layer="matrix")
    # names are kept: origin_name / destination_name beside the ids
    assert list(table.columns) == ["origin_id", "origin_name", "destination_id", "destination_name", "minutes"]
    assert len(table) == 9
    assert (table["origin_name"] == table["origin_id"].map({1: "skole 0", 2: "skole 1", 3: "skole 2"})).all()
    assert sorted(set(table["origin_id"])) == [1, 2, 3]
    # a point to itself: only its two access legs (each point lies within metres of the walk network)
    assert (table.loc[table["origin_id"] == table["destination_id"], "minutes"] < 2).all()
    o = gpd.read_file(out, layer="origins")
    assert o.crs.to_epsg() == 25833 and o["navn"].tolist() == ["skole 0", "skole 1", "skole 2"]
    # the same matrix as Parquet, unrounded: the GeoPackage's minutes are its values to 0.1
    pq = tmp_path / "m.parquet"
    assert CliRunner().invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk",
                                        "--origins", str(csv), "--out", str(pq)]).exit_code == 0
    full = pd.read_parquet(pq)
    np.testing.assert_array_equal(table["minutes"].to_numpy(), full["minutes"].round(1).to_numpy())


def test_swapped_csv_named_not_off_network(cli_app, school_files, tmp_path):
    import pandas as pd

    _, _, inside = school_files
    pts = inside.iloc[:2].to_crs("EPSG:4326")
    csv = tmp_path / "swapped.csv"
    # header says lat,lon but the values are lon,lat
    pd.DataFrame({"lat": pts.geometry.x, "lon": pts.geometry.y}).to_csv(csv, index=False)
    res = CliRunner().invoke(cli_app, ["matrix", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk",
                                       "--origins", str(csv), "--out", str(tmp_path / "m.csv")])
    assert isinstance(res.exception, InputError)
    assert "swapped" in str(res.exception) and "'lon' and 'lat' hold each other's values" in str(res.exception)
    assert not (tmp_path / "m.csv").exists()


def test_catchment_area_counting_rule_names_and_rounding(cli_app, school_files, tmp_path):
    import geopandas as gpd
    import pyogrio

    o, _, _ = school_files
    out = tmp_path / "c.gpkg"
    res = CliRunner().invoke(cli_app, ["catchment", "osm/oslo-east-filtered.osm.pbf", "--mode", "walk",
                                       "--origins", str(o), "--id-column", "id", "--name-column", "address",
                                       "--thresholds-minutes", "10,20",
                                       "--population", "population/befolkning_250m_2023_oslo.shp", "--no-maps",
                                       "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert [str(n) for n, _ in pyogrio.list_layers(out)] == ["catchments"]
    g = gpd.read_file(out)
    # the area column is the polygon's area (independent: shapely on the written geometry), km², 0.001
    np.testing.assert_allclose(g["area_km2"], g.geometry.area / 1e6, atol=6e-4)
    assert (g["counting_rule"].str.startswith("door-to-door")).all()
    names = dict(zip(gpd.read_file(o)["id"], gpd.read_file(o)["address"], strict=True))
    assert g["origin_name"].tolist() == [names[i] for i in g["origin_id"]]
    assert (g["population"] == g["population"].round()).all()  # persons as whole numbers
    assert not (out.with_suffix(".png")).exists()
