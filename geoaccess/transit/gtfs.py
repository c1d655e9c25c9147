"""Read a GTFS feed (zip or folder) into a :class:`~geoaccess.transit.timetable.Timetable`.

Supported: ``stops``, ``routes``, ``trips``, ``stop_times`` (times past 24:00,
missing intermediate times interpolated by stop order), ``calendar`` and/or
``calendar_dates`` (feeds with only ``calendar_dates`` work), ``frequencies``
(expanded into trips) and ``transfers`` (minimum transfer times between stops).
Everything skipped is counted in ``tt.report``.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np

from geoaccess.errors import InputError
from geoaccess.transit import calendar as cal
from geoaccess.transit.timetable import Timetable, build_timetable, project_stops
from geoaccess.transit.validation import ValidationReport

__all__ = ["parse_gtfs_time", "read_gtfs"]

REQUIRED = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")


class _Source:
    """Files of a GTFS feed in a zip (possibly inside one sub-folder) or a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.names: dict[str, str] = {}
        if path.is_dir():
            self.names = {p.name: str(p) for p in path.iterdir() if p.suffix == ".txt"}
        else:
            try:
                self.zip = zipfile.ZipFile(path)
            except zipfile.BadZipFile as exc:
                msg = f"{path} is not a zip file nor a folder; a GTFS feed is a zip of .txt files."
                raise InputError(msg) from exc
            self.names = {n.rsplit("/", 1)[-1]: n for n in self.zip.namelist() if n.endswith(".txt")}

    def has(self, name: str) -> bool:
        return name in self.names

    def read(self, name: str):  # -> pandas.DataFrame
        import pandas as pd

        if not self.has(name):
            return pd.DataFrame()
        if self.zip is not None:
            raw = self.zip.read(self.names[name])
            buf: io.BytesIO | str = io.BytesIO(raw)
        else:
            buf = self.names[name]
        try:
            df = pd.read_csv(buf, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8-sig")
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
        df.columns = [c.strip() for c in df.columns]
        return df


def parse_gtfs_time(values) -> np.ndarray:
    """Parse ``H:MM:SS`` strings (hours may exceed 24) to seconds as float64; blanks become NaN."""
    import pandas as pd

    s = pd.Series(values, dtype=str).str.strip()
    parts = s.str.split(":", expand=True)
    out = np.full(len(s), np.nan)
    if parts.shape[1] >= 3:
        h = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float, copy=True)
        m = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float, copy=True)
        sec = pd.to_numeric(parts[2], errors="coerce").to_numpy(dtype=float, copy=True)
        out = h * 3600 + m * 60 + sec
    return out


def _col(df, name: str, default: str = "") -> np.ndarray:
    if name in df.columns:
        return df[name].to_numpy(dtype=object)
    return np.full(len(df), default, dtype=object)


