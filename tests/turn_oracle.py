"""Independent turn-aware oracles for the tests (no code shared with geoaccess.engine.turn_graph).

* :func:`osrm_turn_cost` — the OSRM ``car.lua`` ``process_turn`` formula written out with ``math``,
  road directions from shapely ``interpolate`` (not the engine's numba walk).
* :func:`line_graph_times` — scipy Dijkstra on the line graph (states = edges) with node
  restrictions, zones and U-turn rule, for trips between nodes.
* :class:`HistoryDijkstra` — a plain-Python Dijkstra over ``(edge, last edges driven, zone)``
  that applies NO/ONLY restrictions of any length by their definition (the driven sequence
  ends with the forbidden sequence; after a proper prefix of an ONLY sequence only its next
  edge may follow), for via-way restrictions and points on edges.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

import numpy as np


def _heading(dx: float, dy: float) -> float:
    return math.degrees(math.atan2(dx, dy))


def road_headings(net, lookahead_m: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Heading (degrees from north, clockwise) of every edge at its tail and at its head."""
    import shapely

    geoms = net.edge_geometries()
    start = np.zeros(net.n_edges)
    end = np.zeros(net.n_edges)
    for e, g in enumerate(geoms):
        length = g.length
        if length == 0:
            start[e] = end[e] = np.nan
            continue
        p0 = g.coords[0]
        p1 = g.interpolate(min(lookahead_m, length)).coords[0]
        q1 = g.coords[-1]
        q0 = g.interpolate(max(length - lookahead_m, 0.0)).coords[0]
        start[e] = _heading(p1[0] - p0[0], p1[1] - p0[1])
        end[e] = _heading(q1[0] - q0[0], q1[1] - q0[1])
    del shapely
    return start, end


def roads_at(net) -> np.ndarray:
    nb: dict[int, set[int]] = defaultdict(set)
    for t, h in zip(net.tails.tolist(), net.indices.tolist(), strict=True):
        nb[t].add(h)
        nb[h].add(t)
    return np.array([len(nb[v]) for v in range(net.n_nodes)])


def osrm_turn_cost(angle: float, *, u_turn: bool, junction: bool, signal: bool, p: dict,
                   roundabout: bool = False) -> float:
    """Seconds of one turn per OSRM's car.lua (right-hand traffic), plus the signal penalty."""
    cost = p.get("signal_seconds", 0.0) if signal else 0.0
    if not (junction or u_turn):
        return cost
    a = 180.0 if u_turn else angle
    b = p.get("turn_bias", 1.075)
    tp = p.get("turn_seconds", 0.0)
    if a >= 0:
        cost += tp / (1 + math.exp(-((13 / b) * a / 180 - 6.5 * b)))
    else:
        cost += tp / (1 + math.exp(-((13 * b) * -a / 180 - 6.5 / b)))
    if a < 0 and not u_turn and junction and not roundabout:
        cost += p.get("oncoming_seconds", 0.0) / (1 + math.exp(-(13 * abs(a) / 180 - 3.25)))
    if u_turn:
        cost += p.get("u_turn_seconds", 0.0)
    return cost


def pair_costs(net, p: dict) -> dict[tuple[int, int], float]:
    """Cost of every candidate turn (e, f) at head(e) = tail(f), ignoring restrictions."""
    from geoaccess.network.graph import EdgeFlag

    if not any(p.get(k, 0.0) for k in ("turn_seconds", "u_turn_seconds", "signal_seconds", "oncoming_seconds")):
        start = end = np.zeros(net.n_edges)
    else:
        start, end = road_headings(net, p.get("lookahead_m", 10.0))
    roads = roads_at(net)
    tails, heads = net.tails, net.indices
    out = {}
    for e in range(net.n_edges):
        v = int(heads[e])
        for f in range(int(net.indptr[v]), int(net.indptr[v + 1])):
            a = ((start[f] - end[e] + 180.0) % 360.0) - 180.0
            if a == -180.0:
                a = 180.0
            if np.isnan(a):
                a = 0.0
            out[(e, f)] = osrm_turn_cost(a, u_turn=bool(heads[f] == tails[e]), junction=bool(roads[v] > 2),
                                         signal=bool(net.flags[e] & EdgeFlag.SIGNAL), p=p,
                                         roundabout=bool((net.flags[e] | net.flags[f]) & EdgeFlag.ROUNDABOUT))
    return out


