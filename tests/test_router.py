"""The prepared router: exact times for points at nodes, one counting rule, scenarios snapping to the base,
the checked CH cache, DIMACS without coordinates, and matrices written in bounded memory.

Oracles: scipy.sparse.csgraph.dijkstra on the saved CSR arrays, hand-computed tiny graphs, and the
in-memory matrix for the streamed one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from geoaccess.errors import CacheWarning, InputError, LimitError

OKERN = (10.8080, 59.9285, "EPSG:4326")


@pytest.fixture(scope="module", params=["car", "walk"])
def saved_net(request, dataset, tmp_path_factory):
    """The eastern-Oslo network, saved to .npz and read back (the saved CSR arrays are the oracle's input)."""
    from geoaccess.network.build import build_network
    from geoaccess.network.cache import load_npz

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode=request.param)
    path = tmp_path_factory.mktemp("net") / f"{request.param}.npz"
    net.to_npz(str(path))
    return load_npz(path)


# ------------------------------------------------------------------ points at nodes
def test_points_at_nodes_give_exactly_the_node_to_node_times(saved_net):
    """150 random nodes as points (in the network CRS and in lon/lat): every pair equals scipy's node-to-node time.

    Before the fix, on the car network 1,495 of 22,500 pairs were longer (by up to 299 s): a point at the tail
    of a one-way edge lost its node as an origin seed (and at the head as a destination seed).
    """
    import geopandas as gpd
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.router import Router

    net = saved_net
    rng = np.random.default_rng(0)
    pick = rng.choice(net.n_nodes, 150, replace=False)
    pts = gpd.GeoDataFrame({"node": pick}, geometry=gpd.points_from_xy(net.x[pick], net.y[pick]), crs=net.crs)
    # oracle: scipy on the saved CSR arrays directly (parallel edges: the fastest)
    order = np.lexsort((net.seconds, net.indices, net.tails))
    t, h, w = net.tails[order], net.indices[order], net.seconds[order]
    first = np.ones(len(t), dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    graph = csr_matrix((w[first], (t[first], h[first])), shape=(net.n_nodes, net.n_nodes))
    expect = dijkstra(graph, indices=pick)[:, pick]
    router = Router(net, turns="ignore")  # node to node (turn-aware exactness: tests/test_turn_graph.py)
    for layer in (pts, pts.to_crs("EPSG:4326")):
        snapped = router.snap(layer, id_column="node")
        assert (snapped.snap_metres < 1e-3).all()
        got = router.matrix(snapped).seconds
        np.testing.assert_allclose(got, expect, rtol=0, atol=1e-6)


def test_one_way_street_node_seeds_by_hand():
    """0 -> 1 one-way (100 s), 1 <-> 2 (50 s), 2 -> 0 (30 s): a point at node 0 leaves from 0, one at 1 arrives at 1."""
    import geopandas as gpd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network

    x = np.array([0.0, 1000.0, 1000.0]) + 500_000
    y = np.array([0.0, 0.0, 1000.0]) + 6_600_000
    net = Network.from_edges([0, 1, 2, 2], [1, 2, 1, 0], seconds=[100.0, 50.0, 50.0, 30.0], x=x, y=y,
                             crs="EPSG:25833")
    pts = gpd.GeoDataFrame({"id": ["n0", "n1", "n2"]}, geometry=gpd.points_from_xy(x, y), crs=net.crs)
    router = Router(net, cache=False)
    s = router.snap(pts, id_column="id")
    got = router.matrix(s).seconds
    expect = np.array([[0, 100, 150], [80, 0, 50], [30, 50, 0]], dtype=float)
    np.testing.assert_allclose(got, expect, atol=1e-9)


# ------------------------------------------------------------------ prepared once
def test_second_query_pays_no_setup(saved_net, monkeypatch):
    import geopandas as gpd

    import geoaccess.engine.ch as ch_mod
    import geoaccess.network.snap as snap_mod
    from geoaccess.engine import travel_time_matrix
    from geoaccess.engine.router import Router

    net = saved_net
    rng = np.random.default_rng(3)
    pick = rng.choice(net.n_nodes, 20, replace=False)
    pts = gpd.GeoDataFrame({"i": np.arange(20)}, geometry=gpd.points_from_xy(net.x[pick] + 7, net.y[pick] - 4),
                           crs=net.crs)
    Router.clear()
    first = travel_time_matrix(net, pts, output="array")
    calls = {"ch": 0, "index": 0}
    real_for_network, real_init = ch_mod.ContractionHierarchy.for_network, snap_mod.SnapIndex.__init__

    def count_ch(*a, **k):
        calls["ch"] += 1
        return real_for_network(*a, **k)

    def count_index(self, *a, **k):
        calls["index"] += 1
        real_init(self, *a, **k)

    monkeypatch.setattr(ch_mod.ContractionHierarchy, "for_network", count_ch)
    monkeypatch.setattr(snap_mod.SnapIndex, "__init__", count_index)
    again = travel_time_matrix(net, pts, output="array")
    router = Router.for_network(net)
    router.matrix(router.snap(pts))
    assert calls == {"ch": 0, "index": 0}
    np.testing.assert_array_equal(first.seconds, again.seconds)


def test_layer_snapped_to_another_network_is_refused(saved_net):
    import geopandas as gpd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network

    other = Network.from_edges([0, 1], [1, 0], seconds=[10.0, 10.0], x=saved_net.x[:2], y=saved_net.y[:2],
                               crs=saved_net.crs)
    pts = gpd.GeoDataFrame({"i": [0]}, geometry=gpd.points_from_xy(saved_net.x[:1], saved_net.y[:1]),
                           crs=saved_net.crs)
    mine = Router(other, cache=False).snap(pts)
    with pytest.raises(InputError, match="snapped to another network"):
        Router.for_network(saved_net).matrix(mine)


# ------------------------------------------------------------------ scenario routers
def _line_network():
    """A straight two-way road 0-1-2-3 (1 km links, 60 s each, way ids 10, 11, 12) and a detour 0-4-3."""
    from geoaccess.network.graph import Network

    x = np.array([0, 1000, 2000, 3000, 1500.0]) + 500_000
    y = np.array([0, 0, 0, 0, 2000.0]) + 6_600_000
    t = [0, 1, 1, 2, 2, 3, 0, 4, 4, 3]
    h = [1, 0, 2, 1, 3, 2, 4, 0, 3, 4]
    way = [10, 10, 11, 11, 12, 12, 20, 20, 21, 21]
    return Network.from_edges(t, h, seconds=[60.0] * 6 + [200.0] * 4, x=x, y=y, crs="EPSG:25833", way_id=way)


def test_scenario_router_snaps_to_base_and_reads_edited_times():
    import geopandas as gpd

    from geoaccess.engine.router import Router
    from geoaccess.scenario.edit import apply_scenario
    from geoaccess.scenario.spec import parse_spec

    base = _line_network()
    x0, y0 = 500_000.0, 6_600_000.0
    pts = gpd.GeoDataFrame({"id": ["a", "mid11"]}, geometry=gpd.points_from_xy([x0, x0 + 1500], [y0, y0 + 10]),
                           crs=base.crs)
    faster = apply_scenario(base, parse_spec({"name": "f", "edits": [{"type": "speed", "way_ids": [11], "factor": 2}]}))
    closed = apply_scenario(base, parse_spec({"name": "c", "edits": [{"type": "close", "way_ids": [11]}]}))
    b = Router(base, cache=False)
    s = b.snap(pts, id_column="id")
    acc = 10 / (5 / 3.6)
    # base: a -> mid11 = 60 (link 10) + 30 (half of link 11) + access
    assert b.matrix(s).seconds[0, 1] == pytest.approx(90 + acc)
    f = Router(faster, base=base, cache=False)
    assert f.matrix(s).seconds[0, 1] == pytest.approx(60 + 15 + acc)  # the home on the sped-up road gains too
    c = Router(closed, base=base, cache=False)
    with pytest.warns(UserWarning, match="mid11"):
        tt = c.matrix(s).seconds
    # still on the closed road (not re-snapped elsewhere): no seed is left, so it is unreachable, never 0
    assert np.isinf(tt[1]).all() and np.isinf(tt[:, 1]).all()
    assert tt[0, 0] == 0.0  # "a" sits on node 0
    with pytest.raises(InputError, match="same nodes"):
        Router(_line_network().subgraph(np.arange(4)), base=base, cache=False)


def test_compare_times_snaps_once_to_the_base(dataset):
    """Scenario comparison = the base router's and the scenario router's matrices of the same snapped layers."""
    from geoaccess.engine.router import Router
    from geoaccess.examples import scenario_dir
    from geoaccess.network.build import build_network
    from geoaccess.regions.enlargement import centre_points
    from geoaccess.scenario.compare import compare_times
    from geoaccess.scenario.edit import apply_scenario
    from geoaccess.scenario.spec import read_spec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        base = build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="car")
    scen = apply_scenario(base, read_spec(scenario_dir() / "oslo_east_new_link.toml"))
    import geopandas as gpd

    rng = np.random.default_rng(2)
    pick = rng.choice(base.n_nodes, 300, replace=False)
    cells = gpd.GeoDataFrame({"cell_id": np.arange(300), "population": rng.integers(0, 50, 300).astype(float)},
                             geometry=gpd.points_from_xy(base.x[pick] + 20, base.y[pick]), crs=base.crs)
    centre = centre_points(OKERN, name="Økern")
    times = compare_times(base, scen, centre, cells=cells, origin_id="origin_id")
    b = Router.for_network(base)
    src, dst = b.snap(centre, id_column="origin_id"), b.snap(cells, id_column="cell_id")
    s = Router.for_network(scen, base=base)
    np.testing.assert_array_equal(times.before, b.matrix(src, dst).seconds)
    np.testing.assert_array_equal(times.after, s.matrix(src, dst).seconds)
    assert (times.after <= times.before + 1e-9).all() and (times.after < times.before - 1).any()


