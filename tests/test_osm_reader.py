"""read_osm / network_from_osmnx: handmade ferry fixture, real extracts, PBF == XML, bad input.

Oracles: hand-computed seconds, pyproj geodesics, scipy dijkstra, a brute-force
networkx graph on every OSM vertex, and osmnx's own XML parser.
"""

from __future__ import annotations

import bz2
import gzip
import shutil
import subprocess
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from scipy.sparse.csgraph import dijkstra

from geoaccess.errors import InputError, NetworkBuildError
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.osm import WayTable, assemble_network, read_osm
from geoaccess.network.profiles import load_profile
from geoaccess.network.tags import TagWarnings

FIXTURE = Path(__file__).parent / "fixtures" / "ferry_small.osm"
ARRAYS = ("indptr", "indices", "seconds", "metres", "way_id", "flags", "x", "y", "node_id", "shape_ptr", "shape_xy")
GEOD = Geod(ellps="WGS84")

# Node coordinates of the fixture (lon, lat), written out again here as the oracle.
FIX_NODES = {
    1: (10.00, 59.00), 2: (10.01, 59.00), 3: (10.02, 59.00), 4: (10.02, 59.01), 5: (10.02, 59.02),
    6: (10.02, 59.03), 8: (10.02, 59.04), 9: (10.02, 59.05), 10: (10.03, 59.03), 11: (10.04, 59.03),
    12: (10.06, 59.03), 13: (10.04, 59.035), 14: (10.015, 59.03), 15: (10.00, 58.995), 20: (10.02, 59.06),
}


def _geolen(ids: list[int]) -> float:
    lon = [FIX_NODES[i][0] for i in ids]
    lat = [FIX_NODES[i][1] for i in ids]
    return float(sum(GEOD.inv(lon[k], lat[k], lon[k + 1], lat[k + 1])[2] for k in range(len(ids) - 1)))


def _edges(net: Network) -> dict[tuple[int, int, int], tuple[float, float, int]]:
    """{(from OSM node, to OSM node, way): (seconds, metres, flags)}."""
    t = net.tails
    out = {}
    for e in range(net.n_edges):
        key = (int(net.node_id[t[e]]), int(net.node_id[net.indices[e]]), int(net.way_id[e]))
        assert key not in out
        out[key] = (float(net.seconds[e]), float(net.metres[e]), int(net.flags[e]))
    return out


def _assert_same(a: Network, b: Network) -> None:
    for k in ARRAYS:
        x, y = getattr(a, k), getattr(b, k)
        assert x is not None and y is not None, k
        assert x.dtype == y.dtype and x.shape == y.shape, k
        assert np.array_equal(x, y), k
    assert a.crs == b.crs and a.mode == b.mode


def _pbf_to_xml(src: Path, dst: Path) -> Path:
    """Convert with the osmium command-line tool when installed, else with pyosmium's writer."""
    exe = shutil.which("osmium")
    if exe:
        subprocess.run([exe, "cat", str(src), "-o", str(dst), "-f", "osm", "--overwrite"], check=True)
        return dst
    import osmium

    with osmium.SimpleWriter(str(dst)) as w:
        for obj in osmium.FileProcessor(str(src)):
            w.add(obj)
    return dst


# ----------------------------------------------------------------------------- handmade fixture


