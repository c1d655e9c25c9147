"""Read Norwegian NeTEx (Entur's Nordic profile) into a :class:`~geoaccess.transit.timetable.Timetable`.

A Nordic-profile delivery is a zip (or folder) of XML files: a shared file
(``_common_*.xml``, prefix ``_``) with ``StopPlace``/``Quay`` coordinates,
``ScheduledStopPoint`` to ``Quay`` assignments (``PassengerStopAssignment``) and the
service calendar (``DayType``, ``OperatingPeriod``, ``DayTypeAssignment``), and one
file per line (``Line``, ``Route``, ``JourneyPattern`` with
``StopPointInJourneyPattern``, ``ServiceJourney`` with ``TimetabledPassingTime``).

Files are streamed with :func:`lxml.etree.iterparse`; each object is turned into
plain tuples and its XML cleared at once. References are resolved after all files
are read, so file order does not matter. Missing referenced objects are counted,
the journeys that need them skipped, and both reported in ``tt.report``.

Damaged files are recovered, not dropped (default ``strict=False``): a file that is not
well-formed XML is read again in libxml2's recovery mode. Bytes that are not UTF-8 in a
file declaring UTF-8 are read as Windows-1252 (:class:`geoaccess.textio.RepairingUtf8Reader`:
a stray Latin-1 ``Ø`` stays ``Ø``); an undefined entity loses only its own text; objects
(StopPlace, ServiceJourney, ...) in a part of the file the parser had to repair are
skipped. Every repair and loss is counted in ``tt.report`` and announced in a
:class:`~geoaccess.errors.DataWarning`; ``strict=True`` stops at the first XML error
instead, naming the file and line. Entity expansion beyond libxml2's amplification limit
(*billion laughs*) is refused; external entities are never resolved. Values that cannot
be read (times, coordinates, dates, orders) are counted and their objects skipped.

Stops of the timetable are **quays** (Norwegian *plattform/stoppunkt*); their
names are those of the parent stop place (*stoppested*).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from geoaccess.errors import DataWarning, InputError
from geoaccess.limits import get_limits
from geoaccess.transit import calendar as cal
from geoaccess.transit.timetable import Timetable, build_timetable, project_stops
from geoaccess.transit.validation import ValidationReport

__all__ = ["NETEX_MODE_TO_ROUTE_TYPE", "parse_passing_time", "read_netex"]

NS = "{http://www.netex.org.uk/netex}"

NETEX_MODE_TO_ROUTE_TYPE = {
    "bus": 3,
    "coach": 200,
    "rail": 2,
    "tram": 0,
    "metro": 1,
    "water": 4,
    "ferry": 4,
    "air": 1100,
    "cableway": 6,
    "funicular": 7,
    "trolleyBus": 11,
    "taxi": 1500,
}
"""NeTEx ``TransportMode`` to GTFS ``route_type`` (water/ferry are ferries, route type 4)."""

_WEEKDAY_WORDS = {
    "Monday": {0},
    "Tuesday": {1},
    "Wednesday": {2},
    "Thursday": {3},
    "Friday": {4},
    "Saturday": {5},
    "Sunday": {6},
    "Weekdays": {0, 1, 2, 3, 4},
    "Weekend": {5, 6},
    "Everyday": set(range(7)),
}

_HANDLED = {
    "StopPlace",
    "PassengerStopAssignment",
    "DayType",
    "DayTypeAssignment",
    "OperatingPeriod",
    "Line",
    "Route",
    "JourneyPattern",
    "ServiceJourneyPattern",
    "ServiceJourney",
}
_DISCARD = {
    "RoutePoint",
    "ScheduledStopPoint",
    "DestinationDisplay",
    "ServiceLink",
    "Operator",
    "Notice",
    "NoticeAssignment",
    "ServiceJourneyInterchange",
    "Authority",
    "Network",
    "GroupOfLines",
}


_TPT = NS + "TimetabledPassingTime"
_SPIJP_REF = NS + "StopPointInJourneyPatternRef"
_ARR, _ARR_OFF = NS + "ArrivalTime", NS + "ArrivalDayOffset"
_DEP, _DEP_OFF = NS + "DepartureTime", NS + "DepartureDayOffset"


_TAGS = [NS + t for t in sorted(_HANDLED | _DISCARD)]


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(elem: Any, path: str) -> str | None:
    e = elem.find("/".join(NS + p for p in path.split("/")))
    return None if e is None or e.text is None else e.text.strip()


def _ref(elem: Any, tag: str) -> str | None:
    e = elem.find(NS + tag)
    return None if e is None else e.get("ref")


_XSD_TIME = re.compile(r"^\s*(\d{2}):([0-5]\d):([0-5]\d(?:\.\d+)?)(?:Z|[+-]\d{2}:\d{2})?\s*$", re.ASCII)
_OFFSET = re.compile(r"^\s*\d{1,3}\s*$", re.ASCII)


def parse_passing_time(value: str | None, offset: str | None = None, *, max_s: float | None = None) -> float:
    """Seconds after midnight of a NeTEx ``ArrivalTime``/``DepartureTime`` plus ``DayOffset`` days.

    Returns NaN for a missing time and ``inf`` for one that cannot be read (not
    ``HH:MM:SS``, a day offset that is not a small whole number, or later than ``max_s``,
    default ``[timetable] max_stop_time_hours``); never raises.
    """
    if value is None or not str(value).strip():
        return math.nan
    m = _XSD_TIME.match(str(value))
    if m is None or (offset is not None and str(offset).strip() and not _OFFSET.match(str(offset))):
        return math.inf
    days = int(offset) if offset is not None and str(offset).strip() else 0
    t = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) + 86400 * days
    limit = get_limits().timetable.max_stop_time_s if max_s is None else max_s
    return t if t <= limit else math.inf


def _coordinate(lon: str | None, lat: str | None) -> tuple[float, float] | None:
    """``(lon, lat)`` in degrees; ``(nan, nan)`` when absent; ``None`` when unreadable or off the globe."""
    if not lon or not lat:
        return (math.nan, math.nan)
    try:
        x, y = float(lon), float(lat)
    except ValueError:
        return None
    if not (abs(x) <= 180 and abs(y) <= 90):
        return None
    return (x, y)


def _date(value: str | None) -> dt.date | None:
    try:
        return cal.parse_date(value) if value else None
    except ValueError:
        return None


Opener = Callable[[], IO[bytes]]


def _xml_files(path: Path) -> Iterator[tuple[str, Opener]]:
    """``(name, opener)`` of each XML file; ``opener()`` gives a fresh binary stream (files may be read again)."""
    if path.is_dir():
        for p in sorted(path.glob("*.xml")):
            yield p.name, lambda p=p: p.open("rb")
        return
    from geoaccess.archive import open_member, open_zip

    with open_zip(path, what="NeTEx delivery (a zip of XML files)") as zf:
        for info in sorted((i for i in zf.infolist() if i.filename.lower().endswith(".xml")), key=lambda i: i.filename):
            yield info.filename, lambda info=info: open_member(zf, info, archive=path)


class _Collector:
    """Plain-Python records of the NeTEx objects we need, filled while streaming."""

    def __init__(self) -> None:
        self.quays: dict[str, tuple[float, float, str]] = {}
        self.stop_place_of_quay: dict[str, str] = {}
        self.stop_places: dict[str, tuple[float, float, str]] = {}
        self.assign: dict[str, str] = {}
        self.day_types: dict[str, frozenset[int] | None] = {}
        self.dta: list[tuple[str, dt.date | None, str | None, bool]] = []
        self.periods: dict[str, tuple[dt.date, dt.date]] = {}
        self.lines: dict[str, tuple[str, int]] = {}
        self.routes: dict[str, str | None] = {}
        self.jps: dict[str, tuple[str | None, list[tuple[int, str, str | None]]]] = {}
        self.journeys: list[
            tuple[str, tuple[str, ...], str | None, str | None, list[tuple[str | None, float, float]]]
        ] = []
        self.unknown_modes: dict[str, int] = {}
        self.bad: dict[tuple[str, str, str], list[str]] = {}  # (object kind, reason, action) -> ids
        self.max_s = get_limits().timetable.max_stop_time_s
        self.skip: set[int] = set()  # positions (in the file's element sequence) of damaged objects

    _KEYED = ("quays", "stop_place_of_quay", "stop_places", "assign", "day_types", "periods", "lines", "routes", "jps")

    def mark(self) -> dict[str, Any]:
        """The state before a file, to undo a partial read of it (:meth:`rollback`)."""
        state: dict[str, Any] = {k: len(getattr(self, k)) for k in (*self._KEYED, "dta", "journeys")}
        state["unknown_modes"] = dict(self.unknown_modes)
        state["bad"] = {k: len(v) for k, v in self.bad.items()}
        return state

    def rollback(self, mark: dict[str, Any]) -> None:
        """Forget what was read since ``mark`` (dicts keep insertion order, so new ids are the last ones)."""
        for k in self._KEYED:
            d = getattr(self, k)
            for key in list(d)[mark[k]:]:
                del d[key]
        del self.dta[mark["dta"]:]
        del self.journeys[mark["journeys"]:]
        self.unknown_modes = dict(mark["unknown_modes"])
        self.bad = {k: v[: mark["bad"][k]] for k, v in self.bad.items() if mark["bad"].get(k, 0)}

    def flag(self, what: str, reason: str, ident: str | None, *, action: str = "skipped") -> None:
        self.bad.setdefault((what, reason, action), []).append(str(ident))

    def handle(self, name: str, e: Any) -> None:
        if name == "StopPlace":
            sp_name = _text(e, "Name") or ""
            sp_xy = _coordinate(_text(e, "Centroid/Location/Longitude"), _text(e, "Centroid/Location/Latitude"))
            if sp_xy is None:
                self.flag("StopPlace", "unreadable or off-the-globe centroid (treated as no coordinates)", e.get("id"),
                          action="repaired")
                sp_xy = (math.nan, math.nan)
            self.stop_places[e.get("id")] = (*sp_xy, sp_name)
            for q in e.iter(NS + "Quay"):
                xy = _coordinate(_text(q, "Centroid/Location/Longitude"), _text(q, "Centroid/Location/Latitude"))
                if xy is None:
                    self.flag("Quay", "unreadable or off-the-globe centroid (stop place centroid used)", q.get("id"),
                              action="repaired")
                if xy is None or not math.isfinite(xy[0]):
                    xy = sp_xy
                self.quays[q.get("id")] = (*xy, _text(q, "Name") or sp_name)
                self.stop_place_of_quay[q.get("id")] = e.get("id")
        elif name == "PassengerStopAssignment":
            ssp = _ref(e, "ScheduledStopPointRef")
            target = _ref(e, "QuayRef") or _ref(e, "StopPlaceRef")
            if ssp and target:
                self.assign[ssp] = target
        elif name == "DayType":
            words = _text(e, "properties/PropertyOfDay/DaysOfWeek")
            wd: set[int] | None = None
            if words:
                wd = set()
                for w in words.split():
                    wd |= _WEEKDAY_WORDS.get(w, set())
            self.day_types[e.get("id")] = frozenset(wd) if wd is not None else None
        elif name == "DayTypeAssignment":
            text = _text(e, "Date")
            date = _date(text)
            if text and date is None:
                self.flag("DayTypeAssignment", "unreadable Date (assignment skipped)", e.get("id"))
                return
            avail = (_text(e, "isAvailable") or "true").lower() != "false"
            self.dta.append((_ref(e, "DayTypeRef") or "", date, _ref(e, "OperatingPeriodRef"), avail))
        elif name == "OperatingPeriod":
            a, b = _date(_text(e, "FromDate")), _date(_text(e, "ToDate"))
            if a and b:
                self.periods[e.get("id")] = (a, b)
            elif _text(e, "FromDate") or _text(e, "ToDate"):
                self.flag("OperatingPeriod", "unreadable FromDate/ToDate (period skipped)", e.get("id"))
        elif name == "Line":
            mode = _text(e, "TransportMode") or "bus"
            rt = NETEX_MODE_TO_ROUTE_TYPE.get(mode)
            if rt is None:
                self.unknown_modes[mode] = self.unknown_modes.get(mode, 0) + 1
                rt = 3
            label = _text(e, "PublicCode") or _text(e, "Name") or e.get("id")
            self.lines[e.get("id")] = (label, rt)
        elif name == "Route":
            self.routes[e.get("id")] = _ref(e, "LineRef")
        elif name in ("JourneyPattern", "ServiceJourneyPattern"):
            pts = []
            for p in e.iter(NS + "StopPointInJourneyPattern"):
                order = (p.get("order") or str(len(pts) + 1)).strip()
                if not (order.isascii() and order.isdigit()) or len(order) > 9:
                    self.flag("JourneyPattern", "StopPointInJourneyPattern with an unreadable order (pattern "
                              "skipped)", e.get("id"))
                    return
                pts.append((int(order), p.get("id"), _ref(p, "ScheduledStopPointRef")))
            self.jps[e.get("id")] = (_ref(e, "RouteRef"), pts)
        elif name == "ServiceJourney":
            dts = tuple(r.get("ref") for r in e.iter(NS + "DayTypeRef"))
            times = []
            for tp in e.iter(_TPT):
                f: dict[str, Any] = {}
                for c in tp:  # direct children: faster than one find() per field
                    f[c.tag] = c.get("ref") if c.tag == _SPIJP_REF else c.text
                a = parse_passing_time(f.get(_ARR), f.get(_ARR_OFF), max_s=self.max_s)
                d = parse_passing_time(f.get(_DEP), f.get(_DEP_OFF), max_s=self.max_s)
                times.append((f.get(_SPIJP_REF), a, d))
            jp = _ref(e, "JourneyPatternRef") or _ref(e, "ServiceJourneyPatternRef")
            self.journeys.append((e.get("id"), dts, jp, _ref(e, "LineRef"), times))


_LOCAL_ERRORS = frozenset({"ERR_UNDECLARED_ENTITY", "WAR_UNDECLARED_ENTITY", "ERR_INVALID_ENCODING", "ERR_INVALID_CHAR"})
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


def _iterparse(fh: IO[bytes], *, recover: bool) -> Any:
    from lxml import etree

    return etree.iterparse(
        fh, events=("end",), tag=_TAGS, huge_tree=True, remove_comments=True, recover=recover,
        resolve_entities="internal", no_network=True,
    )


def _stream(col: _Collector | None, it: Any, lines: list[int] | None = None, tags: dict[str, int] | None = None,
            *, scrub: bool = False) -> None:
    """Feed one parse's objects to ``col``, skipping the handled objects numbered in ``col.skip``.

    With ``lines``, only record the start line of each handled object (objects of
    :data:`_HANDLED` never nest, so consecutive start lines delimit them) and count them by tag in ``tags``.
    With ``scrub``, drop the U+FFFD that libxml2's recovery mode puts in an attribute value for an
    invalid character (in text it drops the character), so an id or ref keeps its own characters.
    """
    k = 0
    for _, e in it:
        tag = _local(e.tag)
        if tag in _HANDLED:
            if lines is not None:
                lines.append(e.sourceline or 0)
                if tags is not None:
                    tags[tag] = tags.get(tag, 0) + 1
            elif k not in col.skip:
                if scrub:
                    _scrub_attributes(e)
                col.handle(tag, e)
            k += 1
        e.clear()
        parent = e.getparent()
        if parent is not None:
            while e.getprevious() is not None:
                del parent[0]


def _scrub_attributes(e: Any) -> None:
    """Remove U+FFFD from every attribute value of ``e`` and its descendants (see :func:`_stream`)."""
    for el in e.iter():
        for key, value in el.attrib.items():
            if "\ufffd" in value:
                el.set(key, value.replace("\ufffd", ""))


_START_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(" + "|".join(sorted(_HANDLED)).encode() + rb")(?=[\s/>])")


def _count_start_tags(opener: Opener) -> tuple[dict[str, int], bytes]:
    """Start tags of handled objects in the raw bytes (what a damaged file should hold), and its last bytes."""
    counts: dict[str, int] = {}
    pending = b""
    with opener() as fh:
        while True:
            data = fh.read(1 << 20)
            buf = pending + data
            limit = len(buf) - 64 if data else len(buf)  # a tag starting later may be cut: keep it for the next round
            for m in _START_TAG.finditer(buf):
                if m.start() >= limit:
                    break
                name = m[1].decode()
                counts[name] = counts.get(name, 0) + 1
            if not data:
                return counts, buf[-256:]
            pending = buf[max(limit, 0) :]


def _damaged(starts: list[int], error_lines: list[int]) -> set[int]:
    """Handled objects (by number) whose lines hold an error: from their start line to the next object's."""
    out = set()
    for k, s0 in enumerate(starts):
        s1 = starts[k + 1] if k + 1 < len(starts) else math.inf
        if any(s0 <= ln < s1 or ln == s0 for ln in error_lines):
            out.add(k)
    return out


