"""SSB-style centrality index: hand-computed values, scaling, classes, config, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geoaccess.errors import InputError
from geoaccess.measures.centrality import (
    CentralityConfig,
    centrality_index,
    load_config,
)
from geoaccess.measures.decay import Logistic

CUTOFF = CentralityConfig(
    jobs_decay=(("kind", "cutoff"), ("minutes", 60.0)),
    services_decay=(("kind", "cutoff"), ("minutes", 30.0)),
)


def test_packaged_config_matches_published_parts():
    cfg = load_config()
    assert cfg.horizon_minutes == 90.0
    assert cfg.weight_jobs == pytest.approx(2 / 3) and cfg.weight_services == pytest.approx(1 / 3)
    assert cfg.scale_max == 1000.0
    assert len(cfg.class_cuts) == 5  # six classes
    assert cfg.decay("jobs") == Logistic(mu=45.0, s=7.5)


def test_hand_computed_two_units():
    # origins 0,1 in unit "A", origin 2 in unit "B"
    jobs_cost = np.array([[10.0, 50.0], [70.0, 20.0], [100.0, np.nan]])
    jobs = np.array([1000.0, 500.0])
    serv_cost = np.array([[5.0, 40.0, 25.0], [5.0, 5.0, 50.0], [80.0, np.inf, 20.0]])
    types = ["hospital", "nav_office", "nav_office"]
    pop = np.array([300.0, 100.0, 50.0])
    out = centrality_index(jobs_cost, jobs, serv_cost, types, population=pop, units=["A", "A", "B"], config=CUTOFF)
    out = out.set_index("unit")
    # jobs within 60: o0 = 1500, o1 = 500, o2 = 0 -> A = (300*1500 + 100*500)/400 = 1250, B = 0
    assert out.loc["A", "jobs_access"] == pytest.approx(1250.0)
    assert out.loc["B", "jobs_access"] == pytest.approx(0.0)
    # service functions with nearest <= 30: o0 hospital(5) + nav(25) = 2; o1 = 2; o2: nav 20 -> 1
    assert out.loc["A", "services_access"] == pytest.approx(2.0)
    assert out.loc["B", "services_access"] == pytest.approx(1.0)
    # scores: A = (1, 1) -> 1000; B = (0, 0.5) -> (1/3 * 0.5) / 1 * 1000 = 166.67
    assert out.loc["A", "index"] == pytest.approx(1000.0)
    assert out.loc["B", "index"] == pytest.approx(1000 / 6)
    assert out.loc["A", "class"] == 1 and out.loc["B", "class"] == 6
    assert out.loc["A", "population"] == 400.0


def test_beyond_horizon_counts_nothing():
    cfg = CentralityConfig(jobs_decay=(("kind", "exponential"), ("beta", 0.01)))
    jc = np.array([[10.0], [95.0]])
    out = centrality_index(jc, [100.0], np.array([[1.0], [1.0]]), ["x"], config=cfg).set_index("unit")
    assert out.loc[1, "jobs_access"] == 0.0
    assert out.loc[0, "jobs_access"] == pytest.approx(100 * np.exp(-0.1))


@settings(max_examples=40, deadline=None)
@given(
    jc=hnp.arrays(np.float64, (6, 5), elements=st.floats(0, 120)),
    sc=hnp.arrays(np.float64, (6, 4), elements=st.floats(0, 120)),
    jobs=hnp.arrays(np.float64, 5, elements=st.floats(1, 1e4)),
)
def test_scale_and_classes_invariants(jc, sc, jobs):
    out = centrality_index(jc, jobs, sc, ["a", "b", "a", "c"])
    idx = out["index"].to_numpy()
    assert (idx >= 0).all() and (idx <= 1000 + 1e-9).all()
    if idx.max() > 0:
        assert idx.max() == pytest.approx(1000.0)
    # classes are non-decreasing as the index falls
    assert (np.diff(out["class"].to_numpy()) >= 0).all()
    assert set(out["class"]).issubset({1, 2, 3, 4, 5, 6})


def test_more_jobs_nearby_never_lowers_raw_access():
    rng = np.random.default_rng(3)
    jc = rng.uniform(0, 100, size=(8, 6))
    sc = rng.uniform(0, 100, size=(8, 3))
    jobs = rng.uniform(10, 1000, size=6)
    a = centrality_index(jc, jobs, sc, ["a", "b", "c"]).set_index("unit").sort_index()
    jobs2 = jobs.copy()
    jobs2[0] += 5000
    b = centrality_index(jc, jobs2, sc, ["a", "b", "c"]).set_index("unit").sort_index()
    assert (b["jobs_access"] >= a["jobs_access"] - 1e-9).all()


def test_bad_input_and_config(tmp_path):
    with pytest.raises(InputError, match="negative"):
        centrality_index(np.ones((1, 1)), [-1.0], np.ones((1, 1)), ["a"])
    with pytest.raises(InputError, match="service types"):
        centrality_index(np.ones((1, 1)), [1.0], np.ones((1, 2)), ["a"])
    with pytest.raises(InputError, match="descending"):
        CentralityConfig(class_cuts=(500.0, 600.0, 700.0, 800.0, 900.0))
    p = tmp_path / "c.toml"
    p.write_text('weight_jobs = 0.5\nweight_services = 0.5\n[services]\nmode = "sum"\n')
    cfg = load_config(p)
    assert cfg.weight_jobs == 0.5 and cfg.services_mode == "sum"
    p.write_text("weight_jobs = [")
    with pytest.raises(InputError, match="Cannot read"):
        load_config(p)
