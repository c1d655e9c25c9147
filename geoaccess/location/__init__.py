"""Service location (lokalisering av tjenester): location-allocation models and site evaluation.

Modules::

    problem     LocationProblem: cost matrix (minutes), demand weights, fixed/forbidden sites
    exact       MILP models with scipy.optimize.milp (HiGHS): p-median, p-center, MCLP, LSCP,
                capacitated p-median, with a time limit and the optimality gap
    heuristics  greedy + fast vertex substitution (numba) for p-median and MCLP, Lagrangian bound
    result      LocationResult: chosen sites, allocation, coverage statistics, GeoDataFrames
    sites       state-office site evaluation (retningslinjer for lokalisering av statlige
                arbeidsplasser): labour pool, volume, centrality, user access, transit hub, omland
    report      HTML report, tidy CSV and GeoPackage of a site evaluation

The eastern-Oslo demo (three sites for a 50-job office, and an MCLP) is :mod:`geoaccess.examples.location`.
"""

from __future__ import annotations

from geoaccess.location.exact import solve
from geoaccess.location.heuristics import solve_heuristic
from geoaccess.location.problem import LocationProblem
from geoaccess.location.result import LocationResult
from geoaccess.location.sites import evaluate_sites, rank_rounded

__all__ = [
    "LocationProblem",
    "LocationResult",
    "evaluate_sites",
    "rank_rounded",
    "solve",
    "solve_heuristic",
]
