"""Grid cells → destinations on the national network, one block of cells at a time.

The national centrality index needs, for each of the 220,171 inhabited 250 m cells, the decayed
jobs of every other cell within 90 minutes and the nearest unit of each service type. Both are
computed per **block** of origin cells (one municipality) by :func:`cell_access_block`, a pure
function of the prepared inputs (network hierarchy and snapped layers, :class:`AccessInputs`), the
block's cell indices and the parameters (:class:`AccessParams`): one PHAST sweep from the block's
seed nodes (:func:`geoaccess.national.routing.from_nodes_seconds`), then the kernels of
:mod:`geoaccess.national._access_kernels` — exact over every (cell, destination) pair within the
cut-off, no destination aggregation.

Trips are door to door as in :mod:`geoaccess.national.matrix`: the straight access leg to the
road at ``access_speed_kmh``, the network (ferries with their waits), and the leg to the
destination. Two points on the same N1000 link also travel directly (along the link, or in a
straight line at the access speed, so a cell reaches its own jobs in 0 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.national import routing
from geoaccess.national._access_kernels import Groups, Reach, Targets, decayed_sums, nearest_by_type, seed_nearest_by_type

if TYPE_CHECKING:
    import pandas as pd

    from geoaccess.network.graph import Network
    from geoaccess.network.snap import Snapped

__all__ = [
    "AccessInputs",
    "AccessParams",
    "SnappedPoints",
    "cell_access_block",
    "decay_table",
    "link_seconds",
    "snapped_points",
    "point_row",
    "targets",
    "times_from_point",
]


class SnappedPoints(NamedTuple):
    """Points snapped to the network, as arrays the kernels read.

    Attributes
    ----------
    seeds, offsets : (n, 2) int32 / float64
        Origin seeds (head, tail of the snapped edge) and seconds to them (access included).
    dest_seeds, dest_offsets : (n, 2) int32 / float64
        Destination seeds and the seconds from them to the point.
    edge : int64 (n,)
        Snapped directed edge (``-1`` unsnapped).
    link : int64 (n,)
        Physical link (the lower of the edge and its reverse; ``-1`` unsnapped).
    along : float64 (n,)
        Position along the link in its forward seconds.
    acc : float64 (n,)
        Access seconds (straight leg to the road).
    x, y : float64 (n,)
        Point coordinates, metres.
    """

    seeds: np.ndarray
    offsets: np.ndarray
    dest_seeds: np.ndarray
    dest_offsets: np.ndarray
    edge: np.ndarray
    link: np.ndarray
    along: np.ndarray
    acc: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def snapped(self) -> np.ndarray:
        """Boolean mask of points within the snap distance."""
        return self.edge >= 0


def _links(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Physical link of every directed edge, and each link's forward and reverse seconds."""
    from geoaccess.network.snap import reverse_edges

    rev = reverse_edges(net)
    e = np.arange(net.n_edges, dtype=np.int64)
    link = np.where(rev >= 0, np.minimum(e, rev), e)
    fwd = net.seconds.astype(np.float64)
    rsec = np.where(rev >= 0, net.seconds[np.maximum(rev, 0)], np.inf)
    return link, fwd, rsec


