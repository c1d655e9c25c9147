"""Apply a scenario (speed changes, closures, new links, new ferries) to a :class:`Network`.

:func:`apply_scenario` returns a **new** Network; the base network's arrays are never
modified (the scenario gets copies). Node indices are kept: edits only change, remove
or add *edges*, so a node ``i`` of the base is node ``i`` of the scenario and travel
times on the two networks can be compared node by node.

Rules (all times in seconds inside):

* Selecting roads (``speed`` and ``close``): by way id (every edge carrying the way, also
  inside a simplified edge's way group: :mod:`geoaccess.network.ways`), by polygon (edges
  with at least half their length inside) or by a corridor (edges with at least half their
  length inside the line buffered by ``buffer_m``), and by road ``name``, ``road_class`` or
  ``road`` number from the way attribute table (:mod:`geoaccess.network.attributes`); all
  selectors given must hold. ``speed`` may also keep only edges whose current speed is
  ``>= min_current_kmh``.
* ``speed``: ``set_speed_kmh`` gives every selected edge ``seconds = metres / (kmh / 3.6)``
  (faster or slower); ``max_speed_kmh`` is a **limit**: only edges faster than it are slowed
  to it; ``factor`` divides the seconds. A set that makes edges faster warns
  (:class:`~geoaccess.errors.DataWarning`) when its label or the scenario's name suggests a
  limit ("30 zone", "30-sone", "max", "traffic calming", "reduce" ...; "limit" or "fartsgrense"
  when the set also slows other roads), or when the deprecated ``speed_kmh`` both raises and
  lowers speeds: a "30 zone" written as a set would make 20 km/h streets faster.
* ``close``: the selected edges are removed (both directions).
* ``open_planned``: the planned links (N1000 ``vegfase = P``) chosen by road number, row
  and/or area become two-way edges at their own speed, with their geometry
  (:func:`geoaccess.network.planned.select_planned`); ``way_id`` = the source row, flagged
  :attr:`EdgeFlag.CONNECTOR` (added by the scenario: never a snap target). Ends between two
  planned segments become new nodes, **appended after the base's nodes**.
* ``remove_ferry``: the ferry edges chosen by way id, name, road number and/or the crossing
  between the quays nearest to ``from`` and ``to`` (the chain of ferry edges between them) are
  removed, both directions.
* ``link``: the two end points are snapped to the nearest node that still has an edge;
  an end farther than ``max_snap_m`` is an error. One edge per direction (two-way by
  default) with ``seconds = minutes * 60`` or ``length / speed``; the length is
  ``length_m`` or the straight line between the snapped nodes. Flagged
  :attr:`EdgeFlag.CONNECTOR`, ``way_id = -1``.
* ``ferry``: as ``link``, with ``seconds = (crossing_minutes + wait) * 60``, where the
  wait is ``wait_minutes`` or half of ``headway_minutes``; flagged ``FERRY | CONNECTOR``.

Edits apply in file order, so a later edit sees the result of the earlier ones.
``Network.meta["scenario"]`` records the spec and, per edit, what it did (edges
changed/removed/added, km, snapped nodes and snap distances).

Node indices: the scenario has the base's nodes, in order, plus the new nodes of opened
planned links at the end. :func:`aligned_base` pads the base with those nodes (isolated, no
edges), so base and scenario routers share nodes (``Router(scen, base=aligned_base(base, scen))``;
:func:`geoaccess.scenario.compare.scenario_routers` does it).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np

from geoaccess.errors import DataWarning, InputError
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.scenario.spec import (
    CloseEdit,
    FerryEdit,
    LinkEdit,
    OpenPlannedEdit,
    RemoveFerryEdit,
    ScenarioSpec,
    SpeedEdit,
)

__all__ = ["aligned_base", "apply_scenario", "without_connectors"]

_LIMIT_WORDS = re.compile(
    r"(zone|sone|calm|fartsdemp|\bmax|\bmaks|\bcap\b|reduc|redus|lower|senk|slow|sakte)", re.IGNORECASE)
"""Words in an edit's label or the scenario's name that say "a limit": any road made faster warns."""
_LIMIT_WEAK = re.compile(r"(limit|fartsgrense)", re.IGNORECASE)
"""Words that may also name a raised limit ("speed limit 80 -> 100"): warn only when the set also slows roads."""


class _Edges:
    """Mutable working copy of a network's edge arrays (the base is never touched)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.tails = net.tails.astype(np.int64)
        self.heads = net.indices.astype(np.int64)
        self.seconds = net.seconds.astype(np.float64, copy=True)
        self.metres = net.metres.astype(np.float64, copy=True)
        self.way_id = net.way_id.astype(np.int64, copy=True)
        self.flags = net.flags.astype(np.uint8, copy=True)
        self.alive = np.ones(net.n_edges, dtype=bool)
        self.n_base = net.n_edges
        self.extra_shapes: list[np.ndarray] = []
        self.context = ""  # the scenario's name (for the limit warning)
        self._geoms: Any = None

    def geometries(self) -> Any:
        """Shapely lines of all current edges (base shapes; straight lines for added edges)."""
        import shapely

        if self._geoms is None or len(self._geoms) != len(self.tails):
            from geoaccess.network.snap import edge_lines

            base = edge_lines(self.net, np.arange(self.n_base)) if self.n_base else np.zeros(0, dtype=object)
            extra = len(self.tails) - self.n_base
            if extra:
                t, h = self.tails[self.n_base:], self.heads[self.n_base:]
                lines = [np.vstack([[self.net.x[a], self.net.y[a]], sh, [self.net.x[b], self.net.y[b]]])
                         for a, b, sh in zip(t.tolist(), h.tolist(), self.extra_shapes, strict=True)]
                base = np.concatenate([base, np.array([shapely.linestrings(q) for q in lines], dtype=object)])
            self._geoms = base
        return self._geoms

    def add(self, tail: int, head: int, *, seconds: float, metres: float, flags: int, way_id: int = -1,
            shape: np.ndarray | None = None) -> None:
        self.tails = np.append(self.tails, tail)
        self.heads = np.append(self.heads, head)
        self.seconds = np.append(self.seconds, seconds)
        self.metres = np.append(self.metres, metres)
        self.way_id = np.append(self.way_id, way_id)
        self.flags = np.append(self.flags, np.uint8(flags))
        self.alive = np.append(self.alive, True)
        self.extra_shapes.append(np.zeros((0, 2)) if shape is None else np.asarray(shape, dtype=np.float64).reshape(-1, 2))


