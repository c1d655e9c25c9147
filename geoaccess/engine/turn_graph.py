"""The edge-based (turn-aware) routing graph: turn restrictions, turn penalties and access zones, exactly.

A road network routes node to node; a turn restriction or a turn penalty depends on the
edge a vehicle *arrives* on, so turn-aware routing works on *states* that remember it. The
states of :class:`TurnGraph` are:

* one **edge state** per directed edge ``e`` (label = the time at which the vehicle reaches
  the head of ``e`` having driven along ``e``; the *head-state* convention);
* a **context state** per proper prefix of a via-way restriction (Aho-Corasick over edge
  sequences): a vehicle that has just driven ``from → via₁`` is in the state ``[from, via₁]``,
  a copy of ``via₁`` that does not offer the forbidden continuation;
* for an edge usable only at the start or end of a trip (:attr:`EdgeFlag.DESTINATION`,
  ``access=destination`` and the like; NVDB destination-only links) two copies of each of its
  states, a **start zone** (phase 0: the trip started there and has not yet left) and an **end
  zone** (phase 2: the trip has entered it from an ordinary road and may not leave it);
* two **junction states** per node ``v``: ``SRC_v`` (a trip starting at ``v``) and ``DST_v`` (a
  trip ending at ``v``).

An arc ``p → q`` of the graph is an allowed turn from the edge of ``p`` onto the edge ``f`` of
``q`` and weighs ``turn seconds + seconds(f)``. ``SRC_v → (f)`` weighs ``seconds(f)`` for every
edge leaving ``v`` (no turn at the start), every edge state arriving at ``v`` has an arc of
weight 0 to ``DST_v``, and ``SRC_v → DST_v`` weighs 0. Zone rules: ordinary → end zone, start
zone → ordinary, start → start and end → end are allowed; end zone → ordinary is not.

Turn rules (``Network.turns``, :mod:`geoaccess.network.turns`): a ``NO`` restriction forbids
its edge sequence; an ``ONLY`` restriction forbids, after each proper prefix of its sequence,
every continuation but the next edge of the sequence. Contradictory node restrictions on one
from-edge are resolved and reported (:func:`compile_restrictions`): an ``only_*`` whose target a
``no_*`` on the same from-edge forbids is dropped and the ``no_*`` kept (the safer reading: the
forbidden turn is never taken and the other turns stay open instead of stranding the
driver), and several ``only_*`` from one edge allow the union of their targets. U-turns
(driving back to the node one came from) are allowed per :attr:`TurnCosts.u_turns`; at a
dead end (no other way on) always, unless a restriction forbids them.

Points on edges (:func:`point_seeds`): a point at fraction ``t`` of edge ``e = u → v`` starts in
``e``'s edge state with offset ``access + (1 - t)·s_e`` (and in the state of the fastest reverse
edge ``r`` with ``access + t·s_r``); it is reached from every state ``p`` with an arc into a state
of ``e`` with offset ``turn(p → e) + t·s_e + access`` (and likewise through ``r``). A point at a
node seeds ``SRC_v``/``DST_v`` with its access leg alone, so points at nodes get exactly the
turn-aware node-to-node times. Two points on the same edge are also joined directly along it
(the router's same-edge rule).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numba import njit

from geoaccess.network.graph import EdgeFlag
from geoaccess.network.turns import compile_restrictions

if TYPE_CHECKING:
    from geoaccess.network.graph import Network
    from geoaccess.network.turn_costs import TurnCosts

__all__ = [
    "TurnGraph",
    "build_turn_graph",
    "destination_edges",
    "junction_roads",
    "node_state_seeds",
    "point_seeds",
    "turn_angles",
    "turn_seconds",
]


class TurnGraph(NamedTuple):
    """The edge-based graph as arrays (see the module docstring for what the states mean).

    Attributes
    ----------
    n_states : int
        Number of states ``S``.
    n_nodes, n_edges : int
        Nodes and edges of the network it was built from.
    indptr, indices, seconds : numpy.ndarray
        CSR of the arcs: int64 (S + 1,), int64 (A,), float64 (A,) seconds.
    state_edge : numpy.ndarray of int64, shape (S,)
        Network edge of each state; ``-1`` for junction states.
    state_phase : numpy.ndarray of int8, shape (S,)
        ``1`` ordinary, ``0`` start zone, ``2`` end zone, ``-1`` junction state.
    src_state, dst_state : numpy.ndarray of int64, shape (n,)
        ``SRC_v`` and ``DST_v`` of every node.
    entry_ptr : numpy.ndarray of int64, shape (m + 1,)
        Per network edge ``e``, the arcs entering a state of ``e``: ``entry_state[entry_ptr[e]:
        entry_ptr[e + 1]]`` (the arc's tail state) and ``entry_seconds`` (its turn cost, seconds).
    entry_state : numpy.ndarray of int64
    entry_seconds : numpy.ndarray of float64
    """

    n_states: int
    n_nodes: int
    n_edges: int
    indptr: np.ndarray
    indices: np.ndarray
    seconds: np.ndarray
    state_edge: np.ndarray
    state_phase: np.ndarray
    src_state: np.ndarray
    dst_state: np.ndarray
    entry_ptr: np.ndarray
    entry_state: np.ndarray
    entry_seconds: np.ndarray

    @property
    def n_arcs(self) -> int:
        """Number of arcs."""
        return len(self.indices)

    def tails(self) -> np.ndarray:
        """Tail state of every arc (int64, (A,))."""
        return np.repeat(np.arange(self.n_states, dtype=np.int64), np.diff(self.indptr))

    def reverse(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The reversed graph as CSR ``(indptr, indices, seconds)`` (int64, int64, float64)."""
        tails = self.tails()
        order = np.argsort(self.indices, kind="stable")
        ptr = np.zeros(self.n_states + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=self.n_states), out=ptr[1:])
        return ptr, tails[order], np.ascontiguousarray(self.seconds[order])


