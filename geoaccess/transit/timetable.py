"""The in-memory public-transport timetable shared by the GTFS and NeTEx readers.

A :class:`Timetable` holds compact numpy arrays in the layout RAPTOR scans:

* **stops** with their ids, names, WGS 84 lon/lat and projected x/y in metres;
* **route patterns** (trips of one line serving exactly the same stop sequence,
  with no trip overtaking another): ``pattern_stops[pattern_stop_ptr[p]:pattern_stop_ptr[p+1]]``;
* **trips** of each pattern, ``pattern_trip_ptr[p]:pattern_trip_ptr[p+1]``, sorted by
  departure; trip ``t``'s times at the pattern's stops are
  ``arr[trip_time_ptr[t]:trip_time_ptr[t+1]]`` and ``dep[...]``, in **seconds after
  midnight of the service day** (values past 86 400 are trips running past midnight);
* for each stop, the patterns serving it (``stop_pattern_ptr`` CSR with the position
  of the stop in the pattern);
* **footpaths** between stops as CSR (``fp_ptr``, ``fp_stop``, ``fp_seconds``), labelled
  by :attr:`Timetable.footpath_kind`.

A timetable read from a feed covers every service date; :meth:`Timetable.for_date`
keeps the trips running on one date (including trips of the previous service day
still running after midnight).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from geoaccess.errors import InputError
from geoaccess.transit.calendar import ServiceCalendar, describe_dates, parse_date
from geoaccess.transit.validation import ValidationReport

__all__ = [
    "ROUTE_TYPE_NAMES",
    "TRANSFER_TYPES",
    "Timetable",
    "TransferRules",
    "Transfers",
    "build_timetable",
    "mode_name",
    "project_stops",
]

DAY_S = 86_400

ROUTE_TYPE_NAMES = {
    0: "tram",
    1: "metro",
    2: "rail",
    3: "bus",
    4: "ferry",
    5: "cable tram",
    6: "aerial lift",
    7: "funicular",
    11: "trolleybus",
    12: "monorail",
}
"""Basic GTFS ``route_type`` codes."""

_EXTENDED = {
    1: "rail",
    2: "coach",
    4: "urban rail",
    7: "bus",
    8: "trolleybus",
    9: "tram",
    10: "ferry",
    11: "air",
    12: "ferry",
    13: "aerial lift",
    14: "funicular",
    15: "taxi",
    17: "other",
}


TRANSFER_TYPES = {
    0: "recommended transfer point",
    1: "timed transfer (the departing vehicle waits)",
    2: "minimum transfer time (min_transfer_time seconds)",
    3: "transfer not possible",
    4: "in-seat transfer (stay on board)",
    5: "in-seat transfer not allowed (alight and re-board)",
}
"""GTFS ``transfers.txt`` ``transfer_type`` codes and their meaning."""


class Transfers(NamedTuple):
    """Stop-to-stop rules of GTFS ``transfers.txt`` between different stops (``Timetable.meta["transfers"]``).

    Used by :mod:`geoaccess.transit.footpaths`: type 2 sets the footpath time, type 3
    removes the footpath. Arrays of equal length; stops are indices into ``stop_id``.

    Attributes
    ----------
    from_stop, to_stop : numpy.ndarray of int64
        Stop indices.
    transfer_type : numpy.ndarray of int64
        0-3, see :data:`TRANSFER_TYPES`.
    min_transfer_s : numpy.ndarray of float64
        Minimum transfer time in seconds (>= 0), NaN when not given.
    """

    from_stop: np.ndarray
    to_stop: np.ndarray
    transfer_type: np.ndarray
    min_transfer_s: np.ndarray


class TransferRules(NamedTuple):
    """Every usable row of ``transfers.txt`` (``Timetable.meta["transfer_rules"]``), for change-time routing.

    Like :class:`Transfers`, plus rows within one stop (minimum change times at a stop),
    route- and trip-specific rows and in-seat types 4-5. Route and trip ids are the
    feed's (empty string when the row does not name one).
    """

    from_stop: np.ndarray
    to_stop: np.ndarray
    transfer_type: np.ndarray
    min_transfer_s: np.ndarray
    from_route_id: np.ndarray
    to_route_id: np.ndarray
    from_trip_id: np.ndarray
    to_trip_id: np.ndarray


def mode_name(route_type: int) -> str:
    """Name of a GTFS basic (0-12) or extended (100-1799) ``route_type``."""
    t = int(route_type)
    if t >= 100:
        return _EXTENDED.get(t // 100, str(t))
    return ROUTE_TYPE_NAMES.get(t, str(t))


@dataclass(frozen=True, eq=False)
class Timetable:
    """A timetable as arrays grouped by route pattern (see the module docstring)."""

    stop_id: np.ndarray
    stop_name: np.ndarray
    stop_lon: np.ndarray
    stop_lat: np.ndarray
    stop_x: np.ndarray
    stop_y: np.ndarray
    crs: str
    route_id: np.ndarray
    route_name: np.ndarray
    route_type: np.ndarray
    pattern_route: np.ndarray
    pattern_stop_ptr: np.ndarray
    pattern_stops: np.ndarray
    pattern_trip_ptr: np.ndarray
    trip_id: np.ndarray
    trip_service: np.ndarray
    trip_time_ptr: np.ndarray
    arr: np.ndarray
    dep: np.ndarray
    stop_pattern_ptr: np.ndarray
    stop_pattern: np.ndarray
    stop_pattern_pos: np.ndarray
    calendar: ServiceCalendar
    fp_ptr: np.ndarray
    fp_stop: np.ndarray
    fp_seconds: np.ndarray
    footpath_kind: str = "none"
    date: dt.date | None = None
    report: ValidationReport = field(default_factory=ValidationReport)
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ sizes
    @property
    def n_stops(self) -> int:
        """Number of stops (GTFS stops / NeTEx quays)."""
        return len(self.stop_id)

    @property
    def n_patterns(self) -> int:
        """Number of route patterns."""
        return len(self.pattern_route)

    @property
    def n_trips(self) -> int:
        """Number of trips (all service days, or one date after :meth:`for_date`)."""
        return len(self.trip_id)

    @property
    def n_footpaths(self) -> int:
        """Number of directed footpaths between stops."""
        return len(self.fp_stop)

    def stop_index(self, ids: list[str] | np.ndarray | str) -> np.ndarray:
        """Indices of stops by id; raises :class:`InputError` naming unknown ids."""
        wanted = np.atleast_1d(np.asarray(ids, dtype=object))
        lookup = {s: i for i, s in enumerate(self.stop_id)}
        missing = [str(s) for s in wanted if s not in lookup]
        if missing:
            msg = f"Unknown stop id(s) {missing[:5]} ({len(missing)} in all); see Timetable.stop_id for the ids in this feed."
            raise InputError(msg)
        return np.array([lookup[s] for s in wanted], dtype=np.int64)

    def summary(self) -> dict[str, Any]:
        """Headline counts: stops, routes, patterns, trips, footpaths, dates with service."""
        dates = self.service_dates()
        types = np.unique(self.route_type[self.pattern_route]) if self.n_patterns else np.zeros(0, int)
        out = {
            "format": self.meta.get("format", "?"),
            "source": self.meta.get("source", ""),
            "crs": self.crs,
            "stops": self.n_stops,
            "stops_without_coordinates": int(np.isnan(self.stop_x).sum()),
            "routes": len(np.unique(self.pattern_route)) if self.n_patterns else 0,
            "modes": ", ".join(sorted({mode_name(t) for t in types})),
            "patterns": self.n_patterns,
            "trips": self.n_trips,
            "stop_events": len(self.arr),
            "footpaths": self.n_footpaths,
            "footpath_kind": self.footpath_kind,
            "date": self.date.isoformat() if self.date else "all dates",
            "first_service_date": dates[0].isoformat() if dates else "",
            "last_service_date": dates[-1].isoformat() if dates else "",
            "service_dates": len(dates),
        }
        if "label" in self.meta:
            out["label"] = self.meta["label"]
        return out

    def service_dates(self) -> list[dt.date]:
        """Dates on which at least one trip of this timetable runs."""
        if self.date is not None:
            return [self.date] if self.n_trips else []
        used = np.unique(self.trip_service) if self.n_trips else np.zeros(0, dtype=np.int32)
        return self.calendar.service_dates(used)

    # ---------------------------------------------------------- long form
    def stop_times(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Long form ``(trip, stop, arr_s, dep_s)`` of every stop event, grouped by trip in order."""
        lens = np.diff(self.trip_time_ptr)
        trip = np.repeat(np.arange(self.n_trips, dtype=np.int64), lens)
        pat_of_trip = np.repeat(np.arange(self.n_patterns), np.diff(self.pattern_trip_ptr))
        pos = np.arange(len(self.arr)) - np.repeat(self.trip_time_ptr[:-1], lens)
        stop = self.pattern_stops[self.pattern_stop_ptr[pat_of_trip][trip] + pos]
        return trip, stop.astype(np.int64), self.arr.astype(np.int64), self.dep.astype(np.int64)

    def trip_route(self) -> np.ndarray:
        """Route index of each trip."""
        pat_of_trip = np.repeat(np.arange(self.n_patterns), np.diff(self.pattern_trip_ptr))
        return self.pattern_route[pat_of_trip]

    # ------------------------------------------------------------ one date
    def for_date(self, date: str | dt.date) -> Timetable:
        """Keep the trips running on ``date``, with times in seconds after that date's midnight.

        Trips of the previous service day that are still running after midnight
        (GTFS times past 24:00, NeTEx day offsets) are included with 86 400 s
        subtracted, so an overnight trip is usable on both dates.

        Raises
        ------
        InputError
            No trip runs on ``date``; the message says which dates have service.
        """
        day = parse_date(date)
        if self.date is not None:
            if day == self.date:
                return self
            msg = f"This timetable is already restricted to {self.date}; call for_date on the full timetable."
            raise InputError(msg)
        today = self.calendar.active_on(day)[self.trip_service]
        yesterday = self.calendar.active_on(day - dt.timedelta(days=1))[self.trip_service]
        last = self.arr[self.trip_time_ptr[1:] - 1] if self.n_trips else np.zeros(0)
        yesterday &= last >= DAY_S
        if not today.any() and not yesterday.any():
            have = self.service_dates()
            msg = (
                f"The feed {self.meta.get('source', '')} has no service on {day.isoformat()}. "
                f"Dates with service: {describe_dates(have)}. Choose one of those dates."
            )
            raise InputError(msg)
        trip, stop, arr, dep = self.stop_times()
        troute = self.trip_route()
        keep_t = np.flatnonzero(today)
        keep_y = np.flatnonzero(yesterday)
        sel_t = np.isin(trip, keep_t)
        sel_y = np.isin(trip, keep_y)
        n_t = len(keep_t)
        # new trip numbering: today's trips first, then yesterday's overnight trips
        new_of_t = np.full(self.n_trips, -1, dtype=np.int64)
        new_of_t[keep_t] = np.arange(n_t)
        new_of_y = np.full(self.n_trips, -1, dtype=np.int64)
        new_of_y[keep_y] = n_t + np.arange(len(keep_y))
        st_trip = np.concatenate([new_of_t[trip[sel_t]], new_of_y[trip[sel_y]]])
        st_stop = np.concatenate([stop[sel_t], stop[sel_y]])
        st_arr = np.concatenate([arr[sel_t], arr[sel_y] - DAY_S])
        st_dep = np.concatenate([dep[sel_t], dep[sel_y] - DAY_S])
        order = np.argsort(st_trip, kind="stable")
        old = np.concatenate([keep_t, keep_y])
        trip_ids = np.concatenate(
            [self.trip_id[keep_t], np.array([f"{t}@-1d" for t in self.trip_id[keep_y]], dtype=object)]
        )
        tt = build_timetable(
            stops=self,
            route_id=self.route_id,
            route_name=self.route_name,
            route_type=self.route_type,
            trip_id=trip_ids,
            trip_route=troute[old],
            trip_service=self.trip_service[old],
            calendar=self.calendar,
            st_trip=st_trip[order],
            st_stop=st_stop[order],
            st_arr=st_arr[order],
            st_dep=st_dep[order],
            report=self.report,
            meta={**self.meta, "overnight_trips_from_previous_day": len(keep_y)},
        )
        return replace(
            tt,
            date=day,
            fp_ptr=self.fp_ptr,
            fp_stop=self.fp_stop,
            fp_seconds=self.fp_seconds,
            footpath_kind=self.footpath_kind,
        )

    def with_footpaths(
        self, fp_ptr: np.ndarray, fp_stop: np.ndarray, fp_seconds: np.ndarray, *, kind: str
    ) -> Timetable:
        """Return a copy with the given footpath CSR (see :mod:`geoaccess.transit.footpaths`)."""
        if len(fp_ptr) != self.n_stops + 1:
            msg = f"Footpath row pointer has {len(fp_ptr)} entries; expected {self.n_stops + 1} (stops + 1)."
            raise InputError(msg)
        sec = np.asarray(fp_seconds, dtype=np.float64)
        bad = ~np.isfinite(sec) | (sec < 0)
        if bad.any():  # a negative footpath would arrive before it leaves
            k = int(np.flatnonzero(bad)[0])
            frm = int(np.searchsorted(np.asarray(fp_ptr), k, side="right") - 1)
            msg = (
                f"Footpath {self.stop_id[frm]!r} -> {self.stop_id[int(fp_stop[k])]!r} takes {sec[k]} s; "
                f"footpath times must be finite and >= 0 seconds ({int(bad.sum())} bad in all)."
            )
            raise InputError(msg)
        return replace(
            self,
            fp_ptr=np.asarray(fp_ptr, dtype=np.int64),
            fp_stop=np.asarray(fp_stop, dtype=np.int32),
            fp_seconds=np.asarray(fp_seconds, dtype=np.float64),
            footpath_kind=kind,
        )


