"""OSM turn restrictions, signals and access zones read from a hand-written OSM XML file, and the car profiles.

The junction (node ids, coordinates in degrees near Hamar):

         3 (north)
         |
  1 ---- 2 ---- 4 ---- 5        ways: 10 = 1-2 (west), 11 = 2-4 (east), 12 = 2-3 (north),
         |                            13 = 4-5, 14 = 2-6 (south), 15 = 7-8 (far away, not connected)
         6 (south)
"""

from __future__ import annotations

import numpy as np
import pytest

from geoaccess.engine.router import Router
from geoaccess.errors import InputError
from geoaccess.network.graph import EdgeFlag
from geoaccess.network.osm import read_osm
from geoaccess.network.profiles import load_profile
from geoaccess.network.turns import TurnKind

NODES = {1: (11.0, 60.8), 2: (11.002, 60.8), 3: (11.002, 60.801), 4: (11.004, 60.8), 5: (11.006, 60.8),
         6: (11.002, 60.799), 7: (11.02, 60.81), 8: (11.022, 60.81)}
WAYS = {10: [1, 2], 11: [2, 4], 12: [2, 3], 13: [4, 5], 14: [2, 6], 15: [7, 8]}


def _xml(relations: str, *, way_tags: dict[int, str] | None = None, node_tags: dict[int, str] | None = None) -> str:
    way_tags = way_tags or {}
    node_tags = node_tags or {}
    nodes = "\n".join(f'<node id="{i}" lat="{lat}" lon="{lon}" version="1">{node_tags.get(i, "")}</node>'
                      for i, (lon, lat) in NODES.items())
    ways = "\n".join(
        f'<way id="{w}" version="1">' + "".join(f'<nd ref="{n}"/>' for n in refs)
        + '<tag k="highway" v="residential"/>' + way_tags.get(w, "") + "</way>" for w, refs in WAYS.items())
    return f'<?xml version="1.0"?>\n<osm version="0.6">\n{nodes}\n{ways}\n{relations}\n</osm>\n'


def _rel(rid: int, value: str, members: list[tuple[str, int, str]], extra: str = "", key: str = "restriction") -> str:
    m = "".join(f'<member type="{t}" ref="{r}" role="{role}"/>' for t, r, role in members)
    return f'<relation id="{rid}" version="1">{m}<tag k="type" v="restriction"/><tag k="{key}" v="{value}"/>{extra}</relation>'


def _read(tmp_path, text: str, profile: str = "posted"):
    p = tmp_path / "junction.osm"
    p.write_text(text, encoding="utf-8")
    return read_osm(p, profile=profile)


def test_restrictions_read_resolved_and_bad_ones_reported(tmp_path):
    rels = "\n".join([
        _rel(100, "no_left_turn", [("w", 10, "from"), ("n", 2, "via"), ("w", 12, "to")]),          # used
        _rel(101, "only_straight_on", [("w", 12, "from"), ("n", 2, "via"), ("w", 14, "to")]),      # used
        _rel(102, "no_right_turn", [("w", 10, "from"), ("n", 2, "via")]),                          # missing to
        _rel(103, "no_u_turn", [("w", 10, "from"), ("w", 15, "via"), ("w", 11, "to")]),            # via not connected
        _rel(104, "no_straight_on", [("w", 10, "from"), ("w", 11, "via"), ("w", 13, "to")]),       # via way: used
        _rel(105, "no_left_turn", [("w", 10, "from"), ("n", 2, "via"), ("w", 99, "to")]),          # way not in file
        _rel(106, "give_way", [("w", 10, "from"), ("n", 2, "via"), ("w", 12, "to")]),              # unknown value
        _rel(107, "no_left_turn", [("w", 10, "from"), ("n", 2, "via"), ("w", 14, "to")],
             '<tag k="except" v="motorcar"/>'),                                                     # exempt
        _rel(108, "no_left_turn", [("w", 10, "from"), ("n", 2, "via"), ("w", 14, "to")], key="restriction:hgv"),
        _rel(109, "x", [("w", 10, "from"), ("n", 2, "via"), ("w", 14, "to")], key="restriction:conditional"),
    ])
    net = _read(tmp_path, _xml(rels))
    rep = net.meta["osm_restrictions"]
    assert rep["used"] == 3 and rep["used_via_way"] == 1 and rep["not_for_this_mode"] == 2
    skipped = {k: v["examples"] for k, v in rep["skipped"].items()}
    assert skipped["missing member(s): to"] == [102]
    assert skipped["via way is not connected to the from and to ways"] == [103]
    assert any(105 in v for k, v in skipped.items() if "not in the network" in k)
    assert skipped["unknown restriction value 'give_way'"] == [106]
    assert any(109 in v for k, v in skipped.items() if "time-dependent" in k)
    t = net.turns
    assert sorted(t.source_id.tolist()) == [100, 101, 104]
    assert t.kind[t.source_id == 101][0] == TurnKind.ONLY and t.n_via_way == 1
    ids = net.node_id
    for i in range(t.n_restrictions):  # every restriction starts at the junction node 2 and follows the ways
        assert ids[t.via_node[i]] == 2
    # routing: 1 -> 3 may not turn left at 2; with U-turns everywhere (posted) it goes 2 -> 4 -> U -> 2 -> 3?
    r = Router(net, cache=False)
    n1, n3, n6 = (int(np.flatnonzero(ids == k)[0]) for k in (1, 3, 6))
    free = Router(net, turns="ignore", cache=False).node_times(np.array([n1, n3]), np.array([n3, n6]))
    got = r.node_times(np.array([n1, n3]), np.array([n3, n6]))
    assert got[0, 0] > free[0, 0] + 1          # the left turn is forbidden: a detour
    assert got[1, 1] == pytest.approx(free[1, 1])  # only_straight_on from 12 to 14: the straight way is allowed


