"""``geoaccess demo``: the main job on the bundled real data, end to end.

network → snapped layers → travel times → measure → output. First a small town and its
hinterland: Hamar on its full NVDB network stitched into the national N1000 network (omland,
service coverage, state-office siting, a Mjøsa crossing); then eastern Oslo as the urban
walking case (OSM roads, SSB 250 m population grid, upper-secondary schools, NAV offices and
healthcare sites), national commuting flows (BA-regions / labour-market areas), Ruter's NeTEx
timetables for Øvre Romerike and the national layer. Every output goes to one folder, with a
``run.json`` recording versions, data hashes and timings.
"""

from __future__ import annotations

import json
import platform
import time
import warnings
from pathlib import Path
from typing import Any

import typer

from geoaccess.cli import app
from geoaccess.cli._common import print_warnings

_OSLO_EAST = "osm/oslo-east-filtered.osm.pbf"
_SCHOOLS = "services/oslo_upper_secondary_schools_2024.geojson"
_GRID_OSLO = "population/befolkning_250m_2023_oslo.shp"


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("out/demo"), "--out", help="Folder for every output of the demo."),
) -> None:
    """Run the main analysis on the bundled real data and write maps, tables and run.json to OUT."""
    from rich.console import Console

    console = Console()
    out.mkdir(parents=True, exist_ok=True)
    run: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "steps": {}}
    console.rule(f"[bold]geoaccess demo → {out.resolve()}")

    steps = (
        ("hamar", "A small town and its hinterland: Hamar (NVDB) stitched into N1000 — omland, services, "
                  "office siting, a Mjøsa crossing", _step_hamar),
        ("networks", "Road networks of eastern Oslo (OSM, car and walk)", _step_networks),
        ("school_catchments", "Catchments (omland) of Oslo east's upper-secondary schools", _step_school_catchments),
        ("service_coverage", "Who is beyond reach: walking coverage of schools, NAV and healthcare", _step_coverage),
        ("office_sites", "Siting a 50-job state office, and 3 schools by MCLP (lokalisering)", _step_location),
        ("regionforstorring", "Regionforstørring: a hypothetical new link, before and after", _step_scenario),
        ("labour_market_regions", "Labour-market regions (BA-regioner) from 2021 commuting", _step_regions),
        ("transit_ovre_romerike", "Public transport from Jessheim (NeTEx, Øvre Romerike)", _step_transit),
        ("national", "The national layer: N1000 roads and ferries, municipality matrix, regional centres", _step_national),
        ("rogfast", "Regionforstørring between regions: E39 Rogfast (N1000, before and after)", _step_rogfast),
        ("strategy", "Småbystrategien nationally: centrality index, target towns, omland table", _step_strategy),
    )
    context: dict[str, Any] = {}
    for key, title, func in steps:
        console.rule(f"[bold cyan]{title}")
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = func(out, console, context)
        print_warnings(caught)
        run["steps"][key] = {"title": title, "seconds": round(time.perf_counter() - t0, 2), **result}
    _write_run_json(out, run)
    console.rule("[bold green]done")
    console.print(f"Outputs in {out.resolve()}; provenance and timings in {out / 'run.json'}")


