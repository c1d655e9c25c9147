"""Jobs on the population grid: municipal jobs spread over 250 m cells by residents (dasymetric).

Jobs at the workplace (*sysselsatte etter arbeidssted*) are only published per
municipality; the shared data hold them as the column sums of SSB table 03321
(:func:`geoaccess.layers.commuting.jobs_by_workplace`). :func:`jobs_to_grid` puts them on
grid cells: each cell is assigned to a municipality (by its centroid, or by a code
column the cells already carry), and every municipality's jobs are divided among its
cells **in proportion to the cells' residents**. This is an assumption, not a
measurement: it understates jobs in city centres, business parks and industrial areas
and overstates them in dormitory suburbs. It is stated in ``gdf.attrs["jobs"]``.

Jobs are only spread over the cells given. A municipality that the cells cover only in
part (a border sliver of a neighbour) receives its *whole* jobs total on those few
cells; ``attrs["jobs"]["per_municipality"]`` lists the cells and residents used per
municipality (with the municipality's residents aged 15-74 from table 11618 for
comparison) so such cases can be seen and excluded with ``municipalities=``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geoaccess.errors import DataWarning, GeoaccessError, InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["JOBS_ASSUMPTION", "MUNICIPALITY_JOBS_ASSUMPTION", "PARTIAL_SHARE", "jobs_by_population", "jobs_to_grid"]

#: A municipality whose residents in the cells (all ages) are below this share of its residents
#: aged 15-74 (SSB 11618) is flagged as covered only in part (a fully covered one has about 1.3-1.5).
PARTIAL_SHARE = 0.5

JOBS_ASSUMPTION = (
    "Jobs by workplace municipality (SSB table 03321, {year}: the sum over residence municipalities) are "
    "spread over the given 250 m cells of each municipality in proportion to the cells' residents "
    "(dasymetric assumption: jobs are located where people live, since no workplace grid is available; "
    "this understates jobs in centres and business areas and overstates them in residential areas). "
    "A municipality receives its whole jobs total on the cells given, even if they cover only part of it."
)


def _assign_by_centroid(
    cells: gpd.GeoDataFrame,
    *,
    boundaries_year: int,
    municipalities: Sequence[str] | None,
    nearest_within: float,
) -> tuple[Any, int]:
    """Municipality code per cell (object array, None outside) and the count assigned by distance."""
    import geopandas as gpd
    import numpy as np

    from geoaccess.layers.boundaries import read_municipalities

    bounds = read_municipalities(boundaries_year, crs=cells.crs)
    if municipalities is not None:
        wanted = {str(c).zfill(4) for c in municipalities}
        unknown = sorted(wanted - set(bounds["kommunenummer"]))
        if unknown:
            msg = (
                f"municipalities: {', '.join(unknown[:10])} are not municipalities of the {boundaries_year} "
                f"division; use codes of that division (see geoaccess.layers.municipality_codes)."
            )
            raise InputError(msg)
        bounds = bounds[bounds["kommunenummer"].isin(wanted)].reset_index(drop=True)
    pts = gpd.GeoDataFrame(geometry=cells.geometry.centroid.to_numpy(), crs=cells.crs)
    joined = gpd.sjoin(pts, bounds[["kommunenummer", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    codes = joined["kommunenummer"].reindex(range(len(cells))).to_numpy(dtype=object)
    missing = np.array([c is None or (isinstance(c, float) and np.isnan(c)) for c in codes])
    n_near = 0
    if missing.any() and nearest_within > 0:
        near = gpd.sjoin_nearest(
            pts[missing], bounds[["kommunenummer", "geometry"]], how="left", max_distance=nearest_within
        )
        near = near[~near.index.duplicated(keep="first")]
        got = near["kommunenummer"].dropna()
        codes[got.index.to_numpy()] = got.to_numpy(dtype=object)
        n_near = len(got)
    codes = np.array([None if (c is None or (isinstance(c, float) and np.isnan(c))) else c for c in codes],
                     dtype=object)
    return codes, n_near


def jobs_to_grid(
    cells: gpd.GeoDataFrame,
    *,
    year: int = 2021,
    population: str = "population",
    boundaries_year: int | None = None,
    municipality_column: str | None = None,
    municipalities: Sequence[str] | None = None,
    nearest_within: float = 0.0,
) -> gpd.GeoDataFrame:
    """Spread each municipality's jobs (SSB 03321 column sums) over grid cells by residents.

    Parameters
    ----------
    cells
        Grid cells (polygons or points) with a projected CRS and a residents column,
        e.g. :func:`geoaccess.layers.population.read_ssb_grid`.
    year
        Year of the 03321 sample (2017-2021; shared files ``commuting/pendling_03321_<year>.csv``).
    population
        Residents column (persons). NaN counts as unknown: such a cell gets NaN jobs and
        a warning; negative values are refused.
    boundaries_year
        Municipal division used to place the cells (2020 or 2024). Default: the division of
        ``year`` (:func:`geoaccess.layers.municipality_codes.division_year`, 2020 for 2020-2023).
        When it differs from the division of ``year``, the jobs are first recoded to the
        boundaries' codes with :func:`geoaccess.layers.municipality_codes.recode_values` (totals kept).
    municipality_column
        Use this column's 4-digit codes (numbering of ``year``) instead of a
        point-in-polygon test.
    municipalities
        Only these municipalities (codes of the boundaries' division) receive cells and
        jobs; cells outside them are treated as outside. Use it to keep border slivers
        of neighbours from receiving a neighbour's whole jobs total.
    nearest_within
        Metres. Cells whose centroid lies in no (selected) municipality are assigned to
        the nearest one if it is at most this far away (generalised boundaries cut off
        border and shore cells). 0 (default) disables it.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``cells`` with ``kommunenummer`` (4-digit string, None outside every
        municipality) and ``jobs`` (persons, float64; NaN outside every municipality,
        in municipalities without jobs data and for NaN residents). ``attrs["jobs"]``
        holds ``source``, ``assumption``, ``year``, ``boundaries_year``,
        ``municipalities`` (count with cells), ``jobs_total_in_cells``,
        ``jobs_total_municipalities`` (03321 jobs of the municipalities with cells),
        ``municipalities_without_residents_in_cells`` (codes whose jobs could not be
        spread), ``cells_outside``, ``cells_assigned_by_distance``,
        ``cells_without_population``, ``municipalities_probably_partial`` and
        ``per_municipality`` (records: ``kommunenummer``,
        ``cells``, ``residents``, ``jobs``, ``population_15_74`` from table 11618 or NaN).

    Raises
    ------
    InputError
        Missing or negative residents column, no CRS, malformed codes in
        ``municipality_column``, unknown codes in ``municipalities``.

    Warns
    -----
    geoaccess.errors.DataWarning
        Cells outside every municipality (count), cells with NaN residents (count),
        municipalities whose cells hold no residents (codes and jobs left unspread),
        cells in municipalities without 03321 jobs (codes), municipalities probably
        covered only in part (residents in the cells below :data:`PARTIAL_SHARE` of their
        residents aged 15-74 in table 11618; listed in ``municipalities_probably_partial``).
    """
    import numpy as np
    import pandas as pd

    from geoaccess.layers.commuting import (
        _codes,
        jobs_by_workplace,
        load_11618,
        load_flows,
    )
    from geoaccess.layers.municipality_codes import division_year, recode_values

    if population not in cells.columns:
        msg = f"cells: no residents column {population!r}; found {list(cells.columns)}. Pass population=<column>."
        raise InputError(msg)
    pop = pd.to_numeric(cells[population], errors="coerce").to_numpy(dtype=np.float64)
    if (pop < 0).any():
        msg = f"cells: {int((pop < 0).sum())} cells have negative residents in {population!r}; counts must be >= 0."
        raise InputError(msg)
    if nearest_within < 0:
        msg = f"nearest_within must be >= 0 metres, got {nearest_within}."
        raise InputError(msg)

    jobs = jobs_by_workplace(load_flows(year)).astype("float64")
    jobs_codes = set(jobs.index)
    n_near = 0
    recoded = False
    if municipality_column is not None:
        if municipality_column not in cells.columns:
            msg = f"cells: no municipality column {municipality_column!r}; found {list(cells.columns)}."
            raise InputError(msg)
        codes = _codes(cells[municipality_column], what="municipality code", source="cells").to_numpy(dtype=object)
        if municipalities is not None:
            wanted = {str(c).zfill(4) for c in municipalities}
            codes = np.array([c if c in wanted else None for c in codes], dtype=object)
        bdy = None
    else:
        if cells.crs is None or not cells.crs.is_projected:
            msg = "cells: a projected CRS (metres) is needed to place cells in municipalities; set or convert it."
            raise InputError(msg)
        bdy = division_year(year) if boundaries_year is None else int(boundaries_year)
        if bdy != division_year(year):
            jobs = recode_values(jobs, from_year=year, to_year=bdy)
            recoded = True
        codes, n_near = _assign_by_centroid(
            cells, boundaries_year=bdy, municipalities=municipalities, nearest_within=float(nearest_within)
        )

    inside = np.array([c is not None for c in codes])
    n_out = int((~inside).sum())
    if n_out:
        warnings.warn(
            f"{n_out} of {len(cells)} cells lie in no municipality"
            + (" of the selection" if municipalities is not None else "")
            + f" ({np.nansum(pop[~inside]):,.0f} residents); they get no municipality and NaN jobs"
            + ("" if nearest_within > 0 else " (nearest_within=<metres> assigns shore and border cells)")
            + ".",
            DataWarning,
            stacklevel=2,
        )
    nan_pop = np.isnan(pop)
    if nan_pop.any():
        warnings.warn(
            f"{int(nan_pop.sum())} cells have no residents value (NaN in {population!r}); they get NaN jobs and "
            "their municipality's jobs are spread over its other cells.",
            DataWarning,
            stacklevel=2,
        )

    table = pd.DataFrame({"code": codes, "pop": np.where(nan_pop, 0.0, pop)})[inside]
    per = table.groupby("code").agg(cells=("pop", "size"), residents=("pop", "sum"))
    per["jobs_municipality"] = jobs.reindex(per.index)
    no_data = per.index[per["jobs_municipality"].isna()].tolist()
    if no_data:
        warnings.warn(
            f"{len(no_data)} municipalities with cells have no jobs in SSB 03321 {year} "
            f"({', '.join(no_data[:10])}); their cells get NaN jobs. Check the codes' numbering year.",
            DataWarning,
            stacklevel=2,
        )
    empty = per.index[(per["residents"] <= 0) & per["jobs_municipality"].notna()].tolist()
    if empty:
        lost = per.loc[empty, "jobs_municipality"]
        warnings.warn(
            f"{len(empty)} municipalities have cells but no residents in them, so their jobs cannot be spread "
            "and are left out: " + ", ".join(f"{c} ({v:,.0f} jobs)" for c, v in lost.items()) + ".",
            DataWarning,
            stacklevel=2,
        )
    code_s = pd.Series(codes)
    res = code_s.map(per["residents"]).to_numpy(dtype=np.float64)  # NaN outside
    tot = code_s.map(per["jobs_municipality"]).to_numpy(dtype=np.float64)  # NaN outside / no data
    out = cells.copy()
    out["kommunenummer"] = pd.Series(codes, index=out.index, dtype=object)  # keeps None outside
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(res > 0, np.where(nan_pop, 0.0, pop) / res, 0.0)  # share first: no overflow
    out["jobs"] = np.where(nan_pop | np.isnan(res), np.nan, share * tot)

    try:
        p1574 = load_11618(year).set_index("kommunenummer")["population_15_74"].astype("float64")
        if recoded:
            p1574 = recode_values(p1574[p1574.index.isin(jobs_codes)], from_year=year, to_year=bdy)
    except (GeoaccessError, KeyError, OSError, ValueError) as exc:
        warnings.warn(
            f"Table 11618 ({year}) could not be used as the residents reference ({exc}); the 'population_15_74' "
            f"figures and the partial-coverage flag are left out of attrs['jobs'].",
            DataWarning,
            stacklevel=2,
        )
        p1574 = pd.Series(dtype="float64")
    spread = out.groupby("kommunenummer")["jobs"].sum(min_count=1)
    records = [
        {
            "kommunenummer": code,
            "cells": int(row["cells"]),
            "residents": float(row["residents"]),
            "jobs": float(spread.get(code, np.nan)) if row["residents"] > 0 else 0.0,
            "jobs_municipality": float(row["jobs_municipality"]),
            "population_15_74": float(p1574.get(code, np.nan)),
        }
        for code, row in per.iterrows()
    ]
    partial = [
        r["kommunenummer"] for r in records
        if r["residents"] > 0 and r["residents"] < PARTIAL_SHARE * r["population_15_74"]
    ]
    if partial:
        warnings.warn(
            f"{len(partial)} municipalities are probably covered only in part by the cells (residents in the cells "
            f"below {PARTIAL_SHARE:.0%} of their residents aged 15-74 in SSB 11618), yet receive their whole jobs "
            f"total: {', '.join(partial[:15])}. Pass municipalities=[...] to keep only the covered ones.",
            DataWarning,
            stacklevel=2,
        )
    with_jobs = per["jobs_municipality"].notna()
    out.attrs = dict(cells.attrs)
    out.attrs["jobs"] = {
        "source": f"SSB 03321 {year} column sums",
        "assumption": JOBS_ASSUMPTION.format(year=year),
        "year": int(year),
        "boundaries_year": bdy,
        "assigned_by": municipality_column if municipality_column is not None else "centroid in polygon",
        "recoded_to_boundaries": recoded,
        "municipalities": len(per),
        "jobs_total_in_cells": float(np.nansum(out["jobs"].to_numpy(dtype=np.float64))),
        "jobs_total_municipalities": float(per.loc[with_jobs, "jobs_municipality"].sum()),
        "municipalities_without_residents_in_cells": empty,
        "municipalities_without_jobs_data": no_data,
        "cells_outside": n_out,
        "cells_assigned_by_distance": int(n_near),
        "cells_without_population": int(nan_pop.sum()),
        "municipalities_probably_partial": partial,
        "per_municipality": records,
    }
    return out


MUNICIPALITY_JOBS_ASSUMPTION = (
    "jobs = Oslo's jobs by workplace (SSB 03321, {year}, column sum for {code}: {total:,.0f}) spread over "
    "Oslo's 250 m cells in proportion to residents (dasymetric assumption; no workplace grid in the sample data)"
)
"""The stated assumption of :func:`jobs_by_population` (one municipality's jobs spread by residents)."""


def jobs_by_population(cells: Any, *, municipality: str = "0301", year: int = 2021,
                       population: str = "population") -> tuple[Any, dict[str, Any]]:
    """Add a ``jobs`` column: a municipality's jobs (SSB 03321 column sum) spread by residents.

    Parameters
    ----------
    cells
        Grid cells of **one** municipality with a residents column.
    municipality
        Workplace municipality code in the numbering of ``year``.
    year
        Year of the 03321 sample (2017-2021).
    population
        Residents column.

    Returns
    -------
    cells : geopandas.GeoDataFrame
        A copy with ``jobs`` (persons, float) summing to the municipality's jobs; a thin
        call into :func:`geoaccess.layers.jobs.jobs_to_grid` with every cell tagged ``municipality``
        (``attrs["jobs"]`` carries its metadata).
    info : dict
        ``jobs_total``, ``municipality``, ``year`` and the stated ``assumption``.
    """
    from geoaccess.errors import InputError

    code = str(municipality).zfill(4)
    tagged = cells.copy()
    tagged["_jobs_municipality"] = code
    out = jobs_to_grid(tagged, year=year, population=population, municipality_column="_jobs_municipality")
    meta = out.attrs["jobs"]
    if code in meta["municipalities_without_jobs_data"]:
        msg = f"Municipality {code} has no jobs in SSB 03321 {year}; check the code's numbering for that year."
        raise InputError(msg)
    if code in meta["municipalities_without_residents_in_cells"]:
        msg = "The cells hold no residents, so jobs cannot be spread in proportion to them."
        raise InputError(msg)
    drop = ["_jobs_municipality"] + ([] if "kommunenummer" in cells.columns else ["kommunenummer"])
    out = out.drop(columns=drop)
    out["jobs"] = out["jobs"].fillna(0.0)  # cells with NaN residents: 0 jobs (jobs_to_grid warns)
    total = float(meta["jobs_total_municipalities"])
    info = {"municipality": code, "year": year, "jobs_total": total,
            "assumption": MUNICIPALITY_JOBS_ASSUMPTION.format(year=year, code=code, total=total)}
    return out, info