def test_fixture_car_ferries_hand_computed() -> None:
    net = read_osm(FIXTURE, profile="car", ferry_wait_minutes=10)
    e = _edges(net)
    wait = 600.0
    assert net.crs == "EPSG:25833" and net.mode == "car"
    # ferry 200 (3-4-5-6), duration 0:30 -> 1800 s + wait, one edge per direction with 2 shape vertices
    assert e[(3, 6, 200)][0] == pytest.approx(1800 + wait)
    assert e[(6, 3, 200)][0] == pytest.approx(1800 + wait)
    assert e[(3, 6, 200)][1] == pytest.approx(_geolen([3, 4, 5, 6]), rel=1e-9)
    assert e[(3, 6, 200)][2] == EdgeFlag.FERRY
    # ferry 201 (6-8-9) has no duration: length / 25 km/h + wait
    assert e[(6, 9, 201)][0] == pytest.approx(_geolen([6, 8, 9]) / (25 / 3.6) + wait)
    # ferry 203 (6-10-11-12, PT45M) is split at node 11 (island road 301): duration shared by length,
    # the wait once per crossing, on the first edge in the direction of travel
    share = _geolen([6, 10, 11]) / _geolen([6, 10, 11, 12])
    assert e[(6, 11, 203)][0] == pytest.approx(2700 * share + wait)
    assert e[(11, 12, 203)][0] == pytest.approx(2700 * (1 - share))
    assert e[(12, 11, 203)][0] == pytest.approx(2700 * (1 - share) + wait)
    assert e[(11, 6, 203)][0] == pytest.approx(2700 * share)
    assert e[(6, 11, 203)][0] + e[(11, 12, 203)][0] == pytest.approx(2700 + wait)
    # ferry 202 forbids motor vehicles
    assert not any(k[2] == 202 for k in e)
    # roads: maxspeed 50 on way 100; signals -> primary default; "50;70" -> 50; private road dropped
    assert e[(1, 2, 100)][0] == pytest.approx(_geolen([1, 2]) / (50 / 3.6))
    assert e[(2, 16, 401)][0] == pytest.approx(e[(2, 16, 401)][1] / (load_profile("car").highway_kmh["primary"] / 3.6))
    assert e[(16, 17, 402)][0] == pytest.approx(e[(16, 17, 402)][1] / (50 / 3.6))
    assert (17, 18, 403) in e and (18, 17, 403) not in e  # motorway implies oneway
    assert (6, 14, 300) in e and (14, 6, 300) not in e  # oneway=yes
    assert not any(k[2] in (400, 404, 405) for k in e)  # footway, access=private, building
    assert net.meta["tag_warnings"]["maxspeed"]["count"] == 1
    assert net.meta["ferry_wait_minutes"] == 10.0
    assert net.meta["profile"] == "car" and net.meta["profile_sha256"] == load_profile("car").sha256
    # routing nodes only: interior ferry vertices 4, 5, 8, 10 are shapes, not nodes
    assert set(net.node_id.tolist()) == {1, 2, 3, 6, 9, 11, 12, 13, 14, 16, 17, 18}
    # the shape of 3->6 is the projected vertices 4, 5 (and reversed on 6->3)
    tr = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)
    expect = np.column_stack(tr.transform([10.02, 10.02], [59.01, 59.02]))
    edge = next(i for i in range(net.n_edges) if net.way_id[i] == 200 and net.node_id[net.tails[i]] == 3)
    assert np.allclose(net.edge_coords(edge)[1:-1], expect, atol=1e-6)
    back = next(i for i in range(net.n_edges) if net.way_id[i] == 200 and net.node_id[net.tails[i]] == 6)
    assert np.allclose(net.edge_coords(back)[1:-1], expect[::-1], atol=1e-6)


def test_fixture_walk_and_bike() -> None:
    walk = _edges(read_osm(FIXTURE, profile="walk", ferry_wait_minutes=0))
    bike = _edges(read_osm(FIXTURE, profile="bike", ferry_wait_minutes=0))
    # ferry 202: garbage duration -> ferry speed, usable on foot (foot=yes)
    assert walk[(9, 20, 202)][0] == pytest.approx(_geolen([9, 20]) / (25 / 3.6))
    assert walk[(3, 6, 200)][0] == pytest.approx(1800.0)
    assert (14, 6, 300) in walk and (14, 6, 300) not in bike
    assert not any(k[2] == 403 for k in walk) and not any(k[2] == 403 for k in bike)
    assert walk[(1, 15, 400)][0] == pytest.approx(_geolen([1, 15]) / (5 / 3.6))
    assert (1, 15, 400) in bike and (15, 1, 400) in bike
    assert walk[(1, 2, 100)][0] == pytest.approx(_geolen([1, 2]) / (5 / 3.6))
    assert bike[(1, 2, 100)][0] == pytest.approx(_geolen([1, 2]) / (16 / 3.6))


def test_ferry_wait_adds_exactly_once_per_crossing() -> None:
    a = read_osm(FIXTURE, profile="car", ferry_wait_minutes=0)
    b = read_osm(FIXTURE, profile="car", ferry_wait_minutes=25)
    assert np.array_equal(a.indices, b.indices)
    diff = b.seconds - a.seconds
    ferry = (a.flags & EdgeFlag.FERRY) != 0
    assert np.all(diff[~ferry] == 0)
    # ferries 200 and 201: one edge per direction; 203: two edges per direction, one carries the wait
    assert np.isclose(diff[ferry], 1500).sum() == 6
    assert np.isclose(diff[ferry], 0).sum() == 2
    # default comes from the profile
    assert read_osm(FIXTURE, profile="car").meta["ferry_wait_minutes"] == load_profile("car").ferry_wait_minutes


