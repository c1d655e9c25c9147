"""SSB-style centrality index: hand-computed values, transforms, scaling, KLASS 128 classes, strict config, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geoaccess.errors import InputError
from geoaccess.measures.centrality import (
    KLASS_128_BANDS,
    CentralityConfig,
    centrality_class,
    centrality_from_access,
    centrality_index,
    component_scores,
    load_config,
)
from geoaccess.measures.decay import Logistic

CUTOFF = CentralityConfig(
    jobs_decay=(("kind", "cutoff"), ("minutes", 60.0)),
    services_decay=(("kind", "cutoff"), ("minutes", 30.0)),
    transform_jobs="linear",
    transform_services="linear",
    class_cuts=(900.0, 800.0, 700.0, 600.0, 500.0),
)


def test_packaged_config_matches_published_parts():
    cfg = load_config()
    assert cfg.horizon_minutes == 90.0
    assert cfg.weight_jobs == pytest.approx(2 / 3) and cfg.weight_services == pytest.approx(1 / 3)
    assert cfg.scale_max == 1000.0
    assert cfg.class_cuts == (925.0, 870.0, 775.0, 670.0, 565.0)  # KLASS 128's bands
    assert cfg.decay("jobs") == Logistic(mu=45.0, s=7.5)
    assert (cfg.transform_jobs, cfg.transform_services, cfg.log_offset_jobs) == ("log", "linear", 1.0)


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
    # origin scores (share of the largest origin): jobs 1, 1/3, 0; services 1, 1, 0.5
    # origin values 2/3 s_j + 1/3 s_s: 1, 5/9, 1/6; A = (300 * 1 + 100 * 5/9) / 400 = 8/9, B = 1/6
    assert out.loc["A", "jobs_score"] == pytest.approx((300 + 100 / 3) / 400)
    assert out.loc["A", "index"] == pytest.approx(1000.0)
    assert out.loc["B", "index"] == pytest.approx(1000 * (1 / 6) / (8 / 9))
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
    assert cfg.decay("jobs") == Logistic(mu=45.0, s=7.5)  # the rest stays packaged
    p.write_text("weight_jobs = [")
    with pytest.raises(InputError, match="Cannot read"):
        load_config(p)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('normalise_components = "max"\n', "unknown key 'normalise_components'"),  # removed: nothing read it
        ("log = false\n", "unknown key 'log'"),
        ("[transform]\nkind = \"log\"\n", r"\[transform\]: unknown key 'kind'; allowed keys: "),
        ("[classes]\ncut = [1]\n", r"\[classes\]: unknown key 'cut' \(did you mean 'cuts'\?\)"),
        ("[extra]\na = 1\n", "unknown key 'extra'; allowed keys: .*horizon_minutes"),
        ('weight_jobs = "two thirds"\n', "weight_jobs must be a number"),
        ('[transform]\njobs = "sqrt"\n', "transform_jobs must be one of log, power, linear"),
        ("[transform]\nlog_offset_jobs = 0\n", "log_offset_jobs must be a positive number"),
        ("[classes]\ncuts = [500, 600, 700, 800, 900]\n", "descending"),
        ('[jobs_decay]\nmu = 45\n', "needs a 'kind'"),
    ],
)
def test_strict_loader(tmp_path, text, match):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(InputError, match=match):
        load_config(p)


def test_every_packaged_key_is_read():
    import tomllib
    from importlib import resources

    raw = tomllib.loads(resources.files("geoaccess.measures").joinpath("centrality.toml").read_text("utf-8"))
    cfg = load_config()
    assert cfg.horizon_minutes == raw["horizon_minutes"] and cfg.aggregate == raw["aggregate"]
    assert cfg.transform_jobs == raw["transform"]["jobs"] and cfg.power_exponent == raw["transform"]["power_exponent"]
    assert list(cfg.class_cuts) == raw["classes"]["cuts"] and cfg.services_mode == raw["services"]["mode"]


def test_log_transform_by_hand():
    cfg = CentralityConfig(log_offset_jobs=10.0, transform_services="log", log_offset_services=0.5)
    sj, ss = component_scores(np.array([0.0, 90.0, 990.0]), np.array([0.0, 1.0, 4.0]), config=cfg)
    assert sj.tolist() == pytest.approx([0.0, np.log(10.0) / np.log(100.0), 1.0])
    assert ss.tolist() == pytest.approx([0.0, np.log(3.0) / np.log(9.0), 1.0])
    pw = CentralityConfig(transform_jobs="power", power_exponent=0.5)
    assert component_scores(np.array([25.0, 100.0]), np.array([1.0, 1.0]), config=pw)[0].tolist() == [0.5, 1.0]
    with pytest.raises(InputError, match="finite and >= 0"):
        component_scores(np.array([np.nan]), np.array([1.0]), config=cfg)


def test_published_scale_nothing_reachable_is_zero():
    # three units: a centre, a remote one reaching 0.05 % of the centre's jobs, and one reaching nothing
    out = centrality_from_access([1_000_000.0, 500.0, 0.0], [8.0, 2.0, 0.0], units=["C", "R", "N"]).set_index("unit")
    assert out.loc["C", "index"] == 1000.0 and out.loc["N", "index"] == 0.0
    # log1p of jobs keeps the remote unit in the published range; a linear share would give 1-2 points
    expected = 1000 * (2 / 3 * np.log1p(500) / np.log1p(1e6) + 1 / 3 * 2 / 8)
    assert out.loc["R", "index"] == pytest.approx(expected)
    assert 250 < out.loc["R", "index"] < 450
    linear = centrality_from_access([1_000_000.0, 500.0], [8.0, 0.0], units=["C", "R"],
                                    config=CentralityConfig(transform_jobs="linear")).set_index("unit")
    assert linear.loc["R", "index"] < 1.0


@pytest.mark.parametrize(("value", "cls"), [(1000, 1), (925, 1), (924.6, 1), (924.4, 2), (870, 2), (869.5, 2),
                                            (869.4, 3), (775, 3), (774, 4), (670, 4), (669, 5), (565, 5), (564.4, 6),
                                            (0, 6)])
def test_klass_128_bands(value, cls):
    assert centrality_class([value])[0] == cls
    lo, hi = KLASS_128_BANDS[cls]
    assert lo <= round(value) <= hi


def test_class_of_nan_stays_nan():
    assert np.isnan(centrality_class([np.nan])[0])
