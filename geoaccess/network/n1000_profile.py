"""The N1000 travel profile: speeds by road category, motorway type and tunnel; ferry and boat timing.

Kartverket's N1000 road links (*Veglenke*) carry no speed limits, no one-way flags and
no ferry durations, so every travel time on them follows from the figures of a profile
TOML file (built-in: ``networks/profiles/n1000.toml``; sources in ``networks/README.md``).
The loader is strict: an unknown key, a negative speed or a missing section is refused
with a message that names the file and the key.

Units: speeds in **km/h**, waits and docking in **minutes**, distances in **metres**.
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

__all__ = ["DEFAULT_N1000_PROFILE", "N1000Profile", "VesselTiming", "load_n1000_profile"]

DEFAULT_N1000_PROFILE = "n1000"
"""Name of the built-in N1000 profile (``networks/profiles/n1000.toml``)."""


@dataclass(frozen=True)
class VesselTiming:
    """How a car ferry or a passenger boat is timed.

    Attributes
    ----------
    speed_kmh
        Speed at sea in km/h (crossing time = line length / speed).
    docking_minutes
        Manoeuvring at the quays, minutes, once per boarding.
    wait_minutes
        Boarding wait, minutes, once per boarding at a quay (a node that touches a road).
    """

    speed_kmh: float
    docking_minutes: float
    wait_minutes: float

    @property
    def boarding_seconds(self) -> float:
        """Wait plus docking, in seconds, added to each edge that leaves a quay."""
        return 60.0 * (self.wait_minutes + self.docking_minutes)


@dataclass(frozen=True)
class N1000Profile:
    """Speeds and ferry rules for an N1000 network.

    Attributes
    ----------
    name, description, source
        Label, free text and the TOML file (``description``/``source`` are not part of :attr:`sha256`).
    fields
        Product attribute names: ``type`` (typeVeg), ``category`` (vegkategori), ``phase`` (vegfase),
        ``motorway`` (motorvegtype), ``medium``, ``number`` (vegnummer); matched case-insensitively.
    road_types, car_ferry_types, passenger_boat_types, ignored_types
        ``typeVeg`` values: car roads, car ferries (*bilferje*), passenger boats (*passasjerferje*),
        and values that are skipped without a warning (paths, tracks). Any other value is skipped
        with a warning that counts it.
    open_phases, planned_phases
        ``vegfase`` values of existing links (``V``) and of planned/under-construction links
        (``P``, ``A``), which are left out and listed.
    category_kmh
        Speed by ``vegkategori`` (E, R, F, K, P, S) in km/h.
    motorway_kmh
        Speed by ``motorvegtype`` (``motorveg``, ``motortrafikkveg``) in km/h; overrides the category.
    tunnel_max_kmh, bridge_max_kmh
        Upper speed in tunnels (``medium = U``) and on bridges (``medium = L``); 0 = no limit.
    length_factor
        Map length to road length (>= 1): the 1:1M generalisation shortens curvy roads.
    ferry, boat
        :class:`VesselTiming` of car ferries and of passenger boats.
    max_connect_m, max_junction_connect_m
        A ferry/boat end that touches no road is joined to the nearest point of a road within
        ``max_connect_m`` metres, or ``max_junction_connect_m`` when several vessel lines meet there.
    connector_kmh
        Speed in km/h on such connectors.
    join_gap_m
        A road end that stops within this many metres of another road without a shared vertex is
        joined to it (0 = never).
    """

    name: str
    fields: Mapping[str, str]
    road_types: frozenset[str]
    car_ferry_types: frozenset[str]
    passenger_boat_types: frozenset[str]
    ignored_types: frozenset[str]
    open_phases: frozenset[str]
    planned_phases: frozenset[str]
    category_kmh: Mapping[str, float]
    motorway_kmh: Mapping[str, float]
    ferry: VesselTiming
    boat: VesselTiming
    tunnel_max_kmh: float = 0.0
    bridge_max_kmh: float = 0.0
    length_factor: float = 1.0
    max_connect_m: float = 5000.0
    max_junction_connect_m: float = 1000.0
    connector_kmh: float = 30.0
    join_gap_m: float = 5.0
    description: str = field(default="", compare=False)
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        where = self.source or f"profile {self.name!r}"
        speeds = {**{f"category_kmh.{k}": v for k, v in self.category_kmh.items()},
                  **{f"motorway_kmh.{k}": v for k, v in self.motorway_kmh.items()},
                  "ferry.speed_kmh": self.ferry.speed_kmh, "boat.speed_kmh": self.boat.speed_kmh,
                  "ferry.connector_kmh": self.connector_kmh}
        bad = {k: v for k, v in speeds.items() if not (isinstance(v, (int, float)) and 0 < v <= 200)}
        if bad:
            msg = f"{where}: speeds must be km/h in (0, 200]; got {bad}."
            raise InputError(msg)
        minutes = {"ferry.wait_minutes": self.ferry.wait_minutes, "ferry.docking_minutes": self.ferry.docking_minutes,
                   "boat.wait_minutes": self.boat.wait_minutes, "boat.docking_minutes": self.boat.docking_minutes}
        bad = {k: v for k, v in minutes.items() if not (math.isfinite(v) and 0 <= v <= 24 * 60)}
        if bad:
            msg = f"{where}: waits and docking must be minutes in [0, 1440]; got {bad}."
            raise InputError(msg)
        if not (1.0 <= self.length_factor <= 2.0):
            msg = f"{where}: speed.length_factor must lie in [1, 2] (map length to road length); got {self.length_factor}."
            raise InputError(msg)
        for key, v in (("speed.tunnel_max_kmh", self.tunnel_max_kmh), ("speed.bridge_max_kmh", self.bridge_max_kmh)):
            if not (math.isfinite(v) and 0 <= v <= 200):
                msg = f"{where}: {key} must be km/h in [0, 200] (0 = no limit); got {v}."
                raise InputError(msg)
        for key, v in (("ferry.max_connect_m", self.max_connect_m),
                       ("ferry.max_junction_connect_m", self.max_junction_connect_m),
                       ("links.join_gap_m", self.join_gap_m)):
            if not (math.isfinite(v) and v >= 0):
                msg = f"{where}: {key} must be metres >= 0; got {v}."
                raise InputError(msg)
        missing = sorted({"type", "category"} - set(self.fields))
        if missing:
            msg = f"{where}: [fields] must name {', '.join(missing)} (typeVeg, vegkategori)."
            raise InputError(msg)

    @property
    def sha256(self) -> str:
        """SHA-256 of the routing settings (every field but ``description`` and ``source``), sorted."""
        d = asdict(self)
        d.pop("description")
        d.pop("source")
        text = json.dumps(d, sort_keys=True, separators=(",", ":"), default=lambda v: sorted(v))
        return hashlib.sha256(text.encode()).hexdigest()

    def with_waits(self, *, ferry_wait_minutes: float | None = None, boat_wait_minutes: float | None = None) -> N1000Profile:
        """Return the profile with other boarding waits (``None`` keeps the profile's)."""
        from dataclasses import replace

        ferry = self.ferry if ferry_wait_minutes is None else replace(self.ferry, wait_minutes=float(ferry_wait_minutes))
        boat = self.boat if boat_wait_minutes is None else replace(self.boat, wait_minutes=float(boat_wait_minutes))
        return replace(self, ferry=ferry, boat=boat)


_SCHEMA: dict[str, set[str]] = {
    "": {"product", "name", "description", "fields", "links", "speed", "ferry", "boat"},
    "fields": {"type", "category", "phase", "motorway", "medium", "number"},
    "links": {"road", "car_ferry", "passenger_boat", "ignored", "open_phases", "planned_phases", "join_gap_m"},
    "speed": {"length_factor", "tunnel_max_kmh", "bridge_max_kmh", "category_kmh", "motorway_kmh"},
    "ferry": {"speed_kmh", "docking_minutes", "wait_minutes", "max_connect_m", "max_junction_connect_m",
              "connector_kmh"},
    "boat": {"speed_kmh", "docking_minutes", "wait_minutes"},
}
_REQUIRED = {"": {"product", "name", "fields", "links", "speed", "ferry", "boat"},
             "speed": {"category_kmh", "motorway_kmh"}, "ferry": {"speed_kmh", "wait_minutes"},
             "boat": {"speed_kmh", "wait_minutes"}, "links": {"road", "car_ferry", "open_phases"}}


def _check_keys(data: dict[str, Any], path: Path) -> None:
    for section, allowed in _SCHEMA.items():
        sub = data if section == "" else data.get(section, {})
        check_keys(sub, allowed, where=f"N1000 profile {path}" + (f" [{section}]" if section else ""),
                   hint="See networks/profiles/n1000.toml.")
        missing = sorted(_REQUIRED.get(section, set()) - set(sub))
        if missing:
            where = f"[{section}]" if section else "the top level"
            msg = f"N1000 profile {path}: {where} must define {missing} (see networks/profiles/n1000.toml)."
            raise InputError(msg)
    if data.get("product") != "n1000":
        msg = f"N1000 profile {path}: product must be \"n1000\", got {data.get('product')!r}; is this an OSM profile?"
        raise InputError(msg)


def _find(name_or_path: str | os.PathLike[str]) -> Path:
    from geoaccess.network.profiles import profile_dirs

    text = os.fspath(name_or_path)
    if isinstance(name_or_path, os.PathLike) or text.endswith(".toml") or os.sep in text:
        path = Path(text).expanduser()
        if not path.is_file():
            msg = f"N1000 profile file {path} does not exist; pass 'n1000' or the path of a TOML file like networks/profiles/n1000.toml."
            raise InputError(msg)
        return path
    for d in profile_dirs():
        cand = d / f"{text}.toml"
        if cand.is_file():
            return cand
    msg = f"Unknown N1000 profile {text!r}; the built-in one is {DEFAULT_N1000_PROFILE!r}, or pass the path of a TOML file."
    raise InputError(msg)


def load_n1000_profile(name_or_path: str | os.PathLike[str] = DEFAULT_N1000_PROFILE) -> N1000Profile:
    """Load the built-in N1000 profile (``"n1000"``) or a user TOML file by path.

    Parameters
    ----------
    name_or_path
        ``"n1000"`` or the path of a ``.toml`` file written like ``networks/profiles/n1000.toml``.

    Returns
    -------
    N1000Profile

    Raises
    ------
    InputError
        Missing file, invalid TOML, unknown or missing keys (named), or implausible values.
    """
    path = _find(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"N1000 profile {path} cannot be read as UTF-8 TOML ({exc}); compare it with networks/profiles/n1000.toml."
        raise InputError(msg) from None
    _check_keys(data, path)
    links, speed, ferry, boat = data["links"], data["speed"], data["ferry"], data["boat"]

    def strings(v: Any) -> frozenset[str]:
        return frozenset(str(x) for x in v)

    try:
        return N1000Profile(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            fields={str(k): str(v) for k, v in data["fields"].items()},
            road_types=strings(links["road"]),
            car_ferry_types=strings(links["car_ferry"]),
            passenger_boat_types=strings(links.get("passenger_boat", [])),
            ignored_types=strings(links.get("ignored", [])),
            open_phases=strings(links["open_phases"]),
            planned_phases=strings(links.get("planned_phases", [])),
            category_kmh={str(k): float(v) for k, v in speed["category_kmh"].items()},
            motorway_kmh={str(k): float(v) for k, v in speed["motorway_kmh"].items()},
            tunnel_max_kmh=float(speed.get("tunnel_max_kmh", 0.0)),
            bridge_max_kmh=float(speed.get("bridge_max_kmh", 0.0)),
            length_factor=float(speed.get("length_factor", 1.0)),
            ferry=VesselTiming(float(ferry["speed_kmh"]), float(ferry.get("docking_minutes", 0.0)),
                               float(ferry["wait_minutes"])),
            boat=VesselTiming(float(boat["speed_kmh"]), float(boat.get("docking_minutes", 0.0)),
                              float(boat["wait_minutes"])),
            max_connect_m=float(ferry.get("max_connect_m", 5000.0)),
            max_junction_connect_m=float(ferry.get("max_junction_connect_m", 1000.0)),
            connector_kmh=float(ferry.get("connector_kmh", 30.0)),
            join_gap_m=float(links.get("join_gap_m", 5.0)),
            source=str(path),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, InputError):
            raise
        msg = f"N1000 profile {path} has a badly typed value ({exc}); see networks/profiles/n1000.toml."
        raise InputError(msg) from None