# ----------------------------------------------------------------------------- geometry
@njit(cache=True)
def _end_directions(ptr, xy, lookahead):  # pragma: no cover - numba
    """Per edge: unit-free direction vectors at its start (tail -> a point ``lookahead`` m along)
    and at its end (a point ``lookahead`` m before the head -> head)."""
    m = len(ptr) - 1
    out = np.zeros((m, 4))
    for e in range(m):
        a = ptr[e]
        b = ptr[e + 1]
        # start: walk forward from the tail
        x0 = xy[a, 0]
        y0 = xy[a, 1]
        left = lookahead
        px = x0
        py = y0
        for k in range(a + 1, b):
            dx = xy[k, 0] - px
            dy = xy[k, 1] - py
            d = math.hypot(dx, dy)
            if d >= left and d > 0:
                px = px + dx * left / d
                py = py + dy * left / d
                left = 0.0
                break
            left -= d
            px = xy[k, 0]
            py = xy[k, 1]
        out[e, 0] = px - x0
        out[e, 1] = py - y0
        # end: walk backward from the head
        x1 = xy[b - 1, 0]
        y1 = xy[b - 1, 1]
        left = lookahead
        qx = x1
        qy = y1
        for k in range(b - 2, a - 1, -1):
            dx = xy[k, 0] - qx
            dy = xy[k, 1] - qy
            d = math.hypot(dx, dy)
            if d >= left and d > 0:
                qx = qx + dx * left / d
                qy = qy + dy * left / d
                break
            left -= d
            qx = xy[k, 0]
            qy = xy[k, 1]
        out[e, 2] = x1 - qx
        out[e, 3] = y1 - qy
    return out


def turn_angles(net: Network, from_edge: np.ndarray, to_edge: np.ndarray, *, lookahead_m: float = 10.0) -> np.ndarray:
    """Turn angle in degrees of each turn ``from_edge[i] → to_edge[i]`` at their common node.

    0 is straight on, positive to the right (clockwise), negative to the left, in (-180, 180].
    A road's direction at the junction is the line to the point ``lookahead_m`` metres along it
    (its whole length when shorter). Networks without coordinates get 0 everywhere.
    """
    if not net.has_coordinates or net.n_edges == 0:
        return np.zeros(len(from_edge))
    ptr, xy = net.edge_vertices()
    d = _end_directions(ptr, np.ascontiguousarray(xy), float(lookahead_m))
    h_in = np.degrees(np.arctan2(d[from_edge, 2], d[from_edge, 3]))
    h_out = np.degrees(np.arctan2(d[to_edge, 0], d[to_edge, 1]))
    a = (h_out - h_in + 180.0) % 360.0 - 180.0
    a = np.where(a == -180.0, 180.0, a)
    degenerate = (np.hypot(d[from_edge, 2], d[from_edge, 3]) == 0) | (np.hypot(d[to_edge, 0], d[to_edge, 1]) == 0)
    return np.where(degenerate, 0.0, a)


