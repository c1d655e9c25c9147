"""Municipality-code crosswalks 2017-2024: the change table and the boundary overlap check each other."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geoaccess.errors import DataWarning, InputError
from geoaccess.layers.boundaries import locate_points, read_municipalities
from geoaccess.layers.municipality_codes import (
    boundaries_for_year,
    check_codes,
    codes_in_force,
    compare_crosswalks,
    crosswalk,
    crosswalk_from_boundaries,
    crosswalk_from_table,
    municipality_names,
    recode_flows,
    recode_values,
    split_codes,
)


@pytest.fixture(scope="module")
def xw():
    return crosswalk(2020, 2024)


def test_boundaries_have_codes_and_year():
    b19, b20, b24 = (read_municipalities(y) for y in (2019, 2020, 2024))
    assert (len(b19), len(b20), len(b24)) == (422, 356, 357)
    assert b20["kommunenummer"].str.fullmatch(r"\d{4}").all()
    assert set(b19["year"]) == {2019} and set(b20["year"]) == {2020} and set(b24["year"]) == {2024}
    assert b20.crs.to_epsg() == 25833 and b19.crs.to_epsg() == 25833
    assert "0301" in set(b20["kommunenummer"])  # leading zero kept (the 2020 file stores ints)
    # 2018 = the 2019 file with Rindal under its pre-2019 code
    b18 = boundaries_for_year(2018)
    assert "1567" in set(b18["kommunenummer"]) and "5061" not in set(b18["kommunenummer"])
    assert set(b18["kommunenummer"]) == codes_in_force(2018)
    with pytest.raises(InputError, match="No municipality boundaries for the codes of 2017"):
        boundaries_for_year(2017)


def test_codes_in_force_per_year():
    years = (2017, 2018, 2019, 2020, 2021, 2023, 2024)
    assert [len(codes_in_force(y)) for y in years] == [426, 422, 422, 356, 356, 356, 357]
    # the shared table also lists the 115 codes new in 2024 under 2023: they are not in force in 2023
    assert "3201" not in codes_in_force(2023) and "3024" in codes_in_force(2023)
    assert codes_in_force(2019) == set(read_municipalities(2019)["kommunenummer"])
    assert codes_in_force(2024) == set(read_municipalities(2024)["kommunenummer"])
    names = municipality_names(2017)
    assert names["0301"] == "Oslo" and names["1613"] == "Snillfjord"  # renumbered 2018 (5012): named via 2019
    assert names["1601"] == ""  # Trondheim 2017: the table cannot tell 1601 from 1662 Klæbu


@pytest.mark.parametrize("source", [2017, 2018, 2019, 2020, 2021])
@pytest.mark.parametrize("target", [2020, 2024])
def test_every_code_maps_with_weights_summing_to_one(source, target):
    x = crosswalk(source, target)
    assert set(x["from_code"]) == codes_in_force(source)
    assert set(x["to_code"]) <= codes_in_force(target)
    assert np.allclose(x.groupby("from_code")["weight"].sum(), 1.0, rtol=0, atol=1e-15)
    assert (x["weight"] > 0).all()


def test_known_renumberings_merges_and_splits():
    x17 = crosswalk(2017, 2024).groupby("from_code")["to_code"].agg(list)
    # renumbered twice: Trondheim 1601 -> 5001; Ullensaker 0235 -> 3033 (2020) -> 3209 (2024)
    assert x17["1601"] == ["5001"] and x17["0235"] == ["3209"] and x17["1662"] == ["5001"]  # Klæbu merged 2020
    # 2018 merger: Holmestrand 0702 + Hof 0714 -> 0715 -> 3903 (2024, with Sande 0713 from 2020)
    assert x17["0702"] == x17["0714"] == x17["0713"] == ["3903"]
    one = crosswalk(2020, 2024).set_index("from_code")
    for old, new in (("3033", "3209"), ("3001", "3101"), ("0301", "0301"), ("5001", "5001")):
        assert one.loc[[old], "to_code"].tolist() == [new]
    back = crosswalk(2024, 2020)
    assert back.set_index("from_code").loc[["1508", "1580"], "to_code"].tolist() == ["1507", "1507"]


def test_split_weights_are_population_shares_not_placeholders(xw):
    """Ålesund 2020 -> Ålesund + Haram 2024, Tysfjord 2019 -> Narvik + Hamarøy: 2015 residents, checked by overlay."""
    sp = split_codes(xw)
    ales = sp.loc[sp["from_code"] == "1507"].set_index("to_code")
    assert set(ales.index) == {"1508", "1580"}
    assert ales["basis"].eq("split: population 2015").all()
    # the table gives 0.5/0.5; old Haram had about 9,000 of Ålesund's 63,000 residents
    assert 0.12 < ales.loc["1580", "weight"] < 0.17
    # independent oracle: geopandas overlay of the polygons and a point-in-polygon join of the grid cells; the
    # generalised coastlines miss shore villages (Kjøpsvik, 1850), so both layers are widened by 1 km first
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid

    g = read_ssb_grid(NATIONAL_GRID_250M, as_points=True)
    cells = gpd.GeoDataFrame({"p": g["population"]}, geometry=g.geometry, crs="EPSG:25833")
    cases = (("2020", "1507", ["1508", "1580"], 2024), ("2019", "1850", ["1806", "1875"], 2024))
    for src_year, code, targets, tgt_year in cases:
        src = read_municipalities(int(src_year))
        src = src.loc[src["kommunenummer"] == code]
        tgt = read_municipalities(tgt_year)
        tgt = tgt.loc[tgt["kommunenummer"].isin(targets)]
        pieces = gpd.overlay(
            src[["geometry"]].set_geometry(src.buffer(1000)), tgt.set_geometry(tgt.buffer(1000)), how="intersection"
        )
        joined = gpd.sjoin(cells, pieces[["kommunenummer", "geometry"]], predicate="within")
        joined = joined.loc[~joined.index.duplicated()]
        oracle = joined.groupby("kommunenummer")["p"].sum()
        oracle = oracle / oracle.sum()
        got = crosswalk(int(src_year), tgt_year)
        got = got.loc[got["from_code"] == code].set_index("to_code")["weight"]
        for t in targets:
            assert got[t] == pytest.approx(oracle[t], abs=0.02), (code, t)
    # the table's placeholder weights remain available on request
    tab = crosswalk(2020, 2024, weights="table")
    assert tab.loc[tab["from_code"] == "1507", "weight"].tolist() == [0.5, 0.5]


def test_table_splits_that_population_resolves_to_one_part():
    """Old Haram (1534) lies wholly in 2024 Haram; the table's 0.5/0.5 would send half its people to Ålesund."""
    x = crosswalk(2019, 2024).set_index("from_code")
    assert x.loc[["1534"], "to_code"].tolist() == ["1580"]
    assert x.loc[["1504"], "to_code"].tolist() == ["1508"]
    snill = x.loc["5012"].set_index("to_code")["weight"]  # Snillfjord: table 0.35/0.35/0.30
    assert set(snill.index) == {"5055", "5056", "5059"} and snill["5059"] > 0.45


