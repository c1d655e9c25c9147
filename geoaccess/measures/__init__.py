"""Accessibility measures on cost matrices (origins x destinations, minutes; NaN/inf = unreachable).

No graph work happens here: the travel-time engine produces the matrix, the measures turn it and
weight arrays into tidy per-origin tables (GeoDataFrames when origin geometries are given).
Sub-modules load lazily, so ``import geoaccess.measures`` does no work.

Public names
------------
cumulative_opportunities
    Sum of weights within T minutes, several T in one pass (:mod:`.cumulative`).
gravity_access
    Potential accessibility with a decay function (:mod:`.gravity`, :mod:`.decay`).
nearest_from_cost, coverage
    Nearest-facility time off a cost matrix; population share within T and the uncovered cells
    (:mod:`.coverage`). The nearest-facility *search* is :func:`geoaccess.engine.nearest_facility`.
two_step_fca, e2sfca, three_step_fca
    Floating catchment family (:mod:`.fca`).
centrality_index, centrality_from_access, centrality_class
    SSB-style sentralitetsindeks (:mod:`.centrality`, parameters in ``centrality.toml``; KLASS 128 bands).
service_coverage_demo
    Eastern Oslo walk coverage of schools, NAV offices and healthcare (:mod:`.demo`).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "access_measure": "geoaccess.measures.access",
    "AccessResult": "geoaccess.measures.access",
    "cumulative_opportunities": "geoaccess.measures.cumulative",
    "cumulative_sums": "geoaccess.measures.cumulative",
    "gravity_access": "geoaccess.measures.gravity",
    "gravity_sums": "geoaccess.measures.gravity",
    "nearest_from_cost": "geoaccess.measures.coverage",
    "coverage": "geoaccess.measures.coverage",
    "CoverageResult": "geoaccess.measures.coverage",
    "two_step_fca": "geoaccess.measures.fca",
    "e2sfca": "geoaccess.measures.fca",
    "three_step_fca": "geoaccess.measures.fca",
    "fca_arrays": "geoaccess.measures.fca",
    "centrality_index": "geoaccess.measures.centrality",
    "centrality_from_access": "geoaccess.measures.centrality",
    "centrality_class": "geoaccess.measures.centrality",
    "KLASS_128_BANDS": "geoaccess.measures.centrality",
    "CentralityConfig": "geoaccess.measures.centrality",
    "load_config": "geoaccess.measures.centrality",
    "service_coverage_demo": "geoaccess.measures.demo",
    "NegativeExponential": "geoaccess.measures.decay",
    "Power": "geoaccess.measures.decay",
    "Gaussian": "geoaccess.measures.decay",
    "CumulativeGaussian": "geoaccess.measures.decay",
    "Logistic": "geoaccess.measures.decay",
    "Step": "geoaccess.measures.decay",
    "Cutoff": "geoaccess.measures.decay",
    "make_decay": "geoaccess.measures.decay",
    "parse_decay": "geoaccess.measures.decay",
}

__all__ = [
    "KLASS_128_BANDS",
    "AccessResult",
    "CentralityConfig",
    "CoverageResult",
    "CumulativeGaussian",
    "Cutoff",
    "Gaussian",
    "Logistic",
    "NegativeExponential",
    "Power",
    "Step",
    "centrality_class",
    "centrality_from_access",
    "centrality_index",
    "coverage",
    "cumulative_opportunities",
    "cumulative_sums",
    "e2sfca",
    "fca_arrays",
    "gravity_access",
    "gravity_sums",
    "load_config",
    "make_decay",
    "nearest_from_cost",
    "parse_decay",
    "service_coverage_demo",
    "three_step_fca",
    "two_step_fca",
    "access_measure",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'geoaccess.measures' has no attribute {name!r}"
    raise AttributeError(msg)
