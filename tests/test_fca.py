"""Floating catchment measures against PySAL ``access`` and against hand-computed values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geoaccess.errors import InputError
from geoaccess.measures.decay import Gaussian, Step
from geoaccess.measures.fca import e2sfca, fca_arrays, three_step_fca, two_step_fca

fca_ref = pytest.importorskip("access.fca")
pysal_weights = pytest.importorskip("access.weights")


def _pysal_inputs(cost: np.ndarray, demand: np.ndarray, supply: np.ndarray):
    n, m = cost.shape
    i, j = np.nonzero(np.isfinite(cost))
    cost_df = pd.DataFrame({"origin": i, "dest": 10_000 + j, "cost": cost[i, j]})
    demand_df = pd.DataFrame({"demand": demand}, index=pd.Index(np.arange(n), name="geoid"))
    supply_df = pd.DataFrame({"supply": supply}, index=pd.Index(10_000 + np.arange(m), name="geoid"))
    return demand_df, supply_df, cost_df


def pysal_2sfca(cost, demand, supply, *, max_cost, weight_fn=None) -> np.ndarray:
    demand_df, supply_df, cost_df = _pysal_inputs(cost, demand, supply)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = fca_ref.two_stage_fca(
            demand_df.reset_index(), supply_df, cost_df, max_cost=max_cost,
            demand_index="geoid", demand_name="demand", supply_name="supply", weight_fn=weight_fn,
        )
    return s.reindex(np.arange(cost.shape[0])).fillna(0.0).to_numpy()


def pysal_3sfca(cost, demand, supply, *, max_cost, weight_fn) -> np.ndarray:
    demand_df, supply_df, cost_df = _pysal_inputs(cost, demand, supply)
    s = fca_ref.three_stage_fca(
        demand_df.reset_index(), supply_df, cost_df, max_cost=max_cost,
        demand_index="geoid", demand_name="demand", supply_name="supply", weight_fn=weight_fn,
    )
    return s.reindex(np.arange(cost.shape[0])).fillna(0.0).to_numpy()


def _random_case(seed: int, n: int = 40, m: int = 12, asym: bool = True):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.5, 45.0, size=(n, m))
    if asym:
        cost[rng.random((n, m)) < 0.1] = np.inf
    demand = rng.integers(1, 500, size=n).astype(float)
    supply = rng.uniform(0.5, 20.0, size=m)
    return cost, demand, supply


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_2sfca_equals_pysal(seed):
    cost, demand, supply = _random_case(seed)
    ours = two_step_fca(cost, demand, supply, cutoff_minutes=30.0)["2sfca"].to_numpy()
    ref = pysal_2sfca(cost, demand, supply, max_cost=30.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0)


@pytest.mark.parametrize("seed", [3, 4])
def test_e2sfca_equals_pysal_step(seed):
    cost, demand, supply = _random_case(seed)
    steps = {10: 1.0, 20: 0.68, 30: 0.22}
    ours = e2sfca(cost, demand, supply, steps=tuple(steps.items()))["e2sfca"].to_numpy()
    ref = pysal_2sfca(cost, demand, supply, max_cost=30.0, weight_fn=pysal_weights.step_fn(steps))
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0)


def test_e2sfca_gaussian_equals_pysal():
    cost, demand, supply = _random_case(5)
    ours = two_step_fca(cost, demand, supply, cutoff_minutes=40.0, decay=Gaussian(sigma=15.0))["2sfca"].to_numpy()
    ref = pysal_2sfca(cost, demand, supply, max_cost=40.0, weight_fn=pysal_weights.gaussian(15.0))
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0)


def test_3sfca_equals_pysal_step():
    cost, demand, supply = _random_case(6, asym=False)
    steps = {10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042}
    ours = three_step_fca(cost, demand, supply, steps=tuple(steps.items()))["3sfca"].to_numpy()
    ref = pysal_3sfca(cost, demand, supply, max_cost=60.0, weight_fn=pysal_weights.step_fn(steps))
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0)


# Hand-computed case from pysal/access issue #18 (asymmetric travel times, three zones that are
# both residences and sites). Catchment 60 min, plain 2SFCA.
#   cost (origin -> site):   1     2     3
#       1                     1   120    60
#       2                   120     1    60
#       3                    20    20     1
#   demand P = (100, 50, 10), supply S = (1, 1, 100)
#   D_1 = P_1 + P_3 = 110, D_2 = P_2 + P_3 = 60, D_3 = P_1 + P_2 + P_3 = 160
#   R = (1/110, 1/60, 100/160)
#   A_1 = R_1 + R_3, A_2 = R_2 + R_3, A_3 = R_1 + R_2 + R_3
ISSUE18_COST = np.array([[1.0, 120.0, 60.0], [120.0, 1.0, 60.0], [20.0, 20.0, 1.0]])
ISSUE18_P = np.array([100.0, 50.0, 10.0])
ISSUE18_S = np.array([1.0, 1.0, 100.0])


def test_2sfca_hand_computed_asymmetric():
    r = np.array([1 / 110, 1 / 60, 100 / 160])
    expected = np.array([r[0] + r[2], r[1] + r[2], r.sum()])
    got = two_step_fca(ISSUE18_COST, ISSUE18_P, ISSUE18_S, cutoff_minutes=60.0)
    np.testing.assert_allclose(got["2sfca"].to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(got.attrs["site_ratio"], r, rtol=1e-12)
    # transposing the matrix (site -> origin times) must change the answer: direction matters
    flipped = two_step_fca(ISSUE18_COST.T, ISSUE18_P, ISSUE18_S, cutoff_minutes=59.0)["2sfca"].to_numpy()
    assert not np.allclose(flipped, expected)


def test_pysal_agrees_on_asymmetric_hand_case():
    # PySAL access >= 1.1.5 (PR #26) gets this right; earlier versions summed unweighted ratios.
    r = np.array([1 / 110, 1 / 60, 100 / 160])
    expected = np.array([r[0] + r[2], r[1] + r[2], r.sum()])
    ref = pysal_2sfca(ISSUE18_COST, ISSUE18_P, ISSUE18_S, max_cost=60.0)
    np.testing.assert_allclose(ref, expected, rtol=1e-12)


def test_site_without_demand_pysal_gives_inf_we_skip():
    # Site 1 is reached only by origin 1, which has no residents: D_1 = 0.
    cost = np.array([[5.0, np.inf], [50.0, 5.0]])
    demand = np.array([0.0, 100.0])
    supply = np.array([3.0, 2.0])
    got = two_step_fca(cost, demand, supply, cutoff_minutes=30.0)
    # hand: R_0 = 3/0 undefined -> skipped; R_1 = 2/100; A = (0, 0.02)
    np.testing.assert_allclose(got["2sfca"].to_numpy(), [0.0, 0.02], rtol=1e-12)
    assert got.attrs["n_sites_without_demand"] == 1
    ref = pysal_2sfca(cost, demand, supply, max_cost=30.0)
    assert np.isinf(ref[0]), "PySAL access divides by zero demand and returns inf (documented difference)"
    assert ref[1] == pytest.approx(0.02)


def test_3sfca_hand_computed():
    # two origins, two sites, binary catchment 30 min
    cost = np.array([[10.0, 20.0], [np.inf, 10.0]])
    p = np.array([100.0, 50.0])
    s = np.array([10.0, 10.0])
    # G = [[.5,.5],[0,1]]; W*G = [[.5,.5],[0,1]]; D = (50, 50+50)=(50,100); R=(0.2, 0.1)
    # A_0 = .5*.2 + .5*.1 = 0.15; A_1 = 0.1
    got = three_step_fca(cost, p, s, steps=((30.0, 1.0),))
    np.testing.assert_allclose(got["3sfca"].to_numpy(), [0.15, 0.1], rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    cost=hnp.arrays(np.float64, (6, 4), elements=st.floats(0, 60)),
    demand=hnp.arrays(np.float64, 6, elements=st.floats(1, 1000)),
    supply=hnp.arrays(np.float64, 4, elements=st.floats(0.1, 100)),
)
def test_2sfca_conserves_supply(cost, demand, supply):
    """Sum_i P_i A_i equals the total supply of sites that have demand in their catchment."""
    a, _r, d, _ = fca_arrays(cost, demand, supply, decay=Step(((30.0, 1.0),)), cutoff_minutes=30.0)
    served = supply[d > 0].sum()
    assert np.isclose((demand * a).sum(), served, rtol=1e-9)


def test_bad_inputs():
    cost = np.array([[5.0, 10.0]])
    with pytest.raises(InputError, match="negative"):
        two_step_fca(cost, [-1.0], [1.0, 1.0], cutoff_minutes=30)
    with pytest.raises(InputError, match="NaN"):
        two_step_fca(cost, [np.nan], [1.0, 1.0], cutoff_minutes=30)
    with pytest.raises(InputError, match="zero everywhere"):
        two_step_fca(cost, [10.0], [0.0, 0.0], cutoff_minutes=30)
    with pytest.raises(InputError, match="negative travel"):
        two_step_fca(np.array([[-5.0, 1.0]]), [10.0], [1.0, 1.0], cutoff_minutes=30)
    got = two_step_fca(cost, [10.0], [0.0, 4.0], cutoff_minutes=30)
    assert got.attrs["n_zero_supply"] == 1
    assert got["2sfca"].iloc[0] == pytest.approx(0.4)


def test_3sfca_selection_weights_use_the_catchment_only():
    """PySAL access computes the 3SFCA selection weights G over every pair of its cost table,
    including sites beyond max_cost when the decay is non-zero there (Gaussian); Wan et al. (2012)
    normalise over the catchment. Hand computation, catchment 30 min, Gaussian sigma 20 min."""
    cost = np.array([[10.0, 50.0], [20.0, 15.0]])
    p = np.array([100.0, 50.0])
    s = np.array([5.0, 5.0])
    g = lambda t: np.exp(-t * t / (2 * 20.0**2))
    w = np.array([[g(10), 0.0], [g(20), g(15)]])  # site 1 is outside origin 0's 30-min catchment
    sel = w / w.sum(axis=1, keepdims=True)
    r = s / (p @ (sel * w))
    expected = (sel * w) @ r
    ours = three_step_fca(cost, p, s, decay=Gaussian(sigma=20.0), cutoff_minutes=30.0)["3sfca"].to_numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    ref = pysal_3sfca(cost, p, s, max_cost=30.0, weight_fn=pysal_weights.gaussian(20.0))
    assert not np.allclose(ref, expected, rtol=1e-3), "PySAL's G includes the 50-min site beyond max_cost"
    np.testing.assert_allclose(ref[0], 0.04307647246756668, rtol=1e-9)  # documented PySAL value