@pytest.mark.parametrize(("a", "b"), [(2017, 2024), (2018, 2020), (2019, 2020), (2019, 2024), (2020, 2024)])
def test_two_methods_agree_on_every_merge_and_report_splits(a, b):
    c = compare_crosswalks(a, b)
    assert set(c["from_code"]) == codes_in_force(a)
    known = c.loc[~c["kind"].str.startswith("no polygon")]
    merges = known.loc[known["kind"] != "split"]
    assert merges["main_target_agrees"].astype(bool).all()
    splits = known.loc[known["kind"] == "split"]
    assert len(splits) > 0 and (splits["table"] != splits["crosswalk"]).all()
    # where the table and the boundaries name the same parts, the crosswalk takes the boundaries' shares
    same = splits.loc[splits["same_targets"].astype(bool)]
    assert (same["crosswalk"] == same["boundaries"]).all()
    if a == 2017:  # the eight 2018 mergers and the 16 ambiguous Trøndelag renumberings have no 2017 polygon
        assert c["kind"].str.startswith("no polygon").sum() == 24


def test_recode_flows_keeps_totals_exactly(dataset):
    from geoaccess.layers.commuting import read_03321, workers_by_residence

    f = read_03321(dataset("commuting/pendling_03321_2017.csv"))
    r = recode_flows(f, to_year=2024)
    assert r.attrs["year"] == 2024 and r.attrs["recoded_from"] == 2017
    assert r["workers"].sum() == pytest.approx(f["workers"].sum(), rel=1e-12)
    assert set(r["origin"]) <= codes_in_force(2024)
    assert "1850" in r.attrs["crosswalk"]["splits"]
    res24 = recode_values(workers_by_residence(f), from_year=2017, to_year=2024)
    got = r.groupby("origin")["workers"].sum()
    assert np.allclose(got.reindex(res24.index).to_numpy(), res24.to_numpy(), rtol=1e-12)
    ri = recode_flows(f, to_year=2024, integer=True)
    assert ri["workers"].dtype == np.int64
    assert int(ri["workers"].sum()) == int(f["workers"].sum())  # exactly
    # a pure renumbering keeps the flow itself: Ullensaker -> Oslo (2017 0235 -> 2024 3209)
    a = f.loc[(f.origin == "0235") & (f.destination == "0301"), "workers"].iloc[0]
    b = ri.loc[(ri.origin == "3209") & (ri.destination == "0301"), "workers"].iloc[0]
    assert a == b


