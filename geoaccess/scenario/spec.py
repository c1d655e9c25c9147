"""A validated scenario spec: a named list of network edits read from TOML or JSON.

A scenario describes a planned change to a road/ferry network, e.g. a new tunnel, a
faster trunk road or a new ferry. It is data, not code: it is validated when read, and
every error names the edit (1-based, in file order), its type and the field at fault,
and says what to write instead.

File format (TOML; JSON with the same keys is accepted)::

    name = "oslo_east_new_link"
    description = "Hypothetical road tunnel Økern - Abildsø"
    crs = "EPSG:4326"          # default CRS of the coordinates below (optional)

    [[edits]]
    type = "link"              # a new road, tunnel or bridge between two points
    from = [10.8105, 59.9290]  # x, y (lon, lat for EPSG:4326)
    to = [10.8215, 59.8745]
    speed_kmh = 80             # or: minutes = 4.5 (door-to-door on the link)
    two_way = true             # default true
    max_snap_m = 500           # each end must lie within this of a network node
    length_m = 6200            # optional; default the straight line between the snapped nodes

    [[edits]]
    type = "speed"             # change the speed of existing edges
    way_ids = [3426151]        # select by OSM way id / NVDB row id, and/or ...
    # polygon = [[x, y], ...]  # ... by a polygon (edges with >= half their length inside), or ...
    # line = [[x, y], ...]     # ... by a corridor: edges with >= half their length inside the line buffered by
    # buffer_m = 40            #     buffer_m metres (default 30)
    # name = "Trondheimsveien" # ... by road name, class or number (from the way attribute table,
    # road_class = "primary"   #     geoaccess.network.attributes; one value or a list each)
    # road = "E6"              #     road number: "E6", "E 6", "Rv4", "Fv 519"
    # min_current_kmh = 70     # optional filter: only edges now at least this fast
    set_speed_kmh = 90         # set the speed (faster or slower), or:
    # max_speed_kmh = 30       # a limit: edges faster than this are slowed to it, slower ones untouched, or:
    # factor = 1.1             # multiply the speed. (speed_kmh = deprecated spelling of set_speed_kmh)

    [[edits]]
    type = "close"             # remove edges (both directions): same selectors as "speed"
    way_ids = [128274652]

    [[edits]]
    type = "open_planned"      # open planned links of an N1000 network (vegfase P), as two-way roads
    road = "E39"               # by road number, and/or
    rows = [13980, 14075]      # by source row (geoaccess.network.planned.planned_links), and/or
    # polygon = [[x, y], ...]  # by area (links with >= half their length inside)

    [[edits]]
    type = "remove_ferry"      # remove a ferry crossing (both directions)
    from = [5.5891, 59.1385]   # by its two ends (quays within max_snap_m, default 2,000 m), and/or
    to = [5.4563, 59.1703]
    # name = "Mortavika-Arsvågen"  # by name (sources with ferry names: OSM), and/or
    # road = "E39"             # by road number, and/or
    # way_ids = [14284]        # by source way/row id

    [[edits]]
    type = "ferry"             # a new ferry crossing
    from = [10.60, 59.90]
    to = [10.70, 59.88]
    crossing_minutes = 20
    headway_minutes = 30       # mean wait = headway / 2; or wait_minutes = 10
    two_way = true
    max_snap_m = 1000

Units: speeds in km/h, times in **minutes** (the file is user-facing); lengths and
distances in metres; coordinates in the edit's ``crs`` (default the file's ``crs``,
default EPSG:4326). Apply a spec with :func:`geoaccess.scenario.edit.apply_scenario`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from geoaccess.config import check_keys
from geoaccess.errors import InputError

__all__ = [
    "CloseEdit",
    "Edit",
    "FerryEdit",
    "LinkEdit",
    "OpenPlannedEdit",
    "RemoveFerryEdit",
    "RoadSelection",
    "ScenarioSpec",
    "SpeedEdit",
    "parse_spec",
    "read_spec",
    "spec_from_edits",
]

DEFAULT_CRS = "EPSG:4326"
DEFAULT_MAX_SNAP_M = 500.0
DEFAULT_BUFFER_M = 30.0
DEFAULT_QUAY_SNAP_M = 2000.0

Point = tuple[float, float]
Text = tuple[str, ...]


@dataclass(frozen=True)
class RoadSelection:
    """Which existing roads an edit takes (at least one selector; every one given must hold).

    ``way_ids`` (source way ids, also inside a simplified edge's way group), one area
    (``polygon``, or ``line`` buffered by ``buffer_m`` metres: edges with at least half their
    length inside), and the road attributes ``name``, ``road_class``, ``road`` (number) of the
    way attribute table (:mod:`geoaccess.network.attributes`).
    """

    index: int
    way_ids: tuple[int, ...] | None = None
    polygon: tuple[Point, ...] | None = None
    line: tuple[Point, ...] | None = None
    buffer_m: float = DEFAULT_BUFFER_M
    crs: str = DEFAULT_CRS
    name: Text | None = None
    road_class: Text | None = None
    road: Text | None = None


@dataclass(frozen=True)
class SpeedEdit(RoadSelection):
    """Set, limit or scale the speed of the selected existing edges (:class:`RoadSelection`).

    Exactly one value:

    * ``set_speed_kmh`` — every selected edge gets this speed (faster or slower);
    * ``max_speed_kmh`` — a limit: edges faster than it are slowed to it, slower ones keep theirs;
    * ``factor`` — the speed is multiplied (edge seconds divided by it);
    * ``speed_kmh`` — the deprecated spelling of ``set_speed_kmh`` (kept as written).
    """

    min_current_kmh: float | None = None
    set_speed_kmh: float | None = None
    max_speed_kmh: float | None = None
    speed_kmh: float | None = None
    factor: float | None = None
    label: str = ""
    type: Literal["speed"] = "speed"

    @property
    def new_speed_kmh(self) -> float | None:
        """The speed set (``set_speed_kmh``, or its deprecated spelling ``speed_kmh``), km/h."""
        return self.set_speed_kmh if self.set_speed_kmh is not None else self.speed_kmh


@dataclass(frozen=True)
class CloseEdit(RoadSelection):
    """Remove every selected edge (both directions); selectors of :class:`RoadSelection`."""

    label: str = ""
    type: Literal["close"] = "close"


@dataclass(frozen=True)
class OpenPlannedEdit:
    """Open planned links (N1000 ``vegfase = P``) as two-way roads, chosen by road number, row and/or area.

    See :func:`geoaccess.network.planned.select_planned`; the links' own speeds (the N1000 profile's)
    and geometry are used, and their ends join the network nodes they end on.
    """

    index: int
    rows: tuple[int, ...] | None = None
    road: Text | None = None
    polygon: tuple[Point, ...] | None = None
    crs: str = DEFAULT_CRS
    label: str = ""
    type: Literal["open_planned"] = "open_planned"


@dataclass(frozen=True)
class RemoveFerryEdit:
    """Remove a ferry crossing (both directions), chosen by its ends, name, road number and/or way ids.

    With ``start``/``end`` the crossing is the chain of ferry edges between the quays nearest to
    the two points (each within ``max_snap_m``).
    """

    index: int
    start: Point | None = None
    end: Point | None = None
    crs: str = DEFAULT_CRS
    max_snap_m: float = DEFAULT_QUAY_SNAP_M
    name: Text | None = None
    road: Text | None = None
    way_ids: tuple[int, ...] | None = None
    label: str = ""
    type: Literal["remove_ferry"] = "remove_ferry"


@dataclass(frozen=True)
class LinkEdit:
    """A new road/tunnel/bridge between the network nodes nearest to two points.

    Its travel time is ``minutes`` if given, else ``length_m`` (default: the straight
    line between the two snapped nodes) at ``speed_kmh``.
    """

    index: int
    start: Point
    end: Point
    crs: str = DEFAULT_CRS
    speed_kmh: float | None = None
    minutes: float | None = None
    length_m: float | None = None
    two_way: bool = True
    max_snap_m: float = DEFAULT_MAX_SNAP_M
    label: str = ""
    type: Literal["link"] = "link"


@dataclass(frozen=True)
class FerryEdit:
    """A new ferry crossing between the network nodes nearest to two points.

    Edge time = ``crossing_minutes`` + boarding wait, where the wait is
    ``wait_minutes`` or, when a ``headway_minutes`` is given instead, half the headway
    (the mean wait of a traveller arriving at random).
    """

    index: int
    start: Point
    end: Point
    crossing_minutes: float
    crs: str = DEFAULT_CRS
    wait_minutes: float | None = None
    headway_minutes: float | None = None
    length_m: float | None = None
    two_way: bool = True
    max_snap_m: float = DEFAULT_MAX_SNAP_M
    label: str = ""
    type: Literal["ferry"] = "ferry"

    @property
    def boarding_wait_minutes(self) -> float:
        """The wait added to each crossing, in minutes."""
        if self.wait_minutes is not None:
            return float(self.wait_minutes)
        return float(self.headway_minutes or 0.0) / 2.0


Edit = SpeedEdit | CloseEdit | LinkEdit | FerryEdit | OpenPlannedEdit | RemoveFerryEdit


@dataclass(frozen=True)
class ScenarioSpec:
    """A named, validated list of edits.

    Attributes
    ----------
    name : str
        Short name (used in output file names and ``Network.meta``).
    description : str
        What the scenario represents (say whether it is hypothetical).
    edits : tuple of Edit
        Applied in order by :func:`geoaccess.scenario.edit.apply_scenario`.
    source : str
        File it was read from (empty for in-memory specs).
    """

    name: str
    description: str = ""
    edits: tuple[Edit, ...] = ()
    source: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (JSON-serialisable), for ``run.json`` and ``Network.meta``."""
        return {"name": self.name, "description": self.description, "source": self.source,
                "edits": [_edit_dict(e) for e in self.edits]}


