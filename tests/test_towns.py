"""Derived towns: clustering = scipy.ndimage, the link and size rules, names, DEGURBA classes, real towns."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from geoaccess.errors import InputError
from geoaccess.layers.towns import (
    TownRule,
    cluster_labels,
    degree_of_urbanisation,
    derive_towns,
    national_towns,
    read_place_names,
    town_parts,
)


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = pd.DataFrame({"a": a, "b": b}).drop_duplicates()
    return pairs["a"].is_unique and pairs["b"].is_unique


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=12 * 12, max_size=12 * 12), st.sampled_from(["rook", "queen"]))
def test_cluster_labels_equal_ndimage(cells, kind):
    grid = np.array(cells).reshape(12, 12)
    gi, gj = np.nonzero(grid)
    if not len(gi):
        return
    structure = ndimage.generate_binary_structure(2, 1 if kind == "rook" else 2)
    oracle, _ = ndimage.label(grid, structure=structure)
    got = cluster_labels(gi, gj, link_cells=1, diagonal=kind == "queen")
    assert _same_partition(got, oracle[gi, gj])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=10 * 10, max_size=10 * 10))
def test_link_two_equals_dilated_queen_components(cells):
    # cells at most 2 apart (Chebyshev) are linked: the oracle links every pair by brute force
    grid = np.array(cells).reshape(10, 10)
    gi, gj = np.nonzero(grid)
    if not len(gi):
        return
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    d = np.maximum(np.abs(gi[:, None] - gi[None, :]), np.abs(gj[:, None] - gj[None, :]))
    _, oracle = connected_components(sp.csr_array(d <= 2), directed=False)
    assert _same_partition(cluster_labels(gi, gj, link_cells=2), oracle)


def _cells(spec: dict[tuple[int, int], float], cell_m: float = 250.0):
    ij = np.array(list(spec))
    x = ij[:, 0] * cell_m + cell_m / 2
    y = ij[:, 1] * cell_m + cell_m / 2
    return x, y, np.array(list(spec.values()), dtype=float)


def test_one_empty_cell_is_bridged_two_are_not():
    # a row of town cells with a one-cell gap, then a two-cell gap
    spec = {(0, 0): 50, (1, 0): 50, (3, 0): 50, (6, 0): 50}
    x, y, pop = _cells(spec)
    parts = town_parts(x, y, pop, np.array(["A"] * 4, dtype=object))
    assert sorted(parts["town_population"]) == [50.0, 150.0]
    one = town_parts(x, y, pop, np.array(["A"] * 4, dtype=object), link_cells=1)
    assert sorted(one["town_population"]) == [50.0, 50.0, 100.0]


def _places(rows):
    return gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "name_type": [r[1] for r in rows], "label_size": [r[2] for r in rows],
         "stedsnummer": range(len(rows)), "rank": [("by", "tettsted", "tettbebyggelse").index(r[1]) for r in rows],
         "parallel_names": "", "kommunenummer": [r[5] for r in rows]},
        geometry=shapely.points([r[3] for r in rows], [r[4] for r in rows]), crs="EPSG:25833")


def test_derive_towns_sizes_names_and_fallback():
    # town 1: 4 x 4 cells of 100 in municipalities A (left half) and B (right half); town 2: 3 cells of 80 in C;
    # a lone cell of 150 (below 200 residents) is no town
    spec = {(i, j): 100.0 for i in range(4) for j in range(4)}
    spec.update({(20, 0): 80.0, (20, 1): 80.0, (21, 1): 80.0, (40, 40): 150.0})
    x, y, pop = _cells(spec)
    codes = np.array(["A" if i < 2 else ("B" if i < 4 else ("C" if i < 30 else "D")) for i, _ in spec], dtype=object)
    ids = np.array([f"{i:03d}{j:03d}" for i, j in spec])
    places = _places([
        ("Nordby", "by", 803, 200.0, 600.0, "A"),  # inside town 1 (A)
        ("Sørby", "by", 803, 800.0, 300.0, "B"),  # inside town 1 (B): joined, B holds 50 %
        ("Lillevik", "tettsted", 805, 5125.0, 2500.0, "C"),  # 2.3 km from town 2: a label anchor within reach
        ("Fjerntorp", "tettsted", 805, 5000.0, 9000.0, "C"),  # 8.6 km away: beyond reach
    ])
    t = derive_towns(x, y, pop, codes, cell_ids=ids, names=pd.Series({"A": "Akommune", "C": "Ckommune"}),
                     places=places, population_year=2015)
    towns = t.towns
    assert list(towns["population"]) == [1600.0, 240.0]
    assert towns.loc[0, "name"] == "Nordby/Sørby" and towns.loc[0, "name_source"] == "by"
    assert towns.loc[0, "municipalities"] == "A:800;B:800"
    assert towns.loc[1, "name"] == "Lillevik" and towns.loc[1, "kommunenummer"] == "C"
    assert towns.loc[0, "town_id"] == "T000000"  # the most populous cell, lowest id on ties
    assert t.parts["population"].sum() == 1840.0
    unnamed = derive_towns(x, y, pop, codes, cell_ids=ids, names=pd.Series({"A": "Akommune", "C": "Ckommune"}),
                           places=None, population_year=2015).towns
    assert list(unnamed["name"]) == ["Akommune", "Ckommune"]
    assert (unnamed["name_source"] == "municipality").all()
    assert "not SSB's tettsteder" in towns.attrs["rule"]


def test_town_rule_checks():
    with pytest.raises(InputError, match="link_cells"):
        TownRule(link_cells=0)
    with pytest.raises(InputError, match="min_cell_population"):
        TownRule(min_cell_population=0)


def test_degurba_hand_case():
    # a 6 x 6 block of 1 km cells of 2,000 residents (72,000: an urban centre) with a 1,200 hole inside,
    # an 8-connected diagonal chain of 6 cells of 1,000 (6,000: an urban cluster), and rural cells
    spec = {(i, j): 2000.0 for i in range(6) for j in range(6)}
    spec[(2, 2)] = 1200.0  # below 1,500 but 8 of 8 neighbours are in the centre: gap-filled
    spec.update({(20 + k, 20 + k): 1000.0 for k in range(6)})
    spec.update({(40, 40): 250.0, (41, 40): 320.0})
    x, y, pop = _cells(spec, cell_m=1000.0)
    g = gpd.GeoDataFrame({"population": pop}, geometry=shapely.points(x, y), crs="EPSG:25833")
    d = degree_of_urbanisation(g)
    cls = dict(zip(spec, d["degurba"]))
    assert all(cls[(i, j)] == "urban_centre" for i in range(6) for j in range(6))
    assert all(cls[(20 + k, 20 + k)] == "urban_cluster" for k in range(6))
    assert cls[(40, 40)] == "rural" and cls[(41, 40)] == "rural"  # 320 per km² but only 570 residents
    assert d.attrs["degurba"]["urban_centres"] == 1 and d.attrs["degurba"]["urban_clusters"] == 1
    with pytest.raises(InputError, match="population"):
        degree_of_urbanisation(g.drop(columns="population"))


def test_place_names_file_is_checked(tmp_path):
    p = tmp_path / "x.geojson"
    gpd.GeoDataFrame({"navn": ["a"]}, geometry=[shapely.Point(0, 0)], crs="EPSG:25833").to_file(p)
    with pytest.raises(InputError, match="not an N1000 place-name layer"):
        read_place_names(str(p))
    with pytest.raises(InputError, match="unknown settlement type"):
        read_place_names(types=("city",))


def test_place_names_take_full_names_and_the_top_of_stacked_names():
    p = read_place_names()
    names = set(p["name"])
    assert {"Tromsø", "Kirkenes", "Nesoddtangen", "Krokstadelva"} <= names  # stacked / split labels resolved
    assert not {"Romsa", "Tromssa", "Nesodd-"} & names
    assert "Romsa" in p.loc[p["name"] == "Tromsø", "parallel_names"].iloc[0]
    assert p["stedsnummer"].is_unique


@pytest.fixture(scope="module")
def towns2020():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return national_towns(2020)


def test_real_towns_compare_with_known_towns(towns2020):
    t = towns2020.towns.set_index("name")
    assert t.loc["Oslo", "population"] == 947_424.0 and t.loc["Oslo", "kommunenummer"] == "0301"
    for name in ("Stavanger/Sandnes", "Fredrikstad/Sarpsborg", "Skien/Porsgrunn"):  # the towns across a border
        assert name in t.index
    # medium towns SSB counts at about 12,000-30,000 residents (2015); the derived ones are within 25 %
    known = {"Hamar": 27_000, "Gjøvik": 20_000, "Lillehammer": 20_000, "Elverum": 14_000, "Steinkjer": 12_500,
             "Harstad": 20_500}
    for name, ssb in known.items():
        got = t.loc[name, "population"]
        got = got.max() if isinstance(got, pd.Series) else got
        assert 0.75 * ssb <= got <= 1.25 * ssb, (name, got)
    assert (towns2020.towns["population"] >= 200).all()
    assert towns2020.towns["town_id"].is_unique
    # every cell of a town is counted once, and parts add up to the towns
    assert towns2020.cells["population"].sum() == pytest.approx(towns2020.towns["population"].sum())
    assert towns2020.parts.groupby("town_id")["population"].sum().sum() == pytest.approx(
        towns2020.towns["population"].sum(), rel=1e-6)


def test_real_degurba_finds_the_four_city_centres():
    from geoaccess.layers.population import NATIONAL_GRID_1KM, read_ssb_grid

    d = degree_of_urbanisation(read_ssb_grid(NATIONAL_GRID_1KM))
    s = d.attrs["degurba"]
    assert s["urban_centres"] == 4
    assert sum(s["residents"].values()) == pytest.approx(5_146_614)
    big = d[d["degurba"] == "urban_centre"].groupby("cluster")["population"].sum().sort_values(ascending=False)
    assert big.iloc[0] > 600_000 and (big >= 50_000).all()