def _blank(opener: Opener) -> bool:
    """True when a file holds no element at all (only a BOM, an XML declaration, white space)."""
    with opener() as fh:
        head = fh.read(1 << 16)
        more = fh.read(1)
    text = _DECLARATION.sub(b"", head.lstrip(b"\xef\xbb\xbf"), count=1)
    return not more and not text.strip()


def _read_file(col: _Collector, name: str, opener: Opener, *, report: ValidationReport, strict: bool,
               where: str) -> None:
    """Stream one XML file into ``col``; a damaged file is refused (``strict``) or recovered (:func:`_recover`)."""
    from lxml import etree

    mark = col.mark()
    try:
        with opener() as fh:
            _stream(col, _iterparse(fh, recover=False))
        return
    except etree.XMLSyntaxError as exc:
        col.rollback(mark)
        error = exc
    if _blank(opener):
        report.add("XML file", "no XML element at all (an empty file; nothing to read)", action="ignored",
                   example=name)
        return
    if "amplification" in str(error) or ("entity" in str(error).lower() and "loop" in str(error)):
        msg = f"{where}: refused: {error} (an XML entity expansion attack, or a damaged file)."
        raise InputError(msg)
    if strict:
        msg = (
            f"{where}: not well-formed XML at line {error.lineno}: {error.msg}. Fix the delivery, or read it with "
            "strict=False to recover what is readable (the losses are counted in the report)."
        )
        raise InputError(msg)
    _recover(col, name, opener, report=report, where=where, error=error)


