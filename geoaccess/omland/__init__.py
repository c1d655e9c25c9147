"""Omland: what a regional centre offers its hinterland (the small-town strategy's questions).

* :func:`small_town_analysis` — omland, service coverage, state-office siting and a transport
  investment for one centre, on one prepared car router;
* the parts: :func:`omland_reach`, :func:`omland_catchments`, :func:`service_coverage`,
  :func:`old_standard_levels`, :func:`investment_effect`.
"""

from __future__ import annotations

from geoaccess.omland.analysis import SmallTownAnalysis, small_town_analysis
from geoaccess.omland.centrality import OLD_STANDARD, old_standard_levels
from geoaccess.omland.coverage import COVERAGE_MINUTES, ServiceCoverage, service_coverage
from geoaccess.omland.investment import INVESTMENT_MINUTES, InvestmentEffect, investment_effect
from geoaccess.omland.reach import OMLAND_MINUTES, omland_catchments, omland_reach

__all__ = [
    "COVERAGE_MINUTES",
    "INVESTMENT_MINUTES",
    "OLD_STANDARD",
    "OMLAND_MINUTES",
    "InvestmentEffect",
    "ServiceCoverage",
    "SmallTownAnalysis",
    "investment_effect",
    "old_standard_levels",
    "omland_catchments",
    "omland_reach",
    "service_coverage",
    "small_town_analysis",
]
