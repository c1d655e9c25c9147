"""User story: BA-regions for every year of flows (2017-2021) on one division, rule by rule.

A county analyst wants to see how the BA cascade places municipalities year by year.
The flows of each year are recoded to one division (2024 codes by default; splits
weighted by 2015 population), centres are proposed from the data (jobs, net
in-commuting, town size), and the preset ``toi2019`` is applied. With
``travel_times="national"`` (and ``alt_travel_times="national"``) the travel-time rules
run on the N1000 car (and boat) network; without a table they are skipped and say so.
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
    travel_times: pd.DataFrame | str | None = None,
    alt_travel_times: pd.DataFrame | str | None = None,
) -> pd.DataFrame:
    """Rule counts of the BA cascade per year of flows, on the division of ``to_year``.

    Parameters
    ----------
    travel_times, alt_travel_times
        Car and other-mode tables in ``to_year``'s codes, a CSV path or a registered source
        name (``"national"``), resolved once for all years.

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
    from geoaccess.layers.towns import town_parts_for_year
    from geoaccess.regions.travel_tables import resolve_travel_times

    cfg = load_config(preset=preset)
    boundaries = boundaries_for_year(to_year)
    cp = cfg.ba.centre_proposal
    towns = town_parts_for_year(to_year, min_cell_population=cp.town_min_cell_population, link_cells=cp.town_link_cells)
    codes = sorted(codes_in_force(to_year))
    car = resolve_travel_times(travel_times, year=to_year, codes=codes, mode="car")
    boat = resolve_travel_times(alt_travel_times, year=to_year, codes=codes, mode="boat")
    rows = []
    for y in years:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # zero-worker and stale-code notes
            flows = recode_flows(load_flows(y), to_year=to_year)
            fd = FlowData.from_table(flows, codes=codes, year=to_year)
            res = ba_regions(
                fd, travel_times=car, alt_travel_times=boat, boundaries=boundaries, towns=towns, params=cfg.ba
            )
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
