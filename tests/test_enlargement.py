"""Regionforstørring on real data, checked against a brute force with scipy's Dijkstra."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from point_oracle import one_to_points_seconds

from geoaccess.errors import InputError

CENTRE = (10.8080, 59.9285, "EPSG:4326")  # Økern, eastern Oslo
MINUTES = (5.0, 10.0, 15.0, 30.0, 45.0, 60.0, 75.0)


@pytest.fixture(scope="module")
def oslo(dataset):
    from geoaccess.examples import scenario_dir
    from geoaccess.layers.jobs import jobs_by_population
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.network.build import build_network
    from geoaccess.scenario.edit import apply_scenario
    from geoaccess.scenario.spec import read_spec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        base = build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="car")
        cells = read_ssb_grid(dataset("population/befolkning_250m_2023_oslo.shp"))
    # Turn rules off (OSM restrictions, destination-only streets): this test checks the enlargement's
    # bookkeeping against a node-based scipy brute force; turn-aware routing has its own oracles
    # (tests/test_turn_graph.py, tests/turn_oracle.py).
    from dataclasses import replace

    from geoaccess.network.graph import EdgeFlag

    base = replace(base, turns=None, flags=(base.flags & ~np.uint8(EdgeFlag.DESTINATION)).astype(base.flags.dtype))
    cells, info = jobs_by_population(cells, municipality="0301", year=2021)
    scen = apply_scenario(base, read_spec(scenario_dir() / "oslo_east_new_link.toml"))
    return base, scen, cells, info


def brute_force_seconds(net, cells) -> np.ndarray:
    """Centre -> every cell on ``net`` with scipy's Dijkstra (independent of the numba kernel).

    Snapping uses the public :func:`snap_points` on the network without the scenario's
    connector edges (the rule of the scenario module); the rest is written out here.
    """
    from geoaccess.network.snap import snap_points
    from geoaccess.regions.enlargement import centre_points
    from geoaccess.scenario.edit import without_connectors

    snap_net = without_connectors(net)
    o = snap_points(snap_net, centre_points(CENTRE))
    d = snap_points(snap_net, cells.set_geometry(cells.geometry.centroid), id_column="cell_id")
    return one_to_points_seconds(net, snap_net, o, d)


def test_enlargement_equals_brute_force_on_both_networks(oslo) -> None:
    from geoaccess.regions.enlargement import labour_market_enlargement

    base, scen, cells, _ = oslo
    table = labour_market_enlargement(base, scen, CENTRE, cells=cells, thresholds_minutes=MINUTES)
    assert list(table["minutes"]) == list(MINUTES)
    pop = cells["population"].to_numpy()
    jobs = cells["jobs"].to_numpy()
    for label, net in (("before", base), ("after", scen)):
        secs = brute_force_seconds(net, cells)
        for thr, row in zip(MINUTES, table.itertuples(), strict=False):
            inside = secs <= thr * 60.0
            assert getattr(row, f"cells_{label}") == int(inside.sum()), (label, thr)
            assert getattr(row, f"residents_{label}") == pytest.approx(pop[inside].sum(), rel=1e-12), (label, thr)
            assert getattr(row, f"jobs_{label}") == pytest.approx(jobs[inside].sum(), rel=1e-9), (label, thr)
    # a new link can only add: and this one does add residents within 10 minutes of Økern
    assert (table["residents_change"] >= 0).all() and (table["jobs_change"] >= 0).all()
    assert table.loc[table["minutes"] == 10.0, "residents_change"].item() > 0
    r10 = table.loc[table["minutes"] == 10.0].iloc[0]
    assert r10["residents_change_pct"] == pytest.approx(r10["residents_change"] / r10["residents_before"] * 100)


def test_jobs_spread_preserves_the_municipal_total(oslo) -> None:
    from geoaccess.layers.commuting import jobs_by_workplace, load_flows

    _, _, cells, info = oslo
    total = float(jobs_by_workplace(load_flows(2021)).loc["0301"])
    assert info["jobs_total"] == total
    assert cells["jobs"].sum() == pytest.approx(total, rel=1e-12)
    assert "proportion to residents" in info["assumption"]


def test_change_surface_is_never_slower_with_a_new_link(oslo) -> None:
    from geoaccess.regions.enlargement import centre_points
    from geoaccess.scenario.compare import compare_times

    base, scen, cells, _ = oslo
    times = compare_times(base, scen, centre_points(CENTRE), cells=cells, origin_id="origin_id")
    surf = times.surface()
    both = surf["minutes_before"].notna() & surf["minutes_after"].notna()
    assert both.sum() > 500
    assert (surf.loc[both, "change_minutes"] <= 1e-9).all()
    assert not surf["lost"].any()
    assert (surf["change_minutes"] < -1.0).sum() > 10  # cells near Abildsø gain over a minute
    # unreachable cells (outside the extract) are NaN, never 0
    assert surf["minutes_before"].isna().sum() > 0
    assert surf.crs == cells.crs and len(surf) == len(cells)


def test_region_changes_traveltime_and_ba_hand_case() -> None:
    from geoaccess.regions.config import TravelTimeParams
    from geoaccess.regions.enlargement import region_changes

    # three municipalities: 0301 (centre), 3024, 3025. Workers living in row, working in column.
    flows = pd.DataFrame({
        "origin": ["0301", "0301", "3024", "3024", "3025", "3025", "3025"],
        "destination": ["0301", "3024", "3024", "0301", "3025", "0301", "3024"],
        "workers": [1000.0, 10.0, 300.0, 20.0, 200.0, 5.0, 5.0],
    })
    base = pd.DataFrame({"origin": ["3024", "3025"], "destination": ["0301", "0301"], "minutes": [50.0, 70.0]})
    scen = pd.DataFrame({"origin": ["3024", "3025"], "destination": ["0301", "0301"], "minutes": [50.0, 55.0]})
    moved = region_changes(base, scen, flows=flows, centres=["0301"], method="traveltime",
                           params=TravelTimeParams(max_minutes=60.0))
    assert moved["kommunenummer"].tolist() == ["3025"]
    row = moved.iloc[0]
    assert (row["region_base"], row["region_scenario"]) == ("3025", "0301")
    assert row["minutes_scenario"] == 55.0
    assert row["residents"] == 210.0 and row["jobs"] == 200.0  # row sum; column sum of 3025
    # no change in times -> nothing moves
    assert region_changes(base, base, flows=flows, centres=["0301"], params=TravelTimeParams(60.0)).empty
    # method 2 (BA cascade, default thresholds): 3025 sends 5/210 = 2.4 % of its workers to 0301, too few
    # for the 75-minute rule (8 %), but within 30 minutes the tt30 rule needs no commuting at all
    scen30 = scen.assign(minutes=[50.0, 25.0])
    ba = region_changes(base, scen30, flows=flows, centres=["0301"], method="ba")
    assert ba["kommunenummer"].tolist() == ["3025"]
    assert (ba["region_base"].item(), ba["region_scenario"].item()) == ("3025", "0301")
    assert ba["method"].item() == "ba"
    # 55 minutes is not enough under BA (2.4 % < 8 % for the 75-minute rule): nothing moves
    assert region_changes(base, scen, flows=flows, centres=["0301"], method="ba").empty
    with pytest.raises(InputError, match="method"):
        region_changes(base, scen, flows=flows, centres=["0301"], method="lma")


def test_centre_parsing_errors() -> None:
    from geoaccess.regions.enlargement import centre_points

    g = centre_points("10.808,59.9285,EPSG:4326")
    assert g.crs.to_epsg() == 4326 and g.geometry.x.item() == pytest.approx(10.808)
    with pytest.raises(InputError, match="x and y must be numbers"):
        centre_points("a,b,EPSG:4326")
    with pytest.raises(Exception, match="(?i)crs"):
        centre_points((10.8, 59.9))


def test_cli_scenario_writes_outputs(tmp_path, dataset) -> None:
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    _register()  # all command modules, as the console script does
    from geoaccess.examples import scenario_dir

    out = tmp_path / "hamar"
    res = CliRunner().invoke(app, [
        "scenario", str(dataset("roads/hamar_nvdb_speed_limits_2018.geojson")),
        "--spec", str(scenario_dir() / "hamar_faster_corridor.toml"),
        "--centre", "289079,6745789,EPSG:25833", "--minutes", "5,10", "--out", str(out),
    ])
    assert res.exit_code == 0, res.output
    for name in ("enlargement.csv", "change.gpkg", "change.png", "change.html", "run.json"):
        assert (out / name).stat().st_size > 0, name
    table = pd.read_csv(out / "enlargement.csv")
    assert set(table["weight"]) == {"nodes"} and (table["change"] >= 0).all()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["applied"][0]["edges_changed"] > 0


def test_cli_scenario_centre_from_a_point_file(dataset, tmp_path):
    """--centre takes a point file (the one point reader): the same result as the coordinates."""
    import pandas as pd
    from pyproj import Transformer
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app
    from geoaccess.examples import scenario_dir

    _register()
    lon, lat = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True).transform(289079, 6745789)
    csv = tmp_path / "sentrum.csv"
    csv.write_text(f"navn,latitude,longitude\nHamar sentrum,{lat:.8f},{lon:.8f}\n", encoding="utf-8")
    net = str(dataset("roads/hamar_nvdb_speed_limits_2018.geojson"))
    spec = str(scenario_dir() / "hamar_faster_corridor.toml")
    tables = []
    for centre, out in ((f"{lon:.8f},{lat:.8f},EPSG:4326", tmp_path / "xy"), (str(csv), tmp_path / "file")):
        res = CliRunner().invoke(app, ["scenario", net, "--spec", spec, "--centre", centre,
                                       "--thresholds-minutes", "5,10", "--out", str(out)])
        assert res.exit_code == 0, res.output
        tables.append(pd.read_csv(out / "enlargement.csv"))
    assert tables[1]["origin_id"].tolist() == [1] * len(tables[1])  # the file's id: row number 1 (no id column)
    pd.testing.assert_frame_equal(tables[0].drop(columns="origin_id"), tables[1].drop(columns="origin_id"))
    two = tmp_path / "two.csv"
    two.write_text(f"lat,lon\n{lat},{lon}\n{lat},{lon}\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["scenario", net, "--spec", spec, "--centre", str(two), "--out", str(tmp_path / "t")])
    assert "holds 2 points; give a file with one point" in str(res.exception)
