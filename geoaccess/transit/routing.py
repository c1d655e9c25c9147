"""RAPTOR earliest-arrival routing and range-RAPTOR over a departure window.

Round-based public-transit routing (Delling, Pajor & Werneck 2012): round ``k`` finds
the earliest arrival at every stop using at most ``k`` vehicles, scanning each route
pattern once per round, then relaxing one footpath from every stop improved by a
vehicle. Range-RAPTOR runs the departures of a window from the latest to the earliest
and keeps the per-round labels, so each departure only re-explores what improved
(the scheme R5 uses); travel-time percentiles over the window (5th/50th/95th) follow
R5's reporting.

Times are seconds after midnight of the timetable's date (see
:meth:`~geoaccess.transit.timetable.Timetable.for_date`); unreachable is ``inf`` in the
kernels and NaN in tables.

**Minimum change times** (:func:`change_times`). Changing vehicles *at one stop* takes at least
``change_s[s]`` seconds: a trip departing ``s`` can be boarded after a vehicle arrival at ``a``
only if it departs at or after ``a + change_s[s]`` (``inf``: no change possible there). Walking to
another stop takes the footpath's time, which is the change time between the two stops (GTFS
``transfers.txt`` type 2 sets it, type 3 removes the footpath: :mod:`geoaccess.transit.footpaths`);
the first boarding at the origin and boarding after a walk take no extra time, and staying on
board is free. The kernels keep, per round, the earliest arrival by vehicle and the earliest
arrival on foot separately, so the rule is applied exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network
    from geoaccess.transit.timetable import Timetable

__all__ = ["RangeResult", "change_times", "earliest_arrival_table", "parse_window", "range_raptor", "raptor",
           "transit_matrix"]

INF = np.inf


def _raptor_arrays(tt: Timetable, *, max_walk_s: float, mct: np.ndarray) -> Any:
    """The timetable's arrays for the RAPTOR kernels (:class:`~geoaccess.transit._routing_kernels.RaptorArrays`).

    ``max_walk_s`` is the longest footpath walked (seconds); ``mct`` the minimum change time per stop
    (seconds, :func:`change_times`).
    """
    from geoaccess.transit._routing_kernels import RaptorArrays

    return RaptorArrays(
        tt.pattern_stop_ptr, tt.pattern_stops, tt.pattern_trip_ptr, tt.trip_time_ptr,
        tt.arr.astype(np.float64), tt.dep.astype(np.float64),
        tt.stop_pattern_ptr, tt.stop_pattern, tt.stop_pattern_pos,
        tt.fp_ptr, tt.fp_stop, tt.fp_seconds,
        float(max_walk_s), np.ascontiguousarray(mct, dtype=np.float64),
    )


DEFAULT_CHANGE_S = 0.0
"""Default minimum change time at a stop, seconds, where neither the feed nor the user sets one."""


def change_times(
    tt: Timetable,
    *,
    default_s: float = DEFAULT_CHANGE_S,
    per_stop: Mapping[str, float] | None = None,
    use_feed: bool = True,
) -> np.ndarray:
    """Minimum time in seconds to change vehicles at each stop (``inf``: changing there is not possible).

    In order, later ones winning:

    1. ``default_s`` everywhere;
    2. the feed's rules within one stop without route or trip ids (GTFS ``transfers.txt`` rows with
       ``from_stop_id == to_stop_id``, :class:`~geoaccess.transit.timetable.TransferRules`): type 0
       (recommended transfer point) keeps the default, type 1 (timed: the departing vehicle waits)
       0 s, type 2 its ``min_transfer_time``, type 3 (not possible) ``inf``;
    3. ``per_stop``: seconds by stop id, given by the user.

    Rows naming routes or trips, and in-seat types 4-5, are not applied (counted in the feed's
    report). Rules between different stops act on the footpaths (:mod:`geoaccess.transit.footpaths`).

    Raises
    ------
    InputError
        A negative or non-finite default, a negative ``per_stop`` value, or an unknown stop id.
    """
    if not (np.isfinite(default_s) and default_s >= 0):
        msg = f"The default minimum change time must be a number of seconds >= 0, got {default_s!r}."
        raise InputError(msg)
    out = np.full(tt.n_stops, float(default_s))
    rules = tt.meta.get("transfer_rules") if use_feed else None
    if rules is not None and len(rules.from_stop):
        plain = ((rules.from_stop == rules.to_stop) & (rules.from_route_id == "") & (rules.to_route_id == "")
                 & (rules.from_trip_id == "") & (rules.to_trip_id == ""))
        for s, kind, m in zip(rules.from_stop[plain], rules.transfer_type[plain], rules.min_transfer_s[plain],
                              strict=True):
            if kind == 1:
                out[s] = 0.0
            elif kind == 2:
                out[s] = float(m)
            elif kind == 3:
                out[s] = np.inf
    if per_stop:
        bad = {k: v for k, v in per_stop.items() if not (isinstance(v, (int, float)) and v >= 0)}
        if bad:
            msg = f"Minimum change times must be seconds >= 0 (inf: no change); got {bad}."
            raise InputError(msg)
        idx = tt.stop_index(list(per_stop))
        out[idx] = np.asarray(list(per_stop.values()), dtype=np.float64)
    return out


def _mct(tt: Timetable, change_s: Any) -> np.ndarray:
    if change_s is None:
        return change_times(tt)
    if np.isscalar(change_s):
        return change_times(tt, default_s=float(change_s))
    arr = np.asarray(change_s, dtype=np.float64)
    if arr.shape != (tt.n_stops,) or np.isnan(arr).any() or (arr < 0).any():
        msg = f"change_s must be one number or {tt.n_stops} seconds >= 0 (one per stop); got shape {arr.shape}."
        raise InputError(msg)
    return np.ascontiguousarray(arr)


def _check_dated(tt: Timetable) -> None:
    if tt.date is None:
        msg = "Routing needs a timetable for one date: call tt.for_date('YYYY-MM-DD') first."
        raise InputError(msg)


def _origins(tt: Timetable, origin_stops: Any, origin_offsets_s: Any) -> tuple[np.ndarray, np.ndarray]:
    stops = np.atleast_1d(np.asarray(origin_stops))
    if stops.dtype.kind in "OUS":
        stops = tt.stop_index(stops)
    stops = stops.astype(np.int64)
    offs = (
        np.zeros(len(stops))
        if origin_offsets_s is None
        else np.atleast_1d(np.asarray(origin_offsets_s, dtype=np.float64))
    )
    if len(offs) != len(stops):
        msg = f"origin_offsets_s has {len(offs)} values for {len(stops)} origin stops."
        raise InputError(msg)
    if len(stops) and (stops.min() < 0 or stops.max() >= tt.n_stops):
        msg = f"Origin stop index out of range 0..{tt.n_stops - 1}."
        raise InputError(msg)
    return stops, offs


def raptor(
    tt: Timetable,
    origin_stops: Any,
    origin_offsets_s: Any = None,
    departure_s: float = 8 * 3600,
    *,
    max_transfers: int = 5,
    max_walk_s: float = np.inf,
    rounds: bool = False,
    change_s: Any = None,
) -> np.ndarray:
    """Earliest arrival at every stop leaving the origin stops at ``departure_s``.

    Parameters
    ----------
    tt
        A timetable for one date (:meth:`Timetable.for_date`).
    origin_stops
        Stop indices or stop ids where the journey starts.
    origin_offsets_s
        Seconds needed to reach each origin stop (e.g. the access walk); default 0.
    departure_s
        Departure time in seconds after midnight.
    max_transfers
        Largest number of transfers (vehicles minus one).
    max_walk_s
        Longest single footpath used for a transfer, in seconds.
    rounds
        Return the labels per round, shape (max_transfers + 2, n_stops), instead of the best.
    change_s
        Minimum change time in seconds at each stop (an array, :func:`change_times`), one number for
        every stop, or ``None``: the feed's own rules (:func:`change_times` with its defaults).

    Returns
    -------
    numpy.ndarray of float64, shape (n_stops,)
        Arrival time in seconds after midnight; ``inf`` where unreachable.
    """
    from geoaccess.transit._routing_kernels import _rounds

    _check_dated(tt)
    stops, offs = _origins(tt, origin_stops, origin_offsets_s)
    k = int(max_transfers) + 1
    tau = np.full((k + 1, tt.n_stops), np.inf)
    tv = np.full((k + 1, tt.n_stops), np.inf)
    tf = np.full((k + 1, tt.n_stops), np.inf)
    marked = np.zeros(tt.n_stops, dtype=np.bool_)
    for s, o in zip(stops, offs, strict=True):
        t = departure_s + o
        if t < tau[0, s]:
            tau[0, s] = t
            marked[s] = True
    q_pos = np.full(tt.n_patterns, -1, dtype=np.int64)
    _rounds(_raptor_arrays(tt, max_walk_s=max_walk_s, mct=_mct(tt, change_s)), tau, tv, tf, marked, q_pos)
    if rounds:
        return np.minimum.accumulate(tau, axis=0)
    return tau.min(axis=0)


def parse_window(window: tuple[float, float] | str) -> tuple[float, float]:
    """Departure window in seconds from ``(t0_s, t1_s)`` or a string ``"07:00-08:00"``."""
    if isinstance(window, str):
        try:
            a, b = window.split("-")
            t = [int(p.split(":")[0]) * 3600 + int(p.split(":")[1]) * 60 for p in (a.strip(), b.strip())]
        except (ValueError, IndexError) as exc:
            msg = f"Cannot read the departure window {window!r}; write it as HH:MM-HH:MM, e.g. 07:00-08:00."
            raise InputError(msg) from exc
        t0, t1 = float(t[0]), float(t[1])
    else:
        t0, t1 = float(window[0]), float(window[1])
    if not t1 >= t0:
        msg = f"The departure window ends ({t1:.0f} s) before it starts ({t0:.0f} s)."
        raise InputError(msg)
    return t0, t1


def _departures(window: tuple[float, float] | str, step_s: float) -> np.ndarray:
    t0, t1 = parse_window(window)
    if not step_s > 0:
        msg = f"step_s must be positive, got {step_s}."
        raise InputError(msg)
    return np.arange(t0, t1 + 0.5 * step_s, step_s)[::-1].copy()


@dataclass
class RangeResult:
    """Travel times over a departure window.

    Attributes
    ----------
    departures_s : numpy.ndarray, shape (n_departures,)
        Departure times in seconds after midnight, ascending.
    travel_s : numpy.ndarray, shape (n_departures, n_targets)
        Travel time in seconds (including access walking and waiting at the origin); inf unreachable.
    percentiles : tuple of float
        Percentiles reported.
    pct_s : numpy.ndarray, shape (n_percentiles, n_targets)
        Nearest-rank percentiles of ``travel_s`` over the window; inf unreachable.
    meta : dict
        Footpath kind, maximum transfers, window.
    """

    departures_s: np.ndarray
    travel_s: np.ndarray
    percentiles: tuple[float, ...]
    pct_s: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)


def range_raptor(
    tt: Timetable,
    origin_stops: Any,
    origin_offsets_s: Any = None,
    *,
    window: tuple[float, float] | str = (7 * 3600, 8 * 3600),
    step_s: float = 60.0,
    max_transfers: int = 5,
    max_walk_s: float = np.inf,
    percentiles: tuple[float, ...] = (5, 50, 95),
    change_s: Any = None,
) -> RangeResult:
    """Travel time to every stop for each departure of a window (range-RAPTOR), with percentiles.

    Parameters
    ----------
    window
        ``(first, last)`` departure in seconds after midnight, or ``"07:00-08:00"``; both ends included.
    step_s
        Departure every ``step_s`` seconds (default one minute).
    percentiles
        Percentiles of travel time over the window (nearest rank, as R5 reports them).
    change_s
        Minimum change times (see :func:`raptor`).
    """
    from geoaccess.transit._routing_kernels import _range_one

    _check_dated(tt)
    stops, offs = _origins(tt, origin_stops, origin_offsets_s)
    deps = _departures(window, step_s)
    n = tt.n_stops
    ident = np.arange(n + 1, dtype=np.int64)
    travel = _range_one(
        _raptor_arrays(tt, max_walk_s=max_walk_s, mct=_mct(tt, change_s)),
        stops,
        offs,
        deps,
        int(max_transfers) + 1,
        ident,
        np.arange(n, dtype=np.int64),
        np.zeros(n),
        n,
        np.zeros(0, np.int64),
        np.zeros(0),
    )[::-1]
    srt = np.sort(travel, axis=0)
    pct = np.array([srt[min(max(int(np.ceil(p / 100 * len(deps))) - 1, 0), len(deps) - 1)] for p in percentiles])
    return RangeResult(
        departures_s=deps[::-1].copy(),
        travel_s=travel,
        percentiles=tuple(percentiles),
        pct_s=pct,
        meta={"footpaths": tt.footpath_kind, "max_transfers": max_transfers, "date": str(tt.date)},
    )


def _xy(gdf: gpd.GeoDataFrame, crs: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    from geoaccess.crs import resolve_crs

    resolve_crs(gdf.crs, what=what)
    g = gdf.to_crs(crs).geometry
    if not (g.geom_type == "Point").all():
        g = g.centroid
    return g.x.to_numpy(dtype=float), g.y.to_numpy(dtype=float)


def transit_matrix(
    tt: Timetable,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame | None = None,
    *,
    date: str | None = None,
    window: tuple[float, float] | str = "07:00-08:00",
    step_s: float = 60.0,
    percentiles: tuple[float, ...] = (5, 50, 95),
    max_walk_minutes: float = 10.0,
    walk_speed_kmh: float = 5.0,
    max_transfers: int = 5,
    walk_network: Network | None = None,
    progress: bool = False,
    chunk: int = 64,
    change_s: Any = None,
) -> dict[str, Any]:
    """Walk + transit travel-time matrix (minutes) with percentiles over a departure window.

    Origins walk to stops within ``max_walk_minutes``, ride (with transfers along the
    timetable's footpaths) and walk from stops to destinations within the same bound;
    walking all the way is used when it is faster. Polygons are represented by their centroid.

    Parameters
    ----------
    tt
        Timetable (all dates, then ``date`` is required; or already for one date).
    origins, destinations
        GeoDataFrames with a CRS; destinations default to the stops themselves.
    window
        Departure window, e.g. ``"07:00-08:00"``, departures every ``step_s`` seconds.
    walk_network
        Walk network for access/egress; default straight line x1.3 at ``walk_speed_kmh``.
    change_s
        Minimum change times (see :func:`raptor`).

    Returns
    -------
    dict
        ``minutes``: float array (n_percentiles, n_origins, n_destinations) of travel
        minutes, NaN unreachable; ``percentiles``; ``access``: how walking was computed;
        ``footpaths``: the timetable's footpath kind; ``date``; ``window``.
    """
    from geoaccess.transit._routing_kernels import _matrix
    from geoaccess.transit.footpaths import walk_links

    if tt.date is None:
        if date is None:
            msg = "transit_matrix needs a date (YYYY-MM-DD) for a timetable that covers several dates."
            raise InputError(msg)
        tt = tt.for_date(date)
    max_walk_s = float(max_walk_minutes) * 60.0
    ox, oy = _xy(origins, tt.crs, "origins")
    acc_ptr, acc_stop, acc_sec, kind = walk_links(
        ox, oy, tt, max_walk_s=max_walk_s, walk_speed_kmh=walk_speed_kmh, net=walk_network
    )
    if destinations is None:
        n_dest = tt.n_stops
        egr_ptr = np.arange(n_dest + 1, dtype=np.int64)
        egr_dest = np.arange(n_dest, dtype=np.int64)
        egr_sec = np.zeros(n_dest)
        dx, dy = tt.stop_x, tt.stop_y
    else:
        dx, dy = _xy(destinations, tt.crs, "destinations")
        n_dest = len(dx)
        d_ptr, d_stop, d_sec, _ = walk_links(
            dx, dy, tt, max_walk_s=max_walk_s, walk_speed_kmh=walk_speed_kmh, net=walk_network
        )
        # invert destination -> stop into stop -> destination
        d_of = np.repeat(np.arange(n_dest), np.diff(d_ptr))
        o = np.lexsort((d_of, d_stop))
        egr_dest, egr_sec = d_of[o].astype(np.int64), d_sec[o]
        egr_ptr = np.zeros(tt.n_stops + 1, dtype=np.int64)
        egr_ptr[1:] = np.cumsum(np.bincount(d_stop, minlength=tt.n_stops))
    # direct walking origin -> destination (straight line, or network-free fallback)
    from scipy.spatial import cKDTree

    from geoaccess.transit.footpaths import DETOUR_FACTOR

    v = walk_speed_kmh / 3.6
    okd = np.flatnonzero(np.isfinite(dx))
    tree = cKDTree(np.column_stack([dx[okd], dy[okd]]))
    lists = tree.query_ball_point(np.column_stack([ox, oy]), r=max_walk_s * v / DETOUR_FACTOR)
    cnt = np.array([len(a) for a in lists], dtype=np.int64)
    dir_ptr = np.zeros(len(ox) + 1, dtype=np.int64)
    dir_ptr[1:] = np.cumsum(cnt)
    dir_dest = (
        okd[np.concatenate([np.asarray(a, dtype=np.int64) for a in lists])] if cnt.sum() else np.zeros(0, np.int64)
    )
    po = np.repeat(np.arange(len(ox)), cnt)
    dir_sec = np.hypot(ox[po] - dx[dir_dest], oy[po] - dy[dir_dest]) * DETOUR_FACTOR / v
    deps = _departures(window, step_s)
    pcts = np.asarray(percentiles, dtype=np.float64)
    arrays = _raptor_arrays(tt, max_walk_s=np.inf, mct=_mct(tt, change_s))
    res = np.empty((len(pcts), len(ox), n_dest))
    n_o = len(ox)
    bar = None
    if progress:
        from rich.progress import Progress

        bar = Progress()
        bar.start()
        task = bar.add_task("transit matrix", total=n_o)
    try:
        for c0 in range(0, n_o, chunk):
            c1 = min(c0 + chunk, n_o)
            a_lo, a_hi = acc_ptr[c0], acc_ptr[c1]
            d_lo, d_hi = dir_ptr[c0], dir_ptr[c1]
            part = _matrix(
                arrays,
                acc_ptr[c0 : c1 + 1] - a_lo,
                acc_stop[a_lo:a_hi],
                acc_sec[a_lo:a_hi],
                deps,
                int(max_transfers) + 1,
                egr_ptr,
                egr_dest,
                egr_sec,
                n_dest,
                dir_ptr[c0 : c1 + 1] - d_lo,
                dir_dest[d_lo:d_hi],
                dir_sec[d_lo:d_hi],
                pcts,
            )
            res[:, c0:c1, :] = np.transpose(part, (1, 0, 2))
            if bar is not None:
                bar.update(task, advance=c1 - c0)
    finally:
        if bar is not None:
            bar.stop()
    minutes = res / 60.0
    minutes[~np.isfinite(minutes)] = np.nan
    return {
        "minutes": minutes,
        "percentiles": tuple(percentiles),
        "access": kind,
        "footpaths": tt.footpath_kind,
        "date": str(tt.date),
        "window": tuple(parse_window(window)),
        "step_s": step_s,
        "max_walk_minutes": max_walk_minutes,
        "max_transfers": max_transfers,
        "change_seconds_median": float(np.median(arrays.mct[np.isfinite(arrays.mct)])) if np.isfinite(arrays.mct).any() else None,
    }


def matrix_frame(result: dict[str, Any], *, percentile: float = 50) -> pd.DataFrame:
    """Long table ``origin, destination, minutes`` for one percentile of a :func:`transit_matrix` result."""
    import pandas as pd

    q = list(result["percentiles"]).index(percentile)
    m = result["minutes"][q]
    o, d = np.nonzero(np.isfinite(m))
    return pd.DataFrame({"origin": o, "destination": d, "minutes": m[o, d]})


def _ids(gdf: gpd.GeoDataFrame, column: str | None, what: str) -> np.ndarray:
    ids = gdf.index.to_numpy() if column is None else gdf[column].to_numpy()
    if len(set(ids.tolist())) != len(ids):
        msg = f"The {what} ids ({column or 'index'}) are not unique; give a column of unique ids."
        raise InputError(msg)
    return ids


def transit_travel_time_matrix(
    tt: Timetable,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame | None = None,
    *,
    date: str | None = None,
    window: tuple[float, float] | str = "07:00-08:00",
    percentile: float = 50,
    origin_id: str | None = None,
    destination_id: str | None = None,
    cutoff_minutes: float | None = None,
    output: str = "table",
    max_walk_minutes: float = 10.0,
    walk_speed_kmh: float = 5.0,
    max_transfers: int = 5,
    walk_network: Network | None = None,
    progress: bool = False,
) -> Any:
    """Walk + transit travel times with the same output as the road engine's ``travel_time_matrix``.

    One percentile (default the median) of travel time over the departure window.
    ``output="table"`` gives a tidy frame ``origin_id, destination_id, minutes`` (NaN =
    unreachable); ``output="array"`` a :class:`geoaccess.engine.matrix.TravelTimes` in
    seconds with ``inf``, which the accessibility measures accept unchanged.
    """
    from geoaccess.engine.matrix import TravelTimes

    if output not in ("table", "array"):
        msg = f"output must be 'table' or 'array', got {output!r}."
        raise InputError(msg)
    dest = origins if destinations is None else destinations
    res = transit_matrix(
        tt, origins, dest, date=date, window=window, percentiles=(float(percentile),),
        max_walk_minutes=max_walk_minutes, walk_speed_kmh=walk_speed_kmh, max_transfers=max_transfers,
        walk_network=walk_network, progress=progress,
    )  # fmt: skip
    seconds = res["minutes"][0] * 60.0
    seconds[~np.isfinite(seconds)] = np.inf
    if cutoff_minutes is not None:
        seconds[seconds > float(cutoff_minutes) * 60.0] = np.inf
    out = TravelTimes(
        seconds=seconds,
        origin_ids=_ids(origins, origin_id, "origin"),
        destination_ids=_ids(dest, destination_id if destinations is not None else origin_id, "destination"),
    )
    return out if output == "array" else out.to_table()


def earliest_arrival_table(tt: Timetable, origin_stop: str, departure_s: float, *, max_transfers: int = 8,
                           change_s: Any = None) -> pd.DataFrame:
    """One row per stop reached from ``origin_stop`` leaving at ``departure_s``: the check table of the CLI.

    Columns ``stop_id``, ``stop_name``, ``arrival`` (seconds after midnight of the date), ``arrival_hms``
    (HH:MM:SS, past 24:00 for trips running past midnight); sorted by arrival. The origin stop is
    included (arrival = departure).
    """
    import pandas as pd

    arr = raptor(tt, [origin_stop], None, departure_s, max_transfers=max_transfers, change_s=change_s)
    ok = np.flatnonzero(np.isfinite(arr))
    sec = np.round(arr[ok]).astype(np.int64)
    hms = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in sec.tolist()]
    out = pd.DataFrame({"stop_id": tt.stop_id[ok], "stop_name": tt.stop_name[ok], "arrival": arr[ok],
                        "arrival_hms": hms})
    return out.sort_values(["arrival", "stop_id"], kind="stable").reset_index(drop=True)
