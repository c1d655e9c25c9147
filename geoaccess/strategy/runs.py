"""The three national runs end to end — index, target towns, omland table — as the CLI and the demo call them.

Each function takes paths and options, runs the computation (:mod:`geoaccess.national.centrality`,
:mod:`geoaccess.strategy.target_towns`, :mod:`geoaccess.strategy.omland`), writes the outputs
(:mod:`geoaccess.strategy.report`) and returns a summary dict (also in the folder's ``run.json``).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geoaccess.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_NETWORK", "load_car_network", "run_centrality", "run_omland", "run_target_towns"]

DEFAULT_NETWORK = "roads/kartverket_n1000_veglenke_2025.gpkg"
"""The national car network: Kartverket N1000 (built once and cached)."""


def load_car_network(network: str | Path = DEFAULT_NETWORK) -> Any:
    """The prepared car network: a ``network.npz`` (or its folder), or the N1000 source (built and cached)."""
    from geoaccess.national import routing

    p = Path(network)
    if (p / "network.npz").is_file() or p.suffix == ".npz":
        from geoaccess.cli._common import load_network

        net = load_network(str(network), "car")
    else:
        from geoaccess.network.build import build_network

        with warnings.catch_warnings():  # the build's notes (islands, quays) are in docs/national.md
            warnings.simplefilter("ignore", UserWarning)
            net = build_network(str(network), mode="car", kind="n1000")
    if net.mode != "car":
        msg = f"{network} is a {net.mode!r} network; the national runs need the car network."
        raise InputError(msg)
    return routing.prepare(net)


def _pre2017(prep: Any, year: int) -> tuple[pd.DataFrame, Any]:
    from geoaccess.layers.centres import municipality_centres
    from geoaccess.layers.population import NATIONAL_GRID_250M, read_ssb_grid
    from geoaccess.layers.towns import national_towns
    from geoaccess.national.pre2017 import pre2017_levels

    towns = national_towns(year)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*farther than.*from every municipality.*")
        centres = municipality_centres(year, read_ssb_grid(NATIONAL_GRID_250M), rule="densest")
    return pre2017_levels(prep, centres, towns.towns), towns


def run_centrality(
    network: str | Path = DEFAULT_NETWORK,
    *,
    year: int = 2020,
    out: str | Path,
    config: str | Path | None = None,
    klass: str | Path | None = None,
    klass_year: int | None = None,
    client: Any = None,
    maps: bool = True,
    progress: Any = None,
    prep: Any = None,
    blocks: str | Path | None = None,
) -> dict[str, Any]:
    """``geoaccess centrality``: the index of every municipality, the pre-2017 levels, official classes if given.

    Writes ``centrality.csv``, ``centrality.gpkg``, ``centrality.png``, ``centrality.html``,
    ``centrality_pre2017.csv``, ``centrality_vs_pre2017.csv``, ``centrality_classes.csv`` (the table
    ``geoaccess locate --centrality`` reads: official classes where given), ``run.json`` and the block run
    in ``OUT/blocks/`` (or ``blocks``; resumed on a rerun).
    """
    from geoaccess.measures.centrality import load_config
    from geoaccess.national.centrality import centrality_inputs, national_centrality
    from geoaccess.national.pre2017 import level_table
    from geoaccess.strategy.klass import compare_classes, official_classes, read_klass_128, site_classes
    from geoaccess.strategy.report import write_centrality

    t0 = time.perf_counter()
    out = Path(out)
    cfg = load_config(config)
    official = None
    if klass is not None:  # read first: a bad file fails before the long run
        official = read_klass_128(klass, year=klass_year)
    prep = prep if prep is not None else load_car_network(network)
    t_net = time.perf_counter()
    ci = centrality_inputs(prep, year=year, config=cfg)
    t_in = time.perf_counter()
    res = national_centrality(prep, year=year, config=cfg, prepared=ci, folder=Path(blocks) if blocks else out / "blocks",
                              client=client, progress=progress)
    t_run = time.perf_counter()
    bdy = int(ci.description["boundary_year"])
    levels, _ = _pre2017(prep, bdy)
    tab, stats = level_table(res.municipalities, levels)
    comparison = summary_cmp = None
    if official is not None:
        official = official_classes(official, to_year=bdy)
        comparison, summary_cmp = compare_classes(res.municipalities, official)
    sites = site_classes(res.municipalities, official)
    m = res.municipalities
    oslo = m.loc[m["kommunenummer"] == "0301", "index"]
    lowest = m.nsmallest(5, "index")[["kommunenummer", "kommunenavn", "index"]]
    summary = {
        "command": "centrality", "year": int(year), "boundary_year": bdy,
        "population_year": ci.description["population_year"],
        "municipalities": len(m), "oslo_index": float(oslo.iloc[0]) if len(oslo) else None,
        "top": m.iloc[0][["kommunenummer", "kommunenavn"]].tolist(),
        "lowest": lowest.to_dict("records"), "all_finite": bool(np.isfinite(m["index"]).all()),
        "classes": {int(k): int(v) for k, v in m["class"].value_counts().sort_index().items()},
        "pre2017": {"levels": {int(k): int(v) for k, v in levels["pre2017_level"].value_counts().sort_index().items()},
                    **stats, "table": tab.reset_index().to_dict("records")},
        "official": summary_cmp, "config": cfg.as_dict(), "inputs": res.meta,
        "seconds": {"network": round(t_net - t0, 2), "inputs": round(t_in - t_net, 2),
                    "blocks_and_index": round(t_run - t_in, 2)},
    }
    paths = write_centrality(out, m, boundary_year=bdy, levels=levels, level_table=tab, sites=sites,
                             comparison=comparison, run=summary, maps=maps)
    summary["seconds"]["outputs"] = round(time.perf_counter() - t_run, 2)
    summary["seconds"]["total"] = round(time.perf_counter() - t0, 2)
    summary["paths"] = {k: str(v) for k, v in paths.items()}
    from geoaccess.strategy.report import write_run_json

    write_run_json(out / "run.json", summary)
    return summary


def _output_file(path: str | Path, name: str, *, option: str, command: str) -> Path:
    """``path`` itself, or the file ``name`` in the folder ``path`` (an earlier command's output)."""
    p = Path(path)
    if p.is_dir():
        p = p / name
    if not p.is_file():
        msg = f"{option} {path}: no {name} there (write one with `{command}`)."
        raise InputError(msg)
    return p


def _centrality_table(centrality: str | Path) -> pd.DataFrame:
    import pandas as pd

    p = _output_file(centrality, "centrality.csv", option="--centrality",
                     command="geoaccess centrality NETWORK --out DIR")
    t = pd.read_csv(p, dtype={"kommunenummer": str})
    need = {"kommunenummer", "index", "class"}
    if need - set(t.columns):
        msg = f"{p}: needs columns {sorted(need)}; it has {list(t.columns)}."
        raise InputError(msg)
    t["kommunenummer"] = t["kommunenummer"].str.zfill(4)
    return t


def run_target_towns(
    regions: str | Path,
    *,
    out: str | Path,
    centrality: str | Path | None = None,
    network: str | Path = DEFAULT_NETWORK,
    rules: str | Path | None = None,
    klass: str | Path | None = None,
    klass_year: int | None = None,
    maps: bool = True,
    prep: Any = None,
) -> dict[str, Any]:
    """``geoaccess target-towns``: one centre town per region with its verdict (see :mod:`geoaccess.strategy.target_towns`).

    ``centrality`` is a ``geoaccess centrality`` output folder (or its ``centrality.csv``); without it the index
    is computed here on the national network (``OUT/centrality/``).
    """
    from geoaccess.layers.towns import national_towns, town_polygons
    from geoaccess.strategy.klass import official_classes, read_klass_128
    from geoaccess.strategy.report import write_target_towns
    from geoaccess.strategy.target_towns import _year_of_codes, load_rules, read_regionalisation, target_towns

    t0 = time.perf_counter()
    out = Path(out)
    r = load_rules(rules)
    membership, regions_table = read_regionalisation(regions)
    year = _year_of_codes(set(membership["kommunenummer"]))
    prep = prep if prep is not None else load_car_network(network)
    official = None
    if klass is not None:
        official = official_classes(read_klass_128(klass, year=klass_year), to_year=year)
    if centrality is None:
        if year != 2020:
            msg = (f"The regions use {year} codes, but the index is computed in the 2020 division (the jobs of SSB "
                   f"03321 2017-2021); run the regions in 2020 codes, or give --centrality for the regions' codes.")
            raise InputError(msg)
        run_centrality(year=2020, out=out / "centrality", maps=False, prep=prep)
        centrality = out / "centrality"
    cen = _centrality_table(centrality)
    unknown = sorted(set(membership["kommunenummer"]) - set(cen["kommunenummer"]))
    if unknown:
        msg = (f"The centrality table {centrality} lacks {len(unknown)} municipalities of the regions "
               f"({', '.join(unknown[:8])}): the two use different municipal divisions; compute the index for the regions' codes.")
        raise InputError(msg)
    towns = national_towns(year)
    tt = target_towns(membership, towns=towns, centrality=cen, prep=prep, rules=r, official=official,
                      regions_table=regions_table, year=year)
    polygons = town_polygons(towns, town_ids=tt["town_id"].dropna())
    summary = {"command": "target-towns", "regions_source": membership.attrs.get("source"), "year_codes": year,
               "centrality_source": str(centrality), **tt.attrs["summary"],
               "official_classes": official.attrs.get("source") if official is not None else None,
               "class_differs": int(tt["class_differs"].sum()) if "class_differs" in tt.columns else None}
    paths = write_target_towns(out, tt, polygons=polygons, membership=membership, year=year, run=summary, maps=maps)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    summary["paths"] = {k: str(v) for k, v in paths.items()}
    from geoaccess.strategy.report import write_run_json

    write_run_json(out / "run.json", summary)
    return summary


def _towns_table(towns: str | Path, *, include_all: bool) -> Any:
    import geopandas as gpd
    import pandas as pd
    import shapely

    p = _output_file(towns, "target_towns.csv", option="--towns",
                     command="geoaccess target-towns --regions DIR --out DIR")
    t = pd.read_csv(p, dtype={"region": str, "centre_municipality": str, "town_kommunenummer": str})
    need = {"town_name", "x", "y"}
    if need - set(t.columns):
        msg = f"{p}: needs columns {sorted(need)} (a target_towns.csv); it has {list(t.columns)[:12]}..."
        raise InputError(msg)
    if not include_all and "included" in t.columns:
        t = t[t["included"].astype(str).str.lower().isin(["true", "1"])]
    t = t[t["x"].notna() & t["y"].notna()].reset_index(drop=True)
    if t.empty:
        msg = f"{p}: no towns with a position to compute the omland of."
        raise InputError(msg)
    return gpd.GeoDataFrame(t, geometry=shapely.points(t["x"].to_numpy(), t["y"].to_numpy()), crs="EPSG:25833")


def run_omland(
    towns: str | Path,
    *,
    out: str | Path,
    network: str | Path = DEFAULT_NETWORK,
    year: int = 2020,
    thresholds_minutes: tuple[float, ...] = (30.0, 45.0, 60.0, 90.0),
    include_all: bool = False,
    heliports: bool = False,
    client: Any = None,
    maps: bool = True,
    prep: Any = None,
) -> dict[str, Any]:
    """``geoaccess omland``: the national omland table of the target towns (see :mod:`geoaccess.strategy.omland`)."""
    from geoaccess.national.centrality import centrality_inputs
    from geoaccess.strategy.omland import national_omland
    from geoaccess.strategy.report import write_omland, write_run_json

    t0 = time.perf_counter()
    out = Path(out)
    table = _towns_table(towns, include_all=include_all)
    prep = prep if prep is not None else load_car_network(network)
    t_net = time.perf_counter()
    ci = centrality_inputs(prep, year=year)
    t_in = time.perf_counter()
    om, report = national_omland(table, prep=prep, prepared=ci, thresholds_minutes=thresholds_minutes,
                                 folder=out / "blocks", client=client, heliports=heliports)
    t_run = time.perf_counter()
    th = tuple(sorted(float(m) for m in thresholds_minutes))
    summary = {"command": "omland", "towns_source": str(towns), "towns": len(om), "year": int(year),
               "population_year": ci.description["population_year"], "thresholds_minutes": list(th),
               "facilities": report, "jobs": ci.description["_meta"].get("jobs", {}).get("assumption"),
               "seconds": {"network": round(t_net - t0, 2), "inputs": round(t_in - t_net, 2),
                           "table": round(t_run - t_in, 2)}}
    paths = write_omland(out, om, thresholds_minutes=th, run=summary, maps=maps)
    summary["seconds"]["outputs"] = round(time.perf_counter() - t_run, 2)
    summary["seconds"]["total"] = round(time.perf_counter() - t0, 2)
    summary["paths"] = {k: str(v) for k, v in paths.items()}
    write_run_json(out / "run.json", summary)
    return summary