def _declares_utf8(opener: Opener) -> bool:
    with opener() as raw:
        head = raw.read(512)
    declared = _ENCODING.search(head)
    return not head.startswith((b"\xff\xfe", b"\xfe\xff")) and (
        declared is None or declared[1].lower().replace(b"_", b"-") in (b"utf-8", b"utf8"))


def _recover(col: _Collector, name: str, opener: Opener, *, report: ValidationReport, where: str,
             error: Exception) -> None:
    """Read a damaged file in recovery mode: objects hit by a structural error are skipped, every loss counted.

    Pass 1 parses without keeping anything, to learn where the objects and the errors are;
    pass 2 keeps the objects no structural error touched. Bytes that are not UTF-8 are
    re-decoded by :class:`~geoaccess.textio.RepairingUtf8Reader` in both passes.
    """
    from geoaccess.textio import RepairingUtf8Reader

    utf8 = _declares_utf8(opener)
    seen_tags: dict[str, int] = {}

    def parse(target: _Collector | None, lines: list[int] | None, *,
              scrub: bool = False) -> tuple[Any, RepairingUtf8Reader | None]:
        with opener() as raw:
            fh = RepairingUtf8Reader(raw) if utf8 else raw
            it = _iterparse(io.BufferedReader(fh) if utf8 else fh, recover=True)
            _stream(target, it, lines, seen_tags, scrub=scrub)
            return it.error_log, (fh if utf8 else None)

    starts: list[int] = []
    log, repaired = parse(None, starts)
    errors = [(x.line, x.type_name, x.message.strip()) for x in log if x.level_name in ("ERROR", "FATAL")]
    if any(t == "ERR_RESOURCE_LIMIT" for _, t, _ in errors):
        msg = f"{where}: refused: {errors[0][2]} (an XML entity expansion attack, or a damaged file)."
        raise InputError(msg)
    hard = [e for e in errors if e[1] not in _LOCAL_ERRORS]
    col.skip = _damaged(starts, [e[0] for e in hard])
    try:  # an invalid character in an attribute value is dropped there too, as the report says
        parse(col, None, scrub=any(t == "ERR_INVALID_CHAR" and "attribute" in m for _, t, m in errors))
    finally:
        lost = sorted(col.skip)
        col.skip = set()
    expected, tail = _count_start_tags(opener)
    unrecovered = {t: n - seen_tags.get(t, 0) for t, n in expected.items() if n > seen_tags.get(t, 0)}
    n_bytes = repaired.repaired if repaired is not None else 0
    report.add("XML file", "bytes that are not UTF-8 read as Windows-1252 (e.g. a Latin-1 \u00d8)",
               action="repaired", count=n_bytes, example=f"{name} line {repaired.first_line}" if n_bytes else None)
    local = [e for e in errors if e[1] in _LOCAL_ERRORS and e[1] != "ERR_INVALID_ENCODING"]
    report.add("XML file", "undefined entity or invalid character dropped from the text", action="repaired",
               count=len(local), example=f"{name} line {local[0][0]}: {local[0][2]}" if local else None)
    report.add("XML file", "not well-formed; read in recovery mode", action="repaired", count=1 if hard else 0,
               example=f"{name} line {hard[0][0]}: {hard[0][2]}" if hard else None)
    line = errors[-1][0] if errors else getattr(error, "lineno", 0)
    cut = not re.search(rb"</(?:[A-Za-z_][\w.-]*:)?PublicationDelivery\s*>\s*$", tail)
    report.add("XML file", "truncated: does not end with </PublicationDelivery> (objects after the last line "
               "read are missing)", count=int(cut), example=f"{name} line {line}")
    report.add("NeTEx object", "in a damaged part of an XML file (skipped)", count=len(lost),
               examples=[f"{name} line {starts[k]}" for k in lost[:5]])
    report.add("NeTEx object", "lost where the XML parser could not recover (counted from the file's start tags)",
               count=sum(unrecovered.values()), examples=[f"{n} {t} in {name}" for t, n in unrecovered.items()])
    first = errors[0] if errors else (getattr(error, "lineno", 0), "",
                                      re.sub(r", line \d+, column \d+$", "", getattr(error, "msg", str(error))))
    warnings.warn(
        f"{where} is damaged (first XML error at line {first[0]}: {first[2]}); read in recovery mode: "
        f"{len(lost) + sum(unrecovered.values())} object(s) skipped or lost, {n_bytes} byte(s) not UTF-8 read as "
        f"Windows-1252, {len(local)} undefined entit(y/ies) dropped. See the timetable's report.",
        DataWarning,
        stacklevel=4,
    )


