"""Commuting flows between municipalities (SSB tables 03321 and 11618) as tidy tables.

A *flow table* is a :class:`pandas.DataFrame` with one row per residence → workplace
pair and the columns

``origin``
    Residence municipality (*bokommune*), 4-digit string (``"0301"``).
``destination``
    Workplace municipality (*arbeidsstedskommune*), 4-digit string.
``workers``
    Employed persons aged 15–74 living in ``origin`` and working in ``destination``
    (*sysselsatte*), a non-negative integer count.

``flows.attrs["year"]`` carries the statistical year when it is known; the
municipality codes are those in force that year (see :mod:`geoaccess.layers.municipality_codes`).
Rows with zero workers are dropped; ``flows.attrs["codes"]`` keeps every code named in
the input, so municipalities whose rows are all zero are not lost (2019: the stale
code 1567 Rindal, which had moved to Trøndelag as 5061).

Jobs by workplace (*sysselsatte etter arbeidssted*) are the sums over residences of
table 03321, so they add up exactly to the matrix total. Employed residents by
residence from table 11618 (*SysselBosted*) are slightly larger than the matrix row
sums: SSB counts there also people whose workplace is abroad, on Svalbard or unknown.
"""

from __future__ import annotations

import csv
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from geoaccess.errors import DataWarning, InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "flow_matrix",
    "jobs_by_workplace",
    "load_11618",
    "load_flows",
    "read_03321",
    "read_11618",
    "read_flows",
    "validate_flows",
    "workers_by_residence",
]

#: Column names accepted for residence / workplace / count in user flow tables.
_ORIGIN_NAMES = ("origin", "Bokommuen", "bokommune", "residence", "home", "from")
_DEST_NAMES = ("destination", "ArbstedKomm", "arbeidssted", "workplace", "work", "to")
_COUNT_NAMES = ("workers", "value", "count", "flow", "persons", "sysselsatte")


def _pick(columns: list[str], names: tuple[str, ...], what: str, source: str) -> str:
    lower = {c.lower(): c for c in columns}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    msg = f"{source}: no {what} column; expected one of {', '.join(names)} (found {', '.join(columns)})."
    raise InputError(msg)


def _codes(series: pd.Series, *, what: str, source: str) -> pd.Series:
    """Normalise municipality codes to 4-digit strings; refuse anything else."""
    import pandas as pd

    s = series.astype("string").str.strip()
    s = s.str.replace(r"\.0$", "", regex=True).str.zfill(4)
    bad = s.isna() | ~s.str.fullmatch(r"[0-9]{4}").fillna(False)  # ASCII digits: \d also matches "٠٣٠١"
    if bad.any():
        examples = ", ".join(map(repr, pd.Series(series[bad]).astype(str).unique()[:5]))
        msg = (
            f"{source}: {int(bad.sum())} rows have a {what} that is not a 4-digit municipality code (e.g. {examples})."
        )
        raise InputError(msg)
    return s.astype(object)


