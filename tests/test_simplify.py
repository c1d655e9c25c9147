"""Degree-2 simplification preserves every travel time between kept nodes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.simplify import simplify

HAMAR = "roads/hamar_nvdb_speed_limits_2018.geojson"


def _dist_between_kept(before: Network, after: Network, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distances from/to kept nodes, indexed by node_id, in both networks."""
    pos_before = {int(v): i for i, v in enumerate(before.node_id)}
    idx_before = np.array([pos_before[int(v)] for v in after.node_id])
    d_after = dijkstra(after.csgraph(), indices=sources)
    d_before = dijkstra(before.csgraph(), indices=idx_before[sources])[:, idx_before]
    return d_before, d_after


def _chain(n: int, *, two_way: bool, ferry_at: int | None = None, way: list[int] | None = None) -> Network:
    t, h, f, w = [], [], [], []
    for i in range(n - 1):
        fl = EdgeFlag.FERRY if ferry_at == i else 0
        wid = way[i] if way else 1
        t.append(i), h.append(i + 1), f.append(fl), w.append(wid)
        if two_way:
            t.append(i + 1), h.append(i), f.append(fl), w.append(wid)
    x = np.arange(n, dtype=float) * 10.0
    return Network.from_edges(
        t, h, seconds=np.arange(1, len(t) + 1, dtype=float), flags=f, way_id=w, x=x, y=np.sin(x), crs="EPSG:25833"
    )


def test_two_way_chain_becomes_one_pair_with_summed_times_and_shape():
    net = _chain(5, two_way=True)
    s = simplify(net)
    assert s.n_nodes == 2 and s.n_edges == 2
    assert s.node_id.tolist() == [0, 4]
    fwd = int(np.flatnonzero(s.tails == 0)[0])
    # forward edges have seconds 1, 3, 5, 7; backward 2, 4, 6, 8
    assert s.seconds[fwd] == pytest.approx(16.0)
    assert s.seconds[1 - fwd] == pytest.approx(20.0)
    np.testing.assert_allclose(s.edge_coords(fwd), np.column_stack([net.x, net.y]))
    np.testing.assert_allclose(s.edge_coords(1 - fwd), np.column_stack([net.x, net.y])[::-1])
    assert s.metres.sum() == pytest.approx(net.metres.sum())
    assert s.way_id.tolist() == [1, 1]


def test_one_way_chain_ferry_boundary_keep_and_way_ids():
    s = simplify(_chain(6, two_way=False))
    assert s.n_nodes == 2 and s.seconds.tolist() == [15.0]
    # ferry on edge 2->3: nodes 2 and 3 stay, the ferry edge is never merged with roads
    f = simplify(_chain(6, two_way=True, ferry_at=2))
    assert f.node_id.tolist() == [0, 2, 3, 5]
    ferry = (f.flags & EdgeFlag.FERRY) != 0
    assert ferry.sum() == 2 and set(f.node_id[f.tails[ferry]].tolist()) == {2, 3}
    k = simplify(_chain(6, two_way=False), keep=np.array([3]))
    assert k.node_id.tolist() == [0, 3, 5]
    mixed = _chain(4, two_way=False, way=[7, 7, 9])
    merged = simplify(mixed)
    assert merged.way_id.tolist() == [-2] and merged.meta["way_groups"] == [[7, 9]]  # a group keeps both ways
    assert simplify(mixed, split_at_way_change=True).node_id.tolist() == [0, 2, 3]


def test_isolated_ring_keeps_one_node():
    n = 5
    t = list(range(n)) + [(i + 1) % n for i in range(n)]
    h = [(i + 1) % n for i in range(n)] + list(range(n))
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    net = Network.from_edges(t, h, seconds=np.arange(1, 2 * n + 1, dtype=float), x=np.cos(ang), y=np.sin(ang), crs="EPSG:25833")
    s = simplify(net)
    assert s.n_nodes == 1 and s.n_edges == 2
    assert sorted(s.seconds.tolist()) == [15.0, 40.0]


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 12))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=3 * n))
    t, h, s, f = [], [], [], []
    for u, v in pairs:
        two = draw(st.booleans())
        sec = draw(st.floats(0.0, 100.0, allow_nan=False))
        ferry = EdgeFlag.FERRY if draw(st.integers(0, 9)) == 0 else 0
        t.append(u), h.append(v), s.append(sec), f.append(ferry)
        if two:
            t.append(v), h.append(u), s.append(draw(st.floats(0.0, 100.0, allow_nan=False))), f.append(ferry)
    keep = draw(st.lists(st.integers(0, n - 1), max_size=2))
    rng = np.random.default_rng(n)
    return Network.from_edges(t, h, seconds=s, flags=f, x=rng.random(n), y=rng.random(n), crs="EPSG:25833"), keep


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_random_graphs_distances_between_kept_nodes_unchanged(case):
    net, keep = case
    s = simplify(net, keep=np.array(keep, dtype=int))
    assert set(keep) <= set(s.node_id.tolist())
    assert s.n_nodes <= net.n_nodes and s.n_edges <= net.n_edges
    d_before, d_after = _dist_between_kept(net, s, np.arange(s.n_nodes))
    np.testing.assert_allclose(d_after, d_before, rtol=0, atol=1e-9)
    # ferry time is conserved edge by edge: merged edges are all-ferry or ferry-free
    ferry = (s.flags & EdgeFlag.FERRY) != 0
    assert s.seconds[ferry].sum() == pytest.approx(net.seconds[(net.flags & EdgeFlag.FERRY) != 0].sum())


def test_hamar_simplified_exact_and_shapes_follow_the_road(dataset):
    from geoaccess.network.lines import read_nvdb_speed_limits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = read_nvdb_speed_limits(dataset(HAMAR))
    s = simplify(raw)
    assert s.n_nodes < 0.35 * raw.n_nodes
    assert s.metres.sum() == pytest.approx(raw.metres.sum(), rel=1e-12)
    assert s.seconds.sum() == pytest.approx(raw.seconds.sum(), rel=1e-12)
    rng = np.random.default_rng(42)
    src = rng.choice(s.n_nodes, 25, replace=False)
    d_before, d_after = _dist_between_kept(raw, s, src)
    finite = np.isfinite(d_before)
    assert finite.mean() > 0.9
    np.testing.assert_array_equal(np.isfinite(d_after), finite)
    np.testing.assert_allclose(d_after[finite], d_before[finite], rtol=1e-12, atol=1e-6)
    # merged polylines are as long as the summed metres (shapes concatenated in order); the only
    # differences come from junction vertices merged on the 0.1 m grid (node = first such vertex)
    diff = np.abs(shapely.length(s.edge_geometries()) - s.metres)
    assert (diff > 1e-6).sum() <= 5
    assert diff.max() < 2 * np.sqrt(2) * 0.1


def test_simplify_new_york_keeps_times_between_kept_nodes(dataset):
    from geoaccess.network.dimacs import read_dimacs

    net = read_dimacs(dataset("roadgraphs/USA-road-t.NY.gr.gz"), dataset("roadgraphs/USA-road-d.NY.co.gz"))
    s = simplify(net)
    assert s.n_nodes == 226_415 and s.n_edges == 657_984
    d_before, d_after = _dist_between_kept(net, s, np.array([0, 1000, 100_000]))
    np.testing.assert_allclose(d_after, d_before, rtol=1e-12, atol=1e-6)
