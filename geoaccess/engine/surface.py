"""Travel-time surfaces over population cells, and the population reached within thresholds.

The surface gives, for every origin and every cell of a grid (e.g. the SSB 250 m
grid), the door-to-door time from the origin to the cell: the cell centre is snapped
to the network as a *destination*, so its access leg (centre -> road, at the access
speed of :func:`geoaccess.network.snap.snap_points`) is included.

**Counting rule** (used by :func:`reached_population`): a cell counts as reached within
``T`` minutes when the travel time to its centre, access leg included, is ``<= T``.
Cells whose centre lies farther than ``max_snap_m`` from the network are never reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.engine.matrix import (
    DEFAULT_BATCH_SIZE,
    _hierarchy,
    apply_same_edge,
    check_minutes,
    matrix_batch,
    prepare_points,
)
from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = ["reached_population", "travel_time_surface"]


def _surface_seconds(
    net: Network,
    origins: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    origin_id: str | None,
    cell_id: str | None,
    max_snap_m: float,
    cutoff_seconds: float,
    batch_size: int,
    backend: Literal["local", "dask"],
    client: Any,
    progress: bool,
    snap_net: Network | None = None,
) -> tuple[np.ndarray, Any, Any]:
    """Seconds (origins × cells) and the snapped layers; routing on ``net``.

    ``snap_net`` (default ``net``) is the network the points are snapped to: a scenario
    network passes its base, so that no point is placed on a new link itself.
    """
    from geoaccess.engine.parallel import batch_slices, run_batches

    snap_net = net if snap_net is None else snap_net

    if cell_id is not None and cell_id not in cells.columns:
        cell_id = None
    src = prepare_points(snap_net, origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    dst = prepare_points(
        snap_net, cells, id_column=cell_id, max_snap_m=max_snap_m, what="cells", role="destination", warn=False
    )
    ch = _hierarchy(net)
    func = partial(matrix_batch, ch=ch, dst_nodes=dst.nodes, dst_offsets=dst.offsets, cutoff_seconds=cutoff_seconds)
    batches = [(src.nodes[sl], src.offsets[sl]) for sl in batch_slices(len(src), batch_size)]
    parts = run_batches(func, batches, backend=backend, client=client, progress=progress, description="surface")
    seconds = np.vstack(parts) if parts else np.zeros((0, len(dst)))
    apply_same_edge(snap_net, seconds, src, dst)
    seconds[seconds > cutoff_seconds] = np.inf
    return seconds, src, dst


def travel_time_surface(
    net: Network,
    origins: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    origin_id: str | None = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
    cutoff_minutes: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    backend: Literal["local", "dask"] = "local",
    client: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Travel time from every origin to every cell centre, including the cell's access leg.

    Parameters
    ----------
    net
        The network.
    origins
        Origin points (any CRS).
    cells
        Cell layer (polygons or centre points), e.g. :func:`geoaccess.layers.population.read_ssb_grid`.
    origin_id
        Origin id column; the index when ``None``.
    cell_id
        Cell id column (``"cell_id"`` for the SSB grid); the index when ``None`` or absent.
    max_snap_m
        Cells/origins farther than this from the network (metres) get NaN.
    cutoff_minutes
        Times above this are NaN (also bounds the searches).
    batch_size, backend, client, progress
        Batching over origins (see :func:`geoaccess.engine.matrix.travel_time_matrix`).

    Returns
    -------
    pandas.DataFrame
        ``origin_id``, ``cell_id``, ``minutes`` (door to door; NaN = unreachable), and
        ``access_minutes`` (the cell centre's access leg, part of ``minutes``; NaN when the
        centre is not snapped).
    """
    import pandas as pd

    cutoff = np.inf if cutoff_minutes is None else check_minutes(cutoff_minutes, what="cutoff_minutes")[0] * 60.0
    seconds, src, dst = _surface_seconds(
        net, origins, cells, origin_id=origin_id, cell_id=cell_id, max_snap_m=max_snap_m, cutoff_seconds=cutoff,
        batch_size=batch_size, backend=backend, client=client, progress=progress,
    )
    s, t = seconds.shape
    minutes = seconds / 60.0
    minutes[~np.isfinite(minutes)] = np.nan
    return pd.DataFrame(
        {
            "origin_id": np.repeat(src.ids, t),
            "cell_id": np.tile(dst.ids, s),
            "minutes": minutes.ravel(),
            "access_minutes": np.tile(dst.access_seconds / 60.0, s),
        }
    )


def reached_population(
    net: Network,
    origins: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    minutes: float | Sequence[float] | str = (15, 30, 45),
    weight: str = "population",
    origin_id: str | None = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
) -> pd.DataFrame:
    """Population (or any cell weight) reachable from each origin within each threshold.

    Rule: a cell counts when the travel time to its centre, access leg included, is
    ``<= T`` minutes (see the module docstring).

    Parameters
    ----------
    net
        The network.
    origins
        Origin points.
    cells
        Cell layer with a ``weight`` column (persons for the SSB grid).
    minutes
        Thresholds in minutes (positive).
    weight
        Column to sum.
    origin_id, cell_id, max_snap_m, batch_size, progress
        As in :func:`travel_time_surface`.

    Returns
    -------
    pandas.DataFrame
        ``origin_id``, ``minutes`` (threshold), ``population`` (sum of ``weight``), ``cells``
        (number of cells counted).
    """
    import pandas as pd

    thresholds = check_minutes(minutes, what="minutes")
    if weight not in cells.columns:
        cols = [c for c in cells.columns if c != cells.geometry.name]
        msg = f"The cells layer has no weight column {weight!r}; its columns are {cols}."
        raise InputError(msg)
    w = cells[weight].to_numpy(dtype=np.float64)
    seconds, src, _ = _surface_seconds(
        net, origins, cells, origin_id=origin_id, cell_id=cell_id, max_snap_m=max_snap_m,
        cutoff_seconds=max(thresholds) * 60.0, batch_size=batch_size, backend="local", client=None,
        progress=progress,
    )
    w = np.nan_to_num(w)
    pop = np.empty((len(src), len(thresholds)))
    count = np.empty((len(src), len(thresholds)), dtype=np.int64)
    for k, thr in enumerate(thresholds):
        inside = seconds <= thr * 60.0
        pop[:, k] = inside.astype(np.float64) @ w
        count[:, k] = inside.sum(axis=1)
    pop[~src.snapped] = np.nan
    return pd.DataFrame(
        {
            "origin_id": np.repeat(src.ids, len(thresholds)),
            "minutes": np.tile(np.asarray(thresholds, dtype=float), len(src)),
            "population": pop.ravel(),
            "cells": count.ravel(),
        }
    )
