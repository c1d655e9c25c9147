"""``geoaccess locate`` and ``geoaccess evaluate-sites`` on real eastern-Oslo data."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from geoaccess.errors import InputError

NET = "osm/oslo-east-filtered.osm.pbf"
GRID = "population/befolkning_250m_2023_oslo.shp"


@pytest.fixture(scope="module")
def app():
    from geoaccess.cli import _register, app

    _register()
    return app


@pytest.fixture(scope="module")
def schools_on_network(dataset, tmp_path_factory):
    """The Oslo schools that snap to the Oslo-east walk network, as a GeoJSON file, and the walk matrix."""
    from geoaccess.engine import travel_time_matrix
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import read_oslo_upper_secondary
    from geoaccess.network.build import build_network

    dataset(NET)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network(NET, mode="walk")
        grid = read_ssb_grid(GRID, as_points=True)
        sch = read_oslo_upper_secondary()
        tt = travel_time_matrix(net, grid, sch, origin_id="cell_id", destination_id="id", output="array")
    on = np.isfinite(tt.seconds).any(axis=0)
    path = tmp_path_factory.mktemp("cands") / "schools.geojson"
    sch[on].to_file(path, driver="GeoJSON")
    return path, sch, tt, grid


def test_locate_mclp_matches_direct_count(app, schools_on_network, tmp_path):
    path, _sch, tt, grid = schools_on_network
    out = tmp_path / "mclp"
    res = CliRunner().invoke(app, ["locate", NET, "--mode", "walk", "--demand", GRID, "--candidates", str(path),
                                   "--model", "mclp", "-p", "3", "--minutes", "15", "--out", str(out)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and len(summary["selected"]) == 3
    # independent count: residents within 15 walk minutes of the chosen schools
    cols = [list(tt.destination_ids).index(s) for s in summary["selected"]]
    near = (tt.seconds[:, cols] / 60.0).min(axis=1)
    assert summary["objective"] == pytest.approx(grid["population"].to_numpy()[near <= 15].sum())
    alloc = pd.read_csv(out / "allocation.csv")
    assert alloc["minutes"].notna().all() and (out / "location.gpkg").is_file() and (out / "map.png").is_file()


def test_locate_fixed_and_add(app, schools_on_network, tmp_path):
    path, _, _, _ = schools_on_network
    out = tmp_path / "pm"
    res = CliRunner().invoke(app, ["locate", NET, "--mode", "walk", "--demand", GRID, "--candidates", str(path),
                                   "--model", "pmedian", "--fixed", "oslo_vgs:100", "--add", "2",
                                   "--forbidden", "oslo_vgs:107", "--out", str(out)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    s = json.loads((out / "summary.json").read_text())
    assert "oslo_vgs:100" in s["selected"] and "oslo_vgs:107" not in s["selected"] and len(s["selected"]) == 3
    assert s["selected_new"] == [x for x in s["selected"] if x != "oslo_vgs:100"]


def test_locate_bad_input(app, schools_on_network, tmp_path):
    path, _, _, _ = schools_on_network
    base = ["locate", NET, "--mode", "walk", "--demand", GRID, "--out", str(tmp_path / "x")]
    res = CliRunner().invoke(app, [*base, "--candidates", str(path), "--model", "pmedian", "-p", "99"])
    assert isinstance(res.exception, InputError) and "larger than the number of candidates" in str(res.exception)
    # all 30 schools: 10 lie outside the Oslo-east network and are named in the error
    res = CliRunner().invoke(app, [*base, "--candidates", "services/oslo_upper_secondary_schools_2024.geojson",
                                   "--model", "pmedian", "-p", "3", "--candidate-id", "id"])
    assert isinstance(res.exception, InputError) and "off the network" in str(res.exception)
    res = CliRunner().invoke(app, [*base, "--candidates", str(path), "--model", "lscp", "--minutes", "5"])
    assert isinstance(res.exception, InputError) and "Infeasible coverage" in str(res.exception)
    res = CliRunner().invoke(app, [*base, "--candidates", str(path), "--model", "median", "-p", "3"])
    assert isinstance(res.exception, InputError) and "--model" in str(res.exception)


def test_evaluate_sites_cli(app, tmp_path):
    sites = tmp_path / "sites.csv"
    # WGS84 coordinates of three metro stations (from the OSM stop positions)
    pd.DataFrame({"site_id": ["helsfyr", "carl_berner", "lambertseter"],
                  "name": ["Helsfyr T", "Carl Berners plass T", "Lambertseter T"],
                  "lon": [10.8012, 10.7765, 10.8108], "lat": [59.9128, 59.9265, 59.8734]}).to_csv(sites, index=False)
    cen = tmp_path / "centrality.csv"
    cen.write_text("kommunenummer,class\n0301,1\n")
    out = tmp_path / "eval" / "report.html"
    res = CliRunner().invoke(app, ["evaluate-sites", NET, "--sites", str(sites), "--jobs", "50", "--population", GRID,
                                   "--centrality", str(cen), "--out", str(out)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    tidy = pd.read_csv(out.with_suffix(".csv"))
    wide = pd.read_csv(out.parent / "report_wide.csv")
    assert len(wide) == 3 and (wide["walk_hub_minutes"] < 3).all()
    assert set(tidy["criterion"]) == {1, 2, 3, 4, 5, 6}
    assert "Sentralitetsklasse" in out.read_text(encoding="utf-8")
    res = CliRunner().invoke(app, ["evaluate-sites", NET, "--sites", str(sites), "--jobs", "50", "--population", GRID,
                                   "--out", str(tmp_path / "r.txt")])
    assert isinstance(res.exception, InputError)


def test_evaluate_sites_latitude_longitude_navn_and_saved_network(app, tmp_path, dataset):
    """Issue 17: latitude/longitude and navn are read, names kept; a saved network folder keeps criterion 5."""
    from geoaccess.network.build import build_network

    sites = tmp_path / "steder.csv"
    sites.write_text("navn;latitude;longitude\nHelsfyr T;59,9128;10,8012\nCarl Berners plass T;59,9265;10,7765\n"
                     "Lambertseter T;59,8734;10,8108\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network(dataset(NET), mode="car")
    folder = tmp_path / "car"
    folder.mkdir()
    net.to_npz(str(folder / "network.npz"))
    out = tmp_path / "eval" / "report.html"
    res = CliRunner().invoke(app, ["evaluate-sites", str(folder), "--sites", str(sites), "--office-jobs", "50",
                                   "--population", GRID, "--out", str(out)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    wide = pd.read_csv(out.parent / "report_wide.csv")
    # ids are 1-based row numbers (no id column), names from navn
    assert wide["site_id"].tolist() == [1, 2, 3]
    assert wide["name"].tolist() == ["Helsfyr T", "Carl Berners plass T", "Lambertseter T"]
    # the saved network names its OSM source: walk network and hubs come from it, criterion 5 is computed
    assert wide["walk_hub_minutes"].notna().all() and (wide["walk_hub_minutes"] < 3).all()
    # without a centrality table, criterion 3 says why it is missing
    tidy = pd.read_csv(out.with_suffix(".csv"))
    note = tidy.loc[tidy["measure"] == "centrality_class", "note"].iloc[0]
    assert note.startswith("not computed, because no centrality table")
    assert "not computed, because" in out.read_text(encoding="utf-8")
    # the deprecated --jobs still works, with one warning line
    res = CliRunner().invoke(app, ["evaluate-sites", str(folder), "--sites", str(sites), "--jobs", "50",
                                   "--population", GRID, "--out", str(tmp_path / "r2.html"), "-q"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert "evaluate-sites --jobs is deprecated" in res.stderr and "use --office-jobs" in res.stderr
