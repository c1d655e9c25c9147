"""Counting population inside polygons: centre rule, area rule, raster windows, on the real Oslo grid."""

from __future__ import annotations

import warnings

import numpy as np
import pytest


@pytest.fixture(scope="module")
def oslo_grid(dataset):
    from geoaccess.layers.population import read_ssb_grid

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return read_ssb_grid(dataset("population/befolkning_250m_2023_oslo.shp"))


@pytest.fixture(scope="module")
def polygons(oslo_grid):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(11)
    b = oslo_grid.total_bounds
    xs = rng.uniform(b[0], b[2], 25)
    ys = rng.uniform(b[1], b[3], 25)
    geoms = shapely.buffer(shapely.points(xs, ys), rng.uniform(300, 3000, 25), quad_segs=6)
    geoms[3] = shapely.MultiPolygon()  # an empty catchment (unsnapped origin) counts 0
    return gpd.GeoDataFrame({"origin_id": np.arange(25)}, geometry=geoms, crs="EPSG:25833")


def _brute_centre(polys, grid):
    import shapely

    centres = grid.geometry.centroid.to_numpy()
    w = grid["population"].to_numpy()
    return np.array([w[shapely.intersects(p, centres)].sum() if not p.is_empty else 0.0 for p in polys.geometry])


def test_centre_rule_matches_brute_force(polygons, oslo_grid):
    from geoaccess.engine.counting import count_in_catchments

    got = count_in_catchments(polygons, oslo_grid, weight="population")
    np.testing.assert_allclose(got["population"].to_numpy(), _brute_centre(polygons, oslo_grid))
    assert got.loc[3, "population"] == 0
    assert got["population"].sum() > 0


def test_area_rule_matches_per_cell_shares(polygons, oslo_grid):
    from geoaccess.engine.counting import count_in_catchments

    got = count_in_catchments(polygons, oslo_grid, weight="population", rule="area")["population"].to_numpy()
    w = oslo_grid["population"].to_numpy()
    cells = oslo_grid.geometry.to_numpy()
    for i in (0, 5, 17):
        p = polygons.geometry.iloc[i]
        share = np.array([c.intersection(p).area for c in cells]) / (250.0 * 250.0)
        assert got[i] == pytest.approx((w * share).sum(), rel=1e-9)


def test_area_rule_equals_total_on_whole_extent(oslo_grid):
    import geopandas as gpd
    import shapely

    from geoaccess.engine.counting import count_in_catchments

    everything = gpd.GeoDataFrame(geometry=[shapely.box(*oslo_grid.total_bounds).buffer(10)], crs=oslo_grid.crs)
    for rule in ("centre", "area"):
        got = count_in_catchments(everything, oslo_grid, weight="population", rule=rule)
        assert got["population"].iloc[0] == pytest.approx(707_339)


def test_points_and_other_crs(polygons, oslo_grid):
    from geoaccess.engine.counting import count_in_catchments

    pts = oslo_grid.set_geometry(oslo_grid.geometry.centroid).to_crs("EPSG:4326")
    got = count_in_catchments(polygons, pts, weight="population")
    np.testing.assert_allclose(got["population"].to_numpy(), _brute_centre(polygons, oslo_grid), rtol=1e-12)


def test_raster_window_count_matches_centre_rule(polygons, oslo_grid, tmp_path):
    from geoaccess.engine.counting import (
        count_in_catchments,
        count_raster_in_catchments,
    )
    from geoaccess.layers.population import grid_to_raster

    tif = grid_to_raster(oslo_grid, tmp_path / "pop.tif")
    got = count_raster_in_catchments(polygons, tif)
    expect = count_in_catchments(polygons, oslo_grid, weight="population")["population"].to_numpy()
    np.testing.assert_allclose(got, expect, rtol=1e-6)
    # in another CRS the polygons are transformed to the raster's
    got4326 = count_raster_in_catchments(polygons.to_crs("EPSG:32632"), tif)
    assert np.abs(got4326 - expect).sum() / expect.sum() < 0.02