def _fail(edit: Any, field: str, problem: str) -> InputError:
    return InputError(f"Scenario edit {edit.index} ({edit.type}), field '{field}': {problem}")


def _to_net_crs(points: np.ndarray, crs: str, net: Network) -> np.ndarray:
    from pyproj import Transformer

    tr = Transformer.from_crs(crs, net.crs, always_xy=True)
    x, y = tr.transform(points[:, 0], points[:, 1])
    return np.column_stack([x, y])


def _missing_ways(edit: Any, wanted: tuple[int, ...], way_id: np.ndarray, meta: dict[str, Any]) -> None:
    from geoaccess.network.ways import way_id_sets

    present = {w for ways in way_id_sets(np.unique(way_id), meta) for w in ways}
    missing = sorted(set(wanted) - present)
    if missing:
        raise _fail(edit, "way_ids", (
            f"{len(missing)} way id(s) are not on any edge of the network: {missing[:10]}. Check the ids "
            "(OSM way ids / NVDB row ids of this network, listed in edges.gpkg's way_ids), or select the road "
            "by name, road number, a line corridor or a polygon instead."))


def _area(w: _Edges, edit: Any) -> tuple[Any, str] | None:
    """The edit's polygon or buffered line in the network CRS (``None`` without one), and its field name."""
    import shapely

    if getattr(edit, "polygon", None) is not None:
        area = shapely.polygons(_to_net_crs(np.asarray(edit.polygon), edit.crs, w.net))
        if not shapely.is_valid(area):
            raise _fail(edit, "polygon", "the polygon is not valid (self-intersecting?); list its vertices in order.")
        return area, "polygon"
    if getattr(edit, "line", None) is not None:
        pts = _to_net_crs(np.asarray(edit.line), edit.crs, w.net)
        return shapely.buffer(shapely.linestrings(pts), edit.buffer_m), "line"
    return None


