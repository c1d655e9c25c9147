"""Joining ferry and boat lines to the roads at their quays (*ferjekaier*).

On a small-scale map a ferry line often stops short of the road it serves: in
Kartverket's N1000 only 184 of the 480 car-ferry ends lie on a road vertex. Every
distinct vessel end (the point where one or more ferry/boat lines end) is
classified:

``on_road``
    It coincides with a road vertex; noding joins it, nothing is added.
``connector``
    It is a *terminal* end (one vessel line) within ``max_connect_m`` of a road, or a
    *shared* end (several lines meet) within ``max_junction_connect_m``: a connector
    line is drawn to the **nearest point of the nearest road line** (that point is
    inserted into the road as a vertex, so the road is split there). This beats joining
    to the nearest road *node*: N1000 nodes are often kilometres apart along a road.
``fork_at_sea``
    Several lines meet farther than ``max_junction_connect_m`` from a road: a branching
    of ferry routes drawn at sea (e.g. Bodø–Moskenes/Værøy/Røst), not a quay. Nobody
    boards there; it stays a ferry-only node.
``roadless_quay``
    A terminal end farther than ``max_connect_m`` from any road: a quay on an island
    without roads in the data. It gets a 1 m *quay stub* (a non-ferry edge) so that
    people on the island can be snapped to it and board there; it reaches no road.

The result is a table with one row per vessel end (coordinates, the lines meeting,
distance to the nearest road in metres, class) and the extra lines to node with the
roads. Distances are in the layer's projected CRS (metres).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["QUAY_STUB_M", "QuayPlan", "attach_points", "join_dangling_ends", "plan_quays"]

QUAY_STUB_M = 1.0
"""Length in metres of the stub added at a roadless quay."""


class QuayPlan(NamedTuple):
    """Where vessel lines meet the roads.

    Attributes
    ----------
    ends : pandas.DataFrame
        One row per distinct vessel end: ``x``, ``y`` (metres), ``lines`` (``;``-joined row ids
        of the vessel lines ending there), ``n_lines``, ``road_distance_m`` (to the nearest road
        line; NaN when there is no road at all), ``status`` (``on_road``, ``connector``,
        ``fork_at_sea``, ``roadless_quay``) and ``quay`` (True where people board).
    road_geometries : numpy.ndarray of shapely.LineString
        The road lines with the connector points inserted as vertices (same order as the input).
    connectors : numpy.ndarray of shapely.LineString
        One line per ``connector`` end, from the vessel end to its point on the road.
    stubs : numpy.ndarray of shapely.LineString
        One :data:`QUAY_STUB_M` line per ``roadless_quay`` end.
    """

    ends: pd.DataFrame
    road_geometries: np.ndarray
    connectors: np.ndarray
    stubs: np.ndarray


def _vessel_ends(vessel: np.ndarray, ids: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Distinct end points of the vessel lines: (xy, ';'-joined ids, number of lines)."""
    import shapely

    starts = shapely.get_coordinates(shapely.get_point(vessel, 0))
    stops = shapely.get_coordinates(shapely.get_point(vessel, -1))
    xy = np.vstack([starts, stops])
    owner = np.concatenate([ids, ids])
    key = np.round(xy / tolerance_m).astype(np.int64)
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    lines: list[list[str]] = [[] for _ in range(len(first))]
    for k, o in zip(inv.tolist(), owner.tolist(), strict=False):
        if str(o) not in lines[k]:
            lines[k].append(str(o))
    return xy[first], [";".join(v) for v in lines], np.array([len(v) for v in lines], dtype=np.int64)


def _insert_vertices(line: object, points: list[tuple[float, float]]) -> object:
    """Insert points lying on ``line`` as vertices, in order along the line."""
    import shapely

    coords = shapely.get_coordinates(line)
    seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pos = shapely.line_locate_point(line, shapely.points(pts))
    # original vertices first at equal positions (kind=stable over the concatenation)
    allpos = np.concatenate([cum, pos])
    allxy = np.vstack([coords, pts])
    order = np.argsort(allpos, kind="stable")
    return shapely.linestrings(allxy[order])


