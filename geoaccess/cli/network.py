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
    for label, value in net.meta.get("build_summary", []):  # reader-specific counts (NVDB: limits, one-way, turns)
        table.add_row(str(label), str(value))
    if net.turns is not None:
        table.add_row("turn restrictions in the network (via-way)", f"{net.turns.n_restrictions:,} ({net.turns.n_via_way:,})")
    osm_r = net.meta.get("osm_restrictions")
    if osm_r:
        skipped = sum(v["count"] for v in osm_r.get("skipped", {}).values())
        table.add_row("OSM restriction relations used / skipped", f"{osm_r.get('used', 0):,} / {skipped:,}")
    if net.meta.get("profile_variant"):
        table.add_row("car profile", str(net.meta["profile_variant"]) + (" (morning peak)" if net.meta.get("peak") else ""))
    from geoaccess.network.graph import EdgeFlag

    for label, bit in (("destination-only edges", EdgeFlag.DESTINATION), ("edges into a traffic signal", EdgeFlag.SIGNAL)):
        k = int(((net.flags & bit) != 0).sum())
        if k:
            table.add_row(label, f"{k:,}")
    return table


def _atomic_write(target: Path, write) -> None:  # noqa: ANN001 - callable(tmp_path)
    from geoaccess.report.atomic import atomic_path  # recognisable temp names, cleaned after a kill

    with atomic_path(target) as tmp:
        write(tmp)


_BOAT_ROUTES = "roads/kartverket_n1000_annenbatrute_2025.gpkg"


def _boat_routes(source: str, given: str | None) -> str | None:
    """The passenger-boat layer for an N1000 boat network: the given one, else the AnnenBatrute file beside the roads."""
    if given is not None:
        return None if given.lower() == "none" else given
    p = Path(source)
    folder = p.parent if p.is_file() else None
    if folder is None:
        from geoaccess.datasets import fetch

        try:
            folder = fetch(source).parent
        except Exception:  # noqa: BLE001 - not a dataset: no sibling to look for
            return None
    hits = sorted(folder.glob("*annenbatrute*"))
    return str(hits[0]) if hits else None


def _national_outputs(net, out: Path, year: int, console) -> None:  # noqa: ANN001 - rich types imported lazily
    """N1000 networks: the national summary (islands named, quays, planned links, municipalities reached)."""
    import json

    import pandas as pd

    from geoaccess.national.report import network_report
    from geoaccess.report.atomic import atomic_path, write_table

    ends = pd.DataFrame(net.meta["n1000"]["ferry_end_table"])
    write_table(ends, out / "ferry_ends.csv")
    if year <= 0:
        return
    report = network_report(net, year=year)
    with atomic_path(out / "national_summary.json") as tmp:
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    fe = report["ferry_ends"]
    con = fe.get("connector_m", {})
    console.print(
        f"ferry/boat ends: {fe.get('ends')} ({', '.join(f'{k} {v}' for k, v in fe.get('by_status', {}).items())}); "
        f"connectors median {con.get('median') or 0:.0f} m, max {con.get('max') or 0:.0f} m",
        highlight=False,
    )
    for u in fe.get("unconnected", []):
        if u["status"] == "roadless_quay":
            place = f"{u.get('place') or ''} ({u.get('kommunenavn', '')})".strip()
            console.print(f"  unconnected quay {place} of line(s) {u['lines']} at ({u['x']:.0f}, {u['y']:.0f}), "
                          f"{(u['road_distance_m'] or 0) / 1000:.1f} km from a road", highlight=False)
    isl = report["islands"]
    if isl:
        def label(i: dict) -> str:
            place = f" ({i['place']})" if i.get("place") else ""
            return f"{i['kommunenavn']}{place}: {i['road_km']:.1f} km"

        named = ", ".join(label(i) for i in isl[:12])
        console.print(f"islands dropped ({len(isl)}; roads without a car connection in the data): {named}"
                      f"{' ...' if len(isl) > 12 else ''}", highlight=False)
    pl = report["planned_links"]
    if pl:
        console.print(f"planned links left out ({len(pl)}): " + ", ".join(
            f"{r['road']} {r['km']:.1f} km ({r['kommunenavn']})" for r in pl), highlight=False)
    m = report["municipalities"]
    console.print(
        f"municipalities ({m['year']} boundaries, centres from the {m['population_year']} grid): {m['reachable']} of "
        f"{m['count']} reach and are reached by all others; centre snap median {m['snap_metres_median']:.0f} m, "
        f"max {m['snap_metres_max']:.0f} m ({m['snap_metres_max_at']})",
        highlight=False,
    )
    if m["unreachable"]:
        console.print("  [red]unreachable:[/] " + ", ".join(f"{u['kommunenummer']} {u['kommunenavn']}" for u in m["unreachable"]))


