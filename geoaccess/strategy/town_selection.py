"""The small-town strategy's target towns: one centre town per region, with a verdict and its reasons.

Småbystrategien (2021) targets "ca. 120 små og store regionsentre i Norge (basert på BA-regioner)"
and leaves out "de største byene og regionale sentrene som er lokalisert i omlandet til
storbyene". For each region of a regionalisation (the BA-regions of ``geoaccess regions --method
ba``, or any table of ``kommunenummer, region``):

* **centre town** — the largest derived town (:mod:`geoaccess.layers.towns`) of the region's centre
  municipality (the main member of its centre group); a region without a centre municipality
  (a *restkommune* region) takes the largest town of its municipalities;
* **population** of the whole town and of its part in that municipality (2015 grid);
* **centrality** — index and class of that municipality (computed, or official KLASS 128 classes
  when given, with the difference reported);
* **region class** — by the centre town's residents (:class:`TargetTownRules`, ``[region_classes]``):
  storbyregion, mellomstor byregion, småbyregion, småsenterregion, spredtbygd region;
* **verdict** — ``included``, or excluded as ``largest_city`` (the town is one of the largest
  cities), ``large_city_omland`` (the town lies within ``omland_minutes`` by car of a largest
  city, the rule in the reason), ``below_min_size`` (the town is smaller than
  ``min_town_population``, or the region has none). Each rule is a flag column; switching a rule off
  (``exclude_*``) keeps its flag and changes only the verdict. Nothing is deleted.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.config import check_keys
from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "REASONS",
    "REGION_CLASSES",
    "TargetTownRules",
    "load_rules",
    "read_regionalisation",
    "region_class",
    "target_towns",
]

REGION_CLASSES = ("storbyregion", "mellomstor_byregion", "smabyregion", "smasenterregion", "spredtbygd_region")
"""Region classes by the centre town's residents (Norwegian names, largest first)."""
_REGION_LABELS = {
    "storbyregion": ("storbyregion", "large-city region"),
    "mellomstor_byregion": ("mellomstor byregion", "medium-sized city region"),
    "smabyregion": ("småbyregion", "small-town region"),
    "smasenterregion": ("småsenterregion", "small-centre region"),
    "spredtbygd_region": ("spredtbygd region", "rural region"),
}
REASONS = {
    "included": ("Med: regionsenter", "Included: regional centre"),
    "largest_city": ("Ikke med: en av de største byene ({town}, {pop} innbyggere ≥ {limit})",
                     "Excluded: one of the largest cities ({town}, {pop} residents ≥ {limit})"),
    "large_city_omland": ("Ikke med: i omlandet til {city} ({minutes} min med bil ≤ {limit} min)",
                          "Excluded: in the omland of {city} ({minutes} min by car ≤ {limit} min)"),
    "below_min_size": ("Ikke med: under minstestørrelsen ({pop} < {limit} innbyggere)",
                       "Excluded: below the minimum size ({pop} < {limit} residents)"),
    "no_town": ("Ikke med: ingen tettsted (avledet) i regionen", "Excluded: no (derived) town in the region"),
}
"""Reason codes with their Norwegian and English texts (``{...}`` filled per town)."""


