"""Input checks and output framing shared by the accessibility measures.

Every measure takes a cost matrix (origins x destinations, minutes; NaN or inf means
unreachable) and weight arrays. These helpers refuse bad input with a message that names
the offending rows, and frame results as one tidy row per origin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.crs import check_same_crs
from geoaccess.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import pandas as pd

__all__ = ["as_cost", "as_thresholds", "as_weights", "check_same_crs", "frame"]


def _first(idx: np.ndarray, k: int = 5) -> str:
    shown = ", ".join(str(int(i)) for i in idx[:k])
    return shown + (", ..." if idx.size > k else "")


def as_cost(cost: Any, *, what: str = "cost matrix", nan_to_inf: bool = True) -> np.ndarray:
    """Return the cost matrix as a C-contiguous float64 array with unreachable = inf.

    Parameters
    ----------
    cost
        Array-like of shape (n_origins, n_destinations), travel time in minutes.
        NaN and +inf both mean unreachable.
    what
        Name used in error messages.
    nan_to_inf
        Copy the matrix and replace NaN by inf (needed for minima). With False the input is used
        without a copy when it already is C-contiguous float64, and NaN stays NaN (callers must
        treat NaN as unreachable, as ``t <= T`` comparisons do).

    Raises
    ------
    InputError
        If the matrix is not two-dimensional or holds negative or -inf times.
    """
    c = np.array(cost, dtype=np.float64, copy=True) if nan_to_inf else np.ascontiguousarray(cost, dtype=np.float64)
    if c.ndim != 2:
        msg = f"The {what} must be 2-D (origins x destinations, minutes); got shape {c.shape}."
        raise InputError(msg)
    if nan_to_inf:
        np.copyto(c, np.inf, where=np.isnan(c))
    if (c < 0).any():
        bad = c < 0
        rows = np.unique(np.nonzero(bad)[0])
        msg = (
            f"The {what} holds {int(bad.sum())} negative travel time(s) (origin rows {_first(rows)}); "
            "travel times must be >= 0 minutes, with NaN or inf for unreachable pairs."
        )
        raise InputError(msg)
    return np.ascontiguousarray(c)


def as_weights(
    w: Any,
    n: int,
    *,
    what: str,
    default: float | None = 1.0,
    allow_all_zero: bool = True,
) -> np.ndarray:
    """Return a non-negative finite float64 weight vector of length ``n``.

    Parameters
    ----------
    w
        Weights (array-like), or None for ``default`` everywhere.
    n
        Expected length (rows or columns of the cost matrix).
    what
        Name used in error messages, e.g. ``"supply capacity"``.
    default
        Value used when ``w`` is None; None makes ``w`` required.
    allow_all_zero
        If False, an all-zero vector is refused (e.g. zero supply everywhere).

    Raises
    ------
    InputError
        On wrong length, NaN, infinite or negative weights (the message names the first rows),
        or all zeros when ``allow_all_zero`` is False.
    """
    if w is None:
        if default is None:
            msg = f"The {what} is required."
            raise InputError(msg)
        return np.full(n, float(default))
    a = np.asarray(w, dtype=np.float64).ravel()
    if a.size != n:
        msg = f"The {what} has {a.size} values but the cost matrix has {n} matching rows/columns."
        raise InputError(msg)
    nan = np.nonzero(~np.isfinite(a))[0]
    if nan.size:
        msg = (
            f"The {what} holds {nan.size} NaN or infinite value(s) (positions {_first(nan)}); "
            "fill or drop them before computing accessibility."
        )
        raise InputError(msg)
    neg = np.nonzero(a < 0)[0]
    if neg.size:
        msg = (
            f"The {what} holds {neg.size} negative value(s) (positions {_first(neg)}); "
            "weights, populations and capacities must be >= 0."
        )
        raise InputError(msg)
    if not allow_all_zero and not (a > 0).any():
        msg = f"The {what} is zero everywhere; there is nothing to allocate. Check the capacity column."
        raise InputError(msg)
    return a


def as_thresholds(thresholds: float | Sequence[float], *, what: str = "thresholds") -> np.ndarray:
    """Return sorted unique positive thresholds in minutes."""
    t = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if t.size == 0 or not np.isfinite(t).all() or (t < 0).any():
        msg = f"The {what} must be one or more finite non-negative numbers of minutes; got {t.tolist()}."
        raise InputError(msg)
    return np.unique(t)


def fmt_minutes(t: float) -> str:
    """Column suffix for a threshold in minutes: ``10`` for 10.0, ``7.5`` for 7.5."""
    return f"{t:g}"


def frame(
    columns: dict[str, np.ndarray],
    *,
    ids: Any = None,
    origins: gpd.GeoDataFrame | None = None,
    attrs: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Build the tidy per-origin table, as a GeoDataFrame when origin geometries are given.

    Parameters
    ----------
    columns
        Result columns, each of length n_origins.
    ids
        Origin identifiers for the ``origin`` column; defaults to ``origins.index`` or 0..n-1.
    origins
        Optional GeoDataFrame of the origins, in cost-matrix row order; its geometry and CRS are
        carried over so the result can be mapped.
    attrs
        Metadata stored in ``df.attrs`` (measure, parameters, counts of skipped rows).
    """
    import pandas as pd

    n = len(next(iter(columns.values()))) if columns else 0
    if origins is not None and len(origins) != n:
        msg = f"The origins layer has {len(origins)} rows but the cost matrix has {n} origin rows."
        raise InputError(msg)
    if ids is None:
        ids = np.asarray(origins.index) if origins is not None else np.arange(n)
    ids = np.asarray(ids)
    if ids.size != n:
        msg = f"{ids.size} origin ids given for {n} cost-matrix rows."
        raise InputError(msg)
    df = pd.DataFrame({"origin": ids, **columns})
    if origins is not None:
        import geopandas as gpd

        df = gpd.GeoDataFrame(df, geometry=np.asarray(origins.geometry.values), crs=origins.crs)
    df.attrs.update(attrs or {})
    return df
