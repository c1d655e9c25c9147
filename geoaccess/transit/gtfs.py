"""Read a GTFS feed (zip or folder) into a :class:`~geoaccess.transit.timetable.Timetable`.

Supported: ``stops``, ``routes``, ``trips``, ``stop_times`` (times past 24:00,
missing intermediate times interpolated by stop order), ``calendar`` and/or
``calendar_dates`` (feeds with only ``calendar_dates`` work), ``frequencies``
(expanded into trips) and ``transfers`` (transfer types 0-5 and minimum transfer times).

Bad rows are refused, never guessed at. With ``strict=True`` (the default) the first one
stops the read with an :class:`~geoaccess.errors.InputError` naming the file, the line,
the column and the value; with ``strict=False`` the row (or the trip it belongs to) is
skipped and counted in ``tt.report``, and a :class:`~geoaccess.errors.DataWarning` says
how much was skipped. Text is decoded by :mod:`geoaccess.textio` (UTF-8, BOM removed;
UTF-16 detected; Latin-1 refused by name unless ``encoding=`` is given), zip members are
checked against :mod:`geoaccess.limits` by :mod:`geoaccess.archive`, and values against
the ``[timetable]`` bounds (latest stop time, shortest headway, trips per frequency row,
calendar span).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from geoaccess.errors import InputError
from geoaccess.limits import get_limits, limit_error
from geoaccess.transit import calendar as cal
from geoaccess.transit.timetable import (
    TRANSFER_TYPES,
    Timetable,
    TransferRules,
    Transfers,
    build_timetable,
    project_stops,
)
from geoaccess.transit.validation import ValidationReport

__all__ = ["parse_gtfs_time", "read_gtfs"]

REQUIRED = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
_COLUMNS = {
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                     "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "transfers.txt": ("from_stop_id", "to_stop_id"),
}
_TIME = r"^([0-9]{1,9}):([0-5][0-9]):([0-5][0-9])$"  # ASCII digits only (\d also matches "٣")
_UINT = r"^[0-9]{1,9}$"


class _Source:
    """Files of a GTFS feed in a zip (possibly inside one sub-folder) or a folder."""

    def __init__(self, path: Path, encoding: str | None) -> None:
        from geoaccess.archive import open_zip

        self.path = path
        self.encoding = encoding
        self.zip = None
        self.names: dict[str, str] = {}
        if path.is_dir():
            self.names = {p.name: str(p) for p in path.iterdir() if p.suffix == ".txt"}
        else:
            self.zip = open_zip(path, what="GTFS feed (a zip of .txt files)")
            self.names = {n.rsplit("/", 1)[-1]: n for n in self.zip.namelist() if n.endswith(".txt")}

    def has(self, name: str) -> bool:
        return name in self.names

    def read(self, name: str):  # -> pandas.DataFrame
        """The file as strings; the index is the line number minus 2 (the header is line 1)."""
        import pandas as pd

        from geoaccess.archive import open_member
        from geoaccess.textio import open_text

        if not self.has(name):
            return pd.DataFrame()
        label = f"{self.path}: {name}"
        raw = open_member(self.zip, self.names[name], archive=self.path) if self.zip is not None else None
        try:
            with open_text(raw if raw is not None else self.names[name], name=label, encoding=self.encoding) as (
                fh,
                _,
            ):
                df = pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[], skip_blank_lines=False)
        except pd.errors.EmptyDataError:
            if name in REQUIRED:
                msg = f"{label} is empty; a GTFS feed needs a header line ({', '.join(_COLUMNS[name])}, ...) and rows."
                raise InputError(msg) from None
            return pd.DataFrame()
        except pd.errors.ParserError as exc:
            msg = f"{label} is not a readable CSV file ({exc}). Check its quoting and the number of fields per line."
            raise InputError(msg) from None
        finally:
            if raw is not None:
                raw.close()
        df.columns = [str(c).strip() for c in df.columns]
        df = df.fillna("")
        blank = (df == "").all(axis=1) if len(df.columns) else np.zeros(len(df), bool)
        if blank.any():
            df = df.loc[~blank]
        need = _COLUMNS.get(name, ())
        missing = [c for c in need if c not in df.columns]
        if missing:
            msg = (
                f"{label} has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''} "
                f"(found: {', '.join(df.columns) or 'none'}); GTFS requires {', '.join(need)}."
            )
            raise InputError(msg)
        return df


def _strip(values: Any):  # -> pandas.Series of str
    import pandas as pd

    return pd.Series(values, dtype=object).astype(str).str.strip()


def parse_gtfs_time(values: Any) -> np.ndarray:
    """Parse GTFS times ``H:MM:SS`` / ``HH:MM:SS`` (hours may exceed 24) to seconds as float64.

    Blanks and anything that is not such a time (``inf:00:00``, ``-07:00:00``,
    ``1e3:00:00``, minutes or seconds of 60 or more, a fourth field) become NaN; the
    reader tells blanks (allowed between timed stops) from invalid values (refused).
    """
    s = _strip(values)
    parts = s.str.extract(_TIME)
    out = np.full(len(s), np.nan)
    ok = parts[0].notna().to_numpy()
    if ok.any():
        p = parts.loc[ok].astype(np.int64).to_numpy()
        out[ok] = p[:, 0] * 3600.0 + p[:, 1] * 60.0 + p[:, 2]
    return out


class _Rows:
    """Refuses bad rows: raises (strict) or counts them in the report (lenient)."""

    def __init__(self, path: Path, strict: bool, report: ValidationReport) -> None:
        self.path = path
        self.strict = strict
        self.report = report

    def refuse(
        self, file: str, bad: np.ndarray, values: Any, *, column: str, problem: str, hint: str, index: Any = None,
        what: str | None = None, ids: Any = None,
    ) -> np.ndarray:
        """Handle the rows ``bad`` (bool mask); return their positions.

        ``index`` gives each row's DataFrame index (line - 2); ``what``/``ids`` name the
        objects skipped in lenient mode (default: the rows themselves).
        """
        pos = np.flatnonzero(bad)
        if not len(pos):
            return pos
        vals = np.asarray(values, dtype=object)
        lines = (np.asarray(index) if index is not None else np.arange(len(vals))) + 2
        i = pos[0]
        where = f"{file} line {lines[i]}: {column} {str(vals[i])!r} {problem}"
        if self.strict:
            more = f" ({len(pos)} such rows in all)" if len(pos) > 1 else ""
            msg = f"{self.path}: {where}{more}. {hint} Or read the feed with strict=False to skip and count them."
            raise InputError(msg)
        if what is None:
            examples = [f"line {lines[j]} ({column}={str(vals[j])!r})" for j in pos[:5]]
            self.report.add(f"{file} row", f"{column} {problem}", count=len(pos), examples=examples)
        else:
            obj = np.asarray(ids, dtype=object)[pos].astype(str)
            uniq, first = np.unique(obj, return_index=True)
            order = np.argsort(first)[:5]
            examples = [f"{uniq[k]} (line {lines[pos[first[k]]]}: {column}={str(vals[pos[first[k]]])!r})"
                        for k in order]
            self.report.add(what, f"{file}: {column} {problem}", count=len(uniq), examples=examples)
        return pos


def _col(df, name: str, default: str = "") -> np.ndarray:
    if name in df.columns:
        return df[name].to_numpy(dtype=object)
    return np.full(len(df), default, dtype=object)


def _times(df, column: str, rows: _Rows, file: str, *, ids: Any = None, what: str | None = None,
           required: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Seconds of a time column (NaN for blanks, refused too when ``required``) and the mask of refused rows."""
    raw = _strip(_col(df, column))
    sec = parse_gtfs_time(raw)
    limit = get_limits().timetable.max_stop_time_s
    blank = (raw == "").to_numpy()
    if required:
        rows.refuse(file, blank, raw, column=column, index=df.index, what=what, ids=ids, problem="is empty",
                    hint="Give the time as H:MM:SS.")
    invalid = np.isnan(sec) & ~blank
    rows.refuse(file, invalid, raw, column=column, index=df.index, what=what, ids=ids,
                problem="is not a GTFS time H:MM:SS (hours >= 0, minutes and seconds 00-59)",
                hint="Write times such as 07:05:00 or 25:10:00.")
    over = sec > limit
    if over.any():
        rows.refuse(file, over, raw, column=column, index=df.index, what=what, ids=ids,
                    problem=f"is later than the limit [timetable] max_stop_time_hours = "
                            f"{get_limits().timetable.max_stop_time_hours:g}",
                    hint="Check the hours, or raise the limit (docs/robustness.md).")
    bad = invalid | over | (blank & required)
    sec[bad] = np.nan
    return sec, bad


