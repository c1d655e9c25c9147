"""Floating catchment area measures: 2SFCA, E2SFCA and 3SFCA.

With travel time t_ij from demand location i to supply site j (minutes), demand P_i (residents),
supply S_j (capacity: beds, doctors, school places; 1 per site if unknown) and a catchment weight
W_ij = f(t_ij) [t_ij <= T]:

* **2SFCA** (Luo & Wang 2003): f = 1 inside the catchment.
  R_j = S_j / sum_i P_i W_ij;   A_i = sum_j W_ij R_j.
* **E2SFCA** (Luo & Qi 2009): the same with step weights, by default 1.0 / 0.68 / 0.22 for
  0-10 / 10-20 / 20-30 minutes (:class:`~geoaccess.measures.decay.Step`), or any decay function.
* **3SFCA** (Wan, Zou & Sternberg 2012): a selection weight G_ij = W_ij / sum_k W_ik shares each
  origin's demand among the sites it can reach;
  R_j = S_j / sum_i P_i G_ij W_ij;   A_i = sum_j G_ij W_ij R_j.

The same direction of travel (origin -> site, row i, column j of the matrix) is used in both
steps, so asymmetric matrices (one-way streets, ferries, transit) are handled consistently.

Conventions (documented skips, counted in ``df.attrs``):

* a supply site whose catchment holds no demand has an undefined ratio; it is skipped
  (R_j = 0) and counted in ``attrs["n_sites_without_demand"]``; PySAL ``access`` instead
  propagates ``inf`` to every origin that reaches it (see docs/accessibility.md);
* sites with zero capacity are kept (they dilute nothing) and counted in
  ``attrs["n_zero_supply"]``; supply that is zero everywhere is an error;
* an origin that reaches no site gets A_i = 0 (no supply within reach), counted in
  ``attrs["n_origins_without_supply"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.deprecation import renamed_parameters
from geoaccess.errors import InputError
from geoaccess.measures._checks import as_cost, as_weights, frame
from geoaccess.measures.decay import Cutoff, Step

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import pandas as pd

    from geoaccess.measures.decay import Decay

__all__ = ["DEFAULT_E2SFCA_STEPS", "e2sfca", "fca_arrays", "three_step_fca", "two_step_fca"]

DEFAULT_E2SFCA_STEPS: tuple[tuple[float, float], ...] = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))


@renamed_parameters(max_minutes="cutoff_minutes")
def fca_arrays(
    cost: Any,
    demand: Any,
    supply: Any,
    *,
    decay: Decay,
    cutoff_minutes: float | None = None,
    three_step: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Core of the floating-catchment family on arrays.

    Parameters
    ----------
    cost
        (n_demand, n_supply) travel times in minutes; NaN or inf = unreachable.
    demand
        Demand weight per origin (row), >= 0.
    supply
        Capacity per site (column), >= 0, not all zero.
    decay
        Catchment weight f(t); :class:`Cutoff` gives plain 2SFCA.
    cutoff_minutes
        Catchment size in minutes (pairs beyond it weigh 0); None keeps every reachable pair.
    three_step
        Apply the 3SFCA selection weights.

    Returns
    -------
    access, ratio, weighted_demand, counts
        A_i per origin, R_j per site, the weighted demand D_j per site and the skip counts.
    """
    max_minutes = cutoff_minutes
    c = as_cost(cost)
    n, m = c.shape
    p = as_weights(demand, n, what="demand weights (population)", default=None)
    s = as_weights(supply, m, what="supply capacity", allow_all_zero=False)
    w = decay(c)
    if max_minutes is not None:
        w = np.where(c <= max_minutes, w, 0.0)
    if three_step:
        tot = w.sum(axis=1, keepdims=True)
        g = np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)
        w = g * w
    d = p @ w
    has = d > 0
    r = np.divide(s, d, out=np.zeros(m), where=has)
    a = w @ r
    counts = {
        "n_sites_without_demand": int((~has).sum()),
        "n_zero_supply": int((s == 0).sum()),
        "n_origins_without_supply": int((w.sum(axis=1) == 0).sum()),
    }
    return a, r, d, counts