# ------------------------------------------------------------------ one counting rule
@pytest.fixture(scope="module")
def oslo_car(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="car")


@pytest.fixture(scope="module")
def oslo_grid(dataset):
    from geoaccess.layers.population import read_ssb_grid

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return read_ssb_grid(dataset("population/befolkning_250m_2023_oslo.shp"))


def test_one_counting_rule_for_catchment_scenario_and_reached_population(oslo_car, oslo_grid, tmp_path):
    """Økern, 30 minutes by car: the catchment command, the scenario comparison and reached_population agree.

    Before, they gave 276,416 (cells whose centre lies in the polygon) and 374,777 (door-to-door <= T).
    """
    import geopandas as gpd
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app
    from geoaccess.engine.counting import COUNTING_RULE
    from geoaccess.engine.surface import reached_population
    from geoaccess.regions.enlargement import centre_points
    from geoaccess.scenario.compare import compare_times

    centre = centre_points(OKERN, name="Økern")
    rp = reached_population(oslo_car, centre, oslo_grid, thresholds_minutes=(10, 30), origin_id="origin_id")
    assert rp.attrs["counting_rule"] == COUNTING_RULE
    comp = compare_times(oslo_car, oslo_car, centre, cells=oslo_grid, origin_id="origin_id").reach(
        thresholds_minutes=(10, 30), weights=["population"])
    np.testing.assert_allclose(comp["before"], rp["population"])
    npz = tmp_path / "net.npz"
    oslo_car.to_npz(str(npz))
    pts = tmp_path / "okern.geojson"
    centre.to_file(pts)
    _register()
    out = tmp_path / "c.gpkg"
    res = CliRunner().invoke(app, ["catchment", str(npz), "--origins", str(pts), "--origin-id", "origin_id",
                                   "--thresholds-minutes", "10,30", "--population",
                                   "population/befolkning_250m_2023_oslo.shp", "--out", str(out)])
    assert res.exit_code == 0, res.output
    g = gpd.read_file(out).sort_values("minutes")
    np.testing.assert_allclose(g["population"], rp["population"])
    assert (g["counting_rule"] == COUNTING_RULE).all()
    assert "door to door" in res.output
    assert rp["population"].iloc[1] == pytest.approx(374_777)  # every cell within 1 km of the extract's roads


