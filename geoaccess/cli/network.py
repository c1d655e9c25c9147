"""``geoaccess network``: build a routable network and inspect saved ones."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from geoaccess.cli import app

network_app = typer.Typer(help="Build road/ferry networks (OSM, NVDB line layers, DIMACS) and inspect them.")
app.add_typer(network_app, name="network")


def _summary_table(net, title: str):  # noqa: ANN001, ANN202 - rich types imported lazily
    from rich.table import Table

    s = net.summary()
    comps = net.meta.get("components", {})
    table = Table(title=title)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("mode", str(s["mode"]))
    table.add_row("CRS", str(s["crs"]))
    table.add_row("nodes", f"{s['nodes']:,}")
    table.add_row("edges (directed)", f"{s['edges']:,}")
    table.add_row("strong components now", f"{s['components']:,}")
    if comps:
        table.add_row("components in source", f"{comps.get('count', '?')}")
        table.add_row("island nodes in source", f"{comps.get('island_nodes', '?')}")
    table.add_row("edge km (directed)", f"{s['edge_km']:,.1f}")
    table.add_row("ferry edges", f"{s['ferry_edges']:,}")
    return table


def _atomic_write(target: Path, write) -> None:  # noqa: ANN001 - callable(tmp_path)
    from geoaccess.report.atomic import atomic_path  # recognisable temp names, cleaned after a kill

    with atomic_path(target) as tmp:
        write(tmp)


@network_app.command("build")
def build(
    source: str = typer.Argument(..., help="Dataset name, file (.osm.pbf/.osm/.geojson/.gpkg/.gr.gz), 'place:...' or 'bbox:w,s,e,n'."),
    out: Path = typer.Option(..., "--out", help="Output folder for network.npz, edges.gpkg and components.csv."),
    mode: str = typer.Option("car", "--mode", help="car, walk or bike."),
    profile: Optional[str] = typer.Option(None, "--profile", help="OSM profile name or TOML path (default: the mode)."),
    ferry_wait: Optional[float] = typer.Option(None, "--ferry-wait", help="Boarding wait per ferry crossing, in minutes."),
    keep: str = typer.Option("largest", "--keep", help="largest (strong component) or all."),
    speed_column: Optional[str] = typer.Option(None, "--speed-column", help="Line layers: speed column in km/h."),
    direction_column: Optional[str] = typer.Option(None, "--direction-column", help="Line layers: one-way column."),
    default_speed: Optional[float] = typer.Option(None, "--default-speed", help="Line layers: km/h for rows without a valid speed."),
    no_simplify: bool = typer.Option(False, "--no-simplify", help="Keep degree-2 nodes."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the network cache."),
) -> None:
    """Build a network and write DIR/network.npz, DIR/edges.gpkg (layer "edges") and DIR/components.csv."""
    import warnings

    import pandas as pd
    from rich.console import Console

    from geoaccess.errors import InputError
    from geoaccess.network.build import build_network, source_kind
    from geoaccess.network.components import component_report

    if mode not in ("car", "walk", "bike"):
        msg = f"--mode must be car, walk or bike, not {mode!r}."
        raise InputError(msg)
    if keep not in ("largest", "all"):
        msg = f"--keep must be largest or all, not {keep!r}."
        raise InputError(msg)
    opts = {}
    if speed_column is not None:
        opts["speed_column"] = speed_column
    if direction_column is not None:
        opts["direction_column"] = direction_column
    if default_speed is not None:
        opts["default_speed_kmh"] = default_speed
    if opts and source_kind(source) not in (None, "lines"):
        msg = "--speed-column/--direction-column/--default-speed apply only to line layers (.geojson, .gpkg, ...)."
        raise InputError(msg)
    console = Console(stderr=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = build_network(
            source,
            mode=mode,
            profile=profile,
            ferry_wait_minutes=ferry_wait,
            simplify=not no_simplify,
            keep=keep,  # type: ignore[arg-type]
            cache=not no_cache,
            progress=True,
            **opts,
        )
    for w in caught:
        console.print(f"[yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)
    out.mkdir(parents=True, exist_ok=True)
    net.to_npz(str(out / "network.npz"))
    _, edges = net.to_geodataframes()
    _atomic_write(out / "edges.gpkg", lambda p: edges.to_file(p, layer="edges", driver="GPKG"))
    table = net.meta.get("component_table")
    report = pd.DataFrame(table) if table else component_report(net)
    _atomic_write(out / "components.csv", lambda p: report.to_csv(p, index=False))
    Console().print(_summary_table(net, f"network from {source}"))
    console.print(f"wrote {out / 'network.npz'}, {out / 'edges.gpkg'} and {out / 'components.csv'}", highlight=False)


@network_app.command("info")
def info(path: Path = typer.Argument(..., help="A network.npz written by `geoaccess network build`.")) -> None:
    """Show nodes, edges, components, km and provenance of a saved network."""
    from rich.console import Console

    from geoaccess.errors import InputError
    from geoaccess.network.cache import load_npz

    if not path.is_file():
        msg = f"{path} does not exist; build one with `geoaccess network build SOURCE --out DIR`."
        raise InputError(msg)
    net = load_npz(path)
    console = Console()
    console.print(_summary_table(net, str(path)))
    for key in ("source", "source_sha256", "profile", "version", "cache_key"):
        if net.meta.get(key) is not None:
            console.print(f"{key}: {net.meta[key]}", highlight=False)
