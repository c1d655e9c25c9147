"""Contraction hierarchy: bucket many-to-many and PHAST one-to-all equal plain Dijkstra (scipy/networkx)."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from path_helpers import assert_same, one_way_variant
from scipy.sparse.csgraph import breadth_first_order
from scipy.sparse.csgraph import dijkstra as sp_dijkstra

from geoaccess.engine.ch import ContractionHierarchy, network_fingerprint
from geoaccess.errors import CacheError, CacheWarning
from geoaccess.network.graph import Network

TOL = 1e-6  # seconds


def _net(tails, heads, seconds, n=None):
    n = int(max(max(tails), max(heads)) + 1) if n is None else n
    return Network.from_edges(np.asarray(tails), np.asarray(heads), seconds=np.asarray(seconds, float),
                              x=np.arange(n, dtype=float), y=np.zeros(n), crs="EPSG:25833")


@pytest.fixture(scope="module")
def ny_sub(dataset):
    """20,000 nodes of the real DIMACS New York graph, with 15 % of the arcs made one-way."""
    from geoaccess.network.dimacs import read_dimacs

    net = read_dimacs(dataset("roadgraphs/USA-road-t.NY.gr.gz"), dataset("roadgraphs/USA-road-d.NY.co.gz"))
    order = breadth_first_order(net.csgraph(), 0, directed=True, return_predecessors=False)[:20_000]
    return one_way_variant(net.subgraph(order), frac=0.15, seed=5)


@pytest.fixture(scope="module")
def ny_ch(ny_sub):
    return ContractionHierarchy.build(ny_sub)


@pytest.fixture(scope="module")
def hamar(dataset):
    """Real NVDB speed-limit roads of Hamar (two-way; several unconnected pieces)."""
    from geoaccess.network.lines import read_nvdb_speed_limits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_nvdb_speed_limits(dataset("roads/hamar_nvdb_speed_limits_2018.geojson"))


def test_ny_many_to_many_equals_scipy(ny_sub, ny_ch):
    rng = np.random.default_rng(1)
    src = rng.choice(ny_sub.n_nodes, 60, replace=False)
    dst = rng.choice(ny_sub.n_nodes, 70, replace=False)
    ref = sp_dijkstra(ny_sub.csgraph(), indices=src)[:, dst]
    assert_same(ny_ch.many_to_many(src.astype(np.int32), None, dst.astype(np.int32), None), ref)


def test_ny_one_to_all_equals_scipy(ny_sub, ny_ch):
    rng = np.random.default_rng(2)
    src = rng.choice(ny_sub.n_nodes, 19, replace=False)  # not a multiple of the PHAST batch
    ref = sp_dijkstra(ny_sub.csgraph(), indices=src)
    assert_same(ny_ch.one_to_all(src.astype(np.int32)), ref)
    assert_same(ny_ch.one_to_all(src.astype(np.int32), batch=1), ref)


def test_ny_seeds_offsets_and_cutoff(ny_sub, ny_ch):
    """Snapped points: several seeds with offsets on both sides; min over seed pairs; cutoff → inf."""
    rng = np.random.default_rng(3)
    s_nodes = rng.integers(0, ny_sub.n_nodes, (12, 2)).astype(np.int32)
    s_offs = rng.uniform(0, 120, (12, 2))
    s_nodes[::4, 1] = -1
    t_nodes = rng.integers(0, ny_sub.n_nodes, (9, 2)).astype(np.int32)
    t_offs = rng.uniform(0, 120, (9, 2))
    t_nodes[::3, 0] = -1
    full = sp_dijkstra(ny_sub.csgraph(), indices=s_nodes.ravel()).reshape(12, 2, -1)
    ref = np.full((12, 9), np.inf)
    for a in range(2):
        for b in range(2):
            d = full[:, a, :][:, np.maximum(t_nodes[:, b], 0)] + s_offs[:, a, None] + t_offs[None, :, b]
            d[s_nodes[:, a] < 0, :] = np.inf
            d[:, t_nodes[:, b] < 0] = np.inf
            ref = np.minimum(ref, d)
    assert_same(ny_ch.many_to_many(s_nodes, s_offs, t_nodes, t_offs), ref)
    cut = float(np.median(ref[np.isfinite(ref)]))
    assert_same(ny_ch.many_to_many(s_nodes, s_offs, t_nodes, t_offs, cutoff=cut), np.where(ref > cut, np.inf, ref))
    # one_to_all with the same origin seeds
    all_ref = np.minimum(full[:, 0, :] + s_offs[:, :1], np.where(s_nodes[:, 1:] >= 0, full[:, 1, :] + s_offs[:, 1:], np.inf))
    assert_same(ny_ch.one_to_all(s_nodes, s_offs), all_ref)
    assert_same(ny_ch.one_to_all(s_nodes, s_offs, cutoff=cut), np.where(all_ref > cut, np.inf, all_ref))


def test_hamar_nvdb_equals_scipy_and_networkx(hamar):
    import networkx as nx

    ch = ContractionHierarchy.build(hamar)
    rng = np.random.default_rng(4)
    src = rng.choice(hamar.n_nodes, 30, replace=False)
    ref = sp_dijkstra(hamar.csgraph(), indices=src)
    assert np.isinf(ref).any()  # the file has several unconnected pieces → inf must survive
    assert_same(ch.one_to_all(src.astype(np.int32)), ref)
    assert_same(ch.many_to_many(src.astype(np.int32), None, src.astype(np.int32), None), ref[:, src])
    g = hamar.to_networkx()
    lengths = nx.single_source_dijkstra_path_length(g, int(src[0]), weight="seconds")
    nodes = np.fromiter(lengths.keys(), dtype=np.int64)
    vals = np.fromiter(lengths.values(), dtype=float)
    got = ch.one_to_all(src[:1].astype(np.int32))[0]
    assert np.max(np.abs(got[nodes] - vals)) <= TOL


def test_osm_car_one_way_streets(dataset):
    osm = pytest.importorskip("geoaccess.network.osm")
    net = osm.read_osm(dataset("osm/tampere.osm.pbf"))
    ch = ContractionHierarchy.build(net)
    rng = np.random.default_rng(5)
    src = rng.choice(net.n_nodes, 25, replace=False).astype(np.int32)
    assert_same(ch.one_to_all(src), sp_dijkstra(net.csgraph(), indices=src))


def test_edge_cases_zero_parallel_selfloop_disconnected():
    # parallel 0->1 (7 s, 3 s), self-loop 2->2, zero-weight 1->2 and 2->3, one-way 3->0, {4,5} separate, 6 isolated
    net = _net([0, 0, 2, 1, 2, 3, 4, 5], [1, 1, 2, 2, 3, 0, 5, 4], [7, 3, 4, 0, 0, 10, 2, 2], n=7)
    ch = ContractionHierarchy.build(net)
    ref = sp_dijkstra(net.csgraph(), indices=np.arange(7))
    assert ref[0, 3] == 3.0 and np.isinf(ref[0, 4]) and ref[3, 2] == 13.0
    assert_same(ch.one_to_all(np.arange(7, dtype=np.int32)), ref)
    all7 = np.arange(7, dtype=np.int32)
    assert_same(ch.many_to_many(all7, None, all7, None), ref)


def test_tiny_graphs():
    one = _net([0], [0], [5.0], n=1)  # a single node with a self-loop
    ch = ContractionHierarchy.build(one)
    assert ch.one_to_all(np.array([0], np.int32)).tolist() == [[0.0]]
    assert ch.many_to_many(np.array([0]), None, np.array([0]), np.array([2.5])).tolist() == [[2.5]]
    empty = ch.many_to_many(np.zeros(0, np.int32), None, np.array([0]), None)
    assert empty.shape == (0, 1)


def test_save_load_roundtrip(tmp_path, ny_sub, ny_ch):
    p = tmp_path / "ny.npz"
    ny_ch.save(p)
    back = ContractionHierarchy.load(p)
    assert back.fingerprint == ny_ch.fingerprint == network_fingerprint(ny_sub)
    for name in ("rank", "perm", "up_indptr", "up_indices", "up_weights", "down_indptr", "down_indices"):
        assert np.array_equal(getattr(back, name), getattr(ny_ch, name))
    src = np.arange(0, 20_000, 997, dtype=np.int32)
    assert np.array_equal(back.many_to_many(src, None, src, None), ny_ch.many_to_many(src, None, src, None))
    (tmp_path / "bad.npz").write_bytes(b"not a hierarchy")
    with pytest.raises(CacheError, match="bad.npz"):
        ContractionHierarchy.load(tmp_path / "bad.npz")


def test_for_network_cache(tmp_path, monkeypatch, hamar):
    monkeypatch.setenv("GEOACCESS_CACHE", str(tmp_path))
    ch1 = ContractionHierarchy.for_network(hamar)
    path = tmp_path / "ch" / f"{network_fingerprint(hamar)}.npz"
    assert path.exists()
    mtime = path.stat().st_mtime_ns
    ch2 = ContractionHierarchy.for_network(hamar)  # from disk
    assert path.stat().st_mtime_ns == mtime
    assert np.array_equal(ch2.perm, ch1.perm)
    # a different travel-time table is a different hierarchy
    slower = Network.from_edges(hamar.tails, hamar.indices, seconds=hamar.seconds * 1.5, x=hamar.x, y=hamar.y,
                                crs=hamar.crs)
    assert network_fingerprint(slower) != network_fingerprint(hamar)
    # corrupt file → rebuilt and rewritten
    path.write_bytes(b"garbage")
    with pytest.warns(CacheWarning, match="rebuilding"):
        ch3 = ContractionHierarchy.for_network(hamar)
    assert np.array_equal(ch3.perm, ch1.perm)
    assert ContractionHierarchy.load(path).fingerprint == ch1.fingerprint
    assert not [p for p in path.parent.iterdir() if p.suffix == ".tmp"]


def test_for_network_unwritable_cache_warns(tmp_path, monkeypatch, hamar):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("GEOACCESS_CACHE", str(blocker))
    with pytest.warns(CacheWarning, match="CH cache"):
        ch = ContractionHierarchy.for_network(hamar)
    src = np.array([0, 5], np.int32)
    assert_same(ch.one_to_all(src), sp_dijkstra(hamar.csgraph(), indices=src))
    assert os.path.isfile(blocker)


def test_progress_build_is_the_same_hierarchy(hamar):
    a = ContractionHierarchy.build(hamar)
    b = ContractionHierarchy.build(hamar, progress=True)
    assert np.array_equal(a.perm, b.perm) and np.array_equal(a.up_weights, b.up_weights)
    assert b.summary()["shortcuts"] == a.meta["shortcuts"] > 0