def test_catchment_polygons_stop_growing_once_everything_is_reached(oslo_car):
    """Økern by car reaches every node within ~15 minutes, so the 30/45/60-minute polygons are the same.

    Before, interpolating one multi-class field let them grow: 36.7 / 37.9 / 39.0 km².
    """
    from geoaccess.engine.router import Router
    from geoaccess.regions.enlargement import centre_points

    router = Router.for_network(oslo_car)
    origin = router.snap(centre_points(OKERN, name="Økern"))
    assert np.nanmax(router.surface(origin)) < 30 * 60
    for bands in ("nested", "rings"):
        g = router.catchments(origin, thresholds_minutes=(10, 30, 45, 60), bands=bands)
        area = g.geometry.area.to_numpy()
        if bands == "nested":
            assert area[0] < area[1]
            np.testing.assert_allclose(area[1:], area[1], rtol=0, atol=1e-6)
        else:
            assert area[1] > 0 and np.allclose(area[2:], 0.0)


def test_count_in_catchments_is_nan_for_an_unsnapped_site(oslo_car, oslo_grid):
    import geopandas as gpd
    import shapely

    from geoaccess.engine import catchments
    from geoaccess.engine.counting import count_in_catchments

    sites = gpd.GeoDataFrame({"id": ["on", "far"]}, geometry=[
        shapely.Point(oslo_car.x[0] + 5, oslo_car.y[0]), shapely.Point(oslo_car.x.max() + 40_000, oslo_car.y[0])],
        crs=oslo_car.crs)
    with pytest.warns(UserWarning, match="far"):
        polys = catchments(oslo_car, sites, thresholds_minutes=(5,), origin_id="id")
    counted = count_in_catchments(polys, oslo_grid, weight="population").set_index("origin_id")
    assert np.isnan(counted.loc["far", "population"])
    assert counted.loc["on", "population"] > 0


