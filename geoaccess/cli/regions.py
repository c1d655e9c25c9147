"""``geoaccess regions``: labour-market areas, BA-regions or travel-time regions from commuting flows."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from geoaccess.cli import app


class Method(str, Enum):
    """Regionalisation method."""

    lma = "lma"
    ba = "ba"
    traveltime = "traveltime"


def _centres(spec: str | None) -> list[str] | None:
    """Centre codes from a CSV (column ``kommunenummer``/``centre`` or the first) or an inline list."""
    if spec is None:
        return None
    p = Path(spec)
    if p.exists():
        import pandas as pd

        df = pd.read_csv(p, dtype=str)
        col = next((c for c in ("kommunenummer", "centre", "senter", "code") if c in df.columns), df.columns[0])
        vals = [v.strip() for v in df[col].dropna()]
    else:
        vals = [v.strip() for v in spec.split(",")]
    out = []
    for v in vals:
        parts = [s.strip().zfill(4) for s in v.split("+") if s.strip()]
        if not parts or not all(s.isdigit() and len(s) == 4 for s in parts):
            from geoaccess.errors import InputError

            msg = (
                f"--centres {spec}: {v!r} is not a municipality code (or a pair like 0301+3024); "
                "is the file path right?"
            )
            raise InputError(msg)
        out.append("+".join(parts))
    return out


def _recode_centres(centres: list[str], *, from_year: int, to_year: int, console: object) -> list[str]:
    """Recode centre codes of the flows' original year that map one-to-one to the target year."""
    from geoaccess.layers.boundaries import municipality_codes
    from geoaccess.layers.crosswalk import crosswalk

    valid = municipality_codes(to_year)
    xw = crosswalk(from_year, to_year)
    single = xw.groupby("from_code")["to_code"].agg(list)
    out = []
    for group in centres:
        parts = []
        for c in group.split("+"):
            if c not in valid and c in single.index and len(single[c]) == 1:
                console.print(f"note: centre {c} ({from_year} code) recoded to {single[c][0]} ({to_year})")
                c = single[c][0]
            parts.append(c)
        out.append("+".join(parts))
    return out


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
    centres: str | None = typer.Option(
        None, "--centres", help="Centre municipalities: CSV file or inline '0301+3024,4601'. BA: proposed when absent."
    ),
    travel_times: Path | None = typer.Option(
        None, "--travel-times", help="CSV origin,destination,minutes (municipality -> centre)."
    ),
    alt_travel_times: Path | None = typer.Option(
        None, "--alt-travel-times", help="CSV origin,destination,minutes by ferry/boat (BA rule alt90)."
    ),
    year: int | None = typer.Option(
        None, "--year", help="Year of the flow codes (read from the Tid column when present)."
    ),
    year_codes: int | None = typer.Option(
        None, "--year-codes", help="Recode the flows to this year's municipalities (e.g. 2024) first."
    ),
    config: Path | None = typer.Option(None, "--config", help="TOML overriding geoaccess/regions/defaults.toml."),
    max_minutes: float | None = typer.Option(None, "--max-minutes", help="Travel-time regions: limit in minutes."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Draw the PNG and HTML maps."),
) -> None:
    """Delineate regions and write membership CSV, region table, GeoPackage, PNG and HTML maps."""
    import dataclasses

    from rich.console import Console

    from geoaccess.errors import InputError
    from geoaccess.layers.boundaries import read_municipalities
    from geoaccess.layers.commuting import read_flows
    from geoaccess.layers.crosswalk import division_year, recode_flows
    from geoaccess.regions.config import load_config
    from geoaccess.regions.demo import write_region_outputs
    from geoaccess.regions.diagnostics import region_table
    from geoaccess.regions.flows import FlowData
    from geoaccess.regions.traveltime import read_travel_times

    console = Console()
    cfg = load_config(config)
    table = read_flows(flows)
    if year is not None:
        table.attrs["year"] = year
    codes_year = table.attrs.get("year")
    if year_codes is not None:
        if codes_year is None:
            msg = f"{flows}: the year of the codes is unknown (no Tid column); give --year to recode with --year-codes."
            raise InputError(msg)
        table = recode_flows(table, to_year=year_codes, from_year=int(codes_year))
        codes_year = year_codes
    boundaries = None
    if codes_year is not None and int(codes_year) >= 2020:
        boundaries = read_municipalities(division_year(int(codes_year)))
    else:
        console.print("[yellow]note:[/] no boundaries for these codes: no GeoPackage, maps or contiguity repair.")
    # all municipalities of the division: those without any flow are kept (zero-worker warning)
    all_codes = list(boundaries["kommunenummer"]) if boundaries is not None else None
    fd = FlowData.from_table(table, codes=all_codes, year=None if codes_year is None else int(codes_year))
    cen = _centres(centres)
    if cen is not None and year_codes is not None and table.attrs.get("recoded_from") is not None:
        cen = _recode_centres(cen, from_year=int(table.attrs["recoded_from"]), to_year=year_codes, console=console)
    tt = read_travel_times(str(travel_times)) if travel_times is not None else None
    alt = read_travel_times(str(alt_travel_times)) if alt_travel_times is not None else None
    if method is Method.lma:
        from geoaccess.regions.lma import labour_market_areas

        result = labour_market_areas(fd, cfg.lma)
    elif method is Method.ba:
        from geoaccess.regions.ba import ba_regions

        result = ba_regions(
            fd, centres=cen, travel_times=tt, alt_travel_times=alt, boundaries=boundaries, params=cfg.ba
        )
        for s in result.meta["skipped_rules"]:
            console.print(f"[yellow]skipped:[/] {s['rule']}: {s['reason']}")
    else:
        from geoaccess.regions.traveltime import travel_time_regions

        if cen is None or tt is None:
            msg = "--method traveltime needs --centres and --travel-times."
            raise InputError(msg)
        params = cfg.traveltime if max_minutes is None else dataclasses.replace(cfg.traveltime, max_minutes=max_minutes)
        result = travel_time_regions(tt, cen, flows=fd, params=params)
    paths = write_region_outputs(
        result,
        fd,
        out,
        boundaries=boundaries,
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
