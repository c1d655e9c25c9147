"""Nearest facility and the k nearest facilities for a point layer (nærmeste tjenestested).

One multi-source search from all facilities on the reversed graph
(:func:`geoaccess.engine.nearest.nearest_k`) gives every network node its ``k``
nearest facilities and times (node -> facility, including the facility's access
leg). An origin with seeds ``(a_i, o_i)`` then takes the best ``k`` distinct facilities
among ``o_i + time(a_i -> f)``. This is exact: a facility among the origin's true
``k`` nearest is among the ``k`` nearest of the seed its best route leaves from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.engine.router import Router
    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped

__all__ = ["combine_seed_candidates", "nearest_facility", "router_nearest"]


def combine_seed_candidates(
    seed_nodes: np.ndarray,
    seed_offsets: np.ndarray,
    node_seconds: np.ndarray,
    node_facility: np.ndarray,
    *,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` distinct facilities per origin from per-node candidate lists.

    Parameters
    ----------
    seed_nodes, seed_offsets : numpy.ndarray, shape (N, s)
        Origin seeds (``-1`` padded) and offsets in seconds.
    node_seconds, node_facility : numpy.ndarray, shape (n, k)
        Per node: seconds to its ``k`` nearest facilities (``inf`` padded) and their
        indices (``-1`` padded).
    k
        Number of facilities wanted.

    Returns
    -------
    seconds : numpy.ndarray of float64, shape (N, k)
        ``inf`` where fewer than ``k`` facilities are reachable.
    facility : numpy.ndarray of int64, shape (N, k)
        Facility indices, ``-1`` where none.
    """
    n_pts, n_seeds = seed_nodes.shape
    kk = node_seconds.shape[1]
    valid = seed_nodes >= 0
    safe = np.where(valid, seed_nodes, 0)
    cand_t = np.where(valid[:, :, None], seed_offsets[:, :, None] + node_seconds[safe], np.inf)
    cand_f = np.where(valid[:, :, None], node_facility[safe], -1).astype(np.int64)
    cand_t = cand_t.reshape(n_pts, n_seeds * kk)
    cand_f = cand_f.reshape(n_pts, n_seeds * kk)
    cand_t[cand_f < 0] = np.inf
    # Sort by (facility, time) to drop duplicates of the same facility keeping the best time.
    order = np.lexsort((cand_t, cand_f), axis=1)
    f_sorted = np.take_along_axis(cand_f, order, axis=1)
    t_sorted = np.take_along_axis(cand_t, order, axis=1)
    dup = np.zeros_like(f_sorted, dtype=bool)
    dup[:, 1:] = f_sorted[:, 1:] == f_sorted[:, :-1]
    t_sorted[dup | (f_sorted < 0)] = np.inf
    order2 = np.argsort(t_sorted, axis=1, kind="stable")[:, :k]
    out_t = np.take_along_axis(t_sorted, order2, axis=1)
    out_f = np.take_along_axis(f_sorted, order2, axis=1)
    if out_t.shape[1] < k:
        pad = k - out_t.shape[1]
        out_t = np.hstack([out_t, np.full((n_pts, pad), np.inf)])
        out_f = np.hstack([out_f, np.full((n_pts, pad), -1, dtype=np.int64)])
    out_f[~np.isfinite(out_t)] = -1
    return out_t, out_f


def _merge_same_edge(router: Router, src: Snapped, fac: Snapped, secs: np.ndarray, fidx: np.ndarray, *, k: int) -> None:
    """Add direct same-edge trips (origin and facility on one edge) as candidates, in place."""
    rows, cols, direct = router.same_edge_pairs(src, fac)
    for r in np.unique(rows):
        sel = rows == r
        t = np.concatenate([secs[r], direct[sel]])
        f = np.concatenate([fidx[r], cols[sel]])
        t[f < 0] = np.inf
        best: dict[int, float] = {}
        for ti, fi in zip(t, f):
            if fi >= 0 and ti < best.get(int(fi), np.inf):
                best[int(fi)] = float(ti)
        ranked = sorted(best.items(), key=lambda kv: kv[1])[:k]
        secs[r] = np.inf
        fidx[r] = -1
        for j, (fi, ti) in enumerate(ranked):
            secs[r, j], fidx[r, j] = ti, fi


