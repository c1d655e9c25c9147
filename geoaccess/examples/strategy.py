"""Demo step: the small-town strategy nationally — centrality index, BA-regions, target towns, omland table.

On the real national data (N1000 car network, SSB 2015 grid, SSB 03321 2020, Etatsbasen 2014,
GISCO healthcare 2020, N1000 airports and stations), into one folder:

* ``centrality/`` — the SSB-style index of every municipality (``geoaccess centrality``); the block
  parts are kept in the cache (``cache_dir()/strategy/``), so a second demo run reads them;
* ``ba/`` — BA-regions from the 2020 flows with the national car and boat tables (``geoaccess
  regions --method ba --preset toi2019 --travel-times national --alt-travel-times national``);
* ``target_towns/`` — one centre town per region with its verdict (``geoaccess target-towns``);
* ``omland/`` — residents, jobs and the nearest services of every target town (``geoaccess omland``).
"""

from __future__ import annotations

import shutil
import time
import warnings
from pathlib import Path
from typing import Any

from geoaccess.errors import InputError

__all__ = ["strategy_demo"]


def _ba_regions(out: Path, year: int) -> dict[str, Any]:
    from geoaccess.layers.commuting import load_flows
    from geoaccess.layers.crosswalk import boundaries_for_year, codes_in_force, municipality_names
    from geoaccess.layers.towns import town_parts_for_year
    from geoaccess.regions.ba import ba_regions
    from geoaccess.regions.config import load_config
    from geoaccess.regions.flows import FlowData
    from geoaccess.regions.output import write_region_outputs
    from geoaccess.regions.travel_tables import resolve_travel_times

    cfg = load_config(preset="toi2019")
    codes = sorted(codes_in_force(year))
    fd = FlowData.from_table(load_flows(year), codes=codes, year=year)
    cp = cfg.ba.centre_proposal
    towns = town_parts_for_year(year, min_cell_population=cp.town_min_cell_population, link_cells=cp.town_link_cells)
    boundaries = boundaries_for_year(year)
    car = resolve_travel_times("national", year=year, codes=codes, mode="car")
    boat = resolve_travel_times("national", year=year, codes=codes, mode="boat")
    res = ba_regions(fd, travel_times=car, alt_travel_times=boat, boundaries=boundaries, towns=towns, params=cfg.ba)
    write_region_outputs(res, fd, out, boundaries=boundaries, names=municipality_names(year), maps=False,
                         title=f"{res.n_regions} BA-regions, flows {year}")
    return {"regions": res.n_regions, "centre_groups": len(res.meta["centres"])}


def strategy_demo(out_dir: str | Path, *, year: int = 2020) -> dict[str, Any]:
    """Run the four national steps into ``out_dir`` and return their key numbers and timings."""
    from geoaccess.datasets import cache_dir
    from geoaccess.strategy.runs import load_car_network, run_centrality, run_omland, run_target_towns

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    prep = load_car_network()
    seconds["network"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    blocks = cache_dir() / "strategy" / f"centrality-blocks-{year}"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*grid is of 2015.*")  # said once, in run.json
        try:
            c = run_centrality(out=out / "centrality", year=year, prep=prep, blocks=blocks)
        except InputError as exc:  # cached parts of another version or other inputs: compute them again
            if "other inputs or parameters" not in str(exc):
                raise
            shutil.rmtree(blocks)
            c = run_centrality(out=out / "centrality", year=year, prep=prep, blocks=blocks)
    seconds["centrality"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    ba = _ba_regions(out / "ba", year)
    seconds["ba_regions"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    tt = run_target_towns(out / "ba", out=out / "target_towns", centrality=out / "centrality", prep=prep)
    seconds["target_towns"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    om = run_omland(out / "target_towns", out=out / "omland", year=year, prep=prep)
    seconds["omland"] = round(time.perf_counter() - t, 2)
    return {
        "oslo_index": c["oslo_index"],
        "lowest": [f"{r['kommunenavn']} {r['index']:.0f}" for r in c["lowest"][:3]],
        "classes": c["classes"],
        "spearman_vs_pre2017": round(c["pre2017"]["spearman_index_level"], 3),
        "blocks": c["inputs"]["run"],
        "ba_regions": ba["regions"],
        "target_towns": tt["included"],
        "target_towns_verdicts": tt["verdicts"],
        "strategy_count": "ca. 120",
        "omland_towns": om["towns"],
        "seconds": seconds,
    }