# ------------------------------------------------------------------ CH cache integrity
def test_edited_but_valid_ch_cache_is_detected_and_rebuilt(tmp_path, monkeypatch):
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.ch import ContractionHierarchy, network_fingerprint

    monkeypatch.setenv("GEOACCESS_CACHE", str(tmp_path))
    net = _line_network()
    ch = ContractionHierarchy.for_network(net)
    path = tmp_path / "ch" / f"{network_fingerprint(net)}.npz"
    assert path.is_file()
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["up_weights"] = arrays["up_weights"] / 2  # still a valid zip with the right keys and shapes
    arrays["down_weights"] = arrays["down_weights"] / 2
    np.savez(path, **arrays)
    with pytest.warns(CacheWarning, match="SHA-256"):
        again = ContractionHierarchy.for_network(net)
    nodes = np.arange(net.n_nodes, dtype=np.int32)
    np.testing.assert_allclose(again.many_to_many(nodes, None, nodes, None),
                               dijkstra(net.csgraph(), indices=nodes), atol=1e-9)
    np.testing.assert_array_equal(again.up_weights, ch.up_weights)
    ContractionHierarchy.load(path)  # rebuilt and rewritten: loads cleanly


# ------------------------------------------------------------------ DIMACS without coordinates
def test_dimacs_without_co_routes_and_says_when_coordinates_are_needed(tmp_path):
    import geopandas as gpd
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.router import Router
    from geoaccess.network.dimacs import read_dimacs

    gr = tmp_path / "dist.gr"
    gr.write_text("c distance graph without coordinates\np sp 4 5\na 1 2 7\na 2 3 5\na 3 4 2\na 4 1 9\na 1 3 20\n")
    net = read_dimacs(gr, weight_unit_s=1.0)
    assert not net.has_coordinates and net.meta["coordinates"] is None
    router = Router(net, cache=False)
    nodes = np.arange(4, dtype=np.int32)
    np.testing.assert_allclose(router.hierarchy.many_to_many(nodes, None, nodes, None),
                               dijkstra(net.csgraph(), indices=nodes))
    pts = gpd.GeoDataFrame({"i": [0]}, geometry=gpd.points_from_xy([0.0], [0.0]), crs="EPSG:4326")
    with pytest.raises(InputError, match=r"needs node coordinates.*\.co file"):
        router.snap(pts)
    with pytest.raises(InputError, match="Catchment polygons needs node coordinates"):
        router.catchment_grid(cell_m=100.0, pad_m=100.0)


