"""SSB's official centrality classes (KLASS 128) from a file the user gives, aligned to a year's municipalities.

SSB publishes the classes (*sentralitetsklasse* 1-6) as KLASS classification 128 with a
correspondence to the municipalities (KLASS 131). Accepted layouts (CSV, ``,`` ``;`` or tab,
UTF-8 or UTF-16; other encodings need ``encoding=``):

* a KLASS correspondence export: ``sourceCode, sourceName, targetCode, targetName[, validFrom, validTo]``
  in either direction (municipality → class or class → municipality; the column of 4-digit codes is
  the municipality);
* a plain table: a municipality column (``kommunenummer``, ``knr``, ``code``, ``kode``) and a class
  column (``class``, ``klasse``, ``sentralitetsklasse``, ``centrality_class``), optionally ``name``.

The classes are those of the year of the file's codes (``year=``, else ``validFrom``, else the year
in the file name, else inferred from the codes). :func:`official_classes` aligns them to another
year's municipalities with the code crosswalk: renumbered and merged municipalities keep their
class when every predecessor has the same one, a divided municipality's parts inherit it, and a
merger of municipalities of different classes is refused (it needs that year's file). Codes in force
in no year, or not in the file's year, are named in the error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare_classes", "official_classes", "read_klass_128", "site_classes"]

_MUNI = ("kommunenummer", "knr", "kommunenr", "municipality", "code", "kode")
_CLASS = ("class", "klasse", "sentralitetsklasse", "centrality_class", "sentralitet")
_NAME = ("kommunenavn", "name", "navn", "sourcename")


def _pick(cols: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower().strip(): c for c in cols}
    return next((low[n] for n in names if n in low), None)


def _codes(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(4)


def read_klass_128(path: str | Path, *, year: int | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read an official KLASS 128 file into ``kommunenummer``, ``kommunenavn``, ``official_class``.

    Parameters
    ----------
    path
        The file (see the module docstring for the layouts).
    year
        Year of the file's municipality codes; default ``validFrom``, the year in the file name, or the
        codes themselves (a division whose codes are exactly the file's).
    encoding
        Text encoding when the file is neither UTF-8 nor UTF-16 (e.g. ``"cp1252"``).

    Returns
    -------
    pandas.DataFrame
        ``attrs["year"]`` is the year of the codes and ``attrs["source"]`` the file.

    Raises
    ------
    InputError
        An unreadable layout, a class outside 1-6 (naming the rows), a municipality listed twice,
        codes in force in no year or not in ``year`` (named).
    """
    import pandas as pd

    from geoaccess.layers.crosswalk import check_codes
    from geoaccess.textio import open_text

    p = Path(path)
    try:
        with open_text(p, encoding=encoding) as (fh, _):
            raw = pd.read_csv(fh, dtype=str, sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"{p} is not a readable KLASS 128 table ({exc})."
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"Cannot read the KLASS 128 file {p}: {exc.strerror or exc}."
        raise InputError(msg) from None
    cols = list(raw.columns)
    src, tgt = _pick(cols, ("sourcecode",)), _pick(cols, ("targetcode",))
    if src is not None and tgt is not None:
        a, b = raw[src].astype(str).str.strip(), raw[tgt].astype(str).str.strip()
        four = a.str.fullmatch(r"\d{3,4}").mean() >= b.str.fullmatch(r"\d{3,4}").mean()
        muni, cls = (a, b) if four else (b, a)
        name_col = _pick(cols, ("sourcename",)) if four else _pick(cols, ("targetname",))
    else:
        mc, cc = _pick(cols, _MUNI), _pick(cols, _CLASS)
        if mc is None or cc is None:
            msg = (f"{p}: no municipality and class columns found (it has {cols}); give a KLASS correspondence "
                   f"export (sourceCode, targetCode) or columns kommunenummer,class.")
            raise InputError(msg)
        muni, cls = raw[mc], raw[cc]
        name_col = _pick(cols, _NAME)
    cls_num = pd.to_numeric(cls.astype(str).str.strip(), errors="coerce")
    bad = ~cls_num.isin([1, 2, 3, 4, 5, 6])
    if bad.any():
        rows = ", ".join(f"line {i + 2} ({cls.iloc[i]!r})" for i in np.flatnonzero(bad.to_numpy())[:5])
        msg = f"{p}: {int(bad.sum())} row(s) have a class outside 1-6: {rows}."
        raise InputError(msg)
    out = pd.DataFrame({"kommunenummer": _codes(muni),
                        "kommunenavn": raw[name_col].astype(str).str.strip() if name_col else "",
                        "official_class": cls_num.astype(int)})
    dup = out["kommunenummer"][out["kommunenummer"].duplicated()].unique()
    if len(dup):
        msg = f"{p}: municipality code(s) listed more than once: {', '.join(dup[:10])}."
        raise InputError(msg)
    if year is None:
        year = _year_of(raw, p, set(out["kommunenummer"]))
    try:
        check_codes(out["kommunenummer"], int(year), what=f"KLASS 128 file {p.name} (codes of {year})")
    except InputError as exc:
        msg = f"{exc} A KLASS file holds one year's codes: check --klass-year."
        raise InputError(msg) from None
    out.attrs.update({"year": int(year), "source": f"SSB KLASS 128 ({p.name}, codes of {year})"})
    return out


def _year_of(raw: pd.DataFrame, path: Path, codes: set[str]) -> int:
    from geoaccess.layers.crosswalk import _table_years, codes_in_force

    vf = _pick(list(raw.columns), ("validfrom", "gyldig_fra", "fra"))
    if vf is not None:
        m = re.search(r"(19|20)\d{2}", str(raw[vf].dropna().astype(str).iloc[0])) if raw[vf].notna().any() else None
        if m:
            return int(m.group(0))
    m = re.search(r"(?<!\d)(20[12]\d)(?!\d)", path.name)
    if m:
        return int(m.group(1))
    lo, hi = _table_years()
    exact = [y for y in range(max(lo, 2017), min(hi, 2034) + 1) if codes_in_force(y) == codes]
    if exact:
        return exact[0]
    within = [y for y in range(max(lo, 2017), min(hi, 2034) + 1) if codes <= codes_in_force(y)]
    if within:
        return within[-1]
    nowhere = sorted(c for c in codes if not any(c in codes_in_force(y) for y in range(max(lo, 2017), hi + 1)))
    msg = (f"{path}: the year of the codes cannot be told (no validFrom column, no year in the file name, and the codes "
           f"are no year's set; {len(nowhere)} code(s) are in force in no year since 2017: {', '.join(nowhere[:10])}). "
           f"Pass the year (--klass-year).")
    raise InputError(msg)


def official_classes(klass: pd.DataFrame, *, to_year: int) -> pd.DataFrame:
    """Official classes in the municipalities of ``to_year``, through the code crosswalk when the years differ.

    Parameters
    ----------
    klass
        :func:`read_klass_128` output (``attrs["year"]`` set).
    to_year
        Year of the target municipalities (e.g. the BA-regions' codes).

    Returns
    -------
    pandas.DataFrame
        ``kommunenummer``, ``official_class``, ``class_basis`` (``as published``, or the crosswalk basis:
        ``renamed from X``, ``merged from X+Y (part)``, ``part of X``). ``attrs["source"]`` names the file and the years.

    Raises
    ------
    InputError
        A municipality of ``to_year`` formed from municipalities of different classes (named with their
        classes), or ``to_year`` codes without any class.
    """
    import pandas as pd

    from geoaccess.layers.crosswalk import codes_in_force, crosswalk

    y0 = int(klass.attrs.get("year", to_year))
    src = klass.set_index("kommunenummer")["official_class"]
    same = y0 == int(to_year) or (_safe_division(y0) == _safe_division(int(to_year)) and _safe_division(y0) is not None)
    if same:
        out = pd.DataFrame({"kommunenummer": src.index, "official_class": src.to_numpy(), "class_basis": "as published"})
    else:
        x = crosswalk(y0, int(to_year))
        x = x[x["from_code"].isin(src.index)]
        rows = []
        conflicts = []
        for to, g in x.groupby("to_code"):
            classes = sorted({int(src[c]) for c in g["from_code"]})
            if len(classes) > 1:
                conflicts.append(f"{to} ({', '.join(f'{c}: class {int(src[c])}' for c in g['from_code'])})")
                continue
            parts = [c + (" (part)" if w < 1 else "") for c, w in zip(g["from_code"], g["weight"])]
            if len(g) > 1:
                basis = "merged from " + "+".join(parts)
            elif g["weight"].iloc[0] < 1:
                basis = f"part of {g['from_code'].iloc[0]}"
            elif g["from_code"].iloc[0] != to:
                basis = f"renamed from {g['from_code'].iloc[0]}"
            else:
                basis = "as published"
            rows.append((to, classes[0], basis))
        if conflicts:
            msg = (f"The KLASS 128 classes of {y0} cannot be carried to {to_year}: {len(conflicts)} municipality(ies) of "
                   f"{to_year} were formed from municipalities of different classes: {'; '.join(conflicts[:8])}. "
                   f"Give the KLASS 128 file of {to_year} (or of a year with the same municipalities).")
            raise InputError(msg)
        out = pd.DataFrame(rows, columns=["kommunenummer", "official_class", "class_basis"])
    missing = sorted(codes_in_force(int(to_year)) - set(out["kommunenummer"]))
    out.attrs["missing"] = missing
    out.attrs["source"] = klass.attrs.get("source", "KLASS 128") + (f", carried to {to_year} codes" if not same else "")
    out.attrs["year"] = y0
    return out.sort_values("kommunenummer").reset_index(drop=True)


def _safe_division(year: int) -> int | None:
    from geoaccess.layers.crosswalk import division_year

    try:
        return division_year(int(year))
    except InputError:
        return None


def compare_classes(computed: pd.DataFrame, official: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Computed vs official classes per municipality, and a summary.

    Parameters
    ----------
    computed
        ``kommunenummer``, ``class`` (and ``index``) of the computed index.
    official
        :func:`official_classes` output.

    Returns
    -------
    (table, summary)
        ``kommunenummer``, ``computed_class``, ``official_class``, ``class_difference`` (computed - official),
        ``differs``; the summary counts equal classes, differences by one and by more, and municipalities
        missing on either side.
    """
    m = computed[["kommunenummer", "class"]].rename(columns={"class": "computed_class"}).merge(
        official[["kommunenummer", "official_class"]], on="kommunenummer", how="outer")
    m["class_difference"] = m["computed_class"] - m["official_class"]
    m["differs"] = m["class_difference"].fillna(0) != 0
    d = m["class_difference"].dropna().abs()
    summary = {"compared": int(len(d)), "equal": int((d == 0).sum()), "one_apart": int((d == 1).sum()),
               "more_apart": int((d > 1).sum()),
               "without_official": sorted(m.loc[m["official_class"].isna(), "kommunenummer"].tolist()),
               "without_computed": sorted(m.loc[m["computed_class"].isna(), "kommunenummer"].tolist())}
    return m.sort_values("kommunenummer").reset_index(drop=True), summary


def site_classes(computed: pd.DataFrame, official: pd.DataFrame | None = None) -> pd.DataFrame:
    """The class table site evaluation reads (``geoaccess locate --centrality``; ``evaluate_sites(centrality=...)``).

    ``kommunenummer``, ``class`` (the official class where given, else the computed one), ``class_source``,
    ``computed_class``, ``official_class``, ``differs``; ``attrs["source"]`` says which was used.
    """
    import pandas as pd

    if official is None:
        out = pd.DataFrame({"kommunenummer": computed["kommunenummer"], "class": computed["class"].astype(int),
                            "class_source": "computed (geoaccess, SSB-style)", "computed_class": computed["class"],
                            "official_class": np.nan, "differs": False})
        out.attrs["source"] = "computed SSB-style centrality classes (geoaccess centrality)"
        return out
    table, _ = compare_classes(computed, official)
    has = table["official_class"].notna()
    out = pd.DataFrame({
        "kommunenummer": table["kommunenummer"],
        "class": np.where(has, table["official_class"], table["computed_class"]),
        "class_source": np.where(has, official.attrs.get("source", "KLASS 128"), "computed (no official class)"),
        "computed_class": table["computed_class"], "official_class": table["official_class"],
        "differs": table["differs"],
    })
    out = out[out["class"].notna()].copy()
    out["class"] = out["class"].astype(int)
    out.attrs["source"] = official.attrs.get("source", "KLASS 128") + "; computed class where it has none"
    return out.reset_index(drop=True)