def read_gtfs(
    path: str | os.PathLike[str],
    *,
    crs: str | None = None,
    strict: bool = True,
    footpaths: bool = True,
    encoding: str | None = None,
) -> Timetable:
    """Read a GTFS feed into a :class:`Timetable` covering all its service dates.

    Parameters
    ----------
    path
        GTFS zip file or folder.
    crs
        Projected CRS for stop x/y (default: EPSG:25833 in Norway, else the UTM zone).
    strict
        When true (default) a bad row (unreadable time or stop_sequence, times that go
        backwards along a trip, a negative or non-numeric transfer time, an unknown
        transfer type, an implausible headway) raises :class:`InputError` naming the
        file, line and value; when false such rows (or their trips) are skipped,
        counted in ``tt.report`` and summed up in a :class:`~geoaccess.errors.DataWarning`.
    footpaths
        Add straight-line footpaths between stops (see
        :func:`geoaccess.transit.footpaths.straight_line_footpaths`).
    encoding
        Text encoding of the ``.txt`` files when it is not UTF-8 (e.g. ``"cp1252"``);
        ``None`` applies the policy of :mod:`geoaccess.textio`.

    Raises
    ------
    InputError
        A required file or column is missing, a file is not text in a known encoding,
        or (``strict``) a bad row.
    LimitError
        A resource limit of :mod:`geoaccess.limits` is exceeded (zip member size or ratio,
        trips generated by one frequencies row, calendar span).
    """
    path = Path(path)
    if not path.exists():
        msg = f"GTFS feed {path} does not exist; give a GTFS zip file or folder."
        raise InputError(msg)
    src = _Source(path, encoding)
    try:
        return _read(src, path, crs=crs, strict=strict, footpaths=footpaths)
    finally:
        if src.zip is not None:
            src.zip.close()


