"""Multi-source k-nearest search against a brute-force oracle (scipy all-pairs) on real and small graphs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra as sp_dijkstra

from geoaccess.engine.nearest import nearest_k
from geoaccess.errors import InputError
from geoaccess.network.graph import Network

TOL = 1e-6


def _net(tails, heads, seconds, n=None):
    n = int(max(max(tails), max(heads)) + 1) if n is None else n
    return Network.from_edges(np.asarray(tails), np.asarray(heads), seconds=np.asarray(seconds, float),
                              x=np.arange(n, dtype=float), y=np.zeros(n), crs="EPSG:25833")


def _brute(net, fac, offs, *, direction="to"):
    """Seconds node→facility (or facility→node) for every node × facility, by one scipy search per seed."""
    n, n_fac = net.n_nodes, fac.shape[0]
    flat = fac[fac >= 0]
    # to: distance v -> seed = reverse-graph search from the seed
    g = net.csgraph().T.tocsr() if direction == "to" else net.csgraph()
    d = sp_dijkstra(g, indices=flat)
    table = np.full((n, n_fac), np.inf)
    row = 0
    for f in range(n_fac):
        for j in range(fac.shape[1]):
            if fac[f, j] >= 0:
                table[:, f] = np.minimum(table[:, f], d[row] + offs[f, j])
                row += 1
    return table


def _check(net, fac, offs, k, cutoff=np.inf, direction="to"):
    table = _brute(net, fac, offs, direction=direction)
    table[table > cutoff] = np.inf
    ref = np.sort(table, axis=1)[:, :k]
    if ref.shape[1] < k:
        ref = np.hstack([ref, np.full((net.n_nodes, k - ref.shape[1]), np.inf)])
    sec, idx = nearest_k(net, fac, offs, k=k, cutoff=cutoff, direction=direction)
    assert sec.shape == (net.n_nodes, k) and idx.shape == (net.n_nodes, k)
    assert np.array_equal(np.isinf(sec), np.isinf(ref))
    fin = np.isfinite(ref)
    assert np.max(np.abs(sec[fin] - ref[fin]), initial=0.0) <= TOL
    assert np.all(sec[:, 1:] >= sec[:, :-1])  # ascending (inf >= inf holds)
    assert np.array_equal(idx < 0, np.isinf(sec))
    # each reported facility really is that far away, and facilities in a row are distinct
    v, j = np.nonzero(idx >= 0)
    assert np.max(np.abs(table[v, idx[v, j]] - sec[v, j]), initial=0.0) <= TOL
    for r in idx[: min(500, len(idx))]:
        r = r[r >= 0]
        assert len(set(r.tolist())) == len(r)
    return sec, idx


@pytest.fixture(scope="module")
def hamar(dataset):
    from geoaccess.network.lines import read_nvdb_speed_limits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_nvdb_speed_limits(dataset("roads/hamar_nvdb_speed_limits_2018.geojson"))


def test_real_hamar_k3_with_multi_seed_facilities(hamar):
    rng = np.random.default_rng(0)
    fac = rng.integers(0, hamar.n_nodes, (25, 2)).astype(np.int32)
    fac[::2, 1] = -1
    offs = rng.uniform(0, 90, (25, 2))
    _check(hamar, fac, offs, 3)
    _check(hamar, fac, offs, 1, cutoff=300.0)


def test_real_tampere_one_way_direction_matters(dataset):
    osm = pytest.importorskip("geoaccess.network.osm")
    net = osm.read_osm(dataset("osm/tampere.osm.pbf"))
    rng = np.random.default_rng(1)
    fac = rng.integers(0, net.n_nodes, (15, 1)).astype(np.int32)
    offs = np.zeros((15, 1))
    to, _ = _check(net, fac, offs, 2, direction="to")
    frm, _ = _check(net, fac, offs, 2, direction="from")
    fin = np.isfinite(to) & np.isfinite(frm)
    assert np.any(np.abs(to[fin] - frm[fin]) > 1.0)  # one-way streets: to ≠ from


def test_small_graph_ties_unreachable_and_k_larger_than_facilities():
    # chain 0 -> 1 -> 2 -> 3 (1 s each), node 4 cannot reach anything, zero-weight 3->5
    net = _net([0, 1, 2, 3, 5], [1, 2, 3, 5, 5], [1, 1, 1, 0, 2], n=6)
    fac = np.array([[3], [1]], np.int32)
    sec, idx = _check(net, fac, np.zeros((2, 1)), 3)
    assert sec[0].tolist() == [1.0, 3.0, np.inf] and idx[0].tolist() == [1, 0, -1]
    assert np.isinf(sec[4]).all() and (idx[4] == -1).all()
    assert sec[5, 0] == np.inf  # 5 only reaches itself
    with pytest.raises(InputError, match="k must be"):
        nearest_k(net, fac, None, k=0)
    empty_s, empty_i = nearest_k(net, np.zeros((0, 1), np.int32), None, k=2)
    assert np.isinf(empty_s).all() and (empty_i == -1).all()


def test_random_graphs_against_brute_force():
    rng = np.random.default_rng(2)
    for _ in range(5):
        n = int(rng.integers(20, 120))
        m = int(rng.integers(n, 4 * n))
        net = _net(rng.integers(0, n, m), rng.integers(0, n, m), rng.integers(0, 5, m), n=n)
        f = int(rng.integers(1, 12))
        fac = rng.integers(-1, n, (f, 3)).astype(np.int32)
        fac[:, 0] = rng.integers(0, n, f)
        _check(net, fac, rng.uniform(0, 3, (f, 3)), int(rng.integers(1, 5)))
