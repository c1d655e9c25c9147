"""Turn restrictions carried with a :class:`~geoaccess.network.graph.Network`.

A restriction is a **path of edges** of the network it belongs to::

    from_edge  →  via_edges[via_ptr[i]:via_ptr[i + 1]] (usually none)  →  to_edge

``via_node`` is the head of ``from_edge`` (the junction where the manoeuvre starts).
With no via edges it is also the tail of ``to_edge``: the common *node restriction*
(OSM ``restriction=no_left_turn`` with a via node, NVDB *Svingerestriksjon* between
two links meeting at a junction). With via edges it is a *via-way restriction*
(OSM via ways; NVDB restrictions whose from and to links are a short connector apart).

Semantics of :attr:`TurnRestrictions.kind` (:class:`TurnKind`):

* ``NO`` — a vehicle that has just traversed ``from_edge`` may not continue along the
  via edges and then ``to_edge`` (it may do anything else);
* ``ONLY`` — a vehicle that has just traversed ``from_edge`` *must* continue along the
  via edges and ``to_edge`` (every other continuation at ``via_node`` is banned).

Indices are positions in the owning network's edge arrays (CSR order); they are kept
valid by :meth:`Network.reverse` and :meth:`Network.edge_subset` (through
:func:`reverse_turns` and :func:`subset_turns`) and, after degree-2 simplification, by
:func:`carry_turns`. A network built without turn information has ``turns=None``.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = [
    "TurnKind",
    "TurnRestrictions",
    "carry_turns",
    "check_turns",
    "compile_restrictions",
    "make_turns",
    "remap_turns",
    "reverse_turns",
    "routing_keep_nodes",
    "subset_turns",
    "turn_nodes",
    "turn_table",
    "turns_from_arrays",
    "turns_to_arrays",
]


class TurnKind(enum.IntEnum):
    """What a restriction does (see the module docstring)."""

    NO = 0
    """The path from_edge → via edges → to_edge is forbidden."""
    ONLY = 1
    """After from_edge, the path via edges → to_edge is the only one allowed."""


class TurnRestrictions(NamedTuple):
    """Turn restrictions as flat arrays (a NamedTuple, so numba kernels can take it whole).

    Attributes
    ----------
    from_edge : numpy.ndarray of int64, shape (r,)
        Edge entering the manoeuvre.
    via_node : numpy.ndarray of int32, shape (r,)
        Head of ``from_edge``: the junction where the manoeuvre starts.
    to_edge : numpy.ndarray of int64, shape (r,)
        Edge leaving the manoeuvre.
    kind : numpy.ndarray of int8, shape (r,)
        :class:`TurnKind` code.
    via_ptr : numpy.ndarray of int64, shape (r + 1,)
        Row pointer into ``via_edges``; empty rows are node restrictions.
    via_edges : numpy.ndarray of int64, shape (k,)
        Intermediate edges of via-way restrictions, in driving order.
    source_id : numpy.ndarray of int64, shape (r,)
        Id of the source record (NVDB object id, OSM relation id), ``-1`` if none.
    """

    from_edge: np.ndarray
    via_node: np.ndarray
    to_edge: np.ndarray
    kind: np.ndarray
    via_ptr: np.ndarray
    via_edges: np.ndarray
    source_id: np.ndarray

    @property
    def n_restrictions(self) -> int:
        """Number of restrictions."""
        return len(self.from_edge)

    @property
    def n_via_way(self) -> int:
        """Number of via-way restrictions (with at least one via edge)."""
        return int(np.count_nonzero(np.diff(self.via_ptr)))


def make_turns(
    from_edge: np.ndarray,
    to_edge: np.ndarray,
    *,
    heads: np.ndarray,
    kind: np.ndarray | int = TurnKind.NO,
    via_edges: list[np.ndarray] | None = None,
    source_id: np.ndarray | None = None,
) -> TurnRestrictions:
    """Bundle restrictions given as edge indices, filling ``via_node`` from the network's edge heads.

    Parameters
    ----------
    from_edge, to_edge
        Edge indices (r,) of the owning network.
    heads
        Head node of every edge of the owning network (``Network.indices``).
    kind
        One :class:`TurnKind` for all, or an array (r,).
    via_edges
        Per restriction, the intermediate edges in driving order (``None``: all node restrictions).
    source_id
        Source record ids (r,); ``-1`` when omitted.
    """
    from_edge = np.asarray(from_edge, dtype=np.int64)
    r = len(from_edge)
    parts = [np.zeros(0, np.int64)] * r if via_edges is None else [np.asarray(v, np.int64) for v in via_edges]
    via_ptr = np.concatenate([[0], np.cumsum([len(p) for p in parts], dtype=np.int64)]).astype(np.int64)
    return TurnRestrictions(
        from_edge=from_edge,
        via_node=np.asarray(heads, dtype=np.int64)[from_edge].astype(np.int32),
        to_edge=np.asarray(to_edge, dtype=np.int64),
        kind=np.broadcast_to(np.asarray(kind, dtype=np.int8), (r,)).copy(),
        via_ptr=via_ptr,
        via_edges=np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64),
        source_id=np.full(r, -1, np.int64) if source_id is None else np.asarray(source_id, dtype=np.int64),
    )


def check_turns(turns: TurnRestrictions, n_nodes: int, n_edges: int, tails: np.ndarray | None = None,
                heads: np.ndarray | None = None) -> list[str]:
    """Problems with ``turns`` for a network of ``n_nodes``/``n_edges`` (empty list: consistent).

    Array lengths and index ranges are always checked; with ``tails``/``heads`` of the network also
    that each restriction is a connected path starting at ``via_node``.
    """
    r = len(turns.from_edge)
    out = []
    for name in ("via_node", "to_edge", "kind", "source_id"):
        if len(getattr(turns, name)) != r:
            out.append(f"turns.{name} has {len(getattr(turns, name))} entries, expected {r}")
    if len(turns.via_ptr) != r + 1 or (r + 1 and (turns.via_ptr[0] != 0 or turns.via_ptr[-1] != len(turns.via_edges))):
        out.append("turns.via_ptr must have one entry per restriction plus one, from 0 to len(via_edges)")
    for name in ("from_edge", "to_edge", "via_edges"):
        a = getattr(turns, name)
        if len(a) and (a.min() < 0 or a.max() >= n_edges):
            out.append(f"turns.{name} refers to edges outside 0..{n_edges - 1}")
    if r and (turns.via_node.min() < 0 or turns.via_node.max() >= n_nodes):
        out.append(f"turns.via_node refers to nodes outside 0..{n_nodes - 1}")
    if out or tails is None or heads is None or r == 0:
        return out
    if not np.array_equal(heads[turns.from_edge], turns.via_node):
        out.append("turns.via_node is not the head of from_edge")
    # path continuity: from → via edges → to
    seq_ptr = turns.via_ptr + np.arange(r + 1)  # one extra slot per row for from_edge
    path = np.empty(len(turns.via_edges) + r, dtype=np.int64)
    path[seq_ptr[:-1]] = turns.from_edge
    inner = np.ones(len(path), dtype=bool)
    inner[seq_ptr[:-1]] = False
    path[inner] = turns.via_edges
    last = np.concatenate([path[1:], [0]])
    ends = seq_ptr[1:] - 1  # last element of each row's path (from or last via)
    cont = np.ones(len(path), dtype=bool)
    cont[ends] = False
    if np.any(heads[path[cont]] != tails[last[cont]]):
        out.append("turns: via edges do not form a connected path")
    if np.any(heads[path[ends]] != tails[turns.to_edge]):
        out.append("turns: to_edge does not start where the path before it ends")
    return out


def turn_nodes(turns: TurnRestrictions, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """End nodes of every edge a restriction uses (keep them through simplification)."""
    edges = np.concatenate([turns.from_edge, turns.to_edge, turns.via_edges]).astype(np.int64)
    return np.unique(np.concatenate([tails[edges], heads[edges]]))


def _rows_keep(turns: TurnRestrictions, edge_ok: np.ndarray) -> np.ndarray:
    ok = edge_ok[turns.from_edge] & edge_ok[turns.to_edge]
    if len(turns.via_edges):
        bad_via = ~edge_ok[turns.via_edges]
        row_of = np.repeat(np.arange(len(ok)), np.diff(turns.via_ptr))
        ok[row_of[bad_via]] = False
    return ok


def _select(turns: TurnRestrictions, rows: np.ndarray, edge_map: np.ndarray, node_map: np.ndarray) -> TurnRestrictions:
    rows = np.flatnonzero(rows)
    lens = np.diff(turns.via_ptr)[rows]
    starts = turns.via_ptr[rows]
    k = np.arange(int(lens.sum())) - np.repeat((np.cumsum(lens) - lens), lens)
    via = turns.via_edges[np.repeat(starts, lens) + k] if len(k) else np.zeros(0, np.int64)
    return TurnRestrictions(
        from_edge=edge_map[turns.from_edge[rows]].astype(np.int64),
        via_node=node_map[turns.via_node[rows]].astype(np.int32),
        to_edge=edge_map[turns.to_edge[rows]].astype(np.int64),
        kind=turns.kind[rows].copy(),
        via_ptr=np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
        via_edges=edge_map[via].astype(np.int64),
        source_id=turns.source_id[rows].copy(),
    )


def subset_turns(turns: TurnRestrictions, edge_mask: np.ndarray, node_new_id: np.ndarray) -> TurnRestrictions:
    """Restrictions of a network reduced to ``edge_mask`` (see :meth:`Network.edge_subset`).

    Kept edges are renumbered in their original order (``edge_subset`` keeps that order); a
    restriction that uses a dropped edge is dropped.
    """
    edge_mask = np.asarray(edge_mask, dtype=bool)
    edge_map = np.cumsum(edge_mask) - 1
    return _select(turns, _rows_keep(turns, edge_mask), edge_map, np.asarray(node_new_id))


def reverse_turns(turns: TurnRestrictions, order: np.ndarray, tails: np.ndarray) -> TurnRestrictions:
    """Restrictions of the reversed network (see :meth:`Network.reverse`).

    ``order[i]`` is the old edge that becomes new edge ``i``; ``tails`` are the old edges' tails.
    The forbidden path e1 → … → ek becomes ek' → … → e1' in the reversed graph.
    """
    inv = np.empty(len(order), dtype=np.int64)
    inv[order] = np.arange(len(order))
    r = turns.n_restrictions
    lens = np.diff(turns.via_ptr)
    # reverse the via list of each row
    starts = turns.via_ptr[:-1]
    k = np.arange(int(lens.sum())) - np.repeat(starts, lens)
    src = np.repeat(starts + lens - 1, lens) - k
    via = inv[turns.via_edges[src]] if len(src) else np.zeros(0, np.int64)
    return TurnRestrictions(
        from_edge=inv[turns.to_edge],
        via_node=np.asarray(tails, dtype=np.int64)[turns.to_edge].astype(np.int32),
        to_edge=inv[turns.from_edge],
        kind=turns.kind.copy(),
        via_ptr=turns.via_ptr.copy() if r else np.zeros(1, np.int64),
        via_edges=via.astype(np.int64),
        source_id=turns.source_id.copy(),
    )


def _edge_keys(net: Network, edges: np.ndarray) -> list[tuple[int, int, int, float]]:
    t = net.tails[edges]
    h = net.indices[edges]
    return list(zip(net.node_id[t].tolist(), net.node_id[h].tolist(), net.way_id[edges].tolist(),
                    np.round(net.metres[edges], 6).tolist(), strict=True))


def carry_turns(before: Network, after: Network) -> Network:
    """Attach ``before.turns`` to ``after``, a re-numbered version of the same graph (e.g. simplified).

    Every edge a restriction uses is found in ``after`` by its end nodes' ``node_id``, its
    ``way_id`` and its length; this holds after :func:`geoaccess.network.simplify.simplify` when the
    restriction's nodes were kept (:func:`turn_nodes`). Restrictions whose edges are not found
    exactly once are dropped and counted in ``meta["turns_dropped"]``.
    """
    from dataclasses import replace

    turns = before.turns
    if turns is None:
        return after
    index: dict[tuple[int, int, int, float], int] = {}
    dup: set[tuple[int, int, int, float]] = set()
    for e, key in enumerate(_edge_keys(after, np.arange(after.n_edges))):
        if key in index:
            dup.add(key)
        index[key] = e
    used = np.unique(np.concatenate([turns.from_edge, turns.to_edge, turns.via_edges]))
    edge_map = np.full(before.n_edges, -1, dtype=np.int64)
    for e, key in zip(used.tolist(), _edge_keys(before, used), strict=True):
        if key in index and key not in dup:
            edge_map[e] = index[key]
    node_map = np.full(before.n_nodes, -1, dtype=np.int64)
    pos = {nid: i for i, nid in enumerate(after.node_id.tolist())}
    for v in np.unique(turns.via_node).tolist():
        node_map[v] = pos.get(int(before.node_id[v]), -1)
    rows = _rows_keep(turns, edge_map >= 0) & (node_map[turns.via_node] >= 0)
    new = _select(turns, rows, edge_map, node_map)
    meta = dict(after.meta)
    dropped = int((~rows).sum())
    if dropped:
        meta["turns_dropped"] = int(meta.get("turns_dropped", 0)) + dropped
    return replace(after, turns=new, meta=meta)


_FIELDS = TurnRestrictions._fields
_DTYPES = {"from_edge": np.int64, "via_node": np.int32, "to_edge": np.int64, "kind": np.int8,
           "via_ptr": np.int64, "via_edges": np.int64, "source_id": np.int64}


def turns_to_arrays(turns: TurnRestrictions, *, prefix: str = "turns_") -> dict[str, np.ndarray]:
    """Arrays to store in an ``.npz`` file, named ``prefix + field``."""
    return {prefix + name: np.ascontiguousarray(getattr(turns, name), dtype=_DTYPES[name]) for name in _FIELDS}


def turns_from_arrays(data: dict[str, np.ndarray], *, prefix: str = "turns_") -> TurnRestrictions | None:
    """Inverse of :func:`turns_to_arrays`; ``None`` when the arrays are absent.

    Raises
    ------
    ValueError
        Some but not all arrays are present, or one has the wrong dtype or dimension.
    """
    present = [prefix + n in data for n in _FIELDS]
    if not any(present):
        return None
    if not all(present):
        missing = [prefix + n for n, p in zip(_FIELDS, present, strict=True) if not p]
        msg = f"turn restriction arrays {missing} are missing"
        raise ValueError(msg)
    out = {}
    for name in _FIELDS:
        a = data[prefix + name]
        if a.dtype != _DTYPES[name] or a.ndim != 1:
            msg = f"turn restriction array {prefix + name} has dtype {a.dtype} and {a.ndim} dimensions"
            raise ValueError(msg)
        out[name] = a
    return TurnRestrictions(**out)


def turn_table(net: Network) -> pd.DataFrame:
    """One row per restriction of ``net``: edges, via node and its coordinates, kind, source id.

    Columns ``from_edge``, ``via_node``, ``to_edge``, ``via_edges`` (count), ``kind`` (name),
    ``source_id``, ``from_way_id``, ``to_way_id``, ``x``, ``y`` (metres, ``net.crs``).
    """
    import pandas as pd

    t = net.turns
    if t is None:
        return pd.DataFrame(columns=["from_edge", "via_node", "to_edge", "via_edges", "kind", "source_id",
                                     "from_way_id", "to_way_id", "x", "y"])
    return pd.DataFrame({
        "from_edge": t.from_edge,
        "via_node": t.via_node,
        "to_edge": t.to_edge,
        "via_edges": np.diff(t.via_ptr),
        "kind": [TurnKind(int(k)).name for k in t.kind],
        "source_id": t.source_id,
        "from_way_id": net.way_id[t.from_edge],
        "to_way_id": net.way_id[t.to_edge],
        "x": net.x[t.via_node],
        "y": net.y[t.via_node],
    })


def compile_restrictions(
    turns: TurnRestrictions | None, indptr: np.ndarray, heads: np.ndarray
) -> tuple[set[tuple[int, int]], set[tuple[int, ...]], dict[str, Any]]:
    """Forbidden turns (edge pairs) and forbidden edge sequences (3 or more edges) of the restrictions.

    Parameters
    ----------
    turns
        The network's restrictions (``None``: none).
    indptr, heads
        The network's CSR row pointer and edge heads (to list every way on at a node).

    Returns
    -------
    banned_pairs : set of (int, int)
        Turns ``from_edge → to_edge`` never allowed.
    banned_paths : set of tuple of int
        Edge sequences of length >= 3 never allowed consecutively (via-way restrictions).
    report : dict
        Counts and examples: ``node``/``via_way`` restrictions, ``only_merged`` (several ``only_*``
        from one edge: their union allowed), ``conflicts`` (an ``only_*`` dropped because a ``no_*``
        forbids its turn), each with source ids.
    """
    pairs: set[tuple[int, int]] = set()
    paths: set[tuple[int, ...]] = set()
    report: dict[str, Any] = {"node": 0, "via_way": 0, "only_merged": [], "conflicts": []}
    if turns is None or turns.n_restrictions == 0:
        return pairs, paths, report
    only: dict[int, list[tuple[int, int]]] = defaultdict(list)

    def out_of(edge: int) -> range:
        v = int(heads[edge])
        return range(int(indptr[v]), int(indptr[v + 1]))

    for i in range(turns.n_restrictions):
        via = turns.via_edges[turns.via_ptr[i]:turns.via_ptr[i + 1]].tolist()
        path = (int(turns.from_edge[i]), *via, int(turns.to_edge[i]))
        kind = int(turns.kind[i])
        sid = int(turns.source_id[i])
        if not via:
            report["node"] += 1
            if kind == 0:
                pairs.add(path)
            else:
                only[path[0]].append((path[1], sid))
            continue
        report["via_way"] += 1
        if kind == 0:
            paths.add(path)
            continue
        for j in range(len(path) - 1):
            need = path[j + 1]
            for f in out_of(path[j]):
                if f != need:
                    seq = (*path[: j + 1], f)
                    (pairs if len(seq) == 2 else paths).add(seq)  # type: ignore[arg-type]
    no_ids = {(int(turns.from_edge[i]), int(turns.to_edge[i])): int(turns.source_id[i])
              for i in range(turns.n_restrictions)
              if turns.via_ptr[i] == turns.via_ptr[i + 1] and int(turns.kind[i]) == 0}
    for fe, targets in only.items():
        allowed = {t for t, _ in targets}
        bad = {t for t in allowed if (fe, t) in pairs}
        if bad:
            for t, sid in targets:
                if t in bad:
                    report["conflicts"].append({"from_edge": fe, "to_edge": t, "only_source_id": sid,
                                                "no_source_id": no_ids.get((fe, t), -1)})
            allowed -= bad
        if len({t for t, _ in targets}) > 1:
            report["only_merged"].append({"from_edge": fe, "to_edges": sorted(allowed),
                                          "source_ids": sorted({s for _, s in targets})})
        if allowed:
            for f in out_of(fe):
                if f not in allowed:
                    pairs.add((fe, f))
    return pairs, paths, report


def remap_turns(turns: TurnRestrictions, edge_map: np.ndarray, node_map: np.ndarray | None = None) -> TurnRestrictions:
    """Restrictions after the owning network's edges were renumbered (scenario edits, rebuilds).

    Parameters
    ----------
    turns
        Restrictions of the old network.
    edge_map
        New index of every old edge, ``-1`` where the edge is gone (a restriction using it is dropped).
    node_map
        New index of every old node (default: nodes unchanged).
    """
    edge_map = np.asarray(edge_map, dtype=np.int64)
    if node_map is None:
        node_map = np.arange(int(turns.via_node.max()) + 1 if turns.n_restrictions else 0, dtype=np.int64)
    return _select(turns, _rows_keep(turns, edge_map >= 0), edge_map, np.asarray(node_map, dtype=np.int64))


def routing_keep_nodes(net: Network) -> np.ndarray | None:
    """Nodes degree-2 simplification must keep so turn rules stay where they are.

    The end nodes of every edge a restriction uses, both ends of destination-only edges
    (:attr:`EdgeFlag.DESTINATION`) and the head of every edge with a traffic signal or crossing
    at its end (:attr:`EdgeFlag.SIGNAL`, :attr:`EdgeFlag.CROSSING`). ``None`` when there is none.
    """
    from geoaccess.network.graph import EdgeFlag

    parts = []
    if net.turns is not None and net.turns.n_restrictions:
        parts.append(turn_nodes(net.turns, net.tails, net.indices))
    dest = (net.flags & EdgeFlag.DESTINATION) != 0
    if dest.any():
        parts.append(np.concatenate([net.tails[dest], net.indices[dest]]).astype(np.int64))
    sig = (net.flags & (EdgeFlag.SIGNAL | EdgeFlag.CROSSING)) != 0
    if sig.any():
        parts.append(net.indices[sig].astype(np.int64))
    return np.unique(np.concatenate(parts)) if parts else None