def _edit_dict(edit: Edit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in edit.__dict__.items():
        if v is None or (k == "label" and not v):
            continue
        out[k] = [list(p) for p in v] if isinstance(v, tuple) and v and isinstance(v[0], tuple) else (
            list(v) if isinstance(v, tuple) else v)
    out["index"] = edit.index
    return out


# --------------------------------------------------------------------------- reading
def read_spec(path: str | os.PathLike[str]) -> ScenarioSpec:
    """Read and validate a scenario file (``.toml`` or ``.json``).

    Raises
    ------
    geoaccess.errors.InputError
        The file is missing, not text in a known encoding (see :mod:`geoaccess.textio`), not
        valid TOML/JSON, or an edit is invalid (the message names the edit number, its type
        and the field).
    """
    p = Path(path)
    if not p.is_file():
        msg = f"Scenario file {p} does not exist; give a .toml or .json file (see scenarios/ for examples)."
        raise InputError(msg)
    from geoaccess.textio import read_text

    text = read_text(p, what="scenario file")  # UTF-8 (BOM removed), UTF-16 detected, Latin-1 refused by name
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import tomllib

            data = tomllib.loads(text)
    except (ValueError, json.JSONDecodeError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        msg = f"Scenario file {p} is not valid {'JSON' if p.suffix.lower() == '.json' else 'TOML'}: {exc}"
        raise InputError(msg) from exc
    return parse_spec(data, source=str(p))


def parse_spec(data: Mapping[str, Any], *, source: str = "") -> ScenarioSpec:
    """Validate a scenario given as a mapping (the parsed TOML/JSON).

    Parameters
    ----------
    data
        ``name``, optional ``description`` and ``crs``, and ``edits``: a list of tables
        each with a ``type`` of ``speed``, ``close``, ``link``, ``ferry``, ``open_planned`` or
        ``remove_ferry``.
    source
        File name for messages.
    """
    where = f"Scenario {source}" if source else "Scenario"
    if not isinstance(data, Mapping):
        msg = f"{where}: expected a table with name, description and [[edits]]."
        raise InputError(msg)
    check_keys(data, ("name", "description", "crs", "edits"), where=where)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        msg = f"{where}: 'name' is missing or empty; give a short name such as name = \"new_tunnel\"."
        raise InputError(msg)
    description = data.get("description", "")
    if not isinstance(description, str):
        msg = f"{where}: 'description' must be text."
        raise InputError(msg)
    crs = data.get("crs", DEFAULT_CRS)
    _check_crs(crs, where=f"{where}: 'crs'")
    edits_raw = data.get("edits")
    if not isinstance(edits_raw, list) or not edits_raw:
        msg = f"{where}: no edits; add at least one [[edits]] table with type = {_TYPES_TEXT}."
        raise InputError(msg)
    edits = tuple(_parse_edit(e, i + 1, default_crs=str(crs), where=where) for i, e in enumerate(edits_raw))
    return ScenarioSpec(name=name.strip(), description=description.strip(), edits=edits, source=source,
                        raw=dict(data))


# --------------------------------------------------------------------------- fields
_ROAD_SELECTORS = {"way_ids", "polygon", "line", "buffer_m", "crs", "name", "road_class", "road"}
_ALLOWED = {
    "speed": {"type", "label", *_ROAD_SELECTORS, "min_current_kmh", "set_speed_kmh", "max_speed_kmh", "speed_kmh",
              "factor"},
    "close": {"type", "label", *_ROAD_SELECTORS},
    "open_planned": {"type", "label", "rows", "road", "polygon", "crs"},
    "remove_ferry": {"type", "label", "from", "to", "crs", "max_snap_m", "name", "road", "way_ids"},
    "link": {"type", "label", "from", "to", "crs", "speed_kmh", "minutes", "length_m", "two_way", "max_snap_m"},
    "ferry": {"type", "label", "from", "to", "crs", "crossing_minutes", "wait_minutes", "headway_minutes",
              "length_m", "two_way", "max_snap_m"},
}
_TYPES_TEXT = " | ".join(f'"{k}"' for k in _ALLOWED)


class _Field:
    """Helper building messages ``Scenario x: edit 2 (link), field 'speed_kmh': ...``."""

    def __init__(self, where: str, index: int, kind: str, raw: Mapping[str, Any]) -> None:
        self.prefix = f"{where}: edit {index} ({kind})"
        self.raw = raw

    def fail(self, name: str, problem: str) -> InputError:
        return InputError(f"{self.prefix}, field '{name}': {problem}")

    def speed(self, name: str, *, hint: str) -> float | None:
        """A speed in km/h within the plausibility bounds ``[speeds]`` of :mod:`geoaccess.limits`."""
        from geoaccess.limits import get_limits

        v = self.number(name, hint=hint)
        bounds = get_limits().speeds
        if v is not None and not bounds.contains(v):
            raise self.fail(name, f"{v:g} km/h is not a plausible road speed ({bounds.describe()}); {hint}.")
        return v

    def number(self, name: str, *, positive: bool = True, allow_zero: bool = False, required: bool = False,
               hint: str = "") -> float | None:
        if name not in self.raw:
            if required:
                raise self.fail(name, f"missing; {hint or 'give a number'}.")
            return None
        v = self.raw[name]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise self.fail(name, f"{v!r} is not a finite number; {hint or 'give a number'}.")
        v = float(v)
        if positive and (v < 0 or (v == 0 and not allow_zero)):
            raise self.fail(name, f"{v:g} must be {'>= 0' if allow_zero else '> 0'}; {hint or 'give a positive number'}.")
        return v

    def boolean(self, name: str, default: bool) -> bool:
        v = self.raw.get(name, default)
        if not isinstance(v, bool):
            raise self.fail(name, f"{v!r} must be true or false.")
        return v

    def point(self, name: str) -> Point:
        if name not in self.raw:
            raise self.fail(name, "missing; give the coordinates as [x, y] (lon, lat for EPSG:4326).")
        v = self.raw[name]
        if (not isinstance(v, (list, tuple)) or len(v) != 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in v)):
            raise self.fail(name, f"{v!r} is not a coordinate pair; write [x, y], e.g. [10.81, 59.93].")
        return (float(v[0]), float(v[1]))

    def points(self, name: str, *, min_len: int) -> tuple[Point, ...]:
        v = self.raw[name]
        if not isinstance(v, (list, tuple)) or len(v) < min_len:
            raise self.fail(name, f"must be a list of at least {min_len} [x, y] pairs.")
        out = []
        for k, p in enumerate(v):
            if (not isinstance(p, (list, tuple)) or len(p) != 2
                    or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
                               for c in p)):
                raise self.fail(name, f"vertex {k + 1} {p!r} is not an [x, y] pair.")
            out.append((float(p[0]), float(p[1])))
        return tuple(out)

    def way_ids(self, name: str = "way_ids") -> tuple[int, ...]:
        v = self.raw[name]
        what = "source rows" if name == "rows" else "way ids"
        if not isinstance(v, (list, tuple)) or not v:
            raise self.fail(name, f"must be a non-empty list of integer {what}, e.g. [3426151, 4548843].")
        bad = [w for w in v if isinstance(w, bool) or not isinstance(w, int) or w < 0]
        if bad:
            raise self.fail(name, f"{bad[:5]} are not non-negative integer {what}.")
        return tuple(int(w) for w in v)

    def texts(self, name: str, *, example: str) -> Text | None:
        """One text or a list of texts (names, classes, road numbers), or ``None`` when absent."""
        if name not in self.raw:
            return None
        v = self.raw[name]
        items = [v] if isinstance(v, str) else v
        if (not isinstance(items, (list, tuple)) or not items
                or not all(isinstance(t, str) and t.strip() for t in items)):
            raise self.fail(name, f"{v!r} must be a text or a non-empty list of texts, e.g. {example}.")
        return tuple(t.strip() for t in items)

    def crs(self, default: str) -> str:
        c = self.raw.get("crs", default)
        _check_crs(c, where=f"{self.prefix}, field 'crs'")
        return str(c)


