"""``geoaccess regionforstorring``: a national network edit (e.g. E39 Rogfast) before and after, between regions."""

from __future__ import annotations

from pathlib import Path

import typer

from geoaccess.cli import app

_N1000 = "roads/kartverket_n1000_veglenke_2025.gpkg"
_BOAT_ROUTES = "roads/kartverket_n1000_annenbatrute_2025.gpkg"


@app.command("regionforstorring")
def regionforstorring_command(
    network: str = typer.Argument(_N1000, help="The national car network: the N1000 road layer (dataset name or "
                                                "file), or a network.npz built from it."),
    spec: Path = typer.Option(..., "--spec", help="Scenario file (.toml/.json), e.g. scenarios/rogfast.toml."),  # noqa: B008
    flows: str = typer.Option("commuting/pendling_03321_2021.csv", "--flows",
                              help="Commuting flows (SSB 03321 CSV with Tid): jobs per cell and the BA-regions."),
    out: Path = typer.Option(..., "--out", help="Output folder."),  # noqa: B008
    year_codes: int | None = typer.Option(None, "--year-codes", help="Recode the flows to this year's municipalities."),
    thresholds: str = typer.Option("45,60", "--thresholds-minutes",
                                   help="Thresholds of the per-cell jobs measure, minutes (TØI/Vegdirektoratet: 45,60)."),
    centre_thresholds: str = typer.Option("45,60,90", "--centre-thresholds-minutes",
                                          help="Thresholds around each regional centre, minutes."),
    preset: str = typer.Option("toi2019", "--preset", help="BA parameter preset."),
    centres: str | None = typer.Option(None, "--centres", help="BA centres (file or '1103+1108,1106'); default: "
                                                               "proposed from the flows."),
    boat: bool = typer.Option(True, "--boat/--no-boat", help="Run BA rule alt90 on the N1000 boat network too."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Draw the PNG and HTML change maps."),
) -> None:
    """Regionforstørring before/after a national edit: jobs within 45/60 min of every inhabited cell (population-
    weighted per municipality and BA-region), residents and jobs within 45/60/90 min of each regional centre, and
    BA-region membership with the same flows. Writes tables, regionforstorring.gpkg, change maps and run.json."""
    import warnings

    from geoaccess.cli._common import print_warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _run(network=network, spec=spec, flows=flows, out=out, year_codes=year_codes, thresholds=thresholds,
                 centre_thresholds=centre_thresholds, preset=preset, centres=centres, boat=boat, maps=maps)
        finally:
            print_warnings(caught)


def _run(*, network: str, spec: Path, flows: str, out: Path, year_codes: int | None, thresholds: str,
         centre_thresholds: str, preset: str, centres: str | None, boat: bool, maps: bool) -> None:
    import time

    from rich.console import Console
    from rich.table import Table

    from geoaccess.cli._common import load_network
    from geoaccess.engine.matrix import check_minutes
    from geoaccess.regions.regionforstorring import regionforstorring
    from geoaccess.regions.regionforstorring_output import write_regionforstorring
    from geoaccess.scenario.spec import read_spec

    console = Console(stderr=True)
    t0 = time.perf_counter()
    thr = check_minutes(thresholds, what="--thresholds-minutes")
    cthr = check_minutes(centre_thresholds, what="--centre-thresholds-minutes")
    scen_spec = read_spec(spec)
    base = load_network(network, "car")
    boat_net = None
    if boat:
        if base.meta.get("reader") != "n1000" and "n1000" not in base.meta:
            console.print("note: --boat needs an N1000 network; BA rule alt90 is skipped.", highlight=False)
        else:
            from geoaccess.datasets import fetch
            from geoaccess.network.build import build_network

            source = base.meta.get("source") or _N1000
            boat_net = build_network(source, mode="boat", kind="n1000", boat_routes=str(fetch(_BOAT_ROUTES)))
    groups = None
    if centres is not None:
        from geoaccess.regions.centres import parse_centres, read_centres

        groups = ["+".join(g) for g in (read_centres(Path(centres)) if Path(centres).exists()
                                         else parse_centres(centres.split(","), what=f"--centres {centres}"))]
    with console.status(f"{scen_spec.name}: municipality matrices, BA-regions and jobs within "
                        f"{', '.join(f'{t:g}' for t in thr)} min of every inhabited cell, before and after "
                        "(about 30 s) ..."):
        result = regionforstorring(base, scen_spec, flows=flows, year_codes=year_codes, boat_net=boat_net,
                                   preset=preset, centres=groups, thresholds_minutes=thr,
                                   centre_thresholds_minutes=cthr)
    console.print("steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.meta["timings_s"].items()),
                  highlight=False, soft_wrap=True)
    with console.status("writing tables, regionforstorring.gpkg and the change maps ..."):
        paths = write_regionforstorring(result, out, maps=maps)
    top = max(thr)
    view = Table(title=f"{scen_spec.name}: jobs within {', '.join(f'{t:g}' for t in thr)} min by car "
                       "(population-weighted mean of the inhabited cells)")
    for col in ("region", "municipality", *[f"{t:g} min before" for t in thr], *[f"{t:g} min after" for t in thr],
                f"{top:g} min change %"):
        view.add_column(col, justify="right")
    changed = result.municipalities.loc[result.municipalities[f"jobs_{top:g}min_change"].abs() >= 0.5]
    for r in changed.sort_values(f"jobs_{top:g}min_change_pct", ascending=False).itertuples():
        d = r._asdict()
        view.add_row(str(r.region_name), f"{r.kommunenummer} {r.kommunenavn}",
                     *[f"{d[f'jobs_{t:g}min_before']:,.0f}" for t in thr],
                     *[f"{d[f'jobs_{t:g}min_after']:,.0f}" for t in thr], f"{d[f'jobs_{top:g}min_change_pct']:+.1f}")
    Console().print(view)
    moved = result.membership.loc[result.membership["moved"]]
    Console().print(f"BA-regions: {result.meta['ba_regions_before']} before, {result.meta['ba_regions_after']} after; "
                    f"{len(moved)} municipalities change region"
                    + (": " + ", ".join(f"{m.kommunenavn} {m.region_name_before} -> {m.region_name_after}"
                                       for m in moved.itertuples()) if len(moved) else "")
                    + f". {result.meta['flows_note']}", highlight=False, soft_wrap=True)
    Console().print(f"counting rule: {result.meta['counting_rule']}", highlight=False, soft_wrap=True)
    Console().print(f"{time.perf_counter() - t0:.1f} s; wrote {', '.join(str(p) for p in paths.values())}",
                    highlight=False, soft_wrap=True)
