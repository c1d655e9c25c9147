"""Stitching a detailed network into a coarse one (geoaccess.network.stitch): synthetic cases with hand-computed
answers, invariants (Hypothesis), bad input, and the two real cases (Hamar NVDB and eastern Oslo OSM into N1000)
checked against N1000 alone and against scipy on the exported graph."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import CRSError, CRSWarning, InputError, NetworkBuildError
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.stitch import (
    COARSE_ID_OFFSET,
    GENERALISATION_FACTOR,
    border_crossings,
    join_table,
    stitch_networks,
    stitched_part,
)

CRS = "EPSG:25833"


def _square(x0: float = 0.0, y0: float = 0.0, size: float = 1000.0):
    import shapely

    return shapely.box(x0, y0, x0 + size, y0 + size)


def _refs(rows):
    """A road-number line table: rows of (category, number, [(x, y), ...])."""
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame({"category": [r[0] for r in rows], "number": np.array([r[1] for r in rows], dtype=np.int64)},
                            geometry=[shapely.LineString(r[2]) for r in rows], crs=CRS)


def _two_way(xy, pairs, kmh, *, way=None, mode="car", flags=None):
    t = [a for a, b in pairs] + [b for a, b in pairs]
    h = [b for a, b in pairs] + [a for a, b in pairs]
    xy = np.asarray(xy, dtype=float)
    metres = np.hypot(*(xy[h] - xy[t]).T)
    k = np.concatenate([kmh, kmh]) if np.ndim(kmh) else np.full(len(t), float(kmh))
    way = np.concatenate([way, way]) if way is not None else None
    fl = np.concatenate([flags, flags]).astype(np.uint8) if flags is not None else None
    return Network.from_edges(np.array(t), np.array(h), seconds=metres / (k / 3.6), x=xy[:, 0], y=xy[:, 1], crs=CRS,
                              metres=metres, way_id=way, flags=fl, mode=mode)


def _town():
    """Detailed: a 3 x 3 street grid (100 m blocks, 36 km/h = 10 s per block) in the square (200..400, 200..400),
    with an arm out to x = 950 along y = 300 (the 'main road', 50 km/h) ending 50 m inside the border."""
    xy = [(x, y) for y in (200, 300, 400) for x in (200, 300, 400)] + [(950, 300)]
    pairs = [(0, 1), (1, 2), (3, 4), (4, 5), (6, 7), (7, 8), (0, 3), (3, 6), (1, 4), (4, 7), (2, 5), (5, 8), (5, 9)]
    kmh = np.array([36.0] * 12 + [50.0])
    return _two_way(xy, pairs, kmh, way=np.arange(13))


def _region():
    """Coarse: a road along y = 300 from x = -2000 to 3000 (90 km/h) crossing the square, and a side road outside."""
    xy = [(-2000, 300), (500, 300), (3000, 300), (3000, 3000)]
    return _two_way(xy, [(0, 1), (1, 2), (2, 3)], 90.0, way=np.array([10, 11, 12]))


def _joined(town=None, region=None, **kw):
    town = town if town is not None else _town()
    region = region if region is not None else _region()
    kw.setdefault("polygon", _square())
    kw.setdefault("clip_to_hull", False)  # the border is the square itself
    kw.setdefault("detailed_refs", _refs([("R", 25, [(200, 300), (950, 300)])]))
    kw.setdefault("coarse_refs", _refs([("R", 25, [(-2000, 300), (3000, 300)])]))
    return stitch_networks(town, region, **kw)


# ----------------------------------------------------------------------------- hand-computed cases
def test_joins_by_road_number_at_both_crossings_and_times_by_hand():
    from scipy.sparse.csgraph import dijkstra

    net = _joined()
    joins = join_table(net)
    # the coarse road crosses the square at x = 0 and x = 1000: two border nodes, each joined both ways
    assert len(joins) == 4 and set(joins["match"]) == {"road number"} and set(joins["road"]) == {"Rv25"}
    east = joins[np.isclose(joins["border_x"], 1000.0)]
    west = joins[np.isclose(joins["border_x"], 0.0)]
    assert east["distance_m"].to_numpy() == pytest.approx([50.0, 50.0])  # to the arm's end (950, 300)
    assert west["distance_m"].to_numpy() == pytest.approx([200.0, 200.0])  # to the grid's west node (200, 300)
    # connectors at the coarse road's 90 km/h
    assert joins["seconds"].to_numpy() == pytest.approx(joins["distance_m"].to_numpy() / 25.0)
    # the coarse link inside the square is gone; the two outside pieces keep their share of the time
    part = stitched_part(net)
    assert (part == "border").sum() == 2 and (part == "detailed").sum() == 10
    x = net.x
    west_end = int(np.flatnonzero((part == "coarse") & (x == -2000))[0])
    east_end = int(np.flatnonzero((part == "coarse") & (x == 3000) & (net.y == 300))[0])
    t = dijkstra(net.csgraph(), indices=[west_end])[0, east_end]
    # -2000 -> 0 coarse (2000 m at 25 m/s) + connector 200 m + grid 200 m (20 s) + arm 550 m at 50 km/h
    # + connector 50 m + 1000 -> 3000 coarse (2000 m)
    expect = 2000 / 25 + 200 / 25 + 20 + 550 / (50 / 3.6) + 50 / 25 + 2000 / 25
    assert t == pytest.approx(expect, rel=1e-9)
    # coarse way ids are offset; detailed ones unchanged; connectors -1 and flagged
    conn = (net.flags & EdgeFlag.CONNECTOR) != 0
    assert conn.sum() == 4 and np.all(net.way_id[conn] == -1)
    assert set(net.way_id[(~conn) & (part[net.tails] == "coarse")]) <= {10 + COARSE_ID_OFFSET, 11 + COARSE_ID_OFFSET,
                                                                          12 + COARSE_ID_OFFSET}
    assert set(net.way_id[part[net.tails] == "detailed"]) - {-1} <= set(range(13))


def test_proximity_join_without_road_numbers_and_the_unnumbered_penalty():
    import geopandas as gpd

    empty = gpd.GeoDataFrame({"category": [], "number": np.array([], dtype=np.int64)}, geometry=[], crs=CRS)
    net = _joined(detailed_refs=empty, coarse_refs=empty)
    joins = join_table(net)
    # the east crossing is 50 m from the arm's end: joined by proximity; the west one 200 m from the grid
    assert set(joins["match"]) == {"proximity"}
    assert sorted(joins["distance_m"].round(6).unique()) == [50.0, 200.0]
    # with max_proximity_m = 100 only the east crossing is joined; the west one is listed as unjoined
    net2 = _joined(detailed_refs=empty, coarse_refs=empty, max_proximity_m=100.0)
    assert len(join_table(net2)) == 2 and len(border_crossings(net2)) == 1
    assert border_crossings(net2)["x"].iloc[0] == pytest.approx(0.0)


def test_a_dual_carriageway_gets_each_direction_its_own_carriageway():
    """Detail: two one-way carriageways 20 m apart end at the border; the coarse road is one two-way line."""
    xy = np.array([(500, 290), (990, 290), (990, 310), (500, 310)], dtype=float)
    # eastbound 0 -> 1 (leaves the town), westbound 2 -> 3 (enters it), joined by a two-way street 0 - 3
    t, h = np.array([0, 2, 0, 3]), np.array([1, 3, 3, 0])
    m = np.hypot(*(xy[h] - xy[t]).T)
    town = Network.from_edges(t, h, seconds=m / 20.0, x=xy[:, 0], y=xy[:, 1], crs=CRS, metres=m)
    net = _joined(town=town, polygon=_square(), detailed_refs=_refs([("R", 25, [(500, 290), (990, 290)]),
                                                                    ("R", 25, [(990, 310), (500, 310)])]))
    joins = join_table(net)
    east = joins[np.isclose(joins["border_x"], 1000.0)].set_index("direction")
    assert east.loc["into detailed", "detailed_y"] == pytest.approx(310.0)  # the westbound carriageway
    assert east.loc["out of detailed", "detailed_y"] == pytest.approx(290.0)  # the eastbound one
    from scipy.sparse.csgraph import dijkstra

    d = dijkstra(net.csgraph())
    assert np.isfinite(d).all()  # one strong component, both ways through the border


def test_a_ferry_is_not_cut_and_its_quay_inside_becomes_the_border():
    region = _two_way([(-2000, 300), (300, 300)], [(0, 1)], 25.0, flags=np.array([EdgeFlag.FERRY]),
                      way=np.array([7]))
    town = _town()
    net = stitch_networks(town, region, polygon=_square(), quay_kmh=30.0, detailed_refs=_refs([]), coarse_refs=_refs([]),
                          clip_to_hull=False)
    ferry = (net.flags & EdgeFlag.FERRY) != 0
    assert ferry.sum() == 2 and net.seconds[ferry] == pytest.approx([2300 / (25 / 3.6)] * 2)  # the whole crossing
    joins = join_table(net)
    assert set(joins["distance_m"].round(6)) == {0.0}  # the quay (300, 300) is a grid node
    assert joins["seconds"].to_numpy() == pytest.approx([0.0, 0.0])


def test_turn_restrictions_of_the_detail_are_carried_over():
    from geoaccess.network.turns import make_turns

    town = _town()
    # forbid the turn from the street (4 -> 5) onto the arm (5 -> 9)
    e1 = int(np.flatnonzero((town.tails == 4) & (town.indices == 5))[0])
    e2 = int(np.flatnonzero((town.tails == 5) & (town.indices == 9))[0])
    from dataclasses import replace

    town = replace(town, turns=make_turns(np.array([e1]), np.array([e2]), heads=town.indices))
    net = _joined(town=town)
    tr = net.turns
    assert tr is not None and tr.n_restrictions == 1
    f, t = int(tr.from_edge[0]), int(tr.to_edge[0])
    xy = net.xy
    assert tuple(xy[net.tails[f]]) == (300.0, 300.0) and tuple(xy[net.indices[f]]) == (400.0, 300.0)
    assert tuple(xy[net.tails[t]]) == (400.0, 300.0) and tuple(xy[net.indices[t]]) == (950.0, 300.0)


@settings(max_examples=40, deadline=None)
@given(y=st.floats(min_value=1.0, max_value=999.0), x0=st.floats(min_value=-3000.0, max_value=-10.0),
       x1=st.floats(min_value=1010.0, max_value=4000.0), kmh=st.floats(min_value=20.0, max_value=110.0))
def test_cut_pieces_keep_the_outside_share_of_time_and_the_detail_is_unchanged(y, x0, x1, kmh):
    """Invariants: the coarse pieces outside the square carry exactly their length's share of the coarse time;
    the detailed part's edges are the detailed network's; every edge time is finite and >= 0."""
    region = _two_way([(x0, y), (x1, y)], [(0, 1)], kmh)
    town = _town()
    net = stitch_networks(town, region, polygon=_square(), detailed_refs=_refs([]), coarse_refs=_refs([]),
                          max_proximity_m=2000.0, keep="all", clip_to_hull=False)
    part = stitched_part(net)
    tails = net.tails
    coarse = (part[tails] != "detailed") & ((net.flags & EdgeFlag.CONNECTOR) == 0) & (part[net.indices] != "detailed")
    outside_m = (0 - x0) + (x1 - 1000)
    assert net.metres[coarse].sum() == pytest.approx(2 * outside_m, rel=1e-9)
    assert net.seconds[coarse].sum() == pytest.approx(2 * outside_m / (kmh / 3.6), rel=1e-9)
    det = (part[tails] == "detailed") & (part[net.indices] == "detailed") & ((net.flags & EdgeFlag.CONNECTOR) == 0)
    assert det.sum() == town.n_edges and np.allclose(np.sort(net.seconds[det]), np.sort(town.seconds))
    assert np.isfinite(net.seconds).all() and (net.seconds >= 0).all()


# ----------------------------------------------------------------------------- bad input
def test_networks_that_do_not_touch_are_refused():
    region = _two_way([(5000, 5000), (9000, 5000)], [(0, 1)], 80.0)
    with pytest.raises(NetworkBuildError, match="does not cross the stitching polygon"):
        stitch_networks(_town(), region, polygon=_square(), detailed_refs=_refs([]), coarse_refs=_refs([]),
                        clip_to_hull=False)
    far = _two_way([(-8000, 300), (8000, 300)], [(0, 1)], 80.0)  # crosses the border 4 km from the detail
    with pytest.raises(NetworkBuildError, match="does not touch the coarse one.*nearest detailed node at the border 4,050 m"):
        stitch_networks(_town(), far, polygon=_square(-5000, -5000, 10000), detailed_refs=_refs([]),
                        coarse_refs=_refs([]), clip_to_hull=False, frontier_m=6000.0)


def test_different_crs_modes_and_polygons_are_refused_or_transformed():
    import geopandas as gpd

    region = _region()
    other = Network.from_edges(np.array([0]), np.array([1]), seconds=np.array([1.0]), x=np.array([0.0, 1.0]),
                               y=np.array([0.0, 0.0]), crs="EPSG:32632")
    with pytest.raises(CRSError, match="EPSG:32632"):
        stitch_networks(_town(), other, polygon=_square())
    walk = _two_way([(-2000, 300), (3000, 300)], [(0, 1)], 5.0, mode="walk")
    with pytest.raises(InputError, match="same mode"):
        stitch_networks(_town(), walk, polygon=_square())
    no_crs = gpd.GeoDataFrame(geometry=[_square()])
    with pytest.raises(CRSError, match="no CRS"):
        stitch_networks(_town(), region, polygon=no_crs)
    with pytest.raises(InputError, match="empty|no area"):
        import shapely

        stitch_networks(_town(), region, polygon=shapely.LineString([(0, 0), (1, 1)]))
    with pytest.raises(InputError, match="No node of the detailed network"):
        stitch_networks(_town(), region, polygon=_square(5000, 5000), clip_to_hull=False)
    # a polygon layer in another CRS is transformed, with a CRSWarning, to the same result
    poly = gpd.GeoDataFrame(geometry=[_square()], crs=CRS)
    refs = {"detailed_refs": _refs([("R", 25, [(200, 300), (950, 300)])]),
            "coarse_refs": _refs([("R", 25, [(-2000, 300), (3000, 300)])])}
    same = stitch_networks(_town(), region, polygon=poly, clip_to_hull=False, **refs)
    with pytest.warns(CRSWarning, match="transformed to the networks' EPSG:25833"):
        moved = stitch_networks(_town(), region, polygon=poly.to_crs("EPSG:4326"), clip_to_hull=False, **refs)
    assert join_table(moved)["distance_m"].to_numpy() == pytest.approx(join_table(same)["distance_m"].to_numpy(), abs=0.01)
    with pytest.raises(InputError, match="max_join_m"):
        stitch_networks(_town(), region, polygon=_square(), max_join_m=-1)


def test_read_boundary_specs(tmp_path):
    import geopandas as gpd

    from geoaccess.network.stitch import read_boundary

    hamar = read_boundary("kommune:0403")
    assert hamar["kommunenummer"].tolist() == ["3403"] and "renumbered" in hamar.attrs["boundary"]
    assert read_boundary("kommune:3403,3411")["kommunenummer"].tolist() == ["3403", "3411"]
    with pytest.raises(InputError, match="no municipality 9999"):
        read_boundary("kommune:9999")
    with pytest.raises(InputError, match="4-digit"):
        read_boundary("kommune:abc")
    with pytest.raises(InputError, match="no such file"):
        read_boundary(str(tmp_path / "missing.gpkg"))
    gpd.GeoDataFrame(geometry=[_square()], crs=CRS).to_file(tmp_path / "nocrs.shp")
    (tmp_path / "nocrs.prj").unlink()  # a shapefile without .prj has no CRS
    with pytest.raises(CRSError, match="no CRS"):
        read_boundary(str(tmp_path / "nocrs.shp"))


# ----------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def real(dataset):
    from geoaccess.network.build import build_network
    from geoaccess.network.stitch import read_boundary

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n1000 = build_network("roads/kartverket_n1000_veglenke_2025.gpkg", mode="car")
        hamar = build_network("roads/hamar_0403_nvdb_fkbvn_2017.zip", mode="car")
        oslo = build_network("osm/oslo-east-filtered.osm.pbf", mode="car")
        return {"n1000": n1000, "hamar": hamar, "oslo": oslo,
                "hamar_composite": stitch_networks(hamar, n1000, polygon=read_boundary("kommune:0403")),
                "oslo_composite": stitch_networks(oslo, n1000)}


def test_hamar_joins(real):
    joins = join_table(real["hamar_composite"])
    by_number = joins[joins["match"] == "road number"]
    # E6 at both ends of Hamar (south to Stange, north to Ringsaker), Rv 25 to Løten, Fv 222 to Stange
    assert sorted(by_number["road"].unique()) == ["E6", "Fv222", "Rv25"]
    assert (by_number["road"] == "E6").sum() == 4 and len(by_number) == 8
    assert len(joins) >= 24 and joins["kept"].all()
    assert joins["distance_m"].max() <= 1000.0 and joins[joins["match"] == "proximity"]["distance_m"].max() <= 300.0
    net = real["hamar_composite"]
    part = stitched_part(net)
    assert (part[joins["detailed_node"]] == "detailed").all() and (part[joins["border_node"]] == "border").all()
    assert net.turns is not None and net.turns.n_restrictions == 17  # NVDB's Svingerestriksjon carried over
    assert net.meta["stitch"]["dropped_nodes"]["detailed"] == 0


def test_oslo_east_joins(real):
    joins = join_table(real["oslo_composite"])
    roads = set(joins.loc[joins["match"] == "road number", "road"])
    assert {"E6", "E18", "Rv150", "Rv163"} <= roads
    assert real["oslo_composite"].meta["stitch"]["options"]["polygon"] == "hull of the detailed network"


@pytest.mark.parametrize("case", ["hamar", "oslo"])
def test_border_routes_are_never_much_faster_nor_unreachable_than_on_n1000(real, case):
    """From N1000 nodes inside the polygon to municipality centres outside it and back, composite vs N1000 alone."""
    import shapely

    from geoaccess.engine.router import Router
    from geoaccess.examples.hamar import border_check
    from geoaccess.layers.boundaries import read_municipalities

    comp, n1000 = real[f"{case}_composite"], real["n1000"]
    poly = shapely.from_wkt(comp.meta["stitch"]["polygon_wkt"])
    inside = n1000.xy[shapely.contains_xy(poly.buffer(-500), n1000.x, n1000.y)]
    mun = read_municipalities(2024)
    pts = mun.geometry.representative_point()
    far = (~shapely.contains_xy(poly.buffer(2000), pts.x, pts.y)) & (pts.distance(poly.centroid) < 200_000)
    outside = np.column_stack([pts.x[far], pts.y[far]])
    assert len(inside) >= 10 and len(outside) >= 50
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bc = border_check(Router(comp), Router(n1000), inside, outside)
    reach = bc["coarse_minutes"].notna()
    assert reach.mean() > 0.99
    assert bc.loc[reach, "composite_minutes"].notna().all()  # never unreachable where N1000 reaches
    ok = bc["composite_minutes"] >= bc["coarse_minutes"] / GENERALISATION_FACTOR - 1.0
    assert ok[reach].all(), bc[reach & ~ok].head()


def test_composite_times_equal_scipy_on_the_exported_graph(real, tmp_path):
    import geopandas as gpd
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.engine.ch import ContractionHierarchy
    from geoaccess.network.cache import load_npz

    net = real["hamar_composite"]
    net.to_npz(str(tmp_path / "network.npz"))
    _, edges = net.to_geodataframes()
    edges.to_file(tmp_path / "edges.gpkg", layer="edges", driver="GPKG")
    back = gpd.read_file(tmp_path / "edges.gpkg", layer="edges")
    n = net.n_nodes
    w = back.groupby(["u", "v"])["seconds"].min().reset_index()
    graph = sp.csr_matrix((w["seconds"].to_numpy(), (w["u"].to_numpy(), w["v"].to_numpy())), shape=(n, n))
    rng = np.random.default_rng(14)
    part = stitched_part(net)
    src = rng.choice(np.flatnonzero(part == "detailed"), 20, replace=False)  # inside Hamar
    dst = np.concatenate([rng.choice(np.flatnonzero(part == "coarse"), 150, replace=False),
                          rng.choice(np.flatnonzero(part == "detailed"), 50, replace=False)])
    ref = dijkstra(graph, indices=src)[:, dst]
    ch = ContractionHierarchy.build(load_npz(tmp_path / "network.npz"))
    got = ch.many_to_many(src.astype(np.int32), None, dst.astype(np.int32), None)
    assert np.isfinite(ref).all() and np.max(np.abs(got - ref)) < 1e-6


def test_cli_stitch_and_municipal_matrix_take_the_composite(real, tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    _register()
    for name in ("hamar", "n1000"):
        real[name].to_npz(str(tmp_path / f"{name}.npz"))
    runner = CliRunner()
    res = runner.invoke(app, ["network", "stitch", str(tmp_path / "hamar.npz"), str(tmp_path / "n1000.npz"),
                              "--boundary", "kommune:0403", "--out", str(tmp_path / "comp")])
    assert res.exit_code == 0, res.output
    joins = pd.read_csv(tmp_path / "comp" / "joins.csv")
    assert len(joins) == len(join_table(real["hamar_composite"]))
    for f in ("network.npz", "edges.gpkg", "stitch.gpkg"):
        assert (tmp_path / "comp" / f).is_file()
    res = runner.invoke(app, ["municipal-matrix", str(tmp_path / "comp"), "--year", "2024",
                              "--out", str(tmp_path / "mm.csv")])
    assert res.exit_code == 0, res.output
    mm = pd.read_csv(tmp_path / "mm.csv", dtype={"origin": str, "destination": str})
    hamar_stange = mm[(mm["origin"] == "3403") & (mm["destination"] == "3413")]["minutes"].iloc[0]
    assert 5 < hamar_stange < 40
    bad = runner.invoke(app, ["network", "stitch", str(tmp_path / "hamar.npz"), str(tmp_path / "n1000.npz"),
                              "--boundary", "kommune:9999", "--out", str(tmp_path / "bad")])
    assert bad.exit_code != 0 and isinstance(bad.exception, InputError) and "9999" in str(bad.exception)
