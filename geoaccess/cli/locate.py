"""``geoaccess locate`` and ``geoaccess evaluate-sites``: location-allocation and state-office site evaluation."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import typer

from geoaccess.cli import app
from geoaccess.cli._common import load_network, print_warnings

_NETWORK_HELP = (
    "A network.npz (or its folder) written by `geoaccess network build`, or a source for build_network: a dataset "
    "name such as osm/oslo-east-filtered.osm.pbf or a file path (built with --mode)."
)


def _read_layer(source: str, *, what: str) -> Any:
    """A vector layer from a file or a registered dataset name; SSB grids through read_ssb_grid."""
    import geopandas as gpd

    from geoaccess.errors import InputError

    p = Path(source)
    if not p.is_file():
        from geoaccess.datasets import fetch

        try:
            p = Path(fetch(source))
        except KeyError:
            msg = f"The {what} {source!r} is neither a file nor a registered dataset name."
            raise InputError(msg) from None
    if "befolkning" in p.name or p.suffix.lower() == ".shp" and "pop_tot" in gpd.read_file(p, rows=1).columns:
        from geoaccess.layers.population import read_ssb_grid

        return read_ssb_grid(p)
    if p.suffix.lower() == ".csv":
        import pandas as pd
        import shapely

        df = pd.read_csv(p)
        cols = {c.lower(): c for c in df.columns}
        for xs, ys, crs in (("lon", "lat", "EPSG:4326"), ("x", "y", "EPSG:25833")):
            if xs in cols and ys in cols:
                return gpd.GeoDataFrame(df, geometry=shapely.points(df[cols[xs]], df[cols[ys]]), crs=crs)
        msg = f"The {what} CSV {p} needs lon/lat (WGS84) or x/y (EPSG:25833) columns; it has {list(df.columns)}."
        raise InputError(msg)
    try:
        return gpd.read_file(p)
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes a named input error
        msg = f"Cannot read the {what} file {p}: {exc}"
        raise InputError(msg) from None


@app.command("locate")
def locate(
    network: str = typer.Argument(..., help=_NETWORK_HELP),
    demand: str = typer.Option(..., "--demand", help="Demand layer (SSB grid dataset name or file) with a weight column."),
    candidates: str = typer.Option(..., "--candidates", help="Candidate sites (file or dataset name; points)."),
    model: str = typer.Option("pmedian", "--model", help="pmedian, pcenter, mclp, lscp or cpmedian."),
    p: int | None = typer.Option(None, "-p", "--p", help="Total number of open sites (fixed ones included)."),
    add: int | None = typer.Option(None, "--add", help="Number of sites to add to the --fixed ones (instead of -p)."),
    minutes: float | None = typer.Option(None, "--minutes", help="Coverage time T in minutes (mclp, lscp)."),
    fixed: str | None = typer.Option(None, "--fixed", help="Comma-separated candidate ids that must stay open."),
    forbidden: str | None = typer.Option(None, "--forbidden", help="Comma-separated candidate ids that may not open."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit in seconds (incumbent + gap on a hit)."),
    heuristic: bool = typer.Option(False, "--heuristic", help="Greedy + vertex substitution (pmedian, mclp) instead of the MILP."),
    mode: str | None = typer.Option(None, "--mode", help="car, walk or bike when NETWORK is a source to build."),
    demand_id: str | None = typer.Option(None, "--demand-id", help="Demand id column (default: cell_id for SSB grids, else row)."),
    candidate_id: str | None = typer.Option(None, "--candidate-id", help="Candidate id column (default: id if present, else row)."),
    weight: str | None = typer.Option("population", "--weight", help="Demand weight column ('none' = 1 each)."),
    capacity_column: str | None = typer.Option(None, "--capacity-column", help="Capacity column of the candidates (cpmedian)."),
    max_snap: float = typer.Option(1000.0, "--max-snap-m", "--max-snap",
                                   help="Largest distance from a point to the network, metres. (--max-snap: deprecated.)"),
    out: Path = typer.Option(..., "--out", help="Output folder: summary.json, sites.csv, allocation.csv, location.gpkg, map.png."),
) -> None:
    """Choose sites with a location-allocation model; writes the chosen sites, the allocation and a map."""
    from rich.console import Console

    from geoaccess.errors import InputError
    from geoaccess.location.exact import MODELS, solve
    from geoaccess.location.heuristics import solve_heuristic
    from geoaccess.location.problem import LocationProblem, parse_ids
    from geoaccess.location.report import write_location_outputs

    if model not in MODELS:
        msg = f"--model must be one of {', '.join(MODELS)}, not {model!r}."
        raise InputError(msg)
    if heuristic and model not in ("pmedian", "mclp"):
        msg = "--heuristic is available for pmedian and mclp only."
        raise InputError(msg)
    if model != "lscp" and p is None and add is None:
        msg = f"--model {model} needs -p K (total sites) or --add K (sites besides --fixed)."
        raise InputError(msg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from geoaccess.engine.router import Router

        router = Router.for_network(load_network(network, mode))
        dem = _read_layer(demand, what="demand layer")
        cand = _read_layer(candidates, what="candidate layer")
        did = demand_id or ("cell_id" if "cell_id" in dem.columns else None)
        cid = candidate_id or ("id" if "id" in cand.columns else None)
        w = None if weight in (None, "none") else weight
        prob = LocationProblem.from_router(
            router, dem, cand, demand_id=did, candidate_id=cid, weight_column=w, capacity_column=capacity_column,
            fixed=parse_ids(fixed) or None, forbidden=parse_ids(forbidden) or None, max_snap_m=max_snap,
        )
        if heuristic:
            res = solve_heuristic(prob, model, p=p, add=add, minutes=minutes)  # type: ignore[arg-type]
        else:
            res = solve(prob, model, p=p if model != "lscp" else None, add=add if model != "lscp" else None,  # type: ignore[arg-type]
                        minutes=minutes, time_limit=time_limit)
        paths = write_location_outputs(res, out, demand=dem, candidates=cand, demand_id=did, candidate_id=cid)
    print_warnings(caught)
    s = res.summary()
    gap = "n/a" if s["gap"] is None else f"{100 * s['gap']:.3f} %"
    Console().print(
        f"{model}: {s['status']} ({s['solver']}, {s['seconds']:.2f} s), objective {s['objective']:,.2f}, gap {gap}; "
        f"open sites: {', '.join(s['selected'])}. Wrote {', '.join(str(v) for v in paths.values())}",
        highlight=False, soft_wrap=True,
    )


def _parse_weights(text: str | None) -> dict[str, float] | None:
    from geoaccess.errors import InputError

    if not text:
        return None
    out = {}
    for part in text.split(","):
        if "=" not in part:
            msg = f"--weights: {part!r} is not measure=weight (e.g. users_mean_minutes=2,pool_60=1)."
            raise InputError(msg)
        k, v = part.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            msg = f"--weights: {v!r} is not a number."
            raise InputError(msg) from None
    return out


@app.command("evaluate-sites")
def evaluate_sites_cmd(
    network: str = typer.Argument(..., help=_NETWORK_HELP + " The car network."),
    sites: str = typer.Option(..., "--sites", help="Candidate sites (>= 3): vector file or CSV (site_id, name, lon/lat or x/y)."),
    jobs: int = typer.Option(..., "--jobs", help="N, the number of new jobs."),
    population: str = typer.Option(..., "--population", help="SSB 250 m population grid (dataset name or file)."),
    flows: Path | None = typer.Option(None, "--flows", help="Commuting flows, SSB 03321 CSV (default: the 2021 sample)."),
    walk_network: str | None = typer.Option(None, "--walk-network", help="Walk network (default: NETWORK's source built for walking)."),
    hubs: str | None = typer.Option(None, "--hubs", help="Transit hubs: an OSM PBF (dataset or file) or a GTFS zip (default: NETWORK's OSM source)."),
    centrality: Path | None = typer.Option(None, "--centrality", help="CSV with kommunenummer,class (SSB centrality class 1-6)."),
    existing: str | None = typer.Option(None, "--existing", help="Existing offices of the service (for the omland change)."),
    weights: str | None = typer.Option(None, "--weights", help="Optional weights, e.g. users_mean_minutes=2,pool_60=1."),
    out: Path = typer.Option(..., "--out", help="The report .html; .csv, _wide.csv and .gpkg go next to it."),
) -> None:
    """Evaluate >= 3 sites for a state office (labour pool, volume, centrality, user access, transit hub, omland)."""
    import pandas as pd
    from rich.console import Console

    from geoaccess.errors import InputError
    from geoaccess.location.report import write_site_report
    from geoaccess.location.sites import (
        evaluate_sites,
        hubs_from_gtfs,
        read_transit_hubs,
    )

    if out.suffix.lower() not in (".html", ".htm"):
        msg = f"--out must be an .html file, not {out.name!r}."
        raise InputError(msg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net_car = load_network(network, "car" if not network.endswith(".npz") else None)
        is_osm = ".osm" in network
        net_walk = None
        if walk_network is not None:
            net_walk = load_network(walk_network, "walk" if not walk_network.endswith(".npz") else None)
        elif is_osm:
            net_walk = load_network(network, "walk")
        hub_src = hubs or (network if is_osm else None)
        hub_layer = None
        if hub_src is not None:
            hub_layer = hubs_from_gtfs(hub_src) if hub_src.endswith(".zip") else read_transit_hubs(hub_src)
        site_layer = _read_layer(sites, what="sites")
        if "site_id" not in site_layer.columns:
            site_layer["site_id"] = [f"site{i + 1}" for i in range(len(site_layer))]
        if "name" not in site_layer.columns:
            site_layer["name"] = site_layer["site_id"].astype(str)
        pop = _read_layer(population, what="population layer")
        fl = None
        if flows is not None:
            from geoaccess.layers.commuting import read_flows

            fl = read_flows(flows)
        cen = None
        if centrality is not None:
            cen = pd.read_csv(centrality, dtype={"kommunenummer": str})
            if not {"kommunenummer", "class"} <= set(cen.columns):
                msg = f"--centrality {centrality} needs columns kommunenummer,class; it has {list(cen.columns)}."
                raise InputError(msg)
            cen.attrs["source"] = f"user table {centrality.name}"
        ex = _read_layer(existing, what="existing offices") if existing else None
        ev = evaluate_sites(site_layer, jobs=jobs, car=net_car, walk=net_walk, population=pop, hubs=hub_layer,
                            flows=fl, centrality=cen, existing=ex, weights=_parse_weights(weights))
        paths = write_site_report(ev, out)
    print_warnings(caught)
    t = ev.table
    Console().print(
        "; ".join(f"{r.name}: pool60 {r.pool_60:,.0f}, users {r.users_mean_minutes:.1f} min, hub walk "
                  f"{r.walk_hub_minutes:.1f} min" for r in t.itertuples()) + f". Wrote {', '.join(str(v) for v in paths.values())}",
        highlight=False, soft_wrap=True,
    )