def test_contradictory_only_and_no_keep_the_no_and_are_reported(tmp_path):
    rels = "\n".join([
        _rel(200, "only_left_turn", [("w", 10, "from"), ("n", 2, "via"), ("w", 12, "to")]),
        _rel(201, "no_left_turn", [("w", 10, "from"), ("n", 2, "via"), ("w", 12, "to")]),
    ])
    net = _read(tmp_path, _xml(rels))
    conflicts = net.meta["osm_restrictions"]["conflicts_only_dropped_no_kept"]
    assert len(conflicts) == 1 and conflicts[0]["only_source_id"] == 200 and conflicts[0]["no_source_id"] == 201
    ids = net.node_id
    n1, n3, n4 = (int(np.flatnonzero(ids == k)[0]) for k in (1, 3, 4))
    r = Router(net, turn_costs=load_profile("driven").turn_costs, cache=False)
    got = r.node_times(np.array([n1]), np.array([n3, n4]))[0]
    assert r.turn_report["conflicts"][0]["to_edge"] >= 0
    from dataclasses import replace

    bare = Router(replace(net, turns=None), turn_costs=load_profile("driven").turn_costs, cache=False)
    free = bare.node_times(np.array([n1]), np.array([n3, n4]))[0]
    # the NO is kept (no left turn: a detour with a U-turn at the dead end 5), the ONLY dropped (straight on stays open)
    assert got[0] > free[0] + 30
    assert got[1] == pytest.approx(free[1])


def test_signals_and_destination_access_become_edge_flags(tmp_path):
    nodes = {2: '<tag k="highway" v="traffic_signals"/>',
             4: '<tag k="highway" v="traffic_signals"/><tag k="traffic_signals:direction" v="forward"/>'}
    ways = {13: '<tag k="motor_vehicle" v="destination"/>', 14: '<tag k="access" v="private"/>',
            12: '<tag k="junction" v="roundabout"/>'}
    net = _read(tmp_path, _xml("", way_tags=ways, node_tags=nodes), profile="driven")
    ids, tails, heads = net.node_id, net.tails, net.indices
    sig = (net.flags & EdgeFlag.SIGNAL) != 0
    into2 = heads == np.flatnonzero(ids == 2)[0]
    assert sig[into2].all()                                   # both directions at an undirected signal
    into4 = np.flatnonzero(heads == np.flatnonzero(ids == 4)[0])
    from_2 = [e for e in into4 if ids[tails[e]] == 2]
    from_5 = [e for e in into4 if ids[tails[e]] == 5]
    assert sig[from_2].all() and not sig[from_5].any()        # forward: along way 11's node order only
    dest = (net.flags & EdgeFlag.DESTINATION) != 0
    assert set(net.way_id[dest].tolist()) == {13}
    assert 14 not in set(net.way_id.tolist())                  # private: barred
    assert set(net.way_id[(net.flags & EdgeFlag.ROUNDABOUT) != 0].tolist()) == {12}
    assert net.meta["turn_costs"]["signal_seconds"] == 2.0