def attach_points(
    xy: np.ndarray, lines: np.ndarray, line_of: np.ndarray, *, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Join points to given lines: insert each point's nearest point on its line as a vertex.

    Parameters
    ----------
    xy
        (k, 2) points in metres.
    lines
        All lines (an array of shapely LineStrings); a copy is returned.
    line_of
        Index into ``lines`` of the line each point joins.
    tolerance_m
        A point closer than this to its line is itself inserted (no connector).

    Returns
    -------
    (lines, connectors)
        The lines with the new vertices, and one two-point connector line per point farther
        than ``tolerance_m`` from its line (from the point to its vertex).
    """
    import shapely

    out = np.array(lines, dtype=object).copy()
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    line_of = np.asarray(line_of, dtype=np.int64)
    if not len(xy):
        return out, np.zeros(0, dtype=object)
    pts = shapely.points(xy)
    target = shapely.get_coordinates(
        shapely.line_interpolate_point(out[line_of], shapely.line_locate_point(out[line_of], pts))
    )
    far = np.hypot(target[:, 0] - xy[:, 0], target[:, 1] - xy[:, 1]) >= tolerance_m
    insert = np.where(far[:, None], target, xy)
    by_line: dict[int, list[tuple[float, float]]] = {}
    for r, (px, py) in zip(line_of.tolist(), insert.tolist(), strict=False):
        by_line.setdefault(r, []).append((px, py))
    for r, plist in by_line.items():
        out[r] = _insert_vertices(out[r], plist)
    connectors = np.array([shapely.linestrings([xy[k], target[k]]) for k in np.flatnonzero(far)], dtype=object)
    return out, connectors


def join_dangling_ends(lines: np.ndarray, *, max_gap_m: float, tolerance_m: float = 0.1) -> tuple[np.ndarray, np.ndarray, int]:
    """Join road ends that stop within ``max_gap_m`` of another road line without a shared vertex.

    A *dangling* end is a line end whose coordinate (on the ``tolerance_m`` grid) occurs in no other
    line. Generalised maps sometimes draw a junction a few metres short; such a gap would otherwise
    cut a road off into its own component.

    Returns
    -------
    (lines, connectors, joined)
        Lines with the junction vertices inserted, the gap connectors, and the number of ends joined.
    """
    import shapely

    lines = np.asarray(lines, dtype=object)
    if max_gap_m <= 0 or len(lines) < 2:
        return lines.copy(), np.zeros(0, dtype=object), 0
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(lines, 0)),
                      shapely.get_coordinates(shapely.get_point(lines, -1))])
    owner = np.concatenate([np.arange(len(lines))] * 2)
    allkey = np.round(shapely.get_coordinates(lines) / tolerance_m).astype(np.int64)
    endkey = np.round(ends / tolerance_m).astype(np.int64)
    _, inv, counts = np.unique(np.vstack([allkey, endkey]), axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    dangling = np.flatnonzero(counts[inv[len(allkey):]] == 2)  # itself as a vertex and as an end
    if not len(dangling):
        return lines.copy(), np.zeros(0, dtype=object), 0
    tree = shapely.STRtree(lines)
    pi, li = tree.query(shapely.points(ends[dangling]), predicate="dwithin", distance=max_gap_m)
    other = li != owner[dangling][pi]
    pi, li = pi[other], li[other]
    if not len(pi):
        return lines.copy(), np.zeros(0, dtype=object), 0
    d = shapely.distance(shapely.points(ends[dangling][pi]), lines[li])
    order = np.lexsort((li, d, pi))
    pi, li = pi[order], li[order]
    first = np.ones(len(pi), dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    pi, li = pi[first], li[first]
    out, connectors = attach_points(ends[dangling][pi], lines, li, tolerance_m=tolerance_m)
    return out, connectors, len(pi)


def plan_quays(
    roads: np.ndarray,
    vessel: np.ndarray,
    vessel_ids: np.ndarray,
    *,
    max_connect_m: float,
    max_junction_connect_m: float,
    tolerance_m: float = 0.1,
) -> QuayPlan:
    """Classify every vessel end and draw the connectors and stubs (see the module docstring).

    Parameters
    ----------
    roads
        Road LineStrings (projected, metres).
    vessel
        Ferry and boat LineStrings.
    vessel_ids
        Id of each vessel line, reported in ``ends["lines"]``.
    max_connect_m
        Largest gap in metres bridged for a terminal end (one line).
    max_junction_connect_m
        Largest gap in metres bridged for an end shared by several lines.
    tolerance_m
        Coordinates closer than this grid (metres) are the same point, as in the noding.

    Returns
    -------
    QuayPlan
    """
    import pandas as pd
    import shapely

    roads = np.asarray(roads, dtype=object)
    xy, lines, n_lines = _vessel_ends(np.asarray(vessel, dtype=object), np.asarray(vessel_ids), tolerance_m)
    n = len(xy)
    pts = shapely.points(xy)
    dist = np.full(n, np.nan)
    nearest = np.full(n, -1, dtype=np.int64)
    on_road = np.zeros(n, dtype=bool)
    if len(roads) and n:
        rkey = np.round(shapely.get_coordinates(roads) / tolerance_m).astype(np.int64)
        ekey = np.round(xy / tolerance_m).astype(np.int64)
        on_road = _rows_in(ekey, rkey)
        tree = shapely.STRtree(roads)
        (pi, ri), d = tree.query_nearest(pts, return_distance=True, all_matches=False)
        dist[pi] = d
        nearest[pi] = ri
        dist[on_road] = 0.0
    limit = np.where(n_lines > 1, max_junction_connect_m, max_connect_m)
    within = np.isfinite(dist) & (dist <= limit)
    status = np.where(on_road, "on_road", np.where(within, "connector", np.where(n_lines > 1, "fork_at_sea", "roadless_quay")))
    connect = np.flatnonzero(status == "connector")
    geoms = roads.copy()
    connectors = np.zeros(0, dtype=object)
    if len(connect):
        geoms, connectors = attach_points(xy[connect], geoms, nearest[connect], tolerance_m=tolerance_m)
    stub_at = np.flatnonzero(status == "roadless_quay")
    stubs = [shapely.linestrings([xy[i], xy[i] + [QUAY_STUB_M, 0.0]]) for i in stub_at]
    ends = pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "lines": lines,
            "n_lines": n_lines,
            "road_distance_m": dist,
            "status": status,
            "quay": status != "fork_at_sea",
        }
    )
    return QuayPlan(ends, geoms, connectors, np.array(stubs, dtype=object))


def _rows_in(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Boolean per row of ``a``: does the (x, y) key occur among the rows of ``b``."""
    if len(b) == 0:
        return np.zeros(len(a), dtype=bool)
    both = np.vstack([b, a])
    _, inv = np.unique(both, axis=0, return_inverse=True)
    inv = inv.ravel()
    present = np.zeros(inv.max() + 1, dtype=bool)
    present[inv[: len(b)]] = True
    return present[inv[len(b):]]
