"""``geoaccess locate`` and ``geoaccess evaluate-sites``: location-allocation and state-office site evaluation."""

from __future__ import annotations

from pathlib import Path

import typer

from geoaccess.cli import app
from geoaccess.cli._common import load_network_step, network_npz, output, read_points_arg, router_step
from geoaccess.cli._options import (
    NETWORK_HELP,
    POINTS_HELP,
    Crs,
    CutoffMinutes,
    IdColumn,
    MaxSnapM,
    NameColumn,
    NetworkArg,
    OfficeJobs,
)


@app.command("locate")
def locate(
    network: NetworkArg,
    demand: str = typer.Option(..., "--demand", help="Demand layer (ssb:oslo, an SSB grid dataset or file, or points) "
                                                      "with a weight column."),
    candidates: str = typer.Option(..., "--candidates", help="Candidate sites. " + POINTS_HELP),
    model: str = typer.Option("pmedian", "--model", help="pmedian, pcenter, mclp, lscp or cpmedian."),
    p: int | None = typer.Option(None, "-p", "--p", help="Total number of open sites (fixed ones included)."),
    add: int | None = typer.Option(None, "--add", help="Number of sites to add to the --fixed ones (instead of -p)."),
    cutoff_minutes: CutoffMinutes = None,
    fixed: str | None = typer.Option(None, "--fixed", help="Comma-separated candidate ids that must stay open."),
    forbidden: str | None = typer.Option(None, "--forbidden", help="Comma-separated candidate ids that may not open."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit in seconds (incumbent + gap on a hit)."),
    heuristic: bool = typer.Option(False, "--heuristic", help="Greedy + vertex substitution (pmedian, mclp) instead of the MILP."),
    mode: str | None = typer.Option(None, "--mode", help="car, walk or bike when NETWORK is a source to build."),
    id_column: IdColumn = None,
    name_column: NameColumn = None,
    demand_id_column: str | None = typer.Option(
        None, "--demand-id-column", help="Id column of the demand (default: cell_id for SSB grids, else as --id-column)."),
    demand_weight: str | None = typer.Option("population", "--demand-weight", help="Demand weight column ('none' = 1 each)."),
    capacity_column: str | None = typer.Option(None, "--capacity-column", help="Capacity column of the candidates (cpmedian)."),
    crs: Crs = None,
    max_snap_m: MaxSnapM = 1000.0,
    out: Path = typer.Option(..., "--out", help="Output folder: summary.json, sites.csv, allocation.csv, location.gpkg, map.png."),
) -> None:
    """Choose sites with a location-allocation model; writes the chosen sites, the allocation and a map."""
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
    console = output()
    net = load_network_step(network, mode)
    dem = read_points_arg(demand, what="demand", id_column=demand_id_column, crs=crs, network=net,
                          max_snap_m=max_snap_m, keep_polygons=True)
    cand = read_points_arg(candidates, what="candidates", id_column=id_column, name_column=name_column, crs=crs,
                           network=net, max_snap_m=max_snap_m)
    router = router_step(net)
    did, cid = dem.attrs["id_column"], cand.attrs["id_column"]
    w = None if demand_weight in (None, "none") else demand_weight
    with console.step("snapping and routing demand to candidates"):
        prob = LocationProblem.from_router(
            router, dem, cand, demand_id=did, candidate_id=cid, weight_column=w, capacity_column=capacity_column,
            fixed=parse_ids(fixed) or None, forbidden=parse_ids(forbidden) or None, max_snap_m=max_snap_m,
        )
    with console.step(f"solving {model}" + (" (heuristic)" if heuristic else "")):
        if heuristic:
            res = solve_heuristic(prob, model, p=p, add=add, cutoff_minutes=cutoff_minutes)  # type: ignore[arg-type]
        else:
            res = solve(prob, model, p=p if model != "lscp" else None, add=add if model != "lscp" else None,  # type: ignore[arg-type]
                        cutoff_minutes=cutoff_minutes, time_limit=time_limit)
    paths = write_location_outputs(res, out, demand=dem, candidates=cand, demand_id=did, candidate_id=cid)
    s = res.summary()
    gap = "n/a" if s["gap"] is None else f"{100 * s['gap']:.3f} %"
    console.show(f"{model}: {s['status']} ({s['solver']}, {s['seconds']:.2f} s), objective {s['objective']:,.2f}, "
                 f"gap {gap}; open sites: {', '.join(s['selected'])}.")
    console.wrote(*paths.values())


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
    network: str = typer.Argument(..., help=NETWORK_HELP + " The car network."),
    sites: str = typer.Option(..., "--sites", help="Candidate sites (>= 3). " + POINTS_HELP),
    office_jobs: OfficeJobs = ...,  # type: ignore[assignment]
    population: str = typer.Option(..., "--population", help="SSB 250 m population grid (ssb:oslo, a dataset name or file)."),
    id_column: IdColumn = None,
    name_column: NameColumn = None,
    crs: Crs = None,
    flows: Path | None = typer.Option(None, "--flows", help="Commuting flows, SSB 03321 CSV (default: the 2021 sample)."),
    walk_network: str | None = typer.Option(None, "--walk-network", help="Walk network (default: NETWORK's OSM source built for walking)."),
    hubs: str | None = typer.Option(None, "--hubs", help="Transit hubs: an OSM PBF (dataset or file) or a GTFS zip (default: NETWORK's OSM source)."),
    centrality: Path | None = typer.Option(None, "--centrality", help="CSV with kommunenummer,class (SSB centrality class 1-6)."),
    existing: str | None = typer.Option(None, "--existing", help="Existing offices of the service (for the omland change)."),
    weights: str | None = typer.Option(None, "--weights", help="Optional weights, e.g. users_mean_minutes=2,pool_60=1."),
    max_snap_m: MaxSnapM = 1000.0,
    out: Path = typer.Option(..., "--out", help="The report .html; .csv, _wide.csv and .gpkg go next to it."),
) -> None:
    """Evaluate >= 3 sites for a state office (labour pool, volume, centrality, user access, transit hub, omland).

    Ranks are on values rounded to the precision the inputs support; ties share a rank. A
    criterion that cannot be computed is shown as "not computed, because ...".
    """
    import pandas as pd

    from geoaccess.errors import InputError
    from geoaccess.location.report import write_site_report
    from geoaccess.location.sites import evaluate_sites, hubs_from_gtfs, read_transit_hubs

    if out.suffix.lower() not in (".html", ".htm"):
        msg = f"--out must be an .html file, not {out.name!r}."
        raise InputError(msg)
    console = output()
    saved = network_npz(network) is not None
    net_car = load_network_step(network, None if saved else "car")
    # the OSM source of NETWORK: the argument itself, or the file a saved network was built from
    osm_source = network if ".osm" in network else None
    reasons: dict[str, str] = {}
    if osm_source is None and saved:
        src = str(net_car.meta.get("source") or "")
        if ".osm" in src and Path(src).is_file():
            osm_source = src
            console.note(f"the saved network was built from {src}: walk network and transit hubs are read from it")
        else:
            why = (f"NETWORK is a saved network folder whose OSM source {src or '(unknown)'} is not at hand"
                   if src else "NETWORK is a saved network folder that does not name its OSM source")
            reasons["hubs"] = f"{why}; give --hubs (an OSM PBF or a GTFS zip)"
            reasons["walk"] = f"{why}; give --walk-network"
    net_walk = None
    if walk_network is not None:
        net_walk = load_network_step(walk_network, None if network_npz(walk_network) is not None else "walk")
    elif osm_source is not None:
        net_walk = load_network_step(osm_source, "walk")
    hub_src = hubs or osm_source
    hub_layer = None
    if hub_src is not None:
        with console.step(f"transit hubs from {hub_src}"):
            hub_layer = hubs_from_gtfs(hub_src) if hub_src.endswith(".zip") else read_transit_hubs(hub_src)
    site_layer = read_points_arg(sites, what="sites", id_column=id_column, name_column=name_column, crs=crs,
                                 network=net_car, max_snap_m=max_snap_m)
    sid = str(site_layer.attrs["id_column"])
    sname = site_layer.attrs.get("name_column") or sid
    pop = read_points_arg(population, what="population cells", keep_polygons=True)
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
    ex = read_points_arg(existing, what="existing offices", crs=crs) if existing else None
    with console.stepper() as step:
        ev = evaluate_sites(site_layer, office_jobs=office_jobs, car=net_car, walk=net_walk, population=pop,
                            hubs=hub_layer, flows=fl, centrality=cen, existing=ex, weights=_parse_weights(weights),
                            site_id=sid, name_column=str(sname), max_snap_m=max_snap_m, missing_reasons=reasons,
                            progress=step)
        step("writing the report")
        paths = write_site_report(ev, out)
    t = ev.table
    for r in t.itertuples():
        hub = "not computed" if "walk_hub_minutes" in ev.missing else f"{r.walk_hub_minutes:.1f} min"
        console.show(f"{r.site_id} {r.name}: pool60 {r.pool_60:,.0f}, users {r.users_mean_minutes:.1f} min, "
                     f"hub walk {hub}")
    for k, why in ev.missing.items():
        console.note(f"{k}: {why}")
    console.wrote(*paths.values())
