"""Residents within 30/45 minutes by car of Jessheim on N1000, against scipy's Dijkstra on the same graph."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra


@pytest.mark.usefixtures("dataset")
def test_jessheim_car_counts_equal_a_scipy_brute_force():
    import geopandas as gpd
    from shapely.geometry import Point

    from geoaccess.examples.jessheim_car import N1000_ROADS, car_population_within
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.national.matrix import DEFAULT_ACCESS_SPEED_KMH, DEFAULT_CELL_SNAP_M
    from geoaccess.network.build import build_network
    from geoaccess.network.snap import reverse_edges, snap_points

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = read_ssb_grid("population/befolkning_250m_2023_akershus.shp")
    origin = gpd.GeoDataFrame({"name": ["Jessheim stasjon"]}, geometry=[Point(11.176338, 60.141802)], crs="EPSG:4326")
    got = car_population_within(origin, grid, thresholds_minutes=(30, 45))

    net = build_network(N1000_ROADS, mode="car")
    assert net.turns is None or net.turns.n_restrictions == 0  # node-based: scipy's Dijkstra is the oracle
    kw = {"max_snap_m": DEFAULT_CELL_SNAP_M, "access_speed_kmh": DEFAULT_ACCESS_SPEED_KMH}
    o = snap_points(net, origin, **kw)
    pts = grid.to_crs(net.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = snap_points(net, pts.set_geometry(pts.geometry.centroid), id_column="cell_id", **kw)
    o_nodes, o_secs = o.origin_seeds(net)
    d_nodes, d_secs = d.destination_seeds(net)
    seeds = [(int(n), float(s)) for n, s in zip(o_nodes[0], o_secs[0], strict=True) if n >= 0]
    node_t = np.min([s + dijkstra(net.csgraph(), directed=True, indices=n) for n, s in seeds], axis=0)
    secs = np.full(len(grid), np.inf)
    for k in range(d_nodes.shape[1]):
        ok = d_nodes[:, k] >= 0
        secs[ok] = np.minimum(secs[ok], node_t[d_nodes[ok, k]] + d_secs[ok, k])
    e = int(o.edge[0])  # cells on the origin's own edge: the direct trip along it
    rev = int(reverse_edges(net)[e])
    for i in np.flatnonzero(d.edge == e):
        t_o, t_d = float(o.frac[0]), float(d.frac[i])
        along = (t_d - t_o) * net.seconds[e] if t_d >= t_o else ((t_o - t_d) * net.seconds[rev] if rev >= 0 else np.inf)
        secs[i] = min(secs[i], o.access_seconds[0] + along + d.access_seconds[i])
    pop = grid["population"].to_numpy(dtype=float)
    for t in (30.0, 45.0):
        assert got["population_within"][t] == int(round(pop[secs <= t * 60].sum()))
        assert got["cells_within"][t] == int((secs <= t * 60).sum())
    # the car reaches far more people than the bus (26,335 within 30 minutes, docs/transit.md)
    assert got["population_within"][30.0] > 100_000
    assert got["population_within"][30.0] < got["population_within"][45.0] <= pop.sum()
