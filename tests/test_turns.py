"""Turn restrictions carried with a Network: record checks, reverse, subsets, simplification, cache."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import CacheError
from geoaccess.network.cache import load_npz, save_npz
from geoaccess.network.graph import Network
from geoaccess.network.simplify import simplify
from geoaccess.network.turns import (
    TurnKind,
    carry_turns,
    check_turns,
    make_turns,
    turn_nodes,
    turn_table,
)


def _edge(net: Network, u: int, v: int) -> int:
    lo, hi = net.indptr[u], net.indptr[u + 1]
    return int(lo + np.flatnonzero(net.indices[lo:hi] == v)[0])


def _grid() -> Network:
    """A 3 x 3 grid of two-way streets, 100 m blocks, with degree-2 midpoints on the outer ring."""
    pts = {(i, j): 3 * j + i for j in range(3) for i in range(3)}
    tails, heads = [], []
    for (i, j), a in pts.items():
        for di, dj in ((1, 0), (0, 1)):
            b = pts.get((i + di, j + dj))
            if b is not None:
                tails += [a, b]
                heads += [b, a]
    x = np.array([k % 3 for k in range(9)], float) * 100
    y = np.array([k // 3 for k in range(9)], float) * 100
    return Network.from_edges(np.array(tails), np.array(heads), seconds=np.full(len(tails), 10.0), x=x, y=y,
                              crs="EPSG:25833", way_id=np.arange(len(tails)) // 2)


def _with_turns(net: Network) -> Network:
    from dataclasses import replace

    # no left turn 3 -> 4 -> 7 (node restriction) and a via-way restriction 0 -> 1 -> 4 -> 5
    turns = make_turns(
        np.array([_edge(net, 3, 4), _edge(net, 0, 1)]), np.array([_edge(net, 4, 7), _edge(net, 4, 5)]),
        heads=net.indices, kind=np.array([TurnKind.NO, TurnKind.ONLY]),
        via_edges=[np.zeros(0, np.int64), np.array([_edge(net, 1, 4)])], source_id=np.array([11, 12]),
    )
    return replace(net, turns=turns)


def _paths(net: Network) -> list[list[tuple[int, int]]]:
    """Each restriction as its list of (tail node_id, head node_id)."""
    t = net.turns
    tails, heads, nid = net.tails, net.indices, net.node_id
    out = []
    for i in range(t.n_restrictions):
        edges = [t.from_edge[i], *t.via_edges[t.via_ptr[i]:t.via_ptr[i + 1]], t.to_edge[i]]
        out.append([(int(nid[tails[e]]), int(nid[heads[e]])) for e in edges])
    return out


def test_make_turns_is_a_consistent_path_and_a_broken_one_is_named():
    net = _with_turns(_grid())
    t = net.turns
    assert t.n_restrictions == 2 and t.n_via_way == 1
    assert check_turns(t, net.n_nodes, net.n_edges, net.tails, net.indices) == []
    assert t.via_node.tolist() == [4, 1]
    assert _paths(net) == [[(3, 4), (4, 7)], [(0, 1), (1, 4), (4, 5)]]
    broken = t._replace(to_edge=np.array([_edge(net, 0, 1), t.to_edge[1]]))
    assert any("to_edge does not start" in p for p in check_turns(broken, net.n_nodes, net.n_edges, net.tails, net.indices))
    with pytest.raises(ValueError, match=r"turns\.from_edge refers to edges outside"):
        Network(**{k: getattr(net, k) for k in ("indptr", "indices", "seconds", "metres", "way_id", "flags", "x", "y",
                                                  "node_id", "crs")}, turns=t._replace(from_edge=np.array([0, 999])))
    table = turn_table(net)
    assert table["kind"].tolist() == ["NO", "ONLY"] and table["via_edges"].tolist() == [0, 1]
    assert table[["x", "y"]].to_numpy().tolist() == [[100.0, 100.0], [100.0, 0.0]]


def test_reverse_turns_the_forbidden_path_around_and_back():
    net = _with_turns(_grid())
    rev = net.reverse()
    assert check_turns(rev.turns, rev.n_nodes, rev.n_edges, rev.tails, rev.indices) == []
    # in the reversed graph the path runs backwards over the reversed edges
    assert _paths(rev) == [[(b, a) for a, b in reversed(p)] for p in _paths(net)]
    assert _paths(rev.reverse()) == _paths(net)


def test_edge_subset_renumbers_and_drops_restrictions_on_removed_edges():
    net = _with_turns(_grid())
    sub = net.subgraph(np.array([k for k in range(9) if k != 7]))  # node 7 leaves: the first restriction goes
    assert sub.turns.n_restrictions == 1 and sub.turns.source_id.tolist() == [12]
    assert _paths(sub) == [_paths(net)[1]]
    assert check_turns(sub.turns, sub.n_nodes, sub.n_edges, sub.tails, sub.indices) == []


def test_carry_turns_through_simplification_keeps_the_same_streets():
    # a chain 0 - 1 - 2 - 3 with a branch 2 - 4: node 1 is degree-2 and would be merged away
    t = np.array([0, 1, 1, 2, 2, 3, 2, 4])
    h = np.array([1, 0, 2, 1, 3, 2, 4, 2])
    net = Network.from_edges(t, h, seconds=np.full(8, 5.0), x=np.array([0, 50, 100, 200, 100.0]),
                             y=np.array([0, 0, 0, 0, 100.0]), crs="EPSG:25833", node_id=np.array([10, 11, 12, 13, 14]))
    from dataclasses import replace

    net = replace(net, turns=make_turns(np.array([_edge(net, 1, 2)]), np.array([_edge(net, 2, 4)]), heads=net.indices))
    plain = simplify(net)
    assert plain.n_nodes == 4 and plain.turns is None  # without keep the restriction's street is merged
    kept = carry_turns(net, simplify(net, keep=turn_nodes(net.turns, net.tails, net.indices)))
    assert kept.turns.n_restrictions == 1 and "turns_dropped" not in kept.meta
    assert _paths(kept) == [[(11, 12), (12, 14)]]
    lost = carry_turns(net, plain)
    assert lost.turns.n_restrictions == 0 and lost.meta["turns_dropped"] == 1


def test_turns_survive_the_npz_cache_and_a_tampered_file_is_refused(tmp_path):
    net = _with_turns(_grid())
    path = save_npz(net, tmp_path / "n.npz")
    back = load_npz(path)
    assert all(np.array_equal(getattr(back.turns, f), getattr(net.turns, f)) for f in net.turns._fields)
    # rewrite the file with a to_edge that does not continue the path, and a matching checksum
    with np.load(path) as z:
        data = {k: z[k] for k in z.files}
    data["turns_to_edge"] = np.array([_edge(net, 0, 1), data["turns_to_edge"][1]], dtype=np.int64)
    header = json.loads(data.pop("header").tobytes())
    from geoaccess.network.npz import _checksum

    header["checksum"] = _checksum(data)
    data["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **data)
    assert zipfile.is_zipfile(bad)
    with pytest.raises(CacheError, match=r"bad\.npz is not a valid geoaccess network \(turns: to_edge does not start"):
        load_npz(bad)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 25), st.integers(1, 6))
def test_random_restriction_paths_stay_the_same_streets_under_reverse_and_subset(seed, n, r):
    rng = np.random.default_rng(seed)
    m = 4 * n
    tails = rng.integers(0, n, m)
    heads = (tails + rng.integers(1, n, m)) % n
    net = Network.from_edges(tails, heads, seconds=rng.uniform(1, 9, m), x=rng.uniform(0, 1e3, n),
                             y=rng.uniform(0, 1e3, n), crs="EPSG:25833", node_id=np.arange(n) + 100)
    paths = []
    for _ in range(r):  # random walks of 2-4 edges
        e = int(rng.integers(net.n_edges))
        walk = [e]
        for _ in range(int(rng.integers(1, 4))):
            v = net.indices[walk[-1]]
            out = np.arange(net.indptr[v], net.indptr[v + 1])
            if not len(out):
                break
            walk.append(int(rng.choice(out)))
        if len(walk) >= 2:
            paths.append(walk)
    if not paths:
        return
    from dataclasses import replace

    turns = make_turns(np.array([p[0] for p in paths]), np.array([p[-1] for p in paths]), heads=net.indices,
                       via_edges=[np.array(p[1:-1], np.int64) for p in paths])
    net = replace(net, turns=turns)
    assert check_turns(net.turns, net.n_nodes, net.n_edges, net.tails, net.indices) == []
    before = _paths(net)
    assert _paths(net.reverse().reverse()) == before
    keep = rng.random(n) < 0.8
    sub = net.subgraph(np.flatnonzero(keep))
    kept_ids = set((np.flatnonzero(keep) + 100).tolist())
    expected = [p for p in before if all(a in kept_ids and b in kept_ids for a, b in p)]
    assert _paths(sub) == expected
    assert check_turns(sub.turns, sub.n_nodes, sub.n_edges, sub.tails, sub.indices) == []
