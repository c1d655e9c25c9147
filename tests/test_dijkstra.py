"""Numba Dijkstra against scipy.sparse.csgraph and networkx, on real and hand-made graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from path_helpers import assert_same, one_way_variant
from scipy.sparse.csgraph import breadth_first_order
from scipy.sparse.csgraph import dijkstra as sp_dijkstra

from geoaccess.engine.dijkstra import dijkstra, dijkstra_many
from geoaccess.errors import InputError
from geoaccess.network.graph import Network

TOL = 1e-6  # seconds


def _net(tails, heads, seconds, n=None):
    n = int(max(max(tails), max(heads)) + 1) if n is None else n
    return Network.from_edges(np.asarray(tails), np.asarray(heads), seconds=np.asarray(seconds, float),
                              x=np.arange(n, dtype=float), y=np.zeros(n), crs="EPSG:25833")


@pytest.fixture(scope="module")
def ny_sub(dataset):
    """A 20,000-node connected piece of the real DIMACS New York graph (one-way arcs included)."""
    from geoaccess.network.dimacs import read_dimacs

    net = read_dimacs(dataset("roadgraphs/USA-road-t.NY.gr.gz"), dataset("roadgraphs/USA-road-d.NY.co.gz"))
    order = breadth_first_order(net.csgraph(), 0, directed=True, return_predecessors=False)[:20_000]
    return one_way_variant(net.subgraph(order), frac=0.15, seed=11)


def test_real_ny_matches_scipy_and_networkx(ny_sub):
    net = ny_sub
    rng = np.random.default_rng(7)
    src = rng.choice(net.n_nodes, 40, replace=False)
    got = dijkstra_many(net, src.astype(np.int32))
    ref = sp_dijkstra(net.csgraph(), indices=src)
    assert_same(got, ref)
    # the graph really has one-way arcs, so direction matters
    tails = net.tails
    fwd = set(zip(tails.tolist(), net.indices.tolist(), strict=False))
    assert sum((h, t) not in fwd for t, h in fwd) > 1000
    assert not np.allclose(got, sp_dijkstra(net.csgraph().T.tocsr(), indices=src))
    # networkx oracle on one source
    g = nx.DiGraph()
    for t, h, w in zip(tails.tolist(), net.indices.tolist(), net.seconds.tolist(), strict=False):
        if not g.has_edge(t, h) or g[t][h]["w"] > w:
            g.add_edge(t, h, w=w)
    lengths = nx.single_source_dijkstra_path_length(g, int(src[0]), weight="w")
    one = dijkstra(net.indptr, net.indices, net.seconds, [src[0]], [0.0])
    nodes = np.fromiter(lengths.keys(), dtype=np.int64)
    vals = np.fromiter(lengths.values(), dtype=float)
    assert np.max(np.abs(one[nodes] - vals)) <= TOL
    assert np.isinf(np.delete(one, nodes)).all()


def test_hand_computed_multiseed_offsets_and_cutoff():
    # 0 -> 1 (5 s), 1 -> 2 (5 s), 0 -> 2 (12 s), 3 -> 2 (1 s); node 4 isolated
    net = _net([0, 1, 0, 3], [1, 2, 2, 2], [5, 5, 12, 1], n=5)
    d = dijkstra(net.indptr, net.indices, net.seconds, [0], [0.0])
    assert d.tolist() == [0.0, 5.0, 10.0, np.inf, np.inf]
    # two seeds with offsets: 0 at +3 s and 3 at +20 s → node 2 via 0 is 13 s
    d = dijkstra(net.indptr, net.indices, net.seconds, [0, 3], [3.0, 20.0])
    assert d.tolist() == [3.0, 8.0, 13.0, 20.0, np.inf]
    d = dijkstra(net.indptr, net.indices, net.seconds, [0, 3], [3.0, 20.0], cutoff=10.0)
    assert d.tolist() == [3.0, 8.0, np.inf, np.inf, np.inf]


def test_zero_weights_parallel_edges_self_loops_disconnected():
    # parallel 0->1 (9 s and 2 s), self-loop on 1, zero-weight 1->2, component {3,4} unreachable
    net = _net([0, 0, 1, 1, 3, 4], [1, 1, 1, 2, 4, 3], [9, 2, 0, 0, 1, 1])
    d = dijkstra_many(net, np.array([[0, -1], [3, -1]], np.int32), np.zeros((2, 2)))
    assert d[0].tolist() == [0.0, 2.0, 2.0, np.inf, np.inf]
    assert d[1].tolist() == [np.inf, np.inf, np.inf, 0.0, 1.0]
    assert_same(d, sp_dijkstra(net.csgraph(), indices=[0, 3]))


def test_padding_and_rows_independent(ny_sub):
    net = ny_sub
    rng = np.random.default_rng(3)
    seeds = rng.integers(0, net.n_nodes, (6, 3)).astype(np.int32)
    offs = rng.uniform(0, 60, (6, 3))
    seeds[2, 1:] = -1
    got = dijkstra_many(net, seeds, offs, cutoff=600.0)
    full = sp_dijkstra(net.csgraph(), indices=np.unique(seeds[seeds >= 0]))
    row_of = {v: i for i, v in enumerate(np.unique(seeds[seeds >= 0]))}
    for s in range(6):
        ref = np.full(net.n_nodes, np.inf)
        for j in range(3):
            if seeds[s, j] >= 0:
                ref = np.minimum(ref, full[row_of[seeds[s, j]]] + offs[s, j])
        ref[ref > 600.0] = np.inf
        assert_same(got[s], ref)


def test_bad_seeds_are_refused():
    net = _net([0], [1], [1.0])
    with pytest.raises(InputError, match="outside"):
        dijkstra_many(net, np.array([[5]]))
    with pytest.raises(InputError, match="offsets"):
        dijkstra_many(net, np.array([[0]]), np.array([[-1.0]]))