# ------------------------------------------------------------------ matrices in bounded memory
def test_streamed_matrix_equals_in_memory_matrix(oslo_car, tmp_path, monkeypatch):
    import geopandas as gpd
    import pandas as pd
    import pyarrow.parquet as pq

    from geoaccess.engine.matrix_writer import estimate_matrix, write_matrix
    from geoaccess.engine.router import Router

    router = Router.for_network(oslo_car)
    rng = np.random.default_rng(5)
    pick = rng.choice(oslo_car.n_nodes, 150, replace=False)
    pts = gpd.GeoDataFrame({"pid": [f"p{i}" for i in range(150)]},
                           geometry=gpd.points_from_xy(oslo_car.x[pick] + 30, oslo_car.y[pick] + 12), crs=oslo_car.crs)
    s = router.snap(pts, id_column="pid")
    whole = router.matrix(s).to_table()
    import geoaccess.engine.matrix_writer as mw

    monkeypatch.setattr(mw, "_rss_bytes", lambda: 300 * 2**20)  # the plan's arithmetic, without RSS drift
    big = estimate_matrix(router, s, s, memory_budget_mb=4096)
    small = estimate_matrix(router, s, s, memory_budget_mb=(big.fixed_bytes + 20 * 150 * 10) / 2**20)
    assert big.blocks == 1 and small.block_origins == 20 and small.blocks == 8
    assert small.memory_bytes <= small.budget_bytes
    monkeypatch.undo()
    seen = []
    res = write_matrix(router, s, s, tmp_path / "m.parquet", block_origins=13, on_estimate=seen.append)
    assert seen[0].blocks == 12 and res["rows"] == 150 * 150
    assert pq.ParquetFile(tmp_path / "m.parquet").num_row_groups == 12
    back = pd.read_parquet(tmp_path / "m.parquet")
    pd.testing.assert_frame_equal(back, whole, check_dtype=False)
    write_matrix(router, s, s, tmp_path / "m.csv", block_origins=13)
    # CSV minutes are rounded to 0.1 (TEXT_MINUTES_DECIMALS); Parquet keeps them as computed
    np.testing.assert_array_equal(pd.read_csv(tmp_path / "m.csv")["minutes"], whole["minutes"].round(1))
    sparse = write_matrix(router, s, s, tmp_path / "s.parquet", cutoff_minutes=4.0, block_origins=13)
    got = pd.read_parquet(tmp_path / "s.parquet")
    want = whole[whole["minutes"] <= 4.0].reset_index(drop=True)
    assert sparse["rows"] == len(want) < len(whole)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    with pytest.raises(LimitError, match="memory-budget-mb"):
        write_matrix(router, s, s, tmp_path / "x.parquet", memory_budget_mb=1.0)
    assert not (tmp_path / "x.parquet").exists()