def _inside(geoms: np.ndarray, area: Any) -> np.ndarray:
    """Edges with at least half their length inside ``area``."""
    import shapely

    tree = shapely.STRtree(geoms)
    near = tree.query(area, predicate="intersects")
    inside = np.zeros(len(geoms), dtype=bool)
    if len(near):
        part = shapely.length(shapely.intersection(geoms[near], area))
        inside[near] = part >= 0.5 * shapely.length(geoms[near])
    return inside


def _attribute_mask(w: _Edges, edit: Any, field: str, values: tuple[str, ...]) -> np.ndarray:
    """Edges one of whose ways has the road ``name``, ``road_class`` or ``road`` number asked for."""
    from geoaccess.network.attributes import normalise_road_ref, way_attributes
    from geoaccess.network.ways import way_id_sets

    table = way_attributes(w.net)
    column = {"name": "name", "road_class": "road_class", "road": "road_ref"}[field]
    if table.empty or not table[column].map(lambda v: isinstance(v, str)).any():
        source = w.net.meta.get("source") or "this network"
        raise _fail(edit, field, (
            f"{source} has no road {field.replace('_', ' ')}s in its way attributes (N1000 has no names; DIMACS and "
            "some line layers have none); select the roads by way_ids, a polygon or a line corridor instead."))

    def norm(v: str) -> str:
        v = v.replace("\u2013", "-").replace("\u2014", "-")
        return normalise_road_ref(v) if field == "road" else " ".join(v.lower().split())

    wanted = {norm(v) for v in values}
    bare = {v for v in wanted if field == "road" and v.isdigit()}
    ok: set[int] = set()
    for way, text in table[column].items():
        if not isinstance(text, str):
            continue
        parts = {norm(p) for p in text.split(";")} if field == "road" else {norm(text)}
        if parts & wanted or (bare and {re.sub(r"^[A-Z]+", "", p) for p in parts} & bare):
            ok.add(int(way))
    return np.array([any(x in ok for x in ways) for ways in way_id_sets(w.way_id, w.net.meta)], dtype=bool)


def _select_roads(w: _Edges, edit: SpeedEdit | CloseEdit) -> tuple[np.ndarray, str]:
    """Alive edges meeting every selector of a speed or close edit, and the field to blame when none."""
    from geoaccess.network.ways import way_mask

    sel = w.alive.copy()
    field = "way_ids"
    if edit.way_ids is not None:
        hit = way_mask(w.way_id, w.net.meta, edit.way_ids) & w.alive
        _missing_ways(edit, edit.way_ids, w.way_id[hit], w.net.meta)
        sel &= hit
    area = _area(w, edit)
    if area is not None:
        sel &= _inside(w.geometries(), area[0])
        field = area[1]
    for name in ("name", "road_class", "road"):
        values = getattr(edit, name)
        if values is not None:
            sel &= _attribute_mask(w, edit, name, values)
            field = name if field == "way_ids" and edit.way_ids is None else field
    return sel, field


def _apply_speed(w: _Edges, edit: SpeedEdit) -> dict[str, Any]:
    sel, field = _select_roads(w, edit)
    if edit.min_current_kmh is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            kmh = np.where(w.seconds > 0, w.metres / w.seconds * 3.6, np.inf)
        sel &= kmh >= edit.min_current_kmh - 1e-9
    idx = np.flatnonzero(sel)
    if len(idx) == 0:
        raise _fail(edit, field, (
            "selects no edges of the network. Check that the coordinates are in the edit's crs "
            f"({edit.crs}) and lie on the network, the names and road numbers (edges.gpkg lists them), widen "
            "buffer_m, or lower min_current_kmh."))
    old = w.seconds[idx].copy()
    if edit.new_speed_kmh is not None:
        new = w.metres[idx] / (edit.new_speed_kmh / 3.6)
    elif edit.max_speed_kmh is not None:
        new = np.maximum(old, w.metres[idx] / (edit.max_speed_kmh / 3.6))
    else:
        new = old / float(edit.factor)  # type: ignore[arg-type]
    w.seconds[idx] = new
    faster = new < old * (1 - 1e-9)
    slower = new > old * (1 + 1e-9)
    if edit.new_speed_kmh is not None and faster.any():
        _warn_set_speed(w, edit, faster, slower, idx)
    return {"edges_changed": int((faster | slower).sum()), "edges_selected": len(idx),
            "edges_faster": int(faster.sum()), "edges_slower": int(slower.sum()),
            "km": float(w.metres[idx].sum() / 1000.0), "seconds_before": float(old.sum()),
            "seconds_after": float(new.sum())}


