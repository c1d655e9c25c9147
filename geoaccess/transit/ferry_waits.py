"""Ferry waits from timetables: the boarding wait of each ferry crossing from its departures in a feed.

A road network times a ferry crossing as crossing time plus a boarding wait, one configured
figure everywhere (``[ferry] wait_minutes``, 15 minutes by default). Where a GTFS or NeTEx feed
runs the ferry, :func:`ferry_waits_from_timetable` replaces that figure crossing by crossing:

* **crossings** (:func:`ferry_crossings`): a directed ferry edge whose tail is a *quay* (a node
  with a road edge, or the end of a ferry line without roads, e.g. a shore outside the extract) starts one; it runs along ferry edges to the next quay. The configured wait
  sits on that first edge (the OSM reader, N1000 and NVDB put it there).
* **feed ferries**: stops served by ferry route patterns (GTFS ``route_type`` 4, extended
  1000-1299 water transport and ferries, NeTEx ``water``/``ferry`` modes read as those types).
  A crossing is matched to the feed when a ferry stop lies within ``max_stop_m`` of each quay and
  a ferry trip calls at the start quay's stop and later at the end quay's stop.
* **wait**: with a departure window, half the mean headway, ``window / departures / 2`` (the
  expected wait of a driver arriving at a random time); with ``at=HH:MM``, the wait from that
  clock time at the quay to the next departure. No matched stop, or no departure: the network's
  configured wait stays, and the report says why.

The result is a new :class:`~geoaccess.network.graph.Network` (nodes and edges unchanged, only
the boarding edges' seconds) and a table with one row per crossing saying which wait was used
and why, the matched stops and their distances to the quays (metres). A feed whose ferry stops
lie farther than ``max_stop_m`` from every quay is reported with the distance
(:class:`~geoaccess.errors.DataWarning`), never silently ignored.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import DataWarning, InputError
from geoaccess.network.graph import EdgeFlag

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.network.graph import Network
    from geoaccess.transit.timetable import Timetable

__all__ = ["FERRY_ROUTE_TYPES", "ferry_crossings", "ferry_stops", "ferry_waits_from_timetable"]

FERRY_ROUTE_TYPES = (4, *range(1000, 1300))
"""GTFS route types of ferries: basic 4, extended 1000-1099 (water transport) and 1200-1299 (ferry)."""


def ferry_crossings(net: Network) -> pd.DataFrame:
    """One row per directed ferry crossing: quay to quay along ferry edges.

    Columns ``first_edge`` (the boarding edge), ``from_node``, ``to_node`` (quays), ``edges`` (count),
    ``way_id`` (of the first edge), ``seconds`` (the crossing's seconds including the boarding
    wait), ``metres``, ``from_x``, ``from_y``, ``to_x``, ``to_y`` (network CRS).
    """
    import pandas as pd

    ferry = (net.flags & EdgeFlag.FERRY) != 0
    road = ~ferry
    n = net.n_nodes
    quay = np.zeros(n, dtype=bool)
    quay[net.tails[road]] = True
    quay[net.indices[road]] = True
    tails, heads = net.tails, net.indices
    # a ferry end without roads (the far shore outside the extract) is a quay too
    nb = np.unique(np.concatenate([tails[ferry] * n + heads[ferry], heads[ferry] * n + tails[ferry]]))
    quay |= np.bincount(nb // n, minlength=n) == 1
    rows = []
    for e in np.flatnonzero(ferry & quay[tails]).tolist():
        path = [e]
        v = int(heads[e])
        seen = {int(tails[e])}
        while not quay[v] and v not in seen:
            seen.add(v)
            nxt = [f for f in range(int(net.indptr[v]), int(net.indptr[v + 1])) if ferry[f] and heads[f] != tails[path[-1]]]
            if len(nxt) != 1:  # a fork at sea or a dead end: the crossing ends here
                break
            path.append(nxt[0])
            v = int(heads[nxt[0]])
        u = int(tails[e])
        rows.append({"first_edge": e, "from_node": u, "to_node": v, "edges": len(path), "way_id": int(net.way_id[e]),
                     "seconds": float(net.seconds[path].sum()), "metres": float(net.metres[path].sum()),
                     "from_x": float(net.x[u]), "from_y": float(net.y[u]), "to_x": float(net.x[v]),
                     "to_y": float(net.y[v])})
    cols = ["first_edge", "from_node", "to_node", "edges", "way_id", "seconds", "metres", "from_x", "from_y",
            "to_x", "to_y"]
    return pd.DataFrame(rows, columns=cols)


def ferry_stops(tt: Timetable) -> np.ndarray:
    """Indices of stops served by ferry route patterns (:data:`FERRY_ROUTE_TYPES`)."""
    ferry_pat = np.isin(tt.route_type[tt.pattern_route], FERRY_ROUTE_TYPES)
    if not ferry_pat.any():
        return np.zeros(0, dtype=np.int64)
    stops = [tt.pattern_stops[tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]] for p in np.flatnonzero(ferry_pat)]
    return np.unique(np.concatenate(stops)).astype(np.int64)


def _departures(tt: Timetable, a: int, b: int) -> np.ndarray:
    """Departure times (s) from stop ``a`` of ferry trips that call at ``b`` later."""
    out = []
    for p in np.flatnonzero(np.isin(tt.route_type[tt.pattern_route], FERRY_ROUTE_TYPES)).tolist():
        seq = tt.pattern_stops[tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]]
        ia = np.flatnonzero(seq == a)
        ib = np.flatnonzero(seq == b)
        if not len(ia) or not len(ib) or ia[0] >= ib[-1]:
            continue
        for t in range(int(tt.pattern_trip_ptr[p]), int(tt.pattern_trip_ptr[p + 1])):
            out.append(int(tt.dep[tt.trip_time_ptr[t] + ia[0]]))
    return np.sort(np.asarray(out, dtype=np.float64))


def _clock(text: str, what: str) -> float:
    try:
        parts = [int(x) for x in text.strip().split(":")]
        if len(parts) not in (2, 3) or not (0 <= parts[1] < 60):
            raise ValueError
        return parts[0] * 3600.0 + parts[1] * 60.0 + (parts[2] if len(parts) == 3 else 0)
    except ValueError:
        msg = f"{what} {text!r} is not a clock time; write HH:MM."
        raise InputError(msg) from None


def ferry_waits_from_timetable(
    net: Network,
    tt: Timetable,
    *,
    window: str | tuple[float, float] | None = "07:00-09:00",
    at: str | None = None,
    max_stop_m: float = 1000.0,
    current_wait_minutes: float | None = None,
) -> tuple[Network, pd.DataFrame]:
    """Replace the configured ferry wait by the feed's, crossing by crossing (see the module docstring).

    Parameters
    ----------
    net
        The road network (OSM, N1000 or NVDB) with :attr:`EdgeFlag.FERRY` edges.
    tt
        A timetable for one date (:meth:`Timetable.for_date`) holding the ferries.
    window
        Departure window (``"HH:MM-HH:MM"`` or seconds): wait = half the mean headway in it.
    at
        Instead of a window: a clock time ``HH:MM`` at the quay; wait = the next departure after it.
    max_stop_m
        Largest distance in metres from a quay to the feed's ferry stop that serves it.
    current_wait_minutes
        The wait the network's ferry seconds include (default: ``meta["ferry_wait_minutes"]``, or
        N1000's ``meta["n1000"]["ferry"]["wait_minutes"]``).

    Returns
    -------
    Network
        Same nodes and edges; the boarding edges of matched crossings carry the feed's wait;
        ``meta["ferry_waits"]`` holds the table's rows and the options.
    pandas.DataFrame
        One row per crossing: :func:`ferry_crossings` columns plus ``from_stop_id``,
        ``from_stop_m``, ``to_stop_id``, ``to_stop_m`` (distances quay - stop in metres),
        ``departures``, ``wait_minutes`` (used), ``configured_wait_minutes``, ``source``
        (``timetable: half the mean headway``, ``timetable: next departure``, or ``default: ...``
        with the reason), ``seconds_after``.

    Raises
    ------
    InputError
        Undated timetable, bad window or time, or a network whose configured wait is unknown.
    """
    from scipy.spatial import cKDTree

    from geoaccess.transit.raptor import parse_window

    if tt.date is None:
        msg = "ferry_waits_from_timetable needs a timetable for one date: call tt.for_date('YYYY-MM-DD') first."
        raise InputError(msg)
    if current_wait_minutes is None:
        current_wait_minutes = net.meta.get("ferry_wait_minutes")
        if current_wait_minutes is None:
            current_wait_minutes = ((net.meta.get("n1000") or {}).get("ferry") or {}).get("wait_minutes")
    if current_wait_minutes is None:
        msg = ("The network does not record its ferry wait (meta['ferry_wait_minutes']); pass "
               "current_wait_minutes= with the wait its ferry edges include.")
        raise InputError(msg)
    if at is not None:
        t_at = _clock(at, "at")
        mode = "next departure"
    else:
        if window is None:
            msg = "Give a departure window (window='07:00-09:00') or a clock time at the quay (at='07:30')."
            raise InputError(msg)
        w0, w1 = parse_window(window)
        mode = "half the mean headway"
    cross = ferry_crossings(net)
    stops = ferry_stops(tt)
    cross["configured_wait_minutes"] = float(current_wait_minutes)
    for c in ("from_stop_id", "to_stop_id"):
        cross[c] = None
    cross["from_stop_m"] = np.nan
    cross["to_stop_m"] = np.nan
    cross["departures"] = 0
    cross["wait_minutes"] = float(current_wait_minutes)
    cross["source"] = "default: the feed has no ferry routes" if not len(stops) else ""
    if tt.crs != net.crs and len(stops):
        from pyproj import Transformer

        sx, sy = Transformer.from_crs("EPSG:4326", net.crs, always_xy=True).transform(tt.stop_lon[stops],
                                                                                      tt.stop_lat[stops])
    else:
        sx, sy = tt.stop_x[stops], tt.stop_y[stops]
    ok_xy = np.isfinite(sx) & np.isfinite(sy)
    stops, sx, sy = stops[ok_xy], np.asarray(sx)[ok_xy], np.asarray(sy)[ok_xy]
    if len(stops) and len(cross):
        tree = cKDTree(np.column_stack([sx, sy]))
        d_from, k_from = tree.query(cross[["from_x", "from_y"]].to_numpy())
        d_to, k_to = tree.query(cross[["to_x", "to_y"]].to_numpy())
        cross["from_stop_id"] = tt.stop_id[stops[k_from]]
        cross["to_stop_id"] = tt.stop_id[stops[k_to]]
        cross["from_stop_m"] = d_from
        cross["to_stop_m"] = d_to
        for i in range(len(cross)):
            if d_from[i] > max_stop_m or d_to[i] > max_stop_m:
                far = max(d_from[i], d_to[i])
                cross.loc[i, "source"] = f"default: nearest ferry stop {far:,.0f} m from a quay (> max_stop_m {max_stop_m:g})"
                continue
            deps = _departures(tt, int(stops[k_from[i]]), int(stops[k_to[i]]))
            if at is not None:
                nxt = deps[deps >= t_at]
                cross.loc[i, "departures"] = len(nxt)
                if not len(nxt):
                    cross.loc[i, "source"] = f"default: no departure after {at} that day"
                    continue
                wait = (nxt[0] - t_at) / 60.0
            else:
                inside = deps[(deps >= w0) & (deps <= w1)]
                cross.loc[i, "departures"] = len(inside)
                if not len(inside):
                    cross.loc[i, "source"] = "default: no departure in the window"
                    continue
                wait = (w1 - w0) / len(inside) / 2.0 / 60.0
            cross.loc[i, "wait_minutes"] = wait
            cross.loc[i, "source"] = f"timetable: {mode}"
        far_all = (np.minimum(d_from, d_to) > max_stop_m)
        if far_all.all():
            warnings.warn(
                f"The feed's {len(stops)} ferry stop(s) lie far from every ferry quay of the network (nearest "
                f"{float(np.minimum(d_from, d_to).min()):,.0f} m, max_stop_m = {max_stop_m:g} m): no crossing takes "
                "its wait from this feed. Check that the feed covers these ferries (and its stop coordinates).",
                DataWarning, stacklevel=2)
    elif len(cross) and not len(stops):
        warnings.warn(f"The feed {tt.meta.get('source', '')} has no ferry routes (route types 4, 1000-1299): "
                      "every ferry keeps the configured wait.", DataWarning, stacklevel=2)
    seconds = net.seconds.copy()
    delta = (cross["wait_minutes"].to_numpy(dtype=float) - float(current_wait_minutes)) * 60.0
    if len(cross):
        first = cross["first_edge"].to_numpy(dtype=np.int64)
        seconds[first] = np.maximum(seconds[first] + delta, 0.0)
    cross["seconds_after"] = cross["seconds"] + delta if len(cross) else []
    meta = dict(net.meta)
    meta["ferry_waits"] = {"mode": mode, "window": None if at is not None else [w0, w1], "at": at,
                           "max_stop_m": float(max_stop_m), "feed": str(tt.meta.get("source", "")),
                           "date": str(tt.date), "crossings": cross.to_dict(orient="records")}
    return replace(net, seconds=seconds, meta=meta), cross

