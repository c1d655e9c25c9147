"""Travel-time tables between municipalities: reading, checking, dense arrays and sources.

The one table shape every region method takes is ``origin, destination, minutes``
(municipality codes as 4-digit strings; the engine's ``origin_id``/``destination_id``
is accepted). NaN minutes, or a pair missing from the table, mean *unreachable*
(``inf`` in the arrays, NaN in outputs; never 0). This module is shared by the BA
cascade (:mod:`geoaccess.regions.ba`) and the travel-time regions
(:mod:`geoaccess.regions.traveltime`), so neither imports the other.

A table may also be named by a *source*: :func:`resolve_travel_times` reads a CSV
path, and a registered name (``register_travel_time_source``) computes or loads a
table for a year and a set of codes. ``"national"`` is registered: the national
layer's municipality matrices on the N1000 car or boat network
(:mod:`geoaccess.regions.national_times`, cached).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "TravelTimeSource",
    "group_minutes",
    "groups_from_columns",
    "minutes_array",
    "normalise_travel_times",
    "read_travel_times",
    "register_travel_time_source",
    "resolve_travel_times",
    "travel_time_sources",
    "zone_ids",
]

#: A named source: ``f(year=, codes=, mode=) -> origin, destination, minutes`` table.
TravelTimeSource = Callable[..., "pd.DataFrame"]


def _national(**kwargs: Any) -> pd.DataFrame:
    from geoaccess.regions.national_times import national_travel_times

    return national_travel_times(**kwargs)


_SOURCES: dict[str, TravelTimeSource] = {"national": _national}


def zone_ids(values: Any) -> Any:
    """Zone ids as strings: integral floats lose ``.0`` (ids read as float), padded to 4 like kommunenummer."""
    import pandas as pd

    s = pd.Series(values)
    if pd.api.types.is_float_dtype(s) and (s.dropna() == s.dropna().round()).all():
        s = s.astype("Int64")
    return s.astype(str).str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(4)


def normalise_travel_times(times: pd.DataFrame, *, what: str = "travel times") -> pd.DataFrame:
    """Bring a travel-time table to ``origin, destination, minutes`` with 4-digit-padded string codes.

    Accepts the engine's table (``origin_id``, ``destination_id``, ``minutes``, from
    :func:`geoaccess.engine.travel_time_matrix`) as well. NaN minutes mean
    unreachable and are dropped (a missing pair is unreachable); negative minutes and
    duplicated pairs raise :class:`InputError`.
    """
    import pandas as pd

    t = times.rename(columns={"origin_id": "origin", "destination_id": "destination"})
    need = {"origin", "destination", "minutes"}
    if not need <= set(t.columns):
        msg = f"{what}: expected columns origin, destination, minutes; found {list(times.columns)}."
        raise InputError(msg)
    t = t[["origin", "destination", "minutes"]].copy()
    for col in ("origin", "destination"):
        t[col] = zone_ids(t[col])
    t["minutes"] = pd.to_numeric(t["minutes"], errors="coerce")
    if (t["minutes"] < 0).any():
        msg = f"{what}: {int((t['minutes'] < 0).sum())} rows have negative minutes."
        raise InputError(msg)
    dup = t.duplicated(["origin", "destination"])
    if dup.any():
        first = t.loc[dup].iloc[0]
        msg = (
            f"{what}: {int(dup.sum())} duplicated origin-destination rows "
            f"(e.g. {first['origin']} -> {first['destination']})."
        )
        raise InputError(msg)
    out = t.loc[t["minutes"].notna()].reset_index(drop=True)
    out.attrs.update(times.attrs)
    out.attrs.setdefault("source", what)
    return out


def read_travel_times(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a travel-time CSV ``origin,destination,minutes`` (see :func:`normalise_travel_times`)."""
    import pandas as pd

    try:
        t = pd.read_csv(path, dtype=str)
    except OSError as exc:
        msg = f"Cannot read the travel-time table {path}: {exc}"
        raise InputError(msg) from exc
    if "minutes" in t.columns:
        raw = t["minutes"].fillna("").str.strip()
        bad = pd.to_numeric(raw, errors="coerce").isna() & ~raw.str.lower().isin(["", "nan", "inf"])
        if bad.any():
            msg = f"{path}: {int(bad.sum())} rows have non-numeric minutes (e.g. {raw[bad].iloc[0]!r})."
            raise InputError(msg)
        t["minutes"] = pd.to_numeric(raw.replace({"inf": "nan"}), errors="coerce")
    t.attrs["source"] = str(path)
    return normalise_travel_times(t, what=str(path))


