"""Towns derived from the 250 m population grid: clusters of populated cells, and each municipality's share.

A simple, documented cluster rule (not SSB's *tettsted* delineation, which needs
buildings and is not in the shared data): a 250 m cell with at least
``min_cell_population`` residents is *town*; two town cells belong to one town when
they are at most ``link_cells`` cells apart in both directions (1 = touching, also
diagonally; 2 = a gap of one cell, e.g. a park, a road or an industrial block, is
bridged). A town crossing a municipal border is split into *parts*, one per
municipality (each cell goes to the municipality containing its centre, or the
nearest one for shore cells outside the generalised boundaries).

On the 2015 grid with 20 residents and 2 cells this gives, e.g., Oslo 947,424 (of which
Bærum 105,632), Bergen 247,532, Stavanger/Sandnes 203,255, Trondheim 174,405,
Fredrikstad/Sarpsborg 107,110, Porsgrunn/Skien 77,785, Tønsberg/Færder 56,600 residents:
close to SSB's 2015 *tettsteder*, and the five towns that cross a border are TØI's
five double centres. These are derived towns, not SSB's; results say so.

The strategy helper's towns module may replace this rule; :func:`town_parts` is the
one place that defines it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TOWN_RULE", "largest_town", "town_parts", "town_parts_for_year"]

TOWN_RULE = (
    "towns derived from the SSB 250 m grid ({year}): cells with >= {min_cell} residents, linked when at most "
    "{link} cells apart; not SSB's tettsteder"
)


def town_parts(
    x: np.ndarray,
    y: np.ndarray,
    population: np.ndarray,
    codes: np.ndarray,
    *,
    min_cell_population: float = 20.0,
    link_cells: int = 2,
    cell_m: float = 250.0,
) -> pd.DataFrame:
    """Towns as clusters of populated grid cells, split into one part per municipality.

    Parameters
    ----------
    x, y
        Cell centres (metres, projected; a regular grid of ``cell_m``).
    population
        Residents per cell (persons).
    codes
        Municipality code of each cell (``None`` for cells outside every municipality:
        they still link towns but belong to no part).
    min_cell_population
        Residents a cell needs to be town.
    link_cells
        Largest distance, in cells (Chebyshev), between linked town cells.
    cell_m
        Cell size (metres).

    Returns
    -------
    pandas.DataFrame
        ``town`` (cluster id), ``kommunenummer``, ``population`` (residents of the part),
        ``town_population`` (residents of the whole town), sorted by town size, then
        part size (descending).
    """
    import pandas as pd
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    if int(link_cells) < 1:
        msg = f"town_parts: link_cells must be 1 or more, got {link_cells}."
        raise InputError(msg)
    keep = np.asarray(population, dtype=np.float64) >= float(min_cell_population)
    gi = np.floor(np.asarray(x)[keep] / cell_m).astype(np.int64)
    gj = np.floor(np.asarray(y)[keep] / cell_m).astype(np.int64)
    pop = np.asarray(population, dtype=np.float64)[keep]
    code = np.asarray(codes, dtype=object)[keep]
    span = int(gj.max() - gj.min() + 2 * link_cells + 3) if len(gj) else 1
    key = (gi - gi.min() if len(gi) else gi) * span + (gj - gj.min() if len(gj) else gj)
    order = np.argsort(key)
    sorted_keys = key[order]
    rows, cols = [], []
    r = int(link_cells)
    offsets = [(di, dj) for di in range(0, r + 1) for dj in range(-r, r + 1) if di > 0 or dj > 0]
    for di, dj in offsets:
        want = key + di * span + dj
        p = np.minimum(np.searchsorted(sorted_keys, want), max(len(sorted_keys) - 1, 0))
        hit = sorted_keys[p] == want if len(sorted_keys) else np.zeros(0, dtype=bool)
        rows.append(np.flatnonzero(hit))
        cols.append(order[p[hit]])
    n = len(key)
    a = sp.csr_array(
        (np.ones(sum(len(v) for v in rows)), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    _, label = connected_components(a, directed=False)
    cells = pd.DataFrame({"town": label, "kommunenummer": code, "population": pop})
    total = cells.groupby("town")["population"].sum()
    placed = cells.dropna(subset=["kommunenummer"])
    parts = placed.groupby(["town", "kommunenummer"], as_index=False)["population"].sum()
    parts["town_population"] = parts["town"].map(total)
    return parts.sort_values(["town_population", "population"], ascending=False).reset_index(drop=True)


def largest_town(parts: pd.DataFrame) -> pd.DataFrame:
    """Each municipality's largest town part: ``kommunenummer``, ``town``, ``population``, ``town_population``."""
    best = parts.sort_values(["kommunenummer", "population"], ascending=[True, False])
    return best.drop_duplicates("kommunenummer").reset_index(drop=True)


def town_parts_for_year(
    year: int,
    *,
    min_cell_population: float = 20.0,
    link_cells: int = 2,
) -> pd.DataFrame:
    """:func:`town_parts` on the SSB 2015 national grid with the municipalities in force in ``year``.

    ``attrs["population_year"]`` = 2015 and ``attrs["rule"]`` describe the result.
    """
    from geoaccess.layers.boundaries import locate_points
    from geoaccess.layers.crosswalk import boundaries_for_year, national_population_cells

    x, y, pop, pop_year = national_population_cells()
    codes = locate_points(x, y, boundaries_for_year(int(year)), max_distance_m=20_000.0)
    parts = town_parts(x, y, pop, codes, min_cell_population=min_cell_population, link_cells=link_cells)
    parts.attrs["population_year"] = pop_year
    parts.attrs["rule"] = TOWN_RULE.format(year=pop_year, min_cell=f"{min_cell_population:g}", link=int(link_cells))
    return parts

