"""Measurement: N1000 against the detailed networks where they overlap (Hamar NVDB 2018, eastern Oslo OSM 2019).

Not a timing benchmark: it measures what the 1:1M generalisation does to lengths (link level)
and the time bias left after the profile (pair level), with the profile's length factor and
without it (``length_factor = 1``). The figures in docs/national.md come from this script.

Run:  .venv/bin/python benchmarks/n1000_vs_detailed.py
Writes benchmarks/results/n1000_vs_detailed.json and .md.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
DETAILED = {"Hamar NVDB 2018": "roads/hamar_nvdb_speed_limits_2018.geojson",
            "eastern Oslo OSM 2019": "osm/oslo-east-filtered.osm.pbf"}


def main() -> None:
    warnings.simplefilter("ignore")
    from geoaccess.national.compare import compare_with_detailed, link_length_ratios, summarise_ratios
    from geoaccess.network.build import build_network
    from geoaccess.network.components import keep_components
    from geoaccess.network.n1000 import read_n1000
    from geoaccess.network.n1000_profile import load_n1000_profile
    from geoaccess.network.simplify import simplify
    from geoaccess.report.atomic import atomic_path

    prof = load_n1000_profile()
    nets = {f"length_factor {f:g}": keep_components(simplify(read_n1000(
        _path(),
        profile=replace(prof, length_factor=f))), warn=False) for f in (1.0, prof.length_factor)}
    out: dict[str, object] = {"profile_length_factor": prof.length_factor, "areas": {}}
    lines = ["| area | measure | pairs/links | p10 | p25 | median | p75 | p90 |", "|---|---|---|---|---|---|---|---|"]
    for area, src in DETAILED.items():
        det = build_network(src, mode="car")
        res: dict[str, object] = {}
        links = link_length_ratios(nets["length_factor 1"], det)
        res["link_length_ratio"] = summarise_ratios(links["ratio"])
        res["link_length_ratio"]["length_weighted"] = float(links["detailed_m"].sum() / links["coarse_m"].sum())
        for label, net in nets.items():
            pairs = compare_with_detailed(net, det)
            res[f"time_ratio ({label})"] = summarise_ratios(pairs["time_ratio"])
            if label == "length_factor 1":
                res["route_length_ratio"] = summarise_ratios(pairs["length_ratio"])
            bands = pd.cut(pairs["crow_m"] / 1000, [2, 5, 10, 20, 50])
            res[f"time_ratio by km ({label})"] = {str(k): float(v) for k, v in
                                                  pairs.groupby(bands, observed=True)["time_ratio"].median().items()}
        out["areas"][area] = res  # type: ignore[index]
        for key in ("link_length_ratio", "route_length_ratio", *(f"time_ratio ({n})" for n in nets)):
            s = res[key]
            lines.append(f"| {area} | {key} | {s['count']} | {s['p10']:.3f} | {s['p25']:.3f} | {s['median']:.3f} | "
                         f"{s['p75']:.3f} | {s['p90']:.3f} |")
    RESULTS.mkdir(exist_ok=True)
    with atomic_path(RESULTS / "n1000_vs_detailed.json") as tmp:
        tmp.write_text(json.dumps(out, indent=2), encoding="utf-8")
    text = "# N1000 vs detailed networks\n\n" + "\n".join(lines) + "\n"
    with atomic_path(RESULTS / "n1000_vs_detailed.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(text)
    print(json.dumps({a: {k: v for k, v in r.items() if "by km" in k} for a, r in out["areas"].items()}, indent=1))


def _path() -> str:
    from geoaccess.datasets import fetch

    return str(fetch("roads/kartverket_n1000_veglenke_2025.gpkg"))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
