"""The one place where the national layer routes: snapping points and point-to-point seconds.

Everything in :mod:`geoaccess.national` that needs travel times calls the functions
below. They stand on the prepared router (:class:`geoaccess.engine.router.Router`): its
contraction hierarchy (cached by network fingerprint) answers the queries, and its snap index,
built once per network and kept by :meth:`Router.for_network`, snaps every layer (the 220,171
grid cells, centres, towns, service units) without rebuilding the spatial index. The
:class:`Prepared` record holds the network and the hierarchy only (arrays: it is what the
blockwise runs ship to Dask workers).

Times are seconds; unreachable is ``inf``. A point is represented by up to two *seeds*
(the ends of the edge it snaps to, with the time along the edge) plus its access leg:
the straight line from the point to the road at ``access_speed_kmh``.

Turn rules: on a network with turn restrictions or turn costs (an NVDB area stitched into N1000,
OSM) the router's hierarchy is over the edge-based graph. Its states are hidden here: a seed node
``v`` enters the graph at its junction state (``SRC_v`` for origins, ``DST_v`` for destinations)
and times *to nodes* are read at ``DST_v``. Turn rules apply at every junction of a trip except
the one at each end of the snapped edge (the trip starts and ends at a node). N1000 itself has no
turn rules, so its national results are unchanged; the prepared router's own matrix applies the
rules at the ends too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped

__all__ = ["Prepared", "from_nodes_seconds", "prepare", "seconds_between", "snap", "to_destinations_seconds"]


class Prepared(NamedTuple):
    """A network made ready to answer queries (its contraction hierarchy).

    ``src_state`` / ``dst_state`` (int64, ``(n_nodes,)``) map network nodes to the states of the
    edge-based graph when the hierarchy is turn-aware; ``None`` when it routes node to node.
    """

    net: Network
    ch: Any
    src_state: np.ndarray | None = None
    dst_state: np.ndarray | None = None


def _states(prep: Prepared, nodes: np.ndarray, role: str) -> np.ndarray:
    """Seed nodes (any shape, ``-1`` none) as vertices of the hierarchy (int32)."""
    nodes = np.asarray(nodes)
    table = prep.src_state if role == "origin" else prep.dst_state
    if table is None:
        return nodes.astype(np.int32)
    return np.where(nodes >= 0, table[np.maximum(nodes, 0)], -1).astype(np.int32)


def _at_nodes(prep: Prepared, times: np.ndarray) -> np.ndarray:
    """Columns of a one-to-all answer read at the network's nodes."""
    return times if prep.dst_state is None else times[:, prep.dst_state]


def _router(net: Network, *, cache: bool = True) -> Any:
    from geoaccess.engine.router import Router

    return Router.for_network(net) if cache else Router(net, cache=False)


def prepare(net: Network, *, cache: bool = True) -> Prepared:
    """Contract ``net`` once (or load its hierarchy from the cache), through the network's router."""
    router = _router(net, cache=cache)
    tg = router.turn_graph
    if tg is None:
        return Prepared(net, router.hierarchy)
    return Prepared(net, router.hierarchy, np.asarray(tg.src_state, dtype=np.int64), np.asarray(tg.dst_state, dtype=np.int64))


def snap(net: Network, x: np.ndarray, y: np.ndarray, *, ids: np.ndarray, max_snap_m: float,
         access_speed_kmh: float) -> Snapped:
    """Snap points (metres, the network's CRS) to the nearest non-ferry edge within ``max_snap_m``.

    Uses the network's router (:meth:`geoaccess.engine.router.Router.for_network`), so its spatial
    index is built once per network and reused by every layer.
    """
    return _router(net).snap((np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)), crs=net.crs,
                             ids=np.asarray(ids), max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh,
                             warn=False)


def seconds_between(prep: Prepared, origins: Snapped, destinations: Snapped, *, cutoff_s: float = np.inf) -> np.ndarray:
    """Door-to-door seconds, shape (len(origins), len(destinations)); ``inf`` unreachable or unsnapped."""
    on, oo = origins.origin_seeds(prep.net)
    dn, do = destinations.destination_seeds(prep.net)
    return prep.ch.many_to_many(_states(prep, on, "origin"), oo, _states(prep, dn, "destination"), do, cutoff=cutoff_s)


def to_destinations_seconds(prep: Prepared, destinations: Snapped, *, cutoff_s: float = np.inf) -> np.ndarray:
    """Seconds from every network node to every destination, shape (n_nodes, len(destinations)).

    Combine with a point's origin seeds (``min over seeds of offset + row[node]``) to get its
    times without routing from each of many points: used for the 220,171 grid cells.
    """
    n = prep.net.n_nodes
    dn, do = destinations.destination_seeds(prep.net)
    nodes = _states(prep, np.arange(n, dtype=np.int32), "origin")
    return prep.ch.many_to_many(nodes, np.zeros(n), _states(prep, dn, "destination"), do, cutoff=cutoff_s)


def from_nodes_seconds(prep: Prepared, nodes: np.ndarray, *, offsets: np.ndarray | None = None,
                       cutoff_s: float = np.inf) -> np.ndarray:
    """Seconds from each of ``nodes`` (optionally with seed offsets, ``(S, K)``) to every node, shape (S, n_nodes).

    One PHAST sweep per batch of sources (:meth:`ContractionHierarchy.one_to_all`); ``inf`` beyond ``cutoff_s``.
    The blockwise national runs call it once per block for the block's seed nodes.
    """
    return _at_nodes(prep, prep.ch.one_to_all(_states(prep, nodes, "origin"), offsets, cutoff=cutoff_s))