def _warn_set_speed(w: _Edges, edit: SpeedEdit, faster: np.ndarray, slower: np.ndarray, idx: np.ndarray) -> None:
    """Warn when a set speed makes roads faster but the edit reads like a limit."""
    field = "speed_kmh" if edit.set_speed_kmh is None else "set_speed_kmh"
    text = f"{edit.label} {w.context}"
    named = _LIMIT_WORDS.search(text) or (_LIMIT_WEAK.search(text) if slower.any() else None)
    mixed = field == "speed_kmh" and slower.any()
    if not (named or mixed):
        return
    why = (f"its name says {named.group(0)!r}" if named else
           f"it also makes {int(slower.sum())} edges slower, as a limit would")
    msg = (f"Scenario edit {edit.index} (speed), field '{field}': {field} = {edit.new_speed_kmh:g} sets the speed, so "
           f"{int(faster.sum())} of {len(idx)} selected edges ({w.metres[idx][faster].sum() / 1000:.1f} km) become "
           f"faster than before, yet {why}. For a limit write max_speed_kmh = {edit.new_speed_kmh:g} (only faster "
           "edges are slowed); keep set_speed_kmh if the roads are really to become faster.")
    warnings.warn(msg, DataWarning, stacklevel=4)


def _apply_close(w: _Edges, edit: CloseEdit) -> dict[str, Any]:
    hit, field = _select_roads(w, edit)
    if not hit.any():
        raise _fail(edit, field, "selects no edges of the network; check the selectors (edges.gpkg lists names, "
                                 "road numbers and way ids).")
    w.alive &= ~hit
    return {"edges_removed": int(hit.sum()), "km": float(w.metres[hit].sum() / 1000.0)}


def _apply_open_planned(w: _Edges, edit: OpenPlannedEdit) -> dict[str, Any]:
    from geoaccess.network.planned import planned_edges, select_planned

    where = f"Scenario edit {edit.index} (open_planned), field '{'rows' if edit.rows is not None else 'road'}'"
    area = _area(w, edit)
    chosen = select_planned(w.net, rows=edit.rows, road=edit.road, area=None if area is None else area[0], what=where)
    pe = planned_edges(w.net, chosen, what=where)
    if (pe.tails >= w.net.n_nodes).any() or (pe.heads >= w.net.n_nodes).any():  # nodes are added up front
        msg = f"{where}: planned link ends without a node; apply the scenario with apply_scenario()."
        raise InputError(msg)
    flags = int(EdgeFlag.CONNECTOR)
    for k in range(len(pe.tails)):
        w.add(int(pe.tails[k]), int(pe.heads[k]), seconds=float(pe.seconds[k]), metres=float(pe.metres[k]),
              flags=flags, way_id=int(pe.way_id[k]), shape=pe.shapes[k])
    return {"edges_added": len(pe.tails), "rows": [r["row"] for r in chosen],
            "km": float(pe.metres.sum() / 2000.0), "minutes": float(pe.seconds.sum() / 120.0),
            "links": pe.records}


def _planned_nodes(net: Network, spec: ScenarioSpec) -> Network:
    """``net`` with the new nodes of the spec's planned links appended (isolated), so edits only add edges."""
    from geoaccess.network.planned import planned_edges, select_planned

    todo = [e for e in spec.edits if isinstance(e, OpenPlannedEdit)]
    if not todo:
        return net
    xy = []
    for edit in todo:
        where = f"Scenario edit {edit.index} (open_planned), field '{'rows' if edit.rows is not None else 'road'}'"
        area = _area(_Edges(net), edit) if edit.polygon is not None else None
        chosen = select_planned(net, rows=edit.rows, road=edit.road, area=None if area is None else area[0], what=where)
        xy.append(planned_edges(net, chosen, what=where).new_xy)
    new = np.unique(np.round(np.vstack(xy), 6), axis=0) if xy else np.zeros((0, 2))
    return _pad_nodes(net, new) if len(new) else net


