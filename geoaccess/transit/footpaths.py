"""Walking links: stop-to-stop footpaths (transfers) and access/egress from points to stops.

Two sources, labelled in every output through ``Timetable.footpath_kind``:

* **straight line** (default when no walk network is given): the crow-flies distance
  in metres times a detour factor (default :data:`DETOUR_FACTOR` = 1.3, a common
  network-to-Euclidean ratio for urban walking), walked at ``walk_speed_kmh``
  (default 5.0 km/h, i.e. 1.39 m/s);
* **walk network**: shortest walking time on a :class:`~geoaccess.network.graph.Network`
  built with ``mode="walk"`` (e.g. ``geoaccess.network.build.build_network(pbf, mode="walk")``),
  with stops and points attached to their nearest network node by a straight walk.

Times are seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    from geoaccess.network.graph import Network
    from geoaccess.transit.timetable import Timetable

__all__ = [
    "DETOUR_FACTOR",
    "MAX_TRANSFER_M",
    "WALK_SPEED_KMH",
    "network_footpaths",
    "straight_line_footpaths",
    "walk_links",
]

DETOUR_FACTOR = 1.3
"""Walking distance / straight-line distance assumed without a walk network."""
WALK_SPEED_KMH = 5.0
"""Default walking speed in km/h."""
MAX_TRANSFER_M = 500.0
"""Default longest straight-line distance (metres) between two stops joined by a footpath."""
_CHUNK = 64


def _kmh_to_ms(walk_speed_kmh: float) -> float:
    if not walk_speed_kmh > 0:
        msg = f"walk_speed_kmh must be positive, got {walk_speed_kmh}."
        raise InputError(msg)
    return walk_speed_kmh / 3.6


def _csr(src: np.ndarray, dst: np.ndarray, sec: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    o = np.lexsort((dst, src))
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(src, minlength=n))
    return ptr, dst[o].astype(np.int32), sec[o].astype(np.float64)


def _apply_transfers(tt: Timetable, src: np.ndarray, dst: np.ndarray, sec: np.ndarray) -> tuple[np.ndarray, ...]:
    """Apply GTFS ``transfers.txt`` (type 2 = minimum time, type 3 = forbidden) between different stops."""
    tr = tt.meta.get("transfers")
    if not tr:
        return src, dst, sec
    f, t, kind, mins = (np.asarray(a) for a in tr)
    n = tt.n_stops
    key = src.astype(np.int64) * n + dst
    table = dict(zip(key.tolist(), range(len(key)), strict=True))
    keep = np.ones(len(src), dtype=bool)
    add_s, add_d, add_t = [], [], []
    for a, b, k, m in zip(f.tolist(), t.tolist(), kind.tolist(), mins.tolist(), strict=True):
        if a == b:
            continue
        i = table.get(a * n + b)
        if k == 3:
            if i is not None:
                keep[i] = False
        elif k == 2 and np.isfinite(m):
            if m < 0:  # the readers refuse such rows; never build a footpath into the past
                msg = (
                    f"transfers: minimum transfer time {m:g} s from stop {tt.stop_id[a]!r} to {tt.stop_id[b]!r} "
                    "is negative; change times must be >= 0 seconds."
                )
                raise InputError(msg)
            if i is not None:
                sec[i] = float(m)
            else:
                add_s.append(a)
                add_d.append(b)
                add_t.append(float(m))
    src = np.concatenate([src[keep], np.asarray(add_s, dtype=src.dtype)])
    dst = np.concatenate([dst[keep], np.asarray(add_d, dtype=dst.dtype)])
    sec = np.concatenate([sec[keep], np.asarray(add_t, dtype=np.float64)])
    return src, dst, sec


def straight_line_footpaths(
    tt: Timetable,
    *,
    max_m: float = MAX_TRANSFER_M,
    detour: float = DETOUR_FACTOR,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> Timetable:
    """Footpaths between all pairs of distinct stops within ``max_m`` metres in a straight line.

    Walking time in seconds is ``distance_m * detour / (walk_speed_kmh / 3.6)``. GTFS
    ``transfers.txt`` minimum times (type 2) replace or add footpaths, type 3 removes them.
    Stops without coordinates get no footpaths.

    Returns
    -------
    Timetable
        A copy whose ``footpath_kind`` names the assumption, e.g.
        ``"straight line x1.3 at 5.0 km/h, max 500 m"``.
    """
    from scipy.spatial import cKDTree

    v = _kmh_to_ms(walk_speed_kmh)
    ok = np.flatnonzero(np.isfinite(tt.stop_x) & np.isfinite(tt.stop_y))
    xy = np.column_stack([tt.stop_x[ok], tt.stop_y[ok]])
    if len(ok) > 1:
        pairs = cKDTree(xy).query_pairs(r=max_m, output_type="ndarray")
    else:
        pairs = np.zeros((0, 2), dtype=np.int64)
    a, b = ok[pairs[:, 0]], ok[pairs[:, 1]]
    d = np.hypot(tt.stop_x[a] - tt.stop_x[b], tt.stop_y[a] - tt.stop_y[b])
    src = np.concatenate([a, b]).astype(np.int64)
    dst = np.concatenate([b, a]).astype(np.int64)
    sec = np.concatenate([d, d]) * detour / v
    src, dst, sec = _apply_transfers(tt, src, dst, sec)
    ptr, to, s = _csr(src, dst, sec, tt.n_stops)
    kind = f"straight line x{detour:g} at {walk_speed_kmh:g} km/h, max {max_m:g} m"
    return tt.with_footpaths(ptr, to, s, kind=kind)


def _snap(net: Network, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest network node of each point and the straight distance to it (metres); NaN points get -1."""
    from scipy.spatial import cKDTree

    node = np.full(len(x), -1, dtype=np.int64)
    dist = np.full(len(x), np.inf)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        d, i = cKDTree(np.column_stack([net.x, net.y])).query(np.column_stack([x[ok], y[ok]]))
        node[ok], dist[ok] = i, d
    return node, dist


