"""Routable networks (car, walk, bike) from an NVDB / FKB-Vegnett GML zip.

``read_nvdb_gml("roads/hamar_0403_nvdb_fkbvn_2017.zip", mode="car")`` reads the export
(:mod:`geoaccess.network.nvdb_gml`), cuts the links where objects change along them and
attaches limits, directions and closures (:mod:`geoaccess.network.nvdb_links`), then applies an
NVDB profile (``networks/profiles/nvdb_<mode>.toml``, :mod:`geoaccess.network.nvdb_profile`):

* **nodes** are link end points (the export is topological; coordinates matched on a
  ``snap_tolerance_m`` grid, heights ignored) plus cut points inside links; links meet only at
  their ends, so a bridge over a road is never a junction;
* **edges** are link pieces, one per allowed direction, at ``metres / (km/h / 3.6)`` seconds;
* **barriers** (``Vegsperring``) that close the link for the mode detach the piece ends at the
  barrier: the road is driven up to the barrier from both sides, never through it;
* **turn restrictions** (``Svingerestriksjon``, car) are resolved to edge paths on the car graph
  and kept in :attr:`Network.turns <geoaccess.network.graph.Network.turns>`.

Every count (links, pieces, limit sources, splits, one-way, no-entry, barriers, turn
restrictions) is in ``meta["nvdb"]``; ``meta["build_summary"]`` holds the rows the CLI shows.
"""

from __future__ import annotations

import functools
import itertools
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import DataWarning, InputError
from geoaccess.network.lines import DEFAULT_SNAP_TOLERANCE_M
from geoaccess.network.nvdb_links import (
    DEFAULT_OVERLAY_TOLERANCE_M,
    DEFAULT_SLIVER_M,
    LinkPieces,
    lane_directions,
    link_pieces,
)
from geoaccess.network.nvdb_profile import ALL_BARRIERS, NvdbProfile, load_nvdb_profile
from geoaccess.network.nvdb_refs import nvdb_road_refs

if TYPE_CHECKING:

    from geoaccess.network.graph import Network
    from geoaccess.network.turns import TurnRestrictions

__all__ = ["clear_export_cache", "keep_nodes", "nvdb_road_refs", "read_nvdb_gml"]


