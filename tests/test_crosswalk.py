"""Municipality-code crosswalk 2020 <-> 2024 from boundary overlap; totals through recoding."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geoaccess.errors import InputError
from geoaccess.layers.boundaries import read_municipalities
from geoaccess.layers.crosswalk import (
    check_codes,
    crosswalk,
    crosswalk_from_boundaries,
    recode_flows,
    recode_values,
    split_codes,
)


@pytest.fixture(scope="module")
def xw():
    return crosswalk(2020, 2024)


def test_boundaries_have_codes_and_year():
    b20 = read_municipalities(2020)
    b24 = read_municipalities(2024)
    assert len(b20) == 356 and len(b24) == 357
    assert b20["kommunenummer"].str.fullmatch(r"\d{4}").all()
    assert set(b20["year"]) == {2020} and set(b24["year"]) == {2024}
    assert b20.crs.to_epsg() == 25833
    assert "0301" in set(b20["kommunenummer"])  # leading zero kept (the 2020 file stores ints)


def test_every_2020_code_maps_with_weights_summing_to_one(xw):
    b20 = set(read_municipalities(2020)["kommunenummer"])
    b24 = set(read_municipalities(2024)["kommunenummer"])
    assert set(xw["from_code"]) == b20
    assert set(xw["to_code"]) <= b24 and set(xw["to_code"]) == b24
    sums = xw.groupby("from_code")["weight"].sum()
    assert np.allclose(sums, 1.0, atol=1e-12)
    assert (xw["weight"] > 0).all()
    back = crosswalk(2024, 2020)
    assert np.allclose(back.groupby("from_code")["weight"].sum(), 1.0, atol=1e-12)


def test_known_renumberings_and_split(xw):
    one = xw.set_index("from_code")
    # Viken 30xx -> 31xx/32xx/33xx: Ullensaker 3033 -> 3209, Halden 3001 -> 3101; Oslo unchanged
    for old, new in (("3033", "3209"), ("3001", "3101"), ("0301", "0301"), ("5001", "5001")):
        assert one.loc[[old], "to_code"].tolist() == [new]
    # Ålesund 2020 was split into Ålesund and Haram in 2024
    sp = split_codes(xw)
    ales = sp.loc[sp["from_code"] == "1507"].set_index("to_code")["weight"]
    assert set(ales.index) == {"1508", "1580"}
    assert 0.3 < ales["1580"] < 0.6


def test_recode_flows_keeps_totals(dataset, xw):
    from geoaccess.layers.commuting import read_03321, workers_by_residence

    f = read_03321(dataset("commuting/pendling_03321_2021.csv"))
    r = recode_flows(f, to_year=2024)
    assert r.attrs["year"] == 2024 and r.attrs["recoded_from"] == 2021
    assert r["workers"].sum() == pytest.approx(f["workers"].sum(), rel=1e-12)
    assert set(r["origin"]) <= set(read_municipalities(2024)["kommunenummer"])
    # per-origin totals equal the recoded residents (independent path: recode_values)
    res24 = recode_values(workers_by_residence(f), from_year=2021, to_year=2024)
    got = r.groupby("origin")["workers"].sum()
    assert np.allclose(got.reindex(res24.index).to_numpy(), res24.to_numpy(), rtol=1e-12)
    # a pure renumbering keeps the flow itself: Ullensaker -> Oslo
    a = f.loc[(f.origin == "3033") & (f.destination == "0301"), "workers"].iloc[0]
    b = r.loc[(r.origin == "3209") & (r.destination == "0301"), "workers"].iloc[0]
    assert a == pytest.approx(b)


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
    codes = ["1507", "1539", "3452", "3453", "3033", "0301", "1535", "3001", "5001", "4601", "1506", "1103"]
    f = pd.DataFrame(
        {
            "origin": [codes[a] for a, _, _ in rows],
            "destination": [codes[b] for _, b, _ in rows],
            "workers": [w for _, _, w in rows],
        }
    )
    f.attrs["year"] = 2021
    r = recode_flows(f, to_year=2024)
    assert r["workers"].sum() == pytest.approx(f["workers"].sum(), rel=1e-12)
    got = r.groupby("origin")["workers"].sum()
    want = recode_values(f.groupby("origin")["workers"].sum(), from_year=2021, to_year=2024)
    assert np.allclose(got.reindex(want.index).fillna(0).to_numpy(), want.to_numpy())


def test_crosswalk_hand_computed_squares():
    src = gpd.GeoDataFrame(
        {"kommunenummer": ["0001", "0002"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs="EPSG:25833",
    )
    # target: 0001 split 30/70 into 1001/1002; 0002 renumbered 1003 (plus a 0.1 % sliver into 1002)
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


def test_unknown_codes_for_year():
    with pytest.raises(InputError, match="1 municipality codes are unknown for 2021"):
        check_codes(["0301", "1902"], 2021, what="flows")
    with pytest.raises(InputError, match="pre-2020 division"):
        check_codes(["1902"], 2019)
    f = pd.DataFrame({"origin": ["1902"], "destination": ["1902"], "workers": [5]})
    with pytest.raises(InputError, match="unknown for 2021"):
        recode_flows(f, to_year=2024, from_year=2021)
