"""Service location (lokalisering av tjenester): location-allocation models and site evaluation.

Submodules are imported lazily::

    problem     LocationProblem: cost matrix (minutes), demand weights, fixed/forbidden sites
    exact       MILP models with scipy.optimize.milp (HiGHS): p-median, p-center, MCLP, LSCP,
                capacitated p-median, with a time limit and the optimality gap
    heuristics  greedy + fast vertex substitution (numba) for p-median and MCLP, Lagrangian bound
    result      LocationResult: chosen sites, allocation, coverage statistics, GeoDataFrames
    sites       state-office site evaluation (retningslinjer for lokalisering av statlige
                arbeidsplasser): labour pool, volume, centrality, user access, transit hub, omland
    report      HTML report, tidy CSV and GeoPackage of a site evaluation
    demo        location_demo(): three eastern-Oslo sites for a 50-job office, and an MCLP
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "LocationProblem",
    "LocationResult",
    "evaluate_sites",
    "rank_rounded",
    "location_demo",
    "solve",
    "solve_heuristic",
]

_SUBMODULES = {"problem", "exact", "heuristics", "result", "sites", "report", "demo"}
_ATTRS = {
    "LocationProblem": "problem",
    "LocationResult": "result",
    "solve": "exact",
    "solve_heuristic": "heuristics",
    "evaluate_sites": "sites",
    "rank_rounded": "sites",
    "location_demo": "demo",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"geoaccess.location.{name}")
    if name in _ATTRS:
        return getattr(importlib.import_module(f"geoaccess.location.{_ATTRS[name]}"), name)
    msg = f"module 'geoaccess.location' has no attribute {name!r}"
    raise AttributeError(msg)
