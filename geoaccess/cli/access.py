"""``geoaccess access``: accessibility measures on a network, written as table, GeoPackage and map.

Layers are given as specs:

* ``ssb:oslo`` / ``ssb:akershus`` (or a dataset name / path of an SSB grid shapefile): 250 m
  cells, weight = ``population``;
* ``services:<svc>[,<svc>...]``: register services (Etatsbasen 2014, GISCO healthcare 2020,
  Oslo upper-secondary schools 2024) of the vocabulary, e.g. ``services:nav_office``;
* ``osm:<pbf>[:<svc>,...]``: services from the OSM tags of a PBF, e.g.
  ``osm:osm/tampere.osm.pbf:supermarket``;
* any vector file (``.gpkg``, ``.geojson``, ``.shp``) with a CRS.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from geoaccess.cli import app

if TYPE_CHECKING:
    import geopandas as gpd

MEASURES = ("cumulative", "gravity", "nearest", "coverage", "2sfca", "e2sfca", "3sfca", "centrality")


def read_layer_spec(spec: str, *, crs: Any = None) -> gpd.GeoDataFrame:
    """Read a layer from a CLI spec (see the module docstring); points or polygons with a CRS."""
    import geopandas as gpd

    from geoaccess.crs import resolve_crs
    from geoaccess.errors import InputError

    s = spec.strip()
    if s.startswith("ssb:") or (s.startswith("population/") and s.endswith(".shp")):
        from geoaccess.layers.population import read_ssb_grid

        src = s if not s.startswith("ssb:") else f"population/befolkning_250m_2023_{s[4:]}.shp"
        g = read_ssb_grid(src)
    elif s.startswith("services:"):
        from geoaccess.layers.services import read_services

        svc = [x for x in s[len("services:"):].split(",") if x]
        g = read_services(services=svc or None)
    elif s.startswith("osm:"):
        from geoaccess.layers.services import read_osm_services

        pbf, _, svc = s[4:].rpartition(":")
        if not pbf or "/" in svc or "." in svc:  # no service list given
            pbf, svc = s[4:], ""
        g = read_osm_services(pbf, services=[x for x in svc.split(",") if x] or None, crs=crs)
    else:
        p = Path(s)
        if not p.exists():
            msg = (
                f"Layer {spec!r} is neither a file nor a known spec; use ssb:oslo, services:<service>, "
                "osm:<pbf>[:<service>] or a .gpkg/.geojson/.shp path."
            )
            raise InputError(msg)
        g = gpd.read_file(p)
        g = g.set_crs(resolve_crs(g.crs, what=f"Layer {p}"), allow_override=True)
    if crs is not None:
        g = g.to_crs(crs)
    return g


def _weights(g: gpd.GeoDataFrame, column: str | None, defaults: tuple[str, ...], what: str) -> Any:
    import numpy as np

    from geoaccess.errors import InputError

    if column is not None:
        if column not in g.columns:
            msg = f"The {what} layer has no column {column!r}; columns: {', '.join(map(str, g.columns))}."
            raise InputError(msg)
        return g[column].to_numpy(dtype=float)
    for c in defaults:
        if c in g.columns and g[c].notna().all():
            return g[c].to_numpy(dtype=float)
    return np.ones(len(g))


def _points(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import geopandas as gpd

    pts = g.geometry if (g.geom_type == "Point").all() else g.geometry.representative_point()
    return gpd.GeoDataFrame({"_row": range(len(g))}, geometry=pts.to_numpy(), crs=g.crs)


@app.command("access")
def access(
    network: str = typer.Argument(..., help="network.npz (or its folder) from 'geoaccess network build', or a source to build (dataset name, .osm.pbf)."),
    origins: str = typer.Option(..., "--origins", help="Origin layer spec (e.g. ssb:oslo)."),
    opportunities: str = typer.Option(..., "--opportunities", help="Opportunity/facility layer spec (e.g. services:nav_office)."),
    measure: str = typer.Option("cumulative", "--measure", help="|".join(MEASURES)),
    out: Path = typer.Option(..., "--out", help="Output table (.csv or .parquet); a .gpkg and a .png are written next to it."),  # noqa: B008
    mode: str = typer.Option("car", "--mode", help="Mode when NETWORK is built from a source: car, walk or bike."),
    thresholds: str = typer.Option("10,20,30", "--thresholds-minutes", "--thresholds",
                                   help="Minutes, comma-separated (cumulative, coverage). (--thresholds: deprecated.)"),
    decay: str = typer.Option("exp:beta=0.05", "--decay", help="Gravity decay, e.g. exp:beta=0.05, power:alpha=1.5, gaussian:sigma=15, logistic:mu=30,s=5."),
    max_minutes: float | None = typer.Option(None, "--cutoff-minutes", "--max-minutes",
                                             help="Horizon in minutes (gravity; catchment for 2sfca, default 30). "
                                                  "(--max-minutes: deprecated.)"),
    steps: str = typer.Option("10=1,20=0.68,30=0.22", "--steps", help="E2SFCA/3SFCA step weights: upper-minutes=weight,..."),
    origin_weight: str | None = typer.Option(None, "--origin-weight", help="Demand/population column of the origins (default: population)."),
    opportunity_weight: str | None = typer.Option(None, "--opportunity-weight", help="Weight/capacity column (default: capacity, then weight, else 1)."),
    jobs: str | None = typer.Option(None, "--jobs", help="Centrality: jobs layer spec (points or polygons)."),
    jobs_weight: str = typer.Option("jobs", "--jobs-weight", help="Centrality: jobs column of the jobs layer."),
    units: str | None = typer.Option(None, "--units", help="Centrality: origin column with unit codes (e.g. kommunenummer)."),
    centrality_config: Path | None = typer.Option(None, "--centrality-config", help="Centrality: TOML with the index parameters."),  # noqa: B008
    max_snap: float = typer.Option(1000.0, "--max-snap-m", "--max-snap",
                                   help="Points farther than this (metres) from the network are unreachable."),
    progress: bool = typer.Option(False, "--progress", help="Show progress."),
) -> None:
    """Compute an accessibility measure from ORIGINS to OPPORTUNITIES over NETWORK.

    Writes OUT (one row per origin; centrality: one row per unit), OUT.gpkg and a choropleth OUT.png.
    """
    import geopandas as gpd
    import numpy as np
    from rich.console import Console

    from geoaccess.engine.matrix import check_minutes
    from geoaccess.engine.router import Router
    from geoaccess.errors import InputError
    from geoaccess.measures.decay import Step, parse_decay
    from geoaccess.report.atomic import write_table
    from geoaccess.report.maps import png_map

    if measure not in MEASURES:
        msg = f"--measure must be one of {', '.join(MEASURES)}; got {measure!r}."
        raise InputError(msg)
    if out.suffix.lower() not in (".csv", ".parquet"):
        msg = f"--out must end in .csv or .parquet (got {out.name}); the .gpkg and .png are written next to it."
        raise InputError(msg)
    console = Console(stderr=True)
    from geoaccess.cli._common import load_network

    net = load_network(network, None if Path(network).suffix == ".npz" or Path(network).is_dir() else mode,
                       progress=progress)
    router = Router.for_network(net)
    org = read_layer_spec(origins, crs=net.crs)
    opp = read_layer_spec(opportunities, crs=net.crs)
    org_pts = router.snap(_points(org), max_snap_m=max_snap, what="origins", warn=False)
    if not org_pts.snapped.all():
        console.print(f"[yellow]{int((~org_pts.snapped).sum()):,} of {len(org):,} origins lie more than {max_snap:g} m from the network and are left out.[/]")
        org = org.loc[org_pts.snapped]
        org_pts = org_pts.take(np.flatnonzero(org_pts.snapped))
    opp_pts = router.snap(_points(opp), max_snap_m=max_snap, what="opportunities", warn=False)
    if not opp_pts.snapped.all():
        console.print(f"[yellow]{int((~opp_pts.snapped).sum()):,} of {len(opp):,} opportunities lie more than {max_snap:g} m from the network and are left out.[/]")
        opp = opp.loc[opp_pts.snapped]
        opp_pts = opp_pts.take(np.flatnonzero(opp_pts.snapped))
    if len(org) == 0 or len(opp) == 0:
        msg = f"No origin or no opportunity lies within {max_snap:g} m of the network {network!r}; check the layers cover the same area."
        raise InputError(msg)
    console.print(f"{len(org):,} origins, {len(opp):,} opportunities on a {net.mode} network ({len(net.x):,} nodes)")

    ts = list(check_minutes(thresholds, what="--thresholds-minutes"))
    step_decay = parse_decay("step:" + steps)
    if not isinstance(step_decay, Step):  # pragma: no cover - parse_decay("step:...") returns a Step
        msg = f"--steps {steps!r} is not a step specification."
        raise InputError(msg)
    horizon = {
        "cumulative": max(ts), "coverage": max(ts), "nearest": max_minutes, "gravity": max_minutes,
        "2sfca": max_minutes or 30.0, "e2sfca": step_decay.max_minutes, "3sfca": step_decay.max_minutes, "centrality": 90.0,
    }[measure]
    tt = router.matrix(org_pts, opp_pts, cutoff_minutes=horizon, progress=progress)
    cost = tt.minutes
    id_col = next((c for c in ("cell_id", "id") if c in org.columns), None)
    ids = org[id_col].to_numpy() if id_col else org.index.to_numpy()
    demand = _weights(org, origin_weight, ("population",), "origins")
    supply = _weights(opp, opportunity_weight, ("capacity", "weight"), "opportunities")

    if measure == "cumulative":
        from geoaccess.measures.cumulative import cumulative_opportunities

        res = cumulative_opportunities(cost, supply, thresholds=ts, ids=ids, origins=org)
    elif measure == "gravity":
        from geoaccess.measures.gravity import gravity_access

        res = gravity_access(cost, supply, decay=parse_decay(decay), max_minutes=max_minutes, ids=ids, origins=org)
    elif measure == "nearest":
        from geoaccess.measures.population_coverage import nearest_from_cost

        fid = opp["id"].to_numpy() if "id" in opp.columns else opp.index.to_numpy()
        res = nearest_from_cost(cost, ids=ids, origins=org, facility_ids=fid)
    elif measure == "coverage":
        from geoaccess.measures.population_coverage import coverage

        cov = coverage(cost, demand, thresholds=ts, ids=ids, origins=org)
        res = cov.table
        write_table(cov.summary, out.with_name(out.stem + "_summary.csv"))
        for _, r in cov.summary.iterrows():
            console.print(f"within {r.threshold_min:g} min: {100 * r.share:.1f} % of {r.population:,.0f} ({int(r.uncovered_cells)} populated cells uncovered)")
    elif measure in ("2sfca", "e2sfca", "3sfca"):
        from geoaccess.measures.fca import e2sfca, three_step_fca, two_step_fca

        if measure == "2sfca":
            res = two_step_fca(cost, demand, supply, max_minutes=horizon, ids=ids, origins=org)
        elif measure == "e2sfca":
            res = e2sfca(cost, demand, supply, steps=step_decay.steps, ids=ids, origins=org)
        else:
            res = three_step_fca(cost, demand, supply, steps=step_decay.steps, ids=ids, origins=org)
        res.attrs.pop("site_ratio", None)
    else:
        from geoaccess.measures.centrality import centrality_index, load_config

        if jobs is None or "service" not in opp.columns:
            msg = "--measure centrality needs --jobs LAYER and a services layer (with a 'service' column) as --opportunities."
            raise InputError(msg)
        jl = read_layer_spec(jobs, crs=net.crs)
        jobs_pts = router.snap(_points(jl), max_snap_m=max_snap, what="jobs", warn=False)
        jt = router.matrix(org_pts, jobs_pts, cutoff_minutes=90.0, progress=progress)
        unit = org[units].to_numpy() if units else ids
        res = centrality_index(
            jt.minutes, _weights(jl, jobs_weight, (), "jobs"), cost, opp["service"].to_numpy(),
            population=demand, units=unit, config=load_config(centrality_config),
        )
        shapes = gpd.GeoDataFrame({"unit": unit}, geometry=org.geometry.to_numpy(), crs=org.crs)
        if units:
            shapes = shapes.dissolve(by="unit").reset_index()
        res = gpd.GeoDataFrame(res.merge(shapes, on="unit", how="left"), geometry="geometry", crs=org.crs)

    value_cols = [c for c in res.columns if c not in ("origin", "unit", "geometry", "nearest_facility", "population")]
    write_table(res, out)
    if isinstance(res, gpd.GeoDataFrame):
        write_table(res, out.with_suffix(".gpkg"))
        col = "index" if measure == "centrality" else value_cols[0]
        plot = res.copy()
        for c in plot.columns:
            if plot[c].dtype == bool:
                plot[c] = plot[c].astype(int)
        png_map(plot, out.with_suffix(".png"), column=col, title=f"{measure}: {col}", legend_title=col)
    console.print(f"wrote {out}, {out.with_suffix('.gpkg')} and {out.with_suffix('.png')}")
    n_unreach = int((~np.isfinite(cost)).all(axis=1).sum())
    if n_unreach:
        console.print(f"[yellow]{n_unreach:,} origins reach no opportunity within the horizon (or lie off the network).[/]")
