"""Dasymetric jobs on the population grid (geoaccess.layers.jobs) on the real SSB data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import DataWarning, InputError


@pytest.fixture(scope="module")
def raw_jobs(dataset) -> pd.Series:
    """Independent oracle: the 03321 CSV read with plain pandas, summed per workplace code."""
    raw = pd.read_csv(dataset("commuting/pendling_03321_2021.csv"), dtype={"ArbstedKomm": str})
    raw["ArbstedKomm"] = raw["ArbstedKomm"].str.zfill(4)
    return raw.groupby("ArbstedKomm")["value"].sum().astype(float)


def _grid(dataset, name: str):
    from geoaccess.layers.population import read_ssb_grid

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the SSB .prj 'unknown datum' notice
        return read_ssb_grid(dataset(f"population/befolkning_250m_2023_{name}.shp"))


@pytest.fixture(scope="module")
def oslo(dataset):
    return _grid(dataset, "oslo")


@pytest.fixture(scope="module")
def akershus(dataset):
    return _grid(dataset, "akershus")


def test_oslo_all_cells_in_0301(oslo, raw_jobs):
    from geoaccess.layers.jobs import jobs_to_grid

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no cell left out, no partial municipality
        out = jobs_to_grid(oslo, year=2021, municipalities=["0301"], nearest_within=1000.0)
    assert (out["kommunenummer"] == "0301").all()
    assert out["jobs"].sum() == pytest.approx(raw_jobs["0301"], rel=1e-6)
    # proportional to residents: jobs per resident is one constant
    ratio = out["jobs"].to_numpy() / out["population"].to_numpy()
    np.testing.assert_allclose(ratio, raw_jobs["0301"] / oslo["population"].sum(), rtol=1e-12)
    meta = out.attrs["jobs"]
    assert meta["municipalities"] == 1
    assert meta["source"] == "SSB 03321 2021 column sums"
    assert "in proportion to" in meta["assumption"]
    assert meta["cells_assigned_by_distance"] == 73
    assert meta["per_municipality"][0]["cells"] == len(oslo)
    assert len(out) == len(oslo) and "kommunenummer" not in oslo.columns  # a copy


def test_oslo_plain_centroids_flag_border_cells(oslo):
    """Generalised boundaries put Oslo's border cells outside or in neighbours: warned, not hidden."""
    from geoaccess.layers.jobs import jobs_to_grid

    with pytest.warns(DataWarning) as rec:
        out = jobs_to_grid(oslo, year=2021)
    text = " ".join(str(w.message) for w in rec)
    meta = out.attrs["jobs"]
    assert meta["cells_outside"] == int(out["kommunenummer"].isna().sum()) > 0
    assert f"{meta['cells_outside']} of {len(oslo)} cells lie in no municipality" in text
    assert out.loc[out["kommunenummer"].isna(), "jobs"].isna().all()
    assert "probably covered only in part" in text
    assert "0301" not in meta["municipalities_probably_partial"]
    assert set(meta["municipalities_probably_partial"]) == set(meta_codes(meta)) - {"0301"}


def meta_codes(meta: dict) -> list[str]:
    return [r["kommunenummer"] for r in meta["per_municipality"]]


@pytest.mark.filterwarnings("ignore:.*covered only in part:UserWarning")
def test_akershus_per_municipality_sums(akershus, raw_jobs, dataset):
    import shapely

    from geoaccess.layers.boundaries import read_municipalities
    from geoaccess.layers.jobs import jobs_to_grid

    with pytest.warns(DataWarning, match="lie in no municipality"):
        out = jobs_to_grid(akershus, year=2021)
    meta = out.attrs["jobs"]
    assert meta["boundaries_year"] == 2020
    codes = out["kommunenummer"].dropna()
    viken = {c for c in codes if c.startswith("30")}
    assert len(viken) >= 20
    sums = out.groupby("kommunenummer")["jobs"].sum()
    residents = out.groupby("kommunenummer")["population"].sum()
    with_res = residents.index[residents > 0]
    assert len(with_res) == meta["municipalities"]
    np.testing.assert_allclose(sums[with_res].to_numpy(), raw_jobs[with_res].to_numpy(), rtol=1e-9)
    assert meta["jobs_total_in_cells"] == pytest.approx(raw_jobs[with_res].sum(), rel=1e-12)
    assert meta["jobs_total_municipalities"] == pytest.approx(raw_jobs[with_res].sum(), rel=1e-12)
    # independent point-in-polygon oracle with shapely.contains_xy
    bounds = read_municipalities(2020, crs=akershus.crs)
    cx = akershus.geometry.centroid.x.to_numpy()
    cy = akershus.geometry.centroid.y.to_numpy()
    oracle = np.full(len(akershus), None, dtype=object)
    for code, poly in zip(bounds["kommunenummer"], bounds.geometry, strict=False):
        if code in set(codes):
            oracle[shapely.contains_xy(poly, cx, cy)] = code
    got = out["kommunenummer"].to_numpy(dtype=object)
    assert (got == oracle).all()
    # 11618 reference column is there; Bærum (3024) is fully covered
    rec = {r["kommunenummer"]: r for r in meta["per_municipality"]}
    assert rec["3024"]["residents"] > rec["3024"]["population_15_74"]
    assert "3024" not in meta["municipalities_probably_partial"]
    assert "0301" in meta["municipalities_probably_partial"]