@pytest.mark.parametrize("kind", ["gz", "bz2", "zip", "noext"])
def test_compressed_and_zipped_xml_give_same_network(tmp_path: Path, kind: str) -> None:
    ref = read_osm(FIXTURE, profile="car")
    data = FIXTURE.read_bytes()
    if kind == "gz":
        p = tmp_path / "f.osm.gz"
        p.write_bytes(gzip.compress(data))
    elif kind == "bz2":
        p = tmp_path / "f.osm.bz2"
        p.write_bytes(bz2.compress(data))
    elif kind == "zip":
        p = tmp_path / "f.osm.zip"
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("inner/f.osm", data)
    else:
        p = tmp_path / "f.dat"
        p.write_bytes(data)
    _assert_same(read_osm(p, profile="car"), ref)


def test_osmnx_graph_conversion_matches_read_osm() -> None:
    """The Overpass path (osmnx graph -> network) shares the rules: identical arrays on the fixture."""
    import osmnx as ox

    from geoaccess.network.overpass import network_from_osmnx

    saved = (list(ox.settings.useful_tags_way), ox.settings.all_oneway)
    keys = set().union(*(load_profile(p).needed_keys for p in ("car", "walk", "bike")))
    ox.settings.useful_tags_way = sorted(set(saved[0]) | keys)
    ox.settings.all_oneway = True
    try:
        graph = ox.graph_from_xml(FIXTURE, simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way, ox.settings.all_oneway = saved
    for prof in ("car", "walk", "bike"):
        got = network_from_osmnx(graph, profile=prof, ferry_wait_minutes=10)
        _assert_same(got, read_osm(FIXTURE, profile=prof, ferry_wait_minutes=10))
        assert got.meta["tag_warnings"] == read_osm(FIXTURE, profile=prof).meta["tag_warnings"]


def test_osmnx_like_graph_with_reversed_oneway() -> None:
    """A hand-built MultiDiGraph as osmnx makes it (all_oneway=True reverses oneway=-1 ways)."""
    from geoaccess.network.overpass import network_from_osmnx

    g = nx.MultiDiGraph(crs="epsg:4326")
    for n, (x, y) in {1: (10.0, 59.0), 2: (10.001, 59.0), 3: (10.002, 59.0), 4: (10.002, 59.001)}.items():
        g.add_node(n, x=x, y=y)
    # way 9 has nodes 1-2-3 and oneway=-1: osmnx stores it as 3->2->1
    g.add_edge(3, 2, osmid=9, highway="residential", oneway="-1", reversed=False)
    g.add_edge(2, 1, osmid=9, highway="residential", oneway="-1", reversed=False)
    g.add_edge(3, 4, osmid=10, highway="service", reversed=False)
    net = network_from_osmnx(g, profile="car")
    e = _edges(net)
    assert set(e) == {(3, 1, 9), (3, 4, 10), (4, 3, 10)}
    assert e[(3, 1, 9)][1] == pytest.approx(GEOD.inv(10.0, 59.0, 10.001, 59.0)[2] + GEOD.inv(10.001, 59.0, 10.002, 59.0)[2])
    with pytest.raises(InputError, match="simplify=False"):
        g2 = nx.MultiDiGraph(crs="epsg:4326")
        g2.add_node(1, x=10.0, y=59.0)
        g2.add_node(2, x=10.1, y=59.0)
        g2.add_edge(1, 2, osmid=[1, 2], highway="residential")
        network_from_osmnx(g2, profile="car")


def test_read_overpass_needs_place_or_bbox() -> None:
    from geoaccess.network.overpass import read_overpass

    with pytest.raises(InputError, match="exactly one"):
        read_overpass()
    with pytest.raises(InputError, match="exactly one"):
        read_overpass(place="Hamar, Norway", bbox=(10.9, 60.7, 11.2, 60.9))


# ----------------------------------------------------------------------------- assembly invariants


@st.composite
def _way_tables(draw: st.DrawFn) -> WayTable:
    n_nodes = draw(st.integers(3, 12))
    # distinct longitudes: no two nodes share a location, so no way has zero length
    lon = np.array(draw(st.lists(st.floats(10.0, 10.05), min_size=n_nodes, max_size=n_nodes, unique=True)))
    lat = np.array(draw(st.lists(st.floats(59.0, 59.05), min_size=n_nodes, max_size=n_nodes)))
    missing = draw(st.lists(st.integers(0, n_nodes - 1), max_size=2))  # nodes absent from the extract
    lon[missing] = np.nan
    lat[missing] = np.nan
    n_ways = draw(st.integers(1, 6))
    refs, ptr, dirs, ferry, dur = [], [0], [], [], []
    for _ in range(n_ways):
        is_ferry = draw(st.booleans())
        # ferry ways do not revisit a node (boarding part-way is a documented limitation)
        seq = draw(st.lists(st.integers(0, n_nodes - 1), min_size=2, max_size=6, unique=is_ferry))
        refs.extend(seq)
        ptr.append(len(refs))
        dirs.append(draw(st.sampled_from([-1, 0, 1])))
        ferry.append(is_ferry)
        dur.append(draw(st.sampled_from([np.nan, 600.0, 3600.0])) if ferry[-1] else np.nan)
    r = np.array(refs, dtype=np.int64)
    kmh = np.where(ferry, 25.0, 36.0)
    return WayTable(
        refs=r + 100, lon=lon[r], lat=lat[r], way_ptr=np.array(ptr, dtype=np.int64),
        way_id=np.arange(n_ways, dtype=np.int64) + 1, kmh=kmh,
        direction=np.array(dirs, dtype=np.int8), ferry=np.array(ferry), duration_s=np.array(dur),
    )


@given(_way_tables())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_assembly_preserves_shortest_paths(table: WayTable) -> None:
    """Compressing ways to routing nodes keeps every shortest path between routing nodes.

    Oracle: a networkx graph on every vertex, built segment by segment from the documented rules
    (ferry duration split by length, the wait on the first segment in the direction of travel,
    ways cut where node locations are missing).
    """
    wait = 300.0
    g = nx.DiGraph()
    total = 0.0
    run_ends: set[int] = set()
    for w in range(len(table.way_id)):
        a, b = table.way_ptr[w], table.way_ptr[w + 1]
        segs = []
        for k in range(a, b - 1):
            u, v = int(table.refs[k]), int(table.refs[k + 1])
            if u == v or not np.isfinite([table.lon[k], table.lon[k + 1]]).all():
                continue
            segs.append((k, u, v, GEOD.inv(table.lon[k], table.lat[k], table.lon[k + 1], table.lat[k + 1])[2]))
        way_len = sum(x[3] for x in segs)
        for i, (k, u, v, length) in enumerate(segs):
            if i == 0 or segs[i - 1][0] != k - 1:
                run_ends.add(u)
            if i == len(segs) - 1 or segs[i + 1][0] != k + 1:
                run_ends.add(v)
            if table.ferry[w] and np.isfinite(table.duration_s[w]):
                # a zero-length ferry way (all vertices at one place) keeps its whole duration
                share = length / way_len if way_len > 0 else 1.0 / len(segs)
                sec = table.duration_s[w] * share
            else:
                sec = length / (table.kmh[w] / 3.6)
            d = table.direction[w]
            total += length * (2 if d == 0 else 1)
            pairs = []
            if d >= 0:
                pairs.append((u, v, sec + (wait if table.ferry[w] and i == 0 else 0.0)))
            if d <= 0:
                pairs.append((v, u, sec + (wait if table.ferry[w] and i == len(segs) - 1 else 0.0)))
            for p, q, c in pairs:
                if not g.has_edge(p, q) or g[p][q]["s"] > c:
                    g.add_edge(p, q, s=c)
    try:
        net = assemble_network(table, profile=load_profile("car"), ferry_wait_minutes=wait / 60, crs="EPSG:25833",
                               meta={}, what="test")
    except NetworkBuildError:
        assert g.number_of_edges() == 0
        return
    assert net.metres.sum() == pytest.approx(total, rel=1e-9, abs=1e-6)
    ids = net.node_id.tolist()
    assert run_ends <= set(ids)
    assert set(ids) <= set(g.nodes)
    ferry = (net.flags & EdgeFlag.FERRY) != 0
    assert np.array_equal(ferry, table.ferry[np.searchsorted(table.way_id, net.way_id)])
    dist = dijkstra(net.csgraph(), directed=True)
    for i, s in enumerate(ids):
        ref = nx.single_source_dijkstra_path_length(g, s, weight="s")
        expected = np.array([ref.get(t, np.inf) for t in ids])
        assert np.allclose(dist[i], expected, rtol=1e-9, atol=1e-6)


# ----------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def oslo_car(dataset) -> Network:
    return read_osm(dataset("osm/oslo-east-filtered.osm.pbf"), profile="car")


@pytest.mark.slow
def test_pbf_and_xml_give_identical_network(dataset, tmp_path: Path, oslo_car: Network) -> None:
    xml = _pbf_to_xml(dataset("osm/oslo-east-filtered.osm.pbf"), tmp_path / "oslo-east.osm")
    from_xml = read_osm(xml, profile="car")
    _assert_same(from_xml, oslo_car)
    assert from_xml.meta["format"] == "osm" and oslo_car.meta["format"] == "pbf"
    assert from_xml.meta["tag_warnings"] == oslo_car.meta["tag_warnings"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "crs", "sizes"),
    [
        # (profile: (min nodes, max nodes, min km, max km))
        ("osm/oslo-east-filtered.osm.pbf", "EPSG:25833",
         {"car": (6000, 12000, 800, 1400), "walk": (15000, 30000, 1800, 3000), "bike": (15000, 30000, 1600, 2800)}),
        ("osm/tampere.osm.pbf", "EPSG:32634",
         {"car": (12000, 22000, 2300, 3600), "walk": (35000, 60000, 5000, 8000), "bike": (35000, 60000, 5000, 8000)}),
        ("osm/andorra-2013.osm.pbf", "EPSG:32631",
         {"car": (1200, 2500, 600, 1000), "walk": (1500, 3500, 1300, 2000), "bike": (1500, 3500, 1300, 2000)}),
    ],
)
def test_real_extracts_build_for_all_profiles(dataset, name: str, crs: str, sizes: dict) -> None:
    for prof, (lo_n, hi_n, lo_km, hi_km) in sizes.items():
        net = read_osm(dataset(name), profile=prof)
        s = net.summary()
        assert net.crs == crs and net.mode == prof
        assert lo_n <= s["nodes"] <= hi_n, (prof, s)
        assert lo_km <= s["edge_km"] <= hi_km, (prof, s)
        assert s["largest_component_nodes"] >= 0.75 * s["nodes"], (prof, s)
        assert np.all(np.isfinite(net.seconds)) and np.all(net.seconds > 0)
        assert np.all(net.metres > 0)
        # speed within the profile's range
        kmh = net.metres / net.seconds * 3.6
        assert kmh.max() <= 130 and kmh.min() >= 4.9
        assert len(np.unique(net.node_id)) == net.n_nodes
        if prof == "walk":
            _assert_symmetric(net)


