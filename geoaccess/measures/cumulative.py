"""Cumulative opportunities: the sum of destination weights reachable within T minutes.

A_i(T) = sum_j w_j [t_ij <= T], for several thresholds T in one pass over the cost matrix.
An origin that reaches nothing gets a true 0 (no opportunities), not NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.deprecation import renamed_parameters
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

__all__ = ["cumulative_opportunities", "cumulative_sums"]


@renamed_parameters(thresholds="thresholds_minutes")
def cumulative_sums(cost: Any, weights: Any = None, *, thresholds_minutes: float | Sequence[float]) -> np.ndarray:
    """Array form of :func:`cumulative_opportunities`.

    Parameters
    ----------
    cost
        (n_origins, n_destinations) travel times in minutes; NaN or inf = unreachable.
    weights
        Destination weights (jobs, capacity, 1 per service); None counts destinations.
    thresholds_minutes
        One or more thresholds in minutes (t <= T counts).

    Returns
    -------
    numpy.ndarray
        (n_origins, n_thresholds), thresholds in ascending order.
    """
    from geoaccess.measures._cumulative_kernels import _cumulative_kernel

    thresholds = thresholds_minutes
    c = as_cost(cost, nan_to_inf=False)  # the kernel's t <= T test is False for NaN and inf
    w = as_weights(weights, c.shape[1], what="opportunity weights")
    t = as_thresholds(thresholds)
    return _cumulative_kernel(c, w, t)


@renamed_parameters(thresholds="thresholds_minutes")
def cumulative_opportunities(
    cost: Any,
    weights: Any = None,
    *,
    thresholds_minutes: float | Sequence[float] = (10.0, 20.0, 30.0),
    ids: Any = None,
    origins: gpd.GeoDataFrame | None = None,
    prefix: str = "cum",
) -> pd.DataFrame:
    """Sum of destination weights within each threshold, one row per origin.

    Parameters
    ----------
    cost
        (n_origins, n_destinations) travel times in minutes; NaN or inf = unreachable.
    weights
        Destination weights (>= 0, no NaN); None counts destinations (weight 1).
    thresholds_minutes
        Thresholds in minutes, all computed in one pass; a pair counts when t_ij <= T.
    ids
        Origin identifiers (default: ``origins.index`` or 0..n-1).
    origins
        Optional origin GeoDataFrame (cost-matrix row order); the result is then a GeoDataFrame.
    prefix
        Column prefix: columns are ``f"{prefix}_{T:g}"``, e.g. ``cum_10``.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin`` and one per threshold (sum of weights).
    """
    thresholds = thresholds_minutes
    t = as_thresholds(thresholds)
    sums = cumulative_sums(cost, weights, thresholds_minutes=t)
    cols = {f"{prefix}_{fmt_minutes(x)}": sums[:, k] for k, x in enumerate(t)}
    attrs = {"measure": "cumulative", "thresholds_minutes": t.tolist()}
    return frame(cols, ids=ids, origins=origins, attrs=attrs)
