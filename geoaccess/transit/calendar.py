"""Service calendars: which services run on which dates.

A :class:`ServiceCalendar` is a boolean matrix ``active[service, day]`` over a
contiguous range of dates starting at :attr:`ServiceCalendar.start`. It is built
from GTFS ``calendar.txt`` / ``calendar_dates.txt`` (:func:`from_gtfs`) or from
NeTEx ``DayType`` / ``OperatingPeriod`` / ``DayTypeAssignment`` (:func:`from_netex`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ServiceCalendar", "check_span", "from_gtfs", "from_netex", "parse_date"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_date(value: str | dt.date) -> dt.date:
    """Parse ``YYYYMMDD``, ``YYYY-MM-DD`` (optionally followed by a time) or pass a date through."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    if len(s) == 8 and s.isdigit():
        return dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    return dt.date.fromisoformat(s[:10])


@dataclass(frozen=True, eq=False)
class ServiceCalendar:
    """Dates on which each service runs.

    Attributes
    ----------
    service_id : numpy.ndarray of object, shape (n_services,)
        Service identifiers (GTFS ``service_id``; NeTEx: ``+``-joined DayType ids).
    start : datetime.date
        Date of column 0 of :attr:`active`.
    active : numpy.ndarray of bool, shape (n_services, n_days)
        ``active[i, d]`` is true when service ``i`` runs on ``start + d`` days.
    """

    service_id: np.ndarray
    start: dt.date
    active: np.ndarray

    @property
    def n_days(self) -> int:
        """Number of dates covered."""
        return int(self.active.shape[1])

    @property
    def dates(self) -> list[dt.date]:
        """All dates covered, in order."""
        return [self.start + dt.timedelta(days=i) for i in range(self.n_days)]

    def day_index(self, date: str | dt.date) -> int | None:
        """Column of ``date`` in :attr:`active`, or ``None`` outside the calendar."""
        d = (parse_date(date) - self.start).days
        return d if 0 <= d < self.n_days else None

    def active_on(self, date: str | dt.date) -> np.ndarray:
        """Boolean mask over services running on ``date`` (all false outside the calendar)."""
        i = self.day_index(date)
        if i is None:
            return np.zeros(len(self.service_id), dtype=bool)
        return self.active[:, i].copy()

    def service_dates(self, services: np.ndarray | None = None) -> list[dt.date]:
        """Dates on which at least one of ``services`` (default: any service) runs."""
        a = self.active if services is None else self.active[services]
        cols = np.flatnonzero(a.any(axis=0)) if a.size else np.zeros(0, dtype=int)
        return [self.start + dt.timedelta(days=int(i)) for i in cols]


def describe_dates(dates: Sequence[dt.date], *, limit: int = 6) -> str:
    """Summarise a list of dates for an error message (first/last and count)."""
    if not dates:
        return "no dates at all"
    if len(dates) <= limit:
        return ", ".join(d.isoformat() for d in dates)
    head = ", ".join(d.isoformat() for d in dates[:3])
    return f"{len(dates)} dates from {dates[0].isoformat()} to {dates[-1].isoformat()} (first: {head}, ...)"


def check_span(start: dt.date, end: dt.date, *, what: str) -> None:
    """Refuse a calendar longer than ``[timetable] max_calendar_span_days`` (:class:`~geoaccess.errors.LimitError`)."""
    from geoaccess.limits import get_limits, limit_error

    limit = get_limits().timetable.max_calendar_span_days
    days = (end - start).days + 1
    if days > limit:
        raise limit_error(what, f"a calendar from {start.isoformat()} to {end.isoformat()} ({days:,} days)",
                          key="timetable.max_calendar_span_days", limit=limit, unit="days")


def from_gtfs(
    calendar_rows: Iterable[Mapping[str, str]],
    calendar_date_rows: Iterable[Mapping[str, str]],
    *,
    source: str = "GTFS feed",
) -> tuple[ServiceCalendar, dict[str, int]]:
    """Build a calendar from GTFS ``calendar.txt`` and ``calendar_dates.txt`` rows.

    Either may be empty (feeds with only ``calendar_dates.txt`` are common in Norway).
    A span beyond ``[timetable] max_calendar_span_days`` raises
    :class:`~geoaccess.errors.LimitError` naming the service (``source`` names the feed).

    Returns
    -------
    calendar : ServiceCalendar
    counts : dict
        ``added`` and ``removed`` exception counts, ``bad_rows`` skipped.
    """
    weekly: list[tuple[str, tuple[bool, ...], dt.date, dt.date]] = []
    bad = 0
    for r in calendar_rows:
        try:
            days = tuple(str(r.get(w, "0")).strip() == "1" for w in _WEEKDAYS)
            weekly.append((str(r["service_id"]), days, parse_date(r["start_date"]), parse_date(r["end_date"])))
        except (KeyError, ValueError):
            bad += 1
    exceptions: list[tuple[str, dt.date, int]] = []
    for r in calendar_date_rows:
        try:
            exceptions.append((str(r["service_id"]), parse_date(r["date"]), int(str(r["exception_type"]).strip())))
        except (KeyError, ValueError):
            bad += 1
    ids: dict[str, int] = {}
    for sid, *_ in weekly:
        ids.setdefault(sid, len(ids))
    for sid, *_ in exceptions:
        ids.setdefault(sid, len(ids))
    all_dates = [d for _, _, a, b in weekly for d in (a, b)] + [d for _, d, _ in exceptions]
    if not all_dates:
        return ServiceCalendar(np.array(list(ids), dtype=object), dt.date(1970, 1, 1), np.zeros((len(ids), 0), bool)), {
            "added": 0,
            "removed": 0,
            "bad_rows": bad,
        }
    start, end = min(all_dates), max(all_dates)
    first = next((r for r in weekly if r[2] == start), None) or next(r for r in exceptions if r[1] == start)
    last = next((r for r in weekly if r[3] == end), None) or next(r for r in exceptions if r[1] == end)
    check_span(start, end, what=f"{source}: services {first[0]!r} and {last[0]!r}")
    n_days = (end - start).days + 1
    active = np.zeros((len(ids), n_days), dtype=bool)
    weekday0 = start.weekday()
    dow = (np.arange(n_days) + weekday0) % 7
    for sid, days, a, b in weekly:
        i0, i1 = (a - start).days, (b - start).days + 1
        mask = np.array(days, dtype=bool)[dow[i0:i1]]
        active[ids[sid], i0:i1] |= mask
    added = removed = 0
    for sid, d, kind in exceptions:
        if kind == 1:
            active[ids[sid], (d - start).days] = True
            added += 1
        elif kind == 2:
            active[ids[sid], (d - start).days] = False
            removed += 1
        else:
            bad += 1
    return ServiceCalendar(np.array(list(ids), dtype=object), start, active), {
        "added": added,
        "removed": removed,
        "bad_rows": bad,
    }


