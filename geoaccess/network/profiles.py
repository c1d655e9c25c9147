"""Travel profiles (car, walk, bike): which OSM ways a mode may use, at what speed, in which direction.

Profiles are TOML files in ``networks/profiles/`` (in an installed wheel: the package
resource folder ``geoaccess/_profiles``), readable and editable by users; a user's own
TOML file can be passed by path. :func:`evaluate_way` applies a profile to one way's
tags; it is the single rule shared by the PBF/XML reader (:mod:`geoaccess.network.osm`)
and the Overpass reader (:mod:`geoaccess.network.overpass`).

Units: speeds in **km/h** in profiles (as in OSM and on Norwegian signs), ferry waits
in **minutes** (user-facing); everything computed downstream is in seconds and metres.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from geoaccess.config import check_keys
from geoaccess.errors import InputError
from geoaccess.network.tags import TagWarnings, is_truthy, parse_duration, parse_maxspeed, parse_oneway
from geoaccess.network.turn_costs import SIGNAL_KEYS, TURN_KEYS, TurnCosts, turn_costs_from_sections

__all__ = ["PROFILE_ALIASES", "Profile", "WayRule", "builtin_profiles", "evaluate_way", "load_profile",
           "profile_dirs"]

PROFILE_ALIASES = {"posted": "car", "driven": "car_driven"}
"""Named car profiles: ``posted`` (the limits, ``car.toml``, the default) and ``driven`` (``car_driven.toml``)."""

_NOT_PRESENT = frozenset({"no", "none", "separate"})


@dataclass(frozen=True)
class Profile:
    """How one travel mode uses OSM ways.

    Attributes
    ----------
    name
        Profile name, also the network's ``mode`` (``"car"``, ``"walk"``, ``"bike"``).
    highway_kmh
        Allowed ``highway=*`` classes and their default speed in km/h, used when a way has no
        usable ``maxspeed`` (or always, when ``fixed_kmh`` is set).
    fixed_kmh
        One speed for every way in km/h (walk ~5, bike ~16), or ``None`` to use
        ``maxspeed``/``highway_kmh``.
    use_maxspeed
        Read the ``maxspeed`` tag (car).
    speed_factor
        Multiplier from posted/default speed to the modelled driving speed (1.0 = posted).
    access_keys
        Access tags from least to most specific (e.g. ``access``, ``vehicle``, ``motor_vehicle``,
        ``motorcar``); the most specific one present decides.
    forbidden
        Access values that exclude a way (e.g. ``no``, ``private``).
    oneway
        ``"respect"`` or ``"ignore"`` (walking ignores one-way streets).
    oneway_keys
        Tags read for the direction, first present wins (bike: ``oneway:bicycle``, ``oneway``).
    oneway_implied_highway, oneway_implied_junction
        ``highway``/``junction`` values that imply one-way without a tag (``motorway``;
        ``roundabout``, ``circular``).
    oneway_ignore_if
        Tag values that lift a one-way restriction for this mode (bike: ``cycleway=opposite``).
    exclude
        Tag values that exclude a way whatever its class (``area=yes``); ``"*"`` stands for any value
        and ``"!value"`` for an exception (``construction = ["*", "!no", "!minor"]``).
    require_any
        Classes only allowed when one of the listed tags is present with a value other than
        ``no``/``none``/``separate`` (bike: ``trunk`` only with a ``cycleway*`` tag).
    ferry_allowed
        Whether ``route=ferry`` ways are used at all.
    ferry_kmh
        Ferry speed in km/h when the way has no usable ``duration`` tag.
    ferry_wait_minutes
        Default boarding wait in minutes added once per crossing (suggestion: half the headway).
    ferry_requires_access
        ``True`` (car): a ferry is used only when the most specific of ``access_keys`` present
        is affirmative (``motor_vehicle=yes``, ``motorcar=yes``); ``False`` (walk, bike): used
        unless forbidden (``foot=no``, ``bicycle=no``).
    destination_only
        Access values that allow a way only at the start or end of a trip (``destination``,
        ``delivery``, ``customers``, ...): its edges get :attr:`EdgeFlag.DESTINATION`.
    factor_rural, factor_urban
        Per ``highway`` class, multipliers from the posted (or default) speed to the driven one,
        outside and inside built-up areas (a class not listed: 1.0); applied after ``speed_factor``.
    urban_max_kmh
        A way is *urban* when its posted (or default) limit is at most this (km/h), or when its
        ``source:maxspeed``/``maxspeed:type``/``zone:maxspeed`` says ``XX:urban``/``XX:rural``.
    factors_on_defaults
        Apply ``factor_rural``/``factor_urban`` also where ``highway_kmh`` gives the speed (no usable
        ``maxspeed``); ``False`` when ``highway_kmh`` already holds driven speeds (``car_driven.toml``).
    peak_factor
        Per ``highway`` class, multipliers for morning-peak speeds inside urban areas (used only
        when the network is built with ``peak=True``).
    restrictions
        Read OSM turn restriction relations (``type=restriction``) into ``Network.turns``.
    restriction_keys
        Restriction tags from least to most specific (``restriction``, ``restriction:motor_vehicle``,
        ``restriction:motorcar``); the most specific one present decides.
    restriction_exceptions
        ``except=*`` values that exempt this mode from a restriction (``motorcar``, ``motor_vehicle``).
    turn_costs
        Turn, U-turn and signal penalties and the U-turn rule (:class:`~geoaccess.network.turn_costs.TurnCosts`).
    variant
        ``"posted"`` or ``"driven"`` for the car profiles (free text otherwise), recorded in the network.
    description, source
        Free text and the TOML file the profile was read from (not part of :attr:`sha256`).
    """

    name: str
    highway_kmh: Mapping[str, float]
    fixed_kmh: float | None = None
    use_maxspeed: bool = False
    speed_factor: float = 1.0
    access_keys: tuple[str, ...] = ("access",)
    forbidden: frozenset[str] = frozenset({"no", "private"})
    oneway: str = "respect"
    oneway_keys: tuple[str, ...] = ("oneway",)
    oneway_implied_highway: frozenset[str] = frozenset({"motorway"})
    oneway_implied_junction: frozenset[str] = frozenset({"roundabout", "circular"})
    oneway_ignore_if: Mapping[str, frozenset[str]] = field(default_factory=dict)
    exclude: Mapping[str, frozenset[str]] = field(default_factory=dict)
    require_any: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ferry_allowed: bool = True
    ferry_kmh: float = 25.0
    ferry_wait_minutes: float = 15.0
    ferry_requires_access: bool = False
    destination_only: frozenset[str] = frozenset()
    factor_rural: Mapping[str, float] = field(default_factory=dict)
    factor_urban: Mapping[str, float] = field(default_factory=dict)
    urban_max_kmh: float = 60.0
    factors_on_defaults: bool = True
    peak_factor: Mapping[str, float] = field(default_factory=dict)
    restrictions: bool = False
    restriction_keys: tuple[str, ...] = ("restriction",)
    restriction_exceptions: frozenset[str] = frozenset()
    turn_costs: TurnCosts = field(default_factory=TurnCosts)
    variant: str = ""
    description: str = field(default="", compare=False)
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        where = self.source or f"profile {self.name!r}"
        bad = {k: v for k, v in self.highway_kmh.items() if not (isinstance(v, (int, float)) and 0 < v < math.inf)}
        if bad:
            msg = f"{where}: highway speeds must be positive km/h numbers; got {bad}. Fix [speed.highway_kmh]."
            raise InputError(msg)
        if self.fixed_kmh is not None and not self.fixed_kmh > 0:
            msg = f"{where}: fixed_kmh must be a positive speed in km/h, got {self.fixed_kmh!r}."
            raise InputError(msg)
        if self.oneway not in ("respect", "ignore"):
            msg = f"{where}: oneway mode must be 'respect' or 'ignore', got {self.oneway!r}."
            raise InputError(msg)
        for label, table in (("speed.factor_rural", self.factor_rural), ("speed.factor_urban", self.factor_urban),
                             ("peak.factor", self.peak_factor)):
            bad = {k: v for k, v in table.items() if not (isinstance(v, (int, float)) and 0 < v <= 2)}
            if bad:
                msg = f"{where}: [{label}] factors must be numbers in (0, 2]; got {bad}."
                raise InputError(msg)
        overlap = self.destination_only & self.forbidden
        if overlap:
            msg = f"{where}: access values {sorted(overlap)} are both forbidden and destination_only; choose one."
            raise InputError(msg)
        if not (self.ferry_kmh > 0 and self.ferry_wait_minutes >= 0 and self.speed_factor > 0):
            msg = (
                f"{where}: ferry_kmh and speed_factor must be > 0 and ferry wait_minutes >= 0 "
                f"(got {self.ferry_kmh}, {self.speed_factor}, {self.ferry_wait_minutes})."
            )
            raise InputError(msg)

    def canonical(self) -> dict[str, Any]:
        """The profile's routing settings as plain JSON-able data (sorted, without description/source)."""
        d = asdict(self)
        d.pop("description")
        d.pop("source")

        def norm(v: Any) -> Any:
            if isinstance(v, (frozenset, set)):
                return sorted(v)
            if isinstance(v, Mapping):
                return {str(k): norm(x) for k, x in sorted(v.items())}
            if isinstance(v, (tuple, list)):
                return [norm(x) for x in v]
            return v

        return norm(d)

    @property
    def sha256(self) -> str:
        """SHA-256 of :meth:`canonical`: equal for equal routing settings, whatever the file layout."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def needed_keys(self) -> tuple[str, ...]:
        """All OSM way tags this profile reads (used to extend osmnx's ``useful_tags_way``)."""
        keys = {"highway", "route", "duration", "junction", "maxspeed", "oneway", "area", *_URBAN_KEYS}
        keys.update(self.access_keys, self.oneway_keys, self.oneway_ignore_if, self.exclude)
        for ks in self.require_any.values():
            keys.update(ks)
        return tuple(sorted(keys))


class WayRule(NamedTuple):
    """What a profile makes of one OSM way.

    Attributes
    ----------
    kmh
        Travel speed in km/h (ferries: the ferry speed, used only without ``duration``).
    direction
        ``0`` both ways, ``1`` along the node order, ``-1`` against it.
    ferry
        ``True`` for ``route=ferry``.
    duration_s
        Crossing time in seconds from the ``duration`` tag, ``nan`` when absent/unusable.
    destination_only
        Usable only at the start or end of a trip (an access value in ``Profile.destination_only``).
    roundabout
        Part of a roundabout (``junction=roundabout``/``circular``).
    """

    kmh: float
    direction: int
    ferry: bool
    duration_s: float
    destination_only: bool = False
    roundabout: bool = False


_URBAN_KEYS = ("source:maxspeed", "maxspeed:type", "zone:maxspeed")


def is_urban(tags: Mapping[str, str], limit_kmh: float, profile: Profile) -> bool:
    """Whether a way lies in a built-up area: an explicit ``XX:urban``/``XX:rural`` context tag, else its
    posted (or default) limit is at most ``profile.urban_max_kmh``."""
    for key in _URBAN_KEYS:
        v = tags.get(key)
        if v is not None:
            ctx = str(v).strip().lower().split(":")[-1]
            if ctx in ("urban", "rural"):
                return ctx == "urban"
    return limit_kmh <= profile.urban_max_kmh


def _access_value(tags: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    value = None
    for k in keys:
        v = tags.get(k)
        if v is not None:
            value = str(v).strip().lower()
    return value


def evaluate_way(
    tags: Mapping[str, str], profile: Profile, warnings: TagWarnings, *, way_id: int | None = None,
    peak: bool = False,
) -> WayRule | None:
    """Apply ``profile`` to one OSM way's tags.

    Parameters
    ----------
    tags
        The way's tags: a dict, or pyosmium's ``TagList`` (anything with ``.get``).
    profile
        The travel profile.
    warnings
        Collector for unusable tag values (``maxspeed``, ``duration``, ``oneway``).
    way_id
        OSM way id, used in warning examples.
    peak
        Apply the profile's morning-peak factors inside urban areas.

    Returns
    -------
    WayRule or None
        ``None`` when the mode may not use the way.
    """
    route = tags.get("route")
    if route == "ferry" and tags.get("highway") is None:
        if not profile.ferry_allowed:
            return None
        access = _access_value(tags, profile.access_keys)
        if access is not None and access in profile.forbidden:
            return None
        if profile.ferry_requires_access and not is_truthy(access):
            return None
        raw = tags.get("duration")
        duration = parse_duration(raw)
        if raw is not None and duration is None:
            warnings.add("duration", raw, way_id=way_id)
        direction = 0
        if profile.oneway == "respect":
            direction = _direction(tags, profile, warnings, way_id, implied=False)
        return WayRule(profile.ferry_kmh, direction, True, math.nan if duration is None else duration)

    hw = tags.get("highway")
    if hw is None:
        return None
    default_kmh = profile.highway_kmh.get(hw)
    if default_kmh is None:
        return None
    for key, values in profile.exclude.items():
        v = tags.get(key)
        if v is not None and _excluded(str(v), values):
            return None
    keys = profile.require_any.get(hw)
    if keys is not None and not any(
        tags.get(k) is not None and str(tags.get(k)).strip().lower() not in _NOT_PRESENT for k in keys
    ):
        return None
    access = _access_value(tags, profile.access_keys)
    if access is not None and access in profile.forbidden:
        return None
    dest_only = access is not None and access in profile.destination_only

    if profile.fixed_kmh is not None:
        kmh = profile.fixed_kmh
    else:
        kmh = default_kmh
        posted = False
        if profile.use_maxspeed:
            raw = tags.get("maxspeed")
            if raw is not None:
                parsed = parse_maxspeed(raw)
                if parsed is None:
                    warnings.add("maxspeed", raw, way_id=way_id)
                elif parsed != math.inf:
                    kmh = parsed
                    posted = True
        urban = is_urban(tags, kmh, profile)
        factor = 1.0
        if posted or profile.factors_on_defaults:
            factor = (profile.factor_urban if urban else profile.factor_rural).get(hw, 1.0)
        if peak and urban:
            factor *= profile.peak_factor.get(hw, 1.0)
        kmh = kmh * profile.speed_factor * factor

    direction = 0
    if profile.oneway == "respect":
        implied = hw in profile.oneway_implied_highway or tags.get("junction") in profile.oneway_implied_junction
        direction = _direction(tags, profile, warnings, way_id, implied=implied)
        if direction != 0:
            for key, values in profile.oneway_ignore_if.items():
                v = tags.get(key)
                if v is not None and v in values:
                    direction = 0
                    break
    roundabout = tags.get("junction") in ("roundabout", "circular")
    return WayRule(float(kmh), direction, False, math.nan, dest_only, roundabout)


def _excluded(value: str, values: frozenset[str]) -> bool:
    """``value`` is listed, or ``"*"`` is listed and ``"!value"`` is not (``construction = ["*", "!no"]``)."""
    if value in values:
        return True
    return "*" in values and f"!{value}" not in values


def _direction(
    tags: Mapping[str, str], profile: Profile, warnings: TagWarnings, way_id: int | None, *, implied: bool
) -> int:
    for key in profile.oneway_keys:
        if tags.get(key) is not None:
            d = parse_oneway(tags, key=key, implied=implied)
            if d is None:
                warnings.add(key, tags.get(key), way_id=way_id)
                return 0
            return d
    return 1 if implied else 0


# --------------------------------------------------------------------------- loading
def profile_dirs() -> list[Path]:
    """Folders holding the built-in profiles: the repository's ``networks/profiles`` and the wheel's."""
    dirs = [Path(__file__).resolve().parents[2] / "networks" / "profiles"]
    try:
        res = resources.files("geoaccess").joinpath("_profiles")
        dirs.append(Path(str(res)))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - odd installs
        pass
    return dirs


def builtin_profiles() -> list[str]:
    """Names of the built-in profiles (``car``, ``walk``, ``bike``, ...)."""
    names: set[str] = set()
    for d in profile_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.toml"))
    return sorted(names)


_TOP_KEYS = {"name", "variant", "description", "speed", "access", "oneway", "exclude", "require_any", "ferry",
             "turns", "signals", "peak"}
_SECTION_KEYS = {
    "speed": {"highway_kmh", "fixed_kmh", "use_maxspeed", "speed_factor", "factor_rural", "factor_urban",
              "urban_max_kmh", "factors_on_defaults"},
    "access": {"keys", "forbidden", "destination_only"},
    "oneway": {"mode", "keys", "implied_highway", "implied_junction", "ignore_if"},
    "ferry": {"allowed", "speed_kmh", "wait_minutes", "requires_access"},
    "turns": set(TURN_KEYS),
    "signals": set(SIGNAL_KEYS),
    "peak": {"factor"},
}


def load_profile(name_or_path: str | os.PathLike[str]) -> Profile:
    """Load a built-in profile by name (``"car"``, ``"walk"``, ``"bike"``) or a user TOML file by path.

    Parameters
    ----------
    name_or_path
        A built-in profile name (``posted`` and ``driven`` name the two car profiles, ``car.toml``
        and ``car_driven.toml``), or the path of a ``.toml`` file written like
        ``networks/profiles/car.toml``.

    Returns
    -------
    Profile

    Raises
    ------
    InputError
        Unknown profile name, unreadable/invalid TOML, unknown or badly typed keys.
    """
    text = os.fspath(name_or_path)
    looks_like_path = isinstance(name_or_path, os.PathLike) or text.endswith(".toml") or os.sep in text
    if looks_like_path:
        path = Path(text).expanduser()
        if not path.is_file():
            msg = f"Profile file {path} does not exist. Pass a built-in profile name ({', '.join(builtin_profiles())}) or the path of a TOML profile."
            raise InputError(msg)
    else:
        path = None
        text = PROFILE_ALIASES.get(text, text)
        for d in profile_dirs():
            cand = d / f"{text}.toml"
            if cand.is_file():
                path = cand
                break
        if path is None:
            msg = (
                f"Unknown travel profile {text!r}. Built-in profiles: {', '.join(builtin_profiles()) or 'none found'} "
                f"(searched {', '.join(str(d) for d in profile_dirs())}); or pass the path of your own TOML profile."
            )
            raise InputError(msg)
    return _profile_from_file(path)


def _profile_from_file(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"Profile file {path} cannot be read as TOML ({exc}). Compare it with networks/profiles/car.toml."
        raise InputError(msg) from None
    hint = "See networks/README.md for the profile format."
    check_keys(data, _TOP_KEYS | set(_SECTION_KEYS), where=f"Profile file {path}", hint=hint)
    for section, allowed in _SECTION_KEYS.items():
        check_keys(data.get(section, {}), allowed, where=f"Profile file {path} [{section}]", hint=hint)
    if "name" not in data or "speed" not in data or "highway_kmh" not in data["speed"]:
        msg = f"Profile file {path} must define name = \"...\" and a [speed.highway_kmh] table of km/h per highway class."
        raise InputError(msg)
    speed, access, oneway, ferry, turns, signals, peak = (
        data.get(s, {}) for s in ("speed", "access", "oneway", "ferry", "turns", "signals", "peak"))
    costs = turn_costs_from_sections(turns, signals, where=f"Profile file {path}")

    def factors(table: Any, label: str) -> dict[str, float]:
        if not isinstance(table, dict):
            msg = f"Profile file {path}: [{label}] must be a table of highway class = factor."
            raise InputError(msg)
        return {str(k): float(v) for k, v in table.items()}

    try:
        return Profile(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            highway_kmh={str(k): float(v) for k, v in speed["highway_kmh"].items()},
            fixed_kmh=None if speed.get("fixed_kmh") is None else float(speed["fixed_kmh"]),
            use_maxspeed=bool(speed.get("use_maxspeed", False)),
            speed_factor=float(speed.get("speed_factor", 1.0)),
            access_keys=tuple(str(k) for k in access.get("keys", ["access"])),
            forbidden=frozenset(str(v) for v in access.get("forbidden", ["no", "private"])),
            oneway=str(oneway.get("mode", "respect")),
            oneway_keys=tuple(str(k) for k in oneway.get("keys", ["oneway"])),
            oneway_implied_highway=frozenset(str(v) for v in oneway.get("implied_highway", ["motorway"])),
            oneway_implied_junction=frozenset(str(v) for v in oneway.get("implied_junction", ["roundabout", "circular"])),
            oneway_ignore_if={str(k): frozenset(map(str, v)) for k, v in oneway.get("ignore_if", {}).items()},
            exclude={str(k): frozenset(map(str, v)) for k, v in data.get("exclude", {}).items()},
            require_any={str(k): tuple(map(str, v)) for k, v in data.get("require_any", {}).items()},
            ferry_allowed=bool(ferry.get("allowed", True)),
            ferry_kmh=float(ferry.get("speed_kmh", 25.0)),
            ferry_wait_minutes=float(ferry.get("wait_minutes", 15.0)),
            ferry_requires_access=bool(ferry.get("requires_access", False)),
            destination_only=frozenset(str(v) for v in access.get("destination_only", [])),
            factor_rural=factors(speed.get("factor_rural", {}), "speed.factor_rural"),
            factor_urban=factors(speed.get("factor_urban", {}), "speed.factor_urban"),
            urban_max_kmh=float(speed.get("urban_max_kmh", 60.0)),
            factors_on_defaults=_bool(speed.get("factors_on_defaults", True), "speed.factors_on_defaults", path),
            peak_factor=factors(peak.get("factor", {}), "peak.factor"),
            restrictions=_bool(turns.get("restrictions", False), "turns.restrictions", path),
            restriction_keys=tuple(str(k) for k in turns.get("restriction_keys", ["restriction"])),
            restriction_exceptions=frozenset(str(v) for v in turns.get("exceptions", [])),
            turn_costs=costs,
            variant=str(data.get("variant", "")),
            source=str(path),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, InputError):
            raise
        msg = f"Profile file {path} has a badly typed value ({exc}); see networks/README.md for the profile format."
        raise InputError(msg) from None


def _bool(value: Any, key: str, path: Path) -> bool:
    if not isinstance(value, bool):
        msg = f"Profile file {path}: {key} must be true or false, got {value!r}."
        raise InputError(msg)
    return value