@network_app.command("build")
def build(
    source: str = typer.Argument(..., help="Dataset name, file (.osm.pbf/.osm/.geojson/.gpkg/.gml/.gr.gz), 'place:...' or 'bbox:w,s,e,n'."),
    out: Path = typer.Option(..., "--out", help="Output folder for network.npz, edges.gpkg and components.csv."),
    mode: str = typer.Option("car", "--mode", help="car, walk or bike; for N1000 car or boat (car + passenger boats)."),
    kind: str = typer.Option("auto", "--source", help="Reader: auto (by suffix and fields), osm, lines, dimacs, n1000 or nvdb."),
    boat_routes: Optional[str] = typer.Option(None, "--boat-routes", help="N1000 boat: AnnenBatrute layer (default: the one beside SOURCE; 'none' for none)."),
    boat_wait: Optional[float] = typer.Option(None, "--boat-wait-minutes", help="N1000 boat: boarding wait per boat trip, in minutes."),
    max_connect_m: Optional[float] = typer.Option(None, "--max-connect-m", help="N1000: largest ferry-end-to-road gap bridged, metres."),
    include_planned: bool = typer.Option(False, "--include-planned", help="N1000: open the planned links (vegfase P)."),
    layer: Optional[str] = typer.Option(None, "--layer", help="Layer name in a multi-layer file (GML, FGDB, GeoPackage)."),
    boundaries_year: int = typer.Option(2020, "--boundaries-year", help="N1000: boundary year for the summary (names islands, checks every municipality is reached); 0 to skip."),
    profile: Optional[str] = typer.Option(None, "--profile", help="OSM profile: posted (car at the posted limits, the car default), driven (car at driven speeds with turn and signal penalties), walk, bike, or a TOML path (default: the mode)."),
    peak: bool = typer.Option(False, "--peak", help="OSM: apply the profile's morning-peak factors to urban roads ([peak.factor] of car_driven.toml)."),
    ferry_wait: Optional[float] = typer.Option(None, "--ferry-wait-minutes", help="Boarding wait per ferry crossing, in minutes."),
    keep: str = typer.Option("largest", "--keep", help="largest (strong component) or all."),
    speed_column: Optional[str] = typer.Option(None, "--speed-column", help="Line layers: speed column in km/h."),
    direction_column: Optional[str] = typer.Option(None, "--direction-column", help="Line layers: one-way column."),
    default_speed: Optional[float] = typer.Option(None, "--default-speed-kmh", help="Line layers: km/h for rows without a valid speed."),
    no_simplify: bool = typer.Option(False, "--no-simplify", help="Keep degree-2 nodes."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the network cache."),
) -> None:
    """Build a network and write DIR/network.npz, DIR/edges.gpkg (layer "edges") and DIR/components.csv.

    edges.gpkg has one line per directed edge with its seconds, metres, speed_kmh, way_id, way_ids
    (all source ways of a simplified edge), ferry, name, road_class and road_ref, so a road can be
    found in QGIS and selected by a scenario edit.
    """
    import warnings

    import pandas as pd
    from rich.console import Console

    from geoaccess.errors import InputError
    from geoaccess.network.build import build_network, source_kind
    from geoaccess.network.components import component_report

    if mode not in ("car", "walk", "bike", "boat"):
        msg = f"--mode must be car, walk, bike or boat (N1000 only), not {mode!r}."
        raise InputError(msg)
    if kind not in ("auto", "osm", "lines", "dimacs", "n1000", "nvdb"):
        msg = f"--source must be auto, osm, lines, dimacs, n1000 or nvdb, not {kind!r}."
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
    n1000 = {"boat_wait_minutes": boat_wait, "max_connect_m": max_connect_m,
             "boat_routes": _boat_routes(source, boat_routes) if mode == "boat" else None}
    n1000 = {k: v for k, v in n1000.items() if v is not None}
    if include_planned:
        n1000["include_planned"] = True
    if layer is not None:
        opts["layer"] = layer
    if peak:
        if source_kind(source) not in (None, "osm") or kind not in ("auto", "osm"):
            msg = "--peak applies only to OSM sources (.osm.pbf, .osm, place:/bbox:)."
            raise InputError(msg)
        opts["peak"] = True
    if n1000 and kind not in ("auto", "n1000"):
        msg = "--boat-routes/--boat-wait/--max-connect-m/--include-planned apply only to N1000 sources (--source n1000)."
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
            kind=None if kind == "auto" else kind,
            **opts,
            **(n1000 if _is_n1000(source, kind, layer) else {}),
        )
    for w in caught:
        console.print(f"[yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)
    out.mkdir(parents=True, exist_ok=True)
    from geoaccess.network.attributes import with_way_attributes

    net = with_way_attributes(net)  # names, classes and road numbers travel with network.npz
    net.to_npz(str(out / "network.npz"))
    _, edges = net.to_geodataframes(attributes=True)
    _atomic_write(out / "edges.gpkg", lambda p: edges.to_file(p, layer="edges", driver="GPKG"))
    table = net.meta.get("component_table")
    report = pd.DataFrame(table) if table else component_report(net)
    _atomic_write(out / "components.csv", lambda p: report.to_csv(p, index=False))
    Console().print(_summary_table(net, f"network from {source}"))
    if net.meta.get("reader") == "n1000":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _national_outputs(net, out, boundaries_year, Console())
        for w in caught:
            console.print(f"[yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)
    console.print(f"wrote {out / 'network.npz'}, {out / 'edges.gpkg'} and {out / 'components.csv'}", highlight=False)


def _is_n1000(source: str, kind: str, layer: str | None) -> bool:
    """Whether SOURCE will be read as N1000 (explicitly, or detected by its fields)."""
    if kind == "n1000":
        return True
    if kind != "auto":
        return False
    from geoaccess.network.build import detect_kind

    p = Path(source)
    if not p.exists():
        from geoaccess.datasets import fetch

        try:
            p = fetch(source)
        except Exception:  # noqa: BLE001 - not a file or dataset: build_network reports it
            return False
    return detect_kind(p, layer=layer) == "n1000"


@network_app.command("info")
def info(path: Path = typer.Argument(..., help="A network folder (or its network.npz) written by `geoaccess network build`.")) -> None:
    """Show nodes, edges, components, km and provenance of a saved network."""
    from geoaccess.cli._common import network_npz, output
    from geoaccess.errors import InputError
    from geoaccess.network.cache import load_npz

    npz = network_npz(path)
    if npz is None or not npz.is_file():
        where = (f"the folder {path} holds no network.npz" if path.is_dir()
                 else f"{path} does not exist" if not path.exists() else f"{path} is not a network.npz")
        msg = f"{where}; build one with `geoaccess network build SOURCE --out DIR`."
        raise InputError(msg)
    net = load_npz(npz)
    console = output()
    console.out.print(_summary_table(net, str(npz)))
    for key in ("source", "source_sha256", "profile", "version", "cache_key"):
        if net.meta.get(key) is not None:
            console.out.print(f"{key}: {net.meta[key]}", highlight=False, markup=False)


@network_app.command("stitch")
def stitch(
    detailed: str = typer.Argument(..., help="The detailed network: a folder (or network.npz) from `geoaccess network build`, or a source to build (NVDB zip, OSM extract)."),
    coarse: str = typer.Argument(..., help="The coarse network (e.g. N1000): a folder or network.npz, or a source to build."),
    out: Path = typer.Option(..., "--out", help="Output folder: network.npz, edges.gpkg, joins.csv, stitch.gpkg (joins, border, polygon)."),
    boundary: Optional[str] = typer.Option(None, "--boundary", help="Where the detail replaces the coarse network: kommune:CODE[,CODE] or a polygon file. Default: the detailed network's hull."),
    mode: str = typer.Option("car", "--mode", help="Mode of networks built from a source (car, walk, bike)."),
    max_join_m: float = typer.Option(1000.0, "--max-join-m", help="Longest connector for a join by road number (E/Rv/Fv), metres."),
    max_proximity_m: float = typer.Option(300.0, "--max-proximity-m", help="Longest connector for a join by proximity, metres."),
    frontier_m: float = typer.Option(300.0, "--frontier-m", help="Detailed nodes this close to the border may be joined, metres."),
    cover_m: float = typer.Option(500.0, "--cover-m", help="The detailed network's hull reaches this far from its roads, metres."),
    no_clip: bool = typer.Option(False, "--no-clip", help="Use --boundary as given (do not cut it to the detailed network's hull)."),
    keep: str = typer.Option("largest", "--keep", help="largest (strong component) or all."),
) -> None:
    """Stitch a detailed network into a coarse one: the detail inside the border, the coarse network outside, joined where the same roads cross."""
    import warnings

    import geopandas as gpd
    import shapely
    from rich.console import Console
    from rich.table import Table

    from geoaccess.cli._common import load_network, print_warnings
    from geoaccess.errors import InputError
    from geoaccess.network.stitch import border_crossings, join_table, read_boundary, stitch_networks

    if keep not in ("largest", "all"):
        msg = f"--keep must be largest or all, not {keep!r}."
        raise InputError(msg)
    console = Console(stderr=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net_d = load_network(detailed, None if _saved(detailed) else mode, progress=True)
        net_c = load_network(coarse, None if _saved(coarse) else mode, progress=True)
        polygon = read_boundary(boundary) if boundary is not None else None
        net = stitch_networks(net_d, net_c, polygon=polygon, max_join_m=max_join_m, max_proximity_m=max_proximity_m,
                              frontier_m=frontier_m, cover_m=cover_m, clip_to_hull=not no_clip, keep=keep)  # type: ignore[arg-type]
    print_warnings(caught)
    info = net.meta["stitch"]
    if polygon is not None:
        info["options"]["boundary"] = polygon.attrs.get("boundary", boundary)
    out.mkdir(parents=True, exist_ok=True)
    net.to_npz(str(out / "network.npz"))
    _, edges = net.to_geodataframes()
    _atomic_write(out / "edges.gpkg", lambda p: edges.to_file(p, layer="edges", driver="GPKG"))
    joins = join_table(net)
    _atomic_write(out / "joins.csv", lambda p: joins.to_csv(p, index=False))
    crs = net.crs
    lines = gpd.GeoDataFrame(joins, geometry=shapely.linestrings(
        [[(r.border_x, r.border_y), (r.detailed_x, r.detailed_y)] for r in joins.itertuples()]), crs=crs)
    unjoined = border_crossings(net)
    layers = {
        "joins": lines,
        "unjoined_crossings": gpd.GeoDataFrame(unjoined, geometry=gpd.points_from_xy(unjoined["x"], unjoined["y"]), crs=crs),
        "polygon": gpd.GeoDataFrame({"what": ["stitching polygon"]}, geometry=[shapely.from_wkt(info["polygon_wkt"])], crs=crs),
    }

    def write_layers(path: Path) -> None:
        for name, layer in layers.items():
            layer.to_file(path, layer=name, driver="GPKG")

    _atomic_write(out / "stitch.gpkg", write_layers)
    table = Table(title=f"joins: {len(joins)} connectors at {joins['border_node'].nunique()} of "
                        f"{info['counts']['border_nodes']} border crossings")
    for col in ("road / roads", "match", "direction", "metres", "seconds"):
        table.add_column(col, justify="right" if col in ("metres", "seconds") else "left")
    for r in joins.itertuples():
        roads = r.road or f"{r.coarse_roads or '–'} → {r.detailed_roads or '–'}"
        table.add_row(roads, r.match, r.direction, f"{r.distance_m:,.0f}", f"{r.seconds:,.1f}")
    Console().print(table)
    Console().print(_summary_table(net, "composite network"))
    c = info["counts"]
    console.print(
        f"{c['joins_by_road_number']} joins by road number, {c['joins_by_proximity']} by proximity; "
        f"{len(unjoined)} coarse border crossings without a detailed road in reach (dead ends of the coarse road); "
        f"dropped outside the largest component: {info['dropped_nodes']}. Wrote {out}/network.npz, edges.gpkg, joins.csv, stitch.gpkg.",
        highlight=False)


def _saved(network: str) -> bool:
    """True for a saved network (a .npz or a folder holding network.npz)."""
    p = Path(network)
    return p.suffix == ".npz" or (p / "network.npz").is_file()