def _run(
    name: str,
    cost: Any,
    demand: Any,
    supply: Any,
    *,
    decay: Decay,
    max_minutes: float | None,
    three_step: bool,
    ids: Any,
    origins: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    a, r, _d, counts = fca_arrays(cost, demand, supply, decay=decay, cutoff_minutes=max_minutes, three_step=three_step)
    attrs = {"measure": name, "decay": repr(decay), "max_minutes": max_minutes, **counts}
    df = frame({name: a}, ids=ids, origins=origins, attrs=attrs)
    df.attrs["site_ratio"] = r.tolist()
    return df


@renamed_parameters(max_minutes="cutoff_minutes")
def two_step_fca(
    cost: Any,
    demand: Any,
    supply: Any,
    *,
    cutoff_minutes: float,
    decay: Decay | None = None,
    ids: Any = None,
    origins: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Two-step floating catchment area (2SFCA) per origin: supply per unit of demand.

    Parameters
    ----------
    cost
        (n_demand, n_supply) travel times in minutes.
    demand, supply
        Population per origin and capacity per site (>= 0, no NaN).
    cutoff_minutes
        Catchment in minutes (t <= cutoff_minutes is inside).
    decay
        Optional weight inside the catchment (default 1: the classic 2SFCA).
    ids, origins
        Origin identifiers / origin GeoDataFrame.

    Returns
    -------
    pandas.DataFrame
        ``origin`` and ``2sfca`` (capacity per person); the site ratios R_j are in
        ``attrs["site_ratio"]`` and the skip counts in the other attrs.
    """
    max_minutes = cutoff_minutes
    f = decay if decay is not None else Cutoff(float(max_minutes))
    return _run("2sfca", cost, demand, supply, decay=f, max_minutes=max_minutes, three_step=False, ids=ids, origins=origins)


def e2sfca(
    cost: Any,
    demand: Any,
    supply: Any,
    *,
    steps: Sequence[tuple[float, float]] = DEFAULT_E2SFCA_STEPS,
    decay: Decay | None = None,
    ids: Any = None,
    origins: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Enhanced 2SFCA with step weights (or any decay function given as ``decay``).

    Parameters
    ----------
    steps
        ((upper_minutes, weight), ...); default Luo & Qi (2009): 10 min 1.0, 20 min 0.68, 30 min 0.22.
        The catchment ends at the last upper bound.
    decay
        Use this decay instead of ``steps`` (no hard cut-off then, unless the decay has one).
    """
    if decay is None:
        decay = Step(tuple((float(u), float(w)) for u, w in steps))
    mx = decay.max_minutes if isinstance(decay, Step) else None
    return _run("e2sfca", cost, demand, supply, decay=decay, max_minutes=mx, three_step=False, ids=ids, origins=origins)


@renamed_parameters(max_minutes="cutoff_minutes")
def three_step_fca(
    cost: Any,
    demand: Any,
    supply: Any,
    *,
    steps: Sequence[tuple[float, float]] = DEFAULT_E2SFCA_STEPS,
    decay: Decay | None = None,
    cutoff_minutes: float | None = None,
    ids: Any = None,
    origins: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Three-step FCA (Wan et al. 2012) with selection weights G_ij = W_ij / sum_k W_ik.

    Parameters as :func:`e2sfca`; ``cutoff_minutes`` bounds the catchment when ``decay`` has none.
    """
    max_minutes = cutoff_minutes
    if decay is None:
        decay = Step(tuple((float(u), float(w)) for u, w in steps))
    if max_minutes is None and isinstance(decay, Step):
        max_minutes = decay.max_minutes
    if max_minutes is None and not isinstance(decay, Cutoff):
        msg = "3SFCA needs a bounded catchment: give cutoff_minutes or a Step/Cutoff decay."
        raise InputError(msg)
    return _run("3sfca", cost, demand, supply, decay=decay, max_minutes=max_minutes, three_step=True, ids=ids, origins=origins)
