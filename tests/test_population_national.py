"""SSB's national grid CSVs (2015): id decoding, the same cells as the 2023 shapefiles, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geoaccess.errors import DataWarning, InputError
from geoaccess.layers.population import NATIONAL_GRID_1KM, NATIONAL_GRID_250M, read_ssb_grid
from geoaccess.layers.ssb_ids import decode_ssb_ids, encode_ssb_ids


@pytest.fixture(scope="module")
def national_250m():
    return read_ssb_grid(NATIONAL_GRID_250M)


def test_national_grid_totals_and_year(national_250m):
    # MANIFEST: 220,171 cells, 5,146,614 people
    assert len(national_250m) == 220_171
    assert national_250m["population"].sum() == pytest.approx(5_146_614)
    assert national_250m.attrs["population_year"] == 2015
    prov = national_250m.attrs["provenance"]
    assert prov["cell_m"] == 250.0 and prov["id_column"] == "ru250m" and prov["year"] == 2015
    assert national_250m.crs.to_epsg() == 25833
    np.testing.assert_allclose(national_250m.geometry.area.to_numpy(), 250.0**2)


def test_first_row_decodes_by_hand(national_250m):
    # 19250006618000 -> x = 1,925,000 - 2,000,000 = -75,000; y = 6,618,000 (lower-left corner)
    row = national_250m[national_250m["cell_id"] == "19250006618000"].iloc[0]
    minx, miny, maxx, maxy = row.geometry.bounds
    assert (minx, miny, maxx, maxy) == (-75_000.0, 6_618_000.0, -74_750.0, 6_618_250.0)
    assert row["population"] == 6


def test_1km_grid_keeps_its_columns_with_decimal_commas():
    g = read_ssb_grid(NATIONAL_GRID_1KM)
    assert g.attrs["provenance"]["cell_m"] == 1000.0
    assert g["population"].sum() == pytest.approx(5_146_614)
    first = g[g["cell_id"] == "19250006616000"].iloc[0]
    assert first["pop_ave"] == pytest.approx(39.9)  # written "39,9" in the file
    assert first["pop_mal"] + first["pop_fem"] == first["population"]


@pytest.mark.parametrize("name", ["oslo", "akershus"])
def test_2015_grid_has_the_same_cells_as_the_2023_shapefiles(national_250m, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        shp = read_ssb_grid(f"population/befolkning_250m_2023_{name}.shp").set_index("cell_id")
    nat = national_250m.set_index("cell_id")
    common = shp.index.intersection(nat.index)
    assert len(common) > 0.9 * len(shp)  # most 2023 cells were inhabited in 2015 too
    np.testing.assert_allclose(shp.loc[common].geometry.bounds.to_numpy(),
                               nat.loc[common].geometry.bounds.to_numpy(), atol=0.01)


@given(st.integers(-1_999, 7_999), st.integers(0, 39_999))
def test_ids_round_trip(cx, cy):
    x, y = np.array([cx * 250]), np.array([cy * 250])
    ids = encode_ssb_ids(x, y)
    dec = decode_ssb_ids(ids.astype(str), cell_m=250)
    assert dec.ok.all() and dec.x[0] == x[0] and dec.y[0] == y[0]


@given(st.text(max_size=20))
def test_decoder_never_raises_and_refuses_non_numbers(text):
    dec = decode_ssb_ids([text], cell_m=250)
    if not text.strip().isdigit():
        assert not dec.ok[0] or float(text) % 1 == 0


def _write(tmp_path, text: str, name: str = "grid_2015.csv", encoding: str = "utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_ids_that_do_not_decode_are_refused_naming_the_row(tmp_path):
    p = _write(tmp_path, "ru250m;pop_tot\n19250006618000;6\n19250006618100;3\nabc;1\n")
    with pytest.raises(InputError, match=r"2 cell id\(s\) do not decode.*row 2 \(line 3\).*not the lower-left corner.*row 3 \(line 4\).*'abc'"):
        read_ssb_grid(p)


def test_bom_and_decimal_commas_are_read(tmp_path):
    p = _write(tmp_path, "\ufeffssbid_1000m;pop_tot;pop_ave\n19250006616000;10;39,9\n19260006617000;23,0;33\n")
    g = read_ssb_grid(p)
    assert list(g["cell_id"]) == ["19250006616000", "19260006617000"]
    assert g["population"].tolist() == [10.0, 23.0] and g["pop_ave"].tolist() == [39.9, 33.0]
    assert g.attrs["provenance"]["cell_m"] == 1000.0


def test_utf16_with_bom_is_read_and_latin1_refused(tmp_path):
    p = _write(tmp_path, "ru250m;pop_tot\n19250006618000;6\n", encoding="utf-16")
    assert len(read_ssb_grid(p)) == 1
    q = _write(tmp_path, "ru250m;pop_tot;kommune\n19250006618000;6;Bø\n", name="l1_2015.csv", encoding="latin-1")
    with pytest.raises(InputError, match=r"byte 0xf8 on line 2 is not UTF-8"):
        read_ssb_grid(q)


def test_negative_and_missing_counts_are_refused_or_dropped_never_zero(tmp_path):
    # issue 11 row 3: a catchment once reported -30,788 people; NaN cells counted as 0
    p = _write(tmp_path, "ru250m;pop_tot\n19250006618000;6\n19250006618250;-30788\n19252506617000;\n")
    with pytest.raises(InputError, match=r"2 cell\(s\) have a negative, missing.*row 2 \(line 3\).*-30788.*row 3"):
        read_ssb_grid(p)
    with pytest.warns(DataWarning, match="2 cell"):
        g = read_ssb_grid(p, invalid_counts="drop")
    assert g["population"].tolist() == [6.0]
    assert g.attrs["provenance"]["rows_dropped"] == 2


def test_negative_counts_in_a_shapefile_are_refused(dataset, tmp_path):
    import geopandas as gpd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        src = gpd.read_file(dataset("population/befolkning_250m_2023_oslo.shp"))
    src.loc[3, "pop_tot"] = -5
    src.to_file(tmp_path / "bad_2023.shp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(InputError, match=r"row 4: pop_tot=-5"):
            read_ssb_grid(tmp_path / "bad_2023.shp")


def test_duplicated_ids_and_missing_year(tmp_path):
    p = _write(tmp_path, "ru250m;pop_tot\n19250006618000;6\n19250006618000;2\n", name="grid.csv")
    with pytest.raises(InputError, match="duplicated cell ids"):
        read_ssb_grid(p, year=2015)
    q = _write(tmp_path, "ru250m;pop_tot\n19250006618000;6\n", name="noyear.csv")
    with pytest.warns(DataWarning, match="population year"):
        g = read_ssb_grid(q)
    assert g.attrs["population_year"] is None
    assert read_ssb_grid(q, year=2016).attrs["population_year"] == 2016
