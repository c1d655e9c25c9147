"""Travel-time matrices between point layers (reisetidsmatriser).

Points (any CRS, checked) are snapped to the network with
:func:`geoaccess.network.snap.snap_points`. Each point then has up to two *seeds*:
network nodes with an offset in seconds (the walk/drive along the snapped edge plus
the access leg from the point to the road). The time from an origin to a
destination is::

    min over seed pairs (a, b) of  origin_offset(a) + network_time(a, b) + destination_offset(b)

computed with the contraction hierarchy (:meth:`ContractionHierarchy.many_to_many`),
batched over origins so memory stays bounded.

Conventions
-----------
* Inside arrays time is in **seconds** and unreachable is ``inf``.
* Tables report **minutes**; unreachable, beyond the cutoff, or unsnapped is ``NaN``
  (never 0). A warning lists the ids of points that could not be snapped.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.errors import InputError, ReachWarning

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "PreparedPoints",
    "TravelTimes",
    "apply_same_edge",
    "check_minutes",
    "prepare_points",
    "same_edge_pairs",
    "travel_time_matrix",
]

DEFAULT_BATCH_SIZE = 256
"""Origins per batch: a batch holds at most ``batch_size x n_destinations`` float64 values."""


# --------------------------------------------------------------------------- thresholds
def check_minutes(value: object, *, what: str = "threshold") -> tuple[float, ...]:
    """Parse and validate one or more positive, finite minute thresholds.

    Parameters
    ----------
    value
        A number, a string such as ``"15,30,45"``, or a sequence of numbers/strings.
    what
        Name used in error messages (e.g. ``"--minutes"``).

    Returns
    -------
    tuple of float
        Sorted, de-duplicated thresholds in minutes.

    Raises
    ------
    geoaccess.errors.InputError
        A value is not a number, not finite, or not > 0 (e.g. ``"0"``, ``"-5"``, ``"abc"``).
    """
    if isinstance(value, str):
        parts: Sequence[Any] = [p for p in value.replace(";", ",").split(",") if p.strip()]
    elif isinstance(value, (int, float, np.integer, np.floating)):
        parts = [value]
    else:
        parts = list(value)  # type: ignore[call-overload]
    if not parts:
        msg = f"{what}: no thresholds given; give positive minutes such as 15,30,45."
        raise InputError(msg)
    out = []
    for p in parts:
        try:
            v = float(str(p).strip()) if isinstance(p, str) else float(p)
        except (TypeError, ValueError):
            msg = f"{what}: {p!r} is not a number of minutes; give positive minutes such as 15,30,45."
            raise InputError(msg) from None
        if not math.isfinite(v) or v <= 0:
            msg = f"{what}: {p!r} is not a positive, finite number of minutes; give e.g. 15,30,45."
            raise InputError(msg)
        out.append(v)
    return tuple(sorted(set(out)))


# --------------------------------------------------------------------------- points
@dataclass(frozen=True)
class PreparedPoints:
    """A point layer checked and snapped to a network.

    Attributes
    ----------
    ids : numpy.ndarray, shape (N,)
        Point ids (from the id column, or the index), unique.
    nodes : numpy.ndarray of int32, shape (N, 2)
        Seed nodes, ``-1`` padded; all ``-1`` for unsnapped points.
    offsets : numpy.ndarray of float64, shape (N, 2)
        Seed offsets in seconds (along-edge time plus access leg).
    access_seconds : numpy.ndarray of float64, shape (N,)
        Access leg from the point to the road in seconds (NaN when unsnapped).
    snapped : numpy.ndarray of bool, shape (N,)
        ``False`` for points beyond ``max_snap_m`` (or otherwise unsnapped).
    x, y : numpy.ndarray of float64, shape (N,)
        Snapped positions in the network CRS (metres).
    edge : numpy.ndarray of int64, shape (N,)
        Edge the point is snapped to (``-1`` when unsnapped).
    frac : numpy.ndarray of float64, shape (N,)
        Position along that edge (0 = tail, 1 = head).
    """

    ids: np.ndarray
    nodes: np.ndarray
    offsets: np.ndarray
    access_seconds: np.ndarray
    snapped: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge: np.ndarray
    frac: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def _point_ids(gdf: gpd.GeoDataFrame, id_column: str | None, *, what: str) -> np.ndarray:
    if id_column is not None:
        if id_column not in gdf.columns:
            cols = [c for c in gdf.columns if c != gdf.geometry.name]
            msg = f"{what} layer has no column {id_column!r}; its columns are {cols}."
            raise InputError(msg)
        ids = gdf[id_column]
        source = f"column {id_column!r}"
    else:
        ids = gdf.index.to_series()
        source = "index (pass an id column to use another)"
    if ids.isna().any():
        bad = np.flatnonzero(ids.isna().to_numpy())[:5].tolist()
        msg = f"{what} layer: {source} has missing ids at rows {bad}."
        raise InputError(msg)
    dup = ids[ids.duplicated()]
    if len(dup):
        examples = dup.unique()[:5].tolist()
        msg = f"{what} layer: {source} has duplicate ids, e.g. {examples}; ids must be unique."
        raise InputError(msg)
    return ids.to_numpy()


def prepare_points(
    net: Network,
    points: gpd.GeoDataFrame,
    *,
    id_column: str | None = None,
    max_snap_m: float = 1000.0,
    what: str = "points",
    role: Literal["origin", "destination"] = "origin",
    warn: bool = True,
) -> PreparedPoints:
    """Check a point layer (non-empty, CRS, unique ids), snap it and return its seeds.

    Polygons (e.g. 250 m population cells) are represented by their centroids.

    Parameters
    ----------
    net
        The network.
    points
        GeoDataFrame of points (or polygons) in any CRS.
    id_column
        Column holding unique ids; the index when ``None``.
    max_snap_m
        Points farther than this from the network (metres) are left unsnapped.
    what
        Layer name used in messages, e.g. ``"origins"``.
    role
        ``"origin"`` (seeds leave the point) or ``"destination"`` (seeds arrive at it).
    warn
        Warn with the ids of unsnapped points.

    Raises
    ------
    geoaccess.errors.InputError
        Empty layer, unknown or duplicated id column, no CRS (:class:`CRSError`).
    """
    import geopandas as gpd

    from geoaccess.crs import to_crs_checked
    from geoaccess.network.snap import snap_points

    if points is None or len(points) == 0:
        msg = f"The {what} layer is empty: it has no features to route {'from' if role == 'origin' else 'to'}."
        raise InputError(msg)
    if not isinstance(points, gpd.GeoDataFrame):
        msg = f"The {what} layer must be a GeoDataFrame with a CRS, got {type(points).__name__}."
        raise InputError(msg)
    ids = _point_ids(points, id_column, what=what)
    if points.geometry.isna().any() or points.geometry.is_empty.any():
        bad = ids[(points.geometry.isna() | points.geometry.is_empty).to_numpy()][:5].tolist()
        msg = f"The {what} layer has features without geometry (ids {bad})."
        raise InputError(msg)
    gdf = to_crs_checked(points, net.crs, what=f"The {what} layer")
    geom_types = set(gdf.geom_type.unique())
    if geom_types - {"Point"}:
        gdf = gdf.set_geometry(gdf.geometry.centroid)
    layer = gpd.GeoDataFrame({"_gid": np.arange(len(gdf))}, geometry=gdf.geometry.to_numpy(), crs=net.crs)
    snapped = snap_points(net, layer, id_column="_gid", max_snap_m=max_snap_m)
    if role == "origin":
        nodes, offsets = snapped.origin_seeds(net)
    else:
        nodes, offsets = snapped.destination_seeds(net)
    nodes = np.asarray(nodes, dtype=np.int32).reshape(len(ids), -1)
    offsets = np.asarray(offsets, dtype=np.float64).reshape(len(ids), -1)
    ok = _snapped_mask(snapped, len(ids)) & (nodes >= 0).any(axis=1)
    nodes = np.where(ok[:, None], nodes, -1).astype(np.int32)
    offsets = np.where((nodes >= 0), offsets, np.inf)
    if warn and not ok.all():
        bad = ids[~ok]
        msg = (
            f"{len(bad)} of {len(ids)} {what} lie more than {max_snap_m:g} m from the network (or outside its "
            f"extent) and get NaN travel times: ids {bad[:20].tolist()}{' ...' if len(bad) > 20 else ''}."
        )
        warnings.warn(msg, ReachWarning, stacklevel=3)
    access = np.asarray(snapped.access_seconds, dtype=np.float64).copy()
    access[~ok] = np.nan
    return PreparedPoints(
        ids=ids,
        nodes=nodes,
        offsets=offsets,
        access_seconds=access,
        snapped=ok,
        x=np.asarray(snapped.x, dtype=np.float64),
        y=np.asarray(snapped.y, dtype=np.float64),
        edge=np.where(ok, np.asarray(snapped.edge, dtype=np.int64), -1),
        frac=np.asarray(snapped.frac, dtype=np.float64),
    )


def same_edge_pairs(
    net: Network, src: PreparedPoints, dst: PreparedPoints
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origin/destination pairs snapped to the same edge and their direct time along it (seconds).

    The seed formula routes every trip through an end node of the snapped edge; two points on
    the same edge can also be joined directly: ``access_o + |t_d - t_o| * s + access_d`` where
    ``s`` is the edge's time (``t_d >= t_o``) or its fastest reverse edge's (``t_d <= t_o``).

    Returns
    -------
    rows, cols : numpy.ndarray of int64
        Positions in ``src`` and ``dst``.
    seconds : numpy.ndarray of float64
        Direct times (``inf`` when the direction is not allowed).
    """
    import pandas as pd

    from geoaccess.network.snap import reverse_edges

    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    so = np.flatnonzero(src.edge >= 0)
    do = np.flatnonzero(dst.edge >= 0)
    if len(so) == 0 or len(do) == 0:
        return empty
    a = pd.DataFrame({"edge": src.edge[so], "row": so})
    b = pd.DataFrame({"edge": dst.edge[do], "col": do})
    pairs = a.merge(b, on="edge")
    if pairs.empty:
        return empty
    r = pairs["row"].to_numpy(dtype=np.int64)
    c = pairs["col"].to_numpy(dtype=np.int64)
    e = pairs["edge"].to_numpy()
    t_o, t_d = src.frac[r], dst.frac[c]
    rev = reverse_edges(net)[e]
    s_f = net.seconds[e]
    s_r = np.where(rev >= 0, net.seconds[np.maximum(rev, 0)], np.inf)
    with np.errstate(invalid="ignore"):  # 0 * inf when there is no reverse edge
        along = np.where(t_d >= t_o, (t_d - t_o) * s_f, np.inf)
        back = np.where((t_d <= t_o) & np.isfinite(s_r), (t_o - t_d) * s_r, np.inf)
    direct = src.access_seconds[r] + np.minimum(along, back) + dst.access_seconds[c]
    return r, c, np.where(np.isfinite(direct), direct, np.inf)


