"""Turn-aware routing (edge-based graph + CH) against independent oracles.

Oracles (tests/turn_oracle.py): scipy Dijkstra on the line graph built here, and a plain-Python
Dijkstra over (edge, recent edges, zone) that applies restrictions by their definition; turn
costs from OSRM's car.lua formula written out with ``math`` and road directions from shapely.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaccess.engine.router import Router
from geoaccess.engine.turn_graph import build_turn_graph
from geoaccess.network.graph import EdgeFlag, Network
from geoaccess.network.turn_costs import TurnCosts
from geoaccess.network.turns import TurnKind, compile_restrictions, make_turns
from tests.turn_oracle import HistoryDijkstra, line_graph_times, osrm_turn_cost, pair_costs, zone_edges

OSRM = {"turn_seconds": 7.5, "turn_bias": 1.075, "u_turn_seconds": 20.0, "signal_seconds": 2.0,
        "oncoming_seconds": 2.0}


def _costs(p: dict, u_turns: str = "everywhere") -> TurnCosts:
    return TurnCosts(turn_seconds=p.get("turn_seconds", 0.0), turn_bias=p.get("turn_bias", 1.075),
                     u_turn_seconds=p.get("u_turn_seconds", 0.0), signal_seconds=p.get("signal_seconds", 0.0),
                     oncoming_seconds=p.get("oncoming_seconds", 0.0), u_turns=u_turns)


def grid(nx: int = 4, ny: int = 4, *, step: float = 100.0, seed: int = 0, drop: float = 0.0) -> Network:
    """A two-way grid with random speeds (and optionally some one-way links)."""
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(np.arange(nx) * step, np.arange(ny) * step)
    x, y = xs.ravel().astype(float), ys.ravel().astype(float)
    t, h = [], []
    for j in range(ny):
        for i in range(nx):
            v = j * nx + i
            for di, dj in ((1, 0), (0, 1)):
                if i + di < nx and j + dj < ny:
                    w = (j + dj) * nx + i + di
                    r = rng.random()
                    if r >= drop / 2:
                        t.append(v), h.append(w)
                    if r < drop / 2 or r >= drop:
                        t.append(w), h.append(v)
    t, h = np.array(t), np.array(h)
    secs = np.hypot(x[h] - x[t], y[h] - y[t]) / rng.uniform(5, 20, len(t))
    return Network.from_edges(t, h, seconds=secs, x=x, y=y, crs="EPSG:25833")


def edge(net: Network, u: int, v: int) -> int:
    hit = np.flatnonzero((net.tails == u) & (net.indices == v))
    assert len(hit) == 1
    return int(hit[0])


# ----------------------------------------------------------------------------- hand-computed
def test_no_left_turn_forces_the_detour():
    # 3x2 grid: 0-1-2 / 3-4-5, unit edges of 10 s; from 3 to 1 via 4 would turn left at 4 (3->4 east, 4->1 north)
    x = np.array([0, 100, 200, 0, 100, 200.0])
    y = np.array([100, 100, 100, 0, 0, 0.0])
    pairs = [(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)]
    t = [a for a, b in pairs] + [b for a, b in pairs]
    h = [b for a, b in pairs] + [a for a, b in pairs]
    net = Network.from_edges(t, h, seconds=np.full(len(t), 10.0), x=x, y=y, crs="EPSG:25833")
    free = Router(net, turns="ignore", cache=False).node_times(np.array([3]), np.array([1]))[0, 0]
    assert free == 20.0
    e34, e41 = edge(net, 3, 4), edge(net, 4, 1)
    banned = replace(net, turns=make_turns([e34], [e41], heads=net.indices, kind=TurnKind.NO))
    r = Router(banned, cache=False)
    assert r.turn_aware
    # 3 -> 0 -> 1 (20 s) is as fast: still 20; forbid that way too with a one-way-free alternative
    assert r.node_times(np.array([3]), np.array([1]))[0, 0] == 20.0
    e30, e01 = edge(net, 3, 0), edge(net, 0, 1)
    both = replace(net, turns=make_turns([e34, e30], [e41, e01], heads=net.indices, kind=TurnKind.NO))
    # left: 3 -> 4 -> 5 -> 2 -> 1 (40 s); or 3->0->3?.. U-turns everywhere: 3->4->3->0->...: 3-0-1 banned at 0;
    assert Router(both, cache=False).node_times(np.array([3]), np.array([1]))[0, 0] == 40.0


def test_only_straight_on_and_via_way():
    # a straight road 0-1-2-3 with side roads at 1 and 2 (to 4 and 5), all 10 s
    x = np.array([0, 100, 200, 300, 100, 200.0])
    y = np.array([0, 0, 0, 0, 100, 100.0])
    pairs = [(0, 1), (1, 2), (2, 3), (1, 4), (2, 5), (4, 5)]
    t = [a for a, b in pairs] + [b for a, b in pairs]
    h = [b for a, b in pairs] + [a for a, b in pairs]
    net = Network.from_edges(t, h, seconds=np.full(len(t), 10.0), x=x, y=y, crs="EPSG:25833")
    e01, e12, e23, e14, e25 = (edge(net, *p) for p in ((0, 1), (1, 2), (2, 3), (1, 4), (2, 5)))
    # ONLY straight on at 1 coming from 0: 0 -> 4 must go 0-1-2-5-4 (40 s) instead of 20
    only = replace(net, turns=make_turns([e01], [e12], heads=net.indices, kind=TurnKind.ONLY))
    r = Router(only, cache=False)
    assert r.node_times(np.array([0]), np.array([4, 3]))[0].tolist() == [40.0, 30.0]
    # via way: NO 0-1 -> 1-2 -> 2-5 (a vehicle from 0 may not go straight through 1 and then left at 2)
    via = replace(net, turns=make_turns([e01], [e25], heads=net.indices, kind=TurnKind.NO, via_edges=[[e12]]))
    rv = Router(via, cache=False)
    assert rv.turn_report["context_states"] == 1
    # 0 -> 5: 0-1-4-5 (30 s) is as fast as the banned 0-1-2-5; from 1 the sequence is allowed (20 s)
    t05 = rv.node_times(np.array([0, 1]), np.array([5]))[:, 0]
    assert t05.tolist() == [30.0, 20.0]
    # 0 -> 3 straight through stays allowed (the ban is only on the full sequence)
    assert rv.node_times(np.array([0]), np.array([3]))[0, 0] == 30.0


def test_destination_only_street_is_used_only_at_the_ends():
    # a fast private-access shortcut 1-2 (destination only) and a slow public road 1-3-2
    x = np.array([0, 100, 200, 150, 300.0])
    y = np.array([0, 0, 0, 100, 0.0])
    pairs = [(0, 1), (1, 2), (1, 3), (3, 2), (2, 4)]
    secs = [10, 10, 50, 50, 10]
    t = [a for a, b in pairs] + [b for a, b in pairs]
    h = [b for a, b in pairs] + [a for a, b in pairs]
    flags = np.zeros(len(t), np.uint8)
    flags[[1, 1 + len(pairs)]] = EdgeFlag.DESTINATION
    net = Network.from_edges(t, h, seconds=np.array(secs * 2, float), x=x, y=y, flags=flags, crs="EPSG:25833")
    assert Router(net, turns="ignore", cache=False).node_times(np.array([0]), np.array([4]))[0, 0] == 30.0
    r = Router(net, cache=False)
    times = r.node_times(np.array([0, 1, 2]), np.array([4, 2, 1]))
    assert times[0, 0] == 120.0          # through traffic takes the public road
    assert times[0, 1] == 20.0           # but may drive in to reach the street's end
    assert times[2, 2] == 10.0           # and a trip starting there may drive out along it
    # a point in the middle of the restricted street: reachable, and can leave
    import geopandas as gpd

    pts = gpd.GeoDataFrame({"id": [1, 2]}, geometry=gpd.points_from_xy([150, 0], [0, 0]), crs=net.crs)
    s = r.snap(pts, id_column="id", access_speed_kmh=1e9)
    tt = r.matrix(s, s).seconds
    assert tt[1, 0] == pytest.approx(15.0) and tt[0, 1] == pytest.approx(15.0)


def test_turn_penalty_is_the_osrm_sigmoid():
    # a T junction: 0 -> 1 then right (1 -> 2, south) or left (1 -> 3, north)
    x = np.array([0, 100, 100, 100.0])
    y = np.array([0, 0, -100, 100.0])
    t, h = [0, 1, 1], [1, 2, 3]
    net = Network.from_edges(t, h, seconds=np.full(3, 10.0), x=x, y=y, crs="EPSG:25833")
    p = {"turn_seconds": 7.5, "turn_bias": 1.075, "oncoming_seconds": 2.0}
    r = Router(net, turn_costs=_costs(p), cache=False)
    got = r.node_times(np.array([0]), np.array([2, 3]))[0]
    right = 7.5 / (1 + math.exp(-((13 / 1.075) * 90 / 180 - 6.5 * 1.075)))
    left = 7.5 / (1 + math.exp(-((13 * 1.075) * 90 / 180 - 6.5 / 1.075))) + 2.0 / (1 + math.exp(-(13 * 0.5 - 3.25)))
    assert got == pytest.approx([20 + right, 20 + left], abs=1e-9)
    assert right == pytest.approx(osrm_turn_cost(90.0, u_turn=False, junction=True, signal=False, p=p))
    # left-hand traffic mirrors it
    rl = Router(net, turn_costs=replace(_costs(p), side="left"), cache=False)
    assert rl.node_times(np.array([0]), np.array([2, 3]))[0] == pytest.approx([20 + left, 20 + right], abs=1e-9)


def test_u_turn_rules():
    # 0 (west) - 1 (junction) - 2 - 4 (east, a dead end), and 1 - 3 (north); all two-way, 10 s
    x = np.array([0, 100, 200, 100, 300.0])
    y = np.array([0, 0, 0, 100, 0.0])
    pairs = [(0, 1), (1, 2), (1, 3), (2, 4)]
    t = [a for a, b in pairs] + [b for a, b in pairs]
    h = [b for a, b in pairs] + [a for a, b in pairs]
    net = Network.from_edges(t, h, seconds=np.full(len(t), 10.0), x=x, y=y, crs="EPSG:25833")
    # no left turn from the west road to the north road: turn round and come back
    net = replace(net, turns=make_turns([edge(net, 0, 1)], [edge(net, 1, 3)], heads=net.indices))
    times = {rule: Router(net, turn_costs=TurnCosts(u_turns=rule, u_turn_seconds=5.0), cache=False).node_times(
        np.array([0]), np.array([3]))[0, 0] for rule in ("everywhere", "dead_ends", "never")}
    assert times["everywhere"] == 45.0   # 0-1-2, U-turn at 2, 2-1-3
    assert times["dead_ends"] == 65.0    # 2 is no dead end: on to 4 and back
    assert times["never"] == np.inf


def test_conflicting_only_and_no_keep_the_no():
    net = grid(3, 3, seed=1)
    v = 4  # centre
    ins = np.flatnonzero(net.indices == v)
    outs = np.flatnonzero(net.tails == v)
    e = int(ins[0])
    f1, f2 = [int(o) for o in outs if net.indices[o] != net.tails[e]][:2]
    turns = make_turns([e, e, e], [f1, f1, f2], heads=net.indices,
                       kind=np.array([TurnKind.ONLY, TurnKind.NO, TurnKind.ONLY]), source_id=np.array([11, 12, 13]))
    pairs, _, report = compile_restrictions(turns, net.indptr.astype(np.int64), net.indices.astype(np.int64))
    assert report["conflicts"] == [{"from_edge": e, "to_edge": f1, "only_source_id": 11, "no_source_id": 12}]
    assert report["only_merged"][0]["source_ids"] == [11, 13]
    assert (e, f1) in pairs and (e, f2) not in pairs
    assert all((e, int(o)) in pairs for o in outs if int(o) not in (f2,))


# ----------------------------------------------------------------------------- oracles
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_no=st.integers(0, 6), n_only=st.integers(0, 3), n_via=st.integers(0, 3),
       n_dest=st.integers(0, 4), u_turns=st.sampled_from(["everywhere", "dead_ends"]), costs=st.booleans())
def test_random_grids_equal_the_history_oracle(seed, n_no, n_only, n_via, n_dest, u_turns, costs):
    net = grid(4, 4, seed=seed, drop=0.3)
    rng = np.random.default_rng(seed)
    heads, tails = net.indices, net.tails
    m = net.n_edges
    no, only, via_no = [], [], []
    used_from = set()
    for _ in range(n_no + n_only):
        e = int(rng.integers(m))
        outs = [f for f in np.flatnonzero(tails == heads[e]).tolist()]
        if not outs or e in used_from:
            continue
        f = int(rng.choice(outs))
        used_from.add(e)
        (no if len(no) < n_no else only).append((e, f))
    for _ in range(n_via):
        e = int(rng.integers(m))
        o1 = np.flatnonzero(tails == heads[e])
        if not len(o1):
            continue
        g = int(rng.choice(o1))
        o2 = np.flatnonzero(tails == heads[g])
        if not len(o2):
            continue
        via_no.append((e, g, int(rng.choice(o2))))
    dest = np.zeros(m, bool)
    dest[rng.choice(m, n_dest, replace=False)] = True
    fe = [p[0] for p in no + only + via_no]
    te = [p[-1] for p in no + only + via_no]
    kind = [0] * len(no) + [1] * len(only) + [0] * len(via_no)
    vias = [[]] * (len(no) + len(only)) + [[p[1]] for p in via_no]
    flags = np.where(dest, np.uint8(EdgeFlag.DESTINATION), np.uint8(0)).astype(np.uint8)
    net = replace(net, flags=flags, turns=make_turns(fe, te, heads=heads, kind=np.array(kind, np.int8),
                                                     via_edges=vias) if fe else None)
    p = OSRM if costs else {}
    router = Router(net, turn_costs=_costs(p, u_turns), cache=False)
    oracle = HistoryDijkstra(net, pair_costs(net, p), no_paths=no + via_no, only_paths=only,
                             dest=zone_edges(net, dest), u_turns=u_turns)
    nodes = np.arange(net.n_nodes)
    got = router.node_times(nodes, nodes)
    want = np.vstack([oracle.to_nodes(oracle.from_node(v), start=v) for v in nodes])
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    fin = np.isfinite(want)
    assert np.allclose(got[fin], want[fin], atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_points_on_edges_equal_the_history_oracle(seed):
    import geopandas as gpd

    net = grid(4, 3, seed=seed, drop=0.3)
    rng = np.random.default_rng(seed)
    m = net.n_edges
    dest = np.zeros(m, bool)
    dest[rng.choice(m, 2, replace=False)] = True
    e = int(rng.integers(m))
    outs = np.flatnonzero(net.tails == net.indices[e])
    turns = make_turns([e], [int(outs[0])], heads=net.indices) if len(outs) else None
    net = replace(net, flags=np.where(dest, np.uint8(EdgeFlag.DESTINATION), np.uint8(0)).astype(np.uint8), turns=turns)
    router = Router(net, turn_costs=_costs(OSRM, "dead_ends"), cache=False)
    # points on random edges (a few exactly at nodes)
    k = 8
    pe = rng.integers(m, size=k)
    t = rng.uniform(0.05, 0.95, size=k)
    t[:2] = [0.0, 1.0]
    geoms = net.edge_geometries(pe)
    pts = [g.interpolate(tt, normalized=True) for g, tt in zip(geoms, t, strict=True)]
    layer = gpd.GeoDataFrame({"id": np.arange(k)}, geometry=pts, crs=net.crs)
    snapped = router.snap(layer, id_column="id", access_speed_kmh=1e12)
    got = router.matrix(snapped, snapped).seconds
    no = [(e, int(outs[0]))] if len(outs) else []
    oracle = HistoryDijkstra(net, pair_costs(net, OSRM), no_paths=no, dest=zone_edges(net, dest), u_turns="dead_ends")
    rev = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(net.tails.tolist(), net.indices.tolist(), strict=True))}
    for i in range(k):
        ei, ti = int(snapped.edge[i]), float(snapped.frac[i])
        u, v = int(net.tails[ei]), int(net.indices[ei])
        if ti in (0.0, 1.0):
            labels = oracle.from_node(u if ti == 0.0 else v)
            start_node = u if ti == 0.0 else v
        else:
            starts = [(ei, (1 - ti) * net.seconds[ei])]
            r = rev.get((v, u))
            if r is not None:
                starts.append((r, ti * net.seconds[r]))
            labels = oracle.run(starts)
            start_node = None
        for j in range(k):
            ej, tj = int(snapped.edge[j]), float(snapped.frac[j])
            uj, vj = int(net.tails[ej]), int(net.indices[ej])
            if tj in (0.0, 1.0):
                node = uj if tj == 0.0 else vj
                want = 0.0 if node == start_node else oracle.to_nodes(labels)[node]
            else:
                want = oracle.to_point(labels, ej, tj)
                rj = rev.get((vj, uj))
                if rj is not None:
                    want = min(want, oracle.to_point(labels, rj, 1 - tj))
                if start_node is not None and tj and start_node == uj:
                    want = min(want, tj * net.seconds[ej])
                if start_node is not None and rj is not None and start_node == vj:
                    want = min(want, (1 - tj) * net.seconds[rj])
            # same edge, directly along it
            if ti not in (0.0, 1.0) and tj not in (0.0, 1.0):
                if ej == ei and tj >= ti:
                    want = min(want, (tj - ti) * net.seconds[ei])
                r = rev.get((v, u))
                if ej == ei and tj <= ti and r is not None:
                    want = min(want, (ti - tj) * net.seconds[r])
            assert got[i, j] == pytest.approx(want, abs=1e-7), (i, j, ei, ti, ej, tj)


@pytest.fixture(scope="module")
def tampere(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_network(dataset("osm/tampere.osm.pbf"), mode="car")


def test_tampere_with_penalties_and_restrictions_equals_scipy_line_graph(tampere):
    """1000 x 1000 points-at-nodes exactness on real data: OSRM-like penalties, U-turns at dead ends,
    200 injected node restrictions (no and only) and 300 destination-only edges."""
    net = tampere
    rng = np.random.default_rng(7)
    heads, tails = net.indices, net.tails
    m = net.n_edges
    from_edges = rng.choice(m, 200, replace=False)
    no, only_map = set(), {}
    fe, te, kind = [], [], []
    for i, e in enumerate(from_edges.tolist()):
        outs = [f for f in np.flatnonzero(tails == heads[e]).tolist() if heads[f] != tails[e]]
        if len(outs) < 2:
            continue
        f = int(rng.choice(outs))
        fe.append(e), te.append(f)
        if i % 3 == 0:
            only_map[e] = {f}
            kind.append(1)
        else:
            no.add((e, f))
            kind.append(0)
    dest = np.zeros(m, bool)
    dest[rng.choice(m, 300, replace=False)] = True
    flags = (net.flags | np.where(dest, np.uint8(EdgeFlag.DESTINATION), np.uint8(0))).astype(np.uint8)
    dest = (flags & EdgeFlag.DESTINATION) != 0  # with the extract's own destination-only streets
    net = replace(net, flags=flags, turns=make_turns(fe, te, heads=heads, kind=np.array(kind, np.int8)))
    router = Router(net, turn_costs=_costs(OSRM, "dead_ends"), cache=False)
    origins = rng.choice(net.n_nodes, 40, replace=False)
    targets = rng.choice(net.n_nodes, 1000, replace=False)
    want = line_graph_times(net, pair_costs(net, OSRM), origins, banned=no, only=only_map,
                            dest=zone_edges(net, dest), u_turns="dead_ends")[:, targets]
    got = router.node_times(origins, targets)
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    fin = np.isfinite(want)
    assert np.abs(got[fin] - want[fin]).max() < 1e-6
    # the rules bite: some times differ from node-based routing
    free = Router(net, turns="ignore").node_times(origins, targets)
    assert (got[fin] > free[fin] + 1e-6).mean() > 0.5


def test_turn_graph_report_counts(tampere):
    tg, rep = build_turn_graph(tampere, costs=_costs(OSRM, "dead_ends"))
    assert tg.n_states == tampere.n_edges + rep["zone_states"] + 2 * tampere.n_nodes
    assert rep["zone_edges"] >= rep["destination_edges"] > 0  # the extract's access=destination streets
    assert rep["u_turns_allowed"] > 0 and rep["turns_forbidden_by_restrictions"] == 0
    assert tg.entry_ptr[-1] == len(tg.entry_state)


# ----------------------------------------------------------------------------- real OSM restrictions
@pytest.fixture(scope="module")
def oslo_driven(dataset):
    from geoaccess.network.build import build_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_network(dataset("osm/oslo-east-filtered.osm.pbf"), mode="car", profile="driven")


def _oracle_for(net: Network, costs: TurnCosts) -> HistoryDijkstra:
    """The history oracle with the network's own restrictions (as edge sequences) and zones."""
    t = net.turns
    no, only = [], []
    for i in range(t.n_restrictions):
        path = (int(t.from_edge[i]), *t.via_edges[t.via_ptr[i]:t.via_ptr[i + 1]].tolist(), int(t.to_edge[i]))
        (no if t.kind[i] == TurnKind.NO else only).append(path)
    p = {k: getattr(costs, k) for k in ("turn_seconds", "turn_bias", "u_turn_seconds", "signal_seconds",
                                         "oncoming_seconds", "lookahead_m")}
    from geoaccess.engine.turn_graph import _flagged_destination

    return HistoryDijkstra(net, pair_costs(net, p), no_paths=no, only_paths=only,
                           dest=zone_edges(net, _flagged_destination(net)), u_turns=costs.u_turns)


