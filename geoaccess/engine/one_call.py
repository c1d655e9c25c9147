"""The one-call conveniences: a network and point layers in, a table or polygons out.

Each builds (or reuses) ``Router.for_network(net)``, snaps the layers once and calls the router:
:func:`travel_time_matrix` (:meth:`Router.matrix <geoaccess.engine.router.Router.matrix>`),
:func:`catchments` (:meth:`Router.catchments <geoaccess.engine.router.Router.catchments>`) and
:func:`nearest_facility` (:meth:`Router.nearest <geoaccess.engine.router.Router.nearest>`). They sit
above the router, which sits above the kernels' modules (matrix, catchment, facility, counting):
no module below imports one above it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from geoaccess.engine.catchment import DEFAULT_WALK_OFF_M, resolve_thresholds
from geoaccess.engine.matrix import DEFAULT_BATCH_SIZE, TravelTimes, check_minutes, cutoff_seconds
from geoaccess.engine.router import Router
from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = ["catchments", "nearest_facility", "travel_time_matrix"]


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
    """Door-to-door travel times between two point layers, in one call.

    A thin convenience over :class:`~geoaccess.engine.router.Router`:
    ``router = Router.for_network(net)`` (kept for the next call), ``router.snap(...)`` for both
    layers, ``router.matrix(...)``. Prepare a router yourself to snap a layer once and reuse it.

    Parameters
    ----------
    net
        The network (its CRS is the working CRS; layers are transformed to it).
    origins
        Origin points (GeoDataFrame, any CRS; polygons use their centroid).
    destinations
        Destination points; the origins themselves when ``None``.
    origin_id, destination_id
        Id columns (unique); the index when ``None``.
    cutoff_minutes
        Times above this many minutes are reported as unreachable (NaN); also bounds the searches.
    output
        ``"table"``: tidy :class:`pandas.DataFrame` (``origin_id``, ``destination_id``, ``minutes``,
        every pair); ``"array"``: :class:`TravelTimes` in seconds with ``inf``.
    max_snap_m
        Points farther than this from the network (metres) are unsnapped: NaN rows/columns
        and a warning listing their ids.
    batch_size
        Origins per Dask task / progress step.
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
    if output not in ("table", "array"):
        msg = f"output must be 'table' or 'array', got {output!r}."
        raise InputError(msg)
    cutoff_seconds(cutoff_minutes)  # checked before any work
    router = Router.for_network(net)
    src = router.snap(origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    if destinations is None:
        dst = src
    else:
        dst = router.snap(destinations, id_column=destination_id, max_snap_m=max_snap_m, what="destinations")
    tt = router.matrix(src, dst, cutoff_minutes=cutoff_minutes, batch_size=batch_size if progress or
                       backend == "dask" else None, backend=backend, client=client, progress=progress)
    return tt if output == "array" else tt.to_table()


def catchments(
    net: Network,
    origins: gpd.GeoDataFrame,
    *,
    thresholds_minutes: float | Sequence[float] | str | None = None,
    bands: Literal["nested", "rings"] = "nested",
    walk_off_m: float = DEFAULT_WALK_OFF_M,
    cell_m: float | None = None,
    method: Literal["raster", "vector"] = "raster",
    origin_id: str | None = None,
    max_snap_m: float = 1000.0,
    batch_size: int = 64,
    threads: int | None = None,
    progress: bool = False,
    minutes: float | Sequence[float] | str | None = None,
) -> gpd.GeoDataFrame:
    """Catchment polygons (isochrones) of every origin, in one call.

    A thin convenience: ``router = Router.for_network(net)``, ``router.snap(origins, ...)``,
    :meth:`Router.catchments <geoaccess.engine.router.Router.catchments>`; see
    :func:`router_catchments` for the options. ``minutes=`` is the deprecated name of
    ``thresholds_minutes=`` (default 15, 30, 45).
    """
    thresholds = resolve_thresholds(thresholds_minutes, minutes)
    router = Router.for_network(net)
    check_minutes(thresholds, what="thresholds_minutes")
    if not (isinstance(walk_off_m, (int, float)) and math.isfinite(walk_off_m) and walk_off_m > 0):
        msg = f"walk_off_m must be a positive number of metres, got {walk_off_m!r}."
        raise InputError(msg)
    src = router.snap(origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    return router.catchments(src, thresholds_minutes=thresholds, bands=bands, walk_off_m=walk_off_m, cell_m=cell_m,
                             method=method, batch_size=batch_size, threads=threads, progress=progress)


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
    if int(k) != k or k < 1:
        msg = f"k must be a positive integer, got {k!r}."
        raise InputError(msg)
    cutoff_seconds(cutoff_minutes)
    router = Router.for_network(net)
    src = router.snap(origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    fac = router.snap(facilities, id_column=facility_id, max_snap_m=max_snap_m, what="facilities")
    return router.nearest(src, fac, k=k, cutoff_minutes=cutoff_minutes)
