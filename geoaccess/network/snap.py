"""Snapping points (homes, schools, grid cells) to the nearest position on the network.

Each point goes to the nearest **position on an edge polyline** (not the nearest
node), found with a shapely :class:`~shapely.STRtree` ``query_nearest`` over the
edge geometries. Ferry edges are never snap targets (nobody starts a trip in
the middle of a fjord). The straight-line access leg from the point to the
network is counted at walking speed (``access_speed_kmh``, default 5 km/h).
Points farther than ``max_snap_m`` (default 1,000 m) are not snapped: they are
listed in :attr:`Snapped.unsnapped`, and their seeds are ``-1`` / ``inf``.

Seeds for the routing engine (times in seconds)::

    origin at fraction t of edge e = u→v (s seconds), fastest reverse edge r = v→u (s_r):
        v with access + (1 - t)·s        u with access + t·s_r      (if r exists)
    destination at fraction t of e:
        u with t·s + access              v with (1 - t)·s_r + access  (if r exists)

and the travel time origin → destination is the minimum over seed pairs of
``o_offset + d(node_o, node_d) + d_offset``. Travel time along an edge is
assumed proportional to length along its polyline.

Limitation: an origin and a destination on the **same edge** are routed via the
edge's end nodes, never directly along the edge between them; their time is
over-estimated (by at most one edge traversal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError
from geoaccess.network.graph import EdgeFlag

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.network.graph import Network

__all__ = ["Snapped", "edge_lines", "reverse_edges", "snap_points"]


@dataclass(frozen=True)
class Snapped:
    """Points snapped to positions on network edges.

    Attributes
    ----------
    ids : numpy.ndarray
        The user's ids, in input order.
    edge : numpy.ndarray of int64
        Edge index, ``-1`` when the point is beyond ``max_snap_m``.
    frac : numpy.ndarray of float64
        Position along the edge polyline, 0 = tail, 1 = head (NaN when not snapped).
    snap_metres : numpy.ndarray of float64
        Distance point → network in metres (NaN when not snapped).
    access_seconds : numpy.ndarray of float64
        ``snap_metres`` at the access speed, in seconds (NaN when not snapped).
    x, y : numpy.ndarray of float64
        Snapped position in the network CRS (NaN when not snapped).
    max_snap_m, access_speed_kmh : float
        The options used.
    """

    ids: np.ndarray
    edge: np.ndarray
    frac: np.ndarray
    snap_metres: np.ndarray
    access_seconds: np.ndarray
    x: np.ndarray
    y: np.ndarray
    max_snap_m: float = 1000.0
    access_speed_kmh: float = 5.0

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def snapped(self) -> np.ndarray:
        """Boolean mask of snapped points."""
        return self.edge >= 0

    @property
    def unsnapped(self) -> np.ndarray:
        """Ids of points farther than ``max_snap_m`` from every non-ferry edge."""
        return self.ids[self.edge < 0]

    def _parts(self, net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        ok = self.edge >= 0
        e = np.where(ok, self.edge, 0)
        tails = np.searchsorted(net.indptr, e, side="right") - 1
        heads = net.indices[e].astype(np.int64)
        s = net.seconds[e]
        rev = reverse_edges(net)[e]
        s_r = np.where(rev >= 0, net.seconds[np.maximum(rev, 0)], np.inf)
        return ok, tails, heads, s, s_r

    def origin_seeds(self, net: Network) -> tuple[np.ndarray, np.ndarray]:
        """Seeds for trips **from** the points.

        Returns
        -------
        nodes : numpy.ndarray of int32, shape (N, 2)
            Head ``v`` and tail ``u`` of the snapped edge (``u`` only when a reverse edge exists), ``-1`` padded.
        seconds : numpy.ndarray of float64, shape (N, 2)
            Offsets in seconds: access + remaining part of the edge (``inf`` for padding).
        """
        ok, u, v, s, s_r = self._parts(net)
        t = np.nan_to_num(self.frac)
        acc = np.nan_to_num(self.access_seconds)
        nodes = np.column_stack([v, np.where(np.isfinite(s_r), u, -1)]).astype(np.int32)
        has_r = np.isfinite(s_r)
        secs = np.column_stack([acc + (1.0 - t) * s, np.where(has_r, acc + t * np.where(has_r, s_r, 0.0), np.inf)])
        return _pad(nodes, secs, ok)

    def destination_seeds(self, net: Network) -> tuple[np.ndarray, np.ndarray]:
        """Seeds for trips **to** the points: nodes ``u`` (and ``v`` via the reverse edge) with offsets in seconds."""
        ok, u, v, s, s_r = self._parts(net)
        t = np.nan_to_num(self.frac)
        acc = np.nan_to_num(self.access_seconds)
        nodes = np.column_stack([u, np.where(np.isfinite(s_r), v, -1)]).astype(np.int32)
        has_r = np.isfinite(s_r)
        secs = np.column_stack([t * s + acc, np.where(has_r, (1.0 - t) * np.where(has_r, s_r, 0.0) + acc, np.inf)])
        return _pad(nodes, secs, ok)

    def to_frame(self) -> Any:
        """A pandas DataFrame with one row per point (id, edge, frac, snap_metres, access_seconds, x, y)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "id": self.ids,
                "edge": self.edge,
                "frac": self.frac,
                "snap_metres": self.snap_metres,
                "access_seconds": self.access_seconds,
                "x": self.x,
                "y": self.y,
            }
        )