class HistoryDijkstra:
    """Turn-aware Dijkstra over (edge, recent edges, zone), restrictions applied by definition.

    Parameters
    ----------
    net
        The network.
    costs
        ``{(e, f): seconds}`` turn costs (:func:`pair_costs`).
    no_paths, only_paths
        Edge sequences (tuples) of NO and ONLY restrictions (length >= 2).
    dest
        Boolean (m,) destination-only edges.
    u_turns
        ``"everywhere"``, ``"dead_ends"`` or ``"never"``.
    """

    def __init__(self, net, costs, *, no_paths=(), only_paths=(), dest=None, u_turns="everywhere") -> None:
        self.net = net
        self.costs = costs
        self.no = [tuple(p) for p in no_paths]
        self.only = [tuple(p) for p in only_paths]
        self.k = max([len(p) for p in self.no + self.only] + [2]) - 1
        self.dest = np.zeros(net.n_edges, bool) if dest is None else np.asarray(dest, bool)
        self.u_turns = u_turns
        self.tails = net.tails
        self.heads = net.indices
        self.sec = net.seconds

    def _allowed(self, hist: tuple[int, ...], f: int) -> bool:
        seq = (*hist, f)
        for p in self.no:
            if len(seq) >= len(p) and seq[-len(p):] == p:
                return False
        for p in self.only:
            for j in range(len(p) - 1):
                pre = p[: j + 1]
                if len(hist) >= len(pre) and hist[-len(pre):] == pre and f != p[j + 1]:
                    return False
        return True

    def _outs(self, hist: tuple[int, ...]):
        e = hist[-1]
        v = int(self.heads[e])
        cands = list(range(int(self.net.indptr[v]), int(self.net.indptr[v + 1])))
        ok = [f for f in cands if self._allowed(hist, f)]
        non_u = [f for f in ok if self.heads[f] != self.tails[e]]
        for f in ok:
            if self.heads[f] == self.tails[e]:
                if self.u_turns == "never":
                    continue
                if self.u_turns == "dead_ends" and non_u:
                    continue
            yield f

    @staticmethod
    def _zone(phase: int, restricted: bool) -> int | None:
        if phase == 1:
            return 2 if restricted else 1
        if phase == 0:
            return 0 if restricted else 1
        return 2 if restricted else None

    def run(self, starts: list[tuple[int, float]]) -> dict[tuple, float]:
        """Labels (time at the head of the state's edge) from ``[(edge, offset)]`` starts on edges."""
        dist: dict[tuple, float] = {}
        heap = []
        for e, off in starts:
            st = ((e,), 0 if self.dest[e] else 1)
            heapq.heappush(heap, (off, st))
        while heap:
            d, st = heapq.heappop(heap)
            if st in dist:
                continue
            dist[st] = d
            hist, phase = st
            e = hist[-1]
            for f in self._outs(hist):
                ph = self._zone(phase, bool(self.dest[f]))
                if ph is None:
                    continue
                nh = (*hist, f)[-self.k:]
                nst = (nh, ph)
                if nst not in dist:
                    heapq.heappush(heap, (d + self.costs[(e, f)] + self.sec[f], nst))
        return dist

    def from_node(self, v: int) -> dict[tuple, float]:
        """Labels of a trip starting at node ``v`` (any edge leaving it, no turn cost)."""
        return self.run([(f, float(self.sec[f])) for f in range(int(self.net.indptr[v]), int(self.net.indptr[v + 1]))])

    def to_nodes(self, labels: dict[tuple, float], *, start: int | None = None) -> np.ndarray:
        """Earliest arrival at every node (0 at ``start``)."""
        out = np.full(self.net.n_nodes, np.inf)
        for (hist, _), d in labels.items():
            v = int(self.heads[hist[-1]])
            out[v] = min(out[v], d)
        if start is not None:
            out[start] = 0.0
        return out

    def to_point(self, labels: dict[tuple, float], edge: int, t: float) -> float:
        """Earliest arrival at fraction ``t`` of ``edge`` entering it from a labelled state."""
        best = np.inf
        for (hist, phase), d in labels.items():
            e = hist[-1]
            if self.heads[e] != self.tails[edge]:
                continue
            if edge not in set(self._outs(hist)):
                continue
            if self._zone(phase, bool(self.dest[edge])) is None:
                continue
            best = min(best, d + self.costs[(e, edge)] + t * self.sec[edge])
        return best


