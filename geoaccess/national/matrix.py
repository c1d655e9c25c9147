"""National travel-time tables: municipality × municipality, and every grid cell → municipality centres.

Both start from the municipality centres of :mod:`geoaccess.layers.centres`, snapped to the
network (the snap distance is reported per centre). A trip is door to door: the access leg
from the point to the road (straight line at ``access_speed_kmh``, standing in for the local
roads the 1:1M map leaves out), the network time (ferry crossings with their boarding wait
and docking included), and the leg from the road to the destination point.

Tables are tidy, in **minutes**, unreachable as NaN (never 0):

* :func:`municipal_matrix` — every ordered pair ``origin, destination, minutes`` (the form
  ``geoaccess regions --travel-times`` reads); a municipality to itself is 0.
* :func:`cell_centre_times` — ``cell_id, destination, minutes`` for every pair within the
  cut-off (90 minutes by default), keyed by the SSB cell id.

``attrs["provenance"]`` of each table records the population year, the boundary year, the
centre rule, the network (mode, source, profile) and the access and snap options.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoaccess.errors import InputError, ReachWarning
from geoaccess.national import routing
from geoaccess.national._combine import SeedTable, best_within

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = [
    "DEFAULT_ACCESS_SPEED_KMH",
    "DEFAULT_CELL_SNAP_M",
    "DEFAULT_CENTRE_SNAP_M",
    "cell_centre_times",
    "municipal_matrix",
    "snap_centres",
]

DEFAULT_ACCESS_SPEED_KMH = 30.0
"""Speed of the straight access leg between a point and the N1000 road, km/h (local roads, ~40 km/h with detours)."""
DEFAULT_CENTRE_SNAP_M = 20_000.0
"""Largest distance in metres from a municipality centre to the road network."""
DEFAULT_CELL_SNAP_M = 20_000.0
"""Largest distance in metres from a grid cell centre to the road network."""


def _prepared(network: Network | routing.Prepared) -> routing.Prepared:
    return network if isinstance(network, routing.Prepared) else routing.prepare(network)


def snap_centres(
    network: Network | routing.Prepared,
    centres: gpd.GeoDataFrame,
    *,
    max_snap_m: float = DEFAULT_CENTRE_SNAP_M,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
    id_column: str = "kommunenummer",
) -> tuple[Any, gpd.GeoDataFrame]:
    """Snap centres to the network; return the snapped points and the centres with the snap reported.

    Returns
    -------
    (snapped, table)
        The engine's snapped points, and ``centres`` plus ``snap_metres``, ``snapped_x``, ``snapped_y``
        (NaN when farther than ``max_snap_m``) in the network's CRS.
    """
    prep = _prepared(network)
    if id_column not in centres.columns:
        msg = f"The centres have no {id_column!r} column; their columns are {list(centres.columns)}."
        raise InputError(msg)
    pts = centres.to_crs(prep.net.crs)
    ids = pts[id_column].astype(str).to_numpy()
    snapped = routing.snap(prep.net, pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy(), ids=ids,
                           max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
    table = centres.copy()
    table["snap_metres"] = snapped.snap_metres
    table["snapped_x"] = snapped.x
    table["snapped_y"] = snapped.y
    far = ~snapped.snapped
    if far.any():
        warnings.warn(
            f"{int(far.sum())} centre(s) lie farther than {max_snap_m:g} m from the network and are unreachable "
            f"(NaN): {', '.join(ids[far][:20])}.",
            ReachWarning,
            stacklevel=2,
        )
    return snapped, table


def _centres_for(year: int | None, centres: gpd.GeoDataFrame | None, grid: gpd.GeoDataFrame | None,
                 rule: str) -> gpd.GeoDataFrame:
    from geoaccess.layers.centres import municipality_centres

    if centres is not None:
        return centres
    if year is None:
        msg = "Give year= (2019, 2020-2023 or 2024) or centres= (from geoaccess.layers.centres.municipality_centres)."
        raise InputError(msg)
    if grid is None:
        from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid

        grid = read_ssb_grid(NATIONAL_GRID_250M)
    return municipality_centres(year, grid, rule=rule)  # type: ignore[arg-type]


def _provenance(net: Network, centres: gpd.GeoDataFrame, **options: Any) -> dict[str, Any]:
    prov = dict(centres.attrs.get("provenance", {}))
    return {
        "population_year": prov.get("population_year"),
        "boundary_year": prov.get("boundary_year"),
        "centre_rule": prov.get("rule"),
        "network_mode": net.mode,
        "network_source": net.meta.get("source"),
        "network_profile": net.meta.get("profile"),
        "network_profile_sha256": net.meta.get("profile_sha256"),
        **options,
    }


def municipal_matrix(
    network: Network | routing.Prepared,
    *,
    year: int | None = 2020,
    centres: gpd.GeoDataFrame | None = None,
    grid: gpd.GeoDataFrame | None = None,
    rule: Literal["weighted", "densest"] = "weighted",
    max_snap_m: float = DEFAULT_CENTRE_SNAP_M,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
    cutoff_minutes: float | None = None,
) -> pd.DataFrame:
    """Door-to-door minutes between the centres of every ordered pair of municipalities.

    Parameters
    ----------
    network
        A car (or boat) :class:`~geoaccess.network.graph.Network`, or a prepared one
        (:func:`geoaccess.national.routing.prepare`) to reuse its hierarchy.
    year
        Boundary year (2019, 2020-2023, 2024) when ``centres`` is not given.
    centres
        Centre points with ``kommunenummer`` (from :func:`geoaccess.layers.centres.municipality_centres`).
    grid
        Population grid for the centres (default: SSB's national 250 m grid, 2015).
    rule
        Centre rule when the centres are computed here: ``"weighted"`` or ``"densest"``.
    max_snap_m
        Centres farther from the network are unreachable (NaN), with a warning.
    access_speed_kmh
        Speed of the straight leg between a centre and the road, km/h.
    cutoff_minutes
        Pairs slower than this are NaN (bounds the searches).

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination`` (4-digit codes), ``minutes`` (float, NaN unreachable), every ordered
        pair, the diagonal 0. ``attrs["provenance"]`` describes it, ``attrs["snap_metres"]`` maps each code to
        its centre's snap distance in metres (NaN beyond ``max_snap_m``); :func:`snap_centres` gives the full
        table of snapped centres.
    """
    import pandas as pd

    cen = _centres_for(year, centres, grid, rule)
    prep = _prepared(network)
    snapped, table = snap_centres(prep, cen, max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
    cutoff_s = np.inf if cutoff_minutes is None else float(cutoff_minutes) * 60.0
    sec = routing.seconds_between(prep, snapped, snapped, cutoff_s=cutoff_s)
    minutes = sec / 60.0
    ok = snapped.snapped
    np.fill_diagonal(minutes, 0.0)
    minutes[~ok, :] = np.inf
    minutes[:, ~ok] = np.inf
    minutes[~np.isfinite(minutes)] = np.nan
    ids = snapped.ids.astype(str)
    n = len(ids)
    out = pd.DataFrame({"origin": np.repeat(ids, n), "destination": np.tile(ids, n), "minutes": minutes.ravel()})
    out.attrs["provenance"] = _provenance(prep.net, cen, access_speed_kmh=float(access_speed_kmh),
                                          max_snap_m=float(max_snap_m), cutoff_minutes=cutoff_minutes,
                                          municipalities=n, unreachable_pairs=int(np.isnan(minutes).sum()))
    out.attrs["snap_metres"] = {str(k): float(v) for k, v in zip(ids, table["snap_metres"], strict=False)}
    return out


def cell_centre_times(
    network: Network | routing.Prepared,
    grid: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame,
    *,
    cutoff_minutes: float = 90.0,
    max_snap_m: float = DEFAULT_CELL_SNAP_M,
    centre_snap_m: float = DEFAULT_CENTRE_SNAP_M,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
    progress: bool = False,
) -> pd.DataFrame:
    """Minutes from every grid cell to every municipality centre within ``cutoff_minutes``.

    The network is searched once, from every node to every centre (one bucket many-to-many on
    the hierarchy); each cell then takes the better of its two seeds (a parallel numba kernel that
    keeps only the pairs within the cut-off).

    Parameters
    ----------
    network
        Car or boat network, or a prepared one.
    grid
        Cells with ``cell_id`` (:func:`geoaccess.layers.population.read_ssb_grid`).
    centres
        Centre points with ``kommunenummer``.
    cutoff_minutes
        Only pairs within this time are kept (the table is sparse).
    max_snap_m, centre_snap_m
        Largest snap distance in metres of a cell centre / a municipality centre.
    access_speed_kmh
        Speed of the straight access legs, km/h.
    progress
        Log progress per block (``logging``, logger ``geoaccess.national``).

    Returns
    -------
    pandas.DataFrame
        ``cell_id`` (categorical of the SSB id strings), ``destination`` (categorical kommunenummer),
        ``minutes`` (float32), sorted by cell (in grid order) then minutes. Cells beyond ``max_snap_m`` or with no centre
        within the cut-off have no row; their count
        is in ``attrs["provenance"]["cells_unsnapped"]`` / ``["cells_without_centre"]``.
    """
    import logging

    import pandas as pd

    if not (np.isfinite(cutoff_minutes) and cutoff_minutes > 0):
        msg = f"cutoff_minutes must be a positive number of minutes, got {cutoff_minutes!r}."
        raise InputError(msg)
    if "cell_id" not in grid.columns:
        msg = "The grid has no 'cell_id' column; read it with geoaccess.layers.population.read_ssb_grid."
        raise InputError(msg)
    log = logging.getLogger("geoaccess.national")
    prep = _prepared(network)
    cutoff_s = float(cutoff_minutes) * 60.0
    c_snap, _ = snap_centres(prep, centres, max_snap_m=centre_snap_m, access_speed_kmh=access_speed_kmh)
    node_to_centre = routing.to_destinations_seconds(prep, c_snap, cutoff_s=cutoff_s)
    pts = grid.to_crs(prep.net.crs).geometry.centroid
    cell_ids = grid["cell_id"].astype(str).to_numpy()
    snapped = routing.snap(prep.net, pts.x.to_numpy(), pts.y.to_numpy(), ids=np.arange(len(grid)),
                           max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
    seeds, offs = snapped.origin_seeds(prep.net)
    dest = c_snap.ids.astype(str)
    ptr, cols, secs = best_within(SeedTable(node_to_centre, seeds, offs), cutoff_s)
    counts = np.diff(ptr)
    no_centre = int(((counts == 0) & snapped.snapped).sum())
    rows = np.repeat(np.arange(len(grid)), counts)
    if progress:
        log.info("%d cells: %d pairs within %g min", len(grid), len(rows), cutoff_minutes)
    out = pd.DataFrame({
        "cell_id": pd.Categorical.from_codes(rows, categories=pd.Index(cell_ids).astype(str)),
        "destination": pd.Categorical.from_codes(cols, categories=pd.Index(dest)),
        "minutes": (secs / 60.0).astype(np.float32),
    })
    unsnapped = int((~snapped.snapped).sum())
    if unsnapped:
        warnings.warn(
            f"{unsnapped} cell(s) lie farther than {max_snap_m:g} m from the network and have no times "
            f"(their residents: {float(grid['population'].to_numpy()[~snapped.snapped].sum()) if 'population' in grid else 'n/a'}).",
            ReachWarning,
            stacklevel=2,
        )
    out.attrs["provenance"] = _provenance(
        prep.net, centres, cutoff_minutes=float(cutoff_minutes), access_speed_kmh=float(access_speed_kmh),
        max_snap_m=float(max_snap_m), cells=len(grid), cells_unsnapped=unsnapped, cells_without_centre=no_centre,
        pairs=len(out), population_year=grid.attrs.get("population_year", centres.attrs.get("provenance", {}).get("population_year")),
    )
    return out