def _assert_symmetric(net: Network) -> None:
    t, h = net.tails, net.indices
    fwd = np.rec.fromarrays([t, h, net.way_id, net.seconds])
    bwd = np.rec.fromarrays([h, t, net.way_id, net.seconds])
    assert np.array_equal(np.sort(fwd), np.sort(bwd))


@pytest.mark.slow
def test_real_oneway_street_has_one_direction(dataset, oslo_car: Network) -> None:
    import osmium

    oneways = set()
    twoways = set()
    for w in osmium.FileProcessor(str(dataset("osm/oslo-east-filtered.osm.pbf")), osmium.osm.WAY):
        hw = w.tags.get("highway")
        closed = w.nodes[0].ref == w.nodes[len(w.nodes) - 1].ref  # a closed loop may join a node to itself
        if hw in ("residential", "tertiary", "secondary") and "access" not in w.tags and not closed:
            if w.tags.get("oneway") == "yes":
                oneways.add(w.id)
            elif "oneway" not in w.tags and "junction" not in w.tags:
                twoways.add(w.id)
    assert len(oneways) > 100
    t, h, way = oslo_car.tails, oslo_car.indices, oslo_car.way_id
    pairs = set(zip(t.tolist(), h.tolist(), way.tolist(), strict=False))
    on_oneway = np.isin(way, list(oneways))
    assert on_oneway.sum() > 100
    assert not any((v, u, w) in pairs for u, v, w in zip(t[on_oneway], h[on_oneway], way[on_oneway], strict=False))
    on_twoway = np.isin(way, list(twoways))
    assert on_twoway.sum() > 100
    assert all((v, u, w) in pairs for u, v, w in zip(t[on_twoway], h[on_twoway], way[on_twoway], strict=False))
    walk = read_osm(dataset("osm/oslo-east-filtered.osm.pbf"), profile="walk")
    walk_pairs = set(zip(walk.tails.tolist(), walk.indices.tolist(), walk.way_id.tolist(), strict=False))
    sel = np.isin(walk.way_id, list(oneways))
    assert sel.sum() > 100
    assert all((v, u, w) in walk_pairs for u, v, w in zip(walk.tails[sel], walk.indices[sel], walk.way_id[sel], strict=False))


