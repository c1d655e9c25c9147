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
``open_planned_links(net, vegnummer="39")`` (with the Mortavika–Arsvågen ferry removed by
the scenario, not here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from geoaccess.network.graph import Network

__all__ = ["open_planned_links", "planned_anchor_nodes", "planned_links"]

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
        Open only the links of this road number (``"39"`` for E39 Rogfast).

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
    """
    import shapely

    from geoaccess.network.graph import Network

    recs = _records(net)
    if not recs:
        msg = "The network has no planned links (it was not built from N1000, or they are already open)."
        raise InputError(msg)
    chosen = recs
    if vegnummer is not None:
        chosen = [r for r in chosen if str(r["vegnummer"]) == str(vegnummer)]
    if rows is not None:
        known = {r["row"] for r in chosen}
        missing = sorted(set(rows) - known)
        if missing:
            msg = (f"Rows {missing} are not planned links of this network"
                   f"{f' with vegnummer {vegnummer}' if vegnummer is not None else ''}; "
                   f"planned rows: {sorted(r['row'] for r in recs)}.")
            raise InputError(msg)
        chosen = [r for r in chosen if r["row"] in set(rows)]
    if not chosen:
        msg = f"No planned link has vegnummer {vegnummer!r}; planned road numbers: {sorted({r['vegnummer'] for r in recs})}."
        raise InputError(msg)
    # nodes at the link ends: existing network nodes, or new ones shared by the opened links
    ends = _end_keys(chosen)
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
    n_links = len(chosen)
    u, v = node_of_end[:n_links], node_of_end[n_links:]
    touching = (u < net.n_nodes) | (v < net.n_nodes)
    # a chain of planned segments touches the network at its two outer ends only
    comp = _link_groups(u, v)
    touches_group = np.zeros(comp.max() + 1, dtype=bool)
    np.logical_or.at(touches_group, comp, touching)
    if not touches_group.all():
        lonely = [chosen[k]["row"] for k in np.flatnonzero(~touches_group[comp])]
        msg = (f"Planned link row(s) {lonely} touch no node of the network (their ends were dropped with an island, "
               f"or the network was not built with the planned-link anchors); build it again with keep='all'.")
        raise InputError(msg)
    metres = np.array([r["metres"] for r in chosen], dtype=np.float64)
    kmh = np.array([r["kmh"] for r in chosen], dtype=np.float64)
    secs = metres / (kmh / 3.6)
    inner = [np.asarray(r["coords"], dtype=np.float64)[1:-1] for r in chosen]
    fresh_xy = ends[first[fresh]]
    tails = np.concatenate([net.tails, u, v])
    heads = np.concatenate([net.indices, v, u])
    base_ptr = net.shape_ptr if net.shape_ptr is not None else np.zeros(net.n_edges + 1, dtype=np.int64)
    base_xy = net.shape_xy if net.shape_xy is not None else np.zeros((0, 2))
    parts = inner + [q[::-1] for q in inner]
    lens = np.array([len(q) for q in parts], dtype=np.int64)
    shape_ptr = np.concatenate([base_ptr, base_ptr[-1] + np.cumsum(lens)]).astype(np.int64)
    shape_xy = np.vstack([base_xy.reshape(-1, 2), *[q.reshape(-1, 2) for q in parts]]) if parts else base_xy
    row_ids = np.array([r["row"] for r in chosen], dtype=np.int64)
    meta = dict(net.meta)
    n1000 = dict(meta.get("n1000", {}))
    opened = {r["row"] for r in chosen}
    n1000["planned_links"] = [r for r in recs if r["row"] not in opened]
    meta["n1000"] = n1000
    meta["opened_planned_links"] = [*meta.get("opened_planned_links", []),
                                    *[{k: r[k] for k in r if k != "coords"} for r in chosen]]
    return Network.from_arrays(
        tails,
        heads,
        seconds=np.concatenate([net.seconds, secs, secs]),
        metres=np.concatenate([net.metres, metres, metres]),
        way_id=np.concatenate([net.way_id, row_ids, row_ids]),
        flags=np.concatenate([net.flags, np.zeros(2 * n_links, dtype=np.uint8)]),
        x=np.concatenate([net.x, fresh_xy[:, 0]]),
        y=np.concatenate([net.y, fresh_xy[:, 1]]),
        node_id=np.concatenate([net.node_id, -1 - np.arange(len(fresh), dtype=np.int64)]),
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
