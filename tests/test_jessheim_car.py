"""Residents within 30/45 minutes by car of Jessheim on N1000, against scipy's Dijkstra on the same graph."""

from __future__ import annotations

import warnings

import pytest
from point_oracle import one_to_points_seconds


@pytest.mark.usefixtures("dataset")
def test_jessheim_car_counts_equal_a_scipy_brute_force():
    import geopandas as gpd
    from shapely.geometry import Point

    from geoaccess.examples.jessheim_car import N1000_ROADS, car_population_within
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.national.matrix import DEFAULT_ACCESS_SPEED_KMH, DEFAULT_CELL_SNAP_M
    from geoaccess.network.build import build_network
    from geoaccess.network.snap import snap_points

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
    secs = one_to_points_seconds(net, net, o, d)
    pop = grid["population"].to_numpy(dtype=float)
    for t in (30.0, 45.0):
        assert got["population_within"][t] == int(round(pop[secs <= t * 60].sum()))
        assert got["cells_within"][t] == int((secs <= t * 60).sum())
    # the car reaches far more people than the bus (26,335 within 30 minutes, docs/transit.md)
    assert got["population_within"][30.0] > 100_000
    assert got["population_within"][30.0] < got["population_within"][45.0] <= pop.sum()
