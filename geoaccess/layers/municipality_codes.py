"""Municipality-code crosswalks between the divisions in force 2017–2024, built two ways.

Norway merged and renumbered municipalities in 2018 (Trøndelag, four mergers: 426 →
422), in 2019 (1567 Rindal → 5061), in 2020 (the *kommunereform*: 422 → 356, with
three municipalities divided among neighbours) and in 2024 (the counties Viken,
Vestfold og Telemark and Troms og Finnmark split, Ålesund and Haram separated: 357).
Statistics are published with the codes in force in their year, so flows, boundaries
and centres must be brought onto one division before they are combined.

Two independent constructions check each other:

* **The official change table** (:func:`crosswalk_from_table`):
  ``boundaries/municipality_code_changes_to_2024.csv`` (SSB KLASS via an MIT
  repository) maps every code in force in a year to 2024 codes. It fixes *which*
  codes a code becomes. Its weights for divided municipalities are placeholders
  (every code that passed through 2020 Ålesund gets 0.5/0.5; Snillfjord 0.35/0.35/0.30).
* **Boundary overlap** (:func:`crosswalk_from_boundaries`): the polygons of 2019
  (422), 2020 (356) and 2024 (357) overlaid, weighted by where people live (SSB's
  2015 national 250 m grid: each populated cell is placed in the source and in the
  target polygon containing its centre, or the nearest within 20 km, because the
  generalised coastlines miss some coastal cells), or by area where nobody lives.

:func:`crosswalk` — the one every recoding uses — takes the *structure* from the
table (the official targets of every code) and, for a code divided among several
targets, the *weights* from the 2015 population of each part (parts under
``min_share`` are generalisation slivers and dropped, then renormalised). Every
source code's weights sum to exactly 1, so recoded totals are kept.
:func:`compare_crosswalks` lists, code by code, where the two constructions agree.

Years: codes of 2017 and later (the table covers 1940–2034; splits before 2017
have no polygons here). Targets: any year whose division is reached from the
source without splitting a merger back (2020–2023 and 2024+ from every year;
2018 ↔ 2019 by the Rindal renumbering). 2017 codes cannot be mapped to 2018/2019
codes: the table sends 2017 Trondheim (1601) and Klæbu (1662) both to 2024 5001,
which 2019's 5001 and 5030 share as well, so it cannot say which became which.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import DataWarning, InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "CODE_CHANGES",
    "FIRST_YEAR",
    "boundaries_for_year",
    "check_codes",
    "codes_in_force",
    "compare_crosswalks",
    "crosswalk",
    "crosswalk_from_boundaries",
    "crosswalk_from_table",
    "division_year",
    "municipality_names",
    "national_population_cells",
    "read_code_changes",
    "recode_flows",
    "recode_values",
    "rename_stale_codes",
    "split_codes",
]

#: Shared dataset: SSB's code changes, every code of every year mapped to 2024 codes.
CODE_CHANGES = "boundaries/municipality_code_changes_to_2024.csv"
#: First year of codes the crosswalk covers (the earliest flows in the shared data).
FIRST_YEAR = 2017
#: Cells farther than this from every polygon are left out of the population weights (metres).
_MAX_CELL_DISTANCE_M = 20_000.0


# --------------------------------------------------------------------------- the change table
@lru_cache(maxsize=1)
def read_code_changes() -> pd.DataFrame:
    """The official change table as ``year``, ``code`` (in force that year), ``code_2024``, ``weight``.

    Raises
    ------
    InputError
        Missing columns, malformed codes, or weights of a code not summing to 1.
    """
    import pandas as pd

    from geoaccess.datasets import fetch

    path = fetch(CODE_CHANGES)
    raw = pd.read_csv(path, dtype=str)
    need = {"location_code_current", "location_code_original", "calyear", "weighting"}
    if not need <= set(raw.columns):
        msg = f"{path}: expected columns {sorted(need)}, found {list(raw.columns)}."
        raise InputError(msg)
    if "granularity_geo" in raw.columns:
        raw = raw.loc[raw["granularity_geo"] == "municip"]
    code = raw["location_code_original"].str.extract(r"^municip_nor(\d{4})$")[0]
    code24 = raw["location_code_current"].str.extract(r"^municip_nor(\d{4})$")[0]
    bad = code.isna() | code24.isna()
    if bad.any():
        msg = f"{path}: {int(bad.sum())} rows have codes not of the form municip_norNNNN."
        raise InputError(msg)
    out = pd.DataFrame(
        {
            "year": pd.to_numeric(raw["calyear"]).astype(int).to_numpy(),
            "code": code.to_numpy(dtype=object),
            "code_2024": code24.to_numpy(dtype=object),
            "weight": pd.to_numeric(raw["weighting"]).astype(float).to_numpy(),
        }
    )
    out = _drop_preregistered(out)
    sums = out.groupby(["year", "code"])["weight"].sum()
    off = sums[(sums - 1.0).abs() > 1e-9]
    if len(off):
        (y, c), w = next(iter(off.items()))
        msg = f"{path}: the weights of {len(off)} codes do not sum to 1 (e.g. {c} in {y}: {w:g})."
        raise InputError(msg)
    return out


def _drop_preregistered(t: pd.DataFrame) -> pd.DataFrame:
    """Drop codes listed one year before they came into force.

    The shared table lists the 2024 codes under 2023 as well (471 codes in 2023: the
    356 in force plus the 115 new on 1 January 2024). A year holding more codes than
    both its neighbours loses the codes that are absent the year before and present
    the year after.
    """
    by_year = t.groupby("year")["code"].agg(set).to_dict()
    drop = []
    for y, codes in by_year.items():
        before, after = by_year.get(y - 1), by_year.get(y + 1)
        if before is None or after is None or not (len(codes) > len(before) and len(codes) > len(after)):
            continue
        early = (codes - before) & after
        drop.append((t["year"] == y) & t["code"].isin(early))
    if not drop:
        return t
    mask = np.logical_or.reduce(drop)
    return t.loc[~mask].reset_index(drop=True)


def _table_years() -> tuple[int, int]:
    t = read_code_changes()
    return int(t["year"].min()), int(t["year"].max())


def codes_in_force(year: int) -> frozenset[str]:
    """Municipality codes in force in ``year``, from the official change table (1940–2034).

    Raises
    ------
    InputError
        For a year the table does not cover.
    """
    t = read_code_changes()
    codes = t.loc[t["year"] == int(year), "code"]
    if codes.empty:
        lo, hi = _table_years()
        msg = f"No municipality codes for {year} in the change table {CODE_CHANGES} (it covers {lo}-{hi})."
        raise InputError(msg)
    return frozenset(codes)


def _years_of(code: str) -> str:
    """Years in which ``code`` was in force, as ranges (``"1964-2019"``), or ``""``."""
    t = read_code_changes()
    years = sorted(set(t.loc[t["code"] == code, "year"]))
    if not years:
        return ""
    runs, start, prev = [], years[0], years[0]
    for y in [*years[1:], None]:
        if y is None or y != prev + 1:
            runs.append(f"{start}" if start == prev else f"{start}-{prev}")
            if y is not None:
                start = y
        if y is not None:
            prev = y
    return ", ".join(runs)


def _check_year(year: int, *, role: str) -> None:
    lo, hi = _table_years()
    if not FIRST_YEAR <= int(year) <= hi:
        msg = (
            f"No crosswalk for municipality codes of {year} ({role}): the crosswalk covers codes of "
            f"{FIRST_YEAR}-{hi} (the change table starts in {lo}, but divided municipalities before "
            f"{FIRST_YEAR} have no boundaries in the shared data to weight them)."
        )
        raise InputError(msg)


def check_codes(codes: Iterable[str], year: int, *, what: str = "codes") -> None:
    """Raise when any code is not a municipality code in force in ``year``.

    Parameters
    ----------
    codes
        Iterable of 4-digit strings.
    year
        Statistical year of the codes.
    what
        Name of the input in the message (file name, column).

    Raises
    ------
    InputError
        Naming the unknown codes, each with the years it was in force, or "no year"
        when it is no municipality code at all.
    """
    valid = codes_in_force(int(year))
    unknown = sorted(set(map(str, codes)) - valid)
    if unknown:
        parts = [f"{c} ({_years_of(c) or 'in force in no year'})" for c in unknown[:10]]
        nowhere = [c for c in unknown if not _years_of(c)]
        hint = (
            f"{len(nowhere)} of them belong to no year of the change table: check the file. "
            if nowhere
            else "check the year of the codes, "
        )
        msg = (
            f"{what}: {len(unknown)} municipality codes are not in force in {year}: {', '.join(parts)}"
            f"{' ...' if len(unknown) > 10 else ''}. {hint}or recode them with "
            "geoaccess.layers.municipality_codes.recode_flows(..., from_year=..., to_year=...)."
        )
        raise InputError(msg)


def _rows(year: int) -> dict[str, tuple[tuple[str, float], ...]]:
    """Table row of every code of ``year``: its sorted 2024 targets with weights."""
    t = read_code_changes()
    t = t.loc[t["year"] == int(year)].sort_values(["code", "code_2024"])
    out: dict[str, list[tuple[str, float]]] = {}
    for c, c24, w in t[["code", "code_2024", "weight"]].itertuples(index=False):
        out.setdefault(c, []).append((c24, float(w)))
    return {c: tuple(v) for c, v in out.items()}


def _renames(from_year: int, to_year: int) -> tuple[dict[str, str], list[str]]:
    """Codes of ``from_year`` not in force in ``to_year`` matched to a new code of ``to_year``.

    A code matches when exactly one code that is new in ``to_year`` has the same table
    row (2024 targets and weights): a renumbering or a merger into that code.

    Returns
    -------
    mapping : dict
        ``from_code -> to_code``.
    ambiguous : list
        Codes with several (or no) candidates.
    """
    a, b = _rows(from_year), _rows(to_year)
    new = {c: r for c, r in b.items() if c not in a}
    by_row: dict[tuple[tuple[str, float], ...], list[str]] = {}
    for c, r in new.items():
        by_row.setdefault(r, []).append(c)
    mapping, ambiguous = {}, []
    for c, r in a.items():
        if c in b:
            continue
        cands = by_row.get(r, [])
        if len(cands) == 1:
            mapping[c] = cands[0]
        else:
            ambiguous.append(c)
    return mapping, sorted(ambiguous)


def rename_stale_codes(codes: Iterable[str], year: int, *, what: str = "codes") -> dict[str, str]:
    """Map codes not in force in ``year`` that are a plain renumbering of a code of ``year``.

    Published tables sometimes carry a code of the year before (SSB's 2019 table 03321
    lists 1567 Rindal, which became 5061 on 1 January 2019). A code of the year before
    that is a pure renumbering in the change table is mapped with a
    :class:`~geoaccess.errors.DataWarning`; any other unknown code raises, named with
    the years it belongs to.

    Returns
    -------
    dict
        ``stale_code -> code of year`` (empty when every code is in force).
    """
    valid = codes_in_force(int(year))
    stale = sorted(set(map(str, codes)) - valid)
    if not stale:
        return {}
    mapping: dict[str, str] = {}
    prev = int(year) - 1
    if prev >= _table_years()[0]:
        before = _rows(prev)
        ren, _ = _renames(prev, int(year))
        for c in stale:
            target = ren.get(c)
            # a plain renumbering from the year before: no other code merges into the target
            if target is not None and len(before[c]) == 1 and sum(1 for v in ren.values() if v == target) == 1:
                mapping[c] = target
    left = [c for c in stale if c not in mapping]
    if left:
        check_codes(left, int(year), what=what)
    warnings.warn(
        f"{what}: {len(mapping)} codes of another year read as their {year} code: "
        + ", ".join(f"{a} -> {b}" for a, b in mapping.items())
        + " (plain renumberings in the change table).",
        DataWarning,
        stacklevel=2,
    )
    return mapping


def crosswalk_from_table(from_year: int, to_year: int) -> pd.DataFrame:
    """Crosswalk from the official change table alone (its weights are placeholders for splits).

    Parameters
    ----------
    from_year, to_year
        Statistical years of the codes (2017 or later).

    Returns
    -------
    pandas.DataFrame
        ``from_code``, ``to_code``, ``weight`` (the table's; each ``from_code`` sums to 1).

    Raises
    ------
    InputError
        A year without a crosswalk: before 2017 or after the table, or a target
        division that would split a merger back (e.g. 2020 → 2019) or that the table
        cannot resolve (2017 → 2018/2019: the Trøndelag renumbering).
    """
    import pandas as pd

    _check_year(from_year, role="source")
    _check_year(to_year, role="target")
    a, b = _rows(from_year), _rows(to_year)
    parents: dict[str, set[str]] = {}
    for c, r in b.items():
        for c24, _ in r:
            parents.setdefault(c24, set()).add(c)
    rows: list[tuple[str, str, float]] = []
    if all(len(p) == 1 for p in parents.values()):
        # every 2024 code lies in one code of to_year: compose through 2024
        for c, r in a.items():
            acc: dict[str, float] = {}
            for c24, w in r:
                (d,) = parents[c24]
                acc[d] = acc.get(d, 0.0) + w
            rows += [(c, d, w) for d, w in acc.items()]
    else:
        ren, ambiguous = _renames(from_year, to_year)
        bad = [c for c in ambiguous if c not in b]
        # a code of from_year whose territory was divided or merged differently in to_year
        split_back = [c for c in a if c in b and a[c] != b[c]]
        if bad or split_back:
            culprits = bad or split_back
            msg = (
                f"No crosswalk from {from_year} codes to {to_year} codes: the change table cannot place "
                f"{len(culprits)} codes of {from_year} (e.g. {', '.join(culprits[:8])}) in the {to_year} "
                "division without splitting a merger back or guessing a renumbering. Recode to the 2020 or "
                "2024 division instead (--year-codes 2020 or 2024)."
            )
            raise InputError(msg)
        rows = [(c, c if c in b else ren[c], 1.0) for c in a]
    out = pd.DataFrame(rows, columns=["from_code", "to_code", "weight"])
    return out.sort_values(["from_code", "to_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------- polygons of any year
def division_year(year: int) -> int:
    """Boundary file whose codes are those in force in ``year``.

    2018–2019 → 2019 (2018 with 5061 read as 1567), 2020–2023 → 2020, 2024 onwards → 2024.

    Raises
    ------
    InputError
        For 2017 (426 municipalities; no boundaries of that division in the shared
        data: recode to 2020 or 2024) and for years outside the table.
    """
    _check_year(year, role="boundaries")
    if 2018 <= year <= 2019:
        return 2019
    if 2020 <= year <= 2023:
        return 2020
    if year >= 2024 and codes_in_force(year) == codes_in_force(2024):
        return 2024
    msg = (
        f"No municipality boundaries for the codes of {year} in the shared data (the files hold the "
        "divisions of 2019, 2020 and 2024). Recode the data to 2020 or 2024 codes (--year-codes)."
    )
    raise InputError(msg)


def _base_year(year: int) -> int:
    return 2019 if year < 2020 else (2020 if year < 2024 else 2024)


def _relabelling(year: int) -> dict[str, str]:
    """Code of ``year`` for each polygon code of the nearest boundary file (absent when none or ambiguous)."""
    base = _base_year(year)
    mine = codes_in_force(year)
    ren, _ = _renames(base, year)
    labels = {c: (c if c in mine else ren.get(c)) for c in _rows(base)}
    counts: dict[str, int] = {}
    for v in labels.values():
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    # a code of year that several base polygons merge into cannot be drawn from them without guessing
    return {c: v for c, v in labels.items() if v is not None and counts[v] == 1}


def _relabelled_polygons(year: int, *, crs: str) -> gpd.GeoDataFrame:
    """Polygons of the file nearest to ``year``'s division, relabelled to ``year``'s codes where the table allows.

    Codes of ``year`` without a polygon (merged in between, or an ambiguous
    renumbering) are absent; the caller decides whether that is acceptable.
    """
    from geoaccess.layers.boundaries import read_municipalities

    base = _base_year(year)
    gdf = read_municipalities(base, crs=crs)
    if year == base:
        return gdf
    gdf = gdf.assign(kommunenummer=gdf["kommunenummer"].map(_relabelling(year)))
    gdf = gdf.loc[gdf["kommunenummer"].notna()].copy()
    gdf["year"] = year
    return gdf.sort_values("kommunenummer").reset_index(drop=True)


def boundaries_for_year(year: int, *, crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """Municipality polygons with the codes in force in ``year`` (2018 onwards).

    2018 is the 2019 file with 5061 read as 1567 (Rindal's code until 2018); 2021–2023
    are the 2020 file; 2025 onwards the 2024 file. See :func:`division_year`.
    """
    division_year(int(year))  # raises for a year without boundaries
    gdf = _relabelled_polygons(int(year), crs=crs)
    missing = sorted(codes_in_force(int(year)) - set(gdf["kommunenummer"]))
    if missing:
        msg = f"Boundaries for {year}: {len(missing)} codes have no polygon (e.g. {', '.join(missing[:5])})."
        raise InputError(msg)
    return gdf.assign(year=int(year))


def municipality_names(year: int) -> pd.Series:
    """Municipality name per code in force in ``year`` (index ``kommunenummer``); empty string where unknown.

    Names come from the boundary files (2019, 2020, 2024). For 2017 codes, those
    unchanged or plainly renumbered by 2019 are named; the eight merged in 2018 and the
    Trøndelag codes the table cannot tell apart are left empty.
    """
    import pandas as pd

    _check_year(year, role="names")
    gdf = _relabelled_polygons(int(year), crs="EPSG:25833")
    names = gdf.set_index("kommunenummer")["kommunenavn"]
    codes = sorted(codes_in_force(int(year)))
    return pd.Series([names.get(c, "") for c in codes], index=pd.Index(codes, name="kommunenummer"), name="kommunenavn")


# --------------------------------------------------------------------------- population weights
@lru_cache(maxsize=1)
def national_population_cells() -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The cells the crosswalk weights by: SSB's 2015 national 250 m grid, read once per process.

    Returns
    -------
    x, y : numpy.ndarray
        Cell centres, EPSG:25833, metres.
    population : numpy.ndarray
        Residents per cell (persons).
    year : int
        Population year (2015).
    """
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid

    g = read_ssb_grid(NATIONAL_GRID_250M, as_points=True)
    xy = g.geometry
    return xy.x.to_numpy(), xy.y.to_numpy(), g["population"].to_numpy(np.float64), int(g.attrs["population_year"])


@lru_cache(maxsize=8)
def _cells_in(year: int, crs: str) -> np.ndarray:
    """Code of ``year`` of every populated 2015 cell (``None`` where ``year``'s code has no polygon)."""
    from geoaccess.layers.boundaries import locate_points, read_municipalities

    x, y, _, _ = national_population_cells()
    base = _base_year(year)
    where = locate_points(x, y, read_municipalities(base, crs=crs), max_distance_m=_MAX_CELL_DISTANCE_M)
    if year == base:
        return where
    rel = _relabelling(year)
    return np.array([rel.get(c) if c is not None else None for c in where], dtype=object)


def _split_weights(
    splits: dict[str, list[str]],
    from_year: int,
    to_year: int,
    *,
    min_share: float,
    crs: str,
) -> dict[str, tuple[dict[str, float], dict[str, float], str]]:
    """Population shares of the parts of each divided code: ``code -> (weights, persons, basis)``."""
    from geoaccess.layers.boundaries import locate_points

    if not splits:
        return {}
    x, y, pop, pop_year = national_population_cells()
    src = _cells_in(from_year, crs)
    target = _relabelled_polygons(to_year, crs=crs).set_index("kommunenummer")
    out: dict[str, tuple[dict[str, float], dict[str, float], str]] = {}
    for code, targets in splits.items():
        allowed = target.loc[[t for t in targets if t in target.index]].reset_index()
        inside = np.flatnonzero(src == code)
        if len(allowed) < len(targets) or len(inside) == 0 or pop[inside].sum() == 0:
            out[code] = ({}, {}, "table weight (no polygon or no residents to weight by)")
            continue
        where = locate_points(x[inside], y[inside], allowed, max_distance_m=None)
        persons = {t: float(pop[inside][where == t].sum()) for t in targets}
        total = sum(persons.values())
        shares = {t: p / total for t, p in persons.items()}
        kept = {t: s for t, s in shares.items() if s >= min_share} or {max(shares, key=lambda t: shares[t]): 1.0}
        norm = sum(kept.values())
        out[code] = ({t: s / norm for t, s in kept.items()}, persons, f"split: population {pop_year}")
    return out


def _exact_unit_sums(df: pd.DataFrame, key: str = "from_code") -> pd.DataFrame:
    """Make the weights of every ``key`` sum to exactly 1.0 in floating point (remainder on the largest)."""
    df = df.sort_values([key, "weight"], ascending=[True, False]).reset_index(drop=True)
    first = ~df[key].duplicated()
    rest = df.loc[~first].groupby(key)["weight"].sum()
    df.loc[first, "weight"] = 1.0 - df.loc[first, key].map(rest).fillna(0.0).to_numpy()
    return df


@lru_cache(maxsize=16)
def _crosswalk_cached(from_year: int, to_year: int, weights: str, min_share: float, crs: str) -> pd.DataFrame:
    import pandas as pd

    table = crosswalk_from_table(from_year, to_year)
    n_to = table.groupby("to_code")["from_code"].transform("size")
    n_from = table.groupby("from_code")["to_code"].transform("size")
    basis = np.where(
        n_from > 1,
        "split: table weight",
        np.where(table["from_code"] == table["to_code"], "unchanged", np.where(n_to > 1, "merged", "renamed")),
    )
    out = table.assign(basis=basis, population=np.nan)
    if weights == "population":
        splits = out.loc[n_from > 1].groupby("from_code")["to_code"].agg(list).to_dict()
        sw = _split_weights(splits, from_year, to_year, min_share=min_share, crs=crs)
        rows = []
        for code, (w, persons, how) in sw.items():
            if not w:
                warnings.warn(
                    f"crosswalk {from_year} -> {to_year}: {code} is divided but has no polygon or residents to "
                    "weight its parts by; the change table's placeholder weights are used.",
                    DataWarning,
                    stacklevel=3,
                )
                continue
            rows += [(code, t, v, how, persons[t]) for t, v in w.items()]
        if rows:
            new = pd.DataFrame(rows, columns=["from_code", "to_code", "weight", "basis", "population"])
            out = pd.concat([out.loc[~out["from_code"].isin(new["from_code"])], new], ignore_index=True)
    elif weights != "table":
        msg = f"crosswalk: weights must be 'population' or 'table', got {weights!r}."
        raise InputError(msg)
    return _exact_unit_sums(out)[["from_code", "to_code", "weight", "basis", "population"]]


def crosswalk(
    from_year: int,
    to_year: int,
    *,
    weights: str = "population",
    min_share: float = 0.005,
    crs: str = "EPSG:25833",
) -> pd.DataFrame:
    """Crosswalk between the codes in force in two years: official targets, population-weighted splits.

    Parameters
    ----------
    from_year, to_year
        Statistical years of the codes (2017 or later; see :func:`crosswalk_from_table`).
    weights
        ``"population"`` (default): a divided code's parts weighted by their 2015
        residents (SSB national 250 m grid); ``"table"``: the table's placeholder weights.
    min_share
        Parts with a smaller population share are generalisation slivers: dropped
        and the rest renormalised.
    crs
        Projected CRS of the overlay.

    Returns
    -------
    pandas.DataFrame
        ``from_code``, ``to_code``, ``weight`` (each ``from_code`` sums to exactly 1),
        ``basis`` (``unchanged``, ``renamed``, ``merged``, ``split: population 2015``,
        ``split: table weight``), ``population`` (2015 residents of a split part, NaN
        otherwise). Identity rows when both years share a division.
    """
    return _crosswalk_cached(int(from_year), int(to_year), weights, float(min_share), crs).copy()


def split_codes(xwalk: pd.DataFrame) -> pd.DataFrame:
    """Rows of a crosswalk whose source code is divided among several targets (weight < 1)."""
    n = xwalk.groupby("from_code")["to_code"].transform("size")
    return xwalk.loc[n > 1].reset_index(drop=True)


# --------------------------------------------------------------------------- the boundary method
def crosswalk_from_boundaries(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    population: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    min_share: float = 0.005,
    crs: str = "EPSG:25833",
) -> pd.DataFrame:
    """Crosswalk from the overlap of two sets of polygons, weighted by population or by area.

    Parameters
    ----------
    source, target
        Polygons with a ``kommunenummer`` column (any CRS; both are projected to ``crs``).
    population
        ``(x, y, persons)`` arrays of populated points in ``crs`` (e.g. the cell centres
        of a 250 m grid). Each point goes to the source and the target polygon that
        contain it, or to the nearest within 20 km; a source's weights are the shares
        of its residents. Sources without residents (and every source when
        ``population`` is ``None``) are weighted by area share.
    min_share
        Parts below this share are slivers between differently generalised files:
        dropped, the rest renormalised (default 0.5 %).
    crs
        Projected CRS for the overlay.

    Returns
    -------
    pandas.DataFrame
        ``from_code``, ``to_code``, ``weight`` (each ``from_code`` sums to exactly 1),
        ``basis`` (``population`` or ``area``), ``population`` (persons in the part, NaN
        for area weights), ``area_km2`` (overlap area, NaN for population weights).

    Raises
    ------
    InputError
        When a source polygon overlaps no target polygon.
    """
    import geopandas as gpd
    import pandas as pd

    from geoaccess.layers.boundaries import locate_points

    s = source[["kommunenummer", "geometry"]].to_crs(crs)
    t = target[["kommunenummer", "geometry"]].to_crs(crs)
    parts = []
    pop_sources: set[str] = set()
    if population is not None:
        x, y, persons = (np.asarray(a, dtype=np.float64) for a in population)
        a = locate_points(x, y, s, max_distance_m=_MAX_CELL_DISTANCE_M)
        b = locate_points(x, y, t, max_distance_m=_MAX_CELL_DISTANCE_M)
        ok = (a != None) & (b != None)  # noqa: E711 - object arrays of codes
        df = pd.DataFrame({"from_code": a[ok], "to_code": b[ok], "p": persons[ok]})
        g = df.groupby(["from_code", "to_code"], as_index=False)["p"].sum()
        g = g.loc[g["p"] > 0]
        g["share"] = g["p"] / g.groupby("from_code")["p"].transform("sum")
        parts.append(g.assign(basis="population", population=g["p"], area_km2=np.nan))
        pop_sources = set(g["from_code"])
    rest = s.loc[~s["kommunenummer"].isin(pop_sources)].rename(columns={"kommunenummer": "from_code"})
    if len(rest):
        rest = rest.assign(src_area=rest.geometry.area)
        ov = gpd.overlay(rest, t.rename(columns={"kommunenummer": "to_code"}), how="intersection", keep_geom_type=True)
        ov["area"] = ov.geometry.area
        ov = ov.groupby(["from_code", "to_code"], as_index=False).agg(
            area=("area", "sum"), src_area=("src_area", "first")
        )
        ov["share"] = ov["area"] / ov["src_area"]
        parts.append(ov.assign(basis="area", population=np.nan, area_km2=ov["area"] / 1e6))
    ov = pd.concat(parts, ignore_index=True)
    best = ov.groupby("from_code")["share"].transform("max")
    ov = ov.loc[(ov["share"] >= min_share) | (ov["share"] == best)].copy()
    missing = sorted(set(s["kommunenummer"]) - set(ov["from_code"]))
    if missing:
        msg = f"{len(missing)} source municipalities overlap no target polygon (e.g. {', '.join(missing[:5])})."
        raise InputError(msg)
    ov["weight"] = ov["share"] / ov.groupby("from_code")["share"].transform("sum")
    out = _exact_unit_sums(ov[["from_code", "to_code", "weight", "basis", "population", "area_km2"]])
    out["weight"] = out["weight"].astype(np.float64)
    return out.reset_index(drop=True)


def _fmt(rows: pd.DataFrame) -> str:
    return ";".join(f"{t}:{w:.3f}" for t, w in zip(rows["to_code"], rows["weight"], strict=True))


def compare_crosswalks(from_year: int, to_year: int, *, min_share: float = 0.005) -> pd.DataFrame:
    """The change table against the population-weighted boundary overlap, code by code.

    Parameters
    ----------
    from_year, to_year
        Years of the codes; both must have polygons (2017 codes only where the table
        relates them to a 2019 polygon).

    Returns
    -------
    pandas.DataFrame
        One row per source code: ``from_code``, ``kind`` (the table's: ``unchanged``,
        ``renamed``, ``merged``, ``split``), ``table`` and ``boundaries`` (``to:weight``
        lists), ``crosswalk`` (the weights :func:`crosswalk` uses), ``main_target_agrees``
        (the boundaries put the largest share of the residents in the table's main
        target), ``same_targets`` (same target sets), ``outside_share`` (share of
        residents the boundaries place outside the table's targets: a part the table
        does not list, or a generalisation artefact), ``max_weight_difference``
        (table vs boundaries, over the union of targets). Codes without a polygon
        have ``kind`` prefixed ``no polygon:`` and NaN comparisons.
    """
    import pandas as pd

    table = crosswalk_from_table(from_year, to_year)
    final = crosswalk(from_year, to_year, min_share=min_share)
    src = _relabelled_polygons(int(from_year), crs="EPSG:25833")
    tgt = _relabelled_polygons(int(to_year), crs="EPSG:25833")
    x, y, pop, _ = national_population_cells()
    # cells of polygons that cannot be labelled with a code of from_year (2017 codes merged in 2018) are
    # left out, so that they do not spill into the neighbouring polygons that can
    keep = _cells_in(int(from_year), "EPSG:25833") != None  # noqa: E711 - object array of codes
    bnd = crosswalk_from_boundaries(src, tgt, population=(x[keep], y[keep], pop[keep]), min_share=min_share)
    kinds = dict(zip(final["from_code"], final["basis"], strict=False))
    tb, bb, fb = (d.groupby("from_code") for d in (table, bnd, final))
    rows = []
    for code, trows in tb:
        k = kinds[code]
        kind = "split" if k.startswith("split") else k
        row = {"from_code": code, "kind": kind, "table": _fmt(trows), "crosswalk": _fmt(fb.get_group(code))}
        if code not in bb.groups:
            row.update(
                kind=f"no polygon: {kind}",
                boundaries="",
                main_target_agrees=np.nan,
                same_targets=np.nan,
                outside_share=np.nan,
                max_weight_difference=np.nan,
            )
            rows.append(row)
            continue
        brows = bb.get_group(code)
        tw = dict(zip(trows["to_code"], trows["weight"], strict=True))
        bw = dict(zip(brows["to_code"], brows["weight"], strict=True))
        row["boundaries"] = _fmt(brows)
        b_main = max(bw, key=lambda t: bw[t])
        row["main_target_agrees"] = b_main == max(tw, key=lambda t: tw[t]) if kind != "split" else b_main in tw
        row["same_targets"] = set(tw) == set(bw)
        row["outside_share"] = float(sum(w for t, w in bw.items() if t not in tw))
        row["max_weight_difference"] = float(max(abs(tw.get(t, 0.0) - bw.get(t, 0.0)) for t in set(tw) | set(bw)))
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- recoding
def recode_values(values: pd.Series, *, from_year: int, to_year: int) -> pd.Series:
    """Recode a count per municipality (index = code) to another division; totals are kept.

    Returns
    -------
    pandas.Series
        float64 counts indexed by the target codes.
    """
    check_codes(values.index, from_year, what="values")
    xw = crosswalk(from_year, to_year)
    df = xw.merge(values.rename("v").rename_axis("from_code").reset_index(), on="from_code")
    out = (df["weight"] * df["v"]).groupby(df["to_code"]).sum().rename(values.name)
    return out.rename_axis(values.index.name)


def _largest_remainder(values: np.ndarray, groups: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round ``values`` to integers so that each group's sum equals its integer total exactly."""
    floor = np.floor(values)
    frac = values - floor
    short = totals - np.bincount(groups, weights=floor, minlength=len(totals))
    order = np.lexsort((-frac, groups))
    rank = np.empty(len(values), dtype=np.int64)
    g_sorted = groups[order]
    starts = np.searchsorted(g_sorted, np.arange(len(totals)))
    rank[order] = np.arange(len(values)) - starts[g_sorted]
    return floor + (rank < np.rint(short)[groups])


def recode_flows(
    flows: pd.DataFrame,
    *,
    to_year: int,
    from_year: int | None = None,
    integer: bool = False,
) -> pd.DataFrame:
    """Recode a flow table to the municipal division of ``to_year``, keeping the total.

    Each flow ``o → d`` is divided over target pairs ``o' → d'`` with weight
    ``w(o, o') · w(d, d')`` (:func:`crosswalk`); since every code's weights sum to 1,
    the total and every source row's total are preserved (floating point: to ~1e-12
    relative; with ``integer=True`` exactly).

    Parameters
    ----------
    flows
        Flow table (``origin``, ``destination``, ``workers``).
    to_year
        Target statistical year (e.g. 2024).
    from_year
        Year of the codes; defaults to ``flows.attrs["year"]``. Stale codes that are a
        plain renumbering are read as the year's code (:func:`rename_stale_codes`).
    integer
        Round the divided flows to whole persons by largest remainder within each
        source flow, so every source flow, and the national total, is kept exactly.

    Returns
    -------
    pandas.DataFrame
        Flow table with float64 ``workers`` (int64 with ``integer=True``) and
        ``attrs["year"] = to_year``, ``attrs["recoded_from"] = from_year``,
        ``attrs["crosswalk"]`` (the divided codes and their weights).
    """
    year = from_year if from_year is not None else flows.attrs.get("year")
    if year is None:
        msg = "recode_flows: the year of the codes is unknown; pass from_year=."
        raise InputError(msg)
    f = flows[["origin", "destination", "workers"]].copy()
    listed = set(flows.attrs.get("codes") or ()) | set(f["origin"]) | set(f["destination"])
    ren = rename_stale_codes(listed, int(year), what=str(flows.attrs.get("source", "flows")))
    if ren:
        f["origin"] = f["origin"].replace(ren)
        f["destination"] = f["destination"].replace(ren)
        listed = {ren.get(c, c) for c in listed}
    xw = crosswalk(int(year), to_year)[["from_code", "to_code", "weight"]]
    f = f.reset_index(drop=True).rename_axis("src").reset_index()
    f = f.merge(xw.rename(columns={"from_code": "origin", "to_code": "o2", "weight": "wo"}), on="origin")
    f = f.merge(xw.rename(columns={"from_code": "destination", "to_code": "d2", "weight": "wd"}), on="destination")
    f["w"] = f["workers"].astype("float64") * f["wo"] * f["wd"]
    if integer:
        totals = flows["workers"].to_numpy(dtype=np.float64)
        if not np.all(totals == np.round(totals)):
            msg = "recode_flows(integer=True) needs whole-number workers."
            raise InputError(msg)
        f["w"] = _largest_remainder(f["w"].to_numpy(), f["src"].to_numpy(), totals)
    out = f.groupby(["o2", "d2"], as_index=False)["w"].sum()
    out.columns = ["origin", "destination", "workers"]
    if integer:
        out["workers"] = out["workers"].astype(np.int64)
    out = out.loc[out["workers"] > 0].reset_index(drop=True)
    out.attrs.update(flows.attrs)
    out.attrs["codes"] = sorted(set(xw.loc[xw["from_code"].isin(listed), "to_code"]))
    out.attrs["year"] = to_year
    out.attrs["recoded_from"] = int(year)
    sp = split_codes(crosswalk(int(year), to_year))
    out.attrs["crosswalk"] = {
        "from_year": int(year),
        "to_year": int(to_year),
        "structure": f"official change table ({CODE_CHANGES})",
        "split_weights": "population of each part, SSB 250 m grid 2015",
        "renamed_stale_codes": ren,
        "splits": {c: _fmt(g) for c, g in sp.groupby("from_code")},
    }
    return out
