"""Strongly connected components: report and filtering, checked against networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import DataWarning
from geoaccess.network.components import component_report, keep_components
from geoaccess.network.graph import Network


def _net(edges: list[tuple[int, int]], n: int, metres: float = 1000.0) -> Network:
    t = [u for u, _ in edges]
    h = [v for _, v in edges]
    rng = np.random.default_rng(0)
    return Network.from_edges(
        t, h, seconds=np.ones(len(t)), metres=np.full(len(t), metres), x=rng.random(n) * 1e3, y=rng.random(n) * 1e3,
        crs="EPSG:25833",
    )


def test_report_hand_computed():
    # main: 0<->1<->2 (3 nodes, 4 edges); island 3<->4 (2 nodes, 2 edges); one-way stub 2->5 (node 5 alone)
    net = _net([(0, 1), (1, 0), (1, 2), (2, 1), (3, 4), (4, 3), (2, 5)], 6)
    rep = component_report(net)
    assert rep["nodes"].tolist() == [3, 2, 1]
    assert rep["edges"].tolist() == [4, 2, 0]
    assert rep["km"].tolist() == pytest.approx([4.0, 2.0, 0.0])
    assert rep["share"].tolist() == pytest.approx([0.5, 1 / 3, 1 / 6])
    assert rep["component"].tolist() == [0, 1, 2]


def test_keep_largest_and_all_warn_with_island_sizes():
    net = _net([(0, 1), (1, 0), (1, 2), (2, 1), (3, 4), (4, 3), (2, 5)], 6)
    with pytest.warns(DataWarning, match=r"2 island\(s\).*2 nodes/2.00 km, 1 nodes/0.00 km.*dropped"):
        big = keep_components(net)
    assert big.n_nodes == 3 and big.n_edges == 4
    assert sorted(big.node_id.tolist()) == [0, 1, 2]
    assert big.meta["components"]["count"] == 3 and big.meta["components"]["island_sizes"] == [2, 1]
    assert big.meta["component_table"]["kept"] == [True, False, False]
    with pytest.warns(DataWarning, match="kept"):
        everything = keep_components(net, keep="all")
    assert everything.n_nodes == 6 and everything.n_edges == 7
    with pytest.raises(ValueError, match="largest"):
        keep_components(net, keep="biggest")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 14),
    edges=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=40),
)
def test_sizes_match_networkx(n, edges):
    edges = [(u % n, v % n) for u, v in edges]
    net = _net(edges, n)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    expect = sorted((len(c) for c in nx.strongly_connected_components(g)), reverse=True)
    rep = component_report(net)
    assert rep["nodes"].tolist() == expect
    assert rep["edges"].sum() == sum(1 for u, v in edges if any(u in c and v in c for c in nx.strongly_connected_components(g)))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big = keep_components(net)
    assert big.n_nodes == expect[0]
    # the kept subgraph is strongly connected
    h = nx.DiGraph()
    h.add_nodes_from(range(big.n_nodes))
    h.add_edges_from(zip(big.tails.tolist(), big.indices.tolist(), strict=False))
    assert nx.is_strongly_connected(h)
