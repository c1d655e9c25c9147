"""Planned road links (*planlagt veg*, N1000 ``vegfase = P``): listed at build time, opened on demand.

:func:`geoaccess.network.n1000.read_n1000` leaves planned links out of today's network
and keeps each one in ``Network.meta["n1000"]["planned_links"]``: source row, road
category and number (``E 39``), tunnel/bridge, speed (km/h, the profile's, after the
length factor), map length and the line's coordinates. The build keeps every network
node that a planned link ends on (:func:`planned_anchor_nodes`), so opening a link later
needs no re-noding of the whole network.

:func:`open_planned_links` adds chosen links as two-way road edges: their ends that
coincide with a network node join it; the other ends (between two planned segments,
e.g. inside E39 Rogfast's tunnels via Kvitsøy) become new nodes. The Rogfast case:
``open_planned_links(net, rows=[13980, 14075, 14077, 14086, 14088, 14090])`` (``vegnummer="39"``
also opens E39's planned pieces in Heim). The scenario edit ``open_planned``
(:mod:`geoaccess.scenario.spec`) does the same on a scenario network, keeping the base's
nodes, and ``remove_ferry`` removes the Mortavika–Arsvågen ferry (``scenarios/rogfast.toml``).
:func:`select_planned` and :func:`planned_edges` are the two steps both use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.network.graph import Network

__all__ = ["PlannedEdges", "open_planned_links", "planned_anchor_nodes", "planned_edges", "planned_links", "select_planned"]

_MATCH_M = 0.5


def _records(net: Network) -> list[dict[str, Any]]:
    return list(net.meta.get("n1000", {}).get("planned_links", []))


def planned_links(net: Network) -> gpd.GeoDataFrame:
    """The planned links left out of an N1000 network, one row each, in the network's CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        ``row`` (source feature row), ``typeVeg``, ``vegkategori``, ``vegnummer``, ``medium``,
        ``motorvegtype``, ``vegfase``, ``kmh``, ``metres``, ``minutes`` (at ``kmh``) and the line;
        empty when the network has none (or is not from N1000).
    """
    import geopandas as gpd
    import shapely

    recs = _records(net)
    cols = ["row", "typeVeg", "vegkategori", "vegnummer", "medium", "motorvegtype", "vegfase", "kmh", "metres"]
    data = {c: [r.get(c) for r in recs] for c in cols}
    gdf = gpd.GeoDataFrame(data, geometry=[shapely.linestrings(r["coords"]) for r in recs], crs=net.crs)
    gdf["minutes"] = gdf["metres"].astype(float) / (gdf["kmh"].astype(float) / 3.6) / 60.0
    return gdf


def _end_keys(recs: list[dict[str, Any]]) -> np.ndarray:
    ends = [r["coords"][0] for r in recs] + [r["coords"][-1] for r in recs]
    return np.asarray(ends, dtype=np.float64).reshape(-1, 2)


def planned_anchor_nodes(net: Network) -> np.ndarray:
    """Indices of the nodes at which planned links end (kept by the build's simplification)."""
    recs = _records(net)
    if not recs or net.n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    import shapely

    tree = shapely.STRtree(shapely.points(net.x, net.y))
    (_, ni), d = tree.query_nearest(shapely.points(_end_keys(recs)), return_distance=True, all_matches=False)
    return np.unique(ni[d <= _MATCH_M]).astype(np.int64)


class PlannedEdges(NamedTuple):
    """The edges (two per link, one each way) that open a set of planned links on a network.

    Attributes
    ----------
    tails, heads : numpy.ndarray of int64
        Node indices; ends that match no node are the new nodes ``n_nodes + k``.
    seconds, metres : numpy.ndarray of float64
        Travel time at the link's speed (s) and map length (m).
    way_id : numpy.ndarray of int64
        The link's source row.
    shapes : list of numpy.ndarray
        Interior vertices of each edge, shape (k, 2).
    new_xy : numpy.ndarray of float64, shape (k, 2)
        Coordinates of the new nodes (ends between two planned segments).
    records : list of dict
        The opened links (as :func:`planned_links` lists them, without coordinates).
    """

    tails: np.ndarray
    heads: np.ndarray
    seconds: np.ndarray
    metres: np.ndarray
    way_id: np.ndarray
    shapes: list[np.ndarray]
    new_xy: np.ndarray
    records: list[dict[str, Any]]


def _road_key(value: Any) -> str:
    from geoaccess.network.attributes import normalise_road_ref

    return normalise_road_ref(value)


def _link_ref(rec: dict[str, Any]) -> tuple[str, str]:
    """(category + number, number) of a planned link, e.g. ``("E39", "39")``."""
    num = _road_key(rec.get("vegnummer"))
    cat = _road_key(rec.get("vegkategori"))
    return (f"{cat}{num}" if num else cat), num


def select_planned(
    net: Network,
    *,
    rows: Sequence[int] | None = None,
    road: str | Sequence[str] | None = None,
    vegnummer: str | int | None = None,
    area: Any = None,
    what: str = "",
) -> list[dict[str, Any]]:
    """The planned links of ``net`` that match every criterion given.

    Parameters
    ----------
    net
        A network built from N1000 (``meta["n1000"]["planned_links"]``).
    rows
        Source rows (:func:`planned_links`); each must be a planned link (and match the other criteria).
    road
        Road number(s) with category, e.g. ``"E39"`` / ``"E 39"``; a bare number (``"39"``) matches any category.
    vegnummer
        Road number alone (``"39"``), as :func:`open_planned_links` has always taken it.
    area
        A shapely polygon in the network's CRS: links with at least half their length inside.
    what
        Prefix for messages (e.g. the scenario edit).

    Raises
    ------
    InputError
        The network has no planned links, a row is not a planned link matching the criteria, or nothing matches.
    """
    import shapely

    prefix = f"{what}: " if what else ""
    recs = _records(net)
    if not recs:
        msg = (f"{prefix}the network has no planned links: only networks built from Kartverket's N1000 list them "
               "(vegfase P), and opened ones are no longer listed.")
        raise InputError(msg)

    def listing() -> str:
        return "; ".join(f"row {r['row']} ({_link_ref(r)[0] or 'no road number'})" for r in recs)

    chosen = list(recs)
    crit = []
    if vegnummer is not None:
        chosen = [r for r in chosen if _link_ref(r)[1] == _road_key(vegnummer)]
        crit.append(f"vegnummer {vegnummer}")
    if road is not None:
        wanted = {_road_key(v) for v in ([road] if isinstance(road, str) else road)}
        chosen = [r for r in chosen if _link_ref(r)[0] in wanted or _link_ref(r)[1] in wanted]
        crit.append(f"road {', '.join(sorted(wanted))}")
    if area is not None:
        lines = shapely.linestrings([np.asarray(r["coords"], dtype=np.float64) for r in chosen]) if chosen else []
        inside = [shapely.length(shapely.intersection(g, area)) >= 0.5 * shapely.length(g) for g in lines]
        chosen = [r for r, ok in zip(chosen, inside, strict=True) if ok]
        crit.append("the polygon")
    if rows is not None:
        known = {r["row"] for r in chosen}
        missing = sorted(set(int(v) for v in rows) - known)
        if missing:
            cond = f" with {' and '.join(crit)}" if crit else ""
            msg = (f"{prefix}rows {missing} are not planned links of this network{cond}; its planned links: "
                   f"{listing()}.")
            raise InputError(msg)
        chosen = [r for r in chosen if r["row"] in set(int(v) for v in rows)]
    if not chosen:
        msg = f"{prefix}no planned link has {' and '.join(crit) or 'the criteria'}; the planned links: {listing()}."
        raise InputError(msg)
    return chosen


def planned_edges(net: Network, records: list[dict[str, Any]], *, what: str = "") -> PlannedEdges:
    """Two-way edges for the planned links ``records`` (from :func:`select_planned`) on ``net``.

    A link end within 0.5 m of a node of ``net`` joins it; ends shared by opened links but by no
    node become new nodes (numbered from ``net.n_nodes`` on, in :attr:`PlannedEdges.new_xy`).

    Raises
    ------
    InputError
        A group of opened links touches no node that has an edge (it would float unconnected).
    """
    import shapely

    prefix = f"{what}: " if what else ""
    ends = _end_keys(records)
    tree = shapely.STRtree(shapely.points(net.x, net.y))
    (_, ni), d = tree.query_nearest(shapely.points(ends), return_distance=True, all_matches=False)
    key = np.round(ends / 0.1).astype(np.int64)
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    uniq_is_old = d[first] <= _MATCH_M
    new_index = np.full(len(first), -1, dtype=np.int64)
    new_index[uniq_is_old] = ni[first][uniq_is_old]
    fresh = np.flatnonzero(~uniq_is_old)
    new_index[fresh] = net.n_nodes + np.arange(len(fresh))
    node_of_end = new_index[inv]
    n_links = len(records)
    u, v = node_of_end[:n_links], node_of_end[n_links:]
    has_edge = np.zeros(net.n_nodes + len(fresh), dtype=bool)
    has_edge[net.tails] = True
    has_edge[net.indices] = True
    touching = has_edge[u] | has_edge[v]
    # a chain of planned segments touches the network at its two outer ends only
    comp = _link_groups(u, v)
    touches_group = np.zeros(comp.max() + 1, dtype=bool)
    np.logical_or.at(touches_group, comp, touching)
    if not touches_group.all():
        lonely = [records[k]["row"] for k in np.flatnonzero(~touches_group[comp])]
        msg = (f"{prefix}planned link row(s) {lonely} touch no node of the network (their ends were dropped with an "
               "island, or the network was not built with the planned-link anchors); build it again with keep='all'.")
        raise InputError(msg)
    metres = np.array([r["metres"] for r in records], dtype=np.float64)
    kmh = np.array([r["kmh"] for r in records], dtype=np.float64)
    secs = metres / (kmh / 3.6)
    inner = [np.asarray(r["coords"], dtype=np.float64)[1:-1].reshape(-1, 2) for r in records]
    row_ids = np.array([r["row"] for r in records], dtype=np.int64)
    return PlannedEdges(
        tails=np.concatenate([u, v]), heads=np.concatenate([v, u]), seconds=np.concatenate([secs, secs]),
        metres=np.concatenate([metres, metres]), way_id=np.concatenate([row_ids, row_ids]),
        shapes=inner + [q[::-1] for q in inner], new_xy=ends[first[fresh]].reshape(-1, 2),
        records=[{k: r[k] for k in r if k != "coords"} for r in records],
    )


def open_planned_links(
    net: Network,
    *,
    rows: list[int] | None = None,
    vegnummer: str | int | None = None,
) -> Network:
    """Add planned links to the network as two-way road edges.

    Parameters
    ----------
    net
        A network built by :func:`geoaccess.network.n1000.read_n1000` (through ``build_network``).
    rows
        Source rows of the links to open (see :func:`planned_links`); default all (after ``vegnummer``).
    vegnummer
        Open only the links of this road number (``"39"`` for E39 Rogfast and E39 in Heim).

    Returns
    -------
    Network
        With the new edges (``way_id`` = source row) and nodes; ``meta["n1000"]["planned_links"]``
        loses the opened links, ``meta["opened_planned_links"]`` lists them.

    Raises
    ------
    InputError
        No planned link matches, a requested row is not a planned link, or an opened link touches
        no node of the network (it would float unconnected).

    See Also
    --------
    geoaccess.scenario : the ``open_planned`` scenario edit keeps the base network's nodes and snapping.
    """
    from geoaccess.network.graph import Network

    chosen = select_planned(net, rows=rows, vegnummer=vegnummer)
    pe = planned_edges(net, chosen)
    tails = np.concatenate([net.tails, pe.tails])
    heads = np.concatenate([net.indices, pe.heads])
    base_ptr = net.shape_ptr if net.shape_ptr is not None else np.zeros(net.n_edges + 1, dtype=np.int64)
    base_xy = net.shape_xy if net.shape_xy is not None else np.zeros((0, 2))
    lens = np.array([len(q) for q in pe.shapes], dtype=np.int64)
    shape_ptr = np.concatenate([base_ptr, base_ptr[-1] + np.cumsum(lens)]).astype(np.int64)
    shape_xy = np.vstack([base_xy.reshape(-1, 2), *pe.shapes]) if pe.shapes else base_xy
    meta = dict(net.meta)
    n1000 = dict(meta.get("n1000", {}))
    opened = {r["row"] for r in chosen}
    n1000["planned_links"] = [r for r in _records(net) if r["row"] not in opened]
    meta["n1000"] = n1000
    meta["opened_planned_links"] = [*meta.get("opened_planned_links", []), *pe.records]
    k = len(pe.new_xy)
    return Network.from_arrays(
        tails,
        heads,
        seconds=np.concatenate([net.seconds, pe.seconds]),
        metres=np.concatenate([net.metres, pe.metres]),
        way_id=np.concatenate([net.way_id, pe.way_id]),
        flags=np.concatenate([net.flags, np.zeros(len(pe.tails), dtype=np.uint8)]),
        x=np.concatenate([net.x, pe.new_xy[:, 0]]),
        y=np.concatenate([net.y, pe.new_xy[:, 1]]),
        node_id=np.concatenate([net.node_id, -1 - np.arange(k, dtype=np.int64)]),
        crs=net.crs,
        shape_ptr=shape_ptr,
        shape_xy=shape_xy,
        mode=net.mode,
        meta=meta,
    )


def _link_groups(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected group of each link among the opened links (they share end nodes)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes, inv = np.unique(np.concatenate([u, v]), return_inverse=True)
    k = len(u)
    a, b = inv[:k], inv[k:]
    g = coo_matrix((np.ones(k), (a, b)), shape=(len(nodes), len(nodes)))
    _, lab = connected_components(g, directed=False)
    return lab[a]