def _pad_nodes(net: Network, xy: np.ndarray) -> Network:
    from dataclasses import replace

    k = len(xy)
    return replace(
        net,
        indptr=np.concatenate([net.indptr, np.full(k, net.indptr[-1], dtype=net.indptr.dtype)]),
        x=np.concatenate([net.x, xy[:, 0]]), y=np.concatenate([net.y, xy[:, 1]]),
        node_id=np.concatenate([net.node_id, -1 - np.arange(k, dtype=np.int64)]),
    )


def aligned_base(base: Network, scen: Network) -> Network:
    """The base network with the scenario's extra nodes (new nodes of opened planned links), isolated.

    Returns ``base`` itself when the scenario has no extra nodes. Routers of the two then share
    nodes: ``Router(scen, base=aligned_base(base, scen))``.

    Raises
    ------
    InputError
        ``scen`` was not built from ``base`` (its first nodes differ).
    """
    n = base.n_nodes
    if scen.n_nodes == n:
        return base
    if scen.n_nodes < n or not (np.array_equal(scen.x[:n], base.x) and np.array_equal(scen.y[:n], base.y)):
        msg = (f"The scenario network ({scen.n_nodes:,} nodes) was not built from this base network ({n:,} nodes); "
               "apply the scenario to the base with geoaccess.scenario.edit.apply_scenario(base, spec).")
        raise InputError(msg)
    return _pad_nodes(base, np.column_stack([scen.x[n:], scen.y[n:]]))