def _read(src: _Source, path: Path, *, crs: str | None, strict: bool, footpaths: bool) -> Timetable:
    import pandas as pd

    missing = [f for f in REQUIRED if not src.has(f)]
    if missing or not (src.has("calendar.txt") or src.has("calendar_dates.txt")):
        extra = (
            [] if (src.has("calendar.txt") or src.has("calendar_dates.txt")) else ["calendar.txt or calendar_dates.txt"]
        )
        msg = f"{path} is not a complete GTFS feed: missing {', '.join(missing + extra)}. Found: {sorted(src.names)}."
        raise InputError(msg)
    report = ValidationReport(source=str(path))
    rows = _Rows(path, strict, report)

    # ---------------------------------------------------------------- stops
    stops = src.read("stops.txt")
    dup = stops["stop_id"].duplicated(keep="first")
    if dup.any():
        report.add_many("stop", "duplicate stop_id (first row kept)", stops.loc[dup, "stop_id"].tolist())
        stops = stops.loc[~dup]
    sid = stops["stop_id"].to_numpy(dtype=object)
    lat = pd.to_numeric(pd.Series(_col(stops, "stop_lat")), errors="coerce").to_numpy(dtype=float, copy=True)
    lon = pd.to_numeric(pd.Series(_col(stops, "stop_lon")), errors="coerce").to_numpy(dtype=float, copy=True)
    off_globe = np.isfinite(lat) & np.isfinite(lon) & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    report.add_many("stop", "stop_lat/stop_lon outside -90..90 / -180..180 (treated as no coordinates)",
                    [f"{sid[i]} ({lat[i]:g}, {lon[i]:g})" for i in np.flatnonzero(off_globe)], action="repaired")
    bad = ~(np.isfinite(lat) & np.isfinite(lon)) | ((lat == 0) & (lon == 0)) | off_globe
    lat[bad] = np.nan
    lon[bad] = np.nan
    index = {s: i for i, s in enumerate(sid)}
    parent = _col(stops, "parent_station")
    inherited = []
    for i in np.flatnonzero(bad):
        p = index.get(parent[i])
        if p is not None and np.isfinite(lat[p]):
            lat[i], lon[i] = lat[p], lon[p]
            inherited.append(sid[i])
    report.add_many("stop", "no coordinates; parent station's used", inherited, action="repaired")
    still = [str(sid[i]) for i in np.flatnonzero(~np.isfinite(lat))]
    report.add_many(
        "stop", "no coordinates (kept for riding through; no walking to or from it)", still, action="ignored"
    )
    x, y, crs_name = project_stops(lon, lat, crs=crs)

    # --------------------------------------------------------------- routes
    routes = src.read("routes.txt")
    route_ids = routes["route_id"].to_numpy(dtype=object)
    rt_raw = _strip(_col(routes, "route_type", "3"))
    rt_ok = rt_raw.str.fullmatch(r"[0-9]{1,4}").to_numpy(dtype=bool)
    report.add_many("route", "route_type missing or not a number (bus, 3, assumed)",
                    [f"{r} ({v!r})" for r, v in zip(route_ids[~rt_ok], rt_raw[~rt_ok], strict=True)],
                    action="repaired")
    rtype = np.where(rt_ok, pd.to_numeric(rt_raw.where(rt_ok, "3")).to_numpy(), 3).astype(int)
    rname = np.where(
        _col(routes, "route_short_name") != "", _col(routes, "route_short_name"), _col(routes, "route_long_name")
    )
    route_index = {r: i for i, r in enumerate(route_ids)}

    # ------------------------------------------------------------- calendar
    calendar, ccounts = cal.from_gtfs(
        src.read("calendar.txt").to_dict("records"),
        src.read("calendar_dates.txt").to_dict("records"),
        source=str(path),
    )
    report.add("calendar row", "unreadable date or exception type", count=ccounts["bad_rows"])
    service_index = {s: i for i, s in enumerate(calendar.service_id)}

    # ---------------------------------------------------------------- trips
    trips = src.read("trips.txt")
    t_route = np.array([route_index.get(r, -1) for r in trips["route_id"]], dtype=np.int64)
    t_serv = np.array([service_index.get(s, -1) for s in trips["service_id"]], dtype=np.int64)
    t_id = trips["trip_id"].to_numpy(dtype=object)
    report.add_many("trip", "route_id not in routes.txt", t_id[t_route < 0].tolist())
    report.add_many(
        "trip", "service_id not in calendar.txt/calendar_dates.txt", t_id[(t_serv < 0) & (t_route >= 0)].tolist()
    )
    dup_t = trips["trip_id"].duplicated(keep="first").to_numpy()
    report.add_many("trip", "duplicate trip_id (first row kept)", t_id[dup_t].tolist())
    keep = (t_route >= 0) & (t_serv >= 0) & ~dup_t
    t_id, t_route, t_serv = t_id[keep], t_route[keep], t_serv[keep]
    trip_index = {t: i for i, t in enumerate(t_id)}

    # ----------------------------------------------------------- stop_times
    st = src.read("stop_times.txt")
    if "arrival_time" not in st.columns and "departure_time" not in st.columns:
        msg = f"{path}: stop_times.txt has neither an arrival_time nor a departure_time column."
        raise InputError(msg)
    st_trip = np.array([trip_index.get(t, -1) for t in st["trip_id"]], dtype=np.int64)
    st_stop = np.array([index.get(s, -1) for s in st["stop_id"]], dtype=np.int64)
    trip_of_row = st["trip_id"].to_numpy(dtype=object)
    seq_raw = _strip(st["stop_sequence"])
    seq_bad = ~seq_raw.str.fullmatch(_UINT).to_numpy(dtype=bool)
    rows.refuse("stop_times.txt", seq_bad, seq_raw, column="stop_sequence", index=st.index, what="trip",
                ids=trip_of_row, problem="is not a non-negative whole number",
                hint="GTFS stop_sequence values are integers increasing along the trip.")
    seq = pd.to_numeric(seq_raw.where(~seq_bad, "0")).to_numpy(dtype=float)
    timed = {c: _times(st, c, rows, "stop_times.txt", ids=trip_of_row, what="trip")
             for c in ("arrival_time", "departure_time") if c in st.columns}
    arr, arr_bad = timed.get("arrival_time", timed.get("departure_time"))
    dep, dep_bad = timed.get("departure_time", timed.get("arrival_time"))
    arr, dep = arr.copy(), dep.copy()
    unknown_trip = st_trip < 0
    if unknown_trip.any():
        report.add(
            "stop_time",
            "trip_id not among the kept trips",
            count=int(unknown_trip.sum()),
            example=st["trip_id"].iloc[int(np.argmax(unknown_trip))],
        )
    refused_trips = np.unique(st_trip[(seq_bad | arr_bad | dep_bad) & ~unknown_trip])
    bad_stop_trips = np.unique(st_trip[(st_stop < 0) & ~unknown_trip])
    report.add_many("trip", "stop_times refer to a stop_id not in stops.txt", [str(t_id[t]) for t in bad_stop_trips])
    ok = ~unknown_trip & ~np.isin(st_trip, bad_stop_trips) & ~np.isin(st_trip, refused_trips)
    counted = [refused_trips, bad_stop_trips]  # trips skipped under their own cause (not "no usable stop_times")
    st_trip, st_stop, seq, arr, dep = st_trip[ok], st_stop[ok], seq[ok], arr[ok], dep[ok]
    o = np.lexsort((seq, st_trip))
    st_trip, st_stop, seq, arr, dep = st_trip[o], st_stop[o], seq[o], arr[o], dep[o]
    arr = np.where(np.isnan(arr), dep, arr)
    dep = np.where(np.isnan(dep), arr, dep)
    interpolated = np.isnan(arr)
    if np.isnan(arr).any():
        n_missing = int(np.isnan(arr).sum())
        df = pd.DataFrame({"trip": st_trip, "t": arr})
        filled = df.groupby("trip")["t"].transform(lambda s: s.interpolate(limit_area="inside")).to_numpy()
        arr = np.where(np.isnan(arr), filled, arr)
        dep = np.where(np.isnan(dep), filled, dep)
        report.add(
            "stop_time",
            "no time; interpolated by stop order between timed stops",
            action="repaired",
            count=n_missing - int(np.isnan(arr).sum()),
        )
        untimed = np.unique(st_trip[np.isnan(arr)])
        report.add_many("trip", "first or last stop without a time", [str(t_id[t]) for t in untimed])
        counted.append(untimed)
        keep2 = ~np.isin(st_trip, untimed)
        st_trip, st_stop, seq, arr, dep = st_trip[keep2], st_stop[keep2], seq[keep2], arr[keep2], dep[keep2]
        interpolated = interpolated[keep2]
    # times must not go backwards along a trip
    same = st_trip[1:] == st_trip[:-1]
    back = (dep < arr) | np.concatenate([[False], same & (arr[1:] < dep[:-1])])
    if back.any():
        first = np.flatnonzero(back & ~interpolated)  # name a row with times in the feed, not interpolated ones
        i = int(first[0]) if len(first) else int(np.flatnonzero(back)[0])
        bad_trips = np.unique(st_trip[back])
        if strict:
            prev = f", previous departure {dep[i - 1]:.0f} s" if i > 0 and st_trip[i - 1] == st_trip[i] else ""
            msg = (
                f"{path}: stop_times.txt is out of order for trip {t_id[st_trip[i]]!r} at stop_sequence {seq[i]:g} "
                f"(arrival {arr[i]:.0f} s, departure {dep[i]:.0f} s{prev}); {len(bad_trips)} trip(s) in all have times "
                f"that go backwards. Fix the feed, or read it with strict=False to skip those trips."
            )
            raise InputError(msg)
        report.add_many("trip", "stop times go backwards along the trip", [str(t_id[t]) for t in bad_trips])
        counted.append(bad_trips)
        keep3 = ~np.isin(st_trip, bad_trips)
        st_trip, st_stop, seq, arr, dep = st_trip[keep3], st_stop[keep3], seq[keep3], arr[keep3], dep[keep3]

    no_times = np.setdiff1d(np.arange(len(t_id)), np.concatenate([st_trip, *counted]))
    report.add_many("trip", "no usable stop_times", [str(t_id[t]) for t in no_times])

    # ---------------------------------------------------------- frequencies
    trip_ids, trip_route, trip_service = t_id, t_route, t_serv
    freq = src.read("frequencies.txt")
    if len(freq):
        st_trip, st_stop, arr, dep, trip_ids, trip_route, trip_service = _expand_frequencies(
            freq, rows, report, trip_index, t_id, t_route, t_serv, st_trip, st_stop, arr, dep, path
        )

    # ------------------------------------------------------------ transfers
    transfers = rules = None
    tr = src.read("transfers.txt")
    if len(tr):
        transfers, rules = _transfers(tr, rows, report, index)

    names = _col(stops, "stop_name")
    tt = build_timetable(
        stops={
            "stop_id": sid,
            "stop_name": names,
            "stop_lon": lon,
            "stop_lat": lat,
            "stop_x": x,
            "stop_y": y,
            "crs": crs_name,
        },
        route_id=route_ids,
        route_name=rname,
        route_type=rtype,
        trip_id=trip_ids,
        trip_route=trip_route,
        trip_service=trip_service,
        calendar=calendar,
        st_trip=st_trip,
        st_stop=st_stop,
        st_arr=np.round(arr).astype(np.int64),
        st_dep=np.round(dep).astype(np.int64),
        report=report,
        meta={"format": "GTFS", "source": str(path), "transfers": transfers, "transfer_rules": rules},
    )
    if footpaths:
        from geoaccess.transit.footpaths import straight_line_footpaths

        tt = straight_line_footpaths(tt)
    report.warn_if_skipped(stacklevel=3)
    return tt


