"""``geoaccess centrality``: SSB's centrality index on national data (every 250 m cell, N1000 car times)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from geoaccess.cli import app

_DASK_HELP = ("Run the blocks on Dask: local or local:N (a LocalCluster of N worker processes, one thread each) or a "
              "scheduler address such as tcp://scheduler:8786 (an existing cluster; workers need geoaccess installed).")


@app.command("centrality")
def centrality_command(
    network: str = typer.Argument("roads/kartverket_n1000_veglenke_2025.gpkg",
                                  help="The N1000 car network: a network.npz (or its folder) or the N1000 road links."),
    out: Path = typer.Option(..., "--out", help="Output folder (centrality.csv, .gpkg, .png, .html, run.json, blocks/)."),
    year: int = typer.Option(2020, "--year", help="Jobs year (SSB 03321, 2017-2021) and municipal division (2020 codes)."),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML with the index parameters (see centrality.toml)."),
    klass: Optional[Path] = typer.Option(None, "--klass", help="Official KLASS 128 classes (CSV): reported beside the computed ones."),
    klass_year: Optional[int] = typer.Option(None, "--klass-year", help="Year of the KLASS file's municipality codes (default: from the file)."),
    dask: Optional[str] = typer.Option(None, "--dask", help=_DASK_HELP),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Write the PNG and HTML maps."),
) -> None:
    """Compute the SSB-style centrality index (0-1000, Oslo 1000) and classes 1-6 of every municipality."""
    import warnings

    from rich.console import Console

    from geoaccess.cli._common import print_warnings
    from geoaccess.national.blocks import close, connect
    from geoaccess.strategy.runs import run_centrality

    console = Console(stderr=True)
    client = connect(dask)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = run_centrality(network, year=year, out=out, config=config, klass=klass, klass_year=klass_year,
                               client=client, maps=maps,
                               progress=lambda d, n, k: console.print(f"block {d}/{n} ({k})", highlight=False)
                               if d == n or d % 50 == 0 else None)
    finally:
        close(client)
    print_warnings(caught)
    low = ", ".join(f"{r['kommunenavn']} {r['index']:.0f}" for r in s["lowest"][:3])
    cls = " ".join(f"{k}:{v}" for k, v in s["classes"].items())
    console.print(
        f"{s['municipalities']} municipalities ({s['boundary_year']} codes, jobs {s['year']}, grid {s['population_year']}): "
        f"Oslo {s['oslo_index']:.0f}, lowest {low}; classes {cls}; Spearman vs pre-2017 levels "
        f"{s['pre2017']['spearman_index_level']:.2f}"
        + (f"; official classes equal for {s['official']['equal']} of {s['official']['compared']}" if s["official"] else "")
        + f". Wrote {out} in {s['seconds']['total']:.0f} s.", highlight=False)
