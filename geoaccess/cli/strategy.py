"""``geoaccess target-towns`` and ``geoaccess omland``: the small-town strategy's target towns and their omland table."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from geoaccess.cli import app


@app.command("target-towns")
def target_towns_command(
    regions: Path = typer.Option(..., "--regions", help="A `geoaccess regions` output folder (BA-regions) or a CSV kommunenummer,region[,centre]."),
    out: Path = typer.Option(..., "--out", help="Output folder (target_towns.csv, .gpkg, .png, .html, run.json)."),
    centrality: Optional[Path] = typer.Option(None, "--centrality", help="A `geoaccess centrality` output folder (default: computed here)."),
    network: str = typer.Option("roads/kartverket_n1000_veglenke_2025.gpkg", "--network", help="The N1000 car network (for the omland rule)."),
    rules: Optional[Path] = typer.Option(None, "--rules", help="TOML with the selection rules (see target_towns.toml)."),
    klass: Optional[Path] = typer.Option(None, "--klass", help="Official KLASS 128 classes: used instead of the computed ones, differences reported."),
    klass_year: Optional[int] = typer.Option(None, "--klass-year", help="Year of the KLASS file's codes (default: from the file)."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Write the PNG map and the HTML page's map."),
) -> None:
    """Select the strategy's target towns: a centre town per region, its size, centrality, class and verdict."""
    import warnings

    from rich.console import Console

    from geoaccess.cli._common import print_warnings
    from geoaccess.strategy.runs import run_target_towns

    console = Console(stderr=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = run_target_towns(regions, out=out, centrality=centrality, network=network, rules=rules, klass=klass,
                             klass_year=klass_year, maps=maps)
    print_warnings(caught)
    v = ", ".join(f"{k} {n}" for k, n in sorted(s["verdicts"].items()))
    console.print(f"{s['regions']} regions: {s['included']} target towns (Småbystrategien: ca. 120); {v}. "
                  f"Wrote {out} in {s['seconds']:.0f} s.", highlight=False)


@app.command("omland")
def omland_command(
    towns: Path = typer.Option(..., "--towns", help="A `geoaccess target-towns` output folder (or its target_towns.csv)."),
    out: Path = typer.Option(..., "--out", help="Output folder (omland.csv, .gpkg, .png, .html, run.json, blocks/)."),
    network: str = typer.Option("roads/kartverket_n1000_veglenke_2025.gpkg", "--network", help="The N1000 car network."),
    year: int = typer.Option(2020, "--year", help="Jobs year (SSB 03321, 2017-2021)."),
    thresholds_minutes: str = typer.Option("30,45,60,90", "--thresholds-minutes", help="Car minutes of the residents and jobs columns."),
    include_all: bool = typer.Option(False, "--all", help="Also the towns the selection excluded."),
    heliports: bool = typer.Option(False, "--heliports", help="Count N1000 heliports as airports."),
    dask: Optional[str] = typer.Option(None, "--dask", help="Run the blocks on Dask: local, local:N or a scheduler address."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Write the PNG map and the HTML page's map."),
) -> None:
    """The national omland table: residents, jobs and the nearest services of every target town by car."""
    import warnings

    from rich.console import Console

    from geoaccess.cli._common import print_warnings
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.national.blocks import close, connect
    from geoaccess.strategy.runs import run_omland

    th = check_minutes(thresholds_minutes, what="--thresholds-minutes")
    console = Console(stderr=True)
    client = connect(dask)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = run_omland(towns, out=out, network=network, year=year, thresholds_minutes=th, include_all=include_all,
                           heliports=heliports, client=client, maps=maps)
    finally:
        close(client)
    print_warnings(caught)
    console.print(f"{s['towns']} towns, thresholds {', '.join(f'{m:g}' for m in s['thresholds_minutes'])} min. "
                  f"Wrote {out} in {s['seconds']['total']:.0f} s.", highlight=False)
