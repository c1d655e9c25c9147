"""Property tests (hypothesis) for the shortest-path kernels, on random small graphs and on real roads."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra as sp_dijkstra

from geoaccess.engine.ch import ContractionHierarchy
from geoaccess.engine.dijkstra import dijkstra_many
from geoaccess.engine.nearest import nearest_k
from geoaccess.network.graph import Network

TOL = 1e-6
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def graphs(draw, *, undirected: bool = False, max_nodes: int = 18):
    """Random directed graphs with zero weights, parallel edges, self-loops and isolated nodes."""
    n = draw(st.integers(1, max_nodes))
    m = draw(st.integers(0, 4 * n))
    tails = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    heads = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    w = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.0, 600.0, allow_nan=False)), min_size=m, max_size=m))
    t, h, w = np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64), np.array(w, dtype=float)
    if undirected:
        t, h, w = np.concatenate([t, h]), np.concatenate([h, t]), np.concatenate([w, w])
    return Network.from_edges(t, h, seconds=w, x=np.arange(n, dtype=float), y=np.zeros(n), crs="EPSG:25833")


def _all_pairs(net: Network) -> np.ndarray:
    return dijkstra_many(net, np.arange(net.n_nodes, dtype=np.int32))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    fin = np.isfinite(b)
    return bool(np.array_equal(np.isinf(a), np.isinf(b)) and np.all(np.abs(a[fin] - b[fin]) <= TOL))


@SETTINGS
@given(graphs())
def test_dijkstra_equals_scipy_and_triangle_inequality(net):
    d = _all_pairs(net)
    assert _same(d, sp_dijkstra(net.csgraph(), indices=np.arange(net.n_nodes)))
    assert np.all(np.diag(d) == 0.0)
    # d(a,c) <= d(a,b) + d(b,c) for all a, b, c
    via = d[:, :, None] + d[None, :, :]  # [a, b, c]
    assert np.all(d <= via.min(axis=1) + TOL)


@SETTINGS
@given(graphs(undirected=True))
def test_symmetric_on_undirected_graphs(net):
    d = _all_pairs(net)
    assert _same(d, d.T)
    ch = ContractionHierarchy.build(net)
    all_nodes = np.arange(net.n_nodes, dtype=np.int32)
    assert _same(ch.many_to_many(all_nodes, None, all_nodes, None), d.T)


@SETTINGS
@given(graphs(), st.floats(0.0, 1500.0))
def test_cutoff_never_changes_times_below_it(net, cutoff):
    full = _all_pairs(net)
    cut = dijkstra_many(net, np.arange(net.n_nodes, dtype=np.int32), cutoff=cutoff)
    expect = np.where(full <= cutoff, full, np.inf)
    assert _same(cut, expect)
    ch = ContractionHierarchy.build(net)
    all_nodes = np.arange(net.n_nodes, dtype=np.int32)
    assert _same(ch.one_to_all(all_nodes, cutoff=cutoff), expect)
    assert _same(ch.many_to_many(all_nodes, None, all_nodes, None, cutoff=cutoff), expect)


@SETTINGS
@given(graphs(), st.data())
def test_adding_an_edge_never_increases_any_time(net, data):
    n = net.n_nodes
    u = data.draw(st.integers(0, n - 1))
    v = data.draw(st.integers(0, n - 1))
    w = data.draw(st.floats(0.0, 600.0))
    before = _all_pairs(net)
    more = Network.from_edges(np.append(net.tails, u), np.append(net.indices, v),
                              seconds=np.append(net.seconds, w), x=net.x, y=net.y, crs=net.crs)
    after = _all_pairs(more)
    assert np.all(after <= before + TOL)
    assert after[u, v] <= w + TOL


@SETTINGS
@given(graphs(), st.data())
def test_ch_equals_dijkstra_with_seeds_and_offsets(net, data):
    n = net.n_nodes
    ref = _all_pairs(net)
    ch = ContractionHierarchy.build(net)
    s, t = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    sn = np.array(data.draw(st.lists(st.integers(-1, n - 1), min_size=2 * s, max_size=2 * s)), np.int32).reshape(s, 2)
    tn = np.array(data.draw(st.lists(st.integers(-1, n - 1), min_size=2 * t, max_size=2 * t)), np.int32).reshape(t, 2)
    so = np.array(data.draw(st.lists(st.floats(0, 100), min_size=2 * s, max_size=2 * s))).reshape(s, 2)
    to = np.array(data.draw(st.lists(st.floats(0, 100), min_size=2 * t, max_size=2 * t))).reshape(t, 2)
    expect = np.full((s, t), np.inf)
    for a in range(2):
        for b in range(2):
            for i in range(s):
                for j in range(t):
                    if sn[i, a] >= 0 and tn[j, b] >= 0:
                        expect[i, j] = min(expect[i, j], so[i, a] + ref[sn[i, a], tn[j, b]] + to[j, b])
    assert _same(ch.many_to_many(sn, so, tn, to), expect)
    row = np.full((s, n), np.inf)
    for a in range(2):
        for i in range(s):
            if sn[i, a] >= 0:
                row[i] = np.minimum(row[i], so[i, a] + ref[sn[i, a]])
    assert _same(ch.one_to_all(sn, so), row)


@SETTINGS
@given(graphs(), st.data())
def test_nearest_k1_is_min_over_facilities(net, data):
    n = net.n_nodes
    fac = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6)), np.int32)
    d = _all_pairs(net)[:, fac]  # node -> facility
    sec, idx = nearest_k(net, fac, None, k=1)
    assert _same(sec[:, 0], d.min(axis=1))
    ok = idx[:, 0] >= 0
    assert np.allclose(d[np.flatnonzero(ok), idx[ok, 0]], sec[ok, 0])


# ---------------------------------------------------------------------------- real graphs
@pytest.fixture(scope="module")
def real_graphs(dataset):
    from geoaccess.network.lines import read_nvdb_speed_limits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hamar = read_nvdb_speed_limits(dataset("roads/hamar_nvdb_speed_limits_2018.geojson"))
    out = {"hamar": (hamar, ContractionHierarchy.build(hamar))}
    try:
        from geoaccess.network.osm import read_osm
    except ImportError:  # the OSM reader is another module; Hamar still covers real data
        return out
    tampere = read_osm(dataset("osm/tampere.osm.pbf"))
    out["tampere"] = (tampere, ContractionHierarchy.build(tampere))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_real_roads_triangle_symmetry_and_ch(real_graphs, data):
    for name, (net, ch) in real_graphs.items():
        a, b, c = (data.draw(st.integers(0, net.n_nodes - 1), label=f"{name} node") for _ in range(3))
        abc = np.array([a, b, c], np.int32)
        d = ch.many_to_many(abc, None, abc, None)
        assert d[0, 2] <= d[0, 1] + d[1, 2] + TOL
        ref = dijkstra_many(net, abc)
        assert _same(d, ref[:, abc])
        if name == "hamar":  # NVDB speed limits: every road two-way
            assert _same(d, d.T)
