#!/usr/bin/env bash
# Story: a county or a regional council asks what its small town offers its hinterland (omland)
# — the small-town strategy's questions for Hamar (Innlandet):
#   1-2. build Hamar's full NVDB road network (2017) and the national N1000 network (car);
#   3.   stitch them: NVDB inside Hamar municipality, N1000 beyond, joined where the same roads cross
#        the border (E6, Rv 25, Fv 222 by road number, the rest by proximity) -> composite network;
#   4.   municipality matrices on N1000 alone and on the composite (every command takes the composite),
#        Hamar's rows side by side;
#   5.   the small-town analysis on the composite (python glue: geoaccess.examples.hamar): omland
#        15/30/45/60 min, service coverage, a 50-job state office at Hamar/Elverum/Tynset, the
#        hypothetical Mjøsa crossing of scenarios/hamar_mjosa_crossing.toml before/after.
#
# Usage: cli/small_town.sh [OUT]      (default OUT=out/small_town; MAPS=0 skips the maps)
# Needs `geoaccess` and `python` on PATH (PYTHON= to choose); networks are cached in $GEOACCESS_CACHE.
set -euo pipefail

OUT="${1:-out/small_town}"
PY="${PYTHON:-python}"
mkdir -p "$OUT"

echo "== 1/5 Hamar's NVDB / FKB-Vegnett car network (2017) -> $OUT/hamar_car"
geoaccess network build roads/hamar_0403_nvdb_fkbvn_2017.zip --mode car --out "$OUT/hamar_car"

echo "== 2/5 The national N1000 car network (roads and ferries) -> $OUT/n1000_car"
geoaccess network build roads/kartverket_n1000_veglenke_2025.gpkg --mode car --out "$OUT/n1000_car" --boundaries-year 0

echo "== 3/5 Stitch: NVDB inside Hamar (kommune 0403), N1000 outside -> $OUT/composite (joins.csv, stitch.gpkg)"
geoaccess network stitch "$OUT/hamar_car" "$OUT/n1000_car" --boundary kommune:0403 --out "$OUT/composite"

echo "== 4/5 Municipality matrices (2024 boundaries) on N1000 alone and on the composite"
geoaccess municipal-matrix "$OUT/n1000_car" --year 2024 --out "$OUT/mm_n1000_2024.csv"
geoaccess municipal-matrix "$OUT/composite" --year 2024 --out "$OUT/mm_composite_2024.csv"
"$PY" - "$OUT" <<'PYTHON'
import sys
import pandas as pd
out = sys.argv[1]
names = {"3403": "Hamar", "3413": "Stange", "3412": "Løten", "3411": "Ringsaker", "3420": "Elverum", "3407": "Gjøvik"}
read = lambda f: pd.read_csv(f"{out}/{f}", dtype={"origin": str, "destination": str})
a, b = read("mm_n1000_2024.csv"), read("mm_composite_2024.csv")
rows = []
for code, name in names.items():
    if code == "3403":
        continue
    pick = lambda t: t.loc[(t.origin == "3403") & (t.destination == code), "minutes"].iloc[0]
    rows.append({"from Hamar to": name, "N1000 minutes": pick(a), "composite minutes": pick(b)})
t = pd.DataFrame(rows)
t.to_csv(f"{out}/hamar_rows_n1000_vs_composite.csv", index=False)
print(t.to_string(index=False))
PYTHON

echo "== 5/5 The small-town analysis for Hamar on the composite -> $OUT/analysis"
"$PY" - "$OUT" <<'PYTHON'
import os, sys
from rich.console import Console
from geoaccess.examples.hamar import hamar_analysis, print_summary
summary = hamar_analysis(f"{sys.argv[1]}/analysis", maps=os.environ.get("MAPS", "1") != "0")
print_summary(summary, Console())
PYTHON

echo "Done. Joins: $OUT/composite/joins.csv; analysis tables, GeoPackage and maps: $OUT/analysis/"
