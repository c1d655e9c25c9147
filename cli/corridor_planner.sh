#!/usr/bin/env bash
# Story: a transport planner weighs a corridor (regionforstørring = "region enlargement":
# how a new road, tunnel or ferry widens a town's labour market).
#   1. build the eastern-Oslo car network from the real 2019 OSM extract;
#   2. car catchments (omland = hinterland) of 10/30/45/60 minutes around Økern and Helsfyr,
#      with the residents reached (SSB 250 m grid 2023);
#   3. before/after with `geoaccess scenario`: the hypothetical Økern-Abildsø tunnel of
#      scenarios/oslo_east_new_link.toml (NOT a real plan), residents and jobs within
#      5/10/15/30/45/60 minutes of Økern.
#   Optional (HAMAR=1): the same before/after on the NVDB road layer of Hamar with
#      scenarios/hamar_faster_corridor.toml (no population grid covers Hamar: counts are of
#      network nodes).
#
# Usage: cli/corridor_planner.sh [OUT]      (default OUT=out/corridor_planner)
# Needs `geoaccess` on PATH; networks are cached in $GEOACCESS_CACHE.
set -euo pipefail

OUT="${1:-out/corridor_planner}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCENARIOS="${SCENARIOS:-$HERE/../scenarios}"
mkdir -p "$OUT"

echo "== 1/3 Build the eastern-Oslo car network (OSM 2019) -> $OUT/network"
geoaccess network build osm/oslo-east-filtered.osm.pbf --mode car --out "$OUT/network"

echo "== 2/3 Car catchments (omland) 10/30/45/60 min from Økern and Helsfyr, residents reached (SSB 2023)"
cat > "$OUT/centres.geojson" <<'GEOJSON'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "Økern"},     "geometry": {"type": "Point", "coordinates": [10.8080, 59.9285]}},
 {"type": "Feature", "properties": {"name": "Helsfyr"}, "geometry": {"type": "Point", "coordinates": [10.8003, 59.9125]}}
]}
GEOJSON
geoaccess catchment "$OUT/network" --origins "$OUT/centres.geojson" --origin-id name \
    --minutes 10,30,45,60 --population population/befolkning_250m_2023_oslo.shp \
    --out "$OUT/catchments.gpkg"

echo "== 3/3 Before/after: hypothetical Økern-Abildsø tunnel, residents and jobs near Økern"
geoaccess scenario "$OUT/network" --spec "$SCENARIOS/oslo_east_new_link.toml" \
    --centre "10.8080,59.9285,EPSG:4326" \
    --population population/befolkning_250m_2023_oslo.shp --jobs-municipality 0301 \
    --minutes 5,10,15,30,45,60 --out "$OUT/oslo_east_new_link"

if [[ "${HAMAR:-0}" == "1" ]]; then
    echo "== extra: Hamar NVDB network and the faster trunk-road corridor (counts are network nodes)"
    geoaccess network build roads/hamar_nvdb_speed_limits_2018.geojson --out "$OUT/hamar_network"
    geoaccess scenario "$OUT/hamar_network" --spec "$SCENARIOS/hamar_faster_corridor.toml" \
        --centre "11.0736,60.7935,EPSG:4326" --minutes 5,10,15,30 --out "$OUT/hamar_faster_corridor"
fi

echo "Done. Tables: $OUT/oslo_east_new_link/enlargement.csv; maps: $OUT/catchments.png, $OUT/oslo_east_new_link/change.png"
