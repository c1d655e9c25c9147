"""QGIS-ready GeoPackages: named layers, one CRS, rounded values, QGIS styles beside and inside."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from geoaccess.errors import InputError
from geoaccess.report.colours import categorical_scale, diverging_scale, sequential_scale
from geoaccess.report.gpkg import LayerStyle, qml_style, round_for_output, write_layers


def _names(path) -> list[str]:
    return [str(n) for n in pyogrio.list_layers(path)[:, 0] if str(n) != "layer_styles"]


@pytest.fixture
def layers():
    sites = gpd.GeoDataFrame(
        {"site_id": ["helsfyr", "lambertseter"], "pool_60": [291080.2404, np.nan], "users_mean_minutes": [12.345, 7.06],
         "users_share_60": [0.123456, 1.0]},
        geometry=[Point(10.80130, 59.91292), Point(10.81028, 59.87348)], crs="EPSG:4326")
    cells = gpd.GeoDataFrame(
        {"car_min_best": [3.21, np.inf, np.nan], "population": [12.0, 0.0, 5.0]},
        geometry=[box(262000, 6648000, 262250, 6648250), box(262250, 6648000, 262500, 6648250),
                  box(262500, 6648000, 262750, 6648250)], crs="EPSG:25833")
    return {"sites": sites, "cells": cells}


def test_layer_names_crs_and_coordinates(layers, tmp_path):
    path = write_layers(tmp_path / "location.gpkg", layers)
    assert _names(path) == ["sites", "cells"]
    assert {pyogrio.read_info(path, layer=n)["crs"] for n in _names(path)} == {"EPSG:25833"}
    back = gpd.read_file(path, layer="sites")
    x, y = Transformer.from_crs(4326, 25833, always_xy=True).transform(10.80130, 59.91292)
    assert back.geometry.iloc[0].x == pytest.approx(x, abs=1e-6) and back.geometry.iloc[0].y == pytest.approx(y, abs=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["location.gpkg"]  # no temporary file left, no .qml unasked


def test_another_crs_on_request_and_mixed_crs_refused(layers, tmp_path):
    path = write_layers(tmp_path / "a.gpkg", layers, crs="EPSG:4326")
    assert {pyogrio.read_info(path, layer=n)["crs"] for n in _names(path)} == {"EPSG:4326"}
    with pytest.raises(InputError, match="different CRSs"):
        write_layers(tmp_path / "b.gpkg", layers, crs=None)
    assert not (tmp_path / "b.gpkg").exists()


@pytest.mark.parametrize("bad", ["nav_offices.gpkg.tmp", "sites.gpkg", "", "1st", "cells tmp", "a/b"])
def test_bad_layer_names_are_refused_by_name(layers, tmp_path, bad):
    with pytest.raises(InputError, match="layer name"):
        write_layers(tmp_path / "x.gpkg", {bad: layers["sites"]})
    assert list(tmp_path.iterdir()) == []


def test_refusals_name_the_culprit(layers, tmp_path):
    no_crs = layers["sites"].set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="sites"):
        write_layers(tmp_path / "x.gpkg", {"sites": no_crs})
    with pytest.raises(InputError, match="twice"):
        write_layers(tmp_path / "x.gpkg", {"Sites": layers["sites"], "sites": layers["sites"]})
    with pytest.raises(InputError, match="not one of the layers"):
        write_layers(tmp_path / "x.gpkg", layers, styles={"hubs": LayerStyle("x", sequential_scale([1.0]))})
    with pytest.raises(InputError, match="lacks"):
        write_layers(tmp_path / "x.gpkg", layers, styles={"cells": LayerStyle("minutes", sequential_scale([1.0]))})
    with pytest.raises(InputError, match=".gpkg"):
        write_layers(tmp_path / "x.csv", layers)
    assert list(tmp_path.iterdir()) == []


def test_rounding_by_column_name():
    df = pd.DataFrame({
        "pool_60": [291080.2404, 291080.2895, np.nan],  # persons: integers, ties shown as ties
        "jobs": [0.4, 2.6, 10.0],
        "users_mean_minutes": [12.345, 7.06, np.nan],
        "car_min_best": [3.21, np.inf, 1.0],  # unreachable stays inf, never 0
        "users_share_60": [0.123456, 1.0, 0.5],
        "jobs_per_resident": [0.123456, 0.1, 0.2],  # a ratio, not a count
        "effect_region_permille": [0.12345, 1.0, 2.0],
        "area_km2": [0.0625004, 1.0, 2.0],
        "distance_m": [12.6, 0.4, 3.0],
        "other": [1.23456789, 2.0, 3.0],
        "name": ["a", "b", "c"],
    })
    out = round_for_output(df)
    assert out["pool_60"].dtype == "Int64"
    assert out["pool_60"].tolist()[:2] == [291080, 291080] and out["pool_60"].isna().tolist() == [False, False, True]
    assert out["jobs"].tolist() == [0, 3, 10]
    np.testing.assert_array_equal(out["users_mean_minutes"], [12.3, 7.1, np.nan])
    np.testing.assert_array_equal(out["car_min_best"], [3.2, np.inf, 1.0])
    np.testing.assert_array_equal(out["users_share_60"], [0.1235, 1.0, 0.5])
    np.testing.assert_array_equal(out["jobs_per_resident"], [0.1235, 0.1, 0.2])
    np.testing.assert_array_equal(out["effect_region_permille"], [0.123, 1.0, 2.0])
    np.testing.assert_array_equal(out["area_km2"], [0.063, 1.0, 2.0])
    np.testing.assert_array_equal(out["distance_m"], [13.0, 0.0, 3.0])
    assert out["other"].tolist() == df["other"].tolist() and out["name"].tolist() == ["a", "b", "c"]
    assert df["pool_60"].iloc[0] == 291080.2404  # the input is not changed


def test_rounded_values_in_the_file(layers, tmp_path):
    path = write_layers(tmp_path / "r.gpkg", layers)
    cells = gpd.read_file(path, layer="cells")
    assert cells["population"].tolist() == [12, 0, 5] and cells["population"].dtype.kind == "i"
    np.testing.assert_array_equal(cells["car_min_best"], [3.2, np.inf, np.nan])
    raw = gpd.read_file(write_layers(tmp_path / "raw.gpkg", layers, round_values=False), layer="cells")
    assert raw["car_min_best"].iloc[0] == 3.21


def _ranges(qml: str):
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    colours = {s.get("name"): s.find("layer/Option/Option[@name='color']").get("value") for s in renderer.iter("symbol")}
    return renderer, colours


def test_graduated_qml_matches_the_map_scale(layers, tmp_path):
    scale = sequential_scale([1.0, 5.0, 12.0, 30.0, 45.0, 61.0], k=3, cmap="viridis_r")
    style = LayerStyle("car_min_best", scale)
    path = write_layers(tmp_path / "s.gpkg", layers, styles={"cells": style})
    qml_file = tmp_path / "s_cells.qml"
    text = qml_file.read_text(encoding="utf-8")
    renderer, colours = _ranges(text)
    assert renderer.get("type") == "graduatedSymbol" and renderer.get("attr") == "car_min_best"
    ranges = renderer.findall("ranges/range")
    assert [float(r.get("lower")) for r in ranges] == pytest.approx(list(scale.breaks[:-1]))
    assert [float(r.get("upper")) for r in ranges] == pytest.approx(list(scale.breaks[1:]))
    assert [r.get("label") for r in ranges] == list(scale.labels)
    for r, hexc in zip(ranges, scale.colours, strict=False):
        rgba = [int(v) for v in colours[r.get("symbol")].split(",")]
        assert rgba[:3] == [int(hexc[i:i + 2], 16) for i in (1, 3, 5)]
    # the same style is the layer's default inside the GeoPackage (QGIS reads layer_styles)
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
        geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'cells'").fetchone()[0]
        kind = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
    assert rows == [("cells", geom, 1, text)] and kind == ("attributes",)
    assert _names(path) == ["sites", "cells"]


def test_categorical_and_diverging_qml():
    cat = categorical_scale(np.array(["Oslo", "Hamar"], dtype=object))
    renderer, _ = _ranges(qml_style(LayerStyle("region_name", cat), geometry="fill"))
    values = [c.get("value") for c in renderer.findall("categories/category")]
    assert renderer.get("type") == "categorizedSymbol" and values == ["Hamar", "Oslo", ""]
    div = diverging_scale([-3.0, 4.0], k=5)
    renderer, _ = _ranges(qml_style(LayerStyle("minutes_saved", div), geometry="marker"))
    ranges = renderer.findall("ranges/range")
    assert float(ranges[0].get("lower")) == -1e15 and float(ranges[-1].get("upper")) == 1e15  # open outer classes
    assert renderer.find("symbols/symbol").get("type") == "marker"


_QGIS_CHECK = """
import sys
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
lay = QgsVectorLayer(sys.argv[1] + "|layername=cells", "cells", "ogr")
r = lay.renderer()
print(lay.isValid(), lay.crs().authid(), r.type(), r.classAttribute(),
      ";".join(f"{g.lowerValue():g}:{g.upperValue():g}:{g.symbol().color().name()}" for g in r.ranges()))
