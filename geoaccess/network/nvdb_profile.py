"""Travel profiles for NVDB / FKB-Vegnett road links (``networks/profiles/nvdb_*.toml``).

An NVDB profile says which link types (``typeVeg``) and road statuses (``vegstatus``) a mode
may use, how fast (posted limits ``Fartsgrense`` or a fixed speed), which directions
(lane overview ``feltoversikt``, no-entry ``InnkjøringForbudt``), and which barriers
(``Vegsperring``), pedestrian-street regulations (``Gågatereguleringer``) and traffic
regulations (``Trafikkreguleringer``) close a link for it. The format is documented in
``networks/README.md`` ("NVDB profiles"); unknown keys are refused with an error naming
them and the allowed keys.

Units: speeds in **km/h**, ferry waits in **minutes**, distances in **metres**.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from geoaccess.config import check_keys
from geoaccess.errors import InputError

__all__ = ["ALL_BARRIERS", "NvdbProfile", "load_nvdb_profile"]

ALL_BARRIERS = "*"
"""In ``[access] barriers``: every barrier type closes the link, including unknown or missing types."""

_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "": {"name": str, "description": str},
    "links": {"types": list, "vegstatus": list, "exclude_limit_from_kmh": (int, float)},
    "speed": {"use_limits": bool, "fixed_kmh": (int, float), "speed_factor": (int, float), "fallback_kmh": (int, float),
              "default_kmh": dict, "type_kmh": dict},
    "direction": {"mode": str, "lanes": str, "no_entry": bool, "contraflow_regulations": list},
    "access": {"barriers": list, "closed_regulations": list, "destination_regulations": list,
               "pedestrian_streets": str},
    "ferry": {"types": list, "speed_kmh": (int, float), "wait_minutes": (int, float)},
    "turns": {"apply": bool, "max_route_m": (int, float)},
}


@dataclass(frozen=True)
class NvdbProfile:
    """How one travel mode uses NVDB road links.

    Attributes
    ----------
    name
        Mode name, also the network's ``mode`` (``"car"``, ``"walk"``, ``"bike"``).
    types
        Allowed link types (``typeVeg``, e.g. ``enkelBilveg``, ``gangOgSykkelveg``).
    vegstatus
        Allowed road statuses (``vegstatus``: ``V`` existing road, ``G`` footway/cycleway, ...).
    exclude_limit_from_kmh
        Links whose posted limit is at least this many km/h are not used (walk/bike: a stand-in for
        *motorvei*/*motortrafikkvei*, which the export does not carry); ``None``: no such rule.
    use_limits
        Travel at the posted limit (car); otherwise at ``fixed_kmh``.
    fixed_kmh
        One speed everywhere in km/h (walk, bike).
    speed_factor
        Multiplier from posted speed to modelled speed (1.0 = drive at the limit).
    fallback_kmh
        Speed where a link has no limit and its road category is not in ``default_kmh``.
    default_kmh
        Speed in km/h by road category (``vegkategori`` E, R, F, K, P, S) where a link has no limit.
    type_kmh
        Speed in km/h that replaces the limit on a link type (``gatetun`` = walking pace).
    direction
        ``"respect"`` or ``"ignore"`` (walking) the one-way rules.
    lanes
        Which lanes of ``feltoversikt`` give the directions: ``"car"`` (lanes other than cycle lanes
        ``S`` and bus lanes ``K``) or ``"bike"`` (car lanes and cycle lanes).
    no_entry
        Respect ``InnkjøringForbudt`` (no entry in the direction the object is digitised).
    contraflow_regulations
        ``Trafikkreguleringer`` values that lift one-way rules for this mode
        (``syklingMotKjøreretningenTillatt``: cycling against the one-way direction allowed).
    barriers
        ``Vegsperring`` types that close the link at the barrier for this mode; ``"*"`` for all.
    closed_regulations
        ``Trafikkreguleringer`` values that close the link for this mode.
    destination_regulations
        ``Trafikkreguleringer`` values that allow this mode only to and from the link (access to
        properties); the links stay open and are listed in ``meta["nvdb"]`` for turn- and
        access-aware routing.
    pedestrian_streets
        ``"closed"`` or ``"open"``: whether ``Gågatereguleringer`` (pedestrian street) closes the link.
    ferry_types, ferry_kmh, ferry_wait_minutes
        Link types that are ferries for this mode, their crossing speed in km/h and the boarding
        wait in minutes (once per ferry link and direction).
    turn_restrictions
        Keep ``Svingerestriksjon`` in :attr:`Network.turns <geoaccess.network.graph.Network.turns>`.
    turn_max_route_m
        Longest route in metres from a restriction's from-point to its to-point (via-way restrictions).
    description, source
        Free text and the TOML file (not part of :attr:`sha256`).
    """

    name: str
    types: frozenset[str]
    vegstatus: frozenset[str]
    exclude_limit_from_kmh: float | None = None
    use_limits: bool = False
    fixed_kmh: float | None = None
    speed_factor: float = 1.0
    fallback_kmh: float = 50.0
    default_kmh: Mapping[str, float] = field(default_factory=dict)
    type_kmh: Mapping[str, float] = field(default_factory=dict)
    direction: str = "respect"
    lanes: str = "car"
    no_entry: bool = True
    contraflow_regulations: frozenset[str] = frozenset()
    barriers: frozenset[str] = frozenset()
    closed_regulations: frozenset[str] = frozenset()
    destination_regulations: frozenset[str] = frozenset()
    pedestrian_streets: str = "open"
    ferry_types: frozenset[str] = frozenset()
    ferry_kmh: float = 25.0
    ferry_wait_minutes: float = 15.0
    turn_restrictions: bool = False
    turn_max_route_m: float = 100.0
    description: str = field(default="", compare=False)
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        where = self.source or f"NVDB profile {self.name!r}"
        problems = []
        speeds = {"fallback_kmh": self.fallback_kmh, "speed_factor": self.speed_factor, "ferry.speed_kmh": self.ferry_kmh,
                  **{f"default_kmh.{k}": v for k, v in self.default_kmh.items()},
                  **{f"type_kmh.{k}": v for k, v in self.type_kmh.items()}}
        if self.fixed_kmh is not None:
            speeds["fixed_kmh"] = self.fixed_kmh
        problems += [f"{k} must be a positive number, got {v!r}" for k, v in speeds.items() if not 0 < v < math.inf]
        if not self.use_limits and self.fixed_kmh is None:
            problems.append("set [speed] use_limits = true or a fixed_kmh")
        if self.direction not in ("respect", "ignore"):
            problems.append(f"direction.mode must be 'respect' or 'ignore', got {self.direction!r}")
        if self.lanes not in ("car", "bike"):
            problems.append(f"direction.lanes must be 'car' or 'bike', got {self.lanes!r}")
        if self.pedestrian_streets not in ("closed", "open"):
            problems.append(f"access.pedestrian_streets must be 'closed' or 'open', got {self.pedestrian_streets!r}")
        if not (self.ferry_wait_minutes >= 0 and self.turn_max_route_m > 0):
            problems.append("ferry.wait_minutes must be >= 0 and turns.max_route_m > 0")
        if problems:
            msg = f"{where}: " + "; ".join(problems) + ". See networks/README.md (NVDB profiles)."
            raise InputError(msg)

    @property
    def sha256(self) -> str:
        """SHA-256 of the routing settings (not of the description or file path)."""
        data = {k: v for k, v in asdict(self).items() if k not in ("description", "source")}
        text = json.dumps(data, sort_keys=True, default=lambda o: sorted(o) if isinstance(o, (set, frozenset)) else str(o))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _find(name_or_path: str | os.PathLike[str]) -> Path:
    from geoaccess.network.profiles import profile_dirs

    text = os.fspath(name_or_path)
    if isinstance(name_or_path, os.PathLike) or text.endswith(".toml") or os.sep in text:
        path = Path(text).expanduser()
        if not path.is_file():
            msg = f"NVDB profile file {path} does not exist. Pass car, walk or bike, or the path of a TOML profile."
            raise InputError(msg)
        return path
    stem = text if text.startswith("nvdb_") else f"nvdb_{text}"
    for d in profile_dirs():
        cand = d / f"{stem}.toml"
        if cand.is_file():
            return cand
    found = sorted({p.stem for d in profile_dirs() if d.is_dir() for p in d.glob("nvdb_*.toml")})
    msg = f"Unknown NVDB profile {text!r}; built-in NVDB profiles: {', '.join(found) or 'none found'} (or pass a TOML path)."
    raise InputError(msg)


def _check_keys(data: dict[str, Any], path: Path) -> None:
    check_keys(data, [*_SCHEMA[""], *(s for s in _SCHEMA if s)], where=f"NVDB profile {path}")
    for key, value in data.items():
        if key in _SCHEMA and key:
            check_keys(value, _SCHEMA[key], where=f"NVDB profile {path} [{key}]")
    for section, keys in _SCHEMA.items():
        sub = data if not section else data.get(section, {})
        for k, typ in keys.items():
            if k in sub and (not isinstance(sub[k], typ) or (typ is not bool and isinstance(sub[k], bool))):
                where = f"{section}.{k}" if section else k
                msg = f"NVDB profile {path}: {where} = {sub[k]!r} has the wrong type; see networks/README.md (NVDB profiles)."
                raise InputError(msg)


def load_nvdb_profile(name_or_path: str | os.PathLike[str] | NvdbProfile) -> NvdbProfile:
    """Load a built-in NVDB profile (``"car"``, ``"walk"``, ``"bike"`` or ``"nvdb_car"`` ...) or a TOML file.

    An :class:`NvdbProfile` is returned as it is (e.g. a variant made with :func:`dataclasses.replace`).

    Raises
    ------
    InputError
        Unknown name, missing file, invalid TOML, unknown keys (named, with the allowed keys) or bad values.
    """
    if isinstance(name_or_path, NvdbProfile):
        return name_or_path
    path = _find(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"NVDB profile {path} cannot be read as TOML: {exc}."
        raise InputError(msg) from None
    _check_keys(data, path)
    if "name" not in data or "types" not in data.get("links", {}):
        msg = f"NVDB profile {path} must define name = \"...\" and [links] types = [...]."
        raise InputError(msg)
    links, speed, direction, access, ferry, turns = (data.get(s, {}) for s in
                                                     ("links", "speed", "direction", "access", "ferry", "turns"))
    strs = lambda v: frozenset(str(x) for x in v)  # noqa: E731
    try:
        return NvdbProfile(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            types=strs(links["types"]),
            vegstatus=strs(links.get("vegstatus", ["V"])),
            exclude_limit_from_kmh=None if "exclude_limit_from_kmh" not in links else float(links["exclude_limit_from_kmh"]),
            use_limits=bool(speed.get("use_limits", False)),
            fixed_kmh=None if "fixed_kmh" not in speed else float(speed["fixed_kmh"]),
            speed_factor=float(speed.get("speed_factor", 1.0)),
            fallback_kmh=float(speed.get("fallback_kmh", 50.0)),
            default_kmh={str(k): float(v) for k, v in speed.get("default_kmh", {}).items()},
            type_kmh={str(k): float(v) for k, v in speed.get("type_kmh", {}).items()},
            direction=str(direction.get("mode", "respect")),
            lanes=str(direction.get("lanes", "car")),
            no_entry=bool(direction.get("no_entry", True)),
            contraflow_regulations=strs(direction.get("contraflow_regulations", [])),
            barriers=strs(access.get("barriers", [])),
            closed_regulations=strs(access.get("closed_regulations", [])),
            destination_regulations=strs(access.get("destination_regulations", [])),
            pedestrian_streets=str(access.get("pedestrian_streets", "open")),
            ferry_types=strs(ferry.get("types", [])),
            ferry_kmh=float(ferry.get("speed_kmh", 25.0)),
            ferry_wait_minutes=float(ferry.get("wait_minutes", 15.0)),
            turn_restrictions=bool(turns.get("apply", False)),
            turn_max_route_m=float(turns.get("max_route_m", 100.0)),
            source=str(path),
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        msg = f"NVDB profile {path} has a bad value ({exc}); see networks/README.md (NVDB profiles)."
        raise InputError(msg) from None