@dataclass(frozen=True)
class TargetTownRules:
    """The selection rules (defaults in ``target_towns.toml``).

    Attributes
    ----------
    region_class_min_population
        Lower bounds of the region classes (centre town residents), in :data:`REGION_CLASSES` order
        without the last (which has no lower bound).
    exclude_largest_cities
        Exclude the regions whose centre town is one of the largest cities.
    largest_city_min_population
        Residents that make a town one of the largest cities.
    exclude_omland
        Exclude regional centres within ``omland_minutes`` by car of a largest city.
    omland_minutes
        Car minutes (door to door, N1000) from the centre town to the largest city's town.
    exclude_small
        Exclude regions whose centre town is below ``min_town_population`` (or that have no town).
    min_town_population
        Residents of the centre town (the whole derived town, 2015 grid).
    """

    region_class_min_population: tuple[float, ...] = (150_000.0, 50_000.0, 15_000.0, 5_000.0)
    exclude_largest_cities: bool = True
    largest_city_min_population: float = 150_000.0
    exclude_omland: bool = True
    omland_minutes: float = 60.0
    exclude_small: bool = True
    min_town_population: float = 200.0

    def __post_init__(self) -> None:
        b = np.asarray(self.region_class_min_population, dtype=float)
        if b.size != len(REGION_CLASSES) - 1 or (np.diff(b) >= 0).any() or (b <= 0).any():
            msg = (f"region_classes: give {len(REGION_CLASSES) - 1} strictly descending positive lower bounds "
                   f"({', '.join(REGION_CLASSES[:-1])}); got {list(self.region_class_min_population)}.")
            raise InputError(msg)
        for name in ("largest_city_min_population", "omland_minutes", "min_town_population"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and v >= 0):
                msg = f"target-town rule {name} must be a number >= 0, got {v!r}."
                raise InputError(msg)


_KEYS = {
    "region_classes": set(REGION_CLASSES[:-1]),
    "largest_cities": {"exclude", "min_population"},
    "omland": {"exclude", "minutes"},
    "min_size": {"exclude", "min_town_population"},
}


def load_rules(path: str | Path | None = None) -> TargetTownRules:
    """Read the rules from a TOML file (default: the packaged ``target_towns.toml``); unknown keys are refused."""
    packaged = tomllib.loads(resources.files("geoaccess.strategy").joinpath("target_towns.toml").read_text("utf-8"))
    where = str(path) if path is not None else "target_towns.toml"
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8")) if path is not None else {}
    except tomllib.TOMLDecodeError as exc:
        msg = f"Cannot read the target-town rules {where}: {exc}."
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"Cannot read the target-town rules {where}: {exc.strerror or exc}."
        raise InputError(msg) from None
    for table, value in raw.items():
        check_keys({table: value}, _KEYS, where=where, what="table")
        check_keys(value, _KEYS[table], where=f"{where} [{table}]")
    t = {k: {**packaged.get(k, {}), **raw.get(k, {})} for k in _KEYS}
    for table, keys in (("largest_cities", ("exclude",)), ("omland", ("exclude",)), ("min_size", ("exclude",))):
        for k in keys:
            if not isinstance(t[table][k], bool):
                msg = f"{where}: [{table}] {k} must be true or false, got {t[table][k]!r}."
                raise InputError(msg)
    return TargetTownRules(
        region_class_min_population=tuple(float(t["region_classes"][k]) for k in REGION_CLASSES[:-1]),
        exclude_largest_cities=t["largest_cities"]["exclude"],
        largest_city_min_population=float(t["largest_cities"]["min_population"]),
        exclude_omland=t["omland"]["exclude"], omland_minutes=float(t["omland"]["minutes"]),
        exclude_small=t["min_size"]["exclude"], min_town_population=float(t["min_size"]["min_town_population"]),
    )


def region_class(population: Any, rules: TargetTownRules | None = None) -> np.ndarray:
    """Region class of each centre-town population (``spredtbygd_region`` for NaN)."""
    r = rules or TargetTownRules()
    p = np.nan_to_num(np.asarray(population, dtype=float), nan=-1.0)
    k = (p[:, None] < np.asarray(r.region_class_min_population)[None, :]).sum(axis=1)
    return np.asarray(REGION_CLASSES, dtype=object)[k]