def line_graph_times(net, costs, origins, *, banned=frozenset(), only=None, dest=None, u_turns="everywhere"):
    """Node-to-node turn-aware times from ``origins`` with scipy on the line graph (node restrictions only).

    States: ``2 * m`` (edge, zone) plus one source per origin; zone 1 ordinary, zone 2 end zone; an
    edge in a destination zone reached at the start is the zone-0 copy (index ``e`` with dest).
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    m = net.n_edges
    dest = np.zeros(m, bool) if dest is None else np.asarray(dest, bool)
    only = only or {}
    tails, heads = net.tails, net.indices
    rows, cols, w = [], [], []
    # state ids: e (ordinary / start zone), m + e (end zone)
    for (e, f), c in costs.items():
        if (e, f) in banned:
            continue
        if e in only and f not in only[e]:
            continue
        if heads[f] == tails[e]:
            if u_turns == "never":
                continue
            if u_turns == "dead_ends":
                others = [g for g in range(int(net.indptr[heads[e]]), int(net.indptr[heads[e] + 1]))
                          if heads[g] != tails[e] and (e, g) not in banned and (e not in only or g in only[e])]
                if others:
                    continue
        wt = c + net.seconds[f]
        if not dest[e] and not dest[f]:
            rows.append(e), cols.append(f), w.append(wt)
        elif not dest[e] and dest[f]:
            rows.append(e), cols.append(m + f), w.append(wt)
        elif dest[e] and not dest[f]:
            rows.append(e), cols.append(f), w.append(wt)
        else:
            rows += [e, m + e]
            cols += [f, m + f]
            w += [wt, wt]
    k = len(origins)
    for i, v in enumerate(origins):
        for f in range(int(net.indptr[v]), int(net.indptr[v + 1])):
            rows.append(2 * m + i), cols.append(f), w.append(net.seconds[f])
    n_s = 2 * m + k
    w = np.asarray(w, dtype=float) + 1e-300  # scipy drops explicit zeros
    g = sp.csr_matrix((w, (rows, cols)), shape=(n_s, n_s))
    d = dijkstra(g, indices=np.arange(2 * m, n_s))
    out = np.full((k, net.n_nodes), np.inf)
    for zone in (0, 1):
        ds = d[:, zone * m:(zone + 1) * m]
        for e in range(m):
            np.minimum(out[:, heads[e]], ds[:, e], out=out[:, heads[e]])
    out[np.arange(k), np.asarray(origins)] = 0.0
    return out


def zone_edges(net, flagged) -> np.ndarray:
    """Destination zones by their definition (networkx): the flagged edges and every edge with an end outside
    the largest strongly connected component of the network without them."""
    import networkx as nx

    flagged = np.asarray(flagged, bool)
    if not flagged.any() or flagged.all():
        return flagged.copy()
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    g.add_edges_from((int(a), int(b)) for a, b, f in zip(net.tails, net.indices, flagged, strict=True) if not f)
    main = max(nx.strongly_connected_components(g), key=len)
    inside = np.array([v in main for v in range(net.n_nodes)])
    return flagged | ~inside[net.tails] | ~inside[net.indices]
