"""build_network: source resolution, pipeline, travel times against networkx, and the CLI."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from geoaccess.errors import InputError
from geoaccess.network.build import build_network, source_kind

HAMAR = "roads/hamar_nvdb_speed_limits_2018.geojson"


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


@pytest.fixture(scope="module")
def hamar(dataset):
    dataset(HAMAR)
    return _quiet(build_network, HAMAR, cache=False)


def test_hamar_car_network_counts(hamar):
    s = hamar.summary()
    assert (s["nodes"], s["edges"], s["components"]) == (4_439, 10_294, 1)
    assert s["edge_km"] == pytest.approx(1332.65, abs=0.01)
    m = hamar.meta
    assert m["components"]["count"] == 16 and m["read_counts"] == {"nodes": 15_547, "edges": 32_500}
    assert m["source_sha256"] and m["version"] and m["cache_key"] and m["options"]["reader"] == "lines"
    assert hamar.crs == "EPSG:25833" and hamar.mode == "car"


def _compare_with_networkx_on_raw(raw, built, *, pairs: int, seed: int) -> int:
    """Times between random node pairs of ``built`` equal networkx Dijkstra on the unsimplified ``raw``."""
    g = raw.to_networkx()
    pos = {int(v): i for i, v in enumerate(raw.node_id)}
    rng = np.random.default_rng(seed)
    src = rng.choice(built.n_nodes, pairs, replace=False)
    dst = rng.choice(built.n_nodes, pairs, replace=True)
    d = dijkstra(built.csgraph(), indices=src)
    for k, (a, b) in enumerate(zip(src, dst, strict=False)):
        want = nx.dijkstra_path_length(g, pos[int(built.node_id[a])], pos[int(built.node_id[b])], weight="seconds")
        assert d[k, b] == pytest.approx(want, abs=1e-6)
    return pairs


def test_hamar_travel_times_equal_networkx_on_the_raw_lines(dataset, hamar):
    from geoaccess.network.lines import read_nvdb_speed_limits

    raw = _quiet(read_nvdb_speed_limits, dataset(HAMAR))
    assert _compare_with_networkx_on_raw(raw, hamar, pairs=50, seed=1) == 50


def test_andorra_osm_car_travel_times_equal_networkx(dataset):
    pytest.importorskip("geoaccess.network.osm")
    from geoaccess.network.osm import read_osm

    path = dataset("osm/andorra-2013.osm.pbf")
    raw = _quiet(read_osm, path, profile="car")
    built = _quiet(build_network, "osm/andorra-2013.osm.pbf", cache=False)
    assert built.summary()["components"] == 1 and built.n_nodes <= raw.n_nodes
    assert _compare_with_networkx_on_raw(raw, built, pairs=50, seed=2) == 50


def test_dimacs_source_by_dataset_name(dataset):
    dataset("roadgraphs/USA-road-d.NY.co.gz")
    net = _quiet(build_network, "roadgraphs/USA-road-t.NY.gr.gz", cache=False, simplify=False)
    assert (net.n_nodes, net.n_edges) == (264_346, 733_846)
    assert net.meta["options"]["reader"] == "dimacs"


def test_unknown_sources_list_the_accepted_kinds(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(InputError, match=r"(?s)not recognised.*Accepted sources:.*\.osm\.pbf.*\.geojson.*\.gr\.gz.*place:"):
        build_network(tmp_path / "x.csv")
    with pytest.raises(InputError, match="neither an existing file nor a registered dataset"):
        build_network("no/such/file.osm.pbf")
    with pytest.raises(InputError, match="four numbers"):
        build_network("bbox:10.7,59.9,10.8")
    with pytest.raises(InputError, match="west < east"):
        build_network("bbox:10.8,59.9,10.7,60.0")
    assert [source_kind(n) for n in ("a.osm.pbf", "a.OSM.BZ2", "samsoe-2020.osm.zip", "r.gpkg", "g.gr.gz", "x.csv")] == [
        "osm", "osm", "osm", "lines", "dimacs", None
    ]


def test_line_layer_without_speed_column_is_asked_for(tmp_path):
    import geopandas as gpd
    from shapely.geometry import LineString

    p = tmp_path / "roads.geojson"
    gpd.GeoDataFrame({"fart": [50]}, geometry=[LineString([(0, 0), (10, 0)])], crs="EPSG:25833").to_file(p)
    with pytest.raises(InputError, match=r"needs speed_column=.*--speed-column.*'fart'"):
        build_network(p, cache=False)
    net = _quiet(build_network, p, cache=False, speed_column="fart")
    assert net.n_edges == 2 and net.seconds[0] == pytest.approx(10 / (50 / 3.6))


def test_cli_build_and_info(dataset, tmp_path, monkeypatch):
    import geopandas as gpd
    import pandas as pd
    from typer.testing import CliRunner

    from geoaccess.cli import _register, app

    monkeypatch.setenv("GEOACCESS_CACHE", str(tmp_path / "cache"))
    _register()
    dataset(HAMAR)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["network", "build", HAMAR, "--mode", "car", "--keep", "all", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "nodes" in res.output and "4,539" in res.output
    comps = pd.read_csv(out / "components.csv")
    assert len(comps) == 16 and comps["nodes"].sum() == 4_539 and comps["kept"].all()
    edges = gpd.read_file(out / "edges.gpkg", layer="edges")
    assert len(edges) == 10_484 and edges.crs.to_epsg() == 25833
    assert edges["metres"].sum() / 1000 == pytest.approx(comps["km"].sum() + 0, rel=0.05)
    res = CliRunner().invoke(app, ["network", "info", str(out / "network.npz")])
    assert res.exit_code == 0 and "4,539" in res.output and "EPSG:25833" in res.output
    res = CliRunner().invoke(app, ["network", "build", HAMAR, "--keep", "some", "--out", str(out)])
    assert res.exit_code != 0
