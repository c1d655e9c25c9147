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


@app.command("matrix")
def matrix(
    network: str = typer.Argument(..., help=_NETWORK_HELP),
    origins: Path = typer.Option(..., "--origins", help="Origin points (GeoPackage, GeoJSON, shapefile; any CRS)."),
    destinations: Path | None = typer.Option(None, "--destinations", help="Destination points (default: the origins)."),
    origin_id: str | None = typer.Option(None, "--origin-id", help="Unique id column of the origins (default: row number)."),
    destination_id: str | None = typer.Option(None, "--destination-id", help="Unique id column of the destinations."),
    cutoff: str | None = typer.Option(None, "--cutoff", help="Report times above this many minutes as empty (NaN)."),
    mode: str | None = typer.Option(None, "--mode", help="car, walk or bike when NETWORK is a source to build."),
    max_snap: float = typer.Option(1000.0, "--max-snap", help="Points farther from the network (metres) get NaN."),
    out: Path = typer.Option(..., "--out", help="Output table: .csv or .parquet (origin_id, destination_id, minutes)."),
) -> None:
    """Door-to-door travel-time matrix in minutes (NaN = unreachable, beyond the cutoff or unsnapped)."""
    from geoaccess.engine.matrix import check_minutes, travel_time_matrix
    from geoaccess.errors import InputError
    from geoaccess.report.atomic import write_table

    if out.suffix.lower() not in (".csv", ".parquet"):
        msg = f"--out must end in .csv or .parquet, not {out.name!r}."
        raise InputError(msg)
    cutoff_min = None if cutoff is None else check_minutes(cutoff, what="--cutoff")[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = load_network(network, mode)
        o = _read_points(origins, what="origins")
        d = None if destinations is None else _read_points(destinations, what="destinations")
        table = travel_time_matrix(
            net, o, d, origin_id=origin_id, destination_id=destination_id, cutoff_minutes=cutoff_min,
            max_snap_m=max_snap, progress=True,
        )
    print_warnings(caught)
    write_table(table, out)
    n_nan = int(table["minutes"].isna().sum())
    _console().print(
        f"wrote {out}: {len(table):,} pairs, median {table['minutes'].median():.1f} min, "
        f"{n_nan:,} unreachable/NaN",
        highlight=False,
    )


@app.command("catchment")
def catchment(
    network: str = typer.Argument(..., help=_NETWORK_HELP),
    origins: Path = typer.Option(..., "--origins", help="Origin points (GeoPackage, GeoJSON, shapefile; any CRS)."),
    minutes: str = typer.Option("15,30,45", "--minutes", help="Thresholds in minutes, comma separated."),
    population: str | None = typer.Option(
        None, "--population", help="SSB 250 m grid (dataset name or file) to count inside each catchment."
    ),
    mode: str | None = typer.Option(None, "--mode", help="car, walk or bike when NETWORK is a source to build."),
    origin_id: str | None = typer.Option(None, "--origin-id", help="Unique id column of the origins."),
    bands: str = typer.Option("nested", "--bands", help="nested (0..T) or rings (previous T..T)."),
    walk_off: float = typer.Option(100.0, "--walk-off", help="Walk-off distance from the reached roads, metres."),
    rule: str = typer.Option("centre", "--rule", help="Population counting: centre (cell centre inside) or area."),
    out: Path = typer.Option(..., "--out", help="Output GeoPackage; a PNG map is written next to it."),
) -> None:
    """Catchment polygons (isochrones) per origin and threshold, with the population reached."""
    from rich.table import Table

    from geoaccess.engine.catchment import catchments, write_catchments
    from geoaccess.engine.counting import count_in_catchments
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.errors import InputError

    if out.suffix.lower() != ".gpkg":
        msg = f"--out must end in .gpkg, not {out.name!r}."
        raise InputError(msg)
    if bands not in ("nested", "rings"):
        msg = f"--bands must be nested or rings, not {bands!r}."
        raise InputError(msg)
    if rule not in ("centre", "area"):
        msg = f"--rule must be centre or area, not {rule!r}."
        raise InputError(msg)
    thresholds = check_minutes(minutes, what="--minutes")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = load_network(network, mode)
        o = _read_points(origins, what="origins")
        gdf = catchments(net, o, minutes=thresholds, bands=bands, walk_off_m=walk_off, origin_id=origin_id,
                         progress=True)
        if population is not None:
            from geoaccess.layers.population import read_ssb_grid

            grid = read_ssb_grid(population)
            gdf = count_in_catchments(gdf, grid, weight="population", rule=rule)
    print_warnings(caught)
    write_catchments(gdf, out)
    png = out.with_suffix(".png")
    _draw(gdf, o, png, net_mode=net.mode)
    table = Table(title=f"{net.mode} catchments ({bands}, walk-off {walk_off:g} m)")
    table.add_column("origin")
    table.add_column("minutes", justify="right")
    table.add_column("km²", justify="right")
    if "population" in gdf.columns:
        table.add_column(f"population reached ({rule} rule)", justify="right")
    for _, row in gdf.iterrows():
        cells = [str(row["origin_id"]), f"{row['minutes']:g}", f"{row.geometry.area / 1e6:,.1f}"]
        if "population" in gdf.columns:
            cells.append(f"{row['population']:,.0f}")
        table.add_row(*cells)
    console = _console()
    console.print(table)
    console.print(f"wrote {out} and {png}", highlight=False)


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