def _expand_frequencies(freq, rows: _Rows, report, trip_index, t_id, t_route, t_serv, st_trip, st_stop, arr, dep,
                        path):
    """Expand frequency-based trips into one trip per departure, refusing implausible rows."""
    import pandas as pd

    lim = get_limits().timetable
    f_trip = np.array([trip_index.get(t, -1) for t in freq["trip_id"]], dtype=np.int64)
    f_start, bad_s = _times(freq, "start_time", rows, "frequencies.txt", required=True)
    f_end, bad_e = _times(freq, "end_time", rows, "frequencies.txt", required=True)
    head_raw = _strip(freq["headway_secs"])
    f_head = pd.to_numeric(head_raw, errors="coerce").to_numpy(dtype=float, copy=True)
    bad_h = ~np.isfinite(f_head)
    rows.refuse("frequencies.txt", bad_h, head_raw, column="headway_secs", index=freq.index,
                problem="is not a number of seconds", hint="Give the seconds between departures, e.g. 600.")
    short = np.isfinite(f_head) & (f_head < lim.min_headway_seconds)
    rows.refuse("frequencies.txt", short, head_raw, column="headway_secs", index=freq.index,
                problem=f"is below the limit [timetable] min_headway_seconds = {lim.min_headway_seconds:g}",
                hint="Give the seconds between departures, e.g. 600.")
    empty = np.isfinite(f_start) & np.isfinite(f_end) & (f_end <= f_start)
    rows.refuse("frequencies.txt", empty, _strip(freq["end_time"]), column="end_time", index=freq.index,
                problem="is not after start_time", hint="end_time must be later than start_time.")
    good = (f_trip >= 0) & ~(bad_s | bad_e | bad_h | short | empty)
    report.add("frequencies.txt row", "trip_id not among the kept trips", count=int(((f_trip < 0)).sum()))
    n_gen = np.zeros(len(freq), dtype=float)
    n_gen[good] = np.ceil((f_end[good] - f_start[good]) / f_head[good])
    over = np.flatnonzero(n_gen > lim.max_trips_per_frequency)
    if len(over):
        k = over[0]
        raise limit_error(
            f"{path}: frequencies.txt line {freq.index[k] + 2} (trip {freq['trip_id'].iloc[k]!r})",
            f"{n_gen[k]:,.0f} departures", key="timetable.max_trips_per_frequency",
            limit=lim.max_trips_per_frequency, unit="trips",
        )
    starts = np.searchsorted(st_trip, np.arange(len(t_id) + 1))
    templates = np.unique(f_trip[f_trip >= 0])  # a template's own times are relative: never kept as a trip
    orphans = np.setdiff1d(templates, f_trip[good])
    report.add_many("trip", "frequency-based trip whose frequencies.txt rows were all refused (no departures)",
                    [str(t_id[t]) for t in orphans])
    new_ids, new_route, new_serv = [], [], []
    parts_t, parts_s, parts_a, parts_d = [], [], [], []
    next_trip = len(t_id)
    for k in np.flatnonzero(good):
        t = f_trip[k]
        a, b = starts[t], starts[t + 1]
        if b - a < 2:
            continue
        t0 = dep[a]
        for first in np.arange(f_start[k], f_end[k], f_head[k]):
            shift = first - t0
            parts_t.append(np.full(b - a, next_trip))
            parts_s.append(st_stop[a:b])
            parts_a.append(arr[a:b] + shift)
            parts_d.append(dep[a:b] + shift)
            new_ids.append(f"{t_id[t]}@{int(first)}")
            new_route.append(t_route[t])
            new_serv.append(t_serv[t])
            next_trip += 1
    drop = np.isin(st_trip, templates)
    report.add(
        "trip", "frequency-based trip expanded into departures at its headway", action="repaired",
        count=len(templates) - len(orphans),
    )
    st_trip = np.concatenate([st_trip[~drop], *parts_t]).astype(np.int64)
    st_stop = np.concatenate([st_stop[~drop], *parts_s])
    arr = np.concatenate([arr[~drop], *parts_a])
    dep = np.concatenate([dep[~drop], *parts_d])
    trip_ids = np.concatenate([t_id, np.array(new_ids, dtype=object)])
    trip_route = np.concatenate([t_route, np.array(new_route, dtype=np.int64)])
    trip_service = np.concatenate([t_serv, np.array(new_serv, dtype=np.int64)])
    o = np.argsort(st_trip, kind="stable")
    return st_trip[o], st_stop[o], arr[o], dep[o], trip_ids, trip_route, trip_service


