"""``geoaccess matrix`` and ``geoaccess catchment``: travel times and catchments between point layers."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

from geoaccess.cli import app
from geoaccess.cli._common import load_network, print_warnings

_NETWORK_HELP = (
    "A network.npz (or its folder) written by `geoaccess network build`, or a source accepted by "
    "build_network: a dataset name such as osm/oslo-east-filtered.osm.pbf or a file path (built with --mode)."
)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr)


def _read_points(path: Path, *, what: str) -> Any:
    import geopandas as gpd

    from geoaccess.errors import InputError

    if not path.is_file():
        msg = f"The {what} file {path} does not exist."
        raise InputError(msg)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes a named input error
        msg = f"Cannot read the {what} file {path}: {exc}"
        raise InputError(msg) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.active_geometry_name is None:
        msg = f"The {what} file {path} has no geometry; give a GeoPackage, GeoJSON or shapefile of points."
        raise InputError(msg)
    return gdf


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
    network: str = typer.Argument(..., help=_NETWORK_HELP),
    origins: Path = typer.Option(..., "--origins", help="Origin points (GeoPackage, GeoJSON, shapefile; any CRS)."),
    destinations: Path | None = typer.Option(None, "--destinations", help="Destination points (default: the origins)."),
    origin_id: str | None = typer.Option(None, "--origin-id", help="Unique id column of the origins (default: row number)."),
    destination_id: str | None = typer.Option(None, "--destination-id", help="Unique id column of the destinations."),
    cutoff_minutes: str | None = typer.Option(
        None, "--cutoff-minutes", "--cutoff",
        help="Write only the pairs within this many minutes (sparse output); without it every pair is written, "
             "NaN = unreachable. (--cutoff is the deprecated name.)"),
    mode: str | None = typer.Option(None, "--mode", help=_MODE_HELP),
    max_snap_m: float = typer.Option(1000.0, "--max-snap-m", "--max-snap",
                                     help="Points farther from the network (metres) get NaN. (--max-snap: deprecated.)"),
    memory_budget_mb: float = typer.Option(
        2048.0, "--memory-budget-mb",
        help="Memory budget of the run in MiB: the matrix is routed and written in blocks of origins that fit."),
    feed: str | None = typer.Option(None, "--feed", help="Timetable for --mode transit (GTFS or NeTEx)."),
    date: str | None = typer.Option(None, "--date", help="Service date for --mode transit, YYYY-MM-DD."),
    window: str = typer.Option("07:00-08:00", "--window", help="Departure window for --mode transit (every minute)."),
    percentile: float = typer.Option(50.0, "--percentile", help="Percentile of travel time over the window (transit)."),
    out: Path = typer.Option(..., "--out", help="Output table: .csv or .parquet (origin_id, destination_id, minutes)."),
) -> None:
    """Door-to-door travel-time matrix in minutes, streamed to the output in bounded memory.

    Before routing it prints the number of pairs, the expected output size and the memory the
    blocks take (within --memory-budget-mb).
    """
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.errors import InputError

    if out.suffix.lower() not in (".csv", ".parquet"):
        msg = f"--out must end in .csv or .parquet, not {out.name!r}."
        raise InputError(msg)
    cutoff_min = None if cutoff_minutes is None else check_minutes(cutoff_minutes, what="--cutoff-minutes")[0]
    console = _console(stderr=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        o = _read_points(origins, what="origins")
        d = _read_points(destinations, what="destinations") if destinations is not None else o
        if mode == "transit":
            from geoaccess.report.atomic import write_table
            from geoaccess.transit.routing import transit_travel_time_matrix

            tt, walk = _transit_inputs(network, feed, date)
            table = transit_travel_time_matrix(
                tt, o, d, date=date, window=window, percentile=percentile, origin_id=origin_id,
                destination_id=destination_id if destinations is not None else origin_id,
                cutoff_minutes=cutoff_min, walk_network=walk, progress=True,
            )
            write_table(table, out)
            rows, unreachable = len(table), int(table["minutes"].isna().sum())
        else:
            from geoaccess.engine.matrix_writer import write_matrix
            from geoaccess.engine.router import Router

            router = Router.for_network(load_network(network, mode))
            src = router.snap(o, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
            dst = src if destinations is None else router.snap(d, id_column=destination_id, max_snap_m=max_snap_m,
                                                               what="destinations")
            res = write_matrix(router, src, dst, out, cutoff_minutes=cutoff_min, memory_budget_mb=memory_budget_mb,
                               progress=True,
                               on_estimate=lambda plan: console.print(f"matrix: {plan.describe()}", highlight=False))
            rows, unreachable = res["rows"], res["unreachable"]
    print_warnings(caught)
    what = "pairs within the cut-off" if cutoff_min is not None else f"pairs, {unreachable:,} unreachable/NaN"
    _console().print(f"wrote {out}: {rows:,} {what}", highlight=False)


@app.command("catchment")
def catchment(
    network: str = typer.Argument(..., help=_NETWORK_HELP),
    origins: Path = typer.Option(..., "--origins", help="Origin points (GeoPackage, GeoJSON, shapefile; any CRS)."),
    thresholds_minutes: str = typer.Option(
        "15,30,45", "--thresholds-minutes", "--minutes",
        help="Thresholds in minutes, comma separated. (--minutes is the deprecated name.)"),
    population: str | None = typer.Option(
        None, "--population", help="SSB 250 m grid (dataset name or file): residents within each threshold."
    ),
    mode: str | None = typer.Option(None, "--mode", help=_MODE_HELP),
    origin_id: str | None = typer.Option(None, "--origin-id", help="Unique id column of the origins."),
    bands: str = typer.Option("nested", "--bands", help="nested (0..T) or rings (previous T..T)."),
    walk_off_m: float = typer.Option(100.0, "--walk-off-m", "--walk-off",
                                     help="Walk-off distance from the reached roads, metres."),
    max_snap_m: float = typer.Option(1000.0, "--max-snap-m", help="Largest distance (m) from a point to the network."),
    feed: str | None = typer.Option(None, "--feed", help="Timetable for --mode transit (GTFS or NeTEx)."),
    date: str | None = typer.Option(None, "--date", help="Service date for --mode transit, YYYY-MM-DD."),
    window: str = typer.Option("07:00-08:00", "--window", help="Departure window for --mode transit (every minute)."),
    percentile: float = typer.Option(50.0, "--percentile", help="Percentile of travel time over the window (transit)."),
    out: Path = typer.Option(..., "--out", help="Output GeoPackage; a PNG map is written next to it."),
    draw_map: bool = typer.Option(True, "--map/--no-map", help="Draw the PNG map next to the GeoPackage."),
) -> None:
    """Catchment polygons (isochrones) per origin and threshold, with the residents reached.

    Residents are counted by geoaccess's one rule (door to door): a 250 m cell counts within T
    when its travel time from the origin, both access legs included, is <= T. With
    ``--mode transit`` the catchment is the union of the population cells whose centre is
    reached within the threshold at the given percentile over the departure window.
    """
    from rich.table import Table

    from geoaccess.engine.catchment import write_catchments
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.errors import InputError

    if out.suffix.lower() != ".gpkg":
        msg = f"--out must end in .gpkg, not {out.name!r}."
        raise InputError(msg)
    if bands not in ("nested", "rings"):
        msg = f"--bands must be nested or rings, not {bands!r}."
        raise InputError(msg)
    thresholds = check_minutes(thresholds_minutes, what="--thresholds-minutes")
    rule = "door to door <= T"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        o = _read_points(origins, what="origins")
        if mode == "transit":
            gdf = _transit_catchments(network, o, population, thresholds, origin_id=origin_id, feed=feed, date=date,
                                      window=window, percentile=percentile)
            net_mode = "transit"
            rule = f"cell centre reached <= T at the {percentile:g}th percentile"
        else:
            from geoaccess.engine.counting import COUNTING_RULE
            from geoaccess.engine.router import Router

            net = load_network(network, mode)
            net_mode = net.mode
            router = Router.for_network(net)
            src = router.snap(o, id_column=origin_id, max_snap_m=max_snap_m, what="origins")
            gdf = router.catchments(src, thresholds_minutes=thresholds, bands=bands, walk_off_m=walk_off_m,
                                    progress=len(src) > 20)
            if population is not None:
                from geoaccess.layers.population import read_ssb_grid

                grid = read_ssb_grid(population)
                cells = router.snap(grid, id_column="cell_id" if "cell_id" in grid.columns else None,
                                    max_snap_m=max_snap_m, what="cells", warn=False)
                reach = router.reached(src, cells, {"population": grid["population"].to_numpy(dtype=float)},
                                       thresholds_minutes=thresholds)
                gdf = gdf.merge(reach[["origin_id", "minutes", "population"]], on=["origin_id", "minutes"],
                                how="left")
                if bands == "rings":  # residents of the ring: reached within T but not within the previous T
                    prev = gdf.groupby("origin_id")["population"].shift(1).fillna(0.0)
                    gdf["population"] = gdf["population"] - prev
                gdf["counting_rule"] = COUNTING_RULE
    print_warnings(caught)
    write_catchments(gdf, out)
    png = out.with_suffix(".png")
    if draw_map:
        _draw(gdf, o, png, net_mode=net_mode)
    detail = f"{percentile:g}th percentile, {window} on {date}" if mode == "transit" else f"{bands}, walk-off {walk_off_m:g} m"
    table = Table(title=f"{net_mode} catchments ({detail})")
    table.add_column("origin")
    table.add_column("minutes", justify="right")
    table.add_column("km²", justify="right")
    if "population" in gdf.columns:
        table.add_column(f"population reached ({rule})", justify="right")
    for _, row in gdf.iterrows():
        area = row.geometry.area / 1e6 if row.geometry is not None else float("nan")
        cells = [str(row["origin_id"]), f"{row['minutes']:g}", f"{area:,.1f}"]
        if "population" in gdf.columns:
            cells.append(f"{row['population']:,.0f}")
        table.add_row(*cells)
    console = _console()
    console.print(table)
    console.print(f"wrote {out}{f' and {png}' if draw_map else ''}", highlight=False)


def _transit_catchments(
    network: str, origins: Any, population: str | None, thresholds: tuple[float, ...], *, origin_id: str | None,
    feed: str | None, date: str | None, window: str, percentile: float,
) -> Any:
    """Walk + transit catchments: one range-RAPTOR run per origin, cells counted by their centre."""
    import geopandas as gpd
    import pandas as pd

    from geoaccess.errors import InputError
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.transit.catchment import transit_catchment

    if population is None:
        msg = "--mode transit draws catchments from population cells: give --population (e.g. an SSB 250 m grid)."
        raise InputError(msg)
    tt, walk = _transit_inputs(network, feed, date)
    if walk is not None:
        msg = "--mode transit catchments use straight-line walking; pass '-' as NETWORK."
        raise InputError(msg)
    grid = read_ssb_grid(population)
    ids = origins[origin_id].to_numpy() if origin_id else origins.index.to_numpy()
    parts = []
    for i, oid in enumerate(ids):
        one, _ = transit_catchment(tt, origins.iloc[[i]], grid, date=date, window=window,
                                   thresholds_minutes=tuple(thresholds), percentile=percentile)
        one.insert(0, "origin_id", oid)
        parts.append(one)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)


def _draw(gdf: Any, origins: Any, png: Path, *, net_mode: str) -> None:
    """Map the area within each threshold of the nearest origin (union over origins, drawn as bands)."""
    import geopandas as gpd
    import shapely

    from geoaccess.report.maps import png_map

    levels = sorted(gdf["minutes"].unique())
    unions = [shapely.union_all(gdf.loc[gdf["minutes"] == m].geometry.to_numpy()) for m in levels]
    bands = [u if i == 0 else shapely.difference(u, unions[i - 1]) for i, u in enumerate(unions)]
    labels = [f"{0 if i == 0 else levels[i - 1]:g}-{m:g}" for i, m in enumerate(levels)]
    layer = gpd.GeoDataFrame({"minutes": labels}, geometry=bands, crs=gdf.crs)
    layer = layer[~layer.geometry.is_empty]
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