def validate_flows(
    flows: pd.DataFrame,
    *,
    source: str = "flow table",
    duplicates: str = "error",
) -> pd.DataFrame:
    """Check and normalise a flow table (``origin``, ``destination``, ``workers``).

    Parameters
    ----------
    flows
        Any table with residence, workplace and count columns (names as in
        :data:`_ORIGIN_NAMES` etc., e.g. SSB's ``Bokommuen``/``ArbstedKomm``/``value``).
    source
        Name used in error messages (file name).
    duplicates
        ``"error"`` (default) refuses duplicated origin–destination rows; ``"sum"``
        adds them up with a warning giving the count.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination`` (4-digit strings), ``workers`` (int64 when all
        counts are whole numbers, else float64); rows with zero workers dropped.

    Raises
    ------
    InputError
        Missing columns, non-numeric or negative counts, malformed codes, or
        duplicated pairs when ``duplicates="error"``.
    """
    import numpy as np
    import pandas as pd

    cols = [str(c) for c in flows.columns]
    oc = _pick(cols, _ORIGIN_NAMES, "residence (origin)", source)
    dc = _pick(cols, _DEST_NAMES, "workplace (destination)", source)
    wc = _pick(cols, _COUNT_NAMES, "count (workers)", source)
    out = pd.DataFrame(
        {
            "origin": _codes(flows[oc], what="residence code", source=source),
            "destination": _codes(flows[dc], what="workplace code", source=source),
        }
    )
    w = pd.to_numeric(flows[wc], errors="coerce")
    if w.isna().any():
        bad = flows.loc[w.isna(), wc].astype(str).unique()[:5]
        msg = (
            f"{source}: {int(w.isna().sum())} rows have a non-numeric or missing count in column {wc!r} "
            f"(e.g. {', '.join(map(repr, bad))}); SSB marks suppressed cells with '.' or ':' - replace them by 0 "
            "or drop the rows."
        )
        raise InputError(msg)
    from geoaccess.limits import get_limits, limit_error

    def rows(mask: np.ndarray, problem: str) -> str:
        first = flows.loc[mask].iloc[0]
        return f"{source}: {int(mask.sum())} rows have {problem}, e.g. {first[oc]} -> {first[dc]}: {first[wc]}"

    wf = w.to_numpy(dtype=np.float64)
    cap = get_limits().counts.max_workers
    if (~np.isfinite(wf)).any():
        msg = rows(~np.isfinite(wf), f"an infinite count in column {wc!r}") + "; give the number of workers."
        raise InputError(msg)
    if (wf > cap).any():
        raise limit_error(rows(wf > cap, "a huge count"), "the count", key="counts.max_workers", limit=cap,
                          unit="workers")
    if (wf < 0).any():
        msg = rows(wf < 0, "a negative number of workers") + "; commuting counts must be >= 0."
        raise InputError(msg)
    out["workers"] = wf.astype(np.int64) if np.all(wf == np.round(wf)) else wf
    dup = out.duplicated(["origin", "destination"], keep=False)
    if dup.any():
        n_pairs = int(out.loc[dup].drop_duplicates(["origin", "destination"]).shape[0])
        first = out.loc[dup].iloc[0]
        if duplicates == "sum":
            warnings.warn(
                f"{source}: {n_pairs} origin-destination pairs occur more than once ({int(dup.sum())} rows); "
                "their counts were added up.",
                DataWarning,
                stacklevel=2,
            )
            out = out.groupby(["origin", "destination"], as_index=False, sort=False)["workers"].sum()
        else:
            msg = (
                f"{source}: {n_pairs} origin-destination pairs occur more than once ({int(dup.sum())} rows), "
                f"e.g. {first['origin']} -> {first['destination']}. Remove the duplicates, or pass "
                "duplicates='sum' to add them up."
            )
            raise InputError(msg)
    all_codes = sorted(set(out["origin"]) | set(out["destination"]))
    out = out.loc[out["workers"] > 0].reset_index(drop=True)
    out.attrs.update(flows.attrs)
    # every code named in the input, also those whose rows are all zero (zero-worker zones)
    out.attrs["codes"] = all_codes
    return out


def _read_csv(path: Path, *, encoding: str | None, sniff: bool) -> pd.DataFrame:
    """A CSV of strings, decoded by the policy of :mod:`geoaccess.textio`."""
    import pandas as pd

    from geoaccess.textio import open_text

    try:
        with open_text(path, encoding=encoding) as (fh, _):
            if sniff:
                return pd.read_csv(fh, dtype=str, sep=None, engine="python")
            return pd.read_csv(fh, dtype=str)
    except pd.errors.EmptyDataError:
        msg = f"{path} is empty; a commuting table needs a header line and rows."
        raise InputError(msg) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        msg = f"{path} is not a readable CSV file ({exc}); check the separator, quoting and fields per line."
        raise InputError(msg) from None


