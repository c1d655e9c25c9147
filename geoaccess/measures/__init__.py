"""Accessibility measures on cost matrices (origins x destinations, minutes; NaN/inf = unreachable).

No graph work happens here: the travel-time engine produces the matrix, the measures turn it and
weight arrays into tidy per-origin tables (GeoDataFrames when origin geometries are given).
Importing the package reads no file and compiles nothing.

Public names
------------
cumulative_opportunities
    Sum of weights within T minutes, several T in one pass (:mod:`.cumulative`).
gravity_access
    Potential accessibility with a decay function (:mod:`.gravity`, :mod:`.decay`).
nearest_from_cost, coverage
    Nearest-facility time off a cost matrix; population share within T and the uncovered cells
    (:mod:`.population_coverage`). The nearest-facility *search* is :func:`geoaccess.engine.nearest_facility`.
two_step_fca, e2sfca, three_step_fca
    Floating catchment family (:mod:`.fca`).
centrality_index, centrality_from_access, centrality_class
    SSB-style sentralitetsindeks (:mod:`.centrality`, parameters in ``centrality.toml``; KLASS 128 bands).

The eastern-Oslo walk coverage demo is :mod:`geoaccess.examples.service_coverage`.
"""

from __future__ import annotations

from geoaccess.measures.access import AccessResult, access_measure
from geoaccess.measures.centrality import (
    KLASS_128_BANDS,
    CentralityConfig,
    centrality_class,
    centrality_from_access,
    centrality_index,
    load_config,
)
from geoaccess.measures.cumulative import cumulative_opportunities, cumulative_sums
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
from geoaccess.measures.fca import e2sfca, fca_arrays, three_step_fca, two_step_fca
from geoaccess.measures.gravity import gravity_access, gravity_sums
from geoaccess.measures.population_coverage import CoverageResult, coverage, nearest_from_cost

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
    "access_measure",
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
    "three_step_fca",
    "two_step_fca",
]
