"""``geoaccess scenario``: before/after a network edit (regionforstørring around a centre)."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import typer

from geoaccess.cli import app
from geoaccess.cli._common import load_network

_NETWORK_HELP = (
    "A network.npz written by `geoaccess network build`, or a source accepted by build_network: a dataset "
    "name such as osm/oslo-east-filtered.osm.pbf or roads/hamar_nvdb_speed_limits_2018.geojson, or a file path."
)


_POINT_SUFFIXES = {".csv", ".txt", ".gpkg", ".geojson", ".json", ".parquet", ".shp", ".fgb"}


def _node_cells(net: Any) -> Any:
    """Network nodes as the 'cells' when no population layer is given (weight ``nodes`` = 1)."""
    import geopandas as gpd
    import numpy as np

    return gpd.GeoDataFrame({"cell_id": np.arange(net.n_nodes), "nodes": np.ones(net.n_nodes)},
                            geometry=gpd.points_from_xy(net.x, net.y), crs=net.crs)


@app.command("scenario")
def scenario(
    network: str = typer.Argument(..., help=_NETWORK_HELP),
    spec: Path = typer.Option(..., "--spec", help="Scenario file (.toml or .json); see scenarios/ for examples."),  # noqa: B008
    centre: str = typer.Option(..., "--centre", help="Centre as 'x,y' or 'x,y,CRS', e.g. '10.808,59.9285,EPSG:4326' "
                                                      "(without a CRS the coordinates are read in the network's CRS), or "
                                                      "a point file with one point (CSV lat/lon, GeoPackage, GeoJSON, ...)."),
    population: str | None = typer.Option(
        None, "--population",
        help="Population grid: a dataset name (population/befolkning_250m_2023_oslo.shp) or an SSB grid file. "
             "Without it, travel-time change is mapped over the network nodes and counts are of nodes."),
    jobs_municipality: str | None = typer.Option(
        None, "--jobs-municipality",
        help="Spread this municipality's jobs (SSB 03321 column sum) over the grid in proportion to residents "
             "(dasymetric assumption) to report jobs too, e.g. 0301."),
    jobs_year: int = typer.Option(2021, "--jobs-year", help="Year of the SSB 03321 flows (2017-2021)."),
    minutes: str = typer.Option("30,45,60,75", "--thresholds-minutes",
                                help="Thresholds in minutes, comma-separated."),
    out: Path = typer.Option(..., "--out", help="Output folder."),  # noqa: B008
    mode: str = typer.Option("car", "--mode", help="car, walk or bike (for network sources)."),
    max_snap_m: float = typer.Option(1000.0, "--max-snap-m", help="Largest distance (m) from a cell or the centre to the network."),
) -> None:
    """Compare a base network with a scenario: residents/jobs within each threshold of a centre, before and after.

    Writes enlargement.csv, change.gpkg (per-cell minutes before/after/change), change.png and
    change.html (diverging colours: blue faster, red slower, neutral no change), edges.gpkg (the
    scenario's edges with name, class, road number, speed and way ids) and run.json to --out.
    Cells on a closed road reach the scenario by the nearest open edge.
    """
    from rich.console import Console
    from rich.table import Table

    from geoaccess.engine.counting import COUNTING_RULE
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.regions.enlargement import centre_points
    from geoaccess.report.atomic import atomic_path, write_table
    from geoaccess.scenario.compare import compare_times
    from geoaccess.scenario.edit import apply_scenario
    from geoaccess.scenario.spec import read_spec

    console = Console(stderr=True)
    t: dict[str, float] = {}
    thresholds = check_minutes(minutes, what="--thresholds-minutes")
    scen_spec = read_spec(spec)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        base = load_network(network, mode)
    for w in caught:
        console.print(f"[yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)
    t["network_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scen = apply_scenario(base, scen_spec)
    t["apply_s"] = time.perf_counter() - t0
    parts = [p.strip() for p in centre.split(",")]
    if Path(centre.rpartition(":")[0] or centre).suffix.lower() in _POINT_SUFFIXES:
        from geoaccess.cli._common import read_points_arg

        layer = read_points_arg(centre, what="centre", network=base, max_snap_m=max_snap_m)
        if len(layer) != 1:
            from geoaccess.errors import InputError

            msg = f"--centre {centre} holds {len(layer):,} points; give a file with one point (the centre)."
            raise InputError(msg)
        origin = layer[[layer.geometry.name]].assign(origin_id=[str(layer[layer.attrs["id_column"]].iloc[0])])
        origin.attrs.clear()
    else:
        if len(parts) == 2:
            console.print(f"note: --centre has no CRS; reading it in the network's CRS {base.crs}.", highlight=False)
            centre = f"{centre},{base.crs}"
        origin = centre_points(centre, name="centre")
    info: dict[str, Any] = {}
    if population is not None:
        from geoaccess.layers.population import read_ssb_grid

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            cells = read_ssb_grid(population)
        weights = ["population"]
        if jobs_municipality is not None:
            from geoaccess.layers.jobs import jobs_by_population

            cells, info = jobs_by_population(cells, municipality=jobs_municipality, year=jobs_year)
            weights.append("jobs")
    else:
        cells = _node_cells(base)
        weights = ["nodes"]
    t0 = time.perf_counter()
    times = compare_times(base, scen, origin, cells=cells, origin_id="origin_id", max_snap_m=max_snap_m)
    if not times.origin_snapped.all():
        from geoaccess.errors import InputError

        msg = f"The centre {centre} lies more than {max_snap_m:g} m from the network; check its coordinates and CRS."
        raise InputError(msg)
    t["routing_s"] = time.perf_counter() - t0
    table = times.reach(thresholds_minutes=thresholds, weights=weights)
    table["scenario"] = scen_spec.name
    surf = times.surface()
    surf = surf.loc[surf["minutes_before"].notna() | surf["minutes_after"].notna()]
    out.mkdir(parents=True, exist_ok=True)
    from geoaccess.report.gpkg import round_for_output

    files = {"csv": write_table(round_for_output(table), out / "enlargement.csv"),
             "gpkg": write_table(surf, out / "change.gpkg")}
    _, scen_edges = scen.to_geodataframes(attributes=True)
    files["edges"] = write_table(scen_edges, out / "edges.gpkg")
    from geoaccess.report.maps import html_map
    from geoaccess.scenario.change_map import change_map, saved_scale

    title = f"{scen_spec.name}: minutes saved from the centre"
    files["png"] = change_map(surf, out / "change.png", scen=scen, centre=origin, title=title)
    layer = surf.assign(minutes_saved=-surf["change_minutes"])
    files["html"] = html_map(layer, out / "change.html", column="minutes_saved", title=title,
                             tooltip=["cell_id", "minutes_before", "minutes_after", "minutes_saved"],
                             overlays=[origin], scale=saved_scale(layer["minutes_saved"]))
    run = {"network": network, "spec": scen_spec.to_dict(), "applied": scen.meta["scenario"]["applied"],
           "centre": centre, "population": population, "jobs": info, "minutes": list(thresholds),
           "timings": t, "files": {k: str(v) for k, v in files.items()},
           "cells_resnapped_from_closed_roads": times.resnapped_cells, "cells_stranded": times.stranded_cells,
           "counting_rule": COUNTING_RULE}
    with atomic_path(out / "run.json") as tmp:
        tmp.write_text(json.dumps(run, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    view = Table(title=f"{scen_spec.name}: within T minutes of the centre, before and after")
    for col in ("minutes", "weight", "before", "after", "change", "change %"):
        view.add_column(col, justify="right")
    for r in table.itertuples():
        pct = "" if r.change_pct != r.change_pct else f"{r.change_pct:+.1f}"
        view.add_row(f"{r.minutes:g}", str(r.weight), f"{r.before:,.0f}", f"{r.after:,.0f}", f"{r.change:+,.0f}", pct)
    Console().print(view)
    Console().print(f"counting rule: {COUNTING_RULE}", highlight=False, soft_wrap=True)
    Console().print(f"Wrote {', '.join(str(v) for v in files.values())} and {out / 'run.json'}", highlight=False)