@pytest.mark.slow
def test_andorra_car_matches_brute_force_vertex_graph(dataset) -> None:
    """Oracle: every OSM vertex as a node (networkx), speeds from the same rules; travel times must agree."""
    import osmium

    from geoaccess.network.profiles import evaluate_way

    path = dataset("osm/andorra-2013.osm.pbf")
    prof = load_profile("car")
    net = read_osm(path, profile="car")
    g = nx.DiGraph()
    for w in osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.EntityFilter(osmium.osm.WAY)):
        rule = evaluate_way(w.tags, prof, TagWarnings())
        if rule is None:
            continue
        nodes = [(n.ref, n.location) for n in w.nodes]
        for (a, la), (b, lb) in zip(nodes[:-1], nodes[1:], strict=False):
            if a == b or not (la.valid() and lb.valid()):
                continue
            sec = GEOD.inv(la.lon, la.lat, lb.lon, lb.lat)[2] / (rule.kmh / 3.6)
            for p, q, ok in ((a, b, rule.direction >= 0), (b, a, rule.direction <= 0)):
                if ok and (not g.has_edge(p, q) or g[p][q]["s"] > sec):
                    g.add_edge(p, q, s=sec)
    # routing nodes are exactly the vertices of degree != 2 in the undirected vertex graph,
    # plus way ends / shared vertices; every network node must be in the brute-force graph
    assert set(net.node_id.tolist()) <= set(g.nodes)
    node_ids = net.node_id.tolist()
    node_set = set(node_ids)
    rng = np.random.default_rng(3)
    sources = rng.choice(net.n_nodes, 4, replace=False)
    dist = dijkstra(net.csgraph(), indices=sources)
    for k, s in enumerate(sources):
        ref = nx.single_source_dijkstra_path_length(g, node_ids[s], weight="s")
        reached = np.flatnonzero(np.isfinite(dist[k]))
        assert {node_ids[i] for i in reached} == {n for n in ref if n in node_set}
        expected = np.array([ref[node_ids[i]] for i in reached])
        assert np.allclose(dist[k, reached], expected, rtol=1e-9, atol=1e-6)
        assert len(reached) > 100


