"""Batching and the local/Dask backends give identical results to one unbatched call."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.engine.parallel import batch_slices, run_batches


@given(n=st.integers(0, 500), b=st.integers(1, 64))
@settings(max_examples=60, deadline=None)
def test_batch_slices_cover_range_once(n, b):
    sl = batch_slices(n, b)
    covered = np.concatenate([np.arange(n)[s] for s in sl]) if sl else np.zeros(0, int)
    np.testing.assert_array_equal(covered, np.arange(n))
    assert all(s.stop - s.start <= b for s in sl)
    assert len(sl) == -(-n // b)


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_batch_size_must_be_positive_integer(bad):
    with pytest.raises(ValueError, match="positive integer"):
        batch_slices(10, bad)


def _grid_network(k: int = 12, seed: int = 3):
    from geoaccess.network.graph import Network

    rng = np.random.default_rng(seed)
    ids = np.arange(k * k).reshape(k, k)
    t, h = [], []
    for a, b in [(ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])]:
        t += [a.ravel(), b.ravel()]
        h += [b.ravel(), a.ravel()]
    tails, heads = np.concatenate(t), np.concatenate(h)
    xs, ys = np.meshgrid(np.arange(k) * 100.0, np.arange(k) * 100.0)
    secs = rng.uniform(5, 60, len(tails))
    return Network.from_edges(tails, heads, seconds=secs, x=xs.ravel(), y=ys.ravel(), crs="EPSG:25833")


def test_local_and_dask_backends_match_unbatched():
    distributed = pytest.importorskip("distributed")
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.ch import ContractionHierarchy
    from geoaccess.engine.matrix import matrix_batch

    net = _grid_network()
    ch = ContractionHierarchy.build(net)
    rng = np.random.default_rng(0)
    src = rng.integers(0, net.n_nodes, 37).astype(np.int32)[:, None]
    offs = rng.uniform(0, 30, (37, 1))
    dst = rng.integers(0, net.n_nodes, 11).astype(np.int32)[:, None]
    whole = ch.many_to_many(src, offs, dst, None)
    oracle = dijkstra(net.csgraph(), indices=src[:, 0])[:, dst[:, 0]] + offs
    np.testing.assert_allclose(whole, oracle, atol=1e-6)
    # the library's pure batch kernel (importable on worker processes)
    func = partial(matrix_batch, ch=ch, dst_nodes=dst, dst_offsets=np.zeros(dst.shape), cutoff_seconds=np.inf)
    batches = [(src[s], offs[s]) for s in batch_slices(len(src), 8)]
    local = np.vstack(run_batches(func, batches, backend="local"))
    np.testing.assert_array_equal(local, whole)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = np.vstack(run_batches(func, batches, backend="dask", client=client, progress=True))
    np.testing.assert_array_equal(remote, whole)


def test_unknown_backend_rejected():
    with pytest.raises(ValueError, match="backend"):
        run_batches(abs, [1], backend="spark")  # type: ignore[arg-type]
