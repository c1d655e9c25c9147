"""User story: a transport planner asks what E39 Rogfast does to the labour markets of Rogaland.

Rogfast — subsea road tunnels Randaberg – Kvitsøy – Bokn replacing the Mortavika – Arsvågen car
ferry — is a real project on Kartverket's N1000 map (six planned links of road E39).
:func:`rogfast_demo` runs :func:`geoaccess.regions.regionforstorring.regionforstorring` on the
national data (N1000 car and boat networks, SSB 2015 grid, 2021 commuting flows) with
``scenarios/rogfast.toml`` and writes the tables, the GeoPackage and the change maps.

The computation (about 30 s) is cached in ``cache_dir()/regionforstorring/``, keyed by the
networks' cache keys, the scenario, the flows file's SHA-256 and the package version, so the
demo's second run only writes the outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

__all__ = ["FLOWS", "rogfast_demo", "rogfast_result"]

FLOWS = "commuting/pendling_03321_2021.csv"
_N1000 = "roads/kartverket_n1000_veglenke_2025.gpkg"
_BOAT = "roads/kartverket_n1000_annenbatrute_2025.gpkg"
_FRAMES = ("municipalities", "regions", "centres", "membership", "travel_times")


def _key(net: Any, boat: Any, spec: Any, flows: Path) -> str:
    from geoaccess import __version__
    from geoaccess.datasets import sha256sum

    text = json.dumps([net.meta.get("cache_key"), boat.meta.get("cache_key"), spec.to_dict()["edits"],
                       sha256sum(flows), __version__], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _load(folder: Path) -> Any:
    import geopandas as gpd
    import pandas as pd

    from geoaccess.regions.regionforstorring import RegionforstorringResult

    frames = {n: pd.read_parquet(folder / f"{n}.parquet") for n in _FRAMES}
    return RegionforstorringResult(cells=gpd.read_parquet(folder / "cells.parquet"),
                                   edges=gpd.read_parquet(folder / "edges.parquet"), **frames,
                                   meta=json.loads((folder / "meta.json").read_text(encoding="utf-8")))


def _store(result: Any, folder: Path) -> None:
    from geoaccess.report.atomic import atomic_path

    folder.mkdir(parents=True, exist_ok=True)
    for name in (*_FRAMES, "cells", "edges"):
        with atomic_path(folder / f"{name}.parquet") as tmp:
            getattr(result, name).to_parquet(tmp, index=False)
    with atomic_path(folder / "meta.json") as tmp:
        tmp.write_text(json.dumps(result.meta, default=str), encoding="utf-8")


def rogfast_result(*, cache: bool = True) -> Any:
    """The Rogfast :class:`~geoaccess.regions.regionforstorring.RegionforstorringResult` (computed or cached)."""
    from geoaccess.datasets import cache_dir, fetch
    from geoaccess.errors import CacheWarning, DataWarning
    from geoaccess.network.build import build_network
    from geoaccess.regions.regionforstorring import regionforstorring
    from geoaccess.scenario.demo import scenario_dir
    from geoaccess.scenario.spec import read_spec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the N1000 build's islands and roadless quays (docs/national.md)
        net = build_network(_N1000, mode="car", kind="n1000")
        boat = build_network(_N1000, mode="boat", kind="n1000", boat_routes=str(fetch(_BOAT)))
    spec = read_spec(scenario_dir() / "rogfast.toml")
    flows = fetch(FLOWS)
    folder = cache_dir() / "regionforstorring" / _key(net, boat, spec, flows)
    if cache and (folder / "meta.json").is_file():
        try:
            result = _load(folder)
            result.meta["from_cache"] = str(folder)
            return result
        except (OSError, ValueError) as exc:
            warnings.warn(f"{folder}: unreadable cached result ({exc}); computing it again.", CacheWarning,
                          stacklevel=2)
    result = regionforstorring(net, spec, flows=flows, boat_net=boat)
    if cache:
        try:
            _store(result, folder)
        except OSError as exc:
            warnings.warn(f"{folder}: cannot cache the Rogfast result ({exc}).", CacheWarning, stacklevel=2)
    return result


def rogfast_demo(out_dir: str | os.PathLike[str], *, cache: bool = True) -> dict[str, Any]:
    """Run (or read from the cache) the Rogfast analysis and write its outputs to ``out_dir``.

    Returns
    -------
    dict
        Key numbers: jobs within 45/60 minutes (population-weighted) before and after for Kvitsøy,
        Bokn, Stavanger, Haugesund and the BA-regions of the study area; Stavanger–Haugesund and
        Kvitsøy–Stavanger minutes; municipalities that change BA-region; seconds; files.
    """
    from geoaccess.regions.regionforstorring_output import write_regionforstorring

    t0 = time.perf_counter()
    result = rogfast_result(cache=cache)
    t_compute = time.perf_counter() - t0
    files = write_regionforstorring(result, out_dir, map_thresholds_minutes=(60,))
    mun = result.municipalities.set_index("kommunenummer")

    def measure(row: Any) -> dict[str, float]:
        return {f"jobs_{t}min_{w}": round(float(row[f"jobs_{t}min_{w}"])) for t in (45, 60) for w in ("before", "after")}

    tt = result.travel_times.set_index(["origin", "destination"])
    pairs = {"Stavanger-Haugesund": ("1103", "1106"), "Kvitsøy-Stavanger": ("1144", "1103"),
             "Bokn-Stavanger": ("1145", "1103")}
    moved = result.membership.loc[result.membership["moved"], "kommunenavn"].tolist()
    return {
        "municipalities": {mun.loc[c, "kommunenavn"]: measure(mun.loc[c]) for c in ("1144", "1145", "1103", "1106")},
        "regions": {r.region_name: {f"jobs_60min_{w}": round(getattr(r, f"jobs_60min_{w}")) for w in ("before", "after")}
                    for r in result.regions.itertuples()},
        "minutes": {k: [round(float(tt.loc[v, "minutes_before"]), 1), round(float(tt.loc[v, "minutes_after"]), 1)]
                    for k, v in pairs.items()},
        "ba_regions_before_after": [result.meta["ba_regions_before"], result.meta["ba_regions_after"]],
        "municipalities_changing_region": moved,
        "flows_note": result.meta["flows_note"],
        "compute_seconds": round(t_compute, 2),
        "from_cache": bool(result.meta.get("from_cache")),
        "files": {k: str(v) for k, v in files.items()},
    }
