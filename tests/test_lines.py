"""Line layers (NVDB speed limits, GeoJSON/GeoPackage) → noded networks."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString

from geoaccess.errors import CRSError, DataWarning, InputError
from geoaccess.network.lines import read_lines, read_nvdb_speed_limits

HAMAR = "roads/hamar_nvdb_speed_limits_2018.geojson"


def _gdf(lines, speeds, crs="EPSG:25833", **cols):
    return gpd.GeoDataFrame({"speed": speeds, **cols}, geometry=[LineString(c) for c in lines], crs=crs)


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


def test_hamar_nvdb_two_way_with_speeds_and_component_report(dataset):
    with pytest.warns(DataWarning, match=r"16 strongly connected components.*235 nodes"):
        net = read_nvdb_speed_limits(dataset(HAMAR))
    assert net.crs == "EPSG:25833"
    assert (net.n_nodes, net.n_edges) == (15_547, 32_500)
    # every road is two-way: each edge has a reverse with the same length and time (retning is not one-way)
    t, h = net.tails, net.indices
    fwd = set(zip(t.tolist(), h.tolist(), strict=False))
    assert all((v, u) in fwd for u, v in fwd)
    assert net.meta["one_way_rows"] == 0
    # seconds = metres / (speed / 3.6) with the file's speed limits
    implied = np.round(net.metres / net.seconds * 3.6, 6)
    assert set(np.unique(implied).tolist()) <= {30.0, 40.0, 50.0, 60.0, 70.0, 80.0}
    # each direction once: total directed km = 2 x the road length of the distinct stretches
    assert net.metres.sum() / 1000 == pytest.approx(1356.535, abs=0.01)
    comps = net.meta["components"]
    assert comps["count"] == 16 and comps["largest_nodes"] == 15_225 and comps["island_sizes"][0] == 235


def test_shared_interior_vertex_is_a_junction_and_crossing_without_vertex_is_not():
    # line A passes through (50, 0), which is a vertex of A and an end point of B: a T-junction
    a = [(0, 0), (50, 0), (100, 0)]
    b = [(50, 0), (50, 80)]
    # line C crosses A at (75, 0) but neither has a vertex there: no junction
    c = [(75, -40), (75, 40)]
    net = _quiet(read_lines, _gdf([a, b, c], [36, 36, 36]), speed_column="speed")
    assert net.n_nodes == 3 + 1 + 2  # A: 0,50,100; B: +50,80 end; C: two ends
    assert net.n_edges == 2 * 4
    # 100 m along A at 36 km/h (10 m/s) is 10 s: node (0,0) -> (100,0) via the junction
    from scipy.sparse.csgraph import dijkstra

    xy = net.xy
    i0 = int(np.flatnonzero((xy == [0, 0]).all(1))[0])
    i1 = int(np.flatnonzero((xy == [100, 0]).all(1))[0])
    i2 = int(np.flatnonzero((xy == [50, 80]).all(1))[0])
    d = dijkstra(net.csgraph(), indices=i0)
    assert d[i1] == pytest.approx(10.0) and d[i2] == pytest.approx(13.0)
    assert net.meta["components"]["count"] == 2


def test_vertices_match_within_the_grid_tolerance():
    a = [(0, 0), (10, 0)]
    b = [(10.02, 0.01), (20, 0)]  # 2 cm away: same junction at 0.1 m, separate at 0.01 m
    assert _quiet(read_lines, _gdf([a, b], [50, 50]), speed_column="speed").n_nodes == 3
    assert _quiet(read_lines, _gdf([a, b], [50, 50]), speed_column="speed", snap_tolerance_m=0.01).n_nodes == 4


def test_direction_column_and_warning_when_everything_is_one_way():
    lines = [[(0, 0), (10, 0)], [(10, 0), (20, 0)], [(20, 0), (30, 0)]]
    g = _gdf(lines, [36, 36, 36], oneway=["FT", "TF", None])
    net = _quiet(read_lines, g, speed_column="speed", direction_column="oneway")
    xs = net.x
    pairs = {(float(xs[u]), float(xs[v])) for u, v in zip(net.tails, net.indices, strict=False)}
    assert pairs == {(0.0, 10.0), (20.0, 10.0), (20.0, 30.0), (30.0, 20.0)}
    g2 = _gdf(lines, [36, 36, 36], retning=["med", "med", "med"])
    # all one-way: so the three lines form three islands, and both are said
    with pytest.warns(DataWarning, match="every row is one-way"), \
            pytest.warns(DataWarning, match="left 4 strongly connected components"):
        read_lines(g2, speed_column="speed", direction_column="retning", forward_values=("med",))


def test_invalid_speeds_raise_naming_rows_or_use_default_with_count():
    lines = [[(0, 0), (10, 0)], [(10, 0), (20, 0)], [(20, 0), (30, 0)]]
    g = _gdf(lines, ["50", "ukjent", None])
    with pytest.raises(InputError, match=r"2 row\(s\).*row 1 \(speed='ukjent'\).*row 2"):
        read_lines(g, speed_column="speed")
    with pytest.warns(DataWarning, match=r"2 row\(s\).*36"):
        net = read_lines(g, speed_column="speed", default_speed_kmh=36)
    assert sorted(np.round(net.metres / net.seconds * 3.6, 6).tolist()) == [36.0] * 4 + [50.0] * 2
    assert net.meta["rows_default_speed"] == 2
    with pytest.raises(InputError, match="no column 'fart'"):
        read_lines(g, speed_column="fart")


def test_layer_without_crs_is_refused_and_geographic_is_projected(tmp_path):
    g = _gdf([[(0, 0), (10, 0)]], [50], crs=None)
    with pytest.raises(CRSError, match="no CRS"):
        read_lines(g, speed_column="speed")
    geo = _gdf([[(10.75, 59.9), (10.76, 59.9)]], [50], crs="EPSG:4326")
    net = read_lines(geo, speed_column="speed")
    assert net.crs == "EPSG:25833"
    assert net.metres.sum() / 2 == pytest.approx(558.0, rel=0.01)  # 0.01 deg of longitude at 59.9 N


def test_geopackage_layer_round_trip(tmp_path):
    p = tmp_path / "roads.gpkg"
    _gdf([[(0, 0), (10, 0), (20, 0)]], [72], fid_nr=[123]).to_file(p, layer="veg", driver="GPKG")
    _gdf([[(0, 0), (5, 5)]], [10]).to_file(p, layer="other", driver="GPKG")
    net = _quiet(read_lines, p, layer="veg", speed_column="speed", id_column="fid_nr")
    assert net.n_nodes == 2 and net.seconds.tolist() == pytest.approx([1.0, 1.0])
    assert net.way_id.tolist() == [123, 123]
    assert net.edge_coords(0).shape == (3, 2)  # interior vertex kept as shape
