"""The one point reader (geoaccess.layers.points): formats, ids, names, swapped coordinates, errors.

Expectations are hand-made: the coordinates written into the files, and pyproj for the
projected ones.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from geoaccess.errors import CRSError, InputError
from geoaccess.layers.points import Extent, attach_names, check_coordinate_order, point_ids, point_names, read_points

OKERN = (10.8060, 59.9290)
BRYN = (10.8190, 59.9090)
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)
# the eastern-Oslo network's extent, EPSG:25833 (as network_extent gives it)
OSLO_EAST = Extent(260_116.0, 6_643_274.0, 266_878.0, 6_651_944.0, "EPSG:25833", "the car network")


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(("header", "row"), [
    ("lat,lon", "{lat},{lon}"),
    ("latitude,longitude", "{lat},{lon}"),
    ("lon,lat", "{lon},{lat}"),
    ("Longitude,Latitude", "{lon},{lat}"),
    ("lng,lat", "{lon},{lat}"),
])
def test_csv_lonlat_spellings(tmp_path, header, row):
    text = f"navn,{header}\nØkern,{row.format(lon=OKERN[0], lat=OKERN[1])}\nBryn,{row.format(lon=BRYN[0], lat=BRYN[1])}\n"
    g = read_points(_write(tmp_path, "p.csv", text))
    assert g.crs.to_epsg() == 4326
    np.testing.assert_allclose(shapely.get_coordinates(g.geometry.to_numpy()), [OKERN, BRYN])
    # no id column: 1-based row numbers, and the layer says so
    assert g.attrs["ids_from"] == "row_number" and point_ids(g).tolist() == [1, 2]
    assert point_names(g).tolist() == ["Økern", "Bryn"] and g.attrs["name_column"] == "navn"


def test_csv_xy_needs_crs_and_semicolon_decimal_comma(tmp_path):
    x, y = TO_UTM.transform(*OKERN)
    p = _write(tmp_path, "xy.csv", f"site_id;name;x;y\nA7;Økern;{x:.1f};{y:.1f}\n".replace(".", ","))
    with pytest.raises(CRSError, match="--crs"):
        read_points(p)
    g = read_points(p, crs="EPSG:25833")
    assert g.crs.to_epsg() == 25833
    assert g.geometry.iloc[0].x == pytest.approx(round(x, 1)) and g.geometry.iloc[0].y == pytest.approx(round(y, 1))
    assert point_ids(g).tolist() == ["A7"] and g.attrs["id_column"] == "site_id"


def test_id_and_name_columns_given_and_checked(tmp_path):
    p = _write(tmp_path, "p.csv", "kode,stedsnavn,lat,lon\n0301,Oslo,59.91,10.75\n3201,Bærum,59.89,10.52\n")
    g = read_points(p, id_column="kode", name_column="stedsnavn")
    assert point_ids(g).tolist() == ["0301", "3201"]  # codes stay text: leading zeros kept
    with pytest.raises(InputError, match=r"no column 'Kode' for --id-column \(did you mean 'kode'"):
        read_points(p, id_column="Kode")
    dup = _write(tmp_path, "d.csv", "id,lat,lon\n1,59.91,10.75\n1,59.89,10.52\n")
    with pytest.raises(InputError, match=r"d\.csv: the id column 'id' repeats 1 id\(s\) \(1\)"):
        read_points(dup, id_column="id")
    # a repeated id column is not taken by default: row numbers instead
    assert read_points(dup).attrs["ids_from"] == "row_number"


def test_bad_rows_named_by_file_row_and_column(tmp_path):
    p = _write(tmp_path, "bad.csv", "id,lat,lon\n1,59.91,10.75\n2,,10.52\n3,abc,10.6\n")
    with pytest.raises(InputError) as exc:
        read_points(p)
    msg = str(exc.value)
    assert "bad.csv" in msg and "'lat'" in msg and "row 2 (line 3)" in msg and "row 3 (line 4): 'abc'" in msg
    assert "\n" not in msg
    none = _write(tmp_path, "none.csv", "id,a,b\n1,2,3\n")
    with pytest.raises(InputError, match=r"none\.csv has no coordinate columns; its columns: id, a, b"):
        read_points(none)
    with pytest.raises(InputError, match="does not exist"):
        read_points(tmp_path / "missing.csv")


def test_latitude_column_holding_longitudes_named(tmp_path):
    # values beyond ±90 in the latitude column: the columns are swapped
    p = _write(tmp_path, "s.csv", "id,lat,lon\n1,160.1,59.9\n")
    with pytest.raises(InputError, match="look swapped"):
        read_points(p)


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "parquet"])
def test_vector_formats_keep_ids_and_names(tmp_path, fmt):
    x, y = TO_UTM.transform(*OKERN)
    src = gpd.GeoDataFrame({"id": ["a", "b"], "navn": ["Økern", "Bryn"]},
                           geometry=[shapely.Point(x, y), shapely.Point(*TO_UTM.transform(*BRYN))], crs="EPSG:25833")
    p = tmp_path / f"p.{fmt}"
    if fmt == "parquet":
        src.to_parquet(p)
    else:
        src.to_file(p)
    g = read_points(p)
    assert point_ids(g).tolist() == ["a", "b"] and point_names(g).tolist() == ["Økern", "Bryn"]
    assert g.geometry.iloc[0].x == pytest.approx(x, abs=1e-6)


def test_gpkg_layer_choice(tmp_path):
    p = tmp_path / "two.gpkg"
    pts = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(*OKERN)], crs="EPSG:4326")
    pts.to_file(p, layer="sites")
    pts.to_file(p, layer="others")
    with pytest.raises(InputError, match=r"has 2 layers \(sites, others\)"):
        read_points(p)
    assert len(read_points(f"{p}:others")) == 1


def test_swapped_lonlat_detected_and_named(tmp_path):
    # the columns are named lon/lat but hold each other's values: both are within ±90, so only the
    # network's extent tells the swap
    p = _write(tmp_path, "sw.csv", f"id,lon,lat\n1,{OKERN[1]},{OKERN[0]}\n2,{BRYN[1]},{BRYN[0]}\n")
    g = read_points(p)
    with pytest.raises(InputError) as exc:
        check_coordinate_order(g, OSLO_EAST)
    msg = str(exc.value)
    assert "2 of 2 points lie outside the car network's extent" in msg
    assert "'lon' and 'lat' hold each other's values" in msg and "sw.csv" in msg
    # the right order passes
    ok = read_points(_write(tmp_path, "ok.csv", f"id,lat,lon\n1,{OKERN[1]},{OKERN[0]}\n"))
    check_coordinate_order(ok, OSLO_EAST)
    # one swapped row of two: named by its id
    mixed = read_points(_write(tmp_path, "m.csv", f"id,lat,lon\n1,{OKERN[1]},{OKERN[0]}\n9,{BRYN[0]},{BRYN[1]}\n"))
    with pytest.raises(InputError, match="only 1 of 2 rows are swapped: ids 9"):
        check_coordinate_order(mixed, OSLO_EAST)
    # far away, not swapped: a CRS or area mismatch, named
    far = read_points(_write(tmp_path, "f.csv", "id,lat,lon\n1,61.5,23.8\n"))  # Tampere
    with pytest.raises(InputError, match="none of the 1 points lies within"):
        check_coordinate_order(far, OSLO_EAST)


@settings(max_examples=40, deadline=None)
@given(st.floats(260_500, 266_500), st.floats(6_643_500, 6_651_500))
def test_swap_rule_property(x, y):
    """Any point inside the extent passes; the same point with x and y exchanged is named as swapped."""
    good = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(x, y)], crs="EPSG:25833")
    good.attrs.update({"id_column": "id", "source": "hyp"})
    check_coordinate_order(good, OSLO_EAST)
    bad = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(y, x)], crs="EPSG:25833")
    bad.attrs.update({"id_column": "id", "source": "hyp"})
    with pytest.raises(InputError, match="swapped"):
        check_coordinate_order(bad, OSLO_EAST)


def test_attach_names_and_snapping_uses_the_id_column(tmp_path):
    import pandas as pd

    g = read_points(_write(tmp_path, "p.csv", f"navn,lat,lon\nØkern,{OKERN[1]},{OKERN[0]}\nBryn,{BRYN[1]},{BRYN[0]}\n"))
    t = pd.DataFrame({"origin_id": [2, 1, 2], "minutes": [1.0, 2.0, 3.0]})
    out = attach_names(t, g)
    assert out.columns.tolist() == ["origin_id", "origin_name", "minutes"]
    assert out["origin_name"].tolist() == ["Bryn", "Økern", "Bryn"]
    from geoaccess.network.snap import _layer_ids

    assert _layer_ids(g, None, what="origins").tolist() == [1, 2]  # the reader's ids, not the 0-based index
