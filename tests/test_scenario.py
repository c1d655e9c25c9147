"""Scenario specs and network edits: hand-computed cases, invariants (hypothesis), errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra as sp_dijkstra

from geoaccess.errors import InputError
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.scenario.edit import apply_scenario, without_connectors
from geoaccess.scenario.spec import parse_spec, read_spec, spec_from_edits

CRS = "EPSG:25833"
X0, Y0 = 260000.0, 6650000.0


def line_network() -> Network:
    """0 -- 1 -- 2 -- 3 along x, 1 km apart, two-way; way ids 10, 20, 30 per segment; 50 km/h."""
    x = X0 + np.array([0.0, 1000.0, 2000.0, 3000.0])
    y = np.full(4, Y0)
    t = [0, 1, 1, 2, 2, 3]
    h = [1, 0, 2, 1, 3, 2]
    way = [10, 10, 20, 20, 30, 30]
    secs = np.full(6, 1000.0 / (50 / 3.6))  # 72 s per km at 50 km/h
    return Network.from_edges(t, h, seconds=secs, x=x, y=y, crs=CRS, way_id=way, meta={"source": "hand"})


def times(net: Network) -> np.ndarray:
    return sp_dijkstra(net.csgraph(), directed=True)


# --------------------------------------------------------------------------- hand-computed edits
def test_speed_edit_by_way_id_matches_hand_computation() -> None:
    net = line_network()
    spec = spec_from_edits("faster", [{"type": "speed", "way_ids": [20], "speed_kmh": 100}])
    scen = apply_scenario(net, spec)
    before, after = times(net), times(scen)
    assert before[0, 3] == pytest.approx(3 * 72.0)
    # the middle km now takes 1000 m / (100/3.6 m/s) = 36 s; the other two stay 72 s
    assert after[0, 3] == pytest.approx(72.0 + 36.0 + 72.0)
    assert after[3, 0] == pytest.approx(180.0)
    assert after[0, 1] == pytest.approx(72.0)
    assert scen.meta["scenario"]["applied"][0]["edges_changed"] == 2


def test_speed_factor_and_corridor_selection() -> None:
    net = line_network()
    # corridor along the 2nd and 3rd km only; factor 2 halves their seconds
    spec = spec_from_edits(
        "corridor",
        [{"type": "speed", "line": [[X0 + 1000, Y0], [X0 + 3000, Y0]], "buffer_m": 20, "factor": 2.0}],
        crs=CRS,
    )
    scen = apply_scenario(net, spec)
    assert times(scen)[0, 3] == pytest.approx(72.0 + 36.0 + 36.0)
    assert scen.meta["scenario"]["applied"][0]["edges_changed"] == 4


def test_polygon_with_min_current_speed_filter() -> None:
    net = line_network()
    poly = [[X0 - 100, Y0 - 100], [X0 + 3100, Y0 - 100], [X0 + 3100, Y0 + 100], [X0 - 100, Y0 + 100]]
    # every edge is at 50 km/h: a 60 km/h minimum selects nothing -> clear error naming the field
    spec = spec_from_edits("p", [{"type": "speed", "polygon": poly, "min_current_kmh": 60, "speed_kmh": 80}], crs=CRS)
    with pytest.raises(InputError, match=r"edit 1 \(speed\), field 'polygon': selects no edges"):
        apply_scenario(net, spec)
    spec = spec_from_edits("p", [{"type": "speed", "polygon": poly, "min_current_kmh": 50, "speed_kmh": 80}], crs=CRS)
    assert times(apply_scenario(net, spec))[0, 3] == pytest.approx(3 * 1000 / (80 / 3.6))


def test_link_time_and_flags() -> None:
    net = line_network()
    spec = spec_from_edits("link", [{"type": "link", "from": [X0 + 5, Y0 + 3], "to": [X0 + 3000, Y0 - 4],
                                     "minutes": 1.5, "max_snap_m": 50}], crs=CRS)
    scen = apply_scenario(net, spec)
    assert scen.n_edges == net.n_edges + 2
    added = (scen.flags & EdgeFlag.CONNECTOR) != 0
    assert added.sum() == 2 and np.all(scen.seconds[added] == 90.0) and np.all(scen.way_id[added] == -1)
    assert times(scen)[0, 3] == pytest.approx(90.0)
    assert times(scen)[3, 0] == pytest.approx(90.0)
    # speed-based link: length is the straight line between the snapped nodes (3 km) at 120 km/h
    spec = spec_from_edits("link", [{"type": "link", "from": [X0, Y0], "to": [X0 + 3000, Y0], "speed_kmh": 120,
                                     "two_way": False}], crs=CRS)
    scen = apply_scenario(net, spec)
    assert times(scen)[0, 3] == pytest.approx(3000 / (120 / 3.6))
    assert times(scen)[3, 0] == pytest.approx(216.0)  # one-way: the way back is unchanged


def test_link_in_lon_lat_is_transformed() -> None:
    from pyproj import Transformer

    net = line_network()
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform([X0, X0 + 2000], [Y0, Y0])
    spec = spec_from_edits("ll", [{"type": "link", "from": [lon[0], lat[0]], "to": [lon[1], lat[1]], "minutes": 1}])
    info = apply_scenario(net, spec).meta["scenario"]["applied"][0]
    assert (info["from_node"], info["to_node"]) == (0, 2)
    assert max(info["snap_metres"]) < 1e-3


def test_ferry_seconds_include_half_headway() -> None:
    net = line_network()
    spec = spec_from_edits("ferry", [{"type": "ferry", "from": [X0, Y0], "to": [X0 + 3000, Y0],
                                      "crossing_minutes": 2, "headway_minutes": 3}], crs=CRS)
    scen = apply_scenario(net, spec)
    ferry = (scen.flags & EdgeFlag.FERRY) != 0
    assert ferry.sum() == 2
    assert np.all(scen.flags[ferry] & EdgeFlag.CONNECTOR)
    assert np.all(scen.seconds[ferry] == pytest.approx((2 + 1.5) * 60))
    assert times(scen)[0, 3] == pytest.approx(210.0)  # 3.5 min ferry beats 216 s of road


def test_close_removes_both_directions() -> None:
    net = line_network()
    scen = apply_scenario(net, spec_from_edits("close", [{"type": "close", "way_ids": [20]}]))
    assert scen.n_edges == 4
    t = times(scen)
    assert np.isinf(t[0, 3]) and np.isinf(t[3, 0]) and t[0, 1] == pytest.approx(72.0)


def test_edits_apply_in_order() -> None:
    net = line_network()
    spec = spec_from_edits("order", [
        {"type": "speed", "way_ids": [10, 20, 30], "speed_kmh": 100},
        {"type": "speed", "way_ids": [10], "factor": 0.5},
    ])
    assert times(apply_scenario(net, spec))[0, 3] == pytest.approx(72.0 + 36.0 + 36.0)


def test_base_network_is_not_modified() -> None:
    net = line_network()
    copies = {k: getattr(net, k).copy() for k in ("indptr", "indices", "seconds", "metres", "way_id", "flags",
                                                  "x", "y", "node_id")}
    meta = json.dumps(net.meta, sort_keys=True)
    spec = spec_from_edits("all", [
        {"type": "speed", "way_ids": [10], "speed_kmh": 30},
        {"type": "close", "way_ids": [30]},
        {"type": "link", "from": [X0, Y0], "to": [X0 + 2000, Y0], "speed_kmh": 60},
        {"type": "ferry", "from": [X0 + 1000, Y0], "to": [X0, Y0], "crossing_minutes": 5, "wait_minutes": 0},
    ], crs=CRS)
    scen = apply_scenario(net, spec)
    for k, v in copies.items():
        assert np.array_equal(getattr(net, k), v), k
        assert not np.shares_memory(getattr(scen, k), getattr(net, k)), k
    assert json.dumps(net.meta, sort_keys=True) == meta
    assert [e["type"] for e in scen.meta["scenario"]["applied"]] == ["speed", "close", "link", "ferry"]
    assert scen.meta["scenario"]["name"] == "all"
    assert without_connectors(scen).n_edges == scen.n_edges - 4
    assert without_connectors(net) is net


# --------------------------------------------------------------------------- invariants
@st.composite
def random_network(draw: st.DrawFn) -> Network:
    n = draw(st.integers(3, 12))
    m = draw(st.integers(n, 3 * n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = X0 + rng.uniform(0, 5000, n)
    y = Y0 + rng.uniform(0, 5000, n)
    t = rng.integers(0, n, m)
    h = rng.integers(0, n, m)
    secs = rng.uniform(1, 600, m)
    way = rng.integers(1, 6, m)
    return Network.from_edges(t, h, seconds=secs, x=x, y=y, crs=CRS, way_id=way)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=random_network(), a=st.integers(0, 100), b=st.integers(0, 100),
       minutes=st.floats(0.01, 30), two_way=st.booleans())
def test_new_link_never_increases_any_time(net: Network, a: int, b: int, minutes: float, two_way: bool) -> None:
    live = np.unique(np.concatenate([net.tails, net.indices]))  # links attach to nodes that have edges
    if len(live) < 2:
        return
    u, v = int(live[a % len(live)]), int(live[b % len(live)])
    if u == v:
        v = int(live[(b + 1) % len(live)])
    spec = spec_from_edits("l", [{"type": "link", "from": [net.x[u], net.y[u]], "to": [net.x[v], net.y[v]],
                                  "minutes": minutes, "two_way": two_way, "max_snap_m": 1}], crs=CRS)
    scen = apply_scenario(net, spec)
    before, after = times(net), times(scen)
    assert np.all(after <= before + 1e-9)
    assert after[u, v] <= minutes * 60 + 1e-9


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=random_network(), ways=st.sets(st.integers(1, 5), min_size=1, max_size=3))
def test_closing_never_decreases_any_time(net: Network, ways: set[int]) -> None:
    present = [w for w in ways if w in set(net.way_id.tolist())]
    if not present:
        return
    scen = apply_scenario(net, spec_from_edits("c", [{"type": "close", "way_ids": present}]))
    assert not np.isin(scen.way_id, present).any()
    assert np.all(times(scen) >= times(net) - 1e-9)


@settings(max_examples=40, deadline=None)
@given(net=random_network(), factor=st.floats(1.0, 5.0))
def test_speeding_up_never_increases_any_time(net: Network, factor: float) -> None:
    way = int(net.way_id[0])
    scen = apply_scenario(net, spec_from_edits("f", [{"type": "speed", "way_ids": [way], "factor": factor}]))
    assert np.all(times(scen) <= times(net) + 1e-9)


# --------------------------------------------------------------------------- spec errors
@pytest.mark.parametrize(
    ("edits", "pattern"),
    [
        ([{"type": "close", "way_ids": [1]}, {"type": "link", "from": [1, 2], "to": [3, 4]}],
         r"edit 2 \(link\), field 'speed_kmh'"),
        ([{"type": "speed", "polygon": [[0, 0], [1, 0], [1, 1]], "line": [[0, 0], [1, 1]], "speed_kmh": 50}],
         r"edit 1 \(speed\), field 'line'"),
        ([{"type": "speed", "way_ids": [1], "set_speed_kmh": 50, "max_speed_kmh": 30}],
         r"edit 1 \(speed\), field 'set_speed_kmh'"),
        ([{"type": "open_planned"}], r"edit 1 \(open_planned\), field 'road'"),
        ([{"type": "remove_ferry", "from": [1, 2]}], r"edit 1 \(remove_ferry\), field 'to'"),
        ([{"type": "close", "road": ""}], r"edit 1 \(close\), field 'road'"),
        ([{"type": "tunnel"}], r"edit 1, field 'type'"),
        ([{"type": "link", "from": [1], "to": [3, 4], "minutes": 2}], r"edit 1 \(link\), field 'from'"),
        ([{"type": "link", "from": [1, 2], "to": [3, 4], "speed_kmh": -5}], r"edit 1 \(link\), field 'speed_kmh'"),
        ([{"type": "ferry", "from": [1, 2], "to": [3, 4]}], r"edit 1 \(ferry\), field 'crossing_minutes'"),
        ([{"type": "close", "way_ids": [1]}, {"type": "close", "way_ids": [1.5]}], r"edit 2 \(close\), field 'way_ids'"),
        ([{"type": "close", "way_ids": [1], "speed": 3}], r"edit 1 \(close\), field 'speed'"),
        ([{"type": "link", "from": [1, 2], "to": [3, 4], "minutes": 1, "crs": "EPSG:99999"}],
         r"edit 1 \(link\), field 'crs'"),
    ],
)
def test_spec_errors_name_edit_and_field(edits: list[dict], pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        parse_spec({"name": "bad", "edits": edits})


def test_spec_requires_name_and_edits(tmp_path) -> None:
    with pytest.raises(InputError, match="'name'"):
        parse_spec({"edits": [{"type": "close", "way_ids": [1]}]})
    with pytest.raises(InputError, match="no edits"):
        parse_spec({"name": "x", "edits": []})
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[[edits]\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        read_spec(bad)
    with pytest.raises(InputError, match="does not exist"):
        read_spec(tmp_path / "missing.toml")


def test_apply_errors_name_edit_and_field() -> None:
    net = line_network()
    far = spec_from_edits("far", [{"type": "close", "way_ids": [10]},
                                  {"type": "link", "from": [X0 + 1000, Y0], "to": [X0 + 9000, Y0], "minutes": 1,
                                   "max_snap_m": 100}], crs=CRS)
    with pytest.raises(InputError, match=r"edit 2 \(link\), field 'to': the point lies 6,000 m"):
        apply_scenario(net, far)
    missing = spec_from_edits("m", [{"type": "close", "way_ids": [10, 99]}])
    with pytest.raises(InputError, match=r"edit 1 \(close\), field 'way_ids'.*\[99\]"):
        apply_scenario(net, missing)
    same = spec_from_edits("s", [{"type": "link", "from": [X0, Y0], "to": [X0 + 10, Y0], "minutes": 1}], crs=CRS)
    with pytest.raises(InputError, match=r"edit 1 \(link\), field 'to': both ends snap to the same"):
        apply_scenario(net, same)


def test_example_scenarios_parse_and_roundtrip_json(tmp_path) -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "scenarios"
    files = sorted(folder.glob("*.toml"))
    assert {f.name for f in files} >= {"oslo_east_new_link.toml", "hamar_faster_corridor.toml"}
    for f in files:
        spec = read_spec(f)
        assert spec.description and spec.edits
        j = tmp_path / (f.stem + ".json")
        data = spec.to_dict()
        data.pop("source")
        for e in data["edits"]:
            e.pop("index")
            if "start" in e:
                e["from"], e["to"] = e.pop("start"), e.pop("end")
        j.write_text(json.dumps(data), encoding="utf-8")
        again = read_spec(j)
        assert [type(e) for e in again.edits] == [type(e) for e in spec.edits]
        assert [e.__dict__ | {"index": 0} for e in again.edits] == [e.__dict__ | {"index": 0} for e in spec.edits]
