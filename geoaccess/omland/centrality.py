"""The pre-2017 centrality standard (*sentralitetsnivå*, SSB's old standard), from car travel times.

Until SSB's 2017 index (:mod:`geoaccess.measures.centrality`, on national data by the strategy
work), municipalities were classed by car time to towns of given sizes
(``/work/shared/methods/centrality-index.md``, "The older standard"):

=====  =====================================================================
level  rule
=====  =====================================================================
3      within 75 minutes of a town of at least 50,000 (90 minutes for Oslo)
2      within 60 minutes of a town of at least 15,000
1      within 45 minutes of a town of at least 5,000
0      the rest
=====  =====================================================================

3 is the most central (the reverse of SSB's 2017 classes, where 1 is the most central). Towns
are derived from the 2015 population grid (not SSB's tettsteder; see
:mod:`geoaccess.layers.towns`); Oslo is the one town above :data:`OSLO_MIN_POPULATION`.
Times are door to door from the place (e.g. a municipality's centre) to the town's centre.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.snap import Snapped

__all__ = ["OLD_STANDARD", "OSLO_MIN_POPULATION", "old_standard_levels"]

OLD_STANDARD = ((3, 50_000.0, 75.0), (2, 15_000.0, 60.0), (1, 5_000.0, 45.0))
"""``(level, minimum town population, car minutes)``, most central first."""

OSLO_MIN_POPULATION = 500_000.0
"""A town this large (Oslo) counts for level 3 within :data:`OSLO_MINUTES`."""

OSLO_MINUTES = 90.0


def old_standard_levels(router: Router, places: Snapped, towns: Snapped, town_population: np.ndarray,
                        town_names: np.ndarray) -> pd.DataFrame:
    """The old-standard level (0–3) of each place, with the town and time that give it.

    Parameters
    ----------
    router
        A car router covering places and towns (national: N1000 or a composite).
    places
        Places to class (e.g. municipality centres, candidate sites), snapped by ``router``.
    towns
        Town centres snapped by ``router``.
    town_population, town_names
        Residents and names of the towns, aligned with ``towns``.

    Returns
    -------
    pandas.DataFrame
        ``place_id``, ``level``, ``town`` and ``minutes`` (the town and car minutes that give the level;
        for level 0 the nearest town of at least 5,000), and ``minutes_5000``, ``minutes_15000``,
        ``minutes_50000`` (car minutes to the nearest town of each size; NaN none reachable).
    """
    import pandas as pd

    pop = np.asarray(town_population, dtype=np.float64)
    names = np.asarray(town_names, dtype=object)
    if len(pop) != len(towns) or len(names) != len(towns):
        msg = f"old_standard_levels: {len(towns)} towns but {len(pop)} populations and {len(names)} names."
        raise InputError(msg)
    big = pop >= min(p for _, p, _ in OLD_STANDARD)
    if not big.any():
        msg = "old_standard_levels: no town of 5,000 or more residents among the towns given."
        raise InputError(msg)
    minutes = router.matrix(places, towns.take(np.flatnonzero(big))).seconds / 60.0
    pop, names = pop[big], names[big]
    level = np.zeros(len(places), dtype=np.int64)
    town = np.full(len(places), None, dtype=object)
    when = np.full(len(places), np.nan)
    cols: dict[str, np.ndarray] = {}
    for lev, size, limit in OLD_STANDARD:
        ok = pop >= size
        t = np.where(ok[None, :], minutes, np.inf)
        cols[f"minutes_{int(size)}"] = np.where(np.isfinite(t.min(axis=1)), t.min(axis=1), np.nan)
        allowed = np.where(pop >= OSLO_MIN_POPULATION, OSLO_MINUTES, limit) if lev == 3 else np.full(len(pop), limit)
        hit = np.where(ok[None, :] & (minutes <= allowed[None, :]), minutes, np.inf)
        j = np.argmin(hit, axis=1)
        got = np.isfinite(hit[np.arange(len(places)), j]) & (level == 0)
        level[got] = lev
        town[got] = names[j[got]]
        when[got] = hit[np.flatnonzero(got), j[got]]
    rest = level == 0
    t5 = np.where((pop >= 5_000)[None, :], minutes, np.inf)
    j = np.argmin(t5, axis=1)
    fin = rest & np.isfinite(t5[np.arange(len(places)), j])
    town[fin] = names[j[fin]]
    when[fin] = t5[np.flatnonzero(fin), j[fin]]
    return pd.DataFrame({"place_id": places.ids, "level": level, "town": town, "minutes": when,
                         "minutes_5000": cols["minutes_5000"], "minutes_15000": cols["minutes_15000"],
                         "minutes_50000": cols["minutes_50000"]})