def test_oslo_real_restrictions_via_ways_signals_equal_the_history_oracle(oslo_driven):
    """The real eastern-Oslo OSM restrictions (via nodes and via ways), signals, destination streets and the
    driven profile's OSRM penalties: router node-to-node times equal the history oracle's."""
    net = oslo_driven
    assert net.turns.n_restrictions >= 60 and net.turns.n_via_way >= 5
    assert ((net.flags & EdgeFlag.SIGNAL) != 0).sum() > 100
    router = Router(net)
    costs = TurnCosts.from_meta(net.meta["turn_costs"])
    oracle = _oracle_for(net, costs)
    # origins near restrictions (where they bite) and random ones
    rng = np.random.default_rng(3)
    near = np.unique(net.tails[net.turns.from_edge])
    origins = np.concatenate([rng.choice(near, 8, replace=False), rng.choice(net.n_nodes, 4, replace=False)])
    targets = np.arange(net.n_nodes)
    got = router.node_times(origins, targets)
    want = np.vstack([oracle.to_nodes(oracle.from_node(int(v)), start=int(v)) for v in origins])
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    fin = np.isfinite(want)
    assert np.abs(got[fin] - want[fin]).max() < 1e-6
    # and the restrictions matter: without them some of these trips are faster
    bare = Router(replace(net, turns=None)).node_times(origins, targets)
    assert (bare[fin] < got[fin] - 1e-6).sum() > 0


def test_scenario_keeps_turn_restrictions(oslo_driven):
    """apply_scenario re-indexes the restrictions: the same manoeuvres (by node ids and way ids) survive an edit."""
    from geoaccess.scenario.edit import apply_scenario
    from geoaccess.scenario.spec import spec_from_edits

    net = oslo_driven
    t = net.turns
    victim = int(net.way_id[t.to_edge[0]])
    scen = apply_scenario(net, spec_from_edits("close", [{"type": "close", "way_ids": [victim]}]))
    assert scen.turns is not None
    key = lambda g, e: (int(g.node_id[g.tails[e]]), int(g.node_id[g.indices[e]]), int(g.way_id[e]))  # noqa: E731
    before = {(key(net, a), key(net, b)) for a, b in zip(t.from_edge, t.to_edge, strict=True)
              if net.way_id[a] != victim and net.way_id[b] != victim}
    st_ = scen.turns
    after = {(key(scen, a), key(scen, b)) for a, b in zip(st_.from_edge, st_.to_edge, strict=True)}
    assert after and before <= after
    assert scen.meta["scenario"]["turns_dropped"] >= 1