def router_nearest(
    router: Router,
    src: Snapped,
    fac: Snapped,
    *,
    k: int = 1,
    cutoff_minutes: float | None = None,
) -> pd.DataFrame:
    """The ``k`` nearest facilities (by travel time) of every snapped origin (see the module docstring).

    Parameters
    ----------
    router
        The prepared router.
    src, fac
        Snapped origins and facilities.
    k
        Number of facilities per origin (ranks 1..k).
    cutoff_minutes
        Facilities farther than this are not reported (NaN minutes, no id).

    Returns
    -------
    pandas.DataFrame
        One row per origin and rank: ``origin_id``, ``rank`` (1 = nearest), ``facility_id``
        (``None`` when no facility is reachable), ``minutes`` (door to door, both access legs
        included; NaN when unreachable).
    """
    import pandas as pd

    from geoaccess.engine.matrix import cutoff_seconds
    from geoaccess.engine.nearest import nearest_k

    if int(k) != k or k < 1:
        msg = f"k must be a positive integer, got {k!r}."
        raise InputError(msg)
    k = int(k)
    cutoff = cutoff_seconds(cutoff_minutes)
    n = router.hierarchy.n  # network nodes, or states of the edge-based graph when turn-aware
    f_nodes, f_offs = router.seeds(fac, "destination")
    fac_idx = np.flatnonzero((f_nodes >= 0).any(axis=1))
    if len(fac_idx) == 0:
        node_t = np.full((n, k), np.inf)
        node_f = np.full((n, k), -1, dtype=np.int64)
    else:
        node_t, node_f = nearest_k(None, f_nodes[fac_idx], f_offs[fac_idx], k=k, cutoff=cutoff,
                                   graph=router.reverse_graph())
        node_t = np.asarray(node_t, dtype=np.float64).reshape(n, -1)
        node_f = np.asarray(node_f, dtype=np.int64).reshape(n, -1)
        node_f = np.where(node_f >= 0, fac_idx[np.clip(node_f, 0, None)], -1)
    o_nodes, o_offs = router.seeds(src, "origin")
    secs, fidx = combine_seed_candidates(o_nodes, o_offs, node_t, node_f, k=k)
    _merge_same_edge(router, src, fac, secs, fidx, k=k)
    secs[secs > cutoff] = np.inf
    fidx[~np.isfinite(secs)] = -1
    fac_ids = np.asarray(fac.ids, dtype=object)
    facility = np.where(fidx >= 0, fac_ids[np.clip(fidx, 0, None)], None)
    minutes = secs / 60.0
    minutes[~np.isfinite(minutes)] = np.nan
    return pd.DataFrame(
        {
            "origin_id": np.repeat(src.ids, k),
            "rank": np.tile(np.arange(1, k + 1), len(src)),
            "facility_id": facility.ravel(),
            "minutes": minutes.ravel(),
        }
    )


def nearest_facility(
    net: Network,
    origins: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    k: int = 1,
    origin_id: str | None = None,
    facility_id: str | None = None,
    cutoff_minutes: float | None = None,
    max_snap_m: float = 1000.0,
) -> pd.DataFrame:
    """The ``k`` nearest facilities (by travel time) of every origin, in one call.

    The one public nearest-facility function of geoaccess: a thin convenience over
    :meth:`Router.nearest <geoaccess.engine.router.Router.nearest>` (``Router.for_network(net)``,
    both layers snapped once). Output as in :func:`router_nearest`; ``max_snap_m`` is the
    snapping distance in metres (unsnapped points warn and get NaN).
    """
    from geoaccess.engine.matrix import cutoff_seconds
    from geoaccess.engine.router import Router

    if int(k) != k or k < 1:
        msg = f"k must be a positive integer, got {k!r}."
        raise InputError(msg)
    cutoff_seconds(cutoff_minutes)
    router = Router.for_network(net)
    src = router.snap(origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    fac = router.snap(facilities, id_column=facility_id, max_snap_m=max_snap_m, what="facilities")
    return router.nearest(src, fac, k=k, cutoff_minutes=cutoff_minutes)
