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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped

__all__ = ["Prepared", "from_nodes_seconds", "prepare", "seconds_between", "snap", "to_destinations_seconds"]


class Prepared(NamedTuple):
    """A network made ready to answer queries (its contraction hierarchy)."""

    net: Network
    ch: Any


def _router(net: Network, *, cache: bool = True) -> Any:
    from geoaccess.engine.router import Router

    return Router.for_network(net) if cache else Router(net, cache=False)


def prepare(net: Network, *, cache: bool = True) -> Prepared:
    """Contract ``net`` once (or load its hierarchy from the cache), through the network's router."""
    return Prepared(net, _router(net, cache=cache).hierarchy)


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
    return prep.ch.many_to_many(on, oo, dn, do, cutoff=cutoff_s)


def to_destinations_seconds(prep: Prepared, destinations: Snapped, *, cutoff_s: float = np.inf) -> np.ndarray:
    """Seconds from every network node to every destination, shape (n_nodes, len(destinations)).

    Combine with a point's origin seeds (``min over seeds of offset + row[node]``) to get its
    times without routing from each of many points: used for the 220,171 grid cells.
    """
    n = prep.net.n_nodes
    dn, do = destinations.destination_seeds(prep.net)
    nodes = np.arange(n, dtype=np.int32)
    return prep.ch.many_to_many(nodes, np.zeros(n), dn, do, cutoff=cutoff_s)


def from_nodes_seconds(prep: Prepared, nodes: np.ndarray, *, offsets: np.ndarray | None = None,
                       cutoff_s: float = np.inf) -> np.ndarray:
    """Seconds from each of ``nodes`` (optionally with seed offsets, ``(S, K)``) to every node, shape (S, n_nodes).

    One PHAST sweep per batch of sources (:meth:`ContractionHierarchy.one_to_all`); ``inf`` beyond ``cutoff_s``.
    The blockwise national runs call it once per block for the block's seed nodes.
    """
    return prep.ch.one_to_all(np.asarray(nodes, dtype=np.int32), offsets, cutoff=cutoff_s)
