"""Exact location models: PySAL spopt on real Oslo data, brute force on small instances, bad input."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import InputError
from geoaccess.location.exact import solve
from geoaccess.location.problem import LocationProblem


# --------------------------------------------------------------------------- real data (Oslo east)
@pytest.fixture(scope="module")
def oslo_east(dataset):
    """Walk-time matrix (minutes) from 300 Oslo-east SSB cells to the on-network upper-secondary schools."""
    from geoaccess.engine import travel_time_matrix
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.layers.services import read_oslo_upper_secondary
    from geoaccess.network.build import build_network

    dataset("osm/oslo-east-filtered.osm.pbf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network("osm/oslo-east-filtered.osm.pbf", mode="walk")
        pop = read_ssb_grid("population/befolkning_250m_2023_oslo.shp", as_points=True)
        sch = read_oslo_upper_secondary()
        tt = travel_time_matrix(net, pop, sch, origin_id="cell_id", destination_id="id", output="array")
    minutes = tt.seconds / 60.0
    cols = np.isfinite(minutes).any(axis=0)
    rows = np.flatnonzero(np.isfinite(minutes[:, cols]).all(axis=1))
    rng = np.random.default_rng(6)
    rows = np.sort(rng.choice(rows, size=300, replace=False))  # spopt's CBC models stay small
    cost = minutes[rows][:, cols]
    weights = pop["population"].to_numpy()[rows]
    return cost, weights, np.asarray(tt.origin_ids)[rows], np.asarray(tt.destination_ids)[cols]


def _spopt_solver():
    pulp = pytest.importorskip("pulp")
    return pulp.PULP_CBC_CMD(msg=False)


@pytest.mark.parametrize("method", ["auto", "milp"])
def test_pmedian_equals_spopt(oslo_east, method):
    spopt = pytest.importorskip("spopt.locate")
    cost, w, dids, cids = oslo_east
    prob = LocationProblem.from_matrix(cost, w, demand_ids=dids, candidate_ids=cids)
    ours = solve(prob, "pmedian", p=3, method=method)
    ref = spopt.PMedian.from_cost_matrix(cost, w, 3).solve(_spopt_solver())
    assert ours.status == "optimal"
    assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-4)
    # the objective is the weighted sum of times to the nearest chosen school
    assert ours.objective == pytest.approx(float(np.sum(w * cost[:, ours.open].min(axis=1))))


def test_pmedian_fixed_equals_spopt_predefined(oslo_east):
    spopt = pytest.importorskip("spopt.locate")
    cost, w, _, _ = oslo_east
    fixed = np.zeros(cost.shape[1], dtype=bool)
    fixed[[0, 1]] = True
    prob = LocationProblem.from_matrix(cost, w, fixed=fixed)
    ours = solve(prob, "pmedian", add=2)
    ref = spopt.PMedian.from_cost_matrix(cost, w, 4, predefined_facilities_arr=fixed).solve(_spopt_solver())
    assert ours.open[[0, 1]].all() and ours.open.sum() == 4
    assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-4)


def test_pcenter_equals_spopt(oslo_east):
    spopt = pytest.importorskip("spopt.locate")
    cost, w, _, _ = oslo_east
    cost, w = cost[:150], w[:150]  # spopt's p-center (CBC) is slow; 150 cells keep it to seconds
    prob = LocationProblem.from_matrix(cost, w)
    ref = spopt.PCenter.from_cost_matrix(cost, 3).solve(_spopt_solver()).problem.objective.value()
    for method in ("auto", "milp"):
        ours = solve(prob, "pcenter", p=3, method=method)
        assert ours.status == "optimal"
        assert ours.objective == pytest.approx(ref, rel=1e-5)
        assert ours.objective == pytest.approx(cost[:, ours.open].min(axis=1).max())


def test_mclp_equals_spopt(oslo_east):
    spopt = pytest.importorskip("spopt.locate")
    cost, w, _, _ = oslo_east
    prob = LocationProblem.from_matrix(cost, w)
    ours = solve(prob, "mclp", p=3, cutoff_minutes=15)
    ref = spopt.MCLP.from_cost_matrix(cost, w, 15, 3).solve(_spopt_solver())
    assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-9)
    assert ours.objective == pytest.approx(w[cost[:, ours.open].min(axis=1) <= 15].sum())


def test_lscp_equals_spopt(oslo_east):
    spopt = pytest.importorskip("spopt.locate")
    cost, w, _, _ = oslo_east
    radius = float(np.sort(cost.min(axis=1))[-1]) + 10.0  # every cell coverable
    prob = LocationProblem.from_matrix(cost, w)
    ours = solve(prob, "lscp", cutoff_minutes=radius)
    ref = spopt.LSCP.from_cost_matrix(cost, radius).solve(_spopt_solver())
    assert ours.objective == pytest.approx(ref.problem.objective.value())
    assert (cost[:, ours.open].min(axis=1) <= radius).all()


# --------------------------------------------------------------------------- brute force oracles
def _brute(cost, w, p, *, fixed=(), forbidden=(), kind="pmedian", minutes=None):
    m = cost.shape[1]
    fixed, forbidden = set(fixed), set(forbidden)
    free = [j for j in range(m) if j not in fixed and j not in forbidden]
    best = None
    for extra in itertools.combinations(free, p - len(fixed)):
        s = sorted(fixed | set(extra))
        near = cost[:, s].min(axis=1)
        if kind == "pmedian":
            v = float(np.sum(w * near))
        elif kind == "pcenter":
            v = float(near[w > 0].max())
        else:
            v = -float(w[near <= minutes].sum())
        best = v if best is None else min(best, v)
    return best


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_models_match_brute_force(seed, p):
    rng = np.random.default_rng(seed)
    n, m = 25, 7
    cost = rng.uniform(1, 60, size=(n, m)).round(1)
    w = rng.integers(0, 50, size=n).astype(float)
    w[0] = 1.0
    fixed, forbidden = (0,), (6,)
    prob = LocationProblem.from_matrix(cost, w, fixed=[0], forbidden=[6])
    for kind, kw in (("pmedian", {}), ("pcenter", {}), ("mclp", {"cutoff_minutes": 20.0})):
        r = solve(prob, kind, p=p, mip_rel_gap=0.0, **kw)
        ref = _brute(cost, w, p, fixed=fixed, forbidden=forbidden, kind=kind, minutes=kw.get("cutoff_minutes"))
        got = -r.objective if kind == "mclp" else r.objective
        assert got == pytest.approx(ref, rel=1e-7, abs=1e-7), kind
        assert r.open[0] and not r.open[6] and r.open.sum() == p


def test_lscp_brute_force_and_fixed():
    rng = np.random.default_rng(3)
    cost = rng.uniform(0, 30, size=(40, 8))
    prob = LocationProblem.from_matrix(cost, fixed=[5])
    r = solve(prob, "lscp", cutoff_minutes=12.0)
    best = None
    for k in range(1, 9):
        for s in itertools.combinations(range(8), k):
            if 5 in s and (cost[:, list(s)] <= 12.0).any(axis=1).all():
                best = k if best is None else min(best, k)
        if best is not None:
            break
    assert r.objective == best and r.open[5]
    assert (cost[:, r.open] <= 12.0).any(axis=1).all()


def test_capacitated_pmedian_hand_built():
    # two towns of 100 people; site A is nearest to both but holds only 120, so 80 people go to B.
    # Moving town 1 costs 9 min/person (1 -> 10), town 2 costs 18 (2 -> 20): town 1 moves.
    cost = np.array([[1.0, 10.0, 50.0], [2.0, 20.0, 50.0]])
    w = np.array([100.0, 100.0])
    prob = LocationProblem.from_matrix(cost, w, candidate_ids=["A", "B", "C"], capacity=[120.0, 500.0, 500.0])
    r = solve(prob, "cpmedian", p=2)
    # hand-computed optimum: town 2 all to A (100*2), town 1 20 to A and 80 to B: 20*1 + 80*10
    assert r.objective == pytest.approx(100 * 2 + 20 * 1 + 80 * 10)
    assert list(r.selected) == ["A", "B"]
    assert r.shares[0, 1] == pytest.approx(0.8)
    load = w @ r.shares
    assert load[0] <= 120 + 1e-6
    # uncapacitated would put everyone at A
    assert solve(prob, "pmedian", p=2).objective == pytest.approx(100 * 1 + 100 * 2)
    # single-source: only one town fits at A; best is town 2 at A, town 1 at B: 100*2 + 100*10
    rs = solve(prob, "cpmedian", p=2, single_source=True)
    assert rs.objective == pytest.approx(100 * 2 + 100 * 10)


def test_capacity_too_small_is_clear():
    prob = LocationProblem.from_matrix(np.ones((3, 2)), [10, 10, 10], capacity=[5, 5])
    with pytest.raises(InputError, match="Infeasible capacities"):
        solve(prob, "cpmedian", p=2)


def test_fixed_sites_and_add_k():
    cost = np.array([[0.0, 5, 9], [5, 0, 9], [9, 9, 0], [9, 9, 1]])
    prob = LocationProblem.from_matrix(cost, [1, 1, 1, 1], candidate_ids=["a", "b", "c"], fixed=["a"])
    r = solve(prob, "pmedian", add=1)
    assert list(r.selected) == ["a", "c"] and list(r.selected_new) == ["c"]
    assert r.objective == pytest.approx(0 + 5 + 0 + 1)
    r2 = solve(LocationProblem.from_matrix(cost, [1, 1, 1, 1], candidate_ids=["a", "b", "c"], forbidden=["c"]), "pmedian", p=2)
    assert list(r2.selected) == ["a", "b"]


# --------------------------------------------------------------------------- bad input
def test_p_larger_than_candidates():
    prob = LocationProblem.from_matrix(np.ones((4, 3)), forbidden=[2])
    with pytest.raises(InputError, match="larger than the number of candidates"):
        solve(prob, "pmedian", p=3)


def test_infeasible_lscp_lists_ids():
    cost = np.array([[1.0, 2.0], [50.0, 60.0], [3.0, 1.0]])
    prob = LocationProblem.from_matrix(cost, demand_ids=["cell-a", "cell-far", "cell-c"])
    with pytest.raises(InputError, match="cell-far"):
        solve(prob, "lscp", cutoff_minutes=10)


def test_fixed_and_forbidden_conflict_and_unknown_ids():
    with pytest.raises(InputError, match="both fixed"):
        LocationProblem.from_matrix(np.ones((2, 2)), candidate_ids=["x", "y"], fixed=["x"], forbidden=["x"])
    with pytest.raises(InputError, match="not candidate ids"):
        LocationProblem.from_matrix(np.ones((2, 2)), candidate_ids=["x", "y"], fixed=["z"])


def test_time_limit_returns_incumbent_with_gap():
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 100, size=(1500, 2))
    cand = rng.uniform(0, 100, size=(120, 2))
    cost = np.hypot(pts[:, None, 0] - cand[None, :, 0], pts[:, None, 1] - cand[None, :, 1])
    w = rng.integers(1, 100, size=1500).astype(float)
    prob = LocationProblem.from_matrix(cost, w, capacity=np.full(120, w.sum() / 9))
    r = solve(prob, "cpmedian", p=10, time_limit=0.5)
    assert r.status == "time_limit"
    assert r.open.sum() == 10 or not np.isfinite(r.objective)
    assert np.isnan(r.gap) or r.gap > 0
    r2 = solve(prob, "pmedian", p=10, time_limit=0.2, method="milp")
    assert r2.status in ("time_limit", "optimal")
    assert r2.open.sum() == 10 and np.isfinite(r2.objective)
    if r2.status == "time_limit":
        assert r2.gap > 0 or np.isnan(r2.gap)
