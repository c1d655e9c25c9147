"""Plausibility bounds and resource limits, read from one strict TOML file.

The packaged ``geoaccess/limits.toml`` documents every key with its unit and source. A
user file with the same sections overrides some of them: name it in the environment
variable ``GEOACCESS_LIMITS`` or pass it to :func:`load_limits`; in code,
:func:`use_limits` overrides them for a block. Unknown sections or keys, wrong types and
non-positive values are refused with an :class:`~geoaccess.errors.InputError` naming them
and the allowed keys.

Readers call :func:`get_limits` when they start; a value beyond a resource limit raises
:class:`~geoaccess.errors.LimitError` through :func:`limit_error`, whose message names
the ``[section] key`` to raise.

>>> from geoaccess.limits import get_limits, use_limits
>>> get_limits().archives.max_ratio
200.0
>>> with use_limits({"archives": {"max_ratio": 50}}):
...     get_limits().archives.max_ratio
50.0
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from geoaccess.config import check_keys
from geoaccess.errors import InputError, LimitError

__all__ = [
    "ENV_VAR",
    "ArchiveLimits",
    "CountBounds",
    "DurationBounds",
    "Limits",
    "SpeedBounds",
    "TimetableLimits",
    "get_limits",
    "limit_error",
    "load_limits",
    "use_limits",
]

ENV_VAR = "GEOACCESS_LIMITS"
"""Environment variable naming a user TOML file that overrides ``limits.toml``."""


@dataclass(frozen=True)
class SpeedBounds:
    """Plausible road speeds in km/h (OSM ``maxspeed``, line-layer speed columns)."""

    road_min_kmh: float = 2.0
    road_max_kmh: float = 160.0

    def __post_init__(self) -> None:
        _ordered(self.road_min_kmh, self.road_max_kmh, "speeds", "road_min_kmh", "road_max_kmh")

    def contains(self, kmh: float) -> bool:
        """True when ``kmh`` lies within ``[road_min_kmh, road_max_kmh]``."""
        return self.road_min_kmh <= kmh <= self.road_max_kmh

    def describe(self) -> str:
        """The bounds in words, for messages."""
        return f"{self.road_min_kmh:g}-{self.road_max_kmh:g} km/h ([speeds] in limits.toml)"


@dataclass(frozen=True)
class DurationBounds:
    """Plausible durations: OSM ferry ``duration`` tags in hours."""

    ferry_max_hours: float = 72.0


@dataclass(frozen=True)
class TimetableLimits:
    """Bounds on timetable values: times of day, headways, generated trips, calendar spans."""

    max_stop_time_hours: float = 96.0
    min_headway_seconds: float = 10.0
    max_trips_per_frequency: int = 10_000
    max_calendar_span_days: int = 36_600

    @property
    def max_stop_time_s(self) -> float:
        """:attr:`max_stop_time_hours` in seconds."""
        return self.max_stop_time_hours * 3600.0


@dataclass(frozen=True)
class CountBounds:
    """Plausible counts of persons."""

    max_workers: int = 10_000_000


@dataclass(frozen=True)
class ArchiveLimits:
    """Zip members: largest uncompressed size (MiB) and compression ratio."""

    max_member_mib: float = 4096.0
    max_ratio: float = 200.0
    ratio_min_mib: float = 1.0

    @property
    def max_member_bytes(self) -> int:
        """:attr:`max_member_mib` in bytes."""
        return int(self.max_member_mib * 2**20)


@dataclass(frozen=True)
class Limits:
    """All bounds and limits, one frozen record per ``[section]`` of ``limits.toml``."""

    speeds: SpeedBounds = dataclasses.field(default_factory=SpeedBounds)
    durations: DurationBounds = dataclasses.field(default_factory=DurationBounds)
    timetable: TimetableLimits = dataclasses.field(default_factory=TimetableLimits)
    counts: CountBounds = dataclasses.field(default_factory=CountBounds)
    archives: ArchiveLimits = dataclasses.field(default_factory=ArchiveLimits)
    source: str = "limits.toml"

    def updated(self, values: Mapping[str, Any], *, source: str = "override") -> Limits:
        """A copy with ``values`` (``{section: {key: value}}``) applied, checked strictly."""
        sections = {f.name: f for f in dataclasses.fields(self) if f.name != "source"}
        if not isinstance(values, Mapping):
            msg = f"{source}: expected a table of sections {sorted(sections)}, got {type(values).__name__}."
            raise InputError(msg)
        check_keys(values, sections, where=source, what="section")
        changes: dict[str, Any] = {}
        for name, table in values.items():
            current = getattr(self, name)
            changes[name] = _update_section(current, table, f"{source} [{name}]")
        return dataclasses.replace(self, **changes, source=source)


def _ordered(low: float, high: float, section: str, lo_key: str, hi_key: str) -> None:
    if not low < high:
        msg = f"[{section}] {lo_key} = {low:g} must be below {hi_key} = {high:g}."
        raise InputError(msg)


def _update_section(current: Any, table: Any, where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(current)}
    if not isinstance(table, Mapping):
        msg = f"{where}: expected a table with keys {', '.join(sorted(fields))}."
        raise InputError(msg)
    check_keys(table, fields, where=where)
    out: dict[str, Any] = {}
    for key, value in table.items():
        default = getattr(current, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            msg = f"{where}: {key} = {value!r} is not a number."
            raise InputError(msg)
        if not (math.isfinite(value) and value > 0):
            msg = f"{where}: {key} = {value!r} must be a finite number > 0."
            raise InputError(msg)
        if isinstance(default, int) and not isinstance(default, bool):
            if float(value) != int(value):
                msg = f"{where}: {key} = {value!r} must be a whole number."
                raise InputError(msg)
            value = int(value)
        else:
            value = float(value)
        out[key] = value
    return dataclasses.replace(current, **out)


def _read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    from geoaccess.textio import read_text

    text = read_text(path, what="limits file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"Limits file {path} is not valid TOML: {exc}."
        raise InputError(msg) from None


def load_limits(path: str | os.PathLike[str] | None = None) -> Limits:
    """Read the packaged ``limits.toml``, overridden by the user file ``path`` when given.

    Parameters
    ----------
    path
        A TOML file with some of the sections and keys of ``limits.toml``.

    Raises
    ------
    InputError
        The file is missing or not TOML, or names an unknown section or key (the message
        lists the allowed ones), or a value is not a positive number.
    """
    text = resources.files("geoaccess").joinpath("limits.toml").read_text(encoding="utf-8")
    limits = Limits().updated(tomllib.loads(text), source="limits.toml")
    if path is not None:
        p = Path(path)
        if not p.is_file():
            msg = f"Limits file {p} does not exist (named by {ENV_VAR} or passed to load_limits)."
            raise InputError(msg)
        limits = limits.updated(_read_toml(p), source=str(p))
    return limits


_DEFAULT: dict[str | None, Limits] = {}
_OVERRIDE: contextvars.ContextVar[Limits | None] = contextvars.ContextVar("geoaccess_limits", default=None)


def get_limits() -> Limits:
    """The limits in force: a :func:`use_limits` block, else ``$GEOACCESS_LIMITS``, else the defaults."""
    over = _OVERRIDE.get()
    if over is not None:
        return over
    user = os.environ.get(ENV_VAR) or None
    if user not in _DEFAULT:
        _DEFAULT[user] = load_limits(user)
    return _DEFAULT[user]


@contextlib.contextmanager
def use_limits(limits: Limits | Mapping[str, Any]) -> Iterator[Limits]:
    """Use other limits inside a ``with`` block (a :class:`Limits` or ``{section: {key: value}}``)."""
    lim = limits if isinstance(limits, Limits) else get_limits().updated(limits, source="use_limits()")
    token = _OVERRIDE.set(lim)
    try:
        yield lim
    finally:
        _OVERRIDE.reset(token)


def limit_error(what: str, value: str, *, key: str, limit: float | int, unit: str = "") -> LimitError:
    """A :class:`LimitError` saying that ``what`` (``value``) exceeds ``[section] key = limit``.

    Parameters
    ----------
    what
        The input at fault, naming the file and row or member.
    value
        The offending value in words (e.g. ``"4096 MiB uncompressed"``).
    key
        ``"section.key"`` in ``limits.toml``.
    limit
        The limit in force.
    unit
        Unit of the limit, for the message.
    """
    section, name = key.split(".", 1)
    src = get_limits().source
    shown = f"{limit:,}" if isinstance(limit, int) else f"{limit:g}"
    msg = (
        f"{what}: {value} exceeds the limit [{section}] {name} = {shown}{(' ' + unit) if unit else ''} "
        f"(from {src}). If the input is genuine, raise it in a TOML file named by {ENV_VAR} "
        "(see docs/robustness.md)."
    )
    return LimitError(msg)