def test_missing_weight_column_names_it(polygons, oslo_grid):
    from geoaccess.engine.counting import count_in_catchments
    from geoaccess.errors import InputError

    with pytest.raises(InputError, match="'persons'"):
        count_in_catchments(polygons, oslo_grid, weight="persons")


# ------------------------------------------------------------------ reached population (surface rule)
@pytest.fixture(scope="module")
def walk_net(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="walk")


@pytest.fixture(scope="module")
def origins(walk_net):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(8)
    pick = rng.integers(0, walk_net.n_nodes, 6)
    pts = shapely.points(walk_net.x[pick] + rng.uniform(-50, 50, 6), walk_net.y[pick] + rng.uniform(-50, 50, 6))
    return gpd.GeoDataFrame({"oid": list("abcdef")}, geometry=pts, crs=walk_net.crs)


def test_reached_population_equals_brute_force_cells_within_threshold(walk_net, origins, oslo_grid):
    """Catchment population = population of cells whose centre time (access incl.) <= T (scipy oracle)."""
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.surface import reached_population
    from geoaccess.network.snap import snap_points

    minutes = (10, 20, 30)
    got = reached_population(walk_net, origins, oslo_grid, thresholds_minutes=minutes, origin_id="oid")
    assert list(got.columns) == ["origin_id", "minutes", "population", "cells"]
    so = snap_points(walk_net, origins, id_column="oid")
    o_nodes, o_offs = so.origin_seeds(walk_net)
    centres = oslo_grid.set_geometry(oslo_grid.geometry.centroid)
    sc = snap_points(walk_net, centres, id_column="cell_id")
    c_nodes, c_offs = sc.destination_seeds(walk_net)
    d = dijkstra(walk_net.csgraph(), indices=o_nodes.ravel())  # every origin seed
    d = d.reshape(len(origins), 2, walk_net.n_nodes) + o_offs[:, :, None]
    node_t = d.min(axis=1)  # (O, n)
    cell_t = np.full((len(origins), len(oslo_grid)), np.inf)
    for j in range(2):
        ok = c_nodes[:, j] >= 0
        cell_t[:, ok] = np.minimum(cell_t[:, ok], node_t[:, c_nodes[ok, j]] + c_offs[ok, j])
    # direct trips along a shared edge
    for i in range(len(origins)):
        same = np.flatnonzero(sc.edge == so.edge[i])
        for c in same:
            if sc.frac[c] >= so.frac[i]:
                e = so.edge[i]
                direct = so.access_seconds[i] + (sc.frac[c] - so.frac[i]) * walk_net.seconds[e] + sc.access_seconds[c]
                cell_t[i, c] = min(cell_t[i, c], direct)
    w = oslo_grid["population"].to_numpy()
    for i, oid in enumerate("abcdef"):
        for T in minutes:
            inside = cell_t[i] <= T * 60.0
            row = got[(got.origin_id == oid) & (got.minutes == T)]
            assert row["cells"].iloc[0] == inside.sum()
            assert row["population"].iloc[0] == pytest.approx(w[inside].sum())
    assert got["population"].max() > 1000  # the eastern-Oslo walk catchments do reach people


def test_surface_table_access_leg(walk_net, origins, oslo_grid):
    from geoaccess.engine.surface import travel_time_surface

    s = travel_time_surface(walk_net, origins.iloc[:2], oslo_grid, origin_id="oid", cutoff_minutes=40)
    assert list(s.columns) == ["origin_id", "cell_id", "minutes", "access_minutes"]
    assert len(s) == 2 * len(oslo_grid)
    reached = s.dropna(subset=["minutes"])
    assert len(reached) > 50 and (reached["minutes"] <= 40).all()
    assert (reached["access_minutes"] <= reached["minutes"] + 1e-9).all()
    # a cell centre 250 m/2 from any road needs at most ~ (125 * sqrt 2) m / (5 km/h) of access walk
    assert reached["access_minutes"].min() >= 0
    # cells far outside the eastern-Oslo extract are not snapped: NaN access and time
    assert s["access_minutes"].isna().any() and s["minutes"].isna().any()
