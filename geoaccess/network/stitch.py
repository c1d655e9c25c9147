"""Stitch a detailed network into a coarse one: detail inside a polygon, the coarse network outside.

A town's full road network (NVDB, an OSM extract) ends at the town's border; the national
N1000 network carries on to the neighbours, but inside the town it has only the main roads at
rural speeds. The **composite** takes the detailed network inside a polygon and the coarse one
outside it, and joins them where the same roads cross the border:

1. **Detailed part**: the detailed network's nodes inside the polygon (and the edges between
   them). Its *frontier* is where it can be joined: the nodes within ``frontier_m`` of the
   polygon's boundary and the nodes that lost an edge to the cut. A municipal NVDB export ends at
   the border in dead ends; an OSM extract's one-way carriageways cut at its edge are pruned back to
   the last interchange, so the frontier is not limited to dead ends.
2. **Coarse part**: the coarse edges outside the polygon. An edge crossing the boundary is cut
   there (its travel time in proportion to length) and the cut becomes a **border node**; an edge
   wholly inside is dropped (the detail replaces it). A ferry crossing is never cut: a ferry edge
   with a quay inside keeps its full crossing time and the quay becomes the border node.
3. **Joins**: each border node is joined to a frontier node by a straight connector edge
   (:attr:`~geoaccess.network.graph.EdgeFlag.CONNECTOR`), one per direction the coarse road allows
   (into the detail from a border node the coarse road arrives at; out of it where it departs;
   a one-way carriageway pair gets each direction joined to its own carriageway):

   * by **road number** where both networks carry one (:mod:`geoaccess.network.road_refs`:
     europa-, riks- and fylkesveg numbers, e.g. E6, Rv 25, Fv 222): the nearest detailed node on a
     road with the same category and number within ``max_join_m`` (any node, not only the frontier:
     degree-2 simplification leaves few nodes along a road);
   * else by **proximity**: the best frontier node within ``max_proximity_m`` — the nearest, where a node
     on an unnumbered road counts :data:`UNNUMBERED_PENALTY_M` farther for a numbered coarse road, and
     a node that is not a road end :data:`THROUGH_NODE_PENALTY_M` farther.

   A connector runs at the speed of the coarse edge it continues (ferry quays: ``quay_kmh``).
   A border node with no frontier node in reach stays a dead end of the coarse road (listed).
4. The largest strongly connected component is kept (what is dropped is counted per part).

The composite is an ordinary :class:`~geoaccess.network.graph.Network`: every command that takes a
network takes it. Its nodes come in three contiguous ranges (``meta["stitch"]["node_ranges"]``):
detailed, coarse, border. Detailed edges keep their ``way_id`` (NVDB link sequence, OSM way);
coarse edges get ``way_id + COARSE_ID_OFFSET`` (``-1`` stays ``-1``), so a scenario can still
select detailed roads by their ids; connectors are ``-1``. Turn restrictions of the detailed
network are carried over. ``meta["stitch"]["joins"]`` lists every join (:func:`join_table`).

The polygon is a given boundary (e.g. a municipality: ``kommune:0403`` in the CLI) or, by
default, the detailed network's **hull** (:func:`network_hull`): its convex hull cut down to the
area within ``cover_m`` of its roads. A given boundary is cut to the hull too (``clip_to_hull``), so
coarse roads where the boundary reaches beyond the detail (roadless forest, a lake) are kept.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from geoaccess.errors import CRSError, CRSWarning, InputError, NetworkBuildError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geoaccess.network.graph import Network

__all__ = [
    "BORDER_NODE_OFFSET",
    "COARSE_ID_OFFSET",
    "GENERALISATION_FACTOR",
    "THROUGH_NODE_PENALTY_M",
    "UNNUMBERED_PENALTY_M",
    "border_crossings",
    "join_table",
    "network_hull",
    "read_boundary",
    "stitch_networks",
    "stitched_part",
]

COARSE_ID_OFFSET = 10**12
"""Added to the coarse network's ``way_id`` (and ``node_id``) in a composite; detailed ids are unchanged."""

BORDER_NODE_OFFSET = 2 * 10**12
"""``node_id`` of the ``k``-th border node of a composite: ``BORDER_NODE_OFFSET + k``."""

GENERALISATION_FACTOR = 1.25
"""How much faster a trip on the detailed part may be than on the 1:1M coarse network (N1000), as a factor.

``docs/national.md`` measured N1000 time / detailed time between the same junctions in Hamar: median 0.96,
90th percentile 1.21 (N1000 slower where the detail's speed limits are higher than N1000's category speeds).
A border-crossing trip on a composite should not be faster than ``coarse minutes / 1.25`` (minus a minute for
the two ends' snapping); the tests check it on Hamar and eastern Oslo (``docs/stitching.md``)."""

UNNUMBERED_PENALTY_M = 200.0
"""In a join by proximity, a frontier node on an unnumbered road counts this much farther (metres) when the coarse road is numbered."""

THROUGH_NODE_PENALTY_M = 100.0
"""In a join by proximity, a frontier node that is not a road end (dead end or cut) counts this much farther (metres)."""

_REF_SNAP_M = 5.0  # a point takes the road numbers of the source lines this close (border nodes lie on them)
_PARTS = ("detailed", "coarse", "border")