other = QgsVectorLayer(sys.argv[1] + "|layername=sites", "sites", "ogr")
msg, ok = other.loadNamedStyle(sys.argv[2])
print(ok, other.renderer().type(), flush=True)
import os
os._exit(0)  # QGIS 3.22 may crash while tearing down; the answers are printed
"""


def test_qgis_opens_the_layer_with_its_style(layers, tmp_path):
    """Real QGIS (Debian's python3-qgis, where installed) applies the stored default style and reads the .qml."""
    import os
    import shutil
    import subprocess

    py = shutil.which("python3", path="/usr/bin")
    probe = subprocess.run([py or "python3", "-c", "import qgis.core"], capture_output=True, check=False) if py else None
    if probe is None or probe.returncode != 0:
        pytest.skip("QGIS's Python bindings are not installed (apt-get install python3-qgis); the QML is checked above")
    scale = sequential_scale([1.0, 5.0, 12.0, 30.0, 45.0, 61.0], k=3, cmap="viridis_r")
    layers = {"sites": layers["sites"], "cells": layers["cells"].assign(car_min_best=[2.0, 20.0, 50.0])}
    path = write_layers(tmp_path / "q.gpkg", layers, styles={"cells": LayerStyle("car_min_best", scale)})
    other_qml = tmp_path / "sites.qml"
    other_qml.write_text(qml_style(LayerStyle("users_mean_minutes", sequential_scale([7.0, 12.0])), geometry="marker"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    res = subprocess.run([py, "-c", _QGIS_CHECK, str(path), str(other_qml)], capture_output=True, text=True,
                         env=env, timeout=120, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    first, second = res.stdout.strip().splitlines()[-2:]
    valid, crs, kind, attr, ranges = first.split(" ", 4)
    assert (valid, crs, kind, attr) == ("True", "EPSG:25833", "graduatedSymbol", "car_min_best")
    expected = ";".join(f"{a:g}:{b:g}:{c}" for a, b, c in zip(scale.breaks[:-1], scale.breaks[1:], scale.colours, strict=False))
    assert ranges == expected
    assert second == "True graduatedSymbol"