def test_akershus_2024_boundaries_recode(akershus, raw_jobs):
    """2021 jobs on 2024 boundaries: Bærum 3024 -> 3201 is a pure renumbering."""
    from geoaccess.layers.jobs import jobs_to_grid

    with pytest.warns(DataWarning):
        out = jobs_to_grid(akershus, year=2021, boundaries_year=2024)
    meta = out.attrs["jobs"]
    assert meta["recoded_to_boundaries"] is True
    assert out.loc[out["kommunenummer"] == "3201", "jobs"].sum() == pytest.approx(raw_jobs["3024"], rel=1e-9)
    assert not any(c.startswith("30") for c in out["kommunenummer"].dropna())


def _three_cells(codes, pops):
    import geopandas as gpd
    from shapely.geometry import box

    geoms = [box(262000 + 250 * i, 6650000, 262250 + 250 * i, 6650250) for i in range(len(codes))]
    return gpd.GeoDataFrame({"kommune": codes, "population": pops}, geometry=geoms, crs="EPSG:25833")


@pytest.mark.filterwarnings("ignore:.*covered only in part:UserWarning")
def test_hand_made_three_cells(raw_jobs):
    from geoaccess.layers.jobs import jobs_to_grid

    cells = _three_cells(["0301", "0301", "3024"], [1.0, 3.0, 5.0])
    out = jobs_to_grid(cells, year=2021, municipality_column="kommune")
    expect = [raw_jobs["0301"] * 0.25, raw_jobs["0301"] * 0.75, raw_jobs["3024"]]
    np.testing.assert_allclose(out["jobs"].to_numpy(), expect, rtol=1e-12)
    assert out["kommunenummer"].tolist() == ["0301", "0301", "3024"]


@pytest.mark.filterwarnings("ignore:.*covered only in part:UserWarning")
def test_nan_population_warns(raw_jobs):
    from geoaccess.layers.jobs import jobs_to_grid

    cells = _three_cells(["0301", "0301", "0301"], [2.0, np.nan, 6.0])
    with pytest.warns(DataWarning, match="1 cells have no residents value"):
        out = jobs_to_grid(cells, year=2021, municipality_column="kommune")
    assert np.isnan(out["jobs"].iloc[1])
    np.testing.assert_allclose(out["jobs"].iloc[[0, 2]], [raw_jobs["0301"] / 4, raw_jobs["0301"] * 3 / 4])
    assert out.attrs["jobs"]["cells_without_population"] == 1


@pytest.mark.filterwarnings("ignore:.*covered only in part:UserWarning")
def test_municipality_without_residents_warns(raw_jobs):
    from geoaccess.layers.jobs import jobs_to_grid

    cells = _three_cells(["0301", "3024", "3024"], [4.0, 0.0, 0.0])
    with pytest.warns(DataWarning, match=r"3024 \([\d,]+ jobs\)"):
        out = jobs_to_grid(cells, year=2021, municipality_column="kommune")
    meta = out.attrs["jobs"]
    assert meta["municipalities_without_residents_in_cells"] == ["3024"]
    assert out["jobs"].tolist()[1:] == [0.0, 0.0]
    assert meta["jobs_total_in_cells"] == pytest.approx(raw_jobs["0301"])
    assert meta["jobs_total_municipalities"] == pytest.approx(raw_jobs["0301"] + raw_jobs["3024"])


@pytest.mark.filterwarnings("ignore:.*covered only in part:UserWarning")
def test_bad_input():
    from geoaccess.layers.jobs import jobs_to_grid

    with pytest.raises(InputError, match="negative residents"):
        jobs_to_grid(_three_cells(["0301"], [-1.0]), municipality_column="kommune")
    with pytest.raises(InputError, match="no residents column"):
        jobs_to_grid(_three_cells(["0301"], [1.0]), population="pop_tot", municipality_column="kommune")
    with pytest.raises(InputError, match="not municipalities of the 2020 division"):
        jobs_to_grid(_three_cells(["0301"], [1.0]), municipalities=["3201"])
    with pytest.warns(DataWarning, match="no jobs in SSB 03321 2021"):
        out = jobs_to_grid(_three_cells(["9999", "0301"], [1.0, 1.0]), municipality_column="kommune")
    assert np.isnan(out["jobs"].iloc[0])
    assert out.attrs["jobs"]["municipalities_without_jobs_data"] == ["9999"]


def test_jobs_by_population_is_a_thin_call(oslo, raw_jobs):
    from geoaccess.layers.jobs import jobs_by_population

    out, info = jobs_by_population(oslo, municipality="0301", year=2021)
    assert list(out.columns) == [*oslo.columns, "jobs"]
    assert info["jobs_total"] == raw_jobs["0301"]
    np.testing.assert_allclose(out["jobs"], oslo["population"] / oslo["population"].sum() * raw_jobs["0301"])


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["0301", "3024", "3025"]), st.floats(0, 1e4, allow_nan=False)),
        min_size=1,
        max_size=12,
    )
)
def test_property_sums_and_proportions(rows):
    """Every municipality with residents gets exactly its jobs; jobs per resident is constant within it."""
    from geoaccess.layers.commuting import jobs_by_workplace, load_flows
    from geoaccess.layers.jobs import jobs_to_grid

    jobs = jobs_by_workplace(load_flows(2021))
    cells = _three_cells([r[0] for r in rows], [r[1] for r in rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = jobs_to_grid(cells, year=2021, municipality_column="kommune")
    assert (out["jobs"] >= 0).all()
    for code, grp in out.groupby("kommunenummer"):
        if grp["population"].sum() > 0:
            assert grp["jobs"].sum() == pytest.approx(float(jobs[code]), rel=1e-9)
            pos = grp["population"] > 1e-6  # ratios of subnormal counts are not exact
            if pos.any():
                np.testing.assert_allclose(grp.loc[pos, "jobs"] / grp.loc[pos, "population"],
                                           float(jobs[code]) / grp["population"].sum(), rtol=1e-9)
        else:
            assert (grp["jobs"] == 0).all()
