"""Municipality-code crosswalk between divisions (2020 ↔ 2024), built from boundary overlap.

Norway renumbered and re-drew municipalities in 2020 (the *kommunereform*: 422 → 356)
and again in 2024 (Viken, Vestfold og Telemark and Troms og Finnmark split: 356 →
357, e.g. the 30xx Viken codes became 31xx/32xx/33xx). Statistics are published
with the codes in force in their year, so flows, boundaries and centres must be
brought onto one division before they are combined.

The crosswalk is computed, not typed: each source municipality is intersected
with the target polygons (EPSG:25833) and the weight of a target is its share of
the source *area*. Overlaps below ``min_share`` are digitising slivers between the
two boundary files (they are drawn at different generalisations) and are dropped;
the remaining weights are renormalised so that every source code's weights sum to
exactly 1. Counts recoded with these weights therefore keep their totals.

Area shares are exact for pure renumberings and mergers. For a real split (e.g.
Ålesund 2020 → Ålesund + Haram 2024) they distribute counts by area, not by where
people live; the pairs with a weight below 1 are listed by :func:`split_codes`.

Codes of 2017–2019 (the pre-reform division, 422–426 municipalities) have no
boundaries in the shared data, so they cannot be crosswalked from it; pass the old
boundaries to :func:`crosswalk_from_boundaries` to handle them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "check_codes",
    "crosswalk",
    "crosswalk_from_boundaries",
    "division_year",
    "recode_flows",
    "recode_values",
    "split_codes",
]


def division_year(year: int) -> int:
    """Boundary year whose codes are in force in ``year``: 2020 for 2020–2023, 2024 from 2024.

    Raises
    ------
    InputError
        For years before 2020 (no boundaries of the old division in the shared data).
    """
    if 2020 <= year <= 2023:
        return 2020
    if year >= 2024:
        return 2024
    msg = (
        f"Municipality codes of {year} belong to the pre-2020 division (422-428 municipalities), for which the "
        "shared data holds no boundaries; a crosswalk from them cannot be computed. Use flows of 2020 or later, "
        "or build one with crosswalk_from_boundaries(old_boundaries, new_boundaries)."
    )
    raise InputError(msg)


def crosswalk_from_boundaries(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    min_share: float = 0.005,
    crs: str = "EPSG:25833",
) -> pd.DataFrame:
    """Area-share crosswalk from the municipalities of ``source`` to those of ``target``.

    Parameters
    ----------
    source, target
        Polygons with a ``kommunenummer`` column (any CRS; both are projected to ``crs``).
    min_share
        Overlaps smaller than this share of the source area are slivers and dropped
        (default 0.5 %).
    crs
        Equal-area-enough projected CRS for the overlay.

    Returns
    -------
    pandas.DataFrame
        ``from_code``, ``to_code``, ``weight`` (area share, each ``from_code`` sums to
        exactly 1), ``area_km2`` of the overlap. Sorted by ``from_code``, weight desc.

    Raises
    ------
    InputError
        When a source municipality overlaps no target polygon.
    """
    import geopandas as gpd
    import numpy as np

    s = source[["kommunenummer", "geometry"]].to_crs(crs).rename(columns={"kommunenummer": "from_code"})
    t = target[["kommunenummer", "geometry"]].to_crs(crs).rename(columns={"kommunenummer": "to_code"})
    s["src_area"] = s.geometry.area
    ov = gpd.overlay(s, t, how="intersection", keep_geom_type=True)
    ov["area"] = ov.geometry.area
    ov = ov.groupby(["from_code", "to_code"], as_index=False).agg(area=("area", "sum"), src_area=("src_area", "first"))
    ov["share"] = ov["area"] / ov["src_area"]
    best = ov.groupby("from_code")["share"].transform("max")
    ov = ov.loc[(ov["share"] >= min_share) | (ov["share"] == best)].copy()
    missing = sorted(set(s["from_code"]) - set(ov["from_code"]))
    if missing:
        msg = f"{len(missing)} source municipalities overlap no target polygon (e.g. {', '.join(missing[:5])})."
        raise InputError(msg)
    ov["weight"] = ov["share"] / ov.groupby("from_code")["share"].transform("sum")
    # make the sums exactly 1 in floating point: put the rounding remainder on the largest part
    ov = ov.sort_values(["from_code", "weight"], ascending=[True, False]).reset_index(drop=True)
    first = ~ov["from_code"].duplicated()
    rest = ov.loc[~first].groupby("from_code")["weight"].sum()
    ov.loc[first, "weight"] = 1.0 - ov.loc[first, "from_code"].map(rest).fillna(0.0).to_numpy()
    ov["area_km2"] = ov["area"] / 1e6
    out = ov[["from_code", "to_code", "weight", "area_km2"]].reset_index(drop=True)
    out["weight"] = out["weight"].astype(np.float64)
    return out


@lru_cache(maxsize=4)
def _crosswalk_cached(from_year: int, to_year: int, min_share: float) -> pd.DataFrame:
    from geoaccess.layers.boundaries import read_municipalities

    return crosswalk_from_boundaries(read_municipalities(from_year), read_municipalities(to_year), min_share=min_share)


def crosswalk(from_year: int, to_year: int, *, min_share: float = 0.005) -> pd.DataFrame:
    """Crosswalk between the municipal divisions in force in two years (2020–2023 ↔ 2024+).

    Parameters
    ----------
    from_year, to_year
        Statistical years; mapped to the division with :func:`division_year`.
    min_share
        Sliver threshold, see :func:`crosswalk_from_boundaries`.

    Returns
    -------
    pandas.DataFrame
        ``from_code``, ``to_code``, ``weight``, ``area_km2``; identity when both
        years share a division.
    """
    import pandas as pd

    a, b = division_year(from_year), division_year(to_year)
    if a == b:
        from geoaccess.layers.boundaries import municipality_codes

        codes = sorted(municipality_codes(a))
        return pd.DataFrame({"from_code": codes, "to_code": codes, "weight": 1.0, "area_km2": float("nan")})
    return _crosswalk_cached(a, b, float(min_share)).copy()


def split_codes(xwalk: pd.DataFrame) -> pd.DataFrame:
    """Rows of a crosswalk whose source code is divided among several targets (weight < 1)."""
    n = xwalk.groupby("from_code")["to_code"].transform("size")
    return xwalk.loc[n > 1].reset_index(drop=True)


def check_codes(codes: object, year: int, *, what: str = "codes") -> None:
    """Raise when any code is not a municipality of the division in force in ``year``.

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
        Naming the count and up to ten unknown codes.
    """
    from geoaccess.layers.boundaries import municipality_codes

    valid = municipality_codes(division_year(year))
    unknown = sorted(set(codes) - valid)
    if unknown:
        msg = (
            f"{what}: {len(unknown)} municipality codes are unknown for {year} "
            f"(e.g. {', '.join(unknown[:10])}); check the year of the codes, or recode them with "
            "geoaccess.layers.crosswalk.recode_flows(..., to_year=...)."
        )
        raise InputError(msg)


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


def recode_flows(flows: pd.DataFrame, *, to_year: int, from_year: int | None = None) -> pd.DataFrame:
    """Recode a flow table to the municipal division of ``to_year``, keeping the total.

    Each flow ``o → d`` is divided over target pairs ``o' → d'`` with weight
    ``w(o, o') · w(d, d')``; since every code's weights sum to 1, the total and
    every source row's total are preserved (up to floating-point rounding).

    Parameters
    ----------
    flows
        Flow table (``origin``, ``destination``, ``workers``).
    to_year
        Target statistical year (e.g. 2024).
    from_year
        Year of the codes; defaults to ``flows.attrs["year"]``.

    Returns
    -------
    pandas.DataFrame
        Flow table with float64 ``workers`` (split flows are fractional) and
        ``attrs["year"] = to_year``, ``attrs["recoded_from"] = from_year``.
    """
    import pandas as pd

    year = from_year if from_year is not None else flows.attrs.get("year")
    if year is None:
        msg = "recode_flows: the year of the codes is unknown; pass from_year=."
        raise InputError(msg)
    check_codes(pd.concat([flows["origin"], flows["destination"]]).unique(), int(year), what="flows")
    xw = crosswalk(int(year), to_year)[["from_code", "to_code", "weight"]]
    f = flows[["origin", "destination", "workers"]].merge(
        xw.rename(columns={"from_code": "origin", "to_code": "o2", "weight": "wo"}), on="origin"
    )
    f = f.merge(xw.rename(columns={"from_code": "destination", "to_code": "d2", "weight": "wd"}), on="destination")
    f["w"] = f["workers"].astype("float64") * f["wo"] * f["wd"]
    out = f.groupby(["o2", "d2"], as_index=False)["w"].sum()
    out.columns = ["origin", "destination", "workers"]
    out = out.loc[out["workers"] > 0].reset_index(drop=True)
    out.attrs.update(flows.attrs)
    old_codes = set(flows.attrs.get("codes") or ()) | set(flows["origin"]) | set(flows["destination"])
    out.attrs["codes"] = sorted(set(xw.loc[xw["from_code"].isin(old_codes), "to_code"]))
    out.attrs["year"] = to_year
    out.attrs["recoded_from"] = int(year)
    return out
