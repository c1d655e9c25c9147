"""Decay functions: hand-computed values, PySAL conventions, monotonicity, bad parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.errors import InputError
from geoaccess.measures.decay import (
    CumulativeGaussian,
    Cutoff,
    Gaussian,
    Logistic,
    NegativeExponential,
    Power,
    Step,
    make_decay,
    parse_decay,
)

ALL = [
    NegativeExponential(beta=0.05),
    Power(alpha=1.5, t_min=2.0),
    Gaussian(sigma=15.0),
    CumulativeGaussian(mu=30.0, sigma=5.0),
    Logistic(mu=30.0, s=4.0),
    Step(((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))),
    Cutoff(20.0),
]


def test_hand_values():
    assert NegativeExponential(beta=0.1)(10.0) == pytest.approx(math.exp(-1.0))
    assert Power(alpha=2.0, t_min=1.0)(4.0) == pytest.approx(1 / 16)
    assert Power(alpha=2.0, t_min=5.0)(2.0) == pytest.approx(1.0)
    assert Gaussian(sigma=10.0)(20.0) == pytest.approx(math.exp(-2.0))
    assert CumulativeGaussian(mu=30.0, sigma=5.0)(30.0) == pytest.approx(0.5)
    # 1 - Phi(1) = 0.158655...
    assert CumulativeGaussian(mu=30.0, sigma=5.0)(35.0) == pytest.approx(0.15865525393145707)
    assert Logistic(mu=30.0, s=5.0)(35.0) == pytest.approx(1 / (1 + math.e))
    st_ = Step(((10.0, 1.0), (20.0, 0.68), (30.0, 0.22)))
    np.testing.assert_allclose(st_(np.array([0, 10, 10.01, 20, 25, 30, 30.5])), [1, 1, 0.68, 0.68, 0.22, 0.22, 0])
    np.testing.assert_array_equal(Cutoff(20.0)(np.array([19.9, 20.0, 20.1])), [1.0, 1.0, 0.0])


def test_matches_pysal_weights():
    w = pytest.importorskip("access.weights")
    t = np.linspace(0, 70, 141)
    steps = {10: 1.0, 20: 0.68, 30: 0.22}
    np.testing.assert_allclose(Step(tuple(steps.items()))(t), [w.step_fn(steps)(x) for x in t], rtol=1e-12)
    np.testing.assert_allclose(Gaussian(sigma=20.0)(t), w.gaussian(20.0)(t), rtol=1e-12)


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.name)
def test_unreachable_weighs_zero(f):
    np.testing.assert_array_equal(f(np.array([np.inf, np.nan])), [0.0, 0.0])


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.name)
@settings(max_examples=60, deadline=None)
@given(a=st.floats(0, 200), b=st.floats(0, 200))
def test_non_increasing_and_in_unit_interval(f, a, b):
    lo, hi = min(a, b), max(a, b)
    fl, fh = float(f(lo)), float(f(hi))
    assert 0.0 <= fh <= fl <= 1.0


def test_bad_parameters():
    with pytest.raises(InputError):
        NegativeExponential(beta=-0.1)
    with pytest.raises(InputError):
        Gaussian(sigma=0.0)
    with pytest.raises(InputError):
        Step(((20.0, 1.0), (10.0, 0.5)))
    with pytest.raises(InputError):
        Step(((10.0, 1.5),))
    with pytest.raises(InputError):
        make_decay("cubic", a=1)
    with pytest.raises(InputError):
        parse_decay("exp:beta")


def test_parse_and_make():
    assert parse_decay("exp:beta=0.05") == NegativeExponential(beta=0.05)
    assert parse_decay("logistic:mu=30,s=5") == Logistic(mu=30.0, s=5.0)
    assert parse_decay("step:10=1,20=0.68,30=0.22") == Step(((10.0, 1.0), (20.0, 0.68), (30.0, 0.22)))
    assert make_decay("cumulative-gaussian", mu=45, sigma=8) == CumulativeGaussian(mu=45, sigma=8)
