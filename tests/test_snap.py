"""Snapping points to edge positions, checked against a brute-force distance to every edge."""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from geoaccess.errors import CRSError, InputError
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.snap import edge_lines, reverse_edges, snap_points

SCHOOLS = "services/oslo_upper_secondary_schools_2024.geojson"


@pytest.fixture(scope="module")
def oslo_walk(dataset):
    from geoaccess.network.build import build_network

    dataset("osm/oslo-east-filtered.osm.pbf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")


def _brute(net: Network, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lines = net.edge_geometries()  # the Network's own (independent) geometry builder
    ok = (net.flags & EdgeFlag.FERRY) == 0
    d = shapely.distance(shapely.points(x, y)[:, None], lines[None, ok])
    return d.min(axis=1), np.flatnonzero(ok)[d.argmin(axis=1)]


def test_oslo_schools_snap_matches_brute_force(dataset, oslo_walk):
    net = oslo_walk
    schools = gpd.read_file(dataset(SCHOOLS))
    sn = snap_points(net, schools, id_column="id", max_snap_m=1000.0)
    pts = schools.to_crs(net.crs)
    best, _ = _brute(net, pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    inside = best <= 1000.0
    # snapped exactly the points within 1 km, at the brute-force distance
    np.testing.assert_array_equal(sn.snapped, inside)
    assert 10 <= inside.sum() < len(schools)  # the extract covers eastern Oslo only
    np.testing.assert_allclose(sn.snap_metres[inside], best[inside], atol=1e-6)
    assert sorted(sn.unsnapped.tolist()) == sorted(schools["id"].to_numpy()[~inside].tolist())
    # the chosen edge is at that distance, and the snapped position lies on it at frac
    lines = net.edge_geometries(sn.edge[inside])
    np.testing.assert_allclose(shapely.distance(lines, shapely.points(pts.geometry.x[inside], pts.geometry.y[inside])), best[inside], atol=1e-6)
    on = shapely.line_interpolate_point(lines, sn.frac[inside], normalized=True)
    np.testing.assert_allclose(shapely.get_x(on), sn.x[inside], atol=1e-6)
    np.testing.assert_allclose(np.hypot(sn.x - pts.geometry.x, sn.y - pts.geometry.y)[inside], best[inside], atol=1e-6)
    np.testing.assert_allclose(sn.access_seconds[inside], best[inside] / (5 / 3.6))
    assert np.isnan(sn.snap_metres[~inside]).all() and (sn.edge[~inside] == -1).all()
    nodes, secs = sn.origin_seeds(net)
    assert (nodes[~inside] == -1).all() and np.isinf(secs[~inside]).all()
    assert np.isfinite(secs[inside, 0]).all()


def test_edge_lines_equal_network_geometries(oslo_walk):
    e = np.arange(0, oslo_walk.n_edges, 7)
    assert shapely.equals_exact(edge_lines(oslo_walk, e), oslo_walk.edge_geometries(e), 0).all()


def _square() -> Network:
    # 0 --(100 m)--> 1 two-way (100 s / 120 s); 1 -> 2 one-way; 0 -> 3 ferry two-way
    return Network.from_edges(
        [0, 1, 1, 0, 3],
        [1, 0, 2, 3, 0],
        seconds=[100.0, 120.0, 50.0, 600.0, 600.0],
        metres=[100.0, 100.0, 100.0, 1000.0, 1000.0],
        flags=[0, 0, 0, EdgeFlag.FERRY, EdgeFlag.FERRY],
        x=[0.0, 100.0, 100.0, 0.0],
        y=[0.0, 0.0, 100.0, -1000.0],
        crs="EPSG:25833",
    )


def test_seeds_hand_computed_and_ferries_never_targets():
    net = _square()
    pts = gpd.GeoDataFrame({"name": ["a", "b", "far", "sea"]}, geometry=gpd.points_from_xy([25, 100.0, 5000, 0.0], [10, 60, 0, -500.0]), crs="EPSG:25833")
    sn = snap_points(net, pts, id_column="name", max_snap_m=200.0, access_speed_kmh=3.6)
    e01 = int(np.flatnonzero((net.tails == 0) & (net.indices == 1))[0])
    e10 = int(np.flatnonzero((net.tails == 1) & (net.indices == 0))[0])
    e12 = int(np.flatnonzero((net.tails == 1) & (net.indices == 2))[0])
    assert sn.edge[0] in (e01, e10)
    assert sn.edge[1] == e12 and sn.frac[1] == pytest.approx(0.6)
    assert sn.unsnapped.tolist() == ["far", "sea"]  # "sea" lies on the ferry line but is 500 m from roads
    assert sn.snap_metres[:2] == pytest.approx([10.0, 0.0])
    nodes, secs = sn.origin_seeds(net)
    dn, ds = sn.destination_seeds(net)
    # point a at 25 m along 0->1 (or 75 m along 1->0); access 10 m at 1 m/s = 10 s
    if sn.edge[0] == e01:
        assert nodes[0].tolist() == [1, 0] and secs[0] == pytest.approx([10 + 75, 10 + 0.25 * 120])
        assert dn[0].tolist() == [0, 1] and ds[0] == pytest.approx([25 + 10, 0.75 * 120 + 10])
    else:
        assert nodes[0].tolist() == [0, 1] and secs[0] == pytest.approx([10 + 0.25 * 120, 10 + 0.75 * 100])
    # b on the one-way edge 1 -> 2 at 60 %: no reverse seed
    assert nodes[1].tolist() == [2, -1] and secs[1][0] == pytest.approx(20.0) and np.isinf(secs[1][1])
    assert dn[1].tolist() == [1, -1] and ds[1][0] == pytest.approx(30.0)
    assert (nodes[2:] == -1).all() and np.isinf(secs[2:]).all()
    assert reverse_edges(net)[e12] == -1 and reverse_edges(net)[e01] == e10


def test_seed_travel_times_equal_networkx_with_points_inserted(dataset):
    """Origin→destination via seeds equals Dijkstra on a graph where the points split their edges."""
    from geoaccess.network.components import keep_components
    from geoaccess.network.lines import read_nvdb_speed_limits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = keep_components(read_nvdb_speed_limits(dataset("roads/hamar_nvdb_speed_limits_2018.geojson")))
    rng = np.random.default_rng(7)
    e = rng.choice(net.n_edges, 12, replace=False)
    lines = net.edge_geometries(e)
    f = rng.uniform(0.05, 0.95, len(e))
    p = shapely.line_interpolate_point(lines, f, normalized=True)
    sn = snap_points(net, (shapely.get_x(p) + 0.0, shapely.get_y(p) + 0.0), crs=net.crs, max_snap_m=5.0)
    assert (sn.snap_metres < 1e-6).all()
    # oracle: networkx graph with each point as a new node splitting its edge (and the reverse edge)
    g = nx.DiGraph()
    t = net.tails
    for k in range(net.n_edges):
        u, v, s = int(t[k]), int(net.indices[k]), float(net.seconds[k])
        if not g.has_edge(u, v) or g[u][v]["w"] > s:
            g.add_edge(u, v, w=s)
    rev = reverse_edges(net)
    for i, k in enumerate(sn.edge):
        u, v, s = int(t[k]), int(net.indices[k]), float(net.seconds[k])
        pn = ("p", i)
        g.add_edge(u, pn, w=sn.frac[i] * s)
        g.add_edge(pn, v, w=(1 - sn.frac[i]) * s)
        if rev[k] >= 0:
            sr = float(net.seconds[rev[k]])
            g.add_edge(v, pn, w=(1 - sn.frac[i]) * sr)
            g.add_edge(pn, u, w=sn.frac[i] * sr)
    from scipy.sparse.csgraph import dijkstra

    on, os_ = sn.origin_seeds(net)
    dn, ds = sn.destination_seeds(net)
    d = dijkstra(net.csgraph(), indices=np.unique(on[on >= 0]))
    row = {int(v): i for i, v in enumerate(np.unique(on[on >= 0]))}
    checked = 0
    for i in range(len(e)):
        oracle = nx.single_source_dijkstra_path_length(g, ("p", i), weight="w")
        for j in range(len(e)):
            if i == j or sn.edge[i] == sn.edge[j] or sn.edge[j] == rev[sn.edge[i]]:
                continue  # same edge: documented limitation
            best = min(
                os_[i, a] + d[row[int(on[i, a])], dn[j, b]] + ds[j, b]
                for a in range(2) for b in range(2) if on[i, a] >= 0 and dn[j, b] >= 0
            )
            assert best == pytest.approx(oracle[("p", j)], abs=1e-6)
            checked += 1
    assert checked >= 100


def test_points_without_crs_duplicates_and_bad_options():
    net = _square()
    pts = gpd.GeoDataFrame({"id": [1, 2, 2, 3, 3]}, geometry=gpd.points_from_xy([0, 1, 2, 3, 4], [0, 0, 0, 0, 0]))
    with pytest.raises(CRSError, match="no CRS"):
        snap_points(net, pts)
    with pytest.raises(CRSError):
        snap_points(net, (np.array([1.0]), np.array([2.0])))
    with pytest.raises(InputError, match="2 duplicate id.*2, 3"):
        snap_points(net, pts.set_crs("EPSG:25833"), id_column="id")
    with pytest.raises(InputError, match="max_snap_m"):
        snap_points(net, pts.set_crs("EPSG:25833"), max_snap_m=0)
    # lon/lat input is transformed to the network CRS
    ll = gpd.GeoSeries(gpd.points_from_xy([50.0], [0.0]), crs="EPSG:25833").to_crs("EPSG:4326")
    sn = snap_points(net, gpd.GeoDataFrame(geometry=ll))
    assert sn.snap_metres[0] == pytest.approx(0.0, abs=1e-4) and sn.frac[0] == pytest.approx(0.5, abs=1e-6)
