"""The national omland table: for every target town, who and what lies within reach by car.

For each town (its centre point, :mod:`geoaccess.layers.towns`): residents (SSB 2015 grid) and jobs
(SSB 03321 spread over the cells by residents) within 30/45/60/90 minutes by car on N1000, door to
door; the car minutes to the nearest NAV office and district court (Etatsbasen 2014), healthcare site
(Eurostat GISCO 2020), airport (N1000, with its traffic type) and railway station (N1000), with
their names; and, from the target-town table, the centrality index and class and the BA-region
with its self-containment.

The work runs in blocks of towns (:func:`geoaccess.national.blocks.run_blocks`): each block is a
pure function of the prepared inputs (network, snapped cells and facilities), its towns and the
thresholds, writing one Parquet part; the run resumes and runs on Dask like the centrality index.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["FACILITIES", "OmlandInputs", "OmlandParams", "national_omland", "omland_block", "omland_inputs"]

FACILITIES = ("nav_office", "district_court", "healthcare", "airport", "railway_station")
"""Facility columns of the table, in order."""


class OmlandInputs(NamedTuple):
    """Shared inputs of the omland blocks (shipped to each Dask worker once).

    Attributes
    ----------
    prep
        Prepared car network.
    cells
        Snapped grid cells (:class:`geoaccess.national.access.SnappedPoints`).
    population, jobs : numpy.ndarray
        Residents and jobs per cell.
    towns
        Snapped town centres.
    facilities : dict
        ``name -> (SnappedPoints, names, extra)``; ``extra`` is a dict of per-point columns (airports'
        IATA code and traffic type).
    links : tuple
        Forward and reverse link seconds (:func:`geoaccess.national.access.link_seconds`).
    """

    prep: Any
    cells: Any
    population: np.ndarray
    jobs: np.ndarray
    towns: Any
    facilities: dict[str, tuple[Any, np.ndarray, dict[str, np.ndarray]]]
    links: tuple[np.ndarray, np.ndarray]


class OmlandParams(NamedTuple):
    """``thresholds_minutes`` (ascending) and ``access_speed_mps``."""

    thresholds_minutes: tuple[float, ...]
    access_speed_mps: float


def omland_block(inputs: OmlandInputs, towns: np.ndarray, params: OmlandParams) -> pd.DataFrame:
    """The omland row of each town of a block (indices into ``inputs.towns``).

    Returns
    -------
    pandas.DataFrame
        ``town`` (index), ``residents_within_<T>_minutes`` and ``jobs_within_<T>_minutes`` for each threshold,
        ``<facility>_minutes`` and ``<facility>_name`` (and the airport's ``airport_iata``, ``airport_traffic``).
        NaN where nothing is reachable.
    """
    import pandas as pd

    from geoaccess.national.access import point_row, times_from_point

    rows = []
    top = max(params.thresholds_minutes) * 60.0
    for k in np.asarray(towns, dtype=np.int64):
        rec: dict[str, Any] = {"town": int(k)}
        row = point_row(inputs.prep, inputs.towns, int(k))
        t = times_from_point(inputs.prep, inputs.towns, int(k), inputs.cells, row=row, cutoff_s=top,
                             access_speed_mps=params.access_speed_mps, links=inputs.links)
        snapped = inputs.towns.edge[k] >= 0
        for m in params.thresholds_minutes:
            within = t <= m * 60.0
            tag = f"{m:g}"
            rec[f"residents_within_{tag}_minutes"] = float(inputs.population[within].sum()) if snapped else np.nan
            rec[f"jobs_within_{tag}_minutes"] = float(inputs.jobs[within].sum()) if snapped else np.nan
        for name, (points, labels, extra) in inputs.facilities.items():
            ft = times_from_point(inputs.prep, inputs.towns, int(k), points, row=row,
                                  access_speed_mps=params.access_speed_mps, links=inputs.links)
            j = int(np.argmin(ft)) if len(ft) else -1
            ok = j >= 0 and np.isfinite(ft[j])
            rec[f"{name}_minutes"] = float(ft[j] / 60.0) if ok else np.nan
            rec[f"{name}_name"] = str(labels[j]) if ok else None
            for col, values in extra.items():
                rec[col] = str(values[j]) if ok else None
        rows.append(rec)
    return pd.DataFrame(rows)


def omland_inputs(prep: Any, towns: gpd.GeoDataFrame, prepared: Any, *, access_speed_kmh: float = 30.0,
                  max_snap_m: float = 20_000.0, heliports: bool = False) -> tuple[OmlandInputs, dict[str, Any]]:
    """Snap the towns and the facilities; reuse the snapped cells of the centrality inputs.

    Parameters
    ----------
    prep
        Prepared car network.
    towns
        Town points (``target_towns`` output) in any CRS, one per row.
    prepared
        :class:`geoaccess.national.centrality.CentralityInputs` (cells with residents and jobs, service units).
    access_speed_kmh, max_snap_m
        Straight legs and snapping, as the national matrices.
    heliports
        Count heliports as airports.

    Returns
    -------
    (inputs, report)
        The inputs, and counts of facilities (and of those without coordinates or beyond the snap distance).
    """
    from geoaccess.national import routing
    from geoaccess.national.access import link_seconds, snapped_points
    from geoaccess.strategy.facilities import read_airports, read_railway_stations

    net = prep.net

    def snap(gdf: gpd.GeoDataFrame) -> Any:
        g = gdf.to_crs(net.crs)
        x, y = g.geometry.x.to_numpy(), g.geometry.y.to_numpy()
        s = routing.snap(net, x, y, ids=np.arange(len(g)), max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
        return snapped_points(net, s, x, y)

    svc = prepared.services
    gisco = svc["source"].astype(str).str.startswith("gisco")
    airports = read_airports(heliports=heliports)
    stations = read_railway_stations()
    sets = {
        "nav_office": svc[svc["service"] == "nav_office"],
        "district_court": svc[svc["service"] == "district_court"],
        "healthcare": svc[gisco],
        "airport": airports,
        "railway_station": stations,
    }
    facilities = {}
    report: dict[str, Any] = {}
    for name, g in sets.items():
        g = g.reset_index(drop=True)
        extra = {}
        if name == "airport":
            extra = {"airport_iata": g["iata"].to_numpy(dtype=object), "airport_traffic": g["traffic"].to_numpy(dtype=object)}
        sp = snap(g)
        facilities[name] = (sp, g["name"].astype(str).to_numpy(dtype=object), extra)
        report[name] = {"points": len(g), "unsnapped": int((~sp.snapped).sum()),
                        "without_position": int(g.attrs.get("n_without_position", 0)) if name in ("airport", "railway_station") else None}
    report["services"] = prepared.description["_meta"].get("services")
    if towns.geometry.isna().any():
        bad = towns.loc[towns.geometry.isna()]
        names = ", ".join(str(v) for v in bad.get("town_name", bad.index)[:5])
        msg = f"{int(towns.geometry.isna().sum())} town(s) have no position ({names}); give only towns with x,y."
        raise InputError(msg)
    cells = prepared.cells
    inputs = OmlandInputs(prep, prepared.inputs.cells, cells["population"].to_numpy(dtype=np.float64),
                          np.nan_to_num(cells["jobs"].to_numpy(dtype=np.float64)), snap(towns), facilities,
                          link_seconds(net))
    return inputs, report


def national_omland(
    towns: gpd.GeoDataFrame,
    *,
    prep: Any,
    prepared: Any,
    thresholds_minutes: tuple[float, ...] = (30.0, 45.0, 60.0, 90.0),
    folder: str | Path | None = None,
    client: Any = None,
    block_size: int = 8,
    heliports: bool = False,
    progress: Any = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """The omland table of ``towns`` (one row each, in their order).

    Parameters
    ----------
    towns
        Target towns (:func:`geoaccess.strategy.target_towns.target_towns` output, or its CSV with ``x, y``).
    prep
        Prepared car network.
    prepared
        :class:`geoaccess.national.centrality.CentralityInputs` of the same network and year.
    thresholds_minutes
        Car minutes of the residents and jobs columns.
    folder
        Block run folder (``run.json``, ``parts/``); temporary when ``None``.
    client
        A :class:`distributed.Client`, or ``None`` to run here.
    block_size
        Towns per block.
    heliports
        Count heliports as airports.
    progress
        ``progress(done, total, key)``.

    Returns
    -------
    (table, report)
        ``towns`` with the omland columns added, and a report (facility counts, the block run).
    """
    import tempfile

    import geopandas as gpd

    from geoaccess.engine.matrix import check_minutes
    from geoaccess.national.blocks import run_blocks

    th = tuple(sorted(check_minutes(thresholds_minutes, what="thresholds_minutes")))
    inputs, report = omland_inputs(prep, towns, prepared, heliports=heliports)
    n = len(towns)
    blocks = [(f"towns-{i:04d}", np.arange(i, min(i + block_size, n))) for i in range(0, n, max(1, int(block_size)))]
    description = {"towns": [str(v) for v in towns.get("town_id", towns.index)],
                   "towns_xy": np.round(np.column_stack([towns.geometry.x, towns.geometry.y]), 1).tolist(),
                   "centrality_inputs": {k: v for k, v in prepared.description.items() if k != "_meta"},
                   "thresholds_minutes": list(th), "heliports": bool(heliports)}
    tmp = None
    if folder is None:
        tmp = tempfile.TemporaryDirectory(prefix="geoaccess-omland-")
        folder = tmp.name
    try:
        run = run_blocks(omland_block, blocks, inputs=inputs, params=OmlandParams(th, 30.0 / 3.6), folder=folder,
                         fingerprint_of=description, client=client, progress=progress)
        table = run.read().sort_values("town").reset_index(drop=True)
    finally:
        if tmp is not None:
            tmp.cleanup()
    out = towns.reset_index(drop=True).copy()
    for col in table.columns:
        if col != "town":
            out[col] = table[col].to_numpy()
    report["run"] = run.summary()
    return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=towns.crs), report
