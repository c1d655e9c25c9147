"""``geoaccess data``: list and verify the sample datasets."""

from __future__ import annotations

import typer

from geoaccess.cli import app

data_app = typer.Typer(help="The real sample datasets: where they are, their licence, whether they verify.")
app.add_typer(data_app, name="data")


@data_app.command("list")
def list_datasets() -> None:
    """Show every dataset with its licence and whether it is present and verified (SHA-256)."""
    from rich.console import Console
    from rich.table import Table

    from geoaccess.datasets import data_dirs, status

    table = Table(title="geoaccess sample datasets")
    for col in ("dataset", "licence", "present", "sha-256"):
        table.add_column(col)
    for row in status():
        table.add_row(
            str(row["path"]),
            str(row["license"]),
            "yes" if row["present"] else "[red]missing[/]",
            "ok" if row["verified"] else ("[red]MISMATCH[/]" if row["present"] else "-"),
        )
    console = Console()
    console.print(table)
    console.print("Searched: " + "; ".join(str(d) for d in data_dirs()))


@data_app.command("path")
def data_path(name: str) -> None:
    """Print the verified local path of one dataset (e.g. ``osm/tampere.osm.pbf``)."""
    from geoaccess.datasets import fetch

    typer.echo(str(fetch(name)))