def test_stale_code_of_the_previous_year_is_renamed_with_a_warning(dataset):
    from geoaccess.layers.commuting import read_03321

    f = read_03321(dataset("commuting/pendling_03321_2019.csv"))
    assert "1567" in f.attrs["codes"]  # SSB's 2019 table still lists Rindal's 2018 code
    with pytest.warns(DataWarning, match="1567 -> 5061"):
        r = recode_flows(f, to_year=2020)
    assert "5061" in r.attrs["codes"] and "1567" not in r.attrs["codes"]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(1, 500)),
        min_size=1,
        max_size=40,
        unique_by=lambda t: t[:2],
    )
)
def test_recode_preserves_totals_hypothesis(rows):
    codes = ["1850", "5012", "1504", "1534", "0213", "0217", "0301", "1129", "0235", "5001", "1201", "0219"]
    f = pd.DataFrame(
        {
            "origin": [codes[a] for a, _, _ in rows],
            "destination": [codes[b] for _, b, _ in rows],
            "workers": [w for _, _, w in rows],
        }
    )
    f.attrs["year"] = 2019
    r = recode_flows(f, to_year=2024)
    assert r["workers"].sum() == pytest.approx(f["workers"].sum(), rel=1e-12)
    got = r.groupby("origin")["workers"].sum()
    want = recode_values(f.groupby("origin")["workers"].sum(), from_year=2019, to_year=2024)
    assert np.allclose(got.reindex(want.index).fillna(0).to_numpy(), want.to_numpy())
    ri = recode_flows(f, to_year=2024, integer=True)
    assert int(ri["workers"].sum()) == int(f["workers"].sum())


def test_crosswalk_from_boundaries_hand_computed_squares():
    src = gpd.GeoDataFrame(
        {"kommunenummer": ["0001", "0002"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs="EPSG:25833",
    )
    # target: 0001 split 30/70 by area into 1001/1002; 0002 renumbered 1003 (plus a 0.1 % sliver into 1002)
    tgt = gpd.GeoDataFrame(
        {"kommunenummer": ["1001", "1002", "1003"]},
        geometry=[box(0, 0, 300, 1000), box(300, 0, 1001, 1000), box(1001, 0, 2000, 1000)],
        crs="EPSG:25833",
    )
    x = crosswalk_from_boundaries(src, tgt)
    w = {(a, b): v for a, b, v in x[["from_code", "to_code", "weight"]].itertuples(index=False)}
    assert w[("0001", "1001")] == pytest.approx(0.3)
    assert w[("0001", "1002")] == pytest.approx(0.7)
    assert w[("0002", "1003")] == 1.0  # the 0.1 % sliver is dropped and the weight renormalised
    assert ("0002", "1002") not in w
    # by population: 10 people at x=100 (in 1001), 30 at x=600 (in 1002); 0002 has nobody -> area
    pop = (np.array([100.0, 600.0]), np.array([500.0, 500.0]), np.array([10.0, 30.0]))
    xp = crosswalk_from_boundaries(src, tgt, population=pop).set_index(["from_code", "to_code"])
    assert xp.loc[("0001", "1001"), "weight"] == pytest.approx(0.25)
    assert xp.loc[("0001", "1002"), "basis"] == "population"
    assert xp.loc[("0002", "1003"), "basis"] == "area"


def test_locate_points_within_then_nearest():
    b = gpd.GeoDataFrame(
        {"kommunenummer": ["0001", "0002"]}, geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10)], crs=25833
    )
    got = locate_points([5, 12, 19, 100], [5, 5, 5, 5], b, max_distance_m=50)
    assert list(got) == ["0001", "0001", "0002", None]


def test_bad_codes_and_years_are_named():
    with pytest.raises(InputError, match=r"1902 \(1940-2019\)"):
        check_codes(["0301", "1902"], 2021, what="flows")
    with pytest.raises(InputError, match=r"9999 \(in force in no year\).*belong to no year"):
        check_codes(["9999"], 2019, what="flows.csv")
    f = pd.DataFrame({"origin": ["1902"], "destination": ["1902"], "workers": [5]})
    with pytest.raises(InputError, match="not in force in 2021"):
        recode_flows(f, to_year=2024, from_year=2021)
    with pytest.raises(InputError, match="No crosswalk for municipality codes of 2016"):
        crosswalk(2016, 2024)
    with pytest.raises(InputError, match="No crosswalk from 2017 codes to 2019 codes"):
        crosswalk_from_table(2017, 2019)
    with pytest.raises(InputError, match="No crosswalk from 2020 codes to 2019"):
        crosswalk(2020, 2019)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert crosswalk_from_table(2018, 2019).set_index("from_code").loc["1567", "to_code"] == "5061"
