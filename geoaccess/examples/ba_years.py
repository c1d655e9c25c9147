"""User story: BA-regions for every year of flows (2017-2021) on one division, rule by rule.

A county analyst wants to see how the BA cascade places municipalities year by year.
The flows of each year are recoded to one division (2024 codes by default; splits
weighted by 2015 population), centres are proposed from the data (jobs, net
in-commuting, town size), and the preset ``toi2019`` is applied. Until national
travel times exist, the travel-time rules are skipped and say so; pass a table to
run them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["rule_counts_by_year"]


def rule_counts_by_year(
    years: Sequence[int] = (2017, 2018, 2019, 2020, 2021),
    *,
    to_year: int = 2024,
    preset: str = "toi2019",
    travel_times: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rule counts of the BA cascade per year of flows, on the division of ``to_year``.

    Returns
    -------
    pandas.DataFrame
        One row per year: ``year``, ``municipalities``, ``centres`` (groups),
        ``double_centres``, one column per rule code (municipalities placed by it),
        ``regions``, ``centre_regions``, ``restkommune_regions``, ``seconds`` (cascade).
    """
    import pandas as pd

    from geoaccess.errors import DataWarning
    from geoaccess.layers.commuting import load_flows
    from geoaccess.layers.crosswalk import boundaries_for_year, codes_in_force, recode_flows
    from geoaccess.regions.ba import ba_regions
    from geoaccess.regions.config import load_config
    from geoaccess.regions.flows import FlowData
    from geoaccess.regions.town_clusters import town_parts_for_year

    cfg = load_config(preset=preset)
    boundaries = boundaries_for_year(to_year)
    cp = cfg.ba.centre_proposal
    towns = town_parts_for_year(to_year, min_cell_population=cp.town_min_cell_population, link_cells=cp.town_link_cells)
    rows = []
    for y in years:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # zero-worker and stale-code notes
            flows = recode_flows(load_flows(y), to_year=to_year)
            fd = FlowData.from_table(flows, codes=sorted(codes_in_force(to_year)), year=to_year)
            res = ba_regions(fd, travel_times=travel_times, boundaries=boundaries, towns=towns, params=cfg.ba)
        counts = res.meta["rule_counts"]
        rows.append(
            {
                "year": y,
                "municipalities": fd.n,
                "centres": len(res.meta["centres"]),
                "double_centres": sum("+" in c for c in res.meta["centres"]),
                **{r: counts.get(r, 0) for r in ("centre", "out_commuting", "tt30", "tt45", "tt75", "alt90",
                                                  "contiguity", "rest", "zero_workers")},
                "regions": res.n_regions,
                "centre_regions": res.meta["n_centre_regions"],
                "restkommune_regions": res.meta["n_restkommune_regions"],
                "seconds": round(res.meta["seconds"], 3),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)