def read_gtfs(
    path: str | os.PathLike[str],
    *,
    crs: str | None = None,
    strict: bool = True,
    footpaths: bool = True,
) -> Timetable:
    """Read a GTFS feed into a :class:`Timetable` covering all its service dates.

    Parameters
    ----------
    path
        GTFS zip file or folder.
    crs
        Projected CRS for stop x/y (default: EPSG:25833 in Norway, else the UTM zone).
    strict
        When true (default) stop_times whose times go backwards along a trip raise
        :class:`InputError` naming the trip; when false such trips are skipped and reported.
    footpaths
        Add straight-line footpaths between stops (see
        :func:`geoaccess.transit.footpaths.straight_line_footpaths`).

    Raises
    ------
    InputError
        A required file is missing, or (``strict``) stop times are out of order.
    """
    import pandas as pd

    path = Path(path)
    src = _Source(path)
    missing = [f for f in REQUIRED if not src.has(f)]
    if missing or not (src.has("calendar.txt") or src.has("calendar_dates.txt")):
        extra = (
            [] if (src.has("calendar.txt") or src.has("calendar_dates.txt")) else ["calendar.txt or calendar_dates.txt"]
        )
        msg = f"{path} is not a complete GTFS feed: missing {', '.join(missing + extra)}. Found: {sorted(src.names)}."
        raise InputError(msg)
    report = ValidationReport(source=str(path))

    # ---------------------------------------------------------------- stops
    stops = src.read("stops.txt")
    if "stop_id" not in stops.columns:
        msg = f"{path}: stops.txt has no stop_id column."
        raise InputError(msg)
    dup = stops["stop_id"].duplicated(keep="first")
    if dup.any():
        report.add_many("stop", "duplicate stop_id (first row kept)", stops.loc[dup, "stop_id"].tolist())
        stops = stops.loc[~dup].reset_index(drop=True)
    lat = pd.to_numeric(pd.Series(_col(stops, "stop_lat")), errors="coerce").to_numpy(dtype=float, copy=True)
    lon = pd.to_numeric(pd.Series(_col(stops, "stop_lon")), errors="coerce").to_numpy(dtype=float, copy=True)
    bad = ~(np.isfinite(lat) & np.isfinite(lon)) | ((lat == 0) & (lon == 0))
    lat[bad] = np.nan
    lon[bad] = np.nan
    sid = stops["stop_id"].to_numpy(dtype=object)
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
    route_ids = routes["route_id"].to_numpy(dtype=object) if "route_id" in routes.columns else np.zeros(0, object)
    rtype = pd.to_numeric(pd.Series(_col(routes, "route_type", "3")), errors="coerce").fillna(3).astype(int).to_numpy()
    rname = np.where(
        _col(routes, "route_short_name") != "", _col(routes, "route_short_name"), _col(routes, "route_long_name")
    )
    route_index = {r: i for i, r in enumerate(route_ids)}

    # ------------------------------------------------------------- calendar
    calendar, ccounts = cal.from_gtfs(
        src.read("calendar.txt").to_dict("records"), src.read("calendar_dates.txt").to_dict("records")
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
    st_trip = np.array([trip_index.get(t, -1) for t in st["trip_id"]], dtype=np.int64)
    st_stop = np.array([index.get(s, -1) for s in st["stop_id"]], dtype=np.int64)
    seq = pd.to_numeric(st["stop_sequence"], errors="coerce").to_numpy(dtype=float, copy=True)
    arr = parse_gtfs_time(st["arrival_time"])
    dep = parse_gtfs_time(st["departure_time"])
    unknown_trip = st_trip < 0
    if unknown_trip.any():
        report.add(
            "stop_time",
            "trip_id not among the kept trips",
            count=int(unknown_trip.sum()),
            example=st["trip_id"].iloc[int(np.argmax(unknown_trip))],
        )
    bad_stop_trips = np.unique(st_trip[(st_stop < 0) & ~unknown_trip])
    report.add_many("trip", "stop_times refer to a stop_id not in stops.txt", [str(t_id[t]) for t in bad_stop_trips])
    ok = ~unknown_trip & ~np.isin(st_trip, bad_stop_trips) & np.isfinite(seq)
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
        keep3 = ~np.isin(st_trip, bad_trips)
        st_trip, st_stop, seq, arr, dep = st_trip[keep3], st_stop[keep3], seq[keep3], arr[keep3], dep[keep3]

    no_times = np.setdiff1d(np.arange(len(t_id)), st_trip)
    report.add_many("trip", "no usable stop_times", [str(t_id[t]) for t in no_times])

    # ---------------------------------------------------------- frequencies
    freq = src.read("frequencies.txt")
    trip_service = t_serv
    trip_route = t_route
    trip_ids = t_id
    if len(freq):
        f_trip = np.array([trip_index.get(t, -1) for t in freq["trip_id"]], dtype=np.int64)
        f_start = parse_gtfs_time(freq["start_time"])
        f_end = parse_gtfs_time(freq["end_time"])
        f_head = pd.to_numeric(freq["headway_secs"], errors="coerce").to_numpy(dtype=float, copy=True)
        good = (f_trip >= 0) & np.isfinite(f_start) & np.isfinite(f_end) & (f_head > 0)
        report.add("frequency", "unknown trip_id or unreadable times/headway", count=int((~good).sum()))
        starts = np.searchsorted(st_trip, np.arange(len(t_id) + 1))
        templates = np.unique(f_trip[good])
        new_ids, new_route, new_serv = [], [], []
        parts_t, parts_s, parts_a, parts_d = [], [], [], []
        next_trip = len(t_id)
        for k in np.flatnonzero(good):
            t = f_trip[k]
            a, b = starts[t], starts[t + 1]
            if b - a < 2:
                continue
            t0 = dep[a]
            for j, first in enumerate(np.arange(f_start[k], f_end[k], f_head[k])):
                shift = first - t0
                parts_t.append(np.full(b - a, next_trip))
                parts_s.append(st_stop[a:b])
                parts_a.append(arr[a:b] + shift)
                parts_d.append(dep[a:b] + shift)
                new_ids.append(f"{t_id[t]}@{int(first)}")
                new_route.append(t_route[t])
                new_serv.append(t_serv[t])
                next_trip += 1
                del j
        drop = np.isin(st_trip, templates)
        report.add(
            "trip",
            "frequency-based trip expanded into departures at its headway",
            action="repaired",
            count=len(templates),
        )
        st_trip = np.concatenate([st_trip[~drop], *parts_t]).astype(np.int64)
        st_stop = np.concatenate([st_stop[~drop], *parts_s])
        arr = np.concatenate([arr[~drop], *parts_a])
        dep = np.concatenate([dep[~drop], *parts_d])
        trip_ids = np.concatenate([t_id, np.array(new_ids, dtype=object)])
        trip_route = np.concatenate([t_route, np.array(new_route, dtype=np.int64)])
        trip_service = np.concatenate([t_serv, np.array(new_serv, dtype=np.int64)])
        o = np.argsort(st_trip, kind="stable")
        st_trip, st_stop, arr, dep = st_trip[o], st_stop[o], arr[o], dep[o]

    # ------------------------------------------------------------ transfers
    transfers = None
    tr = src.read("transfers.txt")
    if len(tr) and {"from_stop_id", "to_stop_id"} <= set(tr.columns):
        fi = np.array([index.get(s, -1) for s in tr["from_stop_id"]], dtype=np.int64)
        ti = np.array([index.get(s, -1) for s in tr["to_stop_id"]], dtype=np.int64)
        kind = (
            pd.to_numeric(pd.Series(_col(tr, "transfer_type", "0")).replace("", "0"), errors="coerce")
            .fillna(0)
            .astype(int)
            .to_numpy()
        )
        mins = pd.to_numeric(pd.Series(_col(tr, "min_transfer_time")), errors="coerce").to_numpy(dtype=float, copy=True)
        special = (
            (_col(tr, "from_trip_id") != "")
            | (_col(tr, "to_trip_id") != "")
            | (_col(tr, "from_route_id") != "")
            | (_col(tr, "to_route_id") != "")
        )
        report.add(
            "transfer", "trip- or route-specific transfer (not modelled)", action="ignored", count=int(special.sum())
        )
        same = (fi == ti) & ~special
        report.add(
            "transfer",
            "minimum change time within one stop (not modelled; transfers at a stop take 0 s)",
            action="ignored",
            count=int(same.sum()),
        )
        report.add("transfer", "unknown stop id", count=int(((fi < 0) | (ti < 0)).sum()))
        use = (fi >= 0) & (ti >= 0) & ~special & ~same
        transfers = (fi[use], ti[use], kind[use], mins[use])

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
        meta={"format": "GTFS", "source": str(path), "transfers": transfers},
    )
    if footpaths:
        from geoaccess.transit.footpaths import straight_line_footpaths

        tt = straight_line_footpaths(tt)
    return tt
