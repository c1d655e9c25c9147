"""The Network CSR container: construction, conversions and invariants."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from geoaccess.network.graph import EdgeFlag, Network


def _toy() -> Network:
    # 0 -> 1 (10 s) twice (parallel, keep the 7 s one), 1 -> 2 (5 s), 2 -> 0 (1 s), ferry 2 -> 3
    return Network.from_edges(
        [0, 0, 1, 2, 2],
        [1, 1, 2, 0, 3],
        seconds=[10.0, 7.0, 5.0, 1.0, 600.0],
        x=[0.0, 100.0, 200.0, 300.0],
        y=[0.0, 0.0, 0.0, 0.0],
        crs="EPSG:25833",
        way_id=[11, 12, 13, 14, 15],
        flags=[0, 0, 0, 0, EdgeFlag.FERRY],
        shapes=[np.zeros((0, 2)), np.array([[50.0, 10.0]]), np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 2))],
    )


def test_csgraph_keeps_fastest_parallel_edge():
    net = _toy()
    d = dijkstra(net.csgraph(), indices=0)
    assert d[1] == 7.0 and d[2] == 12.0 and d[3] == 612.0


def test_networkx_round_trip_preserves_shortest_paths():
    net = _toy()
    g = net.to_networkx()
    assert g.number_of_edges() == 5
    back = Network.from_networkx(g)
    for s in range(net.n_nodes):
        ref = nx.single_source_dijkstra_path_length(g, s, weight="seconds")
        got = dijkstra(back.csgraph(), indices=s)
        for t, v in ref.items():
            assert got[t] == pytest.approx(v, abs=1e-9)


def test_geodataframe_round_trip_and_geometry():
    net = _toy()
    nodes, edges = net.to_geodataframes()
    assert edges.crs.to_epsg() == 25833
    # the edge with an interior vertex has three vertices, from tail to head
    geom = edges.loc[(edges.u == 0) & (edges.seconds == 7.0), "geometry"].iloc[0]
    assert list(geom.coords) == [(0.0, 0.0), (50.0, 10.0), (100.0, 0.0)]
    assert edges.ferry.sum() == 1
    back = Network.from_geodataframes(nodes, edges)
    assert np.array_equal(back.indptr, net.indptr)
    assert np.allclose(back.seconds, net.seconds)
    assert back.edge_geometries()[1].equals(net.edge_geometries()[1])


def test_reverse_swaps_direction():
    net = _toy()
    rev = net.reverse()
    d = dijkstra(rev.csgraph(), indices=3)
    assert d[2] == 600.0 and np.isinf(dijkstra(net.csgraph(), indices=3)[2])
    assert list(rev.edge_coords(int(np.flatnonzero(rev.seconds == 7.0)[0]))[1]) == [50.0, 10.0]


def test_subgraph_and_summary():
    net = _toy()
    sub = net.subgraph(np.array([0, 1, 2]))
    assert sub.n_nodes == 3 and sub.n_edges == 4
    s = net.summary()
    assert s["nodes"] == 4 and s["edges"] == 5 and s["ferry_edges"] == 1
    assert s["components"] == 2 and s["largest_component_nodes"] == 3


def test_inconsistent_arrays_refused():
    with pytest.raises(ValueError, match="edge endpoints"):
        Network.from_edges([0], [5], seconds=[1.0], x=[0.0, 1.0], y=[0.0, 1.0], crs="EPSG:25833")
    with pytest.raises(ValueError, match="finite"):
        Network.from_edges([0], [1], seconds=[np.nan], x=[0.0, 1.0], y=[0.0, 1.0], crs="EPSG:25833")