def _ferry_crossing(w: _Edges, edit: RemoveFerryEdit, ferry: np.ndarray) -> np.ndarray:
    """Ferry edges on the crossing between the quays nearest to ``from`` and ``to``."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    fe = np.flatnonzero(ferry)
    quays = np.unique(np.concatenate([w.tails[fe], w.heads[fe]]))
    ends = _to_net_crs(np.array([edit.start, edit.end]), edit.crs, w.net)
    d, k = cKDTree(np.column_stack([w.net.x[quays], w.net.y[quays]])).query(ends)
    for field, dist in zip(("from", "to"), d, strict=True):
        if dist > edit.max_snap_m:
            raise _fail(edit, field, (
                f"the nearest ferry quay lies {dist:,.0f} m away, more than max_snap_m = {edit.max_snap_m:g} m. "
                f"Check the coordinates and their crs ({edit.crs}), or raise max_snap_m."))
    a, b = int(quays[k[0]]), int(quays[k[1]])
    if a == b:
        raise _fail(edit, "to", "both ends are nearest to the same ferry quay; give the two ends of the crossing.")
    n = w.net.n_nodes
    g = sp.csr_matrix((np.maximum(w.metres[fe], 1e-3), (w.tails[fe], w.heads[fe])), shape=(n, n))
    dist, pred = dijkstra(g, directed=False, indices=a, return_predecessors=True)
    if not np.isfinite(dist[b]):
        raise _fail(edit, "to", "no ferry crossing joins the quays nearest to the two ends; check the points.")
    on_path = set()
    v = b
    while v != a:
        u = int(pred[v])
        on_path.add((min(u, v), max(u, v)))
        v = u
    lo, hi = np.minimum(w.tails, w.heads), np.maximum(w.tails, w.heads)
    keep = np.array([(x, y) in on_path for x, y in zip(lo.tolist(), hi.tolist(), strict=True)], dtype=bool)
    return keep & ferry


def _apply_remove_ferry(w: _Edges, edit: RemoveFerryEdit) -> dict[str, Any]:
    from geoaccess.network.ways import way_mask

    ferry = w.alive & ((w.flags & EdgeFlag.FERRY) != 0)
    if not ferry.any():
        raise _fail(edit, "from" if edit.start is not None else "way_ids", "the network has no ferry edges left.")
    sel = ferry.copy()
    if edit.way_ids is not None:
        hit = way_mask(w.way_id, w.net.meta, edit.way_ids) & ferry
        _missing_ways(edit, edit.way_ids, w.way_id[hit], w.net.meta)
        sel &= hit
    for name in ("name", "road"):
        values = getattr(edit, name)
        if values is not None:
            sel &= _attribute_mask(w, edit, name, values)
    if edit.start is not None:
        sel &= _ferry_crossing(w, edit, ferry)
    if not sel.any():
        field = "from" if edit.start is not None else ("name" if edit.name is not None else "road")
        raise _fail(edit, field, "selects no ferry edge of the network; check the selectors (edges.gpkg lists the "
                                 "ferries with ferry = 1, their way ids and road numbers).")
    w.alive &= ~sel
    idx = np.flatnonzero(sel)
    from geoaccess.network.ways import way_id_sets

    return {"edges_removed": len(idx), "km": float(w.metres[idx].sum() / 1000.0),
            "way_ids": sorted({x for ways in way_id_sets(w.way_id[idx], w.net.meta) for x in ways}),
            "minutes_both_directions": float(w.seconds[idx].sum() / 60.0)}


def _snap_end(w: _Edges, edit: LinkEdit | FerryEdit, xy: np.ndarray, field: str) -> tuple[int, float]:
    from scipy.spatial import cKDTree

    live = np.zeros(w.net.n_nodes, dtype=bool)
    live[w.tails[w.alive]] = True
    live[w.heads[w.alive]] = True
    cand = np.flatnonzero(live)
    if len(cand) == 0:
        raise _fail(edit, field, "the network has no edges left to connect to.")
    d, k = cKDTree(np.column_stack([w.net.x[cand], w.net.y[cand]])).query(xy)
    if d > edit.max_snap_m:
        raise _fail(edit, field, (
            f"the point lies {d:,.0f} m from the nearest network node, more than max_snap_m = "
            f"{edit.max_snap_m:g} m. Check the coordinates and their crs ({edit.crs}), or raise max_snap_m."))
    return int(cand[k]), float(d)


def _apply_link(w: _Edges, edit: LinkEdit | FerryEdit) -> dict[str, Any]:
    ends = _to_net_crs(np.array([edit.start, edit.end]), edit.crs, w.net)
    u, du = _snap_end(w, edit, ends[0], "from")
    v, dv = _snap_end(w, edit, ends[1], "to")
    if u == v:
        raise _fail(edit, "to", f"both ends snap to the same network node ({int(w.net.node_id[u])}); "
                                "move the points apart.")
    straight = float(np.hypot(w.net.x[v] - w.net.x[u], w.net.y[v] - w.net.y[u]))
    length = float(edit.length_m) if edit.length_m is not None else straight
    if isinstance(edit, FerryEdit):
        seconds = (edit.crossing_minutes + edit.boarding_wait_minutes) * 60.0
        flags = int(EdgeFlag.FERRY | EdgeFlag.CONNECTOR)
    elif edit.minutes is not None:
        seconds = edit.minutes * 60.0
        flags = int(EdgeFlag.CONNECTOR)
    else:
        seconds = length / (float(edit.speed_kmh) / 3.6)  # type: ignore[arg-type]
        flags = int(EdgeFlag.CONNECTOR)
    w.add(u, v, seconds=seconds, metres=length, flags=flags)
    if edit.two_way:
        w.add(v, u, seconds=seconds, metres=length, flags=flags)
    return {"edges_added": 2 if edit.two_way else 1, "from_node": int(u), "to_node": int(v),
            "from_node_id": int(w.net.node_id[u]), "to_node_id": int(w.net.node_id[v]),
            "snap_metres": [du, dv], "metres": length, "seconds": float(seconds)}


def apply_scenario(net: Network, spec: ScenarioSpec) -> Network:
    """Return a new network with the scenario's edits applied (the base is not modified).

    Parameters
    ----------
    net
        Base network.
    spec
        A validated scenario (:func:`geoaccess.scenario.spec.read_spec`).

    Returns
    -------
    Network
        The nodes of ``net`` (same indices, coordinates and ids), followed by the new nodes of
        opened planned links; edges changed, removed or added. ``meta["scenario"]`` holds the
        spec and a per-edit summary, and ``meta["base"]`` a few facts about the base network.

    Raises
    ------
    geoaccess.errors.InputError
        An edit selects nothing, names way ids or planned links absent from the network, or has
        an end beyond ``max_snap_m`` (the message names the edit number and field).

    Warns
    -----
    geoaccess.errors.DataWarning
        A set speed makes roads faster under a name that suggests a limit (see the module docstring).
    """
    net = _planned_nodes(net, spec)  # new nodes of opened planned links go after the base's
    w = _Edges(net)
    w.context = spec.name
    done = []
    for edit in spec.edits:
        info = _APPLY[type(edit)](w, edit)
        done.append({"index": edit.index, "type": edit.type, "label": edit.label, **info})
    keep = np.flatnonzero(w.alive)
    shapes = None
    if net.shape_ptr is not None or w.extra_shapes:
        base_keep = keep[keep < w.n_base]
        shapes = net._shape_list(base_keep) + [w.extra_shapes[k - w.n_base] for k in keep[keep >= w.n_base]]
    from geoaccess.engine.ch import network_fingerprint

    meta = {k: v for k, v in net.meta.items() if k not in ("cache_key", "from_cache")}
    meta["scenario"] = {**spec.to_dict(), "applied": done}
    meta["base"] = {"fingerprint": network_fingerprint(net), "nodes": net.n_nodes, "edges": net.n_edges,
                    "source": net.meta.get("source")}
    out = Network.from_edges(
        w.tails[keep], w.heads[keep], seconds=w.seconds[keep], metres=w.metres[keep], way_id=w.way_id[keep],
        flags=w.flags[keep], x=net.x.copy(), y=net.y.copy(), node_id=net.node_id.copy(), crs=net.crs,
        shapes=shapes, mode=net.mode, meta=meta,
    )
    return _keep_turns(net, out, keep, w.tails[keep], w.n_base)


def _keep_turns(base: Network, out: Network, keep: np.ndarray, kept_tails: np.ndarray, n_base: int) -> Network:
    """``out`` with the base's turn restrictions re-indexed onto its edges (those using a removed edge dropped,
    counted in ``meta["scenario"]["turns_dropped"]``)."""
    if base.turns is None:
        return out
    from dataclasses import replace

    from geoaccess.network.turns import remap_turns

    order = np.argsort(np.asarray(kept_tails, dtype=np.int64), kind="stable")  # as Network.from_arrays sorts
    new_pos = np.empty(len(order), dtype=np.int64)
    new_pos[order] = np.arange(len(order))
    edge_map = np.full(n_base, -1, dtype=np.int64)
    from_base = keep < n_base
    edge_map[keep[from_base]] = new_pos[from_base]
    turns = remap_turns(base.turns, edge_map, np.arange(base.n_nodes))
    meta = dict(out.meta)
    meta["scenario"] = {**meta["scenario"], "turns_dropped": int(base.turns.n_restrictions - turns.n_restrictions)}
    return replace(out, turns=turns, meta=meta)


_APPLY = {SpeedEdit: _apply_speed, CloseEdit: _apply_close, LinkEdit: _apply_link, FerryEdit: _apply_link,
          OpenPlannedEdit: _apply_open_planned, RemoveFerryEdit: _apply_remove_ferry}


def without_connectors(net: Network) -> Network:
    """The network without :attr:`EdgeFlag.CONNECTOR` edges (same nodes); ``net`` itself if it has none.

    Used to snap points: a cell or a home next to a new tunnel must not be snapped onto
    the tunnel, so points are snapped to the roads that existed before.
    """
    conn = (net.flags & EdgeFlag.CONNECTOR) != 0
    if not conn.any():
        return net
    keep = np.flatnonzero(~conn)
    return Network.from_edges(
        net.tails[keep], net.indices[keep], seconds=net.seconds[keep], metres=net.metres[keep],
        way_id=net.way_id[keep], flags=net.flags[keep], x=net.x, y=net.y, node_id=net.node_id, crs=net.crs,
        shapes=None if net.shape_ptr is None else net._shape_list(keep), mode=net.mode, meta=dict(net.meta),
    )