# ----------------------------------------------------------------------------- polygon
def network_hull(net: Network, *, cover_m: float = 500.0) -> shapely.Polygon:
    """The area a network covers: its convex hull, within about ``cover_m`` metres of its edges (holes filled).

    Parameters
    ----------
    net
        The (detailed) network.
    cover_m
        Distance from the network's edges in metres; the hull's concave bays farther than this from
        any road (a lake, a neighbour's land) are left out. Computed on a grid of ``cover_m / 2``
        cells (edges sampled at that spacing), so the edge of the area is within ``cover_m / 2`` of
        the exact distance.

    Returns
    -------
    shapely.Polygon
        In the network's CRS (the largest part, if the coverage falls apart).
    """
    import shapely

    step = float(cover_m) / 2.0
    xy = shapely.get_coordinates(shapely.segmentize(net.edge_geometries(), step))
    cells = np.unique(np.floor(np.vstack([xy, net.xy]) / step).astype(np.int64), axis=0)
    boxes = shapely.box(cells[:, 0] * step, cells[:, 1] * step, (cells[:, 0] + 1) * step, (cells[:, 1] + 1) * step)
    cover = shapely.buffer(shapely.coverage_union_all(boxes), step, quad_segs=2)
    hull = shapely.convex_hull(shapely.multipoints(net.xy))
    return _largest_polygon(_fill_holes(shapely.intersection(hull, cover)))


def _fill_holes(geom: shapely.Geometry) -> shapely.Geometry:
    import shapely

    parts = shapely.get_parts(geom)
    polys = [shapely.Polygon(shapely.get_exterior_ring(p)) for p in parts if p.geom_type == "Polygon"]
    return shapely.union_all(polys) if polys else geom


def _largest_polygon(geom: shapely.Geometry) -> shapely.Polygon:
    import shapely

    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    if not parts:
        msg = "The stitching polygon has no area."
        raise InputError(msg)
    return max(parts, key=lambda p: p.area)


def _polygon_in(polygon: Any, crs: str) -> shapely.Geometry:
    """A (multi)polygon in ``crs`` from a shapely geometry (taken as ``crs``) or a GeoDataFrame/GeoSeries."""
    import geopandas as gpd
    import shapely

    if isinstance(polygon, (gpd.GeoDataFrame, gpd.GeoSeries)):
        what = "The stitching polygon layer"
        if polygon.crs is None:
            msg = f"{what} has no CRS; set one (e.g. .set_crs('EPSG:25833')) so it can be matched to the networks ({crs})."
            raise CRSError(msg)
        if polygon.crs != crs:
            warnings.warn(f"{what} is in {polygon.crs.to_string()}; transformed to the networks' {crs}.",
                          CRSWarning, stacklevel=3)
            polygon = polygon.to_crs(crs)
        geom = shapely.union_all(polygon.geometry.to_numpy())
    else:
        geom = polygon
    if not isinstance(geom, shapely.Geometry) or geom.is_empty:
        msg = "The stitching polygon is empty or not a geometry; give a Polygon, MultiPolygon or a polygon layer."
        raise InputError(msg)
    geom = shapely.make_valid(geom)
    if shapely.area(geom) <= 0:
        msg = f"The stitching polygon ({geom.geom_type}) has no area; give a Polygon or MultiPolygon."
        raise InputError(msg)
    return geom


