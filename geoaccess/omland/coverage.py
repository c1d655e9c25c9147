"""Service coverage in a region: who lives within 10/20/30 minutes' drive of a NAV office, a court, a health site.

For every cell of the region the car time to the **nearest** facility of each service is found
with one multi-source search (:meth:`geoaccess.engine.router.Router.nearest`), over facilities
anywhere on the network (a resident of Løten may be nearest to a NAV office in Elverum). The
shares are :func:`geoaccess.measures.population_coverage.coverage` of those times; the cells beyond the
largest threshold (for any service) are listed with their times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.snap import Snapped

__all__ = ["COVERAGE_MINUTES", "ServiceCoverage", "service_coverage"]

COVERAGE_MINUTES = (10.0, 20.0, 30.0)
"""Drive-time thresholds of service coverage, minutes."""


@dataclass(frozen=True)
class ServiceCoverage:
    """The result of :func:`service_coverage`.

    Attributes
    ----------
    summary : pandas.DataFrame
        ``service``, ``minutes``, ``residents`` (all cells), ``covered``, ``share``, ``uncovered_cells``.
    cells : geopandas.GeoDataFrame
        Every region cell with ``<service>_minutes`` (car minutes to the nearest facility, NaN unreachable).
    beyond : geopandas.GeoDataFrame
        Cells with residents beyond the largest threshold for at least one service, with ``beyond``
        (the services, comma-separated).
    """

    summary: pd.DataFrame
    cells: gpd.GeoDataFrame
    beyond: gpd.GeoDataFrame


def service_coverage(
    router: Router,
    cells: gpd.GeoDataFrame,
    snapped_cells: Snapped,
    facilities: dict[str, Snapped],
    *,
    thresholds_minutes: Sequence[float] = COVERAGE_MINUTES,
    population: str = "population",
) -> ServiceCoverage:
    """Share of the region's residents within each threshold of each service.

    Parameters
    ----------
    router
        The car router.
    cells
        The region's cells (GeoDataFrame with ``cell_id`` and ``population``), aligned with ``snapped_cells``.
    snapped_cells
        ``cells`` snapped by ``router``.
    facilities
        ``service name -> facilities snapped by router`` (at least one facility each).
    thresholds_minutes
        Thresholds, minutes.
    population
        Residents column of ``cells``.

    Returns
    -------
    ServiceCoverage
    """
    import pandas as pd

    from geoaccess.measures.population_coverage import coverage

    if len(cells) != len(snapped_cells):
        msg = f"service_coverage: {len(cells)} cells but {len(snapped_cells)} snapped cells; snap the same layer."
        raise InputError(msg)
    empty = [name for name, f in facilities.items() if len(f) == 0]
    if empty:
        msg = f"service_coverage: no facilities for {empty}; give at least one point per service."
        raise InputError(msg)
    pop = cells[population].to_numpy(dtype=np.float64)
    out = cells.copy()
    rows = []
    beyond = np.zeros(len(cells), dtype=bool)
    which: list[list[str]] = [[] for _ in range(len(cells))]
    top = float(max(thresholds_minutes))
    for name, fac in facilities.items():
        near = router.nearest(snapped_cells, fac, k=1)
        minutes = near.set_index("origin_id")["minutes"].reindex(snapped_cells.ids).to_numpy(dtype=np.float64)
        out[f"{name}_minutes"] = minutes
        res = coverage(np.where(np.isfinite(minutes), minutes, np.inf)[:, None], pop, thresholds_minutes=tuple(thresholds_minutes))
        s = res.summary.rename(columns={"threshold_min": "minutes", "population": "residents"})
        s.insert(0, "service", name)
        rows.append(s[["service", "minutes", "residents", "covered", "share", "uncovered_cells"]])
        far = ~(minutes <= top) & (pop > 0)
        beyond |= far
        for i in np.flatnonzero(far):
            which[i].append(name)
    out["beyond"] = [", ".join(w) for w in which]
    summary = pd.concat(rows, ignore_index=True)
    summary.attrs["thresholds_minutes"] = [float(t) for t in thresholds_minutes]
    return ServiceCoverage(summary=summary, cells=out, beyond=out[beyond].reset_index(drop=True))
