"""Nearest-facility time and coverage (dekningsgrad).

* nearest facility from a cost matrix (:func:`nearest_from_cost`): t_i = min_j t_ij, NaN when
  no facility is reachable;
* coverage at T: the share of the population (or other demand weight) whose nearest facility is
  within T minutes, and the list of cells that are not covered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError
from geoaccess.measures._checks import (
    as_cost,
    as_thresholds,
    as_weights,
    fmt_minutes,
    frame,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import pandas as pd

__all__ = ["CoverageResult", "coverage", "nearest_from_cost"]


def nearest_from_cost(
    cost: Any,
    *,
    ids: Any = None,
    origins: gpd.GeoDataFrame | None = None,
    facility_ids: Any = None,
) -> pd.DataFrame:
    """Time to the nearest facility for every origin, read off a cost matrix.

    The one public nearest-facility *search* is :func:`geoaccess.engine.nearest_facility`
    (or :meth:`Router.nearest <geoaccess.engine.router.Router.nearest>`), which needs no matrix;
    this measure takes a matrix computed for other measures.

    Parameters
    ----------
    cost
        (n_origins, n_facilities) travel times in minutes; NaN or inf = unreachable.
    ids, origins
        Origin identifiers / origin GeoDataFrame (cost-matrix row order).
    facility_ids
        Identifiers of the facilities (columns); default 0..m-1.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``nearest_min`` (minutes, NaN if none reachable) and ``nearest_facility``
        (facility id, None if none reachable).
    """
    c = as_cost(cost)
    n, m = c.shape
    if m == 0:
        msg = "The facility layer is empty: there is no nearest facility to compute."
        raise InputError(msg)
    j = np.argmin(c, axis=1)
    t = c[np.arange(n), j]
    reach = np.isfinite(t)
    fids = np.asarray(facility_ids if facility_ids is not None else np.arange(m), dtype=object)
    if fids.size != m:
        msg = f"{fids.size} facility ids given for {m} cost-matrix columns."
        raise InputError(msg)
    nearest = np.where(reach, fids[j], None)
    cols = {"nearest_min": np.where(reach, t, np.nan), "nearest_facility": nearest}
    attrs = {"measure": "nearest", "n_unreachable": int((~reach).sum())}
    return frame(cols, ids=ids, origins=origins, attrs=attrs)


@dataclass
class CoverageResult:
    """Outcome of :func:`coverage`.

    Attributes
    ----------
    table
        Per origin: ``origin``, ``population``, ``nearest_min`` (NaN = unreachable) and one
        boolean ``covered_<T>`` column per threshold (a GeoDataFrame if origins were given).
    summary
        Per threshold: ``threshold_min``, ``population``, ``covered``, ``share`` (0-1),
        ``cells``, ``uncovered_cells``.
    thresholds
        Thresholds in minutes, ascending.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    thresholds: np.ndarray = field(repr=False)

    def uncovered(self, threshold: float, *, populated_only: bool = True) -> pd.DataFrame:
        """The cells not within ``threshold`` minutes of any facility (optionally only populated ones)."""
        col = f"covered_{fmt_minutes(float(threshold))}"
        if col not in self.table.columns:
            msg = f"No coverage computed for {threshold} minutes; thresholds are {self.thresholds.tolist()}."
            raise InputError(msg)
        keep = ~self.table[col].to_numpy()
        if populated_only:
            keep &= self.table["population"].to_numpy() > 0
        return self.table.loc[keep]


@renamed_parameters(thresholds="thresholds_minutes")
def coverage(
    cost: Any,
    population: Any,
    *,
    thresholds_minutes: float | Sequence[float] = (10.0, 20.0),
    ids: Any = None,
    origins: gpd.GeoDataFrame | None = None,
) -> CoverageResult:
    """Share of a population within T minutes of at least one facility.

    Parameters
    ----------
    cost
        (n_cells, n_facilities) travel times in minutes; NaN or inf = unreachable.
    population
        Demand weight per cell (residents), >= 0 and finite.
    thresholds_minutes
        Thresholds in minutes; a cell is covered at T when its nearest facility is <= T.
    ids, origins
        Cell identifiers / cell GeoDataFrame (cost-matrix row order).

    Returns
    -------
    CoverageResult
    """
    thresholds = thresholds_minutes
    import pandas as pd

    c = as_cost(cost)
    pop = as_weights(population, c.shape[0], what="population", default=None)
    t = as_thresholds(thresholds)
    near = c.min(axis=1) if c.shape[1] else np.full(c.shape[0], np.inf)
    cols: dict[str, np.ndarray] = {"population": pop, "nearest_min": np.where(np.isfinite(near), near, np.nan)}
    rows = []
    total = float(pop.sum())
    for x in t:
        cov = near <= x
        cols[f"covered_{fmt_minutes(x)}"] = cov
        covered = float(pop[cov].sum())
        rows.append(
            {
                "threshold_min": float(x),
                "population": total,
                "covered": covered,
                "share": covered / total if total > 0 else np.nan,
                "cells": int(c.shape[0]),
                "uncovered_cells": int((~cov & (pop > 0)).sum()),
            }
        )
    attrs = {"measure": "coverage", "thresholds_minutes": t.tolist(), "n_unreachable": int((~np.isfinite(near)).sum())}
    table = frame(cols, ids=ids, origins=origins, attrs=attrs)
    return CoverageResult(table=table, summary=pd.DataFrame(rows), thresholds=t)
