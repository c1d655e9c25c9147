"""One vocabulary in the Python API: no public function takes a parameter under an old name (issue 10 item 4)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import geoaccess
from geoaccess.errors import InputError

#: old names that must not be parameters of a public function (the vocabulary's names in brackets)
FORBIDDEN = {"thresholds": "thresholds_minutes", "max_minutes": "cutoff_minutes", "minutes": "thresholds_minutes",
             "max_snap": "max_snap_m", "snap_m": "max_snap_m"}
#: (qualified name, parameter): why it stays
ALLOWED = {
    ("catchments", "minutes"): "deprecated alias of thresholds_minutes, kept for one release",
    ("reached_population", "minutes"): "deprecated alias of thresholds_minutes, kept for one release",
    ("service_coverage_demo", "thresholds"): "demo code, moving to geoaccess.examples",
    ("as_thresholds", "thresholds"): "private checks module",
}


def _public_callables():
    for m in pkgutil.walk_packages(geoaccess.__path__, "geoaccess."):
        if ".cli" in m.name or ".examples" in m.name or m.name.endswith(".demo"):
            continue
        mod = importlib.import_module(m.name)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            members = [obj]
            if inspect.isclass(obj):
                members = [getattr(obj, a) for a in dir(obj) if not a.startswith("_")]
            for f in members:
                if callable(f) and str(getattr(f, "__module__", "")).startswith("geoaccess"):
                    yield m.name, f


def test_no_public_parameter_under_an_old_name():
    bad = set()
    for mod, f in _public_callables():
        try:
            params = inspect.signature(f).parameters
        except (TypeError, ValueError):
            continue
        for p in params:
            name = f.__qualname__.split(".")[-1]
            if p in FORBIDDEN and (name, p) not in ALLOWED:
                bad.add(f"{mod}.{f.__qualname__}({p}=): use {FORBIDDEN[p]}=")
    assert not bad, sorted(bad)


def test_old_keyword_still_works_with_a_warning():
    from geoaccess.measures.cumulative import cumulative_opportunities
    from geoaccess.measures.fca import two_step_fca
    from geoaccess.measures.population_coverage import coverage

    cost = np.array([[5.0, 25.0], [15.0, np.inf]])
    new = cumulative_opportunities(cost, [1.0, 2.0], thresholds_minutes=[10, 30])
    with pytest.warns(DeprecationWarning, match=r"thresholds= is deprecated .* use thresholds_minutes="):
        old = cumulative_opportunities(cost, [1.0, 2.0], thresholds=[10, 30])
    assert old.equals(new)
    assert new["cum_10"].tolist() == [1.0, 0.0] and new["cum_30"].tolist() == [3.0, 1.0]  # by hand
    with pytest.warns(DeprecationWarning, match="max_minutes= is deprecated"):
        two_step_fca(cost, [1.0, 1.0], [1.0, 1.0], max_minutes=30)
    with pytest.raises(InputError, match="give thresholds_minutes= only"):
        coverage(cost, [1.0, 1.0], thresholds=[10], thresholds_minutes=[10])