def apply_same_edge(net: Network, seconds: np.ndarray, src: PreparedPoints, dst: PreparedPoints) -> None:
    """Lower, in place, the times of pairs snapped to the same edge to their direct time along it.

    See :func:`same_edge_pairs`.
    """
    r, c, direct = same_edge_pairs(net, src, dst)
    if len(r):
        np.minimum.at(seconds, (r, c), direct)


def _snapped_mask(snapped: Any, n: int) -> np.ndarray:
    """Boolean mask of snapped points from a :class:`Snapped` (``unsnapped`` may be a mask or ids)."""
    un = np.asarray(snapped.unsnapped)
    ok = np.ones(n, dtype=bool)
    if un.dtype == bool and un.shape == (n,):
        ok &= ~un
    elif un.size:
        pos = np.asarray(snapped.ids)
        ok &= ~np.isin(pos, un)
    edge = np.asarray(getattr(snapped, "edge", np.zeros(n)))
    if edge.shape == (n,) and np.issubdtype(edge.dtype, np.integer):
        ok &= edge >= 0
    return ok


# --------------------------------------------------------------------------- matrix
@dataclass(frozen=True)
class TravelTimes:
    """A travel-time matrix in array form.

    Attributes
    ----------
    seconds : numpy.ndarray of float64, shape (S, T)
        Travel time origin -> destination in seconds, including both access legs;
        ``inf`` when unreachable, beyond the cutoff, or either point is unsnapped.
    origin_ids, destination_ids : numpy.ndarray
        Ids of the rows and columns.
    """

    seconds: np.ndarray
    origin_ids: np.ndarray
    destination_ids: np.ndarray

    @property
    def minutes(self) -> np.ndarray:
        """The matrix in minutes with ``NaN`` for unreachable."""
        out = self.seconds / 60.0
        out[~np.isfinite(out)] = np.nan
        return out

    def to_table(self) -> pd.DataFrame:
        """Tidy table with columns ``origin_id``, ``destination_id``, ``minutes`` (NaN = unreachable)."""
        import pandas as pd

        s, t = self.seconds.shape
        return pd.DataFrame(
            {
                "origin_id": np.repeat(self.origin_ids, t),
                "destination_id": np.tile(self.destination_ids, s),
                "minutes": self.minutes.ravel(),
            }
        )