def register_travel_time_source(name: str, source: TravelTimeSource) -> None:
    """Register a named travel-time source for :func:`resolve_travel_times` (e.g. ``"national"``).

    ``source(year=int, codes=list[str], mode=str)`` returns an ``origin, destination,
    minutes`` table between the municipalities ``codes`` of ``year``'s division.
    """
    _SOURCES[str(name)] = source


def travel_time_sources() -> list[str]:
    """Names registered with :func:`register_travel_time_source`."""
    return sorted(_SOURCES)


def resolve_travel_times(
    spec: str | os.PathLike[str] | pd.DataFrame | None,
    *,
    year: int | None,
    codes: Sequence[str],
    mode: str = "car",
) -> pd.DataFrame | None:
    """A travel-time table from a DataFrame, a CSV path or a registered source name.

    Parameters
    ----------
    spec
        ``None`` (no table), a DataFrame, a CSV path, or a name registered with
        :func:`register_travel_time_source`.
    year
        Year of the municipality codes the table must use.
    codes
        Municipalities of that division (the source computes pairs among them).
    mode
        ``"car"`` (main mode) or ``"boat"`` (the other mode of rule ``alt90``).

    Raises
    ------
    InputError
        A name that is neither a file nor a registered source (naming the registered ones).
    """
    import pandas as pd

    if spec is None:
        return None
    if isinstance(spec, pd.DataFrame):
        return normalise_travel_times(spec)
    name = os.fspath(spec)
    if name in _SOURCES:
        table = _SOURCES[name](year=year, codes=list(codes), mode=mode)
        table.attrs.setdefault("source", f"{name} ({mode}, {year} codes)")
        return normalise_travel_times(table, what=f"travel-time source {name!r}")
    if os.path.exists(name):
        return read_travel_times(name)
    known = ", ".join(travel_time_sources()) or "none"
    msg = (
        f"--travel-times {name}: no such file and no registered travel-time source (registered: {known}); "
        "give a CSV origin,destination,minutes or a registered name."
    )
    raise InputError(msg)


def minutes_array(times: pd.DataFrame, zones: Sequence[str], targets: Sequence[str]) -> np.ndarray:
    """Dense minutes zone × target (inf where absent; 0 from a target to itself)."""
    t = normalise_travel_times(times)
    zpos = {z: i for i, z in enumerate(zones)}
    tpos = {c: k for k, c in enumerate(targets)}
    out = np.full((len(zones), len(targets)), np.inf)
    o = t["origin"].map(zpos)
    d = t["destination"].map(tpos)
    ok = o.notna() & d.notna()
    mins = t["minutes"].astype(float)
    np.minimum.at(out, (o[ok].astype(int).to_numpy(), d[ok].astype(int).to_numpy()), mins[ok].to_numpy())
    for k, c in enumerate(targets):
        if c in zpos:
            out[zpos[c], k] = 0.0
    return out


def group_minutes(
    times: pd.DataFrame,
    zones: Sequence[str],
    groups: Sequence[Sequence[str]],
    *,
    rule: str = "nearest",
) -> np.ndarray:
    """Minutes from every zone to every centre group (a double centre counts as one); inf if absent.

    Parameters
    ----------
    times
        ``origin`` (the zone), ``destination`` (a centre municipality), ``minutes``.
    zones
        Zone codes (row order).
    groups
        Centre groups: lists of municipality codes (the first is the main centre).
    rule
        ``"nearest"``: the shorter time to any member; ``"main"``: the time to the
        group's first (main) municipality. A member of the group is 0 minutes away.
    """
    if rule not in {"nearest", "main"}:
        msg = f"group travel time rule must be 'nearest' or 'main', got {rule!r}."
        raise InputError(msg)
    members = [list(g) if rule == "nearest" else [g[0]] for g in groups]
    flat = list(dict.fromkeys(c for g in members for c in g))
    return groups_from_columns(minutes_array(times, zones, flat), zones, flat, groups, rule=rule)


def groups_from_columns(
    per: np.ndarray,
    zones: Sequence[str],
    targets: Sequence[str],
    groups: Sequence[Sequence[str]],
    *,
    rule: str = "nearest",
) -> np.ndarray:
    """Zone × group minutes from zone × target minutes ``per`` (see :func:`group_minutes`)."""
    col = {c: k for k, c in enumerate(targets)}
    pos = {z: i for i, z in enumerate(zones)}
    out = np.full((len(zones), len(groups)), np.inf)
    for k, g in enumerate(groups):
        use = [col[c] for c in (g if rule == "nearest" else g[:1]) if c in col]
        if use:
            out[:, k] = per[:, use].min(axis=1)
        for c in g:
            if c in pos:
                out[pos[c], k] = 0.0
    return out