def read_03321(
    path: str | os.PathLike[str], *, duplicates: str = "error", encoding: str | None = None
) -> pd.DataFrame:
    """Read an SSB table 03321 CSV (workplace × residence, employed persons) into a flow table.

    Parameters
    ----------
    path
        CSV with columns ``ArbstedKomm`` (workplace), ``Bokommuen`` (residence),
        ``value`` (employed persons 15–74) and optionally ``Tid`` (year) and
        ``ContentsCode``.
    duplicates
        See :func:`validate_flows`.
    encoding
        Text encoding when the file is not UTF-8 (e.g. ``"cp1252"``); ``None`` applies the
        policy of :mod:`geoaccess.textio` (UTF-8 with or without BOM, UTF-16 detected,
        Latin-1 refused by name).

    Returns
    -------
    pandas.DataFrame
        Flow table; ``attrs["year"]`` is the year from ``Tid`` when present.
    """
    return read_flows(path, duplicates=duplicates, encoding=encoding)


def read_flows(
    path: str | os.PathLike[str], *, duplicates: str = "error", encoding: str | None = None
) -> pd.DataFrame:
    """Read any origin–destination commuting CSV (SSB 03321 or ``origin,destination,workers``).

    Parameters
    ----------
    path
        CSV file. Column names are matched as in :func:`validate_flows`.
    duplicates
        See :func:`validate_flows`.
    encoding
        See :func:`read_03321`.
    """
    p = Path(path)
    if not p.exists():
        msg = f"Flow file {p} does not exist."
        raise InputError(msg)
    raw = _read_csv(p, encoding=encoding, sniff=p.suffix != ".csv")
    if "ContentsCode" in raw.columns:
        codes = raw["ContentsCode"].unique()
        if len(codes) > 1:
            msg = f"{p}: several ContentsCode values ({', '.join(codes)}); keep only 'Sysselsatte'."
            raise InputError(msg)
    year: int | None = None
    if "Tid" in raw.columns:
        years = raw["Tid"].dropna().unique()
        if len(years) != 1:
            shown = ", ".join(map(str, years[:5]))
            msg = f"{p}: the Tid column holds {len(years)} years ({shown}); give one year per file."
            raise InputError(msg)
        year = int(str(years[0])[:4])
    flows = validate_flows(raw, source=str(p), duplicates=duplicates)
    flows.attrs["year"] = year
    flows.attrs["source"] = str(p)
    return flows


def load_flows(year: int = 2021) -> pd.DataFrame:
    """Flow table of the shared SSB 03321 sample (``commuting/pendling_03321_<year>.csv``).

    Parameters
    ----------
    year
        2017–2021. Codes are those in force that year (2020 numbering from 2020).
    """
    from geoaccess.datasets import fetch

    return read_03321(fetch(f"commuting/pendling_03321_{year}.csv"))


def read_11618(path: str | os.PathLike[str], *, encoding: str | None = None) -> pd.DataFrame:
    """Read an SSB table 11618 CSV into one row per municipality.

    Parameters
    ----------
    path
        CSV with ``Region``, ``ContentsCode`` (``BefolkningBosted``, ``SysselBosted``,
        ``SysselArbsted``), ``Tid`` and ``value``; sexes and ages must be totals.
    encoding
        See :func:`read_03321`.

    Returns
    -------
    pandas.DataFrame
        ``kommunenummer`` (4-digit string), ``population_15_74`` (residents aged
        15–74), ``employed_residence`` (employed by residence), ``employed_workplace``
        (employed by workplace), counts as int64; ``attrs["year"]``.
    """
    import numpy as np
    import pandas as pd

    p = Path(path)
    if not p.exists():
        msg = f"SSB 11618 file {p} does not exist."
        raise InputError(msg)
    raw = _read_csv(p, encoding=encoding, sniff=False)
    need = {"Region", "ContentsCode", "value"}
    if not need <= set(raw.columns):
        msg = f"{p}: expected columns {sorted(need)}, found {list(raw.columns)}."
        raise InputError(msg)
    for col, total in (("Kjonn", "0"), ("Alder", "15-74")):
        if col in raw.columns and set(raw[col].unique()) != {total}:
            msg = f"{p}: column {col} must hold only the total {total!r}, found {sorted(raw[col].unique())[:5]}."
            raise InputError(msg)
    raw["kommunenummer"] = _codes(raw["Region"], what="region code", source=str(p))
    raw["value"] = pd.to_numeric(raw["value"], errors="coerce")
    from geoaccess.limits import get_limits

    cap = get_limits().counts.max_workers
    bad = raw["value"].isna() | ~np.isfinite(raw["value"]) | (raw["value"] < 0) | (raw["value"] > cap)
    if bad.any():
        first = raw.loc[bad].iloc[0]
        msg = (
            f"{p}: {int(bad.sum())} missing, negative, infinite or implausible (above [counts] max_workers = "
            f"{cap:,}) values, e.g. region {first['Region']} {first['ContentsCode']}: {first['value']}."
        )
        raise InputError(msg)
    names = {
        "BefolkningBosted": "population_15_74",
        "SysselBosted": "employed_residence",
        "SysselArbsted": "employed_workplace",
    }
    wide = raw.pivot_table(index="kommunenummer", columns="ContentsCode", values="value", aggfunc="sum")
    wide = wide.rename(columns=names)[[c for c in names.values() if c in wide.rename(columns=names).columns]]
    wide = wide.fillna(0).astype("int64").reset_index()
    wide.columns.name = None
    if "Tid" in raw.columns:
        wide.attrs["year"] = int(str(raw["Tid"].iloc[0])[:4])
    return wide