def _hierarchy(net: Network) -> Any:
    from geoaccess.engine.ch import ContractionHierarchy

    return ContractionHierarchy.for_network(net, cache=True)


def matrix_batch(
    batch: tuple[np.ndarray, np.ndarray],
    *,
    ch: Any,
    dst_nodes: np.ndarray,
    dst_offsets: np.ndarray,
    cutoff_seconds: float,
) -> np.ndarray:
    """Travel times (seconds) of one batch of origin seeds to all destination seeds.

    A pure function of the contraction hierarchy arrays and the batch (``(nodes, offsets)``),
    used by :func:`travel_time_matrix` locally and on Dask workers. Rows of unsnapped
    origins (all seeds ``-1``) and columns of unsnapped destinations are ``inf``.
    """
    src_nodes, src_offsets = batch
    s, t = len(src_nodes), len(dst_nodes)
    out = np.full((s, t), np.inf)
    rows = (src_nodes >= 0).any(axis=1)
    cols = (dst_nodes >= 0).any(axis=1)
    if rows.any() and cols.any():
        sub = ch.many_to_many(
            src_nodes[rows], src_offsets[rows], dst_nodes[cols], dst_offsets[cols], cutoff=cutoff_seconds
        )
        out[np.ix_(rows, cols)] = np.asarray(sub, dtype=np.float64)
    out[out > cutoff_seconds] = np.inf
    return out


