"""Parse OSM tag values that routing needs: ``maxspeed``, ``duration``, ``oneway``, access values.

Every parser is a pure function of one tag value. Parsers never raise on bad
data (a hypothesis property in the test suite holds them to it): they return ``None``
and the caller falls back to a documented default and records the case in a
:class:`TagWarnings` collector, which ends up in ``Network.meta["tag_warnings"]`` with
the reason of each value (not understood, or outside a plausibility bound).

Plausibility bounds come from :mod:`geoaccess.limits`: a ``maxspeed`` outside
``[speeds] road_min_kmh``-``road_max_kmh`` (e.g. ``99999`` or ``0.001``) and a ferry
``duration`` longer than ``[durations] ferry_max_hours`` are refused (``None``).

Units: speeds are returned in **km/h** (the unit OSM uses), durations in
**seconds**.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "IMPLICIT_MAXSPEED_KMH",
    "KNOT_KMH",
    "MPH_KMH",
    "TagWarnings",
    "is_truthy",
    "parse_duration",
    "parse_maxspeed",
    "parse_oneway",
    "tag_problem",
]

MPH_KMH = 1.609344
"""Kilometres per hour in one mile per hour."""
KNOT_KMH = 1.852
"""Kilometres per hour in one knot."""

IMPLICIT_MAXSPEED_KMH: dict[str, float] = {
    # Norway: trafikkreglene § 13: 50 km/h in built-up areas ("tettbygd strøk"), 80 km/h elsewhere.
    # Norwegian law has no implicit motorway limit (90-110 km/h must be signed); 90 is the lowest
    # signed motorway limit and is used for the (rare) value "NO:motorway".
    "NO:urban": 50.0,
    "NO:rural": 80.0,
    "NO:motorway": 90.0,
    "NO:living_street": 7.0,  # gatetun: "gangfart" (walking pace)
    # Finland: 50 urban, 80 rural (general limit), 120 motorway (summer maximum).
    "FI:urban": 50.0,
    "FI:rural": 80.0,
    "FI:motorway": 120.0,
    "FI:living_street": 20.0,
    # Sweden.
    "SE:urban": 50.0,
    "SE:rural": 70.0,
    "SE:motorway": 110.0,
    # Denmark.
    "DK:urban": 50.0,
    "DK:rural": 80.0,
    "DK:motorway": 130.0,
    # Andorra (the shared 2013 extract).
    "AD:urban": 50.0,
    "AD:rural": 90.0,
    # Germany; "DE:motorway" has no limit, the advisory 130 km/h is used.
    "DE:urban": 50.0,
    "DE:rural": 100.0,
    "DE:motorway": 130.0,
    "DE:living_street": 7.0,
    # France, United Kingdom (mph converted), Netherlands.
    "FR:urban": 50.0,
    "FR:rural": 80.0,
    "FR:motorway": 130.0,
    "GB:nsl_single": 60 * MPH_KMH,
    "GB:nsl_dual": 70 * MPH_KMH,
    "GB:motorway": 70 * MPH_KMH,
    "NL:urban": 50.0,
    "NL:rural": 80.0,
    "NL:motorway": 100.0,
}
"""Implicit ("<country>:<context>") speed limits in km/h, as used in OSM ``maxspeed``."""

_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|km/t|mph|knots?)?\s*$", re.IGNORECASE | re.ASCII)
_ZONE = re.compile(r"^([A-Z]{2}):zone:?(\d+)$", re.IGNORECASE | re.ASCII)
_HMS = re.compile(r"^\s*(\d{1,6})(?::(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?)?\s*$", re.ASCII)
_ISO = re.compile(
    r"^\s*P(?:(\d{1,6}(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?\s*$",
    re.IGNORECASE | re.ASCII,
)
_TRUE = frozenset({"yes", "true", "1"})
_REVERSE = frozenset({"-1", "reverse"})
_FALSE = frozenset({"no", "false", "0"})


def _unbounded_maxspeed(value: str | None) -> float | None:
    """:func:`parse_maxspeed` without the plausibility bounds."""
    if value is None:
        return None
    parts = [p for p in str(value).split(";") if p.strip()]
    if not parts:
        return None
    speeds = [_single_maxspeed(p) for p in parts]
    if any(s is None for s in speeds):
        return None
    return float(min(speeds))  # type: ignore[type-var]


def _single_maxspeed(value: str) -> float | None:
    v = value.strip()
    if not v:
        return None
    m = _NUMBER_UNIT.match(v)
    if m:
        number = float(m.group(1).replace(",", "."))
        unit = (m.group(2) or "km/h").lower()
        if unit == "mph":
            number *= MPH_KMH
        elif unit.startswith("knot"):
            number *= KNOT_KMH
        return number if number > 0 else None
    if v.lower() == "none":
        return math.inf
    z = _ZONE.match(v)
    if z:
        return float(z.group(2)) or None
    for key, kmh in IMPLICIT_MAXSPEED_KMH.items():
        if key.lower() == v.lower():
            return kmh
    return None


def parse_maxspeed(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h.

    Parameters
    ----------
    value
        The tag value, e.g. ``"50"``, ``"30 mph"``, ``"NO:urban"``, ``"50;70"``, ``"none"``.

    Returns
    -------
    float or None
        The speed limit in km/h. ``math.inf`` for ``"none"`` (no limit; the caller uses the
        class default). ``None`` when the value is missing or not a speed (``"signals"``,
        ``"walk"``, ``"variable"``, garbage): the caller falls back to the class default and
        records a warning. Several values separated by ``;`` (e.g. lanes or time-dependent
        limits, ``"50;70"``) give the **lowest** one, a conservative choice. A speed outside
        ``[speeds] road_min_kmh``-``road_max_kmh`` of :mod:`geoaccess.limits` gives ``None``.
    """
    kmh = _unbounded_maxspeed(value)
    if kmh is None or kmh == math.inf:
        return kmh
    from geoaccess.limits import get_limits

    return kmh if get_limits().speeds.contains(kmh) else None


