"""Travel-time surfaces over population cells, and the population reached within thresholds.

The surface gives, for every origin and every cell of a grid (e.g. the SSB 250 m grid), the
door-to-door time from the origin to the cell: the cell centre is snapped to the network as a
*destination*, so its access leg (centre -> road, at the access speed) is included. These are
one-call conveniences over :class:`~geoaccess.engine.router.Router` (``router.matrix`` to the
snapped cells, ``router.reached``).

**Counting rule** (:data:`geoaccess.engine.counting.COUNTING_RULE`): a cell counts as reached
within ``T`` minutes when the travel time to its centre, both access legs included, is ``<= T``.
Cells whose centre lies farther than ``max_snap_m`` from the network are never reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.engine.matrix import DEFAULT_BATCH_SIZE
from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = ["reached_population", "travel_time_surface"]


def _cell_id(cells: gpd.GeoDataFrame, cell_id: str | None) -> str | None:
    return cell_id if cell_id is not None and cell_id in cells.columns else None


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
        Batching over origins (see :meth:`geoaccess.engine.router.Router.matrix`).

    Returns
    -------
    pandas.DataFrame
        ``origin_id``, ``cell_id``, ``minutes`` (door to door; NaN = unreachable), and
        ``access_minutes`` (the cell centre's access leg, part of ``minutes``; NaN when the
        centre is not snapped).
    """
    import pandas as pd

    from geoaccess.engine.router import Router

    router = Router.for_network(net)
    src = router.snap(origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    dst = router.snap(cells, id_column=_cell_id(cells, cell_id), max_snap_m=max_snap_m, what="cells", warn=False)
    tt = router.matrix(src, dst, cutoff_minutes=cutoff_minutes, batch_size=batch_size if progress or
                       backend == "dask" else None, backend=backend, client=client, progress=progress)
    s, t = tt.seconds.shape
    return pd.DataFrame(
        {
            "origin_id": np.repeat(src.ids, t),
            "cell_id": np.tile(dst.ids, s),
            "minutes": tt.minutes.ravel(),
            "access_minutes": np.tile(dst.access_seconds / 60.0, s),
        }
    )


def reached_population(
    net: Network,
    origins: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    thresholds_minutes: float | Sequence[float] | str | None = None,
    weight: str = "population",
    origin_id: str | None = None,
    cell_id: str | None = "cell_id",
    max_snap_m: float = 1000.0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
    minutes: float | Sequence[float] | str | None = None,
) -> pd.DataFrame:
    """Population (or any cell weight) reachable from each origin within each threshold.

    A one-call convenience over :meth:`Router.reached <geoaccess.engine.router.Router.reached>`
    (rule: :data:`~geoaccess.engine.counting.COUNTING_RULE`).

    Parameters
    ----------
    net
        The network.
    origins
        Origin points.
    cells
        Cell layer with a ``weight`` column (persons for the SSB grid).
    thresholds_minutes
        Thresholds in minutes (positive; default 15, 30, 45). ``minutes=`` is its deprecated name.
    weight
        Column to sum.
    origin_id, cell_id, max_snap_m, batch_size
        As in :func:`travel_time_surface`.
    progress
        Accepted for compatibility (the count runs in blocks without a bar).

    Returns
    -------
    pandas.DataFrame
        ``origin_id``, ``minutes`` (threshold), ``population`` (sum of ``weight``; NaN for an origin
        off the network), ``cells`` (number of cells counted); ``attrs["counting_rule"]``.
    """
    from geoaccess.engine.catchment import resolve_thresholds
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.engine.router import Router

    thresholds = check_minutes(resolve_thresholds(thresholds_minutes, minutes), what="thresholds_minutes")
    if weight not in cells.columns:
        cols = [c for c in cells.columns if c != cells.geometry.name]
        msg = f"The cells layer has no weight column {weight!r}; its columns are {cols}."
        raise InputError(msg)
    router = Router.for_network(net)
    src = router.snap(origins, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
    dst = router.snap(cells, id_column=_cell_id(cells, cell_id), max_snap_m=max_snap_m, what="cells", warn=False)
    out = router.reached(src, dst, {"population": cells[weight].to_numpy(dtype=np.float64)},
                         thresholds_minutes=thresholds, block_size=batch_size)
    del progress
    return out
