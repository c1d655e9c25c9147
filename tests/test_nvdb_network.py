"""NVDB / FKB-Vegnett networks: speed-limit overlay, directions, closures, turn restrictions; the Hamar export."""

from __future__ import annotations

import warnings

import numpy as np
import nvdb_fixtures as F
import pytest
from scipy.sparse.csgraph import dijkstra

from geoaccess.errors import CRSWarning, DataWarning
from geoaccess.network.nvdb_network import read_nvdb_gml

HAMAR = "roads/hamar_0403_nvdb_fkbvn_2017.zip"


def _build(tmp_path, members, *, mode="car", **kw):
    path = F.write_zip(tmp_path / f"{mode}.zip", {k: F.gml(v) for k, v in members.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CRSWarning)
        if "Fartsgrense.gml" in members:
            return read_nvdb_gml(path, mode=mode, **kw)
        with pytest.warns(DataWarning, match="has no Fartsgrense"):  # a fixture without speed limits says so
            return read_nvdb_gml(path, mode=mode, **kw)


def _node(net, x, y):
    hit = np.flatnonzero((np.abs(net.x - x) < 1e-6) & (np.abs(net.y - y) < 1e-6))
    assert len(hit) == 1, (x, y, hit)
    return int(hit[0])


def _time(net, a, b):
    return float(dijkstra(net.csgraph(), indices=_node(net, *a))[_node(net, *b)])


# ----------------------------------------------------------------------------- speed limits
def test_speed_limits_split_a_link_where_they_change(tmp_path):
    links = [F.link("1_0", 1, [(0, 0), (200, 0)])]
    limits = [F.speed("10", 50, [(1, 0.0, 0.5)], [(0, 0), (100, 0)]), F.speed("11", 30, [(1, 0.5, 1.0)], [(100, 0), (200, 0)])]
    net = _build(tmp_path, {"Veglenke.gml": links, "Fartsgrense.gml": limits})
    assert net.meta["nvdb"]["speed_limit_splits"] == 1 and net.n_nodes == 3
    # 100 m at 50 km/h + 100 m at 30 km/h, both ways
    assert _time(net, (0, 0), (200, 0)) == pytest.approx(100 / (50 / 3.6) + 100 / (30 / 3.6))
    assert _time(net, (200, 0), (0, 0)) == pytest.approx(100 / (50 / 3.6) + 100 / (30 / 3.6))
    assert set(np.round(net.metres / net.seconds * 3.6, 6)) == {50.0, 30.0}


def test_conflicting_limits_use_the_lowest_and_are_counted(tmp_path):
    links = [F.link("1_0", 1, [(0, 0), (200, 0)])]
    limits = [F.speed("10", 50, [(1, 0.0, 1.0)], [(0, 0), (200, 0)]), F.speed("11", 20, [(1, 0.25, 0.75)], [(50, 0), (150, 0)])]
    with pytest.warns(DataWarning, match=r"1 link\(s\) \(0.1 km\) carry overlapping speed limits .* the lowest is used .*1_0"):
        net = _build(tmp_path, {"Veglenke.gml": links, "Fartsgrense.gml": limits})
    c = net.meta["nvdb"]
    assert c["speed_conflict_links"] == 1 and c["speed_conflict_km"] == pytest.approx(0.1)
    assert _time(net, (0, 0), (200, 0)) == pytest.approx(100 / (50 / 3.6) + 100 / (20 / 3.6))


def test_limit_lines_on_no_link_are_counted_with_the_tolerance(tmp_path):
    links = [F.link("1_0", 1, [(0, 0), (100, 0)])]
    limits = [F.speed("10", 50, [(1, 0, 1)], [(0, 0), (100, 0)]),
              F.speed("13", 60, [(99, 0, 1)], [(0, 400), (100, 400)])]  # a sequence not in the export, 400 m away
    with pytest.warns(DataWarning, match=r"1 speed-limit object\(s\) \(0.1 km\) lie on no link, .* within 10.0 m, .*'13'"):
        net = _build(tmp_path, {"Veglenke.gml": links, "Fartsgrense.gml": limits})
    assert net.meta["nvdb"]["speed_limit_objects_on_no_link"] == 1
    assert net.meta["nvdb"]["speed_limit_extents_unknown_sequence"] == 1
    # a larger tolerance lets the line lie along the link (redundant there: the link has its own limit)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        wide = _build(tmp_path, {"Veglenke.gml": links, "Fartsgrense.gml": limits}, overlay_tolerance_m=500.0)
    assert wide.meta["nvdb"]["speed_limit_objects_on_no_link"] == 0
    assert wide.meta["nvdb"]["speed_limit_objects_redundant"] == 1


def test_a_dual_carriageway_takes_the_limit_of_the_parallel_centre_line(tmp_path):
    # carriageway 6 m from the road's centre line (a sequence the export leaves out), a second line 30 m away
    links = [F.link("5_0", 5, [(0, 0), (300, 0)], type_veg="kanalisertVeg", lanes=None)]
    limits = [F.speed("20", 80, [(98, 0, 0.5)], [(0, 6), (150, 6)]), F.speed("21", 60, [(98, 0.5, 1)], [(150, 6), (300, 6)]),
              F.speed("22", 30, [(97, 0, 1)], [(0, 30), (300, 30)])]
    with pytest.warns(DataWarning, match=r"1 speed-limit object\(s\) \(0.3 km\) lie on no link"):  # the line 30 m away
        net = _build(tmp_path, {"Veglenke.gml": links, "Fartsgrense.gml": limits})
    c = net.meta["nvdb"]
    assert c["speed_geometric_links"] == 1 and c["speed_limit_splits"] == 1
    assert c["speed_limit_objects_geometric"] == 2 and c["speed_limit_objects_on_no_link"] == 1
    t = _time(net, (0, 0), (300, 0))
    assert t == pytest.approx(150 / (80 / 3.6) + 150 / (60 / 3.6), rel=0.02)  # split within a 2 m sample step


def test_links_without_any_limit_get_the_default_of_their_road_category(tmp_path):
    links = [F.link("1_0", 1, [(0, 0), (100, 0)], cat="E"), F.link("2_0", 2, [(100, 0), (200, 0)], cat="P")]
    net = _build(tmp_path, {"Veglenke.gml": links})
    assert _time(net, (0, 0), (100, 0)) == pytest.approx(100 / (80 / 3.6))
    assert _time(net, (100, 0), (200, 0)) == pytest.approx(100 / (30 / 3.6))
    assert net.meta["nvdb"]["pieces_default_speed"] == 2


# ----------------------------------------------------------------------------- directions and closures
def _streets():
    return [
        F.link("2_0", 2, [(0, 0), (100, 0)], lanes="1"),                       # one-way along by lanes
        F.link("3_0", 3, [(100, 0), (200, 0)], lanes=None),                    # one-way along by no-entry
        F.link("4_0", 4, [(200, 0), (300, 0)], lanes="2"),                     # one-way against by lanes
        F.link("7_0", 7, [(300, 0), (400, 0)], lanes="1K#2K"),                 # bus lanes only
        F.link("8_0", 8, [(0, 0), (0, 100)], lanes="1"),                       # lanes vs contradicting no-entry
    ]


def _street_objects():
    return {
        "InnkjøringForbudt.gml": [F.no_entry("30", [(3, 0, 1)], [(200, 0), (100, 0)]),   # digitised against: no entry against
                                  F.no_entry("31", [(8, 0, 1)], [(0, 0), (0, 100)])],    # forbids the only lane direction
        "Trafikkreguleringer.gml": [F.regulation("40", "syklingMotKjøreretningenTillatt", [(2, 0, 1)], [(0, 0), (100, 0)])],
    }


def _edges(net):
    return {(round(float(net.x[t])), round(float(net.x[h])), round(float(net.y[t])), round(float(net.y[h])))
            for t, h in zip(net.tails, net.indices, strict=True)}


def test_one_way_from_lanes_and_no_entry_and_bus_lanes_close_cars(tmp_path):
    members = {"Veglenke.gml": _streets(), **_street_objects()}
    car = _build(tmp_path, members)
    e = _edges(car)
    assert (0, 100, 0, 0) in e and (100, 0, 0, 0) not in e          # lanes "1"
    assert (100, 200, 0, 0) in e and (200, 100, 0, 0) not in e      # no entry digitised 200 -> 100
    assert (300, 200, 0, 0) in e and (200, 300, 0, 0) not in e      # lanes "2"
    assert (300, 400, 0, 0) not in e and (400, 300, 0, 0) not in e  # bus lanes only
    assert (0, 0, 0, 100) in e and (0, 0, 100, 0) not in e          # the lanes win over a contradicting no-entry
    c = car.meta["nvdb"]
    assert c["no_entry_contradicts_lanes"] == 1 and c["no_lanes_for_mode"] == 1 and c["one_way_pieces"] == 4
    bike = _build(tmp_path, members, mode="bike")
    b = _edges(bike)
    assert (100, 0, 0, 0) in b and (0, 100, 0, 0) in b              # cycling against the one-way direction allowed
    assert (200, 100, 0, 0) not in b                                # no entry holds for cycles
    assert bike.meta["nvdb"]["contraflow_pieces"] == 1
    walk = _build(tmp_path, members, mode="walk")
    assert len(_edges(walk)) == 2 * 5                               # every street, both ways
    assert set(np.round(walk.metres / walk.seconds * 3.6, 9)) == {5.0}


def test_a_barrier_closes_the_road_for_cars_at_its_position_only(tmp_path):
    links = [F.link("6_0", 6, [(0, 0), (200, 0)]), F.link("9_0", 9, [(200, 0), (200, 100)])]
    members = {"Veglenke.gml": links, "Vegsperring.gml": [F.barrier("50", 6, 0.25, (50, 0), kind="låstBom")]}
    car = _build(tmp_path, members)
    walk = _build(tmp_path, members, mode="walk")
    assert car.meta["nvdb"]["barrier_piece_ends_detached"] == 2 and walk.meta["nvdb"]["barrier_piece_ends_detached"] == 0
    # cars reach the barrier from both sides, never through it
    d = dijkstra(car.csgraph(), indices=_node(car, 0, 0))
    assert np.isinf(d[_node(car, 200, 0)])
    assert np.isfinite(d).sum() == 2  # the start and its side of the barrier
    assert _time(car, (200, 100), (200, 0)) == pytest.approx(100 / (50 / 3.6))
    assert _time(walk, (0, 0), (200, 100)) == pytest.approx(300 / (5 / 3.6))


def test_a_barrier_without_a_type_and_at_a_link_end_detaches_only_that_link(tmp_path):
    links = [F.link("6_0", 6, [(0, 0), (100, 0)]), F.link("9_0", 9, [(100, 0), (200, 0)]),
             F.link("10_0", 10, [(100, 0), (100, 100)])]
    members = {"Veglenke.gml": links, "Vegsperring.gml": [F.barrier("51", 6, 1.0, (100, 0), kind=None)]}
    car = _build(tmp_path, members)
    assert car.meta["nvdb"]["barriers_without_type"] == 1
    d = dijkstra(car.csgraph(), indices=int(np.flatnonzero((car.x == 200) & (car.y == 0))[0]))
    reach = {(float(x), float(y)) for x, y in zip(car.x[np.isfinite(d)], car.y[np.isfinite(d)], strict=True)}
    assert (100.0, 100.0) in reach and (0.0, 0.0) not in reach


# ----------------------------------------------------------------------------- turn restrictions
def _junctions():
    links = [
        F.link("10_0", 10, [(0, 0), (100, 0)]),
        F.link("11_0", 11, [(100, 0), (200, 0)]),
        F.link("12_0", 12, [(100, 0), (100, 100)]),
        F.link("14_0", 14, [(200, 0), (210, 0)]),       # a 10 m connector
        F.link("15_0", 15, [(210, 0), (210, 100)]),
        F.link("16_0", 16, [(210, 0), (300, 0)]),
    ]
    turns = [
        F.turn("60", 10, 0.9, 12, 0.1, (90, 0)),          # no turn 10 -> 12 at (100, 0)
        F.turn("61", 11, 0.9, 15, 0.1, (190, 0)),         # no turn 11 -> 15 through the connector 14
        F.turn("61", 11, 0.9, 15, 0.1, (190, 0)),         # the export repeats multi-part objects
        F.turn("62", 10, 0.5, 77, 0.5, (50, 0)),          # a sequence not in the export
    ]
    return {"Veglenke.gml": links, "Svingerestriksjon.gml": turns}


def test_turn_restrictions_become_edge_paths_on_the_car_network(tmp_path):
    with pytest.warns(DataWarning, match=r"1 NVDB turn restriction\(s\) could not be placed .* objects \[62\]"):
        car = _build(tmp_path, _junctions())
    t = car.turns
    assert t.n_restrictions == 2 and t.n_via_way == 1 and t.source_id.tolist() == [60, 61]
    xy = np.column_stack([car.x, car.y])

    def pts(e):
        return tuple(xy[car.tails[e]]), tuple(xy[car.indices[e]])

    assert pts(t.from_edge[0]) == ((0, 0), (100, 0)) and pts(t.to_edge[0]) == ((100, 0), (100, 100))
    assert tuple(xy[t.via_node[0]]) == (100, 0)
    assert pts(t.from_edge[1]) == ((100, 0), (200, 0)) and pts(t.to_edge[1]) == ((210, 0), (210, 100))
    assert [pts(e) for e in t.via_edges[t.via_ptr[1]:t.via_ptr[2]]] == [((200, 0), (210, 0))]
    c = car.meta["nvdb"]
    assert c["turn_restriction_objects"] == 3 and c["turn_restrictions_kept"] == 2 and c["turn_restrictions_unresolved"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        assert _build(tmp_path, _junctions(), mode="walk").turns is None


def test_turn_restrictions_survive_simplification_components_and_the_cache(tmp_path, monkeypatch):
    from geoaccess.network.build import build_network

    monkeypatch.setenv("GEOACCESS_CACHE", str(tmp_path / "cache"))
    path = F.write_zip(tmp_path / "j.zip", {k: F.gml(v) for k, v in _junctions().items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = read_nvdb_gml(path)
        built = build_network(path)
        again = build_network(path)
    assert again.meta["from_cache"] and built.turns.n_restrictions == 2
    for net in (built, again):
        assert net.n_nodes < raw.n_nodes or net.n_nodes == raw.n_nodes  # simplified, or nothing to merge
        xy = {(float(net.x[v]), float(net.y[v])) for v in net.turns.via_node}
        assert xy == {(100.0, 0.0), (200.0, 0.0)}
        assert np.array_equal(net.node_id[net.tails[net.turns.to_edge]], raw.node_id[raw.tails[raw.turns.to_edge]])


# ----------------------------------------------------------------------------- the Hamar export
@pytest.fixture(scope="module")
def hamar_car(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_network(HAMAR, mode="car")


def test_hamar_counts(hamar_car):
    c = hamar_car.meta["nvdb"]
    assert (c["links"], c["links_km"]) == (8594, pytest.approx(764.954, abs=0.01))
    assert c["speed_limit_objects"] == 3087 and c["speed_limit_splits"] == 62 and c["speed_conflict_links"] == 0
    assert c["speed_limit_splits_linear"] == 51 and c["speed_geometric_links"] == 810 and c["speed_none_km"] < 0.5
    assert c["speed_limit_objects_on_no_link"] == 1 and c["speed_limit_extents_unknown_sequence"] == 16
    assert c["no_entry_objects"] == 713 and c["no_entry_links"] == 1056 and c["no_entry_contradicts_lanes"] == 0
    assert c["one_way_pieces"] == 1067 and c["one_way_pieces_lanes"] == 232 and c["one_way_pieces_no_entry"] == 835
    assert c["barriers"] == 50 and c["barrier_piece_ends_detached"] == 88
    assert c["turn_restriction_objects"] == 17 and c["turn_restriction_features"] == 34
    assert c["turn_restrictions_kept"] == 17 and c["turn_restrictions_via_way"] == 6
    # all 17 survive simplification and the largest-component filter
    t = hamar_car.turns
    assert t.n_restrictions == 17 and t.n_via_way == 6 and len(set(t.source_id.tolist())) == 17
    assert c["destination_only_links"] and all(link.split("_")[0].isdigit() for link in c["destination_only_links"])
    assert hamar_car.meta["profile"] == "nvdb_car"


def test_hamar_travel_times_equal_scipy_on_the_exported_graph(hamar_car, tmp_path):
    import geopandas as gpd
    import scipy.sparse as sp

    from geoaccess.engine.ch import ContractionHierarchy
    from geoaccess.network.cache import load_npz

    hamar_car.to_npz(str(tmp_path / "network.npz"))
    _, edges = hamar_car.to_geodataframes()
    edges.to_file(tmp_path / "edges.gpkg", layer="edges", driver="GPKG")
    back = gpd.read_file(tmp_path / "edges.gpkg", layer="edges")
    n = hamar_car.n_nodes
    w = back.groupby(["u", "v"])["seconds"].min().reset_index()
    graph = sp.csr_matrix((w["seconds"].to_numpy(), (w["u"].to_numpy(), w["v"].to_numpy())), shape=(n, n))
    rng = np.random.default_rng(14)
    src = rng.choice(n, 40, replace=False)
    dst = rng.choice(n, 300, replace=False)
    ref = dijkstra(graph, indices=src)[:, dst]
    ch = ContractionHierarchy.build(load_npz(tmp_path / "network.npz"))
    got = ch.many_to_many(src.astype(np.int32), None, dst.astype(np.int32), None)
    assert np.array_equal(np.isinf(got), np.isinf(ref)) and np.isfinite(ref).all()
    assert np.max(np.abs(got - ref)) < 1e-6


def test_hamar_no_entry_directions_agree_with_lanes_and_right_hand_traffic(dataset):
    """Independent checks of the rule 'no entry in the direction the object is digitised'."""
    import shapely

    from geoaccess.network.nvdb_gml import read_fkb_zip
    from geoaccess.network.nvdb_links import lane_directions, link_pieces

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lp = link_pieces(read_fkb_zip(dataset(HAMAR)))
    lanes = lane_directions(lp.table["feltoversikt"].to_numpy())
    link = lp.pieces.link
    one_fwd = lanes["known"][link] & lanes["car_fwd"][link] & ~lanes["car_bwd"][link]
    one_bwd = lanes["known"][link] & ~lanes["car_fwd"][link] & lanes["car_bwd"][link]
    # 1) where the lanes make a street one-way, every no-entry forbids the other direction
    assert (one_fwd & lp.no_entry_bwd).sum() == 210 and (one_bwd & lp.no_entry_fwd).sum() == 22
    assert (one_fwd & lp.no_entry_fwd).sum() == 0 and (one_bwd & lp.no_entry_bwd).sum() == 0
    # 2) a dual carriageway open in one direction has its twin on the driver's left (Norway drives on the right)
    kv = lp.table["type_veg"].to_numpy()[link] == "kanalisertVeg"
    one = np.flatnonzero(kv & (lp.no_entry_fwd ^ lp.no_entry_bwd))
    tree = shapely.STRtree(lp.geometry[kv])
    kidx = np.flatnonzero(kv)
    left = right = 0
    for i in one:
        g = lp.geometry[i]
        length = shapely.length(g)
        if length < 4:
            continue
        p = np.array(shapely.line_interpolate_point(g, length / 2).coords[0])
        d = np.array(shapely.line_interpolate_point(g, length / 2 + 1).coords[0]) - p
        d = d / np.linalg.norm(d) * (-1 if lp.no_entry_fwd[i] else 1)
        normal = np.array([-d[1], d[0]])
        for off in range(3, 31, 2):
            hit_l = [kidx[j] for j in tree.query(shapely.Point(*(p + normal * off)).buffer(1.5), predicate="intersects") if kidx[j] != i]
            hit_r = [kidx[j] for j in tree.query(shapely.Point(*(p - normal * off)).buffer(1.5), predicate="intersects") if kidx[j] != i]
            if hit_l and not hit_r:
                left += 1
                break
            if hit_r and not hit_l:
                right += 1
                break
    assert left > 500 and left / (left + right) > 0.9


def test_hamar_walk_and_bike_use_footways(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        walk = build_network(HAMAR, mode="walk")
        bike = build_network(HAMAR, mode="bike")
    assert walk.turns is None and bike.turns is None
    assert set(np.round(walk.metres / walk.seconds * 3.6, 6)) == {5.0}
    assert set(np.round(bike.metres / bike.seconds * 3.6, 6)) == {16.0}
    # walking: every edge has its reverse; cycling respects one-way streets on some edges
    fwd = set(zip(walk.tails.tolist(), walk.indices.tolist(), strict=True))
    assert all((v, u) in fwd for u, v in fwd)
    assert walk.meta["nvdb"]["pieces_wrong_type_or_status"] == 0 and bike.meta["nvdb"]["one_way_pieces"] > 900
    assert walk.metres.sum() > 1.4 * 1000 * 764  # the 1,224 gang- og sykkelveg links are in: ~2 x 765 km directed


def test_cli_builds_hamar_for_walk_and_reports_the_nvdb_counts(dataset, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    monkeypatch.setenv("GEOACCESS_CACHE", str(tmp_path / "cache"))
    _register()
    dataset(HAMAR)
    res = CliRunner().invoke(app, ["network", "build", HAMAR, "--mode", "car", "--out", str(tmp_path / "car")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "turn restrictions (NVDB objects) │ 17" in out and "no-entry objects / links │ 713 / 1,056" in out
    assert "turn restrictions in the network (via-way) │ 17 (6)" in out and "EPSG:6173" in out
    res = CliRunner().invoke(app, ["network", "build", HAMAR, "--mode", "walk", "--out", str(tmp_path / "walk")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "walk" / "network.npz").is_file() and (tmp_path / "walk" / "edges.gpkg").is_file()


def test_options_of_other_readers_are_refused_for_an_nvdb_export(tmp_path):
    from geoaccess.errors import InputError
    from geoaccess.network.build import build_network

    path = F.write_zip(tmp_path / "z.zip", {"Veglenke.gml": F.gml([F.link("1_0", 1, [(0, 0), (100, 0)])])})
    with pytest.raises(InputError, match=r"Options \['speed_column'\] do not apply to the NVDB/FKB-Vegnett export"):
        build_network(path, cache=False, speed_column="fart")
