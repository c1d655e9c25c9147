"""Source way ids of edges, including the several ways of a simplified edge.

``Network.way_id`` holds one ``int64`` per edge:

* ``>= 0`` — the one source way (OSM way id, NVDB row or link sequence, N1000 feature row);
* ``-1`` — no source way (a connector added by a reader or an edit);
* ``<= -2`` — a **way group**: the edge is a merged chain of several ways
  (:func:`geoaccess.network.simplify.simplify`), listed in ``meta["way_groups"][-2 - way_id]``
  as a sorted list of way ids.

Groups live in ``Network.meta`` (JSON, saved with the network), so they follow the edges
through every re-ordering, subset and scenario edit without a new field on the frozen
:class:`~geoaccess.network.graph.Network` record: a group id is carried like any way id.
:func:`edge_way_ids` expands them; :func:`edges_with_ways` selects the edges that carry any
of some way ids (the selection the scenario edits use).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from geoaccess.network.graph import Network

__all__ = ["WAY_GROUPS_KEY", "edge_way_ids", "edges_with_ways", "group_ways", "way_id_sets", "way_id_text", "way_mask"]

WAY_GROUPS_KEY = "way_groups"
"""Key of ``Network.meta`` holding the way groups (a list of sorted lists of way ids)."""


def _groups(meta: dict[str, Any]) -> list[list[int]]:
    return list(meta.get(WAY_GROUPS_KEY) or [])


def edge_way_ids(net: Network, edges: Sequence[int] | np.ndarray | None = None) -> list[tuple[int, ...]]:
    """The source way ids of each edge (all of them for a merged edge; ``()`` for none).

    Parameters
    ----------
    net
        The network.
    edges
        Edge indices (default: all edges).

    Returns
    -------
    list of tuple of int
        One sorted tuple per edge.
    """
    ids = net.way_id if edges is None else net.way_id[np.asarray(edges, dtype=np.int64)]
    return way_id_sets(ids, net.meta)


def way_id_sets(way_id: np.ndarray, meta: dict[str, Any]) -> list[tuple[int, ...]]:
    """:func:`edge_way_ids` for an array of ``way_id`` values and the ``meta`` holding their groups."""
    groups = _groups(meta)
    out: list[tuple[int, ...]] = []
    for w in np.asarray(way_id).tolist():
        if w >= 0:
            out.append((w,))
        elif w == -1:
            out.append(())
        else:
            g = -2 - w
            out.append(tuple(groups[g]) if g < len(groups) else ())
    return out


def way_id_text(net: Network, edges: Sequence[int] | np.ndarray | None = None) -> list[str]:
    """The way ids of each edge as text, ``;``-separated (``""`` for none), for tables and GeoPackages."""
    return [";".join(str(w) for w in ways) for ways in edge_way_ids(net, edges)]


def edges_with_ways(net: Network, way_ids: Iterable[int]) -> np.ndarray:
    """Boolean mask of the edges carrying any of ``way_ids`` (directly or inside a way group)."""
    return way_mask(net.way_id, net.meta, way_ids)


def way_mask(way_id: np.ndarray, meta: dict[str, Any], way_ids: Iterable[int]) -> np.ndarray:
    """:func:`edges_with_ways` for an array of ``way_id`` values and the ``meta`` holding their groups."""
    wanted = np.unique(np.asarray(list(way_ids), dtype=np.int64))
    hit = np.isin(way_id, wanted)
    groups = _groups(meta)
    if groups:
        members = {int(w) for w in wanted.tolist()}
        hit_groups = np.array([-2 - g for g, ways in enumerate(groups) if members.intersection(ways)], dtype=np.int64)
        if len(hit_groups):
            hit |= np.isin(way_id, hit_groups)
    return hit


def group_ways(chain_ways: list[np.ndarray], groups: list[list[int]]) -> tuple[np.ndarray, list[list[int]]]:
    """The ``way_id`` of merged edges, each from the way ids of its chain's members.

    Parameters
    ----------
    chain_ways
        Per merged edge, the ``way_id`` values of the edges it merges (groups allowed).
    groups
        The input network's way groups (to expand group ids among the members).

    Returns
    -------
    way_id : numpy.ndarray of int64
        One way id per merged edge: the way, ``-1`` for none, or a new group id.
    groups : list of list of int
        The output network's way groups (identical sets share one group).
    """
    out = np.empty(len(chain_ways), dtype=np.int64)
    index: dict[tuple[int, ...], int] = {}
    new_groups: list[list[int]] = []
    for k, members in enumerate(chain_ways):
        ways: set[int] = set()
        for w in members.tolist():
            if w >= 0:
                ways.add(w)
            elif w <= -2 and -2 - w < len(groups):
                ways.update(groups[-2 - w])
        if not ways:
            out[k] = -1
        elif len(ways) == 1:
            out[k] = next(iter(ways))
        else:
            key = tuple(sorted(ways))
            if key not in index:
                index[key] = len(new_groups)
                new_groups.append(list(key))
            out[k] = -2 - index[key]
    return out, new_groups