def _check_net(tt_crs: str, net: Network) -> None:
    from pyproj import CRS

    if CRS.from_user_input(net.crs) != CRS.from_user_input(tt_crs):
        msg = (
            f"The walk network is in {net.crs} but the timetable stops are in {tt_crs}; "
            f"read the feed with crs={net.crs!r}."
        )
        raise InputError(msg)


def network_footpaths(
    tt: Timetable,
    net: Network,
    *,
    max_walk_s: float = 600.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    max_snap_m: float = 300.0,
) -> Timetable:
    """Footpaths along a walk :class:`~geoaccess.network.graph.Network`, up to ``max_walk_s`` seconds.

    Each stop is attached to its nearest network node (straight walk at ``walk_speed_kmh``);
    stops farther than ``max_snap_m`` from any node get no footpaths. The network's own
    edge ``seconds`` are used between nodes.
    """
    from scipy.sparse.csgraph import dijkstra

    _check_net(tt.crs, net)
    v = _kmh_to_ms(walk_speed_kmh)
    node, snap_m = _snap(net, tt.stop_x, tt.stop_y)
    good = np.flatnonzero((node >= 0) & (snap_m <= max_snap_m))
    src_l, dst_l, sec_l = [], [], []
    if len(good):
        g = net.csgraph()
        for c0 in range(0, len(good), _CHUNK):  # bounded memory: _CHUNK rows of n_nodes at a time
            part = good[c0 : c0 + _CHUNK]
            dist = dijkstra(g, directed=True, indices=node[part], limit=max_walk_s)
            for k, s in enumerate(part):
                t = dist[k][node[good]] + snap_m[s] / v + snap_m[good] / v
                sel = (t <= max_walk_s) & (good != s)
                src_l.append(np.full(int(sel.sum()), s, dtype=np.int64))
                dst_l.append(good[sel])
                sec_l.append(t[sel])
    src = np.concatenate(src_l) if src_l else np.zeros(0, np.int64)
    dst = np.concatenate(dst_l) if dst_l else np.zeros(0, np.int64)
    sec = np.concatenate(sec_l) if sec_l else np.zeros(0)
    src, dst, sec = _apply_transfers(tt, src, dst, sec)
    ptr, to, s = _csr(src, dst, sec, tt.n_stops)
    return tt.with_footpaths(ptr, to, s, kind=f"walk network ({net.n_nodes} nodes), max {max_walk_s:g} s")


