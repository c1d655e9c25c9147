"""Catchment polygons: raster method against the exact vector rule, and the real-data runs."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from geoaccess.errors import InputError, ReachWarning


def _grid_network(k: int = 15, seed: int = 5, shapes: bool = False):
    from geoaccess.network.graph import Network

    rng = np.random.default_rng(seed)
    ids = np.arange(k * k).reshape(k, k)
    t, h = [], []
    for a, b in [(ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])]:
        t += [a.ravel(), b.ravel()]
        h += [b.ravel(), a.ravel()]
    tails, heads = np.concatenate(t), np.concatenate(h)
    xs, ys = np.meshgrid(np.arange(k) * 200.0, np.arange(k) * 200.0)
    x, y = xs.ravel() + 500_000.0, ys.ravel() + 6_600_000.0
    secs = rng.uniform(10, 60, len(tails))
    shp = None
    if shapes:  # bend every edge through a vertex offset 40 m sideways
        mid = np.column_stack([(x[tails] + x[heads]) / 2, (y[tails] + y[heads]) / 2])
        normal = np.column_stack([-(y[heads] - y[tails]), x[heads] - x[tails]]) / 200.0 * 40.0
        shp = [mid[i : i + 1] + normal[i : i + 1] for i in range(len(tails))]
    return Network.from_edges(tails, heads, seconds=secs, x=x, y=y, crs="EPSG:25833", shapes=shp)


@pytest.mark.parametrize("shapes", [False, True])
def test_raster_within_one_cell_of_exact_rule(shapes):
    import shapely
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.catchment import _vector_polygons, catchments_from_node_times

    net = _grid_network(shapes=shapes)
    walk, cell = 80.0, 20.0
    d = dijkstra(net.csgraph(), indices=7)
    thresholds = [3.0, 6.0]
    raster = catchments_from_node_times(net, d, thresholds_minutes=thresholds, walk_off_m=walk, cell_m=cell)
    exact = _vector_polygons(net, d, [t * 60 for t in thresholds], "nested", walk, [])
    tol = cell * (math.sqrt(2) + 0.5) + 1e-6
    for r, e in zip(raster, exact, strict=False):
        assert r.is_valid and not r.is_empty
        # raster ⊆ exact ⊕ tol and exact ⊖ tol ⊆ raster (the documented bound)
        assert shapely.difference(r, e.buffer(tol)).area < 1e-3
        assert shapely.difference(e.buffer(-tol), r).area < 1e-3
        assert abs(r.area - e.area) / e.area < 0.1


def test_partially_reached_edge_is_cut_at_threshold():
    """A single 1 km edge taking 100 s: after 30 s the reached piece is 300 m long."""
    import shapely

    from geoaccess.engine.catchment import catchments_from_node_times, reached_pieces
    from geoaccess.network.graph import Network

    net = Network.from_edges([0], [1], seconds=[100.0], x=[0.0, 1000.0], y=[0.0, 0.0], crs="EPSG:25833")
    times = np.array([0.0, np.inf])
    pieces = reached_pieces(net, times, 30.0)
    assert len(pieces) == 1 and pieces[0].length == pytest.approx(300.0)
    (poly,) = catchments_from_node_times(net, times, thresholds_minutes=[0.5], walk_off_m=50.0, cell_m=10.0)
    minx, _, maxx, maxy = poly.bounds
    # exact: x in [-50, 350], y in [-50, 50]; raster within a cell diagonal (+ sample step)
    assert minx == pytest.approx(-50, abs=25) and maxx == pytest.approx(350, abs=25)
    assert maxy == pytest.approx(50, abs=25)
    assert not shapely.contains_xy(poly, 500.0, 0.0)
    assert shapely.contains_xy(poly, 250.0, 0.0)


def test_rings_partition_the_outer_nested_polygon():
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.catchment import catchments_from_node_times

    net = _grid_network()
    d = dijkstra(net.csgraph(), indices=100)
    nested = catchments_from_node_times(net, d, thresholds_minutes=[2, 4, 6], walk_off_m=60.0, bands="nested")
    rings = catchments_from_node_times(net, d, thresholds_minutes=[2, 4, 6], walk_off_m=60.0, bands="rings")
    assert sum(r.area for r in rings) == pytest.approx(nested[-1].area, rel=1e-9)
    assert rings[0].area == pytest.approx(nested[0].area)
    assert rings[1].intersection(rings[0]).area < 1e-6
    assert nested[0].area < nested[1].area < nested[2].area


def test_unreached_network_gives_empty_polygons():
    from geoaccess.engine.catchment import catchments_from_node_times

    net = _grid_network(k=4)
    polys = catchments_from_node_times(net, np.full(net.n_nodes, np.inf), thresholds_minutes=[10], walk_off_m=50.0)
    assert polys[0].is_empty


@pytest.mark.parametrize("bad", ["0", "-5", "abc", [15, 0], float("nan"), ""])
def test_bad_thresholds_rejected(bad):
    from geoaccess.engine.matrix import check_minutes

    with pytest.raises(InputError, match="minutes"):
        check_minutes(bad, what="--minutes")


def test_thresholds_parsed_sorted():
    from geoaccess.engine.matrix import check_minutes

    assert check_minutes("45, 15,30") == (15.0, 30.0, 45.0)
    assert check_minutes(10) == (10.0,)


# ------------------------------------------------------------------ real data: eastern Oslo walk network
@pytest.fixture(scope="module")
def walk_net(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="walk")


@pytest.fixture(scope="module")
def homes(walk_net):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(4)
    pick = rng.integers(0, walk_net.n_nodes, 4)
    pts = shapely.points(walk_net.x[pick] + 30, walk_net.y[pick] - 20)
    return gpd.GeoDataFrame({"hid": ["a", "b", "c", "d"]}, geometry=pts, crs=walk_net.crs).to_crs("EPSG:4326")


def test_real_catchments_follow_reached_network(walk_net, homes):
    """Polygons lie within walk-off (+ tolerance) of the exactly cut reached network and cover it."""
    import shapely
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine import catchments
    from geoaccess.engine.catchment import reached_pieces
    from geoaccess.network.snap import snap_points

    walk = 100.0
    gdf = catchments(walk_net, homes, thresholds_minutes=(5, 10), origin_id="hid", walk_off_m=walk)
    assert list(gdf.columns) == ["origin_id", "minutes", "geometry"]
    assert gdf.crs == walk_net.crs and len(gdf) == 8
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
    cell = gdf.attrs["catchment_rule"]["cell_m"]
    tol = cell * (math.sqrt(2) + 1.5)
    sn = snap_points(walk_net, homes, id_column="hid")
    nodes, offs = sn.origin_seeds(walk_net)
    graph = walk_net.csgraph()
    all_xy = shapely.points(walk_net.x, walk_net.y)
    for i, hid in enumerate(homes["hid"]):
        ok = nodes[i] >= 0
        d = dijkstra(graph, indices=nodes[i][ok], limit=700.0)
        node_t = (d + offs[i][ok][:, None]).min(axis=0)
        for T in (5, 10):
            poly = gdf[(gdf.origin_id == hid) & (gdf.minutes == T)].geometry.iloc[0]
            pieces = reached_pieces(walk_net, node_t, T * 60.0)
            pieces = np.concatenate([pieces, [shapely.Point(sn.x[i], sn.y[i])]])
            tree = shapely.STRtree(pieces)
            # every boundary vertex lies within walk-off (+ tolerance) of the reached network ...
            boundary = shapely.points(shapely.get_coordinates(poly.boundary))
            _, dist = tree.query_nearest(boundary, return_distance=True, all_matches=False)
            assert dist.max() <= walk + tol
            # ... every reached node is covered ...
            reached = node_t <= T * 60.0
            assert shapely.contains_xy(poly.buffer(tol), walk_net.x[reached], walk_net.y[reached]).all()
            # ... and nodes farther than walk-off + tolerance from it are outside
            (idx, _), dn = tree.query_nearest(all_xy, return_distance=True, all_matches=False)
            far = np.zeros(walk_net.n_nodes, dtype=bool)
            far[idx] = dn > walk + tol
            assert far.any()
            assert not shapely.contains_xy(poly, walk_net.x[far], walk_net.y[far]).any()
    big = gdf.pivot(index="origin_id", columns="minutes", values="geometry")
    assert all(big.loc[h, 10.0].area > big.loc[h, 5.0].area for h in big.index)


def test_rings_and_gpkg_round_trip(walk_net, homes, tmp_path):
    import geopandas as gpd

    from geoaccess.engine import catchments
    from geoaccess.engine.catchment import write_catchments

    rings = catchments(walk_net, homes.iloc[:2], thresholds_minutes="5,10,15", bands="rings")
    assert list(rings.columns) == ["origin_id", "minutes", "min_minutes", "geometry"]
    assert rings["min_minutes"].tolist() == [0.0, 5.0, 10.0] * 2
    path = write_catchments(rings, tmp_path / "rings.gpkg")
    back = gpd.read_file(path)
    assert len(back) == 6 and back.crs == walk_net.crs
    np.testing.assert_allclose(back.geometry.area.to_numpy(), rings.geometry.area.to_numpy(), rtol=1e-9)
    assert [p.name for p in tmp_path.iterdir()] == ["rings.gpkg"]
    with pytest.raises(InputError, match=".gpkg"):
        write_catchments(rings, tmp_path / "rings.shp")


def test_catchment_bad_input(walk_net, homes):
    import shapely

    from geoaccess.engine import catchments

    with pytest.raises(InputError, match="origins layer is empty"):
        catchments(walk_net, homes.iloc[:0])
    with pytest.raises(InputError, match="minutes"):
        catchments(walk_net, homes, thresholds_minutes="-5")
    with pytest.raises(InputError, match="walk_off_m"):
        catchments(walk_net, homes, walk_off_m=0)
    far = homes.to_crs(walk_net.crs).copy()
    far.loc[len(far)] = ["far", shapely.Point(walk_net.x.max() + 50_000, walk_net.y.max())]
    with pytest.warns(ReachWarning, match="far"):
        gdf = catchments(walk_net, far, thresholds_minutes=5, origin_id="hid")
    far_row = gdf.set_index("origin_id").loc["far"]
    assert far_row.geometry is None  # off the network: no catchment (missing, so counts are NaN, not 0)