def read_boundary(spec: str, *, crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """A stitching polygon from ``kommune:CODE[,CODE...]`` or a polygon file (GeoPackage, GeoJSON, shapefile ...).

    Parameters
    ----------
    spec
        ``kommune:3403`` (Hamar; several codes are joined), or a path to a polygon layer with a CRS.
        A code is looked up in the 2024 boundaries, then 2020; an older code (``0403``, Hamar before 2020)
        is read as its 2024 municipality when the official change table maps it to that one alone (a
        renumbering), else from the simplified 2019 boundaries, with a :class:`~geoaccess.errors.DataWarning`.
    crs
        CRS of municipality boundaries (a file keeps its own CRS: :func:`stitch_networks` transforms it to the
        networks' CRS with a :class:`~geoaccess.errors.CRSWarning`).

    Returns
    -------
    geopandas.GeoDataFrame
        The polygon(s), with ``kommunenummer``/``kommunenavn`` for municipalities; ``attrs["boundary"]`` says
        what was read.

    Raises
    ------
    InputError
        An unknown code, a missing file, a layer without polygons.
    CRSError
        A file without a CRS.
    """
    import geopandas as gpd

    from geoaccess.errors import DataWarning

    spec = str(spec).strip()
    if spec.lower().startswith("kommune:"):
        from geoaccess.layers.boundaries import read_municipalities
        from geoaccess.layers.crosswalk import crosswalk_from_table

        codes = [c.strip().zfill(4) for c in spec.split(":", 1)[1].split(",") if c.strip()]
        if not codes or not all(c.isdigit() and len(c) == 4 for c in codes):
            msg = f"--boundary {spec!r}: give kommune:CODE with 4-digit municipality numbers, e.g. kommune:3403."
            raise InputError(msg)
        from geoaccess.layers.crosswalk import codes_in_force

        parts, notes = [], []
        b2024 = read_municipalities(2024, crs=crs)
        for code in codes:
            if code in set(b2024["kommunenummer"]):
                parts.append(b2024[b2024["kommunenummer"] == code])
                notes.append(f"{code} (2024 boundaries)")
                continue
            if code in codes_in_force(2020):
                b2020 = read_municipalities(2020, crs=crs)
                parts.append(b2020[b2020["kommunenummer"] == code])
                notes.append(f"{code} (2020 boundaries)")
                continue
            x = crosswalk_from_table(2019, 2024)
            rows = x[x["from_code"] == code]
            if rows.empty:
                msg = (f"--boundary {spec!r}: no municipality {code} in the 2019, 2020 or 2024 boundaries; "
                       f"see `geoaccess data list` and the codes in boundaries/kommuner_2024.geojson.")
                raise InputError(msg)
            target = str(rows["to_code"].iloc[0])
            alone = len(rows) == 1 and float(rows["weight"].iloc[0]) == 1.0 and (x["to_code"] == target).sum() == 1
            if alone:
                parts.append(b2024[b2024["kommunenummer"] == target])
                notes.append(f"{code} read as {target} (renumbered; 2024 boundaries)")
            else:
                b2019 = read_municipalities(2019, crs=crs)
                parts.append(b2019[b2019["kommunenummer"] == code])
                notes.append(f"{code} (simplified 2019 boundaries)")
                warnings.warn(f"Municipality {code} changed its territory after 2019; its simplified 2019 boundary is "
                              f"used for stitching.", DataWarning, stacklevel=2)
        import pandas as pd

        out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=crs)
        out.attrs["boundary"] = "municipalities " + ", ".join(notes)
        return out
    from pathlib import Path

    p = Path(spec)
    if not p.is_file():
        msg = f"--boundary {spec!r}: not kommune:CODE and no such file; give kommune:3403 or a polygon file."
        raise InputError(msg)
    gdf = gpd.read_file(p)
    if gdf.crs is None:
        msg = f"The boundary file {p} has no CRS; set one (e.g. save it with EPSG:25833) so it can be matched to the networks."
        raise CRSError(msg)
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        msg = f"The boundary file {p} holds no polygons (geometry types {sorted(set(gdf.geom_type.dropna()))})."
        raise InputError(msg)
    polys.attrs["boundary"] = f"file {p} ({polys.crs.to_string()})"
    return polys