def test_named_car_profiles_and_their_rules(tmp_path):
    posted, driven = load_profile("posted"), load_profile("driven")
    assert load_profile("car").sha256 == posted.sha256 and posted.variant == "posted" and driven.variant == "driven"
    assert posted.turn_costs.is_node_based and not driven.turn_costs.is_node_based
    assert driven.turn_costs.u_turns == "dead_ends" and driven.turn_costs.turn_seconds == 7.5
    from geoaccess.network.profiles import evaluate_way
    from geoaccess.network.tags import TagWarnings

    w = TagWarnings()
    assert evaluate_way({"highway": "primary", "maxspeed": "80"}, posted, w).kmh == 80.0
    assert evaluate_way({"highway": "primary", "maxspeed": "80"}, driven, w).kmh == pytest.approx(
        80 * driven.factor_rural["primary"])
    assert evaluate_way({"highway": "primary", "maxspeed": "50"}, driven, w).kmh == pytest.approx(
        50 * driven.factor_urban["primary"])
    assert evaluate_way({"highway": "primary", "maxspeed": "80", "source:maxspeed": "NO:urban"}, driven, w).kmh == \
        pytest.approx(80 * driven.factor_urban["primary"])
    # untagged: driven defaults are driven speeds already
    assert evaluate_way({"highway": "primary"}, driven, w).kmh == driven.highway_kmh["primary"]
    peak = evaluate_way({"highway": "primary", "maxspeed": "50"}, driven, w, peak=True).kmh
    assert peak == pytest.approx(50 * driven.factor_urban["primary"] * driven.peak_factor["primary"])
    assert evaluate_way({"highway": "primary", "maxspeed": "80"}, driven, w, peak=True).kmh == pytest.approx(
        80 * driven.factor_rural["primary"])  # rural: no peak factor
    assert evaluate_way({"highway": "residential", "access": "destination"}, posted, w).destination_only
    assert evaluate_way({"highway": "residential", "construction": "yes"}, posted, w) is None
    assert evaluate_way({"highway": "residential", "construction": "minor"}, posted, w) is not None
    # strict loader: unknown keys name the allowed ones
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "car"\n[speed.highway_kmh]\nprimary = 50\n[turns]\nleft_penalty = 3\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[turns\]: unknown key .left_penalty.*allowed keys: .*u_turns"):
        load_profile(bad)
    bad.write_text('name = "car"\n[speed.highway_kmh]\nprimary = 50\n[turns]\nu_turns = "sometimes"\n', encoding="utf-8")
    with pytest.raises(InputError, match="u_turns"):
        load_profile(bad)


def test_free_snap_leg(tmp_path):
    net = _read(tmp_path, _xml(""))
    r = Router(net, turns="ignore", cache=False)
    x, y = np.array([net.x[0] + 30.0]), np.array([net.y[0] + 67.7])
    paid = r.snap((x, y), crs=net.crs)
    free = r.snap((x, y), crs=net.crs, free_snap_m=np.inf)
    part = r.snap((x, y), crs=net.crs, free_snap_m=50.0)
    d = float(paid.snap_metres[0])
    assert paid.access_seconds[0] == pytest.approx(d / (5 / 3.6))
    assert free.access_seconds[0] == 0.0
    assert part.access_seconds[0] == pytest.approx(max(d - 50.0, 0) / (5 / 3.6))
    with pytest.raises(InputError, match="free_snap_m"):
        r.snap((x, y), crs=net.crs, free_snap_m=-1)


def test_cli_build_with_named_profile_and_peak(dataset, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app
    from geoaccess.network.cache import load_npz

    monkeypatch.setenv("GEOACCESS_CACHE", str(tmp_path / "cache"))
    _register()
    src = str(dataset("osm/oslo-east-filtered.osm.pbf"))
    outs = {}
    for label, extra in (("posted", ["--profile", "posted"]), ("driven", ["--profile", "driven"]),
                         ("peak", ["--profile", "driven", "--peak"])):
        out = tmp_path / label
        res = CliRunner().invoke(app, ["network", "build", src, "--out", str(out), *extra])
        assert res.exit_code == 0, res.output
        outs[label] = load_npz(out / "network.npz")
        assert "car profile" in res.output and "turn restrictions" in res.output
    assert outs["posted"].meta["profile_variant"] == "posted" and "turn_costs" not in outs["posted"].meta
    assert outs["driven"].meta["turn_costs"]["u_turns"] == "dead_ends" and outs["peak"].meta.get("peak")
    assert outs["posted"].turns.n_restrictions == outs["driven"].turns.n_restrictions > 50
    # driven is slower than posted, the peak slower still (same edges where speeds differ)
    assert outs["driven"].seconds.sum() > outs["posted"].seconds.sum() * 1.1
    assert outs["peak"].seconds.sum() > outs["driven"].seconds.sum()
    bad = CliRunner().invoke(app, ["network", "build", str(dataset("roads/hamar_0403_nvdb_fkbvn_2017.zip")),
                                   "--out", str(tmp_path / "x"), "--peak"])
    assert bad.exit_code != 0
