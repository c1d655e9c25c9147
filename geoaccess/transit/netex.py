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

Stops of the timetable are **quays** (Norwegian *plattform/stoppunkt*); their
names are those of the parent stop place (*stoppested*).
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from geoaccess.errors import InputError
from geoaccess.transit import calendar as cal
from geoaccess.transit.timetable import Timetable, build_timetable, project_stops
from geoaccess.transit.validation import ValidationReport

__all__ = ["NETEX_MODE_TO_ROUTE_TYPE", "read_netex"]

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


def _time_s(value: str | None, offset: str | None) -> float:
    if not value:
        return np.nan
    h, m, s = value.split(":")[:3]
    return int(h) * 3600 + int(m) * 60 + float(s) + 86400 * int(offset or 0)


def _xml_files(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    if path.is_dir():
        for p in sorted(path.glob("*.xml")):
            with p.open("rb") as fh:
                yield p.name, fh
        return
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        msg = f"{path} is neither a zip file nor a folder of NeTEx XML files."
        raise InputError(msg) from exc
    with zf:
        for name in sorted(n for n in zf.namelist() if n.lower().endswith(".xml")):
            with zf.open(name) as fh:
                yield name, fh


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

    def handle(self, name: str, e: Any) -> None:
        if name == "StopPlace":
            sp_name = _text(e, "Name") or ""
            lon = _text(e, "Centroid/Location/Longitude")
            lat = _text(e, "Centroid/Location/Latitude")
            sp_xy = (float(lon), float(lat)) if lon and lat else (np.nan, np.nan)
            self.stop_places[e.get("id")] = (*sp_xy, sp_name)
            for q in e.iter(NS + "Quay"):
                qlon = _text(q, "Centroid/Location/Longitude")
                qlat = _text(q, "Centroid/Location/Latitude")
                xy = (float(qlon), float(qlat)) if qlon and qlat else sp_xy
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
            date = _text(e, "Date")
            avail = (_text(e, "isAvailable") or "true").lower() != "false"
            self.dta.append(
                (
                    _ref(e, "DayTypeRef") or "",
                    cal.parse_date(date) if date else None,
                    _ref(e, "OperatingPeriodRef"),
                    avail,
                )
            )
        elif name == "OperatingPeriod":
            a, b = _text(e, "FromDate"), _text(e, "ToDate")
            if a and b:
                self.periods[e.get("id")] = (cal.parse_date(a), cal.parse_date(b))
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
                pts.append((int(p.get("order") or len(pts) + 1), p.get("id"), _ref(p, "ScheduledStopPointRef")))
            self.jps[e.get("id")] = (_ref(e, "RouteRef"), pts)
        elif name == "ServiceJourney":
            dts = tuple(r.get("ref") for r in e.iter(NS + "DayTypeRef"))
            times = []
            for tp in e.iter(_TPT):
                f: dict[str, Any] = {}
                for c in tp:  # direct children: faster than one find() per field
                    f[c.tag] = c.get("ref") if c.tag == _SPIJP_REF else c.text
                a = _time_s(f.get(_ARR), f.get(_ARR_OFF))
                d = _time_s(f.get(_DEP), f.get(_DEP_OFF))
                times.append((f.get(_SPIJP_REF), a, d))
            jp = _ref(e, "JourneyPatternRef") or _ref(e, "ServiceJourneyPatternRef")
            self.journeys.append((e.get("id"), dts, jp, _ref(e, "LineRef"), times))


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
    report = ValidationReport(source=str(path))
    col = _Collector()
    n_files = 0
    for name, fh in _xml_files(path):
        n_files += 1
        seen = 0
        try:
            for _, e in etree.iterparse(fh, events=("end",), tag=_TAGS, huge_tree=True, remove_comments=True):
                seen += 1
                tag = _local(e.tag)
                if tag in _HANDLED:
                    col.handle(tag, e)
                e.clear()
                parent = e.getparent()
                if parent is not None:
                    while e.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            if seen == 0:
                report.add("XML file", "no XML element at all (empty file skipped)", example=name)
                continue
            msg = f"{path}: {name} is not well-formed XML ({exc}); the NeTEx delivery is damaged."
            raise InputError(msg) from exc
    if n_files == 0 or (not col.journeys and not col.quays):
        msg = f"{path} holds no NeTEx objects (no ServiceJourney nor Quay in {n_files} XML file(s))."
        raise InputError(msg)
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
        missing_dt_refs.extend(d for d in dts if d not in known_dt)
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
            a2 = a if np.isfinite(a) else d
            d2 = d if np.isfinite(d) else a
            rows.append((order, stop_index[target], a2, d2))
        if bad is not None:
            skip(bad, jid)
            continue
        rows.sort()
        st = np.array([r[1] for r in rows], dtype=np.int64)
        ar = np.array([r[2] for r in rows], dtype=float)
        de = np.array([r[3] for r in rows], dtype=float)
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
    )
    report.add(
        "DayTypeAssignment",
        "OperatingPeriodRef to a missing OperatingPeriod",
        count=ccounts["missing_operating_period"],
    )
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
    return tt