def link_seconds(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Forward and reverse seconds of every physical link (indexed by directed edge id)."""
    _, fwd, rsec = _links(net)
    return fwd, rsec


def snapped_points(net: Network, snapped: Snapped, x: np.ndarray, y: np.ndarray) -> SnappedPoints:
    """Kernel arrays of points snapped with :func:`geoaccess.national.routing.snap` (``x, y`` their coordinates)."""
    seeds, offs = snapped.origin_seeds(net)
    dseeds, doffs = snapped.destination_seeds(net)
    link_of, _, _ = _links(net)
    edge = np.asarray(snapped.edge, dtype=np.int64)
    ok = edge >= 0
    e = np.maximum(edge, 0)
    link = np.where(ok, link_of[e], -1)
    frac = np.nan_to_num(snapped.frac)
    own = link == edge
    secs = net.seconds[e]
    link_secs = net.seconds[np.maximum(link, 0)]
    along = np.where(own, frac * secs, (1.0 - frac) * link_secs)
    return SnappedPoints(seeds.astype(np.int32), offs.astype(np.float64), dseeds.astype(np.int32),
                         doffs.astype(np.float64), edge, link, np.where(ok, along, np.nan),
                         np.nan_to_num(snapped.access_seconds), np.asarray(x, dtype=np.float64),
                         np.asarray(y, dtype=np.float64))


def targets(net: Network, points: SnappedPoints, value: np.ndarray) -> Targets:
    """Index destinations by seed node and by physical link for the kernels (unsnapped ones are left out)."""
    n_nodes, n_edges = net.n_nodes, net.n_edges
    ok_seed = points.dest_seeds >= 0
    item = np.broadcast_to(np.arange(len(points.edge))[:, None], points.dest_seeds.shape)[ok_seed]
    node = points.dest_seeds[ok_seed].astype(np.int64)
    off = points.dest_offsets[ok_seed]
    order = np.argsort(node, kind="stable")
    node_ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(node, minlength=n_nodes), out=node_ptr[1:])
    ok = points.link >= 0
    li = np.flatnonzero(ok)
    lorder = li[np.argsort(points.link[li], kind="stable")]
    link_ptr = np.zeros(n_edges + 1, dtype=np.int64)
    np.cumsum(np.bincount(points.link[li], minlength=n_edges), out=link_ptr[1:])
    _, fwd, rsec = _links(net)
    return Targets(node_ptr, item[order].astype(np.int64), off[order].astype(np.float64), link_ptr,
                   lorder.astype(np.int64), points.along[lorder], points.acc[lorder], points.x, points.y,
                   np.asarray(value, dtype=np.float64), fwd, rsec)


class AccessInputs(NamedTuple):
    """What every block needs and no block changes: shipped to each Dask worker once.

    Attributes
    ----------
    prep : geoaccess.national.routing.Prepared
        The network and its contraction hierarchy.
    cells : SnappedPoints
        Every origin cell, snapped.
    jobs : Targets
        Job destinations (the cells, ``value`` = jobs).
    services : Targets
        Service units (``value`` = type code, the index into ``AccessParams.service_types``).
    services_sum : Targets or None
        The same units with ``value`` = 1, for ``services_mode = "sum"``.
    """

    prep: Any
    cells: SnappedPoints
    jobs: Targets
    services: Targets
    services_sum: Targets | None = None


class AccessParams(NamedTuple):
    """Parameters of a block run (small; part of the run's fingerprint).

    Attributes
    ----------
    cutoff_s : float
        Horizon in seconds (90 minutes = 5,400 s).
    step_s : float
        Resolution of the tabulated decay functions, seconds.
    jobs_table, services_table : numpy.ndarray
        Decay weights at ``0, step_s, 2 step_s, ...`` seconds (:func:`decay_table`).
    service_types : tuple of str
        The service types, in code order.
    services_mode : str
        ``"nearest_per_type"`` or ``"sum"``.
    access_speed_mps : float
        Speed of the straight legs, metres per second.
    threads : int
        Numba threads for the kernels (0 = all; Dask workers use 1, one level of parallelism).
    """

    cutoff_s: float
    step_s: float
    jobs_table: np.ndarray
    services_table: np.ndarray
    service_types: tuple[str, ...]
    services_mode: str
    access_speed_mps: float
    threads: int = 0


def decay_table(decay: Any, *, cutoff_s: float, step_s: float = 1.0) -> np.ndarray:
    """``decay`` (a function of minutes) tabulated at ``step_s`` seconds from 0 to past ``cutoff_s``."""
    n = int(np.ceil(cutoff_s / step_s)) + 2
    return np.asarray(decay(np.arange(n) * step_s / 60.0), dtype=np.float64)


def _block_groups(cells: SnappedPoints, idx: np.ndarray) -> tuple[Groups, np.ndarray, np.ndarray]:
    """Groups of the block's snapped cells by edge; the local seed nodes; the cells in group order."""
    idx = idx[cells.edge[idx] >= 0]
    s = cells.seeds[idx]
    nodes, local = np.unique(s[s >= 0], return_inverse=True)
    sl = np.full(s.shape, -1, dtype=np.int64)
    sl[s >= 0] = local
    order = np.argsort(cells.edge[idx], kind="stable")
    idx, sl = idx[order], sl[order]
    edge = cells.edge[idx]
    start = np.flatnonzero(np.r_[True, edge[1:] != edge[:-1]]) if len(edge) else np.zeros(0, dtype=np.int64)
    ptr = np.append(start, len(idx)).astype(np.int64)
    o = cells.offsets[idx]
    g = Groups(ptr, sl[start, 0].copy(), sl[start, 1].copy(), cells.link[idx][start].astype(np.int64),
               np.where(sl[:, 0] >= 0, o[:, 0], np.inf), np.where(sl[:, 1] >= 0, o[:, 1], np.inf),
               cells.along[idx].copy(), cells.acc[idx].copy(), cells.x[idx].copy(), cells.y[idx].copy())
    return g, nodes.astype(np.int32), idx


def _reach(prep: Any, nodes: np.ndarray, cutoff_s: float) -> Reach:
    t = routing.from_nodes_seconds(prep, nodes, cutoff_s=cutoff_s)
    fin = np.isfinite(t)
    ptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.cumsum(fin.sum(axis=1), out=ptr[1:])
    rr, cc = np.nonzero(fin)
    return Reach(ptr, cc.astype(np.int64), t[rr, cc])


def _threads(n: int) -> Any:
    import contextlib

    import numba

    if n <= 0 or n == numba.get_num_threads():
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def _set():  # noqa: ANN202
        old = numba.get_num_threads()
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
        try:
            yield
        finally:
            numba.set_num_threads(old)

    return _set()


def cell_access_block(inputs: AccessInputs, cells: np.ndarray, params: AccessParams) -> pd.DataFrame:
    """Access of one block of origin cells: decayed jobs, service functions and the nearest unit of each type.

    Parameters
    ----------
    inputs
        The prepared network and snapped layers (:class:`AccessInputs`).
    cells
        Indices (into ``inputs.cells``) of the block's origin cells.
    params
        :class:`AccessParams`.

    Returns
    -------
    pandas.DataFrame
        One row per snapped cell of the block, in increasing cell index: ``cell`` (int32), ``jobs_access``
        (decayed jobs), ``services_access`` (decayed service functions), and ``<type>_minutes`` (float32, the
        nearest unit of each service type; NaN beyond the cut-off). Cells beyond the snap distance get no row.
    """
    import pandas as pd

    idx = np.sort(np.asarray(cells, dtype=np.int64))
    groups, nodes, order = _block_groups(inputs.cells, idx)
    n_types = len(params.service_types)
    with _threads(int(params.threads)):
        import numba

        n_chunks = max(1, 4 * numba.get_num_threads())
        reach = _reach(inputs.prep, nodes, params.cutoff_s)
        jobs = decayed_sums(groups, reach, inputs.jobs, params.jobs_table, params.step_s, params.cutoff_s,
                            params.access_speed_mps, n_chunks=n_chunks)
        best = nearest_by_type(groups, seed_nearest_by_type(reach, inputs.services, n_types), inputs.services,
                               params.access_speed_mps)
        if params.services_mode == "sum":
            serv = decayed_sums(groups, reach, inputs.services_sum, params.services_table, params.step_s,
                                params.cutoff_s, params.access_speed_mps, n_chunks=n_chunks)
    if params.services_mode != "sum":
        within = best <= params.cutoff_s
        x = np.where(within, best, 0.0) / params.step_s
        j = np.minimum(x.astype(np.int64), len(params.services_table) - 2)
        w = params.services_table[j] + (x - j) * (params.services_table[j + 1] - params.services_table[j])
        serv = np.where(within, w, 0.0).sum(axis=1)
    minutes = np.where(best <= params.cutoff_s, best / 60.0, np.nan).astype(np.float32)
    out = pd.DataFrame({"cell": order.astype(np.int32), "jobs_access": jobs, "services_access": serv})
    for k, name in enumerate(params.service_types):
        out[f"{name}_minutes"] = minutes[:, k]
    return out.sort_values("cell", kind="stable").reset_index(drop=True)


def point_row(prep: Any, origin: SnappedPoints, k: int, *, cutoff_s: float = np.inf) -> np.ndarray:
    """Seconds from point ``k`` of ``origin`` to every network node (one PHAST sweep; ``inf`` unsnapped)."""
    if origin.edge[k] < 0:
        return np.full(prep.net.n_nodes, np.inf)
    return routing.from_nodes_seconds(prep, origin.seeds[k][None, :], offsets=origin.offsets[k][None, :],
                                      cutoff_s=cutoff_s)[0]


def times_from_point(prep: Any, origin: SnappedPoints, k: int, points: SnappedPoints, *, row: np.ndarray | None = None,
                     cutoff_s: float = np.inf, access_speed_mps: float,
                     links: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Seconds from point ``k`` of ``origin`` to every point of ``points`` (``inf`` beyond ``cutoff_s``).

    The best of each destination's seeds over ``row`` (:func:`point_row`, computed when not given), and
    direct trips to points on the same link (as the kernels do). Used by the omland table (town → cells,
    town → facilities).
    """
    if origin.edge[k] < 0:
        return np.full(len(points.edge), np.inf)
    if row is None:
        row = point_row(prep, origin, k, cutoff_s=cutoff_s)
    ds, do = points.dest_seeds, points.dest_offsets
    t = np.where(ds >= 0, row[np.maximum(ds, 0)] + do, np.inf).min(axis=1)
    same = np.flatnonzero(points.link == origin.link[k])
    if len(same):
        fwd, rsec = links if links is not None else link_seconds(prep.net)
        p = int(origin.link[k])
        a_c, a_d = origin.along[k], points.along[same]
        back = (a_c - a_d) * rsec[p] / fwd[p] if fwd[p] > 0 else np.zeros(len(same))
        along = np.where(a_d >= a_c, a_d - a_c, back)
        straight = np.hypot(points.x[same] - origin.x[k], points.y[same] - origin.y[k]) / access_speed_mps
        direct = np.minimum(origin.acc[k] + along + points.acc[same], straight)
        t[same] = np.minimum(t[same], direct)
    t[t > cutoff_s] = np.inf
    t[~points.snapped] = np.inf
    return t