# --------------------------------------------------------------------------- steps
def _step_hamar(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from geoaccess.examples.hamar import hamar_analysis, print_summary

    summary = hamar_analysis(out / "hamar", progress=True)
    print_summary(summary, console)
    return {"summary": summary}


def _step_networks(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from rich.table import Table

    from geoaccess.network.build import build_network

    table = Table(title="Eastern Oslo networks (largest strongly connected component, degree-2 simplified)")
    for col in ("mode", "nodes", "edges", "components", "km of edges", "CRS"):
        table.add_column(col, justify="right")
    summaries = {}
    for mode in ("car", "walk"):
        net = build_network(_OSLO_EAST, mode=mode, progress=True)
        context[f"net_{mode}"] = net
        s = net.summary()
        summaries[mode] = s
        table.add_row(mode, f"{s['nodes']:,}", f"{s['edges']:,}", str(s["components"]), f"{s['edge_km']:,.1f}", s["crs"])
        net.to_npz(str(out / f"oslo_east_{mode}.npz"))
    console.print(table)
    return {"summaries": summaries}


def _network_hull(net: Any) -> Any:
    """Convex hull of the network's nodes: the area the extract covers."""
    import shapely

    return shapely.convex_hull(shapely.multipoints(net.xy))


def _oslo_east_schools(net: Any) -> Any:
    """Oslo's public upper-secondary schools that lie inside the network's extent.

    The register holds addresses only, so a school is named by its street address.
    """
    from geoaccess.layers.services import read_oslo_upper_secondary

    schools = read_oslo_upper_secondary().to_crs(net.crs)
    inside = schools[schools.within(_network_hull(net))].copy()
    inside["school"] = inside["name"].astype(str)
    inside = inside.drop_duplicates("school").reset_index(drop=True)
    return inside[["school", "geometry"]]


def _step_school_catchments(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    import geopandas as gpd
    import pandas as pd
    from rich.table import Table

    from geoaccess.engine.catchment import write_catchments
    from geoaccess.engine.counting import COUNTING_RULE
    from geoaccess.engine.router import Router
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.report.atomic import write_table
    from geoaccess.report.maps import html_map, png_map

    grid = read_ssb_grid(_GRID_OSLO)
    # Only cells whose centre lies inside the OSM extract: beyond it the network is missing,
    # and a cell there would be reached through an access walk of up to max_snap_m.
    grid = grid[grid.geometry.centroid.within(_network_hull(context["net_walk"]))].reset_index(drop=True)
    minutes = (10, 20, 30)
    tables, polys = [], []
    schools = _oslo_east_schools(context["net_walk"])
    for mode in ("walk", "car"):
        router = Router.for_network(context[f"net_{mode}"])
        origins = router.snap(schools, id_column="school", what="schools")
        cells = router.snap(grid, id_column="cell_id", what="cells", warn=False)
        poly = router.catchments(origins, thresholds_minutes=minutes, progress=True)
        poly["mode"] = mode
        polys.append(poly)
        pop = router.reached(origins, cells, {"population": grid["population"].to_numpy(dtype=float)},
                             thresholds_minutes=minutes)
        pop["mode"] = mode
        tables.append(pop)
    poly_all = gpd.GeoDataFrame(pd.concat(polys, ignore_index=True), crs=polys[0].crs)
    pop_all = pd.concat(tables, ignore_index=True)
    write_catchments(poly_all, out / "school_catchments.gpkg")
    write_table(pop_all, out / "school_catchments_population.csv")
    walk20 = poly_all[(poly_all["mode"] == "walk") & (poly_all["minutes"] == 20)]
    png_map(
        poly_all[poly_all["mode"] == "walk"].sort_values("minutes", ascending=False),
        out / "school_catchments_walk.png",
        column="minutes",
        title="Walking catchments (omland) of upper-secondary schools, eastern Oslo",
        legend_title="minutes' walk",
        overlays=(schools,),
    )
    html_map(walk20, out / "school_catchments_walk20.html", title="20-minute walk from upper-secondary schools",
             overlays=(schools,))
    table = Table(title="Residents (SSB 2023, 250 m cells) reached from each school")
    value_col = next(c for c in ("population", "reached", "weight") if c in pop_all.columns)
    wide = pop_all.pivot_table(index="origin_id", columns=["mode", "minutes"], values=value_col, aggfunc="sum")
    table.add_column("school")
    for mode, m in wide.columns:
        table.add_column(f"{mode} ≤{m:g} min", justify="right")
    for school, row in wide.iterrows():
        table.add_row(str(school), *[f"{v:,.0f}" for v in row.to_numpy()])
    console.print(table)
    console.print(f"{len(grid):,} cells with {grid['population'].sum():,.0f} residents lie inside the extract.")
    console.print(f"counting rule: {COUNTING_RULE}", highlight=False, soft_wrap=True)
    return {
        "schools": len(schools),
        "cells_in_extract": len(grid),
        "residents_in_extract": float(grid["population"].sum()),
        "thresholds_minutes": list(minutes),
        "rows": len(pop_all),
        "counting_rule": COUNTING_RULE,
    }


def _step_coverage(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from rich.table import Table

    from geoaccess.measures.demo import service_coverage_demo

    cov = service_coverage_demo(context["net_walk"], out_dir=out)
    table = Table(title="Share of eastern Oslo's residents within walking time of a service")
    for col in ("service", "minutes", "residents", "covered", "share"):
        table.add_column(col, justify="right")
    for r in cov.itertuples(index=False):
        table.add_row(str(r.service), f"{r.threshold_min:g}", f"{r.residents:,.0f}", f"{r.covered:,.0f}", f"{r.share_pct:.1f} %")
    console.print(table)
    return {"rows": cov.to_dict(orient="records")}


def _print_flat(console: Any, summary: dict[str, Any], prefix: str = "") -> None:
    """Print scalar entries of a (nested, one level) summary as ``key: value`` lines."""
    for k, v in summary.items():
        if isinstance(v, dict) and not prefix:
            _print_flat(console, v, prefix=f"{k}.")
        elif not isinstance(v, (dict, list)):
            console.print(f"{prefix}{k}: {v}")


def _step_location(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from geoaccess.location.demo import location_demo

    summary = location_demo(context["net_walk"], context["net_car"], out_dir=out)
    _print_flat(console, summary)
    return {"summary": summary}


def _step_scenario(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from geoaccess.scenario.demo import enlargement_demo

    summary = enlargement_demo(out_dir=out / "regionforstorring")
    _print_flat(console, summary)
    return {"summary": summary}


def _step_regions(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from geoaccess.regions.demo import demo_summary

    summary = demo_summary(2021, out_dir=out)
    _print_flat(console, summary)
    return {"summary": summary}


def _step_transit(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from geoaccess.transit.demo import ovre_romerike_demo

    summary = ovre_romerike_demo(out_dir=out)
    _print_flat(console, summary)
    return {"summary": summary}


def _step_national(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from geoaccess.examples.national import national_demo

    summary = national_demo(out / "national")
    _print_flat(console, summary)
    return {"summary": summary}


def _step_rogfast(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from geoaccess.examples.rogfast import rogfast_demo

    summary = rogfast_demo(out / "rogfast")
    _print_flat(console, summary)
    return {"summary": summary}


def _step_strategy(out: Path, console: Any, context: dict[str, Any]) -> dict[str, Any]:
    from geoaccess.examples.strategy import strategy_demo

    summary = strategy_demo(out / "strategy")
    _print_flat(console, summary)
    return {"summary": summary}


def _write_run_json(out: Path, run: dict[str, Any]) -> None:
    from geoaccess import __version__
    from geoaccess.datasets import status
    from geoaccess.report.atomic import atomic_path

    run["geoaccess"] = __version__
    run["python"] = platform.python_version()
    run["data"] = [{k: r[k] for k in ("path", "verified", "license")} for r in status()]
    with atomic_path(out / "run.json") as tmp:
        tmp.write_text(json.dumps(run, indent=2, default=str), encoding="utf-8")
