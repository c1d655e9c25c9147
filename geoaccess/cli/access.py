"""``geoaccess access``: accessibility measures on a network, written as table, GeoPackage and map.

Layers are given as specs (:mod:`geoaccess.layers.specs`): ``ssb:oslo`` / ``ssb:akershus`` (SSB
250 m cells, weight ``population``), ``services:<svc>[,<svc>...]`` (register services, e.g.
``services:nav_office`` or ``services:nav``), ``osm:<pbf>[:<svc>,...]``, or the user's file
(CSV with lat/lon or x/y + ``--crs``, GeoPackage, GeoParquet, GeoJSON). The measure itself is
:func:`geoaccess.measures.access.access_measure`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from geoaccess.cli import app
from geoaccess.cli._common import load_network_step, output, read_points_arg, router_step
from geoaccess.cli._options import Crs, CutoffMinutes, IdColumn, MaxSnapM, NameColumn, NetworkArg, ThresholdsMinutes
from geoaccess.measures.access import MEASURES

__all__ = ["access"]


@app.command("access")
def access(
    network: NetworkArg,
    origins: str = typer.Option(..., "--origins", help="Origin layer spec (e.g. ssb:oslo, or a point file)."),
    opportunities: str = typer.Option(..., "--opportunities",
                                      help="Opportunity/facility layer spec (e.g. services:nav_office or services:nav)."),
    measure: str = typer.Option("cumulative", "--measure", help="|".join(MEASURES)),
    out: Path = typer.Option(..., "--out", help="Output table (.csv or .parquet); a .gpkg and a .png are written next to it."),  # noqa: B008
    mode: str = typer.Option("car", "--mode", help="Mode when NETWORK is built from a source: car, walk or bike."),
    thresholds_minutes: ThresholdsMinutes = "10,20,30",
    decay: str = typer.Option("exp:beta=0.05", "--decay", help="Gravity decay, e.g. exp:beta=0.05, power:alpha=1.5, gaussian:sigma=15, logistic:mu=30,s=5."),
    cutoff_minutes: CutoffMinutes = None,
    steps: str = typer.Option("10=1,20=0.68,30=0.22", "--steps", help="E2SFCA/3SFCA step weights: upper-minutes=weight,..."),
    origin_weight: str | None = typer.Option(None, "--origin-weight", help="Demand/population column of the origins (default: population)."),
    opportunity_weight: str | None = typer.Option(None, "--opportunity-weight", help="Weight/capacity column (default: capacity, then weight, else 1)."),
    id_column: IdColumn = None,
    name_column: NameColumn = None,
    crs: Crs = None,
    jobs: str | None = typer.Option(None, "--jobs", help="Centrality: jobs layer spec (points or polygons)."),
    jobs_weight: str = typer.Option("jobs", "--jobs-weight", help="Centrality: jobs column of the jobs layer."),
    units: str | None = typer.Option(None, "--units", help="Centrality: origin column with unit codes (e.g. kommunenummer)."),
    centrality_config: Path | None = typer.Option(None, "--centrality-config", help="Centrality: TOML with the index parameters."),  # noqa: B008
    max_snap_m: MaxSnapM = 1000.0,
) -> None:
    """Compute an accessibility measure from ORIGINS to OPPORTUNITIES over NETWORK.

    Writes OUT (one row per origin, origin_id first; centrality: one row per unit), OUT.gpkg and a
    choropleth OUT.png. --cutoff-minutes is the horizon of gravity and nearest, and the catchment
    of 2sfca (default 30).
    """
    import geopandas as gpd

    from geoaccess.cli._common import network_npz
    from geoaccess.errors import InputError
    from geoaccess.measures.access import access_measure
    from geoaccess.report.atomic import write_table
    from geoaccess.report.gpkg import round_for_output, write_layers
    from geoaccess.report.maps import png_map

    if measure not in MEASURES:
        msg = f"--measure must be one of {', '.join(MEASURES)}; got {measure!r}."
        raise InputError(msg)
    if out.suffix.lower() not in (".csv", ".parquet"):
        msg = f"--out must end in .csv or .parquet (got {out.name}); the .gpkg and .png are written next to it."
        raise InputError(msg)
    console = output()
    net = load_network_step(network, None if network_npz(network) is not None else mode)
    org = read_points_arg(origins, what="origins", id_column=id_column, name_column=name_column, crs=crs,
                          network=net, max_snap_m=max_snap_m, keep_polygons=True)
    opp = read_points_arg(opportunities, what="opportunities", crs=crs, network=net, max_snap_m=max_snap_m,
                          keep_polygons=True)
    jl = None if jobs is None else read_points_arg(jobs, what="jobs", crs=crs, keep_polygons=True)
    router = router_step(net)
    with console.step(f"{measure} access"):
        res = access_measure(
            router, org.to_crs(net.crs), opp.to_crs(net.crs), measure=measure,
            thresholds_minutes=thresholds_minutes,  # type: ignore[arg-type]
            decay=decay, cutoff_minutes=cutoff_minutes, steps=steps, origin_weight=origin_weight,
            opportunity_weight=opportunity_weight, jobs=None if jl is None else jl.to_crs(net.crs),
            jobs_weight=jobs_weight, units=units, centrality_config=centrality_config, max_snap_m=max_snap_m,
            progress=console.progress,
        )
    for n, what in ((res.origins_left_out, "origins"), (res.opportunities_left_out, "opportunities")):
        if n:
            console.note(f"warning: {n:,} {what} lie more than {max_snap_m:g} m from the network and are left out.")
    table = res.table
    if res.summary is not None:
        write_table(round_for_output(res.summary), out.with_name(out.stem + "_summary.csv"))
        for _, r in res.summary.iterrows():
            console.note(f"within {r.threshold_min:g} min: {100 * r.share:.1f} % of {r.population:,.0f} "
                         f"({int(r.uncovered_cells)} populated cells uncovered)")
    plain = table.drop(columns="geometry") if isinstance(table, gpd.GeoDataFrame) else table
    write_table(round_for_output(plain) if out.suffix.lower() == ".csv" else plain, out)
    written = [out]
    if isinstance(table, gpd.GeoDataFrame):
        plot = table.copy()
        for c in plot.columns:
            if plot[c].dtype == bool:
                plot[c] = plot[c].astype(int)
        write_layers(out.with_suffix(".gpkg"), {"access": plot},
                     crs=None, qml=False)
        png_map(plot, out.with_suffix(".png"), column=res.value_column, title=f"{measure}: {res.value_column}",
                legend_title=res.value_column)
        written += [out.with_suffix(".gpkg"), out.with_suffix(".png")]
    console.wrote(*written)
    if res.origins_unreached:
        console.note(f"warning: {res.origins_unreached:,} origins reach no opportunity within the horizon.")