def walk_links(
    x: np.ndarray,
    y: np.ndarray,
    tt: Timetable,
    *,
    max_walk_s: float,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    detour: float = DETOUR_FACTOR,
    net: Network | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Walking times from points to the stops within ``max_walk_s`` seconds (access; egress is symmetric).

    Parameters
    ----------
    x, y
        Point coordinates in metres in the timetable's CRS.
    max_walk_s
        Longest walk in seconds.
    net
        Optional walk network; without one the straight line times ``detour`` is used.

    Returns
    -------
    ptr, stop, seconds : numpy.ndarray
        CSR over points: the stops reachable from point ``i`` are
        ``stop[ptr[i]:ptr[i+1]]`` with walking times ``seconds[...]``.
    kind : str
        How the walk was computed (for labelling outputs).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    v = _kmh_to_ms(walk_speed_kmh)
    n = len(x)
    if net is None:
        from scipy.spatial import cKDTree

        ok = np.flatnonzero(np.isfinite(tt.stop_x))
        tree = cKDTree(np.column_stack([tt.stop_x[ok], tt.stop_y[ok]]))
        r = max_walk_s * v / detour
        lists = tree.query_ball_point(np.column_stack([x, y]), r=r)
        counts = np.array([len(a) for a in lists], dtype=np.int64)
        stop = (
            ok[np.concatenate([np.asarray(a, dtype=np.int64) for a in lists])]
            if counts.sum()
            else np.zeros(0, np.int64)
        )
        pt = np.repeat(np.arange(n), counts)
        d = np.hypot(x[pt] - tt.stop_x[stop], y[pt] - tt.stop_y[stop])
        sec = d * detour / v
        kind = f"straight line x{detour:g} at {walk_speed_kmh:g} km/h"
    else:
        from scipy.sparse.csgraph import dijkstra

        _check_net(tt.crs, net)
        pnode, pm = _snap(net, x, y)
        snode, sm = _snap(net, tt.stop_x, tt.stop_y)
        good = np.flatnonzero(snode >= 0)
        g = net.csgraph()
        have = np.flatnonzero(pnode >= 0)
        pts, stops, secs = [], [], []
        for c0 in range(0, len(have), _CHUNK):  # bounded memory: _CHUNK rows of n_nodes at a time
            part = have[c0 : c0 + _CHUNK]
            dist = dijkstra(g, directed=True, indices=pnode[part], limit=max_walk_s)
            for k, i in enumerate(part):
                t = dist[k][snode[good]] + pm[i] / v + sm[good] / v
                sel = t <= max_walk_s
                pts.append(np.full(int(sel.sum()), i))
                stops.append(good[sel])
                secs.append(t[sel])
        pt = np.concatenate(pts) if pts else np.zeros(0, np.int64)
        stop = np.concatenate(stops) if stops else np.zeros(0, np.int64)
        sec = np.concatenate(secs) if secs else np.zeros(0)
        kind = f"walk network ({net.n_nodes} nodes) at {walk_speed_kmh:g} km/h"
    keep = sec <= max_walk_s
    pt, stop, sec = pt[keep], stop[keep], sec[keep]
    o = np.lexsort((stop, pt))
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(pt, minlength=n))
    return ptr, stop[o].astype(np.int64), sec[o].astype(np.float64), kind
