"""SSB's centrality index on national data: every inhabited 250 m cell, blockwise, aggregated to municipalities.

Data flow (issue 15, item 1):

* **origins** — every inhabited cell of SSB's 2015 250 m grid, snapped to the N1000 car network
  (door to door as :mod:`geoaccess.national.matrix`); cells beyond ``max_snap_m`` are left out and counted;
* **jobs** — workplace totals of SSB table 03321 for ``year`` (the column sums), spread over each
  municipality's cells in proportion to residents (:func:`geoaccess.layers.jobs.jobs_to_grid`: a
  dasymetric assumption, recorded in the metadata); every job cell is a destination;
* **services** — Etatsbasen 2014 (NAV offices, district courts, town halls, libraries, police,
  universities, hospitals by name) and Eurostat GISCO healthcare sites 2020, classified by
  ``layers/services_vocabulary.csv`` (:mod:`geoaccess.layers.services`); units without coordinates
  are counted and reported;
* **access** — :func:`geoaccess.national.access.cell_access_block`, one block per municipality of origin
  cells, run by :func:`geoaccess.national.blocks.run_blocks` (Parquet parts, ``run.json``, resume, Dask);
* **index** — :func:`geoaccess.measures.centrality.centrality_from_access`: transform, 2/3 jobs and 1/3
  services per cell, population-weighted mean per municipality, Oslo = 1000, KLASS 128 classes.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import DataWarning, InputError
from geoaccess.national.blocks import fingerprint

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.network.graph import Network

__all__ = [
    "SERVICE_SOURCES",
    "CentralityInputs",
    "NationalCentrality",
    "centrality_inputs",
    "check_population_year",
    "national_centrality",
    "national_services",
]

SERVICE_SOURCES = ("etatsbasen", "healthcare")
"""The service registers of the national index: Etatsbasen 2014 and GISCO healthcare 2020."""


def check_population_year(population_year: Any, year: int, *, what: str = "municipal boundaries and jobs") -> str | None:
    """Warn (:class:`~geoaccess.errors.DataWarning`) when the grid's year differs from the analysis year.

    Returns the note (also for ``run.json``), or ``None`` when the years agree.
    """
    if population_year is None or int(population_year) == int(year):
        return None
    note = (f"The population grid is of {population_year} but the {what} are of {year}: residents are placed "
            f"where they lived in {population_year} (SSB's national grid in the shared data is 2015).")
    warnings.warn(note, DataWarning, stacklevel=3)
    return note


def national_services(sources: tuple[str, ...] = SERVICE_SOURCES) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """The service units of the national index and a report of what was left out.

    Returns
    -------
    (services, report)
        Units in one vocabulary (EPSG:25833) and ``{"sources": ..., "without_position": {source: count},
        "without_position_names": [...], "by_type": {service: count}}``. Units without coordinates are
        counted (and warned about by the readers), never silently dropped.
    """
    from geoaccess.layers.services import read_services

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        services = read_services(sources)
    for w in caught:  # re-emit: the caller sees the readers' counts
        warnings.warn(str(w.message), w.category, stacklevel=2)
    prov = services.attrs.get("provenance", [])
    report = {
        "sources": [p.get("source") for p in prov],
        "without_position": {p.get("source"): int(p.get("n_without_position", 0)) for p in prov},
        "without_position_names": [n for p in prov for n in p.get("without_position", [])],
        "by_type": {k: int(v) for k, v in services["service"].value_counts().sort_index().items()},
        "units": len(services),
    }
    return services, report


@dataclass(frozen=True)
class CentralityInputs:
    """Everything a national centrality run needs, prepared once (see :func:`centrality_inputs`).

    Attributes
    ----------
    inputs : geoaccess.national.access.AccessInputs
        The prepared network and snapped layers (shipped to each Dask worker once).
    params : geoaccess.national.access.AccessParams
        The block parameters.
    cells : pandas.DataFrame
        ``cell_id``, ``kommunenummer``, ``population``, ``jobs``, ``snapped``, ``snap_metres``, ``x``, ``y``.
    blocks : list of (str, numpy.ndarray)
        One block per municipality: its code and its cells' indices (largest first).
    description : dict
        The run's inputs and parameters (for the fingerprint and ``run.json``).
    services : geopandas.GeoDataFrame
        The service units used.
    """

    inputs: Any
    params: Any
    cells: Any
    blocks: list[tuple[str, np.ndarray]]
    description: dict[str, Any]
    services: Any


def _digest(*arrays: Any) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a)).tobytes() if not isinstance(a, str) else a.encode())
    return h.hexdigest()[:32]


def _boundary_year(year: int) -> int:
    from geoaccess.layers.crosswalk import division_year

    try:
        d = division_year(int(year))
    except InputError:
        d = 2020
    return d if d in (2020, 2024) else 2020


def centrality_inputs(
    network: Network | Any,
    *,
    year: int = 2020,
    config: Any = None,
    grid: gpd.GeoDataFrame | None = None,
    services: gpd.GeoDataFrame | None = None,
    service_report: dict[str, Any] | None = None,
    max_snap_m: float = 20_000.0,
    access_speed_kmh: float = 30.0,
    cache: bool = True,
) -> CentralityInputs:
    """Prepare the national run: cells with municipality and jobs, snapping, destinations, parameters.

    The prepared layers (cells placed in municipalities with their jobs, every cell and unit snapped)
    are cached in ``cache_dir()/national/`` by a key over the network fingerprint, the grid, the
    service units, the year and the options, so later runs (the omland table, the demo) load them
    in about a second.

    Parameters
    ----------
    network
        The N1000 car network, or a prepared one (:func:`geoaccess.national.routing.prepare`).
    year
        Year of the jobs (SSB 03321, 2017-2021) and of the municipal division (2020 codes for 2017-2023).
    config
        :class:`~geoaccess.measures.centrality.CentralityConfig` (default: the packaged ``centrality.toml``).
    grid
        Population cells (default: SSB's national 250 m grid, 2015).
    services
        Service units (default: :func:`national_services`).
    service_report
        The report of ``services`` (units without coordinates), recorded in the description.
    max_snap_m, access_speed_kmh
        Largest distance from a cell or unit to the road (metres) and the speed of the straight legs (km/h).
    cache
        Read and write the prepared layers in the cache.
    """
    import pandas as pd

    from geoaccess import __version__
    from geoaccess.engine.ch import network_fingerprint
    from geoaccess.layers.jobs import jobs_to_grid
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid
    from geoaccess.layers.services import SERVICES
    from geoaccess.measures.centrality import load_config
    from geoaccess.national import routing
    from geoaccess.national.access import AccessInputs, AccessParams, decay_table, snapped_points, targets

    cfg = config if config is not None else load_config()
    prep = network if isinstance(network, routing.Prepared) else routing.prepare(network)
    net = prep.net
    if grid is None:
        grid = read_ssb_grid(NATIONAL_GRID_250M, as_points=True)
    pop_year = grid.attrs.get("population_year")
    bdy = _boundary_year(year)
    year_note = check_population_year(pop_year, year)
    if services is None:
        services, service_report = national_services()
    key = fingerprint({
        "version": __version__, "network": network_fingerprint(net), "year": int(year), "boundary_year": bdy,
        "grid": _digest(grid["cell_id"].to_numpy().astype("U14"), grid["population"].to_numpy(np.float64)),
        "services": _digest(services["id"].to_numpy().astype(str).astype("U40"), services["service"].to_numpy().astype("U40")),
        "access": [cfg.horizon_minutes, dict(cfg.jobs_decay), dict(cfg.services_decay), cfg.services_mode],
        "max_snap_m": float(max_snap_m), "access_speed_kmh": float(access_speed_kmh),
    })
    cached = _load_cached(key) if cache else None
    if cached is not None:
        inputs = cached.inputs._replace(prep=prep)
        meta = {**cached.description["_meta"], "year_note": year_note, "cache": "loaded"}
        return CentralityInputs(inputs, cached.params, cached.cells, cached.blocks,
                                {**cached.description, "_meta": meta}, cached.services)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*probably covered only in part.*", category=DataWarning)
        cells_gdf = jobs_to_grid(grid, year=int(year), boundaries_year=bdy, nearest_within=20_000.0)
    jobs_meta = {k: v for k, v in cells_gdf.attrs["jobs"].items() if k != "per_municipality"}
    pts = cells_gdf.geometry.centroid
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    snapped = routing.snap(net, x, y, ids=np.arange(len(cells_gdf)), max_snap_m=max_snap_m,
                           access_speed_kmh=access_speed_kmh)
    cells_sp = snapped_points(net, snapped, x, y)
    jobs = np.nan_to_num(cells_gdf["jobs"].to_numpy(dtype=np.float64))
    types = tuple(t for t in SERVICES if t in set(services["service"]))
    if not types:
        msg = "No service units to measure access to (the service layers are empty)."
        raise InputError(msg)
    code = {t: i for i, t in enumerate(types)}
    svc = services.to_crs(net.crs)
    sx, sy = svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy()
    s_snapped = routing.snap(net, sx, sy, ids=np.arange(len(svc)), max_snap_m=max_snap_m,
                             access_speed_kmh=access_speed_kmh)
    svc_sp = snapped_points(net, s_snapped, sx, sy)
    kinds = svc["service"].map(code).to_numpy(dtype=np.float64)
    n_far = int((~s_snapped.snapped).sum())
    if n_far:
        warnings.warn(f"{n_far} service unit(s) lie farther than {max_snap_m:g} m from the road network and are "
                      "left out.", DataWarning, stacklevel=2)
    inputs = AccessInputs(prep, cells_sp, targets(net, cells_sp, jobs), targets(net, svc_sp, kinds),
                          targets(net, svc_sp, np.ones(len(svc))) if cfg.services_mode == "sum" else None)
    cutoff_s = float(cfg.horizon_minutes) * 60.0
    params = AccessParams(cutoff_s, 1.0, decay_table(cfg.decay("jobs"), cutoff_s=cutoff_s),
                          decay_table(cfg.decay("services"), cutoff_s=cutoff_s), types, cfg.services_mode,
                          access_speed_kmh / 3.6, 0)
    codes = cells_gdf["kommunenummer"].to_numpy(dtype=object)
    cells = pd.DataFrame({
        "cell_id": cells_gdf["cell_id"].astype(str).to_numpy(), "kommunenummer": codes,
        "population": cells_gdf["population"].to_numpy(dtype=np.float64), "jobs": cells_gdf["jobs"].to_numpy(),
        "snapped": snapped.snapped, "snap_metres": snapped.snap_metres, "x": x, "y": y,
    })
    placed = pd.Series(codes).notna().to_numpy()
    grouped = pd.Series(np.arange(len(cells)))[placed].groupby(codes[placed])
    blocks = sorted(((str(k), v.to_numpy(dtype=np.int32)) for k, v in grouped), key=lambda kv: (-len(kv[1]), kv[0]))
    description = {
        "network": network_fingerprint(net), "network_source": net.meta.get("source"),
        "grid": _digest(cells["cell_id"].to_numpy().astype("U14"), cells["population"].to_numpy()),
        "population_year": pop_year, "year": int(year), "boundary_year": bdy,
        "jobs": _digest(jobs), "services": _digest(svc["id"].to_numpy().astype(str).astype("U40"), sx, sy),
        # only what the blocks compute from (the transform, weights and classes apply afterwards: changing
        # them reuses the parts)
        "access": {k: v for k, v in cfg.as_dict().items()
                   if k in ("horizon_minutes", "jobs_decay", "services_decay", "services_mode")},
        "max_snap_m": float(max_snap_m), "access_speed_kmh": float(access_speed_kmh),
        "service_types": list(types),
    }
    meta = {
        "jobs": jobs_meta, "services": service_report or {"units": len(svc)},
        "services_unsnapped": n_far, "year_note": year_note,
        "cells": len(cells), "cells_unsnapped": int((~snapped.snapped).sum()),
        "residents_unsnapped": float(cells.loc[~cells["snapped"], "population"].sum()),
        "cells_without_municipality": int((~placed).sum()),
    }
    out = CentralityInputs(inputs, params, cells, blocks, {**description, "_meta": meta}, svc)
    if cache:
        _save_cached(key, out)
    return out


def _cache_path(key: str) -> Path:
    from geoaccess.datasets import cache_dir

    return cache_dir() / "national" / f"centrality-inputs-{key[:32]}.pkl"


def _load_cached(key: str) -> CentralityInputs | None:
    import pickle

    p = _cache_path(key)
    if not p.is_file():
        return None
    try:
        with open(p, "rb") as fh:
            obj = pickle.load(fh)  # noqa: S301 - our own cache file, named by a content key
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        return None
    return obj if isinstance(obj, CentralityInputs) else None


def _save_cached(key: str, prepared: CentralityInputs) -> None:
    import pickle

    from geoaccess.errors import CacheWarning, OutputError
    from geoaccess.report.atomic import atomic_path

    slim = CentralityInputs(prepared.inputs._replace(prep=None), prepared.params, prepared.cells, prepared.blocks,
                            prepared.description, prepared.services)
    try:
        with atomic_path(_cache_path(key)) as tmp, open(tmp, "wb") as fh:
            pickle.dump(slim, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OutputError as exc:
        warnings.warn(f"The prepared national layers could not be cached ({exc}); the run goes on without.",
                      CacheWarning, stacklevel=3)


@dataclass
class NationalCentrality:
    """Result of :func:`national_centrality`.

    Attributes
    ----------
    municipalities : pandas.DataFrame
        ``kommunenummer``, ``kommunenavn``, ``index``, ``class``, ``jobs_component`` and ``services_component``
        (index points; they add up to ``index``), ``jobs_score``, ``services_score`` (0-1), ``jobs_access``,
        ``services_access`` (population-weighted raw access), ``population`` (residents of the cells used),
        ``cells``, ``jobs`` (03321 jobs of the municipality), ``population_year``, ``year``.
    cells : pandas.DataFrame
        Per cell: the inputs and ``jobs_access``, ``services_access``, ``<type>_minutes``.
    run : geoaccess.national.blocks.BlockRun
        The block run (folder, finished and failed blocks).
    meta : dict
        Inputs, parameters, counts (cells left out, services without coordinates), the transform's maxima.
    """

    municipalities: Any
    cells: Any
    run: Any
    meta: dict[str, Any] = field(default_factory=dict)


def national_centrality(
    network: Network | Any,
    *,
    year: int = 2020,
    config: Any = None,
    prepared: CentralityInputs | None = None,
    folder: str | Path | None = None,
    client: Any = None,
    progress: Any = None,
    stop_after: int | None = None,
) -> NationalCentrality:
    """The SSB-style centrality index of every municipality from every inhabited 250 m cell.

    Parameters
    ----------
    network
        N1000 car network (or prepared). Ignored when ``prepared`` is given.
    year
        Jobs year (SSB 03321) and municipal division (2020 codes for 2017-2023, 2024 for 2024).
    config
        Index parameters (default ``centrality.toml``).
    prepared
        The output of :func:`centrality_inputs` (to reuse across runs).
    folder
        Block run folder (``run.json``, ``parts/``); a temporary folder when ``None`` (no resume).
    client
        A :class:`distributed.Client` (LocalCluster or an existing cluster); ``None`` runs in this process.
    progress
        ``progress(done, total, key)`` after each block.
    stop_after
        Stop after this many newly computed blocks (an interruption; the result is then partial and
        :class:`~geoaccess.errors.InputError` is raised when aggregating).

    Returns
    -------
    NationalCentrality
    """
    import tempfile

    import pandas as pd

    from geoaccess.layers.crosswalk import municipality_names
    from geoaccess.layers.commuting import jobs_by_workplace, load_flows
    from geoaccess.measures.centrality import centrality_from_access, load_config
    from geoaccess.national.access import cell_access_block
    from geoaccess.national.blocks import run_blocks

    cfg = config if config is not None else load_config()
    prep_in = prepared if prepared is not None else centrality_inputs(network, year=year, config=cfg)
    description = {k: v for k, v in prep_in.description.items() if k != "_meta"}
    tmp = None
    if folder is None:
        tmp = tempfile.TemporaryDirectory(prefix="geoaccess-centrality-")
        folder = tmp.name
    try:
        run = run_blocks(cell_access_block, prep_in.blocks, inputs=prep_in.inputs, params=prep_in.params,
                         folder=folder, fingerprint_of=description, client=client, progress=progress,
                         stop_after=stop_after)
        if not run.complete:
            msg = (f"The block run in {folder} is incomplete ({len(run.finished)} of {len(run.keys)} blocks); "
                   f"rerun to resume.")
            raise InputError(msg)
        access = run.read()
    finally:
        if tmp is not None:
            tmp.cleanup()
    cells = prep_in.cells.copy()
    for col in access.columns:
        if col != "cell":
            cells[col] = np.nan
            cells.loc[access["cell"].to_numpy(), col] = access[col].to_numpy()
    used = cells["snapped"].to_numpy() & cells["kommunenummer"].notna().to_numpy()
    res = centrality_from_access(cells.loc[used, "jobs_access"].to_numpy(), cells.loc[used, "services_access"].to_numpy(),
                                 population=cells.loc[used, "population"].to_numpy(),
                                 units=cells.loc[used, "kommunenummer"].to_numpy(), config=cfg)
    attrs = dict(res.attrs)
    res = res.rename(columns={"unit": "kommunenummer", "origins": "cells"})
    scale = cfg.scale_max / attrs["top_value"] if attrs["top_value"] > 0 else 0.0
    wsum = cfg.weight_jobs + cfg.weight_services
    res["jobs_component"] = scale * cfg.weight_jobs / wsum * res["jobs_score"]
    res["services_component"] = scale * cfg.weight_services / wsum * res["services_score"]
    bdy = int(description["boundary_year"])
    names = municipality_names(bdy)
    res.insert(1, "kommunenavn", res["kommunenummer"].map(names).fillna(""))
    jobs = jobs_by_workplace(load_flows(int(year)))
    if bdy != int(year) and not (2020 <= int(year) <= 2023 and bdy == 2020):
        from geoaccess.layers.crosswalk import recode_values

        jobs = recode_values(jobs.astype(float), from_year=int(year), to_year=bdy)
    res["jobs"] = res["kommunenummer"].map(jobs).astype(float)
    res["population_year"] = description["population_year"]
    res["year"] = int(year)
    order = ["kommunenummer", "kommunenavn", "index", "class", "jobs_component", "services_component", "jobs_score",
             "services_score", "jobs_access", "services_access", "population", "cells", "jobs", "population_year",
             "year"]
    res = res[order]
    missing = sorted(set(names.index) - set(res["kommunenummer"]))
    meta = {**prep_in.description["_meta"], "description": description, "config": cfg.as_dict(),
            "run": run.summary(),
            "maxima": attrs.get("maxima"), "municipalities_without_cells": missing,
            "method": attrs.get("method")}
    if missing:
        warnings.warn(f"{len(missing)} municipality(ies) have no snapped inhabited cell and get no index: "
                      f"{', '.join(missing)}.", DataWarning, stacklevel=2)
    return NationalCentrality(res.reset_index(drop=True), cells, run, meta)