def _check_crs(crs: Any, *, where: str) -> None:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    if not isinstance(crs, str) or not crs.strip():
        msg = f"{where}: {crs!r} is not a CRS; write e.g. \"EPSG:4326\" (lon/lat) or \"EPSG:25833\" (UTM 33)."
        raise InputError(msg)
    try:
        CRS.from_user_input(crs)
    except PyprojCRSError:
        msg = f"{where}: {crs!r} is not a known CRS; write e.g. \"EPSG:4326\" (lon/lat) or \"EPSG:25833\" (UTM 33)."
        raise InputError(msg) from None


def _parse_edit(raw: Any, index: int, *, default_crs: str, where: str) -> Edit:
    if not isinstance(raw, Mapping):
        msg = f"{where}: edit {index} is not a table; write [[edits]] with type = {_TYPES_TEXT}."
        raise InputError(msg)
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in _ALLOWED:
        msg = f"{where}: edit {index}, field 'type': {kind!r} is not one of {_TYPES_TEXT}."
        raise InputError(msg)
    f = _Field(where, index, kind, raw)
    unknown = sorted(set(raw) - _ALLOWED[kind])
    if unknown:
        raise f.fail(unknown[0], f"unknown for a {kind} edit; allowed fields are {sorted(_ALLOWED[kind])}.")
    label = raw.get("label", "")
    if not isinstance(label, str):
        raise f.fail("label", "must be text.")
    if kind in ("close", "speed"):
        sel = _road_selection(f, raw, default_crs=default_crs)
        if kind == "close":
            return CloseEdit(index=index, **sel, label=label)
        values = [k for k in ("set_speed_kmh", "max_speed_kmh", "speed_kmh", "factor") if k in raw]
        if len(values) != 1:
            raise f.fail("set_speed_kmh", (
                "give exactly one of set_speed_kmh (set the speed), max_speed_kmh (a limit: only faster edges are "
                f"slowed) or factor (multiply); found {values or 'none'}."))
        return SpeedEdit(
            index=index,
            **sel,
            min_current_kmh=f.number("min_current_kmh", hint="give a speed in km/h"),
            set_speed_kmh=f.speed("set_speed_kmh", hint="give the new speed in km/h, e.g. 90"),
            max_speed_kmh=f.speed("max_speed_kmh", hint="give the speed limit in km/h, e.g. 30"),
            speed_kmh=f.speed("speed_kmh", hint="give the new speed in km/h, e.g. 90 (or use set_speed_kmh)"),
            factor=f.number("factor", hint="give a speed multiplier, e.g. 1.1 for 10 % faster"),
            label=label,
        )
    if kind == "open_planned":
        if not {"rows", "road", "polygon"} & set(raw):
            raise f.fail("road", "give the planned links to open by road (e.g. road = \"E39\"), rows and/or polygon.")
        return OpenPlannedEdit(
            index=index,
            rows=f.way_ids("rows") if "rows" in raw else None,
            road=f.texts("road", example='"E39"'),
            polygon=f.points("polygon", min_len=3) if "polygon" in raw else None,
            crs=f.crs(default_crs),
            label=label,
        )
    if kind == "remove_ferry":
        ends = [k for k in ("from", "to") if k in raw]
        if len(ends) == 1:
            other = "to" if ends == ["from"] else "from"
            raise f.fail(other, "missing; give both ends of the crossing (from and to) or neither.")
        if not ends and not {"name", "road", "way_ids"} & set(raw):
            raise f.fail("from", "give the ferry by its two ends (from, to), its name, its road number or way_ids.")
        return RemoveFerryEdit(
            index=index,
            start=f.point("from") if ends else None,
            end=f.point("to") if ends else None,
            crs=f.crs(default_crs),
            max_snap_m=f.number("max_snap_m", hint="give the largest distance (metres) from an end to a quay")
            or DEFAULT_QUAY_SNAP_M,
            name=f.texts("name", example='"Mortavika-Arsvågen"'),
            road=f.texts("road", example='"E39"'),
            way_ids=f.way_ids() if "way_ids" in raw else None,
            label=label,
        )
    start, end = f.point("from"), f.point("to")
    crs = f.crs(default_crs)
    max_snap = f.number("max_snap_m", hint="give the largest allowed distance (metres) from an end to a node")
    length = f.number("length_m", hint="give the link length in metres")
    two_way = f.boolean("two_way", True)
    if kind == "link":
        values = [k for k in ("speed_kmh", "minutes") if k in raw]
        if len(values) != 1:
            raise f.fail("speed_kmh", f"give exactly one of speed_kmh or minutes; found {values or 'none'}.")
        return LinkEdit(
            index=index, start=start, end=end, crs=crs,
            speed_kmh=f.speed("speed_kmh", hint="give the link speed in km/h, e.g. 80"),
            minutes=f.number("minutes", hint="give the travel time on the link in minutes"),
            length_m=length, two_way=two_way, max_snap_m=max_snap or DEFAULT_MAX_SNAP_M, label=label,
        )
    crossing = f.number("crossing_minutes", required=True, hint="give the crossing time in minutes, e.g. 20")
    waits = [k for k in ("wait_minutes", "headway_minutes") if k in raw]
    if len(waits) > 1:
        raise f.fail("headway_minutes", "give wait_minutes or headway_minutes, not both.")
    return FerryEdit(
        index=index, start=start, end=end, crs=crs, crossing_minutes=float(crossing or 0.0),
        wait_minutes=f.number("wait_minutes", allow_zero=True, hint="give the boarding wait in minutes"),
        headway_minutes=f.number("headway_minutes", hint="give the minutes between departures, e.g. 30"),
        length_m=length, two_way=two_way, max_snap_m=max_snap or DEFAULT_MAX_SNAP_M, label=label,
    )


