#!/usr/bin/env bash
# Story: the national small-town strategy (Småbystrategien 2021) and a state agency's centrality test
# (retningslinjer for lokalisering av statlige arbeidsplasser 2022: one alternative in SSB centrality
# class 3-6), on the national data (Kartverket N1000 roads and ferries, SSB 2015 grid, SSB 03321 2020).
#   1. `geoaccess centrality`: the SSB-style centrality index (sentralitetsindeks, 0-1000, Oslo 1000) of every
#      municipality from every inhabited 250 m cell, classes 1-6 (KLASS 128 bands), the pre-2017 levels beside
#      it, and centrality_classes.csv, the table `geoaccess evaluate-sites --centrality` reads;
#   2. `geoaccess regions --method ba`: BA-regions (bo- og arbeidsmarkedsregioner) with the national car and
#      boat tables;
#   3. `geoaccess target-towns`: one centre town per BA-region with its verdict (ca. 120 in the strategy);
#   4. `geoaccess omland`: residents and jobs within 30/45/60/90 min by car and the nearest NAV office,
#      district court, healthcare site, airport and railway station of every target town;
#   5. the classes of a few candidate towns for a state office: which are in class 3-6.
#
# Usage: cli/small_town_strategy.sh [OUT]     (default OUT=out/small_town_strategy; MAPS=0 skips the maps)
set -euo pipefail

OUT="${1:-out/small_town_strategy}"
PY="${PYTHON:-python}"
MAPS_FLAG="--maps"
if [ "${MAPS:-1}" = "0" ]; then MAPS_FLAG="--no-maps"; fi
mkdir -p "$OUT"

echo "== 1/5 Centrality index, every 250 m cell to jobs and services within 90 min -> $OUT/centrality"
geoaccess centrality roads/kartverket_n1000_veglenke_2025.gpkg --year 2020 --out "$OUT/centrality" $MAPS_FLAG

echo "== 2/5 BA-regions from the 2020 commuting flows, national car and boat times -> $OUT/ba"
geoaccess regions --method ba --preset toi2019 --flows "$(geoaccess data path commuting/pendling_03321_2020.csv)" \
    --travel-times national --alt-travel-times national $MAPS_FLAG --out "$OUT/ba"

echo "== 3/5 Target towns (one centre town per region, verdicts) -> $OUT/target_towns"
geoaccess target-towns --regions "$OUT/ba" --centrality "$OUT/centrality" --out "$OUT/target_towns" $MAPS_FLAG

echo "== 4/5 National omland table of the target towns -> $OUT/omland"
geoaccess omland --towns "$OUT/target_towns" --out "$OUT/omland" $MAPS_FLAG

echo "== 5/5 Candidate towns for a state office and their centrality class (one must be in class 3-6)"
"$PY" - "$OUT/centrality/centrality_classes.csv" "$OUT/omland/omland.csv" <<'PYCODE'
import sys

import pandas as pd

classes = pd.read_csv(sys.argv[1], dtype={"kommunenummer": str}).set_index("kommunenummer")
omland = pd.read_csv(sys.argv[2], dtype={"town_kommunenummer": str})
for town in ("Hamar", "Gjøvik", "Steinkjer", "Harstad"):
    row = omland.loc[omland["town_name"] == town].iloc[0]
    k = row["town_kommunenummer"]
    c = int(classes.loc[k, "class"])
    print(f"{town} ({k}): class {c} ({classes.loc[k, 'class_source']}); {'in' if c >= 3 else 'not in'} class 3-6; "
          f"{row['residents_within_45_minutes']:,.0f} residents within 45 min")
PYCODE

echo "Done. $OUT/centrality/centrality.csv, $OUT/target_towns/target_towns.html, $OUT/omland/omland.html"
