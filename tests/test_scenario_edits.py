"""Scenario edits that mean what they say: way groups, road attributes, set vs max speed, planned links,
ferries, closed roads that keep their residents, edges.gpkg, diverging change maps."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from geoaccess.errors import DataWarning, InputError
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.simplify import simplify
from geoaccess.network.ways import edge_way_ids, edges_with_ways
from geoaccess.scenario.edit import aligned_base, apply_scenario
from geoaccess.scenario.spec import spec_from_edits

CRS = "EPSG:25833"
X0, Y0 = 260000.0, 6650000.0
KMH50 = 1000.0 / (50 / 3.6)  # 72 s per km


def chain(ways: list[int], *, kmh: list[float] | None = None, meta: dict | None = None) -> Network:
    """A two-way straight road of 1 km segments along x, one way id per segment."""
    n = len(ways) + 1
    t, h, w, s = [], [], [], []
    for i, way in enumerate(ways):
        sec = 1000.0 / ((kmh[i] if kmh else 50.0) / 3.6)
        t += [i, i + 1]
        h += [i + 1, i]
        w += [way, way]
        s += [sec, sec]
    return Network.from_edges(t, h, seconds=s, x=X0 + 1000.0 * np.arange(n), y=np.full(n, Y0), crs=CRS, way_id=w,
                              meta=meta or {"source": "hand"})


# --------------------------------------------------------------------------- way ids survive simplification
def test_simplified_edge_keeps_all_its_way_ids_and_edits_find_them() -> None:
    s = simplify(chain([7, 7, 9, 11]))
    assert s.n_edges == 2 and (s.way_id <= -2).all()
    assert edge_way_ids(s) == [(7, 9, 11), (7, 9, 11)]
    assert edges_with_ways(s, [9]).all() and not edges_with_ways(s, [8]).any()
    closed = apply_scenario(s, spec_from_edits("c", [{"type": "close", "way_ids": [11]}]))
    assert closed.n_edges == 0  # the merged edge carries way 11: closing it removes the edge, both directions
    _, edges = s.to_geodataframes()
    assert edges["way_ids"].tolist() == ["7;9;11", "7;9;11"]
    with pytest.raises(InputError, match=r"way id\(s\) are not on any edge.*\[8\]"):
        apply_scenario(s, spec_from_edits("m", [{"type": "close", "way_ids": [8]}]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=2, max_size=12), st.booleans())
def test_simplify_keeps_every_way_id_and_every_time(ways: list[int], twice: bool) -> None:
    net = chain(ways)
    s = simplify(net)
    if twice:
        s = simplify(s)
    assert {w for ws in edge_way_ids(s) for w in ws} == set(ways)
    d = dijkstra(net.csgraph())
    pos = {int(v): i for i, v in enumerate(net.node_id)}
    keep = [pos[int(v)] for v in s.node_id]
    np.testing.assert_allclose(dijkstra(s.csgraph()), d[np.ix_(keep, keep)])


# --------------------------------------------------------------------------- road names, classes, numbers
def _named() -> Network:
    attrs = {"way_id": [1, 2, 3], "name": ["Storgata", "Storgata", "Kongens gate"],
             "road_class": ["primary", "primary", "residential"], "road_ref": ["E6", "E6", None]}
    return chain([1, 2, 3], meta={"source": "hand", "way_attributes": attrs})


def test_select_by_road_name_class_and_number() -> None:
    net = _named()
    by_name = apply_scenario(net, spec_from_edits("n", [{"type": "speed", "name": "storgata", "set_speed_kmh": 100}]))
    assert by_name.meta["scenario"]["applied"][0]["edges_selected"] == 4
    assert dijkstra(by_name.csgraph())[0, 3] == pytest.approx(2 * 36.0 + KMH50)
    by_ref = apply_scenario(net, spec_from_edits("r", [{"type": "close", "road": "E 6"}]))
    assert set(by_ref.way_id.tolist()) == {3}
    by_class = apply_scenario(net, spec_from_edits("k", [{"type": "speed", "road_class": ["residential"],
                                                           "factor": 2.0}]))
    assert dijkstra(by_class.csgraph())[2, 3] == pytest.approx(KMH50 / 2)
    both = spec_from_edits("b", [{"type": "close", "road": "E6", "line": [[X0, Y0], [X0 + 1000, Y0]],
                                  "buffer_m": 10}], crs=CRS)
    assert set(apply_scenario(net, both).way_id.tolist()) == {2, 3}  # E6 *and* in the corridor: way 1 only
    with pytest.raises(InputError, match=r"edit 1 \(close\), field 'road': selects no edges"):
        apply_scenario(net, spec_from_edits("x", [{"type": "close", "road": "Rv4"}]))
    with pytest.raises(InputError, match=r"field 'name': hand has no road names"):
        apply_scenario(chain([1, 2]), spec_from_edits("x", [{"type": "close", "name": "Storgata"}]))


# --------------------------------------------------------------------------- set vs max speed
def test_max_speed_is_a_limit_and_set_speed_sets() -> None:
    net = chain([1, 2, 3], kmh=[50.0, 20.0, 80.0])  # a 20 km/h street in the middle
    cap = apply_scenario(net, spec_from_edits("zone", [{"type": "speed", "way_ids": [1, 2, 3], "max_speed_kmh": 30}]))
    secs = {int(w): s for w, s in zip(cap.way_id, cap.seconds, strict=True)}
    assert secs[1] == pytest.approx(120.0) and secs[2] == pytest.approx(180.0) and secs[3] == pytest.approx(120.0)
    assert cap.meta["scenario"]["applied"][0]["edges_faster"] == 0
    with pytest.warns(DataWarning, match=r"set_speed_kmh = 30 sets the speed, so 2 of 6 selected edges .*'zone'.*max_speed_kmh = 30"):
        zone = apply_scenario(net, spec_from_edits("x", [{"type": "speed", "label": "30 zone", "way_ids": [1, 2, 3],
                                                           "set_speed_kmh": 30}]))
    assert {int(w): s for w, s in zip(zone.way_id, zone.seconds, strict=True)}[2] == pytest.approx(120.0)  # faster
    with pytest.warns(DataWarning, match="also makes 4 edges slower"):  # the deprecated spelling, raising and lowering
        apply_scenario(net, spec_from_edits("y", [{"type": "speed", "way_ids": [1, 2, 3], "speed_kmh": 30}]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plain faster road under a plain name: no warning
        apply_scenario(net, spec_from_edits("upgrade", [{"type": "speed", "label": "new bypass 80 -> 100 km/h",
                                                          "way_ids": [3], "set_speed_kmh": 100}]))


# --------------------------------------------------------------------------- planned links
def _planned_net() -> Network:
    """Chain 0-1-2-3 plus two planned links 0 -> P -> 3 (row 100, 101) of road E39 at 90 km/h."""
    p = [X0 + 1500.0, Y0 + 2000.0]
    recs = [
        {"row": 100, "vegkategori": "E", "vegnummer": 39.0, "kmh": 90.0, "metres": 2500.0,
         "coords": [[X0, Y0], [X0 + 700.0, Y0 + 1500.0], p]},
        {"row": 101, "vegkategori": "E", "vegnummer": 39.0, "kmh": 90.0, "metres": 2500.0,
         "coords": [p, [X0 + 3000.0, Y0]]},
        {"row": 102, "vegkategori": "F", "vegnummer": 519.0, "kmh": 60.0, "metres": 999.0,
         "coords": [[X0 + 1000.0, Y0], [X0 + 1000.0, Y0 + 900.0]]},
    ]
    return chain([1, 2, 3], meta={"source": "hand", "n1000": {"planned_links": recs}})


def test_open_planned_links_appends_nodes_and_times_match_hand() -> None:
    from geoaccess.engine.router import Router

    net = _planned_net()
    scen = apply_scenario(net, spec_from_edits("p", [{"type": "open_planned", "road": "E39"}]))
    assert scen.n_nodes == net.n_nodes + 1 and np.array_equal(scen.x[:4], net.x)
    d = dijkstra(scen.csgraph())
    assert d[0, 3] == pytest.approx(5000.0 / (90 / 3.6))  # 200 s instead of 3 x 72 s
    added = (scen.flags & EdgeFlag.CONNECTOR) != 0
    assert added.sum() == 4 and set(scen.way_id[added].tolist()) == {100, 101}
    assert scen.edge_coords(int(np.flatnonzero(added & (scen.tails == 0))[0])).shape == (3, 2)  # its geometry
    base = aligned_base(net, scen)
    Router(scen, base=base)  # same nodes: the router pair builds
    rows = apply_scenario(net, spec_from_edits("r", [{"type": "open_planned", "rows": [102]}]))
    assert rows.n_nodes == net.n_nodes + 1  # the far end of 102 is a new node
    with pytest.raises(InputError, match=r"edit 1 \(open_planned\), field 'rows'.*rows \[999\] are not planned links"):
        apply_scenario(net, spec_from_edits("e", [{"type": "open_planned", "rows": [999]}]))
    with pytest.raises(InputError, match=r"rows \[102\] are not planned links of this network with road E39"):
        apply_scenario(net, spec_from_edits("e", [{"type": "open_planned", "road": "E39", "rows": [102]}]))
    with pytest.raises(InputError, match="no planned link has road RV4"):
        apply_scenario(net, spec_from_edits("e", [{"type": "open_planned", "road": "Rv 4"}]))
    with pytest.raises(InputError, match="the network has no planned links"):
        apply_scenario(chain([1]), spec_from_edits("e", [{"type": "open_planned", "road": "E39"}]))


# --------------------------------------------------------------------------- ferries
def _ferry_net() -> Network:
    """Road 0-1, ferry 1-2 (way 50, 20 min) and 2-3 (way 51, road), plus a second ferry 1-4 (way 60)."""
    x = X0 + np.array([0.0, 1000.0, 6000.0, 7000.0, 1000.0])
    y = np.array([Y0, Y0, Y0, Y0, Y0 + 5000.0])
    t = [0, 1, 1, 2, 2, 3, 1, 4]
    h = [1, 0, 2, 1, 3, 2, 4, 1]
    way = [1, 1, 50, 50, 51, 51, 60, 60]
    secs = [72.0, 72.0, 1200.0, 1200.0, 72.0, 72.0, 900.0, 900.0]
    flags = [0, 0, 1, 1, 0, 0, 1, 1]
    attrs = {"way_id": [50, 60], "name": ["Mortavika–Arsvågen", "Other ferry"], "road_class": ["ferry", "ferry"],
             "road_ref": ["E39", "F1"]}
    return Network.from_edges(t, h, seconds=secs, x=x, y=y, crs=CRS, way_id=way, flags=flags,
                              meta={"source": "hand", "way_attributes": attrs})


def test_remove_ferry_by_ends_name_and_road() -> None:
    net = _ferry_net()
    by_ends = apply_scenario(net, spec_from_edits("f", [{"type": "remove_ferry", "from": [X0 + 1100, Y0 + 50],
                                                         "to": [X0 + 5900, Y0], "max_snap_m": 500}], crs=CRS))
    assert set(by_ends.way_id.tolist()) == {1, 51, 60}
    assert np.isinf(dijkstra(by_ends.csgraph())[0, 3])
    assert by_ends.meta["scenario"]["applied"][0]["way_ids"] == [50]
    by_name = apply_scenario(net, spec_from_edits("n", [{"type": "remove_ferry", "name": "Mortavika-Arsvågen"}]))
    assert set(by_name.way_id.tolist()) == {1, 51, 60}
    by_road = apply_scenario(net, spec_from_edits("r", [{"type": "remove_ferry", "road": "F1"}]))
    assert set(by_road.way_id.tolist()) == {1, 50, 51}
    with pytest.raises(InputError, match=r"field 'from': the nearest ferry quay lies 3,000 m away"):
        apply_scenario(net, spec_from_edits("f", [{"type": "remove_ferry", "from": [X0 - 2000, Y0],
                                                   "to": [X0 + 6000, Y0], "max_snap_m": 500}], crs=CRS))
    with pytest.raises(InputError, match=r"field 'road': selects no ferry edge"):
        apply_scenario(net, spec_from_edits("r", [{"type": "remove_ferry", "road": "E6"}]))


# --------------------------------------------------------------------------- closures keep the residents
def test_closing_a_road_resnaps_its_residents_to_the_nearest_open_edge() -> None:
    from geoaccess.scenario.compare import compare_times

    # main road 0-1-2 (way 1, 2) and a side road 1-3 north (way 9, 500 m); a home 40 m east of the side road
    x = X0 + np.array([0.0, 1000.0, 2000.0, 1000.0])
    y = np.array([Y0, Y0, Y0, Y0 + 500.0])
    t, h, w = [0, 1, 1, 2, 1, 3], [1, 0, 2, 1, 3, 1], [1, 1, 2, 2, 9, 9]
    net = Network.from_edges(t, h, seconds=[72.0] * 4 + [36.0, 36.0], x=x, y=y, crs=CRS, way_id=w)
    scen = apply_scenario(net, spec_from_edits("c", [{"type": "close", "way_ids": [9]}]))
    home = gpd.GeoDataFrame({"cell_id": ["home"], "population": [3.0]},
                            geometry=[shapely.Point(X0 + 1040.0, Y0 + 400.0)], crs=CRS)
    centre = gpd.GeoDataFrame({"origin_id": ["c"]}, geometry=[shapely.Point(X0, Y0)], crs=CRS)
    tt = compare_times(net, scen, centre, cells=home, origin_id="origin_id")
    walk = 1 / (5 / 3.6)  # s per metre at the 5 km/h access speed
    assert tt.before[0, 0] == pytest.approx(72.0 + 36.0 * 0.8 + 40.0 * walk)
    # after: the nearest open edge is the main road 0-1-2, 400 m south at x = X0 + 1040
    assert tt.after[0, 0] == pytest.approx(72.0 + 72.0 * 0.04 + 400.0 * walk)
    assert tt.resnapped_cells == 1 and tt.stranded_cells == 0
    assert tt.reach(thresholds_minutes=[60], weights=["population"])["after"].iloc[0] == 3.0  # the people are still there


# --------------------------------------------------------------------------- outputs
@pytest.mark.slow
def test_edges_gpkg_has_name_class_speed_and_way_ids(tmp_path, dataset) -> None:
    import pandas as pd
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    _register()
    out = tmp_path / "oslo"
    res = CliRunner().invoke(app, ["network", "build", "osm/oslo-east-filtered.osm.pbf", "--out", str(out)])
    assert res.exit_code == 0, res.output
    edges = gpd.read_file(out / "edges.gpkg", layer="edges")
    assert {"name", "road_class", "road_ref", "speed_kmh", "way_id", "way_ids", "seconds", "metres"} <= set(edges.columns)
    kirke = edges.loc[edges["way_ids"].str.split(";").map(lambda ws: "3426151" in ws)]
    assert len(kirke) and (kirke["name"] == "Kirkeveien").all() and (kirke["road_class"] == "primary").all()
    np.testing.assert_allclose(edges["speed_kmh"], edges["metres"] / edges["seconds"] * 3.6)
    merged = edges.loc[edges["way_id"] <= -2]
    assert len(merged) and merged["way_ids"].str.contains(";").all()
    from geoaccess.network.cache import load_npz

    saved = load_npz(out / "network.npz")  # the names travel with the saved network
    assert pd.Series(saved.meta["way_attributes"]["name"]).notna().any()


def test_change_maps_use_a_diverging_scale_centred_on_no_change() -> None:
    from geoaccess.scenario.change_map import saved_scale

    scale = saved_scale(np.array([-3.0, -0.01, 0.0, 0.02, 2.0, 5.0]))
    assert scale.kind == "diverging"
    colours = scale.colour_of(np.array([-3.0, 0.0, 3.0]))
    mid = scale.colours[len(scale.colours) // 2]
    assert colours[1] == mid and colours[0] != mid and colours[2] != mid  # no change is the neutral colour
    red, blue = (int(c[1:3], 16) - int(c[5:7], 16) for c in (colours[0], colours[2]))
    assert red > 0 > blue  # a closure (minutes lost) is red, a gain blue
