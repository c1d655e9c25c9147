"""Municipality centres (*kommunesentre*) from the population grid, for the 2019, 2020 and 2024 boundaries.

A municipality's travel times need one point to start from. Two documented rules:

``"weighted"`` (default)
    The **population-weighted centre**: the mean of the cell centres weighted by their
    residents. It summarises where people live, but may fall between two towns or on a
    fjord; it is then snapped to the nearest road.
``"densest"``
    The **most populous spot**: for every cell the residents within ``radius_m`` of its
    centre are summed (a moving window over the grid); the cell with the largest sum wins
    (ties: the lower cell id), and the centre is the population-weighted centre of the cells
    within ``radius_m`` of it. It lies in the main town of the municipality.

Cells belong to the municipality that contains their centre. A cell whose centre lies in
no polygon (generalised coastlines; the 2019 boundaries are simplified) goes to the
nearest municipality within ``max_outside_m`` (counted in ``cells_outside``); farther ones
are left out with a warning that counts their residents. A municipality without an
inhabited cell gets its ``representative_point`` and ``rule_used = "no_population"``.

The boundaries are transformed to the grid's CRS (with a :class:`~geoaccess.errors.CRSWarning`
when they differ); a layer without a CRS is refused. Results record the population year
and the boundary year.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Literal

import numpy as np

from geoaccess.errors import CRSWarning, DataWarning, InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["BOUNDARY_YEARS", "CENTRE_RULES", "municipality_boundaries", "municipality_centres"]

BOUNDARY_YEARS = {2019: "boundaries/kommuner_2019.geojson", 2020: "2020", 2021: "2020", 2022: "2020", 2023: "2020",
                  2024: "2024"}
"""Years with municipal boundaries in the shared data: 2019 (422, pre-reform), 2020-2023 (356), 2024 (357)."""

CENTRE_RULES = ("weighted", "densest")


def municipality_boundaries(year: int, *, crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """Municipality polygons in force in ``year`` (2019, 2020-2023 or 2024), in ``crs``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``kommunenummer`` (4-digit string), ``kommunenavn``, ``year`` (the boundary year), ``geometry``.

    Raises
    ------
    InputError
        No boundaries for ``year`` in the shared data (the message lists the years there are).
    """
    from geoaccess.layers.boundaries import read_boundary_file, read_municipalities

    if year not in BOUNDARY_YEARS:
        msg = (
            f"No municipality boundaries for {year} in the shared data: there are 2019 (422 municipalities, "
            f"pre-2020 numbering), 2020 (356; valid 2020-2023) and 2024 (357)."
        )
        raise InputError(msg)
    if year == 2019:
        from geoaccess.datasets import fetch

        return read_boundary_file(fetch(BOUNDARY_YEARS[2019]), year=2019, crs=crs)
    return read_municipalities(int(BOUNDARY_YEARS[year]), crs=crs)


def _assign_cells(cells: gpd.GeoDataFrame, bounds: gpd.GeoDataFrame, *, max_outside_m: float) -> tuple[np.ndarray, int, float]:
    """Municipality row of each cell (-1 unassigned), cells assigned by nearness, residents left out."""
    import geopandas as gpd

    pts = gpd.GeoDataFrame(geometry=cells.geometry.centroid.to_numpy(), crs=cells.crs)
    hit = gpd.sjoin(pts, bounds[["geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    row = hit["index_right"].to_numpy(dtype=np.float64)
    out = np.where(np.isfinite(row), row, -1).astype(np.int64)
    miss = np.flatnonzero(out < 0)
    n_near = 0
    if len(miss) and max_outside_m > 0:
        near = gpd.sjoin_nearest(pts.iloc[miss], bounds[["geometry"]], how="left", max_distance=max_outside_m)
        near = near[~near.index.duplicated(keep="first")]
        got = near["index_right"].to_numpy(dtype=np.float64)
        ok = np.isfinite(got)
        out[miss[ok]] = got[ok].astype(np.int64)
        n_near = int(ok.sum())
    left = out < 0
    return out, n_near, float(cells["population"].to_numpy()[left].sum())


def _densest_spot(x: np.ndarray, y: np.ndarray, w: np.ndarray, ids: np.ndarray, radius_m: float) -> tuple[float, float, float]:
    """Centre of the cells within ``radius_m`` of the cell with most residents within ``radius_m``."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([x, y]))
    pairs = tree.sparse_distance_matrix(tree, radius_m, output_type="ndarray")  # includes each cell itself
    window = np.bincount(pairs["i"], weights=w[pairs["j"]], minlength=len(x))
    best = np.lexsort((ids, -window))[0]
    near = tree.query_ball_point([x[best], y[best]], radius_m)
    ww = w[near]
    return float(np.sum(x[near] * ww) / ww.sum()), float(np.sum(y[near] * ww) / ww.sum()), float(window[best])


