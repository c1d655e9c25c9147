"""``geoaccess transit``: load GTFS / NeTEx timetables, public-transport travel times."""

from __future__ import annotations

import warnings
from pathlib import Path

import typer

from geoaccess.cli import app

_DEMO_OUT = Path("out/transit")
transit_app = typer.Typer(help="Public transport: GTFS and NeTEx (Nordic profile) timetables, RAPTOR travel times.")
app.add_typer(transit_app, name="transit")


def _feed_path(feed: str) -> Path:
    p = Path(feed)
    if p.exists():
        return p
    from geoaccess.datasets import fetch

    try:
        return fetch(feed)
    except KeyError:
        from geoaccess.errors import InputError

        msg = f"Timetable {feed!r} is neither an existing file/folder nor a registered dataset (see `geoaccess data list`)."
        raise InputError(msg) from None


@transit_app.command("load")
def load(
    feed: str = typer.Argument(
        ..., help="GTFS zip/folder or NeTEx zip/folder, or a dataset name such as transit/tampere_gtfs.zip."
    ),
    date: str | None = typer.Option(None, "--date", help="Keep the service of one date, YYYY-MM-DD."),
    strict: bool = typer.Option(
        False, "--strict/--lenient", help="Stop at the first bad row instead of skipping and counting it."
    ),
    encoding: str | None = typer.Option(
        None, "--encoding", help="Text encoding of a GTFS feed that is not UTF-8, e.g. cp1252 (see docs/robustness.md)."
    ),
) -> None:
    """Read FEED, print a summary (stops, routes, trips, service dates) and the validation report."""
    from rich.console import Console
    from rich.table import Table

    from geoaccess.cli._common import print_warnings
    from geoaccess.transit.feed import read_feed

    console = Console()
    with warnings.catch_warnings(record=True) as caught:  # a reader's notes: one line each, never an abort
        warnings.simplefilter("always")
        tt = read_feed(_feed_path(feed), strict=strict, encoding=encoding)
    print_warnings(caught)
    if date is not None:
        tt = tt.for_date(date)
    table = Table(title=f"Timetable {feed}", show_header=False)
    for k, v in tt.summary().items():
        table.add_row(k, str(v))
    console.print(table)
    report = Table(title="Validation report: skipped / repaired / ignored, with counts")
    for col in ("action", "count", "object", "reason", "examples"):
        report.add_column(col)
    for r in tt.report.rows():
        report.add_row(str(r["action"]), str(r["count"]), str(r["what"]), str(r["reason"]), str(r["examples"]))
    if not tt.report.issues:
        report.add_row("-", "0", "-", "nothing skipped or repaired", "")
    console.print(report)


@transit_app.command("stops")
def stops_matrix(
    feed: str = typer.Argument(..., help="GTFS or NeTEx feed (path or dataset name)."),
    date: str = typer.Option(..., "--date", help="Service date, YYYY-MM-DD."),
    window: str = typer.Option("07:00-08:00", "--window", help="Departure window HH:MM-HH:MM, one departure a minute."),
    percentile: float = typer.Option(
        50, "--percentile", help="Percentile of travel time over the window (5, 50 or 95)."
    ),
    max_transfers: int = typer.Option(5, "--max-transfers"),
    out: Path = typer.Option(..., "--out", help="Output CSV: from_stop, to_stop, minutes (reachable pairs only)."),
) -> None:
    """All-stops-to-all-stops travel-time matrix (minutes) for a departure window, written atomically."""
    import numpy as np
    import pandas as pd

    from geoaccess.cli._common import print_warnings
    from geoaccess.report.atomic import write_table
    from geoaccess.transit.feed import read_feed
    from geoaccess.transit.raptor import range_raptor

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tt = read_feed(_feed_path(feed))
    print_warnings(caught)
    tt = tt.for_date(date)
    rows = []
    from rich.progress import track

    for s in track(range(tt.n_stops), description="range-RAPTOR per stop"):
        res = range_raptor(tt, [s], None, window=window, max_transfers=max_transfers, percentiles=(percentile,))
        m = res.pct_s[0] / 60.0
        ok = np.flatnonzero(np.isfinite(m))
        rows.append(pd.DataFrame({"from_stop": tt.stop_id[s], "to_stop": tt.stop_id[ok], "minutes": m[ok]}))
    write_table(pd.concat(rows, ignore_index=True), out)
    typer.echo(f"wrote {out} ({tt.footpath_kind} footpaths, p{percentile:g} over {window} on {date})")


@transit_app.command("earliest")
def earliest(
    feed: str = typer.Argument(..., help="GTFS or NeTEx feed (path or dataset name)."),
    date: str = typer.Option(..., "--date", help="Service date, YYYY-MM-DD."),
    from_stop: str = typer.Option(..., "--from", help="Origin stop id (GTFS stop_id / NeTEx quay id)."),
    at: str = typer.Option(..., "--at", help="Departure time HH:MM (or HH:MM:SS) on that date."),
    out: Path = typer.Option(..., "--out", help="Output CSV: stop_id, stop_name, arrival (seconds after midnight), arrival_hms."),
    max_transfers: int = typer.Option(8, "--max-transfers", help="Most vehicles minus one."),
    change_seconds: float = typer.Option(0.0, "--change-seconds", help="Default minimum change time at a stop, seconds; the feed's transfers.txt rules within a stop override it."),
    no_feed_changes: bool = typer.Option(False, "--ignore-feed-change-times", help="Use only --change-seconds, not the feed's transfers.txt change times."),
) -> None:
    """Earliest arrival at every stop reached from one stop at one departure time (RAPTOR with change times).

    One row per reached stop, for checking against another planner or a Connection Scan; written atomically.
    """
    from geoaccess.errors import InputError
    from geoaccess.report.atomic import write_table
    from geoaccess.transit.feed import read_feed
    from geoaccess.transit.raptor import change_times, earliest_arrival_table

    parts = at.strip().split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        h, m, sec = (int(p) for p in (parts + ["0"])[:3])
        if not (0 <= m < 60 and 0 <= sec < 60 and 0 <= h < 48):
            raise ValueError
    except ValueError:
        msg = f"--at {at!r} is not a time; write HH:MM or HH:MM:SS, e.g. 07:30."
        raise InputError(msg) from None
    tt = read_feed(_feed_path(feed)).for_date(date)
    if from_stop not in set(tt.stop_id.tolist()):
        msg = (f"--from {from_stop!r} is not a stop of {feed}; stop ids look like {', '.join(map(str, tt.stop_id[:3]))} "
               "(see the feed's stops.txt / quays).")
        raise InputError(msg)
    mct = change_times(tt, default_s=change_seconds, use_feed=not no_feed_changes)
    table = earliest_arrival_table(tt, from_stop, h * 3600 + m * 60 + sec, max_transfers=max_transfers, change_s=mct)
    write_table(table, out)
    typer.echo(f"wrote {out}: {len(table)} stops reached from {from_stop} leaving {at} on {date} "
               f"({tt.footpath_kind} footpaths; change times: default {change_seconds:g} s"
               f"{'' if no_feed_changes else ', feed rules within a stop applied'})")


@transit_app.command("demo")
def demo(out: Path = typer.Option(_DEMO_OUT, "--out", help="Folder for the CSV and PNG.")) -> None:
    """Population reachable by bus from Jessheim within 30 and 45 minutes (Øvre Romerike, Sept. 2017)."""
    from geoaccess.transit.demo import ovre_romerike_demo

    res = ovre_romerike_demo(out_dir=out, progress=True)
    for k, v in res.items():
        typer.echo(f"{k}: {v}")