def from_netex(
    journey_day_types: Sequence[tuple[str, ...]],
    *,
    assignments: Sequence[tuple[str, dt.date | None, str | None, bool]],
    periods: Mapping[str, tuple[dt.date, dt.date]],
    day_type_weekdays: Mapping[str, frozenset[int]],
    source: str = "NeTEx delivery",
) -> tuple[ServiceCalendar, np.ndarray, dict[str, int]]:
    """Build a calendar from NeTEx day types.

    Parameters
    ----------
    journey_day_types
        For each ServiceJourney, the DayType ids it references.
    assignments
        ``(day_type_id, date or None, operating_period_id or None, is_available)``
        from each ``DayTypeAssignment``, in document order (later rows win).
    periods
        ``OperatingPeriod`` id to ``(from_date, to_date)``, inclusive.
    day_type_weekdays
        DayType id to the weekdays (0 = Monday) of its ``DaysOfWeek`` property;
        a DayType without that property applies to every day of a period.
    source
        The delivery, for messages.

    Returns
    -------
    calendar : ServiceCalendar
        One service per distinct set of DayTypes.
    journey_service : numpy.ndarray of int32
        Service index of each journey.
    counts : dict
        ``missing_operating_period``, ``empty_operating_period`` (to date before from
        date) and ``day_types_without_dates``.

    Raises
    ------
    LimitError
        The assigned dates span more than ``[timetable] max_calendar_span_days``.
    """
    counts = {"missing_operating_period": 0, "empty_operating_period": 0, "day_types_without_dates": 0}
    spans: list[tuple[str, dt.date, dt.date, bool, frozenset[int] | None, str]] = []
    for dtype, date, period, available in assignments:
        if date is not None:
            spans.append((dtype, date, date, available, None, f"DayType {dtype!r}"))
        elif period is not None:
            if period not in periods:
                counts["missing_operating_period"] += 1
                continue
            a, b = periods[period]
            if b < a:
                counts["empty_operating_period"] += 1
                continue
            spans.append((dtype, a, b, available, day_type_weekdays.get(dtype), f"OperatingPeriod {period!r}"))
    start, end = (min(r[1] for r in spans), max(r[2] for r in spans)) if spans else (dt.date(1970, 1, 2),) * 2
    if not spans:
        end = dt.date(1970, 1, 1)  # no dates: an empty calendar
    else:
        widest = max(spans, key=lambda r: (r[2] - r[1]).days)
        check_span(start, end, what=f"{source}: DayTypeAssignments (widest: {widest[5]})")
    n_days = (end - start).days + 1
    dow = (np.arange(n_days) + start.weekday()) % 7
    state: dict[str, np.ndarray] = {}  # per DayType: -1 unassigned, 0 not available, 1 available
    for dtype, a, b, available, wd, _ in spans:
        target = state.get(dtype)
        if target is None:
            target = state[dtype] = np.full(n_days, -1, dtype=np.int8)
        i0, i1 = (a - start).days, (b - start).days + 1
        if wd is None:
            target[i0:i1] = available
        else:
            sel = np.flatnonzero(np.isin(dow[i0:i1], sorted(wd))) + i0
            target[sel] = available
    services: dict[tuple[str, ...], int] = {}
    journey_service = np.empty(len(journey_day_types), dtype=np.int32)
    for j, key in enumerate(journey_day_types):
        journey_service[j] = services.setdefault(tuple(sorted(key)), len(services))
    active = np.zeros((len(services), n_days), dtype=bool)
    seen_without: set[str] = set()
    for key, i in services.items():
        for dtype in key:
            m = state.get(dtype)
            if m is None or not (m >= 0).any():
                seen_without.add(dtype)
                continue
            active[i] |= m == 1
    counts["day_types_without_dates"] = len(seen_without)
    ids = np.array(["+".join(k) for k in services], dtype=object)
    return ServiceCalendar(ids, start, active), journey_service, counts
