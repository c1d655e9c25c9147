#!/usr/bin/env bash
# Story: a transport planner asks what E39 Rogfast does to the labour markets between Stavanger and
# Haugesund (regionforstørring = "region enlargement" between regions).
#   1. build the national car network from Kartverket's N1000 roads (2025): the build lists the planned
#      links it leaves out, E39 Rogfast among them, and edges.gpkg names every road (E39, F519 ...);
#   2. `geoaccess regionforstorring` with scenarios/rogfast.toml (open the six planned Rogfast links,
#      remove the Mortavika-Arsvågen ferry) and the 2021 commuting flows: jobs within 45/60 minutes of
#      every inhabited 250 m cell before and after (the TØI/Vegdirektoratet measure), per municipality
#      and BA-region; residents and jobs within 45/60/90 minutes of each regional centre; BA membership;
#   3. the lines for Kvitsøy, Bokn, Stavanger and Haugesund, and the Stavanger-Haugesund time.
#
# Usage: cli/rogfast.sh [OUT]      (default OUT=out/rogfast)
# Needs `geoaccess` and `python` on PATH (PYTHON= to choose); networks are cached in $GEOACCESS_CACHE.
set -euo pipefail

OUT="${1:-out/rogfast}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCENARIOS="${SCENARIOS:-$HERE/../scenarios}"
PYTHON="${PYTHON:-python}"
mkdir -p "$OUT"

echo "== 1/3 Build the national N1000 car network -> $OUT/n1000 (planned links listed, edges.gpkg with road numbers)"
geoaccess network build roads/kartverket_n1000_veglenke_2025.gpkg --mode car --out "$OUT/n1000"

echo "== 2/3 E39 Rogfast before/after: jobs within 45/60 min of every inhabited cell, centres, BA-regions"
geoaccess regionforstorring "$OUT/n1000" --spec "$SCENARIOS/rogfast.toml" \
    --flows commuting/pendling_03321_2021.csv --out "$OUT/rogfast"

echo "== 3/3 Kvitsøy, Bokn, Stavanger, Haugesund (population-weighted jobs within reach) and key travel times"
"$PYTHON" - "$OUT/rogfast" <<'PY'
import sys
import pandas as pd

out = sys.argv[1]
m = pd.read_csv(f"{out}/municipalities.csv", dtype={"kommunenummer": str}).set_index("kommunenummer")
cols = ["kommunenavn", "jobs_45min_before", "jobs_45min_after", "jobs_60min_before", "jobs_60min_after"]
print(m.loc[["1144", "1145", "1103", "1106"], cols].round(0).to_string())
t = pd.read_csv(f"{out}/travel_times.csv", dtype={"origin": str, "destination": str})
t = t.set_index(["origin", "destination"])
for a, b in (("1103", "1106"), ("1144", "1103"), ("1145", "1103")):
    r = t.loc[(a, b)]
    print(f"{r.origin_name} -> {r.destination_name}: {r.minutes_before:.1f} -> {r.minutes_after:.1f} min")
PY
echo "Done. Tables, GeoPackage and maps in $OUT/rogfast (change_jobs_60min.png / .html, regionforstorring.gpkg)"
