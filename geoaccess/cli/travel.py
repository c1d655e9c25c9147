"""``geoaccess matrix`` and ``geoaccess catchment``: travel times and catchments between point layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from geoaccess.cli import app
from geoaccess.cli._common import load_network, load_network_step, output, read_points_arg, router_step
from geoaccess.cli._options import (
    POINTS_HELP,
    Crs,
    CutoffMinutesText,
    IdColumn,
    Maps,
    MaxSnapM,
    NameColumn,
    NetworkArg,
    Population,
    ThresholdsMinutes,
    WalkOffM,
)

_MODE_HELP = "car, walk or bike when NETWORK is a source to build; transit for walk + public transport (needs --feed, --date)."
_TRANSIT_NETWORK_NOTE = (
    " With --mode transit, NETWORK is an optional walk network for access, egress and transfers "
    "('-' for straight-line walking with a documented detour factor)."
)


def _transit_inputs(network: str, feed: str | None, date: str | None) -> tuple[Any, Any]:
    """Timetable and optional walk network for ``--mode transit``."""
    from geoaccess.cli.transit import _feed_path
    from geoaccess.errors import InputError
    from geoaccess.transit.feed import read_feed

    if feed is None or date is None:
        msg = "--mode transit needs --feed (GTFS or NeTEx zip/folder, or a dataset name) and --date YYYY-MM-DD."
        raise InputError(msg)
    walk = None if network in ("-", "none") else load_network(network, "walk")
    return read_feed(_feed_path(feed)), walk


@app.command("matrix")
def matrix(
    network: NetworkArg,
    origins: str = typer.Option(..., "--origins", help="Origin points. " + POINTS_HELP),
    destinations: str | None = typer.Option(None, "--destinations",
                                            help="Destination points (default: the origins); formats as --origins."),
    id_column: IdColumn = None,
    name_column: NameColumn = None,
    destination_id_column: str | None = typer.Option(
        None, "--destination-id-column", help="Id column of the destinations (default as for --id-column)."),
    destination_name_column: str | None = typer.Option(
        None, "--destination-name-column", help="Name column of the destinations (default: name or navn)."),
    crs: Crs = None,
    cutoff_minutes: CutoffMinutesText = None,
    mode: str | None = typer.Option(None, "--mode", help=_MODE_HELP),
    max_snap_m: MaxSnapM = 1000.0,
    memory_budget_mb: float = typer.Option(
        2048.0, "--memory-budget-mb",
        help="Memory budget of the run in MiB: the matrix is routed and written in blocks of origins that fit."),
    feed: str | None = typer.Option(None, "--feed", help="Timetable for --mode transit (GTFS or NeTEx)."),
    date: str | None = typer.Option(None, "--date", help="Service date for --mode transit, YYYY-MM-DD."),
    window: str = typer.Option("07:00-08:00", "--window", help="Departure window for --mode transit (every minute)."),
    percentile: float = typer.Option(50.0, "--percentile", help="Percentile of travel time over the window (transit)."),
    out: Path = typer.Option(..., "--out", help="Output: .csv, .parquet or .gpkg (origin_id, destination_id, minutes, "
                                                 "with origin_name/destination_name when the points have names; a .gpkg "
                                                 "also holds the origins and destinations as point layers)."),
) -> None:
    """Door-to-door travel-time matrix in minutes, streamed to the output in bounded memory.

    Before routing it prints the number of pairs, the expected output size and the memory the
    blocks take (within --memory-budget-mb). Parquet keeps the minutes as computed; CSV and
    GeoPackage round them to 0.1.
    """
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.engine.matrix_writer import MATRIX_FORMATS
    from geoaccess.errors import InputError

    if out.suffix.lower().lstrip(".") not in MATRIX_FORMATS:
        msg = f"--out must end in .csv, .parquet or .gpkg, not {out.name!r}."
        raise InputError(msg)
    cutoff_min = None if cutoff_minutes is None else check_minutes(cutoff_minutes, what="--cutoff-minutes")[0]
    console = output()
    if mode == "transit":
        from geoaccess.report.atomic import write_table
        from geoaccess.transit.routing import transit_travel_time_matrix

        o = read_points_arg(origins, what="origins", id_column=id_column, name_column=name_column, crs=crs)
        d = o if destinations is None else read_points_arg(
            destinations, what="destinations", id_column=destination_id_column, name_column=destination_name_column,
            crs=crs)
        tt, walk = _transit_inputs(network, feed, date)
        with console.step("routing by transit (range RAPTOR)"):
            table = transit_travel_time_matrix(
                tt, o, d, date=date, window=window, percentile=percentile, origin_id=o.attrs["id_column"],
                destination_id=d.attrs["id_column"], cutoff_minutes=cutoff_min, walk_network=walk,
                progress=console.progress,
            )
        if out.suffix.lower() == ".gpkg":
            from geoaccess.report.gpkg import write_layers

            write_layers(out, {"origins": o, "destinations": d}, qml=False)
            import pyogrio

            pyogrio.write_dataframe(table.round({"minutes": 1}), out, layer="matrix", driver="GPKG", append=True)
        else:
            write_table(table if out.suffix.lower() == ".parquet" else table.round({"minutes": 1}), out)
        rows, unreachable = len(table), int(table["minutes"].isna().sum())
    else:
        from geoaccess.engine.matrix_writer import write_matrix

        net = load_network_step(network, mode)
        o = read_points_arg(origins, what="origins", id_column=id_column, name_column=name_column, crs=crs,
                            network=net, max_snap_m=max_snap_m)
        d = None if destinations is None else read_points_arg(
            destinations, what="destinations", id_column=destination_id_column, name_column=destination_name_column,
            crs=crs, network=net, max_snap_m=max_snap_m)
        router = router_step(net)
        with console.step("snapping the points"):
            src = router.snap(o, max_snap_m=max_snap_m, what="origins")
            dst = src if d is None else router.snap(d, max_snap_m=max_snap_m, what="destinations")
        layers = {"origins": o} if d is None else {"origins": o, "destinations": d}
        from geoaccess.layers.points import point_names

        res = write_matrix(router, src, dst, out, cutoff_minutes=cutoff_min, memory_budget_mb=memory_budget_mb,
                           progress=console.progress, point_layers=layers, origin_names=point_names(o),
                           destination_names=point_names(o if d is None else d),
                           on_estimate=lambda plan: console.note(f"matrix: {plan.describe()}"))
        rows, unreachable = res["rows"], res["unreachable"]
    what = "pairs within the cut-off" if cutoff_min is not None else f"pairs, {unreachable:,} unreachable/NaN"
    console.wrote(out, what=f"{rows:,} {what}")


@app.command("catchment")
def catchment(
    network: NetworkArg,
    origins: str = typer.Option(..., "--origins", help="Origin points. " + POINTS_HELP),
    thresholds_minutes: ThresholdsMinutes = "15,30,45",
    population: Population = None,
    mode: str | None = typer.Option(None, "--mode", help=_MODE_HELP),
    id_column: IdColumn = None,
    name_column: NameColumn = None,
    crs: Crs = None,
    bands: str = typer.Option("nested", "--bands", help="nested (0..T) or rings (previous T..T)."),
    walk_off_m: WalkOffM = 100.0,
    max_snap_m: MaxSnapM = 1000.0,
    feed: str | None = typer.Option(None, "--feed", help="Timetable for --mode transit (GTFS or NeTEx)."),
    date: str | None = typer.Option(None, "--date", help="Service date for --mode transit, YYYY-MM-DD."),
    window: str = typer.Option("07:00-08:00", "--window", help="Departure window for --mode transit (every minute)."),
    percentile: float = typer.Option(50.0, "--percentile", help="Percentile of travel time over the window (transit)."),
    out: Path = typer.Option(..., "--out", help="Output GeoPackage (layer catchments); a PNG map is written next to it."),
    maps: Maps = True,
) -> None:
    """Catchment polygons (isochrones) per origin and threshold, with their area and the residents reached.

    Residents are counted by geoaccess's one rule (door to door): a 250 m cell counts within T
    when its travel time from the origin, both access legs included, is <= T; the rule is
    written in the column counting_rule. With ``--mode transit`` the catchment is the union of
    the population cells whose centre is reached within the threshold at the given percentile
    over the departure window.
    """
    from rich.table import Table

    from geoaccess.engine.catchment import catchments_reached, write_catchments
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.errors import InputError
    from geoaccess.layers.points import attach_names

    if out.suffix.lower() != ".gpkg":
        msg = f"--out must end in .gpkg, not {out.name!r}."
        raise InputError(msg)
    if bands not in ("nested", "rings"):
        msg = f"--bands must be nested or rings, not {bands!r}."
        raise InputError(msg)
    thresholds = check_minutes(thresholds_minutes, what="--thresholds-minutes")
    console = output()
    rule = "door to door <= T"
    if mode == "transit":
        from geoaccess.layers.population import read_ssb_grid
        from geoaccess.transit.catchment import transit_catchments

        if population is None:
            msg = "--mode transit draws catchments from population cells: give --population (e.g. an SSB 250 m grid)."
            raise InputError(msg)
        o = read_points_arg(origins, what="origins", id_column=id_column, name_column=name_column, crs=crs)
        tt, walk = _transit_inputs(network, feed, date)
        if walk is not None:
            msg = "--mode transit catchments use straight-line walking; pass '-' as NETWORK."
            raise InputError(msg)
        with console.step("range-RAPTOR catchments"):
            gdf = transit_catchments(tt, o, read_ssb_grid(population), date=date, window=window,
                                     thresholds_minutes=tuple(thresholds), percentile=percentile,
                                     progress=console.progress)
        gdf["counting_rule"] = gdf.attrs["counting_rule"]
        net_mode = "transit"
        rule = f"cell centre reached <= T at the {percentile:g}th percentile"
    else:
        net = load_network_step(network, mode)
        net_mode = net.mode
        o = read_points_arg(origins, what="origins", id_column=id_column, name_column=name_column, crs=crs,
                            network=net, max_snap_m=max_snap_m)
        grid = None
        if population is not None:
            from geoaccess.layers.population import read_ssb_grid

            grid = read_ssb_grid(population)
        router = router_step(net)
        src = router.snap(o, max_snap_m=max_snap_m, what="origins")
        with console.step("catchments" + (" and residents reached" if grid is not None else "")):
            gdf = catchments_reached(router, src, thresholds_minutes=thresholds, bands=bands,  # type: ignore[arg-type]
                                     walk_off_m=walk_off_m, population=grid, max_snap_m=max_snap_m,
                                     progress=console.progress and len(src) > 20)
    gdf = attach_names(gdf, o, key="origin_id", column="origin_name")
    write_catchments(gdf, out)
    png = out.with_suffix(".png")
    if maps:
        _draw(gdf, o, png, net_mode=net_mode)
    detail = f"{percentile:g}th percentile, {window} on {date}" if mode == "transit" else f"{bands}, walk-off {walk_off_m:g} m"
    table = Table(title=f"{net_mode} catchments ({detail})")
    table.add_column("origin_id")
    table.add_column("minutes", justify="right")
    table.add_column("area_km2", justify="right")
    if "population" in gdf.columns:
        table.add_column(f"population reached ({rule})", justify="right")
    for _, row in gdf.iterrows():
        cells = [str(row["origin_id"]) + (f" {row['origin_name']}" if "origin_name" in gdf.columns else ""),
                 f"{row['minutes']:g}", f"{row['area_km2']:,.1f}"]
        if "population" in gdf.columns:
            cells.append(f"{row['population']:,.0f}")
        table.add_row(*cells)
    console.show(table)
    console.wrote(out, png if maps else None)


def _draw(gdf: Any, origins: Any, png: Path, *, net_mode: str) -> None:
    """Map the area within each threshold of the nearest origin (union over origins, drawn as bands)."""
    from geoaccess.engine.catchment import catchment_bands
    from geoaccess.report.maps import png_map

    layer = catchment_bands(gdf)
    if layer.empty:
        layer = gdf.iloc[:0]
    png_map(
        layer,
        png,
        column="minutes" if len(layer) else None,
        title=f"{net_mode.capitalize()} catchments: minutes to the nearest origin",
        categorical=True,
        cmap="viridis",
        overlays=(origins.to_crs(gdf.crs),),
        legend_title="minutes",
    )