def _transfers(tr, rows: _Rows, report: ValidationReport, index: dict[str, int]) -> tuple[Transfers, TransferRules]:
    """Parse transfers.txt: refuse unknown types and negative or non-numeric times; keep every usable rule."""
    file = "transfers.txt"
    fi = np.array([index.get(s, -1) for s in tr["from_stop_id"]], dtype=np.int64)
    ti = np.array([index.get(s, -1) for s in tr["to_stop_id"]], dtype=np.int64)
    kind_raw = _strip(_col(tr, "transfer_type", "0"))
    digits = kind_raw.where(kind_raw != "", "0")
    is_digit = digits.str.fullmatch(r"[0-9]{1,2}").to_numpy(dtype=bool)
    kind = np.full(len(tr), -1, dtype=np.int64)
    kind[is_digit] = digits[is_digit].astype(np.int64).to_numpy()
    unknown_kind = ~np.isin(kind, list(TRANSFER_TYPES))
    allowed = ", ".join(f"{k} ({v})" for k, v in TRANSFER_TYPES.items())
    rows.refuse(file, unknown_kind, kind_raw, column="transfer_type", index=tr.index,
                problem="is not a GTFS transfer type", hint=f"Use one of {allowed}.")
    mins_raw = _strip(_col(tr, "min_transfer_time"))
    blank = (mins_raw == "").to_numpy()
    mins = np.full(len(tr), np.nan)
    nums = mins_raw.str.fullmatch(r"-?[0-9]{1,12}(\.[0-9]+)?").to_numpy(dtype=bool)
    mins[nums] = mins_raw[nums].astype(float).to_numpy()
    not_number = ~blank & ~nums
    rows.refuse(file, not_number, mins_raw, column="min_transfer_time", index=tr.index,
                problem="is not a number of seconds", hint="Give the minimum change time in whole seconds, e.g. 120.")
    negative = nums & (mins < 0)
    rows.refuse(file, negative, mins_raw, column="min_transfer_time", index=tr.index,
                problem="is negative (a change cannot end before it starts)",
                hint="Give the minimum change time in seconds >= 0.")
    needs_time = (kind == 2) & blank & ~unknown_kind
    rows.refuse(file, needs_time, mins_raw, column="min_transfer_time", index=tr.index,
                problem="is empty, but transfer_type 2 needs a minimum time",
                hint="Give the minimum change time in seconds, or use transfer_type 0.")
    refused = unknown_kind | not_number | negative | needs_time
    unknown_stop = ((fi < 0) | (ti < 0)) & ~refused
    report.add("transfer", "unknown stop id", count=int(unknown_stop.sum()))
    valid = ~refused & ~unknown_stop
    ids = {c: _col(tr, c) for c in ("from_route_id", "to_route_id", "from_trip_id", "to_trip_id")}
    special = np.zeros(len(tr), dtype=bool)
    for v in ids.values():
        special |= v != ""
    special |= np.isin(kind, (4, 5))
    report.add("transfer", "trip- or route-specific transfer or in-seat transfer (kept in meta['transfer_rules'], "
               "not used for footpaths)", action="ignored", count=int((special & valid).sum()))
    same = (fi == ti) & ~special & valid
    report.add("transfer", "minimum change time within one stop (kept in meta['transfer_rules'], not used for "
               "footpaths; transfers at a stop take 0 s)", action="ignored", count=int(same.sum()))
    use = valid & ~special & ~same
    transfers = Transfers(fi[use], ti[use], kind[use], mins[use])
    rules = TransferRules(
        from_stop=fi[valid], to_stop=ti[valid], transfer_type=kind[valid], min_transfer_s=mins[valid],
        from_route_id=ids["from_route_id"][valid], to_route_id=ids["to_route_id"][valid],
        from_trip_id=ids["from_trip_id"][valid], to_trip_id=ids["to_trip_id"][valid],
    )
    return transfers, rules