def _road_selection(f: _Field, raw: Mapping[str, Any], *, default_crs: str) -> dict[str, Any]:
    """The selectors of a speed or close edit: way ids, one area, road attributes (all given ones must hold)."""
    given = [k for k in ("way_ids", "polygon", "line", "name", "road_class", "road") if k in raw]
    if not given:
        raise f.fail("way_ids", "missing; select the roads by way_ids, polygon, line, name, road_class and/or road.")
    if "polygon" in raw and "line" in raw:
        raise f.fail("line", "give one area, a polygon or a line corridor, not both.")
    if "buffer_m" in raw and "line" not in raw:
        raise f.fail("buffer_m", "only applies to a line selector.")
    return {
        "way_ids": f.way_ids() if "way_ids" in raw else None,
        "polygon": f.points("polygon", min_len=3) if "polygon" in raw else None,
        "line": f.points("line", min_len=2) if "line" in raw else None,
        "buffer_m": f.number("buffer_m", hint="give the corridor half-width in metres") or DEFAULT_BUFFER_M,
        "crs": f.crs(default_crs),
        "name": f.texts("name", example='"Trondheimsveien"'),
        "road_class": f.texts("road_class", example='["primary", "trunk"]'),
        "road": f.texts("road", example='"E6"'),
    }


def spec_from_edits(name: str, edits: Sequence[Mapping[str, Any]], *, description: str = "",
                    crs: str = DEFAULT_CRS) -> ScenarioSpec:
    """Build and validate a spec in code (same fields as the file format)."""
    return parse_spec({"name": name, "description": description, "crs": crs, "edits": list(edits)})