def _pad(nodes: np.ndarray, secs: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    nodes = nodes.copy()
    secs = secs.copy()
    nodes[~ok] = -1
    secs[nodes < 0] = np.inf
    return nodes, secs


def edge_lines(net: Network, edges: np.ndarray) -> np.ndarray:
    """Shapely LineStrings (tail, interior vertices, head) of ``edges`` (see :meth:`Network.edge_geometries`)."""
    return net.edge_geometries(edges)


def reverse_edges(net: Network) -> np.ndarray:
    """For every edge ``u → v``, the fastest edge ``v → u`` (``-1`` when there is none).

    Returns
    -------
    numpy.ndarray of int64, shape (m,)
    """
    m = net.n_edges
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    t = net.tails.astype(np.int64)
    h = net.indices.astype(np.int64)
    n = np.int64(net.n_nodes)
    # fastest edge per (tail, head) pair
    key = t * n + h
    order = np.lexsort((net.seconds, key))
    ks = key[order]
    first = np.ones(m, dtype=bool)
    first[1:] = ks[1:] != ks[:-1]
    best_keys = ks[first]
    best_edges = order[first]
    want = h * n + t
    pos = np.searchsorted(best_keys, want)
    pos = np.minimum(pos, len(best_keys) - 1)
    found = best_keys[pos] == want
    return np.where(found, best_edges[pos], -1).astype(np.int64)


def _points_xy(points: Any, net: Network, *, id_column: str | None, crs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import geopandas as gpd

    from geoaccess.crs import resolve_crs

    if isinstance(points, (gpd.GeoDataFrame, gpd.GeoSeries)):
        src = resolve_crs(points.crs, what="The points to snap")
        geom = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geom.crs != src:
            geom = geom.set_crs(src, allow_override=True)
        if geom.is_empty.any() or geom.isna().any():
            bad = np.flatnonzero((geom.is_empty | geom.isna()).to_numpy())[:10]
            msg = f"The points to snap have empty or missing geometries at rows {bad.tolist()}; drop them first."
            raise InputError(msg)
        geom = geom.to_crs(net.crs)
        if not (geom.geom_type == "Point").all():
            geom = geom.representative_point()
        x, y = geom.x.to_numpy(), geom.y.to_numpy()
        if id_column is not None:
            if not isinstance(points, gpd.GeoDataFrame) or id_column not in points.columns:
                msg = f"The points have no column {id_column!r}."
                raise InputError(msg)
            ids = points[id_column].to_numpy()
        else:
            ids = points.index.to_numpy()
        return ids, x, y
    if isinstance(points, tuple) and len(points) == 2:
        from pyproj import Transformer

        src = resolve_crs(crs, what="The x/y points to snap")
        x = np.asarray(points[0], dtype=np.float64)
        y = np.asarray(points[1], dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            msg = "x and y of the points must be 1-D arrays of equal length."
            raise InputError(msg)
        tr = Transformer.from_crs(src, net.crs, always_xy=True)
        x, y = tr.transform(x, y)
        return np.arange(len(x)), np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    msg = "points must be a GeoDataFrame/GeoSeries, or a tuple (x, y) of arrays with crs=."
    raise InputError(msg)


def snap_points(
    net: Network,
    points: gpd.GeoDataFrame | gpd.GeoSeries | tuple[np.ndarray, np.ndarray],
    *,
    id_column: str | None = None,
    max_snap_m: float = 1000.0,
    access_speed_kmh: float = 5.0,
    crs: Any = None,
    ids: np.ndarray | None = None,
) -> Snapped:
    """Snap points to the nearest position on a non-ferry edge.

    Parameters
    ----------
    net
        The network.
    points
        A GeoDataFrame/GeoSeries in any CRS (points; other geometries use a representative point), or a
        tuple ``(x, y)`` of arrays together with ``crs=``.
    id_column
        Column with the point ids (default: the index; for ``(x, y)`` input, ``ids=`` or ``0..N-1``).
    max_snap_m
        Maximum distance in metres from a point to the network; farther points are not snapped
        and are listed in :attr:`Snapped.unsnapped`.
    access_speed_kmh
        Speed of the access leg in km/h (walking, 5 km/h by default).
    crs
        CRS of ``(x, y)`` input.
    ids
        Ids for ``(x, y)`` input.

    Returns
    -------
    Snapped

    Raises
    ------
    CRSError
        The points have no CRS.
    InputError
        Duplicate ids (listed), missing id column, or bad options.
    """
    import shapely

    if not max_snap_m > 0:
        msg = f"max_snap_m must be > 0 metres, got {max_snap_m}."
        raise InputError(msg)
    if not access_speed_kmh > 0:
        msg = f"access_speed_kmh must be > 0 km/h, got {access_speed_kmh}."
        raise InputError(msg)
    pid, x, y = _points_xy(points, net, id_column=id_column, crs=crs)
    if ids is not None:
        pid = np.asarray(ids)
        if len(pid) != len(x):
            msg = f"ids has {len(pid)} entries but there are {len(x)} points."
            raise InputError(msg)
    import pandas as pd

    dup = pd.Series(pid).duplicated(keep=False).to_numpy()
    if dup.any():
        listed = sorted({str(v) for v in pid[dup]})
        msg = (
            f"The points have {len(listed)} duplicate id(s): {', '.join(listed[:20])}"
            f"{' ...' if len(listed) > 20 else ''}. Ids must be unique; pass id_column= with a unique column."
        )
        raise InputError(msg)
    n = len(x)
    edge = np.full(n, -1, dtype=np.int64)
    frac = np.full(n, np.nan)
    dist = np.full(n, np.nan)
    sx = np.full(n, np.nan)
    sy = np.full(n, np.nan)
    candidates = np.flatnonzero((net.flags & EdgeFlag.FERRY) == 0)
    if n and len(candidates):
        lines = edge_lines(net, candidates)
        tree = shapely.STRtree(lines)
        pts = shapely.points(x, y)
        finite = np.isfinite(x) & np.isfinite(y)
        (pi, li), d = tree.query_nearest(
            pts[finite], max_distance=float(max_snap_m), return_distance=True, all_matches=True
        )
        pi = np.flatnonzero(finite)[pi]
        # ties (a point equidistant from several edges, e.g. at a junction): lowest edge index wins
        order = np.lexsort((candidates[li], d, pi))
        pi, li, d = pi[order], li[order], d[order]
        first = np.ones(len(pi), dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        pi, li, d = pi[first], li[first], d[first]
        within = d <= max_snap_m
        pi, li, d = pi[within], li[within], d[within]
        geo = lines[li]
        f = shapely.line_locate_point(geo, pts[pi], normalized=True)
        f = np.where(np.isfinite(f), f, 0.0)
        on = shapely.line_interpolate_point(geo, f, normalized=True)
        edge[pi] = candidates[li]
        frac[pi] = np.clip(f, 0.0, 1.0)
        dist[pi] = d
        sx[pi] = shapely.get_x(on)
        sy[pi] = shapely.get_y(on)
    access = dist / (access_speed_kmh / 3.6)
    return Snapped(
        ids=np.asarray(pid),
        edge=edge,
        frac=frac,
        snap_metres=dist,
        access_seconds=access,
        x=sx,
        y=sy,
        max_snap_m=float(max_snap_m),
        access_speed_kmh=float(access_speed_kmh),
    )
