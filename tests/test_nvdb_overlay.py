"""Linear and geometric overlay of NVDB objects on links (pieces, extents, directions)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.network.nvdb_overlay import (
    Links,
    cover_pieces,
    cut_pieces,
    geometric_limits,
    locate_points,
    place_extents,
    run_direction,
)


def _links(*coords, seq=None, start=None, end=None):
    geoms = np.array([shapely.LineString(c) for c in coords], dtype=object)
    n = len(geoms)
    return Links(seq=np.asarray(seq if seq is not None else np.arange(n), np.int64),
                 start=np.asarray(start if start is not None else np.zeros(n), float),
                 end=np.asarray(end if end is not None else np.ones(n), float),
                 length_m=shapely.length(geoms), geometry=geoms)


def test_extents_are_clipped_to_the_links_of_their_sequence_in_metres():
    # one sequence of two links: 0..0.4 is 40 m, 0.4..1 is 120 m (positions scale with each link's length)
    links = _links([(0, 0), (40, 0)], [(40, 0), (160, 0)], seq=[7, 7], start=[0.0, 0.4], end=[0.4, 1.0])
    out = place_extents(links, np.array([7, 7, 8]), np.array([0.2, 0.4 + 1e-9, 0.0]), np.array([0.7, 1.0, 1.0]), sliver_m=0.5)
    rows = out[["extent", "link"]].to_numpy().tolist()
    assert rows == [[0, 0], [0, 1], [1, 1]]  # the 1e-9 overlap of extent 1 with link 0 is a sliver; sequence 8 is absent
    np.testing.assert_allclose(out[["t0", "t1"]].to_numpy(), [[20, 40], [0, 60], [2e-7, 120]], atol=1e-6)
    link, t = locate_points(links, np.array([7, 7, 9]), np.array([0.4, 0.85, 0.5]))
    assert link.tolist() == [0, 1, -1] and t[0] == pytest.approx(40) and t[1] == pytest.approx(90) and np.isnan(t[2])


def test_cuts_closer_than_the_sliver_are_merged():
    p = cut_pieces(np.array([100.0, 50.0]), np.array([0, 0, 0, 0, 1]), np.array([30.0, 30.3, 30.6, 99.8, 0.2]), sliver_m=0.5)
    assert p.link.tolist() == [0, 0, 0, 1]
    assert p.t0.tolist() == [0.0, 30.0, 30.6, 0.0] and p.t1.tolist() == [30.0, 30.6, 100.0, 50.0]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0.2, 300), min_size=1, max_size=6),
       st.lists(st.tuples(st.integers(0, 5), st.floats(0, 1)), max_size=25), st.floats(0.1, 5))
def test_pieces_tile_every_link_and_keep_every_cut_within_the_sliver(lengths, cuts, sliver):
    length = np.array(lengths)
    cuts = [(i % len(length), f * length[i % len(length)]) for i, f in cuts]
    cl = np.array([c[0] for c in cuts], np.int64)
    ct = np.array([c[1] for c in cuts], float)
    p = cut_pieces(length, cl, ct, sliver_m=sliver)
    for k, length_k in enumerate(length):
        mine = p.link == k
        t0, t1 = p.t0[mine], p.t1[mine]
        assert t0[0] == 0.0 and t1[-1] == length_k and np.array_equal(t0[1:], t1[:-1])  # contiguous
        if mine.sum() > 1:
            assert np.all(t1 - t0 >= sliver - 1e-9)
        bounds = np.concatenate([t0, [length_k]])
        for t in ct[cl == k]:
            assert np.min(np.abs(bounds - t)) < sliver + 1e-9  # no cut is lost by more than the sliver


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1, 100), min_size=1, max_size=4), st.data())
def test_cover_pieces_finds_exactly_the_pieces_whose_midpoint_lies_in_the_stretch(lengths, data):
    length = np.array(lengths)
    n_cuts = data.draw(st.integers(0, 10))
    cl = np.array([data.draw(st.integers(0, len(length) - 1)) for _ in range(n_cuts)], np.int64)
    ct = np.array([data.draw(st.floats(0, 1)) * length[k] for k in cl], float)
    p = cut_pieces(length, cl, ct, sliver_m=0.5)
    sl = np.array([data.draw(st.integers(0, len(length) - 1)) for _ in range(5)], np.int64)
    a = np.array([data.draw(st.floats(0, 1)) * length[k] for k in sl])
    b = np.array([data.draw(st.floats(0, 1)) * length[k] for k in sl])
    s0, s1 = np.minimum(a, b), np.maximum(a, b)
    pc, st_ = cover_pieces(p, sl, s0, s1)
    mid = (p.t0 + p.t1) / 2
    expected = {(i, j) for j in range(5) for i in range(len(p.link)) if p.link[i] == sl[j] and s0[j] <= mid[i] <= s1[j]}
    assert set(zip(pc.tolist(), st_.tolist(), strict=True)) == expected


def test_direction_of_a_closed_line_is_read_locally():
    ring = shapely.LineString([(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)])  # a roundabout, seam at (0, 0)
    along = np.array([shapely.LineString([(0, 0), (50, 0)]), shapely.LineString([(0, 50), (0, 0)])], dtype=object)
    against = np.array([shapely.LineString([(50, 0), (0, 0)]), shapely.LineString([(0, 0), (0, 50)])], dtype=object)
    for lines, want in ((along, 1), (against, -1)):
        sign, dist = run_direction(lines, np.array([ring, ring], dtype=object), np.zeros(2), np.array([50.0, 50.0]))
        assert sign.tolist() == [want, want] and np.allclose(dist, 0)


def test_geometric_limits_follow_parallel_lines_and_ignore_crossing_roads():
    links = _links([(0, 0), (300, 0)])
    lines = np.array([
        shapely.LineString([(0, 5), (150, 5)]),      # parallel, 5 m off: 80 km/h on the first half
        shapely.LineString([(150, 6), (300, 6)]),    # parallel, 6 m off: 60 on the second half
        shapely.LineString([(100, -50), (100, 50)]),  # a crossing road at 100 m: 30, must not win there
    ], dtype=object)
    g = geometric_limits(links, np.array([0]), np.array([0.0]), np.array([300.0]), lines, np.array([80.0, 60.0, 30.0]),
                         tolerance_m=10.0)
    assert g.kmh.tolist() == [80.0, 60.0] and g.rows_used.tolist() == [0, 1]
    assert g.t0[0] == 0.0 and g.t1[-1] == 300.0 and abs(g.t1[0] - 150.0) <= 1.0
    far = geometric_limits(links, np.array([0]), np.array([0.0]), np.array([300.0]), lines[:2], np.array([80.0, 60.0]),
                           tolerance_m=4.0)
    assert len(far.link) == 0