def read_nvdb_gml(
    source: str | os.PathLike[str],
    *,
    mode: str = "car",
    profile: str | os.PathLike[str] | NvdbProfile | None = None,
    overlay_tolerance_m: float = DEFAULT_OVERLAY_TOLERANCE_M,
    sliver_m: float = DEFAULT_SLIVER_M,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> Network:
    """Build a :class:`~geoaccess.network.graph.Network` from an NVDB/FKB-Vegnett GML zip.

    Parameters
    ----------
    source
        The ``.zip`` of GML files (``Veglenke.gml``, ``Fartsgrense.gml``, ...).
    mode
        ``"car"``, ``"walk"`` or ``"bike"``; also the built-in profile when ``profile`` is ``None``.
    profile
        NVDB profile name (``"car"``, ``"nvdb_walk"``), TOML path, or a loaded :class:`NvdbProfile`.
    overlay_tolerance_m
        Metres: largest distance between a speed-limit line and a link it gives its limit to by
        geometry (dual carriageways carry no limit of their own), and between a no-entry line and its link.
    sliver_m
        Metres: overlaps and pieces shorter than this are float noise and ignored / merged.
    snap_tolerance_m
        Grid in metres on which link end points are matched into junctions.

    The export is read and overlaid once per process and file version (size and modification time), so
    the car, walk and bike networks of one file share that work; :func:`clear_export_cache` forgets it.

    Returns
    -------
    Network
        In EPSG:25833; ``way_id`` is the link sequence id (``lenkesekvens``), ``node_id`` a running
        number shared by the car, walk and bike networks of the same file; ``turns`` set for profiles
        that keep turn restrictions (car); counts in ``meta["nvdb"]``.

    Raises
    ------
    InputError
        Unreadable zip, no road links, invalid link positions, unknown profile.
    CRSError
        A member's CRS is neither EPSG:6173 nor resolvable by PROJ (the message names it).
    """
    from dataclasses import replace

    prof = load_nvdb_profile(profile if profile is not None else mode)
    if not snap_tolerance_m > 0:
        msg = f"snap_tolerance_m must be > 0 metres, got {snap_tolerance_m}."
        raise InputError(msg)
    path = Path(source).resolve()
    if not path.is_file():
        msg = f"NVDB export {source} does not exist."
        raise InputError(msg)
    st = path.stat()
    (lp, members, ignored, declared), notes = _parsed(str(path), st.st_size, st.st_mtime_ns, float(sliver_m),
                                                      float(overlay_tolerance_m))
    for message, category in notes:  # the warnings of the (possibly cached) read, for every build
        warnings.warn(message, category, stacklevel=2)
    net = _assemble(lp, prof, snap_tolerance_m=snap_tolerance_m)
    meta = dict(net.meta)
    meta["nvdb"].update({"members": dict(members), "members_ignored": list(ignored), "declared_crs": list(declared)})
    meta["source"] = os.fspath(source)
    return replace(net, meta=meta)


@functools.lru_cache(maxsize=2)
def _parsed(path: str, size: int, mtime_ns: int, sliver_m: float, overlay_tolerance_m: float
            ) -> tuple[tuple[LinkPieces, dict[str, str], list[str], list[str]], list[tuple[str, type[Warning]]]]:
    """Read and overlay an export once per process (car, walk and bike builds share it); with its warnings."""
    from geoaccess.network.nvdb_gml import read_fkb_zip

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export = read_fkb_zip(path)
        lp = link_pieces(export, sliver_m=sliver_m, overlay_tolerance_m=overlay_tolerance_m)
    notes = [(str(w.message), w.category) for w in caught]
    return (lp, export.members, export.ignored, export.declared_crs), notes


def clear_export_cache() -> None:
    """Forget the exports read in this process (:func:`read_nvdb_gml` keeps the last two)."""
    _parsed.cache_clear()


# ----------------------------------------------------------------------------- per-mode rules
def _directions(lp: LinkPieces, prof: NvdbProfile, counts: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Allowed directions (along, against the link) per piece, before closures."""
    n = len(lp.pieces.link)
    if prof.direction == "ignore":
        return np.ones(n, bool), np.ones(n, bool)
    lanes = lane_directions(lp.table["feltoversikt"].to_numpy())
    link = lp.pieces.link
    known = lanes["known"][link]
    lf = np.where(known, lanes[f"{prof.lanes}_fwd"][link], True)
    lb = np.where(known, lanes[f"{prof.lanes}_bwd"][link], True)
    nf = lp.no_entry_fwd if prof.no_entry else np.zeros(n, bool)
    nb = lp.no_entry_bwd if prof.no_entry else np.zeros(n, bool)
    contra = np.array([bool(r & prof.contraflow_regulations) for r in lp.regulations], dtype=bool)
    fwd, bwd = lf & ~nf, lb & ~nb
    both_banned = nf & nb
    # no entry against the only direction the lanes allow: the lanes win (the road is not closed)
    contradiction = (lf | lb) & ~(fwd | bwd) & ~both_banned
    fwd = np.where(contradiction, lf, fwd)
    bwd = np.where(contradiction, lb, bwd)
    lifted = contra & (lf | lb) & ~both_banned & ~(fwd & bwd)
    fwd = fwd | lifted
    bwd = bwd | lifted
    counts.update({
        "one_way_pieces_lanes": int((known & (lf != lb)).sum()),
        "one_way_pieces_no_entry": int(((lf & lb) & (nf ^ nb)).sum()),
        "no_entry_contradicts_lanes": int(contradiction.sum()),
        "no_entry_both_directions": int(both_banned.sum()),
        "no_lanes_for_mode": int((known & ~lf & ~lb).sum()),
        "contraflow_pieces": int(lifted.sum()),
    })
    return fwd, bwd


def _open(lp: LinkPieces, prof: NvdbProfile, counts: dict[str, Any]) -> np.ndarray:
    """Pieces this mode may use at all."""
    link = lp.pieces.link
    ok = lp.table["type_veg"].isin(prof.types).to_numpy()[link]
    ok &= lp.table["vegstatus"].isin(prof.vegstatus).to_numpy()[link]
    counts["pieces_wrong_type_or_status"] = int((~ok).sum())
    if prof.pedestrian_streets == "closed":
        counts["pedestrian_street_pieces"] = int(lp.pedestrian_street.sum())
        ok &= ~lp.pedestrian_street
    closed = np.array([bool(r & prof.closed_regulations) for r in lp.regulations], dtype=bool)
    counts["regulation_pieces_closed"] = int(closed.sum())
    ok &= ~closed
    if prof.exclude_limit_from_kmh is not None:
        fast = np.nan_to_num(lp.kmh, nan=0.0) >= prof.exclude_limit_from_kmh
        counts["pieces_excluded_by_limit"] = int((ok & fast).sum())
        ok &= ~fast
    return ok


def _speeds(lp: LinkPieces, prof: NvdbProfile, ok: np.ndarray, counts: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(km/h per piece, ferry mask); ``ok`` marks the pieces the mode uses (for the counts)."""
    link = lp.pieces.link
    types = lp.table["type_veg"].to_numpy()[link]
    ferry = np.isin(types, list(prof.ferry_types))
    if prof.use_limits:
        cat = lp.table["vegkategori"].to_numpy()[link]
        default = np.array([prof.default_kmh.get(c, prof.fallback_kmh) if isinstance(c, str) else prof.fallback_kmh
                            for c in cat])
        none = ~np.isfinite(lp.kmh)
        kmh = np.where(none, default, lp.kmh) * prof.speed_factor
        counts["pieces_default_speed"] = int((none & ok).sum())
    else:
        kmh = np.full(len(link), float(prof.fixed_kmh))
    for t, v in prof.type_kmh.items():
        kmh = np.where(types == t, v, kmh)
    kmh = np.where(ferry, prof.ferry_kmh, kmh)
    return kmh, ferry


# ----------------------------------------------------------------------------- graph
def _closes(prof: NvdbProfile, barrier_type: str | None) -> bool:
    """Whether a barrier of this type (``""``: unknown) closes the road for the profile's mode."""
    return barrier_type is not None and (ALL_BARRIERS in prof.barriers or barrier_type in prof.barriers)


def _nodes(lp: LinkPieces, prof: NvdbProfile, snap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(start node, end node) per piece and node x, y; barriers closing for the mode detach piece ends."""
    import shapely

    pieces, links = lp.pieces, lp.links
    n_links = len(links.seq)
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(links.geometry, 0)),
                      shapely.get_coordinates(shapely.get_point(links.geometry, -1))])
    key = np.round(ends / snap).astype(np.int64)
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    n_junction = len(first)
    xy = [ends[first]]
    start = np.where(pieces.t0 <= 0.0, inv[pieces.link], -1)
    end = np.where(pieces.t1 >= links.length_m[pieces.link], inv[n_links + pieces.link], -1)
    # inner cut points: the start of a piece that does not start its link (= end of the piece before it)
    inner = np.flatnonzero(start < 0)
    ids = n_junction + np.arange(len(inner))
    start[inner] = ids
    end[inner - 1] = ids
    p_start = shapely.get_coordinates(shapely.get_point(lp.geometry, 0))
    p_end = shapely.get_coordinates(shapely.get_point(lp.geometry, -1))
    xy.append(p_start[inner])
    nxt = n_junction + len(inner)
    det_s = np.flatnonzero([_closes(prof, t) for t in lp.barrier_start])
    det_e = np.flatnonzero([_closes(prof, t) for t in lp.barrier_end])
    start[det_s] = nxt + np.arange(len(det_s))
    xy.append(p_start[det_s])
    nxt += len(det_s)
    end[det_e] = nxt + np.arange(len(det_e))
    xy.append(p_end[det_e])
    node_xy = np.vstack(xy)
    return start, end, node_xy[:, 0], node_xy[:, 1]


def _assemble(lp: LinkPieces, prof: NvdbProfile, *, snap_tolerance_m: float) -> Network:
    import shapely

    from geoaccess.network.graph import EdgeFlag, Network

    counts: dict[str, Any] = dict(lp.counts)
    ok = _open(lp, prof, counts)
    fwd, bwd = _directions(lp, prof, counts)
    kmh, ferry = _speeds(lp, prof, ok, counts)
    fwd &= ok
    bwd &= ok
    start, end, nx_, ny_ = _nodes(lp, prof, snap_tolerance_m)
    pieces = lp.pieces
    n_p = len(pieces.link)
    coords, vert_piece = shapely.get_coordinates(lp.geometry, return_index=True)
    metres = shapely.length(lp.geometry)
    pf, pb = np.flatnonzero(fwd), np.flatnonzero(bwd)
    e_piece = np.concatenate([pf, pb])
    e_rev = np.concatenate([np.zeros(len(pf), bool), np.ones(len(pb), bool)])
    tails = np.where(e_rev, end[e_piece], start[e_piece])
    heads = np.where(e_rev, start[e_piece], end[e_piece])
    e_m = metres[e_piece]
    seconds = e_m / (kmh[e_piece] / 3.6)
    # ferry: the boarding wait on the first piece of the link in the direction of travel
    first_piece = np.where(e_rev, pieces.t1[e_piece] >= lp.links.length_m[pieces.link[e_piece]], pieces.t0[e_piece] <= 0)
    wait = ferry[e_piece] & first_piece
    seconds = seconds + np.where(wait, prof.ferry_wait_minutes * 60.0, 0.0)
    flags = np.where(ferry[e_piece], EdgeFlag.FERRY, 0).astype(np.uint8)
    # interior vertices of each piece, reversed for edges against the link
    nv = np.bincount(vert_piece, minlength=n_p)
    vptr = np.concatenate([[0], np.cumsum(nv)])
    inner_n = np.maximum(nv[e_piece] - 2, 0)
    k = np.arange(int(inner_n.sum())) - np.repeat((np.cumsum(inner_n) - inner_n), inner_n)
    base = np.repeat(vptr[e_piece], inner_n)
    src = np.where(np.repeat(e_rev, inner_n), base + np.repeat(nv[e_piece] - 2, inner_n) - k, base + 1 + k)
    shape_xy = coords[src] if len(src) else np.zeros((0, 2))
    shape_ptr = np.concatenate([[0], np.cumsum(inner_n)]).astype(np.int64)
    # keep only nodes with edges, in their global order (node_id = global number)
    used = np.zeros(len(nx_), dtype=bool)
    used[tails] = True
    used[heads] = True
    new_id = np.cumsum(used) - 1
    order = np.argsort(new_id[tails], kind="stable")
    from geoaccess.network.graph import gather_shapes

    sp, sxy = gather_shapes(shape_ptr, shape_xy, order)
    way = lp.links.seq[pieces.link[e_piece]]
    net = Network.from_arrays(
        new_id[tails][order], new_id[heads][order], seconds=seconds[order], metres=e_m[order], way_id=way[order],
        flags=flags[order], x=nx_[used], y=ny_[used], node_id=np.flatnonzero(used).astype(np.int64),
        crs="EPSG:25833", shape_ptr=sp, shape_xy=sxy, mode=prof.name, meta={},
    )
    e_piece, e_rev = e_piece[order], e_rev[order]
    counts.update(_edge_counts(lp, prof, e_piece, ok, fwd, bwd))
    turns = None
    if prof.turn_restrictions:
        turns, c = _resolve_turns(lp, net, e_piece, e_rev, prof.turn_max_route_m)
        counts.update(c)
    dest = np.array([bool(r & prof.destination_regulations) for r in lp.regulations], dtype=bool)
    dest_edges = np.flatnonzero(dest[e_piece])
    counts["destination_only_edges"] = [[int(net.node_id[net.tails[e]]), int(net.node_id[net.indices[e]])]
                                        for e in dest_edges.tolist()]
    counts["destination_only_links"] = sorted({str(v) for v in lp.table["lokal_id"].to_numpy()[pieces.link[dest]]})
    meta = {"nvdb": counts, "profile_name": prof.name, "profile_source": prof.source,
            "build_summary": _summary_rows(counts)}
    from dataclasses import replace

    return replace(net, meta=meta, turns=turns)


def _edge_counts(lp: LinkPieces, prof: NvdbProfile, e_piece: np.ndarray, ok: np.ndarray, fwd: np.ndarray,
                 bwd: np.ndarray) -> dict[str, Any]:
    bars = sum(_closes(prof, t) for t in lp.barrier_start) + sum(_closes(prof, t) for t in lp.barrier_end)
    one_way = ok & (fwd ^ bwd)
    return {
        "edges_read": len(e_piece),
        "one_way_pieces": int(one_way.sum()),
        "one_way_km": round(float((lp.pieces.t1 - lp.pieces.t0)[one_way].sum()) / 1000, 3),
        "closed_pieces": int((ok & ~fwd & ~bwd).sum()),
        "barrier_piece_ends_detached": int(bars),
    }


def _summary_rows(c: dict[str, Any]) -> list[list[str]]:
    return [
        ["NVDB links (km)", f"{c['links']:,} ({c['links_km']:,.1f} km)"],
        ["link pieces / links split", f"{c['pieces']:,} / {c['links_split']:,}"],
        ["speed-limit splits (limit changes inside a link)", f"{c['speed_limit_splits']:,}"],
        ["motor-road km with limit: linear / geometric / none",
         f"{c['speed_linear_km']:,.1f} / {c['speed_geometric_km']:,.1f} / {c['speed_none_km']:,.1f}"],
        ["speed-limit objects on no link", f"{c['speed_limit_objects_on_no_link']:,} (tolerance {c['overlay_tolerance_m']} m)"],
        ["links with conflicting limits (lowest used)", f"{c['speed_conflict_links']:,}"],
        ["no-entry objects / links", f"{c['no_entry_objects']:,} / {c.get('no_entry_links', 0):,}"],
        ["one-way pieces (this mode)", f"{c['one_way_pieces']:,} ({c['one_way_km']:,.1f} km)"],
        ["barriers / closing this mode", f"{c['barriers']:,} / {c['barrier_piece_ends_detached']:,} piece ends"],
        ["turn restrictions (NVDB objects)", f"{c['turn_restriction_objects']:,}"],
    ]


# ----------------------------------------------------------------------------- turn restrictions
def _resolve_turns(lp: LinkPieces, net: Network, e_piece: np.ndarray, e_rev: np.ndarray, max_route_m: float
                   ) -> tuple[TurnRestrictions, dict[str, Any]]:
    """Each restriction: the shortest legal route (metres) from its from-point to its to-point, as edges."""
    from scipy.sparse.csgraph import dijkstra

    from geoaccess.network.turns import TurnKind, make_turns

    t = lp.turns
    n_p = len(lp.pieces.link)
    edge_fwd = np.full(n_p, -1, np.int64)
    edge_bwd = np.full(n_p, -1, np.int64)
    edge_fwd[e_piece[~e_rev]] = np.flatnonzero(~e_rev)
    edge_bwd[e_piece[e_rev]] = np.flatnonzero(e_rev)
    plen = lp.pieces.t1 - lp.pieces.t0
    tails, heads = net.tails, net.indices
    graph = net.csgraph(weight="metres")
    out_from, out_to, out_via, out_id = [], [], [], []
    unresolved = []
    for r in t.itertuples(index=False):
        if r.from_piece < 0 or r.to_piece < 0:
            unresolved.append(int(r.source_id))
            continue
        f = float(np.clip(r.from_t / max(plen[r.from_piece], 1e-9), 0.0, 1.0))
        g = float(np.clip(r.to_t / max(plen[r.to_piece], 1e-9), 0.0, 1.0))
        # metres from the from-point to the head of each edge of its piece, and from the tail of each
        # edge of the to-piece to the to-point
        cand_from = [(int(e), share * net.metres[e]) for e, share in
                     ((edge_fwd[r.from_piece], 1.0 - f), (edge_bwd[r.from_piece], f)) if e >= 0]
        cand_to = [(int(e), share * net.metres[e]) for e, share in
                   ((edge_fwd[r.to_piece], g), (edge_bwd[r.to_piece], 1.0 - g)) if e >= 0]
        if not cand_from or not cand_to:
            unresolved.append(int(r.source_id))
            continue
        src_nodes = np.array([heads[e] for e, _ in cand_from])
        dist, pred = dijkstra(graph, indices=src_nodes, limit=max_route_m, return_predecessors=True)
        total, i, fe, te = min(((off_f + dist[i, tails[te]] + off_t, i, fe, te)
                                for i, (fe, off_f) in enumerate(cand_from) for te, off_t in cand_to),
                               key=lambda x: x[0])
        if not total <= max_route_m:
            unresolved.append(int(r.source_id))
            continue
        path = [int(tails[te])]
        while path[-1] != src_nodes[i]:
            path.append(int(pred[i, path[-1]]))
        path.reverse()
        out_from.append(fe)
        out_to.append(te)
        out_via.append(np.array([_cheapest_edge(net, u, v) for u, v in itertools.pairwise(path)], np.int64))
        out_id.append(int(r.source_id))
    turns = make_turns(np.array(out_from, np.int64), np.array(out_to, np.int64), heads=heads, kind=TurnKind.NO,
                       via_edges=out_via, source_id=np.array(out_id, np.int64))
    if unresolved:
        warnings.warn(
            f"{len(unresolved)} NVDB turn restriction(s) could not be placed on the car network (a position on no "
            f"link, or no legal route of at most {max_route_m:g} m from the from-point to the to-point): objects "
            f"{unresolved[:10]}; they are left out.",
            DataWarning,
            stacklevel=4,
        )
    counts = {"turn_restrictions_kept": turns.n_restrictions, "turn_restrictions_via_way": turns.n_via_way,
              "turn_restrictions_unresolved": len(unresolved), "turn_restrictions_unresolved_ids": unresolved[:10]}
    return turns, counts


def _cheapest_edge(net: Network, a: int, b: int) -> int:
    lo, hi = int(net.indptr[a]), int(net.indptr[a + 1])
    cand = lo + np.flatnonzero(net.indices[lo:hi] == b)
    return int(cand[np.argmin(net.metres[cand])])


# ----------------------------------------------------------------------------- helpers for other modules
def keep_nodes(net: Network) -> np.ndarray | None:
    """Nodes degree-2 simplification must keep: ends of turn-restriction and destination-only edges.

    ``None`` when there is nothing to keep. Used by :func:`geoaccess.network.build.build_network`.
    """
    from geoaccess.network.turns import turn_nodes

    parts = []
    if net.turns is not None and net.turns.n_restrictions:
        parts.append(turn_nodes(net.turns, net.tails, net.indices))
    pairs = net.meta.get("nvdb", {}).get("destination_only_edges") or []
    if pairs:
        ids = np.unique(np.asarray(pairs, dtype=np.int64).ravel())
        parts.append(np.flatnonzero(np.isin(net.node_id, ids)))
    return np.unique(np.concatenate(parts)) if parts else None
