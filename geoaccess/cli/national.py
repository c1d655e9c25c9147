"""``geoaccess municipal-matrix``: national car or boat travel times between municipalities (and from every grid cell)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from geoaccess.cli import app

_NETWORK_HELP = (
    "A network.npz (or its folder) from `geoaccess network build` on N1000, or the N1000 road links to build "
    "(e.g. roads/kartverket_n1000_veglenke_2025.gpkg), with --mode."
)


def _load(network: str, mode: str, boat_routes: str | None):  # noqa: ANN202 - Network imported lazily
    from geoaccess.errors import InputError

    p = Path(network)
    if (p / "network.npz").is_file() or p.suffix == ".npz":
        from geoaccess.cli._common import load_network

        net = load_network(network, None)
        if net.mode != mode:
            msg = (f"{network} is a {net.mode!r} network but --mode {mode} was asked for; build the {mode} network "
                   f"(`geoaccess network build ... --mode {mode}`) or pass the N1000 source.")
            raise InputError(msg)
        return net
    from geoaccess.cli.network import _boat_routes
    from geoaccess.network.build import build_network

    opts = {}
    if mode == "boat":
        routes = _boat_routes(network, boat_routes)
        if routes is not None:
            opts["boat_routes"] = routes
    return build_network(network, mode=mode, kind="n1000", progress=True, **opts)


@app.command("municipal-matrix")
def municipal_matrix_command(
    network: str = typer.Argument(..., help=_NETWORK_HELP),
    out: Path = typer.Option(..., "--out", help="CSV origin,destination,minutes (every ordered pair; empty = unreachable)."),
    year: int = typer.Option(2020, "--year", help="Boundary year: 2019, 2020 (valid 2020-2023) or 2024."),
    mode: str = typer.Option("car", "--mode", help="car (roads and car ferries) or boat (also passenger boats: the BA rules' other mode)."),
    rule: str = typer.Option("weighted", "--rule", help="Centre rule: weighted (population-weighted centre) or densest (most populous 1 km spot)."),
    grid: str = typer.Option("population/ssb_befolkning_250m_2015_norge.csv", "--grid", help="Population grid for the centres (and --cells)."),
    cells: Optional[Path] = typer.Option(None, "--cells", help="Also write every grid cell -> municipality centre within --cutoff-minutes (.parquet or .csv)."),
    cutoff_minutes: float = typer.Option(90.0, "--cutoff-minutes", help="Cut-off of the --cells table, minutes."),
    max_snap_m: float = typer.Option(20_000.0, "--max-snap-m", help="Largest distance from a centre or cell to the road network, metres."),
    access_speed_kmh: float = typer.Option(30.0, "--access-speed-kmh", help="Speed of the straight leg between a point and the road, km/h."),
    boat_routes: Optional[str] = typer.Option(None, "--boat-routes", help="--mode boat built from source: the AnnenBatrute layer (default: beside the roads)."),
) -> None:
    """Write national municipality travel times (door to door, ferries with waits) for `geoaccess regions --travel-times`."""
    import json
    import time
    import warnings

    from rich.console import Console

    from geoaccess.cli._common import print_warnings
    from geoaccess.errors import InputError
    from geoaccess.layers.centres import CENTRE_RULES, municipality_centres
    from geoaccess.layers.population import read_ssb_grid
    from geoaccess.national import routing
    from geoaccess.national.matrix import cell_centre_times, municipal_matrix, snap_centres
    from geoaccess.report.atomic import atomic_path, write_table

    if mode not in ("car", "boat"):
        msg = f"--mode must be car or boat, not {mode!r}."
        raise InputError(msg)
    if rule not in CENTRE_RULES:
        msg = f"--rule must be one of {', '.join(CENTRE_RULES)}, not {rule!r}."
        raise InputError(msg)
    if out.suffix.lower() != ".csv":
        msg = f"--out must be a .csv file (origin,destination,minutes), not {out}."
        raise InputError(msg)
    if cells is not None and cells.suffix.lower() not in (".parquet", ".csv"):
        msg = f"--cells must be a .parquet or .csv file, not {cells}."
        raise InputError(msg)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = _load(network, mode, boat_routes)
        prep = routing.prepare(net)
        pop = read_ssb_grid(grid)
        centres = municipality_centres(year, pop, rule=rule)  # type: ignore[arg-type]
        table = municipal_matrix(prep, centres=centres, year=None, max_snap_m=max_snap_m,
                                 access_speed_kmh=access_speed_kmh)
        write_table(table.round({"minutes": 3}), out)
        prov = dict(table.attrs["provenance"])
        _, snapped_centres = snap_centres(prep, centres, max_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
        write_table(snapped_centres, out.with_name(out.stem + "_centres.csv"))
        if cells is not None:
            ct = cell_centre_times(prep, pop, centres, cutoff_minutes=cutoff_minutes, max_snap_m=max_snap_m,
                                   centre_snap_m=max_snap_m, access_speed_kmh=access_speed_kmh)
            write_table(ct, cells)
            prov["cells"] = {k: v for k, v in ct.attrs["provenance"].items()
                             if k in ("cells", "cells_unsnapped", "cells_without_centre", "pairs", "cutoff_minutes")}
            prov["cells"]["file"] = str(cells)
        prov["seconds"] = round(time.perf_counter() - t0, 2)
        with atomic_path(out.with_suffix(".json")) as tmp:
            tmp.write_text(json.dumps(prov, indent=2, default=str), encoding="utf-8")
    print_warnings(caught)
    reach = table["minutes"].notna().mean() * 100
    console.print(
        f"{prov['municipalities']} municipalities ({year} boundaries, {rule} centres from the {prov['population_year']} "
        f"grid), {mode}: {len(table):,} ordered pairs, {reach:.1f} % reachable; median {table['minutes'].median():.0f} min. "
        f"Wrote {out}, {out.with_name(out.stem + '_centres.csv')} and {out.with_suffix('.json')}"
        + (f" and {cells}" if cells is not None else "") + f" in {prov['seconds']:.1f} s.",
        highlight=False,
    )
