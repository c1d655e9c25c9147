"""``geoaccess regions``: labour-market areas, BA-regions or travel-time regions from commuting flows."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from geoaccess.cli import app

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from rich.console import Console

    from geoaccess.regions.config import RegionConfig
    from geoaccess.regions.flows import FlowData, Regionalisation


class Method(str, Enum):
    """Regionalisation method."""

    lma = "lma"
    ba = "ba"
    traveltime = "traveltime"


def _centres(
    spec: str | None, *, year: int | None, names: pd.Series | None, console: Console
) -> list[list[str]] | None:
    """Centre groups from a CSV file or an inline list, aligned to the municipalities of ``year``."""
    if spec is None:
        return None
    from geoaccess.regions.centres import align_centres, parse_centres, read_centres

    path = Path(spec)
    if path.exists():
        groups = read_centres(path)
    else:
        if any(s in spec for s in ("/", "\\")) or spec.endswith(".csv"):
            from geoaccess.errors import InputError

            msg = f"--centres {spec}: no such file (give a CSV with a kommunenummer column, or codes like 0301+3024)."
            raise InputError(msg)
        groups = parse_centres(spec.split(","), what=f"--centres {spec}")
    if year is None:
        return groups
    groups, notes = align_centres(groups, year, what=f"--centres {spec}", names=names)
    for note in notes:
        console.print(f"note: {note}")
    return groups


@app.command("regions")
def regions(
    flows: Path = typer.Option(
        ...,
        "--flows",
        help="Commuting CSV: SSB 03321 (ArbstedKomm,Bokommuen,value[,Tid]) or origin,destination,workers.",
    ),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    method: Method = typer.Option(
        Method.lma, "--method", help="lma (Coombes TTWA), ba (TØI-style rules) or traveltime."
    ),
    preset: str | None = typer.Option(
        None, "--preset", help="Named parameter set, e.g. toi2019 (our reading of TØI's 2019 BA method)."
    ),
    centres: str | None = typer.Option(
        None,
        "--centres",
        help="Centre municipalities: a CSV file (kommunenummer [, sammen_med | group]) or inline '0301+3024,4601' "
        "('+' joins a double centre). BA: proposed from data when absent.",
    ),
    travel_times: str | None = typer.Option(
        None,
        "--travel-times",
        help="Car travel times between municipalities: CSV origin,destination,minutes, or 'national' (N1000).",
    ),
    alt_travel_times: str | None = typer.Option(
        None,
        "--alt-travel-times",
        help="Travel times by the other mode (ferry/boat) for BA rule alt90: CSV, or 'national' (N1000 boat).",
    ),
    year: int | None = typer.Option(
        None, "--year", help="Year of the flow codes (read from the Tid column when present)."
    ),
    year_codes: int | None = typer.Option(
        None, "--year-codes", help="Recode the flows to this year's municipalities (e.g. 2020 or 2024) first."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="TOML overriding geoaccess/regions/defaults.toml (and the preset)."
    ),
    max_minutes: float | None = typer.Option(None, "--cutoff-minutes", help="Travel-time regions: cut-off in minutes."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Draw the PNG and HTML maps."),
) -> None:
    """Delineate regions and write membership CSV, region table, centres, GeoPackage, PNG and HTML maps."""
    import warnings

    from geoaccess.cli._common import print_warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _regions(
                flows=flows, out=out, method=method, preset=preset, centres=centres, travel_times=travel_times,
                alt_travel_times=alt_travel_times, year=year, year_codes=year_codes, config=config,
                max_minutes=max_minutes, maps=maps,
            )  # fmt: skip
        finally:
            print_warnings(caught)


#: Division the flows are recoded to when a named travel-time source needs boundaries the flows' year lacks.
NAMED_SOURCE_DIVISION = 2020


def _load(
    flows: Path, *, year: int | None, year_codes: int | None, console: Console, needs_boundaries: str | None = None
) -> tuple[pd.DataFrame, FlowData, int | None, gpd.GeoDataFrame | None, pd.Series | None]:
    """Flows (recoded when asked) with the division's codes, names and boundaries.

    ``needs_boundaries`` names a travel-time source that computes its table from municipality
    centres (``national``): when the flows' year has no boundaries (2017) and no ``--year-codes``
    is given, the flows are recoded to the nearest division that has them (2020), with a note.
    """
    from geoaccess.errors import InputError
    from geoaccess.layers.commuting import read_flows
    from geoaccess.layers.municipality_codes import (
        boundaries_for_year,
        codes_in_force,
        division_year,
        municipality_names,
        recode_flows,
    )
    from geoaccess.regions.flows import FlowData

    table = read_flows(flows)
    if year is not None:
        table.attrs["year"] = year
    codes_year = table.attrs.get("year")
    if year_codes is None and needs_boundaries and codes_year is not None:
        try:
            division_year(int(codes_year))
        except InputError:
            year_codes = NAMED_SOURCE_DIVISION
            console.print(
                f"note: --travel-times {needs_boundaries} needs municipality centres, and the {codes_year} codes of "
                f"{flows.name} have no boundaries in the shared data; the flows are recoded to "
                f"{NAMED_SOURCE_DIVISION} codes (as --year-codes {NAMED_SOURCE_DIVISION}; give --year-codes 2024 "
                "for the 2024 division).",
                highlight=False,
            )
    if year_codes is not None:
        if codes_year is None:
            msg = f"{flows}: the year of the codes is unknown (no Tid column); give --year to recode with --year-codes."
            raise InputError(msg)
        table = recode_flows(table, to_year=year_codes, from_year=int(codes_year))
        codes_year = year_codes
    boundaries = names = all_codes = None
    if codes_year is not None:
        codes_year = int(codes_year)
        all_codes = sorted(codes_in_force(codes_year))
        names = municipality_names(codes_year)
        try:
            boundaries = boundaries_for_year(codes_year)
        except InputError as exc:
            console.print(f"[yellow]note:[/] {exc} No GeoPackage, maps, contiguity repair or town sizes.")
    # every municipality of the division is a zone: those without any flow are kept (zero-worker warning)
    fd = FlowData.from_table(table, codes=all_codes, year=codes_year)
    return table, fd, codes_year, boundaries, names


def _ba(
    fd: FlowData,
    *,
    cen: list[list[str]] | None,
    tt: pd.DataFrame | None,
    alt: pd.DataFrame | None,
    boundaries: gpd.GeoDataFrame | None,
    cfg: RegionConfig,
    codes_year: int | None,
    console: Console,
) -> Regionalisation:
    """Run the BA cascade (with towns for the centre proposal when boundaries exist) and print its summary."""
    from geoaccess.regions.ba import ba_regions

    towns = None
    if boundaries is not None and codes_year is not None:
        from geoaccess.layers.towns import town_parts_for_year

        cp = cfg.ba.centre_proposal
        towns = town_parts_for_year(
            codes_year, min_cell_population=cp.town_min_cell_population, link_cells=cp.town_link_cells
        )
    result = ba_regions(
        fd, centres=cen, travel_times=tt, alt_travel_times=alt, boundaries=boundaries, towns=towns, params=cfg.ba
    )
    for s in result.meta["skipped_rules"]:
        console.print(f"[yellow]skipped:[/] {s['rule']}: {s['reason']}")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.meta["rule_counts"].items()))
    console.print(f"rules: {counts}")
    if cen is not None:
        given = set(result.meta["centres"])
        prop = set(result.meta["centre_proposal"]["groups"])
        console.print(
            f"centres: {len(given)} given, {len(prop)} proposed from data, {len(given & prop)} in both "
            "(see ba_centres.csv)"
        )
    return result


def _regions(
    *,
    flows: Path,
    out: Path,
    method: Method,
    preset: str | None,
    centres: str | None,
    travel_times: str | None,
    alt_travel_times: str | None,
    year: int | None,
    year_codes: int | None,
    config: Path | None,
    max_minutes: float | None,
    maps: bool,
) -> None:
    import dataclasses

    from rich.console import Console

    from geoaccess.errors import InputError
    from geoaccess.regions.config import load_config
    from geoaccess.regions.diagnostics import region_table
    from geoaccess.regions.output import write_region_outputs
    from geoaccess.regions.travel_tables import resolve_travel_times

    console = Console()
    cfg = load_config(config, preset=preset)
    from geoaccess.regions.travel_tables import travel_time_sources

    named = next((t for t in (travel_times, alt_travel_times) if t in travel_time_sources() and not Path(t).exists()),
                 None)
    table, fd, codes_year, boundaries, names = _load(flows, year=year, year_codes=year_codes, console=console,
                                                     needs_boundaries=named)
    cen = _centres(centres, year=codes_year, names=names, console=console)
    tt = resolve_travel_times(travel_times, year=codes_year, codes=list(fd.codes), mode="car")
    alt = resolve_travel_times(alt_travel_times, year=codes_year, codes=list(fd.codes), mode="boat")
    if method is Method.lma:
        from geoaccess.regions.lma import labour_market_areas

        result = labour_market_areas(fd, cfg.lma)
    elif method is Method.ba:
        result = _ba(
            fd, cen=cen, tt=tt, alt=alt, boundaries=boundaries, cfg=cfg, codes_year=codes_year, console=console
        )
    else:
        from geoaccess.regions.traveltime import travel_time_regions

        if cen is None or tt is None:
            msg = "--method traveltime needs --centres and --travel-times."
            raise InputError(msg)
        if any(len(g) > 1 for g in cen):
            msg = "--method traveltime takes single centres; a double centre (A+B) is a BA notion."
            raise InputError(msg)
        params = cfg.traveltime if max_minutes is None else dataclasses.replace(cfg.traveltime, max_minutes=max_minutes)
        result = travel_time_regions(tt, [g[0] for g in cen], flows=fd, params=params)
    result.meta["inputs"] = {
        "flows": str(flows),
        "flows_year": table.attrs.get("recoded_from", table.attrs.get("year")),
        "codes_year": codes_year,
        "crosswalk": table.attrs.get("crosswalk"),
        "preset": cfg.preset,
        "config": None if config is None else str(config),
        "centres": centres,
        "travel_times": travel_times,
        "alt_travel_times": alt_travel_times,
    }
    paths = write_region_outputs(
        result,
        fd,
        out,
        boundaries=boundaries,
        names=names,
        maps=maps,
        title=f"{result.n_regions} regions ({method.value}), flows {flows.name}",
    )
    tab = region_table(result, fd)
    console.print(
        f"{result.n_regions} regions from {fd.n} municipalities ({fd.residents.sum():,.0f} commuters); "
        f"median self-containment {100 * tab['self_containment'].median():.1f} %"
    )
    for kind, p in paths.items():
        console.print(f"  {kind}: {p}")