def parse_duration(value: str | None) -> float | None:
    """Parse an OSM ``duration`` value (ferries) into seconds.

    Accepted forms: ``"MM"`` (minutes), ``"HH:MM"``, ``"HH:MM:SS"`` and ISO 8601 durations
    such as ``"PT45M"``, ``"PT1H5M"``, ``"PT1H30M15S"``.

    Parameters
    ----------
    value
        The tag value, e.g. ``"1:30"`` (1 h 30 min).

    Returns
    -------
    float or None
        Duration in seconds, or ``None`` for a missing, zero or unparsable value, or one
        longer than ``[durations] ferry_max_hours`` of :mod:`geoaccess.limits`.
    """
    seconds = _unbounded_duration(value)
    if seconds is None:
        return None
    from geoaccess.limits import get_limits

    return seconds if seconds <= get_limits().durations.ferry_max_hours * 3600.0 else None


def _unbounded_duration(value: str | None) -> float | None:
    """:func:`parse_duration` without the plausibility bound."""
    if value is None:
        return None
    v = str(value).strip()
    m = _HMS.match(v)
    if m:
        a, b, c = m.groups()
        if b is None and c is None:
            seconds = float(a) * 60.0
        elif c is None:
            if int(b) >= 60:
                return None
            seconds = float(a) * 3600.0 + float(b) * 60.0
        else:
            if int(b) >= 60 or float(c) >= 60:
                return None
            seconds = float(a) * 3600.0 + float(b) * 60.0 + float(c)
        return seconds if seconds > 0 else None
    m = _ISO.match(v)
    if m and any(m.groups()):
        d, h, mi, s = (float(g.replace(",", ".")) if g else 0.0 for g in m.groups())
        seconds = d * 86400.0 + h * 3600.0 + mi * 60.0 + s
        return seconds if seconds > 0 else None
    return None


def parse_oneway(tags: Mapping[str, str], *, key: str = "oneway", implied: bool = False) -> int | None:
    """Direction of travel allowed on a way.

    Parameters
    ----------
    tags
        The way's tags (any mapping with ``.get``).
    key
        Tag to read, ``"oneway"`` or a mode-specific one such as ``"oneway:bicycle"``.
    implied
        Whether the way is one-way without a tag (roundabouts, motorways); used when the
        tag is absent or unparsable.

    Returns
    -------
    int or None
        ``1`` along the node order only, ``-1`` against it only, ``0`` both ways; ``None``
        when the value is not understood (e.g. ``"reversible"``, ``"alternating"``); the
        caller then keeps both directions and records a warning.
    """
    raw = tags.get(key)
    if raw is None:
        return 1 if implied else 0
    v = str(raw).strip().lower()
    if v in _TRUE:
        return 1
    if v in _REVERSE:
        return -1
    if v in _FALSE:
        return 0
    return None


def is_truthy(value: str | None) -> bool:
    """True for the OSM affirmative values ``yes``, ``true``, ``1``, ``designated``, ``permissive``."""
    return value is not None and str(value).strip().lower() in {"yes", "true", "1", "designated", "permissive"}


def tag_problem(tag: str, value: object) -> str:
    """Why a value of ``tag`` was not used: not understood, or outside a plausibility bound (which one)."""
    from geoaccess.limits import get_limits

    lim = get_limits()
    if tag == "maxspeed":
        kmh = _unbounded_maxspeed(None if value is None else str(value))
        if kmh is not None and kmh != math.inf and not lim.speeds.contains(kmh):
            return f"outside the plausible {lim.speeds.describe()}; the road class default is used"
        return "not a speed; the road class default is used"
    if tag == "duration":
        sec = _unbounded_duration(None if value is None else str(value))
        if sec is not None:
            return (f"longer than [durations] ferry_max_hours = {lim.durations.ferry_max_hours:g} h in limits.toml; "
                    "the ferry speed is used")
        return "not a duration; the ferry speed is used"
    return "not understood; the documented default is used"


@dataclass
class TagWarnings:
    """Collect tag values that could not be used, with counts and a few examples.

    Attributes
    ----------
    max_examples
        How many distinct examples to keep per tag.
    """

    max_examples: int = 5
    _data: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, tag: str, value: object, *, way_id: int | None = None) -> None:
        """Record one unusable value of ``tag`` (optionally on OSM way ``way_id``), with its reason."""
        entry = self._data.setdefault(tag, {"count": 0, "examples": [], "reasons": {}})
        entry["count"] += 1
        why = tag_problem(tag, value)
        entry["reasons"][why] = entry["reasons"].get(why, 0) + 1
        if len(entry["examples"]) < self.max_examples:
            example = f"way {way_id}: {tag}={value}" if way_id is not None else f"{tag}={value}"
            if example not in entry["examples"]:
                entry["examples"].append(example)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{tag: {"count": n, "examples": [...], "reasons": {reason: n}}}``, sorted by tag."""
        return {
            k: {"count": v["count"], "examples": list(v["examples"]), "reasons": dict(sorted(v["reasons"].items()))}
            for k, v in sorted(self._data.items())
        }

    def __len__(self) -> int:
        return sum(v["count"] for v in self._data.values())
