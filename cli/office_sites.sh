#!/usr/bin/env bash
# Story: a state agency tests office sites under the state-job location guidelines
# (retningslinjer for lokalisering av statlige arbeidsplasser, 2022: study >= 3 alternative
# locations, one of them in a municipality of centrality class (sentralitetsklasse) 3-6).
#   1. `geoaccess evaluate-sites`: three candidate sites for a 50-job office at metro stations
#      (T-bane) in eastern Oslo - Helsfyr, Carl Berners plass, Lambertseter - scored on labour
#      pool (arbeidskraftgrunnlag) within 30/45/60/75 min by car, volume in the BA-region,
#      centrality class, user access, walk to the nearest transit hub (kollektivknutepunkt),
#      and the omland (hinterland) effect against the existing NAV offices (Etatsbasen 2014).
#      NOTE: the only Norwegian OSM road network in the sample data is eastern Oslo, and Oslo is
#      centrality class 1; the "one site in class 3-6" requirement cannot be met with these data.
#   2. `geoaccess locate`: an MCLP (maximal covering location problem) choosing 3 of Oslo's
#      upper-secondary schools (videregående skoler) that cover the most residents (SSB 250 m grid
#      2023) within 15 minutes' walk on the eastern-Oslo walk network.
#
# Usage: cli/office_sites.sh [OUT]          (default OUT=out/office_sites)
set -euo pipefail

OUT="${1:-out/office_sites}"
PY="${PYTHON:-python}"
mkdir -p "$OUT"

echo "== 1/4 Candidate sites (OSM stop positions of the three T-bane stations) -> $OUT/sites.csv"
cat > "$OUT/sites.csv" <<'CSV'
site_id,name,lon,lat
helsfyr,Helsfyr T,10.80130,59.91292
carl_berner,Carl Berners plass T,10.77744,59.92598
lambertseter,Lambertseter T,10.81028,59.87348
CSV
echo "kommunenummer,class" > "$OUT/centrality.csv"
echo "0301,1" >> "$OUT/centrality.csv"   # Oslo: class 1 in SSB's centrality index 2020

echo "== 2/4 Existing NAV offices (Etatsbasen 2014) -> $OUT/nav_offices.gpkg"
"$PY" - "$OUT/nav_offices.gpkg" <<'PYCODE'
import sys
import warnings

from geoaccess.layers.services import read_etatsbasen
from geoaccess.report.gpkg import write_layers

target = sys.argv[1]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    nav = read_etatsbasen(services=["nav_office"])
write_layers(target, {"nav_offices": nav})  # a named layer, EPSG:25833, written atomically
print(f"{len(nav)} NAV offices")
PYCODE

echo "== 3/4 Site evaluation for a 50-job state office (car + walk networks from the OSM extract)"
geoaccess evaluate-sites osm/oslo-east-filtered.osm.pbf --sites "$OUT/sites.csv" --jobs 50 \
    --population population/befolkning_250m_2023_oslo.shp \
    --centrality "$OUT/centrality.csv" --existing "$OUT/nav_offices.gpkg" \
    --out "$OUT/site_evaluation.html"

echo "== 4/4 MCLP: 3 upper-secondary schools covering the most residents within 15 min walk"
echo "   candidates: the schools inside the extract's bbox (10.708-10.829 E, 59.860-59.938 N) -> $OUT/schools_in_extract.geojson"
"$PY" - "$(geoaccess data path services/oslo_upper_secondary_schools_2024.geojson)" "$OUT/schools_in_extract.geojson" <<'PYCODE'
import os
import sys

import geopandas as gpd

schools = gpd.read_file(sys.argv[1])
inside = schools.cx[10.708:10.829, 59.860:59.938]
tmp = sys.argv[2] + ".tmp"
inside.to_file(tmp, driver="GeoJSON")
os.replace(tmp, sys.argv[2])
print(f"{len(inside)} of {len(schools)} upper-secondary schools lie inside the eastern-Oslo extract")
PYCODE
geoaccess locate osm/oslo-east-filtered.osm.pbf --mode walk \
    --demand population/befolkning_250m_2023_oslo.shp \
    --candidates "$OUT/schools_in_extract.geojson" \
    --model mclp -p 3 --minutes 15 --out "$OUT/mclp_schools"

echo "Done. Report: $OUT/site_evaluation.html; MCLP: $OUT/mclp_schools/summary.json"