def read_regionalisation(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """A regionalisation: membership (``kommunenummer``, ``region``, optional ``region_name``, ``centre``, ...) and
    the per-region table when there is one.

    ``path`` is a ``geoaccess regions`` output folder (``<method>_membership.csv`` and ``<method>_regions.csv``)
    or a CSV with at least ``kommunenummer`` and ``region``.
    """
    import pandas as pd

    p = Path(path)
    regions_table = None
    if p.is_dir():
        found = sorted(p.glob("*_membership.csv"))
        if not found:
            msg = (f"{p} holds no *_membership.csv (write one with `geoaccess regions --method ba --out {p}`, or give a "
                   f"CSV with kommunenummer,region).")
            raise InputError(msg)
        if len(found) > 1:
            msg = f"{p} holds several memberships ({', '.join(f.name for f in found)}); give the CSV file itself."
            raise InputError(msg)
        member = found[0]
        table = member.with_name(member.name.replace("_membership.csv", "_regions.csv"))
        regions_table = pd.read_csv(table, dtype={"region": str}) if table.is_file() else None
    elif p.is_file():
        member = p
    else:
        msg = f"--regions {p}: no such folder or file."
        raise InputError(msg)
    m = pd.read_csv(member, dtype=str, sep=None, engine="python")
    for col in ("kommunenummer", "region"):
        if col not in m.columns:
            msg = f"{member}: no {col!r} column (it has {list(m.columns)}); a regionalisation needs kommunenummer,region."
            raise InputError(msg)
    m["kommunenummer"] = m["kommunenummer"].str.strip().str.zfill(4)
    dup = m["kommunenummer"][m["kommunenummer"].duplicated()].unique()
    if len(dup):
        msg = f"{member}: municipality code(s) in more than one row: {', '.join(dup[:10])}."
        raise InputError(msg)
    if m["region"].isna().any():
        rows = np.flatnonzero(m["region"].isna().to_numpy())[:5] + 2
        msg = f"{member}: municipalities without a region on line(s) {', '.join(map(str, rows))}."
        raise InputError(msg)
    m.attrs["source"] = str(member)
    return m, regions_table


def _year_of_codes(codes: set[str]) -> int:
    from geoaccess.layers.municipality_codes import codes_in_force

    for y in (2020, 2024, 2019, 2018):
        if codes == set(codes_in_force(y)):
            return y
    for y in (2024, 2020, 2019, 2018):
        if codes <= set(codes_in_force(y)):
            return y
    bad = sorted(codes - set(codes_in_force(2020)) - set(codes_in_force(2024)))
    msg = (f"The regionalisation's municipality codes are not those of 2018-2019, 2020-2023 or 2024 "
           f"(e.g. {', '.join(bad[:8])}); recode it (geoaccess regions --year-codes 2020|2024).")
    raise InputError(msg)


def _centre_of(group: pd.DataFrame) -> str | None:
    """The region's centre municipality: the main member of its centre group, if it has one."""
    if "centre" in group.columns:
        vals = group["centre"].dropna().astype(str).str.strip()
        vals = vals[vals != ""]
        if len(vals):
            main = vals.iloc[0].split("+")[0].zfill(4)
            if main in set(group["kommunenummer"]):
                return main
    if "rule" in group.columns:
        c = group.loc[group["rule"].astype(str) == "centre", "kommunenummer"]
        if len(c):
            return str(c.iloc[0])
    if "region_type" in group.columns and (group["region_type"].astype(str) == "restkommune").all():
        return None
    return None


def _texts(code: str, **kw: Any) -> tuple[str, str]:
    """The Norwegian and English reason (thousands with a space in Norwegian, a comma in English)."""
    def fmt(v: Any, sep: str) -> str:
        return f"{v:,.0f}".replace(",", sep) if isinstance(v, (int, float, np.floating)) else str(v)

    nb = {k: fmt(v, " ") for k, v in kw.items()}
    en = {k: fmt(v, ",") for k, v in kw.items()}
    return REASONS[code][0].format(**nb), REASONS[code][1].format(**en)


def target_towns(
    membership: pd.DataFrame,
    *,
    towns: Any,
    centrality: pd.DataFrame,
    prep: Any,
    rules: TargetTownRules | None = None,
    official: pd.DataFrame | None = None,
    regions_table: pd.DataFrame | None = None,
    year: int | None = None,
) -> gpd.GeoDataFrame:
    """One row per region: its centre town, size, centrality, region class and verdict.

    Parameters
    ----------
    membership
        ``kommunenummer``, ``region`` (:func:`read_regionalisation`).
    towns
        :class:`geoaccess.layers.towns.Towns` in the membership's codes.
    centrality
        ``kommunenummer``, ``index``, ``class`` (``centrality.csv`` of ``geoaccess centrality``).
    prep
        Prepared car network (for the omland rule's travel times).
    rules
        :class:`TargetTownRules` (default :func:`load_rules`).
    official
        Official classes (:func:`geoaccess.strategy.klass.official_classes`) in the same codes.
    regions_table
        Per-region table with ``region`` and ``self_containment`` (``ba_regions.csv``).
    year
        Year of the codes (default: told from the codes).

    Returns
    -------
    geopandas.GeoDataFrame
        Town points (EPSG:25833), largest town first; columns listed in ``docs/strategy.md``.
        ``attrs["summary"]`` counts the verdicts.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geoaccess.national import routing

    r = rules or load_rules()
    codes = set(membership["kommunenummer"])
    yr = int(year) if year is not None else _year_of_codes(codes)
    tw = towns.towns.set_index("town_id")
    parts = towns.parts
    names = dict(zip(towns.towns["kommunenummer"], towns.towns["kommunenavn"], strict=False))
    if "kommunenavn" in membership.columns:
        names.update(dict(zip(membership["kommunenummer"], membership["kommunenavn"], strict=False)))
    cen = centrality.assign(kommunenummer=centrality["kommunenummer"].astype(str).str.zfill(4)).set_index("kommunenummer")
    rows = []
    for region, g in membership.groupby("region", sort=True):
        centre = _centre_of(g)
        if centre is not None:
            cand = parts[parts["kommunenummer"] == centre]
        else:
            cand = parts[parts["kommunenummer"].isin(set(g["kommunenummer"]))]
            cand = cand.sort_values(["town_population", "population"], ascending=False).head(1)
        best = cand.sort_values("population", ascending=False).head(1)
        row = {"region": str(region),
               "region_name": str(g["region_name"].iloc[0]) if "region_name" in g.columns else str(region),
               "region_type": str(g["region_type"].iloc[0]) if "region_type" in g.columns else "",
               "region_municipalities": len(g), "centre_municipality": centre}
        if len(best):
            b = best.iloc[0]
            t = tw.loc[b["town_id"]]
            row.update({"town_id": b["town_id"], "town_name": t["name"], "town_population": float(t["population"]),
                        "town_part_population": float(b["population"]), "town_kommunenummer": b["kommunenummer"],
                        "town_municipalities": t["municipalities"], "x": t.geometry.x, "y": t.geometry.y})
        else:
            row.update({"town_id": None, "town_name": None, "town_population": np.nan, "town_part_population": np.nan,
                        "town_kommunenummer": centre, "town_municipalities": "", "x": np.nan, "y": np.nan})
        rows.append(row)
    df = pd.DataFrame(rows)
    k = df["town_kommunenummer"]
    df["town_kommunenavn"] = k.map(names)
    df["centrality_index"] = k.map(cen["index"]).astype(float)
    df["computed_class"] = k.map(cen["class"]).astype(float)
    if official is not None:
        off = official.set_index("kommunenummer")["official_class"]
        df["official_class"] = k.map(off).astype(float)
        df["centrality_class"] = df["official_class"].fillna(df["computed_class"])
        df["class_source"] = np.where(df["official_class"].notna(), "KLASS 128", "computed")
        df["class_differs"] = df["official_class"].notna() & (df["official_class"] != df["computed_class"])
    else:
        df["centrality_class"] = df["computed_class"]
        df["class_source"] = "computed"
    cls = region_class(df["town_population"], r)
    df["region_class"] = cls
    df["region_class_nb"] = [(_REGION_LABELS[c][0]) for c in cls]
    df["region_class_en"] = [(_REGION_LABELS[c][1]) for c in cls]
    if regions_table is not None and "self_containment" in regions_table.columns:
        sc = regions_table.assign(region=regions_table["region"].astype(str)).set_index("region")
        df["self_containment"] = df["region"].map(sc["self_containment"]).astype(float)
        for col in ("residents", "jobs"):
            if col in sc.columns:
                df[f"region_{col}"] = df["region"].map(sc[col]).astype(float)
    # rule flags
    pop = df["town_population"].to_numpy(dtype=float)
    df["flag_largest_city"] = pop >= r.largest_city_min_population
    big = df[df["flag_largest_city"] & df["x"].notna()]
    df["nearest_large_city"] = None
    df["minutes_to_large_city"] = np.nan
    has = df["x"].notna().to_numpy()
    if len(big) and has.any():
        net = prep.net
        src = routing.snap(net, df.loc[has, "x"].to_numpy(), df.loc[has, "y"].to_numpy(),
                           ids=df.loc[has, "region"].to_numpy(), max_snap_m=20_000.0, access_speed_kmh=30.0)
        dst = routing.snap(net, big["x"].to_numpy(), big["y"].to_numpy(), ids=big["region"].to_numpy(),
                           max_snap_m=20_000.0, access_speed_kmh=30.0)
        mins = routing.seconds_between(prep, src, dst) / 60.0
        same = df.loc[has, "town_id"].to_numpy()[:, None] == big["town_id"].to_numpy()[None, :]
        mins = np.where(same, np.inf, mins)
        j = np.argmin(mins, axis=1)
        m = mins[np.arange(len(j)), j]
        df.loc[has, "nearest_large_city"] = np.where(np.isfinite(m), big["town_name"].to_numpy()[j], None)
        df.loc[has, "minutes_to_large_city"] = np.where(np.isfinite(m), m, np.nan)
    df["flag_large_city_omland"] = (~df["flag_largest_city"]) & (df["minutes_to_large_city"] <= r.omland_minutes)
    df["flag_below_min_size"] = ~(pop >= r.min_town_population)
    verdict, nb, en = [], [], []
    for row in df.itertuples(index=False):
        if row.flag_largest_city and r.exclude_largest_cities:
            code = "largest_city"
            kw = {"town": row.town_name, "pop": row.town_population, "limit": r.largest_city_min_population}
        elif row.flag_large_city_omland and r.exclude_omland:
            code = "large_city_omland"
            kw = {"city": row.nearest_large_city, "minutes": row.minutes_to_large_city, "limit": r.omland_minutes}
        elif row.flag_below_min_size and r.exclude_small:
            code = "no_town" if pd.isna(row.town_id) else "below_min_size"
            kw = {"pop": row.town_population, "limit": r.min_town_population}
        else:
            code, kw = "included", {}
        verdict.append(code)
        texts = _texts(code, **kw)
        nb.append(texts[0])
        en.append(texts[1])
    df["verdict"] = verdict
    df["included"] = df["verdict"] == "included"
    df["reason_nb"] = nb
    df["reason_en"] = en
    df["population_year"] = towns.towns.attrs.get("population_year")
    df["year_codes"] = yr
    df = df.sort_values(["town_population", "region"], ascending=[False, True], na_position="last").reset_index(drop=True)
    geom = shapely.points(df["x"].fillna(0).to_numpy(), df["y"].fillna(0).to_numpy())
    geom[df["x"].isna().to_numpy()] = None
    out = gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:25833")
    counts = out["verdict"].value_counts().to_dict()
    out.attrs["summary"] = {"regions": len(out), "included": int(out["included"].sum()),
                            "verdicts": {k2: int(v) for k2, v in counts.items()},
                            "strategy_count": "ca. 120 (Småbystrategien 2021, based on TØI's 159 BA-regions)",
                            "rules": asdict(r), "towns": towns.towns.attrs.get("rule"),
                            "note": towns.towns.attrs.get("note")}
    return out