def municipality_centres(
    boundaries: gpd.GeoDataFrame | int,
    grid: gpd.GeoDataFrame,
    *,
    rule: Literal["weighted", "densest"] = "weighted",
    radius_m: float = 1000.0,
    max_outside_m: float = 2000.0,
    id_column: str = "kommunenummer",
    name_column: str = "kommunenavn",
) -> gpd.GeoDataFrame:
    """One centre point per municipality, from the residents of the grid cells inside it.

    Parameters
    ----------
    boundaries
        Municipality polygons (any CRS) with ``id_column``/``name_column``, or a year (2019, 2020-2023,
        2024) read with :func:`municipality_boundaries`.
    grid
        Population cells (:func:`geoaccess.layers.population.read_ssb_grid`), squares or points, with
        ``cell_id`` and ``population``.
    rule
        ``"weighted"`` (population-weighted centre) or ``"densest"`` (centre of the most populous
        ``radius_m`` window); see the module docstring.
    radius_m
        Window radius in metres of the ``"densest"`` rule.
    max_outside_m
        A cell whose centre lies outside every polygon joins the nearest one within this many metres.
    id_column, name_column
        Municipality code and name columns.

    Returns
    -------
    geopandas.GeoDataFrame
        ``kommunenummer``, ``kommunenavn``, ``population`` (residents of its cells), ``cells``,
        ``rule_used`` (``weighted``/``densest``/``no_population``), ``window_population`` (densest rule),
        ``population_year``, ``boundary_year``, point ``geometry`` in the grid's CRS. ``attrs["provenance"]``
        records the rule, radius, years and the cells assigned by nearness or left out.

    Raises
    ------
    InputError
        Unknown rule, missing columns, a year without boundaries.
    CRSError
        A layer without a CRS.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geoaccess.crs import resolve_crs

    if rule not in CENTRE_RULES:
        msg = f"rule must be one of {', '.join(CENTRE_RULES)}, not {rule!r}."
        raise InputError(msg)
    if not (radius_m > 0 and max_outside_m >= 0):
        msg = f"radius_m must be > 0 and max_outside_m >= 0 metres (got {radius_m}, {max_outside_m})."
        raise InputError(msg)
    grid_crs = resolve_crs(grid.crs, what="the population grid")
    if isinstance(boundaries, (int, np.integer)):
        boundaries = municipality_boundaries(int(boundaries), crs=grid_crs.to_string())
    bcrs = resolve_crs(boundaries.crs, what="the municipality boundaries")
    for col, what in ((id_column, "id_column"), (name_column, "name_column")):
        if col not in boundaries.columns:
            msg = f"The boundaries have no {what} {col!r}; their columns are {[c for c in boundaries.columns if c != 'geometry']}."
            raise InputError(msg)
    for col in ("cell_id", "population"):
        if col not in grid.columns:
            msg = f"The population grid has no {col!r} column; read it with geoaccess.layers.population.read_ssb_grid."
            raise InputError(msg)
    if not bcrs.equals(grid_crs):
        warnings.warn(
            f"The boundaries are in {bcrs.to_string()} and the grid in {grid_crs.to_string()}: the boundaries are "
            f"transformed to the grid's CRS.",
            CRSWarning,
            stacklevel=2,
        )
        boundaries = boundaries.to_crs(grid_crs)
    if not grid_crs.is_projected:
        msg = f"The population grid is in a geographic CRS ({grid_crs.to_string()}); use a projected one (EPSG:25833)."
        raise InputError(msg)
    bounds = boundaries.reset_index(drop=True)
    cells = grid.reset_index(drop=True)
    owner, n_near, left_out = _assign_cells(cells, bounds, max_outside_m=max_outside_m)
    if left_out > 0:
        warnings.warn(
            f"{int((owner < 0).sum())} cell(s) with {left_out:,.0f} residents lie farther than {max_outside_m:g} m "
            f"from every municipality and are left out of the centres.",
            DataWarning,
            stacklevel=2,
        )
    c = cells.geometry.centroid
    cx, cy = c.x.to_numpy(), c.y.to_numpy()
    w = cells["population"].to_numpy(dtype=np.float64)
    ids = cells["cell_id"].astype(str).to_numpy()
    pop_year = grid.attrs.get("population_year", grid.attrs.get("provenance", {}).get("year"))
    byear = bounds["year"].iloc[0] if "year" in bounds.columns and len(bounds) else None
    rows = []
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(len(bounds)))
    stops = np.searchsorted(owner[order], np.arange(len(bounds)), side="right")
    for k in range(len(bounds)):
        members = order[starts[k]:stops[k]]
        members = members[w[members] > 0]
        total = float(w[members].sum())
        window = np.nan
        if total <= 0:
            pt = bounds.geometry.iloc[k].representative_point()
            px, py, used = pt.x, pt.y, "no_population"
        elif rule == "weighted":
            px = float(np.sum(cx[members] * w[members]) / total)
            py = float(np.sum(cy[members] * w[members]) / total)
            used = "weighted"
        else:
            px, py, window = _densest_spot(cx[members], cy[members], w[members], ids[members], radius_m)
            used = "densest"
        rows.append((bounds[id_column].iloc[k], bounds[name_column].iloc[k], total, len(members), used, window, px, py))
    df = pd.DataFrame(rows, columns=["kommunenummer", "kommunenavn", "population", "cells", "rule_used",
                                     "window_population", "x", "y"])
    empty = df["rule_used"] == "no_population"
    if empty.any():
        warnings.warn(
            f"{int(empty.sum())} municipality(ies) have no inhabited cell ({', '.join(df.loc[empty, 'kommunenummer'])}); "
            f"their centre is a point inside the polygon.",
            DataWarning,
            stacklevel=2,
        )
    out = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]).assign(population_year=pop_year, boundary_year=byear),
        geometry=shapely.points(df["x"].to_numpy(), df["y"].to_numpy()),
        crs=grid_crs,
    )
    out.attrs["provenance"] = {
        "rule": rule,
        "radius_m": float(radius_m) if rule == "densest" else None,
        "population_year": pop_year,
        "boundary_year": None if byear is None else int(byear),
        "cells_assigned_by_nearness": n_near,
        "cells_left_out": int((owner < 0).sum()),
        "residents_left_out": left_out,
        "max_outside_m": float(max_outside_m),
    }
    return out