# ----------------------------------------------------------------------------- frontier
def _neighbour_counts(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(undirected distinct neighbours, out-degree, in-degree) per node, ignoring self-loops."""
    t, h = net.tails.astype(np.int64), net.indices.astype(np.int64)
    ok = t != h
    a, b = np.minimum(t[ok], h[ok]), np.maximum(t[ok], h[ok])
    pairs = np.unique(a * net.n_nodes + b)
    und = np.bincount(pairs // net.n_nodes, minlength=net.n_nodes) + np.bincount(pairs % net.n_nodes, minlength=net.n_nodes)
    return und, np.bincount(t[ok], minlength=net.n_nodes), np.bincount(h[ok], minlength=net.n_nodes)


def _detailed_part(detailed: Network, poly: shapely.Geometry, *, frontier_m: float,
                   outside_m: float) -> tuple[Network, np.ndarray, np.ndarray, dict]:
    """The detailed network inside the polygon (nodes up to ``outside_m`` beyond it kept), its frontier and road ends.

    The frontier is every node within ``frontier_m`` of the polygon's boundary, and every node that lost an
    edge to the cut; road ends are the frontier's dead ends and cut nodes.
    """
    import shapely

    inside = shapely.dwithin(poly, shapely.points(detailed.xy), outside_m)
    if not inside.any():
        msg = "No node of the detailed network lies inside the stitching polygon; check the polygon and the networks' CRS."
        raise InputError(msg)
    t, h = detailed.tails, detailed.indices
    lost = np.zeros(detailed.n_nodes, dtype=bool)
    cut = inside[t] != inside[h]
    lost[t[cut]] = True
    lost[h[cut]] = True
    part = detailed.subgraph(inside)
    lost = lost[inside]
    und, _, _ = _neighbour_counts(part)
    near = shapely.distance(poly.boundary, shapely.points(part.xy)) <= frontier_m
    frontier = lost | near
    road_end = lost | (und <= 1)
    counts = {"nodes_in_polygon": int(inside.sum()), "nodes_outside_dropped": int((~inside).sum()),
              "edges_cut": int(cut.sum()), "frontier_nodes": int(frontier.sum()),
              "frontier_road_ends": int((frontier & road_end).sum())}
    return part, frontier, road_end, counts


# ----------------------------------------------------------------------------- coarse side
class _Border:
    """Border nodes found while cutting the coarse edges (keyed by position on a 1 mm grid)."""

    def __init__(self) -> None:
        self.key: dict[tuple[int, int], int] = {}
        self.xy: list[tuple[float, float]] = []
        self.coarse_node: list[int] = []   # coarse node index for a ferry quay, -1 for a cut
        self.arrive: list[bool] = []       # a coarse edge ends here (entering the detail is possible)
        self.depart: list[bool] = []       # a coarse edge starts here
        self.spm: list[list[float]] = []   # seconds per metre of the coarse pieces touching it

    def add(self, x: float, y: float, *, coarse_node: int = -1) -> int:
        k = (round(x * 1000), round(y * 1000))
        if k not in self.key:
            self.key[k] = len(self.xy)
            self.xy.append((x, y))
            self.coarse_node.append(coarse_node)
            self.arrive.append(False)
            self.depart.append(False)
            self.spm.append([])
        return self.key[k]


def _oriented(part: shapely.LineString, whole: shapely.LineString) -> np.ndarray:
    import shapely

    xy = shapely.get_coordinates(part)
    if shapely.line_locate_point(whole, shapely.points(xy[0])) > shapely.line_locate_point(whole, shapely.points(xy[-1])):
        xy = xy[::-1]
    return xy


class _CoarsePart:
    """The coarse network outside the polygon: kept nodes, kept edges, cut pieces, border nodes."""

    def __init__(self, coarse: Network, poly: shapely.Geometry) -> None:
        import shapely

        from geoaccess.network.graph import EdgeFlag

        self.net = coarse
        inside = shapely.intersects_xy(poly, coarse.x, coarse.y)
        geoms = coarse.edge_geometries()
        shapely.prepare(poly)
        touch = shapely.intersects(poly, geoms)
        covered = touch & shapely.covered_by(geoms, poly)
        ferry = (coarse.flags & EdgeFlag.FERRY) != 0
        t, h = coarse.tails, coarse.indices
        self.border = _Border()
        # ferries are never cut: a quay inside the polygon becomes a border node
        whole_ferry = ferry & touch & ~covered
        quay = np.zeros(coarse.n_nodes, dtype=bool)
        quay[t[whole_ferry][inside[t[whole_ferry]]]] = True
        quay[h[whole_ferry][inside[h[whole_ferry]]]] = True
        self.keep_node = ~inside | quay
        self.keep_edge = (~touch | whole_ferry) & self.keep_node[t] & self.keep_node[h]
        self.quay_border = {}
        for q in np.flatnonzero(quay):
            self.quay_border[int(q)] = self.border.add(float(coarse.x[q]), float(coarse.y[q]), coarse_node=int(q))
        for e in np.flatnonzero(whole_ferry):
            if quay[h[e]]:
                self.border.arrive[self.quay_border[int(h[e])]] = True
            if quay[t[e]]:
                self.border.depart[self.quay_border[int(t[e])]] = True
        self.pieces: list[tuple[tuple[str, int], tuple[str, int], np.ndarray, float, float, int]] = []
        for e in np.flatnonzero(touch & ~covered & ~ferry):
            self._cut(int(e), geoms[e], poly, inside)
        self.counts = {"coarse_edges_inside_dropped": int(covered.sum()), "coarse_edges_cut": int((touch & ~covered & ~ferry).sum()),
                       "ferry_edges_with_a_quay_inside": int(whole_ferry.sum()), "pieces_kept": len(self.pieces)}

    def _cut(self, e: int, geom: shapely.LineString, poly: shapely.Geometry, inside: np.ndarray) -> None:
        import shapely

        net = self.net
        t, h = int(net.tails[e]), int(net.indices[e])
        length = float(shapely.length(geom))
        if length <= 0:
            return
        outside = shapely.difference(geom, poly)
        for piece in shapely.get_parts(outside):
            if piece.geom_type != "LineString" or piece.length <= 0:
                continue
            xy = _oriented(piece, geom)
            frac = float(piece.length) / length
            ends = []
            for px, py in (xy[0], xy[-1]):
                node = next((n for n in (t, h) if not inside[n] and abs(net.x[n] - px) < 1e-3 and abs(net.y[n] - py) < 1e-3), None)
                ends.append(("coarse", node) if node is not None else ("border", self.border.add(float(px), float(py))))
            if ends[0] == ends[1]:
                continue
            seconds = float(net.seconds[e]) * frac
            metres = float(net.metres[e]) * frac
            for end, flag in ((ends[0], "depart"), (ends[1], "arrive")):
                if end[0] == "border":
                    getattr(self.border, flag)[end[1]] = True
                    self.border.spm[end[1]].append(seconds / max(metres, 1e-9))
            self.pieces.append((ends[0], ends[1], xy[1:-1], seconds, metres, e))


# ----------------------------------------------------------------------------- joins
class _Candidates(NamedTuple):
    """Detailed nodes near the border that a join may end at (arrays over the candidates)."""

    node: np.ndarray       # int64: node of the detailed part
    xy: np.ndarray         # float64 (k, 2)
    can_enter: np.ndarray  # bool: has an edge onwards into the detail
    can_leave: np.ndarray  # bool: has an edge arriving from the detail
    end: np.ndarray        # bool: a dead end or a node cut from the rest of the detail
    frontier: np.ndarray   # bool: within frontier_m of the boundary, or cut (may be joined by proximity)
    refs: list[frozenset]  # road numbers of the lines through each


def _candidates(part: Network, frontier: np.ndarray, road_end: np.ndarray, border_xy: np.ndarray,
                refs: gpd.GeoDataFrame, *, radius_m: float) -> _Candidates:
    from scipy.spatial import cKDTree

    from geoaccess.network.road_refs import refs_near

    hits = cKDTree(part.xy).query_ball_point(border_xy, r=radius_m)
    node = np.unique(np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])) if len(hits) else np.zeros(0, np.int64)
    _, d_out, d_in = _neighbour_counts(part)
    xy = part.xy[node]
    return _Candidates(node=node, xy=xy, can_enter=d_out[node] > 0, can_leave=d_in[node] > 0, end=road_end[node],
                       frontier=frontier[node], refs=refs_near(refs, xy, within_m=_REF_SNAP_M))


def _choose(cands: np.ndarray, dists: np.ndarray, ok: np.ndarray, refs_b: frozenset, cand: _Candidates,
            *, max_join_m: float, max_proximity_m: float) -> tuple[int, str, str] | None:
    """(candidate index, match kind, road) of the best candidate for one border node and direction, or None.

    A node on a road with the border road's number wins (nearest first, within ``max_join_m``; any
    node of the detail, since simplification leaves few nodes along a road). Otherwise the frontier node
    within ``max_proximity_m`` with the lowest score wins: its distance, plus :data:`UNNUMBERED_PENALTY_M`
    when the border road is numbered and the node's road is not (a numbered road continues as a numbered
    road, even where two datasets number it differently), plus :data:`THROUGH_NODE_PENALTY_M` when the node
    is not a road end (a road cut at the border continues the coarse road more likely than a street
    passing near it).
    """
    from geoaccess.network.road_refs import compatible, format_ref

    if refs_b:
        for c in cands[ok & (dists <= max_join_m)]:
            common = [a for a in refs_b for b in cand.refs[c] if compatible(a, b)]
            if common:
                best = max(common, key=lambda r: (r[0] != "", r))
                return int(c), "road number", format_ref(best)
    near = ok & cand.frontier[cands] & (dists <= max_proximity_m)
    if not near.any():
        return None
    unnumbered = np.array([bool(refs_b) and not cand.refs[c] for c in cands], dtype=bool)
    score = dists + UNNUMBERED_PENALTY_M * unnumbered + THROUGH_NODE_PENALTY_M * ~cand.end[cands]
    score[~near] = np.inf
    return int(cands[int(np.argmin(score))]), "proximity", ""


def _joins(border: _Border, cand: _Candidates, refs_border: list[frozenset], *, max_join_m: float,
           max_proximity_m: float) -> list[dict[str, Any]]:
    from scipy.spatial import cKDTree

    from geoaccess.network.road_refs import format_ref

    if not len(cand.node):
        return []
    tree = cKDTree(cand.xy)
    joins: list[dict[str, Any]] = []
    for b, (bx, by) in enumerate(border.xy):
        cands = np.asarray(tree.query_ball_point((bx, by), r=max(max_join_m, max_proximity_m)), dtype=np.int64)
        if not len(cands):
            continue
        dists = np.hypot(cand.xy[cands, 0] - bx, cand.xy[cands, 1] - by)
        order = np.argsort(dists, kind="stable")
        cands, dists = cands[order], dists[order]
        for direction, can, ok in (("into detailed", border.arrive[b], cand.can_enter[cands]),
                                   ("out of detailed", border.depart[b], cand.can_leave[cands])):
            if not can:
                continue
            got = _choose(cands, dists, ok, refs_border[b], cand, max_join_m=max_join_m, max_proximity_m=max_proximity_m)
            if got is None:
                continue
            c, match, road = got
            joins.append({"border": b, "detailed_node": int(cand.node[c]), "direction": direction, "match": match,
                          "road": road, "coarse_roads": ", ".join(sorted(format_ref(r) for r in refs_border[b])),
                          "detailed_roads": ", ".join(sorted(format_ref(r) for r in cand.refs[c])),
                          "distance_m": float(np.hypot(cand.xy[c, 0] - bx, cand.xy[c, 1] - by))})
    return joins


# ----------------------------------------------------------------------------- assembly
class _Edges:
    """Edge lists of the composite in input order, with a flat shape layout."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "h", "s", "m", "w", "f")}
        self.lens: list[np.ndarray] = []
        self.xy: list[np.ndarray] = []

    def add(self, t, h, s, m, w, f, lens, xy) -> None:  # noqa: ANN001, PLR0913 - parallel arrays
        for k, v in zip("thsmwf", (t, h, s, m, w, f), strict=True):
            self.cols[k].append(np.atleast_1d(np.asarray(v)))
        self.lens.append(np.atleast_1d(np.asarray(lens, dtype=np.int64)))
        self.xy.append(np.asarray(xy, dtype=np.float64).reshape(-1, 2))

    def arrays(self) -> dict[str, np.ndarray]:
        out = {k: np.concatenate(v) for k, v in self.cols.items()}
        lens = np.concatenate(self.lens)
        out["shape_ptr"] = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        out["shape_xy"] = np.concatenate(self.xy) if self.xy else np.zeros((0, 2))
        return out


