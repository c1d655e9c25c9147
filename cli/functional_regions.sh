#!/usr/bin/env bash
# Story: a county (fylkeskommune) defines functional regions from commuting (pendling).
#   1. labour-market areas (LMA, Eurostat/Coombes travel-to-work areas) from SSB table 03321, 2021;
#   2. BA-regions (bo- og arbeidsmarkedsregioner = housing and labour-market regions) with
#      TØI-style rules on the same flows (centres proposed from the flows; no travel-time table,
#      so the travel-time rules are skipped and say so);
#   3. a comparison of the two (adjusted Rand index, best-match share, municipalities that move)
#      and the self-containment (selvdekning) of the region holding Ullensaker (Jessheim, 3033);
#   4. a public-transport catchment for Jessheim: residents reachable by bus within 30/45 min
#      (Ruter NeTEx Øvre Romerike, Tuesday 12 Sept 2017, departures 07:00-08:00, SSB grid 2023).
#
# Usage: cli/functional_regions.sh [OUT]    (default OUT=out/functional_regions)
# Set MAPS=0 to skip the PNG/HTML maps (faster).
set -euo pipefail

OUT="${1:-out/functional_regions}"
PY="${PYTHON:-python}"
MAPS_FLAG="--maps"
[[ "${MAPS:-1}" == "0" ]] && MAPS_FLAG="--no-maps"
mkdir -p "$OUT"

FLOWS="$(geoaccess data path commuting/pendling_03321_2021.csv)"
echo "== commuting flows (SSB 03321, 2021): $FLOWS"

echo "== 1/4 Labour-market areas (LMA, Coombes) -> $OUT/lma_*"
geoaccess regions --flows "$FLOWS" --method lma $MAPS_FLAG --out "$OUT"

echo "== 2/4 BA-regions (TØI-style rules) -> $OUT/ba_*"
geoaccess regions --flows "$FLOWS" --method ba $MAPS_FLAG --out "$OUT"

echo "== 3/4 Compare LMA and BA; Ullensaker's region -> $OUT/lma_vs_ba_*.csv"
"$PY" - "$OUT" <<'PYCODE'
import sys
from pathlib import Path

import pandas as pd

from geoaccess.regions.compare import compare_regionalisations

out = Path(sys.argv[1])
read = lambda m: pd.read_csv(out / f"{m}_membership.csv", dtype={"kommunenummer": str, "region": str})
lma, ba = read("lma"), read("ba")
a = lma.set_index("kommunenummer")["region"]
b = ba.set_index("kommunenummer")["region"]
summary, moves = compare_regionalisations(a, b, weights=lma.set_index("kommunenummer")["residents"])
names = lma.set_index("kommunenummer")["kommunenavn"]
moves.insert(1, "kommunenavn", moves["kommunenummer"].map(names))
tmp = out / "lma_vs_ba_summary.csv.tmp"
pd.DataFrame([summary]).to_csv(tmp, index=False)
tmp.replace(out / "lma_vs_ba_summary.csv")
tmp = out / "lma_vs_ba_moves.csv.tmp"
moves.to_csv(tmp, index=False)
tmp.replace(out / "lma_vs_ba_moves.csv")
print(f"LMA: {summary['n_regions_a']} regions, BA: {summary['n_regions_b']} regions; "
      f"adjusted Rand index {summary['ari']:.3f}; best-match share {summary['best_match_share']:.1%} "
      f"of municipalities ({summary['best_match_share_weighted']:.1%} of employed residents); "
      f"{summary['n_moved']} municipalities in a different region")

rows = []
for method, members in (("lma", lma), ("ba", ba)):
    region = members.set_index("kommunenummer").loc["3033", "region"]
    table = pd.read_csv(out / f"{method}_regions.csv", dtype={"region": str}).set_index("region")
    r = table.loc[region]
    rows.append({"method": method, "region": region, "region_name": r["region_name"],
                 "n_municipalities": int(r["n_municipalities"]), "residents": r["residents"],
                 "jobs": r["jobs"], "sc_supply": r["sc_supply"], "sc_demand": r["sc_demand"],
                 "self_containment": r["self_containment"]})
    print(f"{method.upper()}: Ullensaker (3033) is in region {region} {r['region_name']} "
          f"({int(r['n_municipalities'])} municipalities, {r['residents']:,.0f} employed residents), "
          f"self-containment {r['self_containment']:.1%}")
tmp = out / "ullensaker_region.csv.tmp"
pd.DataFrame(rows).to_csv(tmp, index=False)
tmp.replace(out / "ullensaker_region.csv")
PYCODE

echo "== 4/4 Jessheim by bus: residents within 30/45 min (NeTEx Øvre Romerike 2017, SSB grid 2023)"
geoaccess transit demo --out "$OUT/transit"

echo "Done. See $OUT/lma_vs_ba_summary.csv, $OUT/ullensaker_region.csv and $OUT/transit/"
