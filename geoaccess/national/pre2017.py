"""SSB's centrality standard before 2017 (levels 0-3), from derived towns: a cross-check of the index.

The older standard (SSB's *standard for kommuneklassifisering*, used until the index of 2017)
puts a municipality at

* **level 3** when its centre lies within 75 minutes of a town of at least 50,000 residents
  (90 minutes for Oslo),
* **level 2** within 60 minutes of a town of at least 15,000,
* **level 1** within 45 minutes of a town of at least 5,000,
* **level 0** otherwise,

the highest level met. Here the towns are :mod:`geoaccess.layers.towns`' clusters of the 2015 grid
(derived, not SSB's tettsteder), the municipality's centre is its most populous 1 km spot
(:func:`geoaccess.layers.centres.municipality_centres` with ``rule="densest"``, standing in for the
kommunesenter), the town's point its own densest spot, and the times are N1000 car times door
to door (:mod:`geoaccess.national.routing`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.national import routing

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["LEVELS", "OSLO_MINUTES", "level_table", "pre2017_levels"]

LEVELS: tuple[tuple[int, float, float], ...] = ((3, 50_000.0, 75.0), (2, 15_000.0, 60.0), (1, 5_000.0, 45.0))
"""``(level, town residents, minutes)``, highest level first."""
OSLO_MINUTES = 90.0
"""Minutes of level 3 when the town is Oslo."""


def pre2017_levels(
    prep: Any,
    centres: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame,
    *,
    oslo_code: str = "0301",
    max_snap_m: float = 20_000.0,
    access_speed_kmh: float = 30.0,
) -> pd.DataFrame:
    """The pre-2017 centrality level of every municipality.

    Parameters
    ----------
    prep
        Prepared car network (:func:`geoaccess.national.routing.prepare`).
    centres
        Municipality centres with ``kommunenummer``, ``kommunenavn`` (points, any CRS).
    towns
        Derived towns (:attr:`geoaccess.layers.towns.Towns.towns`): ``town_id``, ``name``, ``population``,
        ``kommunenummer``, ``municipalities``, points.
    oslo_code
        The municipality whose largest town is Oslo (90 minutes for level 3).
    max_snap_m, access_speed_kmh
        Snapping and access leg, as for the national matrices.

    Returns
    -------
    pandas.DataFrame
        ``kommunenummer``, ``kommunenavn``, ``pre2017_level`` (0-3), and for each size (5k, 15k, 50k)
        ``town_<size>`` (nearest such town by car), ``minutes_<size>`` (NaN when none is reachable).
    """
    import pandas as pd

    big = towns[towns["population"] >= min(s for _, s, _ in LEVELS)].reset_index(drop=True)
    net = prep.net
    c = centres.to_crs(net.crs)
    t = big.to_crs(net.crs)
    cs = routing.snap(net, c.geometry.x.to_numpy(), c.geometry.y.to_numpy(), ids=c["kommunenummer"].to_numpy(),
                      max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
    ts = routing.snap(net, t.geometry.x.to_numpy(), t.geometry.y.to_numpy(), ids=t["town_id"].to_numpy(),
                      max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
    minutes = routing.seconds_between(prep, cs, ts) / 60.0
    oslo_town = big["municipalities"].astype(str).str.split(";").map(lambda p: p[0].split(":")[0] if p else "")
    is_oslo = (oslo_town == oslo_code).to_numpy() & (np.arange(len(big)) == np.argmax(
        np.where(oslo_town == oslo_code, big["population"], -1)))
    out = pd.DataFrame({"kommunenummer": c["kommunenummer"].astype(str).to_numpy(),
                        "kommunenavn": c["kommunenavn"].to_numpy()})
    level = np.zeros(len(out), dtype=np.int64)
    for lev, size, limit in sorted(LEVELS, key=lambda r: r[1]):
        ok = big["population"].to_numpy() >= size
        m = np.where(ok[None, :], minutes, np.inf)
        j = np.argmin(m, axis=1)
        best = m[np.arange(len(out)), j]
        tag = f"{int(size // 1000)}k"
        out[f"town_{tag}"] = np.where(np.isfinite(best), big["name"].to_numpy()[j], None)
        out[f"minutes_{tag}"] = np.where(np.isfinite(best), best, np.nan)
        limits = np.where(is_oslo, OSLO_MINUTES, limit) if lev == 3 else np.full(len(big), limit)
        meets = (np.where(ok[None, :], minutes, np.inf) <= limits[None, :]).any(axis=1)
        level = np.where(meets, np.maximum(level, lev), level)
    out.insert(2, "pre2017_level", level)
    out.attrs["rule"] = ("pre-2017 SSB standard: level 3 within 75 min (Oslo 90) of a town >= 50,000, 2 within 60 min "
                         "of >= 15,000, 1 within 45 min of >= 5,000, else 0; derived towns of the 2015 grid; "
                         "municipality centre = densest 1 km spot; N1000 car times")
    return out


def level_table(index: pd.DataFrame, levels: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Cross-table of centrality classes (rows) by pre-2017 levels (columns), and their rank correlation.

    Parameters
    ----------
    index
        ``kommunenummer``, ``index``, ``class`` (:func:`geoaccess.national.centrality.national_centrality`).
    levels
        :func:`pre2017_levels` output.

    Returns
    -------
    (table, stats)
        Counts of municipalities (classes 1-6 × levels 3-0, with totals), and ``spearman`` (index vs level),
        ``kendall_tau_b`` (class vs level), ``n``.
    """
    import pandas as pd
    from scipy.stats import kendalltau, spearmanr

    m = index[["kommunenummer", "index", "class"]].merge(levels[["kommunenummer", "pre2017_level"]], on="kommunenummer")
    table = pd.crosstab(m["class"], m["pre2017_level"], margins=True, margins_name="total")
    table = table.reindex(columns=[c for c in (3, 2, 1, 0, "total") if c in table.columns])
    table.index.name = "class"
    table.columns.name = "pre2017_level"
    rho = spearmanr(m["index"], m["pre2017_level"]).statistic
    tau = kendalltau(-m["class"], m["pre2017_level"]).statistic
    return table, {"spearman_index_level": float(rho), "kendall_tau_b_class_level": float(tau), "n": len(m)}