def travel_time_matrix(
    net: Network,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame | None = None,
    *,
    origin_id: str | None = None,
    destination_id: str | None = None,
    cutoff_minutes: float | None = None,
    output: Literal["table", "array"] = "table",
    max_snap_m: float = 1000.0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    backend: Literal["local", "dask"] = "local",
    client: Any = None,
    progress: bool = False,
) -> pd.DataFrame | TravelTimes:
    """Door-to-door travel times between two point layers (one-to-many or many-to-many).

    Parameters
    ----------
    net
        The network (its CRS is the working CRS; layers are transformed to it).
    origins
        Origin points (GeoDataFrame, any CRS).
    destinations
        Destination points; the origins themselves when ``None``.
    origin_id, destination_id
        Id columns (unique); the index when ``None``.
    cutoff_minutes
        Times above this many minutes are reported as unreachable (NaN); also bounds
        the searches.
    output
        ``"table"``: tidy :class:`pandas.DataFrame` (``origin_id``, ``destination_id``,
        ``minutes``); ``"array"``: :class:`TravelTimes` in seconds with ``inf``.
    max_snap_m
        Points farther than this from the network (metres) are unsnapped: NaN rows/columns
        and a warning listing their ids.
    batch_size
        Origins per batch (memory: ``batch_size x n_destinations x 8`` bytes).
    backend, client
        ``"local"`` or ``"dask"`` (see :func:`geoaccess.engine.parallel.run_batches`).
    progress
        Show a progress bar over batches.

    Returns
    -------
    pandas.DataFrame or TravelTimes
        Minutes in the table (NaN = unreachable, beyond the cutoff, or unsnapped; never 0
        for unreachable); seconds with ``inf`` in the array form.
    """
    from geoaccess.engine.parallel import batch_slices, run_batches

    if output not in ("table", "array"):
        msg = f"output must be 'table' or 'array', got {output!r}."
        raise InputError(msg)
    cutoff = np.inf if cutoff_minutes is None else check_minutes(cutoff_minutes, what="cutoff_minutes")[0] * 60.0
    src = prepare_points(net, origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    if destinations is None:
        destinations, destination_id = origins, origin_id
    dst = prepare_points(
        net, destinations, id_column=destination_id, max_snap_m=max_snap_m, what="destinations", role="destination"
    )
    ch = _hierarchy(net)
    func = partial(matrix_batch, ch=ch, dst_nodes=dst.nodes, dst_offsets=dst.offsets, cutoff_seconds=cutoff)
    batches = [(src.nodes[sl], src.offsets[sl]) for sl in batch_slices(len(src), batch_size)]
    parts = run_batches(func, batches, backend=backend, client=client, progress=progress, description="matrix")
    seconds = np.vstack(parts) if parts else np.zeros((0, len(dst)))
    apply_same_edge(net, seconds, src, dst)
    seconds[seconds > cutoff] = np.inf
    _warn_unreachable(seconds, src, dst, cutoff)
    tt = TravelTimes(seconds=seconds, origin_ids=src.ids, destination_ids=dst.ids)
    return tt if output == "array" else tt.to_table()


def _warn_unreachable(seconds: np.ndarray, src: PreparedPoints, dst: PreparedPoints, cutoff: float) -> None:
    """Warn about snapped destinations no snapped origin can reach (e.g. on an island without ferry)."""
    if not np.isinf(cutoff) or seconds.size == 0:
        return
    rows = src.snapped
    cols = dst.snapped
    if not rows.any():
        return
    never = cols & ~np.isfinite(seconds[rows]).any(axis=0)
    if never.any():
        bad = dst.ids[never]
        msg = (
            f"{len(bad)} destinations cannot be reached from any origin (another island or a disconnected "
            f"part of the network without ferry); their times are NaN: ids {bad[:20].tolist()}"
            f"{' ...' if len(bad) > 20 else ''}."
        )
        warnings.warn(msg, ReachWarning, stacklevel=3)