def _shape_lens(net: Network, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from geoaccess.network.graph import gather_shapes

    ptr, xy = gather_shapes(net.shape_ptr, net.shape_xy, edges)
    return np.diff(ptr), xy


def _check_pair(detailed: Network, coarse: Network) -> str:
    from pyproj import CRS

    if CRS.from_user_input(detailed.crs) != CRS.from_user_input(coarse.crs):
        msg = (f"The detailed network is in {detailed.crs} and the coarse one in {coarse.crs}; build both in the same "
               f"projected CRS (EPSG:25833 for Norway) before stitching.")
        raise CRSError(msg)
    modes = {detailed.mode, coarse.mode}
    if detailed.mode != coarse.mode and modes != {"car", "boat"}:
        msg = (f"The detailed network is a {detailed.mode!r} network and the coarse one a {coarse.mode!r} network; stitch "
               f"networks of the same mode (a car network may go into an N1000 'boat' network).")
        raise InputError(msg)
    return coarse.mode if "boat" in modes else detailed.mode


def _net_summary(net: Network) -> dict[str, Any]:
    return {k: net.meta.get(k) for k in ("source", "source_sha256", "cache_key") if net.meta.get(k) is not None} | {
        "mode": net.mode, "nodes": net.n_nodes, "edges": net.n_edges}


def stitch_networks(
    detailed: Network,
    coarse: Network,
    *,
    polygon: Any = None,
    max_join_m: float = 1000.0,
    max_proximity_m: float = 300.0,
    frontier_m: float = 300.0,
    outside_m: float = 150.0,
    cover_m: float = 500.0,
    clip_to_hull: bool = True,
    quay_kmh: float = 30.0,
    detailed_refs: gpd.GeoDataFrame | None = None,
    coarse_refs: gpd.GeoDataFrame | None = None,
    keep: Literal["largest", "all"] = "largest",
    cache: bool = True,
) -> Network:
    """The composite network: ``detailed`` inside ``polygon``, ``coarse`` outside, joined at the border.

    Parameters
    ----------
    detailed, coarse
        Networks in the same projected CRS and mode (a car network may be stitched into an N1000 boat network).
    polygon
        Where the detail replaces the coarse network: a shapely (Multi)Polygon in the networks' CRS, or a
        GeoDataFrame/GeoSeries (another CRS is transformed, with a :class:`~geoaccess.errors.CRSWarning`).
        Default: :func:`network_hull` of ``detailed``.
    max_join_m
        Largest connector, metres, for a join by road number.
    max_proximity_m
        Largest connector, metres, for a join by proximity (roads without a matching number).
    frontier_m
        A dead end of the detailed network this close to the polygon's boundary (metres) can be joined.
    outside_m
        Detailed nodes up to this far outside the polygon (metres) still belong to the detailed part: municipal
        boundaries are generalised (Hamar's NVDB export has nodes up to 99 m outside Kartverket's 2024 line).
    cover_m
        Distance from the detailed roads, metres, of the detailed network's hull (:func:`network_hull`): the
        default polygon, and the cut applied to a given one.
    clip_to_hull
        Cut a given polygon down to the detailed network's hull, so that where the polygon reaches beyond the
        detail (a municipality's roadless forest, a lake) the coarse roads are kept (default ``True``).
    quay_kmh
        Speed of a connector from a ferry quay to the detailed roads, km/h.
    detailed_refs, coarse_refs
        Road-number lines (:func:`geoaccess.network.road_refs.road_ref_lines`); read from the networks'
        sources when ``None``.
    keep
        ``"largest"`` strong component (default) or ``"all"``.
    cache
        Cache the road-number tables read from the sources.

    Returns
    -------
    Network
        With ``meta["stitch"]``: the joins (:func:`join_table`), border crossings left unjoined, node ranges
        of the parts, counts, the polygon (WKT, simplified to 1 m) and both inputs' provenance.

    Raises
    ------
    CRSError
        The networks are in different CRSs, or a polygon layer has no CRS.
    InputError
        Different modes, an empty polygon, or no detailed node inside it.
    NetworkBuildError
        The networks do not touch: no coarse road crosses the border within reach of the detail (no joins).
    """
    import shapely

    from geoaccess.network.graph import EdgeFlag, Network
    from geoaccess.network.road_refs import refs_near, road_ref_lines

    for name, v in (("max_join_m", max_join_m), ("max_proximity_m", max_proximity_m), ("frontier_m", frontier_m),
                    ("outside_m", outside_m), ("cover_m", cover_m), ("quay_kmh", quay_kmh)):
        if not (np.isfinite(v) and v > 0):
            msg = f"stitch_networks: {name} must be a positive number, got {v!r}."
            raise InputError(msg)
    if keep not in ("largest", "all"):
        msg = f"stitch_networks: keep must be 'largest' or 'all', not {keep!r}."
        raise InputError(msg)
    mode = _check_pair(detailed, coarse)
    hull = network_hull(detailed, cover_m=cover_m)
    poly = hull if polygon is None else _polygon_in(polygon, detailed.crs)
    if polygon is not None and clip_to_hull:
        poly = _largest_polygon(shapely.intersection(poly, hull))
    part_d, frontier, road_end, d_counts = _detailed_part(detailed, poly, frontier_m=frontier_m, outside_m=outside_m)
    cpart = _CoarsePart(coarse, poly)
    border = cpart.border
    if not border.xy:
        msg = ("The coarse network does not cross the stitching polygon's border (no coarse road or ferry enters it): "
               "the networks do not touch, so there is nothing to join. Check that both cover the same area and CRS.")
        raise NetworkBuildError(msg)
    d_refs = road_ref_lines(detailed, cache=cache) if detailed_refs is None else detailed_refs
    c_refs = road_ref_lines(coarse, cache=cache) if coarse_refs is None else coarse_refs
    border_xy = np.asarray(border.xy, dtype=np.float64)
    refs_b = refs_near(c_refs, border_xy, within_m=_REF_SNAP_M)
    cand = _candidates(part_d, frontier, road_end, border_xy, d_refs, radius_m=max(max_join_m, max_proximity_m))
    joins = _joins(border, cand, refs_b, max_join_m=max_join_m, max_proximity_m=max_proximity_m)
    if not joins:
        from scipy.spatial import cKDTree

        front = part_d.xy[frontier]
        nearest = float(cKDTree(front).query(border_xy)[0].min()) if len(front) else float("inf")
        msg = (f"The detailed network does not touch the coarse one: none of the {len(border.xy)} places where coarse "
               f"roads cross the polygon's border has a detailed road within reach (nearest detailed node at the "
               f"border {nearest:,.0f} m away; joins by road number up to max_join_m={max_join_m:g} m, by proximity "
               f"up to max_proximity_m={max_proximity_m:g} m). Check that the networks and the polygon cover the same "
               f"area, or raise --max-join-m / --max-proximity-m.")
        raise NetworkBuildError(msg)

    # ---------------------------------------------------------------- nodes: detailed, coarse, border
    n_d = part_d.n_nodes
    c_keep = np.flatnonzero(cpart.keep_node)
    c_map = np.full(coarse.n_nodes, -1, dtype=np.int64)
    c_map[c_keep] = n_d + np.arange(len(c_keep))
    n_c = len(c_keep)
    b_node = np.array([c_map[c] if c >= 0 else -1 for c in border.coarse_node], dtype=np.int64)
    cut_b = np.flatnonzero(b_node < 0)
    b_node[cut_b] = n_d + n_c + np.arange(len(cut_b))
    x = np.concatenate([part_d.x, coarse.x[c_keep], border_xy[cut_b, 0]])
    y = np.concatenate([part_d.y, coarse.y[c_keep], border_xy[cut_b, 1]])
    node_id = np.concatenate([part_d.node_id, coarse.node_id[c_keep] + COARSE_ID_OFFSET,
                              BORDER_NODE_OFFSET + np.arange(len(cut_b), dtype=np.int64)])
    part_of = np.repeat(np.arange(3), [n_d, n_c, len(cut_b)])

    # ---------------------------------------------------------------- edges
    edges = _Edges()
    d_edges = np.arange(part_d.n_edges)
    edges.add(part_d.tails, part_d.indices, part_d.seconds, part_d.metres, part_d.way_id, part_d.flags,
              *_shape_lens(part_d, d_edges))
    ce = np.flatnonzero(cpart.keep_edge)
    cw = coarse.way_id[ce]
    edges.add(c_map[coarse.tails[ce]], c_map[coarse.indices[ce]], coarse.seconds[ce], coarse.metres[ce],
              np.where(cw >= 0, cw + COARSE_ID_OFFSET, -1), coarse.flags[ce], *_shape_lens(coarse, ce))

    def node_of(end: tuple[str, int]) -> int:
        return int(c_map[end[1]]) if end[0] == "coarse" else int(b_node[end[1]])

    for a, b, inner, s, m, e in cpart.pieces:
        w = int(coarse.way_id[e])
        edges.add(node_of(a), node_of(b), s, m, w + COARSE_ID_OFFSET if w >= 0 else -1, coarse.flags[e], len(inner), inner)
    for j in joins:
        f = j["detailed_node"]
        b = j["border"]
        spm = float(np.mean(border.spm[b])) if border.spm[b] else 3.6 / quay_kmh
        j["seconds"] = j["distance_m"] * spm
        tail, head = (b_node[b], f) if j["direction"] == "into detailed" else (f, b_node[b])
        edges.add(tail, head, j["seconds"], j["distance_m"], -1, int(EdgeFlag.CONNECTOR), 0, np.zeros((0, 2)))
        j["border_node"], j["detailed_node"] = int(b_node[b]), f
        j["border_x"], j["border_y"] = border.xy[b]
        j["detailed_x"], j["detailed_y"] = float(part_d.x[f]), float(part_d.y[f])
        j["coarse_way_id"] = _coarse_way_at(coarse, cpart, border, b)
    arr = edges.arrays()
    net = Network.from_arrays(arr["t"], arr["h"], seconds=arr["s"], metres=arr["m"], way_id=arr["w"], flags=arr["f"],
                              x=x, y=y, node_id=node_id, crs=detailed.crs, shape_ptr=arr["shape_ptr"],
                              shape_xy=arr["shape_xy"], mode=mode)
    if part_d.turns is not None and part_d.turns.n_restrictions:
        order = np.argsort(arr["t"], kind="stable")
        pos = np.empty(len(order), dtype=np.int64)
        pos[order] = np.arange(len(order))
        tr = part_d.turns
        net = replace(net, turns=tr._replace(from_edge=pos[tr.from_edge], to_edge=pos[tr.to_edge],
                                             via_edges=pos[tr.via_edges]))

    # ---------------------------------------------------------------- components, meta
    kept = np.ones(net.n_nodes, dtype=bool)
    if keep == "largest":
        from geoaccess.network.components import component_labels

        kept = component_labels(net) == 0
        net = net.subgraph(kept)
    new_id = np.cumsum(kept) - 1
    unjoined = _unjoined(border, joins, refs_b, b_node, kept, new_id)
    for j in joins:
        j["kept"] = bool(kept[j["border_node"]] and kept[j["detailed_node"]])
        j["border_node"] = int(new_id[j["border_node"]]) if kept[j["border_node"]] else -1
        j["detailed_node"] = int(new_id[j["detailed_node"]]) if kept[j["detailed_node"]] else -1
        del j["border"]
    sizes = [int(kept[part_of == p].sum()) for p in range(3)]
    ranges = dict(zip(_PARTS, [[int(a), int(b)] for a, b in zip(np.cumsum([0, *sizes[:-1]]), np.cumsum(sizes), strict=True)],
                      strict=True))
    info = {
        "joins": {k: [j[k] for j in joins] for k in joins[0]},
        "unjoined_crossings": unjoined,
        "node_ranges": ranges,
        "dropped_nodes": {p: int((~kept[part_of == i]).sum()) for i, p in enumerate(_PARTS)},
        "counts": {**d_counts, **cpart.counts, "border_nodes": len(border.xy), "joins": len(joins),
                   "joins_by_road_number": sum(j["match"] == "road number" for j in joins),
                   "joins_by_proximity": sum(j["match"] == "proximity" for j in joins)},
        "options": {"max_join_m": max_join_m, "max_proximity_m": max_proximity_m, "frontier_m": frontier_m,
                    "outside_m": outside_m, "cover_m": cover_m, "clip_to_hull": clip_to_hull, "quay_kmh": quay_kmh, "keep": keep,
                    "polygon": "hull of the detailed network" if polygon is None else "given"},
        "polygon_wkt": shapely.to_wkt(shapely.simplify(poly, 1.0), rounding_precision=1),
        "detailed": _net_summary(detailed),
        "coarse": _net_summary(coarse),
    }
    from geoaccess import __version__

    meta = {"reader": "stitch", "source": f"stitch of {detailed.meta.get('source')} into {coarse.meta.get('source')}",
            "version": __version__, "stitch": info}
    return replace(net, meta=meta)


def _coarse_way_at(coarse: Network, cpart: _CoarsePart, border: _Border, b: int) -> int:
    """Source way id of a coarse piece (or ferry) ending at border node ``b`` (``-1`` if none)."""
    for a, c, _, _, _, e in cpart.pieces:
        if ("border", b) in (a, c):
            return int(coarse.way_id[e])
    q = border.coarse_node[b]
    if q >= 0:
        from geoaccess.network.graph import EdgeFlag

        at = np.flatnonzero(((coarse.tails == q) | (coarse.indices == q)) & ((coarse.flags & EdgeFlag.FERRY) != 0))
        return int(coarse.way_id[at[0]]) if len(at) else -1
    return -1


def _unjoined(border: _Border, joins: list[dict], refs_b: list[frozenset], b_node: np.ndarray, kept: np.ndarray,
              new_id: np.ndarray) -> dict[str, list]:
    from geoaccess.network.road_refs import format_ref

    joined = {j["border"] for j in joins}
    rows = [b for b in range(len(border.xy)) if b not in joined]
    return {
        "border_node": [int(new_id[b_node[b]]) if kept[b_node[b]] else -1 for b in rows],
        "x": [border.xy[b][0] for b in rows],
        "y": [border.xy[b][1] for b in rows],
        "coarse_roads": [", ".join(sorted(format_ref(r) for r in refs_b[b])) for b in rows],
    }


# ----------------------------------------------------------------------------- reading the result
def _stitch_info(net: Network) -> dict[str, Any]:
    """``meta["stitch"]`` of a composite; an error naming the way to build one otherwise."""
    info = net.meta.get("stitch")
    if not info:
        msg = "This network is not a composite: build one with stitch_networks (CLI: `geoaccess network stitch`)."
        raise InputError(msg)
    return info


def join_table(net: Network) -> pd.DataFrame:
    """The joins of a composite network, one row per connector.

    Columns: ``direction`` (``into detailed`` / ``out of detailed``), ``match`` (``road number`` /
    ``proximity``), ``road`` (the shared number, e.g. ``E6``), ``coarse_roads`` and ``detailed_roads``
    (numbers found at each end), ``distance_m``, ``seconds``, ``border_node`` and ``detailed_node``
    (composite node indices, ``-1`` if dropped with a small component), ``border_x/y``,
    ``detailed_x/y`` (metres, the network's CRS), ``coarse_way_id`` (source id of the coarse road), ``kept``.

    Raises
    ------
    InputError
        ``net`` is not a composite from :func:`stitch_networks`.
    """
    import pandas as pd

    info = _stitch_info(net)
    return pd.DataFrame(info["joins"])


def border_crossings(net: Network) -> pd.DataFrame:
    """Places where a coarse road crosses a composite's border without a join (its dead ends at the border)."""
    import pandas as pd

    info = _stitch_info(net)
    return pd.DataFrame(info["unjoined_crossings"])


def stitched_part(net: Network) -> np.ndarray:
    """Part of each node of a composite: ``"detailed"``, ``"coarse"`` or ``"border"`` (object array, shape (n,))."""
    info = _stitch_info(net)
    out = np.empty(net.n_nodes, dtype=object)
    for part, (a, b) in info["node_ranges"].items():
        out[a:b] = part
    return out
