"""INTERIM — to be replaced by the national-grid reader in :mod:`geoaccess.layers.population`.

The national helper is adding a reader for SSB's 2015 national 250 m grid
(``population/ssb_befolkning_250m_2015_norge.csv``) to ``layers/population.py``. Until
that lands, the crosswalk's population weights and the regions' town clusters decode
the cell ids here. When the reader is merged, replace :func:`national_cells_2015` by
it at its two call sites (``layers/crosswalk.py`` and ``regions/town_clusters.py``)
and delete this module.

The file is ``;``-separated with the columns ``ru250m`` (cell id) and ``pop_tot``
(residents, all ages, 1 January 2015). The id is ``(x + 2,000,000) * 10**7 + y`` of
the cell's lower-left corner in EPSG:25833 (metres).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from geoaccess.errors import InputError

__all__ = ["GRID_2015", "GridCells", "national_cells_2015"]

GRID_2015 = "population/ssb_befolkning_250m_2015_norge.csv"
_CELL_M = 250


class GridCells(NamedTuple):
    """Populated 250 m cells of a national grid (arrays of equal length).

    Attributes
    ----------
    cell_id
        SSB ``ru250m`` id (int64).
    x, y
        Cell centre in EPSG:25833, metres (float64): lower-left corner + 125 m.
    population
        Residents of the cell (float64, persons).
    year
        Population year (2015).
    """

    cell_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    population: np.ndarray
    year: int


@lru_cache(maxsize=1)
def national_cells_2015() -> GridCells:
    """The SSB 2015 national 250 m grid as arrays (cached per process); see the module note."""
    import pandas as pd

    from geoaccess.datasets import fetch

    path = fetch(GRID_2015)
    raw = pd.read_csv(path, sep=";", dtype={"ru250m": "int64", "pop_tot": "float64"})
    if not {"ru250m", "pop_tot"} <= set(raw.columns):
        msg = f"{path}: expected columns ru250m;pop_tot, found {list(raw.columns)}."
        raise InputError(msg)
    ids = raw["ru250m"].to_numpy(np.int64)
    x0 = ids // 10**7 - 2_000_000
    y0 = ids % 10**7
    if (x0 % _CELL_M).any() or (y0 % _CELL_M).any():
        msg = f"{path}: some ru250m ids do not decode to 250 m cell corners (e.g. {ids[(x0 % _CELL_M) > 0][:1]})."
        raise InputError(msg)
    return GridCells(
        cell_id=ids,
        x=x0.astype(np.float64) + _CELL_M / 2,
        y=y0.astype(np.float64) + _CELL_M / 2,
        population=raw["pop_tot"].to_numpy(np.float64),
        year=2015,
    )
