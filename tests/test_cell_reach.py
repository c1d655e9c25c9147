"""The cell-to-cell counting (many cells, few nodes) equals the router's door-to-door counting."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.engine.router import Router
from geoaccess.errors import InputError
from geoaccess.network.graph import Network
from geoaccess.regions.cell_reach import cells_reached

CRS = "EPSG:25833"


def grid_network(n: int, seed: int) -> Network:
    """A random n x n street grid (1 km blocks) with random speeds, a few one-way streets and long edges."""
    rng = np.random.default_rng(seed)
    t, h, s = [], [], []
    idx = np.arange(n * n).reshape(n, n)
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < n and j + dj < n:
                    a, b = idx[i, j], idx[i + di, j + dj]
                    sec = 1000.0 / (rng.uniform(20, 90) / 3.6)
                    t.append(a), h.append(b), s.append(sec)
                    if rng.random() > 0.15:  # mostly two-way
                        t.append(b), h.append(a), s.append(sec * rng.uniform(0.8, 1.2))
    x = (idx % n).ravel() * 1000.0 + 260000.0
    y = (idx // n).ravel() * 1000.0 + 6650000.0
    return Network.from_edges(t, h, seconds=s, x=x.astype(float), y=y.astype(float), crs=CRS)


def cells(net: Network, k: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(net.x.min() - 300, net.x.max() + 300, k)
    y = rng.uniform(net.y.min() - 300, net.y.max() + 300, k)
    return gpd.GeoDataFrame({"cell_id": np.arange(k), "jobs": rng.integers(0, 50, k).astype(float)},
                            geometry=gpd.points_from_xy(x, y), crs=CRS)


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 7), st.integers(5, 120), st.integers(0, 10_000), st.integers(2, 12))
def test_equals_router_reached(n: int, k: int, seed: int, block: int) -> None:
    net = grid_network(n, seed)
    router = Router(net, cache=False)
    layer = cells(net, k, seed + 1)
    snapped = router.snap(layer, id_column="cell_id", max_snap_m=400.0, access_speed_kmh=30.0, warn=False)
    thresholds = (2.0, 4.0, 7.5)
    got = cells_reached(router, snapped, snapped, {"jobs": layer["jobs"].to_numpy()}, thresholds_minutes=thresholds,
                        node_block=block)
    ref = router.reached(snapped, snapped, {"jobs": layer["jobs"].to_numpy()}, thresholds_minutes=thresholds)
    np.testing.assert_allclose(got.sums["jobs"], ref["jobs"].to_numpy().reshape(-1, 3), rtol=1e-12, atol=1e-9)
    ok = snapped.snapped
    np.testing.assert_array_equal(got.cells[ok], ref["cells"].to_numpy().reshape(-1, 3)[ok])
    assert np.isnan(got.sums["jobs"][~ok]).all()


def test_bad_thresholds_and_weights() -> None:
    net = grid_network(3, 1)
    router = Router(net, cache=False)
    layer = cells(net, 5, 2)
    snapped = router.snap(layer, id_column="cell_id", warn=False)
    assert cells_reached(router, snapped, snapped, {"jobs": np.ones(5)}, thresholds_minutes=(10, 5)).thresholds_minutes \
        == (5.0, 10.0)
    with pytest.raises(InputError, match="thresholds"):
        cells_reached(router, snapped, snapped, {"jobs": np.ones(5)}, thresholds_minutes=(-1,))
    with pytest.raises(InputError, match="4 values for 5 cells"):
        cells_reached(router, snapped, snapped, {"jobs": np.ones(4)})
