"""Colour scales: neighbour colouring on real municipalities, diverging scales centred on no change."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgb
from shapely.geometry import box

from geoaccess.report.colours import (
    ColourScale,
    categorical_scale,
    diverging_scale,
    neighbour_colouring,
    sequential_scale,
)
from geoaccess.report.maps import legend_html


@pytest.fixture(scope="module")
def municipalities(dataset):
    from geoaccess.layers.boundaries import read_boundary_file

    return read_boundary_file(dataset("boundaries/kommuner_2024.geojson"), year=2024)


def test_neighbouring_municipalities_never_share_a_colour(municipalities):
    """357 municipalities, far more than any palette: touching ones differ (oracle: geopandas sjoin)."""
    g = municipalities
    scale = categorical_scale(g["kommunenummer"].to_numpy(), geometries=g)
    assert scale.reuses_colours and len(set(scale.colours)) <= 12
    colour = dict(zip(scale.categories, scale.colours, strict=False))
    pairs = gpd.sjoin(g[["kommunenummer", "geometry"]], g[["kommunenummer", "geometry"]], predicate="intersects")
    pairs = pairs[pairs["kommunenummer_left"] < pairs["kommunenummer_right"]]
    assert len(pairs) > 700  # Norway's real adjacency (750 touching pairs), not an empty test
    same = [(a, b) for a, b in zip(pairs["kommunenummer_left"], pairs["kommunenummer_right"], strict=False) if colour[a] == colour[b]]
    assert same == []


def test_regions_across_a_narrow_strait_get_different_colours():
    # Two islands 300 m apart (within the 500 m tolerance) and a third one 5 km away; more
    # categories than the palette, so neighbour colouring applies.
    geoms = [box(0, 0, 1000, 1000), box(1300, 0, 2300, 1000), box(7300, 0, 8300, 1000)]
    names = ["a", "b", "c"]
    g = gpd.GeoDataFrame({"name": names}, geometry=geoms, crs="EPSG:25833")
    scale = categorical_scale(g["name"].to_numpy(), geometries=g, cmap=["#111111", "#222222"])
    col = dict(zip(scale.categories, scale.colours, strict=False))
    assert col["a"] != col["b"]
    assert col["c"] == col["a"]  # far apart: DSATUR reuses the first colour


def test_dsatur_colouring_is_proper_on_a_wheel_graph():
    # A wheel: hub 0 joined to a 5-cycle needs 4 colours; every edge must join different colours.
    pairs = np.array([(0, i) for i in range(1, 6)] + [(i, i % 5 + 1) for i in range(1, 6)])
    col = neighbour_colouring(6, pairs)
    assert all(col[a] != col[b] for a, b in pairs)
    assert len(set(col.tolist())) == 4


def test_few_categories_get_their_own_colours_and_a_legend():
    scale = categorical_scale(np.array(["Oslo", "Hamar", "Oslo", None], dtype=object), cmap="tab10")
    assert scale.categories == ("Hamar", "Oslo") and not scale.reuses_colours
    assert list(scale.colour_of(["Oslo", None, "Bergen"])) == [scale.colours[1], scale.missing, scale.missing]
    legend = legend_html(scale, title="by", missing=True)
    assert "Hamar" in legend and "Oslo" in legend and "no data" in legend


def test_diverging_scale_hand_computed():
    values = np.array([-3.0, -1.0, 0.0, 0.2, 1.0, 5.0, np.nan])
    s = diverging_scale(values, k=5, limit=4.8)
    # step = nice(4.8 / 2.5 = 1.92) = 2, half-width 1: edges -inf, -3, -1, 1, 3, inf
    assert s.breaks == (-np.inf, -3.0, -1.0, 1.0, 3.0, np.inf)
    assert list(s.classes(values)) == [0, 2, 2, 2, 2, 4, -1]  # -1 and +1 both 'no change'
    assert s.labels[2] == "no change (±1)" and s.labels[0] == "< -3" and s.labels[4] == "> +3"
    mid = to_rgb(s.colours[2])
    assert min(mid) > 0.9  # RdBu's middle: near white
    for neg, pos in zip(s.colours[:2], s.colours[:2:-1], strict=False):
        r, _, b = to_rgb(neg)
        assert r > b  # losses red
        r, _, b = to_rgb(pos)
        assert b > r  # gains blue


def test_diverging_scale_is_symmetric_about_any_centre():
    s = diverging_scale([7.0, 12.0, 18.0], centre=10.0, k=7, neutral=0.5)
    inner = np.array(s.breaks[1:-1])
    np.testing.assert_allclose(inner + inner[::-1], 20.0)
    assert s.classes([10.0])[0] == 3 and s.classes([10.4])[0] == 3 and s.classes([10.6])[0] == 4
    with pytest.raises(ValueError, match="odd"):
        diverging_scale([1.0], k=4)


def test_sequential_scale_one_class_per_value_when_few():
    s = sequential_scale([10, 20, 30, 20, np.nan], cmap="viridis_r")
    assert s.labels == ("10", "20", "30")
    assert list(s.classes([10, 20, 30, np.nan, np.inf])) == [0, 1, 2, -1, -1]  # unreachable (inf) is "no data"


def test_sequential_scale_explicit_breaks_and_errors():
    s = sequential_scale(np.arange(100.0), breaks=[0, 15, 30, 60, 100])
    assert s.labels == ("0 – 15", "15 – 30", "30 – 60", "60 – 100")
    assert list(s.classes([0, 15, 15.1, 99])) == [0, 0, 1, 3]
    with pytest.raises(ValueError, match="increasing"):
        sequential_scale([1.0], breaks=[3, 2])
    with pytest.raises(ValueError, match="one label per colour"):
        ColourScale("sequential", ("#000000",), ("a", "b"), (0.0, 1.0))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=200), st.integers(2, 9))
def test_sequential_classes_are_monotone_and_match_mapclassify(values, k):
    import mapclassify

    s = sequential_scale(values, k=k)
    x = np.sort(np.asarray(values))
    cls = s.classes(x)
    assert (cls >= 0).all() and (cls < len(s.colours)).all()
    assert (np.diff(cls) >= 0).all()  # larger values never fall in a lower class
    if np.unique(x).size > k:  # quantile classes: the same as mapclassify's own assignment
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Not enough unique values" on ties
            q = mapclassify.Quantiles(x, k=k)
        np.testing.assert_array_equal(cls, q.yb)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-500, 500, allow_nan=False), min_size=1, max_size=100), st.sampled_from([3, 5, 7, 9]))
def test_diverging_classes_mirror_around_the_centre(values, k):
    s = diverging_scale(values, k=k)
    x = np.asarray(values)
    on_edge = np.isin(np.abs(x), np.abs(np.asarray(s.breaks[1:-1])))  # right-closed classes: mirror off the edges
    np.testing.assert_array_equal(s.classes(x)[~on_edge], (k - 1 - s.classes(-x))[~on_edge])
    assert (s.classes(np.zeros(1)) == (k - 1) // 2).all()  # zero is "no change"
