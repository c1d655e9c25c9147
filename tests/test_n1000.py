"""The N1000 reader: speeds, ferries and quays, planned links, formats, and bad input.

Synthetic layers check each rule against hand-computed times; the real national layer
checks the counts the MANIFEST states and that every format gives the same network.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from geoaccess.errors import DataWarning, InputError, NetworkBuildError
from geoaccess.network.graph import EdgeFlag
from geoaccess.network.n1000 import is_n1000_fields, n1000_field_map, read_n1000
from geoaccess.network.n1000_profile import load_n1000_profile

N1000 = "roads/kartverket_n1000_veglenke_2025.gpkg"
PROF = load_n1000_profile()
LF = PROF.length_factor
BOARD_S = (PROF.ferry.wait_minutes + PROF.ferry.docking_minutes) * 60.0


def _layer(rows: list[tuple], crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """rows: (typeVeg, vegkategori, vegfase, motorvegtype, medium, coords)."""
    return gpd.GeoDataFrame(
        {
            "typeVeg": [r[0] for r in rows],
            "vegkategori": [r[1] for r in rows],
            "vegfase": [r[2] for r in rows],
            "motorvegtype": [r[3] for r in rows],
            "medium": [r[4] for r in rows],
            "vegnummer": [6.0] * len(rows),
        },
        geometry=[shapely.LineString(r[5]) for r in rows],
        crs=crs,
    )


def _island_layer() -> gpd.GeoDataFrame:
    return _layer(
        [
            ("enkelBilveg", "E", "V", "motorveg", "T", [(0, 0), (1000, 0)]),
            ("enkelBilveg", "F", "V", None, "T", [(1000, 0), (2000, 0)]),
            ("bilferje", "F", None, None, None, [(2100, 0), (5000, 0)]),  # stops 100 m short of the road
            ("enkelBilveg", "K", "V", None, "U", [(5000, 0), (6000, 0)]),  # island road, a tunnel
        ]
    )


def _time(net, a_xy, b_xy) -> float:
    tree = shapely.STRtree(shapely.points(net.x, net.y))
    a = int(tree.query_nearest(shapely.Point(a_xy))[0])
    b = int(tree.query_nearest(shapely.Point(b_xy))[0])
    return float(dijkstra(net.csgraph(), indices=a)[b])


def test_hand_computed_times_with_ferry_connector_and_wait():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = read_n1000(_island_layer())
    expect_out = (
        1000 * LF / (100 / 3.6)  # motorveg 100
        + 1000 * LF / (65 / 3.6)  # fylkesveg 65
        + 100 / (PROF.connector_kmh / 3.6)  # connector to the ferry end
        + 2900 / (PROF.ferry.speed_kmh / 3.6) + BOARD_S  # crossing + boarding wait and docking
        + 1000 * LF / (min(50, PROF.tunnel_max_kmh) / 3.6)  # kommunal veg in a tunnel
    )
    assert _time(net, (0, 0), (6000, 0)) == pytest.approx(expect_out, rel=1e-9)
    # the return trip boards at the island quay (5000, 0): the same wait once
    assert _time(net, (6000, 0), (0, 0)) == pytest.approx(expect_out, rel=1e-9)
    ends = net.meta["n1000"]["ferry_ends"]
    assert ends["by_status"] == {"connector": 1, "on_road": 1}
    assert ends["connector_m"]["max"] == pytest.approx(100.0)
    assert ((net.flags & EdgeFlag.FERRY) != 0).sum() == 2


def test_connector_joins_the_nearest_point_of_a_road_not_its_nearest_node():
    # the ferry ends 50 m beside the middle of a 10 km road whose nodes are 5 km away
    layer = _layer(
        [
            ("enkelBilveg", "F", "V", None, "T", [(0, 0), (10_000, 0)]),
            ("bilferje", "F", None, None, None, [(5000, 50), (5000, 3000)]),
            ("enkelBilveg", "K", "V", None, "T", [(5000, 3000), (6000, 3000)]),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = read_n1000(layer)
    t = _time(net, (0, 0), (6000, 3000))
    expect = 5000 * LF / (65 / 3.6) + 50 / (PROF.connector_kmh / 3.6) + 2950 / (PROF.ferry.speed_kmh / 3.6) + BOARD_S \
        + 1000 * LF / (50 / 3.6)
    assert t == pytest.approx(expect, rel=1e-9)


def test_fork_at_sea_adds_no_second_wait():
    # Y-shaped ferry: A quay -> fork at sea -> B quay; the fork is 3 km from any road
    layer = _layer(
        [
            ("enkelBilveg", "F", "V", None, "T", [(0, 0), (0, 1000)]),
            ("enkelBilveg", "F", "V", None, "T", [(20_000, 0), (20_000, 1000)]),
            ("enkelBilveg", "F", "V", None, "T", [(10_000, 20_000), (10_000, 21_000)]),
            ("bilferje", "F", None, None, None, [(0, 0), (10_000, -3000)]),
            ("bilferje", "F", None, None, None, [(10_000, -3000), (20_000, 0)]),
            ("bilferje", "F", None, None, None, [(10_000, -3000), (10_000, 20_000)]),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = read_n1000(layer)
    assert net.meta["n1000"]["ferry_ends"]["by_status"]["fork_at_sea"] == 1
    leg = np.hypot(10_000, 3000)
    expect = 2 * leg / (PROF.ferry.speed_kmh / 3.6) + BOARD_S
    assert _time(net, (0, 0), (20_000, 0)) == pytest.approx(expect, rel=1e-9)


def test_ferry_end_50_km_from_any_road_is_reported_and_stays_unconnected():
    layer = _layer(
        [
            ("enkelBilveg", "F", "V", None, "T", [(0, 0), (1000, 0)]),
            ("bilferje", "F", None, None, None, [(1000, 0), (51_000, 0)]),
        ]
    )
    with pytest.warns(DataWarning, match=r"beyond the connection distance.*50\.0 km from a road"):
        net = read_n1000(layer)
    ends = net.meta["n1000"]["ferry_ends"]
    assert ends["by_status"] == {"on_road": 1, "roadless_quay": 1}
    (lonely,) = ends["unconnected"]
    assert lonely["road_distance_m"] == pytest.approx(50_000.0)
    assert lonely["status"] == "roadless_quay"
    # a quay stub lets people at the far quay board; nothing else is there
    assert ((net.flags & EdgeFlag.CONNECTOR) != 0).sum() == 2


def test_road_end_a_few_metres_short_of_a_junction_is_joined():
    layer = _layer(
        [
            ("enkelBilveg", "F", "V", None, "T", [(0, 0), (2000, 0)]),
            ("enkelBilveg", "K", "V", None, "T", [(1000, 2), (1000, 1000)]),  # stops 2 m short
        ]
    )
    net = read_n1000(layer)
    assert net.meta["n1000"]["road_gaps_joined"] == 1
    assert np.isfinite(_time(net, (0, 0), (1000, 1000)))


def test_planned_links_left_out_listed_and_opened():
    from geoaccess.network.planned import open_planned_links, planned_links

    layer = _layer(
        [
            ("enkelBilveg", "F", "V", None, "T", [(0, 0), (1000, 0), (2000, 0)]),
            ("enkelBilveg", "F", "V", None, "T", [(0, 5000), (2000, 5000)]),
            ("enkelBilveg", "F", "V", None, "T", [(1000, 0), (1000, 5000)]),  # existing slow link: detour
            ("enkelBilveg", "E", "P", None, "U", [(2000, 0), (2000, 2500)]),  # planned tunnel, two segments
            ("enkelBilveg", "E", "P", None, "U", [(2000, 2500), (2000, 5000)]),
        ]
    )
    net = read_n1000(layer)
    listed = planned_links(net)
    assert sorted(listed["row"]) == [3, 4] and set(listed["vegfase"]) == {"P"}
    before = _time(net, (2000, 0), (2000, 5000))
    opened = open_planned_links(net)
    after = _time(opened, (2000, 0), (2000, 5000))
    assert after == pytest.approx(5000 * LF / (80 / 3.6), rel=1e-9)  # E 80 km/h, tunnel cap 80
    assert after < before
    assert planned_links(opened).empty
    with pytest.raises(InputError, match="vegnummer"):
        open_planned_links(net, vegnummer="999")


def test_layer_with_only_planned_links_is_refused():
    layer = _layer([("enkelBilveg", "E", "P", None, "T", [(0, 0), (1000, 0)])])
    with pytest.raises(NetworkBuildError, match=r"no existing car road link.*1 planned link"):
        read_n1000(layer)


def test_line_layer_that_is_not_n1000_is_refused_naming_the_fields():
    plain = gpd.GeoDataFrame({"speed": [50]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=25833)
    with pytest.raises(InputError, match=r"not an N1000 road-link.*'typeVeg'.*'vegkategori'.*--speed-column"):
        read_n1000(plain)
    half = plain.assign(typeVeg="enkelBilveg")
    with pytest.raises(InputError, match=r"no 'vegkategori' field"):
        read_n1000(half)


def test_unknown_category_without_default_names_the_rows():
    layer = _layer([("enkelBilveg", "X", "V", None, "T", [(0, 0), (1000, 0)])])
    with pytest.raises(InputError, match=r"vegkategori.*\['X'\].*rows \[0\]"):
        read_n1000(layer)


def test_field_names_match_whatever_their_case_or_namespace():
    layer = _island_layer().rename(columns={"typeVeg": "app:TYPEVEG", "vegkategori": "VegKategori"})
    assert is_n1000_fields(list(layer.columns))
    assert n1000_field_map(list(layer.columns))["type"] == "app:TYPEVEG"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a = read_n1000(layer)
        b = read_n1000(_island_layer())
    assert a.seconds.sum() == pytest.approx(b.seconds.sum())


def test_geographic_layer_is_projected_to_utm33():
    layer = _island_layer().set_geometry(_island_layer().geometry.translate(300_000, 6_600_000)).to_crs(4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = read_n1000(layer)
    assert net.crs == "EPSG:25833"


def test_profile_refuses_unknown_keys(tmp_path):
    bad = tmp_path / "p.toml"
    text = Path(load_n1000_profile().source).read_text(encoding="utf-8")  # closed at once (no ResourceWarning)
    bad.write_text(text.replace("[boat]", "[boat]\nsped_kmh = 3"), encoding="utf-8")
    with pytest.raises(InputError, match=r"\[boat\]: unknown key 'sped_kmh' \(did you mean 'speed_kmh'\?\); allowed keys: "):
        load_n1000_profile(bad)


# ------------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def national(dataset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return read_n1000(dataset(N1000))


def test_real_layer_counts_match_the_manifest(national):
    info = national.meta["n1000"]
    assert info["rows"] == 14_466
    assert info["by_type"]["bilferje"] == 240
    assert info["car_ferry_rows"] == 240
    assert info["planned_rows_left_out"] == 13
    ends = info["ferry_ends"]
    # MANIFEST: about 184 of 480 ferry ends touch a road line; they meet at 341 distinct points
    assert ends["ends"] == 341
    assert ends["by_status"]["on_road"] + ends["by_status"]["connector"] > 300
    assert {r["vegnummer"] for r in info["planned_links"]} >= {"39"}


def test_rogfast_is_among_the_planned_links_and_opens(national, dataset):
    from geoaccess.network.planned import open_planned_links, planned_links

    rog = planned_links(national)
    e39 = rog[(rog["vegkategori"] == "E") & (rog["vegnummer"] == "39")]
    # E39 Rogfast: subsea tunnels Randaberg - Kvitsøy - Bokn (the ~27 km of tunnel plus approaches)
    assert e39.loc[e39["medium"] == "U", "metres"].sum() / 1000 == pytest.approx(33.1, abs=1.0)
    opened = open_planned_links(national, vegnummer="39")
    assert opened.n_edges == national.n_edges + 2 * len(e39)


def test_every_format_gives_the_same_network(dataset, tmp_path):
    """GeoPackage, GeoJSON, GML and FGDB copies of a real part of N1000 (Rogaland) read alike."""
    from geoaccess.network.build import build_network

    src = gpd.read_file(dataset(N1000), bbox=(-70_000, 6_520_000, 0, 6_640_000))
    results = {}
    for driver, name in (("GPKG", "part.gpkg"), ("GeoJSON", "part.geojson"), ("GML", "part.gml"),
                         ("OpenFileGDB", "part.gdb")):
        path = tmp_path / name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            src.to_file(path, driver=driver, layer="Veglenke", engine="pyogrio")
            net = build_network(path, cache=False, keep="all")
        assert net.meta["reader"] == "n1000", name
        results[name] = (net.n_nodes, net.n_edges, round(float(net.seconds.sum()), 3))
    assert len(set(results.values())) == 1, results


def test_planned_link_ending_inside_a_road_is_joined_there_when_opened():
    from geoaccess.network.build import build_network
    from geoaccess.network.planned import open_planned_links

    # the planned link starts at an interior vertex (1000, 0) of an existing road, not at a junction
    layer = _layer(
        [
            ("enkelBilveg", "F", "V", None, "T", [(0, 0), (1000, 0), (2000, 0)]),
            ("enkelBilveg", "E", "P", None, "T", [(1000, 0), (1000, 3000)]),
            ("enkelBilveg", "F", "V", None, "T", [(1000, 3000), (5000, 3000), (5000, 0), (2000, 0)]),
        ]
    )
    path = None
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "planned.gpkg"
        layer.to_file(path, layer="Veglenke")
        net = build_network(path, cache=False)
    assert net.n_edges == 4  # two simplified two-way roads; the anchor at (1000, 0) survives
    opened = open_planned_links(net)
    assert _time(opened, (0, 0), (1000, 3000)) == pytest.approx(1000 * LF / (65 / 3.6) + 3000 * LF / (80 / 3.6))