@pytest.mark.slow
def test_samsoe_car_ferries_to_the_mainland(dataset) -> None:
    """Samsø (DK): the real zipped XML; car ferries Hou-Sælvig (1:00) and Ballen-Kalundborg (1:15) are timed edges."""
    path = dataset("osm/samsoe-2020.osm.zip")
    net = read_osm(path, profile="car", ferry_wait_minutes=20)
    assert net.meta["format"] == "osm.zip" and net.crs == "EPSG:32632"
    ferry = (net.flags & EdgeFlag.FERRY) != 0
    ways = set(net.way_id[ferry].tolist())
    assert ways == {38192155, 392728788}  # the Aarhus ferry (436079268) has motor_vehicle=no
    for way, duration in ((38192155, 3600.0), (392728788, 4500.0)):
        sel = ferry & (net.way_id == way)
        assert sel.sum() == 2  # one crossing edge per direction
        assert np.allclose(net.seconds[sel], duration + 20 * 60)
    tr = Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)

    def nearest(lon: float, lat: float) -> int:
        x, y = tr.transform(lon, lat)
        return int(np.argmin(np.hypot(net.x - x, net.y - y)))

    island = nearest(10.60, 55.83)  # Tranebjerg, on Samsø
    kalundborg = nearest(11.08, 55.68)
    d, pred = dijkstra(net.csgraph(), indices=island, return_predecessors=True)
    assert np.isfinite(d[kalundborg]) and d[kalundborg] > 4500 + 1200
    # walk the predecessor chain: the route uses the Kalundborg ferry edge
    node, used = kalundborg, []
    while node != island:
        prev = pred[node]
        used.append((prev, node))
        node = prev
    t = net.tails
    ferry_pairs = {(int(t[e]), int(net.indices[e])) for e in np.flatnonzero(ferry & (net.way_id == 392728788))}
    assert any((int(a), int(b)) in ferry_pairs for a, b in used)
    # the same trip with no wait is exactly 20 minutes shorter
    net0 = read_osm(path, profile="car", ferry_wait_minutes=0)
    d0 = dijkstra(net0.csgraph(), indices=island)
    assert d[kalundborg] - d0[kalundborg] == pytest.approx(1200.0)
    # walking may also take the Aarhus passenger ferry
    walk = read_osm(path, profile="walk")
    assert 436079268 in set(walk.way_id[(walk.flags & EdgeFlag.FERRY) != 0].tolist())