def _split_non_overtaking(times: list[np.ndarray]) -> list[list[int]]:
    """Split trips (sorted by first departure) into groups where no trip overtakes another."""
    groups: list[list[int]] = []
    lasts: list[np.ndarray] = []
    for i, t in enumerate(times):
        for g, last in enumerate(lasts):
            if np.all(last <= t):
                groups[g].append(i)
                lasts[g] = t
                break
        else:
            groups.append([i])
            lasts.append(t)
    return groups


def build_timetable(
    *,
    stops: Timetable | dict[str, np.ndarray],
    route_id: np.ndarray,
    route_name: np.ndarray,
    route_type: np.ndarray,
    trip_id: np.ndarray,
    trip_route: np.ndarray,
    trip_service: np.ndarray,
    calendar: ServiceCalendar,
    st_trip: np.ndarray,
    st_stop: np.ndarray,
    st_arr: np.ndarray,
    st_dep: np.ndarray,
    report: ValidationReport,
    meta: dict[str, Any],
    crs: str | None = None,
) -> Timetable:
    """Group trips into non-overtaking route patterns and build a :class:`Timetable`.

    Parameters
    ----------
    stops
        A timetable to take the stop arrays from, or a dict with ``stop_id``,
        ``stop_name``, ``stop_lon``, ``stop_lat``, ``stop_x``, ``stop_y``, ``crs``.
    trip_id, trip_route, trip_service
        Per trip: id, route index, service index in ``calendar``.
    st_trip, st_stop, st_arr, st_dep
        Stop events sorted by trip and stop sequence; times in seconds after
        midnight of the service day. Trips with fewer than two events are dropped.
    """
    if isinstance(stops, Timetable):
        s = {k: getattr(stops, k) for k in ("stop_id", "stop_name", "stop_lon", "stop_lat", "stop_x", "stop_y")}
        s["crs"] = stops.crs
    else:
        s = stops
    n_stops = len(s["stop_id"])
    st_trip = np.asarray(st_trip, dtype=np.int64)
    n_trips = len(trip_id)
    starts = np.searchsorted(st_trip, np.arange(n_trips + 1))
    # group trips by (route, stop sequence)
    groups: dict[tuple[int, bytes], list[int]] = {}
    for t in range(n_trips):
        a, b = starts[t], starts[t + 1]
        if b - a < 2:
            continue
        key = (int(trip_route[t]), np.asarray(st_stop[a:b], dtype=np.int32).tobytes())
        groups.setdefault(key, []).append(t)
    dropped = [str(trip_id[t]) for t in range(n_trips) if starts[t + 1] - starts[t] == 1]
    if dropped:  # trips without any event were reported (or removed on purpose) by the reader
        report.add_many("trip", "only one timed stop", dropped)
    p_route: list[int] = []
    p_stops: list[np.ndarray] = []
    p_trips: list[list[int]] = []
    for (route, key), trips in groups.items():
        seq = np.frombuffer(key, dtype=np.int32)
        trips.sort(key=lambda t: (st_dep[starts[t]], st_arr[starts[t + 1] - 1]))
        times = [np.concatenate([st_arr[starts[t] : starts[t + 1]], st_dep[starts[t] : starts[t + 1]]]) for t in trips]
        for g in _split_non_overtaking(times):
            p_route.append(route)
            p_stops.append(seq)
            p_trips.append([trips[i] for i in g])
    n_p = len(p_route)
    pattern_stop_ptr = np.zeros(n_p + 1, dtype=np.int64)
    pattern_stop_ptr[1:] = np.cumsum([len(x) for x in p_stops])
    pattern_stops = np.concatenate(p_stops).astype(np.int32) if n_p else np.zeros(0, np.int32)
    pattern_trip_ptr = np.zeros(n_p + 1, dtype=np.int64)
    pattern_trip_ptr[1:] = np.cumsum([len(x) for x in p_trips])
    order = np.array([t for g in p_trips for t in g], dtype=np.int64)
    lens = (starts[order + 1] - starts[order]) if len(order) else np.zeros(0, np.int64)
    trip_time_ptr = np.zeros(len(order) + 1, dtype=np.int64)
    trip_time_ptr[1:] = np.cumsum(lens)
    idx = np.concatenate([np.arange(starts[t], starts[t + 1]) for t in order]) if len(order) else np.zeros(0, np.int64)
    for name, t in (("arrival", st_arr), ("departure", st_dep)):
        t = np.asarray(t)
        if len(t) and not (np.abs(t) < 2**31 - 1).all():  # also catches NaN (as int: a huge negative)
            msg = (
                f"{meta.get('source', 'timetable')}: a stop {name} time of {t[~(np.abs(t) < 2**31 - 1)][0]} s does not "
                "fit the timetable (at most 2^31 s); check the feed's times."
            )
            raise InputError(msg)
    arr = np.asarray(st_arr, dtype=np.int32)[idx]
    dep = np.asarray(st_dep, dtype=np.int32)[idx]
    # stop -> (pattern, position)
    p_of = np.repeat(np.arange(n_p, dtype=np.int32), np.diff(pattern_stop_ptr))
    pos = (np.arange(len(pattern_stops)) - np.repeat(pattern_stop_ptr[:-1], np.diff(pattern_stop_ptr))).astype(np.int32)
    o = np.lexsort((pos, p_of, pattern_stops))
    stop_pattern_ptr = np.zeros(n_stops + 1, dtype=np.int64)
    stop_pattern_ptr[1:] = np.cumsum(np.bincount(pattern_stops, minlength=n_stops))
    empty_fp = np.zeros(n_stops + 1, dtype=np.int64)
    return Timetable(
        stop_id=np.asarray(s["stop_id"], dtype=object),
        stop_name=np.asarray(s["stop_name"], dtype=object),
        stop_lon=np.asarray(s["stop_lon"], dtype=np.float64),
        stop_lat=np.asarray(s["stop_lat"], dtype=np.float64),
        stop_x=np.asarray(s["stop_x"], dtype=np.float64),
        stop_y=np.asarray(s["stop_y"], dtype=np.float64),
        crs=str(s["crs"] if crs is None else crs),
        route_id=np.asarray(route_id, dtype=object),
        route_name=np.asarray(route_name, dtype=object),
        route_type=np.asarray(route_type, dtype=np.int32),
        pattern_route=np.asarray(p_route, dtype=np.int32),
        pattern_stop_ptr=pattern_stop_ptr,
        pattern_stops=pattern_stops,
        pattern_trip_ptr=pattern_trip_ptr,
        trip_id=np.asarray(trip_id, dtype=object)[order] if len(order) else np.zeros(0, dtype=object),
        trip_service=np.asarray(trip_service, dtype=np.int32)[order] if len(order) else np.zeros(0, np.int32),
        trip_time_ptr=trip_time_ptr,
        arr=arr,
        dep=dep,
        stop_pattern_ptr=stop_pattern_ptr,
        stop_pattern=p_of[o].astype(np.int32),
        stop_pattern_pos=pos[o].astype(np.int32),
        calendar=calendar,
        fp_ptr=empty_fp,
        fp_stop=np.zeros(0, dtype=np.int32),
        fp_seconds=np.zeros(0, dtype=np.float64),
        report=report,
        meta=dict(meta),
    )


def project_stops(lon: np.ndarray, lat: np.ndarray, *, crs: str | None) -> tuple[np.ndarray, np.ndarray, str]:
    """Project WGS 84 stop coordinates to ``crs`` (default: :func:`geoaccess.crs.choose_crs`).

    Stops without coordinates (NaN) stay NaN.
    """
    from pyproj import Transformer

    from geoaccess.crs import choose_crs, resolve_crs

    ok = np.isfinite(lon) & np.isfinite(lat)
    if crs is None:
        if ok.any():
            crs = choose_crs(float(np.median(lon[ok])), float(np.median(lat[ok])))
        else:
            crs = "EPSG:25833"
    target = resolve_crs(crs, what="timetable stops")
    x = np.full(len(lon), np.nan)
    y = np.full(len(lon), np.nan)
    if ok.any():
        tr = Transformer.from_crs("EPSG:4326", target, always_xy=True)
        x[ok], y[ok] = tr.transform(lon[ok], lat[ok])
    name = target.to_string() if hasattr(target, "to_string") else str(target)
    return x, y, name