def is_netex_file(fh: IO[bytes]) -> bool:
    """True when the XML stream's root element is a NeTEx ``PublicationDelivery``."""
    from lxml import etree

    try:
        for _, elem in etree.iterparse(fh, events=("start",)):
            return elem.tag == NS + "PublicationDelivery"
    except etree.XMLSyntaxError:
        return False
    return False


def read_netex(
    path: str | os.PathLike[str],
    *,
    crs: str | None = None,
    strict: bool = False,
    footpaths: bool = True,
) -> Timetable:
    """Read a NeTEx Nordic-profile delivery (zip or folder of XML) into a :class:`Timetable`.

    Parameters
    ----------
    path
        Zip file or folder with the ``_common`` file and one file per line.
    crs
        Projected CRS for stop x/y (default EPSG:25833 in Norway).
    strict
        Raise :class:`InputError` for passing times that go backwards instead of
        skipping and reporting those journeys (default false: skip and report).
    footpaths
        Add straight-line footpaths between quays.

    Raises
    ------
    InputError
        The path holds no NeTEx ``PublicationDelivery``, no ServiceJourney could be
        used, or (``strict``) passing times are out of order.
    """
    from lxml import etree

    path = Path(path)
    if not path.exists():
        msg = f"NeTEx delivery {path} does not exist; give a zip file or folder of NeTEx XML files."
        raise InputError(msg)
    report = ValidationReport(source=str(path))
    col = _Collector()
    n_files = 0
    for name, opener in _xml_files(path):
        n_files += 1
        _read_file(col, name, opener, report=report, strict=strict, where=f"{path}: {name}")
    if n_files == 0 or (not col.journeys and not col.quays):
        msg = f"{path} holds no NeTEx objects (no ServiceJourney nor Quay in {n_files} XML file(s))."
        raise InputError(msg)
    for (what, reason, action), ids in col.bad.items():
        report.add_many(what, reason, ids, action=action)
    for mode, k in col.unknown_modes.items():
        report.add("Line", f"unknown TransportMode {mode!r} (treated as bus)", action="repaired", count=k)

    # ------------------------------------------------------------- stops
    stop_ids = list(col.quays)
    # assignments straight to a StopPlace use the stop place centroid
    for target in set(col.assign.values()):
        if target not in col.quays and target in col.stop_places:
            stop_ids.append(target)
            col.quays[target] = col.stop_places[target]
    stop_index = {s: i for i, s in enumerate(stop_ids)}
    lon = np.array([col.quays[s][0] for s in stop_ids], dtype=float)
    lat = np.array([col.quays[s][1] for s in stop_ids], dtype=float)
    names = np.array([col.quays[s][2] for s in stop_ids], dtype=object)
    no_xy = [s for s, a, b in zip(stop_ids, lon, lat, strict=True) if not (np.isfinite(a) and np.isfinite(b))]
    report.add_many(
        "Quay", "no coordinates (kept for riding through; no walking to or from it)", no_xy, action="ignored"
    )
    x, y, crs_name = project_stops(lon, lat, crs=crs)

    # ------------------------------------------------------------- lines
    line_ids = list(col.lines)
    line_index = {l_: i for i, l_ in enumerate(line_ids)}
    route_name = np.array([col.lines[l_][0] for l_ in line_ids], dtype=object)
    route_type = np.array([col.lines[l_][1] for l_ in line_ids], dtype=np.int32)
    spijp: dict[str, tuple[int, str | None]] = {}
    for jp_id, (_, pts) in col.jps.items():
        for order, pid, ssp in pts:
            spijp[pid] = (order, ssp)
        del jp_id

    # ---------------------------------------------------------- journeys
    missing: dict[str, list[str]] = {}

    def skip(reason: str, jid: str) -> None:
        missing.setdefault(reason, []).append(jid)

    known_dt = set(col.day_types) | {d for d, *_ in col.dta}
    missing_dt_refs: list[str] = []
    kept_ids: list[str] = []
    kept_dts: list[tuple[str, ...]] = []
    kept_line: list[int] = []
    parts_t: list[np.ndarray] = []
    parts_s: list[np.ndarray] = []
    parts_a: list[np.ndarray] = []
    parts_d: list[np.ndarray] = []
    backwards: list[str] = []
    for jid, dts, jp, line_ref, times in col.journeys:
        if not times:
            skip("no passing times", jid)
            continue
        if jp is None or jp not in col.jps:
            skip("JourneyPatternRef to a missing JourneyPattern", jid)
            continue
        if line_ref is None:
            route_ref = col.jps[jp][0]
            line_ref = col.routes.get(route_ref) if route_ref else None
        if line_ref not in line_index:
            skip("no Line found (via LineRef or JourneyPattern -> Route -> Line)", jid)
            continue
        good_dts = tuple(d for d in dts if d in known_dt)
        missing_dt_refs.extend("(a DayTypeRef without a ref)" if d is None else str(d) for d in dts if d not in known_dt)
        if not good_dts:
            skip("no DayTypeRef to an existing DayType (no service dates)", jid)
            continue
        rows = []
        bad = None
        for pref, a, d in times:
            pt = spijp.get(pref) if pref else None
            if pt is None:
                bad = "StopPointInJourneyPatternRef to a missing StopPointInJourneyPattern"
                break
            order, ssp = pt
            target = col.assign.get(ssp) if ssp else None
            if target is None:
                bad = "ScheduledStopPoint without PassengerStopAssignment to a Quay"
                break
            if target not in stop_index:
                bad = "PassengerStopAssignment to a missing Quay/StopPlace"
                break
            a2 = d if np.isnan(a) else a
            d2 = a if np.isnan(d) else d
            rows.append((order, stop_index[target], a2, d2))
        if bad is not None:
            skip(bad, jid)
            continue
        rows.sort()
        st = np.array([r[1] for r in rows], dtype=np.int64)
        ar = np.array([r[2] for r in rows], dtype=float)
        de = np.array([r[3] for r in rows], dtype=float)
        if np.isinf(ar).any() or np.isinf(de).any():
            skip("unreadable passing time (not HH:MM:SS, a bad DayOffset, or past [timetable] max_stop_time_hours)",
                 jid)
            continue
        if np.isnan(ar).any():
            idx = np.arange(len(ar))
            ok = ~np.isnan(ar)
            if not ok[0] or not ok[-1]:
                skip("first or last passing time without a time", jid)
                continue
            ar[~ok] = np.interp(idx[~ok], idx[ok], ar[ok])
            de[~ok] = ar[~ok]
            report.add(
                "TimetabledPassingTime",
                "no time; interpolated by stop order",
                action="repaired",
                count=int((~ok).sum()),
            )
        if (de < ar).any() or (ar[1:] < de[:-1]).any():
            if strict:
                msg = f"{path}: passing times of ServiceJourney {jid!r} go backwards; fix the delivery or read with strict=False."
                raise InputError(msg)
            backwards.append(jid)
            continue
        k = len(kept_ids)
        kept_ids.append(jid)
        kept_dts.append(good_dts)
        kept_line.append(line_index[line_ref])
        parts_t.append(np.full(len(st), k, dtype=np.int64))
        parts_s.append(st)
        parts_a.append(ar)
        parts_d.append(de)
    for reason, ids in missing.items():
        report.add_many("ServiceJourney", reason, ids)
    report.add_many("ServiceJourney", "passing times go backwards", backwards)
    report.add_many(
        "DayTypeRef",
        "reference to a missing DayType (reference dropped)",
        sorted(set(missing_dt_refs)),
        action="ignored",
    )
    unassigned = {d for d, *_ in col.dta if d not in col.day_types}
    report.add_many(
        "DayTypeAssignment", "refers to a missing DayType (assignment still used)", sorted(unassigned), action="ignored"
    )
    if not kept_ids:
        hint = ""
        if not col.quays:
            hint = (
                " No StopPlace/Quay was found: is the shared _common file (stops, calendar) missing from the delivery?"
            )
        msg = f"{path}: none of the {len(col.journeys)} ServiceJourneys could be used.{hint}\n{report}"
        raise InputError(msg)

    calendar, journey_service, ccounts = cal.from_netex(
        kept_dts,
        assignments=col.dta,
        periods=col.periods,
        day_type_weekdays={k: v for k, v in col.day_types.items() if v is not None},
        source=str(path),
    )
    report.add(
        "DayTypeAssignment",
        "OperatingPeriodRef to a missing OperatingPeriod",
        count=ccounts["missing_operating_period"],
    )
    report.add("OperatingPeriod", "ToDate before FromDate (no dates)", action="ignored",
               count=ccounts["empty_operating_period"])
    report.add(
        "DayType",
        "referenced but never assigned to a date (its journeys never run)",
        action="ignored",
        count=ccounts["day_types_without_dates"],
    )
    tt = build_timetable(
        stops={
            "stop_id": np.array(stop_ids, dtype=object),
            "stop_name": names,
            "stop_lon": lon,
            "stop_lat": lat,
            "stop_x": x,
            "stop_y": y,
            "crs": crs_name,
        },
        route_id=np.array(line_ids, dtype=object),
        route_name=route_name,
        route_type=route_type,
        trip_id=np.array(kept_ids, dtype=object),
        trip_route=np.array(kept_line, dtype=np.int64),
        trip_service=journey_service,
        calendar=calendar,
        st_trip=np.concatenate(parts_t),
        st_stop=np.concatenate(parts_s),
        st_arr=np.round(np.concatenate(parts_a)).astype(np.int64),
        st_dep=np.round(np.concatenate(parts_d)).astype(np.int64),
        report=report,
        meta={"format": "NeTEx", "source": str(path), "files": n_files, "stop_places": len(col.stop_places)},
    )
    if footpaths:
        from geoaccess.transit.footpaths import straight_line_footpaths

        tt = straight_line_footpaths(tt)
    report.warn_if_skipped(stacklevel=2)
    return tt
