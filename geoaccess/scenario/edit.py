"""Apply a scenario (speed changes, closures, new links, new ferries) to a :class:`Network`.

:func:`apply_scenario` returns a **new** Network; the base network's arrays are never
modified (the scenario gets copies). Node indices are kept: edits only change, remove
or add *edges*, so a node ``i`` of the base is node ``i`` of the scenario and travel
times on the two networks can be compared node by node.

Rules (all times in seconds inside):

* ``speed``: selected edges get ``seconds = metres / (speed_kmh / 3.6)``, or
  ``seconds / factor``. Selection by way id, by polygon (edges with at least half their length
  inside) or by a corridor (edges with at least half their length inside the line buffered by
  ``buffer_m``), optionally only edges whose current speed is ``>= min_current_kmh``.
* ``close``: every edge whose ``way_id`` is listed is removed (both directions).
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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geoaccess.errors import InputError
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.scenario.spec import (
    CloseEdit,
    FerryEdit,
    LinkEdit,
    ScenarioSpec,
    SpeedEdit,
)

__all__ = ["apply_scenario", "without_connectors"]


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
                coords = np.stack([np.column_stack([self.net.x[t], self.net.y[t]]),
                                   np.column_stack([self.net.x[h], self.net.y[h]])], axis=1)
                base = np.concatenate([base, shapely.linestrings(coords)])
            self._geoms = base
        return self._geoms

    def add(self, tail: int, head: int, *, seconds: float, metres: float, flags: int) -> None:
        self.tails = np.append(self.tails, tail)
        self.heads = np.append(self.heads, head)
        self.seconds = np.append(self.seconds, seconds)
        self.metres = np.append(self.metres, metres)
        self.way_id = np.append(self.way_id, -1)
        self.flags = np.append(self.flags, np.uint8(flags))
        self.alive = np.append(self.alive, True)


def _fail(edit: Any, field: str, problem: str) -> InputError:
    return InputError(f"Scenario edit {edit.index} ({edit.type}), field '{field}': {problem}")


def _to_net_crs(points: np.ndarray, crs: str, net: Network) -> np.ndarray:
    from pyproj import Transformer

    tr = Transformer.from_crs(crs, net.crs, always_xy=True)
    x, y = tr.transform(points[:, 0], points[:, 1])
    return np.column_stack([x, y])


def _missing_ways(edit: Any, wanted: tuple[int, ...], present: np.ndarray) -> None:
    missing = sorted(set(wanted) - set(np.unique(present).tolist()))
    if missing:
        raise _fail(edit, "way_ids", (
            f"{len(missing)} way id(s) are not on any edge of the network: {missing[:10]}. Check the ids "
            "(OSM way ids / NVDB row ids of this network); simplification may have merged a short way into "
            "its neighbour's edge, in which case select the road by a line corridor or a polygon instead."))


def _apply_speed(w: _Edges, edit: SpeedEdit) -> dict[str, Any]:
    import shapely

    sel = w.alive.copy()
    if edit.way_ids is not None:
        hit = np.isin(w.way_id, np.asarray(edit.way_ids, dtype=np.int64)) & w.alive
        _missing_ways(edit, edit.way_ids, w.way_id[hit])
        sel &= hit
        field = "way_ids"
    else:
        field = "polygon" if edit.polygon is not None else "line"
        pts = _to_net_crs(np.asarray(edit.polygon if edit.polygon is not None else edit.line), edit.crs, w.net)
        if edit.polygon is not None:
            area = shapely.polygons(pts)
            if not shapely.is_valid(area):
                raise _fail(edit, "polygon", "the polygon is not valid (self-intersecting?); list its vertices in order.")
        else:
            area = shapely.buffer(shapely.linestrings(pts), edit.buffer_m)
        geoms = w.geometries()
        tree = shapely.STRtree(geoms)
        near = tree.query(area, predicate="intersects")
        inside = np.zeros(len(geoms), dtype=bool)
        if len(near):
            part = shapely.length(shapely.intersection(geoms[near], area))
            full = shapely.length(geoms[near])
            inside[near] = part >= 0.5 * full
        sel &= inside
    if edit.min_current_kmh is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            kmh = np.where(w.seconds > 0, w.metres / w.seconds * 3.6, np.inf)
        sel &= kmh >= edit.min_current_kmh - 1e-9
    idx = np.flatnonzero(sel)
    if len(idx) == 0:
        raise _fail(edit, field, (
            "selects no edges of the network. Check that the coordinates are in the edit's crs "
            f"({edit.crs}) and lie on the network, widen buffer_m, or lower min_current_kmh."))
    before = float(w.seconds[idx].sum())
    if edit.speed_kmh is not None:
        w.seconds[idx] = w.metres[idx] / (edit.speed_kmh / 3.6)
    else:
        w.seconds[idx] = w.seconds[idx] / float(edit.factor)  # type: ignore[arg-type]
    return {"edges_changed": len(idx), "km": float(w.metres[idx].sum() / 1000.0),
            "seconds_before": before, "seconds_after": float(w.seconds[idx].sum())}


def _apply_close(w: _Edges, edit: CloseEdit) -> dict[str, Any]:
    hit = np.isin(w.way_id, np.asarray(edit.way_ids, dtype=np.int64)) & w.alive
    _missing_ways(edit, edit.way_ids, w.way_id[hit])
    w.alive &= ~hit
    return {"edges_removed": int(hit.sum()), "km": float(w.metres[hit].sum() / 1000.0)}


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
        Same nodes (same indices, coordinates and ids) as ``net``; edges changed, removed
        or added. ``meta["scenario"]`` holds the spec and a per-edit summary, and
        ``meta["base"]`` a few facts about the base network.

    Raises
    ------
    geoaccess.errors.InputError
        An edit selects nothing, names way ids absent from the network, or has an end
        beyond ``max_snap_m`` (the message names the edit number and field).
    """
    w = _Edges(net)
    done = []
    for edit in spec.edits:
        if isinstance(edit, SpeedEdit):
            info = _apply_speed(w, edit)
        elif isinstance(edit, CloseEdit):
            info = _apply_close(w, edit)
        else:
            info = _apply_link(w, edit)
        done.append({"index": edit.index, "type": edit.type, "label": edit.label, **info})
    keep = np.flatnonzero(w.alive)
    shapes = None
    if net.shape_ptr is not None:
        base_keep = keep[keep < w.n_base]
        shapes = net._shape_list(base_keep) + [np.zeros((0, 2)) for _ in range(int((keep >= w.n_base).sum()))]
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
