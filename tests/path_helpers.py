"""Helpers shared by the shortest-path tests (not a test module)."""

from __future__ import annotations

import numpy as np

from geoaccess.network.graph import Network

TOL = 1e-6


def one_way_variant(net: Network, *, frac: float, seed: int) -> Network:
    """Drop one direction of a random ``frac`` of the arcs (the NY graph itself is symmetric)."""
    rng = np.random.default_rng(seed)
    tails = net.tails
    drop = (rng.random(net.n_edges) < frac) & (tails < net.indices)
    keep = ~drop
    return Network.from_edges(tails[keep], net.indices[keep], seconds=net.seconds[keep], x=net.x, y=net.y,
                              crs=net.crs, node_id=net.node_id)


def assert_same(got: np.ndarray, ref: np.ndarray, *, tol: float = TOL) -> None:
    """Same shape, same unreachable (inf) pattern, finite times equal to ``tol`` seconds."""
    assert got.shape == ref.shape
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    fin = np.isfinite(ref)
    assert np.max(np.abs(got[fin] - ref[fin]), initial=0.0) <= tol