def junction_roads(net: Network) -> np.ndarray:
    """Number of roads meeting at each node: distinct neighbour nodes over in- and out-edges (int64, (n,))."""
    n = net.n_nodes
    t = net.tails.astype(np.int64)
    h = net.indices.astype(np.int64)
    a = np.concatenate([t, h])
    b = np.concatenate([h, t])
    key = np.unique(a * n + b)
    return np.bincount(key // n, minlength=n).astype(np.int64)


def turn_seconds(costs: TurnCosts, angle: np.ndarray, *, junction: np.ndarray, u_turn: np.ndarray,
                 roundabout: np.ndarray) -> np.ndarray:
    """Angle and U-turn penalty in seconds of each turn (signals not included).

    Parameters
    ----------
    costs
        The profile's :class:`~geoaccess.network.turn_costs.TurnCosts`.
    angle
        Turn angles in degrees (:func:`turn_angles`).
    junction
        Whether the turn is at a junction of more than two roads (else only U-turns cost).
    u_turn
        Whether the turn drives back to the node it came from.
    roundabout
        Whether either road is part of a roundabout (no oncoming-traffic penalty).
    """
    a = np.where(u_turn, 180.0, np.asarray(angle, dtype=np.float64))
    charged = junction | u_turn
    right_hand = costs.side == "right"
    crosses = (a < 0) if right_hand else (a > 0)
    if costs.model == "osrm":
        b = costs.turn_bias if right_hand else 1.0 / costs.turn_bias
        with np.errstate(over="ignore"):
            pos = costs.turn_seconds / (1.0 + np.exp(-((13.0 / b) * a / 180.0 - 6.5 * b)))
            neg = costs.turn_seconds / (1.0 + np.exp(-((13.0 * b) * -a / 180.0 - 6.5 / b)))
            sharp = 1.0 / (1.0 + np.exp(-(13.0 * np.abs(a) / 180.0 - 3.25)))
        out = np.where(a >= 0, pos, neg)
        oncoming = crosses & ~u_turn & junction & ~roundabout
        out = out + np.where(oncoming, costs.oncoming_seconds * sharp, 0.0)
    else:
        cross_s = costs.left_seconds if right_hand else costs.right_seconds
        away_s = costs.right_seconds if right_hand else costs.left_seconds
        straight = np.abs(a) <= costs.straight_max_degrees
        out = np.where(straight, costs.straight_seconds, np.where(crosses, cross_s, away_s))
        u_turn = u_turn | (np.abs(a) >= costs.u_turn_min_degrees)
    out = out + np.where(u_turn, costs.u_turn_seconds, 0.0)
    return np.where(charged, out, 0.0)


def destination_edges(net: Network, *, behind: bool = True) -> np.ndarray:
    """Edges usable only at the start or end of a trip (bool, (m,)): the *destination zones*.

    :attr:`EdgeFlag.DESTINATION` edges (OSM access rules) and the NVDB destination-only edges listed
    in ``meta["nvdb"]["destination_only_edges"]`` (pairs of tail and head node ids); with ``behind``
    also every edge *behind* them: an edge with an end outside the largest strongly connected
    component of the network without the destination-only edges (a residential area whose entry
    streets are signed *kjøring til eiendommer tillatt* is reachable, as a trip's start or end, but
    never crossed).
    """
    dest = _flagged_destination(net)
    if behind and dest.any() and not dest.all():
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        keep = ~dest
        n = net.n_nodes
        t, h = net.tails[keep], net.indices[keep]
        g = csr_matrix((np.ones(len(t)), (t, h)), shape=(n, n))
        _, label = connected_components(g, directed=True, connection="strong")
        main = label == np.bincount(label).argmax()
        dest = dest | ~main[net.tails] | ~main[net.indices]
    return dest


def _flagged_destination(net: Network) -> np.ndarray:
    dest = (net.flags & EdgeFlag.DESTINATION) != 0
    pairs = (net.meta.get("nvdb") or {}).get("destination_only_edges") or []
    if pairs:
        want = {(int(a), int(b)) for a, b in pairs}
        t_id = net.node_id[net.tails]
        cand = np.flatnonzero(np.isin(t_id, np.array(sorted({a for a, _ in want}), dtype=np.int64)))
        h_id = net.node_id[net.indices]
        hit = [e for e in cand.tolist() if (int(t_id[e]), int(h_id[e])) in want]
        dest[np.asarray(hit, dtype=np.int64)] = True
    return dest


# ----------------------------------------------------------------------------- the graph
def _candidate_turns(indptr: np.ndarray, heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (e, f) with f leaving the head of e."""
    out_deg = np.diff(indptr).astype(np.int64)
    cnt = out_deg[heads]
    pe = np.repeat(np.arange(len(heads), dtype=np.int64), cnt)
    k = np.arange(int(cnt.sum()), dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    pf = indptr[heads[pe]].astype(np.int64) + k
    return pe, pf


def build_turn_graph(
    net: Network, *, costs: TurnCosts, destination: np.ndarray | None = None
) -> tuple[TurnGraph, dict[str, Any]]:
    """Build the edge-based graph of ``net`` (see the module docstring).

    Parameters
    ----------
    net
        The network; ``net.turns`` are its restrictions (may be ``None``).
    costs
        Turn, U-turn and signal penalties.
    destination
        Boolean (m,) edges usable only at the start or end of a trip; default :func:`destination_edges`.

    Returns
    -------
    TurnGraph
    dict
        Report: states, arcs, turns allowed/forbidden, U-turns, restriction compilation
        (:func:`compile_restrictions`).
    """
    m, n = net.n_edges, net.n_nodes
    indptr = net.indptr.astype(np.int64)
    heads = net.indices.astype(np.int64)
    tails = net.tails.astype(np.int64)
    secs = net.seconds.astype(np.float64)
    flags = net.flags
    dest = destination_edges(net) if destination is None else np.asarray(destination, dtype=bool)
    # ---- candidate turns and their costs
    pe, pf = _candidate_turns(indptr, heads)
    u_turn = heads[pf] == tails[pe]
    banned_pairs, banned_paths, report = compile_restrictions(net.turns, indptr, heads)
    allowed = ~u_turn
    if banned_pairs:
        key = pe * m + pf
        bp = np.array(sorted(a * m + b for a, b in banned_pairs), dtype=np.int64)
        banned = np.isin(key, bp)
        allowed &= ~banned
    else:
        banned = np.zeros(len(pe), dtype=bool)
    if costs.u_turns == "everywhere":
        allowed |= u_turn & ~banned
    elif costs.u_turns == "dead_ends":
        others = np.bincount(pe[allowed], minlength=m)
        allowed |= u_turn & ~banned & (others[pe] == 0)
    report["turns"] = int(len(pe))
    report["turns_forbidden_by_restrictions"] = int(banned.sum())
    report["u_turns_allowed"] = int((allowed & u_turn).sum())
    pe, pf, u_turn = pe[allowed], pf[allowed], u_turn[allowed]
    if costs.any_cost:
        angle = turn_angles(net, pe, pf, lookahead_m=costs.lookahead_m)
        roads = junction_roads(net)
        rb = ((flags[pe] | flags[pf]) & EdgeFlag.ROUNDABOUT) != 0
        cost = turn_seconds(costs, angle, junction=roads[heads[pe]] > 2, u_turn=u_turn, roundabout=rb)
        cost = cost + np.where((flags[pe] & EdgeFlag.SIGNAL) != 0, costs.signal_seconds, 0.0)
        cost = cost + np.where((flags[pe] & EdgeFlag.CROSSING) != 0, costs.crossing_seconds, 0.0)
    else:
        cost = np.zeros(len(pe))
    # ---- contexts: one per edge plus one per proper prefix (length >= 2) of a forbidden path
    prefixes: dict[tuple[int, ...], int] = {}
    for p in sorted(banned_paths):
        for k in range(2, len(p)):
            prefixes.setdefault(p[:k], m + len(prefixes))
    ctx_edge = np.concatenate([np.arange(m, dtype=np.int64),
                               np.array([p[-1] for p in prefixes], dtype=np.int64)]).astype(np.int64)
    n_ctx = len(ctx_edge)
    a_from, a_to, a_cost = pe.copy(), pf.copy(), cost.copy()
    if prefixes:
        pos = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(pe.tolist(), pf.tolist(), strict=True))}
        for p, cid in prefixes.items():
            if len(p) == 2 and p in pos:
                a_to[pos[p]] = cid
        by_from: dict[int, list[int]] = defaultdict(list)
        for i, a in enumerate(pe.tolist()):
            by_from[a].append(i)
        extra_f, extra_t, extra_c = [], [], []
        for p, cid in prefixes.items():
            for i in by_from.get(p[-1], []):
                f = int(pf[i])
                seq = (*p, f)
                if any(seq[j:] in banned_paths for j in range(len(seq) - 2)):
                    continue
                target = f
                for j in range(len(seq) - 1):
                    if seq[j:] in prefixes:
                        target = prefixes[seq[j:]]
                        break
                extra_f.append(cid)
                extra_t.append(target)
                extra_c.append(float(cost[i]))
        a_from = np.concatenate([a_from, np.asarray(extra_f, dtype=np.int64)])
        a_to = np.concatenate([a_to, np.asarray(extra_t, dtype=np.int64)])
        a_cost = np.concatenate([a_cost, np.asarray(extra_c, dtype=np.float64)])
    # ---- zones: restricted contexts get an end-zone copy (the context id itself is the start zone)
    restricted = dest[ctx_edge]
    n_r = int(restricted.sum())
    p2 = np.full(n_ctx, -1, dtype=np.int64)
    p2[restricted] = n_ctx + np.arange(n_r)
    ra, rb_ = restricted[a_from], restricted[a_to]
    t_list = [a_from[~ra & ~rb_], a_from[~ra & rb_], a_from[ra & ~rb_], a_from[ra & rb_], p2[a_from[ra & rb_]]]
    h_list = [a_to[~ra & ~rb_], p2[a_to[~ra & rb_]], a_to[ra & ~rb_], a_to[ra & rb_], p2[a_to[ra & rb_]]]
    c_list = [a_cost[~ra & ~rb_], a_cost[~ra & rb_], a_cost[ra & ~rb_], a_cost[ra & rb_], a_cost[ra & rb_]]
    s_edge = np.concatenate([ctx_edge, ctx_edge[restricted]])
    phase = np.concatenate([np.where(restricted, 0, 1), np.full(n_r, 2)]).astype(np.int8)
    n_edge_states = n_ctx + n_r
    src = n_edge_states + np.arange(n, dtype=np.int64)
    dst = n_edge_states + n + np.arange(n, dtype=np.int64)
    t_turn = np.concatenate(t_list)
    h_turn = np.concatenate(h_list)
    c_turn = np.concatenate(c_list)
    arc_t = np.concatenate([t_turn, src[tails], src, np.arange(n_edge_states, dtype=np.int64)])
    arc_h = np.concatenate([h_turn, np.arange(m, dtype=np.int64), dst, dst[heads[s_edge]]])
    arc_c = np.concatenate([c_turn, np.zeros(m), np.zeros(n), np.zeros(n_edge_states)])
    arc_w = np.concatenate([c_turn + secs[s_edge[h_turn]], secs, np.zeros(n), np.zeros(n_edge_states)])
    n_states = n_edge_states + 2 * n
    order = np.argsort(arc_t, kind="stable")
    ptr = np.zeros(n_states + 1, dtype=np.int64)
    np.cumsum(np.bincount(arc_t, minlength=n_states), out=ptr[1:])
    # ---- entries: arcs into a state of edge e, grouped by e
    into = arc_h < n_edge_states
    e_of = s_edge[arc_h[into]]
    eo = np.argsort(e_of, kind="stable")
    entry_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_of, minlength=m), out=entry_ptr[1:])
    tg = TurnGraph(
        n_states=int(n_states), n_nodes=int(n), n_edges=int(m),
        indptr=ptr, indices=np.ascontiguousarray(arc_h[order]), seconds=np.ascontiguousarray(arc_w[order]),
        state_edge=np.concatenate([s_edge, np.full(2 * n, -1, dtype=np.int64)]),
        state_phase=np.concatenate([phase, np.full(2 * n, -1, dtype=np.int8)]),
        src_state=src, dst_state=dst,
        entry_ptr=entry_ptr, entry_state=np.ascontiguousarray(arc_t[into][eo]),
        entry_seconds=np.ascontiguousarray(arc_c[into][eo]),
    )
    report.update({"states": int(n_states), "arcs": int(len(arc_t)), "context_states": len(prefixes),
                   "destination_edges": int(_flagged_destination(net).sum()), "zone_edges": int(dest.sum()),
                   "zone_states": n_r,
                   "turn_cost_seconds_mean": float(c_turn.mean()) if len(c_turn) else 0.0})
    return tg, report


# ----------------------------------------------------------------------------- seeds
def _pack(rows: np.ndarray, states: np.ndarray, offs: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Ragged seeds (row, state, offset) into ``(n_rows, K)`` int32 / float64 arrays padded with -1 / inf."""
    ok = np.isfinite(offs) & (states >= 0)
    rows, states, offs = rows[ok], states[ok], offs[ok]
    order = np.lexsort((offs, rows))
    rows, states, offs = rows[order], states[order], offs[order]
    cnt = np.bincount(rows, minlength=n_rows)
    k = max(int(cnt.max()) if len(cnt) else 0, 1)
    col = np.arange(len(rows)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    nodes = np.full((n_rows, k), -1, dtype=np.int32)
    out = np.full((n_rows, k), np.inf)
    nodes[rows, col] = states
    out[rows, col] = offs
    return nodes, out


def node_state_seeds(tg: TurnGraph, nodes: np.ndarray, role: str,
                     offsets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Seeds ``(N, 1)`` of points exactly at network nodes (``SRC_v`` for origins, ``DST_v`` for destinations)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    states = (tg.src_state if role == "origin" else tg.dst_state)[np.maximum(nodes, 0)]
    states = np.where(nodes >= 0, states, -1).astype(np.int32)[:, None]
    offs = np.zeros(len(nodes)) if offsets is None else np.asarray(offsets, dtype=np.float64)
    return states, np.where(states[:, 0] >= 0, offs, np.inf)[:, None]


def point_seeds(
    tg: TurnGraph,
    *,
    tails: np.ndarray,
    heads: np.ndarray,
    forward_edge: np.ndarray,
    reverse_edge: np.ndarray,
    forward_seconds: np.ndarray,
    reverse_seconds: np.ndarray,
    frac: np.ndarray,
    access_seconds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Origin and destination seeds (states, seconds) of points on edges (module docstring).

    Parameters
    ----------
    tg
        The edge-based graph.
    tails, heads
        End nodes ``u``, ``v`` of each point's edge.
    forward_edge, reverse_edge
        The routing network's edge ``u → v`` and fastest ``v → u`` (``-1`` where absent).
    forward_seconds, reverse_seconds
        Their seconds (``inf`` where absent).
    frac, access_seconds
        Position on the edge (0..1, NaN unsnapped) and access leg in seconds.

    Returns
    -------
    origin_states, origin_offsets, destination_states, destination_offsets
        ``(N, K)`` int32 (``-1`` padded) and float64 (``inf`` padded) arrays.
    """
    t = np.asarray(frac, dtype=np.float64)
    n_pts = len(t)
    ok = np.isfinite(t)
    tz = np.where(ok, t, 0.5)
    acc = np.where(ok, np.nan_to_num(np.asarray(access_seconds, dtype=np.float64)), np.inf)
    u = np.asarray(tails, dtype=np.int64)
    v = np.asarray(heads, dtype=np.int64)
    fe = np.asarray(forward_edge, dtype=np.int64)
    re = np.asarray(reverse_edge, dtype=np.int64)
    s_f = np.asarray(forward_seconds, dtype=np.float64)
    s_r = np.asarray(reverse_seconds, dtype=np.float64)
    at_tail = ok & (tz <= 0.0)
    at_head = ok & (tz >= 1.0)
    inner = ok & ~at_tail & ~at_head
    rows = np.arange(n_pts, dtype=np.int64)
    node = np.where(at_tail, u, v)
    at_node = at_tail | at_head
    with np.errstate(invalid="ignore"):
        o_rows = np.concatenate([rows[at_node], rows[inner & (fe >= 0)], rows[inner & (re >= 0)]])
        o_state = np.concatenate([tg.src_state[node[at_node]], fe[inner & (fe >= 0)], re[inner & (re >= 0)]])
        o_off = np.concatenate([acc[at_node], (acc + (1.0 - tz) * s_f)[inner & (fe >= 0)],
                                (acc + tz * s_r)[inner & (re >= 0)]])
        d_parts_r = [rows[at_node]]
        d_parts_s = [tg.dst_state[node[at_node]]]
        d_parts_o = [acc[at_node]]
        for edge, base in ((fe, tz * s_f), (re, (1.0 - tz) * s_r)):
            sel = inner & (edge >= 0)
            e = edge[sel]
            cnt = tg.entry_ptr[e + 1] - tg.entry_ptr[e]
            k = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            idx = np.repeat(tg.entry_ptr[e], cnt) + k
            d_parts_r.append(np.repeat(rows[sel], cnt))
            d_parts_s.append(tg.entry_state[idx])
            d_parts_o.append(tg.entry_seconds[idx] + np.repeat((base + acc)[sel], cnt))
    o_nodes, o_offs = _pack(o_rows, o_state, o_off, n_pts)
    d_nodes, d_offs = _pack(np.concatenate(d_parts_r), np.concatenate(d_parts_s), np.concatenate(d_parts_o), n_pts)
    return o_nodes, o_offs, d_nodes, d_offs
