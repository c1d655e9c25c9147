"""Gravity (potential) accessibility: A_i = sum_j w_j f(t_ij), f a decay function of minutes.

Pairs beyond ``max_minutes`` (if given) and unreachable pairs contribute nothing. The cost
matrix is processed in row blocks so memory stays bounded for large matrices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.measures._checks import as_cost, as_weights, frame

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.measures.decay import Decay

__all__ = ["gravity_access", "gravity_sums"]

_BLOCK_CELLS = 4_000_000  # cost-matrix cells per block (32 MB of float64)


@renamed_parameters(max_minutes="cutoff_minutes")
def gravity_sums(cost: Any, weights: Any = None, *, decay: Decay, cutoff_minutes: float | None = None) -> np.ndarray:
    """Array form of :func:`gravity_access`: sum_j w_j f(t_ij) per origin (length n_origins)."""
    max_minutes = cutoff_minutes
    c = as_cost(cost)
    w = as_weights(weights, c.shape[1], what="opportunity weights")
    n, m = c.shape
    out = np.zeros(n)
    step = max(1, _BLOCK_CELLS // max(m, 1))
    for s in range(0, n, step):
        block = c[s : s + step]
        f = decay(block)
        if max_minutes is not None:
            f = np.where(block <= max_minutes, f, 0.0)
        out[s : s + step] = f @ w
    return out


@renamed_parameters(max_minutes="cutoff_minutes")
def gravity_access(
    cost: Any,
    weights: Any = None,
    *,
    decay: Decay,
    cutoff_minutes: float | None = None,
    ids: Any = None,
    origins: gpd.GeoDataFrame | None = None,
    column: str = "gravity",
) -> pd.DataFrame:
    """Potential accessibility per origin.

    Parameters
    ----------
    cost
        (n_origins, n_destinations) travel times in minutes; NaN or inf = unreachable.
    weights
        Destination weights (>= 0); None gives 1 per destination.
    decay
        A function from :mod:`geoaccess.measures.decay`, e.g. ``NegativeExponential(beta=0.05)``.
    cutoff_minutes
        Optional hard horizon in minutes (pairs with t > max_minutes are dropped).
    ids, origins
        Origin identifiers / origin GeoDataFrame, see :func:`~geoaccess.measures.cumulative.cumulative_opportunities`.
    column
        Name of the result column.
    """
    max_minutes = cutoff_minutes
    vals = gravity_sums(cost, weights, decay=decay, cutoff_minutes=max_minutes)
    attrs = {"measure": "gravity", "decay": repr(decay), "max_minutes": max_minutes}
    return frame({column: vals}, ids=ids, origins=origins, attrs=attrs)