def load_11618(year: int = 2021) -> pd.DataFrame:
    """Municipality table of the shared SSB 11618 sample (``commuting/kommune_11618_<year>.csv``)."""
    from geoaccess.datasets import fetch

    return read_11618(fetch(f"commuting/kommune_11618_{year}.csv"))


def jobs_by_workplace(flows: pd.DataFrame) -> pd.Series:
    """Jobs (employed persons) by workplace municipality: the sum of ``workers`` per destination.

    The total equals the flow total exactly.
    """
    return flows.groupby("destination")["workers"].sum().rename("jobs").rename_axis("kommunenummer")


def workers_by_residence(flows: pd.DataFrame) -> pd.Series:
    """Employed residents by residence municipality: the sum of ``workers`` per origin."""
    return flows.groupby("origin")["workers"].sum().rename("residents").rename_axis("kommunenummer")


def flow_matrix(
    flows: pd.DataFrame,
    *,
    codes: list[str] | np.ndarray | None = None,
) -> tuple[np.ndarray, object]:
    """Sparse residence × workplace matrix of a flow table.

    Parameters
    ----------
    flows
        Flow table (``origin``, ``destination``, ``workers``).
    codes
        Zone order; defaults to the sorted union of origins and destinations. Codes
        of the flows missing from ``codes`` raise :class:`InputError`.

    Returns
    -------
    codes : numpy.ndarray of str
        Zone codes, the row and column order.
    matrix : scipy.sparse.csr_array
        ``matrix[i, j]`` = workers living in ``codes[i]`` and working in ``codes[j]``
        (float64, duplicates summed).
    """
    import numpy as np
    import scipy.sparse as sp

    if codes is None:
        zone = np.array(sorted(set(flows["origin"]) | set(flows["destination"])), dtype=object)
    else:
        zone = np.asarray(codes, dtype=object)
    index = {c: i for i, c in enumerate(zone)}
    try:
        oi = flows["origin"].map(index).to_numpy()
        di = flows["destination"].map(index).to_numpy()
    except KeyError:  # pragma: no cover - map never raises
        raise
    missing = np.isnan(oi.astype(float)) | np.isnan(di.astype(float))
    if missing.any():
        bad = sorted(set(flows.loc[missing, "origin"]) | set(flows.loc[missing, "destination"]) - set(zone))[:5]
        msg = f"{int(missing.sum())} flow rows name municipalities outside the zone list (e.g. {', '.join(bad)})."
        raise InputError(msg)
    n = len(zone)
    m = sp.csr_array(
        (flows["workers"].to_numpy(dtype=np.float64), (oi.astype(np.int64), di.astype(np.int64))), shape=(n, n)
    )
    m.sum_duplicates()
    return zone, m