# ----------------------------------------------------------------------------- bad input


def test_truncated_pbf(dataset, tmp_path: Path) -> None:
    src = dataset("osm/andorra-2013.osm.pbf")
    data = src.read_bytes()
    p = tmp_path / "half.osm.pbf"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated") as info:
        read_osm(p)
    assert "half.osm.pbf" in str(info.value)


def test_truncated_xml(tmp_path: Path) -> None:
    data = FIXTURE.read_bytes()
    p = tmp_path / "cut.osm"
    p.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError, match="truncated") as info:
        read_osm(p)
    assert "cut.osm" in str(info.value)


def test_progress_option_gives_same_network() -> None:
    _assert_same(read_osm(FIXTURE, profile="bike", progress=True), read_osm(FIXTURE, profile="bike"))


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.osm.pbf"
    p.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as info:
        read_osm(p)
    assert "empty.osm.pbf" in str(info.value)


@pytest.mark.parametrize("name", ["boundaries/fylker_2024.geojson", "commuting/kommune_11618_2021.csv"])
def test_not_osm_files(dataset, name: str) -> None:
    p = dataset(name)
    with pytest.raises(InputError, match="not an OSM file") as info:
        read_osm(p)
    assert p.name in str(info.value)


def test_geojson_renamed_as_pbf(dataset, tmp_path: Path) -> None:
    p = tmp_path / "roads.osm.pbf"
    shutil.copyfile(dataset("boundaries/fylker_2024.geojson"), p)
    with pytest.raises(InputError, match="GeoJSON"):
        read_osm(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_osm(tmp_path / "nope.osm.pbf")


def test_no_roads_for_profile(tmp_path: Path) -> None:
    p = tmp_path / "buildings.osm"
    p.write_text(
        '<?xml version="1.0"?>\n<osm version="0.6">\n'
        '<node id="1" lat="59.9" lon="10.7"/><node id="2" lat="59.9" lon="10.71"/><node id="3" lat="59.91" lon="10.71"/>\n'
        '<way id="5"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="building" v="yes"/></way>\n'
        '<way id="6"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>\n</osm>\n',
        encoding="utf-8",
    )
    with pytest.raises(NetworkBuildError, match="no ways usable by the 'car' profile") as info:
        read_osm(p, profile="car")
    assert "buildings.osm" in str(info.value)
    assert read_osm(p, profile="walk").n_edges == 2  # the footway is fine for walking


def test_zip_with_two_members(tmp_path: Path) -> None:
    p = tmp_path / "two.osm.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("a.osm", FIXTURE.read_bytes())
        zf.writestr("b.osm", FIXTURE.read_bytes())
    with pytest.raises(InputError, match="exactly one"):
        read_osm(p)


def test_bad_options() -> None:
    with pytest.raises(InputError, match="ferry_wait_minutes"):
        read_osm(FIXTURE, ferry_wait_minutes=-5)
    with pytest.raises(InputError, match="not projected"):
        read_osm(FIXTURE, crs="EPSG:4326")
    net = read_osm(FIXTURE, crs="EPSG:32632")
    assert net.crs == "EPSG:32632"
