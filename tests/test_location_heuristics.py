"""Heuristics: bounds are valid (brute force), solutions are local optima, real data within 1 %."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.location.exact import solve
from geoaccess.location.heuristics import lagrangian_bound, solve_heuristic
from geoaccess.location.problem import LocationProblem


def _wsum(w, near):
    pos = w > 0
    return float(np.sum(w[pos] * near[pos]))


def _optimum(cost, w, p, fixed, forbidden, kind, minutes=None):
    free = [j for j in range(cost.shape[1]) if j not in fixed and j not in forbidden]
    vals = []
    for extra in itertools.combinations(free, p - len(fixed)):
        near = cost[:, sorted(set(fixed) | set(extra))].min(axis=1)
        vals.append(_wsum(w, near) if kind == "pmedian" else w[near <= minutes].sum())
    return min(vals) if kind == "pmedian" else max(vals)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 4), st.booleans())
def test_pmedian_bound_below_optimum_below_heuristic(seed, p, with_fixed):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 40, size=(30, 8))
    cost[rng.uniform(size=cost.shape) < 0.1] = np.inf  # some unreachable pairs
    cost[:, 0] = rng.uniform(0, 40, size=30)  # keep every row reachable
    w = rng.integers(0, 20, size=30).astype(float)
    fixed = [0] if with_fixed else []
    prob = LocationProblem.from_matrix(cost, w, fixed=fixed, forbidden=[7])
    opt = _optimum(cost, w, p, fixed, [7], "pmedian")
    h = solve_heuristic(prob, "pmedian", p=p)
    assert h.objective >= opt - 1e-7
    assert h.bound <= opt + 1e-6 * max(1.0, opt)
    assert h.open.sum() == p and not h.open[7]
    if with_fixed:
        assert h.open[0]
    # 1-swap local optimum: no single swap of a non-fixed open site improves the objective
    for r in np.flatnonzero(h.open & ~prob.fixed):
        for j in np.flatnonzero(~h.open & prob.allowed):
            s = h.open.copy()
            s[r], s[j] = False, True
            assert _wsum(w, cost[:, s].min(axis=1)) >= h.objective - 1e-6


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 4))
def test_mclp_heuristic_between_optimum_and_lp_bound(seed, p):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 40, size=(30, 8))
    w = rng.integers(0, 20, size=30).astype(float)
    prob = LocationProblem.from_matrix(cost, w, fixed=[1])
    opt = _optimum(cost, w, p, [1], [], "mclp", minutes=12.0)
    h = solve_heuristic(prob, "mclp", p=p, cutoff_minutes=12.0)
    assert h.objective <= opt + 1e-9
    assert h.bound >= opt - 1e-6
    assert h.objective == pytest.approx(w[cost[:, h.open].min(axis=1) <= 12.0].sum())
    assert h.open[1]


def test_lagrangian_bound_is_tight_when_relaxation_is_integral():
    # each demand unit sits on its own candidate: with p = m the optimum is 0
    cost = np.array([[0.0, 5.0], [5.0, 0.0]])
    prob = LocationProblem.from_matrix(cost, [3.0, 4.0])
    assert lagrangian_bound(prob, 2, upper=0.0) == pytest.approx(0.0, abs=1e-9)
    # p = 1: open the candidate of the heavier unit, cost 3*5 = 15
    h = solve_heuristic(prob, "pmedian", p=1)
    assert h.objective == pytest.approx(15.0)
    assert h.bound <= 15.0 + 1e-9


@pytest.fixture(scope="module")
def oslo_east_all(dataset):
    from geoaccess.engine import travel_time_matrix
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import read_oslo_upper_secondary
    from geoaccess.network.build import build_network

    dataset("osm/oslo-east-filtered.osm.pbf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")
        pop = read_ssb_grid("population/befolkning_250m_2023_oslo.shp", as_points=True)
        tt = travel_time_matrix(net, pop, read_oslo_upper_secondary(), origin_id="cell_id", destination_id="id",
                                output="array")
    minutes = tt.seconds / 60.0
    cols = np.isfinite(minutes).any(axis=0)
    rows = np.isfinite(minutes[:, cols]).all(axis=1)
    return LocationProblem.from_matrix(minutes[rows][:, cols], pop["population"].to_numpy()[rows])


@pytest.mark.parametrize("p", [2, 3, 5])
def test_heuristic_matches_milp_on_oslo_east(oslo_east_all, p):
    prob = oslo_east_all
    h = solve_heuristic(prob, "pmedian", p=p)
    ex = solve(prob, "pmedian", p=p, method="milp")
    assert ex.status == "optimal"
    assert h.objective <= ex.objective * 1.01
    assert h.bound <= ex.objective * (1 + 1e-6)
    assert h.gap <= 0.01
    hm = solve_heuristic(prob, "mclp", p=p, cutoff_minutes=15)
    em = solve(prob, "mclp", p=p, cutoff_minutes=15)
    assert hm.objective >= em.objective * 0.99
    assert hm.bound >= em.objective - 1e-6
