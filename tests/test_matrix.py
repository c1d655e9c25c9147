"""Travel-time matrices on the real eastern-Oslo networks against networkx and independent snapping."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from geoaccess.errors import CRSError, InputError, ReachWarning


@pytest.fixture(scope="module", params=["walk", "car"])
def oslo_net(request, dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode=request.param)


def _random_points(net, n, seed, *, spread=150.0):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    pick = rng.integers(0, net.n_nodes, n)
    x = net.x[pick] + rng.uniform(-spread, spread, n)
    y = net.y[pick] + rng.uniform(-spread, spread, n)
    return gpd.GeoDataFrame({"pid": [f"p{seed}_{i}" for i in range(n)]}, geometry=shapely.points(x, y), crs=net.crs)


def _independent_seeds(net, pts, role):
    """Brute-force snap (nearest non-ferry edge by shapely distance, lowest index on ties) and seed offsets."""
    import shapely

    from geoaccess.network.graph import EdgeFlag

    lines = net.edge_geometries()
    ok_edges = (net.flags & EdgeFlag.FERRY) == 0
    tails = net.tails
    out = []
    for p in pts.geometry:
        d = shapely.distance(lines, p)
        d[~ok_edges] = np.inf
        e = int(np.flatnonzero(d == d.min())[0])
        t = shapely.line_locate_point(lines[e], p, normalized=True)
        acc = d[e] / (5.0 / 3.6)
        u, v = int(tails[e]), int(net.indices[e])
        s = net.seconds[e]
        rev = [k for k in range(net.indptr[v], net.indptr[v + 1]) if net.indices[k] == u]
        s_r = min(net.seconds[k] for k in rev) if rev else np.inf
        if role == "origin":
            seeds = [(v, acc + (1 - t) * s), (u, acc + t * s_r)]
        else:
            seeds = [(u, t * s + acc), (v, (1 - t) * s_r + acc)]
        out.append({"edge": e, "t": t, "acc": acc, "s": s, "s_r": s_r,
                    "seeds": [(a, off) for a, off in seeds if np.isfinite(off)]})
    return out


def test_matrix_equals_networkx_plus_independent_snap(oslo_net):
    import networkx as nx

    from geoaccess.engine.matrix import travel_time_matrix

    n_orig = 5 if oslo_net.mode == "walk" else 10  # networkx is slow: keep the oracle runs few
    orig = _random_points(oslo_net, n_orig, 1)
    dest = _random_points(oslo_net, 15, 2)
    # two destinations on exactly the same position as origins (same-edge direct trips)
    geoms = dest.geometry.to_numpy().copy()
    geoms[0] = orig.geometry.iloc[0]
    dest = dest.set_geometry(geoms)
    if oslo_net.mode == "car":  # node-based oracle: route node to node (turn rules: tests/test_turn_graph.py)
        from geoaccess.engine.router import Router

        r = Router(oslo_net, turns="ignore")
        tt = r.matrix(r.snap(orig, id_column="pid"), r.snap(dest, id_column="pid"))
    else:
        tt = travel_time_matrix(oslo_net, orig, dest, origin_id="pid", destination_id="pid", output="array")
    assert tt.seconds.shape == (n_orig, 15)
    assert list(tt.origin_ids) == orig["pid"].tolist()
    g = oslo_net.to_networkx()
    so = _independent_seeds(oslo_net, orig, "origin")
    sd = _independent_seeds(oslo_net, dest, "destination")
    expect = np.full((n_orig, 15), np.inf)
    for i, o in enumerate(so):
        for a, off_a in o["seeds"]:
            dist = nx.single_source_dijkstra_path_length(g, a, weight="seconds")
            for j, d in enumerate(sd):
                for b, off_b in d["seeds"]:
                    if b in dist:
                        expect[i, j] = min(expect[i, j], off_a + dist[b] + off_b)
        for j, d in enumerate(sd):
            if d["edge"] == o["edge"]:  # direct along the shared edge
                fwd = (d["t"] - o["t"]) * o["s"] if d["t"] >= o["t"] else np.inf
                bwd = (o["t"] - d["t"]) * o["s_r"] if d["t"] <= o["t"] and np.isfinite(o["s_r"]) else np.inf
                expect[i, j] = min(expect[i, j], o["acc"] + min(fwd, bwd) + d["acc"])
    np.testing.assert_allclose(tt.seconds, expect, rtol=0, atol=1e-6)
    # same point: both access legs only, no detour via a node
    assert tt.seconds[0, 0] == pytest.approx(2 * so[0]["acc"], abs=1e-6)


def test_table_form_cutoff_and_nan(oslo_net):
    from geoaccess.engine.matrix import travel_time_matrix

    pts = _random_points(oslo_net, 10, 3)
    arr = travel_time_matrix(oslo_net, pts, output="array")
    cutoff = float(np.nanmedian(arr.minutes))
    table = travel_time_matrix(oslo_net, pts, cutoff_minutes=cutoff)
    assert list(table.columns) == ["origin_id", "destination_id", "minutes"]
    assert len(table) == 100
    full = arr.minutes.ravel()
    beyond = full > cutoff
    assert beyond.any()
    assert table["minutes"].isna().to_numpy()[beyond].all()
    np.testing.assert_allclose(table["minutes"].to_numpy()[~beyond], full[~beyond])
    assert (table["minutes"].dropna() >= 0).all()


def test_batching_and_dask_give_identical_matrices(oslo_net):
    distributed = pytest.importorskip("distributed")
    from geoaccess.engine.matrix import travel_time_matrix

    pts = _random_points(oslo_net, 23, 4)
    one = travel_time_matrix(oslo_net, pts, output="array", batch_size=1000)
    small = travel_time_matrix(oslo_net, pts, output="array", batch_size=4, progress=True)
    np.testing.assert_array_equal(one.seconds, small.seconds)
    if oslo_net.mode == "car":
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                      dashboard_address=None) as cl, distributed.Client(cl) as client:
            remote = travel_time_matrix(oslo_net, pts, output="array", batch_size=5, backend="dask", client=client)
        np.testing.assert_array_equal(one.seconds, remote.seconds)


def test_points_in_other_crs_give_same_times(oslo_net):
    from geoaccess.engine.matrix import travel_time_matrix

    # compare against the same coordinates round-tripped (a point at a junction is equidistant
    # from several edges, so sub-millimetre noise may legitimately pick another edge)
    wgs = _random_points(oslo_net, 6, 5).to_crs("EPSG:4326")
    a = travel_time_matrix(oslo_net, wgs.to_crs(oslo_net.crs), output="array")
    b = travel_time_matrix(oslo_net, wgs, output="array")
    np.testing.assert_allclose(a.seconds, b.seconds, atol=1e-6)
    assert np.isfinite(a.seconds).all()


def test_unsnapped_points_nan_with_warning(oslo_net):
    import shapely

    from geoaccess.engine.matrix import travel_time_matrix

    pts = _random_points(oslo_net, 5, 6)
    pts.loc[len(pts)] = ["far_away", shapely.Point(oslo_net.x.max() + 20_000, oslo_net.y.max())]
    with pytest.warns(ReachWarning, match="far_away"):
        table = travel_time_matrix(oslo_net, pts, origin_id="pid", destination_id="pid")
    rows = table[(table.origin_id == "far_away") | (table.destination_id == "far_away")]
    assert len(rows) == 11 and rows["minutes"].isna().all()
    others = table[(table.origin_id != "far_away") & (table.destination_id != "far_away")]
    assert others["minutes"].notna().all()


def test_bad_layers_named_in_errors(oslo_net):
    from geoaccess.engine.matrix import travel_time_matrix

    pts = _random_points(oslo_net, 4, 7)
    with pytest.raises(InputError, match="origins layer is empty"):
        travel_time_matrix(oslo_net, pts.iloc[:0], pts)
    dup = pts.copy()
    dup.loc[1, "pid"] = dup.loc[0, "pid"]
    with pytest.raises(InputError, match="duplicate ids.*p7_0"):
        travel_time_matrix(oslo_net, dup, pts, origin_id="pid")
    with pytest.raises(InputError, match="no column 'nope'"):
        travel_time_matrix(oslo_net, pts, origin_id="nope")
    with pytest.raises(CRSError, match="no CRS"):
        travel_time_matrix(oslo_net, pts.set_crs(None, allow_override=True))
    for bad in (0, -5, "abc"):
        with pytest.raises(InputError, match="minutes"):
            travel_time_matrix(oslo_net, pts, cutoff_minutes=bad)


def test_island_without_ferry_is_nan_with_warning():
    """Two components (an island with no ferry): cross pairs NaN, and the warning lists the ids."""
    import geopandas as gpd
    import shapely

    from geoaccess.engine.matrix import travel_time_matrix
    from geoaccess.network.graph import Network

    x = np.array([0.0, 1000.0, 5000.0, 6000.0]) + 500_000
    y = np.full(4, 6_600_000.0)
    net = Network.from_edges([0, 1, 2, 3], [1, 0, 3, 2], seconds=[60.0] * 4, x=x, y=y, crs="EPSG:25833")
    main = gpd.GeoDataFrame({"id": ["home"]}, geometry=[shapely.Point(x[0] + 500, y[0] + 10)], crs=net.crs)
    island = gpd.GeoDataFrame({"id": ["island"]}, geometry=[shapely.Point(x[2] + 500, y[0])], crs=net.crs)
    with pytest.warns(ReachWarning, match="island"):
        table = travel_time_matrix(net, main, island, origin_id="id", destination_id="id")
    assert table["minutes"].isna().all()
    # by hand: 10 m access (7.2 s) + 30 s half edge + 0 + 30 s half edge: the same-edge direct trip is 0 s along
    home = travel_time_matrix(net, main, main, origin_id="id", destination_id="id")
    assert home["minutes"].iloc[0] == pytest.approx(2 * 10 / (5 / 3.6) / 60.0)
